// Exact coverage of the interval methods, by enumeration rather than simulation: for every population
// count M the probability, over the hypergeometric distribution of the sample count x, that the
// interval computed from x holds the population share M / N.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/math/distributions/hypergeometric.hpp>
#include <vector>

#include "casesample/intervals.hpp"
#include "casesample/output.hpp"

using namespace casesample;

namespace {

struct Coverage {
    double minimum = 1;
    double mean = 0;
    std::int64_t worst_M = 0;
};

Coverage exact_coverage(std::int64_t N, std::int64_t n, double confidence, IntervalMethod method) {
    std::vector<Interval> by_x;
    for (std::int64_t x = 0; x <= n; ++x) by_x.push_back(proportion_interval(x, n, confidence, method, N));
    Coverage c;
    for (std::int64_t M = 0; M <= N; ++M) {
        boost::math::hypergeometric_distribution<double> d{unsigned(M), unsigned(n), unsigned(N)};
        const std::int64_t lo = std::max<std::int64_t>(0, n - (N - M)), hi = std::min(n, M);
        double covered = 0;
        for (std::int64_t x = lo; x <= hi; ++x) {
            const auto& ci = by_x[static_cast<std::size_t>(x)];
            const bool holds = ci.lower_count ? (*ci.lower_count <= M && M <= *ci.upper_count)
                                              : (ci.lower * double(N) <= double(M) + 1e-9 &&
                                                 double(M) <= ci.upper * double(N) + 1e-9);
            if (holds) covered += boost::math::pdf(d, unsigned(x));
        }
        if (covered < c.minimum) {
            c.minimum = covered;
            c.worst_M = M;
        }
        c.mean += covered / double(N + 1);
    }
    return c;
}

void report(std::int64_t N, std::int64_t n, double confidence) {
    for (auto m : {IntervalMethod::hypergeometric, IntervalMethod::wilson_fpc, IntervalMethod::wilson,
                   IntervalMethod::clopper_pearson, IntervalMethod::jeffreys, IntervalMethod::agresti_coull,
                   IntervalMethod::wald}) {
        auto c = exact_coverage(N, n, confidence, m);
        MESSAGE("N = " << N << ", n = " << n << ", " << format_percent(confidence, 0) << " " << to_string(m)
                       << ": minimum coverage " << format_fixed(c.minimum, 4) << " (at M = " << c.worst_M
                       << "), mean " << format_fixed(c.mean, 4));
    }
}

}  // namespace

TEST_CASE("the exact interval covers every population share at least 80% of the time: N = 71, n = 50") {
    auto c = exact_coverage(71, 50, 0.8, IntervalMethod::hypergeometric);
    CHECK(c.minimum >= 0.80);
    report(71, 50, 0.8);
}

TEST_CASE("the exact interval covers every population share at least 80% of the time: N = 39, n = 32") {
    auto c = exact_coverage(39, 32, 0.8, IntervalMethod::hypergeometric);
    CHECK(c.minimum >= 0.80);
    report(39, 32, 0.8);
}

TEST_CASE("the exact interval keeps its promise at other sizes and confidence levels") {
    for (std::int64_t N : {10, 20, 40, 100, 250})
        for (std::int64_t n : {std::int64_t{1}, N / 4 + 1, N / 2, N - 1, N})
            for (double conf : {0.5, 0.8, 0.9, 0.95}) {
                INFO("N " << N << " n " << n << " confidence " << conf);
                CHECK(exact_coverage(N, n, conf, IntervalMethod::hypergeometric).minimum >= conf);
            }
}
