#include <doctest/doctest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>

#include "casesample/answers.hpp"
#include "casesample/framework.hpp"
#include "casesample/output.hpp"
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

namespace {

// What writing a workbook of 3,000 rows gives when files may grow to `limit` bytes only (the writes past it
// fail with EFBIG, "File too large", as they would on a full disk): its error, and what reached file
// descriptor 2 meanwhile (caught in a pipe).
std::pair<std::string, std::string> write_when_files_stop_at(rlim_t limit) {
    rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    auto* old_handler = std::signal(SIGXFSZ, SIG_IGN);
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    std::fflush(stderr);
    const int saved = ::dup(2);
    ::dup2(pipe_fds[1], 2);
    std::string error;
    rlimit small = old;
    small.rlim_cur = limit;
    ::setrlimit(RLIMIT_FSIZE, &small);
    try {
        XlsxWriter x("test");
        x.sheet("Cases", {"case_id", "notes"});
        for (int i = 0; i < 3000; ++i) {
            x.text("C" + std::to_string(i)).text(std::string(40, static_cast<char>('a' + i % 26)));
            x.end_row();
        }
        (void)x.finish();
    } catch (const std::runtime_error& e) {
        error = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    ::close(pipe_fds[1]);
    std::string printed;
    char buffer[4096];
    for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) printed.append(buffer, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    std::signal(SIGXFSZ, old_handler);
    return {error, printed};
}

}  // namespace

TEST_CASE("a workbook that cannot be written is one error, and libxlsxwriter prints nothing of its own") {
    SUBCASE("the library sees the failure: its reason is in the error") {
        auto [error, printed] = write_when_files_stop_at(2000);
        CAPTURE(error);
        CHECK(error.rfind("cannot write the workbook", 0) == 0);
        CHECK(error.find("File too large") != std::string::npos);
        CHECK(error.find("temporary folder") != std::string::npos);
        CHECK(error.find('\n') == std::string::npos);
        CHECK(printed == "");
    }
    SUBCASE("the library does not see it (its unchecked writes of a sheet's rows): the workbook read back is") {
        auto [error, printed] = write_when_files_stop_at(8192);
        CAPTURE(error);
        CHECK(error.rfind("cannot write the workbook", 0) == 0);
        CHECK(error.find("xl/worksheets/sheet1.xml came out incomplete") != std::string::npos);
        CHECK(error.find('\n') == std::string::npos);
        CHECK(printed == "");
    }
    // Writing works again once there is room.
    CHECK(small_workbook("C1").substr(0, 2) == "PK");
}

TEST_CASE("a finished workbook stays in its temporary file and is passed on a megabyte at a time") {
    // A sheet of 80,000 rows of text that does not compress much: a workbook of several megabytes.
    XlsxWriter x("test");
    x.sheet("Cases", {"case_id", "notes"});
    std::uint64_t state = 7;
    for (int i = 0; i < 80000; ++i) {
        std::string notes(48, 'a');
        for (auto& c : notes) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            c = static_cast<char>('a' + (state >> 59) % 26);
        }
        x.text("C" + std::to_string(i)).text(notes);
        x.end_row();
    }
    const Workbook book = x.finish_workbook();
    REQUIRE(book.size() > (std::size_t{3} << 20));
    std::string pieces;
    std::size_t count = 0, largest = 0;
    book.write_to([&](std::string_view piece) {
        pieces.append(piece);
        ++count;
        largest = std::max(largest, piece.size());
    });
    CHECK(pieces.size() == book.size());
    CHECK(pieces == book.bytes());
    CHECK(pieces.substr(0, 2) == "PK");
    CHECK(count >= 3);
    CHECK(largest <= (std::size_t{1} << 20));
    // A copy of the workbook reads the same file; it lives as long as any copy does.
    Workbook copy = book;
    CHECK(copy.bytes() == pieces);
    // Written to a file through the atomic writer, piece by piece: the same bytes.
    const std::string path = casesample::test::temp_dir() + "/streamed.xlsx";
    write_file_atomically(path, [&](const std::function<void(std::string_view)>& sink) { book.write_to(sink); });
    std::ifstream in(path, std::ios::binary);
    const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(written == pieces);
}

TEST_CASE("a file written piece by piece is renamed into place only when every piece is written") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(casesample::test::temp_dir()) / "pieces";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path path = dir / "out.xlsx";
    write_file_atomically(path, "the old file");
    // The producer fails after a first piece: the old file is as it was, and no temporary file is left.
    CHECK_THROWS_WITH_AS(write_file_atomically(path,
                                               [](const std::function<void(std::string_view)>& sink) {
                                                   sink("half of a new ");
                                                   throw std::runtime_error("cannot read the workbook back");
                                               }),
                         "cannot read the workbook back", std::runtime_error);
    std::ifstream in(path, std::ios::binary);
    const std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(kept == "the old file");
    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
    CHECK(files == 1);
    fs::remove_all(dir);
}
