#pragma once
// What draw, substitute and verify share: reading a population with the SHA-256 of its inputs,
// rebuilding a draw from its manifest and audit log, and writing a sample folder.
#include <map>
#include <string>
#include <vector>

#include "casesample/draw.hpp"
#include "casesample/manifest.hpp"
#include "population_args.hpp"

namespace casesample::cli {

struct LoadedPopulation {
    Population population;
    EligiblePopulation eligible;
    std::vector<ManifestInput> inputs;  // population first, then vocabulary files
};

// Reads the population file once (hashing the same bytes it parses) and splits it by eligibility.
LoadedPopulation load_population(const std::string& path, const PopulationArgs& args);

// The population options for a manifest: describe() with vocabulary paths made absolute.
std::vector<std::pair<std::string, std::string>> manifest_population_options(const PopulationArgs& args);

// One row of DIR/audit-log.csv.
struct AuditEntry {
    std::string time, domain, dropped_id, substitute_id, reserve_order, reason, misses_before, misses_after;
    std::size_t line = 0;
};
std::vector<AuditEntry> read_audit_log(const std::string& path);  // empty when the file does not exist
extern const std::vector<std::string> kAuditColumns;

// A draw rebuilt from DIR/manifest.json: the inputs re-read (after checking their SHA-256), the sample
// re-drawn with the recorded seed and parameters, and the audit log's substitutions replayed.
struct Rebuilt {
    DrawManifest manifest;
    std::vector<std::string> changed_inputs;  // messages, one per input whose SHA-256 differs or is missing
    std::optional<LoadedPopulation> loaded;   // absent when an input is missing
    DrawResult result;
    std::vector<std::string> replay_problems;  // audit-log rows that no longer replay as recorded
};
Rebuilt rebuild(const std::string& manifest_path, bool replay_audit_log);

// The files of a sample folder, name -> text (sample.csv, reserves.csv, balance.csv, excluded.csv,
// manifest.json).
std::map<std::string, std::string> folder_files(const DrawManifest& manifest, const LoadedPopulation& loaded,
                                                const DrawResult& result);

// argv as typed (from /proc/self/cmdline).
std::vector<std::string> command_line();
// The balance table, the misses (empty when none) and the balance as JSON rows, as draw prints them.
std::string balance_table(const Population& population, const DrawResult& result);
std::string misses_text(const Population& population, const DrawResult& result);
nlohmann::ordered_json balance_json(const Population& population, const DrawResult& result);

}  // namespace casesample::cli
