#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <map>
#include <numeric>
#include <set>
#include <vector>

#include <boost/random/uniform_int_distribution.hpp>

#include "casesample/error.hpp"
#include "casesample/robustness.hpp"
#include "test_support.hpp"

using namespace casesample;

namespace {

double sum_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

// Exact pmf of the number of 'yes' among m draws of a Pólya urn started with weight a on 'yes' and b on
// 'no', by walking every path of the urn (2^m of them).
std::vector<double> urn_paths(int m, double a, double b) {
    std::vector<double> pmf(static_cast<std::size_t>(m) + 1, 0.0);
    for (std::uint32_t path = 0; path < (1u << m); ++path) {
        double prob = 1, yes = a, no = b;
        int count = 0;
        for (int k = 0; k < m; ++k) {
            if (path >> k & 1u) {
                prob *= yes / (yes + no);
                yes += 1;
                ++count;
            } else {
                prob *= no / (yes + no);
                no += 1;
            }
        }
        pmf[static_cast<std::size_t>(count)] += prob;
    }
    return pmf;
}

// Several standard errors of an estimated probability, with a floor for probabilities near 0 or 1.
double mc_tolerance(double p, std::size_t draws) { return 5 * monte_carlo_error(p, draws) + 5.0 / double(draws); }

// A domain of read cases with answers drawn at random (seeded), some not relevant.
DomainAnswers random_domain(Engine& engine, std::size_t cases, std::size_t questions, std::int64_t population) {
    DomainAnswers d;
    d.population = population;
    d.questions = questions;
    boost::random::uniform_int_distribution<int> answer(-1, 1);
    for (std::size_t i = 0; i < cases * questions; ++i) d.answers.push_back(static_cast<std::int8_t>(answer(engine)));
    return d;
}

using Key = std::vector<std::int64_t>;
Key key_of(const std::vector<QuestionTotals>& t) {
    Key k;
    for (const auto& q : t) {
        k.push_back(q.yes);
        k.push_back(q.relevant);
    }
    return k;
}

// Exact distribution of one domain's simulated totals, by walking every path of the whole-case urn.
std::map<Key, double> exact_totals(const DomainAnswers& d) {
    const std::size_t n = d.cases(), Q = d.questions;
    const auto m = static_cast<std::size_t>(d.population) - n;
    std::map<Key, double> out;
    std::vector<std::size_t> urn(n);
    std::iota(urn.begin(), urn.end(), 0);
    // Every sequence of picks: pick k is an index below n + k.
    std::vector<std::size_t> pick(m, 0);
    while (true) {
        std::vector<std::size_t> u = urn;
        double prob = 1;
        for (std::size_t k = 0; k < m; ++k) {
            prob /= double(n + k);
            u.push_back(u[pick[k]]);
        }
        std::vector<QuestionTotals> t(Q);
        for (std::size_t c : u)
            for (std::size_t q = 0; q < Q; ++q) {
                auto a = d.answers[c * Q + q];
                t[q].yes += a == 1;
                t[q].relevant += a != -1;
            }
        out[key_of(t)] += prob;
        std::size_t k = 0;
        while (k < m && ++pick[k] == n + k) pick[k++] = 0;
        if (k == m) break;
    }
    return out;
}

}  // namespace

TEST_CASE("the population count distribution matches scipy's betabinom and a 40-digit exact pmf") {
    auto t = test::read_table(test::reference("betabinom.csv"));
    REQUIRE(t.rows.size() > 1000);
    std::map<std::array<std::int64_t, 3>, std::vector<double>> cache;
    std::size_t checked = 0;
    for (const auto& row : t.rows) {
        const std::int64_t x = std::stoll(row[t.col("x")]), n = std::stoll(row[t.col("n")]),
                           N = std::stoll(row[t.col("N")]), u = std::stoll(row[t.col("u")]);
        auto& pmf = cache[{x, n, N}];
        if (pmf.empty()) pmf = population_count_distribution(x, n, N);
        REQUIRE(pmf.size() == static_cast<std::size_t>(N - n + 1));
        const double got = pmf[static_cast<std::size_t>(u)];
        // strtod, not stod: exact values below 1e-308 (tails at N = 10^6) read as 0 or a subnormal.
        const double scipy = std::strtod(row[t.col("pmf_scipy")].c_str(), nullptr);
        const double exact = std::strtod(row[t.col("pmf_exact")].c_str(), nullptr);
        INFO("x " << x << " n " << n << " N " << N << " u " << u);
        CHECK(std::fabs(got - exact) <= 1e-14 + 1e-12 * exact);
        // scipy (log-beta) itself is off the exact value by up to 6e-12 at N = 10^6 with x = 0 or x = n;
        // agree with it to 1e-12 beyond its own error.
        CHECK(std::fabs(got - scipy) <= 1e-12 + std::fabs(scipy - exact));
        ++checked;
    }
    CHECK(checked == t.rows.size());
    CHECK(cache.size() >= 35);
}

TEST_CASE("the population count distribution sums to 1 for populations up to 10^6") {
    for (std::int64_t N : {1, 2, 5, 39, 71, 1000, 100'000, 1'000'000})
        for (std::int64_t n : {1, 2, 32, 50, 500})
            for (double share : {0.0, 0.02, 0.5, 0.84, 0.98, 1.0}) {
                if (n > N) continue;
                const auto x = static_cast<std::int64_t>(std::llround(share * double(n)));
                auto pmf = population_count_distribution(x, n, N);
                INFO("x " << x << " n " << n << " N " << N);
                REQUIRE(pmf.size() == static_cast<std::size_t>(N - n + 1));
                CHECK(std::fabs(sum_of(pmf) - 1) <= 1e-12);
                CHECK(std::all_of(pmf.begin(), pmf.end(), [](double p) { return p >= 0 && std::isfinite(p); }));
            }
}

TEST_CASE("a census (n = N) gives a point mass at the count read") {
    for (std::int64_t x : {0, 3, 7}) {
        auto pmf = population_count_distribution(x, 7, 7);
        REQUIRE(pmf.size() == 1);
        CHECK(pmf[0] == 1.0);
    }
}

TEST_CASE("the Jeffreys beta-binomial is the Pólya urn started with x + 1/2 yes and n - x + 1/2 no") {
    for (std::int64_t n : {1, 2, 3, 5, 8})
        for (std::int64_t x = 0; x <= n; ++x)
            for (int m : {0, 1, 2, 5, 9, 12}) {
                const auto exact = urn_paths(m, double(x) + 0.5, double(n - x) + 0.5);
                const auto pmf = population_count_distribution(x, n, n + m);
                INFO("x " << x << " n " << n << " m " << m);
                REQUIRE(pmf.size() == exact.size());
                for (std::size_t u = 0; u < pmf.size(); ++u) CHECK(std::fabs(pmf[u] - exact[u]) <= 1e-14);
            }
}

TEST_CASE("the beta-binomial pmf is the Pólya urn for any weights, U-shaped ones and empty colours included") {
    for (double a : {0.0, 0.3, 0.5, 1.0, 2.5, 7.0})
        for (double b : {0.0, 0.2, 0.5, 1.0, 4.0})
            for (int m : {0, 1, 3, 8, 13}) {
                if (a + b == 0) continue;
                const auto exact = urn_paths(m, a, b);
                const auto pmf = beta_binomial_pmf(m, a, b);
                INFO("a " << a << " b " << b << " m " << m);
                REQUIRE(pmf.size() == exact.size());
                for (std::size_t u = 0; u < pmf.size(); ++u) CHECK(std::fabs(pmf[u] - exact[u]) <= 1e-14);
            }
    // U-shaped with a large population still sums to 1 and is symmetric when a = b.
    auto pmf = beta_binomial_pmf(1'000'000, 0.5, 0.5);
    CHECK(std::fabs(sum_of(pmf) - 1) <= 1e-12);
    CHECK(pmf.front() == doctest::Approx(pmf.back()).epsilon(1e-9));
}

TEST_CASE("impossible counts are usage errors") {
    CHECK_THROWS_AS(population_count_distribution(0, 0, 10), UsageError);
    CHECK_THROWS_AS(population_count_distribution(-1, 5, 10), UsageError);
    CHECK_THROWS_AS(population_count_distribution(6, 5, 10), UsageError);
    CHECK_THROWS_AS(population_count_distribution(3, 5, 4), UsageError);
    CHECK_THROWS_AS(beta_binomial_pmf(-1, 1, 1), UsageError);
    CHECK_THROWS_AS(beta_binomial_pmf(5, 0, 0), UsageError);
    CHECK_THROWS_AS(beta_binomial_pmf(5, -1, 1), UsageError);
    CHECK_THROWS_AS(beta_binomial_pmf(5, 1, std::nan("")), UsageError);
    CHECK_THROWS_AS(monte_carlo_error(0.5, 0), UsageError);
    CHECK_THROWS_AS(monte_carlo_error(1.5, 10), UsageError);
    Engine engine(1);
    auto ignore = [](const SimulatedTotals&) {};
    DomainAnswers bad;
    bad.population = 10;
    bad.questions = 2;
    bad.answers = {1, 0, 1};  // not whole cases
    CHECK_THROWS_AS(polya_posterior({bad}, 1, engine, ignore), UsageError);
    bad.answers = {1, 0, 1, 2};  // 2 is no answer code
    CHECK_THROWS_AS(polya_posterior({bad}, 1, engine, ignore), UsageError);
    bad.answers = {1, 0, 1, 0};
    bad.population = 1;  // fewer than read
    CHECK_THROWS_AS(polya_posterior({bad}, 1, engine, ignore), UsageError);
    bad.answers = {};
    bad.population = 3;  // nothing read, something to simulate
    CHECK_THROWS_AS(polya_posterior({bad}, 1, engine, ignore), UsageError);
    CHECK_THROWS_AS(polya_posterior_independent({{{3, 2}}}, {{5}}, 1, engine, ignore), UsageError);
    CHECK_THROWS_AS(polya_posterior_independent({{{1, 2}}}, {{1}}, 1, engine, ignore), UsageError);
    CHECK_THROWS_AS(polya_posterior_independent({{{0, 0}}}, {{4}}, 1, engine, ignore), UsageError);
    CHECK_THROWS_AS(polya_posterior_independent({{{1, 2}}}, {{4, 5}}, 1, engine, ignore), UsageError);
}

TEST_CASE("the Pólya posterior's 'yes' count of each question follows BetaBinomial(N - n, x, n - x)") {
    // Cases with every question relevant: each question's population count is x + U, U ~ BetaBinomial(N-n, x, n-x).
    // Small and large populations, so both the urn and the stars-and-bars draw are checked.
    struct Setup {
        std::size_t n;
        std::int64_t N;
    };
    Engine data(20261123);
    for (Setup s : {Setup{5, 12}, Setup{8, 11}, Setup{3, 40}, Setup{10, 45}, Setup{6, 6}, Setup{50, 71}}) {
        DomainAnswers d;
        d.population = s.N;
        d.questions = 3;
        boost::random::uniform_int_distribution<int> yes(0, 1);
        for (std::size_t i = 0; i < s.n; ++i)
            for (int q = 0; q < 3; ++q) d.answers.push_back(static_cast<std::int8_t>(yes(data)));
        std::vector<std::int64_t> x(3, 0);
        for (std::size_t i = 0; i < s.n; ++i)
            for (std::size_t q = 0; q < 3; ++q) x[q] += d.answers[i * 3 + q];
        const std::size_t draws = 40'000;
        const auto m = static_cast<std::size_t>(s.N) - s.n;
        std::vector<std::vector<double>> hist(3, std::vector<double>(m + 1, 0.0));
        Engine engine(7);
        polya_posterior({d}, draws, engine, [&](const SimulatedTotals& t) {
            for (std::size_t q = 0; q < 3; ++q) {
                REQUIRE(t[0][q].relevant == s.N);
                hist[q][static_cast<std::size_t>(t[0][q].yes - x[q])] += 1.0 / draws;
            }
        });
        for (std::size_t q = 0; q < 3; ++q) {
            const auto exact =
                beta_binomial_pmf(static_cast<std::int64_t>(m), double(x[q]), double(std::int64_t(s.n) - x[q]));
            for (std::size_t u = 0; u <= m; ++u) {
                INFO("n " << s.n << " N " << s.N << " x " << x[q] << " u " << u);
                CHECK(std::fabs(hist[q][u] - exact[u]) <= mc_tolerance(exact[u], draws));
            }
        }
    }
}

TEST_CASE("the Pólya posterior over whole cases matches exact enumeration of the urn's paths") {
    // n = 3 of N = 5 (drawn by the urn) and n = 2 of N = 6 (drawn by stars and bars), with a not-relevant answer.
    DomainAnswers small{5, 2, {1, 0, 0, -1, 1, 1}};
    DomainAnswers wide{6, 2, {1, -1, 0, 1}};
    for (const auto& d : {small, wide}) {
        const auto exact = exact_totals(d);
        double total = 0;
        for (const auto& [k, p] : exact) total += p;
        CHECK(total == doctest::Approx(1.0).epsilon(1e-12));
        const std::size_t draws = 200'000;
        std::map<Key, double> seen;
        Engine engine(99);
        polya_posterior({d}, draws, engine, [&](const SimulatedTotals& t) { seen[key_of(t[0])] += 1.0 / draws; });
        for (const auto& [k, p] : seen) CHECK(exact.count(k) == 1);  // nothing impossible
        for (const auto& kp : exact) {
            const auto& k = kp.first;
            const double p = kp.second;  // not a structured binding: INFO captures it in a lambda (clang 14)
            INFO("population " << d.population << " outcome probability " << p);
            CHECK(std::fabs(seen[k] - p) <= mc_tolerance(p, draws));
        }
    }
}

TEST_CASE("the Pólya posterior is reproducible: the same seed gives the same populations") {
    Engine data(5);
    std::vector<DomainAnswers> domains{random_domain(data, 50, 11, 71), random_domain(data, 32, 11, 39),
                                       random_domain(data, 4, 3, 500)};
    auto run = [&](std::uint64_t seed) {
        Engine engine(seed);
        std::vector<std::int64_t> flat;
        polya_posterior(domains, 300, engine, [&](const SimulatedTotals& t) {
            for (const auto& d : t)
                for (const auto& q : d) {
                    flat.push_back(q.yes);
                    flat.push_back(q.relevant);
                }
        });
        return flat;
    };
    CHECK(run(42) == run(42));
    CHECK(run(42) != run(43));
}

TEST_CASE("the Pólya posterior keeps a case's answers together") {
    // Questions 0 and 1 are answered identically in every case; question 2 is relevant exactly where
    // question 3 is not; question 4 is never relevant.
    Engine data(11);
    boost::random::uniform_int_distribution<int> answer(-1, 1);
    for (auto nN : {std::pair<std::size_t, std::int64_t>{12, 30}, {5, 400}, {50, 71}}) {
        const std::size_t n = nN.first;
        const std::int64_t N = nN.second;  // not a structured binding: the callback below captures it (clang 14)
        DomainAnswers d;
        d.population = N;
        d.questions = 5;
        for (std::size_t i = 0; i < n; ++i) {
            const auto same = static_cast<std::int8_t>(answer(data));
            const bool first = answer(data) >= 0;
            const auto a2 = static_cast<std::int8_t>(first ? answer(data) & 1 : -1);
            const auto a3 = static_cast<std::int8_t>(first ? -1 : answer(data) & 1);
            for (auto a : {same, same, a2, a3, std::int8_t(-1)}) d.answers.push_back(a);
        }
        Engine engine(3);
        std::size_t visits = 0;
        polya_posterior({d}, 2000, engine, [&](const SimulatedTotals& t) {
            const auto& q = t[0];
            REQUIRE(q.size() == 5);
            CHECK(q[0].yes == q[1].yes);
            CHECK(q[0].relevant == q[1].relevant);
            CHECK(q[2].relevant + q[3].relevant == N);
            CHECK(q[4].relevant == 0);
            CHECK(q[4].yes == 0);
            for (const auto& one : q) CHECK((one.yes >= 0 && one.yes <= one.relevant && one.relevant <= N));
            ++visits;
        });
        CHECK(visits == 2000);
    }
}

TEST_CASE("a census needs no simulation: every draw is the sample itself") {
    DomainAnswers d{3, 2, {1, 0, -1, 1, 0, 0}};
    Engine engine(1);
    polya_posterior({d}, 10, engine, [&](const SimulatedTotals& t) {
        CHECK(t[0][0].yes == 1);
        CHECK(t[0][0].relevant == 2);
        CHECK(t[0][1].yes == 1);
        CHECK(t[0][1].relevant == 3);
    });
}

TEST_CASE("the independent Pólya posterior of each question follows BetaBinomial(R - n, x, n - x)") {
    // Small unread counts (urn) and large ones (beta then binomial); x = 0 and x = n stay put.
    const std::vector<std::vector<QuestionTotals>> sample{{{7, 10}, {0, 4}, {4, 4}, {13, 20}}, {{2, 3}, {30, 40}}};
    const std::vector<std::vector<std::int64_t>> population{{25, 9, 30, 220}, {3, 160}};
    const std::size_t draws = 40'000;
    std::vector<std::vector<std::vector<double>>> hist(2);
    for (std::size_t d = 0; d < 2; ++d)
        for (std::size_t q = 0; q < sample[d].size(); ++q)
            hist[d].emplace_back(static_cast<std::size_t>(population[d][q] - sample[d][q].relevant) + 1, 0.0);
    Engine engine(2024);
    polya_posterior_independent(sample, population, draws, engine, [&](const SimulatedTotals& t) {
        for (std::size_t d = 0; d < 2; ++d)
            for (std::size_t q = 0; q < sample[d].size(); ++q) {
                REQUIRE(t[d][q].relevant == population[d][q]);
                hist[d][q][static_cast<std::size_t>(t[d][q].yes - sample[d][q].yes)] += 1.0 / draws;
            }
    });
    for (std::size_t d = 0; d < 2; ++d)
        for (std::size_t q = 0; q < sample[d].size(); ++q) {
            const auto& s = sample[d][q];
            const auto exact =
                beta_binomial_pmf(population[d][q] - s.relevant, double(s.yes), double(s.relevant - s.yes));
            for (std::size_t u = 0; u < exact.size(); ++u) {
                INFO("domain " << d << " question " << q << " u " << u);
                CHECK(std::fabs(hist[d][q][u] - exact[u]) <= mc_tolerance(exact[u], draws));
            }
        }
}

TEST_CASE("the Monte Carlo error is sqrt(p(1-p)/draws)") {
    CHECK(monte_carlo_error(0.5, 10'000) == doctest::Approx(0.005).epsilon(1e-15));
    CHECK(monte_carlo_error(0.0, 100) == 0.0);
    CHECK(monte_carlo_error(1.0, 100) == 0.0);
    CHECK(monte_carlo_error(0.2, 400) == doctest::Approx(0.02).epsilon(1e-15));
}

TEST_CASE("the Pólya posterior's draws are pinned: a seed gives these populations on every machine") {
    // Integer-only paths (the urn, stars and bars, the independent urn) use Boost.Random's uniform_int only, so
    // these sums must not change with the compiler, the machine or the standard library. If this fails after a
    // deliberate change of the draw method, the seeded outputs of `casesample report` change too: say so.
    Engine data(77);
    std::vector<DomainAnswers> domains{random_domain(data, 50, 12, 71), random_domain(data, 32, 11, 39),
                                       random_domain(data, 6, 4, 300)};
    Engine engine(20190401);
    std::int64_t weighted = 0, draw = 0;
    polya_posterior(domains, 1000, engine, [&](const SimulatedTotals& t) {
        ++draw;
        for (const auto& d : t)
            for (const auto& q : d) weighted += draw * (3 * q.yes + q.relevant);
    });
    Engine engine2(20190401);
    std::int64_t independent = 0;
    draw = 0;
    polya_posterior_independent({{{42, 50}, {37, 50}, {3, 9}}}, {{71, 71, 20}}, 1000, engine2,
                                [&](const SimulatedTotals& t) {
                                    ++draw;
                                    for (const auto& q : t[0]) independent += draw * q.yes;
                                });
    CHECK(weighted == 2030277100);
    CHECK(independent == 59431065);
}

TEST_CASE("a population of 10^7 from 4 read cases: the share of 'yes' tends to Beta(x, n - x)") {
    // Stars and bars with few bars in a very long row; memory follows the read cases, not the population.
    DomainAnswers d{10'000'000, 2, {1, 1, 0, 1, 1, -1, 0, 0}};
    const std::size_t draws = 20'000;
    double mean = 0, below_quarter = 0;
    Engine engine(8);
    polya_posterior({d}, draws, engine, [&](const SimulatedTotals& t) {
        REQUIRE(t[0][0].relevant == 10'000'000);
        const double share = double(t[0][0].yes) / 1e7;
        mean += share / draws;
        below_quarter += share < 0.25 ? 1.0 / draws : 0.0;
        // Question 2 is not relevant to the third case, which may take any share of the copies but not all.
        CHECK(t[0][1].relevant >= 3);
        CHECK(t[0][1].yes <= t[0][1].relevant);
    });
    // x = 2 of n = 4: Beta(2, 2), mean 1/2 (sd 0.2236), P(share < 1/4) = 3/16 - 2/64 = 0.15625.
    CHECK(std::fabs(mean - 0.5) <= 5 * 0.2236 / std::sqrt(double(draws)));
    CHECK(std::fabs(below_quarter - 0.15625) <= mc_tolerance(0.15625, draws));
}

TEST_CASE("property: the population count distribution has the beta-binomial mean and variance") {
    // 300 seeded random (x, n, N): mean m a / (a + b), variance m a b (a + b + m) / ((a + b)^2 (a + b + 1)).
    Engine engine(314);
    boost::random::uniform_int_distribution<std::int64_t> read(1, 400), extra(0, 20'000);
    for (int k = 0; k < 300; ++k) {
        const std::int64_t n = read(engine), N = n + extra(engine);
        const std::int64_t x = boost::random::uniform_int_distribution<std::int64_t>(0, n)(engine);
        const auto pmf = population_count_distribution(x, n, N);
        double mean = 0, second = 0;
        for (std::size_t u = 0; u < pmf.size(); ++u) {
            mean += double(u) * pmf[u];
            second += double(u) * double(u) * pmf[u];
        }
        const double m = double(N - n), a = double(x) + 0.5, b = double(n - x) + 0.5;
        const double want_mean = m * a / (a + b);
        const double want_var = m * a * b * (a + b + m) / ((a + b) * (a + b) * (a + b + 1));
        INFO("x " << x << " n " << n << " N " << N);
        CHECK(std::fabs(sum_of(pmf) - 1) <= 1e-12);
        CHECK(mean == doctest::Approx(want_mean).epsilon(1e-10).scale(1));
        CHECK(second - mean * mean == doctest::Approx(want_var).epsilon(1e-8).scale(1));
    }
}

TEST_CASE("property: over random domains the Pólya posterior's totals are possible and centred on the sample") {
    // 60 seeded random domains (urn and stars and bars): every total possible given the read cases, and the
    // mean population 'yes' count of each question within Monte Carlo error of x N / n (the urn's expectation).
    Engine data(2718);
    boost::random::uniform_int_distribution<std::size_t> cases(1, 60), questions(1, 8);
    boost::random::uniform_int_distribution<std::int64_t> extra(0, 300);
    for (int k = 0; k < 60; ++k) {
        const std::size_t n = cases(data), Q = questions(data);
        const auto d = random_domain(data, n, Q, static_cast<std::int64_t>(n) + extra(data));
        std::vector<std::int64_t> x(Q, 0), rel(Q, 0);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t q = 0; q < Q; ++q) {
                x[q] += d.answers[i * Q + q] == 1;
                rel[q] += d.answers[i * Q + q] != -1;
            }
        const std::size_t draws = 4000;
        std::vector<double> mean(Q, 0.0);
        Engine engine(static_cast<std::uint64_t>(k));
        bool possible = true;
        polya_posterior({d}, draws, engine, [&](const SimulatedTotals& t) {
            for (std::size_t q = 0; q < Q; ++q) {
                const auto& s = t[0][q];
                const std::int64_t unread = d.population - static_cast<std::int64_t>(n);
                possible = possible && s.yes >= x[q] && s.yes - x[q] <= unread && s.relevant >= rel[q] &&
                           s.relevant - rel[q] <= unread && s.yes <= s.relevant &&
                           s.relevant - s.yes >= rel[q] - x[q] &&
                           (x[q] > 0 || s.yes == 0) && (rel[q] > 0 || s.relevant == 0) &&
                           (rel[q] < static_cast<std::int64_t>(n) || s.relevant == d.population);
                mean[q] += double(s.yes) / draws;
            }
        });
        INFO("n " << n << " N " << d.population << " questions " << Q);
        CHECK(possible);
        for (std::size_t q = 0; q < Q; ++q) {
            // U ~ BetaBinomial(m, x, n - x) has variance m p (1 - p) (n + m) / (n + 1), p = x / n.
            const double m = double(d.population) - double(n), p = double(x[q]) / double(n);
            const double sd = std::sqrt(m * p * (1 - p) * (double(n) + m) / (double(n) + 1) / draws);
            CHECK(std::fabs(mean[q] - double(x[q]) * double(d.population) / double(n)) <= 5 * sd + 1e-9);
        }
    }
}
