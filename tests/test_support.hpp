#pragma once
// Helpers shared by the test files: reading the reference tables, running the built binary.
#include <string>
#include <vector>

#include "casesample/csv.hpp"

namespace casesample::test {

// Rows of a CSV file as maps from column name to text.
struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::size_t col(const std::string& name) const;
};
Table read_table(const std::string& path);

inline std::string reference(const std::string& name) { return std::string(CASESAMPLE_REFERENCE_DIR) + "/" + name; }
inline std::string source_path(const std::string& rel) { return std::string(CASESAMPLE_SOURCE_DIR) + "/" + rel; }

struct RunResult {
    int exit_code;
    std::string out;
    std::string err;
};
// Runs the casesample binary with the given argument string (passed through /bin/sh).
RunResult run_cli(const std::string& args);

// A fresh empty temporary directory, removed at the end of the test run.
std::string temp_dir();

// How many repetitions a statistical or property test runs: `full` normally; under the sanitized suite
// (scripts/test.sh --sanitize sets CASESAMPLE_TEST_SCALE, e.g. 0.1) that share of it, at least `least`. The
// sanitizers look for memory and undefined-behaviour errors, which the first repetitions find as surely as the
// last; the statistical power of the full count is the plain suite's job. Each test derives its tolerances from
// the count it actually ran.
int repetitions(int full, int least = 1);
void write_text(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);

}  // namespace casesample::test
