#pragma once
// Checking a published table of results: from the whole-number percentages a report prints, every
// (yes, relevant) pair that could have produced them, the widest confidence interval across those pairs,
// whether the band is robust, and whether each published standard rating and the overall rating follow
// from the framework's rules.
//
// Published table (CSV, columns id, value): a key question id with its whole-number percentage ("84%" or
// "84"), a standard id with its published rating, and `overall` with the published overall rating.
//
// A pair (yes, relevant) is consistent with a printed percentage P when 1 <= relevant <= cases read in the
// domain and 100 * yes / relevant rounds to P half up or half to even (both conventions are considered;
// each pair says which it satisfies).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "casesample/framework.hpp"
#include "casesample/intervals.hpp"
#include "casesample/progress.hpp"
#include "casesample/ratings.hpp"
#include "casesample/report_format.hpp"
#include "casesample/verdict.hpp"

namespace casesample {

struct PublishedTable {
    std::string file;
    std::map<std::string, std::pair<std::int64_t, std::size_t>> percents;  // question id -> (percent, line)
    std::map<std::string, std::pair<std::size_t, std::size_t>> ratings;    // standard id -> (rating, line)
    std::optional<std::pair<std::size_t, std::size_t>> overall;            // (rating, line)
};
PublishedTable read_published(const std::string& path, const Framework& framework);
PublishedTable parse_published(const std::string& name, std::string text, const Framework& framework);

struct AuditOptions {
    std::map<std::size_t, std::int64_t> cases;       // cases read per framework domain (required for rated domains)
    std::map<std::size_t, std::int64_t> population;  // eligible population per framework domain (optional)
    double confidence = 0.8;
    std::optional<IntervalMethod> method;  // default: hypergeometric with populations, wilson without
    BandOn band_on = BandOn::exact;
    double robust_at = kDefaultRobustAt;  // a band or rating is robust when its probability is at least this
    // Advanced by the (yes, relevant) pairs tried (stage "checking published percentages"), when given.
    Progress* progress = nullptr;
};

struct AuditPair {
    std::int64_t yes = 0;
    std::int64_t relevant = 0;
    bool half_up = false;    // rounds to the printed percentage half up
    bool half_even = false;  // ... half to even
    std::optional<std::int64_t> population;  // relevant population, N * relevant / cases rounded half up
    Interval interval;
    std::size_t band = 0;
    std::optional<std::size_t> robust_band;  // the band when the interval lies inside one band
    std::vector<double> band_probabilities;  // exact, per rating, with --population (add_audit_probabilities)
};

struct AuditQuestion {
    QuestionPlace place;
    std::int64_t printed = 0;
    std::size_t line = 0;
    std::int64_t cases = 0;
    std::vector<AuditPair> pairs;       // relevant ascending, then yes ascending
    std::size_t widest = 0;             // index of the pair with the widest interval
    std::optional<std::size_t> all_relevant;  // index of the first pair with relevant = cases, if any
    double lower = 0, upper = 0;        // envelope of every pair's interval
    std::set<std::size_t> bands;        // bands the pairs give
    bool robust = false;                // every pair's interval inside the same single band
    // With --population: P(population share in each band), the exact beta-binomial band probabilities of every
    // consistent pair (as `report` computes them) averaged with equal weight; and their least and greatest
    // values across the pairs. Empty without a population.
    std::vector<double> band_probabilities, band_probabilities_min, band_probabilities_max;
    std::optional<Verdict> verdict;  // on the band of the printed percentage (the single band of the pairs)
};

struct AuditRating {
    std::string id;  // standard id, or "overall"
    std::optional<std::size_t> published;
    std::size_t line = 0;
    std::set<std::size_t> computed;  // ratings the rules allow (several when the percentages leave it open)
    std::optional<int> score;        // overall: the total score when determinate
    std::set<int> scores;            // overall: every possible total score
    bool judged = false;
    bool consistent = false;
    std::string why;
    // P(each rating) with the key questions taken as independent (exact: product and convolution of the
    // questions' band probabilities); judged standards with a published rating have probability 1 on it.
    std::vector<double> rating_probabilities;
    std::optional<Verdict> verdict;  // on the published rating, else the computed one, else the most likely
};

struct Audit {
    const Framework* framework = nullptr;
    std::string file;
    double confidence = 0.8;
    IntervalMethod method = IntervalMethod::wilson;
    BandOn band_on = BandOn::exact;
    double robust_at = kDefaultRobustAt;
    std::string probabilities;  // how the probabilities were computed, or why they were not
    bool probabilities_computed = false;
    std::vector<AuditQuestion> questions;
    std::vector<AuditRating> standards;
    AuditRating overall;
    // No published rating that the audit could compute contradicts the rules.
    bool all_consistent() const;
    // Published ratings the audit could not compute (standards without a published key question, the overall
    // when a standard is unrated): neither consistent nor inconsistent.
    std::vector<std::string> unchecked() const;
};

// Throws UsageError for missing case counts and bad options.
Audit audit_published(const Framework& framework, const PublishedTable& table, const AuditOptions& options);

// Band probabilities of the published key questions and rating probabilities of the standards and the overall,
// with their verdicts (called by audit_published; needs --population). Band probabilities are not computed when
// their exact sums would exceed kMostAuditTerms beta-binomial terms (say, 2,000 cases read of a population of
// 1,000,000): `probabilities` then says so.
constexpr std::uint64_t kMostAuditTerms = 100000000;
void add_audit_probabilities(Audit& audit, const AuditOptions& options);

// The short summary at the top of an audit (verdict_summary of its verdicts).
std::vector<std::string> audit_summary(const Audit& audit);

std::string render_audit(const Audit& audit, ReportFormat format);

}  // namespace casesample
