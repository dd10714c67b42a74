#pragma once
// Confidence intervals for the share of 'yes' answers: x 'yes' out of n cases read, optionally from a
// finite population of N cases. One function per method, one enum naming them. Boost.Math does every
// quantile and inverse.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace casesample {

enum class IntervalMethod {
    hypergeometric,   // exact for a finite population (needs N); bounds are whole counts M / N
    wilson_fpc,       // Wilson score with the finite population correction (needs N)
    wilson,           // Wilson score, no continuity correction
    clopper_pearson,  // exact binomial, from Beta quantiles
    jeffreys,         // equal-tailed Beta(x + 1/2, n - x + 1/2) quantiles
    agresti_coull,    // statsmodels' form: n~ = n + z^2, p~ = (x + z^2/2) / n~
    wald,             // p +- z sqrt(p (1 - p) / n), clipped to [0, 1]
};
std::string_view to_string(IntervalMethod m);  // "hypergeometric", "wilson-fpc", "clopper-pearson", ...
std::optional<IntervalMethod> parse_interval_method(std::string_view text);
bool needs_population(IntervalMethod m);

struct Interval {
    double lower = 0;
    double upper = 0;
    // For a finite population (hypergeometric): the bounds as counts of 'yes' cases in the population.
    std::optional<std::int64_t> lower_count;
    std::optional<std::int64_t> upper_count;
};

// The interval for x 'yes' of n at the given confidence. `population` is N (>= n) for the finite-population
// methods and ignored by the others. Throws UsageError for 0 > x, x > n, n < 1, N < n, confidence outside (0,1),
// or a finite-population method without N. A census (n = N) gives the point x / N for the finite methods.
Interval proportion_interval(std::int64_t x, std::int64_t n, double confidence, IntervalMethod method,
                             std::optional<std::int64_t> population = std::nullopt);

// The exact hypergeometric interval in counts (reference/README.md): M_lower is the smallest M with
// P(X >= x | N, M, n) > alpha/2, M_upper the largest M with P(X <= x | N, M, n) > alpha/2.
struct CountInterval {
    std::int64_t lower = 0;
    std::int64_t upper = 0;
};
CountInterval hypergeometric_interval(std::int64_t x, std::int64_t n, std::int64_t population, double confidence);

}  // namespace casesample

namespace casesample {

class Progress;  // progress.hpp

// Many intervals at once (casesample interval --from): the same figures as proportion_interval, row by row,
// with the rows shared out among `threads` threads (the results do not depend on the number of threads).
// When rows are bad, rethrows the error of the first bad row.
struct IntervalRequest {
    std::int64_t x = 0;
    std::int64_t n = 0;
    double confidence = 0.8;
    IntervalMethod method = IntervalMethod::wilson;
    std::optional<std::int64_t> population;
};
// `progress`, when given, is advanced by the rows done (stage "computing intervals").
std::vector<Interval> proportion_intervals(const std::vector<IntervalRequest>& requests, unsigned threads = 1,
                                           Progress* progress = nullptr);

}  // namespace casesample
