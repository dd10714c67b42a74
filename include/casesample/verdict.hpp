#pragma once
// A verdict in plain words on how far a rating (or a key question's band) can be trusted, from the probability
// of each rating. One function for `report` and `audit`, and one wording for every format.
//
// A rating is robust when its probability is at least `robust_at` (--robust-at, default 0.90). Otherwise the
// verdict says which rating is more likely, or lists the likely ratings:
//   "robust: Good 0.99 (at least 0.90)"
//   "not robust: Requires improvement is more likely (0.54) than the computed Good (0.46)"
//   "not robust: Good 0.71, Outstanding 0.29"
// Probabilities are printed to two decimals, or more where two would hide which side of the threshold a
// probability lies on, or which of two ratings is the more likely (0.895 is not printed as 0.90).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "casesample/framework.hpp"

namespace casesample {

constexpr double kDefaultRobustAt = 0.90;

struct Verdict {
    std::size_t rating = 0;       // the rating judged: index into framework.ratings
    bool robust = false;          // probability >= robust_at
    std::size_t most_likely = 0;  // the rating of highest probability (the judged one on a tie)
    double probability = 0;       // P(rating)
    double most_likely_probability = 0;
    bool judged = false;          // rated by judgement: no sampling uncertainty
    bool near_threshold = false;  // simulated, and within two Monte Carlo standard errors of robust_at
    std::string text;             // the verdict in words, as every format prints it
};

// The verdict on `rating` given the probability of each rating (one per framework rating, summing to 1).
// `which` names the rating in the text: "computed", "published", "printed". `draws` > 0 when the
// probabilities were simulated (their Monte Carlo error is then taken into account in the wording); 0 when
// exact. Throws UsageError when robust_at is not in [0.5, 1] or the probabilities do not fit the framework.
Verdict rating_verdict(const Framework& framework, std::size_t rating, const std::vector<double>& probabilities,
                       double robust_at, std::string_view which = "computed", std::size_t draws = 0);

// The verdict on a standard rated by judgement: robust (it does not come from the sample).
Verdict judgement_verdict(const Framework& framework, std::size_t rating);

// Checks --robust-at: from 0.5 to 1. Throws UsageError quoting the value otherwise.
void check_robust_at(double robust_at);

// The short summary at the top of a report or an audit.
struct VerdictLine {
    std::string id;    // standard id
    std::string name;  // standard name (may be empty)
    std::optional<Verdict> verdict;
};
struct VerdictSummaryInput {
    std::string overall_rating;           // "Good (score 22 of 36)", or empty when not rated
    std::string overall_not_rated;        // why there is no overall rating, when there is none
    std::optional<Verdict> overall;       // verdict on the overall rating, when assessed
    std::vector<VerdictLine> standards;   // every standard, in framework order
    std::string not_assessed;             // why probabilities were not computed, when they were not
    double robust_at = kDefaultRobustAt;
};
// Lines (without a trailing newline) such as
//   "Overall: Good (score 22 of 36), probability 0.99: robust (at least 0.90)."
//   "Every standard's rating is robust (probability at least 0.90)."  or
//   "Not robust: 2 of 12 standards (2.3, 3.2):"  followed by "  2.3 Planning: not robust: ..."
std::vector<std::string> verdict_summary(const VerdictSummaryInput& input);

// The `verdict` object of the JSON outputs: {robust, rating, most_likely, probability, most_likely_probability,
// text}; null without a verdict.
nlohmann::ordered_json verdict_json(const Framework& framework, const std::optional<Verdict>& verdict);

// The four verdict cells of the CSV outputs, in this order: verdict_robust (yes/no), most_likely,
// verdict_probability, verdict (the text); empty cells without a verdict.
std::vector<std::string> verdict_csv_cells(const Framework& framework, const std::optional<Verdict>& verdict);

// "0.54": a probability as a verdict prints it (two decimals unless more are needed to keep it on the right
// side of `robust_at`).
std::string verdict_probability(double p, double robust_at);

}  // namespace casesample
