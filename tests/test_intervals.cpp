#include <doctest/doctest.h>

#include <boost/math/distributions/hypergeometric.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>
#include <string>

#include "casesample/error.hpp"
#include "casesample/intervals.hpp"
#include "test_support.hpp"

using namespace casesample;

namespace {

constexpr IntervalMethod kAllMethods[] = {IntervalMethod::hypergeometric, IntervalMethod::wilson_fpc,
                                          IntervalMethod::wilson,         IntervalMethod::clopper_pearson,
                                          IntervalMethod::jeffreys,       IntervalMethod::agresti_coull,
                                          IntervalMethod::wald};
constexpr IntervalMethod kInfiniteMethods[] = {IntervalMethod::wilson, IntervalMethod::clopper_pearson,
                                               IntervalMethod::jeffreys, IntervalMethod::agresti_coull,
                                               IntervalMethod::wald};

// The definition in tests/reference/README.md, read literally: scan every M with Boost's hypergeometric
// distribution (no search, no shortcuts).
CountInterval brute_force_hypergeometric(std::int64_t x, std::int64_t n, std::int64_t N, double confidence) {
    const double half_alpha = (1.0 - confidence) / 2.0;
    auto p_at_least = [&](std::int64_t M) {
        double s = 0;
        for (std::int64_t k = x; k <= std::min(n, M); ++k) {
            if (n - k > N - M) continue;
            boost::math::hypergeometric_distribution<double> d{unsigned(M), unsigned(n), unsigned(N)};
            s += boost::math::pdf(d, unsigned(k));
        }
        return s;
    };
    auto p_at_most = [&](std::int64_t M) {
        double s = 0;
        for (std::int64_t k = 0; k <= std::min(x, M); ++k) {
            if (n - k > N - M) continue;
            boost::math::hypergeometric_distribution<double> d{unsigned(M), unsigned(n), unsigned(N)};
            s += boost::math::pdf(d, unsigned(k));
        }
        return s;
    };
    CountInterval r{-1, -1};
    for (std::int64_t M = 0; M <= N; ++M)
        if (p_at_least(M) > half_alpha) {
            r.lower = M;
            break;
        }
    for (std::int64_t M = N; M >= 0; --M)
        if (p_at_most(M) > half_alpha) {
            r.upper = M;
            break;
        }
    return r;
}

}  // namespace

TEST_CASE("every row of the reference interval table is reproduced to 1e-9") {
    auto t = test::read_table(test::reference("intervals.csv"));
    REQUIRE(t.rows.size() > 2000);
    for (const auto& row : t.rows) {
        const double conf = std::stod(row[t.col("confidence")]);
        const auto n = std::stoll(row[t.col("n")]);
        const auto x = std::stoll(row[t.col("x")]);
        const auto method = parse_interval_method(row[t.col("method")]);
        REQUIRE(method.has_value());
        auto ci = proportion_interval(x, n, conf, *method);
        INFO(row[t.col("method")] << " x " << x << " n " << n << " confidence " << conf);
        CHECK(std::abs(ci.lower - std::stod(row[t.col("lower")])) <= 1e-9);
        CHECK(std::abs(ci.upper - std::stod(row[t.col("upper")])) <= 1e-9);
    }
}

TEST_CASE("every row of the reference hypergeometric table is reproduced exactly") {
    auto t = test::read_table(test::reference("hypergeometric.csv"));
    REQUIRE(t.rows.size() > 500);
    for (const auto& row : t.rows) {
        const double conf = std::stod(row[t.col("confidence")]);
        const auto N = std::stoll(row[t.col("N")]);
        const auto n = std::stoll(row[t.col("n")]);
        const auto x = std::stoll(row[t.col("x")]);
        const auto lo = std::stoll(row[t.col("M_lower")]), hi = std::stoll(row[t.col("M_upper")]);
        INFO("x " << x << " n " << n << " N " << N << " confidence " << conf);
        auto c = hypergeometric_interval(x, n, N, conf);
        CHECK(c.lower == lo);
        CHECK(c.upper == hi);
        auto ci = proportion_interval(x, n, conf, IntervalMethod::hypergeometric, N);
        REQUIRE(ci.lower_count.has_value());
        CHECK(*ci.lower_count == lo);
        CHECK(*ci.upper_count == hi);
        CHECK(ci.lower == static_cast<double>(lo) / static_cast<double>(N));
        CHECK(ci.upper == static_cast<double>(hi) / static_cast<double>(N));
    }
}

TEST_CASE("method names read back") {
    for (auto m : kAllMethods) CHECK(parse_interval_method(to_string(m)) == m);
    CHECK(parse_interval_method("Wilson") == std::nullopt);
    CHECK(parse_interval_method("") == std::nullopt);
    CHECK(needs_population(IntervalMethod::hypergeometric));
    CHECK(needs_population(IntervalMethod::wilson_fpc));
    CHECK_FALSE(needs_population(IntervalMethod::wilson));
}

TEST_CASE("a census (n = N) gives the point x / N for the finite-population methods") {
    for (std::int64_t N : {1, 2, 5, 39, 71, 1000})
        for (std::int64_t x : {std::int64_t{0}, N / 3, N})
            for (double conf : {0.5, 0.8, 0.95, 0.999}) {
                INFO("x " << x << " N " << N << " confidence " << conf);
                const double p = static_cast<double>(x) / static_cast<double>(N);
                auto h = proportion_interval(x, N, conf, IntervalMethod::hypergeometric, N);
                CHECK(h.lower == p);
                CHECK(h.upper == p);
                CHECK(*h.lower_count == x);
                CHECK(*h.upper_count == x);
                auto w = proportion_interval(x, N, conf, IntervalMethod::wilson_fpc, N);
                CHECK(w.lower == p);
                CHECK(w.upper == p);
            }
}

TEST_CASE("edge cases: no 'yes', all 'yes', a single case") {
    SUBCASE("x = 0 starts at 0 for the exact methods, Wilson and Wald") {
        for (auto m : {IntervalMethod::clopper_pearson, IntervalMethod::wilson, IntervalMethod::wald,
                       IntervalMethod::agresti_coull})
            CHECK(proportion_interval(0, 20, 0.8, m).lower == 0.0);
        CHECK(proportion_interval(0, 20, 0.8, IntervalMethod::hypergeometric, 50).lower == 0.0);
        CHECK(proportion_interval(0, 20, 0.8, IntervalMethod::wilson_fpc, 50).lower == 0.0);
        // Jeffreys has no boundary modification: its lower bound is a small positive quantile.
        CHECK(proportion_interval(0, 20, 0.8, IntervalMethod::jeffreys).lower > 0.0);
    }
    SUBCASE("x = n ends at 1") {
        for (auto m : {IntervalMethod::clopper_pearson, IntervalMethod::wilson, IntervalMethod::wald,
                       IntervalMethod::agresti_coull})
            CHECK(proportion_interval(20, 20, 0.8, m).upper == doctest::Approx(1.0).epsilon(1e-15));
        CHECK(proportion_interval(20, 20, 0.8, IntervalMethod::hypergeometric, 50).upper == 1.0);
    }
    SUBCASE("Wald collapses at x = 0 and x = n") {
        auto w = proportion_interval(0, 10, 0.8, IntervalMethod::wald);
        CHECK(w.lower == 0.0);
        CHECK(w.upper == 0.0);
    }
    SUBCASE("n = 1") {
        auto cp = proportion_interval(1, 1, 0.8, IntervalMethod::clopper_pearson);
        CHECK(cp.lower == doctest::Approx(0.1).epsilon(1e-12));
        CHECK(cp.upper == 1.0);
        auto h = hypergeometric_interval(1, 1, 10, 0.75);
        // P(X >= 1 | M) = M / 10 > 0.125 first at M = 2; P(X <= 1) = 1 for every M.
        CHECK(h.lower == 2);
        CHECK(h.upper == 10);
    }
    SUBCASE("N = 71, n = 50 (seed 002's post-court sample): 40 'yes' gives 52..61 of 71") {
        auto c = hypergeometric_interval(40, 50, 71, 0.8);
        CHECK(c.lower == brute_force_hypergeometric(40, 50, 71, 0.8).lower);
        CHECK(c.upper == brute_force_hypergeometric(40, 50, 71, 0.8).upper);
    }
}

TEST_CASE("bad arguments are usage errors") {
    CHECK_THROWS_AS(proportion_interval(-1, 10, 0.8, IntervalMethod::wilson), UsageError);
    CHECK_THROWS_AS(proportion_interval(11, 10, 0.8, IntervalMethod::wilson), UsageError);
    CHECK_THROWS_AS(proportion_interval(0, 0, 0.8, IntervalMethod::wilson), UsageError);
    CHECK_THROWS_AS(proportion_interval(1, 10, 0.0, IntervalMethod::wilson), UsageError);
    CHECK_THROWS_AS(proportion_interval(1, 10, 1.0, IntervalMethod::wilson), UsageError);
    CHECK_THROWS_AS(proportion_interval(1, 10, std::nan(""), IntervalMethod::wilson), UsageError);
    CHECK_THROWS_AS(proportion_interval(1, 10, 0.8, IntervalMethod::hypergeometric), UsageError);
    CHECK_THROWS_AS(proportion_interval(1, 10, 0.8, IntervalMethod::wilson_fpc), UsageError);
    CHECK_THROWS_AS(proportion_interval(1, 10, 0.8, IntervalMethod::hypergeometric, 9), UsageError);
    CHECK_THROWS_AS(hypergeometric_interval(1, 10, 9, 0.8), UsageError);
    CHECK_THROWS_AS(hypergeometric_interval(1, 10, 100, 1.5), UsageError);
    try {
        proportion_interval(12, 10, 0.8, IntervalMethod::wilson);
    } catch (const UsageError& e) {
        CHECK(std::string(e.what()).find("12") != std::string::npos);
    }
    // The population is ignored by the methods that do not use it.
    CHECK_NOTHROW(proportion_interval(1, 10, 0.8, IntervalMethod::wilson, 5));
}

TEST_CASE("properties over many random (x, n, N, confidence)") {
    boost::random::mt19937_64 engine(20261123);
    boost::random::uniform_int_distribution<std::int64_t> n_dist(1, 400), extra_dist(0, 3000), conf_dist(1, 999);
    for (int trial = 0; trial < 1000; ++trial) {
        const std::int64_t n = n_dist(engine);
        const std::int64_t N = n + (trial % 3 == 0 ? extra_dist(engine) % 50 : extra_dist(engine));
        const std::int64_t x = boost::random::uniform_int_distribution<std::int64_t>(0, n)(engine);
        const double conf = static_cast<double>(conf_dist(engine)) / 1000.0;
        const double p = static_cast<double>(x) / static_cast<double>(n);
        for (auto m : kAllMethods) {
            INFO(to_string(m) << " x " << x << " n " << n << " N " << N << " confidence " << conf);
            auto ci = proportion_interval(x, n, conf, m, N);
            CHECK(ci.lower >= 0.0);
            CHECK(ci.upper <= 1.0);
            CHECK(ci.lower <= ci.upper);
            if (m == IntervalMethod::hypergeometric) {
                // Its bounds are whole counts: they hold the count nearest the estimate x N / n.
                CHECK(*ci.lower_count <= (x * N + n - 1) / n);
                CHECK(*ci.upper_count >= (x * N) / n);
            } else if (m != IntervalMethod::jeffreys) {
                // Every other method but Jeffreys (an equal-tailed posterior interval) contains the sample share.
                CHECK(ci.lower <= p + 1e-12);
                CHECK(p <= ci.upper + 1e-12);
            }
            // Nesting: a higher confidence never gives a narrower interval.
            const double higher = conf + (1.0 - conf) / 2.0;
            auto wide = proportion_interval(x, n, higher, m, N);
            CHECK(wide.lower <= ci.lower + 1e-12);
            CHECK(wide.upper >= ci.upper - 1e-12);
            // Symmetry: swapping 'yes' and 'no' mirrors the interval.
            auto mirror = proportion_interval(n - x, n, conf, m, N);
            if (m == IntervalMethod::hypergeometric) {
                CHECK(*mirror.lower_count == N - *ci.upper_count);
                CHECK(*mirror.upper_count == N - *ci.lower_count);
            } else {
                CHECK(mirror.lower == doctest::Approx(1.0 - ci.upper).epsilon(1e-9));
                CHECK(mirror.upper == doctest::Approx(1.0 - ci.lower).epsilon(1e-9));
            }
        }
        // The exact interval for a finite population is never wider than its count range and holds
        // the sample's own count scaled up (M = x + (anything between 0 and N - n)).
        auto c = hypergeometric_interval(x, n, N, conf);
        CHECK(c.lower >= x);
        CHECK(c.upper <= N - (n - x));
    }
}

TEST_CASE("the hypergeometric search agrees with a brute-force scan of the definition") {
    boost::random::mt19937_64 engine(71);
    for (int trial = 0; trial < 400; ++trial) {
        const std::int64_t N = boost::random::uniform_int_distribution<std::int64_t>(1, 120)(engine);
        const std::int64_t n = boost::random::uniform_int_distribution<std::int64_t>(1, N)(engine);
        const std::int64_t x = boost::random::uniform_int_distribution<std::int64_t>(0, n)(engine);
        const double conf = static_cast<double>(boost::random::uniform_int_distribution<int>(1, 99)(engine)) / 100.0;
        INFO("x " << x << " n " << n << " N " << N << " confidence " << conf);
        auto fast = hypergeometric_interval(x, n, N, conf);
        auto slow = brute_force_hypergeometric(x, n, N, conf);
        CHECK(fast.lower == slow.lower);
        CHECK(fast.upper == slow.upper);
    }
}

TEST_CASE("a large population takes few distribution evaluations") {
    // N = 10^8 would take minutes with a linear scan; the binary search needs about 2 log2 N evaluations.
    auto c = hypergeometric_interval(120, 400, 100'000'000, 0.8);
    CHECK(c.lower < c.upper);
    auto cp = proportion_interval(120, 400, 0.8, IntervalMethod::clopper_pearson);
    // Sampling 400 of 10^8 is as good as sampling with replacement: the exact finite interval is the
    // Clopper–Pearson interval to within the discreteness of the counts.
    CHECK(static_cast<double>(c.lower) / 1e8 == doctest::Approx(cp.lower).epsilon(1e-4));
    CHECK(static_cast<double>(c.upper) / 1e8 == doctest::Approx(cp.upper).epsilon(1e-4));
}
