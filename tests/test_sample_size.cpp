#include <doctest/doctest.h>

#include <cmath>

#include "casesample/error.hpp"
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
