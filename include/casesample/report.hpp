#pragma once
// The report of an inspection: for every key question its share of 'yes', confidence interval, band, the
// exact probability of each band for the population, whether the band is robust and how many answers would
// move it; for every standard its rating and the probability of each rating; the total score and overall
// rating with their probabilities. Built on plain data; writers are in report_format.hpp.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "casesample/answers.hpp"
#include "casesample/framework.hpp"
#include "casesample/intervals.hpp"
#include "casesample/progress.hpp"
#include "casesample/ratings.hpp"
#include "casesample/sampling.hpp"  // Engine
#include "casesample/verdict.hpp"

namespace casesample {

// Ratings of the standards rated by judgement: standard id -> rating index.
using Judgements = std::map<std::string, std::size_t>;
// `1.1=Requires improvement` (the text of one --judgement option); throws UsageError.
void add_judgement(Judgements& judgements, const Framework& framework, const std::string& text);
// A CSV file with columns `standard, rating` (or `id, value`); throws InputError at the bad cell.
Judgements read_judgements(const std::string& path, const Framework& framework);

struct ReportOptions {
    double confidence = 0.8;
    std::optional<IntervalMethod> method;  // default: hypergeometric with populations, wilson without
    BandOn band_on = BandOn::exact;
    std::size_t draws = 10000;
    std::uint64_t seed = 0;
    double robust_at = kDefaultRobustAt;  // a rating is robust when its probability is at least this
    Judgements judgements;
    // Eligible population N per framework domain index (only for domains rated from key questions).
    std::map<std::size_t, std::int64_t> population;
    // Cases read per framework domain, overriding the answers' own count (aggregate input).
    std::map<std::size_t, std::int64_t> cases_read;
    // Advanced once per Pólya draw (stage "Pólya draws"), when given.
    Progress* progress = nullptr;
};

struct ReportDomain {
    std::size_t domain = 0;  // framework index
    std::optional<std::int64_t> population;
    std::int64_t cases_read = 0;
    bool cases_read_estimated = false;  // aggregate input without a `cases` column: the most relevant cases
};

struct QuestionResult {
    QuestionPlace place;
    std::int64_t cases_read = 0;
    std::int64_t relevant = 0;
    std::int64_t yes = 0;
    std::optional<std::int64_t> population;  // relevant cases in the population (N, or N * relevant / n)
    bool population_estimated = false;       // N * relevant / n, rounded half up
    std::optional<double> share;             // yes / relevant (none when no case was relevant)
    std::optional<std::int64_t> printed_percent;
    std::optional<Interval> interval;
    std::optional<std::size_t> band;
    std::vector<double> band_probabilities;  // per rating; empty without a population
    bool robust = false;                     // the interval lies inside one band
    BandMoves moves;
    std::optional<Verdict> verdict;  // from band_probabilities, when there is a population
};

struct StandardResult {
    StandardPlace place;
    bool judged = false;
    std::optional<std::size_t> rating;
    std::vector<std::string> lowest;  // key questions that set the rating
    // Key questions of the standard that are not in the answers at all (its domain has answers): the rating
    // comes from the others only, and every format says so.
    std::vector<std::string> missing_questions;
    std::vector<double> rating_probabilities;  // per rating; empty when not simulated
    std::optional<Verdict> verdict;            // when rated and simulated (judged: always robust)
};

struct OverallResult {
    std::optional<int> score;
    std::optional<std::size_t> rating;
    std::vector<double> rating_probabilities;  // per rating; empty when not simulated
    std::string missing;                        // standards without a rating, when there are any
    std::optional<Verdict> verdict;             // when rated and simulated
};

enum class Simulation { none, polya_whole_cases, polya_independent };
std::string_view to_string(Simulation s);  // "none", "polya-whole-cases", "polya-independent-questions"

struct Report {
    const Framework* framework = nullptr;
    std::string answers_file;
    AnswerLayout layout = AnswerLayout::wide;
    double confidence = 0.8;
    IntervalMethod method = IntervalMethod::wilson;
    BandOn band_on = BandOn::exact;
    Simulation simulation = Simulation::none;
    std::size_t draws = 0;
    std::uint64_t seed = 0;
    double robust_at = kDefaultRobustAt;
    std::string not_assessed;  // why there are no rating probabilities, when there are none
    std::vector<ReportDomain> domains;  // domains rated from key questions that have answers
    std::vector<QuestionResult> questions;
    std::vector<StandardResult> standards;
    OverallResult overall;
    std::vector<std::string> notes;  // what a reader must know (estimated populations, fallbacks)
};

// Throws UsageError for options that cannot be used (a method that needs populations without them, a
// judgement for a standard that is not judged, populations smaller than the cases read, ...).
Report build_report(const Framework& framework, const AnswerSet& answers, const ReportOptions& options);

// The short summary at the top of every format: the overall rating, its probability and verdict, and the
// standards that are not robust (verdict_summary of the report's verdicts).
std::vector<std::string> report_summary(const Report& report);

// The relevant population of a question asked only of relevant cases: N * relevant / n rounded half up.
std::int64_t relevant_population(std::int64_t population, std::int64_t relevant, std::int64_t cases_read);

}  // namespace casesample
