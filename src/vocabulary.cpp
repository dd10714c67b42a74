#include "casesample/vocabulary.hpp"

#include "casesample/csv.hpp"
#include "casesample/error.hpp"

namespace casesample {

namespace embedded {
extern const std::string_view vocabulary;
}

std::string normalize_label(std::string_view text) {
    // Case, spaces, '-', '_' and '.' are ignored: "D.T.O." is "dto", "y-r-o" is "yro", "Out of court" is
    // "out-of-court", "VeryHigh" is "Very High".
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '-' || c == '_' || c == '.') continue;
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

const std::vector<Stratifier>& default_stratifiers() {
    static const std::vector<Stratifier> four = {Stratifier::disposal_type, Stratifier::gender, Stratifier::rosh,
                                                 Stratifier::swb};
    return four;
}

std::optional<Stratifier> Vocabulary::find_variable(std::string_view name) const {
    auto key = normalize_label(name);
    for (std::size_t k = 0; k < variables_.size(); ++k)
        if (normalize_label(variables_[k].name) == key) return static_cast<Stratifier>(k);
    return std::nullopt;
}

const Vocabulary& Vocabulary::builtin() {
    static const Vocabulary v = [] {
        auto reader = CsvReader::from_string("fixtures/vocabulary.csv", std::string(embedded::vocabulary));
        return parse(reader);
    }();
    return v;
}

Vocabulary Vocabulary::load(const std::string& path) {
    auto reader = CsvReader::open(path);
    return parse(reader);
}

Vocabulary Vocabulary::parse(CsvReader& reader) {
    const char* required[] = {"variable", "category", "synonyms", "domain"};
    std::size_t col[4];
    for (int i = 0; i < 4; ++i) {
        auto c = reader.find_column(required[i]);
        if (!c)
            throw InputError(reader.name(), reader.header_line(), 0,
                             std::string("a vocabulary file needs the column '") + required[i] +
                                 "' (columns: variable,category,synonyms,domain)");
        col[i] = *c;
    }
    Vocabulary v;
    CsvRecord rec;
    while (reader.next(rec)) {
        std::string variable = normalize_label(rec.fields[col[0]]);
        std::optional<Stratifier> s;
        for (std::size_t k = 0; k < kBuiltinStratifierCount; ++k)
            if (normalize_label(v.variables_[k].name) == variable) s = static_cast<Stratifier>(k);
        if (!s)
            reader.fail(rec, col[0],
                        "unknown variable " + quote_value(rec.fields[col[0]]) +
                            " (expected gender, rosh, swb or disposal_type)");
        std::string category(rec.fields[col[1]]);
        if (normalize_label(category).empty()) reader.fail(rec, col[1], "empty category");
        std::vector<std::string> synonyms;
        std::string_view syn = rec.fields[col[2]];
        while (!syn.empty()) {
            auto bar = syn.find('|');
            auto one = syn.substr(0, bar);
            if (!normalize_label(one).empty()) synonyms.emplace_back(one);
            if (bar == std::string_view::npos) break;
            syn.remove_prefix(bar + 1);
        }
        std::string domain(rec.fields[col[3]]);
        while (!domain.empty() && domain.back() == ' ') domain.pop_back();
        while (!domain.empty() && domain.front() == ' ') domain.erase(0, 1);
        if (*s == Stratifier::disposal_type && domain.empty())
            reader.fail(rec, col[3], "a disposal type needs its domain (for example court or out-of-court)");
        if (*s != Stratifier::disposal_type && !domain.empty())
            reader.fail(rec, col[3], "only disposal_type rows have a domain");
        try {
            v.add(*s, category, synonyms, domain, reader.name(), rec.line);
        } catch (const InputError&) {
            throw;
        }
    }
    return v;
}

void Vocabulary::add(Stratifier s, const std::string& category, const std::vector<std::string>& synonyms,
                     const std::string& domain, const std::string& source, std::size_t line) {
    auto& cats = variables_[idx(s)].categories;
    auto& lookup = variables_[idx(s)].lookup;
    std::uint16_t code;
    auto existing = lookup.find(normalize_label(category));
    if (existing != lookup.end() && cats[existing->second] == category) {
        code = existing->second;
    } else {
        if (existing != lookup.end())
            throw InputError(source, line, 2,
                             "category '" + category + "' of " + name(s) +
                                 " is already a spelling of '" + cats[existing->second] + "'");
        if (cats.size() >= 65535) throw InputError(source, line, 2, "too many categories");
        code = static_cast<std::uint16_t>(cats.size());
        cats.push_back(category);
        lookup.emplace(normalize_label(category), code);
        if (s == Stratifier::disposal_type) {
            auto d = domain_index(domain);
            if (!d) {
                domains_.push_back(domain);
                d = static_cast<std::uint8_t>(domains_.size() - 1);
            }
            disposal_domain_.push_back(*d);
        }
    }
    if (s == Stratifier::disposal_type && domains_[disposal_domain_[code]] != domain)
        throw InputError(source, line, 4,
                         "disposal type '" + category + "' is already in domain '" +
                             domains_[disposal_domain_[code]] + "'");
    for (const auto& syn : synonyms) {
        auto key = normalize_label(syn);
        auto [it, inserted] = lookup.emplace(key, code);
        if (!inserted && it->second != code)
            throw InputError(source, line, 3,
                             "synonym '" + syn + "' already means '" + cats[it->second] + "' for " +
                                 name(s));
    }
}

void Vocabulary::extend(const Vocabulary& more, const std::string& source) {
    for (std::size_t k = 0; k < more.variables_.size(); ++k) {
        auto s = static_cast<Stratifier>(k);
        const auto& cats = more.variables_[k].categories;
        std::vector<std::vector<std::string>> syns(cats.size());
        for (const auto& [key, code] : more.variables_[k].lookup)
            if (key != normalize_label(cats[code])) syns[code].push_back(key);
        for (std::size_t c = 0; c < cats.size(); ++c)
            add(s, cats[c], syns[c], s == Stratifier::disposal_type ? more.domains_[more.disposal_domain_[c]] : "",
                source, 0);
    }
}

std::optional<std::uint16_t> Vocabulary::match(Stratifier s, std::string_view value) const {
    const auto& lookup = variables_[idx(s)].lookup;
    auto it = lookup.find(normalize_label(value));
    if (it == lookup.end()) return std::nullopt;
    return it->second;
}

std::uint16_t Vocabulary::add_category(Stratifier s, const std::string& label) {
    if (auto m = match(s, label)) return *m;
    auto& cats = variables_[idx(s)].categories;
    auto code = static_cast<std::uint16_t>(cats.size());
    cats.push_back(label);
    variables_[idx(s)].lookup.emplace(normalize_label(label), code);
    return code;
}

std::string Vocabulary::expected(Stratifier s) const {
    std::string out;
    for (const auto& c : variables_[idx(s)].categories) {
        if (!out.empty()) out += ", ";
        out += c;
    }
    return out;
}

std::optional<std::uint8_t> Vocabulary::domain_index(std::string_view name) const {
    auto key = normalize_label(name);
    for (std::size_t i = 0; i < domains_.size(); ++i)
        if (normalize_label(domains_[i]) == key) return static_cast<std::uint8_t>(i);
    return std::nullopt;
}

}  // namespace casesample
