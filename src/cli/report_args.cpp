#include "report_args.hpp"

#include <charconv>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/headers.hpp"
#include "casesample/output.hpp"

namespace casesample::cli {

std::uint64_t parse_whole_number(const std::string& option, const std::string& text, std::uint64_t least,
                                 std::uint64_t most) {
    std::string_view s = text;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    std::uint64_t value = 0;
    const bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
    auto r = std::from_chars(s.data(), s.data() + s.size(), value);
    if (!digits || r.ec != std::errc() || r.ptr != s.data() + s.size() || value < least || value > most)
        throw UsageError(option + " must be a whole number from " + std::to_string(least) + " to " +
                         std::to_string(most) + ", got '" + text + "'");
    return value;
}

double parse_robust_at(const std::string& text) {
    std::string_view s = text;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    double value = 0;
    const bool plain = !s.empty() && s.find_first_not_of("0123456789.") == std::string_view::npos;
    auto r = std::from_chars(s.data(), s.data() + s.size(), value, std::chars_format::fixed);
    if (!plain || r.ec != std::errc() || r.ptr != s.data() + s.size() || !(value >= 0.5 && value <= 1.0))
        throw UsageError("--robust-at must be a probability from 0.5 to 1 (e.g. 0.9), got '" + text + "'");
    return value;
}

std::map<std::size_t, std::int64_t> parse_domain_counts(const Framework& framework, const std::string& text,
                                                        const std::string& option, std::int64_t most) {
    std::string expected;
    for (const auto& d : framework.domains)
        if (!d.judged) expected += (expected.empty() ? "" : ",") + d.sample_domain + "=N";
    std::map<std::size_t, std::int64_t> out;
    for (const auto& [name, n] : parse_named_counts(option, text, 1, most)) {
        auto d = framework.find_domain(name);
        if (!d || framework.domains[*d].judged)
            throw UsageError(option + ": unknown domain '" + name + "' (expected " + expected + ")");
        // Also two names of one domain (court, Court).
        if (!out.emplace(*d, n).second) throw UsageError(option + ": domain '" + name + "' is given twice");
    }
    return out;
}

std::vector<std::pair<std::string, std::int64_t>> parse_named_counts(const std::string& option, const std::string& text,
                                                                     std::int64_t least, std::int64_t most) {
    std::vector<std::pair<std::string, std::int64_t>> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(',', start);
        if (end == std::string::npos) end = text.size();
        std::string item = text.substr(start, end - start);
        auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            throw UsageError(option + " '" + text + "': expected DOMAIN=N,..., such as court=71,out-of-court=39");
        std::string name = item.substr(0, eq);
        while (!name.empty() && name.back() == ' ') name.pop_back();
        while (!name.empty() && name.front() == ' ') name.erase(0, 1);
        auto n = static_cast<std::int64_t>(parse_whole_number(option + " " + name, item.substr(eq + 1),
                                                              static_cast<std::uint64_t>(least),
                                                              static_cast<std::uint64_t>(most)));
        for (const auto& [seen, count] : out)
            if (seen == name) throw UsageError(option + ": domain '" + name + "' is given twice");
        out.emplace_back(name, n);
        start = end + 1;
    }
    return out;
}

std::string text_with_columns(const std::string& path, const std::vector<std::string>& columns) {
    std::string text = read_file(path);
    if (columns.empty()) return text;
    std::vector<std::pair<std::string, std::string>> wanted;  // standard, header
    for (const auto& c : columns) {
        auto eq = c.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == c.size())
            throw UsageError("--column takes STANDARD=HEADER, such as case_id=\"Case Ref\"; got '" + c + "'");
        wanted.emplace_back(c.substr(0, eq), c.substr(eq + 1));
    }
    // Where the header record starts and ends: after a byte-order mark and blank lines, up to the first line
    // break outside quotes.
    std::size_t begin = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    for (;;) {
        auto nl = text.find('\n', begin);
        auto line = std::string_view(text).substr(begin, nl == std::string::npos ? std::string::npos : nl - begin);
        if (nl == std::string::npos || line.find_first_not_of(", \t\r") != std::string_view::npos) break;
        begin = nl + 1;
    }
    std::size_t end = begin;
    bool quoted = false;
    while (end < text.size() && (quoted || (text[end] != '\n' && text[end] != '\r'))) {
        if (text[end] == '"') quoted = !quoted;
        ++end;
    }
    auto reader = CsvReader::from_string(path, text.substr(begin, end - begin));
    std::vector<std::string> header = reader.header();
    for (const auto& [standard, name] : wanted) {
        bool found = false;
        for (auto& h : header)
            if (normalize_header(h) == normalize_header(name)) {
                h = standard;
                found = true;
                break;
            }
        if (!found) {
            std::string known;
            for (const auto& h : reader.header()) known += (known.empty() ? "" : ", ") + quote_value(h);
            throw InputError(path, 1, 0, "--column " + standard + "=" + name + ": the header has no column " +
                                             quote_value(name) + " (its columns: " + known + ")");
        }
    }
    std::string line;
    for (std::size_t i = 0; i < header.size(); ++i) line += (i ? "," : "") + csv_escape(header[i]);
    return text.substr(0, begin) + line + text.substr(end);
}

}  // namespace casesample::cli
