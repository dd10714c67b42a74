#include <doctest/doctest.h>

#include <boost/random/uniform_int_distribution.hpp>
#include <filesystem>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "casesample/answers.hpp"
#include "casesample/error.hpp"
#include "casesample/framework.hpp"
#include "casesample/intervals.hpp"
#include "casesample/report.hpp"
#include "casesample/report_format.hpp"
#include "casesample/robustness.hpp"
#include "test_support.hpp"

using namespace casesample;

namespace {

const Framework& fw() { return Framework::builtin(); }
const std::string kAnswers = "fixtures/answers/lancashire-2019-answers.csv";
const std::string kTotals = "fixtures/answers/lancashire-2019-totals.csv";
const std::string kPublished = "fixtures/published/lancashire-2019.csv";

std::string input_error(const std::string& text) {
    try {
        parse_answers("answers.csv", text, fw());
    } catch (const InputError& e) {
        return e.what();
    }
    return "no error";
}

// The Annex 2 ratings of Lancashire 2019, in framework order.
const std::vector<std::string> kLancashire = {
    "Requires improvement", "Good", "Requires improvement", "Requires improvement",  // domain 1 (judgement)
    "Good", "Requires improvement", "Good", "Requires improvement",                  // court
    "Good", "Outstanding", "Outstanding", "Outstanding"};                            // out-of-court

ReportOptions lancashire_options() {
    ReportOptions o;
    o.population = {{1, 71}, {2, 39}};
    o.seed = 2019;
    o.draws = 2000;
    o.judgements = read_judgements(test::source_path(kPublished), fw());
    return o;
}

// Compares whole outputs with a golden file; CASESAMPLE_UPDATE_GOLDEN=1 rewrites the file instead.
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
    // Show the first line that differs.
    std::size_t line = 1, i = 0;
    while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) {
        if (expected[i] == '\n') ++line;
        ++i;
    }
    auto line_at = [](const std::string& s, std::size_t pos) {
        auto b = s.rfind('\n', pos == 0 ? 0 : pos - 1);
        b = (b == std::string::npos || pos == 0) ? 0 : b + 1;
        auto e = s.find('\n', pos);
        return s.substr(b, e == std::string::npos ? std::string::npos : e - b);
    };
    FAIL_CHECK("output differs from " << path << " at line " << line << "\nexpected: " << line_at(expected, i)
                                      << "\nactual:   " << line_at(actual, i));
}

}  // namespace

TEST_CASE("answers match Yes, No and N/A in their usual spellings (Y/N, 1/0, TRUE/FALSE) and nothing else") {
    for (const char* yes : {"Yes", "YES", "y", " yes ", "1", "TRUE", "true", "Y"}) CHECK(parse_answer(yes) == std::int8_t{1});
    for (const char* no : {"No", "n", "NO", "0", "FALSE", "False"}) CHECK(parse_answer(no) == std::int8_t{0});
    for (const char* na : {"N/A", "na", "NA", "not relevant", "Not Relevant", "not applicable", "Not Applicable",
                           "Not-applicable", "", "  "})
        CHECK(parse_answer(na) == std::int8_t{-1});
    for (const char* bad : {"Maybe", "2", "-1", "yes!", "truth", "N/A?", "10"}) CHECK_FALSE(parse_answer(bad));
}

TEST_CASE("wide, long and aggregate answers give the same totals for Lancashire 2019") {
    auto wide = read_answers(test::source_path(kAnswers), fw());
    CHECK(wide.layout == AnswerLayout::wide);
    REQUIRE(wide.cases.size() == 82);
    CHECK(wide.cases_read[1] == std::int64_t{50});
    CHECK(wide.cases_read[2] == std::int64_t{32});
    CHECK(wide.totals[1][0].yes == 42);
    CHECK(wide.totals[1][0].relevant == 50);

    // The same answers in the long layout, lower-case and abbreviated, in a shuffled order of rows.
    auto table = test::read_table(test::source_path(kAnswers));
    std::string long_text = "case_id,question,answer\n";
    std::vector<std::string> lines;
    for (const auto& row : table.rows)
        for (std::size_t c = 2; c < table.header.size(); ++c) {
            if (row[c].empty()) continue;
            std::string a = row[c] == "Yes" ? "y" : row[c] == "No" ? "n" : "not relevant";
            lines.push_back(row[0] + "," + table.header[c] + "," + a + "\n");
        }
    for (std::size_t i = 0; i < lines.size(); i += 7) long_text += lines[i];
    for (std::size_t i = 0; i < lines.size(); ++i)
        if (i % 7 != 0) long_text += lines[i];
    auto longs = parse_answers("long.csv", long_text, fw());
    CHECK(longs.layout == AnswerLayout::long_form);
    auto totals = read_answers(test::source_path(kTotals), fw());
    CHECK(totals.layout == AnswerLayout::aggregate);
    for (std::size_t d = 1; d <= 2; ++d)
        for (std::size_t q = 0; q < wide.totals[d].size(); ++q) {
            INFO("domain " << d << " question " << q);
            CHECK(longs.totals[d][q].yes == wide.totals[d][q].yes);
            CHECK(longs.totals[d][q].relevant == wide.totals[d][q].relevant);
            CHECK(totals.totals[d][q].yes == wide.totals[d][q].yes);
            CHECK(totals.totals[d][q].relevant == wide.totals[d][q].relevant);
        }
    CHECK(longs.cases_read[1] == std::int64_t{50});
    CHECK(totals.cases_read[2] == std::int64_t{32});
}

TEST_CASE("every bad answer file is an input error at file:line:column") {
    struct Bad {
        const char* what;
        std::string text;
        const char* message;
    };
    std::vector<Bad> bad = {
        {"an answer that is not one", "case_id,domain,2.1.1,2.1.2\nA,court,Yes,No\nB,court,Maybe,No\n",
         "answers.csv:3:3: answer 'Maybe' to 2.1.1 is not an answer (expected Yes, No, N/A or blank"},
        {"unknown domain", "case_id,domain,2.1.1\nA,custody,Yes\n", "answers.csv:2:2: unknown domain 'custody' (expected court, out-of-court)"},
        {"another domain's question", "case_id,domain,2.1.1,3.1.1\nA,court,Yes,No\n",
         "answers.csv:2:4: case 'A' is a court case but answers 3.1.1"},
        {"two domains without a domain column", "case_id,2.1.1,3.1.1\nA,Yes,No\n", "answers.csv:2:3: case 'A' is a court case"},
        {"duplicate case", "case_id,2.1.1\nA,Yes\nA,No\n", "answers.csv:3:1: case 'A' appears twice (first on line 2)"},
        {"empty case id", "case_id,2.1.1\n,Yes\n", "answers.csv:2:1: empty case_id"},
        {"no answers at all", "case_id,2.1.1\nA,\n", "answers.csv:2:1: case 'A' has no answers and no domain"},
        {"judged question", "case_id,1.1.1\nA,Yes\n", "answers.csv:1:2: key question 1.1.1 belongs to domain 1"},
        {"no question columns", "case_id,notes\nA,fine\n", "answers.csv:1: no column is a key question"},
        {"header only", "case_id,2.1.1\n", "answers.csv: no cases"},
        {"long: unknown question", "case_id,question,answer\nA,2.9.9,Yes\n", "answers.csv:2:2: unknown key question '2.9.9'"},
        {"long: bad answer", "case_id,question,answer\nA,2.1.1,Perhaps\n", "answers.csv:2:3: answer 'Perhaps' to 2.1.1"},
        {"long: twice", "case_id,question,answer\nA,2.1.1,Yes\nA,2.1.1,No\n", "answers.csv:3:2: case 'A' answers 2.1.1 twice (first on line 2)"},
        {"long: two domains", "case_id,question,answer\nA,2.1.1,Yes\nA,3.1.1,No\n", "answers.csv:3:2: case 'A' is a court case (line 2) but answers 3.1.1"},
        {"totals: yes above relevant", "question,yes,relevant\n2.1.1,51,50\n", "answers.csv:2:2: yes (51) is more than relevant (50)"},
        {"totals: not a number", "question,yes,relevant\n2.1.1,4x,50\n", "answers.csv:2:2: yes '4x' is not a whole number of cases"},
        {"totals: negative", "question,yes,relevant\n2.1.1,-1,50\n", "answers.csv:2:2: yes '-1' is not a whole number"},
        {"totals: twice", "question,yes,relevant\n2.1.1,4,5\n2.1.1,4,5\n", "answers.csv:3:1: key question 2.1.1 appears twice"},
        {"totals: relevant above cases", "question,yes,relevant,cases\n2.1.1,4,51,50\n", "answers.csv:2:3: relevant (51) is more than the cases read (50)"},
        {"unknown layout", "id,value\n2.1.1,84%\n", "answers.csv:1: cannot tell the layout"},
        {"a mistyped key question column", "case_id,domain,2.1.l,2.1.2\nA,court,Yes,No\n",
         "answers.csv:1:3: column '2.1.l' is not a key question of the framework (standard 2.1 has key questions 2.1.1, "
         "2.1.2, 2.1.3); did you mean 2.1.1? Rename the column, map it with --column 2.1.1=\"2.1.l\""},
        {"a key question not in the framework", "case_id,domain,2.1.1,2.1.10\nA,court,Yes,No\n",
         "answers.csv:1:4: column '2.1.10' is not a key question of the framework (standard 2.1 has key questions 2.1.1, "
         "2.1.2, 2.1.3); did you mean 2.1.1? (2.1.1 has a column already.)"},
        {"a standard's id as a column", "case_id,2.1.1,2.1\nA,Yes,No\n",
         "answers.csv:1:3: column '2.1' is not a key question of the framework"},
        {"a question with a prefix", "case_id,2.1.1,Q2.1.2\nA,Yes,No\n",
         "answers.csv:1:3: column 'Q2.1.2' is not a key question of the framework (standard 2.1 has key questions 2.1.1, "
         "2.1.2, 2.1.3); did you mean 2.1.2?"},
        {"one character off a key question", "case_id,2.1.1,l.1.1\nA,Yes,No\n",
         "answers.csv:1:3: column 'l.1.1' is not a key question of the framework; did you mean"},
        {"a mistyped question of another standard", "case_id,2.1.1,9.9.9\nA,Yes,No\n",
         "answers.csv:1:3: column '9.9.9' is not a key question of the framework. Rename the column"},
    };
    for (const auto& b : bad) {
        INFO(b.what);
        auto message = input_error(b.text);
        CHECK(message.find(b.message) != std::string::npos);
        if (message.find(b.message) == std::string::npos) MESSAGE(message);
    }
}

TEST_CASE("a wide answers file's other columns: read past with a note, or ignored as asked when they look like questions") {
    const auto& fw = casesample::Framework::builtin();
    // Columns unlike key questions (the fieldwork sheet's): not read, listed.
    auto set = casesample::parse_answers("answers.csv", "case_id,domain,Inspector,2.1.1,date read,notes\nA,court,Jo,Yes,2019-06-04,ok\n", fw);
    CHECK(set.columns_not_read == std::vector<std::string>{"Inspector", "date read", "notes"});
    CHECK(set.columns_ignored.empty());
    CHECK(set.cases.size() == 1);
    // Columns that look like key questions, passed over by name (matched ignoring case, spaces and punctuation).
    casesample::AnswerReadOptions read;
    read.ignore_columns = {"2.1.10", "q 2.1.2"};
    set = casesample::parse_answers("answers.csv", "case_id,2.1.1,2.1.10,Q2.1.2\nA,Yes,7,8\n", fw, read);
    CHECK(set.columns_ignored == std::vector<std::string>{"2.1.10", "Q2.1.2"});
    CHECK(set.cases.at(0).answers.at(0) == 1);
    // An ignored column that is not there is an error: it was meant for another file, or mistyped itself.
    read.ignore_columns = {"2.1.11"};
    try {
        casesample::parse_answers("answers.csv", "case_id,2.1.1\nA,Yes\n", fw, read);
        FAIL("no error");
    } catch (const casesample::InputError& e) {
        CHECK(std::string(e.what()) == "answers.csv:1: --ignore-column '2.1.11': the header has no such column");
    }
}

TEST_CASE("casesample report: a mistyped key question column stops it at file:1:column, --ignore-column passes it over") {
    using namespace casesample::test;
    auto dir = temp_dir();
    auto answers = read_text(source_path("fixtures/answers/lancashire-2019-answers.csv"));
    auto header_end = answers.find('\n');
    auto typo = answers;
    typo.replace(typo.find("2.1.1,"), 6, "2.1.l,");
    write_text(dir + "/typo.csv", typo);
    auto r = run_cli("report " + dir + "/typo.csv --population court=71,out-of-court=39 --seed 1 --draws 100");
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind(dir + "/typo.csv:1:3: column '2.1.l' is not a key question of the framework", 0) == 0);
    CHECK(r.err.find("did you mean 2.1.1?") != std::string::npos);
    // As the message says: mapped with --column, it reads as the file with 2.1.1.
    auto fixed = run_cli("report " + dir + "/typo.csv --population court=71,out-of-court=39 --seed 1 --draws 100 "
                         "--column 2.1.1=2.1.l");
    auto plain = run_cli("report " + source_path("fixtures/answers/lancashire-2019-answers.csv") +
                         " --population court=71,out-of-court=39 --seed 1 --draws 100");
    REQUIRE(fixed.exit_code == 0);
    CHECK(fixed.out == plain.out);

    // A column that is not an answer but looks like one: an error, unless named with --ignore-column.
    std::string extra;
    std::size_t at = 0;
    for (std::size_t line = 0; at < answers.size(); ++line) {
        auto end = answers.find('\n', at);
        extra += answers.substr(at, end - at) + (line == 0 ? ",2.1.10,Inspector\n" : ",3,Jo\n");
        at = end + 1;
    }
    (void)header_end;
    write_text(dir + "/extra.csv", extra);
    r = run_cli("report " + dir + "/extra.csv --population court=71,out-of-court=39 --seed 1 --draws 100");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("extra.csv:1:26: column '2.1.10' is not a key question of the framework") != std::string::npos);
    r = run_cli("report " + dir + "/extra.csv --population court=71,out-of-court=39 --seed 1 --draws 100 "
                "--ignore-column 2.1.10");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == plain.out);
    CHECK(r.err == "casesample: note: " + dir + "/extra.csv: a column not read as answers (not key questions of the "
                   "framework): 'Inspector'\n");
    r = run_cli("report " + dir + "/extra.csv --population court=71,out-of-court=39 --seed 1 --draws 100 "
                "--ignore-column 2.1.10 --ignore-column Inspector");
    CHECK(r.err.empty());
}

TEST_CASE("a question asked only of relevant cases has population N x relevant / n, rounded half up") {
    CHECK(relevant_population(71, 50, 50) == 71);
    CHECK(relevant_population(71, 48, 50) == 68);  // 68.16
    CHECK(relevant_population(71, 46, 50) == 65);  // 65.32
    CHECK(relevant_population(71, 1, 2) == 36);    // 35.5 rounds up
    CHECK(relevant_population(39, 26, 32) == 32);  // 31.6875
    for (std::int64_t n = 1; n <= 40; ++n)
        for (std::int64_t N = n; N <= 100; N += 7)
            for (std::int64_t r = 0; r <= n; ++r) {
                auto Nr = relevant_population(N, r, n);
                CHECK(Nr >= r);
                CHECK(std::abs(static_cast<double>(Nr) - static_cast<double>(N * r) / static_cast<double>(n)) <= 0.5);
            }
}

TEST_CASE("seed 002: 42 of 50 from 71 cases is robustly Outstanding though Wilson's interval straddles 80%") {
    auto wilson = proportion_interval(42, 50, 0.8, IntervalMethod::wilson);
    // statsmodels proportion_confint(42, 50, alpha=0.2, method="wilson") = (0.7629207322156353, 0.8954533333661701)
    CHECK(std::abs(wilson.lower - 0.7629207322156353) < 1e-9);
    CHECK(std::abs(wilson.upper - 0.8954533333661701) < 1e-9);
    CHECK(wilson.lower < 0.80);  // straddles the Outstanding line
    // scipy hypergeom, reference/README.md definition: M_lower = 57, M_upper = 62.
    auto exact = proportion_interval(42, 50, 0.8, IntervalMethod::hypergeometric, 71);
    REQUIRE(exact.lower_count);
    CHECK(*exact.lower_count == 57);
    CHECK(*exact.upper_count == 62);
    CHECK(100 * exact.lower == doctest::Approx(80.28).epsilon(1e-3));
    CHECK(100 * exact.upper == doctest::Approx(87.32).epsilon(1e-3));

    auto answers = parse_answers("one.csv", "question,yes,relevant,cases\n2.1.1,42,50,50\n", fw());
    ReportOptions o;
    o.population = {{1, 71}};
    o.draws = 0;
    auto r = build_report(fw(), answers, o);
    REQUIRE(r.questions.size() == 1);
    CHECK(r.method == IntervalMethod::hypergeometric);
    CHECK(r.questions[0].band == std::size_t{3});
    CHECK(r.questions[0].robust);
    o.method = IntervalMethod::wilson;
    auto w = build_report(fw(), answers, o);
    CHECK_FALSE(w.questions[0].robust);
}

TEST_CASE("exact band probabilities sum to 1 and match the beta-binomial counts band by band") {
    Engine engine(7);
    for (int trial = 0; trial < 300; ++trial) {
        auto n = boost::random::uniform_int_distribution<std::int64_t>(1, 60)(engine);
        auto N = n + boost::random::uniform_int_distribution<std::int64_t>(0, 200)(engine);
        auto x = boost::random::uniform_int_distribution<std::int64_t>(0, n)(engine);
        auto answers = parse_answers("t.csv", "question,yes,relevant,cases\n2.1.1," + std::to_string(x) + "," +
                                                  std::to_string(n) + "," + std::to_string(n) + "\n",
                                     fw());
        ReportOptions o;
        o.population = {{1, N}};
        o.draws = 0;
        auto r = build_report(fw(), answers, o);
        const auto& p = r.questions[0].band_probabilities;
        REQUIRE(p.size() == 4);
        INFO(x << " of " << n << " from " << N);
        CHECK(std::accumulate(p.begin(), p.end(), 0.0) == doctest::Approx(1.0).epsilon(1e-12));
        // Brute force: the band of each possible population count.
        auto dist = population_count_distribution(x, n, N);
        std::vector<double> brute(4, 0.0);
        for (std::size_t u = 0; u < dist.size(); ++u) {
            double share = static_cast<double>(x + static_cast<std::int64_t>(u)) / static_cast<double>(N);
            std::size_t b = share >= 0.8 - 1e-12 ? 3 : share >= 0.65 - 1e-12 ? 2 : share >= 0.5 - 1e-12 ? 1 : 0;
            brute[b] += dist[u];
        }
        for (std::size_t b = 0; b < 4; ++b) CHECK(p[b] == doctest::Approx(brute[b]).epsilon(1e-12));
        // A census is certain.
        if (n == N) CHECK(p[*r.questions[0].band] == doctest::Approx(1.0));
    }
}

TEST_CASE("the Lancashire 2019 answers reproduce every Annex 2 rating and the overall Good with score 22") {
    auto options = lancashire_options();
    for (const auto& file : {kAnswers, kTotals}) {
        INFO(file);
        auto answers = read_answers(test::source_path(file), fw());
        auto r = build_report(fw(), answers, options);
        REQUIRE(r.standards.size() == 12);
        for (std::size_t s = 0; s < 12; ++s) {
            INFO("standard " << fw().standard(r.standards[s].place).id);
            REQUIRE(r.standards[s].rating);
            CHECK(fw().ratings[*r.standards[s].rating].name == kLancashire[s]);
            const auto& p = r.standards[s].rating_probabilities;
            REQUIRE(p.size() == 4);
            CHECK(std::accumulate(p.begin(), p.end(), 0.0) == doctest::Approx(1.0));
        }
        CHECK(r.overall.score == 22);
        REQUIRE(r.overall.rating);
        CHECK(fw().ratings[*r.overall.rating].name == "Good");
        const auto& p = r.overall.rating_probabilities;
        REQUIRE(p.size() == 4);
        CHECK(std::accumulate(p.begin(), p.end(), 0.0) == doctest::Approx(1.0));
        CHECK(p[2] > 0.9);  // Good is robust
        // Every printed percentage is the published one.
        auto published = test::read_table(test::source_path(kPublished));
        for (const auto& q : r.questions) {
            for (const auto& row : published.rows)
                if (row[0] == fw().question(q.place).id) CHECK(std::to_string(*q.printed_percent) + "%" == row[1]);
        }
        CHECK(r.simulation == (answers.case_level() ? Simulation::polya_whole_cases : Simulation::polya_independent));
    }
}

TEST_CASE("the same seed gives the same rating probabilities, the report says which simulation it ran") {
    auto answers = read_answers(test::source_path(kAnswers), fw());
    auto a = render_report(build_report(fw(), answers, lancashire_options()), ReportFormat::json);
    auto b = render_report(build_report(fw(), answers, lancashire_options()), ReportFormat::json);
    CHECK(a == b);
    CHECK(a.find("\"polya-whole-cases\"") != std::string::npos);
    auto totals = read_answers(test::source_path(kTotals), fw());
    auto t = render_report(build_report(fw(), totals, lancashire_options()), ReportFormat::json);
    CHECK(t.find("\"polya-independent-questions\"") != std::string::npos);
    CHECK(t.find("treat the key questions as independent") != std::string::npos);
}

TEST_CASE("--band-on: 79.6% is Good on the exact share and Outstanding on the printed 80%") {
    auto answers = parse_answers("t.csv", "question,yes,relevant,cases\n2.1.1,39,49,49\n", fw());
    ReportOptions o;
    o.draws = 0;
    auto exact = build_report(fw(), answers, o);
    CHECK(exact.questions[0].band == std::size_t{2});
    o.band_on = BandOn::rounded;
    auto rounded = build_report(fw(), answers, o);
    CHECK(rounded.questions[0].band == std::size_t{3});
    CHECK(rounded.questions[0].printed_percent == 80);
}

TEST_CASE("judgements: by option or file, checked against the framework") {
    Judgements j;
    add_judgement(j, fw(), "1.1=Requires improvement");
    add_judgement(j, fw(), "1.2=\"good\"");
    CHECK(j["1.1"] == 1);
    CHECK(j["1.2"] == 2);
    CHECK_THROWS_AS(add_judgement(j, fw(), "2.1=Good"), UsageError);  // rated from key questions
    CHECK_THROWS_AS(add_judgement(j, fw(), "1.9=Good"), UsageError);
    CHECK_THROWS_AS(add_judgement(j, fw(), "1.1=Excellent"), UsageError);
    CHECK_THROWS_AS(add_judgement(j, fw(), "1.1"), UsageError);
    auto dir = test::temp_dir();
    test::write_text(dir + "/j.csv", "standard,rating\n1.1,Good\n1.3,Superb\n");
    try {
        read_judgements(dir + "/j.csv", fw());
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("j.csv:3:2: unknown rating 'Superb'") != std::string::npos);
    }
}

TEST_CASE("casesample report: golden output for Lancashire 2019") {
    std::string args = "report " + test::source_path(kAnswers) +
                       " --population court=71,out-of-court=39 --seed 2019 --judgements " + test::source_path(kPublished);
    auto r = test::run_cli(args);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    check_golden("report-lancashire-2019.txt", r.out);
    auto j = test::run_cli(args + " --format json --draws 1000");
    REQUIRE(j.exit_code == 0);
    // JSON holds full-precision probabilities: checked for its keys here, not byte for byte.
    for (const char* key : {"\"id\"", "\"domain\"", "\"standard\"", "\"relevant\"", "\"yes\"", "\"percent\"",
                            "\"lower\"", "\"upper\"", "\"method\"", "\"band\"", "\"band_probabilities\"", "\"robust\"",
                            "\"rating\"", "\"score\"", "\"rating_probabilities\"", "\"overall\"", "\"monte_carlo_error\""})
        CHECK(j.out.find(key) != std::string::npos);
    for (const char* format : {"csv", "markdown"}) {
        auto f = test::run_cli(args + " --draws 500 --format " + format);
        CHECK(f.exit_code == 0);
        CHECK(f.out.find("3.4.2") != std::string::npos);
    }
}

TEST_CASE("casesample report with a sample folder checks the case ids and takes the populations") {
    auto dir = test::temp_dir();
    auto table = test::read_table(test::source_path(kAnswers));
    std::string sample = "case_id,domain,disposal_type\n";
    for (const auto& row : table.rows) sample += row[0] + "," + row[1] + ",x\n";
    test::write_text(dir + "/sample.csv", sample);
    test::write_text(dir + "/manifest.json",
                     R"({"version": "0.1.0", "domains": [{"domain": "court", "eligible": 71, "sample_size": 50},
                         {"domain": "out-of-court", "eligible": 39, "sample_size": 32}]})");
    auto ok = test::run_cli("report " + test::source_path(kAnswers) + " --sample-dir " + dir + " --seed 1 --draws 200 --format json");
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("\"population\": 71") != std::string::npos);
    CHECK(ok.out.find("\"method\": \"hypergeometric\"") != std::string::npos);
    // A case that is not in the sample.
    test::write_text(dir + "/extra.csv", "case_id,domain,2.1.1\nLAN-C001,court,Yes\nSTRANGER,court,No\n");
    auto bad = test::run_cli("report " + dir + "/extra.csv --sample-dir " + dir);
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("extra.csv:3:1: case 'STRANGER' is not in the sample") != std::string::npos);
    CHECK(bad.out.empty());
    // A case drawn in the other domain.
    test::write_text(dir + "/wrong.csv", "case_id,domain,2.1.1\nLAN-O001,court,Yes\n");
    auto wrong = test::run_cli("report " + dir + "/wrong.csv --sample-dir " + dir);
    CHECK(wrong.exit_code == 2);
    CHECK(wrong.err.find("is an out-of-court case in the sample") != std::string::npos);
}

TEST_CASE("casesample report exit codes: 0 done, 2 bad input or options, and no half-written output") {
    auto dir = test::temp_dir();
    std::string answers = test::source_path(kAnswers);
    test::write_text(dir + "/bad.csv", "case_id,domain,2.1.1\nA,court,Yes\nB,court,Perhaps\n");
    auto r = test::run_cli("report " + dir + "/bad.csv --population court=71 --out " + dir + "/out.txt");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("bad.csv:3:3: answer 'Perhaps'") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir + "/out.txt"));
    for (std::string args : {"report " + answers + " --population court=0",
                             "report " + answers + " --population court=71,jail=3",
                             "report " + answers + " --population court=40,out-of-court=39",  // fewer than read
                             "report " + answers + " --method hypergeometric",
                             "report " + answers + " --method magic",
                             "report " + answers + " --judgement 1.1=Excellent",
                             "report " + answers + " --judgement 2.1=Good",
                             "report " + answers + " --confidence 1.2",
                             "report " + answers + " --band-on floor",
                             "report " + answers + " --framework /nonexistent.json",
                             "report " + dir + "/missing.csv",
                             "report " + answers + " --sample-dir " + dir + "/nowhere",
                             std::string("report")}) {
        INFO(args);
        auto e = test::run_cli(args);
        CHECK(e.exit_code == 2);
        CHECK_FALSE(e.err.empty());
        CHECK(e.out.empty());
    }
    auto ok = test::run_cli("report " + answers + " --out " + dir + "/report.md --format markdown --seed 3 --draws 100 "
                            "--population court=71,out-of-court=39");
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.empty());
    CHECK(test::read_text(dir + "/report.md").find("| 2.1.1 |") != std::string::npos);
    // Without populations: Wilson intervals and a note, no probabilities.
    auto nopop = test::run_cli("report " + answers);
    CHECK(nopop.exit_code == 0);
    CHECK(nopop.out.find("Intervals: wilson") != std::string::npos);
    CHECK(nopop.out.find("not computed") != std::string::npos);
}

TEST_CASE("a real draw's sample folder feeds the report: case ids and populations from casesample draw") {
    auto dir = test::temp_dir();
    auto draw = test::run_cli("draw " + test::source_path("fixtures/population.csv") +
                              " --fieldwork 2019-06-03 --seed 2019 --out " + dir + "/sample");
    REQUIRE(draw.exit_code == 0);
    auto sample = test::read_table(dir + "/sample/sample.csv");
    // Answers for every sampled case: a pattern that depends on the case's place in the sample.
    std::string answers = "case_id,domain,2.1.1,2.2.1,3.1.1\n";
    std::size_t i = 0;
    for (const auto& row : sample.rows) {
        std::string domain = row[sample.col("domain")];
        std::string a = (i++ % 5 == 0) ? "No" : "Yes";
        answers += row[sample.col("case_id")] + "," + domain + "," +
                   (domain == "court" ? a + "," + (i % 7 == 0 ? "N/A" : a) + "," : ",,") +
                   (domain == "court" ? "" : a) + "\n";
    }
    test::write_text(dir + "/answers.csv", answers);
    auto r = test::run_cli("report " + dir + "/answers.csv --sample-dir " + dir + "/sample --seed 5 --draws 500 --format json");
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find("\"population\": 71") != std::string::npos);
    CHECK(r.out.find("\"population\": 39") != std::string::npos);
    CHECK(r.out.find("\"polya-whole-cases\"") != std::string::npos);
}

TEST_CASE("--framework: another framework is used, a malformed one is exit code 2 at file:line:column") {
    auto dir = test::temp_dir();
    test::write_text(dir + "/fw.json", R"({"name": "two bands",
  "ratings": [{"name": "Not met", "score": 0, "min_percent": 0}, {"name": "Met", "score": 1, "min_percent": 75}],
  "overall": [{"rating": "Not met", "min_score": 0, "max_score": 0}, {"rating": "Met", "min_score": 1, "max_score": 1}],
  "domains": [{"id": "A", "name": "Casework", "rated_by": "key questions", "sample_domain": "court",
    "standards": [{"id": "A1", "name": "Assessment", "key_questions": [{"id": "A1.1", "text": "Assessed well?"}]}]}]})");
    test::write_text(dir + "/answers.csv", "case_id,A1.1\nc1,Yes\nc2,Yes\nc3,Yes\nc4,No\n");
    auto r = test::run_cli("report " + dir + "/answers.csv --framework " + dir + "/fw.json --population court=10 --seed 1 --draws 100");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Met") != std::string::npos);
    CHECK(r.out.find("Overall: Met (score 1 of 1)") != std::string::npos);
    test::write_text(dir + "/bad.json", "{\n  \"name\": \"x\",\n  \"ratings\": [1, 2,]\n}\n");
    auto bad = test::run_cli("report " + dir + "/answers.csv --framework " + dir + "/bad.json");
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("bad.json:3:") != std::string::npos);
    CHECK(bad.err.find("not a readable framework: this is not valid JSON") != std::string::npos);
    auto audit = test::run_cli("audit " + test::source_path(kPublished) + " --cases court=50 --framework " + dir + "/bad.json");
    CHECK(audit.exit_code == 2);
}

TEST_CASE("with totals only, simulated standard and overall rating probabilities match the exact product of independent urns") {
    // Independent Pólya urns: question q's unread relevant cases hold U_q ~ BetaBinomial(R_q - n_q, x_q, n_q - x_q)
    // 'yes'. A standard's rating is the lowest band, so P(rating >= k) = prod_q P(band_q >= k), exactly.
    auto totals = read_answers(test::source_path(kTotals), fw());
    auto options = lancashire_options();
    options.draws = 20000;
    auto r = build_report(fw(), totals, options);
    std::map<std::string, std::vector<double>> at_least;  // standard -> P(rating >= k)
    for (const auto& q : r.questions) {
        auto R = *q.population;
        auto pmf = beta_binomial_pmf(R - q.relevant, static_cast<double>(q.yes), static_cast<double>(q.relevant - q.yes));
        std::vector<double> band(4, 0.0);
        for (std::size_t u = 0; u < pmf.size(); ++u)
            band[band_of_share(fw(), q.yes + static_cast<std::int64_t>(u), R, BandOn::exact)] += pmf[u];
        auto id = fw().domains[q.place.domain].standards[q.place.standard].id;
        auto& p = at_least.try_emplace(id, std::vector<double>(4, 1.0)).first->second;
        double tail = 0;
        for (std::size_t k = 4; k-- > 0;) {
            tail += band[k];
            p[k] *= tail;
        }
    }
    for (const auto& s : r.standards) {
        if (s.judged) continue;
        const auto& id = fw().standard(s.place).id;
        const auto& ge = at_least[id];
        for (std::size_t k = 0; k < 4; ++k) {
            double exact = ge[k] - (k + 1 < 4 ? ge[k + 1] : 0.0);
            double se = std::max(monte_carlo_error(exact, options.draws), 1e-4);
            INFO("standard " << id << " rating " << k << " exact " << exact << " simulated " << s.rating_probabilities[k]);
            CHECK(std::abs(s.rating_probabilities[k] - exact) < 5 * se);
        }
    }
    // Standards are independent here too: the total score's distribution is their convolution.
    std::vector<double> score(37, 0.0);
    score[0] = 1.0;
    for (const auto& s : r.standards) {
        std::vector<double> p(4, 0.0);
        if (s.judged) {
            p[*s.rating] = 1.0;
        } else {
            const auto& ge = at_least[fw().standard(s.place).id];
            for (std::size_t k = 0; k < 4; ++k) p[k] = ge[k] - (k + 1 < 4 ? ge[k + 1] : 0.0);
        }
        std::vector<double> next(37, 0.0);
        for (std::size_t t = 0; t < 37; ++t)
            for (std::size_t k = 0; k < 4; ++k)
                if (t + k < 37) next[t + k] += score[t] * p[k];
        score = next;
    }
    std::vector<double> overall(4, 0.0);
    for (int t = 0; t <= 36; ++t) overall[overall_rating(fw(), t)] += score[static_cast<std::size_t>(t)];
    for (std::size_t k = 0; k < 4; ++k) {
        double se = std::max(monte_carlo_error(overall[k], options.draws), 1e-4);
        INFO("overall rating " << k << " exact " << overall[k] << " simulated " << r.overall.rating_probabilities[k]);
        CHECK(std::abs(r.overall.rating_probabilities[k] - overall[k]) < 5 * se);
    }
}

// ---- trial defects: numeric options, partial populations, missing key questions ----

TEST_CASE("report --draws and --seed must be whole numbers in range, quoting what was typed") {
    const std::string answers = test::source_path(kAnswers);
    const std::string pop = " --population court=71,out-of-court=39";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"--draws -1", "--draws must be a whole number from 0 to 10000000, got '-1'"},
        {"--draws 99999999999999", "--draws must be a whole number from 0 to 10000000, got '99999999999999'"},
        {"--draws 10000001", "got '10000001'"},
        {"--draws 1e3", "got '1e3'"},
        {"--seed -2", "--seed must be a whole number from 0 to 18446744073709551615, got '-2'"},
        {"--seed 18446744073709551616", "got '18446744073709551616'"},
        {"--seed 1.5", "got '1.5'"},
    };
    for (const auto& c : cases) {
        const std::string& args = c.first;  // not a structured binding: INFO captures it in a lambda (clang 14)
        const std::string& message = c.second;
        INFO(args);
        auto r = test::run_cli("report " + answers + pop + " " + args);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(message) != std::string::npos);
        CHECK(r.out.empty());
    }
    auto huge = test::run_cli("report " + answers + " --population court=71,out-of-court=99999999999");
    CHECK(huge.exit_code == 2);
    CHECK(huge.err.find("must be a whole number from 1 to 1000000, got '99999999999'") != std::string::npos);
    auto top = test::run_cli("report " + answers + pop + " --draws 20 --seed 18446744073709551615");
    CHECK(top.exit_code == 0);
    CHECK(top.out.find("seed 18446744073709551615") != std::string::npos);
    auto none = test::run_cli("report " + answers + pop + " --draws 0 --seed 0");
    CHECK(none.exit_code == 0);
}

TEST_CASE("report --population naming only some answered domains is a usage error naming the missing one") {
    const std::string answers = test::source_path(kAnswers);
    auto r = test::run_cli("report " + answers + " --population court=71 --draws 10 --seed 1");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("no count for the out-of-court cases") != std::string::npos);
    CHECK(r.out.empty());
    auto other = test::run_cli("report " + answers + " --population out-of-court=39 --draws 10 --seed 1");
    CHECK(other.exit_code == 2);
    CHECK(other.err.find("no count for the court cases") != std::string::npos);
    // Answers of one domain only: its population alone is enough.
    auto dir = test::temp_dir();
    test::write_text(dir + "/court.csv", "question,yes,relevant,cases\n2.1.1,42,50,50\n2.1.2,37,50,50\n");
    auto one = test::run_cli("report " + dir + "/court.csv --population court=71 --draws 10 --seed 1");
    CHECK(one.exit_code == 0);
    CHECK(one.out.find("Intervals: hypergeometric") != std::string::npos);
}

TEST_CASE("a key question missing from the answers is said in every report format") {
    auto dir = test::temp_dir();
    // The Lancashire totals without 2.1.3.
    std::string totals = test::read_text(test::source_path(kTotals));
    auto at = totals.find("2.1.3,");
    REQUIRE(at != std::string::npos);
    totals.erase(at, totals.find('\n', at) + 1 - at);
    test::write_text(dir + "/totals.csv", totals);
    const std::string base = "report " + dir + "/totals.csv --population court=71,out-of-court=39 --draws 10 --seed 1";
    for (const char* format : {"table", "markdown", "json", "csv"}) {
        INFO(format);
        auto r = test::run_cli(base + " --format " + format);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("2.1.3") != std::string::npos);
        if (std::string(format) == "csv") {
            CHECK(r.out.find("missing_questions") != std::string::npos);
        } else {
            CHECK(r.out.find("Key question 2.1.3 is missing from the answers: standard 2.1 is rated from its other key "
                             "questions only.") != std::string::npos);
        }
        if (std::string(format) == "json") CHECK(r.out.find("\"missing_questions\": [\n        \"2.1.3\"") != std::string::npos);
    }
    // With every question present, nothing is said.
    auto full = test::run_cli("report " + test::source_path(kTotals) + " --population court=71,out-of-court=39 --draws 10 --seed 1");
    CHECK(full.out.find("missing from the answers") == std::string::npos);
    // The library call: the standard records its missing question, and the rating comes from the others.
    auto set = read_answers(dir + "/totals.csv", fw());
    auto rep = build_report(fw(), set, lancashire_options());
    bool found = false;
    for (const auto& s : rep.standards)
        if (fw().standard(s.place).id == "2.1") {
            found = true;
            CHECK(s.missing_questions == std::vector<std::string>{"2.1.3"});
            CHECK(s.rating.has_value());
        } else {
            CHECK(s.missing_questions.empty());
        }
    CHECK(found);
}

TEST_CASE("a case of the other domain is called an out-of-court case, with the right article") {
    auto dir = test::temp_dir();
    test::write_text(dir + "/long.csv", "case_id,question,answer\nA,3.1.1,Yes\nA,2.1.1,Yes\n");
    auto r = test::run_cli("report " + dir + "/long.csv");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("is an out-of-court case") != std::string::npos);
    CHECK(r.err.find("is a out-of-court") == std::string::npos);
}
