#pragma once
// How far a sample's categories are from the population's shares: a chi-square goodness-of-fit test per
// stratifier, with sparse categories pooled.
//
// For one stratifier of one domain with categories h (those with at least one case in the population):
//   observed O_h = cases of category h in the sample, expected E_h = n * N_h / N.
// Pooling: while some group expects fewer than 5 cases and more than one group is left, the group with the
// smallest expected count (the earlier on ties) is merged with whichever of its neighbours in category order
// expects fewer (the earlier on ties). Categories are in vocabulary order (Low, Medium, High, Very High), so
// an ordered scale pools into adjacent ranges such as "High+Very High". X^2 = sum (O - E)^2 / E
// over the groups, df = groups - 1, p = P(chi2_df >= X^2) from Boost.Math. With one group left there is
// nothing to test (df 0, p-value absent).
// The test treats the sample as drawn with replacement; for a sample that is a large share of a finite
// population it is conservative (the finite-population variance is smaller).
#include <optional>
#include <string>
#include <vector>

#include "casesample/sampling.hpp"

namespace casesample {

struct GoodnessOfFit {
    double statistic = 0;
    int df = 0;
    std::optional<double> p_value;  // absent when df == 0
};
// Pearson's X^2 of observed against expected counts (same length, expected > 0), no pooling.
GoodnessOfFit chi_square_gof(const std::vector<double>& observed, const std::vector<double>& expected);

struct StratifierFit {
    Stratifier variable;
    GoodnessOfFit fit;
    std::size_t categories = 0;  // categories with population cases
    std::size_t groups = 0;      // after pooling
    // Labels of each pooled group of more than one category, e.g. "High+Very High".
    std::vector<std::string> pooled;
};
// The test for every stratifier of one domain's sample (frame indices).
std::vector<StratifierFit> stratifier_fits(const Vocabulary& vocabulary, const SamplingFrame& frame,
                                           const std::vector<std::uint32_t>& selected);

// Pools (observed, expected, label) groups by the rule above; exposed for tests.
struct FitGroup {
    double observed = 0;
    double expected = 0;
    std::string label;
    std::size_t members = 1;
};
std::vector<FitGroup> pool_sparse(std::vector<FitGroup> groups, double min_expected = 5.0);

}  // namespace casesample
