// casesample check and the chi-square goodness of fit behind it.
#include <doctest/doctest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "casesample/balance_check.hpp"
#include "casesample/error.hpp"
#include "test_support.hpp"

using namespace casesample;
using namespace casesample::test;

namespace {
const std::string kPopulation = source_path("fixtures/population.csv");
}

TEST_CASE("chi-square goodness of fit agrees with scipy.stats.chisquare") {
    // Reference values: scipy 1.10.1, scipy.stats.chisquare(observed, expected).
    struct Case {
        std::vector<double> observed, expected;
        double statistic, p;
    };
    std::vector<Case> cases = {
        {{27, 18, 2, 3}, {28.169014084507044, 17.6056338028169, 1.408450704225352, 2.816901408450704}, 0.3177000000000003,
         0.9566659315726729},
        {{10, 20, 30}, {15, 20, 25}, 2.666666666666667, 0.2635971381157267},
        {{5, 9, 14, 22}, {10.5, 10.5, 14.5, 14.5}, 6.991789819376026, 0.07215991977286575},
        {{100, 0}, {60, 40}, 66.66666666666667, 3.215262727387118e-16},
        {{3, 7, 12, 8, 20}, {6.25, 6.25, 12.5, 12.5, 12.5}, 7.92, 0.09455304688639372},
        {{47, 3}, {47.183098591549296, 2.816901408450704}, 0.012611940298507492, 0.9105832461901492},
    };
    for (const auto& c : cases) {
        auto g = chi_square_gof(c.observed, c.expected);
        CHECK(g.statistic == doctest::Approx(c.statistic).epsilon(1e-12));
        CHECK(g.df == static_cast<int>(c.observed.size()) - 1);
        REQUIRE(g.p_value);
        CHECK(*g.p_value == doctest::Approx(c.p).epsilon(1e-9));
    }
}

TEST_CASE("a sparse category is pooled with its smaller neighbour until each group expects 5 cases") {
    std::vector<FitGroup> g = {{27, 50 * 40 / 71.0, "A"}, {18, 50 * 25 / 71.0, "B"}, {2, 50 * 2 / 71.0, "C"},
                               {3, 50 * 4 / 71.0, "D"}};
    auto p = pool_sparse(g);
    REQUIRE(p.size() == 2);
    CHECK(p[0].label == "A");
    CHECK(p[1].label == "B+C+D");
    CHECK(p[1].observed == 23);
    CHECK(p[1].members == 3);
    // Neighbours only: High (2) joins Very High (7) rather than Medium (8); then Low (3) joins Medium.
    auto q = pool_sparse({{0, 3, "L"}, {0, 8, "M"}, {0, 2, "H"}, {0, 7, "VH"}});
    REQUIRE(q.size() == 2);
    CHECK(q[0].label == "L+M");
    CHECK(q[1].label == "H+VH");
    // Nothing sparse: unchanged.
    CHECK(pool_sparse({{5, 6, "x"}, {7, 6, "y"}}).size() == 2);
    // Everything sparse: one group, nothing to test.
    CHECK(pool_sparse({{1, 1, "x"}, {2, 2, "y"}}).size() == 1);
}

TEST_CASE("a stratifier's chi-square with pooling matches scipy on the pooled counts") {
    // rosh: population 40 / 25 / 2 / 4 of 71; sample 27 / 18 / 2 / 3 of 50.
    Vocabulary v = Vocabulary::builtin();
    SamplingFrame f;
    for (std::size_t s = 0; s < kBuiltinStratifierCount; ++s)
        f.category_count[s] = static_cast<std::uint16_t>(v.categories(static_cast<Stratifier>(s)).size());
    std::vector<std::uint32_t> selected;
    const int pop[] = {40, 25, 2, 4}, drawn[] = {27, 18, 2, 3};
    for (std::uint16_t h = 0; h < 4; ++h)
        for (int k = 0; k < pop[h]; ++k) {
            if (k < drawn[h]) selected.push_back(static_cast<std::uint32_t>(f.codes.size()));
            f.codes.push_back({0, 0, h, 0});
        }
    auto fits = stratifier_fits(v, f, selected);
    REQUIRE(fits.size() == kBuiltinStratifierCount);
    const auto& rosh = fits[static_cast<std::size_t>(Stratifier::rosh)];
    CHECK(rosh.categories == 4);
    CHECK(rosh.groups == 2);
    REQUIRE(rosh.pooled.size() == 1);
    CHECK(rosh.pooled[0] == "Medium+High+Very High");
    // scipy.stats.chisquare([27, 23], [50*40/71, 50*31/71])
    CHECK(rosh.fit.statistic == doctest::Approx(0.11111290322580675).epsilon(1e-12));
    CHECK(*rosh.fit.p_value == doctest::Approx(0.7388806514305327).epsilon(1e-9));
    // A single category (all cases the same gender): nothing to test.
    const auto& gender = fits[static_cast<std::size_t>(Stratifier::gender)];
    CHECK(gender.fit.df == 0);
    CHECK_FALSE(gender.fit.p_value);
}

TEST_CASE("check prints the balance and a chi-square per stratifier for a drawn sample") {
    auto dir = temp_dir();
    auto d = run_cli("draw " + kPopulation + " --fieldwork 2019-06-03 --seed 11 --out " + dir + "/s");
    REQUIRE(d.exit_code == 0);
    auto r = run_cli("check " + kPopulation + " " + dir + "/s/sample.csv --fieldwork 2019-06-03");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("chi-square") != std::string::npos);
    CHECK(r.out.find("court: 50 sampled of 71 eligible cases") != std::string::npos);
    CHECK(r.out.find("out-of-court: 32 sampled of 39 eligible cases") != std::string::npos);
    auto j = run_cli("check " + kPopulation + " " + dir + "/s/sample.csv --fieldwork 2019-06-03 --format json");
    REQUIRE(j.exit_code == 0);
    auto doc = nlohmann::json::parse(j.out);
    CHECK(doc["chi_square"].size() == 2 * kBuiltinStratifierCount);
    CHECK(doc["domains"][0]["sampled"] == 50);
    for (const auto& c : doc["chi_square"]) {
        if (c["df"] == 0) continue;
        CHECK(c["p_value"].get<double>() >= 0);
        CHECK(c["p_value"].get<double>() <= 1);
    }
}

TEST_CASE("check: a sample id missing from the population, not eligible, or twice is an error at file:line:column") {
    auto dir = temp_dir();
    auto sample = dir + "/hand.csv";
    write_text(sample, "worker,case_id\nA,C000001\nB,NOPE\n");
    auto r = run_cli("check " + kPopulation + " " + sample);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(sample + ":3:2: case 'NOPE' is not in the population") != std::string::npos);

    write_text(sample, "case_id\nC000001\nC000001\n");
    r = run_cli("check " + kPopulation + " " + sample);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(sample + ":3:1: case 'C000001' appears twice") != std::string::npos);

    // C000002 is an out-of-court case dated too long before a June 2019 fieldwork.
    write_text(sample, "case_id\nC000002\n");
    r = run_cli("check " + kPopulation + " " + sample + " --fieldwork 2019-06-03");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(sample + ":2:1: case 'C000002' is not eligible: too old") != std::string::npos);

    write_text(sample, "number\nC000001\n");
    r = run_cli("check " + kPopulation + " " + sample);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(sample + ":1: missing column 'case_id': the sample file needs a column of case ids, headed "
                     "case_id, Case Ref, Case Reference, Case ID, Case No or another header of fixtures/headers.csv "
                     "(matched ignoring case, spaces and punctuation); its header is 'number'") != std::string::npos);
}

TEST_CASE("check finds the sample's case ids under the same headers as the population's") {
    auto dir = temp_dir();
    auto sample = dir + "/sample.csv";
    write_text(sample, "case_id,notes\nC000001,a\nC000003,b\n");
    auto want = run_cli("check " + kPopulation + " " + sample + " --format json");
    REQUIRE_MESSAGE(want.exit_code == 0, want.err);
    // Synonyms from fixtures/headers.csv, matched ignoring case, spaces and punctuation.
    for (const char* header : {"Case Ref", "CASE_ID", "URN", "Young Person ID", " case-reference "}) {
        INFO(header);
        write_text(sample, std::string(header) + ",notes\nC000001,a\nC000003,b\n");
        auto r = run_cli("check " + kPopulation + " " + sample + " --format json");
        CHECK_MESSAGE(r.exit_code == 0, r.err);
        CHECK(r.out == want.out);
    }
    // --column case_id=HEADER names the population's header; the sample may use it, or case_id.
    auto pop = dir + "/pop.csv";
    auto text = read_text(kPopulation);
    write_text(pop, "Child Number" + text.substr(text.find(',')));
    write_text(sample, "child number\nC000001\nC000003\n");
    auto r = run_cli("check " + pop + " " + sample + " --column case_id=\"Child Number\" --format json");
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == want.out);
    write_text(sample, "case_id\nC000001\nC000003\n");
    r = run_cli("check " + pop + " " + sample + " --column case_id=\"Child Number\" --format json");
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == want.out);
}
