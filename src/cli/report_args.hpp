#pragma once
// Options shared by `casesample report` and `casesample audit`.
#include <cstdint>
#include <map>
#include <string>

#include "casesample/framework.hpp"

namespace casesample::cli {

// "court=71,out-of-court=39" -> framework domain index -> count (>= 1). Throws UsageError naming `option`.
std::map<std::size_t, std::int64_t> parse_domain_counts(const Framework& framework, const std::string& text,
                                                        const std::string& option);

}  // namespace casesample::cli
