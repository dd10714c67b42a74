#pragma once
// Many services from one services file (SERVICES.toml), each drawn into its own sample folder exactly as
// `casesample draw` would (same files, same manifest, same lock; see sample_folder.hpp), in parallel, then
// optionally reported on (`report`) and audited (`audit`), with one summary of them all.
//
//   fieldwork = 2019-06-03          # top-level keys: defaults every service may override
//   reserve = 5
//   seed = 2019                     # each service gets its own seed, derived from this one and its name
//   [[service]]
//   name = "Lancashire"
//   population = "lancashire.csv"   # relative to the services file
//   size = { court = 50, out-of-court = 32 }
//   answers = "lancashire-answers.csv"
//
// Nothing here prints, reads argv or picks an exit code: the command line (src/cli/batch.cpp) does.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "casesample/csv.hpp"  // CellWriter
#include "casesample/draw.hpp"
#include "casesample/population_args.hpp"
#include "casesample/progress.hpp"
#include "casesample/sample_folder.hpp"

namespace casesample {

// ---- The services file -----------------------------------------------------------------------------------

// One [[service]] table with the defaults applied, every value checked and every path resolved against the
// services file's folder.
struct BatchService {
    std::string name;  // also the name of its folder inside the output folder
    std::string file;                  // the services file, as given
    std::size_t line = 0, column = 0;  // where its [[service]] table starts in the services file
    // Where the services file writes each setting of this service (its own or the top level's): key -> place, and
    // "key.ITEM" for the items of a table such as window = { court = "6-9" }. See OptionHints::places.
    std::map<std::string, OptionHints::Place, std::less<>> places;
    std::string population;            // path of the population CSV (resolved)
    PopulationArgs population_args;    // fieldwork, windows, columns, vocabularies (paths resolved)
    DrawRequest request;               // sizes or size parameters, reserves, method; request.seed when seeded
    // Where the seed came from: the service's own `seed`, derived from a top-level `seed`, or none (the caller
    // chooses one at random, as `draw` does without --seed).
    enum class Seed { own, derived, none } seed_from = Seed::none;
    bool seed_chosen = false;  // set by the caller that chose request.seed at random for Seed::none
    // After the draw (optional): `report` on these answers, `audit` of this published table.
    std::string answers, judgements, published, framework;
    std::size_t draws = 10000;  // Pólya draws of the report
};

struct BatchManifest {
    std::string path;    // the services file as given
    std::string sha256;  // of the services file's bytes
    // Its top-level keys (the defaults of every service), each with its value as written: {"reserve", "5"},
    // {"size", "{ court = 50, out-of-court = 32 }"}; by key.
    std::vector<std::pair<std::string, std::string>> defaults;
    std::vector<BatchService> services;
    // Lines to show the user (not errors), each "FILE:LINE:COLUMN: ...": paths that leave the services
    // file's folder (each once, where it first appears).
    std::vector<std::string> notes;
};

// Reads a services file. Every mistake (not TOML, an unknown key, a value of the wrong type or out of range,
// no population, two services of one name, a name that cannot be a folder name) throws InputError at its
// line and column; nothing is read from the services' own files yet.
BatchManifest read_batch_manifest(const std::string& path);
BatchManifest parse_batch_manifest(const std::string& path, const std::string& text);

// The keys a services file knows (top level and [[service]]), and the closest to a mistyped one ("" when
// none is close).
const std::vector<std::string>& batch_manifest_keys();
std::string closest_key(const std::string& typed, const std::vector<std::string>& known);

// The seed of service `name` under a top-level seed: the first 8 bytes of SHA-256 of both, so that services
// do not share one random stream and each can still be re-drawn alone with `draw --seed`.
std::uint64_t derived_seed(std::uint64_t top_level_seed, const std::string& name);

// Whether `name` can be a folder name everywhere the folders may be copied (Linux, Windows, SharePoint):
// "" when it can, else why not.
std::string folder_name_problem(const std::string& name);

// ---- Running ---------------------------------------------------------------------------------------------

struct BatchOptions {
    std::filesystem::path out;  // the output folder: OUT/<service>/ and OUT/summary.{csv,json,xlsx}
    std::size_t jobs = 1;       // services drawn at once
    // Draw again the services whose folder holds a sample drawn otherwise than the services file now asks for
    // (another seed, size, population file ...); a folder up to date with its inputs is left alone, also with
    // its substitutions and reserves.
    bool force = false;
    // When not empty: the names of the only services this run touches (checked, drawn, reported on); the
    // summary files, which describe every service, are then not written. Throws UsageError for a name the
    // services file does not have. --only's text split at commas: see only_services.
    std::vector<std::string> only;
    // Shard `shard` (from 0) of `shards`: only the services at positions shard, shard + shards, ... of the
    // services file, for runs split across machines; its summary is OUT/summary.shard-K-of-N.{csv,json,xlsx}.
    std::size_t shard = 0, shards = 1;
    // Who writes, for the message of another writer that finds a folder locked ("casesample batch ...");
    // the service's name is added.
    std::string writer = "casesample batch";
    // Counts the services done, in a stage "drawing services" of as many units as services (for a progress bar).
    Progress* progress = nullptr;
};

struct BatchDomainRow {
    std::string domain;
    std::size_t eligible = 0, sample_size = 0, reserves = 0;
    std::int64_t worst_deviation = 0;  // cases outside the floor/ceiling of the worst margin (0: balanced)
    std::string message;               // the margins missed, in words ("" when none)
};

struct BatchOutcome {
    std::string name;
    std::filesystem::path folder;
    // drawn: a new sample; kept: the folder already held this sample and was left alone; failed: see message.
    enum class Action { drawn, kept, failed } action = Action::failed;
    bool bad_input = false;  // failed because of the service's input or settings (exit 2), not another failure
    std::string message;     // one line: what was done ("drawn", "already drawn; left alone"), or the error
    std::uint64_t seed = 0;
    bool seed_chosen = false;
    std::vector<BatchDomainRow> domains;
    // After the draw, when answers / published were given.
    std::optional<std::string> overall_rating;
    std::optional<double> overall_probability;  // probability of that rating (Pólya), when simulated
    std::optional<std::string> overall_verdict;  // the report's verdict on it in words ("robust: Good 0.97 ...")
    std::optional<bool> audit_consistent;
    std::vector<std::string> files_written;  // inside the folder
    // Drawn again with --force over an earlier sample: what became of the old sample's other files (as draw --force;
    // a file removed with the old sample and written again for the new one, such as report.md, is not listed).
    FolderReplacement replaced;
    // Drawn again with --force: why (how the folder differed from the services file), and, when the old folder
    // had logged fieldwork changes (audit-log rows), what was set aside in words, with where the log was kept:
    // "1 substitution (audit-log.csv kept as audit-log.replaced-1.csv)". Empty otherwise.
    std::string redrawn_because;
    std::string set_aside;
    bool ok() const { return action != Action::failed; }
};

struct BatchSummary {
    std::string manifest;  // the services file
    std::string manifest_sha256;
    std::vector<std::pair<std::string, std::string>> defaults;  // the services file's top-level keys
    std::filesystem::path out;
    std::size_t shard = 0, shards = 1;  // as BatchOptions
    std::vector<BatchOutcome> services;  // in the services file's order, whatever order they ran in
    std::size_t drawn() const, kept() const, failed() const;
    bool any_bad_input() const;
    // A re-run that found every service already drawn, as the services file says, and no file to change.
    bool nothing_done() const;
    bool summary_written = false;  // OUT/summary.{csv,json,xlsx}, index.html (left alone when unchanged)
};

// The summary files' name without its extension: "summary", or "summary.shard-K-of-N" for shard K (from 1) of N.
std::string summary_stem(std::size_t shard, std::size_t shards);

// Draws every service of `manifest` into options.out/<name>/ (jobs at a time), runs its report and audit,
// and returns what happened to each; one service's failure never stops the others. Every service must have a
// seed by now (request.seed; the caller picks one for seed_from == none and says so in seed_chosen).
// Writes OUT/summary.csv, summary.json, summary.xlsx and index.html (each atomically) unless unchanged.
// The services --only names, in the order named: `pieces` is its text split at commas, and pieces that together
// spell a service's name (a name holding a comma, such as "Bournemouth, Christchurch and Poole", with or without
// spaces after its commas) count as that one name. Throws UsageError naming a piece that names no service of
// `names` (the services file's), with the names holding it (any case), else the nearest name, else every name.
std::vector<std::string> only_services(const std::vector<std::string>& pieces, const std::vector<std::string>& names,
                                       const std::string& services_file);

BatchSummary run_batch(const BatchManifest& manifest, const BatchOptions& options);

// How the services file writes the options that messages about service `s`'s population suggest
// (column = { rosh = "Risk Level" }, unknown-as = "Not known", ...), and the `casesample lint` command that
// lists every problem of its population at once.
OptionHints services_file_hints(const BatchService& service);

// The `casesample draw` command that draws the same sample into the same folder (recorded in its manifest).
std::vector<std::string> equivalent_draw_command(const BatchService& service, const std::filesystem::path& folder);

// What `report` and `audit` give for one service's folder (answers / published in `service`): writes
// report.md, report.json, audit.md, audit.json into the folder (those whose text changed, in one change under
// the folder's lock, taken as `writer`) and fills outcome's overall_rating, overall_probability,
// audit_consistent and files_written. Throws like report and audit do.
void report_on_service(const BatchService& service, BatchOutcome& outcome, const std::string& writer);

// The summary files: the state of every service's folder, not what this run did to it, so a re-run that
// changes nothing leaves them byte for byte as they were. summary.csv: a row per service and domain (one
// row for a service that failed before any domain was known) with the columns of summary_header(): service,
// domain, status (ok / failed), eligible, sample_size, reserves, worst_deviation, message (the margins
// missed, or the error), overall_rating, overall_probability, overall_verdict, audit (consistent /
// inconsistent), seed. summary.json: the same per service. summary.xlsx: sheets Summary (the cells of
// summary.csv, written by the same write_summary_rows) and About (version, the services file and its SHA-256,
// its defaults, the shard, the counts).
const std::vector<std::string>& summary_header();
void write_summary_rows(CellWriter& writer, const BatchSummary& summary);
std::string summary_csv(const BatchSummary& summary);
std::string summary_workbook(const BatchSummary& summary);  // the bytes of summary.xlsx
// OUT/index.html: a page linking every service's page (its report.html, else its draw.html) with the summary
// table (status, sample per domain, balance, overall rating and its probability, audit, message).
std::string summary_index_html(const BatchSummary& summary);
nlohmann::ordered_json summary_json(const BatchSummary& summary);

}  // namespace casesample
