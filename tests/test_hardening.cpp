// Odd and hostile input found by hand and by the fuzzers (issue 10): each is an input error, exit code 2,
// one line naming the file and the place, and nothing written.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/sample_size.hpp"
#include "test_support.hpp"

using namespace casesample;

namespace {
// `text` holds `words` right after :LINE:COLUMN. (By hand rather than with <regex>: g++ 12 warns, falsely, of an
// uninitialized value inside <regex> in the sanitized build, where warnings are errors.)
bool placed_before(const std::string& text, const std::string& words) {
    auto i = text.find(words);
    if (i == std::string::npos) return false;
    for (int number = 0; number < 2; ++number) {  // COLUMN, then LINE, each after a colon
        std::size_t digits = 0;
        for (; i > 0 && text[i - 1] >= '0' && text[i - 1] <= '9'; --i) ++digits;
        if (digits == 0 || i == 0 || text[i - 1] != ':') return false;
        --i;
    }
    return true;
}
}  // namespace
using namespace casesample::test;
namespace fs = std::filesystem;

namespace {

const std::string kPopulation = source_path("fixtures/population.csv");

std::size_t lines_of(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

// A sample folder drawn from the bundled population, and its manifest as text.
std::string drawn_folder() {
    auto dir = temp_dir() + "/sample";
    auto r = run_cli("draw " + kPopulation + " --fieldwork 2019-06-03 --seed 7 --out " + dir);
    REQUIRE(r.exit_code == 0);
    return dir;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("a manifest value of the wrong type or out of range is an unreadable manifest, not a re-draw") {
    auto dir = drawn_folder();
    const auto manifest = dir + "/manifest.json";
    const auto original = read_text(manifest);
    struct Case {
        std::string from, to, expected;
    };
    const Case cases[] = {
        {"\"seed\": 7,", "\"seed\": -1,", "\"seed\" has the value -1,"},
        {"\"seed\": 7,", "\"seed\": 7.5,", "\"seed\" has the value 7.5,"},
        {"\"seed\": 7,", "\"seed\": 18446744073709551616,", "\"seed\" has the value 1.8446744073709552e+19,"},
        {"\"seed\": 7,", "\"seed\": \"7\",", "\"seed\" has the value '7',"},
        {"\"seed\": 7,", "\"seed\": 1e400,", "the number 1e400 is too large to hold"},
        {"\"seed_chosen_at_random\": false", "\"seed_chosen_at_random\": 0", "\"seed_chosen_at_random\" has the value 0"},
        {"\"margin\": 0.05", "\"margin\": 0", "\"margin\" has the value 0,"},
        {"\"margin\": 0.05", "\"margin\": 1e-300", "\"margin\" has the value 1e-300,"},
        {"\"confidence\": 0.8", "\"confidence\": 1", "\"confidence\" has the value 1,"},
        {"\"reserve\": 0", "\"reserve\": -3", "\"reserve\" has the value -3,"},
        {"\"reserve\": 0", "\"reserve\": 100001", "\"reserve\" has the value 100001,"},
        {"\"method\": \"balanced\"", "\"method\": \"random\"", "\"method\" has the value 'random',"},
        {"\"substitutions\": 0", "\"substitutions\": null", "\"substitutions\" has the value null,"},
        {"\"command_line\": [", "\"command_line\": [1, ", "\"command_line\" has the value [...],"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.to);
        write_text(manifest, replaced(original, c.from, c.to));
        auto r = run_cli("verify " + manifest);
        CHECK(r.exit_code == 2);
        CHECK(lines_of(r.err) == 1);
        CHECK(placed_before(r.err, ": not a readable casesample manifest: "));
        CHECK(r.err.find(c.expected) != std::string::npos);
        CHECK(r.out.find("DIFFERENT") == std::string::npos);
        CHECK(r.err.find("json.exception") == std::string::npos);
    }
}

TEST_CASE("a number out of range in a framework or manifest is exit code 2 at FILE:LINE:COLUMN") {
    auto dir = temp_dir();
    write_text(dir + "/fw.json", "1e400");
    auto r = run_cli("report " + source_path("fixtures/answers/lancashire-2019-answers.csv") + " --framework " +
                     dir + "/fw.json");
    CHECK(r.exit_code == 2);
    CHECK(r.err == dir + "/fw.json:1:1: not a readable framework: the number 1e400 is too large to hold\n");
    write_text(dir + "/fw.json", "{\"name\": \"x\",\n  \"ratings\": [{\"score\": -2e308}]}");
    r = run_cli("audit " + source_path("fixtures/published/lancashire-2019.csv") + " --cases court=50 --framework " +
                dir + "/fw.json");
    CHECK(r.exit_code == 2);
    CHECK(r.err == dir + "/fw.json:2:25: not a readable framework: the number -2e308 is too large to hold\n");
    write_text(dir + "/manifest.json", std::string(300, '[') + std::string(300, ']'));
    r = run_cli("verify " + dir + "/manifest.json");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("manifest.json:1:257: not a readable casesample manifest: lists or objects nested more than 256") !=
          std::string::npos);
}

TEST_CASE("a margin so fine that the sample size is not a finite number is exit code 2, for size and draw") {
    for (const char* margin : {"1e-300", "1e-160"}) {
        CAPTURE(margin);
        SizeParameters p;
        p.margin = std::stod(margin);
        CHECK_THROWS_AS(cochran_sample_size(71, p), UsageError);
        auto r = run_cli(std::string("size --population 71 --margin ") + margin);
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
        CHECK(r.err.find("the margin is too fine") != std::string::npos);
        auto dir = temp_dir() + "/fine";
        r = run_cli("draw " + kPopulation + " --fieldwork 2019-06-03 --seed 1 --margin " + margin + " --out " + dir);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("the margin is too fine") != std::string::npos);
        CHECK(!fs::exists(dir + "/sample.csv"));
    }
    // The finest margin a double carries still gives a census, not 1 case.
    SizeParameters p;
    p.margin = 1e-9;
    CHECK(cochran_sample_size(71, p).sample_size == 71);
}

TEST_CASE("headers: duplicates found in one pass, at most 16384 columns and 128 KB a field") {
    std::string wide = "case_id";
    for (int i = 1; i < 16000; ++i) wide += ",c" + std::to_string(i);
    try {
        (void)CsvReader::from_string("wide.csv", wide + ",c7\n");
        FAIL("a duplicate column was accepted");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()) == "wide.csv:1:16001: column 'c7' appears twice in the header (also column 8)");
    }
    CHECK(CsvReader::from_string("wide.csv", wide + "\n").header().size() == 16000);
    std::string wider = wide;
    for (int i = 16000; i < 20000; ++i) wider += ",c" + std::to_string(i);
    try {
        (void)CsvReader::from_string("wider.csv", wider + "\n");
        FAIL("20000 columns were accepted");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("wider.csv:1:16385: more than 16384 fields on one line") == 0);
    }
    const std::string big(kMostFieldBytes + 1, 'x');
    for (const std::string& field : {big, "\"" + big + "\""}) {
        try {
            auto reader = CsvReader::from_string("big.csv", "case_id,notes\nC1," + field + "\n");
            CsvRecord rec;
            while (reader.next(rec)) {
            }
            FAIL("a field of more than 128 KB was accepted");
        } catch (const InputError& e) {
            CHECK(std::string(e.what()) == "big.csv:2:2: a field of 131073 bytes; casesample reads at most 131072 per "
                                           "field (is it the right file?)");
        }
    }
}

TEST_CASE("a device is refused at once, not read until memory runs out") {
    auto dir = temp_dir() + "/out";
    auto r = run_cli("draw /dev/zero --fieldwork 2019-06-03 --seed 1 --out " + dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err == "/dev/zero: this is a device or a socket, not a file; save the data to a file first\n");
    CHECK(!fs::exists(dir));
    r = run_cli("report /dev/zero");
    CHECK(r.exit_code == 2);
    CHECK(r.err == "/dev/zero: this is a device or a socket, not a file; save the data to a file first\n");
    r = run_cli("size --from /dev/urandom --fieldwork 2019-06-03");
    CHECK(r.exit_code == 2);
    CHECK(r.err == "/dev/urandom: this is a device or a socket, not a file; save the data to a file first\n");
    // A pipe is read as a file is.
    r = run_cli("draw /dev/stdin --fieldwork 2019-06-03 --seed 1 --out " + dir + " < " + kPopulation);
    CHECK(r.exit_code == 0);
    r = run_cli("check " + kPopulation + " " + dir + "/sample.csv --fieldwork 2019-06-03 2>&1 < /dev/null");
    CHECK(r.exit_code == 0);
}

TEST_CASE("a control character in a case id is refused at its place, and nothing is written") {
    auto dir = temp_dir();
    auto text = read_text(kPopulation);
    for (const std::string& bad : {std::string("C0\0" "00001", 7), std::string("C\x1b[31m01"), std::string("C\xc2\x85" "1")}) {
        write_text(dir + "/population.csv", replaced(text, "C000001", bad));
        auto out = dir + "/sample";
        auto r = run_cli("draw " + dir + "/population.csv --fieldwork 2019-06-03 --seed 1 --out " + out);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(dir + "/population.csv:2:1: the case id holds a control character (") == 0);
        CHECK(lines_of(r.err) == 1);
        CHECK(!fs::exists(out + "/excluded.csv"));
        CHECK(r.err.find('\x1b') == std::string::npos);
        CHECK(r.err.find('\0') == std::string::npos);
    }
    write_text(dir + "/answers.csv", "case_id,2.1.1\nC1\x07,Yes\n");
    auto r = run_cli("report " + dir + "/answers.csv");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(dir + "/answers.csv:2:1: the case id holds a control character (0x07, byte 3 of the cell)") == 0);
}
