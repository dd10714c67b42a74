#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "casesample/population.hpp"
#include "casesample/sample_size.hpp"
#include "test_support.hpp"

using namespace casesample;

TEST_CASE("N = 71 at 80% confidence and ±5 points needs 50 cases and N = 39 needs 32 (seed 002)") {
    SizeParameters p{0.80, 0.05, 0.5};
    CHECK(cochran_sample_size(71, p).sample_size == 50);
    CHECK(cochran_sample_size(39, p).sample_size == 32);
}

TEST_CASE("every row of the reference sample-size table is reproduced") {
    auto t = test::read_table(test::reference("sample_sizes.csv"));
    REQUIRE(t.rows.size() > 100);
    for (const auto& row : t.rows) {
        SizeParameters p{std::stod(row[t.col("confidence")]), std::stod(row[t.col("margin")]),
                         std::stod(row[t.col("proportion")])};
        auto N = std::stoll(row[t.col("N")]);
        auto s = cochran_sample_size(N, p);
        INFO("confidence " << p.confidence << " margin " << p.margin << " p " << p.proportion << " N " << N);
        CHECK(s.sample_size == std::stoll(row[t.col("n")]));
        CHECK(s.n0 == doctest::Approx(std::stod(row[t.col("n0")])).epsilon(1e-10));
    }
}

TEST_CASE("the achieved margin inverts the sample size") {
    for (double conf : {0.8, 0.9, 0.95, 0.99})
        for (double e : {0.03, 0.05, 0.1})
            for (std::int64_t N : {2, 5, 39, 71, 100, 1000, 100000}) {
                SizeParameters p{conf, e, 0.5};
                auto n = cochran_sample_size(N, p).sample_size;
                INFO("conf " << conf << " e " << e << " N " << N << " n " << n);
                // n cases reach the margin; one fewer does not (unless n is already the census).
                CHECK(achieved_margin(n, N, p) <= e + 1e-12);
                if (n > 1 && n < N) CHECK(achieved_margin(n - 1, N, p) > e);
            }
    CHECK(achieved_margin(71, 71, {}) == 0.0);
}

TEST_CASE("bad sizing parameters are usage errors") {
    CHECK_THROWS_AS(cochran_sample_size(0, {}), UsageError);
    CHECK_THROWS_AS(cochran_sample_size(10, {1.0, 0.05, 0.5}), UsageError);
    CHECK_THROWS_AS(cochran_sample_size(10, {0.0, 0.05, 0.5}), UsageError);
    CHECK_THROWS_AS(cochran_sample_size(10, {0.8, 0.0, 0.5}), UsageError);
    CHECK_THROWS_AS(cochran_sample_size(10, {0.8, 0.51, 0.5}), UsageError);
    CHECK_THROWS_AS(cochran_sample_size(10, {0.8, 0.05, 1.0}), UsageError);
    CHECK_THROWS_AS(achieved_margin(11, 10, {}), UsageError);
}

TEST_CASE("casesample size from the command line") {
    SUBCASE("table") {
        auto r = test::run_cli("size --population 71");
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("50") != std::string::npos);
    }
    SUBCASE("json") {
        auto r = test::run_cli("size --population 39 --format json");
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("\"sample_size\": 32") != std::string::npos);
        CHECK(r.out.find("\"n0\"") != std::string::npos);
    }
    SUBCASE("bad parameters exit 2 with a message") {
        for (const char* args : {"size --population 0", "size --population 71 --confidence 1.5",
                                 "size --population 71 --margin 0", "size --population 71 --margin 0.6",
                                 "size", "size --population abc"}) {
            auto r = test::run_cli(args);
            INFO(args);
            CHECK(r.exit_code == 2);
            CHECK(!r.err.empty());
            CHECK(r.out.empty());
        }
    }
}

// ---- --method exact ----

#include <boost/math/distributions/hypergeometric.hpp>

#include "casesample/intervals.hpp"

namespace {
// H(n) from the definition, with the interval found by scanning every M with Boost's public cdf.
double brute_force_half_width(std::int64_t n, std::int64_t N, double confidence) {
    const double half_alpha = (1.0 - confidence) / 2.0;
    double worst = 0;
    for (std::int64_t x = 0; x <= n; ++x) {
        std::int64_t lower = -1, upper = -1;
        for (std::int64_t M = x; M <= N - (n - x); ++M) {
            boost::math::hypergeometric_distribution<double> d{unsigned(M), unsigned(n), unsigned(N)};
            const bool certain = x - 1 < std::max<std::int64_t>(0, n - (N - M));
            const double at_least = certain ? 1.0 : boost::math::cdf(boost::math::complement(d, unsigned(x - 1)));
            if (lower < 0 && at_least > half_alpha) lower = M;
            if (boost::math::cdf(d, unsigned(x)) > half_alpha) upper = M;
        }
        worst = std::max(worst, static_cast<double>(upper - lower) / (2.0 * static_cast<double>(N)));
    }
    return worst;
}
}  // namespace

TEST_CASE("exact size: the smallest n whose exact interval is never wider than ±5 points (N = 39, 71)") {
    SizeParameters p{0.80, 0.05, 0.5};
    for (std::int64_t N : {39, 71}) {
        auto s = exact_sample_size(N, p);
        INFO("N " << N << " exact size " << s.sample_size);
        // Checked against the definition by brute force at every n up to the answer.
        CHECK(brute_force_half_width(s.sample_size, N, 0.8) <= 0.05);
        for (std::int64_t n = 1; n < s.sample_size; ++n) CHECK(brute_force_half_width(n, N, 0.8) > 0.05);
        CHECK(s.achieved.half_width == brute_force_half_width(s.sample_size, N, 0.8));
    }
    CHECK(exact_sample_size(39, p).sample_size == 35);
    CHECK(exact_sample_size(71, p).sample_size == 51);
}

TEST_CASE("exact size is minimal and at least Cochran's at other sizes, margins and confidence levels") {
    for (std::int64_t N : {1, 2, 10, 100, 250, 1000})
        for (double conf : {0.8, 0.95})
            for (double e : {0.05, 0.1}) {
                SizeParameters p{conf, e, 0.5};
                auto s = exact_sample_size(N, p);
                INFO("N " << N << " confidence " << conf << " margin " << e << " exact " << s.sample_size);
                CHECK(s.sample_size >= 1);
                CHECK(s.sample_size <= N);
                CHECK(s.achieved.half_width <= e);
                CHECK(exact_half_width(s.sample_size, N, conf).half_width == s.achieved.half_width);
                if (s.sample_size > 1) CHECK(exact_half_width(s.sample_size - 1, N, conf).half_width > e);
            }
    CHECK(exact_half_width(71, 71, 0.8).half_width == 0.0);
    CHECK_THROWS_AS(exact_half_width(72, 71, 0.8), UsageError);
    CHECK_THROWS_AS(exact_half_width(0, 71, 0.8), UsageError);
    CHECK_THROWS_AS(exact_sample_size(0, {}), UsageError);
    CHECK_THROWS_AS(exact_sample_size(10, {0.8, 0.0, 0.5}), UsageError);
}

TEST_CASE("casesample size --method exact") {
    SUBCASE("json") {
        auto r = test::run_cli("size --population 71 --method exact --format json");
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("\"method\": \"exact\"") != std::string::npos);
        CHECK(r.out.find("\"sample_size\": 51") != std::string::npos);
        CHECK(r.out.find("\"cochran_sample_size\": 50") != std::string::npos);
    }
    SUBCASE("table") {
        auto r = test::run_cli("size --population 39 --method exact");
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("35") != std::string::npos);
        CHECK(r.out.find("32") != std::string::npos);
    }
    SUBCASE("the inverse: the worst-case half-width that 50 cases of 71 reach") {
        auto r = test::run_cli("size --population 71 --sample 50 --method exact --format json");
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("\"margin\": " + format_shortest(exact_half_width(50, 71, 0.8).half_width)) !=
              std::string::npos);
    }
    SUBCASE("bad parameters exit 2") {
        for (const char* args : {"size --population 0 --method exact", "size --population 71 --method exact --margin 0",
                                 "size --population 71 --method approximate"}) {
            auto r = test::run_cli(args);
            INFO(args);
            CHECK(r.exit_code == 2);
            CHECK(r.out.empty());
        }
    }
}

// ---- numeric options are checked as typed (trial defects 2, 6, 10, 17) ----

TEST_CASE("size --population and --sample must be whole numbers in range, quoting what was typed") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"size --population 99999999999999999999", "--population must be a whole number from 1 to 2147483647, got '99999999999999999999'"},
        {"size --population -5", "--population must be a whole number from 1 to 2147483647, got '-5'"},
        {"size --population 7.5", "--population must be a whole number from 1 to 2147483647, got '7.5'"},
        {"size --population 71 --sample -1", "--sample must be a whole number from 1 to 2147483647, got '-1'"},
        {"size --population 71 --sample 0", "--sample must be a whole number from 1 to 2147483647, got '0'"},
        {"size --population 71 --sample 80", "--sample 80 is more cases than the population of 71"},
        {"size --population 71 --sample 80 --method exact --format json", "--sample 80 is more cases than the population of 71"},
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
    auto all = test::run_cli("size --population 71 --sample 71");
    CHECK(all.exit_code == 0);
    CHECK(all.out.find("±0.00 points") != std::string::npos);
}

TEST_CASE("size and draw: a confidence, margin or proportion out of range starts with its option") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"size --population 71 --confidence 80",
         "casesample: --confidence: must be between 0 and 1 (such as 0.8 for 80%), got 80\n"},
        {"size --population 71 --margin 0",
         "casesample: --margin: must be more than 0 and at most 0.5 (such as 0.05 for ±5 points), got 0\n"},
        {"size --population 71 --proportion 2",
         "casesample: --proportion: must be between 0 and 1 (0.5 is the cautious choice), got 2\n"},
        {"size --population 71 --method exact --confidence 1.5",
         "casesample: --confidence: must be between 0 and 1 (such as 0.8 for 80%), got 1.5\n"},
        {"draw " + test::source_path("fixtures/population.csv") + " --fieldwork 2019-06-03 --out " + test::temp_dir() +
             "/x --margin 0.9",
         "casesample: --margin: must be more than 0 and at most 0.5 (such as 0.05 for ±5 points), got 0.9\n"},
    };
    for (const auto& c : cases) {
        const std::string& args = c.first;
        INFO(args);
        auto r = test::run_cli(args);
        CHECK(r.exit_code == 2);
        CHECK(r.err == c.second);
    }
    // A services file names its keys as written there.
    CHECK_THROWS_WITH_AS(validate(SizeParameters{0.8, 0.9, 0.5}, true),
                         "margin must be more than 0 and at most 0.5 (such as 0.05 for ±5 points), got 0.9", UsageError);
}

TEST_CASE("a mistake the command line's parser finds points at the help of the command in use") {
    auto r = test::run_cli("size --population 71 --margin abc");
    CHECK(r.exit_code == 2);
    CHECK(r.err == "casesample: Could not convert: --margin = abc\nRun 'casesample size --help' for its options.\n");
    r = test::run_cli("draw " + test::source_path("fixtures/population.csv") + " --out x");
    CHECK(r.exit_code == 2);
    CHECK(r.err == "casesample: --fieldwork is required\nRun 'casesample draw --help' for its options.\n");
    r = test::run_cli("");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("Run 'casesample --help' for the commands ('casesample COMMAND --help' for a command's "
                     "options).\n") != std::string::npos);
}

TEST_CASE("size --margin finer than a tenth of a point is shown with its digits, not as ±0.0") {
    auto r = test::run_cli("size --population 1000 --margin 0.0001");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("±0.01 points") != std::string::npos);
    CHECK(r.out.find("±0.0 points") == std::string::npos);
    auto usual = test::run_cli("size --population 71");
    CHECK(usual.out.find("±5.0 points") != std::string::npos);
}

TEST_CASE("a month window that is too large says so, not FROM <= TO") {
    auto message = [](const char* text) {
        try {
            parse_month_window(text);
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message("0-99999999999").find("at most 600 months") != std::string::npos);
    CHECK(message("0-99999999999").find("FROM <= TO") == std::string::npos);
    CHECK(message("0-601").find("at most 600 months") != std::string::npos);
    CHECK(message("9-6") == "'9-6' ends before it starts; give the months as FROM-TO with FROM <= TO, e.g. 6-9");
    CHECK(message("a-b").find("'a-b' is not a window of months; give it as FROM-TO") == 0);
    CHECK(message("-3").find("'-3' is not a window of months") == 0);
    CHECK(message("0-600") == "no error");
}

TEST_CASE("size --from refuses an eligibility window for a domain that does not exist") {
    auto r = test::run_cli("size --from " + test::source_path("fixtures/population.csv") +
                           " --fieldwork 2019-06-03 --window youth=1-2");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("youth") != std::string::npos);
    CHECK(r.out.empty());
}
