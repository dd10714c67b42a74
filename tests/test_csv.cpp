#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <random>

#include "casesample/csv.hpp"
#include "casesample/output.hpp"
#include "casesample/error.hpp"
#include "test_support.hpp"

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

namespace {

// Gives a text in pieces of random sizes (1 to `most` bytes), as a slow pipe would.
class PieceSource final : public ByteSource {
public:
    PieceSource(std::string text, std::uint64_t seed, std::size_t most) : text_(std::move(text)), rng_(seed), most_(most) {}
    std::size_t read(char* out, std::size_t max) override {
        if (at_ >= text_.size()) return 0;
        std::size_t n = std::min({max, text_.size() - at_, std::uniform_int_distribution<std::size_t>(1, most_)(rng_)});
        std::memcpy(out, text_.data() + at_, n);
        at_ += n;
        return n;
    }

private:
    std::string text_;
    std::mt19937_64 rng_;
    std::size_t most_;
    std::size_t at_ = 0;
};

// Everything a reader gives: header, each record's line, text and fields, the problems collected or the error
// thrown, and the positions reached.
std::string transcript(CsvReader reader, bool collect) {
    std::string out;
    std::vector<InputProblem> problems;
    if (collect) reader.collect_problems(&problems);
    out += "header@" + std::to_string(reader.header_line()) + ":";
    for (const auto& h : reader.header()) out += "[" + h + "]";
    out += "\n";
    try {
        CsvRecord rec;
        while (reader.next(rec)) {
            out += std::to_string(rec.line) + " <" + std::string(rec.text) + ">" + (rec.plain ? " plain" : "");
            // plain: every byte of every field printable ASCII, exactly.
            bool printable = true;
            for (auto f : rec.fields)
                for (char c : f) printable &= static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F;
            CHECK(rec.plain == printable);
            for (auto f : rec.fields) out += "[" + std::string(f) + "]";
            out += "\n";
        }
        out += "end at " + std::to_string(reader.position()) + "\n";
    } catch (const InputError& e) {
        out += std::string("error ") + e.what() + "\n";
    }
    for (const auto& p : problems)
        out += "problem " + p.kind + " " + std::to_string(p.line) + ":" + std::to_string(p.column) + " " + p.message + "\n";
    return out;
}

std::string transcript_or_error(const std::function<CsvReader()>& make, bool collect) {
    try {
        return transcript(make(), collect);
    } catch (const InputError& e) {
        return std::string("opening: ") + e.what();
    }
}

}  // namespace

TEST_CASE("a CSV read in pieces gives the same records, lines, errors and problems as the whole text (random)") {
    // Random texts of quotes, doubled quotes, separators, CR, LF, CRLF, blank lines and stray characters, some
    // malformed; each read whole and as a stream of pieces of 1 to 7 (and up to 4096) bytes.
    std::mt19937_64 rng(20261123);
    const std::vector<std::string> atoms = {"a", "bc", "\"", "\"\"", ",", "\n", "\r\n", "\r", " ", "x\"y", "\"q,r\"",
                                            "\"l\nm\"", "\xC3\xA9", "1", "\"\"\"\"", "\t", "\x7F",
                                            "abcdefghijklmnopqrstuvwxyz0123", "a long field with caf\xC3\xA9 in it"};
    int compared = 0, with_error = 0, with_problem = 0, multiline = 0;
    for (int t = 0; t < 3000; ++t) {
        std::string text = t % 3 == 0 ? "\xEF\xBB\xBF" : "";
        text += t % 5 == 0 ? "h1,h2\n" : "h1,h2,h3\r\n";
        const int atoms_in = std::uniform_int_distribution<int>(0, 60)(rng);
        for (int k = 0; k < atoms_in; ++k) text += atoms[rng() % atoms.size()];
        if (t % 7 == 0) text += std::string(5000, 'z') + ",\"" + std::string(3000, 'w') + "\"\"v\"\n";
        const bool collect = t % 2 == 1;
        CAPTURE(text);
        auto whole = transcript_or_error([&] { return CsvReader::from_string("t.csv", text, CsvOptions{Encoding::utf8, false}); },
                                         collect);
        for (std::size_t most : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
            auto pieces = transcript_or_error(
                [&] {
                    return CsvReader::stream("t.csv", std::make_unique<PieceSource>(text, rng(), most),
                                             CsvOptions{Encoding::utf8, false});
                },
                collect);
            CHECK(pieces == whole);
        }
        ++compared;
        with_error += whole.find("error ") != std::string::npos;
        with_problem += whole.find("problem ") != std::string::npos;
        multiline += whole.find("[l\nm]") != std::string::npos;
    }
    CHECK(compared == 3000);
    // The texts reach every path: errors thrown, problems collected, quoted line breaks.
    CHECK(with_error > 300);
    CHECK(with_problem > 300);
    CHECK(multiline >= 5);
}

TEST_CASE("records of plain fields read in one sweep are read as the general parser reads them (random)") {
    // Long records of unquoted printable fields (what CsvReader reads sixteen bytes at a time) with now and then
    // what that sweep leaves to the general parser: a quote, CRLF, a lone CR, a tab, DEL, a non-ASCII byte, a
    // blank line, a wrong number of fields, a text ending without a line break. Read whole (the sweep takes every
    // record it can) and in pieces of one byte (the sweep never sees a record's end with sixteen bytes to spare,
    // so the general parser reads every record it can see whole): the same transcript.
    std::mt19937_64 rng(11);
    const std::vector<std::string> plain = {"C0000001", "Referral Order", "2018-11-22", "Male", "Low", "Very High",
                                            "x", "", " padded ", "Youth Rehabilitation Order", "12345678901234567"};
    const std::vector<std::string> odd = {"\"q\"", "\"a,b\"", "\r", "\t", "\x7F", "caf\xC3\xA9", "\"\"", "a\"b"};
    int compared = 0, with_error = 0, with_problem = 0;
    for (int t = 0; t < 600; ++t) {
        // The reader looks at a stream's first 8 kB before any record (text_input.hpp), so those come whole: the
        // random rows follow 8 kB of ordinary ones.
        std::string text = "case_id,disposal_type,disposal_date,gender\n";
        while (text.size() < 8300) text += "C0000001,Referral Order,2018-11-22,Male\n";
        const int rows = std::uniform_int_distribution<int>(1, 40)(rng);
        for (int r = 0; r < rows; ++r) {
            const int fields = rng() % 12 == 0 ? 3 + static_cast<int>(rng() % 3) : 4;
            for (int f = 0; f < fields; ++f) {
                if (f > 0) text += ',';
                text += rng() % 25 == 0 ? odd[rng() % odd.size()] : plain[rng() % plain.size()];
            }
            const auto end = rng() % 20;
            text += end == 0 ? "\r\n" : end == 1 ? "\r" : end == 2 ? "\n,,,\n" : end == 3 ? "\n\n" : "\n";
        }
        if (t % 4 == 0) text.pop_back();  // no line break at the end
        const bool collect = t % 2 == 1;
        CAPTURE(text);
        auto whole = transcript_or_error(
            [&] { return CsvReader::from_string("t.csv", text, CsvOptions{Encoding::utf8, false}); }, collect);
        auto pieces = transcript_or_error(
            [&] {
                return CsvReader::stream("t.csv", std::make_unique<PieceSource>(text, rng(), 1),
                                         CsvOptions{Encoding::utf8, false});
            },
            collect);
        CHECK(pieces == whole);
        ++compared;
        with_error += whole.find("error ") != std::string::npos;
        with_problem += whole.find("problem ") != std::string::npos;
    }
    CHECK(compared == 600);
    CHECK(with_error > 50);
    CHECK(with_problem > 50);
}

TEST_CASE("a CSV stream in windows-1252 is transcoded piece by piece, and check_utf8 still looks at every byte") {
    std::string text = "id,name\n1,caf\xE9\n2,\x80uro\n";
    auto whole = transcript(CsvReader::from_string("t.csv", text, CsvOptions{Encoding::windows1252, false}), false);
    auto pieces = transcript(
        CsvReader::stream("t.csv", std::make_unique<PieceSource>(text, 1, 2), CsvOptions{Encoding::windows1252, false}),
        false);
    CHECK(pieces == whole);
    CHECK(whole.find("[caf\xC3\xA9]") != std::string::npos);
    CHECK(whole.find("[\xE2\x82\xACuro]") != std::string::npos);
    std::string bad = "id,name\n1,a\n2,b\xFF\n";
    auto opening = [&](std::unique_ptr<ByteSource> source) {
        try {
            CsvReader::stream("t.csv", std::move(source));
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(opening(std::make_unique<PieceSource>(bad, 2, 3)) == error_of(bad));
    CHECK(error_of(bad).find("t.csv:3:2") != std::string::npos);
}

TEST_CASE("record_texts reads chosen records again: from the whole text, from a file opened again, not from a pipe") {
    const std::string text = "h1,h2\nA,1\n\"multi\nline\",2\n\nB,3\n";
    auto drained = [](CsvReader r) {
        CsvRecord rec;
        while (r.next(rec)) {
        }
        return r;
    };
    auto whole = drained(CsvReader::from_string("t.csv", text));
    auto t = whole.record_texts({2, 3, 6});
    REQUIRE(t);
    CHECK(t->at(2) == "A,1");
    CHECK(t->at(3) == "\"multi\nline\",2");
    CHECK(t->at(6) == "B,3");
    CHECK_FALSE(whole.record_texts({4}));  // inside a record, not the start of one
    CHECK_FALSE(whole.record_texts({9}));  // past the end
    CHECK(whole.record_texts({})->empty());

    const std::string path = casesample::test::temp_dir() + "/again.csv";
    { std::ofstream(path, std::ios::binary) << text; }
    auto file = drained(CsvReader::stream(path, std::make_unique<FileSource>(path, true), CsvOptions{Encoding::utf8, false}));
    auto f = file.record_texts({6, 2});
    REQUIRE(f);
    CHECK(f->at(2) == "A,1");
    CHECK(f->at(6) == "B,3");

    auto pipe = drained(CsvReader::stream("p.csv", std::make_unique<PieceSource>(text, 1, 3), CsvOptions{Encoding::utf8, false}));
    CHECK_FALSE(pipe.record_texts({2}));
}

TEST_CASE("append_csv_escaped appends what the escaping rule gives, for any cell") {
    // The rule written out plainly (as csv_escape was before rows were appended in place): quote a cell holding a
    // comma, quote or line break, doubling its quotes; put ' before a leading = + - @ tab or CR (Excel).
    auto reference = [](std::string_view cell) {
        const bool formula = !cell.empty() && std::string_view("=+-@\t\r").find(cell[0]) != std::string_view::npos;
        const bool quote = cell.find_first_of(",\"\n\r") != std::string_view::npos;
        std::string out = quote ? "\"" : "";
        if (formula) out += '\'';
        for (char c : cell) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        return quote ? out + "\"" : out;
    };
    std::mt19937 rng(2026);
    const std::string alphabet = "aZ9 ,\"\n\r=+-@\t'.;";
    for (int trial = 0; trial < test::repetitions(20000, 2000); ++trial) {
        std::string cell;
        for (std::size_t k = rng() % 12; k > 0; --k) cell += alphabet[rng() % alphabet.size()];
        std::string out = "x,";
        append_csv_escaped(out, cell);
        CAPTURE(cell);
        CHECK(out == "x," + reference(cell));
        CHECK(csv_escape(cell) == reference(cell));
    }
}

TEST_CASE("a count and its noun: one without an s, any other number with it, or with the plural given") {
    CHECK(counted(0, "difference") == "0 differences");
    CHECK(counted(1, "difference") == "1 difference");
    CHECK(counted(2, "difference") == "2 differences");
    CHECK(counted(1, "logged change") == "1 logged change");
    CHECK(counted(14, "reserve") == "14 reserves");
    CHECK(counted(1, "case", "cases") == "1 case");
    CHECK(counted(3, "inquiry", "inquiries") == "3 inquiries");
}
