// casesample draw, substitute and verify, end to end through the built binary.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

using namespace casesample::test;
namespace fs = std::filesystem;

namespace {

const std::string kPopulation = source_path("fixtures/population.csv");
const char* const kFiles[] = {"sample.csv", "reserves.csv", "balance.csv", "excluded.csv"};

std::string draw_args(const std::string& population, const std::string& out, const std::string& extra = "") {
    return "draw " + population + " --fieldwork 2019-06-03 --out " + out + " " + extra;
}

std::size_t count_lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

std::string without_command_line(const std::string& manifest) {
    auto j = nlohmann::ordered_json::parse(manifest);
    j.erase("command_line");
    return j.dump();
}

}  // namespace

TEST_CASE("draw on the bundled population writes 50 court and 32 out-of-court cases, balanced") {
    auto dir = temp_dir() + "/sample";
    auto r = run_cli(draw_args(kPopulation, dir, "--seed 2019 --reserve 3"));
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find("court: 50 of 71 eligible cases drawn") != std::string::npos);
    CHECK(r.out.find("out-of-court: 32 of 39 eligible cases drawn") != std::string::npos);
    CHECK(r.out.find("Every category of every stratifier is within its floor/ceiling.") != std::string::npos);
    for (auto f : {"sample.csv", "reserves.csv", "balance.csv", "excluded.csv", "manifest.json"})
        CHECK(fs::exists(dir + "/" + f));
    CHECK(count_lines(read_text(dir + "/sample.csv")) == 1 + 82);
    CHECK(count_lines(read_text(dir + "/reserves.csv")) == 1 + 6);
    // No case data that was not asked for.
    CHECK(read_text(dir + "/sample.csv").find("Worker") == std::string::npos);
    CHECK(read_text(dir + "/sample.csv").find("free text") == std::string::npos);

    auto m = nlohmann::json::parse(read_text(dir + "/manifest.json"));
    CHECK(m["seed"] == 2019);
    CHECK(m["seed_chosen_at_random"] == false);
    CHECK(m["method"] == "balanced");
    CHECK(m["inputs"][0]["role"] == "population");
    CHECK(m["inputs"][0]["sha256"].get<std::string>().size() == 64);
    CHECK(m["eligibility"]["fieldwork"] == "2019-06-03");
    CHECK(m["eligibility"]["windows"][0]["first_date"] == "2018-09-03");
    CHECK(m["eligibility"]["windows"][0]["last_date"] == "2018-12-03");
    CHECK(m["domains"][0]["eligible"] == 71);
    CHECK(m["domains"][0]["sample_size"] == 50);
    CHECK(m["domains"][0]["misses"].empty());
    CHECK(m["command_line"][1] == "draw");
}

TEST_CASE("the same input and seed give byte-identical files, only the manifest's command line may differ") {
    auto base = temp_dir();
    REQUIRE(run_cli(draw_args(kPopulation, base + "/a", "--seed 42 --reserve 2")).exit_code == 0);
    REQUIRE(run_cli(draw_args(kPopulation, base + "/b", "--reserve 2 --seed 42")).exit_code == 0);
    for (auto f : kFiles) CHECK(read_text(base + "/a/" + f) == read_text(base + "/b/" + f));
    CHECK(without_command_line(read_text(base + "/a/manifest.json")) ==
          without_command_line(read_text(base + "/b/manifest.json")));
    REQUIRE(run_cli(draw_args(kPopulation, base + "/c", "--seed 43 --reserve 2")).exit_code == 0);
    CHECK(read_text(base + "/a/sample.csv") != read_text(base + "/c/sample.csv"));
}

TEST_CASE("without --seed a seed is chosen, printed and recorded, and redraws the same sample") {
    auto base = temp_dir();
    auto r = run_cli(draw_args(kPopulation, base + "/a"));
    REQUIRE(r.exit_code == 0);
    auto m = nlohmann::json::parse(read_text(base + "/a/manifest.json"));
    CHECK(m["seed_chosen_at_random"] == true);
    auto seed = std::to_string(m["seed"].get<std::uint64_t>());
    CHECK(r.out.find("seed " + seed + " (chosen at random") != std::string::npos);
    REQUIRE(run_cli(draw_args(kPopulation, base + "/b", "--seed " + seed)).exit_code == 0);
    CHECK(read_text(base + "/a/sample.csv") == read_text(base + "/b/sample.csv"));
}

TEST_CASE("draw refuses a folder that already holds a sample unless --force") {
    auto dir = temp_dir() + "/s";
    REQUIRE(run_cli(draw_args(kPopulation, dir, "--seed 1")).exit_code == 0);
    auto before = read_text(dir + "/sample.csv");
    auto r = run_cli(draw_args(kPopulation, dir, "--seed 2"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("already holds a sample") != std::string::npos);
    CHECK(read_text(dir + "/sample.csv") == before);
    r = run_cli(draw_args(kPopulation, dir, "--seed 2 --force"));
    CHECK(r.exit_code == 0);
    CHECK(read_text(dir + "/sample.csv") != before);
}

TEST_CASE("draw --force removes what casesample wrote about the old sample, keeps workbooks renamed, names what it left") {
    auto dir = temp_dir() + "/s";
    // The old sample, with a workbook and a page of the draw in the folder, reports written into it afterwards,
    // and files casesample did not write.
    REQUIRE(run_cli(draw_args(kPopulation, dir, "--seed 1 --xlsx " + dir + "/fieldwork.xlsx --html " + dir +
                                                   "/page.html")).exit_code == 0);
    write_text(dir + "/report.md", "# the old sample's report\n");
    write_text(dir + "/report.html", "<p>old</p>\n");
    write_text(dir + "/audit.json", "{}\n");
    write_text(dir + "/notes.txt", "team notes\n");
    fs::create_directories(dir + "/photos");
    write_text(dir + "/.hidden", "x\n");
    const auto old_workbook = read_text(dir + "/fieldwork.xlsx");
    auto sample = read_table(dir + "/sample.csv");
    REQUIRE(run_cli("substitute " + dir + " --drop " + sample.rows.at(0).at(0) + " --reason r --no-replacement")
                .exit_code == 0);
    const auto old_log = read_text(dir + "/audit-log.csv");

    auto r = run_cli(draw_args(kPopulation, dir, "--seed 2 --force --xlsx " + dir + "/sample.xlsx"));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    // Pages and reports about the old sample: gone.
    for (auto gone : {"report.md", "report.html", "audit.json", "page.html", "audit-log.csv"})
        CHECK_MESSAGE(!fs::exists(dir + "/" + gone), gone);
    CHECK(r.out.find("Removed from " + dir + ", as they described the replaced sample: audit.json, page.html, "
                     "report.html, report.md\n") != std::string::npos);
    // Workbooks (they may hold fieldwork notes) and the audit log: kept, renamed.
    CHECK(read_text(dir + "/fieldwork.replaced-1.xlsx") == old_workbook);
    CHECK(read_text(dir + "/audit-log.replaced-1.csv") == old_log);
    CHECK(fs::exists(dir + "/sample.xlsx"));
    // (the substitute wrote an up-to-date workbook beside the draw's, fieldwork.updated-1.xlsx: kept too)
    CHECK(r.out.find("Kept beside the new sample in " + dir + ", renamed: audit-log.csv -> audit-log.replaced-1.csv, "
                     "fieldwork.updated-1.xlsx -> fieldwork.updated-1.replaced-1.xlsx, fieldwork.xlsx -> "
                     "fieldwork.replaced-1.xlsx\n") != std::string::npos);
    // What casesample did not write: left, and named.
    CHECK(read_text(dir + "/notes.txt") == "team notes\n");
    CHECK(fs::is_directory(dir + "/photos"));
    CHECK(fs::exists(dir + "/.hidden"));
    CHECK(r.out.find("Left in " + dir + " as they were (casesample did not write them; check they still apply to the "
                     "new sample): notes.txt, photos/\n") != std::string::npos);
    CHECK(run_cli("verify " + dir).exit_code == 0);

    // Again, as JSON, drawing the same workbook name: the old one is renamed, not overwritten.
    const auto second_workbook = read_text(dir + "/sample.xlsx");
    r = run_cli(draw_args(kPopulation, dir, "--seed 3 --force --format json --xlsx " + dir + "/sample.xlsx"));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["old_files"]["removed"].empty());
    REQUIRE(j["old_files"]["renamed"].size() == 1);
    CHECK(j["old_files"]["renamed"][0]["from"] == "sample.xlsx");
    CHECK(j["old_files"]["renamed"][0]["to"] == "sample.replaced-1.xlsx");
    CHECK(read_text(dir + "/sample.replaced-1.xlsx") == second_workbook);
    CHECK(j["old_files"]["left"] == nlohmann::json::array({"notes.txt", "photos/"}));
    CHECK(fs::exists(dir + "/fieldwork.replaced-1.xlsx"));
    CHECK(fs::exists(dir + "/audit-log.replaced-1.csv"));
    // A first draw says nothing of old files.
    r = run_cli(draw_args(kPopulation, dir + "2", "--seed 3"));
    CHECK(r.out.find("Removed from") == std::string::npos);
    CHECK(r.out.find("Left in") == std::string::npos);
}

TEST_CASE("draw --size, --method and --format json") {
    auto base = temp_dir();
    for (auto method : {"balanced", "cells", "systematic"}) {
        auto r = run_cli(draw_args(kPopulation, base + "/" + method,
                                   std::string("--seed 5 --size court=20,out-of-court=10 --format json --method ") + method));
        REQUIRE(r.exit_code == 0);
        auto j = nlohmann::json::parse(r.out);
        CHECK(j["seed"] == 5);
        CHECK(j["method"] == method);
        CHECK(j["domains"][0]["sample_size"] == 20);
        CHECK(j["domains"][1]["sample_size"] == 10);
        CHECK(j["balance"].size() > 8);
        CHECK(count_lines(read_text(base + "/" + method + "/sample.csv")) == 31);
    }
    auto r = run_cli(draw_args(kPopulation, base + "/x", "--size court=80,out-of-court=10"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("only 71 cases of that domain are eligible") != std::string::npos);
    CHECK_FALSE(fs::exists(base + "/x"));
    r = run_cli(draw_args(kPopulation, base + "/x", "--size court=5 --margin 0.1"));
    CHECK(r.exit_code == 2);
    r = run_cli(draw_args(kPopulation, base + "/x", "--margin 0.7"));
    CHECK(r.exit_code == 2);
}

TEST_CASE("draw --keep-columns copies the asked columns only, formula-like cells are escaped") {
    auto base = temp_dir();
    auto pop = base + "/pop.csv";
    write_text(pop,
               "case_id,disposal_type,disposal_date,gender,rosh,swb,worker,notes\n"
               "=HYPERLINK(1),Referral Order,2018-10-01,Male,Low,Low,=cmd|x,secret\n"
               "C2,Referral Order,2018-10-02,Female,High,Medium,\"Smith, J\",secret\n"
               "C3,Youth Caution,2019-02-01,Male,Medium,High,@x,secret\n"
               "C4,Youth Caution,2017-02-01,Male,Medium,High,+y,secret\n");
    auto r = run_cli(draw_args(pop, base + "/s", "--seed 1 --size court=2,out-of-court=1 --keep-columns worker"));
    REQUIRE(r.exit_code == 0);
    auto sample = read_text(base + "/s/sample.csv");
    CHECK(sample.find(",worker\n") != std::string::npos);
    CHECK(sample.find("secret") == std::string::npos);
    CHECK(sample.find("'=HYPERLINK(1)") != std::string::npos);
    CHECK(sample.find("'=cmd|x") != std::string::npos);
    CHECK(sample.find("\"Smith, J\"") != std::string::npos);
    CHECK(read_text(base + "/s/excluded.csv").find("C4,Youth Caution,2017-02-01,out-of-court,\"too old") !=
          std::string::npos);
}

TEST_CASE("CRLF line ends, a byte-order mark and quoted fields give the same sample as plain LF") {
    auto base = temp_dir();
    auto text = read_text(kPopulation);
    std::string crlf = "\xEF\xBB\xBF";
    for (char c : text) {
        if (c == '\n') crlf += "\r\n";
        else crlf += c;
    }
    // Quote every Referral Order cell, as Excel might.
    for (std::size_t p = 0; (p = crlf.find(",Referral Order,", p)) != std::string::npos; p += 18)
        crlf.replace(p, 16, ",\"Referral Order\",");
    write_text(base + "/crlf.csv", crlf);
    REQUIRE(run_cli(draw_args(kPopulation, base + "/a", "--seed 8")).exit_code == 0);
    auto r = run_cli(draw_args(base + "/crlf.csv", base + "/b", "--seed 8"));
    REQUIRE(r.exit_code == 0);
    for (auto f : kFiles) CHECK(read_text(base + "/a/" + f) == read_text(base + "/b/" + f));
}

TEST_CASE("bad population files: one line file:line:column, exit 2, and no output folder") {
    struct Bad {
        const char* file;
        const char* place;
        const char* words;
    };
    const Bad cases[] = {
        {"missing_column.csv", ":1: ", "no column for rosh (line 1 has 5 columns: 'case_id', 'disposal_type', "
                                       "'disposal_date', 'gender', 'swb'); none is like it"},
        {"unknown_category.csv", ":3:5: ", "unknown rosh 'Extreme'"},
        {"unknown_disposal.csv", ":3:2: ", "unknown disposal_type 'Court Martial'"},
        {"empty_cell.csv", ":3:4: ", "empty gender"},
        {"bad_date.csv", ":3:3: ", "bad disposal_date '2019-02-30'"},
        {"duplicate_id.csv", ":4:1: ", "case id 'C1' appears twice (first on line 2)"},
        {"empty.csv", ": ", "the file is empty"},
        {"header_only.csv", ": ", "no cases"},
        {"ragged_row.csv", ":3: ", "expected 6 fields"},
        {"unclosed_quote.csv", ":3:2: ", "never closed"},
        {"not_utf8.csv", ":3:", "not UTF-8"},
    };
    auto base = temp_dir();
    for (const auto& c : cases) {
        CAPTURE(c.file);
        auto path = source_path(std::string("fixtures/bad/") + c.file);
        auto out = base + "/" + c.file + ".out";
        auto r = run_cli(draw_args(path, out, "--seed 1"));
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(path + c.place) == 0);
        CHECK(r.err.find(c.words) != std::string::npos);
        CHECK(count_lines(r.err) == 1);
        CHECK(r.out.empty());
        CHECK_FALSE(fs::exists(out));
    }
    // --unknown-as keeps an unmatched stratifier value as its own category instead.
    auto r = run_cli(draw_args(source_path("fixtures/bad/unknown_category.csv"), base + "/ok",
                               "--seed 1 --size court=1,out-of-court=1 --unknown-as \"Not known\""));
    CHECK(r.exit_code == 0);
    CHECK(read_text(base + "/ok/sample.csv").find("Not known") != std::string::npos);
}

TEST_CASE("substitute swaps in a reserve, rewrites the files and appends to the audit log") {
    auto dir = temp_dir() + "/s";
    REQUIRE(run_cli(draw_args(kPopulation, dir, "--seed 3 --reserve 2")).exit_code == 0);
    auto sample = read_table(dir + "/sample.csv");
    auto first = sample.rows[0][0];
    auto second = sample.rows[1][0];
    auto r = run_cli("substitute " + dir + " --drop " + first + " --reason \"moved out of area\"");
    REQUIRE(r.exit_code == 0);
    auto after = read_table(dir + "/sample.csv");
    CHECK(after.rows.size() == sample.rows.size());
    CHECK(after.rows[0][0] != first);
    CHECK(after.rows[0][6] == "1");  // the substitute takes the dropped case's selection order
    auto log = read_table(dir + "/audit-log.csv");
    REQUIRE(log.rows.size() == 1);
    CHECK(log.rows[0][log.col("dropped_id")] == first);
    CHECK(log.rows[0][log.col("substitute_id")] == after.rows[0][0]);
    CHECK(log.rows[0][log.col("reason")] == "moved out of area");
    CHECK(log.rows[0][log.col("misses_before")] == "within floor/ceiling");
    CHECK(count_lines(read_text(dir + "/reserves.csv")) == 1 + 3);
    CHECK(nlohmann::json::parse(read_text(dir + "/manifest.json"))["substitutions"] == 1);

    // verify replays the audit log.
    auto v = run_cli("verify " + dir + "/manifest.json");
    CHECK(v.exit_code == 0);
    CHECK(v.out.find("identical") == 0);

    // Errors: unknown id, a case not in the sample, no reserve left.
    r = run_cli("substitute " + dir + " --drop NOBODY --reason x");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("no case 'NOBODY'") != std::string::npos);
    // A case dropped earlier: which row of the log dropped it, for which reserve, and when.
    r = run_cli("substitute " + dir + " --drop " + first + " --reason x");
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("--drop: case '" + first + "' was already dropped (audit-log.csv line 2: replaced by " +
                             after.rows[0][0] + " on " + log.rows[0][log.col("time")].substr(0, 10) +
                             "); only a case listed in sample.csv can be dropped") != std::string::npos, r.err);
    CHECK(count_lines(r.err) == 1);
    // A reserve is not in the sample: said so, with its place in reserves.csv.
    const auto reserves = read_table(dir + "/reserves.csv");
    r = run_cli("substitute " + dir + " --drop " + reserves.rows[0][0] + " --reason x");
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("--drop: case '" + reserves.rows[0][0] + "' is a reserve (" + reserves.rows[0][1] +
                             ", reserve_order " + reserves.rows[0][reserves.col("reserve_order")] +
                             " in reserves.csv), not in the sample; only a case listed in sample.csv can be dropped") !=
                      std::string::npos, r.err);
    // A case never drawn, and one not eligible.
    const auto excluded = read_table(dir + "/excluded.csv");
    r = run_cli("substitute " + dir + " --drop " + excluded.rows[0][0] + " --reason x");
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("is not in the sample: it is not eligible (listed in excluded.csv)") != std::string::npos, r.err);
    {
        std::set<std::string> listed;
        for (const Table* t : {static_cast<const Table*>(&after), &reserves, &excluded})
            for (const auto& row : t->rows) listed.insert(row[0]);
        listed.insert(first);
        std::string never;
        for (const auto& row : read_table(kPopulation).rows)
            if (!listed.count(row[0])) {
                never = row[0];
                break;
            }
        REQUIRE(!never.empty());
        r = run_cli("substitute " + dir + " --drop " + never + " --reason x");
        CHECK(r.exit_code == 2);
        CHECK_MESSAGE(r.err.find("' is not in the sample: it is eligible (") != std::string::npos, r.err);
        CHECK(r.err.find(") but was drawn neither into the sample nor as a reserve") != std::string::npos);
    }
    REQUIRE(run_cli("substitute " + dir + " --drop " + second + " --reason \"second\"").exit_code == 0);
    auto third = read_table(dir + "/sample.csv").rows[2][0];
    r = run_cli("substitute " + dir + " --drop " + third + " --reason x");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("no reserve is left") != std::string::npos);
    CHECK(read_table(dir + "/audit-log.csv").rows.size() == 2);
    CHECK(run_cli("verify " + dir + "/manifest.json").exit_code == 0);
}

TEST_CASE("verify says which file changed: an input, or a file of the sample folder") {
    auto base = temp_dir();
    auto pop = base + "/pop.csv";
    write_text(pop, read_text(kPopulation));
    auto dir = base + "/s";
    REQUIRE(run_cli(draw_args(pop, dir, "--seed 4")).exit_code == 0);
    auto v = run_cli("verify " + dir + "/manifest.json --format json");
    REQUIRE(v.exit_code == 0);
    CHECK(nlohmann::json::parse(v.out)["identical"] == true);

    auto sample = read_text(dir + "/sample.csv");
    auto edited = sample;
    edited[edited.find("\n") + 3] = 'X';
    write_text(dir + "/sample.csv", edited);
    v = run_cli("verify " + dir + "/manifest.json");
    CHECK(v.exit_code == 1);
    {
        const auto first = edited.find('\n') + 1;
        const auto was = sample.substr(first, sample.find(',', first) - first), now = edited.substr(first, edited.find(',', first) - first);
        CHECK_MESSAGE(v.out.find("sample.csv does not hold the re-draw's cases in its order: case " + was +
                                 " (line 2 of the re-draw) is missing from it; case " + now +
                                 " (line 2) is not in the re-draw (added by hand?)") != std::string::npos, v.out);
    }
    write_text(dir + "/sample.csv", sample);

    write_text(pop, read_text(kPopulation) + "C999999,Referral Order,2018-10-16,Male,Low,Low,W,n\n");
    v = run_cli("verify " + dir + "/manifest.json");
    CHECK(v.exit_code == 1);
    CHECK(v.out.find("population file " + pop + " has changed since the draw") != std::string::npos);
    fs::remove(pop);
    v = run_cli("verify " + dir + "/manifest.json");
    CHECK(v.exit_code == 2);
    CHECK(v.out.find("DIFFERENT") == std::string::npos);
    CHECK(v.out.find("CANNOT VERIFY") != std::string::npos);
}

TEST_CASE("verify says in words when the cases and their order are the re-draw's and only columns differ (exit 1)") {
    auto dir = temp_dir() + "/s";
    REQUIRE(run_cli(draw_args(kPopulation, dir, "--seed 4")).exit_code == 0);
    const auto original = read_table(dir + "/sample.csv");
    const auto sample_text = read_text(dir + "/sample.csv");
    auto write_rows = [&](const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
        std::string text;
        auto line = [&](const std::vector<std::string>& cells) {
            for (std::size_t c = 0; c < cells.size(); ++c) text += (c ? "," : "") + cells[c];
            text += "\n";
        };
        line(header);
        for (const auto& row : rows) line(row);
        write_text(dir + "/sample.csv", text);
    };
    // A stratifier cell edited by hand on two rows, and a notes column added.
    auto header = original.header;
    auto rows = original.rows;
    const auto swb = original.col("swb");
    const auto was = rows[2][swb];
    rows[2][swb] = was == "High" ? "Low" : "High";
    rows[5][swb] = rows[5][swb] == "High" ? "Low" : "High";
    header.push_back("notes");
    for (auto& row : rows) row.push_back("");
    rows[0].back() = "phoned";
    write_rows(header, rows);
    auto v = run_cli("verify " + dir);
    CHECK(v.exit_code == 1);
    // The summary counts files, values and columns, and leaves "the same cases in the same order" to the file's line.
    CHECK_MESSAGE(v.out.find("DIFFERENT: differences in 1 file (2 values in 1 column and 1 column added)\n") == 0, v.out);
    CHECK(v.out.find("the same cases in the same order") == v.out.rfind("the same cases in the same order"));
    CHECK(v.out.find("sample.csv: the same cases in the same order; only these columns differ: swb (2 rows, first at "
                     "line 4: expected '" + was + "', found '" + rows[2][swb] + "'); notes (not written by casesample: "
                     "added by hand?)") != std::string::npos);
    auto j = nlohmann::json::parse(run_cli("verify " + dir + " --format json").out);
    CHECK(j["status"] == "different");
    CHECK(j["only_columns_differ"] == true);
    // A column taken out, the others in another order.
    header = original.header;
    rows = original.rows;
    const auto probability = original.col("inclusion_probability");
    header.erase(header.begin() + static_cast<std::ptrdiff_t>(probability));
    for (auto& row : rows) row.erase(row.begin() + static_cast<std::ptrdiff_t>(probability));
    std::swap(header[1], header[2]);
    for (auto& row : rows) std::swap(row[1], row[2]);
    write_rows(header, rows);
    v = run_cli("verify " + dir);
    CHECK(v.exit_code == 1);
    CHECK(v.out.find("only this column differs: inclusion_probability (missing: the re-draw writes it); the columns "
                     "are in another order") != std::string::npos);
    CHECK_MESSAGE(v.out.find("DIFFERENT: differences in 1 file (1 column missing)\n") == 0, v.out);
    // The same cells written otherwise (a quoted cell).
    auto quoted = sample_text;
    const auto second = quoted.find('\n') + 1;
    const auto comma = quoted.find(',', second);
    quoted.insert(comma, "\"");
    quoted.insert(second, "\"");
    write_text(dir + "/sample.csv", quoted);
    v = run_cli("verify " + dir);
    CHECK(v.exit_code == 1);
    CHECK(v.out.find("sample.csv: the same cases in the same order with the same cells; only the way the file is "
                     "written differs (quotes, line endings, blank lines), first at line 2, character 1") != std::string::npos);
    // Two cases swapped: not the same order, so the case out of place is named.
    rows = original.rows;
    std::swap(rows[0], rows[1]);
    write_rows(original.header, rows);
    v = run_cli("verify " + dir);
    CHECK(v.exit_code == 1);
    CHECK_MESSAGE(v.out.find("sample.csv does not hold the re-draw's cases in its order: case " + original.rows[1][0] +
                             " (line 2; the re-draw has it at line 3) is in another place than in the re-draw") !=
                      std::string::npos, v.out);
    CHECK_MESSAGE(v.out.find("DIFFERENT: differences in 1 file\n") == 0, v.out);
    j = nlohmann::json::parse(run_cli("verify " + dir + " --format json").out);
    CHECK(j["only_columns_differ"] == false);
    write_text(dir + "/sample.csv", sample_text);
    CHECK(run_cli("verify " + dir).exit_code == 0);
}

TEST_CASE("a population read from a named pipe that has a problem is one error, not a wait for a second writer") {
    // The error's hints used to open the file again (to tell a workbook from a CSV); a named pipe opened again
    // waits for a writer forever. `timeout` turns a hang into exit code 124.
    auto base = temp_dir();
    write_text(base + "/dup.csv", "case_id,disposal_type,disposal_date,gender,rosh,swb\n"
                                  "C1,Referral Order,2018-11-01,Male,Low,Low\n"
                                  "C2,Referral Order,2018-11-02,Male,Low,Low\n"
                                  "C1,Referral Order,2018-11-01,Male,Low,Low\n");
    const std::string fifo = base + "/export.csv";
    REQUIRE(std::system(("mkfifo " + fifo).c_str()) == 0);
    // The writer fills the pipe once and goes; casesample gets 60 s (it needs well under one).
    const std::string cmd = "(cat " + base + "/dup.csv > " + fifo + " &); timeout 60 " + std::string(CASESAMPLE_BINARY) +
                            " draw " + fifo + " --fieldwork 2019-06-03 --size court=1 --out " + base +
                            "/s >" + base + "/out 2>" + base + "/err";
    const int status = std::system(cmd.c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);  // 124: timed out waiting on the pipe
    const auto err = read_text(base + "/err");
    CHECK(err.find(fifo + ":4:1: case id 'C1' appears twice") == 0);
    CHECK(!std::filesystem::exists(base + "/s"));
}

TEST_CASE("a population that is not text gets the advice to save it as CSV, not a lint hint, size --from's hint works") {
    auto base = temp_dir();
    write_text(base + "/book.csv", std::string("PK\x03\x04", 4) + std::string(200, 'x'));
    write_text(base + "/utf16.csv", std::string("\xFF\xFE", 2) + std::string("c\0a\0s\0e\0_\0i\0d\0\n\0", 16));
    for (const auto& file : {base + "/book.csv", base + "/utf16.csv"}) {
        for (const auto& command : {"size --from " + file + " --fieldwork 2019-06-03",
                                    "draw " + file + " --fieldwork 2019-06-03 --out " + base + "/s",
                                    "check " + file + " " + base + "/nowhere --fieldwork 2019-06-03"}) {
            auto r = run_cli(command);
            CAPTURE(command);
            CHECK(r.exit_code == 2);
            CHECK(r.err.find("CSV UTF-8") != std::string::npos);
            CHECK(r.err.find("lint") == std::string::npos);
        }
    }
    // size --from needs only case_id, disposal_type and disposal_date: its hint is a lint that reads only those.
    write_text(base + "/counts.csv", "case_id,disposal_type,disposal_date\nC1,Referral Order,2019-01-01\n"
                                     "C2,Bogus,2019-01-01\n");
    auto r = run_cli("size --from " + base + "/counts.csv --fieldwork 2019-06-03");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("unknown disposal_type 'Bogus'") != std::string::npos);
    CHECK(r.err.find("(to see every problem at once, run: casesample lint " + base + "/counts.csv --stratify "
                     "disposal_type --fieldwork 2019-06-03)\n") != std::string::npos);
    // Its other reading options go along, but not a --column for a stratifier size does not read.
    r = run_cli("size --from " + base + "/counts.csv --fieldwork 2019-06-03 --column rosh=Risk --column "
                "case_id=case_id --court-window 5-9");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("(to see every problem at once, run: casesample lint " + base + "/counts.csv --column "
                     "case_id=case_id --stratify disposal_type --fieldwork 2019-06-03 --court-window 5-9)\n") !=
          std::string::npos);
    // check gives its own options, and the stratifiers of a sample drawn on others than the usual four.
    auto c = run_cli("check " + base + "/counts.csv " + base + "/nowhere.csv --column rosh=Risk");
    CHECK(c.exit_code == 2);
    CHECK(c.err.find("(to see every problem at once, run: casesample lint " + base + "/counts.csv --column rosh=Risk)\n") !=
          std::string::npos);
    write_text(base + "/sample.csv", "case_id,domain,disposal_type,rosh,selection_order\nC1,court,Referral Order,Low,1\n");
    c = run_cli("check " + base + "/counts.csv " + base + "/sample.csv");
    CHECK(c.exit_code == 2);
    CHECK(c.err.find("(to see every problem at once, run: casesample lint " + base + "/counts.csv --stratify "
                     "disposal_type,rosh)\n") != std::string::npos);
    // ... and that lint runs, listing the problem rather than the stratifier columns the file does not have.
    auto lint = run_cli("lint " + base + "/counts.csv --stratify disposal_type --fieldwork 2019-06-03");
    CHECK(lint.exit_code == 2);
    CHECK(lint.out.find("1 problem of 1 kind") != std::string::npos);
    CHECK(lint.out.find("unknown disposal_type (1)") != std::string::npos);
    CHECK((lint.out + lint.err).find("no column for") == std::string::npos);
}

TEST_CASE("draw's first problem of a population ends with the whole lint command to run, with the draw's reading options") {
    auto base = temp_dir();
    const auto bad = source_path("fixtures/bad/bad_date.csv");
    auto r = run_cli("draw " + bad + " --fieldwork 03/06/2019 --seed 1 --reserve 2 --column rosh=RoSH --unknown-as "
                     "'Not known' --court-window 5-9 --out " + base + "/s");
    CHECK(r.exit_code == 2);
    const std::string lint = "casesample lint " + bad + " --column rosh=RoSH --unknown-as 'Not known' --fieldwork "
                             "03/06/2019 --court-window 5-9";
    CHECK(r.err.find(" (to see every problem at once, run: " + lint + ")\n") != std::string::npos);
    CHECK(r.err.find("same options") == std::string::npos);
    CHECK_FALSE(fs::exists(base + "/s"));
    // The command runs as given (without its first word, the program), and lists the problem.
    auto l = run_cli(lint.substr(std::string("casesample ").size()));
    CHECK(l.exit_code == 2);
    CHECK(l.out.find("bad disposal_date") != std::string::npos);
}

TEST_CASE("verify cannot verify when an input is not there: it says so, exit 2, never DIFFERENT") {
    auto base = temp_dir();
    auto pop = base + "/pop.csv";
    write_text(pop, read_text(kPopulation));
    auto vocab = base + "/extra.csv";
    write_text(vocab, "variable,category,synonyms,domain\ndisposal_type,Court Martial,CM,court\n");
    auto dir = base + "/s";
    REQUIRE(run_cli(draw_args(pop, dir, "--seed 4 --add-vocabulary " + vocab)).exit_code == 0);

    // The population moved: nothing is compared.
    fs::rename(pop, base + "/moved.csv");
    auto v = run_cli("verify " + dir);
    CHECK(v.exit_code == 2);
    CHECK(v.err.empty());
    CHECK(v.out.find("DIFFERENT") == std::string::npos);
    CHECK(v.out.find("difference") == std::string::npos);
    CHECK(v.out.rfind("CANNOT VERIFY: an input of the draw is not there, so nothing was re-drawn or compared\n", 0) == 0);
    CHECK(v.out.find("the population file " + pop + " is not there (moved or deleted?); give its new place with "
                     "--input population=PATH") != std::string::npos);
    auto j = nlohmann::json::parse(run_cli("verify " + dir + " --format json").out);
    CHECK(j["status"] == "cannot_verify");
    CHECK(j["identical"] == false);
    REQUIRE(j["cannot_verify"].size() == 1);
    CHECK(j["cannot_verify"][0].get<std::string>().find("population file") != std::string::npos);
    CHECK(j["differences"].empty());
    CHECK(j["files_checked"].empty());
    CHECK(run_cli("verify " + dir + " --format json").exit_code == 2);

    // Another recorded input gone too: both named.
    fs::remove(vocab);
    v = run_cli("verify " + dir);
    CHECK(v.exit_code == 2);
    CHECK(v.out.find("CANNOT VERIFY: 2 inputs of the draw are not there") != std::string::npos);
    CHECK(v.out.find("the add_vocabulary file " + vocab + " is not there") != std::string::npos);

    // --input naming no file, or another file, is still not the input: cannot verify.
    v = run_cli("verify " + dir + " --input population=" + base + "/nowhere.csv --input add_vocabulary=" + base);
    CHECK(v.exit_code == 2);
    CHECK(v.out.find("--input population=" + base + "/nowhere.csv: there is no file there") != std::string::npos);
    CHECK(v.out.find("(it is a folder; give the file itself)") != std::string::npos);

    // Given their new places, it verifies.
    write_text(vocab, "variable,category,synonyms,domain\ndisposal_type,Court Martial,CM,court\n");
    v = run_cli("verify " + dir + " --input population=" + base + "/moved.csv");
    CHECK_MESSAGE(v.exit_code == 0, v.out);
    CHECK(v.out.find("identical") != std::string::npos);
    j = nlohmann::json::parse(run_cli("verify " + dir + " --input population=" + base + "/moved.csv --format json").out);
    CHECK(j["status"] == "identical");
    CHECK(j["cannot_verify"].empty());

    // A broken audit log is still reported when the inputs are not there, under the CANNOT VERIFY verdict.
    auto sample = read_table(dir + "/sample.csv");
    REQUIRE(run_cli("substitute " + dir + " --drop " + sample.rows.at(0).at(0) + " --reason ill --no-replacement --input population=" +
                    base + "/moved.csv").exit_code == 0);
    fs::remove(dir + "/audit-log.csv");
    v = run_cli("verify " + dir);
    CHECK(v.exit_code == 2);
    CHECK(v.out.find("CANNOT VERIFY") == 0);
    CHECK(v.out.find("Found without re-drawing: 1 problem in the audit log\n  audit log: ") != std::string::npos);
    // substitute too says what is missing, as bad input (exit 2), and changes nothing.
    auto r = run_cli("substitute " + dir + " --drop " + sample.rows.at(1).at(0) + " --reason ill");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("cannot substitute: an input of the draw is not there") != std::string::npos);
}

TEST_CASE("draw with no eligible case, or an unusable option, stops with exit 2 and writes nothing") {
    auto base = temp_dir();
    auto r = run_cli("draw " + kPopulation + " --fieldwork 2030-01-01 --seed 1 --out " + base + "/a");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("no case is eligible for the fieldwork date 2030-01-01") != std::string::npos);
    CHECK_FALSE(fs::exists(base + "/a"));
    r = run_cli("draw " + kPopulation + " --fieldwork 2019-13-03 --seed 1 --out " + base + "/a");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("is not a date") != std::string::npos);
    r = run_cli("draw " + kPopulation + " --fieldwork 2019-06-03 --court-window 9-6 --out " + base + "/a");
    CHECK(r.exit_code == 2);
    r = run_cli("draw " + kPopulation + " --fieldwork 2019-06-03 --method random --out " + base + "/a");
    CHECK(r.exit_code == 2);
    r = run_cli("draw " + kPopulation + " --fieldwork 2019-06-03 --size appeals=3 --out " + base + "/a");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("no domain 'appeals'") != std::string::npos);
    CHECK_FALSE(fs::exists(base + "/a"));
}

TEST_CASE("wider windows make more cases eligible, and the manifest records the dates") {
    auto base = temp_dir();
    auto r = run_cli(draw_args(kPopulation, base + "/a", "--seed 1 --court-window 5-10 --ooc-window 2-6 --format json"));
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["domains"][0]["eligible"].get<int>() > 71);
    CHECK(j["domains"][1]["eligible"].get<int>() > 39);
    auto m = nlohmann::json::parse(read_text(base + "/a/manifest.json"));
    CHECK(m["eligibility"]["windows"][0]["first_date"] == "2018-08-03");
    CHECK(m["eligibility"]["windows"][0]["last_date"] == "2019-01-03");
    CHECK(run_cli("verify " + base + "/a/manifest.json").exit_code == 0);
}

TEST_CASE("vocabulary files are hashed into the manifest, and verify notices when one changes") {
    auto base = temp_dir();
    auto vocab = base + "/extra.csv";
    write_text(vocab, "variable,category,synonyms,domain\ndisposal_type,Court Martial,CM,court\n");
    auto pop = base + "/pop.csv";
    write_text(pop, read_text(kPopulation) + "C900001,Court Martial,2018-10-16,Male,Low,Low,W,n\n");
    auto dir = base + "/s";
    auto r = run_cli(draw_args(pop, dir, "--seed 6 --add-vocabulary " + vocab));
    REQUIRE(r.exit_code == 0);
    auto m = nlohmann::json::parse(read_text(dir + "/manifest.json"));
    REQUIRE(m["inputs"].size() == 2);
    CHECK(m["inputs"][1]["role"] == "add_vocabulary");
    CHECK(m["inputs"][1]["sha256"].get<std::string>().size() == 64);
    CHECK(m["domains"][0]["eligible"] == 72);
    CHECK(run_cli("verify " + dir + "/manifest.json").exit_code == 0);
    write_text(vocab, "variable,category,synonyms,domain\ndisposal_type,Court Martial,CM|Martial,court\n");
    auto v = run_cli("verify " + dir + "/manifest.json");
    CHECK(v.exit_code == 1);
    CHECK(v.out.find("add_vocabulary file " + vocab + " has changed since the draw") != std::string::npos);
}

TEST_CASE("check on a drawn sample reports the same balance as draw, for every method and many seeds") {
    auto base = temp_dir();
    for (int seed = 1; seed <= 6; ++seed) {
        const char* method = seed % 3 == 0 ? "balanced" : seed % 3 == 1 ? "cells" : "systematic";
        auto dir = base + "/s" + std::to_string(seed);
        auto d = run_cli(draw_args(kPopulation, dir, "--format json --seed " + std::to_string(seed) + " --method " + method));
        REQUIRE(d.exit_code == 0);
        auto c = run_cli("check " + kPopulation + " " + dir + "/sample.csv --fieldwork 2019-06-03 --format json");
        REQUIRE(c.exit_code == 0);
        CHECK(nlohmann::json::parse(d.out)["balance"] == nlohmann::json::parse(c.out)["balance"]);
    }
}

TEST_CASE("substitute refuses, exit 1, while another command holds the sample folder's lock") {
    auto dir = temp_dir() + "/locked";
    REQUIRE(run_cli(draw_args(kPopulation, dir, "--seed 3 --reserve 2")).exit_code == 0);
    auto sample = read_text(dir + "/sample.csv");
    auto first = sample.substr(sample.find('\n') + 1);
    first = first.substr(0, first.find(','));
    int fd = ::open((dir + "/.casesample.lock").c_str(), O_RDWR | O_CREAT, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX) == 0);
    auto r = run_cli("substitute " + dir + " --drop " + first + " --reason \"moved\"");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("is being changed by another casesample command; wait for it to finish") != std::string::npos);
    CHECK_FALSE(fs::exists(dir + "/audit-log.csv"));
    ::close(fd);
    r = run_cli("substitute " + dir + " --drop " + first + " --reason \"moved\"");
    CHECK(r.exit_code == 0);
    CHECK(count_lines(read_text(dir + "/audit-log.csv")) == 2);
}

TEST_CASE("draw --reserve and --seed refuse negative and too large numbers, quoting what was typed") {
    auto base = temp_dir();
    struct Case {
        const char* extra;
        const char* message;
    };
    for (auto c : {Case{"--seed 1 --reserve -3", "--reserve must be a whole number from 0 to 100000, got '-3'"},
                   Case{"--seed 1 --reserve 100001", "--reserve must be a whole number from 0 to 100000, got '100001'"},
                   Case{"--seed -1", "--seed must be a whole number from 0 to 18446744073709551615, got '-1'"},
                   Case{"--seed 18446744073709551616",
                        "--seed must be a whole number from 0 to 18446744073709551615, got '18446744073709551616'"},
                   Case{"--seed 1x", "--seed must be a whole number from 0 to 18446744073709551615, got '1x'"}}) {
        CAPTURE(c.extra);
        auto r = run_cli(draw_args(kPopulation, base + "/x", c.extra));
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(c.message) != std::string::npos);
        CHECK_FALSE(fs::exists(base + "/x"));
    }
    auto r = run_cli(draw_args(kPopulation, base + "/max", "--seed 18446744073709551615"));
    CHECK(r.exit_code == 0);
    CHECK(nlohmann::json::parse(read_text(base + "/max/manifest.json"))["seed"] == 18446744073709551615ULL);
}

TEST_CASE("draw refuses sizes that are 0 in every domain, an empty --out, and an --out it cannot create") {
    auto base = temp_dir();
    auto r = run_cli(draw_args(kPopulation, base + "/zero", "--seed 1 --size court=0,out-of-court=0"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("nothing to draw") != std::string::npos);
    CHECK_FALSE(fs::exists(base + "/zero"));
    CHECK(run_cli(draw_args(kPopulation, base + "/one", "--seed 1 --size court=0,out-of-court=3")).exit_code == 0);
    r = run_cli(draw_args(kPopulation, "\"\"", "--seed 1"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--out needs the name of a folder") != std::string::npos);
    r = run_cli(draw_args(kPopulation, "/proc/casesample-x", "--seed 1"));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("cannot create the folder /proc/casesample-x") != std::string::npos);
    CHECK(r.err.find("filesystem error") == std::string::npos);
}

TEST_CASE("check and substitute take back the escaped case ids that sample.csv holds, and --drop takes either form") {
    auto base = temp_dir();
    auto pop = base + "/pop.csv";
    write_text(pop,
               "case_id,disposal_type,disposal_date,gender,rosh,swb\n"
               "-C1,Referral Order,2018-10-01,Male,Low,Low\n"
               "=C2,Referral Order,2018-10-02,Male,Low,Low\n"
               "+C3,Referral Order,2018-10-03,Male,Low,Low\n"
               "@C4,Referral Order,2018-10-04,Male,Low,Low\n"
               "-C5,Referral Order,2018-10-05,Male,Low,Low\n"
               "-C6,Youth Caution,2019-02-01,Male,Medium,High\n");
    auto dir = base + "/s";
    REQUIRE(run_cli(draw_args(pop, dir, "--seed 1 --size court=2,out-of-court=1 --reserve 3")).exit_code == 0);
    auto sample = read_text(dir + "/sample.csv");
    CHECK(sample.find("\n'-C6,") != std::string::npos);
    auto r = run_cli("check " + pop + " " + dir + "/sample.csv --fieldwork 2019-06-03");
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("is not in the population") == std::string::npos);
    auto rows = sample.substr(sample.find('\n') + 1);
    auto first = rows.substr(0, rows.find(','));
    rows = rows.substr(rows.find('\n') + 1);
    auto second = rows.substr(0, rows.find(','));
    REQUIRE(first.size() == 4);
    REQUIRE(first[0] == '\'');
    // The escaped form, as copied from sample.csv.
    r = run_cli("substitute " + dir + " --drop \"" + first + "\" --reason moved");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Dropped " + first.substr(1) + " (court)") != std::string::npos);
    // The plain form, as in the population file.
    r = run_cli("substitute " + dir + " --drop=\"" + second.substr(1) + "\" --reason moved");
    CHECK(r.exit_code == 0);
    CHECK(run_cli("verify " + dir + "/manifest.json").exit_code == 0);
    CHECK(run_cli("check " + pop + " " + dir + "/sample.csv --fieldwork 2019-06-03").exit_code == 0);
}

TEST_CASE("draw --keep-columns refuses a column that sample.csv already has, or one named twice") {
    auto base = temp_dir();
    for (auto keep : {"case_id", "rosh", "worker,case_id", "selection_order"}) {
        CAPTURE(keep);
        auto r = run_cli(draw_args(kPopulation, base + "/x", std::string("--seed 1 --keep-columns ") + keep));
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("is already a column of sample.csv") != std::string::npos);
        CHECK_FALSE(fs::exists(base + "/x"));
    }
    auto r = run_cli(draw_args(kPopulation, base + "/x", "--seed 1 --keep-columns worker,worker"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("'worker' is named twice") != std::string::npos);
}

TEST_CASE("draw --window must name a known domain") {
    auto base = temp_dir();
    auto r = run_cli(draw_args(kPopulation, base + "/x", "--seed 1 --window youth=1-2"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--window youth=1-2: there is no domain 'youth'; the domains are court, out-of-court") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(base + "/x"));
    r = run_cli("check " + kPopulation + " " + kPopulation + " --fieldwork 2019-06-03 --window youth=1-2");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("there is no domain 'youth'") != std::string::npos);
    CHECK(run_cli(draw_args(kPopulation, base + "/ok", "--seed 1 --window out-of-court=3-6")).exit_code == 0);
}

TEST_CASE("a window's error starts with its option: reversed, not FROM-TO, too far back") {
    auto base = temp_dir();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"--court-window 9-6",
         "casesample: --court-window: '9-6' ends before it starts; give the months as FROM-TO with FROM <= TO, e.g. 6-9\n"},
        {"--ooc-window 5-3",
         "casesample: --ooc-window: '5-3' ends before it starts; give the months as FROM-TO with FROM <= TO, e.g. 3-5\n"},
        {"--court-window 9",
         "casesample: --court-window: '9' is not a window of months; give it as FROM-TO, two whole numbers of months "
         "before fieldwork with FROM <= TO, e.g. 6-9\n"},
        {"--ooc-window 0-601",
         "casesample: --ooc-window: '0-601' reaches too far back; a window counts at most 600 months (50 years) before "
         "fieldwork, e.g. 6-9\n"},
        {"--window court=9-6",
         "casesample: --window court: '9-6' ends before it starts; give the months as FROM-TO with FROM <= TO, e.g. 6-9\n"},
        {"--window court",
         "casesample: --window: 'court' is not DOMAIN=FROM-TO; give it as e.g. out-of-court=3-5\n"},
    };
    for (const auto& [options, message] : cases) {
        CAPTURE(options);
        auto r = run_cli(draw_args(kPopulation, base + "/x", "--seed 1 " + options));
        CHECK(r.exit_code == 2);
        CHECK(r.err == message);
        CHECK_FALSE(fs::exists(base + "/x"));
    }
}

TEST_CASE("--fieldwork DD/MM/YYYY is recorded in the manifest as YYYY-MM-DD, and the error names both forms") {
    auto base = temp_dir();
    auto r = run_cli("draw " + kPopulation + " --fieldwork 03/06/2019 --seed 5 --out " + base + "/uk");
    REQUIRE(r.exit_code == 0);
    auto m = nlohmann::json::parse(read_text(base + "/uk/manifest.json"));
    CHECK(m["eligibility"]["fieldwork"] == "2019-06-03");
    // Only the command line as typed keeps the UK form.
    CHECK(without_command_line(read_text(base + "/uk/manifest.json")).find("03/06/2019") == std::string::npos);
    REQUIRE(run_cli(draw_args(kPopulation, base + "/iso", "--seed 5")).exit_code == 0);
    CHECK(read_text(base + "/uk/sample.csv") == read_text(base + "/iso/sample.csv"));
    CHECK(run_cli("verify " + base + "/uk/manifest.json").exit_code == 0);
    r = run_cli("draw " + kPopulation + " --fieldwork 2019.06.03 --seed 5 --out " + base + "/bad");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("expected YYYY-MM-DD, such as 2019-06-03, or DD/MM/YYYY, such as 03/06/2019") != std::string::npos);
}

TEST_CASE("a bad value in a manifest is placed at its own entry, not at the first key of that name in the file") {
    auto dir = temp_dir() + "/s";
    REQUIRE(run_cli(draw_args(kPopulation, dir, "--seed 4 --vocabulary " + source_path("fixtures/vocabulary.csv")))
                .exit_code == 0);
    const auto manifest = dir + "/manifest.json";
    auto text = read_text(manifest);
    // Two inputs, population then vocabulary, each with "bytes": the vocabulary's is made negative.
    const auto first = text.find("\"bytes\": ");
    REQUIRE(first != std::string::npos);
    const auto second = text.find("\"bytes\": ", first + 1);
    REQUIRE(second != std::string::npos);
    const auto end = text.find_first_of(",\n}", second + 9);
    text.replace(second + 9, end - (second + 9), "-1");
    write_text(manifest, text);
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(second), '\n');
    const auto column = second - text.rfind('\n', second);
    auto r = run_cli("verify " + dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err == manifest + ":" + std::to_string(line) + ":" + std::to_string(column) +
                       ": not a readable casesample manifest: \"bytes\" has the value -1, which is not what casesample "
                       "draw writes there (edited by hand?)\n");
    const auto first_line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(first), '\n');
    CHECK(first_line < line);
}

TEST_CASE("a broken manifest is reported at file:line:column in plain words, without the JSON library's codes") {
    auto dir = temp_dir();
    auto manifest = dir + "/manifest.json";
    write_text(manifest, "{\n");
    auto r = run_cli("verify " + manifest);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(manifest + ":2:1: not a readable casesample manifest: the file ends too early") !=
          std::string::npos);
    CHECK(r.err.find("json.exception") == std::string::npos);
    write_text(manifest, "{\"tool\": \"casesample\",\n \"seed\": 1}\n");
    r = run_cli("verify " + manifest);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("it has no \"version\" entry") != std::string::npos);
    CHECK(r.err.find("json.exception") == std::string::npos);
    write_text(manifest, "{\"tool\": \"casesample\", \"version\": \"1\", \"command_line\": [],\n \"seed\": \"x\"}\n");
    r = run_cli("verify " + manifest);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(manifest + ":2:2: not a readable casesample manifest: \"seed\" has the value 'x'") !=
          std::string::npos);
    CHECK(r.err.find("json.exception") == std::string::npos);
    write_text(manifest, "{\"tool\": \"casesample\" x}");
    r = run_cli("substitute " + dir + " --drop C1 --reason x");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(manifest + ":1:23: not a readable casesample manifest: this is not valid JSON") !=
          std::string::npos);
}

TEST_CASE("verify shows the text around the first differing byte, even in a manifest written on one line") {
    auto dir = temp_dir() + "/s";
    REQUIRE(run_cli(draw_args(kPopulation, dir, "--seed 4")).exit_code == 0);
    auto j = nlohmann::ordered_json::parse(read_text(dir + "/manifest.json"));
    j["cases_read"] = 999;
    write_text(dir + "/manifest.json", j.dump());
    auto v = run_cli("verify " + dir + "/manifest.json");
    CHECK(v.exit_code == 1);
    CHECK(v.out.find("manifest.json differs from the re-draw (command line aside)") != std::string::npos);
    CHECK(v.out.find("\"cases_read\": 999") != std::string::npos);
    CHECK(v.out.find("expected \"{\", found \"{\"") == std::string::npos);
    REQUIRE(run_cli(draw_args(kPopulation, dir, "--seed 4 --force")).exit_code == 0);
    auto sample = read_text(dir + "/sample.csv");
    auto second_line = sample.find('\n') + 1;
    sample[second_line + 3] = sample[second_line + 3] == '9' ? '8' : '9';
    write_text(dir + "/sample.csv", sample);
    v = run_cli("verify " + dir + "/manifest.json");
    CHECK(v.exit_code == 1);
    CHECK_MESSAGE(v.out.find("sample.csv does not hold the re-draw's cases in its order: case ") != std::string::npos, v.out);
    CHECK(v.out.find(", column ") == std::string::npos);
}

TEST_CASE("an option left without its value is refused, not handed the next option as its value") {
    auto base = temp_dir();
    auto r = run_cli(draw_args(kPopulation, base + "/s", "--seed 1 --xlsx --html " + base + "/p.html"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--xlsx needs a value, but the next argument is the option --html") != std::string::npos);
    CHECK_FALSE(fs::exists(base + "/s"));
    CHECK_FALSE(fs::exists("--html"));
    r = run_cli("draw " + kPopulation + " --fieldwork 2019-06-03 --seed 1 --out --force");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--out needs a value, but the next argument is the option --force") != std::string::npos);
    CHECK_FALSE(fs::exists("--force"));
    // A lone dash is still a value (stdout).
    write_text(base + "/counts.csv", "x,n\n42,50\n");
    r = run_cli("interval --from " + base + "/counts.csv --out -");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("42,50") != std::string::npos);
}

TEST_CASE("draw and size --from say how they read the fieldwork date, with the windows used, in text and JSON") {
    // 06/03/2019 is read day first: 6 March, not 3 June. The output says so in words, so a month-first date shows.
    const std::string line = "Eligible: fieldwork 6 March 2019 (2019-03-06): court disposals dated 2018-06-06 to "
                             "2018-09-06, out-of-court 2018-10-06 to 2018-12-06\n";
    auto dir = temp_dir();
    auto d = run_cli("draw " + kPopulation + " --fieldwork 06/03/2019 --seed 1 --out " + dir + "/s");
    REQUIRE_MESSAGE(d.exit_code == 0, d.err);
    CHECK(d.out.find(line) != std::string::npos);
    auto dj = run_cli("draw " + kPopulation + " --fieldwork 06/03/2019 --seed 1 --format json --out " + dir + "/t");
    REQUIRE_MESSAGE(dj.exit_code == 0, dj.err);
    auto j = nlohmann::json::parse(dj.out);
    CHECK(j["fieldwork"] == "2019-03-06");
    CHECK(j["fieldwork_in_words"] == "6 March 2019");
    CHECK(j["windows"] == nlohmann::json::parse(R"([{"domain": "court", "first": "2018-06-06", "last": "2018-09-06"},
        {"domain": "out-of-court", "first": "2018-10-06", "last": "2018-12-06"}])"));

    auto s = run_cli("size --from " + kPopulation + " --fieldwork 06/03/2019");
    REQUIRE_MESSAGE(s.exit_code == 0, s.err);
    CHECK(s.out.rfind(line, 0) == 0);  // the first line, above the table
    auto sj = run_cli("size --from " + kPopulation + " --fieldwork 2019-06-03 --format json");
    REQUIRE_MESSAGE(sj.exit_code == 0, sj.err);
    auto k = nlohmann::json::parse(sj.out);
    CHECK(k[0]["fieldwork"] == "2019-06-03");
    CHECK(k[0]["fieldwork_in_words"] == "3 June 2019");
    CHECK(k[0]["eligible_from"] == "2018-09-03");
    CHECK(k[0]["eligible_to"] == "2018-12-03");
    CHECK(k[1]["eligible_from"] == "2019-01-03");
    // size without a population file has no fieldwork date to state.
    CHECK(run_cli("size --population 71").out.find("fieldwork") == std::string::npos);
}

TEST_CASE("a population separated by semicolons or tabs gets one line saying so, from draw, lint and check") {
    auto dir = temp_dir();
    // The bundled population with its commas turned into semicolons (its notes hold commas: left out).
    const auto table = read_table(kPopulation);
    auto join = [&](char sep) {
        std::string text;
        std::vector<std::vector<std::string>> rows = {table.header};
        rows.insert(rows.end(), table.rows.begin(), table.rows.end());
        for (const auto& r : rows) {
            for (std::size_t i = 0; i < 7; ++i) text += (i ? std::string(1, sep) : "") + r.at(i);
            text += "\n";
        }
        return text;
    };
    write_text(dir + "/semi.csv", join(';'));
    write_text(dir + "/tabs.csv", join('\t'));
    const std::string advice = ", not commas; save it from Excel as 'CSV UTF-8 (Comma delimited)' (File > Save As)";
    auto d = run_cli("draw " + dir + "/semi.csv --fieldwork 2019-06-03 --out " + dir + "/s");
    CHECK(d.exit_code == 2);
    CHECK(d.err.rfind(dir + "/semi.csv:1: the columns of this file are separated by semicolons" + advice, 0) == 0);
    CHECK(d.err.find("did you mean") == std::string::npos);
    CHECK(d.err.find("no column for") == std::string::npos);
    auto l = run_cli("lint " + dir + "/semi.csv --fieldwork 2019-06-03");
    CHECK(l.exit_code == 2);
    CHECK(count_lines(l.out + l.err) == 1);  // once, not once per column
    CHECK((l.out + l.err).find("separated by semicolons" + advice) != std::string::npos);
    auto t = run_cli("size --from " + dir + "/tabs.csv --fieldwork 2019-06-03");
    CHECK(t.exit_code == 2);
    CHECK(t.err.find("tabs.csv:1: the columns of this file are separated by tabs" + advice) != std::string::npos);
    // The same for any CSV read: a sample given to check.
    auto c = run_cli("check " + kPopulation + " " + dir + "/semi.csv");
    CHECK(c.exit_code == 2);
    CHECK(c.err.find("semi.csv:1: the columns of this file are separated by semicolons" + advice) != std::string::npos);
}

TEST_CASE("a missing column is suggested only a header like it, a missing stratifier can be left out with --stratify") {
    auto dir = temp_dir();
    auto text = read_text(kPopulation);
    auto with_header = [&](const std::string& name) {
        auto copy = text;
        copy.replace(copy.find("gender"), 6, name);
        write_text(dir + "/pop.csv", copy);
        return dir + "/pop.csv";
    };
    // 'Extra' is not like gender nor any of its synonyms: no suggestion that would only lead to more errors.
    auto r = run_cli("draw " + with_header("Extra") + " --fieldwork 2019-06-03 --out " + dir + "/s");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("did you mean") == std::string::npos);  // 'Extra' is listed among the columns, not suggested
    CHECK(r.err.find("pop.csv:1: no column for gender (line 1 has 8 columns: 'case_id', 'disposal_type', 'disposal_date', "
                     "'Extra', 'rosh', 'swb', 'worker', 'notes'); none is like it, so use --column gender=\"ITS "
                     "HEADER\"; or leave gender out of the balancing with --stratify disposal_type,rosh,swb") !=
          std::string::npos);
    // As it says: drawn without gender.
    auto ok = run_cli("draw " + dir + "/pop.csv --fieldwork 2019-06-03 --stratify disposal_type,rosh,swb --out " + dir +
                      "/s");
    CHECK_MESSAGE(ok.exit_code == 0, ok.err);
    // A header that is like it is still suggested.
    r = run_cli("draw " + with_header("Gendr") + " --fieldwork 2019-06-03 --out " + dir + "/t");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("did you mean 'Gendr'? use --column gender=Gendr") != std::string::npos);
}

TEST_CASE("lint says when the dates that fail look month first, and what to type") {
    auto dir = temp_dir();
    // The bundled population with its ISO dates written month first (10/16/2018).
    const auto table = read_table(kPopulation);
    const auto at = table.col("disposal_date");
    std::string text;
    for (std::size_t i = 0; i < table.header.size(); ++i) text += (i ? "," : "") + table.header[i];
    text += "\n";
    for (auto row : table.rows) {
        auto& d = row[at];
        d = d.substr(5, 2) + "/" + d.substr(8, 2) + "/" + d.substr(0, 4);
        for (std::size_t i = 0; i < row.size(); ++i) text += (i ? "," : "") + std::string("\"") + row[i] + "\"";
        text += "\n";
    }
    write_text(dir + "/mdy.csv", text);
    auto r = run_cli("lint " + dir + "/mdy.csv --fieldwork 2019-06-03");
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("The disposal dates look month first: all ") != std::string::npos);
    CHECK(r.out.find(" dates that failed read as month/day/year (10/16/2018 is 16 October 2018); if the file writes them "
                     "so, give --date-format %m/%d/%Y to read every date of the file month first\n") != std::string::npos);
    auto j = nlohmann::json::parse(run_cli("lint " + dir + "/mdy.csv --fieldwork 2019-06-03 --format json").out);
    CHECK(j["hint"].get<std::string>().find("--date-format %m/%d/%Y") != std::string::npos);
    // As it says: no problem left.
    CHECK(run_cli("lint " + dir + "/mdy.csv --fieldwork 2019-06-03 --date-format %m/%d/%Y").exit_code == 0);
    // Dates that fail for another reason get no such hint.
    write_text(dir + "/bad.csv", "case_id,disposal_type,disposal_date,gender,rosh,swb\nC1,Referral Order,yesterday,Male,Low,Low\n");
    CHECK(run_cli("lint " + dir + "/bad.csv --fieldwork 2019-06-03").out.find("month first") == std::string::npos);
}

TEST_CASE("check given a sample folder instead of its sample.csv says which file to give") {
    auto dir = temp_dir();
    REQUIRE(run_cli(draw_args(kPopulation, dir + "/s")).exit_code == 0);
    auto r = run_cli("check " + kPopulation + " " + dir + "/s");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("SAMPLE " + dir + "/s is a folder; give the sample file in it, such as " + dir + "/s/sample.csv") !=
          std::string::npos);
    CHECK(run_cli("check " + kPopulation + " " + dir + "/s/sample.csv --fieldwork 2019-06-03").err.find("is a folder") ==
          std::string::npos);
}

TEST_CASE("draw --xlsx refuses a name that does not end in .xlsx (any case), before reading anything") {
    const auto base = temp_dir();
    auto r = run_cli("draw " + kPopulation + " --fieldwork 2019-06-03 --seed 1 --out " + base + "/s --xlsx " + base +
                     "/fieldwork.csv");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("an Excel workbook's name ends in .xlsx") != std::string::npos);
    CHECK(r.err.find("such as --xlsx fieldwork.xlsx") != std::string::npos);
    CHECK_FALSE(fs::exists(base + "/s"));
    CHECK_FALSE(fs::exists(base + "/fieldwork.csv"));
    r = run_cli("draw " + kPopulation + " --fieldwork 2019-06-03 --seed 1 --out " + base + "/s --xlsx " + base +
                "/Fieldwork.XLSX");
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(base + "/Fieldwork.XLSX"));
}
