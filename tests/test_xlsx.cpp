#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "casesample/answers.hpp"
#include "casesample/framework.hpp"
#include "casesample/report.hpp"
#include "casesample/report_xlsx.hpp"
#include "test_support.hpp"

using namespace casesample;

namespace {

std::string small_workbook(const std::string& id) {
    XlsxWriter x("test");
    x.sheet("Cases", {"case_id", "order", "share"});
    x.text(id).integer(1).number(0.1234567, 6);
    x.end_row();
    x.text("C2").empty().number(1.0 / 3, 4);
    x.end_row();
    write_about_sheet(x, {{"seed", "7"}});
    return x.finish();
}

}  // namespace

TEST_CASE("a workbook is a zip file, and the same cells give the same bytes") {
    auto a = small_workbook("=1+1");
    auto b = small_workbook("=1+1");
    REQUIRE(a.size() > 1000);
    CHECK(a.substr(0, 2) == "PK");
    CHECK(a == b);
    CHECK(small_workbook("0012") != a);
}

TEST_CASE("sheet names Excel refuses are refused before anything is written") {
    XlsxWriter x("test");
    CHECK_THROWS_AS(x.sheet("a/b", {"x"}), std::invalid_argument);
    CHECK_THROWS_AS(x.sheet("", {"x"}), std::invalid_argument);
    CHECK_THROWS_AS(x.sheet(std::string(32, 'a'), {"x"}), std::invalid_argument);
    x.sheet("Sample", {"x"});
    CHECK_THROWS_AS(x.sheet("Sample", {"x"}), std::invalid_argument);
}

TEST_CASE("a text cell longer than Excel allows names its sheet, row and column") {
    XlsxWriter x("test");
    x.sheet("Sample", {"case_id", "notes"});
    x.text("C1");
    try {
        x.text(std::string(kXlsxMaxCellChars + 1, 'n'));
        FAIL("no error");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("B2 of sheet Sample") != std::string::npos);
        CHECK(std::string(e.what()).find("32767") != std::string::npos);
    }
    // Excel's limit counts characters, not bytes: 32767 two-byte characters fit.
    std::string wide;
    for (std::size_t i = 0; i < kXlsxMaxCellChars; ++i) wide += "é";
    XlsxWriter y("test");
    y.sheet("Sample", {"notes"});
    CHECK_NOTHROW(y.text(wide));
    y.end_row();
    CHECK_NOTHROW(y.finish());
}

TEST_CASE("report_workbook: the same report gives the same bytes") {
    const auto& fw = Framework::builtin();
    auto answers = read_answers(test::source_path("fixtures/answers/lancashire-2019-answers.csv"), fw);
    ReportOptions o;
    o.population = {{1, 71}, {2, 39}};
    o.seed = 3;
    o.draws = 500;
    auto a = report_workbook(build_report(fw, answers, o), {{"command", "test"}});
    auto b = report_workbook(build_report(fw, answers, o), {{"command", "test"}});
    CHECK(a == b);
    CHECK(a.substr(0, 2) == "PK");
}
