#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "casesample/answers.hpp"
#include "casesample/csv.hpp"
#include "casesample/framework.hpp"
#include "casesample/intervals.hpp"
#include "casesample/population.hpp"
#include "casesample/progress.hpp"
#include "casesample/report.hpp"
#include "casesample/report_audit.hpp"
#include "test_support.hpp"

using namespace casesample;

namespace {

std::size_t columns(const std::string& text) {
    std::size_t n = 0;
    for (unsigned char c : text) n += (c & 0xC0) != 0x80;
    return n;
}

const std::string kAnswers = "fixtures/answers/lancashire-2019-answers.csv";
const std::string kTotals = "fixtures/answers/lancashire-2019-totals.csv";
const std::string kPublished = "fixtures/published/lancashire-2019.csv";

}  // namespace

TEST_CASE("a progress line fills the terminal's width exactly, and gives way on narrow ones") {
    Progress p;
    p.begin("Pólya draws", 10000000);
    p.reach(4812000);
    for (std::size_t width : {20, 40, 60, 79, 120, 200}) {
        auto line = progress_line(p.snapshot(), 7.0, width);
        CAPTURE(line);
        CHECK(columns(line) == width);
        CHECK(line.find('\n') == std::string::npos);
        CHECK(line.find('\r') == std::string::npos);
    }
    auto wide = progress_line(p.snapshot(), 7.0, 120);
    CHECK(wide.rfind("Pólya draws  [################", 0) == 0);
    CHECK(wide.find(" 48%") != std::string::npos);
    CHECK(wide.find("4,812,000 / 10,000,000") != std::string::npos);
    CHECK(wide.find("0:08 left") != std::string::npos);  // 7 s for 48.12%: 7.55 s to go
    // Narrow: the counts go first, then the time left; the bar and the percentage stay.
    auto narrow = progress_line(p.snapshot(), 7.0, 40);
    CHECK(narrow.find("4,812,000") == std::string::npos);
    CHECK(narrow.find(" 48%") != std::string::npos);
    CHECK(narrow.find('[') != std::string::npos);
}

TEST_CASE("a progress line says 100% only when everything is done, and copes with unknown totals") {
    Progress p;
    p.begin("computing intervals", 1000);
    p.reach(999);
    CHECK(progress_line(p.snapshot(), 1, 100).find(" 99%") != std::string::npos);
    p.reach(1000);
    CHECK(progress_line(p.snapshot(), 1, 100).find("100%") != std::string::npos);
    CHECK(progress_line(p.snapshot(), 1, 100).find("left") == std::string::npos);
    p.begin("drawing the sample", 0);
    CHECK(progress_line(p.snapshot(), 65, 60).rfind("drawing the sample  1:05", 0) == 0);
    p.advance(12345);
    CHECK(progress_line(p.snapshot(), 3725, 60).rfind("drawing the sample  12,345 so far  1:02:05", 0) == 0);
    CHECK(progress_line(Progress{}.snapshot(), 0, 30).rfind("working", 0) == 0);
}

TEST_CASE("report counts every Pólya draw on the progress it is given, and gives the same report") {
    const auto& fw = Framework::builtin();
    auto answers = read_answers(test::source_path(kAnswers), fw);
    ReportOptions o;
    o.population = {{1, 71}, {2, 39}};
    o.seed = 2019;
    o.draws = 3000;
    auto without = build_report(fw, answers, o);
    Progress p;
    o.progress = &p;
    auto with = build_report(fw, answers, o);
    auto s = p.snapshot();
    CHECK(std::string(s.stage) == "Pólya draws");
    CHECK(s.total == 3000);
    CHECK(s.done == 3000);
    CHECK(with.overall.rating_probabilities == without.overall.rating_probabilities);

    SUBCASE("totals only: the independent simulation counts too") {
        auto totals = read_answers(test::source_path(kTotals), fw);
        Progress q;
        o.progress = &q;
        o.draws = 1234;
        build_report(fw, totals, o);
        CHECK(q.snapshot().done == 1234);
        CHECK(q.snapshot().total == 1234);
    }
}

TEST_CASE("audit counts every (yes, relevant) pair it tries, up to the total it announced") {
    const auto& fw = Framework::builtin();
    auto table = read_published(test::source_path(kPublished), fw);
    AuditOptions o;
    o.cases = {{1, 500}, {2, 320}};
    Progress p;
    o.progress = &p;
    auto audit = audit_published(fw, table, o);
    auto s = p.snapshot();
    CHECK(std::string(s.stage) == "checking published percentages");
    CHECK(s.total > 0);
    CHECK(s.done == s.total);
    std::size_t pairs = 0;
    for (const auto& q : audit.questions) pairs += q.pairs.size();
    CHECK(s.total >= pairs);  // candidates include those the exact rounding check then drops
}

TEST_CASE("many intervals on several threads count every row once") {
    std::vector<IntervalRequest> requests;
    for (int i = 0; i < 5003; ++i) requests.push_back({i % 40, 40, 0.8, IntervalMethod::wilson, std::nullopt});
    for (unsigned threads : {1u, 3u}) {
        Progress p;
        auto results = proportion_intervals(requests, threads, &p);
        CHECK(results.size() == requests.size());
        CHECK(p.snapshot().total == 5003);
        CHECK(p.snapshot().done == 5003);
    }
}

TEST_CASE("reading a population follows the bytes parsed to the end of the file") {
    std::string text = "case_id,disposal_type,disposal_date,gender,rosh,swb\n";
    for (int i = 0; i < 40000; ++i)
        text += "C" + std::to_string(i) + ",Referral Order,2019-01-01,Male,Low,Medium\n";
    auto reader = CsvReader::from_string("pop.csv", text);
    PopulationOptions o;
    Progress p;
    o.progress = &p;
    auto pop = parse_population(reader, o);
    CHECK(pop.size() == 40000);
    CHECK(std::string(p.snapshot().stage) == "reading cases");
    CHECK(p.snapshot().total == text.size());
    CHECK(p.snapshot().done == text.size());
}

TEST_CASE("no progress bar when stderr is not a terminal, even for long work and no delay") {
    // The tests run without a terminal: stderr is a file here, and must hold nothing but real messages.
    ::setenv("CASESAMPLE_PROGRESS_DELAY", "0", 1);
    const std::string src = test::source_path("");
    auto r = test::run_cli("report " + src + kAnswers +
                           " --population court=71,out-of-court=39 --seed 1 --draws 200000 "
                           "--format csv");
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find('\r') == std::string::npos);
    auto a = test::run_cli("audit " + src + kPublished + " --cases court=900,out-of-court=900 --format csv");
    CHECK(a.err.find('\r') == std::string::npos);
    CHECK(a.err.find("checking published") == std::string::npos);
    ::unsetenv("CASESAMPLE_PROGRESS_DELAY");
}
