#include "casesample/population_args.hpp"

#include "casesample/dates.hpp"
#include "casesample/error.hpp"
#include "casesample/profile.hpp"

namespace casesample {

PopulationOptions PopulationArgs::options() const {
    PopulationOptions o;
    o.hints = hints;
    if (!profile.empty()) {
        auto p = load_profile(profile);
        o.column_names = p.columns;
        for (const auto& [column, names] : p.synonyms)
            for (const auto& n : names) o.header_synonyms.add(column, n);
        o.date_format = p.date_format;
        if (p.encoding) o.encoding = *p.encoding;
        o.unknown_as = p.unknown_as;
        o.drop_identical_duplicates = p.drop_identical_duplicates.value_or(false);
    }
    for (const auto& c : columns) {
        auto eq = c.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == c.size())
            throw UsageError(hints.name("column") + " takes STANDARD=HEADER, such as rosh=\"Risk of serious harm\"; got '" + c + "'");
        o.column_names[c.substr(0, eq)] = c.substr(eq + 1);
    }
    if (!vocabulary.empty()) o.vocabulary = Vocabulary::load(vocabulary);
    for (const auto& extra : add_vocabulary) o.vocabulary.extend(Vocabulary::load(extra), extra);
    if (!stratify.empty()) {
        try {
            o.stratifiers = o.vocabulary.parse_stratifiers(stratify);
        } catch (const UsageError& e) {
            // The vocabulary words its messages as the command line does: say them as the caller writes its options
            // (a services file's stratify = ..., at its place there).
            std::string message = e.what();
            if (message.rfind("--stratify", 0) == 0) message.replace(0, 10, hints.name("stratify"));
            const std::string typed = "--add-vocabulary FILE";
            if (auto at = message.find(typed); at != std::string::npos)
                message.replace(at, typed.size(), hints.with("add-vocabulary", "FILE"));
            hints.refuse("stratify", "", message);
        }
    }
    if (!unknown_as.empty()) o.unknown_as = unknown_as;
    if (!date_format.empty()) {
        check_date_format(date_format);
        o.date_format = date_format;
    }
    if (!encoding.empty()) {
        auto e = parse_encoding(encoding);
        if (!e) throw UsageError(hints.name("encoding") + " must be utf-8, windows-1252 or latin-1; got '" + encoding + "'");
        o.encoding = *e;
    }
    if (drop_identical_duplicates) o.drop_identical_duplicates = true;
    std::string_view k = keep_columns;
    while (!k.empty()) {
        auto comma = k.find(',');
        std::string name(k.substr(0, comma));
        while (!name.empty() && name.front() == ' ') name.erase(0, 1);
        while (!name.empty() && name.back() == ' ') name.pop_back();
        std::vector<std::string> own = {"case_id", "domain", "selection_order", "reserve_order",
                                        "inclusion_probability", "reserve_probability", "substitute_for"};
        for (auto s : o.stratifiers.empty() ? default_stratifiers() : o.stratifiers)
            own.push_back(o.vocabulary.name(s));
        for (const auto& taken : own)
            if (name == taken)
                throw UsageError(hints.name("keep-columns") + " " + keep_columns + ": '" + name +
                                 "' is already a column of sample.csv and reserves.csv; leave it out");
        for (const auto& kept : o.keep_columns)
            if (kept == name)
                throw UsageError(hints.name("keep-columns") + " " + keep_columns + ": '" + name + "' is named twice");
        if (!name.empty()) o.keep_columns.push_back(name);
        if (comma == std::string_view::npos) break;
        k.remove_prefix(comma + 1);
    }
    return o;
}

EligibilityRule PopulationArgs::rule(const Vocabulary* vocabulary) const {
    if (fieldwork.empty()) throw UsageError("--fieldwork DATE is needed to decide which cases are eligible");
    auto date = parse_date(fieldwork);
    if (!date) throw UsageError("--fieldwork: '" + fieldwork + "' is not a date (expected YYYY-MM-DD, such as 2019-06-03, or DD/MM/YYYY, such as 03/06/2019)");
    EligibilityRule r;
    r.fieldwork = *date;
    r.hints = hints;
    // A window's message starts with its option: "--court-window: '9-6' ends before it starts; ...".
    auto window = [&](std::string_view key, std::string_view item, const std::string& text) {
        try {
            return parse_month_window(text);
        } catch (const UsageError& e) {
            hints.refuse(key, item,
                         hints.name(key) + (item.empty() ? "" : " " + std::string(item)) + ": " + e.what());
        }
    };
    r.windows["court"] = window("court-window", "", court_window);
    r.windows["out-of-court"] = window("ooc-window", "", ooc_window);
    for (const auto& w : windows) {
        auto eq = w.find('=');
        if (eq == std::string::npos || eq == 0)
            hints.refuse("window", "",
                         hints.name("window") + ": '" + w + "' is not DOMAIN=FROM-TO; give it as e.g. out-of-court=3-5");
        auto domain = w.substr(0, eq);
        if (vocabulary && !vocabulary->domain_index(domain)) {
            std::string known;
            for (const auto& d : vocabulary->domains()) known += (known.empty() ? "" : ", ") + d;
            hints.refuse("window", domain,
                         hints.name("window") + " " + w + ": there is no domain '" + domain + "'; the domains are " + known);
        }
        r.windows[domain] = window("window", domain, w.substr(eq + 1));
    }
    return r;
}

std::vector<std::pair<std::string, std::string>> PopulationArgs::describe() const {
    std::vector<std::pair<std::string, std::string>> d;
    if (!profile.empty()) d.emplace_back("profile", profile);
    for (const auto& c : columns) d.emplace_back("column", c);
    if (!vocabulary.empty()) d.emplace_back("vocabulary", vocabulary);
    for (const auto& v : add_vocabulary) d.emplace_back("add_vocabulary", v);
    if (!unknown_as.empty()) d.emplace_back("unknown_as", unknown_as);
    if (!date_format.empty()) d.emplace_back("date_format", date_format);
    if (!encoding.empty()) d.emplace_back("encoding", encoding);
    if (drop_identical_duplicates) d.emplace_back("drop_identical_duplicates", "true");
    if (!keep_columns.empty()) d.emplace_back("keep_columns", keep_columns);
    if (!stratify.empty()) d.emplace_back("stratify", stratify);
    // The manifest records the date in ISO form, whichever form was typed.
    auto date = parse_date(fieldwork);
    d.emplace_back("fieldwork", date ? format_date(*date) : fieldwork);
    d.emplace_back("court_window", court_window);
    d.emplace_back("ooc_window", ooc_window);
    for (const auto& w : windows) d.emplace_back("window", w);
    return d;
}

PopulationArgs PopulationArgs::from_describe(const std::vector<std::pair<std::string, std::string>>& described) {
    PopulationArgs a;
    for (const auto& [k, v] : described) {
        if (k == "column") a.columns.push_back(v);
        else if (k == "profile") a.profile = v;
        else if (k == "date_format") a.date_format = v;
        else if (k == "encoding") a.encoding = v;
        else if (k == "drop_identical_duplicates") a.drop_identical_duplicates = v == "true";
        else if (k == "vocabulary") a.vocabulary = v;
        else if (k == "add_vocabulary") a.add_vocabulary.push_back(v);
        else if (k == "unknown_as") a.unknown_as = v;
        else if (k == "keep_columns") a.keep_columns = v;
        else if (k == "stratify") a.stratify = v;
        else if (k == "fieldwork") a.fieldwork = v;
        else if (k == "court_window") a.court_window = v;
        else if (k == "ooc_window") a.ooc_window = v;
        else if (k == "window") a.windows.push_back(v);
        else throw UsageError("unknown population option '" + k + "' in the manifest");
    }
    return a;
}

std::vector<std::string> population_command(const std::string& command, const std::string& population,
                                            const PopulationArgs& a) {
    std::vector<std::string> c = {"casesample", command, population};
    if (!a.profile.empty()) c.insert(c.end(), {"--profile", a.profile});
    for (const auto& col : a.columns) c.insert(c.end(), {"--column", col});
    if (!a.vocabulary.empty()) c.insert(c.end(), {"--vocabulary", a.vocabulary});
    for (const auto& v : a.add_vocabulary) c.insert(c.end(), {"--add-vocabulary", v});
    if (!a.unknown_as.empty()) c.insert(c.end(), {"--unknown-as", a.unknown_as});
    if (!a.keep_columns.empty()) c.insert(c.end(), {"--keep-columns", a.keep_columns});
    if (!a.date_format.empty()) c.insert(c.end(), {"--date-format", a.date_format});
    if (!a.encoding.empty()) c.insert(c.end(), {"--encoding", a.encoding});
    if (a.drop_identical_duplicates) c.push_back("--drop-identical-duplicates");
    if (!a.stratify.empty()) c.insert(c.end(), {"--stratify", a.stratify});
    if (!a.fieldwork.empty()) c.insert(c.end(), {"--fieldwork", a.fieldwork});
    PopulationArgs defaults;
    if (a.court_window != defaults.court_window) c.insert(c.end(), {"--court-window", a.court_window});
    if (a.ooc_window != defaults.ooc_window) c.insert(c.end(), {"--ooc-window", a.ooc_window});
    for (const auto& w : a.windows) c.insert(c.end(), {"--window", w});
    return c;
}

std::string shell_text(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) {
        const bool plain = !w.empty() && w.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                             "0123456789-_./=:,%+@") == std::string::npos;
        std::string quoted = "'";
        for (char ch : w) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
        out += (out.empty() ? "" : " ") + (plain ? w : quoted + "'");
    }
    return out;
}

std::string eligibility_text(const EligibilityRule& rule, const EligiblePopulation& eligible) {
    std::string text = "fieldwork " + format_date_in_words(rule.fieldwork) + " (" + format_date(rule.fieldwork) + ")";
    for (std::size_t d = 0; d < eligible.domains.size() && d < eligible.ranges.size(); ++d)
        text += std::string(d == 0 ? ": " : ", ") + eligible.domains[d] + (d == 0 ? " disposals dated " : " ") +
                format_date(eligible.ranges[d].first) + " to " + format_date(eligible.ranges[d].last);
    return text;
}

}  // namespace casesample
