// The bad-input catalogue (fixtures/bad/catalogue.csv, listed in docs/bad-inputs.md): every file, run through the
// command that reads it, ends with exit code 2, one line on stderr that starts FILE:LINE:COLUMN (or FILE:LINE for
// a whole line, FILE alone for the whole file) as the catalogue records it and says what the catalogue says, nothing
// on stdout and nothing written. A command with {sample} runs on a freshly drawn sample folder holding the file as
// its audit-log.csv; the folder must be left exactly as it was.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "test_support.hpp"

using namespace casesample::test;
namespace fs = std::filesystem;

namespace {
std::string with(std::string text, const std::string& key, const std::string& value) {
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
        text.replace(at, key.size(), value);
    return text;
}

// Every file under `dir` with its content, the lock file aside (it names its last holder).
std::map<std::string, std::string> contents(const std::string& dir) {
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
        if (entry.is_regular_file() && entry.path().filename() != ".casesample.lock")
            files[entry.path().string()] = read_text(entry.path().string());
    return files;
}

// A new sample folder drawn from the bundled population, with `audit_log` as its audit-log.csv.
std::string sample_with_log(const std::string& audit_log) {
    static const std::string drawn = [] {
        std::string dir = temp_dir() + "/drawn";
        auto r = run_cli("draw " + source_path("fixtures/population.csv") + " --fieldwork 2019-06-03 --seed 1 --out " +
                         dir);
        REQUIRE(r.exit_code == 0);
        return dir;
    }();
    std::string dir = temp_dir() + "/sample";
    fs::copy(drawn, dir, fs::copy_options::recursive);
    fs::copy_file(audit_log, dir + "/audit-log.csv");
    return dir;
}
}  // namespace

TEST_CASE("bad-input catalogue: every file is exit code 2, one line at FILE:LINE:COLUMN, nothing written") {
    const auto catalogue = read_table(source_path("fixtures/bad/catalogue.csv"));
    std::set<std::string> kinds, listed;
    for (const auto& row : catalogue.rows) {
        const std::string& file = row[catalogue.col("file")];
        const std::string path = source_path("fixtures/bad/" + file);
        const std::string place = row[catalogue.col("place")];
        const std::string message = row[catalogue.col("message")];
        kinds.insert(row[catalogue.col("kind")]);
        listed.insert(file);
        INFO(file);
        const std::string out = temp_dir() + "/out";
        std::string command = row[catalogue.col("command")], named = path, sample;
        std::map<std::string, std::string> before;
        if (command.find("{sample}") != std::string::npos) {
            sample = sample_with_log(path);
            named = sample + "/audit-log.csv";
            before = contents(sample);
        }
        command = with(with(with(with(command, "{file}", path), "{out}", out), "{source}", source_path("")), "{sample}",
                       sample);
        auto r = run_cli(command);
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        if (!sample.empty()) CHECK(contents(sample) == before);
        const std::string where = named + (place.empty() ? "" : ":" + place) + ": ";
        CHECK(r.err.rfind(where, 0) == 0);
        if (r.err.rfind(where, 0) != 0) MESSAGE(r.err);
        CHECK(r.err.find(message) != std::string::npos);
        CHECK(!fs::exists(out));
        // No control character of the input reaches the terminal.
        for (char c : r.err.substr(0, r.err.size() - 1)) CHECK_FALSE((static_cast<unsigned char>(c) < 0x20));
    }
    CHECK(catalogue.rows.size() >= 60);
    for (const char* kind : {"population", "answers", "totals", "judgements", "framework", "manifest", "published",
                             "vocabulary", "audit log", "batch manifest", "profile"})
        CHECK(kinds.count(kind) == 1);
    // Every file in fixtures/bad/ is in the catalogue.
    for (const auto& entry : fs::directory_iterator(source_path("fixtures/bad"))) {
        const auto name = entry.path().filename().string();
        if (name == "catalogue.csv" || name == "README.md") continue;
        INFO(name);
        CHECK(listed.count(name) == 1);
    }
}
