// casesample batch in the core: the services file, running services in parallel, the summary.
#include <doctest/doctest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "casesample/batch.hpp"
#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "casesample/report_html.hpp"
#include "casesample/sample_folder.hpp"
#include "test_support.hpp"

using namespace casesample;
using namespace casesample::test;
namespace fs = std::filesystem;

namespace {

// The error a services file gives, as the command line prints it ("" when it reads).
std::string manifest_error(const std::string& text) {
    try {
        parse_batch_manifest("SERVICES.toml", text);
        return "";
    } catch (const InputError& e) {
        return e.what();
    }
}

const std::string kService = "[[service]]\nname = \"A\"\npopulation = \"a.csv\"\n";

// A folder holding SERVICES.toml and the bundled population under a few names.
std::string services_folder(const std::string& toml, const std::vector<std::string>& populations = {"a.csv", "b.csv", "c.csv"}) {
    auto dir = temp_dir();
    for (const auto& p : populations) fs::copy_file(source_path("fixtures/population.csv"), dir + "/" + p);
    write_text(dir + "/SERVICES.toml", toml);
    return dir;
}

std::map<std::string, std::string> folder_texts(const fs::path& dir) {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path().filename() != ".casesample.lock") files[fs::relative(e.path(), dir).string()] = read_text(e.path().string());
    return files;
}

const std::string kThree = R"(fieldwork = 2019-06-03
reserve = 2
seed = 2019

[[service]]
name = "Alpha"
population = "a.csv"

[[service]]
name = "Beta"
population = "b.csv"
size = { court = 30, out-of-court = 20 }
seed = 7

[[service]]
name = "Gamma"
population = "c.csv"
method = "systematic"
reserve = 0
)";

}  // namespace

TEST_CASE("services file: top-level defaults apply to every service, a service's own value wins") {
    auto m = parse_batch_manifest("dir/SERVICES.toml", R"(fieldwork = 2019-06-03
reserve = 5
method = "cells"
confidence = 0.9
court_window = "5-8"
keep-columns = ["team", "worker"]

[[service]]
name = "Lancashire"
population = "lancs.csv"
answers = "answers/lancs.csv"

[[service]]
name = "Bath and North East Somerset"
population = "/data/banes.csv"
fieldwork = "03/07/2019"
reserve = 0
size = "court=20,out-of-court=10"
window = { out-of-court = "2-4" }
column = { rosh = "Risk of serious harm" }
seed = 12
draws = 0
)");
    REQUIRE(m.services.size() == 2);
    const auto& a = m.services[0];
    CHECK(a.name == "Lancashire");
    CHECK(a.line == 8);
    CHECK(a.population == "dir/lancs.csv");
    CHECK(a.answers == "dir/answers/lancs.csv");
    CHECK(a.population_args.fieldwork == "2019-06-03");
    CHECK(a.population_args.court_window == "5-8");
    CHECK(a.population_args.keep_columns == "team,worker");
    CHECK(a.request.reserves == 5);
    CHECK(a.request.method == DrawMethod::cells);
    CHECK(a.request.sizes.empty());
    CHECK(a.request.size_parameters.confidence == 0.9);
    CHECK(a.seed_from == BatchService::Seed::none);
    CHECK(a.draws == 10000);
    const auto& b = m.services[1];
    CHECK(b.population == "/data/banes.csv");
    CHECK(b.population_args.fieldwork == "03/07/2019");
    CHECK(b.request.reserves == 0);
    // The service's own size wins over the top level's confidence.
    CHECK(b.request.sizes == std::map<std::string, std::int64_t>{{"court", 20}, {"out-of-court", 10}});
    CHECK(b.population_args.windows == std::vector<std::string>{"out-of-court=2-4"});
    CHECK(b.population_args.columns == std::vector<std::string>{"rosh=Risk of serious harm"});
    CHECK(b.request.seed == 12);
    CHECK(b.seed_from == BatchService::Seed::own);
    CHECK(b.draws == 0);
    // An absolute path leaves the services file's folder: allowed, and shown.
    REQUIRE(m.notes.size() == 1);
    CHECK(m.notes[0].find("SERVICES.toml:15:14: note: population /data/banes.csv is outside") != std::string::npos);
}

TEST_CASE("services file: a top-level seed gives each service its own seed, the same on every run") {
    auto m = parse_batch_manifest("S.toml", "seed = 2019\nfieldwork = 2019-06-03\n" + kService +
                                                "[[service]]\nname = \"B\"\npopulation = \"b.csv\"\n");
    CHECK(m.services[0].seed_from == BatchService::Seed::derived);
    CHECK(m.services[0].request.seed == derived_seed(2019, "A"));
    CHECK(m.services[1].request.seed == derived_seed(2019, "B"));
    CHECK(m.services[0].request.seed != m.services[1].request.seed);
    CHECK(derived_seed(2019, "A") != derived_seed(2020, "A"));
    // Pinned: a change here would change every batch drawn with a top-level seed.
    CHECK(derived_seed(2019, "A") == derived_seed(2019, std::string("A")));
    // Seeds above the largest TOML integer may be quoted.
    auto big = parse_batch_manifest("S.toml", "fieldwork = 2019-06-03\n" + kService + "seed = \"18446744073709551615\"\n");
    CHECK(big.services[0].request.seed == 18446744073709551615ull);
}

TEST_CASE("services file: every mistake is one line at its line and column, in the file's words") {
    const std::string top = "fieldwork = 2019-06-03\n";
    struct Case {
        std::string text, error;
    };
    const std::vector<Case> cases = {
        {top + "[[service]]\nname = \"A\"\npopulaton = \"a.csv\"\n",
         "SERVICES.toml:4:1: unknown key 'populaton'; did you mean 'population'?"},
        {top + kService + "sead = 3\n", "SERVICES.toml:5:1: unknown key 'sead'; did you mean 'seed'?"},
        {"reserv = 3\n" + top + kService, "SERVICES.toml:1:1: unknown key 'reserv'; did you mean 'reserve'?"},
        {top + kService + "zzzzzzzz = 1\n", "SERVICES.toml:5:1: unknown key 'zzzzzzzz' (the keys here are fieldwork"},
        {top + "[[service]]\nname = \"A\"\n", "SERVICES.toml:2:1: service 'A' has no population"},
        {top + "[[service]]\npopulation = \"a.csv\"\n", "SERVICES.toml:2:1: this [[service]] has no name"},
        // The line of the first name, both spellings quoted.
        {top + kService + "[[service]]\nname = \"a\"\npopulation = \"b.csv\"\n",
         "SERVICES.toml:6:8: the service name 'a' differs only in capitals from 'A' on line 3, and names differing only "
         "in capitals are one folder on Windows and macOS"},
        {top + kService + "[[service]]\nname = \"A\"\npopulation = \"b.csv\"\n",
         "SERVICES.toml:6:8: a service named 'A' is already on line 3: each service needs its own name"},
        // A day-first date without quotes: what to write instead.
        {"fieldwork = 03/06/2019\n" + kService,
         "A date in TOML is written year first without quotes: fieldwork = 2019-06-03 (03/06/2019 read day first), or "
         "in quotes: fieldwork = \"03/06/2019\""},
        {"fieldwork = 3/6/2019   # June\n" + kService, "fieldwork = 2019-06-03 (3/6/2019 read day first)"},
        // [[services]]: the table's name.
        {top + "[[services]]\nname = \"A\"\npopulation = \"a.csv\"\n",
         "unknown table 'services'; did you mean [[service]]? Each service is a [[service]] table (service, not services)"},
        // Windows paths: a backslash escape in "...", or a backslash kept in '...'.
        {top + "[[service]]\nname = \"A\"\npopulation = \"exports\\lancs.csv\"\n",
         "In TOML a backslash inside \"...\" starts an escape such as \\n: write paths with forward slashes, such as "
         "population = \"exports/lancs.csv\""},
        {top + "[[service]]\nname = \"A\"\npopulation = 'exports\\lancs.csv'\n",
         "SERVICES.toml:4:14: population 'exports\\lancs.csv' is written with backslashes: write paths with forward "
         "slashes, such as population = \"exports/lancs.csv\" (they work on Windows too)"},
        {top + "[[service]]\nname = \"../up\"\npopulation = \"a.csv\"\n",
         "SERVICES.toml:3:8: the service name '../up' cannot be a folder name"},
        {top + "[[service]]\nname = \"summary.csv\"\npopulation = \"a.csv\"\n",
         "SERVICES.toml:3:8: the service name 'summary.csv' cannot be a folder name"},
        {top + "[[service]]\nname = 3\npopulation = \"a.csv\"\n", "SERVICES.toml:3:8: name must be text in quotes"},
        {top + kService + "reserve = \"5\"\n",
         "SERVICES.toml:5:11: reserve must be a whole number from 0 to 100000, without quotes (got \"5\")"},
        {top + kService + "reserve = 100001\n", "SERVICES.toml:5:11: reserve must be a whole number from 0 to 100000"},
        {top + kService + "seed = -1\n", "SERVICES.toml:5:8: seed must be a whole number"},
        {top + kService + "seed = \"12x\"\n", "SERVICES.toml:5:8: seed must be a whole number"},
        {top + kService + "method = \"cube\"\n", "SERVICES.toml:5:10: method must be \"balanced\", \"cells\" or"},
        {top + kService + "margin = 0.9\n", "SERVICES.toml:5:10: margin must be more than 0 and at most 0.5"},
        {top + kService + "confidence = \"high\"\n", "SERVICES.toml:5:14: confidence must be a number"},
        {top + kService + "size = { court = 50 }\nconfidence = 0.9\n",
         "SERVICES.toml:6:14: confidence sizes the sample by Cochran's formula, but this service also gives size"},
        {top + "size = \"court=5\"\nmargin = 0.1\n" + kService, "SERVICES.toml:3:10: margin sizes the samples"},
        {top + kService + "size = { court = -1 }\n", "SERVICES.toml:5:18: size.court must be a whole number"},
        {top + kService + "size = \"court:5\"\n", "SERVICES.toml:5:8: size takes DOMAIN=N pairs"},
        {top + kService + "court-window = \"9-6\"\n", "SERVICES.toml:5:16: court-window: '9-6' ends before it starts"},
        {top + kService + "window = [\"court\"]\n", "SERVICES.toml:5:10: window items are NAME=VALUE"},
        {top + kService + "keep_columns = \"a,a\"\n", "SERVICES.toml:5:16: keep-columns a,a: 'a' is named twice"},
        {top + kService + "column = [\"rosh\"]\n", "SERVICES.toml:5:10: column items are NAME=VALUE"},
        {top + kService + "draws = 20000000\n", "SERVICES.toml:5:9: draws must be a whole number from 0 to 10000000"},
        {top + kService + "population2 = 1\n", "did you mean 'population'?"},
        {kService, "SERVICES.toml:1:1: service 'A' has no fieldwork date"},
        {"fieldwork = \"2019-02-30\"\n" + kService, "SERVICES.toml:1:13: fieldwork '2019-02-30' is not a date"},
        {"fieldwork = 2019-06-31\n" + kService, "SERVICES.toml:1:23: this is not valid TOML"},
        {top + "[service]\nname = \"A\"\npopulation = \"a.csv\"\n",
         "SERVICES.toml:2:1: service must be a list of tables: write [[service]]"},
        {top + "name = \"A\"\n" + kService, "SERVICES.toml:2:1: 'name' belongs to each service"},
        {top, "SERVICES.toml:1:1: there is no [[service]] table"},
        {top + kService + "answers = \"\"\n", "SERVICES.toml:5:11: answers is empty"},
        {top + kService + "seed = 1\nseed = 2\n", "SERVICES.toml:6:8: this is not valid TOML: Error while parsing key-value pair: cannot redefine existing integer 'seed'"},
        {top + kService + "keep-columns = \"a\"\nkeep_columns = \"b\"\n", "is given twice"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        auto error = manifest_error(c.text);
        if (c.error.rfind("SERVICES.toml:", 0) == 0) CHECK(error.find(c.error) == 0);
        else CHECK(error.find(c.error) != std::string::npos);
        CHECK(error.find('\n') == std::string::npos);
    }
    CHECK(manifest_error("fieldwork = 2019-06-03\n" + kService) == "");
}

TEST_CASE("unsafe folder names are refused, ordinary service names are not") {
    for (auto ok : {"Lancashire", "Bath and North East Somerset", "Brighton & Hove", "St. Helens", "King's Lynn",
                    "Ynys Môn", "summary", "a.b"})
        CHECK_MESSAGE(folder_name_problem(ok) == "", ok);
    for (auto bad : {"", ".", "..", ".hidden", "a/b", "a\\b", "a:b", "trailing.", " lead", "CON", "com1", "lpt9.txt",
                     "Summary.JSON", "index.html", "tab\there", "\xff\xfe"})
        CHECK_MESSAGE(folder_name_problem(bad) != "", bad);
    CHECK(folder_name_problem(std::string(101, 'x')) != "");
}

TEST_CASE("the closest known key is suggested, and none when nothing is close") {
    const auto& keys = batch_manifest_keys();
    CHECK(closest_key("populaton", keys) == "population");
    CHECK(closest_key("seeds", keys) == "seed");
    CHECK(closest_key("Reserve", keys) == "reserve");
    CHECK(closest_key("keep_column", keys) == "keep-columns");
    CHECK(closest_key("answer", keys) == "answers");
    CHECK(closest_key("xyzzy", keys) == "");
}

TEST_CASE("run_batch draws every service into its folder exactly as draw would, and verify finds each identical") {
    auto dir = services_folder(kThree);
    auto manifest = read_batch_manifest(dir + "/SERVICES.toml");
    BatchOptions options;
    options.out = dir + "/out";
    options.jobs = 2;
    Progress progress;
    options.progress = &progress;
    auto summary = run_batch(manifest, options);
    CHECK(progress.snapshot().done == 3);
    CHECK(progress.snapshot().total == 3);
    REQUIRE(summary.services.size() == 3);
    CHECK(summary.drawn() == 3);
    CHECK(summary.failed() == 0);
    for (const auto& s : summary.services) {
        CAPTURE(s.name);
        CHECK(s.action == BatchOutcome::Action::drawn);
        auto v = verify_folder(s.folder.string());
        CHECK(v.identical());
        REQUIRE(s.domains.size() == 2);
    }
    CHECK(summary.services[0].seed == derived_seed(2019, "Alpha"));
    CHECK(summary.services[1].seed == 7);
    CHECK(summary.services[1].domains[0].sample_size == 30);
    CHECK(summary.services[1].domains[1].sample_size == 20);
    CHECK(summary.services[2].domains[0].reserves == 0);
    // The manifest records the draw command that gives the same folder.
    auto m = nlohmann::json::parse(read_text(dir + "/out/Beta/manifest.json"));
    auto line = m["command_line"].get<std::vector<std::string>>();
    CHECK(line == equivalent_draw_command(manifest.services[1], dir + "/out/Beta"));
    CHECK(std::find(line.begin(), line.end(), "--seed") != line.end());

    auto csv = read_text(dir + "/out/summary.csv");
    CHECK(csv.rfind("service,domain,status,eligible,sample_size,reserves,worst_deviation,message,overall_rating,"
                    "overall_probability,overall_verdict,audit,seed\n",
                    0) == 0);
    CHECK(csv.find("Beta,court,ok,71,30,2,0,,,,,,7\n") != std::string::npos);
    CHECK(csv.find("Beta,out-of-court,ok,39,20,2,0,,,,,,7\n") != std::string::npos);
    CHECK(csv.find("\nAlpha,court,ok,71,") != std::string::npos);
    CHECK(csv.find("," + std::to_string(derived_seed(2019, "Alpha")) + "\n") != std::string::npos);
    CHECK(fs::file_size(dir + "/out/summary.xlsx") > 1000);
    auto json = nlohmann::json::parse(read_text(dir + "/out/summary.json"));
    CHECK(json["services_total"] == 3);
    CHECK(json["failed"] == 0);
    CHECK(json["services"][1]["seed"] == 7);
    CHECK(json["services"][1]["domains"][0]["eligible"] == 71);
}

TEST_CASE("run_batch: a second run is a no-op, changed settings are refused, --force draws again only those") {
    auto dir = services_folder(kThree);
    auto manifest = read_batch_manifest(dir + "/SERVICES.toml");
    BatchOptions options;
    options.out = dir + "/out";
    options.jobs = 2;
    run_batch(manifest, options);
    auto before = folder_texts(options.out);
    auto again = run_batch(manifest, options);
    CHECK(again.nothing_done());
    CHECK(again.kept() == 3);
    CHECK(folder_texts(options.out) == before);

    // --force over folders that are up to date with their inputs draws nothing again.
    options.force = true;
    auto forced = run_batch(manifest, options);
    CHECK(forced.drawn() == 0);
    CHECK(forced.kept() == 3);
    CHECK(forced.nothing_done());
    CHECK(folder_texts(options.out) == before);

    // The services file now asks for another draw of Beta: without --force it is refused, named, and left alone.
    options.force = false;
    auto changed = manifest;
    changed.services[1].request.seed = 8;
    changed.services[1].request.reserves = 4;
    auto refused = run_batch(changed, options);
    CHECK(refused.failed() == 1);
    CHECK(refused.any_bad_input());
    const auto& beta = refused.services[1];
    CHECK(beta.action == BatchOutcome::Action::failed);
    CHECK(beta.message.find("already holds a sample drawn otherwise (seed 8, the folder's 7; reserve 4, the "
                            "folder's 2); pass --force to draw it again (--force draws again only the services whose "
                            "folder was drawn otherwise; add --only Beta for this one alone)") != std::string::npos);
    CHECK(read_text(dir + "/out/Beta/manifest.json") == before.at("Beta/manifest.json"));
    CHECK(verify_folder(dir + "/out/Beta").identical());

    // As advised, --force: Beta alone is drawn again, saying why; Alpha and Gamma are left as they are.
    options.force = true;
    auto redrawn = run_batch(changed, options);
    CHECK(redrawn.drawn() == 1);
    CHECK(redrawn.kept() == 2);
    CHECK(redrawn.services[1].action == BatchOutcome::Action::drawn);
    CHECK(redrawn.services[1].message == "drawn again (--force): its folder already holds a sample drawn otherwise "
                                         "(seed 8, the folder's 7; reserve 4, the folder's 2)");
    CHECK(redrawn.services[1].set_aside.empty());
    CHECK(read_text(dir + "/out/Alpha/manifest.json") == before.at("Alpha/manifest.json"));
    CHECK(read_text(dir + "/out/Gamma/sample.csv") == before.at("Gamma/sample.csv"));
}

TEST_CASE("run_batch --only: the named services alone, the summary of all is left as it is, an unknown name is refused") {
    auto dir = services_folder(kThree);
    auto manifest = read_batch_manifest(dir + "/SERVICES.toml");
    BatchOptions options;
    options.out = dir + "/out";
    options.only = {"Beta"};
    auto some = run_batch(manifest, options);
    REQUIRE(some.services.size() == 1);
    CHECK(some.services[0].name == "Beta");
    CHECK(some.drawn() == 1);
    CHECK(fs::exists(dir + "/out/Beta/sample.csv"));
    CHECK_FALSE(fs::exists(dir + "/out/Alpha"));
    CHECK_FALSE(fs::exists(dir + "/out/summary.csv"));
    options.only = {"beta"};
    CHECK_THROWS_WITH_AS(run_batch(manifest, options),
                         ("--only: no service named 'beta' in " + dir + "/SERVICES.toml; did you mean 'Beta'?").c_str(),
                         UsageError);
}

TEST_CASE("run_batch: one service's bad input is reported with its name, the others finish") {
    auto dir = services_folder(kThree + "\n[[service]]\nname = \"=Bad\"\npopulation = \"bad.csv\"\n"
                                        "\n[[service]]\nname = \"Missing\"\npopulation = \"nowhere.csv\"\n");
    fs::copy_file(source_path("fixtures/bad/unknown_category.csv"), dir + "/bad.csv");
    auto manifest = read_batch_manifest(dir + "/SERVICES.toml");
    BatchOptions options;
    options.out = dir + "/out";
    options.jobs = 2;
    auto summary = run_batch(manifest, options);
    CHECK(summary.drawn() == 3);
    CHECK(summary.failed() == 2);
    CHECK(summary.any_bad_input());
    const auto& bad = summary.services[3];
    CHECK_FALSE(bad.ok());
    CHECK(bad.bad_input);
    CHECK(bad.message.find(dir + "/bad.csv:") == 0);
    CHECK(summary.services[4].message.find("nowhere.csv") != std::string::npos);
    CHECK_FALSE(fs::exists(dir + "/out/=Bad/manifest.json"));
    for (auto name : {"Alpha", "Beta", "Gamma"}) CHECK(verify_folder(dir + "/out/" + name).identical());
    // In the summary: one row, the error as its message, the name escaped for Excel.
    auto csv = read_text(dir + "/out/summary.csv");
    CHECK(csv.find("'=Bad,,failed,,,,,") != std::string::npos);
    CHECK(csv.find("\nMissing,,failed,,,,,") != std::string::npos);
    auto json = nlohmann::json::parse(read_text(dir + "/out/summary.json"));
    CHECK(json["failed"] == 2);
    CHECK(json["services"][3]["error"] == "bad input");
}

TEST_CASE("run_batch: many jobs give byte for byte the folders and summary of one job") {
    std::string toml = "fieldwork = 2019-06-03\nseed = 11\nreserve = 3\n";
    for (int i = 0; i < 8; ++i)
        toml += "[[service]]\nname = \"S" + std::to_string(i) + "\"\npopulation = \"" + "abc"[i % 3] + ".csv\"\n" +
                (i % 2 ? "method = \"cells\"\n" : "");
    auto dir = services_folder(toml);
    auto manifest = read_batch_manifest(dir + "/SERVICES.toml");
    BatchOptions options;
    options.out = dir + "/out";
    options.jobs = 1;
    run_batch(manifest, options);
    auto one = folder_texts(options.out);
    fs::rename(options.out, dir + "/one");
    options.jobs = 4;
    run_batch(manifest, options);
    CHECK(folder_texts(options.out) == one);
    CHECK(one.size() == 8 * 6 + 4);  // per service 5 files and draw.html; summary.csv/.json/.xlsx, index.html
}

TEST_CASE("run_batch with answers and a published table: report and audit after the draw, in the summary") {
    auto dir = services_folder(R"(fieldwork = 2019-06-03
seed = 2019
draws = 2000
[[service]]
name = "Lancashire"
population = "a.csv"
answers = "totals.csv"
judgements = "judgements.csv"
published = "published.csv"
)");
    fs::copy_file(source_path("fixtures/answers/lancashire-2019-totals.csv"), dir + "/totals.csv");
    fs::copy_file(source_path("fixtures/published/lancashire-2019.csv"), dir + "/published.csv");
    write_text(dir + "/judgements.csv", "standard,rating\n1.1,Requires improvement\n1.2,Good\n1.3,Requires "
                                        "improvement\n1.4,Requires improvement\n");
    auto manifest = read_batch_manifest(dir + "/SERVICES.toml");
    BatchOptions options;
    options.out = dir + "/out";
    auto summary = run_batch(manifest, options);
    const auto& s = summary.services[0];
    CAPTURE(s.message);
    REQUIRE(s.ok());
    REQUIRE(s.overall_rating);
    CHECK(*s.overall_rating == "Good");
    REQUIRE(s.overall_probability);
    CHECK(*s.overall_probability > 0.5);
    REQUIRE(s.audit_consistent);
    for (auto f : {"report.md", "report.json", "report.html", "audit.md", "audit.json", "draw.html"})
        CHECK(fs::exists(dir + "/out/Lancashire/" + f));
    // The index links the service's report page.
    auto index = read_text(dir + "/out/index.html");
    CHECK(index.find("<a href=\"Lancashire/report.html\">Lancashire</a>") != std::string::npos);
    CHECK(index.find("<td data-label=\"overall rating\">Good</td>") != std::string::npos);
    CHECK(index.find("follows the rules") != std::string::npos);
    CHECK(verify_folder(dir + "/out/Lancashire").identical());
    auto csv = read_text(dir + "/out/summary.csv");
    CHECK(csv.find(",Good,0.") != std::string::npos);
    // The report's verdict on the overall rating and the audit's outcome, in words.
    REQUIRE(s.overall_verdict);
    CHECK(csv.find("," + csv_escape(*s.overall_verdict) + ",consistent,") != std::string::npos);
    CHECK(index.find(html_escape(*s.overall_verdict)) != std::string::npos);
    // Run again: the sample is left alone, the report is the same (seeded by the service's seed): a no-op.
    auto again = run_batch(manifest, options);
    CHECK(again.nothing_done());
    CHECK(again.services[0].overall_probability == s.overall_probability);
}

namespace {

// The cells a CellWriter was given, each as "t:text", "i:123", "n:0.1235/4" or "-" (empty); a row per end_row.
struct RecordingWriter final : CellWriter {
    std::vector<std::vector<std::string>> rows{1};
    RecordingWriter& text(std::string_view cell) override { return put("t:" + std::string(cell)); }
    RecordingWriter& integer(long long value) override { return put("i:" + std::to_string(value)); }
    RecordingWriter& number(double value, int decimals) override {
        return put("n:" + format_fixed(value, decimals) + "/" + std::to_string(decimals));
    }
    RecordingWriter& empty() override { return put("-"); }
    void end_row() override { rows.emplace_back(); }
    RecordingWriter& put(std::string cell) {
        rows.back().push_back(std::move(cell));
        return *this;
    }
};

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST_CASE("summary rows: one writer for summary.csv and the Summary sheet, numbers are numbers, a failure its error") {
    BatchSummary summary;
    BatchOutcome ok;
    ok.name = "=Alpha";
    ok.action = BatchOutcome::Action::drawn;
    ok.seed = 18446744073709551615ull;
    ok.domains = {{"court", 71, 30, 2, 0, ""}, {"out-of-court", 39, 20, 2, 3, "margins missed: rosh High: 1 drawn"}};
    ok.overall_rating = "Good";
    ok.overall_probability = 0.97351;
    ok.overall_verdict = "robust: Good 0.97 (at least 0.90)";
    ok.audit_consistent = false;
    BatchOutcome failed;
    failed.name = "Wigan";
    failed.bad_input = true;
    failed.message = "wigan.csv:3:5: unknown rosh 'Extreme'";
    summary.services = {ok, failed};

    RecordingWriter r;
    write_summary_rows(r, summary);
    REQUIRE(r.rows.size() == 4);  // three rows and the one begun after the last
    CHECK(r.rows[3].empty());
    for (std::size_t i = 0; i < 3; ++i) CHECK(r.rows[i].size() == summary_header().size());
    CHECK(r.rows[0] == std::vector<std::string>{"t:=Alpha", "t:court", "t:ok", "i:71", "i:30", "i:2", "i:0", "t:",
                                                "t:Good", "n:0.9735/4", "t:robust: Good 0.97 (at least 0.90)",
                                                "t:inconsistent", "t:18446744073709551615"});
    CHECK(r.rows[1][6] == "i:3");
    CHECK(r.rows[1][7] == "t:margins missed: rosh High: 1 drawn");
    CHECK(r.rows[2] == std::vector<std::string>{"t:Wigan", "-", "t:failed", "-", "-", "-", "-",
                                                "t:wigan.csv:3:5: unknown rosh 'Extreme'", "-", "-", "-", "-", "-"});
    // The CSV is the header and these rows, formula-like text escaped.
    auto csv = summary_csv(summary);
    CHECK(csv.rfind("service,domain,status,", 0) == 0);
    CHECK(csv.find("\n'=Alpha,court,ok,71,30,2,0,,Good,0.9735,robust: Good 0.97 (at least 0.90),inconsistent,"
                   "18446744073709551615\n") != std::string::npos);
    CHECK(csv.find("\nWigan,,failed,,,,,wigan.csv:3:5: unknown rosh 'Extreme',,,,,\n") != std::string::npos);
    // The workbook of the same summary is the same bytes every time.
    CHECK(summary_workbook(summary) == summary_workbook(summary));
    CHECK(summary_workbook(summary).substr(0, 2) == "PK");
}

TEST_CASE("run_batch: summary.xlsx is written atomically, byte for byte again on a re-run, named by the shard") {
    auto dir = services_folder(kThree);
    auto manifest = read_batch_manifest(dir + "/SERVICES.toml");
    BatchOptions options;
    options.out = dir + "/out";
    options.jobs = 2;
    run_batch(manifest, options);
    const auto first = read_text(dir + "/out/summary.xlsx");
    CHECK(first.substr(0, 2) == "PK");
    // Nothing but the services' folders and the summary: no temporary file left behind.
    CHECK(names_in(options.out) == std::vector<std::string>{"Alpha", "Beta", "Gamma", "index.html", "summary.csv",
                                                            "summary.json", "summary.xlsx"});
    // Written again from the same folders: the same bytes.
    fs::remove(dir + "/out/summary.xlsx");
    auto again = run_batch(manifest, options);
    CHECK(again.summary_written);
    CHECK(read_text(dir + "/out/summary.xlsx") == first);

    // A shard writes its own summary.shard-K-of-N.xlsx, never the whole run's.
    options.out = dir + "/shards";
    options.shards = 2;
    options.shard = 1;
    run_batch(manifest, options);
    CHECK(names_in(options.out) == std::vector<std::string>{"Beta", "index.shard-2-of-2.html", "summary.shard-2-of-2.csv",
                                                            "summary.shard-2-of-2.json", "summary.shard-2-of-2.xlsx"});
    CHECK(summary_stem(1, 2) == "summary.shard-2-of-2");
    CHECK(summary_stem(0, 1) == "summary");
    // The shard's index links the shard's summary files.
    auto index = read_text(dir + "/shards/index.shard-2-of-2.html");
    CHECK(index.find("<a href=\"summary.shard-2-of-2.xlsx\">") != std::string::npos);

    // The workbook cannot replace what is in its way: the run fails with the file named, and leaves no
    // temporary file and nothing half-written.
    options.out = dir + "/blocked";
    options.shards = 1;
    options.shard = 0;
    fs::create_directories(dir + "/blocked/summary.xlsx/inside");
    CHECK_THROWS_WITH(run_batch(manifest, options), doctest::Contains("summary.xlsx"));
    for (const auto& name : names_in(options.out)) {
        CAPTURE(name);
        CHECK(name.find(".tmp") == std::string::npos);
    }
    CHECK(fs::is_directory(dir + "/blocked/summary.xlsx/inside"));
}

TEST_CASE("OptionHints: the command line's spelling by default, the services file's in batch") {
    const OptionHints cli;
    CHECK(cli.with("column", "Risk Level", "rosh") == "--column rosh=\"Risk Level\"");
    CHECK(cli.with("unknown-as", "Not known") == "--unknown-as \"Not known\"");
    CHECK(cli.with("add-vocabulary", "FILE") == "--add-vocabulary FILE");
    CHECK(cli.with("date-format", "%m/%d/%Y") == "--date-format %m/%d/%Y");
    CHECK(cli.with("drop-identical-duplicates") == "--drop-identical-duplicates");
    CHECK(cli.name("keep-columns") == "--keep-columns");
    BatchService s;
    s.name = "A";
    s.population = "dir/a b.csv";
    s.population_args.fieldwork = "2019-06-03";
    s.population_args.columns = {"rosh=Risk Level"};
    const auto batch = services_file_hints(s);
    CHECK(batch.with("column", "Risk Level", "rosh") == "column = { rosh = \"Risk Level\" }");
    CHECK(batch.with("window", "FROM-TO", "out-of-court") == "window = { out-of-court = \"FROM-TO\" }");
    CHECK(batch.with("unknown-as", "Not known") == "unknown-as = \"Not known\"");
    CHECK(batch.with("drop-identical-duplicates") == "drop-identical-duplicates = true");
    CHECK(batch.name("keep-columns") == "keep-columns");
    // The lint command that lists every problem, typed as a shell takes it.
    CHECK(batch.every_problem_command ==
          "casesample lint 'dir/a b.csv' --column 'rosh=Risk Level' --fieldwork 2019-06-03");
}

TEST_CASE("run_batch: a service's population problem names the services file's keys, and the fix it names works") {
    // Four populations, one problem each: an unknown rosh, rosh under another header, dates month first, a
    // row given twice.
    const std::string population = read_text(source_path("fixtures/population.csv"));
    const auto first_row_end = population.find('\n', population.find('\n') + 1) + 1;
    std::string header = population, dates, twice = population + population.substr(population.find('\n') + 1,
                                                                                   first_row_end - population.find('\n') - 1);
    header.replace(header.find(",rosh,"), 6, ",Risk Level,");
    // 2018-10-16 -> 10/16/2018, every date of the file
    for (std::size_t i = 0; i < population.size();) {
        if (i + 10 <= population.size() && population[i + 4] == '-' && population[i + 7] == '-' &&
            std::isdigit(static_cast<unsigned char>(population[i])) && (i == 0 || population[i - 1] == ',')) {
            dates += population.substr(i + 5, 2) + "/" + population.substr(i + 8, 2) + "/" + population.substr(i, 4);
            i += 10;
        } else {
            dates += population[i++];
        }
    }
    auto dir = services_folder("", {});
    fs::copy_file(source_path("fixtures/bad/unknown_category.csv"), dir + "/unknown.csv");
    write_text(dir + "/header.csv", header);
    write_text(dir + "/dates.csv", dates);
    write_text(dir + "/twice.csv", twice);
    const std::string services = "fieldwork = 2019-06-03\nseed = 1\n"
                                 "[[service]]\nname = \"Unknown\"\npopulation = \"unknown.csv\"\n"
                                 "[[service]]\nname = \"Header\"\npopulation = \"header.csv\"\n"
                                 "[[service]]\nname = \"Dates\"\npopulation = \"dates.csv\"\n"
                                 "[[service]]\nname = \"Twice\"\npopulation = \"twice.csv\"\n";
    write_text(dir + "/SERVICES.toml", services);
    BatchOptions options;
    options.out = dir + "/out";
    auto summary = run_batch(read_batch_manifest(dir + "/SERVICES.toml"), options);
    REQUIRE(summary.failed() == 4);
    const std::vector<std::string> advice = {"or give unknown-as = \"Not known\" to keep such cases",
                                             "use column = { rosh = \"Risk Level\" }",
                                             "for any other form give date-format, such as date-format = \"%m/%d/%Y\"",
                                             "give drop-identical-duplicates = true to keep one"};
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& message = summary.services[i].message;
        CAPTURE(message);
        CHECK(summary.services[i].bad_input);
        CHECK(message.find(advice[i]) != std::string::npos);
        // No option of the command line, but in the lint command that lists every problem.
        const auto lint = message.find(" (to see every problem at once, run: casesample lint ");
        CHECK(message.substr(0, lint).find("--") == std::string::npos);
    }
    CHECK(summary.services[0].message.find("(to see every problem at once, run: casesample lint " + dir +
                                           "/unknown.csv --fieldwork 2019-06-03)") != std::string::npos);
    // What the messages say, written into the services file: every service is drawn.
    std::string fixed = services;
    auto add = [&](const std::string& after, const std::string& line) {
        fixed.insert(fixed.find(after) + after.size(), line + "\n");
    };
    add("\"unknown.csv\"\n", "unknown-as = \"Not known\"");
    add("\"header.csv\"\n", "column = { rosh = \"Risk Level\" }");
    add("\"dates.csv\"\n", "date-format = \"%m/%d/%Y\"");
    add("\"twice.csv\"\n", "drop-identical-duplicates = true");
    write_text(dir + "/SERVICES.toml", fixed);
    auto manifest = read_batch_manifest(dir + "/SERVICES.toml");
    summary = run_batch(manifest, options);
    for (const auto& s : summary.services) {
        CAPTURE(s.message);
        CHECK(s.ok());
    }
    // Each folder records the draw command that gives it, with the new keys as options.
    auto line = nlohmann::json::parse(read_text(dir + "/out/Twice/manifest.json"))["command_line"];
    CHECK(line == equivalent_draw_command(manifest.services[3], dir + "/out/Twice"));
    CHECK(line.dump().find("\"--drop-identical-duplicates\"") != std::string::npos);
    CHECK(nlohmann::json::parse(read_text(dir + "/out/Dates/manifest.json"))["command_line"].dump().find(
              "\"--date-format\",\"%m/%d/%Y\"") != std::string::npos);
}

TEST_CASE("services file: profile, date-format, encoding and drop-identical-duplicates are checked where written") {
    CHECK(manifest_error("fieldwork = 2019-06-03\ndate-format = \"%d.%q.%Y\"\n" + kService) ==
          "SERVICES.toml:2:15: date-format '%d.%q.%Y': unknown code %q (known: %d day, %m month, %b month name, %Y "
          "four-digit year, %y two-digit year, %H %M %S time, %% a percent sign)");
    CHECK(manifest_error("fieldwork = 2019-06-03\n" + kService + "encoding = \"ascii\"\n") ==
          "SERVICES.toml:5:12: encoding must be \"utf-8\", \"windows-1252\" or \"latin-1\"; got 'ascii'");
    CHECK(manifest_error("fieldwork = 2019-06-03\n" + kService + "drop-identical-duplicates = \"yes\"\n") ==
          "SERVICES.toml:5:29: drop-identical-duplicates must be true or false, without quotes");
    auto m = parse_batch_manifest("dir/SERVICES.toml", "fieldwork = 2019-06-03\nencoding = \"windows-1252\"\n"
                                                       "profile = \"cms.toml\"\ndrop_identical_duplicates = true\n" +
                                                           kService);
    const auto& a = m.services[0].population_args;
    CHECK(a.encoding == "windows-1252");
    CHECK(a.profile == "dir/cms.toml");
    CHECK(a.drop_identical_duplicates);
}

TEST_CASE("run_batch: a size that cannot be met names the services file's key") {
    auto dir = services_folder("fieldwork = 2019-06-03\nseed = 1\n[[service]]\nname = \"A\"\npopulation = \"a.csv\"\n"
                               "size = { court = 500, out-of-court = 10 }\n[[service]]\nname = \"B\"\n"
                               "population = \"b.csv\"\nsize = { court = 10 }\n");
    BatchOptions options;
    options.out = dir + "/out";
    auto summary = run_batch(read_batch_manifest(dir + "/SERVICES.toml"), options);
    REQUIRE(summary.failed() == 2);
    // At the value to correct in the services file.
    const auto file = dir + "/SERVICES.toml";
    CHECK(summary.services[0].message == file + ":6:18: size = { court = 500 }: only 71 cases of that domain are eligible");
    CHECK(summary.services[1].message.rfind(file + ":10:8: size gives no size for the domain 'out-of-court' (39 eligible "
                                            "cases)", 0) == 0);
    // The command line's words for draw.
    auto r = run_cli("draw " + source_path("fixtures/population.csv") +
                     " --fieldwork 2019-06-03 --size court=500,out-of-court=10 --seed 1 --out " + dir + "/d");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--size court=500: only 71 cases") != std::string::npos);
}

TEST_CASE("--only: a service's name holding a comma is one name, with or without a space after the comma") {
    const std::vector<std::string> names = {"Bournemouth, Christchurch and Poole", "Bolton", "Wigan", "Bath",
                                            "Bath, North East Somerset"};
    using V = std::vector<std::string>;
    // As split at commas by the command line (each piece trimmed).
    CHECK(only_services(V{"Bournemouth", "Christchurch and Poole"}, names, "s.toml") ==
          V{"Bournemouth, Christchurch and Poole"});
    CHECK(only_services(V{"Wigan", "Bournemouth", "Christchurch and Poole", "Bolton"}, names, "s.toml") ==
          V{"Wigan", "Bournemouth, Christchurch and Poole", "Bolton"});
    // The longest name the pieces spell: Bath alone, or Bath with North East Somerset.
    CHECK(only_services(V{"Bath"}, names, "s.toml") == V{"Bath"});
    CHECK(only_services(V{"Bath", "North East Somerset"}, names, "s.toml") == V{"Bath, North East Somerset"});
    CHECK(only_services(V{"Bolton", "Bolton"}, names, "s.toml") == V{"Bolton"});
    // A piece that names nothing, alone or with the next: refused, naming that piece and the nearest name.
    CHECK_THROWS_WITH_AS(only_services(V{"Bournemouth"}, names, "s.toml"),
                         "--only: no service named 'Bournemouth' in s.toml; did you mean 'Bournemouth, Christchurch "
                         "and Poole'?",
                         UsageError);
    CHECK_THROWS_WITH_AS(only_services(V{"Bolten"}, names, "s.toml"), doctest::Contains("did you mean 'Bolton'?"),
                         UsageError);
    // A part of a name from its middle, in any case: the names holding it.
    CHECK_THROWS_WITH_AS(only_services(V{"Christchurch"}, names, "s.toml"),
                         "--only: no service named 'Christchurch' in s.toml; did you mean 'Bournemouth, Christchurch "
                         "and Poole'?",
                         UsageError);
    CHECK_THROWS_WITH_AS(only_services(V{"bath"}, names, "s.toml"),
                         doctest::Contains("did you mean 'Bath' or 'Bath, North East Somerset'?"), UsageError);
    CHECK_THROWS_WITH_AS(only_services(V{"o"}, names, "s.toml"),
                         doctest::Contains("did you mean 'Bournemouth, Christchurch and Poole', 'Bolton' or 'Bath, "
                                           "North East Somerset'?"),
                         UsageError);
    // Nothing like it: the names there are.
    CHECK_THROWS_WITH_AS(only_services(V{"Zeta"}, names, "s.toml"),
                         "--only: no service named 'Zeta' in s.toml; its services are 'Bournemouth, Christchurch and "
                         "Poole', 'Bolton', 'Wigan', 'Bath' and 'Bath, North East Somerset'",
                         UsageError);
}
