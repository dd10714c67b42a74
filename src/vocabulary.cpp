#include "casesample/vocabulary.hpp"

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/headers.hpp"

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

std::vector<Stratifier> Vocabulary::parse_stratifiers(std::string_view list) const {
    std::vector<std::string> all;
    for (const auto& var : variables_) all.push_back(var.name);
    const std::string typed(list);
    std::vector<bool> chosen(variables_.size(), false);
    std::size_t count = 0;
    while (true) {
        auto comma = list.find(',');
        auto item = list.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (item.empty())
            throw UsageError("--stratify takes variable names separated by commas, such as "
                             "disposal_type,gender,rosh,swb,ethnicity; got " + quote_value(typed));
        auto s = find_variable(item);
        if (!s) {
            std::string msg = "--stratify: the vocabulary has no variable " + quote_value(item);
            if (auto near = closest_name(item, all, 0.5)) msg += "; did you mean " + *near + "?";
            else msg += ".";
            msg += " Its variables are " + list_names(all) +
                   "; a new one is defined by its rows (variable,category,synonyms,) in a vocabulary file passed "
                   "with --add-vocabulary FILE";
            throw UsageError(msg);
        }
        if (chosen[idx(*s)]) throw UsageError("--stratify names " + name(*s) + " twice");
        if (categories(*s).empty())
            throw UsageError("--stratify " + name(*s) + ": the vocabulary has no category of " + name(*s) +
                             "; add its categories (rows " + name(*s) + ",CATEGORY,SYNONYMS,) to the vocabulary file");
        chosen[idx(*s)] = true;
        ++count;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    if (!chosen[idx(Stratifier::disposal_type)])
        throw UsageError("--stratify " + typed +
                         ": disposal_type must be among the stratifiers (it decides each case's domain, court or "
                         "out-of-court, and the sample is balanced within it); add it");
    if (count > kMaxStratifiers)
        throw UsageError("--stratify names " + std::to_string(count) + " variables; a draw balances on at most " +
                         std::to_string(kMaxStratifiers) +
                         " (the cells multiply with each one, and the sample cannot keep them all within "
                         "floor/ceiling; see docs/sampling.md)");
    std::vector<Stratifier> out;
    for (std::size_t k = 0; k < chosen.size(); ++k)
        if (chosen[k]) out.push_back(static_cast<Stratifier>(k));
    return out;
}

std::string Vocabulary::stratifier_names(const std::vector<Stratifier>& stratifiers) const {
    std::string out;
    for (auto s : stratifiers) out += (out.empty() ? "" : ", ") + name(s);
    return out;
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
        std::string_view written = rec.fields[col[0]];
        while (!written.empty() && (written.front() == ' ' || written.front() == '\t')) written.remove_prefix(1);
        while (!written.empty() && (written.back() == ' ' || written.back() == '\t')) written.remove_suffix(1);
        std::optional<Stratifier> s = v.find_variable(written);
        if (!s) s = v.new_variable(written, [&](const std::string& why) { reader.fail(rec, col[0], why); });
        std::string category(rec.fields[col[1]]);
        std::vector<std::string> synonyms;
        for (auto one : split_synonyms(rec.fields[col[2]]))
            if (!normalize_label(one).empty()) synonyms.emplace_back(one);
        std::string domain(rec.fields[col[3]]);
        while (!domain.empty() && domain.back() == ' ') domain.pop_back();
        while (!domain.empty() && domain.front() == ' ') domain.erase(0, 1);
        if (normalize_label(category).empty()) {
            // A row without a category: the synonyms are other header names of the variable's column.
            if (synonyms.empty()) reader.fail(rec, col[1], "empty category");
            if (!domain.empty()) reader.fail(rec, col[3], "a row without a category names headers, and has no domain");
            auto& headers = v.variables_[idx(*s)].header_synonyms;
            headers.insert(headers.end(), synonyms.begin(), synonyms.end());
            continue;
        }
        if (*s == Stratifier::disposal_type && domain.empty())
            reader.fail(rec, col[3], "a disposal type needs its domain (for example court or out-of-court)");
        if (*s != Stratifier::disposal_type && !domain.empty())
            reader.fail(rec, col[3], "only disposal_type rows have a domain");
        v.add(*s, category, synonyms, domain, reader.name(), rec.line);
    }
    return v;
}

namespace {

// Names a sample file already uses for its own columns.
constexpr std::string_view kReservedColumns[] = {"case_id",         "domain",        "disposal_date",
                                                 "selection_order", "reserve_order", "inclusion_probability"};

}  // namespace

Stratifier Vocabulary::new_variable(std::string_view name, const std::function<void(const std::string&)>& fail) {
    const std::string shown = quote_value(name);
    bool ok = !name.empty() && ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'));
    for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok)
        fail("the variable " + shown +
             " is not a name a column can have: letters, digits and '_', starting with a letter (such as age_band)");
    for (auto r : kReservedColumns)
        if (normalize_label(r) == normalize_label(name))
            fail("the variable " + shown + " would clash with the column " + std::string(r) + " of sample.csv");
    // A new variable spelt nearly as one the vocabulary has is a typo far more often than a new variable.
    std::vector<std::string> names;
    for (const auto& var : variables_) names.push_back(var.name);
    if (auto near = closest_name(name, names, 0.34))
        fail("unknown variable " + shown + ": did you mean " + *near +
             "? (a new variable needs a name unlike the variables " + list_names(names) + ")");
    if (variables_.size() >= 255) fail("too many variables (at most 255)");
    variables_.push_back({std::string(name), {}, {}, {}});
    return static_cast<Stratifier>(variables_.size() - 1);
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
        const auto& var = more.variables_[k];
        // Variables are matched by name: `more` may list its own ones in another order.
        auto s = find_variable(var.name);
        if (!s) s = new_variable(var.name, [&](const std::string& why) { throw InputError(source, 0, 0, why); });
        const auto& cats = var.categories;
        std::vector<std::vector<std::string>> syns(cats.size());
        for (const auto& [key, code] : var.lookup)
            if (key != normalize_label(cats[code])) syns[code].push_back(key);
        for (std::size_t c = 0; c < cats.size(); ++c)
            add(*s, cats[c], syns[c], k == 0 ? more.domains_[more.disposal_domain_[c]] : "", source, 0);
        auto& headers = variables_[idx(*s)].header_synonyms;
        headers.insert(headers.end(), var.header_synonyms.begin(), var.header_synonyms.end());
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
