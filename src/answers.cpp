#include "casesample/answers.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/headers.hpp"  // normalize_header, edit_distance
#include "casesample/json_input.hpp"
#include "casesample/output.hpp"
#include "casesample/vocabulary.hpp"  // normalize_label

namespace casesample {

std::string_view to_string(AnswerLayout l) {
    switch (l) {
        case AnswerLayout::wide: return "wide";
        case AnswerLayout::long_form: return "long";
        case AnswerLayout::aggregate: return "aggregate";
    }
    return "wide";
}

std::optional<std::int8_t> parse_answer(std::string_view text) {
    std::string t;
    for (char c : text)
        if (c != ' ' && c != '\t') t += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (t == "1" || t == "true") return 1;
    if (t == "0" || t == "false") return 0;
    std::string a = normalize_label(text);
    if (a == "yes" || a == "y") return 1;
    if (a == "no" || a == "n") return 0;
    if (a.empty() || a == "n/a" || a == "na" || a == "notrelevant" || a == "notapplicable" || a == "nr")
        return -1;
    return std::nullopt;
}

std::vector<QuestionPlace> domain_questions(const Framework& framework, std::size_t domain) {
    std::vector<QuestionPlace> out;
    const auto& d = framework.domains.at(domain);
    for (std::size_t s = 0; s < d.standards.size(); ++s)
        for (std::size_t q = 0; q < d.standards[s].key_questions.size(); ++q) out.push_back({domain, s, q});
    return out;
}

namespace {

// "a court", "an out-of-court": the article a domain name takes.
std::string with_article(const std::string& word) {
    const bool vowel = !word.empty() && std::string_view("aeiouAEIOU").find(word[0]) != std::string_view::npos;
    return (vowel ? "an " : "a ") + word;
}

constexpr const char* kExpectedAnswers = "expected Yes, No, N/A or blank (or Y/N, 1/0, TRUE/FALSE, Not applicable)";

std::string trimmed(std::string_view s) {
    auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t");
    return std::string(s.substr(b, e - b + 1));
}

// Index of a question within its domain's list.
std::size_t index_in_domain(const Framework& fw, const QuestionPlace& p) {
    std::size_t i = 0;
    const auto& d = fw.domains[p.domain];
    for (std::size_t s = 0; s < p.standard; ++s) i += d.standards[s].key_questions.size();
    return i + p.question;
}

std::string rated_domain_names(const Framework& fw) {
    std::string s;
    for (const auto& d : fw.domains)
        if (!d.judged) s += (s.empty() ? "" : ", ") + d.sample_domain;
    return s;
}

// A framework domain rated from key questions, from the text of a domain cell.
std::size_t domain_of_cell(CsvReader& reader, const CsvRecord& rec, std::size_t field, const Framework& fw) {
    std::string_view text = rec.fields[field];
    auto d = fw.find_domain(trimmed(text));
    if (!d || fw.domains[*d].judged)
        reader.fail(rec, field,
                    "unknown domain '" + std::string(text) + "' (expected " + rated_domain_names(fw) + ")");
    return *d;
}

std::int64_t count_cell(CsvReader& reader, const CsvRecord& rec, std::size_t field, const char* what) {
    std::string t = trimmed(rec.fields[field]);
    std::int64_t v = -1;
    auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || r.ec != std::errc() || r.ptr != t.data() + t.size() || v < 0)
        reader.fail(rec, field,
                    std::string(what) + " " + quote_value(rec.fields[field]) + " is not a whole number of cases");
    return v;
}

struct Builder {
    const Framework& fw;
    AnswerSet set;
    std::map<std::string, std::size_t> case_index;

    Builder(const Framework& f, std::string file, AnswerLayout layout) : fw(f) {
        set.file = std::move(file);
        set.layout = layout;
        set.totals.resize(fw.domains.size());
        set.present.resize(fw.domains.size());
        set.answered.assign(fw.domains.size(), false);
        set.cases_read.assign(fw.domains.size(), std::nullopt);
        for (std::size_t d = 0; d < fw.domains.size(); ++d) {
            auto n = domain_questions(fw, d).size();
            set.totals[d].assign(n, QuestionTotals{});
            set.present[d].assign(n, false);
        }
    }

    void finish_case_level() {
        for (const auto& c : set.cases) {
            set.answered[c.domain] = true;
            for (std::size_t q = 0; q < c.answers.size(); ++q) {
                if (c.answers[q] >= 0) ++set.totals[c.domain][q].relevant;
                if (c.answers[q] == 1) ++set.totals[c.domain][q].yes;
            }
        }
        for (std::size_t d = 0; d < fw.domains.size(); ++d) {
            std::int64_t n = 0;
            for (const auto& c : set.cases)
                if (c.domain == d) ++n;
            if (n > 0) set.cases_read[d] = n;
        }
    }
};

// The column `name` of a wide answers file is not a key question: when it looks like one (a number with dots,
// such as 2.1.l or 2.1.10, or one character off a key question's id), the message to stop with; else empty.
std::string mistyped_question(const std::string& name, const Framework& fw, const std::vector<std::string>& header) {
    std::string_view core = name;
    if (!core.empty() && (core[0] == 'q' || core[0] == 'Q')) core.remove_prefix(1);
    while (!core.empty() && core[0] == ' ') core.remove_prefix(1);
    const bool numbered = !core.empty() && core[0] >= '0' && core[0] <= '9' &&
                          core.find_first_of(".,") != std::string_view::npos &&
                          core.find(' ') == std::string_view::npos;
    std::vector<std::string> ids;  // key questions of the domains rated from them
    for (const auto& d : fw.domains)
        if (!d.judged)
            for (const auto& st : d.standards)
                for (const auto& q : st.key_questions) ids.push_back(q.id);
    auto in_header = [&](const std::string& id) {
        for (const auto& h : header)
            if (trimmed(h) == id) return true;
        return false;
    };
    // The closest key question, preferring one without a column of its own.
    std::string best;
    std::size_t best_distance = 3;
    bool best_free = false;
    for (const auto& id : ids) {
        auto dist = edit_distance(name, id);
        if (dist == 0 || dist > 2) continue;
        const bool free = !in_header(id);
        if (dist < best_distance || (dist == best_distance && free && !best_free)) {
            best = id;
            best_distance = dist;
            best_free = free;
        }
    }
    const bool near = !best.empty() && best_distance == 1 && name.size() >= 3;
    if (!numbered && !near) return {};
    std::string msg = "column " + quote_value(name) + " is not a key question of the framework";
    // Its standard, when the part before the last dot is one: "standard 2.1 has key questions 2.1.1, ...".
    std::string_view prefix = core.substr(0, core.find_last_of(".,") == std::string_view::npos ? 0 : core.find_last_of(".,"));
    if (auto st = fw.find_standard(prefix); st && !fw.domains[st->domain].judged) {
        std::string list;
        for (const auto& q : fw.standard(*st).key_questions) list += (list.empty() ? "" : ", ") + q.id;
        msg += " (standard " + std::string(prefix) + " has key questions " + list + ")";
    }
    if (!best.empty()) {
        msg += "; did you mean " + best + "?";
        if (!best_free) msg += " (" + best + " has a column already.)";
    } else {
        msg += ".";
    }
    msg += " Rename the column, map it with --column " + (best.empty() || !best_free ? std::string("QUESTION") : best) +
           "=\"" + name + "\" (the key question it answers), or pass --ignore-column \"" + name +
           "\" if it holds no answers";
    return msg;
}

AnswerSet read_wide(CsvReader& reader, const Framework& fw, const AnswerReadOptions& options) {
    Builder b(fw, reader.name(), AnswerLayout::wide);
    auto case_col = reader.find_column("case_id");
    auto domain_col = reader.find_column("domain");
    std::vector<std::pair<std::size_t, QuestionPlace>> question_cols;
    const auto& header = reader.header();
    std::set<std::string> seen;
    std::vector<bool> ignore_used(options.ignore_columns.size(), false);
    for (std::size_t i = 0; i < header.size(); ++i) {
        auto name = trimmed(header[i]);
        if ((case_col && i == *case_col) || (domain_col && i == *domain_col)) continue;
        bool ignored = false;
        for (std::size_t k = 0; k < options.ignore_columns.size(); ++k)
            if (normalize_header(options.ignore_columns[k]) == normalize_header(name) &&
                trimmed(options.ignore_columns[k]).size() > 0) {
                ignored = true;
                ignore_used[k] = true;
            }
        if (ignored) {
            b.set.columns_ignored.push_back(name);
            continue;
        }
        auto p = fw.find_question(name);
        if (!p) {
            auto why = mistyped_question(name, fw, header);
            if (!why.empty()) throw InputError(reader.name(), reader.header_line(), i + 1, why);
            b.set.columns_not_read.push_back(name);
            continue;
        }
        if (fw.domains[p->domain].judged)
            throw InputError(reader.name(), reader.header_line(), i + 1,
                             "key question " + name + " belongs to domain " + fw.domains[p->domain].id + " (" +
                                 fw.domains[p->domain].name + "), which is rated by judgement: give its standards' ratings with --judgement");
        if (!seen.insert(name).second)
            throw InputError(reader.name(), reader.header_line(), i + 1, "key question " + name + " has two columns");
        question_cols.push_back({i, *p});
        b.set.present[p->domain][index_in_domain(fw, *p)] = true;
    }
    for (std::size_t k = 0; k < options.ignore_columns.size(); ++k)
        if (!ignore_used[k])
            throw InputError(reader.name(), reader.header_line(), 0,
                             "--ignore-column " + quote_value(options.ignore_columns[k]) + ": the header has no such column");
    if (question_cols.empty())
        throw InputError(reader.name(), reader.header_line(), 0,
                         "no column is a key question of the framework (expected columns such as 2.1.1, 2.1.2, ...)");

    CsvRecord rec;
    while (reader.next(rec)) {
        std::string id = trimmed(rec.fields[*case_col]);
        if (id.empty()) reader.fail(rec, *case_col, "empty case_id");
        if (auto bad = find_control_character(id); bad != std::string::npos)
            reader.fail(rec, *case_col, control_character_message("the case id", id, bad));
        if (b.case_index.count(id)) reader.fail(rec, *case_col, "case '" + id + "' appears twice (first on line " +
                                                                    std::to_string(b.set.cases[b.case_index[id]].line) + ")");
        std::optional<std::size_t> domain;
        std::size_t domain_field = 0;
        if (domain_col) {
            domain = domain_of_cell(reader, rec, *domain_col, fw);
            domain_field = *domain_col;
        }
        // Parse every question cell, then settle the domain.
        std::vector<std::pair<std::size_t, std::int8_t>> given;  // column index in question_cols, answer
        for (std::size_t k = 0; k < question_cols.size(); ++k) {
            auto [col, place] = question_cols[k];
            auto a = parse_answer(rec.fields[col]);
            if (!a)
                reader.fail(rec, col, "answer " + quote_value(rec.fields[col]) + " to " + fw.question(place).id +
                                          " is not an answer (" + kExpectedAnswers + ")");
            bool blank = trimmed(rec.fields[col]).empty();
            if (blank) continue;
            if (!domain) {
                domain = place.domain;
                domain_field = col;
            } else if (place.domain != *domain) {
                reader.fail(rec, col,
                            "case '" + id + "' is " + with_article(fw.domains[*domain].sample_domain) + " case but answers " +
                                fw.question(place).id + ", a question of domain " + fw.domains[place.domain].id + " (" +
                                fw.domains[place.domain].name + "); leave it blank");
            }
            given.push_back({k, *a});
        }
        (void)domain_field;
        if (!domain) reader.fail(rec, *case_col, "case '" + id + "' has no answers and no domain");
        CaseAnswers c;
        c.case_id = id;
        c.domain = *domain;
        c.line = rec.line;
        c.answers.assign(domain_questions(fw, *domain).size(), -1);
        for (auto [k, a] : given) c.answers[index_in_domain(fw, question_cols[k].second)] = a;
        b.case_index[id] = b.set.cases.size();
        b.set.cases.push_back(std::move(c));
    }
    if (b.set.cases.empty()) throw InputError(reader.name(), 0, 0, "no cases (the file has a header but no rows)");
    b.finish_case_level();
    return std::move(b.set);
}

AnswerSet read_long(CsvReader& reader, const Framework& fw) {
    Builder b(fw, reader.name(), AnswerLayout::long_form);
    std::size_t case_col = *reader.find_column("case_id");
    std::size_t q_col = *reader.find_column("question");
    std::size_t a_col = *reader.find_column("answer");
    auto domain_col = reader.find_column("domain");
    std::map<std::pair<std::size_t, std::size_t>, std::size_t> answered_on;  // (case, question) -> line
    CsvRecord rec;
    while (reader.next(rec)) {
        std::string id = trimmed(rec.fields[case_col]);
        if (id.empty()) reader.fail(rec, case_col, "empty case_id");
        if (auto bad = find_control_character(id); bad != std::string::npos)
            reader.fail(rec, case_col, control_character_message("the case id", id, bad));
        std::string qid = trimmed(rec.fields[q_col]);
        auto place = fw.find_question(qid);
        if (!place) reader.fail(rec, q_col, "unknown key question " + quote_value(rec.fields[q_col]) + " (not in the framework " + fw.name + ")");
        if (fw.domains[place->domain].judged)
            reader.fail(rec, q_col, "key question " + qid + " belongs to domain " + fw.domains[place->domain].id +
                                        ", which is rated by judgement: give its standards' ratings with --judgement");
        auto a = parse_answer(rec.fields[a_col]);
        if (!a)
            reader.fail(rec, a_col, "answer " + quote_value(rec.fields[a_col]) + " to " + qid +
                                        " is not an answer (" + kExpectedAnswers + ")");
        std::size_t domain = place->domain;
        if (domain_col) {
            auto given = domain_of_cell(reader, rec, *domain_col, fw);
            if (given != domain)
                reader.fail(rec, q_col, "question " + qid + " belongs to domain " + fw.domains[domain].id + " (" +
                                            fw.domains[domain].name + "), not to the case's domain " +
                                            quote_value(rec.fields[*domain_col]));
        }
        auto it = b.case_index.find(id);
        if (it == b.case_index.end()) {
            CaseAnswers c;
            c.case_id = id;
            c.domain = domain;
            c.line = rec.line;
            c.answers.assign(domain_questions(fw, domain).size(), -1);
            it = b.case_index.emplace(id, b.set.cases.size()).first;
            b.set.cases.push_back(std::move(c));
        }
        auto& c = b.set.cases[it->second];
        if (c.domain != domain)
            reader.fail(rec, q_col, "case '" + id + "' is " + with_article(fw.domains[c.domain].sample_domain) + " case (line " +
                                        std::to_string(c.line) + ") but answers " + qid + ", a question of domain " +
                                        fw.domains[domain].id + " (" + fw.domains[domain].name + ")");
        auto qi = index_in_domain(fw, *place);
        auto key = std::make_pair(it->second, qi);
        if (answered_on.count(key))
            reader.fail(rec, q_col, "case '" + id + "' answers " + qid + " twice (first on line " +
                                        std::to_string(answered_on[key]) + ")");
        answered_on[key] = rec.line;
        c.answers[qi] = *a;
        b.set.present[domain][qi] = true;
    }
    if (b.set.cases.empty()) throw InputError(reader.name(), 0, 0, "no answers (the file has a header but no rows)");
    b.finish_case_level();
    return std::move(b.set);
}

AnswerSet read_aggregate(CsvReader& reader, const Framework& fw) {
    Builder b(fw, reader.name(), AnswerLayout::aggregate);
    std::size_t q_col = *reader.find_column("question");
    std::size_t y_col = *reader.find_column("yes");
    std::size_t r_col = *reader.find_column("relevant");
    auto cases_col = reader.find_column("cases");
    std::map<std::string, std::size_t> seen;
    CsvRecord rec;
    std::size_t rows = 0;
    while (reader.next(rec)) {
        ++rows;
        std::string qid = trimmed(rec.fields[q_col]);
        auto place = fw.find_question(qid);
        if (!place) reader.fail(rec, q_col, "unknown key question " + quote_value(rec.fields[q_col]) + " (not in the framework " + fw.name + ")");
        if (fw.domains[place->domain].judged)
            reader.fail(rec, q_col, "key question " + qid + " belongs to domain " + fw.domains[place->domain].id +
                                        ", which is rated by judgement: give its standards' ratings with --judgement");
        if (seen.count(qid))
            reader.fail(rec, q_col, "key question " + qid + " appears twice (first on line " + std::to_string(seen[qid]) + ")");
        seen[qid] = rec.line;
        auto yes = count_cell(reader, rec, y_col, "yes");
        auto relevant = count_cell(reader, rec, r_col, "relevant");
        if (yes > relevant)
            reader.fail(rec, y_col, "yes (" + std::to_string(yes) + ") is more than relevant (" + std::to_string(relevant) + ")");
        auto qi = index_in_domain(fw, *place);
        auto d = place->domain;
        if (cases_col) {
            auto n = count_cell(reader, rec, *cases_col, "cases");
            if (relevant > n)
                reader.fail(rec, r_col, "relevant (" + std::to_string(relevant) + ") is more than the cases read (" + std::to_string(n) + ")");
            if (b.set.cases_read[d] && *b.set.cases_read[d] != n)
                reader.fail(rec, *cases_col, "cases (" + std::to_string(n) + ") differs from an earlier row of the same domain (" +
                                                 std::to_string(*b.set.cases_read[d]) + ")");
            b.set.cases_read[d] = n;
        }
        b.set.totals[d][qi] = {yes, relevant};
        b.set.present[d][qi] = true;
        b.set.answered[d] = true;
    }
    if (rows == 0) throw InputError(reader.name(), 0, 0, "no rows (the file has a header but no totals)");
    return std::move(b.set);
}

AnswerSet read_any(CsvReader& reader, const Framework& fw, const AnswerReadOptions& options) {
    bool has_case = reader.find_column("case_id").has_value();
    bool has_question = reader.find_column("question").has_value();
    if (has_case && has_question && reader.find_column("answer")) return read_long(reader, fw);
    if (!has_case && has_question && reader.find_column("yes") && reader.find_column("relevant"))
        return read_aggregate(reader, fw);
    if (has_case && !has_question) return read_wide(reader, fw, options);
    throw InputError(reader.name(), reader.header_line(), 0,
                     "cannot tell the layout of the answers from the header (expected 'case_id, domain, 2.1.1, 2.1.2, ...' "
                     "or 'case_id, question, answer' or 'question, yes, relevant')");
}

std::optional<std::int64_t> find_count(const nlohmann::json& j) {
    if (j.is_number_integer()) return j.get<std::int64_t>();
    if (!j.is_object()) return std::nullopt;
    for (const char* key : {"eligible", "eligible_count", "eligible_cases", "population", "population_size", "N"}) {
        auto it = j.find(key);
        if (it != j.end()) {
            if (it->is_number_integer()) return it->get<std::int64_t>();
            if (it->is_object())
                if (auto c = find_count(*it)) return c;
        }
    }
    auto it = j.find("counts");
    if (it != j.end()) return find_count(*it);
    return std::nullopt;
}

void collect_counts(const nlohmann::json& j, std::map<std::string, std::int64_t>& out) {
    if (j.is_array()) {
        for (const auto& e : j) {
            if (!e.is_object()) continue;
            std::string name;
            for (const char* key : {"domain", "name"})
                if (e.contains(key) && e[key].is_string()) {
                    name = e[key].get<std::string>();
                    break;
                }
            if (name.empty()) continue;
            if (auto c = find_count(e)) out[normalize_label(name)] = *c;
        }
    } else if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            if (auto c = find_count(it.value())) out[normalize_label(it.key())] = *c;
    }
}

}  // namespace

AnswerSet parse_answers(const std::string& name, std::string text, const Framework& framework,
                        const AnswerReadOptions& options) {
    auto reader = CsvReader::from_string(name, std::move(text));
    return read_any(reader, framework, options);
}

AnswerSet read_answers(const std::string& path, const Framework& framework, const AnswerReadOptions& options) {
    auto reader = CsvReader::open(path);
    return read_any(reader, framework, options);
}

SampleFolder read_sample_folder(const std::string& dir) {
    namespace fs = std::filesystem;
    SampleFolder f;
    f.sample_file = (fs::path(dir) / "sample.csv").string();
    f.manifest_file = (fs::path(dir) / "manifest.json").string();
    if (!fs::is_directory(dir)) throw InputError(dir, 0, 0, "sample folder not found (expected the --out folder of 'casesample draw')");
    auto reader = CsvReader::open(f.sample_file);
    auto case_col = reader.find_column("case_id");
    if (!case_col) throw InputError(f.sample_file, reader.header_line(), 0, "missing column 'case_id'");
    auto domain_col = reader.find_column("domain");
    CsvRecord rec;
    while (reader.next(rec)) {
        std::string id = trimmed(rec.fields[*case_col]);
        f.case_domain[id] = domain_col ? trimmed(rec.fields[*domain_col]) : std::string();
    }
    auto text = read_file(f.manifest_file);
    nlohmann::json m = parse_json_input(f.manifest_file, text, "casesample manifest");
    for (const char* key : {"domains", "eligible", "population", "counts", "eligible_population"}) {
        if (!m.contains(key)) continue;
        const auto& v = m[key];
        if (v.is_object() && v.contains("eligible")) collect_counts(v["eligible"], f.eligible);
        collect_counts(v, f.eligible);
        if (!f.eligible.empty()) break;
    }
    if (f.eligible.empty())
        throw InputError(f.manifest_file, 0, 0,
                         "no eligible population count per domain found (expected e.g. \"domains\": [{\"domain\": "
                         "\"court\", \"eligible\": 71}, ...]); give --population court=71,out-of-court=39 instead");
    return f;
}

void check_cases_in_sample(const AnswerSet& answers, const Framework& framework, const SampleFolder& sample) {
    std::vector<const CaseAnswers*> outside;
    for (const auto& c : answers.cases)
        if (!sample.case_domain.count(c.case_id)) outside.push_back(&c);
    if (!outside.empty()) {
        std::string msg = "case " + quote_value(outside[0]->case_id) + " is not in the sample (" + sample.sample_file + ")";
        if (outside.size() > 1) {
            msg += "; " + std::to_string(outside.size()) + " answered cases are not in it: ";
            for (std::size_t k = 0; k < outside.size() && k < 20; ++k)
                msg += (k ? ", " : "") + quote_value(outside[k]->case_id) + " (line " + std::to_string(outside[k]->line) + ")";
            if (outside.size() > 20) msg += " and " + std::to_string(outside.size() - 20) + " more";
        }
        throw InputError(answers.file, outside[0]->line, 1, msg);
    }
    for (const auto& c : answers.cases) {
        auto it = sample.case_domain.find(c.case_id);
        if (!it->second.empty() &&
            normalize_label(it->second) != normalize_label(framework.domains[c.domain].sample_domain))
            throw InputError(answers.file, c.line, 1,
                             "case '" + c.case_id + "' is " + with_article(it->second) + " case in the sample but is answered as " +
                                 with_article(framework.domains[c.domain].sample_domain) + " case");
    }
}

std::vector<std::string> sampled_without_answers(const AnswerSet& answers, const SampleFolder& sample) {
    std::set<std::string_view> answered;
    for (const auto& c : answers.cases) answered.insert(c.case_id);
    std::vector<std::string> out;
    for (const auto& [id, domain] : sample.case_domain)
        if (!answered.count(id)) out.push_back(id);
    return out;
}

DomainAnswers domain_answers(const AnswerSet& answers, std::size_t domain, std::int64_t population) {
    DomainAnswers d;
    d.population = population;
    d.questions = answers.totals.at(domain).size();
    for (const auto& c : answers.cases)
        if (c.domain == domain) d.answers.insert(d.answers.end(), c.answers.begin(), c.answers.end());
    return d;
}

}  // namespace casesample
