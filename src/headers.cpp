#include "casesample/headers.hpp"

#include <algorithm>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"

namespace casesample {

namespace embedded {
extern const std::string_view headers;
}

std::string normalize_header(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        auto b = static_cast<unsigned char>(c);
        if (b >= 'A' && b <= 'Z') out += static_cast<char>(b - 'A' + 'a');
        else if ((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b >= 0x80) out += c;
    }
    return out;
}

std::vector<std::string_view> split_synonyms(std::string_view cell) {
    std::vector<std::string_view> out;
    while (!cell.empty()) {
        auto bar = cell.find('|');
        auto one = cell.substr(0, bar);
        if (one.find_first_not_of(" \t") != std::string_view::npos) out.push_back(one);
        if (bar == std::string_view::npos) break;
        cell.remove_prefix(bar + 1);
    }
    return out;
}

const HeaderSynonyms& HeaderSynonyms::builtin() {
    static const HeaderSynonyms h = [] {
        auto reader = CsvReader::from_string("fixtures/headers.csv", std::string(embedded::headers));
        return parse(reader);
    }();
    return h;
}

HeaderSynonyms HeaderSynonyms::parse(CsvReader& reader) {
    auto column = reader.find_column("column");
    auto synonyms = reader.find_column("synonyms");
    if (!column || !synonyms)
        throw InputError(reader.name(), reader.header_line(), 0,
                         "a header synonyms file needs the columns 'column' and 'synonyms'");
    HeaderSynonyms h;
    CsvRecord rec;
    while (reader.next(rec)) {
        std::string name = normalize_header(rec.fields[*column]);
        if (name.empty()) reader.fail(rec, *column, "empty column name");
        for (auto one : split_synonyms(rec.fields[*synonyms]))
            if (!normalize_header(one).empty()) h.add(name, std::string(one));
    }
    return h;
}

void HeaderSynonyms::add(const std::string& column, const std::string& synonym) {
    auto& list = by_column_[normalize_header(column)];
    auto key = normalize_header(synonym);
    for (const auto& s : list)
        if (normalize_header(s) == key) return;
    list.push_back(synonym);
}

const std::vector<std::string>& HeaderSynonyms::of(std::string_view column) const {
    static const std::vector<std::string> none;
    auto it = by_column_.find(normalize_header(column));
    return it == by_column_.end() ? none : it->second;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

namespace {

// How unlike a header is to a name: edit distance over the longer length (0 same, 1 nothing alike).
double unlikeness(const std::string& header, const std::string& name) {
    if (header.empty() || name.empty()) return 1.0;
    // One inside the other ("risklevel" in "currentrisklevel") counts as close.
    if (header.size() >= 3 && name.size() >= 3 &&
        (header.find(name) != std::string::npos || name.find(header) != std::string::npos))
        return 0.25;
    return static_cast<double>(edit_distance(header, name)) / static_cast<double>(std::max(header.size(), name.size()));
}

}  // namespace

std::optional<std::string> closest_name(std::string_view word, const std::vector<std::string>& names,
                                        double max_unlikeness) {
    std::optional<std::string> best;
    double best_score = max_unlikeness;
    const auto w = normalize_header(word);
    for (const auto& n : names) {
        const auto m = normalize_header(n);
        if (w.empty() || m.empty()) continue;
        double score = static_cast<double>(edit_distance(w, m)) / static_cast<double>(std::max(w.size(), m.size()));
        if (score <= best_score && (!best || score < best_score)) {
            best = n;
            best_score = score;
        }
    }
    return best;
}

std::string list_names(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i)
        out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    return out;
}

std::string separator_problem(const std::vector<std::string>& header) {
    if (header.size() != 1) return "";
    const auto& cell = header[0];
    const auto semicolons = std::count(cell.begin(), cell.end(), ';');
    const auto tabs = std::count(cell.begin(), cell.end(), '\t');
    if (semicolons == 0 && tabs == 0) return "";
    const std::string by = semicolons >= tabs ? "semicolons" : "tabs";
    return "the columns of this file are separated by " + by +
           ", not commas; save it from Excel as 'CSV UTF-8 (Comma delimited)' (File > Save As)";
}

std::vector<std::optional<std::size_t>> locate_columns(const std::string& file, std::size_t header_line,
                                                       const std::vector<std::string>& header,
                                                       const std::vector<WantedColumn>& wanted,
                                                       const HeaderSynonyms& synonyms, bool header_looks_like_data,
                                                       const OptionHints& hints) {
    std::vector<std::string> norm;
    for (const auto& h : header) norm.push_back(normalize_header(h));
    std::vector<bool> claimed(header.size(), false);
    std::vector<std::optional<std::size_t>> found(wanted.size());

    // Headers named with --column first, so a synonym never takes a header the user gave for another column.
    auto find_exact = [&](const std::string& key, std::size_t w) -> std::optional<std::size_t> {
        std::optional<std::size_t> hit;
        for (std::size_t i = 0; i < header.size(); ++i) {
            if (claimed[i] || norm[i] != key || key.empty()) continue;
            if (hit)
                throw InputError(file, header_line, i + 1,
                                 "columns " + std::to_string(*hit + 1) + " and " + std::to_string(i + 1) +
                                     " could both be " + wanted[w].name + " (" + quote_value(header[*hit]) +
                                     " and " + quote_value(header[i]) + "); say which with " +
                                     hints.with("column", "HEADER", wanted[w].name));
            hit = i;
        }
        return hit;
    };
    for (std::size_t w = 0; w < wanted.size(); ++w) {
        if (!wanted[w].header) continue;
        found[w] = find_exact(normalize_header(*wanted[w].header), w);
        if (found[w]) claimed[*found[w]] = true;
    }
    for (std::size_t w = 0; w < wanted.size(); ++w) {
        if (wanted[w].header) continue;
        found[w] = find_exact(normalize_header(wanted[w].name), w);
        for (const auto& s : synonyms.of(wanted[w].name)) {
            if (found[w]) break;
            found[w] = find_exact(normalize_header(s), w);
        }
        if (found[w]) claimed[*found[w]] = true;
    }

    std::vector<std::size_t> missing;
    for (std::size_t w = 0; w < wanted.size(); ++w)
        if (!found[w] && wanted[w].required) missing.push_back(w);
    if (missing.empty()) return found;

    std::string needed;
    for (const auto& w : wanted)
        if (w.required) needed += (needed.empty() ? "" : ", ") + w.name;
    if (header_looks_like_data)
        throw InputError(file, header_line, 0,
                         "this line does not look like a header row: some of its cells look like case data (a date, a "
                         "number, a category or a case id). Is this the header row? The file's first line must name "
                         "the columns (" + needed + ")");
    // One line: the columns missing, the header's columns (the first 20), then for each missing column the closest
    // header nobody claimed (by its name and synonyms) with the --column to type.
    std::string msg = "no column for ";
    for (std::size_t k = 0; k < missing.size(); ++k) {
        const auto& w = wanted[missing[k]];
        msg += (k == 0 ? "" : k + 1 == missing.size() ? " or " : ", ") + w.name;
        if (w.header) msg += " (given as " + quote_value(*w.header) + " with " + hints.name("column") + ")";
    }
    constexpr std::size_t kShown = 20;
    msg += " (line " + std::to_string(header_line) + " has " + std::to_string(header.size()) +
           (header.size() == 1 ? " column: " : " columns: ");
    for (std::size_t i = 0; i < header.size() && i < kShown; ++i) msg += (i == 0 ? "" : ", ") + quote_value(header[i]);
    if (header.size() > kShown) msg += " and " + std::to_string(header.size() - kShown) + " more";
    msg += ")";
    for (std::size_t k = 0; k < missing.size(); ++k) {
        const auto& w = wanted[missing[k]];
        std::optional<std::size_t> best;
        // No farther than this: a header must be like the column's name or a synonym, not merely the only header
        // left ("Extra" is not like "Sex at Birth").
        double best_score = 0.4;
        for (std::size_t i = 0; i < header.size(); ++i) {
            if (claimed[i]) continue;
            double score = unlikeness(norm[i], normalize_header(w.header ? *w.header : w.name));
            for (const auto& s : synonyms.of(w.name)) score = std::min(score, unlikeness(norm[i], normalize_header(s)));
            if (score <= best_score && (!best || score < best_score)) {
                best = i;
                best_score = score;
            }
        }
        msg += "; " + (missing.size() == 1 ? std::string() : "for " + w.name + ", ");
        if (best)
            msg += "did you mean " + quote_value(header[*best]) + "? use " + hints.with("column", header[*best], w.name);
        else
            msg += "none is like it, so use " + hints.with("column", "ITS HEADER", w.name);
    }
    // A missing stratifier (besides disposal_type, which decides the domain) can be left out of the balancing.
    std::vector<std::string> leave_out, keep;
    for (std::size_t w = 0; w < wanted.size(); ++w) {
        if (!wanted[w].stratifier) continue;
        const bool gone = std::find(missing.begin(), missing.end(), w) != missing.end();
        if (gone && wanted[w].name != "disposal_type") leave_out.push_back(wanted[w].name);
        else if (!gone) keep.push_back(wanted[w].name);
    }
    if (!leave_out.empty() && !keep.empty()) {
        std::string list;
        for (const auto& k : keep) list += (list.empty() ? "" : ",") + k;
        msg += "; or leave " + list_names(leave_out) + " out of the balancing with " + hints.with("stratify", list);
    }
    msg += " (headers are matched ignoring case, spaces and punctuation, and through the synonyms in "
           "fixtures/headers.csv)";
    throw InputError(file, header_line, 0, msg);
}

}  // namespace casesample
