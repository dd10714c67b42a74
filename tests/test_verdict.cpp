// Verdicts in plain words (report and audit) and the audit's band and rating probabilities.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "casesample/answers.hpp"
#include "casesample/error.hpp"
#include "casesample/framework.hpp"
#include "casesample/report.hpp"
#include "casesample/report_audit.hpp"
#include "casesample/report_format.hpp"
#include "casesample/verdict.hpp"
#include "test_support.hpp"

using namespace casesample;

namespace {

const Framework& fw() { return Framework::builtin(); }
constexpr std::size_t RI = 1, G = 2, O = 3;  // rating indices (Inadequate is 0)

const std::string kAnswers = "fixtures/answers/lancashire-2019-answers.csv";
const std::string kPublished = "fixtures/published/lancashire-2019.csv";

Report lancashire_report(double robust_at = 0.9, std::size_t draws = 2000) {
    ReportOptions o;
    o.population = {{1, 71}, {2, 39}};
    o.seed = 2019;
    o.draws = draws;
    o.robust_at = robust_at;
    o.judgements = read_judgements(test::source_path(kPublished), fw());
    return build_report(fw(), read_answers(test::source_path(kAnswers), fw()), o);
}

bool summary_lines_contain(const std::vector<std::string>& lines, const std::string& text) {
    for (const auto& l : lines)
        if (l.find(text) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("verdict wording: robust, a more likely other rating, or the likely ratings listed") {
    SUBCASE("robust") {
        auto v = rating_verdict(fw(), G, {0.0, 0.009, 0.991, 0.0}, 0.9);
        CHECK(v.robust);
        CHECK(v.most_likely == G);
        CHECK(v.text == "robust: Good 0.99 (at least 0.90)");
    }
    SUBCASE("another rating is more likely (the issue's example)") {
        auto v = rating_verdict(fw(), G, {0.0, 0.541, 0.459, 0.0}, 0.9);
        CHECK_FALSE(v.robust);
        CHECK(v.most_likely == RI);
        CHECK(v.probability == doctest::Approx(0.459));
        CHECK(v.most_likely_probability == doctest::Approx(0.541));
        CHECK(v.text == "not robust: Requires improvement is more likely (0.54) than the computed Good (0.46)");
    }
    SUBCASE("the computed rating is the most likely but below the line") {
        auto v = rating_verdict(fw(), G, {0.0, 0.0, 0.71, 0.29}, 0.9);
        CHECK_FALSE(v.robust);
        CHECK(v.most_likely == G);
        CHECK(v.text == "not robust: Good 0.71, Outstanding 0.29");
    }
    SUBCASE("the rating named as published") {
        auto v = rating_verdict(fw(), O, {0.0, 0.0, 0.51, 0.49}, 0.9, "published");
        CHECK(v.text == "not robust: Good is more likely (0.51) than the published Outstanding (0.49)");
    }
    SUBCASE("ratings that print as 0.00 are left out of the list") {
        auto v = rating_verdict(fw(), RI, {0.001, 0.85, 0.149, 0.0}, 0.9);
        CHECK(v.text == "not robust: Requires improvement 0.85, Good 0.15");
    }
    SUBCASE("a tie is not 'more likely'") {
        auto v = rating_verdict(fw(), G, {0.0, 0.5, 0.5, 0.0}, 0.9);
        CHECK(v.most_likely == G);
        CHECK(v.text == "not robust: Requires improvement 0.50, Good 0.50");
    }
    SUBCASE("judgement") {
        auto v = judgement_verdict(fw(), RI);
        CHECK(v.robust);
        CHECK(v.judged);
        CHECK(v.text == "robust: rated by judgement, not from the sample");
    }
}

TEST_CASE("verdict probabilities are never printed on the wrong side of --robust-at or of each other") {
    CHECK(rating_verdict(fw(), G, {0.0, 0.1049, 0.8951, 0.0}, 0.9).text == "not robust: Good 0.895, Requires improvement 0.105");
    CHECK(rating_verdict(fw(), G, {0.0, 0.0, 0.89996, 0.10004}, 0.9).text.find("Good 0.89996") != std::string::npos);
    CHECK(rating_verdict(fw(), G, {0.0, 0.502, 0.498, 0.0}, 0.9).text ==
          "not robust: Requires improvement is more likely (0.502) than the computed Good (0.498)");
    CHECK(rating_verdict(fw(), G, {0.0, 0.0, 0.95, 0.05}, 0.95).text == "robust: Good 0.95 (at least 0.95)");
    CHECK(verdict_probability(0.8951, 0.9) == "0.895");
    CHECK(verdict_probability(0.9, 0.9) == "0.90");

    // Property: over many random probability vectors and thresholds, robust exactly when p >= robust_at, the
    // text says so, and every number it prints reads back on the same side of the threshold.
    std::mt19937_64 rng(8);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int trial = 0; trial < 5000; ++trial) {
        std::vector<double> p(4);
        double sum = 0;
        for (auto& x : p) sum += (x = std::pow(unit(rng), 3));
        for (auto& x : p) x /= sum;
        std::size_t rating = static_cast<std::size_t>(rng() % 4);
        double at = 0.5 + 0.5 * std::round(unit(rng) * 100) / 100;
        if (trial % 7 == 0) p[rating] = at + (unit(rng) - 0.5) * 1e-3;  // close to the line
        auto v = rating_verdict(fw(), rating, p, at);
        INFO("p=" << p[0] << "," << p[1] << "," << p[2] << "," << p[3] << " rating " << rating << " at " << at << ": " << v.text);
        CHECK(v.robust == (p[rating] >= at));
        CHECK((v.text.rfind("robust: ", 0) == 0) == v.robust);
        CHECK((v.text.find("more likely") != std::string::npos) == (!v.robust && p[v.most_likely] > p[rating]));
        auto shown = std::stod(verdict_probability(p[rating], at));
        CHECK((shown >= at) == v.robust);
        for (std::size_t k = 0; k < 4; ++k) CHECK(p[v.most_likely] >= p[k]);
    }
}

TEST_CASE("--robust-at is a probability from 0.5 to 1") {
    CHECK_NOTHROW(check_robust_at(0.5));
    CHECK_NOTHROW(check_robust_at(1.0));
    CHECK_THROWS_AS(check_robust_at(0.49), UsageError);
    CHECK_THROWS_AS(check_robust_at(1.01), UsageError);
    CHECK_THROWS_AS(check_robust_at(std::nan("")), UsageError);
    for (const char* bad : {"0.3", "1.5", "abc", "-0.9", "9e-1", ""}) {
        auto r = test::run_cli("report " + test::source_path(kAnswers) + " --population court=71,out-of-court=39 "
                               "--robust-at '" + bad + "'");
        INFO(bad);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("--robust-at must be a probability from 0.5 to 1") != std::string::npos);
        CHECK(r.out.empty());
        auto a = test::run_cli("audit " + test::source_path(kPublished) +
                               " --cases court=50,out-of-court=32 --robust-at '" + bad + "'");
        CHECK(a.exit_code == 2);
    }
}

TEST_CASE("report: a verdict for every standard and the overall rating, from their probabilities") {
    auto r = lancashire_report();
    REQUIRE(r.overall.verdict);
    CHECK(r.overall.verdict->rating == *r.overall.rating);
    CHECK(r.overall.verdict->probability == r.overall.rating_probabilities[*r.overall.rating]);
    for (const auto& s : r.standards) {
        REQUIRE(s.verdict);
        CHECK(s.verdict->rating == *s.rating);
        if (s.judged) {
            CHECK(s.verdict->judged);
        } else {
            CHECK(s.verdict->robust == (s.rating_probabilities[*s.rating] >= 0.9));
            CHECK(s.verdict->text == rating_verdict(fw(), *s.rating, s.rating_probabilities, 0.9, "computed", r.draws).text);
        }
    }
    for (const auto& q : r.questions) {
        REQUIRE(q.verdict);
        CHECK(q.verdict->robust == (q.band_probabilities[*q.band] >= 0.9));
    }
    // A stricter line makes more standards not robust, never fewer.
    auto strict = lancashire_report(0.99);
    std::size_t weak = 0, weak_strict = 0;
    for (std::size_t s = 0; s < r.standards.size(); ++s) {
        weak += !r.standards[s].verdict->robust;
        weak_strict += !strict.standards[s].verdict->robust;
        if (!r.standards[s].verdict->robust) CHECK_FALSE(strict.standards[s].verdict->robust);
    }
    CHECK(weak_strict > weak);
}

TEST_CASE("report: the summary comes first and every format prints the same verdicts") {
    auto r = lancashire_report();
    auto table = render_report(r, ReportFormat::table);
    CHECK(table.rfind("Summary\n  Overall: Good (score 22 of 36), probability 0.99: robust (at least 0.90).\n", 0) == 0);
    auto summary = report_summary(r);
    REQUIRE(summary.size() >= 2);
    CHECK(summary[1].rfind("Not robust at 0.90: ", 0) == 0);
    auto md = render_report(r, ReportFormat::markdown);
    CHECK(md.find("## Summary\n\n- Overall: Good (score 22 of 36)") != std::string::npos);
    auto json = nlohmann::json::parse(render_report(r, ReportFormat::json));
    CHECK(json["robust_at"] == 0.9);
    CHECK(json["summary"].size() == summary.size());
    CHECK(json["overall"]["verdict"]["text"] == r.overall.verdict->text);
    CHECK(json["overall"]["verdict"]["robust"] == true);
    CHECK(json["overall"]["verdict"]["most_likely"] == "Good");
    auto csv = render_report(r, ReportFormat::csv);
    for (std::size_t s = 0; s < r.standards.size(); ++s) {
        const auto& text = r.standards[s].verdict->text;
        INFO(text);
        CHECK(json["standards"][s]["verdict"]["text"] == text);
        CHECK(json["standards"][s]["verdict"]["robust"] == r.standards[s].verdict->robust);
        CHECK(json["standards"][s]["verdict"]["probability"] == r.standards[s].verdict->probability);
        CHECK(table.find(text) != std::string::npos);
        CHECK(md.find(text) != std::string::npos);
        CHECK(csv.find(text) != std::string::npos);
        if (!r.standards[s].verdict->robust) CHECK(summary_lines_contain(summary, text));
    }
}

TEST_CASE("report: without populations or draws, the summary says why nothing was assessed") {
    ReportOptions o;
    o.draws = 1000;
    auto answers = read_answers(test::source_path(kAnswers), fw());
    auto none = build_report(fw(), answers, o);
    for (const auto& s : none.standards) CHECK_FALSE(s.verdict);
    auto lines = report_summary(none);
    REQUIRE_FALSE(lines.empty());
    CHECK(lines[0].find("not rated") != std::string::npos);
    REQUIRE(lines.size() == 2);
    CHECK(lines[1] == "Robustness not assessed: no population size for every domain (give --population or --sample-dir).");
    o.population = {{1, 71}, {2, 39}};
    o.draws = 0;
    o.judgements = read_judgements(test::source_path(kPublished), fw());
    auto no_draws = build_report(fw(), answers, o);
    CHECK(report_summary(no_draws)[0] ==
          "Overall: Good (score 22 of 36); robustness not assessed: no simulation (--draws 0).");
    CHECK(nlohmann::json::parse(render_report(no_draws, ReportFormat::json))["overall"]["verdict"].is_null());
}

TEST_CASE("audit: band and rating probabilities equal scipy's beta-binomial and an exact enumeration") {
    auto ref = test::read_table(test::reference("audit_probabilities.csv"));
    struct Config {
        std::string name;
        AuditOptions options;
    };
    std::vector<Config> configs(3);
    configs[0].name = "lancashire";
    configs[0].options.cases = {{1, 50}, {2, 32}};
    configs[0].options.population = {{1, 71}, {2, 39}};
    configs[1] = configs[0];
    configs[1].name = "lancashire-rounded";
    configs[1].options.band_on = BandOn::rounded;
    configs[2].name = "small-sample";
    configs[2].options.cases = {{1, 30}, {2, 20}};
    configs[2].options.population = {{1, 300}, {2, 150}};
    auto table = read_published(test::source_path(kPublished), fw());
    std::size_t checked = 0;
    for (const auto& c : configs) {
        auto a = audit_published(fw(), table, c.options);
        REQUIRE(a.probabilities_computed);
        for (const auto& row : ref.rows) {
            if (row[ref.col("config")] != c.name) continue;
            const std::string level = row[ref.col("level")], id = row[ref.col("id")];
            const std::vector<double>* p = nullptr;
            if (level == "question") {
                for (const auto& q : a.questions)
                    if (fw().question(q.place).id == id) p = &q.band_probabilities;
            } else if (level == "standard") {
                for (const auto& s : a.standards)
                    if (s.id == id) p = &s.rating_probabilities;
            } else {
                p = &a.overall.rating_probabilities;
            }
            INFO(c.name << " " << level << " " << id);
            REQUIRE(p);
            REQUIRE(p->size() == 4);
            for (std::size_t k = 0; k < 4; ++k)
                CHECK((*p)[k] == doctest::Approx(std::stod(row[ref.col("p_" + std::to_string(k))])).epsilon(1e-9));
            ++checked;
        }
    }
    CHECK(checked == 108);
}

TEST_CASE("audit: verdicts on the published ratings, the summary first, the same in every format") {
    AuditOptions o;
    o.cases = {{1, 30}, {2, 20}};
    o.population = {{1, 300}, {2, 150}};
    auto a = audit_published(fw(), read_published(test::source_path(kPublished), fw()), o);
    REQUIRE(a.overall.verdict);
    // Read from only 30 and 20 cases, the published Good is less likely than Requires improvement.
    CHECK(a.overall.verdict->text == "not robust: Requires improvement is more likely (0.54) than the published Good (0.46)");
    auto text = render_audit(a, ReportFormat::table);
    CHECK(text.rfind("Summary\n  Overall: published Good (score 22 of 36): not robust: Requires improvement is more "
                     "likely (0.54) than the published Good (0.46).\n", 0) == 0);
    CHECK(text.find("exact convolution, taking the key questions as independent") != std::string::npos);
    auto json = nlohmann::json::parse(render_audit(a, ReportFormat::json));
    auto csv = render_audit(a, ReportFormat::csv);
    CHECK(json["overall"]["verdict"]["most_likely"] == "Requires improvement");
    CHECK(json["overall"]["verdict"]["rating"] == "Good");
    for (std::size_t s = 0; s < a.standards.size(); ++s) {
        REQUIRE(a.standards[s].verdict);
        CHECK(json["standards"][s]["verdict"]["text"] == a.standards[s].verdict->text);
        CHECK(text.find(a.standards[s].verdict->text) != std::string::npos);
        CHECK(csv.find(a.standards[s].verdict->text) != std::string::npos);
    }
    for (std::size_t i = 0; i < a.questions.size(); ++i) {
        const auto& q = a.questions[i];
        REQUIRE(q.verdict);
        double sum = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            sum += q.band_probabilities[k];
            CHECK(q.band_probabilities_min[k] <= q.band_probabilities[k] + 1e-15);
            CHECK(q.band_probabilities[k] <= q.band_probabilities_max[k] + 1e-15);
        }
        CHECK(sum == doctest::Approx(1.0).epsilon(1e-12));
        CHECK(json["questions"][i]["verdict"]["text"] == q.verdict->text);
    }
}

TEST_CASE("audit: without --population no probabilities, and the output says why") {
    AuditOptions o;
    o.cases = {{1, 50}, {2, 32}};
    auto a = audit_published(fw(), read_published(test::source_path(kPublished), fw()), o);
    CHECK_FALSE(a.probabilities_computed);
    CHECK_FALSE(a.overall.verdict);
    auto text = render_audit(a, ReportFormat::table);
    CHECK(text.rfind("Summary\n  Overall: published Good (score 22 of 36); robustness not assessed: no population size", 0) == 0);
    CHECK(text.find("P(G)") == std::string::npos);
    auto json = nlohmann::json::parse(render_audit(a, ReportFormat::json));
    CHECK(json["overall"]["verdict"].is_null());
    CHECK(json["questions"][0]["band_probabilities"].is_null());
}

TEST_CASE("audit: band probabilities that would take too long are refused in words, not computed for minutes") {
    AuditOptions o;
    o.cases = {{1, 300}};
    o.population = {{1, 1000000}};
    auto table = parse_published("big.csv", "id,value\n2.1,Good\n2.1.1,84%\n", fw());
    auto a = audit_published(fw(), table, o);
    CHECK_FALSE(a.probabilities_computed);
    CHECK(a.probabilities.find("302982864 exact beta-binomial terms, more than 100000000") != std::string::npos);
    CHECK(render_audit(a, ReportFormat::table).find("Probabilities: not computed: the consistent pairs") != std::string::npos);
}

TEST_CASE("audit: a standard with only some key questions published says its probabilities come from those") {
    AuditOptions o;
    o.cases = {{1, 50}};
    o.population = {{1, 71}};
    auto table = parse_published("part.csv", "id,value\n2.1.1,84%\n2.1.2,74%\n2.1,Good\n", fw());
    auto a = audit_published(fw(), table, o);
    const auto& s = a.standards[4];
    REQUIRE(s.id == "2.1");
    REQUIRE(s.verdict);
    CHECK(s.verdict->text.find("; from its published key questions only (2.1.3 not published, which could lower it)") !=
          std::string::npos);
    CHECK(a.probabilities.find("standards 2.1 have only some key questions published") != std::string::npos);
    // Its probabilities are exactly the product over the two published questions.
    double at_least_good = 1;
    for (const auto& q : a.questions) at_least_good *= q.band_probabilities[G] + q.band_probabilities[O];
    CHECK(s.rating_probabilities[G] + s.rating_probabilities[O] == doctest::Approx(at_least_good).epsilon(1e-12));
}
