#pragma once
// Which column of a file holds each column the tool needs. Headers are matched ignoring case, spaces and
// punctuation ("Safety & Wellbeing" = "safety_wellbeing"), and through header synonyms kept as data beside the
// category vocabulary: fixtures/headers.csv (columns `column, synonyms`, synonyms separated by '|'), compiled in
// as the default; a profile adds more.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "casesample/option_hints.hpp"

namespace casesample {

class CsvReader;

// Lowercase letters and digits only: "Safety & Wellbeing" -> "safetywellbeing". Bytes above ASCII are kept.
std::string normalize_header(std::string_view text);

// The spellings of a synonyms cell: "M|Boy| Man" -> {"M", "Boy", " Man"}, blank ones left out. The one reader of
// the synonym tables (fixtures/headers.csv, the vocabulary files); each caller normalises the spellings its way.
std::vector<std::string_view> split_synonyms(std::string_view cell);

// The name of `names` most like `word` (ignoring case and punctuation), when it is at most `max_unlikeness`
// unlike it (edit distance over the longer length).
std::optional<std::string> closest_name(std::string_view word, const std::vector<std::string>& names,
                                        double max_unlikeness = 0.4);
// "a, b and c"
std::string list_names(const std::vector<std::string>& names);

// Levenshtein distance: the fewest single-character insertions, deletions and substitutions from a to b.
std::size_t edit_distance(std::string_view a, std::string_view b);

class HeaderSynonyms {
public:
    // The synonyms shipped in fixtures/headers.csv.
    static const HeaderSynonyms& builtin();
    static HeaderSynonyms parse(CsvReader& reader);
    // Adds one synonym for a column (kept after the ones already known: earlier synonyms win a tie).
    void add(const std::string& column, const std::string& synonym);
    // The synonyms of a column, in order of preference; empty when it has none.
    const std::vector<std::string>& of(std::string_view column) const;

private:
    std::map<std::string, std::vector<std::string>, std::less<>> by_column_;
};

// A column the tool needs: its standard name, and the header the user named for it (--column), if any.
struct WantedColumn {
    std::string name;
    std::optional<std::string> header;  // given with --column: matched ignoring case, spaces and punctuation
    bool required = true;               // false: its absence is not an error (position nullopt)
    // One of the variables the draw balances (--stratify). When one besides disposal_type is missing, the message
    // also offers to leave it out of the balancing, with --stratify listing the others found.
    bool stratifier = false;
};

// When a header row that is one cell holds semicolons or tabs (and no commas), the file's columns are separated by
// them, not by commas (Excel in a language that writes decimal commas): why, in one line, with what to do; "" for a
// header of several cells or none of those characters. Every CSV reader checks it once the header is read.
std::string separator_problem(const std::vector<std::string>& header);

// Finds each wanted column in `header`: the named header when one was given, else the header equal to the
// column's standard name, else its synonyms in order. A header serves one column only. Throws InputError at
// `header_line` listing every missing required column at once and the columns the header has, each with the closest header of the file as a
// suggestion (only a header whose name is like the column's or a synonym's) and the --column to type (spelled as
// `hints` say), and for a missing stratifier the --stratify that leaves it out; when `header_looks_like_data`, it says so instead, quoting nothing.
std::vector<std::optional<std::size_t>> locate_columns(const std::string& file, std::size_t header_line,
                                                       const std::vector<std::string>& header,
                                                       const std::vector<WantedColumn>& wanted,
                                                       const HeaderSynonyms& synonyms, bool header_looks_like_data,
                                                       const OptionHints& hints = {});

}  // namespace casesample
