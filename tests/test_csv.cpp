#include <doctest/doctest.h>

#include <random>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"

using namespace casesample;

namespace {
std::vector<std::vector<std::string>> parse_all(const std::string& text) {
    auto r = CsvReader::from_string("t.csv", text);
    std::vector<std::vector<std::string>> rows;
    rows.push_back(r.header());
    CsvRecord rec;
    while (r.next(rec)) {
        std::vector<std::string> row;
        for (auto f : rec.fields) row.emplace_back(f);
        rows.push_back(row);
    }
    return rows;
}

std::string error_of(const std::string& text) {
    try {
        parse_all(text);
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("CSV reading follows RFC 4180") {
    SUBCASE("plain, LF") {
        auto rows = parse_all("a,b\n1,2\n3,4\n");
        REQUIRE(rows.size() == 3);
        CHECK(rows[2][1] == "4");
    }
    SUBCASE("CRLF and no final line break") {
        auto rows = parse_all("a,b\r\n1,2\r\n3,4");
        REQUIRE(rows.size() == 3);
        CHECK(rows[1][1] == "2");
        CHECK(rows[2][1] == "4");
    }
    SUBCASE("byte-order mark is skipped") {
        auto rows = parse_all("\xEF\xBB\xBF" "case_id,x\n1,2\n");
        CHECK(rows[0][0] == "case_id");
    }
    SUBCASE("quoted fields hold commas, doubled quotes and line breaks") {
        auto rows = parse_all("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"line1\nline2\",z\n");
        REQUIRE(rows.size() == 3);
        CHECK(rows[1][0] == "x, y");
        CHECK(rows[1][1] == "say \"hi\"");
        CHECK(rows[2][0] == "line1\nline2");
    }
    SUBCASE("empty fields and blank lines") {
        auto rows = parse_all("a,b,c\n1,,3\n\n,,\n4,5,6\n");
        REQUIRE(rows.size() == 3);
        CHECK(rows[1][1] == "");
        CHECK(rows[2][0] == "4");
    }
    SUBCASE("UTF-8 text passes through") {
        auto rows = parse_all("name\nZoë Ångström\n");
        CHECK(rows[1][0] == "Zoë Ångström");
    }
}

TEST_CASE("CSV errors name the line and column") {
    CHECK(error_of("") == "t.csv: the file is empty: expected a header line naming the columns");
    CHECK(error_of("\n\n") == "t.csv: the file is empty: expected a header line naming the columns");
    CHECK(error_of("a,b\n1,2,3\n").rfind("t.csv:2: expected 2 fields as in the header, found 3", 0) == 0);
    CHECK(error_of("a,b\n1,\"open\n").rfind("t.csv:2:2: a quoted field is never closed", 0) == 0);
    CHECK(error_of("a,b\n1,x\"y\n").rfind("t.csv:2:2: a quote inside an unquoted field", 0) == 0);
    CHECK(error_of("a,b\n\"x\"y,1\n").rfind("t.csv:2:1: unexpected text after a closing quote", 0) == 0);
    CHECK(error_of("a,a\n1,2\n").rfind("t.csv:1:2: column 'a' appears twice", 0) == 0);
    CHECK(error_of("a,b\n1,\xE9t\xE9\n").rfind("t.csv:2:2: the file is not UTF-8 text (found byte 0xE9)", 0) == 0);
    CHECK(error_of("a,b\n\"x,\ny\",\xE9\n").rfind("t.csv:3:2: the file is not UTF-8 text", 0) == 0);
    // A line break inside quotes moves the line count on for later records.
    CHECK(error_of("a,b\n\"1\n2\",3\n4\n").rfind("t.csv:4: expected 2 fields", 0) == 0);
}

TEST_CASE("CSV cells that a spreadsheet would run as formulas are escaped") {
    CHECK(csv_escape("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"");
    CHECK(csv_escape("+1") == "'+1");
    CHECK(csv_escape("-2") == "'-2");
    CHECK(csv_escape("@SUM(A1)") == "'@SUM(A1)");
    CHECK(csv_escape("plain") == "plain");
    CHECK(csv_escape("a,b") == "\"a,b\"");
    CsvWriter w;
    w.text("=cmd").integer(-3).number(-0.25, 2).end_row();
    CHECK(w.str() == "'=cmd,-3,-0.25\n");
}

TEST_CASE("CSV written by the writer reads back to the same cells (random round trips)") {
    std::mt19937 rng(42);
    const std::string alphabet = "ab ,\"\n\r=+-@1é";
    for (int trial = 0; trial < 500; ++trial) {
        std::size_t cols = 1 + rng() % 4, rows = 1 + rng() % 5;
        std::vector<std::vector<std::string>> cells(rows + 1, std::vector<std::string>(cols));
        CsvWriter w;
        for (std::size_t r = 0; r <= rows; ++r) {
            for (std::size_t c = 0; c < cols; ++c) {
                std::string s;
                if (r == 0) s = "h" + std::to_string(c);
                else {
                    std::size_t len = 1 + rng() % 6;
                    for (std::size_t k = 0; k < len; ++k) {
                        char ch = alphabet[rng() % alphabet.size()];
                        if (static_cast<unsigned char>(ch) >= 0x80) s += "é";
                        else s += ch;
                    }
                }
                cells[r][c] = s;
                w.text(s);
            }
            w.end_row();
        }
        auto back = parse_all(w.str());
        // Rows whose cells are all empty are skipped by the reader; none are generated (len >= 1).
        REQUIRE(back.size() == cells.size());
        for (std::size_t r = 0; r < cells.size(); ++r)
            for (std::size_t c = 0; c < cols; ++c) {
                std::string expect = cells[r][c];
                char f = expect[0];
                if (f == '=' || f == '+' || f == '-' || f == '@' || f == '\r') expect = "'" + expect;
                CHECK(back[r][c] == expect);
            }
    }
}

TEST_CASE("a folder given where a file is expected is a clear input error, not a crash") {
    CHECK_THROWS_WITH_AS(CsvReader::open("/tmp"), "/tmp: this is a folder, not a file", InputError);
    CHECK_THROWS_WITH_AS(CsvReader::open("/nonexistent/x.csv"),
                         "/nonexistent/x.csv: cannot open the file: No such file or directory", InputError);
}
