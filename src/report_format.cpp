#include "casesample/report_format.hpp"

#include <nlohmann/json.hpp>

#include "casesample/csv.hpp"
#include "casesample/output.hpp"
#include "casesample/report_html.hpp"
#include "casesample/robustness.hpp"  // monte_carlo_error

namespace casesample {

std::optional<ReportFormat> parse_report_format(std::string_view text) {
    if (text == "table") return ReportFormat::table;
    if (text == "csv") return ReportFormat::csv;
    if (text == "json") return ReportFormat::json;
    if (text == "markdown") return ReportFormat::markdown;
    if (text == "html") return ReportFormat::html;
    return std::nullopt;
}

std::string rating_initials(std::string_view name) {
    std::string s;
    bool start = true;
    for (char c : name) {
        if (c == ' ' || c == '-') {
            start = true;
            continue;
        }
        if (start) s += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        start = false;
    }
    return s;
}

namespace {

using ojson = nlohmann::ordered_json;

std::string percent_text(const std::optional<double>& share) { return share ? format_fixed(100 * *share, 1) : ""; }

std::string interval_text(const QuestionResult& q) {
    if (!q.interval) return "";
    std::string s = format_fixed(100 * q.interval->lower, 1) + "-" + format_fixed(100 * q.interval->upper, 1) + "%";
    if (q.interval->lower_count)
        s += " (" + std::to_string(*q.interval->lower_count) + "-" + std::to_string(*q.interval->upper_count) + " of " +
             (q.population_estimated ? "~" : "") + std::to_string(*q.population) + ")";
    return s;
}

std::string probability_text(const std::vector<double>& p, std::size_t i) {
    return p.empty() ? "" : format_fixed(p[i], 3);
}

std::string optional_count(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "-"; }

std::string rating_name(const Framework& fw, const std::optional<std::size_t>& r) {
    return r ? fw.ratings[*r].name : "";
}

std::string standard_basis(const Framework& fw, const StandardResult& s) {
    if (s.judged) return s.rating ? "judgement" : "judgement not given";
    std::string missing;
    for (const auto& id : s.missing_questions) missing += (missing.empty() ? "" : ", ") + id;
    if (!missing.empty()) missing = "; not answered: " + missing;
    if (!s.rating) return "no answers" + missing;
    std::string ids;
    for (const auto& id : s.lowest) ids += (ids.empty() ? "" : ", ") + id;
    (void)fw;
    return "lowest band: " + ids + missing;
}

double max_mc_error(const std::vector<double>& p, std::size_t draws) {
    double m = 0;
    for (double x : p) m = std::max(m, monte_carlo_error(x, draws));
    return m;
}

ojson probabilities_json(const Framework& fw, const std::vector<double>& p) {
    if (p.empty()) return nullptr;
    ojson j = ojson::object();
    for (std::size_t i = 0; i < p.size(); ++i) j[fw.ratings[i].name] = p[i];
    return j;
}

ojson mc_json(const Framework& fw, const std::vector<double>& p, std::size_t draws) {
    if (p.empty()) return nullptr;
    ojson j = ojson::object();
    for (std::size_t i = 0; i < p.size(); ++i) j[fw.ratings[i].name] = monte_carlo_error(p[i], draws);
    return j;
}

template <class T>
ojson opt(const std::optional<T>& v) {
    return v ? ojson(*v) : ojson(nullptr);
}

// The verdict columns of a CSV row: verdict_robust, most_likely, verdict_probability, verdict.
void verdict_cells(CsvWriter& w, const Framework& fw, const std::optional<Verdict>& v) {
    for (const auto& cell : verdict_csv_cells(fw, v)) w.text(cell);
}

std::string render_json(const Report& r) {
    const auto& fw = *r.framework;
    ojson j;
    j["framework"] = fw.name;
    j["answers"] = r.answers_file;
    j["layout"] = to_string(r.layout);
    j["confidence"] = r.confidence;
    j["method"] = to_string(r.method);
    j["band_on"] = to_string(r.band_on);
    j["simulation"] = {{"method", to_string(r.simulation)}, {"draws", r.draws}, {"seed", r.seed}};
    j["robust_at"] = r.robust_at;
    j["summary"] = report_summary(r);
    auto& domains = j["domains"] = ojson::array();
    for (const auto& d : r.domains)
        domains.push_back({{"domain", fw.domains[d.domain].sample_domain},
                           {"framework_domain", fw.domains[d.domain].id},
                           {"population", opt(d.population)},
                           {"cases_read", d.cases_read},
                           {"cases_read_estimated", d.cases_read_estimated}});
    auto& questions = j["questions"] = ojson::array();
    for (const auto& q : r.questions) {
        ojson o;
        o["id"] = fw.question(q.place).id;
        o["domain"] = fw.domains[q.place.domain].sample_domain;
        o["standard"] = fw.domains[q.place.domain].standards[q.place.standard].id;
        o["text"] = fw.question(q.place).text;
        o["cases_read"] = q.cases_read;
        o["relevant"] = q.relevant;
        o["yes"] = q.yes;
        o["percent"] = q.share ? ojson(100 * *q.share) : ojson(nullptr);
        o["printed_percent"] = opt(q.printed_percent);
        o["population"] = opt(q.population);
        o["population_estimated"] = q.population_estimated;
        o["lower"] = q.interval ? ojson(q.interval->lower) : ojson(nullptr);
        o["upper"] = q.interval ? ojson(q.interval->upper) : ojson(nullptr);
        o["lower_count"] = q.interval ? opt(q.interval->lower_count) : ojson(nullptr);
        o["upper_count"] = q.interval ? opt(q.interval->upper_count) : ojson(nullptr);
        o["method"] = to_string(r.method);
        o["band"] = q.band ? ojson(fw.ratings[*q.band].name) : ojson(nullptr);
        o["band_probabilities"] = probabilities_json(fw, q.band_probabilities);
        o["robust"] = q.band ? ojson(q.robust) : ojson(nullptr);
        o["more_yes_to_move_up"] = opt(q.moves.more_yes);
        o["fewer_yes_to_move_down"] = opt(q.moves.fewer_yes);
        o["verdict"] = verdict_json(fw, q.verdict);
        questions.push_back(o);
    }
    auto& standards = j["standards"] = ojson::array();
    for (const auto& s : r.standards) {
        const auto& st = fw.standard(s.place);
        ojson o;
        o["id"] = st.id;
        o["name"] = st.name;
        o["domain"] = fw.domains[s.place.domain].id;
        o["rated_by"] = s.judged ? "judgement" : "key questions";
        o["rating"] = s.rating ? ojson(fw.ratings[*s.rating].name) : ojson(nullptr);
        o["score"] = s.rating ? ojson(fw.ratings[*s.rating].score) : ojson(nullptr);
        o["lowest_questions"] = s.lowest;
        o["missing_questions"] = s.missing_questions;
        o["rating_probabilities"] = probabilities_json(fw, s.rating_probabilities);
        o["monte_carlo_error"] = mc_json(fw, s.rating_probabilities, r.draws);
        o["verdict"] = verdict_json(fw, s.verdict);
        standards.push_back(o);
    }
    ojson o;
    o["score"] = opt(r.overall.score);
    o["rating"] = r.overall.rating ? ojson(fw.ratings[*r.overall.rating].name) : ojson(nullptr);
    o["rating_probabilities"] = probabilities_json(fw, r.overall.rating_probabilities);
    o["monte_carlo_error"] = mc_json(fw, r.overall.rating_probabilities, r.draws);
    o["verdict"] = verdict_json(fw, r.overall.verdict);
    if (!r.overall.missing.empty()) o["not_rated"] = r.overall.missing;
    j["overall"] = o;
    j["notes"] = r.notes;
    return j.dump(2) + "\n";
}

std::string render_csv(const Report& r) {
    const auto& fw = *r.framework;
    CsvWriter w;
    std::vector<std::string> header = {"level", "id", "domain", "standard", "cases_read", "relevant", "yes",
                                       "percent", "population", "population_estimated", "lower", "upper",
                                       "lower_count", "upper_count", "method", "band_or_rating", "score"};
    for (const auto& rt : fw.ratings) header.push_back("p_" + rating_initials(rt.name));
    header.insert(header.end(), {"robust", "more_yes_to_move_up", "fewer_yes_to_move_down", "missing_questions",
                                 "verdict_robust", "most_likely", "verdict_probability", "verdict"});
    for (const auto& h : header) w.text(h);
    w.end_row();
    auto probabilities = [&](const std::vector<double>& p) {
        for (std::size_t i = 0; i < fw.ratings.size(); ++i) {
            if (p.empty())
                w.empty();
            else
                w.number(p[i], 6);
        }
    };
    for (const auto& q : r.questions) {
        w.text("question").text(fw.question(q.place).id).text(fw.domains[q.place.domain].sample_domain);
        w.text(fw.domains[q.place.domain].standards[q.place.standard].id);
        w.integer(q.cases_read).integer(q.relevant).integer(q.yes);
        if (q.share) w.number(100 * *q.share, 4); else w.empty();
        if (q.population) w.integer(*q.population); else w.empty();
        w.text(q.population_estimated ? "yes" : "no");
        if (q.interval) w.number(q.interval->lower, 6).number(q.interval->upper, 6); else w.empty().empty();
        if (q.interval && q.interval->lower_count) w.integer(*q.interval->lower_count).integer(*q.interval->upper_count);
        else w.empty().empty();
        w.text(to_string(r.method)).text(rating_name(fw, q.band));
        if (q.band) w.integer(fw.ratings[*q.band].score); else w.empty();
        probabilities(q.band_probabilities);
        w.text(q.band ? (q.robust ? "yes" : "no") : "");
        if (q.moves.more_yes) w.integer(*q.moves.more_yes); else w.empty();
        if (q.moves.fewer_yes) w.integer(*q.moves.fewer_yes); else w.empty();
        w.empty();
        verdict_cells(w, fw, q.verdict);
        w.end_row();
    }
    for (const auto& s : r.standards) {
        w.text("standard").text(fw.standard(s.place).id).text(fw.domains[s.place.domain].id).text(fw.standard(s.place).id);
        for (int k = 0; k < 11; ++k) w.empty();
        w.text(rating_name(fw, s.rating));
        if (s.rating) w.integer(fw.ratings[*s.rating].score); else w.empty();
        probabilities(s.rating_probabilities);
        w.empty().empty().empty();
        std::string missing;
        for (const auto& id : s.missing_questions) missing += (missing.empty() ? "" : " ") + id;
        w.text(missing);
        verdict_cells(w, fw, s.verdict);
        w.end_row();
    }
    w.text("overall").text("overall");
    for (int k = 0; k < 13; ++k) w.empty();
    w.text(rating_name(fw, r.overall.rating));
    if (r.overall.score) w.integer(*r.overall.score); else w.empty();
    probabilities(r.overall.rating_probabilities);
    w.empty().empty().empty().empty();
    verdict_cells(w, fw, r.overall.verdict);
    w.end_row();
    return w.take();
}

}  // namespace

std::vector<std::string> report_lines(const Report& r) {
    std::vector<std::string> lines;
    lines.push_back("Intervals: " + std::string(to_string(r.method)) + " at " + format_percent(r.confidence, 0) +
                    " confidence; bands from the " +
                    (r.band_on == BandOn::exact ? "exact share" : "whole-number percentage (rounded half up)") + ".");
    if (r.simulation != Simulation::none) {
        double mc = 0;
        for (const auto& s : r.standards) mc = std::max(mc, max_mc_error(s.rating_probabilities, r.draws));
        mc = std::max(mc, max_mc_error(r.overall.rating_probabilities, r.draws));
        lines.push_back("Rating probabilities: " + std::string(to_string(r.simulation)) + ", " +
                        std::to_string(r.draws) + " draws, seed " + std::to_string(r.seed) +
                        "; Monte Carlo standard error at most " + format_fixed(mc, 4) + ".");
        lines.push_back("Verdicts: a rating is robust when its probability is at least " +
                        verdict_probability(r.robust_at, r.robust_at) + " (--robust-at).");
    }
    lines.push_back("Band probabilities: exact, beta-binomial posterior predictive of the unread cases (Jeffreys prior).");
    for (const auto& n : r.notes) lines.push_back(n);
    return lines;
}

namespace {

struct Tables {
    std::vector<std::string> q_header, s_header;
    std::vector<std::vector<std::string>> q_rows, s_rows;
    std::string overall;
    std::string overall_verdict;
    std::vector<std::string> summary;
    std::vector<std::string> lines;  // method, notes
};

Tables build_tables(const Report& r) {
    const auto& fw = *r.framework;
    Tables t;
    bool probs = r.simulation != Simulation::none || std::any_of(r.questions.begin(), r.questions.end(), [](const auto& q) {
                     return !q.band_probabilities.empty();
                 });
    t.q_header = {"question", "relevant", "yes", "%", "interval " + format_percent(r.confidence, 0), "band"};
    if (probs)
        for (const auto& rt : fw.ratings) t.q_header.push_back("P(" + rating_initials(rt.name) + ")");
    t.q_header.insert(t.q_header.end(), {"robust", "+yes up", "-yes down"});
    for (const auto& q : r.questions) {
        std::vector<std::string> row = {fw.question(q.place).id, std::to_string(q.relevant), std::to_string(q.yes),
                                        percent_text(q.share), interval_text(q), rating_name(fw, q.band)};
        if (probs)
            for (std::size_t i = 0; i < fw.ratings.size(); ++i) row.push_back(probability_text(q.band_probabilities, i));
        row.push_back(q.band ? (q.robust ? "yes" : "no") : "");
        row.push_back(optional_count(q.moves.more_yes));
        row.push_back(optional_count(q.moves.fewer_yes));
        t.q_rows.push_back(std::move(row));
    }
    bool sim = r.simulation != Simulation::none;
    t.s_header = {"standard", "name", "rating", "score", "basis"};
    if (sim) {
        for (const auto& rt : fw.ratings) t.s_header.push_back("P(" + rating_initials(rt.name) + ")");
        t.s_header.push_back("verdict");
    }
    for (const auto& s : r.standards) {
        std::vector<std::string> row = {fw.standard(s.place).id, fw.standard(s.place).name, rating_name(fw, s.rating),
                                        s.rating ? std::to_string(fw.ratings[*s.rating].score) : "",
                                        standard_basis(fw, s)};
        if (sim) {
            for (std::size_t i = 0; i < fw.ratings.size(); ++i) row.push_back(probability_text(s.rating_probabilities, i));
            row.push_back(s.verdict ? s.verdict->text : "");
        }
        t.s_rows.push_back(std::move(row));
    }
    if (r.overall.rating) {
        t.overall = "Overall: " + fw.ratings[*r.overall.rating].name + " (score " + std::to_string(*r.overall.score) +
                    " of " + std::to_string(fw.max_total_score()) + ")";
        if (!r.overall.rating_probabilities.empty()) {
            t.overall += "; probability of each rating:";
            for (std::size_t i = 0; i < fw.ratings.size(); ++i)
                t.overall += " " + fw.ratings[i].name + " " + format_fixed(r.overall.rating_probabilities[i], 3) +
                             (i + 1 < fw.ratings.size() ? "," : "");
        }
    } else {
        t.overall = "Overall: not rated (no rating for standards " + r.overall.missing + ")";
    }
    if (r.overall.verdict) t.overall_verdict = "Verdict: " + r.overall.verdict->text;
    t.summary = report_summary(r);
    t.lines = report_lines(r);
    return t;
}

std::string render_table(const Report& r) {
    auto t = build_tables(r);
    TextTable q(t.q_header);
    for (std::size_t c = 1; c < t.q_header.size(); ++c)
        if (c != 5 && c != 4) q.right_align(c);
    for (auto& row : t.q_rows) q.add_row(row);
    TextTable s(t.s_header);
    s.right_align(3);
    for (std::size_t c = 5; c < t.s_header.size() && t.s_header[c] != "verdict"; ++c) s.right_align(c);
    for (auto& row : t.s_rows) s.add_row(row);
    std::string out = "Summary\n";
    for (const auto& l : t.summary) out += "  " + l + "\n";
    out += "\nKey questions\n" + q.render() + "\nStandards\n" + s.render() + "\n" + t.overall + "\n";
    if (!t.overall_verdict.empty()) out += t.overall_verdict + "\n";
    out += "\n";
    for (const auto& l : t.lines) out += l + "\n";
    return out;
}

std::string md_cell(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '|') o += "\\|";
        else o += c;
    }
    return o;
}

std::string md_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    std::string out = "|";
    for (const auto& h : header) out += " " + md_cell(h) + " |";
    out += "\n|";
    for (std::size_t i = 0; i < header.size(); ++i) out += " --- |";
    out += "\n";
    for (const auto& row : rows) {
        out += "|";
        for (const auto& c : row) out += " " + md_cell(c) + " |";
        out += "\n";
    }
    return out;
}

std::string render_markdown(const Report& r) {
    auto t = build_tables(r);
    std::string out = "# Inspection report\n\n## Summary\n\n";
    for (const auto& l : t.summary)
        out += (l.rfind("  ", 0) == 0 ? "  - " + md_cell(l.substr(2)) : "- " + md_cell(l)) + "\n";
    out += "\n## Key questions\n\n" + md_table(t.q_header, t.q_rows) + "\n## Standards\n\n" +
           md_table(t.s_header, t.s_rows) + "\n**" + t.overall + "**\n\n";
    if (!t.overall_verdict.empty()) out += t.overall_verdict + "\n\n";
    for (const auto& l : t.lines) out += "- " + l + "\n";
    return out;
}

}  // namespace

std::string render_report(const Report& report, ReportFormat format) {
    switch (format) {
        case ReportFormat::table: return render_table(report);
        case ReportFormat::csv: return render_csv(report);
        case ReportFormat::json: return render_json(report);
        case ReportFormat::markdown: return render_markdown(report);
        case ReportFormat::html: return render_report_html(report);
    }
    return {};
}

}  // namespace casesample
