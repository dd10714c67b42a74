#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <boost/math/distributions/hypergeometric.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "casesample/error.hpp"
#include "casesample/intervals.hpp"
#include "casesample/output.hpp"
#include "test_support.hpp"

using namespace casesample;

namespace {

constexpr IntervalMethod kAllMethods[] = {IntervalMethod::hypergeometric, IntervalMethod::wilson_fpc,
                                          IntervalMethod::wilson,         IntervalMethod::clopper_pearson,
                                          IntervalMethod::jeffreys,       IntervalMethod::agresti_coull,
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
    for (int trial = 0; trial < 3000; ++trial) {
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

TEST_CASE("above N = 170 (Boost's Lanczos form) the search agrees with a scan of Boost's exact cdf") {
    // Boost's public cdf evaluates the point probabilities by prime factorisation (exact but slow):
    // scan every M with it and compare.
    boost::random::mt19937_64 engine(39);
    for (int trial = 0; trial < 40; ++trial) {
        const std::int64_t N = boost::random::uniform_int_distribution<std::int64_t>(171, 700)(engine);
        const std::int64_t n = boost::random::uniform_int_distribution<std::int64_t>(1, std::min<std::int64_t>(N, 300))(engine);
        const std::int64_t x = boost::random::uniform_int_distribution<std::int64_t>(0, n)(engine);
        const double conf = trial % 2 ? 0.8 : 0.95;
        const double half_alpha = (1.0 - conf) / 2.0;
        std::int64_t lower = -1, upper = -1;
        for (std::int64_t M = x; M <= N - (n - x); ++M) {
            boost::math::hypergeometric_distribution<double> d{unsigned(M), unsigned(n), unsigned(N)};
            const bool certain = x - 1 < std::max<std::int64_t>(0, n - (N - M));  // X >= x always
            const double at_least = certain ? 1.0 : boost::math::cdf(boost::math::complement(d, unsigned(x - 1)));
            const double at_most = boost::math::cdf(d, unsigned(x));
            if (lower < 0 && at_least > half_alpha) lower = M;
            if (at_most > half_alpha) upper = M;
        }
        INFO("x " << x << " n " << n << " N " << N << " confidence " << conf);
        auto fast = hypergeometric_interval(x, n, N, conf);
        CHECK(fast.lower == lower);
        CHECK(fast.upper == upper);
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

// ---- casesample interval ----

TEST_CASE("casesample interval X N prints one interval") {
    SUBCASE("without a population: Wilson by default") {
        auto r = test::run_cli("interval 40 50");
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("wilson") != std::string::npos);
        CHECK(r.out.find("80.0%") != std::string::npos);
    }
    SUBCASE("with a population: the exact hypergeometric interval, bounds as counts too") {
        auto r = test::run_cli("interval 40 50 --population 71 --format json");
        CHECK(r.exit_code == 0);
        auto c = hypergeometric_interval(40, 50, 71, 0.8);
        CHECK(r.out.find("\"method\": \"hypergeometric\"") != std::string::npos);
        CHECK(r.out.find("\"population\": 71") != std::string::npos);
        CHECK(r.out.find("\"lower_count\": " + std::to_string(c.lower)) != std::string::npos);
        CHECK(r.out.find("\"upper_count\": " + std::to_string(c.upper)) != std::string::npos);
    }
    SUBCASE("json keys in order, full precision") {
        auto r = test::run_cli("interval 40 50 --method clopper-pearson --confidence 0.95 --format json");
        CHECK(r.exit_code == 0);
        auto ci = proportion_interval(40, 50, 0.95, IntervalMethod::clopper_pearson);
        const auto px = r.out.find("\"x\""), pn = r.out.find("\"n\""), pm = r.out.find("\"method\""),
                   pl = r.out.find("\"lower\""), pu = r.out.find("\"upper\"");
        CHECK(px < pn);
        CHECK(pn < pm);
        CHECK(pm < pl);
        CHECK(pl < pu);
        CHECK(r.out.find("\"lower\": " + format_shortest(ci.lower)) != std::string::npos);
        CHECK(r.out.find("\"population\"") == std::string::npos);
        CHECK(r.out.find("lower_count") == std::string::npos);
    }
    SUBCASE("bad counts and options exit 2 with one message and no output") {
        for (const char* args :
             {"interval 51 50", "interval -1 50", "interval 1 0", "interval a 50", "interval 1 50 --confidence 1",
              "interval 1 50 --confidence 0", "interval 1 50 --method hypergeometric", "interval 1 50 --method exact",
              "interval 1 50 --population 49", "interval 1 50 --population 0", "interval", "interval 1",
              "interval 1 2 3", "interval 1 50 --out x.csv", "interval 1 50 --from x.csv"}) {
            auto r = test::run_cli(args);
            INFO(args << " -> " << r.err);
            CHECK(r.exit_code == 2);
            CHECK(!r.err.empty());
            CHECK(r.out.empty());
        }
    }
}

namespace {
std::string reference_without_results(const std::string& dir) {
    // intervals.csv with its lower and upper columns left out: the input a user would give.
    auto t = test::read_table(test::reference("intervals.csv"));
    std::string text = "confidence,n,x,method\n";
    for (const auto& row : t.rows)
        text += row[t.col("confidence")] + "," + row[t.col("n")] + "," + row[t.col("x")] + "," +
                row[t.col("method")] + "\n";
    const std::string path = dir + "/counts.csv";
    test::write_text(path, text);
    return path;
}
}  // namespace

TEST_CASE("casesample interval --from reproduces the reference tables") {
    const std::string dir = test::temp_dir();
    SUBCASE("every binomial method of intervals.csv") {
        const std::string in = reference_without_results(dir), out = dir + "/out.csv";
        auto r = test::run_cli("interval --from " + in + " --out " + out);
        REQUIRE(r.exit_code == 0);
        CHECK(r.out.empty());
        auto got = test::read_table(out);
        auto want = test::read_table(test::reference("intervals.csv"));
        CHECK(got.header == std::vector<std::string>{"confidence", "n", "x", "method", "lower", "upper"});
        REQUIRE(got.rows.size() == want.rows.size());
        for (std::size_t i = 0; i < got.rows.size(); ++i) {
            INFO("row " << i + 2);
            CHECK(got.rows[i][3] == want.rows[i][want.col("method")]);
            CHECK(std::abs(std::stod(got.rows[i][got.col("lower")]) - std::stod(want.rows[i][want.col("lower")])) <= 1e-9);
            CHECK(std::abs(std::stod(got.rows[i][got.col("upper")]) - std::stod(want.rows[i][want.col("upper")])) <= 1e-9);
        }
    }
    SUBCASE("hypergeometric.csv: a population column makes the exact interval the default") {
        auto want = test::read_table(test::reference("hypergeometric.csv"));
        std::string text = "confidence,population,n,x\n";
        for (const auto& row : want.rows)
            text += row[want.col("confidence")] + "," + row[want.col("N")] + "," + row[want.col("n")] + "," +
                    row[want.col("x")] + "\n";
        test::write_text(dir + "/h.csv", text);
        auto r = test::run_cli("interval --from " + dir + "/h.csv");
        REQUIRE(r.exit_code == 0);
        auto got = test::read_table([&] {
            test::write_text(dir + "/h_out.csv", r.out);
            return dir + "/h_out.csv";
        }());
        CHECK(got.header.back() == "upper_count");
        REQUIRE(got.rows.size() == want.rows.size());
        for (std::size_t i = 0; i < got.rows.size(); ++i) {
            INFO("row " << i + 2);
            CHECK(got.rows[i][got.col("lower_count")] == want.rows[i][want.col("M_lower")]);
            CHECK(got.rows[i][got.col("upper_count")] == want.rows[i][want.col("M_upper")]);
        }
    }
    SUBCASE("defaults from the options, the same file with 1 or 2 threads, and re-running on the output") {
        test::write_text(dir + "/mixed.csv",
                         "team,x,n,population,method,confidence\n"
                         "\"North, East\",3,10,,,\n"
                         "=South,3,10,40,,0.95\n"
                         "West,3,10,40,wilson-fpc,\n");
        auto one = test::run_cli("interval --from " + dir + "/mixed.csv --threads 1 --confidence 0.9");
        auto two = test::run_cli("interval --from " + dir + "/mixed.csv --threads 2 --confidence 0.9");
        REQUIRE(one.exit_code == 0);
        CHECK(one.out == two.out);
        auto w = proportion_interval(3, 10, 0.9, IntervalMethod::wilson);
        auto h = proportion_interval(3, 10, 0.95, IntervalMethod::hypergeometric, 40);
        auto f = proportion_interval(3, 10, 0.9, IntervalMethod::wilson_fpc, 40);
        // The method column says the method used, also where the row left it blank.
        const std::string want = "team,x,n,population,method,confidence,lower,upper,lower_count,upper_count\n"
                                 "\"North, East\",3,10,,wilson,," + format_shortest(w.lower) + "," +
                                 format_shortest(w.upper) + ",,\n'=South,3,10,40,hypergeometric,0.95," +
                                 format_shortest(h.lower) + "," + format_shortest(h.upper) + "," +
                                 std::to_string(*h.lower_count) + "," + std::to_string(*h.upper_count) +
                                 "\nWest,3,10,40,wilson-fpc,," + format_shortest(f.lower) + "," +
                                 format_shortest(f.upper) + ",,\n";
        CHECK(one.out == want);
        // Re-running on its own output gives the same file.
        test::write_text(dir + "/out1.csv", one.out);
        auto rerun = test::run_cli("interval --from " + dir + "/out1.csv --threads 1 --confidence 0.9");
        CHECK(rerun.out == one.out);
        test::write_text(dir + "/again.csv", "x,n,lower,upper\n3,10,0,0\n");
        auto again = test::run_cli("interval --from " + dir + "/again.csv");
        CHECK(again.out == "x,n,method,lower,upper\n3,10,wilson," +
                               format_shortest(proportion_interval(3, 10, 0.8, IntervalMethod::wilson).lower) + "," +
                               format_shortest(proportion_interval(3, 10, 0.8, IntervalMethod::wilson).upper) + "\n");
    }
    SUBCASE("--format table, json and csv all work with --from, each with the method; --population per domain") {
        test::write_text(dir + "/d.csv", "domain,x,n\ncourt,42,50\nout-of-court,30,32\n");
        const std::string base = "interval --from " + dir + "/d.csv --population court=71,out-of-court=39";
        auto csv = test::run_cli(base);
        REQUIRE(csv.exit_code == 0);
        CHECK(csv.out.rfind("domain,x,n,method,lower,upper,lower_count,upper_count\ncourt,42,50,hypergeometric,", 0) == 0);
        CHECK(csv.out == test::run_cli(base + " --format csv").out);
        auto table = test::run_cli(base + " --format table");
        REQUIRE(table.exit_code == 0);
        CHECK(table.out.find("court         42  50  hypergeometric  84.0%  80.3%  87.3%") != std::string::npos);
        auto json = test::run_cli(base + " --format json --out " + dir + "/d.json");
        REQUIRE(json.exit_code == 0);
        auto j = nlohmann::json::parse(test::read_text(dir + "/d.json"));
        REQUIRE(j.size() == 2);
        CHECK(j[0]["method"] == "hypergeometric");
        CHECK(j[0]["population"] == 71);
        CHECK(j[1]["population"] == 39);
        CHECK(j[1]["lower_count"] == 35);
        // A domain the option does not name, and a file without a domain column.
        test::write_text(dir + "/e.csv", "domain,x,n\nyouth,1,2\n");
        auto e = test::run_cli("interval --from " + dir + "/e.csv --population court=71");
        CHECK(e.exit_code == 2);
        CHECK(e.err.find(":2:1: domain 'youth' has no population in --population court=71") != std::string::npos);
        test::write_text(dir + "/f.csv", "x,n\n1,2\n");
        CHECK(test::run_cli("interval --from " + dir + "/f.csv --population court=71").exit_code == 2);
        // One interval: one domain's population is accepted, several are not.
        auto one_domain = test::run_cli("interval 42 50 --population court=71");
        CHECK(one_domain.exit_code == 0);
        CHECK(one_domain.out == test::run_cli("interval 42 50 --population 71").out);
        CHECK(test::run_cli("interval 42 50 --population court=71,out-of-court=39").exit_code == 2);
    }
}

TEST_CASE("casesample interval --from reads the headers it prints (yes, read), an answers file's totals, and --column") {
    const std::string dir = test::temp_dir();
    const auto plain_csv = [&](const std::string& header) {
        test::write_text(dir + "/p.csv", header + "\n5,8,20\n3,9,\n");
        return test::run_cli("interval --from " + dir + "/p.csv");
    };
    auto want = plain_csv("x,n,population");
    REQUIRE(want.exit_code == 0);
    auto results = [](const std::string& out) { return out.substr(out.find('\n')); };  // the rows, header aside
    // The header of one interval's table, as printed: yes, read, population.
    auto one = test::run_cli("interval 5 8 --population 20");
    REQUIRE(one.out.rfind("yes  read  population  method", 0) == 0);
    auto r = plain_csv("yes,read,population");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.rfind("yes,read,population,method,lower,upper,lower_count,upper_count\n", 0) == 0);
    CHECK(results(r.out) == results(want.out));
    // Headers matched as everywhere else: case, spaces and punctuation aside, synonyms from fixtures/headers.csv.
    for (const char* header : {"Yes,Read,Population", "YES ,cases read,Eligible cases", "yes answers,relevant,population size"}) {
        INFO(header);
        r = plain_csv(header);
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
        CHECK(results(r.out) == results(want.out));
    }
    // The table of --from, saved as CSV (as from a spreadsheet), reads back: earlier results (share, lower, upper,
    // lower count, upper count) are replaced, a confidence of 80% is 0.8.
    test::write_text(dir + "/t.csv",
                     "yes,read,population,method,confidence,share,lower,upper,lower count,upper count\n"
                     "5,8,20,hypergeometric,80%,62.5%,40.0%,80.0%,8,16\n");
    auto table = test::run_cli("interval --from " + dir + "/t.csv --format table");
    REQUIRE_MESSAGE(table.exit_code == 0, table.err);
    CHECK(table.out.find("yes  read  population  method          confidence  share  lower  upper  lower count  upper count\n") == 0);
    CHECK(table.out.find("5    8     20          hypergeometric  80%         62.5%  40.0%  80.0%            8           16\n") !=
          std::string::npos);
    // An answers file's totals: yes of relevant (not of the cases read).
    test::write_text(dir + "/totals.csv", "question,yes,relevant,cases\n2.1.1,42,48,50\n");
    r = test::run_cli("interval --from " + dir + "/totals.csv --population 71");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto h = proportion_interval(42, 48, 0.8, IntervalMethod::hypergeometric, 71);
    CHECK(r.out == "question,yes,relevant,cases,method,lower,upper,lower_count,upper_count\n2.1.1,42,48,50,hypergeometric," +
                       format_shortest(h.lower) + "," + format_shortest(h.upper) + "," + std::to_string(*h.lower_count) +
                       "," + std::to_string(*h.upper_count) + "\n");
    // Messages name the columns as the file does.
    test::write_text(dir + "/big.csv", "yes,read\n9,8\n");
    r = test::run_cli("interval --from " + dir + "/big.csv");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("big.csv:2:1: yes = 9 'yes' answers is more than the read = 8 cases read") != std::string::npos);
    // Other headers: named with --column, or a message listing what is missing with the closest header.
    test::write_text(dir + "/other.csv", "passed,inspected\n5,8\n");
    r = test::run_cli("interval --from " + dir + "/other.csv");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("other.csv:1: no column for x or n (line 1 has 2 columns: 'passed', 'inspected'); for x, none is "
                     "like it, so use --column x=\"ITS HEADER\"; for n, none is like it") != std::string::npos);
    r = test::run_cli("interval --from " + dir + "/other.csv --column x=passed --column n=Inspected");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.rfind("passed,inspected,method,lower,upper\n5,8,wilson,", 0) == 0);
    r = test::run_cli("interval --from " + dir + "/other.csv --column y=passed");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--column takes COLUMN=HEADER with COLUMN x, n, population") != std::string::npos);
    // A first line of numbers is data, not a header: said so.
    test::write_text(dir + "/nohead.csv", "5,8\n");
    r = test::run_cli("interval --from " + dir + "/nohead.csv");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("nohead.csv:1: this line does not look like a header row") != std::string::npos);
}

TEST_CASE("casesample interval --from names the file, line and column of a bad row and writes nothing") {
    const std::string dir = test::temp_dir();
    struct Case {
        const char* text;
        const char* place;
    };
    for (const Case& c : {Case{"x,n\n1,2\n3,2\n", ":3:1:"}, Case{"x,n\n1,2\n1,two\n", ":3:2:"},
                          Case{"x,n\n-1,2\n", ":2:1:"}, Case{"x,n,population\n1,5,4\n", ":2:3:"},
                          Case{"x,n,confidence\n1,5,80\n", ":2:3:"}, Case{"x,n,method\n1,5,exact\n", ":2:3:"},
                          Case{"n,x,method\n5,1,hypergeometric\n", ":2:1:"}, Case{"x,count\n1,5\n", ":1:"},
                          Case{"x,n,population\n1,5,10\n2,5,x\n", ":3:3:"}}) {
        const std::string in = dir + "/bad.csv", out = dir + "/out.csv";
        test::write_text(in, c.text);
        auto r = test::run_cli("interval --from " + in + " --out " + out);
        INFO(c.text << " -> " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("bad.csv" + std::string(c.place)) != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(out));
    }
    auto missing = test::run_cli("interval --from " + dir + "/none.csv");
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("none.csv") != std::string::npos);
}

TEST_CASE("interval --population and --threads are checked as typed, and --help names the counts X N") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"interval 40 50 --population 99999999999999999999",
         "--population must be a whole number from 1 to 2147483647, got '99999999999999999999'"},
        {"interval 40 50 --population -5", "--population must be a whole number from 1 to 2147483647, got '-5'"},
        {"interval 40 50 --population 3000000000", "got '3000000000'"},
        {"interval --from x.csv --population -1", "--population must be a whole number from 1 to 2147483647, got '-1'"},
        {"interval --from x.csv --threads -1", "--threads must be a whole number from 0 to 256, got '-1'"},
    };
    for (const auto& c : cases) {
        const std::string& args = c.first;  // not a structured binding: INFO captures it in a lambda (clang 14)
        const std::string& message = c.second;
        INFO(args);
        auto r = test::run_cli(args);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(message) != std::string::npos);
        CHECK(r.err.find("9223372036854775807") == std::string::npos);
        CHECK(r.out.empty());
    }
    auto help = test::run_cli("interval --help");
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("(0x)") == std::string::npos);
    CHECK(help.out.find("X N") != std::string::npos);
}
