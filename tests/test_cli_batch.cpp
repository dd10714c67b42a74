// casesample batch end to end through the built binary.
#include <doctest/doctest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

using namespace casesample::test;
namespace fs = std::filesystem;

namespace {

const std::string kServices = R"(# Three services, defaults at the top
fieldwork = 2019-06-03
seed = 2019
reserve = 2

[[service]]
name = "Alpha"
population = "a.csv"

[[service]]
name = "Beta"
population = "b.csv"
size = { court = 30, out-of-court = 20 }

[[service]]
name = "Gamma"
population = "c.csv"
method = "cells"
)";

std::string services_folder(const std::string& toml) {
    auto dir = temp_dir();
    for (auto p : {"a.csv", "b.csv", "c.csv"}) fs::copy_file(source_path("fixtures/population.csv"), dir + "/" + p);
    write_text(dir + "/SERVICES.toml", toml);
    return dir;
}

}  // namespace

TEST_CASE("batch draws every service, verify finds each folder identical, a re-run is a no-op that says so") {
    auto dir = services_folder(kServices);
    auto r = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out --jobs 2");
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());  // no progress bar when stderr is not a terminal
    CHECK(r.out.find("3 services: 3 drawn, 0 already drawn and left alone, 0 failed") != std::string::npos);
    CHECK(r.out.find("Beta     court         ok            71      30") != std::string::npos);
    for (auto name : {"Alpha", "Beta", "Gamma"}) {
        auto v = run_cli("verify " + dir + "/out/" + name);
        CHECK_MESSAGE(v.exit_code == 0, name);
        CHECK(v.out.find("identical") != std::string::npos);
    }
    auto summary = read_text(dir + "/out/summary.csv");
    auto again = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out");
    CHECK(again.exit_code == 0);
    CHECK(again.out.find("Nothing to do: every one of the 3 services") != std::string::npos);
    CHECK(read_text(dir + "/out/summary.csv") == summary);

    // --force draws again only folders drawn otherwise: these are all up to date.
    auto forced = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out --force --format json");
    CHECK(forced.exit_code == 0);
    auto j = nlohmann::json::parse(forced.out);
    CHECK(j["drawn"] == 0);
    CHECK(j["kept"] == 3);
    CHECK(j["nothing_done"] == true);
    CHECK(j["services"][0]["action"] == "kept");
    CHECK(read_text(dir + "/out/summary.csv") == summary);
}

namespace {
// A population that still parses but is not the file a folder was drawn from: one more ineligible case.
void change_population(const std::string& path) {
    static int added = 0;
    auto text = read_text(path);
    write_text(path, text + "C9" + std::to_string(100000 + ++added) + ",Referral Order,2010-01-01,Male,Low,Low,Worker 1,\n");
}
}  // namespace

TEST_CASE("batch --force after one population changed: only that service is drawn again, fieldwork elsewhere kept") {
    const std::string toml = "fieldwork = 2019-06-03\nseed = 2019\nreserve = 3\n"
                             "[[service]]\nname = \"Lancashire\"\npopulation = \"a.csv\"\n"
                             "[[service]]\nname = \"Wigan\"\npopulation = \"b.csv\"\n"
                             "[[service]]\nname = \"Bolton\"\npopulation = \"c.csv\"\n"
                             "[[service]]\nname = \"Bury\"\npopulation = \"d.csv\"\n";
    auto dir = temp_dir();
    for (auto p : {"a.csv", "b.csv", "c.csv", "d.csv"}) fs::copy_file(source_path("fixtures/population.csv"), dir + "/" + p);
    write_text(dir + "/SERVICES.toml", toml);
    const auto out = dir + "/out";
    const auto run = "batch " + dir + "/SERVICES.toml --out " + out;
    REQUIRE(run_cli(run).exit_code == 0);
    const auto lancs = out + "/Lancashire";
    auto sub = run_cli("substitute " + lancs + " --drop " + read_table(lancs + "/sample.csv").rows.at(0).at(0) +
                       " --reason moved");
    REQUIRE_MESSAGE(sub.exit_code == 0, sub.err);
    const auto lancs_sample = read_text(lancs + "/sample.csv");
    const auto lancs_log = read_text(lancs + "/audit-log.csv");
    const auto bolton_sample = read_text(out + "/Bolton/sample.csv");

    change_population(dir + "/b.csv");
    auto refused = run_cli(run);
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("Wigan: its folder already holds a sample drawn otherwise (the population file") !=
          std::string::npos);
    CHECK(refused.err.find("pass --force to draw it again (--force draws again only the services whose folder was "
                           "drawn otherwise; add --only Wigan for this one alone)") != std::string::npos);

    // As the advice says: --force draws Wigan again and leaves the others (and Lancashire's substitution) alone.
    auto forced = run_cli(run + " --force");
    CAPTURE(forced.out);
    CAPTURE(forced.err);
    REQUIRE(forced.exit_code == 0);
    CHECK(forced.out.find("4 services: 1 drawn, 3 already drawn and left alone, 0 failed") != std::string::npos);
    CHECK(forced.out.find("drawn again (--force): its folder already holds a sample drawn otherwise (the population "
                          "file") != std::string::npos);
    CHECK(forced.err.empty());  // no fieldwork changes were set aside
    CHECK(read_text(lancs + "/sample.csv") == lancs_sample);
    CHECK(read_text(lancs + "/audit-log.csv") == lancs_log);
    CHECK_FALSE(fs::exists(lancs + "/audit-log.replaced-1.csv"));
    CHECK(read_text(out + "/Bolton/sample.csv") == bolton_sample);
    CHECK(run_cli("verify " + lancs).exit_code == 0);
    CHECK(run_cli("verify " + out + "/Wigan").exit_code == 0);

    // --only names the services a run touches: Lancashire's population changed too, but only Bolton is run.
    change_population(dir + "/a.csv");
    change_population(dir + "/c.csv");
    const auto summary = read_text(out + "/summary.csv");
    auto only = run_cli(run + " --force --only Bolton");
    CAPTURE(only.out);
    REQUIRE(only.exit_code == 0);
    CHECK(only.out.find("1 service: 1 drawn, 0 already drawn and left alone, 0 failed") != std::string::npos);
    CHECK(only.out.find("was not rewritten, as --only ran part of the services") != std::string::npos);
    CHECK(read_text(lancs + "/sample.csv") == lancs_sample);
    CHECK(read_text(out + "/summary.csv") == summary);
    auto unknown = run_cli(run + " --only Bolten");
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("--only: no service named 'Bolten' in " + dir + "/SERVICES.toml; did you mean 'Bolton'?") != std::string::npos);

    // A forced redraw that sets aside logged fieldwork changes says so loudly: in its row, on stderr and in JSON.
    auto loud = run_cli(run + " --force --format json");
    CAPTURE(loud.err);
    REQUIRE(loud.exit_code == 0);
    auto j = nlohmann::json::parse(loud.out);
    CHECK(j["services"][0]["action"] == "drawn");
    CHECK(j["services"][0]["fieldwork_changes_set_aside"] ==
          "1 substitution (audit-log.csv kept as audit-log.replaced-1.csv)");
    CHECK(j["services"][1]["action"] == "kept");
    CHECK(loud.err.find("casesample: WARNING: Lancashire was drawn again (--force), which set aside the fieldwork "
                        "changes logged in its old sample: 1 substitution (audit-log.csv kept as "
                        "audit-log.replaced-1.csv); the new sample in " + lancs + " does not have them\n") !=
          std::string::npos);
    CHECK(read_text(lancs + "/audit-log.replaced-1.csv") == lancs_log);
}

TEST_CASE("batch --force says what became of each old sample's other files, as draw --force does") {
    auto dir = services_folder(kServices);
    const auto out = dir + "/out";
    REQUIRE(run_cli("batch " + dir + "/SERVICES.toml --out " + out).exit_code == 0);
    const auto alpha = out + "/Alpha";
    auto s = run_cli("substitute " + alpha + " --drop " + read_table(alpha + "/sample.csv").rows.at(0).at(0) + " --reason x");
    REQUIRE_MESSAGE(s.exit_code == 0, s.err);
    const auto old_log = read_text(alpha + "/audit-log.csv");
    write_text(alpha + "/notes.txt", "team notes\n");
    write_text(alpha + "/report.md", "old report\n");
    change_population(dir + "/a.csv");  // Alpha's folder is no longer up to date: --force draws it again
    auto r = run_cli("batch " + dir + "/SERVICES.toml --out " + out + " --force");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(read_text(alpha + "/audit-log.replaced-1.csv") == old_log);
    CHECK_FALSE(fs::exists(alpha + "/report.md"));
    CHECK(r.out.find("Removed from " + alpha + ", as they described the replaced sample: report.md\n") != std::string::npos);
    CHECK(r.out.find("Kept beside the new sample in " + alpha + ", renamed: audit-log.csv -> audit-log.replaced-1.csv\n") !=
          std::string::npos);
    CHECK(r.out.find("Left in " + alpha + " as they were (casesample did not write them; check they still apply to the "
                     "new sample): notes.txt\n") != std::string::npos);
    CHECK(r.out.find(out + "/Beta, renamed") == std::string::npos);
    // JSON: old_files per service drawn again, as draw --force --format json; nothing in summary.json on disk.
    write_text(alpha + "/report.md", "old report\n");
    change_population(dir + "/a.csv");
    change_population(dir + "/b.csv");
    r = run_cli("batch " + dir + "/SERVICES.toml --out " + out + " --force --format json");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto j = nlohmann::json::parse(r.out);
    const auto& old = j["services"][0]["old_files"];
    CHECK(old["removed"] == nlohmann::json::array({"report.md"}));
    CHECK(old["renamed"].empty());  // the log was renamed by the first --force; none since
    CHECK(old["left"] == nlohmann::json::array({"notes.txt"}));
    CHECK(j["services"][1]["old_files"]["removed"].empty());
    CHECK(read_text(out + "/summary.json").find("old_files") == std::string::npos);
}

TEST_CASE("batch: a mistake in the services file is one line with its place, exit 2, nothing written") {
    auto dir = services_folder(kServices + "\n[[service]]\nname = \"Delta\"\npopulation = \"d.csv\"\nreserv = 3\n");
    auto r = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out");
    CHECK(r.exit_code == 2);
    CHECK(r.err == dir + "/SERVICES.toml:23:1: unknown key 'reserv'; did you mean 'reserve'?\n");
    CHECK(r.out.empty());
    CHECK_FALSE(fs::exists(dir + "/out"));

    auto missing = run_cli("batch " + dir + "/nowhere.toml --out " + dir + "/out");
    CHECK(missing.exit_code == 2);
    CHECK(missing.err == dir + "/nowhere.toml: cannot open the file: No such file or directory\n");
    CHECK_FALSE(fs::exists(dir + "/out"));
}

TEST_CASE("batch: a setting found wrong only when its service runs (window, size, stratify) names its FILE:LINE:COLUMN") {
    const std::string toml = R"(fieldwork = 2019-06-03
seed = 1

[[service]]
name = "Window"
population = "a.csv"
window = { court = "6-9", out-of-cour = "2-4" }

[[service]]
name = "Big"
population = "b.csv"
size = { court = 500, out-of-court = 3 }

[[service]]
name = "Short"
population = "c.csv"
size = "court=5"

[[service]]
name = "Youth"
population = "a.csv"
size = { court = 5, out-of-court = 3, youth = 2 }

[[service]]
name = "Strata"
population = "a.csv"
stratify = "gender,rosh,ethnicty"
)";
    auto dir = services_folder(toml);
    const auto file = dir + "/SERVICES.toml";
    auto r = run_cli("batch " + file + " --out " + dir + "/out --jobs 2");
    CHECK(r.exit_code == 2);
    CAPTURE(r.err);
    CHECK(r.err.find("  Window: " + file + ":7:41: window out-of-cour=2-4: there is no domain 'out-of-cour'; the domains "
                     "are court, out-of-court\n") != std::string::npos);
    CHECK(r.err.find("  Big: " + file + ":12:18: size = { court = 500 }: only 71 cases of that domain are eligible\n") !=
          std::string::npos);
    CHECK(r.err.find("  Short: " + file + ":17:8: size gives no size for the domain 'out-of-court'") != std::string::npos);
    CHECK(r.err.find("  Youth: " + file + ":22:47: size: no domain 'youth'") != std::string::npos);
    CHECK(r.err.find("  Strata: " + file + ":27:12: stratify: the vocabulary has no variable 'ethnicty'.") !=
          std::string::npos);
    CHECK(r.err.find("--stratify") == std::string::npos);
    CHECK(r.err.find("passed with add-vocabulary = \"FILE\"") != std::string::npos);

    // A window given at the top for every service: the place is the top level's.
    dir = services_folder("fieldwork = 2019-06-03\nseed = 1\nwindow = \"out-of-cour=2-4\"\n\n[[service]]\nname = \"A\"\n"
                          "population = \"a.csv\"\n");
    r = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("  A: " + dir + "/SERVICES.toml:3:10: window out-of-cour=2-4: there is no domain") != std::string::npos);
    // The command line's --window has no place: the message is as it was.
    auto d = run_cli("draw " + dir + "/a.csv --fieldwork 2019-06-03 --window out-of-cour=2-4 --out " + dir + "/s");
    CHECK(d.exit_code == 2);
    CHECK(d.err.find("casesample: --window out-of-cour=2-4: there is no domain 'out-of-cour'") == 0);
}

TEST_CASE("batch: one service's bad input is named, the others finish, exit 2 with the failed listed at the end") {
    auto dir = services_folder(kServices + "\n[[service]]\nname = \"Delta\"\npopulation = \"d.csv\"\n");
    fs::copy_file(source_path("fixtures/bad/unknown_category.csv"), dir + "/d.csv");
    auto r = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out --jobs 3");
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("4 services: 3 drawn, 0 already drawn and left alone, 1 failed") != std::string::npos);
    CHECK(r.err.find("casesample: 1 of 4 services failed:\n  Delta: " + dir + "/d.csv:") == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 2);
    for (auto name : {"Alpha", "Beta", "Gamma"}) CHECK(run_cli("verify " + dir + "/out/" + name).exit_code == 0);
    CHECK(read_text(dir + "/out/summary.csv").find("\nDelta,,failed,,,,,") != std::string::npos);

    // Fixed, the run draws only Delta.
    fs::copy_file(source_path("fixtures/population.csv"), dir + "/d.csv", fs::copy_options::overwrite_existing);
    auto fixed = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out --format json");
    CHECK(fixed.exit_code == 0);
    auto j = nlohmann::json::parse(fixed.out);
    CHECK(j["drawn"] == 1);
    CHECK(j["kept"] == 3);
}

TEST_CASE("batch: --jobs 4 writes byte for byte what --jobs 1 writes") {
    std::string toml = "fieldwork = 2019-06-03\nseed = 5\nreserve = 4\n";
    for (int i = 0; i < 9; ++i)
        toml += "[[service]]\nname = \"Service " + std::to_string(i) + "\"\npopulation = \"" + "abc"[i % 3] +
                ".csv\"\n" + (i % 3 == 2 ? "method = \"systematic\"\n" : "");
    auto dir = services_folder(toml);
    auto texts = [&] {
        std::map<std::string, std::string> files;
        for (const auto& e : fs::recursive_directory_iterator(dir + "/out"))
            if (e.is_regular_file() && e.path().filename() != ".casesample.lock") files[fs::relative(e.path(), dir + "/out").string()] = read_text(e.path().string());
        return files;
    };
    REQUIRE(run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out --jobs 1").exit_code == 0);
    auto one = texts();
    fs::remove_all(dir + "/out");
    REQUIRE(run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out --jobs 4").exit_code == 0);
    CHECK(texts() == one);
    CHECK(one.size() == 9 * 6 + 4);  // per service 5 files and draw.html; summary.csv/.json/.xlsx, index.html
}

TEST_CASE("batch: usage mistakes") {
    auto dir = services_folder(kServices);
    auto jobs = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out --jobs 0");
    CHECK(jobs.exit_code == 2);
    CHECK(jobs.err.find("--jobs must be a whole number from 1 to 256, got '0'") != std::string::npos);
    write_text(dir + "/file", "x");
    auto file = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/file");
    CHECK(file.exit_code == 2);
    CHECK(file.err.find("is a file") != std::string::npos);
    CHECK(run_cli("batch " + dir + "/SERVICES.toml").exit_code == 2);  // --out is required
}

TEST_CASE("batch report: the same report.json as `casesample report --sample-dir` with the service's seed") {
    auto dir = services_folder(R"(fieldwork = 2019-06-03
seed = 2019
[[service]]
name = "Alpha"
population = "a.csv"
answers = "totals.csv"
draws = 3000
)");
    fs::copy_file(source_path("fixtures/answers/lancashire-2019-totals.csv"), dir + "/totals.csv");
    auto r = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out --format json");
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    auto seed = j["services"][0]["seed"].get<std::uint64_t>();
    auto report = run_cli("report " + dir + "/totals.csv --sample-dir " + dir + "/out/Alpha --draws 3000 --seed " +
                          std::to_string(seed) + " --format json");
    REQUIRE(report.exit_code == 0);
    CHECK(report.out == read_text(dir + "/out/Alpha/report.json"));
    CHECK(j["services"][0].contains("overall_probability") == j["services"][0].contains("overall_rating"));
}

TEST_CASE("batch --shard K/N: parts run apart draw every service once, a run without shards then sums them up") {
    std::string toml = "fieldwork = 2019-06-03\nseed = 3\n";
    for (int i = 0; i < 5; ++i)
        toml += "[[service]]\nname = \"S" + std::to_string(i) + "\"\npopulation = \"" + "abc"[i % 3] + ".csv\"\n";
    auto dir = services_folder(toml);
    auto first = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out --shard 1/2 --format json");
    REQUIRE(first.exit_code == 0);
    auto j1 = nlohmann::json::parse(first.out);
    CHECK(j1["services_total"] == 3);  // S0, S2, S4
    CHECK(j1["services"][1]["service"] == "S2");
    CHECK(fs::exists(dir + "/out/summary.shard-1-of-2.csv"));
    CHECK_FALSE(fs::exists(dir + "/out/S1"));
    auto second = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out --shard 2/2 --format json");
    REQUIRE(second.exit_code == 0);
    CHECK(nlohmann::json::parse(second.out)["services_total"] == 2);
    // Gathered: every folder is left alone, and the summary of all five is written.
    auto all = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out --format json");
    REQUIRE(all.exit_code == 0);
    auto j = nlohmann::json::parse(all.out);
    CHECK(j["kept"] == 5);
    CHECK(j["drawn"] == 0);
    // The same summary as one run over every service.
    REQUIRE(run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/whole").exit_code == 0);
    CHECK(read_text(dir + "/out/summary.csv") == read_text(dir + "/whole/summary.csv"));

    for (auto bad : {"0/2", "3/2", "2", "a/b", "1/0"}) {
        auto r = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out --shard " + bad);
        CHECK_MESSAGE(r.exit_code == 2, bad);
        CHECK(r.err.find("--shard") != std::string::npos);
    }
}

TEST_CASE("batch --shard reminds to finish with one run without --shard, the table's balance column is in words") {
    auto dir = services_folder(kServices);
    const auto run = "batch " + dir + "/SERVICES.toml --out " + dir + "/out";
    auto part = run_cli(run + " --shard 1/2");
    REQUIRE_MESSAGE(part.exit_code == 0, part.err);
    CHECK(part.out.find("This was part 1/2: once every part has run, finish with one run without --shard (the same "
                        "services file and --out) to write the summary of every service " + dir +
                        "/out/summary.xlsx (it leaves the folders the parts drew alone).\n") != std::string::npos);
    CHECK(part.out.find("off balance by") != std::string::npos);
    CHECK(part.out.find("worst dev") == std::string::npos);
    auto all = run_cli(run);
    REQUIRE_MESSAGE(all.exit_code == 0, all.err);
    CHECK(all.out.find("This was part") == std::string::npos);
    CHECK(fs::exists(dir + "/out/summary.csv"));
}

TEST_CASE("batch --only names a service whose name holds a comma, as typed") {
    std::string toml = kServices;
    const auto at = toml.find("name = \"Beta\"");
    toml.replace(at, 13, "name = \"Bournemouth, Christchurch and Poole\"");
    auto dir = services_folder(toml);
    auto r = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out --only 'Bournemouth, Christchurch and Poole'");
    CAPTURE(r.out);
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("1 service: 1 drawn") != std::string::npos);
    CHECK(fs::exists(dir + "/out/Bournemouth, Christchurch and Poole/sample.csv"));
    CHECK_FALSE(fs::exists(dir + "/out/Alpha"));
    // With another service, and without the space after the comma.
    r = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out2 --only 'Alpha,Bournemouth,Christchurch and Poole'");
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("2 services: 2 drawn") != std::string::npos);
    // Half of such a name is no service.
    r = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out3 --only Bournemouth");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--only: no service named 'Bournemouth' in " + dir +
                     "/SERVICES.toml; did you mean 'Bournemouth, Christchurch and Poole'?") != std::string::npos);
    // A word from inside the name, in any case.
    r = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out3 --only christchurch");
    CHECK(r.exit_code == 2);
    CHECK(r.err == "casesample: --only: no service named 'christchurch' in " + dir +
                       "/SERVICES.toml; did you mean 'Bournemouth, Christchurch and Poole'?\n");
    // --only given twice adds the names; an empty --only is refused, not taken as no --only.
    r = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out4 --only Alpha --only Gamma");
    CAPTURE(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("2 services: 2 drawn") != std::string::npos);
    CHECK(fs::exists(dir + "/out4/Gamma/sample.csv"));
    r = run_cli("batch " + dir + "/SERVICES.toml --out " + dir + "/out5 --only ''");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--only needs the names of the services to run") != std::string::npos);
    CHECK_FALSE(fs::exists(dir + "/out5/Alpha"));
}
