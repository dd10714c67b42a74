#include "casesample/intervals.hpp"

#include <algorithm>
#include <boost/math/distributions/hypergeometric.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "casesample/error.hpp"

namespace casesample {
namespace {

std::string num(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

struct MethodName {
    IntervalMethod method;
    std::string_view name;
};
constexpr MethodName kMethodNames[] = {
    {IntervalMethod::hypergeometric, "hypergeometric"},
    {IntervalMethod::wilson_fpc, "wilson-fpc"},
    {IntervalMethod::wilson, "wilson"},
    {IntervalMethod::clopper_pearson, "clopper-pearson"},
    {IntervalMethod::jeffreys, "jeffreys"},
    {IntervalMethod::agresti_coull, "agresti-coull"},
    {IntervalMethod::wald, "wald"},
};

// The normal quantile z = Φ⁻¹(1 − α/2). The last confidence seen by this thread is remembered: a batch
// almost always uses one confidence, and the quantile costs more than the rest of a Wilson interval.
// The value is exactly what Boost returns, so remembering it changes no figure.
double z_for(double confidence) {
    thread_local double last_confidence = std::numeric_limits<double>::quiet_NaN();
    thread_local double last_z = 0;
    if (confidence != last_confidence) {
        last_z = boost::math::quantile(boost::math::normal_distribution<double>(), 1.0 - (1.0 - confidence) / 2.0);
        last_confidence = confidence;
    }
    return last_z;
}

double clip01(double v) { return std::min(1.0, std::max(0.0, v)); }

// Wilson score interval for p = x / n with the sample size `m` in the variance (m = n for the plain method,
// m = n (N − 1) / (N − n) with the finite population correction).
Interval wilson_with(double p, double m, double z) {
    const double z2 = z * z;
    const double denom = 1.0 + z2 / m;
    const double centre = (p + z2 / (2.0 * m)) / denom;
    const double half = z * std::sqrt(p * (1.0 - p) / m + z2 / (4.0 * m * m)) / denom;
    return {clip01(centre - half), clip01(centre + half), std::nullopt, std::nullopt};
}

void check_arguments(std::int64_t x, std::int64_t n, double confidence) {
    if (n < 1) throw UsageError("the number of cases read must be at least 1, got " + std::to_string(n));
    if (x < 0 || x > n)
        throw UsageError("the number of 'yes' answers must be between 0 and the " + std::to_string(n) +
                         " cases read, got " + std::to_string(x));
    if (!(confidence > 0.0 && confidence < 1.0))
        throw UsageError("confidence must be between 0 and 1 (such as 0.8 for 80%), got " + num(confidence));
}

// Boost's hypergeometric distribution counts in unsigned int.
constexpr std::int64_t kLargestPopulation = std::numeric_limits<int>::max();

void check_population(std::int64_t n, std::int64_t population) {
    if (population < n)
        throw UsageError("the population must hold at least the " + std::to_string(n) + " cases read, got " +
                         std::to_string(population));
    if (population > kLargestPopulation)
        throw UsageError("the population is too large for the exact interval (at most " +
                         std::to_string(kLargestPopulation) + " cases), got " + std::to_string(population));
}

using HyperPolicy = boost::math::policies::policy<>;

// P(X >= x) for X ~ Hypergeometric(M 'yes' of N, n drawn).
double upper_tail(std::int64_t x, std::int64_t n, std::int64_t N, std::int64_t M) {
    if (x <= 0) return 1.0;
    const std::int64_t lo = std::max<std::int64_t>(0, n - (N - M));
    const std::int64_t hi = std::min(n, M);
    if (x > hi) return 0.0;
    if (x <= lo) return 1.0;
    boost::math::hypergeometric_distribution<double, HyperPolicy> d(static_cast<unsigned>(M),
                                                                    static_cast<unsigned>(n),
                                                                    static_cast<unsigned>(N));
    return boost::math::cdf(boost::math::complement(d, static_cast<unsigned>(x - 1)));
}

// P(X <= x) for X ~ Hypergeometric(M 'yes' of N, n drawn).
double lower_tail(std::int64_t x, std::int64_t n, std::int64_t N, std::int64_t M) {
    const std::int64_t lo = std::max<std::int64_t>(0, n - (N - M));
    const std::int64_t hi = std::min(n, M);
    if (x < lo) return 0.0;
    if (x >= hi) return 1.0;
    boost::math::hypergeometric_distribution<double, HyperPolicy> d(static_cast<unsigned>(M),
                                                                    static_cast<unsigned>(n),
                                                                    static_cast<unsigned>(N));
    return boost::math::cdf(d, static_cast<unsigned>(x));
}

}  // namespace

std::string_view to_string(IntervalMethod m) {
    for (const auto& e : kMethodNames)
        if (e.method == m) return e.name;
    return "unknown";
}

std::optional<IntervalMethod> parse_interval_method(std::string_view text) {
    for (const auto& e : kMethodNames)
        if (e.name == text) return e.method;
    return std::nullopt;
}

bool needs_population(IntervalMethod m) {
    return m == IntervalMethod::hypergeometric || m == IntervalMethod::wilson_fpc;
}

CountInterval hypergeometric_interval(std::int64_t x, std::int64_t n, std::int64_t population, double confidence) {
    check_arguments(x, n, confidence);
    check_population(n, population);
    const std::int64_t N = population;
    const double half_alpha = (1.0 - confidence) / 2.0;
    // Population counts M consistent with the sample: M >= x 'yes' and N - M >= n - x 'no'.
    const std::int64_t first = x, last = N - (n - x);
    CountInterval r;
    // P(X >= x | M) grows with M and is 1 at M = last: binary search for the smallest M above alpha/2.
    {
        std::int64_t lo = first, hi = last;  // invariant: the answer lies in [lo, hi]
        while (lo < hi) {
            const std::int64_t mid = lo + (hi - lo) / 2;
            if (upper_tail(x, n, N, mid) > half_alpha)
                hi = mid;
            else
                lo = mid + 1;
        }
        r.lower = lo;
    }
    // P(X <= x | M) falls as M grows and is 1 at M = first: binary search for the largest M above alpha/2.
    {
        std::int64_t lo = first, hi = last;
        while (lo < hi) {
            const std::int64_t mid = hi - (hi - lo) / 2;
            if (lower_tail(x, n, N, mid) > half_alpha)
                lo = mid;
            else
                hi = mid - 1;
        }
        r.upper = lo;
    }
    return r;
}

Interval proportion_interval(std::int64_t x, std::int64_t n, double confidence, IntervalMethod method,
                             std::optional<std::int64_t> population) {
    check_arguments(x, n, confidence);
    if (needs_population(method)) {
        if (!population)
            throw UsageError("the " + std::string(to_string(method)) +
                             " interval needs the population size (the number of eligible cases)");
        check_population(n, *population);
    }
    const double alpha = 1.0 - confidence;
    const double xd = static_cast<double>(x), nd = static_cast<double>(n);
    const double p = xd / nd;
    switch (method) {
        case IntervalMethod::hypergeometric: {
            const auto c = hypergeometric_interval(x, n, *population, confidence);
            const double N = static_cast<double>(*population);
            return {static_cast<double>(c.lower) / N, static_cast<double>(c.upper) / N, c.lower, c.upper};
        }
        case IntervalMethod::wilson_fpc: {
            const double N = static_cast<double>(*population);
            if (n == *population) return {p, p, std::nullopt, std::nullopt};
            // The Wilson score interval with the variance of a share sampled without replacement:
            // p(1-p)/n · (N-n)/(N-1), i.e. Wilson's formula with n_eff = n (N-1)/(N-n) in place of n.
            // N = 1 forces n = N (a census), handled above.
            const double n_eff = nd * (N - 1.0) / (N - nd);
            return wilson_with(p, n_eff, z_for(confidence));
        }
        case IntervalMethod::wilson:
            return wilson_with(p, nd, z_for(confidence));
        case IntervalMethod::clopper_pearson: {
            Interval r;
            r.lower = x == 0 ? 0.0 : boost::math::ibeta_inv(xd, nd - xd + 1.0, alpha / 2.0);
            r.upper = x == n ? 1.0 : boost::math::ibetac_inv(xd + 1.0, nd - xd, alpha / 2.0);
            return r;
        }
        case IntervalMethod::jeffreys: {
            Interval r;
            r.lower = boost::math::ibeta_inv(xd + 0.5, nd - xd + 0.5, alpha / 2.0);
            r.upper = boost::math::ibetac_inv(xd + 0.5, nd - xd + 0.5, alpha / 2.0);
            return r;
        }
        case IntervalMethod::agresti_coull: {
            const double z = z_for(confidence);
            const double z2 = z * z;
            const double n_tilde = nd + z2;
            const double p_tilde = (xd + z2 / 2.0) / n_tilde;
            const double half = z * std::sqrt(p_tilde * (1.0 - p_tilde) / n_tilde);
            return {clip01(p_tilde - half), clip01(p_tilde + half), std::nullopt, std::nullopt};
        }
        case IntervalMethod::wald: {
            const double half = z_for(confidence) * std::sqrt(p * (1.0 - p) / nd);
            return {clip01(p - half), clip01(p + half), std::nullopt, std::nullopt};
        }
    }
    throw UsageError("unknown interval method");
}

}  // namespace casesample
