// Files that are not text (a workbook, a picture, UTF-16 text, binary data) are named for what they are when
// opened, before any reader complains about their contents (the catalogue in fixtures/bad/ holds real ones).
#include <doctest/doctest.h>

#include <string>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/text_input.hpp"

using namespace casesample;

TEST_CASE("not text: signatures, UTF-16 and control bytes are told apart from text with a stray byte") {
    using namespace std::string_literals;
    auto what = [](const std::string& text, const char* expected = "CSV") {
        auto r = find_not_text(text, expected);
        return r ? r->message : std::string();
    };
    CHECK(what("PK\x03\x04rest"s).find("Excel workbook (.xlsx)") != std::string::npos);
    CHECK(what("PK\x03\x04rest"s).find("Save As > 'CSV UTF-8") != std::string::npos);
    CHECK(what("PK\x03\x04rest"s, "JSON").find("Save As") == std::string::npos);
    CHECK(what("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"s).find("(.xls)") != std::string::npos);
    CHECK(what("%PDF-1.7\n"s).find("a PDF document, not a CSV file") != std::string::npos);
    CHECK(what("\xFF\xFE" "c\0a\0"s).find("UTF-16") != std::string::npos);
    // Text, with up to seven control bytes (a NUL in a case id is the reader's to name, at its cell).
    CHECK(what("case_id,rosh\nC1,Low\n"s).empty());
    CHECK(what("case_id,rosh\nC\0\x1b[31m1,Low\n"s).empty());
    CHECK(what("a,b\n"s + std::string(7, '\0')).empty());
    auto eight = find_not_text("a,b\n"s + std::string(8, '\x01'), "CSV");
    REQUIRE(eight);
    CHECK(eight->offset == 4);
    CHECK(eight->message.find("binary file (8 control bytes") != std::string::npos);
    // Only the first 8 KiB are looked at.
    CHECK(what(std::string(8192, 'x') + std::string(100, '\0')).empty());
    // UTF-16 without a byte-order mark: NULs at every other byte.
    std::string utf16;
    for (char c : "case_id,rosh\r\nC1,Low\r\n"s) utf16 += std::string(1, c) + '\0';
    CHECK(what(utf16) == "this is UTF-16 text, not a CSV file: open it in Excel and use Save As > 'CSV UTF-8 (Comma "
                         "delimited)'");
}

TEST_CASE("not text: the CSV reader says so at open, whatever encoding it was told, at the line and field") {
    auto place = [](const std::string& text, CsvOptions options = {}) {
        try {
            (void)CsvReader::from_string("in.csv", text, options);
        } catch (const InputError& e) {
            return std::to_string(e.line()) + ":" + std::to_string(e.column()) + " " + e.message();
        }
        return std::string("read");
    };
    using namespace std::string_literals;
    CHECK(place("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"s, CsvOptions{Encoding::windows1252, true})
              .rfind("1:1 this is an Excel 97-2003 workbook (.xls)", 0) == 0);
    CHECK(place("id,x\n1,2\n3,\""s + std::string(10, '\0') + "\"\n"s).rfind("3:2 this is not a CSV file", 0) == 0);
    CHECK(place("id,x\n1,2\n"s) == "read");
}
