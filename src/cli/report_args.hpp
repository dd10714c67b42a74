#pragma once
// Options shared by `casesample report`, `casesample audit`, `casesample size` and `casesample interval`.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "casesample/framework.hpp"

namespace casesample::cli {

// "court=71,out-of-court=39" -> framework domain index -> count (from 1 to `most`): parse_named_counts, each name
// a domain of the framework rated from key questions. Throws UsageError naming `option`.
std::map<std::size_t, std::int64_t> parse_domain_counts(const Framework& framework, const std::string& text,
                                                        const std::string& option,
                                                        std::int64_t most = 2147483647);

// The text of a numeric option, checked to be a whole number from `least` to `most` (no sign, no fraction, no
// exponent). Throws UsageError "OPTION must be a whole number from LEAST to MOST, got 'TEXT'": CLI11's own
// conversion would wrap a negative number round or clamp a huge one without saying so.
std::uint64_t parse_whole_number(const std::string& option, const std::string& text, std::uint64_t least,
                                 std::uint64_t most);

// --robust-at: a decimal from 0.5 to 1, read as typed (no exponent, no sign). Throws UsageError
// "--robust-at must be a probability from 0.5 to 1 (e.g. 0.9), got 'TEXT'".
double parse_robust_at(const std::string& text);
// "court=71,out-of-court=39" -> [("court", 71), ("out-of-court", 39)], names as typed, in order, each count a
// whole number from `least` to `most` quoted as typed when it is not. Throws UsageError naming `option`.
std::vector<std::pair<std::string, std::int64_t>> parse_named_counts(const std::string& option, const std::string& text,
                                                                     std::int64_t least, std::int64_t most);

// The text of the file at `path` with the header cells named in `columns` (--column STANDARD=HEADER, the header
// matched ignoring case, spaces and punctuation) renamed to their standard names, so a file whose columns have
// other names reads as if they had the standard ones. Line numbers are unchanged. Throws UsageError for a
// malformed --column and InputError (at the header) for a header the file does not have.
std::string text_with_columns(const std::string& path, const std::vector<std::string>& columns);

}  // namespace casesample::cli
