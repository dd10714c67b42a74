#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "casesample/error.hpp"
#include "casesample/framework.hpp"
#include "casesample/ratings.hpp"
#include "casesample/report_audit.hpp"
#include "test_support.hpp"

using namespace casesample;

namespace {

const Framework& fw() { return Framework::builtin(); }
const std::string kPublished = "fixtures/published/lancashire-2019.csv";

AuditOptions lancashire_options() {
    AuditOptions o;
    o.cases = {{1, 50}, {2, 32}};
    o.population = {{1, 71}, {2, 39}};
    return o;
}

void check_golden(const std::string& name, std::string actual) {
    // Paths in the output are written relative to the source folder, so the golden files hold no machine's paths.
    const std::string prefix = test::source_path("");
    for (auto pos = actual.find(prefix); pos != std::string::npos; pos = actual.find(prefix, pos))
        actual.erase(pos, prefix.size());
    std::string path = test::source_path("tests/golden/" + name);
    if (std::getenv("CASESAMPLE_UPDATE_GOLDEN")) {
        test::write_text(path, actual);
        return;
    }
    REQUIRE_MESSAGE(std::filesystem::exists(path), "golden file missing: " << path);
    std::string expected = test::read_text(path);
    if (expected == actual) return;
    std::size_t line = 1, i = 0;
    while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) {
        if (expected[i] == '\n') ++line;
        ++i;
    }
    FAIL_CHECK("output differs from " << path << " at line " << line);
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    REQUIRE(pos != std::string::npos);
    return text.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("Lancashire 2019 (seed 002, Annex 2): every published rating and the overall Good with score 22 follow") {
    auto table = read_published(test::source_path(kPublished), fw());
    CHECK(table.percents.size() == 23);
    CHECK(table.ratings.size() == 12);
    auto a = audit_published(fw(), table, lancashire_options());
    REQUIRE(a.standards.size() == 12);
    for (const auto& s : a.standards) {
        INFO(s.id << ": " << s.why);
        CHECK(s.published);
        CHECK(s.consistent);
        CHECK(s.computed.size() == 1);
    }
    CHECK(a.overall.consistent);
    CHECK(a.overall.score == 22);
    CHECK(a.overall.computed == std::set<std::size_t>{2});
    CHECK(a.all_consistent());
    CHECK(a.method == IntervalMethod::hypergeometric);
}

TEST_CASE("the consistent (yes, relevant) pairs are exactly those whose percentage prints as published") {
    auto table = read_published(test::source_path(kPublished), fw());
    auto a = audit_published(fw(), table, lancashire_options());
    for (const auto& q : a.questions) {
        std::size_t expected = 0;
        for (std::int64_t r = 1; r <= q.cases; ++r)
            for (std::int64_t y = 0; y <= r; ++y) {
                // In integers: 200 y against (2P - 1) r and (2P + 1) r.
                std::int64_t twice = 200 * y, lo = (2 * q.printed - 1) * r, hi = (2 * q.printed + 1) * r;
                if (twice > lo && twice < hi) ++expected;
                else if (twice == lo) ++expected;                          // P - 0.5: half up gives P
                else if (twice == hi && q.printed % 2 == 0) ++expected;    // P + 0.5: half to even gives P when even
            }
        INFO(fw().question(q.place).id);
        CHECK(q.pairs.size() == expected);
        for (const auto& p : q.pairs) {
            CHECK(p.relevant <= q.cases);
            CHECK((p.half_up || p.half_even));
            CHECK(q.lower <= p.interval.lower);
            CHECK(q.upper >= p.interval.upper);
        }
        const auto& w = q.pairs[q.widest];
        for (const auto& p : q.pairs)
            CHECK(p.interval.upper - p.interval.lower <= w.interval.upper - w.interval.lower + 1e-15);
    }
    // 2.1.1 printed 84% with 50 court cases includes seed 002's 42 of 50, robust on its own.
    const auto& q = a.questions.front();
    CHECK(fw().question(q.place).id == "2.1.1");
    bool found = false;
    for (const auto& p : q.pairs)
        if (p.yes == 42 && p.relevant == 50) {
            found = true;
            CHECK(*p.interval.lower_count == 57);
            CHECK(*p.interval.upper_count == 62);
            CHECK(p.robust_band == std::size_t{3});
        }
    CHECK(found);
    REQUIRE(q.all_relevant);
    CHECK(q.pairs[*q.all_relevant].yes == 42);
    CHECK(q.pairs[*q.all_relevant].relevant == 50);
}

TEST_CASE("half up and half to even are both considered where they differ") {
    // 5 of 8 is 62.5%: half up prints 63, half to even prints 62.
    auto t62 = parse_published("p.csv", "id,value\n2.1,Good\n2.1.1,62%\n", fw());
    AuditOptions o;
    o.cases = {{1, 8}};
    auto a = audit_published(fw(), t62, o);
    bool seen = false;
    for (const auto& p : a.questions[0].pairs)
        if (p.yes == 5 && p.relevant == 8) {
            seen = true;
            CHECK_FALSE(p.half_up);
            CHECK(p.half_even);
        }
    CHECK(seen);
    auto t63 = parse_published("p.csv", "id,value\n2.1,Good\n2.1.1,63\n", fw());
    auto b = audit_published(fw(), t63, o);
    seen = false;
    for (const auto& p : b.questions[0].pairs)
        if (p.yes == 5 && p.relevant == 8) {
            seen = true;
            CHECK(p.half_up);
            CHECK_FALSE(p.half_even);
        }
    CHECK(seen);
    CHECK(a.method == IntervalMethod::wilson);  // no population given
}

TEST_CASE("an inconsistent published rating is found and explained") {
    auto text = test::read_text(test::source_path(kPublished));
    auto bad = replaced(text, "2.1,Good", "2.1,Outstanding");
    auto a = audit_published(fw(), parse_published("p.csv", bad, fw()), lancashire_options());
    CHECK_FALSE(a.all_consistent());
    CHECK_FALSE(a.standards[4].consistent);
    CHECK(a.standards[4].why.find("published Outstanding but lowest key-question band Good (2.1.2 74%)") != std::string::npos);
    // The overall follows the computed standard ratings, so it is still Good (22).
    CHECK(a.overall.consistent);
    auto overall = replaced(text, "overall,Good", "overall,Outstanding");
    auto b = audit_published(fw(), parse_published("p.csv", overall, fw()), lancashire_options());
    CHECK_FALSE(b.overall.consistent);
    CHECK(b.overall.why.find("published Outstanding but total score 22 gives Good") != std::string::npos);
    // A printed 80% from up to 50 cases could be 39/49 = 79.6% (Good) or 80%+ (Outstanding): both are possible
    // on the exact share; on the printed percentage it is Outstanding.
    auto open_text = "id,value\n2.4.1,80%\n2.4.2,90%\n2.4.3,90%\n2.4,Good\n";
    auto open = audit_published(fw(), parse_published("p.csv", open_text, fw()),
                                AuditOptions{{{1, 50}}, {}, 0.8, std::nullopt, BandOn::exact});
    CHECK(open.questions[0].bands == std::set<std::size_t>{2, 3});
    CHECK(open.standards[7].computed == std::set<std::size_t>{2, 3});
    CHECK(open.standards[7].consistent);
    auto printed = audit_published(fw(), parse_published("p.csv", open_text, fw()),
                                   AuditOptions{{{1, 50}}, {}, 0.8, std::nullopt, BandOn::rounded});
    CHECK(printed.standards[7].computed == std::set<std::size_t>{3});
    CHECK_FALSE(printed.standards[7].consistent);
}

TEST_CASE("a bad published table is an input error at file:line:column") {
    struct Bad {
        std::string text;
        const char* message;
    };
    std::vector<Bad> bad = {
        {"id,value\n2.1,Good\n2.1.1,84.5%\n", "p.csv:3:2: '84.5%' is not a whole-number percentage for key question 2.1.1"},
        {"id,value\n2.1,Good\n2.1.1,120%\n", "p.csv:3:2: '120%' is not a whole-number percentage"},
        {"id,value\n2.1,Great\n", "p.csv:2:2: unknown rating 'Great' for standard 2.1"},
        {"id,value\n9.9,Good\n", "p.csv:2:1: '9.9' is neither a key question, a standard nor 'overall'"},
        {"id,value\n2.1,Good\n2.1,Good\n", "p.csv:3:1: '2.1' appears twice (first on line 2)"},
        {"id,value\noverall,Fine\n", "p.csv:2:2: unknown rating 'Fine'"},
        {"question,percent\n2.1.1,84\n", "p.csv:1: expected the columns 'id, value'"},
        {"id,value\n1.1.1,50%\n", "p.csv:2:1: key question 1.1.1 belongs to a domain rated by judgement"},
        // Nothing an audit could show: no percentage, or no rating to check against them.
        {"id,value\noverall,Good\n", "p.csv: no key question percentage in the table"},
        {"id,value\n2.1,Good\n", "p.csv: no key question percentage in the table"},
        {"id,value\n2.1.1,84%\n2.1.2,70%\n", "p.csv: no rating in the table"},
    };
    for (const auto& b : bad) {
        INFO(b.text);
        std::string message = "no error";
        try {
            parse_published("p.csv", b.text, fw());
        } catch (const InputError& e) {
            message = e.what();
        }
        CHECK(message.find(b.message) != std::string::npos);
        if (message.find(b.message) == std::string::npos) MESSAGE(message);
    }
    // A percentage no count can give with so few cases.
    AuditOptions o;
    o.cases = {{1, 2}};
    CHECK_THROWS_AS(audit_published(fw(), parse_published("p.csv", "id,value\n2.1,Good\n2.1.1,33%\n", fw()), o), InputError);
    CHECK_THROWS_AS(audit_published(fw(), parse_published("p.csv", "id,value\n2.1,Good\n2.1.1,50%\n", fw()), AuditOptions{}), UsageError);
}

TEST_CASE("casesample audit: golden output for Lancashire 2019, exit codes") {
    std::string args = "audit " + test::source_path(kPublished) + " --cases court=50,out-of-court=32 --population court=71,out-of-court=39";
    auto r = test::run_cli(args);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    check_golden("audit-lancashire-2019.txt", r.out);
    auto j = test::run_cli(args + " --format json");
    REQUIRE(j.exit_code == 0);
    check_golden("audit-lancashire-2019.json", j.out);
    for (const char* key : {"\"pairs\"", "\"widest_interval\"", "\"published\"", "\"computed\"", "\"consistent\"", "\"score\": 22"})
        CHECK(j.out.find(key) != std::string::npos);
    auto csv = test::run_cli(args + " --format csv");
    CHECK(csv.exit_code == 0);
    CHECK(csv.out.rfind("level,id,printed_percent", 0) == 0);

    auto dir = test::temp_dir();
    auto text = test::read_text(test::source_path(kPublished));
    test::write_text(dir + "/wrong.csv", replaced(text, "3.2,Outstanding", "3.2,Good"));
    auto wrong = test::run_cli("audit " + dir + "/wrong.csv --cases court=50,out-of-court=32");
    CHECK(wrong.exit_code == 1);  // a published rating does not follow
    CHECK(wrong.out.find("NO") != std::string::npos);
    // The summary at the top names the rating that does not follow, before anything else.
    CHECK(wrong.out.rfind("Summary\n  Does not follow from the rules: 1 published rating:\n"
                          "    3.2 Planning: published Good, the rules give Outstanding\n", 0) == 0);
    auto wrong_json = test::run_cli("audit " + dir + "/wrong.csv --cases court=50,out-of-court=32 --format json");
    CHECK(wrong_json.out.find("\"  3.2 Planning: published Good, the rules give Outstanding\"") != std::string::npos);
    for (std::string bad : {"audit " + test::source_path(kPublished),  // --cases missing
                            "audit " + test::source_path(kPublished) + " --cases court=50",  // out-of-court missing
                            "audit " + test::source_path(kPublished) + " --cases court=x,out-of-court=32",
                            "audit " + dir + "/none.csv --cases court=50,out-of-court=32",
                            "audit " + test::source_path(kPublished) + " --cases court=50,out-of-court=32 --method hypergeometric"}) {
        INFO(bad);
        auto e = test::run_cli(bad);
        CHECK(e.exit_code == 2);
        CHECK_FALSE(e.err.empty());
        CHECK(e.out.empty());
    }
}

TEST_CASE("audit --cases beyond 2000 is refused at once with a clear message, and partial populations are refused") {
    const std::string published = test::source_path(kPublished);
    auto big = test::run_cli("audit " + published + " --cases court=50000,out-of-court=32");
    CHECK(big.exit_code == 2);
    CHECK(big.err.find("--cases court must be a whole number from 1 to 2000, got '50000'") !=
          std::string::npos);
    CHECK(big.out.empty());
    auto negative = test::run_cli("audit " + published + " --cases court=-5,out-of-court=32");
    CHECK(negative.exit_code == 2);
    CHECK(negative.err.find("got '-5'") != std::string::npos);
    auto partial = test::run_cli("audit " + published + " --cases court=50,out-of-court=32 --population court=71");
    CHECK(partial.exit_code == 2);
    CHECK(partial.err.find("no count for the out-of-court cases") != std::string::npos);
}

TEST_CASE("the audit's pairs are every (yes, relevant) that rounds to the printed percentage, by brute force") {
    // The audit looks only near printed * relevant / 100: compare with a scan of every yes for every relevant.
    for (std::int64_t printed : {0, 1, 33, 50, 67, 84, 99, 100}) {
        for (std::int64_t cases : {1, 7, 32, 50, 203}) {
            INFO(printed << "% of at most " << cases);
            std::vector<std::pair<std::int64_t, std::int64_t>> expected;
            for (std::int64_t r = 1; r <= cases; ++r)
                for (std::int64_t y = 0; y <= r; ++y)
                    if (whole_percent(y, r, Rounding::half_up) == printed ||
                        whole_percent(y, r, Rounding::half_even) == printed)
                        expected.emplace_back(y, r);
            auto table = parse_published("p.csv", "id,value\n2.1,Good\n2.1.1," + std::to_string(printed) + "%\n", fw());
            AuditOptions o;
            o.cases = {{1, cases}};
            std::vector<std::pair<std::int64_t, std::int64_t>> got;
            try {
                auto a = audit_published(fw(), table, o);
                for (const auto& p : a.questions.at(0).pairs) got.emplace_back(p.yes, p.relevant);
            } catch (const InputError&) {
                // no pair at all
            }
            CHECK(got == expected);
        }
    }
}

TEST_CASE("audit says only what it has shown: nothing to audit is exit 2, unchecked ratings are not inconsistent") {
    auto dir = test::temp_dir();
    test::write_text(dir + "/overall.csv", "id,value\noverall,Good\n");
    auto r = test::run_cli("audit " + dir + "/overall.csv --cases court=50,out-of-court=32");
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == dir + "/overall.csv: no key question percentage in the table (expected rows such as 2.1.1,84%): "
                         "there is nothing to audit\n");
    test::write_text(dir + "/percent.csv", "id,value\n2.1.1,84%\n");
    r = test::run_cli("audit " + dir + "/percent.csv --cases court=50,out-of-court=32");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(dir + "/percent.csv: no rating in the table") == 0);

    // 2.2 and the overall cannot be computed from one published key question: shown as '-' in their rows, so the
    // summary line does not call them inconsistent, and names them.
    test::write_text(dir + "/some.csv", "id,value\n2.1.1,84%\n2.1.2,74%\n2.1.3,84%\n2.1,Good\n2.2,Good\noverall,Good\n");
    r = test::run_cli("audit " + dir + "/some.csv --cases court=50,out-of-court=32");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Every published rating that could be checked follows from the rules. Not checked (too few key "
                     "questions published to compute them): 2.2, overall.") != std::string::npos);
    CHECK(r.out.find("consistent: NO") == std::string::npos);
    auto j = nlohmann::json::parse(test::run_cli("audit " + dir + "/some.csv --cases court=50,out-of-court=32 --format json").out);
    CHECK(j["all_consistent"] == true);
    CHECK(j["unchecked"] == nlohmann::json::array({"2.2", "overall"}));
    for (const auto& s : j["standards"])
        if (s["id"] == "2.2") CHECK(s["consistent"].is_null());
}

TEST_CASE("a standard with only some key questions published is consistent when the missing ones can give its rating") {
    AuditOptions o = lancashire_options();
    // 2.1.1 at 80% is Good or Outstanding; 2.1.2 and 2.1.3 are not published and could be in any band.
    for (const char* rating : {"Inadequate", "Requires improvement", "Good", "Outstanding"}) {
        INFO(rating);
        auto a = audit_published(fw(), parse_published("p.csv", std::string("id,value\n2.1.1,80%\n2.1,") + rating + "\n", fw()), o);
        const auto& s = a.standards.at(4);
        REQUIRE(s.id == "2.1");
        CHECK(s.consistent);
        CHECK(s.computed.size() == 4);
        CHECK(s.why.find("2.1.2, 2.1.3") != std::string::npos);
        CHECK(a.all_consistent());
    }
    auto low = audit_published(fw(), parse_published("p.csv", "id,value\n2.1.1,80%\n2.1,Inadequate\n", fw()), o);
    CHECK(low.standards.at(4).why ==
          "consistent only if an unpublished key question (2.1.2, 2.1.3) is in the Inadequate band: the published ones "
          "give Good or Outstanding (2.1.1 80%)");
    // A published key question caps the rating: no missing question can raise it.
    auto capped = audit_published(fw(), parse_published("p.csv", "id,value\n2.1.1,30%\n2.1,Good\n", fw()), o);
    CHECK_FALSE(capped.standards.at(4).consistent);
    CHECK_FALSE(capped.all_consistent());
    CHECK(capped.standards.at(4).why.find("published Good but lowest key-question band Inadequate (2.1.1 30%); not "
                                          "published: 2.1.2, 2.1.3") == 0);
}
