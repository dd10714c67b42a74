#pragma once
// manifest.json: everything needed to re-draw a sample exactly and to check that nothing changed.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "casesample/draw.hpp"

namespace casesample {

struct ManifestInput {
    std::string role;           // "population", "vocabulary", "add_vocabulary"
    std::string path;           // as given on the command line
    std::string absolute_path;  // where it was at the time of the draw
    std::string sha256;
    std::uint64_t bytes = 0;
};

struct DrawManifest {
    std::string version;                    // casesample version that drew the sample
    std::vector<std::string> command_line;  // argv as typed
    bool seed_chosen = false;               // true when no --seed was given and the tool chose it
    DrawRequest request;                    // seed, sizes or size parameters, reserves, method
    // The population and eligibility options, name -> value, in order (the CLI's --column, --vocabulary,
    // --add-vocabulary, --unknown-as, --keep-columns, --fieldwork, --court-window, --ooc-window, --window),
    // with file paths made absolute.
    std::vector<std::pair<std::string, std::string>> population_options;
    std::vector<ManifestInput> inputs;
    std::size_t substitutions = 0;  // rows of audit-log.csv applied
    // The audit log's hash chain: its rows and the row_hash of its last row. Written as "audit_log" only when
    // the log has a chained row (so a folder without changes, or one changed by an older version, is as before).
    std::size_t audit_rows = 0;
    std::string audit_last_hash;
};

// One row of a domain's balance as JSON: variable, category, population, target, floor, ceiling, drawn, deviation
// (a manifest's margins); with `full`, also domain first and population_share after population (the balance of
// draw and check --format json).
nlohmann::ordered_json balance_row_json(const Vocabulary& vocabulary, const BalanceRow& row, bool full);

// The manifest of a draw (keys in a fixed order; see docs/draw.md).
nlohmann::ordered_json manifest_json(const DrawManifest& manifest, const Population& population,
                                     const EligiblePopulation& eligible, const DrawResult& result);
std::string manifest_text(const DrawManifest& manifest, const Population& population,
                          const EligiblePopulation& eligible, const DrawResult& result);

// Reads back the parts needed to re-draw. Throws InputError naming the file when it is not a
// casesample manifest.
DrawManifest read_manifest(const std::string& path);
// The same for the text of a manifest read from `path` (for tests and the fuzzer).
DrawManifest parse_manifest(const std::string& path, const std::string& text);

}  // namespace casesample
