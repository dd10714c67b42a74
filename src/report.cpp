#include "casesample/report.hpp"

#include <algorithm>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/robustness.hpp"
#include "casesample/vocabulary.hpp"  // normalize_label

namespace casesample {

std::string_view to_string(Simulation s) {
    switch (s) {
        case Simulation::none: return "none";
        case Simulation::polya_whole_cases: return "polya-whole-cases";
        case Simulation::polya_independent: return "polya-independent-questions";
    }
    return "none";
}

namespace {

std::string trimmed(std::string_view s) {
    auto b = s.find_first_not_of(" \t\"");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t\"");
    return std::string(s.substr(b, e - b + 1));
}

std::string judged_ids(const Framework& fw) {
    std::string s;
    for (const auto& d : fw.domains)
        if (d.judged)
            for (const auto& st : d.standards) s += (s.empty() ? "" : ", ") + st.id;
    return s;
}

// Empty when fine, else what is wrong. A standard judged twice (in the file, by flags, or both) is a problem.
std::string judgement_problem(Judgements& j, const Framework& fw, const std::string& id, const std::string& rating) {
    if (j.count(id)) return "standard " + id + " is judged twice (a standard takes one rating; remove one of them)";
    auto place = fw.find_standard(id);
    if (!place) return "unknown standard '" + id + "' (standards rated by judgement: " + judged_ids(fw) + ")";
    if (!fw.domains[place->domain].judged)
        return "standard " + id + " is rated from its key questions, not by judgement (standards rated by judgement: " +
               judged_ids(fw) + ")";
    auto r = fw.find_rating(rating);
    if (!r) return "unknown rating '" + rating + "' for standard " + id + " (expected " + fw.rating_names() + ")";
    j[id] = *r;
    return {};
}

}  // namespace

void add_judgement(Judgements& judgements, const Framework& framework, const std::string& text) {
    auto eq = text.find('=');
    if (eq == std::string::npos)
        throw UsageError("--judgement '" + text + "' should be STANDARD=RATING, e.g. 1.1=\"Requires improvement\"");
    auto problem = judgement_problem(judgements, framework, trimmed(text.substr(0, eq)), trimmed(text.substr(eq + 1)));
    if (!problem.empty()) throw UsageError("--judgement: " + problem);
}

namespace {
bool fw_domain_id(const Framework& fw, const std::string& id) {
    for (const auto& d : fw.domains)
        if (d.id == id) return true;
    return false;
}
}  // namespace

Judgements read_judgements(const std::string& path, const Framework& framework) {
    auto reader = CsvReader::open(path);
    auto id_col = reader.find_column("standard");
    if (!id_col) id_col = reader.find_column("id");
    auto rating_col = reader.find_column("rating");
    if (!rating_col) rating_col = reader.find_column("value");
    if (!id_col || !rating_col)
        throw InputError(path, reader.header_line(), 0, "expected columns 'standard, rating'");
    Judgements j;
    CsvRecord rec;
    while (reader.next(rec)) {
        std::string id = trimmed(rec.fields[*id_col]);
        // Tolerate a published table: rows that are not judged standards (key questions, other domains) are skipped.
        auto place = framework.find_standard(id);
        if (place && !framework.domains[place->domain].judged) continue;
        if (!place && framework.find_question(id)) continue;
        if (normalize_label(id) == "overall") continue;  // Overall, OVERALL: a published table's last row
        if (!place && fw_domain_id(framework, id)) continue;   // a domain's own row
        auto problem = judgement_problem(j, framework, id, trimmed(rec.fields[*rating_col]));
        if (!problem.empty()) reader.fail(rec, problem.rfind("unknown standard", 0) == 0 ? *id_col : *rating_col, problem);
    }
    return j;
}

std::int64_t relevant_population(std::int64_t population, std::int64_t relevant, std::int64_t cases_read) {
    if (cases_read < 1 || relevant < 0 || relevant > cases_read || population < cases_read)
        throw UsageError("relevant population: needs 0 <= relevant <= cases read <= population");
    if (relevant == cases_read) return population;
    // N * r / n rounded half up, in integers.
    return (2 * population * relevant + cases_read) / (2 * cases_read);
}

std::vector<std::string> report_summary(const Report& r) {
    const auto& fw = *r.framework;
    VerdictSummaryInput in;
    in.robust_at = r.robust_at;
    in.not_assessed = r.not_assessed;
    if (r.overall.rating)
        in.overall_rating = fw.ratings[*r.overall.rating].name + " (score " + std::to_string(*r.overall.score) + " of " +
                            std::to_string(fw.max_total_score()) + ")";
    else
        in.overall_not_rated = "no rating for standards " + r.overall.missing;
    in.overall = r.overall.verdict;
    for (const auto& s : r.standards)
        in.standards.push_back({fw.standard(s.place).id, fw.standard(s.place).name, s.verdict});
    return verdict_summary(in);
}

namespace {

struct Tally {
    std::vector<std::vector<std::size_t>> standard;  // [standard][rating]
    std::vector<std::size_t> overall;
    std::size_t draws = 0;
};

}  // namespace

Report build_report(const Framework& fw, const AnswerSet& answers, const ReportOptions& options) {
    Report rep;
    rep.framework = &fw;
    rep.answers_file = answers.file;
    rep.layout = answers.layout;
    rep.confidence = options.confidence;
    rep.band_on = options.band_on;
    rep.seed = options.seed;
    rep.robust_at = options.robust_at;
    check_robust_at(options.robust_at);
    if (!(options.confidence > 0 && options.confidence < 1))
        throw UsageError("--confidence must be between 0 and 1 (e.g. 0.8), got " + std::to_string(options.confidence));

    bool all_populations = true;
    for (std::size_t d = 0; d < fw.domains.size(); ++d) {
        if (fw.domains[d].judged || !answers.answered[d]) continue;
        ReportDomain s;
        s.domain = d;
        if (auto it = options.cases_read.find(d); it != options.cases_read.end()) {
            s.cases_read = it->second;
        } else if (answers.cases_read[d]) {
            s.cases_read = *answers.cases_read[d];
        } else {
            for (const auto& t : answers.totals[d]) s.cases_read = std::max(s.cases_read, t.relevant);
            s.cases_read_estimated = true;
        }
        for (const auto& t : answers.totals[d])
            if (t.relevant > s.cases_read)
                throw UsageError("domain " + fw.domains[d].sample_domain + ": a key question has " +
                                 std::to_string(t.relevant) + " relevant cases but only " + std::to_string(s.cases_read) +
                                 " cases were read");
        if (auto it = options.population.find(d); it != options.population.end()) {
            if (it->second < s.cases_read)
                throw UsageError("the " + fw.domains[d].sample_domain + " population of " + std::to_string(it->second) +
                                 " cases is smaller than the " + std::to_string(s.cases_read) + " cases read");
            s.population = it->second;
        } else {
            all_populations = false;
        }
        if (s.cases_read_estimated)
            rep.notes.push_back("The totals do not say how many " + fw.domains[d].sample_domain +
                                " cases were read (no 'cases' column): taken as the most relevant cases of any of its "
                                "questions, " + std::to_string(s.cases_read) + ".");
        rep.domains.push_back(s);
    }
    if (rep.domains.empty()) throw UsageError("the answers hold no key question of a domain rated from key questions");

    rep.method = options.method.value_or(all_populations ? IntervalMethod::hypergeometric : IntervalMethod::wilson);
    if (needs_population(rep.method) && !all_populations)
        throw UsageError("--method " + std::string(to_string(rep.method)) +
                         " needs the population sizes: give --sample-dir DIR or --population court=N,out-of-court=N");
    if (!all_populations)
        rep.notes.push_back("No population size for every domain (--sample-dir or --population): intervals assume a "
                            "large population, and band and rating probabilities are not computed.");

    // Key questions.
    bool any_estimated = false;
    std::map<std::pair<std::size_t, std::size_t>, std::size_t> result_of;  // (domain, index in domain) -> question
    for (const auto& ds : rep.domains) {
        auto places = domain_questions(fw, ds.domain);
        for (std::size_t qi = 0; qi < places.size(); ++qi) {
            if (!answers.present[ds.domain][qi]) continue;
            QuestionResult q;
            q.place = places[qi];
            q.cases_read = ds.cases_read;
            q.yes = answers.totals[ds.domain][qi].yes;
            q.relevant = answers.totals[ds.domain][qi].relevant;
            if (q.relevant > 0) {
                if (ds.population) {
                    q.population = relevant_population(*ds.population, q.relevant, ds.cases_read);
                    q.population_estimated = q.relevant < ds.cases_read;
                    any_estimated = any_estimated || q.population_estimated;
                }
                q.share = static_cast<double>(q.yes) / static_cast<double>(q.relevant);
                q.printed_percent = whole_percent(q.yes, q.relevant);
                q.interval = proportion_interval(q.yes, q.relevant, rep.confidence, rep.method, q.population);
                q.band = band_of_share(fw, q.yes, q.relevant, rep.band_on);
                if (q.interval->lower_count && q.population)
                    q.robust = band_of_share(fw, *q.interval->lower_count, *q.population, rep.band_on) ==
                               band_of_share(fw, *q.interval->upper_count, *q.population, rep.band_on);
                else
                    q.robust = band_of_value(fw, q.interval->lower, rep.band_on) ==
                               band_of_value(fw, q.interval->upper, rep.band_on);
                if (q.population) {
                    auto dist = population_count_distribution(q.yes, q.relevant, *q.population);
                    q.band_probabilities.assign(fw.ratings.size(), 0.0);
                    for (std::size_t u = 0; u < dist.size(); ++u)
                        q.band_probabilities[band_of_share(fw, q.yes + static_cast<std::int64_t>(u), *q.population,
                                                           rep.band_on)] += dist[u];
                    q.verdict = rating_verdict(fw, *q.band, q.band_probabilities, rep.robust_at);
                }
                q.moves = band_moves(fw, q.yes, q.relevant, rep.band_on);
            }
            result_of[{ds.domain, qi}] = rep.questions.size();
            rep.questions.push_back(std::move(q));
        }
    }
    if (any_estimated)
        rep.notes.push_back("A key question asked only of relevant cases has a smaller population: estimated as N x "
                            "relevant / n, rounded half up (marked ~).");

    // Standards.
    std::vector<std::string> missing_judgements;
    for (std::size_t d = 0; d < fw.domains.size(); ++d) {
        std::size_t offset = 0;
        for (std::size_t s = 0; s < fw.domains[d].standards.size(); ++s) {
            const auto& st = fw.domains[d].standards[s];
            StandardResult r;
            r.place = {d, s};
            r.judged = fw.domains[d].judged;
            if (r.judged) {
                if (auto it = options.judgements.find(st.id); it != options.judgements.end())
                    r.rating = it->second;
                else
                    missing_judgements.push_back(st.id);
            } else {
                std::vector<std::size_t> bands;
                for (std::size_t k = 0; k < st.key_questions.size(); ++k) {
                    auto it = result_of.find({d, offset + k});
                    if (it != result_of.end() && rep.questions[it->second].band) bands.push_back(*rep.questions[it->second].band);
                }
                if (answers.answered[d])
                    for (std::size_t k = 0; k < st.key_questions.size(); ++k)
                        if (!answers.present[d][offset + k]) r.missing_questions.push_back(st.key_questions[k].id);
                if (!r.missing_questions.empty()) {
                    std::string ids;
                    for (const auto& id : r.missing_questions) ids += (ids.empty() ? "" : ", ") + id;
                    rep.notes.push_back("Key question" + std::string(r.missing_questions.size() > 1 ? "s " : " ") + ids +
                                        (r.missing_questions.size() > 1 ? " are" : " is") +
                                        " missing from the answers: standard " + st.id + " is rated from its other " +
                                        "key questions only.");
                }
                if (!bands.empty()) {
                    r.rating = standard_rating(bands);
                    for (std::size_t k = 0; k < st.key_questions.size(); ++k) {
                        auto it = result_of.find({d, offset + k});
                        if (it != result_of.end() && rep.questions[it->second].band == r.rating)
                            r.lowest.push_back(st.key_questions[k].id);
                    }
                }
            }
            offset += st.key_questions.size();
            rep.standards.push_back(std::move(r));
        }
    }
    if (!missing_judgements.empty()) {
        std::string ids;
        for (const auto& id : missing_judgements) ids += (ids.empty() ? "" : ", ") + id;
        rep.notes.push_back("Standards " + ids + " are rated by judgement: give --judgement ID=RATING (or --judgements "
                            "FILE) for them to count in the overall rating.");
    }
    std::vector<std::size_t> ratings;
    std::string missing;
    for (const auto& r : rep.standards) {
        if (r.rating)
            ratings.push_back(*r.rating);
        else
            missing += (missing.empty() ? "" : ", ") + fw.standard(r.place).id;
    }
    if (missing.empty()) {
        rep.overall.score = total_score(fw, ratings);
        rep.overall.rating = overall_rating(fw, *rep.overall.score);
    } else {
        rep.overall.missing = missing;
    }

    // Rating probabilities by simulating the population.
    if (!all_populations) {
        rep.not_assessed = "no population size for every domain (give --population or --sample-dir)";
        return rep;
    }
    if (options.draws == 0) {
        rep.not_assessed = "no simulation (--draws 0)";
        return rep;
    }
    rep.draws = options.draws;
    rep.simulation = answers.case_level() ? Simulation::polya_whole_cases : Simulation::polya_independent;
    if (rep.simulation == Simulation::polya_independent)
        rep.notes.push_back("The answers are totals only, so rating probabilities treat the key questions as "
                            "independent: the correlation between a case's answers is unknown.");
    std::vector<std::size_t> sim_domains;  // simulated domain -> framework domain
    for (const auto& ds : rep.domains) sim_domains.push_back(ds.domain);

    Tally tally;
    tally.standard.assign(rep.standards.size(), std::vector<std::size_t>(fw.ratings.size(), 0));
    tally.overall.assign(fw.ratings.size(), 0);
    // Standard index of each (simulated domain, question index), and the fixed judged ratings.
    std::vector<std::vector<std::optional<std::size_t>>> standard_of(sim_domains.size());
    std::vector<std::size_t> first_standard(fw.domains.size(), 0);
    for (std::size_t d = 0, k = 0; d < fw.domains.size(); ++d) {
        first_standard[d] = k;
        k += fw.domains[d].standards.size();
    }
    for (std::size_t sd = 0; sd < sim_domains.size(); ++sd) {
        auto d = sim_domains[sd];
        auto places = domain_questions(fw, d);
        standard_of[sd].resize(places.size());
        for (std::size_t qi = 0; qi < places.size(); ++qi)
            if (answers.present[d][qi]) standard_of[sd][qi] = first_standard[d] + places[qi].standard;
    }
    const std::size_t none = fw.ratings.size();
    std::vector<std::size_t> sim_rating(rep.standards.size());
    auto visit = [&](const SimulatedTotals& totals) {
        for (std::size_t s = 0; s < rep.standards.size(); ++s)
            sim_rating[s] = rep.standards[s].judged && rep.standards[s].rating ? *rep.standards[s].rating : none;
        std::vector<bool> touched(rep.standards.size(), false);
        for (std::size_t sd = 0; sd < totals.size(); ++sd)
            for (std::size_t qi = 0; qi < totals[sd].size(); ++qi) {
                if (!standard_of[sd][qi] || totals[sd][qi].relevant == 0) continue;
                auto s = *standard_of[sd][qi];
                auto b = band_of_share(fw, totals[sd][qi].yes, totals[sd][qi].relevant, rep.band_on);
                if (!touched[s] || b < sim_rating[s]) sim_rating[s] = b;
                touched[s] = true;
            }
        bool complete = true;
        int score = 0;
        for (std::size_t s = 0; s < rep.standards.size(); ++s) {
            if (sim_rating[s] == none) {
                complete = false;
                continue;
            }
            ++tally.standard[s][sim_rating[s]];
            score += fw.ratings[sim_rating[s]].score;
        }
        if (complete) ++tally.overall[overall_rating(fw, score)];
        ++tally.draws;
        advance(options.progress);
    };
    if (options.progress) options.progress->begin("Pólya draws", options.draws);
    Engine engine(options.seed);
    if (rep.simulation == Simulation::polya_whole_cases) {
        std::vector<DomainAnswers> input;
        for (const auto& ds : rep.domains) input.push_back(domain_answers(answers, ds.domain, *ds.population));
        polya_posterior(input, options.draws, engine, visit);
    } else {
        std::vector<std::vector<QuestionTotals>> totals;
        std::vector<std::vector<std::int64_t>> pops;
        for (const auto& ds : rep.domains) {
            totals.push_back(answers.totals[ds.domain]);
            std::vector<std::int64_t> p;
            for (const auto& t : answers.totals[ds.domain])
                p.push_back(t.relevant == 0 ? 0 : relevant_population(*ds.population, t.relevant, ds.cases_read));
            pops.push_back(std::move(p));
        }
        polya_posterior_independent(totals, pops, options.draws, engine, visit);
    }
    auto as_probabilities = [&](const std::vector<std::size_t>& counts) {
        std::vector<double> p(counts.size());
        for (std::size_t i = 0; i < counts.size(); ++i)
            p[i] = static_cast<double>(counts[i]) / static_cast<double>(tally.draws);
        return p;
    };
    for (std::size_t s = 0; s < rep.standards.size(); ++s) {
        std::size_t n = 0;
        for (auto c : tally.standard[s]) n += c;
        if (n == tally.draws && n > 0) rep.standards[s].rating_probabilities = as_probabilities(tally.standard[s]);
    }
    std::size_t n = 0;
    for (auto c : tally.overall) n += c;
    if (n == tally.draws && n > 0) rep.overall.rating_probabilities = as_probabilities(tally.overall);

    // Verdicts on the ratings, from their probabilities.
    for (auto& s : rep.standards) {
        if (!s.rating) continue;
        if (s.judged)
            s.verdict = judgement_verdict(fw, *s.rating);
        else if (!s.rating_probabilities.empty())
            s.verdict = rating_verdict(fw, *s.rating, s.rating_probabilities, rep.robust_at, "computed", rep.draws);
    }
    if (rep.overall.rating && !rep.overall.rating_probabilities.empty())
        rep.overall.verdict =
            rating_verdict(fw, *rep.overall.rating, rep.overall.rating_probabilities, rep.robust_at, "computed", rep.draws);
    return rep;
}

}  // namespace casesample
