// After the draw: moved inputs (--input), drops without a replacement, added reserves, and the audit log's
// hash chain, end to end through the built binary.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "casesample/csv.hpp"
#include "test_support.hpp"

using namespace casesample::test;
namespace fs = std::filesystem;

namespace {

std::string drawn_folder(const std::string& base, const std::string& population, std::uint64_t seed = 11) {
    auto dir = base + "/sample";
    auto r = run_cli("draw " + population + " --fieldwork 2019-06-03 --seed " + std::to_string(seed) +
                     " --reserve 3 --out " + dir);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return dir;
}

std::string sampled(const std::string& dir, std::size_t row) { return read_table(dir + "/sample.csv").rows.at(row).at(0); }

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < text.size()) {
        auto end = text.find('\n', at);
        out.push_back(text.substr(at, end - at + 1));
        at = end + 1;
    }
    return out;
}
std::string joined(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines) s += l;
    return s;
}

}  // namespace

TEST_CASE("lifecycle: a moved population is reported missing, accepted with --input when its SHA-256 matches, and logged") {
    auto base = temp_dir();
    fs::create_directories(base + "/old");
    fs::copy_file(source_path("fixtures/population.csv"), base + "/old/cases.csv");
    auto dir = drawn_folder(base, base + "/old/cases.csv");
    fs::create_directories(base + "/new");
    fs::rename(base + "/old/cases.csv", base + "/new/cases.csv");

    auto r = run_cli("verify " + dir);
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("CANNOT VERIFY") == 0);
    CHECK(r.out.find("population file " + base + "/old/cases.csv is not there") != std::string::npos);
    CHECK(r.out.find("--input population=PATH") != std::string::npos);
    CHECK(r.out.find("changed") == std::string::npos);

    // Given its new place: accepted by verify (folder or manifest), which records nothing.
    r = run_cli("verify " + dir + "/manifest.json --input population=" + base + "/new/cases.csv");
    CHECK_MESSAGE(r.exit_code == 0, r.out);
    CHECK(r.out.find("was read at " + base + "/new/cases.csv") != std::string::npos);
    CHECK_FALSE(fs::exists(dir + "/audit-log.csv"));

    // Another file under that role is refused, naming both hashes; a bad option is a usage error.
    write_text(base + "/other.csv", read_text(base + "/new/cases.csv") + "\n");
    r = run_cli("verify " + dir + " --input population=" + base + "/other.csv");
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("is not the population file of this draw") != std::string::npos);
    CHECK(run_cli("verify " + dir + " --input cases.csv").exit_code == 2);
    CHECK(run_cli("verify " + dir + " --input framework=x.csv").exit_code == 2);

    // substitute with --input logs the new place; from then on the log tells where the file is.
    r = run_cli("substitute " + dir + " --drop " + sampled(dir, 0) + " --reason moved --input population=" + base +
                "/new/cases.csv");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.find("now read at " + base + "/new/cases.csv") != std::string::npos);
    auto log = read_table(dir + "/audit-log.csv");
    REQUIRE(log.rows.size() == 2);
    CHECK(log.rows[0][log.col("action")] == "input");
    CHECK(log.rows[0][log.col("detail")] == "population=" + base + "/new/cases.csv <- " + base + "/old/cases.csv");
    CHECK(log.rows[1][log.col("action")] == "substitute");
    r = run_cli("verify " + dir);
    CHECK_MESSAGE(r.exit_code == 0, r.out);
    CHECK(run_cli("substitute " + dir + "/manifest.json --drop " + sampled(dir, 1) + " --reason ill").exit_code == 0);
    CHECK(run_cli("verify " + dir).exit_code == 0);
}

TEST_CASE("lifecycle: substitute --no-replacement drops a case, keeps the others' selection order, shows the margins") {
    auto base = temp_dir();
    auto dir = drawn_folder(base, source_path("fixtures/population.csv"));
    auto before = read_table(dir + "/sample.csv");
    auto reserves_before = read_text(dir + "/reserves.csv");
    auto id = sampled(dir, 2);
    auto r = run_cli("substitute " + dir + " --drop " + id + " --reason \"withdrew consent\" --no-replacement");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.find("without a replacement: 49 cases left in the court sample") != std::string::npos);
    CHECK(r.out.find("Margins after:") != std::string::npos);
    auto after = read_table(dir + "/sample.csv");
    CHECK(after.rows.size() + 1 == before.rows.size());
    CHECK(read_text(dir + "/reserves.csv") == reserves_before);
    // Selection orders 1, 2, 4, ...: the gap shows.
    auto so = after.col("selection_order");
    CHECK(after.rows[1][so] == "2");
    CHECK(after.rows[2][so] == "4");
    for (const auto& row : after.rows) CHECK(row[0] != id);
    auto log = read_table(dir + "/audit-log.csv");
    CHECK(log.rows.at(0)[log.col("action")] == "drop");
    CHECK(log.rows.at(0)[log.col("substitute_id")].empty());
    CHECK(run_cli("verify " + dir).exit_code == 0);
    // JSON says the same.
    r = run_cli("substitute " + dir + " --drop " + sampled(dir, 0) + " --reason x --no-replacement --format json");
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["substitute"].is_null());
    CHECK(j["sample_size"] == 48);
}

TEST_CASE("lifecycle: substitute names the case it stands for and the probability it inherits, as sample.csv does") {
    auto base = temp_dir();
    auto dir = drawn_folder(base, source_path("fixtures/population.csv"));
    const auto drawn = read_table(dir + "/sample.csv");
    const auto first = drawn.rows.at(0)[0];
    const auto probability = drawn.rows.at(0)[drawn.col("inclusion_probability")];
    auto r = run_cli("substitute " + dir + " --drop " + first + " --reason ill");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto sample = read_table(dir + "/sample.csv");
    const auto substitute = sample.rows.at(0)[0];
    CHECK(sample.rows.at(0)[sample.col("substitute_for")] == first);
    CHECK(r.out.find(", " + substitute + ", at selection_order 1: substitute_for " + first + ", inclusion_probability " +
                     probability + " (that case's)") != std::string::npos);
    // The substitute drops out in turn: the next one stands for the case drawn there, whose probability it carries.
    r = run_cli("substitute " + dir + " --drop " + substitute + " --reason moved --format json");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto j = nlohmann::json::parse(r.out);
    sample = read_table(dir + "/sample.csv");
    CHECK(j["dropped"] == substitute);
    CHECK(j["substitute"] == sample.rows.at(0)[0]);
    CHECK(j["selection_order"] == 1);
    CHECK(j["substitute_for"] == first);
    CHECK(sample.rows.at(0)[sample.col("substitute_for")] == first);
    CHECK(j["inclusion_probability"].get<double>() == std::stod(probability));
    CHECK(sample.rows.at(0)[sample.col("inclusion_probability")] == probability);
    // A substitute further down the sample.
    const auto tenth = sample.rows.at(9)[0];
    r = run_cli("substitute " + dir + " --drop " + tenth + " --reason x --format json");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    j = nlohmann::json::parse(r.out);
    sample = read_table(dir + "/sample.csv");
    CHECK(j["selection_order"] == std::stoi(sample.rows.at(9)[sample.col("selection_order")]));
    CHECK(j["substitute_for"] == tenth);
    CHECK(j["inclusion_probability"].get<double>() == std::stod(sample.rows.at(9)[sample.col("inclusion_probability")]));
    CHECK(run_cli("verify " + dir).exit_code == 0);
}

TEST_CASE("lifecycle: reserves --add shows each added reserve's reserve_probability, as reserves.csv does") {
    auto base = temp_dir();
    auto dir = drawn_folder(base, source_path("fixtures/population.csv"));
    auto r = run_cli("reserves " + dir + " --add 2 --domain court --format json");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto j = nlohmann::json::parse(r.out);
    const auto res = read_table(dir + "/reserves.csv");
    const auto& added = j["domains"][0]["reserves"];
    REQUIRE(added.size() == 2);
    for (const auto& a : added) {
        bool found = false;
        for (const auto& row : res.rows)
            if (row[0] == a["case_id"].get<std::string>()) {
                found = true;
                CHECK(row[res.col("reserve_order")] == std::to_string(a["reserve_order"].get<int>()));
                CHECK(std::stod(row[res.col("reserve_probability")]) == a["reserve_probability"].get<double>());
            }
        CHECK_MESSAGE(found, a.dump());
    }
    r = run_cli("reserves " + dir + " --add 1 --domain court");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const auto last = read_table(dir + "/reserves.csv");
    std::string probability;
    for (const auto& row : last.rows)
        if (row[last.col("domain")] == "court" && row[last.col("reserve_order")] == "6")
            probability = row[last.col("reserve_probability")];
    REQUIRE_FALSE(probability.empty());
    CHECK(r.out.find("court: 1 reserve added (reserve_order 6), reserve_probability " + probability + ";") == 0);
}

TEST_CASE("lifecycle: reserves --add draws more reserves reproducibly, leaves the sample alone, and verify replays it") {
    auto base = temp_dir();
    fs::create_directories(base + "/a");
    fs::create_directories(base + "/b");
    auto a = drawn_folder(base + "/a", source_path("fixtures/population.csv"));
    auto b = drawn_folder(base + "/b", source_path("fixtures/population.csv"));
    auto sample = read_text(a + "/sample.csv");
    auto r = run_cli("reserves " + a + " --add 4 --reason \"fieldwork slipped\"");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.find("court: 4 reserves added (reserve_order 4 to 7), reserve_probability ") != std::string::npos);
    CHECK(r.out.find("; 7 reserves left") != std::string::npos);
    CHECK(read_text(a + "/sample.csv") == sample);
    auto res = read_table(a + "/reserves.csv");
    CHECK(res.rows.size() == 14);  // 3 + 4 in each domain
    // verify counts the changes made (one reserves run), not the log's rows (one per domain).
    r = run_cli("verify " + a);
    CHECK(r.exit_code == 0);
    CHECK_MESSAGE(r.out.find(" and replaying 1 change (reserves added; 2 rows of audit-log.csv, hash chain intact) gives "
                             "exactly the files in ") != std::string::npos, r.out);
    CHECK(nlohmann::json::parse(run_cli("verify " + a + " --format json").out)["changes_replayed"] == 1);
    // The same seed, log and K give the same reserves in another folder.
    REQUIRE(run_cli("reserves " + b + " --add 4").exit_code == 0);
    CHECK(read_text(b + "/reserves.csv") == read_text(a + "/reserves.csv"));
    // One domain only; more than is left adds what is left.
    r = run_cli("reserves " + a + " --add 1000 --domain court");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.find("court: 14 reserves added (reserve_order 8 to 21), only that many cases are left") == 0);
    CHECK(r.out.find("out-of-court") == std::string::npos);
    // Nothing left to add: nothing changes (no audit-log row, no file rewritten), and it says why (exit 1).
    const auto log_before = read_text(a + "/audit-log.csv");
    const auto reserves_before = read_text(a + "/reserves.csv");
    const auto manifest_before = read_text(a + "/manifest.json");
    const auto mtime = fs::last_write_time(a + "/audit-log.csv");
    r = run_cli("reserves " + a + " --add 1 --domain court --reason more");
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.find("no reserve added, so nothing was changed or logged (court: all 71 eligible cases are already in the "
                     "sample, its reserves or dropped)") != std::string::npos);
    CHECK(read_text(a + "/audit-log.csv") == log_before);
    CHECK(read_text(a + "/reserves.csv") == reserves_before);
    CHECK(read_text(a + "/manifest.json") == manifest_before);
    CHECK(fs::last_write_time(a + "/audit-log.csv") == mtime);
    CHECK(run_cli("reserves " + a + " --add 1 --domain court --format json").exit_code == 1);
    CHECK(read_text(a + "/audit-log.csv") == log_before);
    // Every domain asked, one with none left (b's out-of-court, 32 drawn + 3 + 4 reserves of 39): only the other is
    // logged, and the output says so.
    const auto b_log = read_text(b + "/audit-log.csv");
    r = run_cli("reserves " + b + " --add 1");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.find("out-of-court: no reserve added (not logged): all 39 eligible cases are already in the sample, its "
                     "reserves or dropped") != std::string::npos);
    CHECK(r.out.find("court: 1 reserve added") == 0);
    auto log_rows = read_table(b + "/audit-log.csv");
    CHECK(lines_of(read_text(b + "/audit-log.csv")).size() == lines_of(b_log).size() + 1);
    CHECK(log_rows.rows.back()[log_rows.col("domain")] == "court");
    CHECK(run_cli("verify " + b).exit_code == 0);
    CHECK(run_cli("verify " + a).exit_code == 0);
    // Reserves added after substitutions are replayed in order.
    REQUIRE(run_cli("substitute " + b + " --drop " + sampled(b, 0) + " --reason moved").exit_code == 0);
    REQUIRE(run_cli("reserves " + b + " --add 2 --domain court").exit_code == 0);
    r = run_cli("verify " + b);
    CHECK(r.exit_code == 0);
    CHECK_MESSAGE(r.out.find(" and replaying 4 changes (1 substitution and reserves added 3 times; 5 rows of "
                             "audit-log.csv, hash chain intact)") != std::string::npos, r.out);
    // Bad requests.
    CHECK(run_cli("reserves " + a + " --add 0").exit_code == 2);
    CHECK(run_cli("reserves " + a + " --add -3").exit_code == 2);
    r = run_cli("reserves " + a + " --add 2 --domain nowhere");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("its domains are court, out-of-court") != std::string::npos);
    CHECK(run_cli("reserves " + base + " --add 2").exit_code == 2);
}

TEST_CASE("lifecycle: verify names an edited, deleted or reordered audit-log row, and a deleted audit log") {
    auto base = temp_dir();
    auto dir = drawn_folder(base, source_path("fixtures/population.csv"));
    for (std::size_t k = 0; k < 3; ++k)
        REQUIRE(run_cli("substitute " + dir + " --drop " + sampled(dir, k) + " --reason \"reason " +
                        std::to_string(k) + "\"")
                    .exit_code == 0);
    REQUIRE(run_cli("verify " + dir).exit_code == 0);
    const auto log_path = dir + "/audit-log.csv";
    const auto original = read_text(log_path);
    auto lines = lines_of(original);
    REQUIRE(lines.size() == 4);

    // An edited reason (the replay alone would not notice).
    auto edited = original;
    edited.replace(edited.find("reason 1"), 8, "reason X");
    write_text(log_path, edited);
    auto r = run_cli("verify " + dir);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("audit-log.csv:3: this row was edited") != std::string::npos);
    // substitute refuses to build on it.
    r = run_cli("substitute " + dir + " --drop " + sampled(dir, 5) + " --reason y");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("the audit log is not as casesample wrote it") != std::string::npos);

    // A deleted middle row.
    write_text(log_path, joined({lines[0], lines[1], lines[3]}));
    r = run_cli("verify " + dir);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("audit-log.csv:3: the row this one was written after is no longer in the log") != std::string::npos);
    CHECK(r.out.find("(a row deleted, or edited)") != std::string::npos);

    // Two rows swapped.
    write_text(log_path, joined({lines[0], lines[2], lines[1], lines[3]}));
    r = run_cli("verify " + dir);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("audit-log.csv:2: this row was written after the row now at line 3") != std::string::npos);

    // The last row deleted: only the manifest can tell.
    write_text(log_path, joined({lines[0], lines[1], lines[2]}));
    r = run_cli("verify " + dir);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("has 2 rows; the manifest records 3 (rows deleted from it)") != std::string::npos);

    // The whole log deleted.
    fs::remove(log_path);
    r = run_cli("verify " + dir);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("audit-log.csv is missing: the manifest records 3 rows") != std::string::npos);

    write_text(log_path, original);
    CHECK(run_cli("verify " + dir).exit_code == 0);
}

TEST_CASE("lifecycle: a log written before the hash chain still verifies, and the next change chains it") {
    auto base = temp_dir();
    auto dir = drawn_folder(base, source_path("fixtures/population.csv"));
    REQUIRE(run_cli("substitute " + dir + " --drop " + sampled(dir, 0) + " --reason moved").exit_code == 0);
    // As the previous version wrote it: 8 columns, no audit_log entry in the manifest.
    auto log = read_table(dir + "/audit-log.csv");
    std::string legacy = "time,domain,dropped_id,substitute_id,reserve_order,reason,misses_before,misses_after\n";
    for (const auto& row : log.rows)
        for (auto c : {"time", "domain", "dropped_id", "substitute_id", "reserve_order", "reason", "misses_before",
                       "misses_after"})
            legacy += casesample::csv_escape(row[log.col(c)]) + (std::string(c) == "misses_after" ? "\n" : ",");
    write_text(dir + "/audit-log.csv", legacy);
    auto m = nlohmann::ordered_json::parse(read_text(dir + "/manifest.json"));
    m.erase("audit_log");
    write_text(dir + "/manifest.json", m.dump(2) + "\n");
    auto r = run_cli("verify " + dir);
    CHECK_MESSAGE(r.exit_code == 0, r.out);
    REQUIRE(run_cli("substitute " + dir + " --drop " + sampled(dir, 1) + " --reason ill").exit_code == 0);
    auto chained = read_table(dir + "/audit-log.csv");
    CHECK(chained.rows.size() == 2);
    CHECK(chained.rows[0][chained.col("previous_hash")] == std::string(64, '0'));
    CHECK(run_cli("verify " + dir).exit_code == 0);
}

TEST_CASE("lifecycle: a shell inside the folder is told to cd . after a change, and only then") {
    auto base = temp_dir();
    auto dir = drawn_folder(base, source_path("fixtures/population.csv"));
    auto out = base + "/out";
    auto run_in = [&](const std::string& where, const std::string& args) {
        int status = std::system(("cd " + where + " && " + std::string(CASESAMPLE_BINARY) + " " + args + " >" + out +
                                  ".1 2>" + out + ".2")
                                     .c_str());
        return std::make_pair(WEXITSTATUS(status), read_text(out + ".2"));
    };
    auto [code, err] = run_in(dir, "substitute . --drop " + sampled(dir, 0) + " --reason moved");
    CHECK(code == 0);
    CHECK(err.find("your shell is inside ., which casesample has just replaced by its new state; run 'cd .'") !=
          std::string::npos);
    std::tie(code, err) = run_in(base, "reserves sample --add 1");
    CHECK(code == 0);
    CHECK(err.find("your shell is inside") == std::string::npos);
    std::tie(code, err) = run_in(base, "draw " + source_path("fixtures/population.csv") +
                                           " --fieldwork 2019-06-03 --seed 2 --out fresh");
    CHECK(code == 0);
    CHECK(err.find("your shell is inside") == std::string::npos);
}

TEST_CASE("lifecycle: a substitute carries the replaced case's probability and names it, reserves carry their own chance") {
    auto base = temp_dir();
    auto dir = drawn_folder(base, source_path("fixtures/population.csv"));
    auto res = read_table(dir + "/reserves.csv");
    CHECK(std::find(res.header.begin(), res.header.end(), "inclusion_probability") == res.header.end());
    const auto rp = res.col("reserve_probability");
    const auto dom = res.col("domain");
    // Given the sample, every court case left had the same chance: 3 of the 71 - 50 left. Of the 7 out-of-court cases
    // left, no choice of 3 keeping every category within floor/ceiling gives each the chance 3/7 (a linear program
    // over all 13 such choices has no solution), so the closest design's own chances are written.
    REQUIRE(res.rows.size() == 6);
    std::set<std::string> out_of_court;
    for (const auto& row : res.rows) {
        if (row[dom] == "court") CHECK(row[rp] == "0.142857");
        else out_of_court.insert(row[rp]);
    }
    CHECK(out_of_court == std::set<std::string>{"0.285714", "0.428571", "0.571429"});
    // The draw says so (and JSON: reserves_equal_chances).
    auto drawn = run_cli("draw " + source_path("fixtures/population.csv") +
                         " --fieldwork 2019-06-03 --seed 11 --reserve 3 --format json --out " + base + "/again");
    REQUIRE_MESSAGE(drawn.exit_code == 0, drawn.err);
    auto dj = nlohmann::json::parse(drawn.out);
    CHECK(dj["domains"][0]["reserves_equal_chances"] == true);
    CHECK(dj["domains"][1]["reserves_equal_chances"] == false);
    // Proven: a linear program over the 13 balanced ways to take 3 of the 7 cases left has no solution.
    CHECK(dj["domains"][1]["reserves_equal_chances_impossible"] == true);
    CHECK_FALSE(dj["domains"][0].contains("reserves_equal_chances_impossible"));
    drawn = run_cli("draw " + source_path("fixtures/population.csv") + " --fieldwork 2019-06-03 --seed 11 --reserve 3 --out " +
                    base + "/again --force");
    CHECK(drawn.out.find("out-of-court: the reserves were drawn from the closest design found on the cases the sample "
                         "left (none can give every case left the same chance while keeping every category within "
                         "its floor/ceiling: a linear program over every way to take them that keeps it has no "
                         "solution)") != std::string::npos);
    CHECK(drawn.out.find("\ncourt: the reserves") == std::string::npos);  // court's are all 3/21
    auto before = read_table(dir + "/sample.csv");
    const auto sf = before.col("substitute_for"), ip = before.col("inclusion_probability");
    for (const auto& row : before.rows) CHECK(row[sf].empty());
    // A substitute: at the dropped case's selection_order, with its probability, naming it.
    const auto dropped = before.rows.at(0).at(0);
    auto r = run_cli("substitute " + dir + " --drop " + dropped + " --reason ill");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto after = read_table(dir + "/sample.csv");
    REQUIRE(after.rows.size() == before.rows.size());
    CHECK(after.rows[0][0] != dropped);
    CHECK(after.rows[0][sf] == dropped);
    CHECK(after.rows[0][ip] == before.rows[0][ip]);
    CHECK(after.rows[0][after.col("selection_order")] == "1");
    for (std::size_t k = 1; k < after.rows.size(); ++k) CHECK(after.rows[k] == before.rows[k]);
    // Its replacement in turn stands in for the case drawn there.
    r = run_cli("substitute " + dir + " --drop " + after.rows[0][0] + " --reason moved");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto again = read_table(dir + "/sample.csv");
    CHECK(again.rows[0][sf] == dropped);
    CHECK(again.rows[0][ip] == before.rows[0][ip]);
    // Added reserves: their chance given every case listed before (court: 71 - 50 in the sample - 3 reserves listed
    // in all, the two dropped among them = 18 left, 2 drawn).
    r = run_cli("reserves " + dir + " --add 2 --domain court --reason slipped");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    res = read_table(dir + "/reserves.csv");
    std::size_t added = 0;
    for (const auto& row : res.rows)
        if (row[res.col("reserve_order")] == "4" || row[res.col("reserve_order")] == "5") {
            CHECK(row[rp] == "0.111111");
            ++added;
        }
    CHECK(added == 2);
    r = run_cli("verify " + dir);
    CHECK_MESSAGE(r.exit_code == 0, r.out);

    // A folder an older version drew (its manifest says 0.2.0, its reserves.csv has inclusion_probability): verify
    // says which version drew it and what has changed since; substitute and reserves stop and say the same.
    auto old = base + "/old";
    fs::copy(dir, old);
    auto manifest = read_text(old + "/manifest.json");
    const std::string current = std::string("\"version\": \"") + CASESAMPLE_VERSION + "\"";
    REQUIRE(manifest.find(current) != std::string::npos);
    manifest.replace(manifest.find(current), current.size(), "\"version\": \"0.2.0\"");
    write_text(old + "/manifest.json", manifest);
    auto reserves_text = read_text(old + "/reserves.csv");
    reserves_text.replace(reserves_text.find("reserve_probability"), 19, "inclusion_probability");
    write_text(old + "/reserves.csv", reserves_text);
    r = run_cli("verify " + old);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find(std::string("note: the sample was drawn with casesample 0.2.0; this is ") + CASESAMPLE_VERSION +
                     ", which draws or writes the folder differently") == 0);
    CHECK(r.out.find("0.3.0: reserves are drawn, given the sample, from the exact design") != std::string::npos);
    CHECK(r.out.find("0.2.0: balanced samples") == std::string::npos);  // only what changed after 0.2.0
    CHECK(r.out.find("reserves.csv: the same cases in the same order; only these columns differ: reserve_probability "
                     "(missing: the re-draw writes it); inclusion_probability (not written by casesample") !=
          std::string::npos);
    r = run_cli("verify " + old + " --format json");
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["drawn_with_version"] == "0.2.0");
    // Every version after 0.2.0 that draws or writes differently, in order: 0.3.0 (reserves), then 0.3.1, 0.3.2 and
    // 0.3.3 (frames of many cells).
    REQUIRE(j["version_changes"].size() == 4);
    CHECK(j["version_changes"][0].get<std::string>().rfind("0.3.0: reserves are drawn", 0) == 0);
    CHECK(j["version_changes"][1].get<std::string>().rfind("0.3.1: ", 0) == 0);
    CHECK(j["version_changes"][2].get<std::string>().rfind("0.3.2: ", 0) == 0);
    CHECK(j["version_changes"][3].get<std::string>().rfind("0.3.3: ", 0) == 0);
    r = run_cli("substitute " + old + " --drop " + again.rows[1][0] + " --reason ill");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("cannot substitute: " + old + "/reserves.csv was written by casesample 0.2.0") != std::string::npos);
    CHECK(r.err.find("Make this sample's changes with casesample 0.2.0") != std::string::npos);
    r = run_cli("reserves " + old + " --add 1");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("cannot add reserves: " + old + "/reserves.csv was written by casesample 0.2.0") != std::string::npos);
}

TEST_CASE("lifecycle: verify and substitute read the population once, hashing it as they parse it") {
    if (std::system("strace -f -qq -o /dev/null true >/dev/null 2>&1") != 0) return;  // no strace here
    auto base = temp_dir();
    const auto population = base + "/cases.csv";
    fs::copy_file(source_path("fixtures/population.csv"), population);
    auto dir = drawn_folder(base, population);
    // How many times a command opens the population file.
    auto opens = [&](const std::string& args) {
        const auto log = base + "/strace.log";
        const auto command = "ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\" strace -f -qq -e trace=open,openat -o " +
                             log + " " + std::string(CASESAMPLE_BINARY) + " " + args + " >/dev/null 2>&1";
        const int status = std::system(command.c_str());
        REQUIRE(WIFEXITED(status));
        std::size_t n = 0;
        for (const auto& line : lines_of(read_text(log)))
            if (line.find("\"" + population + "\"") != std::string::npos && line.find("ENOENT") == std::string::npos) ++n;
        return std::make_pair(WEXITSTATUS(status), n);
    };
    CHECK(opens("verify " + dir) == std::make_pair(0, std::size_t{1}));
    CHECK(opens("substitute " + dir + " --drop " + sampled(dir, 0) + " --reason x") == std::make_pair(0, std::size_t{1}));
    // A changed population is still found changed (read, hashed, refused), and said so.
    write_text(population, read_text(population) + "C999999,Referral Order,2018-10-16,Male,Low,Low,W,n\n");
    auto r = run_cli("verify " + dir);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("population file " + population + " has changed since the draw") != std::string::npos);
    // ... also when it no longer parses at all.
    write_text(population, "not,a\npopulation\n");
    r = run_cli("verify " + dir);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("population file " + population + " has changed since the draw") != std::string::npos);
}

namespace {

// The first column of a sheet of a workbook, read back with openpyxl.
std::vector<std::string> sheet_ids(const std::string& xlsx, const std::string& sheet) {
    // Debian's python3, which has openpyxl (as the workbooks_read_back test uses).
    std::string cmd = std::string(fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3") + " -c \"import openpyxl,sys; wb=openpyxl.load_workbook(sys.argv[1]); "
                      "[print(r[0]) for r in wb[sys.argv[2]].iter_rows(min_row=2, values_only=True)]\" '" +
                      xlsx + "' '" + sheet + "'";
    std::vector<std::string> out;
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    char buf[512];
    while (fgets(buf, sizeof buf, p)) {
        std::string line = buf;
        while (!line.empty() && line.back() == '\n') line.pop_back();
        out.push_back(line);
    }
    CHECK(pclose(p) == 0);
    return out;
}

}  // namespace

TEST_CASE("lifecycle: substitute and reserves rewrite the draw's page, write an up-to-date workbook beside the old, name the rest") {
    auto base = temp_dir();
    auto dir = base + "/plan";
    auto r = run_cli("draw " + source_path("fixtures/population.csv") + " --fieldwork 2019-06-03 --seed 11 --reserve 3"
                     " --out " + dir + " --xlsx " + dir + "/fieldwork.xlsx --html " + dir + "/draw.html");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    write_text(dir + "/report.md", "# a report on the sample as drawn\n");
    const auto old_book = read_text(dir + "/fieldwork.xlsx"), old_page = read_text(dir + "/draw.html");
    const auto dropped = sampled(dir, 0);
    const auto drawn_ids = sheet_ids(dir + "/fieldwork.xlsx", "Sample");
    REQUIRE(std::find(drawn_ids.begin(), drawn_ids.end(), dropped) != drawn_ids.end());

    r = run_cli("substitute " + dir + " --drop " + dropped + " --reason \"file cannot be opened\"");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    // The workbook people may have typed into is left byte for byte; an up-to-date one is written beside it.
    CHECK(read_text(dir + "/fieldwork.xlsx") == old_book);
    REQUIRE(fs::exists(dir + "/fieldwork.updated-1.xlsx"));
    auto ids = sheet_ids(dir + "/fieldwork.updated-1.xlsx", "Sample");
    CHECK(std::find(ids.begin(), ids.end(), dropped) == ids.end());
    CHECK(std::find(ids.begin(), ids.end(), sampled(dir, 0)) != ids.end());
    CHECK(ids.size() == read_table(dir + "/sample.csv").rows.size());
    auto reserve_ids = sheet_ids(dir + "/fieldwork.updated-1.xlsx", "Reserves");
    CHECK(reserve_ids.size() == read_table(dir + "/reserves.csv").rows.size());
    CHECK(std::find(reserve_ids.begin(), reserve_ids.end(), sampled(dir, 0)) == reserve_ids.end());
    // The page (nothing typed in it) is written again, for the sample as it now is.
    CHECK(read_text(dir + "/draw.html") != old_page);
    CHECK(read_text(dir + "/draw.html").find("changes since the draw") != std::string::npos);
    CHECK(r.out.find("Rewrote the page of the draw in " + dir + " for the sample as it now is: draw.html") != std::string::npos);
    CHECK(r.out.find("The workbook fieldwork.xlsx still shows the sample before this change") != std::string::npos);
    CHECK(r.out.find("fieldwork.updated-1.xlsx") != std::string::npos);
    CHECK(r.out.find(dir + "/report.md (a report on the sample as it was; make it again with casesample report") != std::string::npos);
    // verify checks the files casesample rebuilds, not the pages and workbooks: the folder is as it should be.
    r = run_cli("verify " + dir);
    CHECK_MESSAGE(r.exit_code == 0, r.out);

    // reserves does the same; the workbook of the earlier change is named as superseded.
    r = run_cli("reserves " + dir + " --add 2 --domain court --format json");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["derived_files"]["pages_rewritten"] == nlohmann::json::array({"draw.html"}));
    CHECK(j["derived_files"]["workbooks_written"][0]["old"] == "fieldwork.xlsx");
    CHECK(j["derived_files"]["workbooks_written"][0]["new"] == "fieldwork.updated-2.xlsx");
    CHECK(j["derived_files"]["out_of_date"].dump().find("fieldwork.updated-1.xlsx (written by an earlier change") != std::string::npos);
    CHECK(sheet_ids(dir + "/fieldwork.updated-2.xlsx", "Reserves").size() == read_table(dir + "/reserves.csv").rows.size());
    CHECK(read_text(dir + "/fieldwork.xlsx") == old_book);
    CHECK(run_cli("verify " + dir).exit_code == 0);
    // The page counts the changes made, not the log's rows; reserves leave the sample as it was, so a report on it
    // is not out of date, and the output says that only the reserves are behind.
    CHECK_MESSAGE(read_text(dir + "/draw.html").find("2 changes: 1 substitution and reserves added (2 rows of "
                                                     "audit-log.csv replayed)") != std::string::npos, read_text(dir + "/draw.html"));
    CHECK(j["derived_files"]["out_of_date"].dump().find("report.md") == std::string::npos);
    r = run_cli("reserves " + dir + " --add 1");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK_MESSAGE(r.out.find("Rewrote the page of the draw in " + dir + " for the reserves as they now are: draw.html") !=
                      std::string::npos, r.out);
    CHECK(r.out.find("The workbook fieldwork.xlsx still shows the reserves before this change") != std::string::npos);
    CHECK(r.out.find("Out of date (they show the reserves before this change):") != std::string::npos);
    CHECK(r.out.find("the sample before") == std::string::npos);
    CHECK(r.out.find("report.md") == std::string::npos);
    CHECK(read_text(dir + "/draw.html").find("3 changes: 1 substitution and reserves added 2 times (4 rows of "
                                             "audit-log.csv replayed)") != std::string::npos);

    // draw --force keeps every workbook casesample wrote (renamed), the updated ones too.
    r = run_cli("draw " + source_path("fixtures/population.csv") + " --fieldwork 2019-06-03 --seed 12 --out " + dir + " --force");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(fs::exists(dir + "/fieldwork.updated-1.replaced-1.xlsx"));
    CHECK(r.out.find("fieldwork.updated-2.xlsx -> fieldwork.updated-2.replaced-1.xlsx") != std::string::npos);
}

TEST_CASE("lifecycle: substitute says 1 reserve left, not 1 reserves") {
    auto base = temp_dir();
    auto dir = base + "/s";
    auto r = run_cli("draw " + source_path("fixtures/population.csv") + " --fieldwork 2019-06-03 --seed 11 --reserve 2 --out " + dir);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto t = read_table(dir + "/sample.csv");
    r = run_cli("substitute " + dir + " --drop " + t.rows.at(0).at(0) + " --reason ill");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.find(" 1 reserve left in " + t.rows.at(0).at(1) + ".") != std::string::npos);
    CHECK(r.out.find("1 reserves") == std::string::npos);
}

TEST_CASE("lifecycle: a mistyped --drop, a missing --reason and a missing manifest say what to do") {
    auto base = temp_dir();
    auto dir = drawn_folder(base, source_path("fixtures/population.csv"));
    const auto id = sampled(dir, 0);
    std::string lower = id;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    REQUIRE(lower != id);
    auto r = run_cli("substitute " + dir + " --drop " + lower + " --reason ill");
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("no case '" + lower + "'") != std::string::npos, r.err);
    CHECK_MESSAGE(r.err.find("did you mean " + id + "?") != std::string::npos, r.err);
    // One character off: the nearest ids in the sample.
    std::string off = id;
    off.back() = off.back() == '9' ? '8' : static_cast<char>(off.back() + 1);
    off += "7";
    r = run_cli("substitute " + dir + " --drop " + off + " --reason ill");
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("the nearest ids in the sample are") != std::string::npos, r.err);

    r = run_cli("substitute " + dir + " --drop " + id + " --reason \"\"");
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("e.g. --reason \"file cannot be opened\"") != std::string::npos, r.err);

    fs::remove(dir + "/manifest.json");
    for (const auto& cmd : {"verify " + dir, "substitute " + dir + " --drop " + id + " --reason ill", "reserves " + dir + " --add 1"}) {
        r = run_cli(cmd);
        CHECK(r.exit_code == 2);
        CHECK_MESSAGE(r.err.find("without it the folder cannot be verified, substituted or extended") != std::string::npos, r.err);
        CHECK(r.err.find("The folder's other files are still the sample") != std::string::npos);
    }
    r = run_cli("verify " + base);
    CHECK(r.err.find("this is not a folder casesample draw wrote") != std::string::npos);

    // A folder that does not exist at all (mistyped, or not made yet): one line saying so, exit 2, for each command.
    const auto nowhere = base + "/nosuchdir";
    for (const auto& cmd : {"verify " + nowhere, "verify " + nowhere + "/manifest.json",
                            "substitute " + nowhere + " --drop " + id + " --reason ill", "reserves " + nowhere + " --add 1"}) {
        r = run_cli(cmd);
        CHECK(r.exit_code == 2);
        CHECK_MESSAGE(r.err == "casesample: the folder " + nowhere + " does not exist; give the folder casesample draw "
                               "wrote (its --out), or its manifest.json\n", std::string(cmd + ": " + r.err));
        CHECK_FALSE(fs::exists(nowhere));
    }
}

TEST_CASE("lifecycle: verify names the cases missing, added or moved, and folds what follows from a deleted audit log") {
    auto base = temp_dir();
    auto dir = drawn_folder(base, source_path("fixtures/population.csv"));
    const auto sample = read_text(dir + "/sample.csv");
    auto lines = lines_of(sample);
    const auto gone = read_table(dir + "/sample.csv").rows.at(3).at(0);  // line 5
    lines.erase(lines.begin() + 4);
    write_text(dir + "/sample.csv", joined(lines));
    auto r = run_cli("verify " + dir);
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.out.find("sample.csv does not hold the re-draw's cases in its order: case " + gone +
                             " (line 5 of the re-draw) is missing from it\n") != std::string::npos, r.out);
    CHECK(r.out.find("column") == std::string::npos);
    write_text(dir + "/sample.csv", sample);
    // reserves.csv: a case added by hand.
    const auto reserves = read_text(dir + "/reserves.csv");
    auto rlines = lines_of(reserves);
    rlines.insert(rlines.begin() + 2, "X999" + rlines[1].substr(rlines[1].find(',')));
    write_text(dir + "/reserves.csv", joined(rlines));
    r = run_cli("verify " + dir);
    CHECK_MESSAGE(r.out.find("reserves.csv does not hold the re-draw's cases in its order: case X999 (line 3) is not in "
                             "the re-draw (added by hand?)") != std::string::npos, r.out);
    write_text(dir + "/reserves.csv", reserves);
    REQUIRE(run_cli("verify " + dir).exit_code == 0);

    // The audit log deleted: one cause, the files' differences follow from it.
    REQUIRE(run_cli("substitute " + dir + " --drop " + sampled(dir, 0) + " --reason ill").exit_code == 0);
    REQUIRE(run_cli("reserves " + dir + " --add 1").exit_code == 0);
    fs::remove(dir + "/audit-log.csv");
    r = run_cli("verify " + dir);
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.out.find("DIFFERENT: 1 problem in the audit log; differences in 4 files, which follow from the "
                             "audit log\n  audit log: " + dir + "/audit-log.csv is missing") != std::string::npos, r.out);
    CHECK(r.out.find("\n  so balance.csv, manifest.json, reserves.csv and sample.csv differ from the re-draw, which replays "
                     "none of the ") != std::string::npos);
    CHECK_MESSAGE(r.out.find("none of the 3 audit-log rows the manifest records: expected while the log is missing") !=
                      std::string::npos, r.out);
    CHECK(r.out.find("\n    " + dir + "/sample.csv") != std::string::npos);
    CHECK(r.out.find("added by hand") == std::string::npos);
    auto j = nlohmann::json::parse(run_cli("verify " + dir + " --format json").out);
    CHECK(j["differences"].size() == 2);
    CHECK(j["follow_from_missing_log"].size() == 4);
}

TEST_CASE("lifecycle: a population re-saved with other line endings is told from one whose cases changed") {
    auto base = temp_dir();
    const auto lf = read_text(source_path("fixtures/population.csv"));
    std::string crlf;
    for (char c : lf) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    write_text(base + "/pop.csv", crlf);
    auto dir = drawn_folder(base, base + "/pop.csv");
    REQUIRE(run_cli("verify " + dir).exit_code == 0);

    // The same cases, other line endings: still exit 1 (the bytes are not the draw's), but said to be a re-save.
    write_text(base + "/pop.csv", lf);
    auto r = run_cli("verify " + dir);
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.out.find("has changed since the draw (SHA-256 ") != std::string::npos, r.out);
    CHECK(r.out.find("the file's bytes changed since the draw, but the cases read from it and the sample drawn from "
                     "them are the same as in the folder: a re-save") != std::string::npos);
    CHECK_MESSAGE(r.out.find("DIFFERENT: an input of the draw changed\n") != std::string::npos, r.out);
    auto j = nlohmann::json::parse(run_cli("verify " + dir + " --format json").out);
    CHECK(j["population_change"] == "same_cases");
    CHECK(j["status"] == "different");
    r = run_cli("substitute " + dir + " --drop " + sampled(dir, 0) + " --reason ill");
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.err.find("a re-save") != std::string::npos, r.err);

    // One sampled case's id edited: not a re-save, and the case that went is named.
    const auto id = sampled(dir, 0);
    auto edited = lf;
    edited.replace(edited.find("\n" + id + ",") + 1, id.size(), "Z" + id.substr(1));
    write_text(base + "/pop.csv", edited);
    r = run_cli("verify " + dir);
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.out.find("read as it is now, it no longer gives the sample in the folder") != std::string::npos, r.out);
    CHECK(r.out.find("cases of the folder no longer in it: " + id + " (sample.csv)") != std::string::npos);
    CHECK(r.out.find("read as it is now: " + dir + "/sample.csv") != std::string::npos);
    CHECK(r.out.find("added by hand") == std::string::npos);  // the cause is the population, not a hand
    j = nlohmann::json::parse(run_cli("verify " + dir + " --format json").out);
    CHECK(j["population_change"] == "different_cases");
    r = run_cli("substitute " + dir + " --drop " + sampled(dir, 1) + " --reason ill");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("cases of the folder no longer in it: " + id) != std::string::npos);
    // Not re-read when unchanged: null.
    write_text(base + "/pop.csv", crlf);
    j = nlohmann::json::parse(run_cli("verify " + dir + " --format json").out);
    CHECK(j["population_change"].is_null());
}
