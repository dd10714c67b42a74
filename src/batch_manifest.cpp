// Reading a services file (SERVICES.toml) for `casesample batch`: every mistake one InputError at its line and
// column, in the words of the file's keys.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "casesample/batch.hpp"
#include "casesample/dates.hpp"
#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "casesample/sample_size.hpp"
#include "casesample/text_input.hpp"

namespace casesample {
namespace fs = std::filesystem;

namespace {

// Keys of draw's options (as the command line spells them, without the dashes in front), usable at the top
// level as defaults and in a [[service]] table; then the keys only a service has.
const std::vector<std::string> kOptionKeys = {
    "fieldwork",  "seed",         "size",         "reserve",     "method",    "confidence", "margin",
    "proportion", "column",       "vocabulary",   "add-vocabulary", "unknown-as", "keep-columns", "stratify",
    "court-window", "ooc-window", "window",       "windows",     "draws",     "framework",  "profile",
    "date-format",  "encoding",   "drop-identical-duplicates"};
const std::vector<std::string> kServiceOnlyKeys = {"name", "population", "answers", "judgements", "published"};

constexpr std::int64_t kMostReserve = 100000;
constexpr std::int64_t kMostDraws = 10000000;

// "keep_columns" and "keep-columns" are one key.
std::string canonical(std::string key) {
    std::replace(key.begin(), key.end(), '_', '-');
    return key;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

// A value of the services file as it would be written in it: texts in quotes inside lists and tables
// (`quote_text`), dates as 2019-06-03.
std::string toml_text(const toml::node& node, bool quote_text) {
    if (auto s = node.as_string()) return quote_text ? "\"" + s->get() + "\"" : s->get();
    if (auto a = node.as_array()) {
        std::string out;
        for (const auto& e : *a) out += (out.empty() ? "" : ", ") + toml_text(e, true);
        return "[" + out + "]";
    }
    if (auto t = node.as_table()) {
        std::string out;
        for (auto&& [k, v] : *t) out += (out.empty() ? "" : ", ") + std::string(k.str()) + " = " + toml_text(v, true);
        return "{ " + out + " }";
    }
    std::ostringstream os;
    if (auto d = node.as_floating_point()) os << format_shortest(d->get());
    else node.visit([&](const auto& v) { os << v; });
    return os.str();
}

class ManifestParser {
public:
    ManifestParser(std::string path, const std::string& text) : path_(std::move(path)), text_(text) {
        auto parent = fs::path(path_).parent_path();
        base_ = parent.empty() ? fs::path(".") : parent;
    }

    BatchManifest parse() {
        toml::table root;
        try {
            root = toml::parse(text_, path_);
        } catch (const toml::parse_error& e) {
            const auto line = e.source().begin.line;
            throw InputError(path_, line, e.source().begin.column,
                             "this is not valid TOML: " + std::string(e.description()) + toml_advice(line_text(line)));
        }
        BatchManifest m;
        m.path = path_;
        const toml::array* services = nullptr;
        for (auto&& [key, node] : root) {
            auto k = canonical(std::string(key.str()));
            if (k == "service") {
                services = node.as_array();
                if (!services || !services->is_array_of_tables())
                    fail(node, "service must be a list of tables: write [[service]] (two brackets) above each "
                               "service's keys");
                continue;
            }
            if ((node.is_array_of_tables() || node.is_table()) && k != "column" && k != "size" && k != "window" &&
                k != "windows" && !closest_key(k, {"service"}).empty())
                fail_key(key, "unknown table " + quote_value(std::string(key.str())) +
                                  "; did you mean [[service]]? Each service is a [[service]] table (service, not " +
                                  std::string(key.str()) + ")");
            if (std::find(kServiceOnlyKeys.begin(), kServiceOnlyKeys.end(), k) != kServiceOnlyKeys.end())
                fail_key(key, quote_value(std::string(key.str())) + " belongs to each service: put it under its [[service]]");
            check_known(key, kOptionKeys);
            if (!defaults_.emplace(k, &node).second) fail_key(key, quote_value(k) + " is given twice (as - and as _)");
        }
        if (!services || services->empty())
            throw InputError(path_, 1, 1,
                             "there is no [[service]] table: give each service one, with at least name, "
                             "population and (here or at the top) fieldwork");
        std::map<std::string, std::pair<std::string, std::size_t>> names;  // lower-case name -> (name, line)
        for (const auto& node : *services) {
            const auto& table = *node.as_table();
            auto service = parse_service(table);
            std::string folded = service.name;
            std::transform(folded.begin(), folded.end(), folded.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            // The line of the name itself, where the reader will look.
            const std::size_t name_line = table.get("name")->source().begin.line;
            auto [it, inserted] = names.emplace(folded, std::make_pair(service.name, name_line));
            if (!inserted)
                fail(*table.get("name"),
                     it->second.first == service.name
                         ? "a service named " + quote_value(it->second.first) + " is already on line " +
                               std::to_string(it->second.second) +
                               ": each service needs its own name, which is also its folder's name"
                         : "the service name " + quote_value(service.name) + " differs only in capitals from " +
                               quote_value(it->second.first) + " on line " + std::to_string(it->second.second) +
                               ", and names differing only in capitals are one folder on Windows and macOS: each "
                               "service needs its own name, which is also its folder's name");
            m.services.push_back(std::move(service));
        }
        m.notes = std::move(notes_);
        for (const auto& [key, node] : defaults_) m.defaults.emplace_back(key, toml_text(*node, false));
        return m;
    }

private:
    // Line `line` (from 1) of the services file, without its end.
    std::string line_text(std::size_t line) const {
        std::size_t start = 0;
        for (std::size_t l = 1; l < line && start != std::string::npos; ++l) {
            start = text_.find('\n', start);
            if (start != std::string::npos) ++start;
        }
        if (start == std::string::npos || start > text_.size()) return "";
        auto end = text_.find('\n', start);
        auto out = text_.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!out.empty() && out.back() == '\r') out.pop_back();
        return out;
    }

    // What the user most likely meant on a line that is not TOML: a date written as 03/06/2019, a Windows path.
    static std::string toml_advice(const std::string& line) {
        auto eq = line.find('=');
        if (eq == std::string::npos) return "";
        std::string key = line.substr(0, eq), value = line.substr(eq + 1);
        auto trim = [](std::string& t) {
            const auto first = t.find_first_not_of(" \t");
            t = first == std::string::npos ? std::string() : t.substr(first, t.find_last_not_of(" \t") - first + 1);
        };
        trim(key);
        if (auto hash = value.find('#'); hash != std::string::npos) value.erase(hash);
        trim(value);
        if (!value.empty() && value.find('/') != std::string::npos && value.front() != '"' && value.front() != '\'') {
            if (auto date = parse_date(value))
                return ". A date in TOML is written year first without quotes: " + key + " = " + format_date(*date) +
                       " (" + value + " read day first), or in quotes: " + key + " = \"" + value +
                       "\"";
        }
        if (value.size() > 1 && value.front() == '"' && value.find('\\') != std::string::npos) {
            std::string forward = value;
            std::replace(forward.begin(), forward.end(), '\\', '/');
            return ". In TOML a backslash inside \"...\" starts an escape such as \\n: write paths with forward "
                   "slashes, such as " + key + " = " + forward + " (they work on Windows too)";
        }
        return "";
    }

    [[noreturn]] void fail(const toml::node& node, const std::string& message) const {
        throw InputError(path_, node.source().begin.line, node.source().begin.column, message);
    }
    [[noreturn]] void fail_key(const toml::key& key, const std::string& message) const {
        throw InputError(path_, key.source().begin.line, key.source().begin.column, message);
    }

    void check_known(const toml::key& key, const std::vector<std::string>& known) const {
        auto k = canonical(std::string(key.str()));
        if (std::find(known.begin(), known.end(), k) != known.end()) return;
        auto near = closest_key(k, known);
        std::string list;
        for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
        fail_key(key, "unknown key " + quote_value(std::string(key.str())) +
                          (near.empty() ? " (the keys here are " + list + ")" : "; did you mean " + quote_value(near) + "?"));
    }

    // The value of `key` for this service: its own, else the top level's.
    const toml::node* setting(const std::map<std::string, const toml::node*>& own, const std::string& key) const {
        if (auto it = own.find(key); it != own.end()) return it->second;
        if (auto it = defaults_.find(key); it != defaults_.end()) return it->second;
        return nullptr;
    }

    std::string text(const toml::node& node, const std::string& key, const std::string& example) const {
        if (auto s = node.as_string()) return s->get();
        fail(node, key + " must be text in quotes, such as " + key + " = " + example);
    }

    std::int64_t whole(const toml::node& node, const std::string& key, std::int64_t least, std::int64_t most) const {
        auto i = node.as_integer();
        if (!i || i->get() < least || i->get() > most)
            fail(node, key + " must be a whole number from " + std::to_string(least) + " to " + std::to_string(most) +
                           ", without quotes" + (node.is_string() ? " (got \"" + *node.value<std::string>() + "\")" : ""));
        return i->get();
    }

    double share(const toml::node& node, const std::string& key, const std::string& example) const {
        if (auto f = node.as_floating_point()) return f->get();
        if (auto i = node.as_integer()) return static_cast<double>(i->get());
        fail(node, key + " must be a number without quotes, such as " + key + " = " + example);
    }

    // A list of texts: one text, or an array of texts.
    std::vector<std::string> texts(const toml::node& node, const std::string& key, const std::string& example) const {
        std::vector<std::string> out;
        if (auto s = node.as_string()) {
            out.push_back(s->get());
            return out;
        }
        if (auto a = node.as_array()) {
            for (const auto& e : *a) out.push_back(text(e, key, example));
            return out;
        }
        fail(node, key + " must be text in quotes or a list of them, such as " + key + " = [" + example + "]");
    }

    // NAME=VALUE items: a table { name = "value" } or a list of "NAME=VALUE" texts.
    std::vector<std::string> pairs(const toml::node& node, const std::string& key, const std::string& table_example,
                                   const std::string& item_example) const {
        std::vector<std::string> out;
        if (auto t = node.as_table()) {
            const std::string value_example = "\"" + item_example.substr(item_example.find('=') + 1) + "\"";
            for (auto&& [k, v] : *t)
                out.push_back(std::string(k.str()) + "=" + text(v, key + "." + std::string(k.str()), value_example));
            return out;
        }
        if (node.is_string() || node.is_array()) {
            for (auto& item : texts(node, key, "\"" + item_example + "\"")) {
                auto eq = item.find('=');
                if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
                    fail(node, key + " items are NAME=VALUE, such as \"" + item_example + "\"; got " + quote_value(item));
                out.push_back(item);
            }
            return out;
        }
        fail(node, key + " must be a table such as " + key + " = " + table_example);
    }

    // A path in the services file, relative to the services file's folder; noted when it leaves that folder.
    std::string path(const toml::node& node, const std::string& key, const std::string& example) {
        auto typed = text(node, key, example);
        if (typed.empty()) fail(node, key + " is empty: give the name of a file, such as " + key + " = " + example);
        // A Windows path (exports\lancs.csv, written as 'exports\lancs.csv' or "exports\\lancs.csv"): a
        // backslash is part of the name on Linux and macOS, so the file would not be found.
        if (typed.find('\\') != std::string::npos) {
            std::error_code ec;
            fs::path as_typed = typed;
            if (!fs::exists(as_typed.is_absolute() ? as_typed : base_ / as_typed, ec)) {
                std::string forward = typed;
                std::replace(forward.begin(), forward.end(), '\\', '/');
                fail(node, key + " " + quote_value(typed) + " is written with backslashes: write paths with forward " +
                               "slashes, such as " + key + " = \"" + forward + "\" (they work on Windows too)");
            }
        }
        fs::path p = typed;
        fs::path resolved = p.is_absolute() ? p : (base_ / p);
        auto rel = resolved.lexically_normal().lexically_relative(base_.lexically_normal());
        bool outside = p.is_absolute() || rel.empty() || *rel.begin() == "..";
        if (outside && noted_.insert(resolved.lexically_normal().string()).second) {
            std::error_code ec;
            auto absolute = fs::absolute(resolved, ec).lexically_normal();
            std::string note = path_ + ":" + std::to_string(node.source().begin.line) + ":" +
                               std::to_string(node.source().begin.column) + ": note: " + key + " " + typed +
                               " is outside the services file's folder" +
                               (p.is_absolute() ? std::string() : " (" + (ec ? resolved : absolute).string() + ")");
            notes_.push_back(note);
        }
        return (p.is_absolute() || base_ == ".") ? typed : resolved.string();
    }

    const toml::node* window = nullptr;  // window or windows, of the service being read

    BatchService parse_service(const toml::table& table) {
        BatchService s;
        s.file = path_;
        s.line = table.source().begin.line;
        s.column = table.source().begin.column;
        std::map<std::string, const toml::node*> own;
        std::vector<std::string> known = kOptionKeys;
        known.insert(known.end(), kServiceOnlyKeys.begin(), kServiceOnlyKeys.end());
        for (auto&& [key, node] : table) {
            check_known(key, known);
            auto k = canonical(std::string(key.str()));
            if (!own.emplace(k, &node).second) fail_key(key, quote_value(k) + " is given twice (as - and as _)");
        }
        auto missing = [&](const std::string& what) {
            throw InputError(path_, s.line, s.column, what);
        };
        auto name = own.find("name");
        if (name == own.end())
            missing("this [[service]] has no name: add name = \"...\" (the name of its folder in the output)");
        s.name = text(*name->second, "name", "\"Lancashire\"");
        if (auto problem = folder_name_problem(s.name); !problem.empty())
            fail(*name->second, "the service name " + quote_value(s.name) + " cannot be a folder name: " + problem);
        auto population = own.find("population");
        if (population == own.end())
            missing("service " + quote_value(s.name) + " has no population: add population = \"FILE.csv\" (relative to " +
                    path_ + ")");
        s.population = path(*population->second, "population", "\"lancashire.csv\"");
        for (const auto& key : {"answers", "judgements", "published"})
            if (auto it = own.find(key); it != own.end()) {
                auto& target = std::string(key) == "answers" ? s.answers
                               : std::string(key) == "judgements" ? s.judgements
                                                                  : s.published;
                target = path(*it->second, key, "\"" + s.name + "-" + key + ".csv\"");
            }

        auto& a = s.population_args;
        if (auto n = setting(own, "fieldwork")) {
            if (auto d = n->as_date()) {
                auto date = d->get();
                auto typed = std::to_string(date.year) + "-" + (date.month < 10 ? "0" : "") + std::to_string(date.month) +
                             "-" + (date.day < 10 ? "0" : "") + std::to_string(date.day);
                if (!parse_date(typed)) fail(*n, "fieldwork " + typed + " is not a date of the calendar");
                a.fieldwork = typed;
            } else {
                a.fieldwork = text(*n, "fieldwork", "2019-06-03");
                if (!parse_date(a.fieldwork))
                    fail(*n, "fieldwork '" + a.fieldwork +
                                 "' is not a date (expected YYYY-MM-DD, such as 2019-06-03, or DD/MM/YYYY)");
            }
        } else {
            missing("service " + quote_value(s.name) + " has no fieldwork date: add fieldwork = 2019-06-03 to it, or at the top "
                    "for every service");
        }
        for (const auto& key : {"court-window", "ooc-window"})
            if (auto n = setting(own, key)) {
                auto w = text(*n, key, "\"6-9\"");
                try {
                    parse_month_window(w);
                } catch (const UsageError& e) {
                    fail(*n, std::string(key) + ": " + e.what());
                }
                (std::string(key) == "court-window" ? a.court_window : a.ooc_window) = w;
            }
        window = setting(own, "window");
        if (auto plural = setting(own, "windows")) {
            if (window && own.count("window") == own.count("windows"))
                fail(*plural, "give window or windows, not both");
            if (!window || own.count("windows")) window = plural;
        }
        if (window) {
            for (auto& w : pairs(*window, "window", "{ court = \"6-9\", out-of-court = \"3-5\" }", "out-of-court=3-5")) {
                try {
                    parse_month_window(w.substr(w.find('=') + 1));
                } catch (const UsageError& e) {
                    fail(*window, "window " + w + ": " + e.what());
                }
                a.windows.push_back(w);
            }
        }
        if (auto n = setting(own, "column"))
            a.columns = pairs(*n, "column", "{ rosh = \"Risk of serious harm\" }", "rosh=Risk of serious harm");
        if (auto n = setting(own, "vocabulary")) a.vocabulary = path(*n, "vocabulary", "\"vocabulary.csv\"");
        if (auto n = setting(own, "add-vocabulary")) {
            auto files = texts(*n, "add-vocabulary", "\"more-synonyms.csv\"");
            if (auto arr = n->as_array()) {
                for (std::size_t i = 0; i < files.size(); ++i)
                    a.add_vocabulary.push_back(path(*arr->get(i), "add-vocabulary", "\"more-synonyms.csv\""));
            } else {
                a.add_vocabulary.push_back(path(*n, "add-vocabulary", "\"more-synonyms.csv\""));
            }
        }
        if (auto n = setting(own, "unknown-as")) a.unknown_as = text(*n, "unknown-as", "\"Not known\"");
        if (auto n = setting(own, "profile")) a.profile = path(*n, "profile", "\"export-profile.toml\"");
        if (auto n = setting(own, "date-format")) {
            a.date_format = text(*n, "date-format", "\"%m/%d/%Y\"");
            try {
                check_date_format(a.date_format);
            } catch (const UsageError& e) {
                std::string message = e.what();  // "--date-format '...': ..." in the services file's words
                fail(*n, message.rfind("--", 0) == 0 ? message.substr(2) : message);
            }
        }
        if (auto n = setting(own, "encoding")) {
            a.encoding = text(*n, "encoding", "\"windows-1252\"");
            if (!parse_encoding(a.encoding))
                fail(*n, "encoding must be \"utf-8\", \"windows-1252\" or \"latin-1\"; got '" + a.encoding + "'");
        }
        if (auto n = setting(own, "drop-identical-duplicates")) {
            auto b = n->as_boolean();
            if (!b) fail(*n, "drop-identical-duplicates must be true or false, without quotes");
            a.drop_identical_duplicates = b->get();
        }
        if (auto n = setting(own, "keep-columns")) {
            std::string joined;
            for (const auto& c : texts(*n, "keep-columns", "\"team\"")) joined += (joined.empty() ? "" : ",") + c;
            a.keep_columns = joined;
        }
        // stratify = "disposal_type,gender,rosh,swb,ethnicity" or a list of names; the names are checked against
        // the vocabulary when the service runs.
        if (auto n = setting(own, "stratify")) {
            std::string joined;
            for (const auto& c : texts(*n, "stratify", "\"disposal_type,gender,rosh,swb,ethnicity\""))
                joined += (joined.empty() ? "" : ",") + c;
            if (joined.empty()) fail(*n, "stratify names no variable");
            a.stratify = joined;
        }
        // The forms of column and keep-columns (vocabulary files are read when the service runs).
        for (const auto& key : {"column", "keep-columns"}) {
            auto n = setting(own, key);
            if (!n) continue;
            PopulationArgs only;
            if (std::string(key) == "column") only.columns = a.columns;
            else only.keep_columns = a.keep_columns;
            try {
                (void)only.options();
            } catch (const UsageError& e) {
                std::string message = e.what();  // "--column takes ...": the same words without the dashes
                fail(*n, message.rfind("--", 0) == 0 ? message.substr(2) : message);
            }
        }

        auto& r = s.request;
        // size and confidence/margin/proportion exclude each other at one level; a service's own choice wins
        // over the top level's.
        auto cochran_keys = {"confidence", "margin", "proportion"};
        bool own_size = own.count("size") > 0, top_size = defaults_.count("size") > 0;
        bool own_cochran = false, top_cochran = false;
        for (const auto& key : cochran_keys) {
            own_cochran = own_cochran || own.count(key);
            top_cochran = top_cochran || defaults_.count(key);
        }
        for (const auto& key : cochran_keys) {
            if (own_size && own.count(key))
                fail(*own.at(key), std::string(key) + " sizes the sample by Cochran's formula, but this service also "
                                                      "gives size: give one or the other");
            if (top_size && defaults_.count(key))
                fail(*defaults_.at(key), std::string(key) + " sizes the samples by Cochran's formula, but size is "
                                                            "also given at the top: give one or the other");
        }
        const bool use_size = own_size || (top_size && !own_cochran);
        if (!use_size) {
            for (const auto& key : cochran_keys) {
                auto n = setting(own, key);
                if (!n) continue;
                std::string k = key;
                double v = share(*n, k, k == "confidence" ? "0.95" : "0.05");
                (k == "confidence" ? r.size_parameters.confidence
                 : k == "margin"   ? r.size_parameters.margin
                                   : r.size_parameters.proportion) = v;
                try {
                    validate(r.size_parameters, true);
                } catch (const UsageError& e) {
                    fail(*n, e.what());
                }
            }
        }
        const toml::node* size = use_size ? setting(own, "size") : nullptr;
        if (size) {
            if (auto t = size->as_table()) {
                for (auto&& [k, v] : *t)
                    r.sizes[std::string(k.str())] = whole(v, "size." + std::string(k.str()), 0, 100000000);
                if (r.sizes.empty()) fail(*size, "size names no domain: give size = { court = 50, out-of-court = 32 }");
            } else if (auto str = size->as_string()) {
                try {
                    r.sizes = parse_sizes(str->get());
                } catch (const UsageError&) {
                    fail(*size, "size takes DOMAIN=N pairs, such as size = { court = 50, out-of-court = 32 } or "
                                "size = \"court=50,out-of-court=32\"; got " + quote_value(str->get()));
                }
            } else {
                fail(*size, "size must be a table such as size = { court = 50, out-of-court = 32 }");
            }
        }
        if (auto n = setting(own, "reserve")) r.reserves = static_cast<std::size_t>(whole(*n, "reserve", 0, kMostReserve));
        if (auto n = setting(own, "method")) {
            auto m = text(*n, "method", "\"balanced\"");
            auto method = parse_draw_method(m);
            if (!method) fail(*n, "method must be \"balanced\", \"cells\" or \"systematic\"; got " + quote_value(m));
            r.method = *method;
        }
        if (auto n = setting(own, "seed")) {
            std::uint64_t seed = 0;
            if (auto i = n->as_integer()) {
                if (i->get() < 0) fail(*n, "seed must be a whole number from 0 to 18446744073709551615");
                seed = static_cast<std::uint64_t>(i->get());
            } else if (auto str = n->as_string()) {
                // Seeds above 9223372036854775807 (the largest TOML integer) may be written in quotes.
                const auto& t = str->get();
                auto res = std::from_chars(t.data(), t.data() + t.size(), seed);
                if (t.empty() || res.ec != std::errc{} || res.ptr != t.data() + t.size())
                    fail(*n, "seed must be a whole number from 0 to 18446744073709551615; got " + quote_value(t));
            } else {
                fail(*n, "seed must be a whole number, such as seed = 2019");
            }
            if (own.count("seed")) {
                s.seed_from = BatchService::Seed::own;
                r.seed = seed;
            } else {
                s.seed_from = BatchService::Seed::derived;
                r.seed = derived_seed(seed, s.name);
            }
        }
        if (auto n = setting(own, "draws")) s.draws = static_cast<std::size_t>(whole(*n, "draws", 0, kMostDraws));
        if (auto n = setting(own, "framework")) s.framework = path(*n, "framework", "\"framework.json\"");
        // Where each setting is written (its own, else the top level's), for the errors found when the service
        // runs (a window or size naming no domain of the vocabulary, ...): they name that place too.
        const toml::node* window_node = window;
        for (const auto& key : kOptionKeys) {
            const toml::node* n = key == "window" ? window_node : key == "windows" ? nullptr : setting(own, key);
            if (!n) continue;
            s.places[key] = {path_, n->source().begin.line, n->source().begin.column};
            if (auto t = n->as_table())
                for (auto&& [k, v] : *t)
                    s.places[key + "." + std::string(k.str())] = {path_, v.source().begin.line, v.source().begin.column};
        }
        return s;
    }

    std::string path_;
    const std::string& text_;
    fs::path base_;
    std::map<std::string, const toml::node*> defaults_;
    std::vector<std::string> notes_;
    std::set<std::string> noted_;  // each path outside the folder is shown once, where it first appears
};

}  // namespace

const std::vector<std::string>& batch_manifest_keys() {
    static const std::vector<std::string> keys = [] {
        auto k = kServiceOnlyKeys;
        k.insert(k.end(), kOptionKeys.begin(), kOptionKeys.end());
        k.push_back("service");
        return k;
    }();
    return keys;
}

std::string closest_key(const std::string& typed, const std::vector<std::string>& known) {
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(2, typed.size() / 3) + 1;
    for (const auto& k : known) {
        auto d = edit_distance(canonical(typed), k);
        // A known key that the typed one starts with, or is the start of, is close too (seeds, population_file).
        bool prefix = typed.size() >= 3 && (k.rfind(typed, 0) == 0 || typed.rfind(k, 0) == 0);
        if (prefix) d = std::min<std::size_t>(d, 2);
        if (d < best_distance) {
            best_distance = d;
            best = k;
        }
    }
    return best;
}

std::uint64_t derived_seed(std::uint64_t top_level_seed, const std::string& name) {
    auto hex = sha256_hex("casesample batch seed " + std::to_string(top_level_seed) + " " + name);
    std::uint64_t seed = 0;
    std::from_chars(hex.data(), hex.data() + 16, seed, 16);
    return seed;
}

std::string folder_name_problem(const std::string& name) {
    if (name.empty()) return "it is empty";
    if (name.size() > 100) return "it is longer than 100 characters";
    if (name == "." || name == "..") return "it names a folder above or at the output folder";
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f) return "it contains a control character";
        if (std::string_view("/\\:*?\"<>|").find(static_cast<char>(c)) != std::string_view::npos)
            return std::string("it contains '") + static_cast<char>(c) +
                   "', which folder names cannot hold (on Windows or at all)";
    }
    if (name.front() == ' ' || name.back() == ' ') return "it starts or ends with a space";
    if (name.front() == '.') return "it starts with '.', which hides the folder";
    if (name.back() == '.') return "it ends with '.', which Windows drops";
    std::string upper;
    for (unsigned char c : name) upper += static_cast<char>(std::toupper(c));
    auto stem = upper.substr(0, upper.find('.'));
    static const std::array<std::string_view, 4> reserved = {"CON", "PRN", "AUX", "NUL"};
    bool device = std::find(reserved.begin(), reserved.end(), stem) != reserved.end() ||
                  (stem.size() == 4 && (stem.rfind("COM", 0) == 0 || stem.rfind("LPT", 0) == 0) && stem[3] >= '1' &&
                   stem[3] <= '9');
    if (device) return "Windows reserves the name " + stem + " for a device";
    for (auto taken : {"SUMMARY.CSV", "SUMMARY.JSON", "SUMMARY.XLSX", "INDEX.HTML"})
        if (upper == taken) return "the output folder's own " + name + " has that name";
    if (upper.rfind("SUMMARY.", 0) == 0) return "names starting with 'summary.' are kept for the output folder's summaries";
    // Valid UTF-8 only: the folder name must read the same on every machine.
    for (std::size_t i = 0; i < name.size();) {
        unsigned char c = static_cast<unsigned char>(name[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > name.size()) return "it is not valid UTF-8 text";
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(name[i + k]) >> 6) != 2) return "it is not valid UTF-8 text";
        i += n;
    }
    return "";
}

BatchManifest parse_batch_manifest(const std::string& path, const std::string& text) {
    refuse_not_text(path, text, "TOML");
    auto m = ManifestParser(path, text).parse();
    m.sha256 = sha256_hex(text);
    return m;
}

BatchManifest read_batch_manifest(const std::string& path) { return parse_batch_manifest(path, read_file(path)); }

}  // namespace casesample
