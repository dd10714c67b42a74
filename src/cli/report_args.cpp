#include "report_args.hpp"

#include <charconv>

#include "casesample/error.hpp"

namespace casesample::cli {

std::map<std::size_t, std::int64_t> parse_domain_counts(const Framework& framework, const std::string& text,
                                                        const std::string& option) {
    std::map<std::size_t, std::int64_t> out;
    std::string expected;
    for (const auto& d : framework.domains)
        if (!d.judged) expected += (expected.empty() ? "" : ",") + d.sample_domain + "=N";
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(',', start);
        if (end == std::string::npos) end = text.size();
        std::string item = text.substr(start, end - start);
        auto eq = item.find('=');
        if (eq == std::string::npos)
            throw UsageError(option + " '" + text + "': expected " + expected);
        std::string name = item.substr(0, eq), value = item.substr(eq + 1);
        auto d = framework.find_domain(name);
        if (!d || framework.domains[*d].judged)
            throw UsageError(option + ": unknown domain '" + name + "' (expected " + expected + ")");
        std::int64_t n = 0;
        auto r = std::from_chars(value.data(), value.data() + value.size(), n);
        if (value.empty() || r.ec != std::errc() || r.ptr != value.data() + value.size() || n < 1)
            throw UsageError(option + ": '" + value + "' for " + name + " is not a whole number of cases of at least 1");
        if (out.count(*d)) throw UsageError(option + ": domain '" + name + "' is given twice");
        out[*d] = n;
        start = end + 1;
    }
    return out;
}

}  // namespace casesample::cli
