// HTML pages: structure, escaping, self-containment. (How they look in a browser: tests/html_in_chromium.sh.)
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "casesample/answers.hpp"
#include "casesample/framework.hpp"
#include "casesample/output.hpp"
#include "casesample/report.hpp"
#include "casesample/report_format.hpp"
#include "casesample/report_html.hpp"
#include "test_support.hpp"

using namespace casesample;

namespace {

const std::string kAnswers = "fixtures/answers/lancashire-2019-answers.csv";
const std::string kPublished = "fixtures/published/lancashire-2019.csv";

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
    return n;
}

Report report_of(const Framework& fw, const std::string& answers_path, bool populations = true) {
    ReportOptions o;
    if (populations) o.population = {{1, 71}, {2, 39}};
    o.seed = 7;
    o.draws = 500;
    o.judgements = read_judgements(test::source_path(kPublished), fw);
    return build_report(fw, read_answers(answers_path, fw), o);
}

void check_self_contained(const std::string& html) {
    for (const char* outside : {"http://", "https://", "<script", "<link", "<img", "<iframe", "src=", "url(", "@import"}) {
        INFO(outside);
        CHECK(html.find(outside) == std::string::npos);
    }
    CHECK(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0) == 0);
    CHECK(count(html, "<meta charset=\"utf-8\">") == 1);
    CHECK(count(html, "<meta name=\"viewport\"") == 1);
    CHECK(count(html, "<style>") == 1);
    CHECK(html.find("@media print") != std::string::npos);
    CHECK(html.find("size: A4") != std::string::npos);
    CHECK(count(html, "<h1>") == 1);
    for (const char* tag : {"section", "table", "svg", "div", "span", "ul", "li", "footer", "main"}) {
        INFO(tag);
        CHECK(count(html, "<" + std::string(tag) + ">") + count(html, "<" + std::string(tag) + " ") ==
              count(html, "</" + std::string(tag) + ">"));
    }
    CHECK(html.substr(html.size() - 8) == "</html>\n");
}

}  // namespace

TEST_CASE("html_escape: the five special characters and control characters") {
    CHECK(html_escape("a < b & c > d \"e\" 'f'") == "a &lt; b &amp; c &gt; d &quot;e&quot; &#39;f&#39;");
    CHECK(html_escape(std::string("x\x01y\x1b[31m")) == "x\xEF\xBF\xBDy\xEF\xBF\xBD[31m");
    CHECK(html_escape("tab\tand\nnewline, Pólya") == "tab\tand\nnewline, Pólya");
}

TEST_CASE("report page: summary first, one interval mark per key question, bands named, self-contained") {
    const auto& fw = Framework::builtin();
    auto r = report_of(fw, test::source_path(kAnswers));
    auto html = render_report_html(r, {{"answers SHA-256", "abc123"}});
    check_self_contained(html);
    // The verdict summary comes before everything else.
    auto summary = html.find("id=\"summary\"");
    REQUIRE(summary != std::string::npos);
    CHECK(summary < html.find("id=\"questions\""));
    CHECK(html.find("id=\"questions\"") < html.find("id=\"forest\""));
    CHECK(html.find("id=\"forest\"") < html.find("id=\"ratings\""));
    CHECK(html.find(html_escape(report_summary(r)[0])) != std::string::npos);
    // One interval mark per key question, each naming its question once.
    std::size_t with_interval = 0;
    for (const auto& q : r.questions) {
        if (!q.interval) continue;
        ++with_interval;
        CHECK(count(html, "<g class=\"interval\" data-question=\"" + fw.question(q.place).id + "\">") == 1);
    }
    CHECK(with_interval == 23);
    CHECK(count(html, "class=\"interval\"") == with_interval);
    // Every band is written in words beside its colour.
    for (const auto& q : r.questions)
        CHECK(html.find("<span class=\"badge b" + std::to_string(*q.band) + "\">" + fw.ratings[*q.band].name + "</span>") !=
              std::string::npos);
    // A stacked bar for the overall rating and every standard rated from key questions, with its verdict.
    CHECK(count(html, "<div class=\"stack\"") == 1 + 8);
    for (const auto& s : r.standards) CHECK(html.find(html_escape(s.verdict->text.substr(s.verdict->text.find(": ") + 2))) != std::string::npos);
    // The foot: what it was made from.
    CHECK(html.find("abc123") != std::string::npos);
    CHECK(html.find("seed 7") != std::string::npos);
    CHECK(html.find(CASESAMPLE_VERSION) != std::string::npos);
    // Same report, same bytes; and render_report gives the same page.
    CHECK(render_report_html(r, {{"answers SHA-256", "abc123"}}) == html);
    CHECK(render_report(r, ReportFormat::html) == render_report_html(r));
}

TEST_CASE("report page: every text from the input is escaped") {
    Framework fw = Framework::builtin();
    fw.name = "Framework <b>bold</b> & co";
    fw.domains[1].standards[0].name = "Assessment <i>'quoted'</i>";
    fw.domains[1].standards[0].key_questions[0].text = "<script>alert(\"x\")</script> & more";
    fw.ratings[2].name = "Good <u>";
    const std::string dir = test::temp_dir();
    const std::string answers = dir + "/a<b>&.csv";
    std::filesystem::copy_file(test::source_path(kAnswers), answers);
    ReportOptions o;
    o.population = {{1, 71}, {2, 39}};
    o.draws = 200;
    auto r = build_report(fw, read_answers(answers, fw), o);
    auto html = render_report_html(r, {{"command <x>", "casesample report 'a<b>&.csv'"}});
    check_self_contained(html);
    CHECK(html.find("<script>") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more") != std::string::npos);
    CHECK(html.find("Framework &lt;b&gt;bold&lt;/b&gt; &amp; co") != std::string::npos);
    CHECK(html.find("Assessment &lt;i&gt;&#39;quoted&#39;&lt;/i&gt;") != std::string::npos);
    CHECK(html.find("Good &lt;u&gt;") != std::string::npos);
    CHECK(html.find("a&lt;b&gt;&amp;.csv") != std::string::npos);
    CHECK(html.find("command &lt;x&gt;") != std::string::npos);
    for (const char* raw : {"<b>bold", "<i>", "<u>", "<x>", "a<b>"}) CHECK(html.find(raw) == std::string::npos);
}

TEST_CASE("report page: a question without relevant cases has no mark, and no populations means no bars") {
    const auto& fw = Framework::builtin();
    const std::string dir = test::temp_dir();
    test::write_text(dir + "/totals.csv", "question,yes,relevant,cases\n2.1.1,42,50,50\n2.1.2,0,0,50\n2.1.3,40,50,50\n");
    auto r = report_of(fw, dir + "/totals.csv");
    auto html = render_report_html(r);
    check_self_contained(html);
    CHECK(count(html, "class=\"interval\"") == 2);
    CHECK(html.find("no relevant case") != std::string::npos);
    auto none = report_of(fw, test::source_path(kAnswers), false);
    auto plain = render_report_html(none);
    check_self_contained(plain);
    CHECK(count(plain, "class=\"interval\"") == 23);
    CHECK(count(plain, "<div class=\"stack\"") == 0);
    CHECK(plain.find("Rating probabilities not computed: no population size") != std::string::npos);
}

TEST_CASE("casesample report --format html and draw --html write pages, bad --html paths are refused") {
    const std::string dir = test::temp_dir();
    auto r = test::run_cli("report " + test::source_path(kAnswers) + " --population court=71,out-of-court=39 --seed 1 "
                           "--draws 200 --format html --out " + dir + "/report.html");
    REQUIRE(r.exit_code == 0);
    auto page = test::read_text(dir + "/report.html");
    check_self_contained(page);
    CHECK(page.find("answers SHA-256") != std::string::npos);
    CHECK(count(page, "class=\"interval\"") == 23);

    const std::string draw = "draw " + test::source_path("fixtures/population.csv") +
                             " --fieldwork 2019-06-03 --seed 2019 --reserve 5 ";
    auto d = test::run_cli(draw + "--out " + dir + "/sample --html " + dir + "/draw.html");
    REQUIRE(d.exit_code == 0);
    CHECK(d.out.find("Page of the draw written to " + dir + "/draw.html") != std::string::npos);
    auto html = test::read_text(dir + "/draw.html");
    check_self_contained(html);
    auto balance = test::read_table(dir + "/sample/balance.csv");
    CHECK(count(html, "class=\"pair\"") == balance.rows.size());
    CHECK(html.find("2019 (") == std::string::npos);  // the seed was given, not chosen
    CHECK(html.find("<td>seed</td><td>2019</td>") != std::string::npos);
    CHECK(html.find("population SHA-256") != std::string::npos);
    CHECK(html.find(sha256_hex(test::read_text(test::source_path("fixtures/population.csv")))) != std::string::npos);
    // Not a single case id on the page.
    auto sample = test::read_table(dir + "/sample/sample.csv");
    for (const auto& row : sample.rows) CHECK(html.find(">" + row[0] + "<") == std::string::npos);
    for (const auto& row : sample.rows) CHECK(html.find(row[0]) == std::string::npos);

    // Inside the folder: written with the sample.
    auto inside = test::run_cli(draw + "--out " + dir + "/s2 --html " + dir + "/s2/draw.html");
    CHECK(inside.exit_code == 0);
    CHECK(std::filesystem::exists(dir + "/s2/draw.html"));
    // A folder that does not exist, a folder's own file, a folder as the page: exit 2, nothing written.
    auto missing = test::run_cli(draw + "--out " + dir + "/s3 --html " + dir + "/nowhere/draw.html");
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("--html " + dir + "/nowhere/draw.html: the folder " + dir + "/nowhere does not exist") !=
          std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir + "/s3"));
    auto own = test::run_cli(draw + "--out " + dir + "/s4 --html " + dir + "/s4/manifest.json");
    CHECK(own.exit_code == 2);
    CHECK(own.err.find("would replace the sample folder's own manifest.json") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir + "/s4/manifest.json"));
    auto folder = test::run_cli(draw + "--out " + dir + "/s5 --html " + dir);
    CHECK(folder.exit_code == 2);
    CHECK(folder.err.find("--html needs the name of a file to write") != std::string::npos);
    // audit has no HTML format.
    auto audit = test::run_cli("audit " + test::source_path(kPublished) + " --cases court=50,out-of-court=32 --format html");
    CHECK(audit.exit_code == 2);
}

TEST_CASE("index page: every service linked (paths percent-encoded), failures marked, texts escaped") {
    CHECK(url_path("St Helens/report.html") == "St%20Helens/report.html");
    CHECK(url_path("a&b<c>/\"x\"#?.html") == "a%26b%3Cc%3E/%22x%22%23%3F.html");
    std::vector<HtmlIndexRow> rows = {{"Lancashire", "Lancashire/report.html", {"ok", "Good"}, false},
                                      {"St Helens", "St Helens/draw.html", {"ok", "-"}, false},
                                      {"<Bad>", "", {"failed", "x.csv:3:1: unknown 'Extreme'"}, true}};
    auto html = render_index_html("Batch <2019>", {"service", "status", "overall"}, rows, {{"services file", "s.toml"}});
    check_self_contained(html);
    CHECK(html.find("<a href=\"Lancashire/report.html\">Lancashire</a>") != std::string::npos);
    CHECK(html.find("<a href=\"St%20Helens/draw.html\">St Helens</a>") != std::string::npos);
    CHECK(html.find("&lt;Bad&gt;</b> <span class=\"tag weak\">Failed</span>") != std::string::npos);
    CHECK(html.find("x.csv:3:1: unknown &#39;Extreme&#39;") != std::string::npos);
    CHECK(html.find("Batch &lt;2019&gt;") != std::string::npos);
    CHECK(html.find("3 services, 1 failed") != std::string::npos);
    CHECK(count(html, "<tr><td class=\"first\">") == 3);
}
