#pragma once
// The sample folder: the life of a drawn sample on disk, from the first draw through fieldwork.
//
//   draw        load the population (hashing the bytes it parses), draw, write DIR/{sample,reserves,balance,
//               excluded}.csv and DIR/manifest.json
//   rebuild     read DIR/manifest.json, check the inputs' SHA-256, re-draw with the recorded seed and
//               parameters, and replay DIR/audit-log.csv
//   verify      compare the rebuilt files with the folder, naming every difference
//   substitute  swap a sampled case that drops out for a reserve, and log it
//
// `casesample draw / substitute / verify` and `casesample batch` all call this module; none of it prints,
// reads argv or picks an exit code. Errors: InputError / UsageError for what the user can fix (bad input,
// bad options, a folder that holds no sample), std::runtime_error for anything else. See docs/sample-folder.md.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "casesample/audit_log.hpp"
#include "casesample/draw.hpp"
#include "casesample/output.hpp"
#include "casesample/manifest.hpp"
#include "casesample/population_args.hpp"
#include "casesample/progress.hpp"

namespace casesample {

// ---- Loading ---------------------------------------------------------------------------------------------

struct LoadedPopulation {
    Population population;
    EligiblePopulation eligible;
    std::vector<ManifestInput> inputs;  // population first, then vocabulary files
};

// Reads the population file once (hashing the same bytes it parses) and splits it by eligibility.
// `progress`, when given, follows the parsing (stage "reading cases").
LoadedPopulation load_population(const std::string& path, const PopulationArgs& args, Progress* progress = nullptr);

// The population options for a manifest: describe() with vocabulary paths made absolute.
std::vector<std::pair<std::string, std::string>> manifest_population_options(const PopulationArgs& args);

// ---- Drawing ---------------------------------------------------------------------------------------------

// Everything a draw needs, as plain data.
struct DrawSpec {
    std::string population;  // path of the population CSV
    PopulationArgs population_args;
    DrawRequest request;  // the seed is set: the caller chooses one at random when the user gave none
    bool seed_chosen = false;
    std::vector<std::string> command_line;  // recorded in the manifest (argv as typed, or what batch ran)
    // Follows the work when given: stage "reading cases" (bytes parsed), then "drawing the sample".
    Progress* progress = nullptr;
};

// A drawn sample in memory: what the folder's files are made from.
struct DrawnSample {
    DrawManifest manifest;
    LoadedPopulation loaded;
    DrawResult result;
};

// Loads the population and draws. Throws InputError when no case is eligible, UsageError when --size
// asks for nothing at all (or for what cannot be met).
DrawnSample draw_sample(const DrawSpec& spec);

// The files of a sample folder, name -> bytes (sample.csv, reserves.csv, balance.csv, excluded.csv,
// manifest.json). Without excluded.csv when with_excluded is false: a real export's cases outside the windows
// can make it twice the size of the population file, so the draw writes it as it is made (write_excluded_csv).
std::map<std::string, std::string> folder_files(const DrawnSample& sample, bool with_excluded = true);
std::map<std::string, std::string> folder_files(const DrawManifest& manifest, const LoadedPopulation& loaded,
                                                const DrawResult& result, bool with_excluded = true);

// One domain of a draw, for summaries (batch's summary.csv, draw --format json).
struct DomainSummary {
    std::string domain;
    std::size_t eligible = 0;
    std::size_t sample_size = 0;  // cases in the sample now
    std::size_t reserves = 0;     // reserves left
    std::size_t reserves_asked = 0;
    bool cochran = false;            // size from Cochran's formula
    std::int64_t worst_deviation = 0;  // the largest |deviation| of any margin (0: every margin within bounds)
    std::vector<MarginMiss> misses;
};
struct DrawSummary {
    std::uint64_t seed = 0;
    bool seed_chosen = false;
    std::size_t cases_read = 0;
    std::size_t cases_excluded = 0;
    std::vector<DomainSummary> domains;
    std::vector<std::string> files_written;  // names inside the folder, empty when nothing was written
};
DrawSummary summarize(const DrawnSample& sample);

// ---- The folder on disk ----------------------------------------------------------------------------------

// The files casesample owns in a sample folder, in the order it lists them.
extern const std::vector<std::string> kFolderFiles;  // sample, reserves, balance, excluded, manifest

// True when DIR holds any file of a sample (a manifest, a sample, an audit log ...).
bool holds_sample(const std::filesystem::path& dir);

// The manifest of a folder given as the folder or as its manifest.json.
std::filesystem::path manifest_path_of(const std::string& folder_or_manifest);

// What replacing a sample (draw --force) does to the other files of its folder, in one step with the new
// sample. The sample's own files (kFolderFiles) are simply replaced; of the rest:
//   renamed  the audit log (audit-log.replaced-K.csv) and workbooks casesample wrote about the old sample
//            (NAME.replaced-K.xlsx: they may hold notes typed during fieldwork)
//   removed  pages and reports casesample wrote about the old sample (kDerivedFiles, and the files the old draw's
//            --xlsx/--html put into the folder, read from its manifest's command line)
//   left     everything casesample did not write (names as they are, a folder with a trailing '/'); hidden files
//            and files kept from earlier samples (NAME.replaced-K.EXT) are kept without a word
struct FolderReplacement {
    std::vector<std::pair<std::string, std::string>> renamed;  // old name -> new name
    std::vector<std::string> removed;
    std::vector<std::string> left;
};
// The names casesample writes into a sample folder about its sample, besides kFolderFiles (draw.html,
// report.md, audit.json ...).
extern const std::vector<std::string> kDerivedFiles;
// What replacing the sample in DIR would do, the new draw writing `new_files` besides kFolderFiles.
FolderReplacement plan_replacement(const std::filesystem::path& dir, const std::map<std::string, std::string>& new_files);

struct WriteOptions {
    bool force = false;  // replace a sample already in the folder (see FolderReplacement)
    FolderReplacement* replaced = nullptr;  // when given, set to what replacing did with the other files
    // Further files written into the folder with the sample, name -> bytes (for reports added by options
    // of draw); written in the same step as the sample.
    std::map<std::string, std::string> extra_files;
    // The same for files too large to hold at once (a workbook): name -> what gives its bytes, piece by piece.
    std::map<std::string, ByteProducer> extra_streams;
    std::string writer = "casesample";  // who writes, for the message of a writer that finds the folder locked
};

// Writes a drawn sample into DIR (created if needed), as one all-or-nothing change under the folder's lock
// (see docs/sample-folder.md). Throws UsageError when DIR is a file, or when it already holds a sample and
// options.force is not set; std::runtime_error when another writer holds the lock or the disk refuses.
// Returns the names of the files written.
std::vector<std::string> write_sample_folder(const std::filesystem::path& dir, const DrawnSample& sample,
                                             const WriteOptions& options = {});

// draw_sample, then write_sample_folder, then summarize: what batch calls for one service.
DrawSummary draw_into_folder(const std::filesystem::path& dir, const DrawSpec& spec, const WriteOptions& options = {});

// ---- Rebuilding and verifying ----------------------------------------------------------------------------

// An input of the draw at a new place: --input ROLE=PATH (role population, vocabulary or add_vocabulary).
// Accepted only when the file's SHA-256 is the one the manifest records.
struct InputOverride {
    std::string role;
    std::string path;
};
// "population=PATH" -> {population, PATH}; throws UsageError naming the option otherwise.
InputOverride parse_input_override(const std::string& typed);

// An input found somewhere other than where the manifest recorded it (from --input, or from an earlier
// `input` row of the audit log).
struct MovedInput {
    std::string role;
    std::string recorded;  // absolute path in the manifest
    std::string found;     // absolute path where it is now
    bool from_option = false;  // given with --input in this run (not yet in the log)
};

// A draw rebuilt from DIR/manifest.json: the inputs found and checked (SHA-256), the sample re-drawn with the
// recorded seed and parameters, and the audit log replayed (substitutions, drops, added reserves).
struct Rebuilt {
    DrawManifest manifest;        // as rebuilt: counts and audit chain from the log as it is now
    DrawManifest recorded;        // as the file says
    // messages: an input at none of its places, or given with --input at a place that holds no file or another
    // file (the input of the draw is still to be found)
    std::vector<std::string> missing_inputs;
    std::vector<std::string> changed_inputs;  // messages: the file at an input's recorded place has another SHA-256
    std::vector<MovedInput> moved_inputs;
    // Absent when an input is missing or changed, except a population whose bytes changed but which still reads
    // (population_reread): then the population as it is now, drawn with the recorded seed and the log replayed.
    std::optional<LoadedPopulation> loaded;
    bool population_reread = false;
    std::string reread_problem;  // the population as it is now reads, but the recorded draw cannot be made from it
    DrawResult result;
    AuditLog log;
    std::vector<std::string> log_problems;     // the hash chain broken, rows or the whole log deleted
    // The log is missing, or rows were deleted from its end: the re-draw replays fewer changes than the folder's
    // files hold, so those files differ from it as a consequence.
    bool log_lost = false;
    std::vector<std::string> replay_problems;  // rows that no longer replay as recorded
    bool inputs_ok() const { return missing_inputs.empty() && changed_inputs.empty(); }
};
struct RebuildOptions {
    bool replay_audit_log = true;
    std::vector<InputOverride> inputs;
};
Rebuilt rebuild(const std::string& manifest_path, const RebuildOptions& options = {});

// What verify finds: the rebuilt draw, the files compared, and every difference in words.
struct Verification {
    std::filesystem::path manifest;
    std::filesystem::path dir;
    Rebuilt rebuilt;
    std::vector<std::string> checked;        // file names compared
    std::vector<std::string> differences;    // empty: the folder is exactly what the manifest and log give
    std::vector<std::string> cannot_verify;  // inputs not found: nothing was re-drawn or compared
    // Differences that are files of cases (sample.csv, reserves.csv, excluded.csv) holding the same cases in the
    // same order as the re-draw, only other cells or columns (a hand-edited column): their difference says which
    // columns differ.
    std::size_t same_cases_files = 0;
    // The folder's files that differ from the re-draw (missing ones too), by name: what "differences in 2 files"
    // counts. Over the files of cases that differ only in columns: the cells with another value and the columns
    // they are in, the columns missing and those added.
    std::vector<std::string> files_differ;
    std::size_t values_differ = 0, columns_differ = 0, columns_missing = 0, columns_added = 0;
    // With the audit log missing or cut short (rebuilt.log_lost): the files' differences from the re-draw, which follow
    // from that and are counted as one difference (the last of `differences`, naming the files).
    std::vector<std::string> follow_from_log;
    // When the population's bytes changed (rebuilt.changed_inputs): "same_cases" when, read as it is now, it gives the
    // same cases and the same folder (a re-save: line endings, quotes, encoding); "different_cases" when not (the
    // differences say which cases); "" when it was not re-read (it no longer reads, or another input changed).
    std::string population_change;
    bool verified() const { return cannot_verify.empty(); }
    bool identical() const { return verified() && differences.empty(); }
    // Different, but every difference is such a file: the draw's cases and their order are as the re-draw gives.
    bool only_columns_differ() const { return verified() && !differences.empty() && same_cases_files == differences.size(); }
};
Verification verify_folder(const std::string& folder_or_manifest, const std::vector<InputOverride>& inputs = {});

// How the versions after `version` (the one a folder was drawn with) draw or write a folder differently from it,
// one line per version ("0.3.0: ..."), oldest first; empty when none does (or `version` is this one). A version
// that is not of the form A.B.C, or newer than this one, gets one line saying so.
std::vector<std::string> draw_changes_since(const std::string& version);

// Where two texts first differ: line, column and the text around it in each.
std::string first_difference(const std::string& expected, const std::string& actual);

// ---- Changing a folder after the draw --------------------------------------------------------------------
// Each change: under the folder's lock, rebuild it (refusing when an input changed, the log does not check
// out, or the files are not what the manifest and log give), make the change, append its rows to the log
// (first an `input` row for each input given with --input at a new place), and swap the new state in at once.

// What a change after the draw (substitute, reserves) did to the pages and workbooks casesample wrote about the
// folder's sample (draw --html/--xlsx, draw.html, sample.xlsx ..., reports), which describe the sample as it was:
//   pages_rewritten    a page of the draw inside the folder (nothing is typed into one): written again, in the same
//                      step as the sample's files, for the sample as it now is
//   workbooks_written  a workbook of the draw inside the folder (inspectors may have typed into it): left exactly as
//                      it was, and an up-to-date one written beside it, NAME.updated-K.xlsx (first K not taken);
//                      pairs old name -> new name
//   out_of_date        files casesample cannot rewrite, with what to do: a report (made from answers), or a page or
//                      workbook the draw wrote outside the folder (one line each, in words)
struct DerivedUpdates {
    // false after `reserves`: only the reserves changed, so the pages and workbooks are behind on those alone, and a
    // report (made from the sample's answers) is not out of date.
    bool sample_changed = true;
    std::vector<std::string> pages_rewritten;
    std::vector<std::pair<std::string, std::string>> workbooks_written;
    std::vector<std::string> out_of_date;
};

struct SubstituteRequest {
    std::string drop;    // case id of the sampled case that drops out
    std::string reason;  // why (into the audit log)
    bool no_replacement = false;  // drop the case without bringing in a reserve
    std::vector<InputOverride> inputs;
    std::string time;    // UTC time for the log, YYYY-MM-DDTHH:MM:SSZ; now when empty
    std::string writer = "casesample";  // who writes, for the message of a writer that finds the folder locked
};
struct SubstituteOutcome {
    std::filesystem::path dir;
    Rebuilt folder;  // the folder's draw after the change (population, result)
    std::string domain, dropped_id, substitute_id;  // substitute_id empty with no_replacement
    std::size_t reserve_order = 0;    // of the reserve brought in
    // The selection_order of the case dropped without replacement, or the one the substitute takes.
    std::size_t selection_order = 0;
    // For a substitute, as sample.csv writes them: the case drawn at its selection_order (the dropped case, or
    // the case first drawn there when the dropped case was itself a substitute), and the inclusion probability
    // the substitute inherits from it.
    std::string substitute_for;
    double inclusion_probability = 0;
    std::size_t reserves_left = 0;
    std::size_t sample_size = 0;      // cases in the domain's sample after the change
    std::vector<MarginMiss> misses_before, misses_after;
    std::string before, after;  // the misses in words ("within floor/ceiling" when none)
    std::vector<MovedInput> inputs_recorded;
    std::vector<std::string> files_written;
    DerivedUpdates derived;
};
// Swaps the case for a reserve (or drops it) and logs it. Throws UsageError when the folder holds no sample or
// the case is not in the sample, std::runtime_error when an input changed, the folder does not match its
// manifest and log, another writer holds the lock, or no reserve is left.
SubstituteOutcome substitute_in_folder(const std::string& folder_or_manifest, const SubstituteRequest& request);

struct ReservesRequest {
    std::size_t add = 0;   // reserves to add per domain
    std::string domain;    // only this domain; every domain with a sample when empty
    std::string reason;
    std::vector<InputOverride> inputs;
    std::string time;
    std::string writer = "casesample";
};
struct ReservesAdded {
    std::string domain;
    std::size_t asked = 0, added = 0;
    std::size_t first_order = 0, last_order = 0;  // reserve_order of the first and last added
    std::size_t reserves_left = 0;
    std::size_t eligible = 0;  // eligible cases of the domain
    // The reserves added, as reserves.csv writes them: case id, reserve_order, reserve_probability.
    struct Reserve {
        std::string case_id;
        std::size_t reserve_order = 0;
        double reserve_probability = 0;
    };
    std::vector<Reserve> reserves;
};
struct ReservesOutcome {
    std::filesystem::path dir;
    Rebuilt folder;
    std::vector<ReservesAdded> domains;
    std::vector<MovedInput> inputs_recorded;
    std::vector<std::string> files_written;
    DerivedUpdates derived;
};
// Draws `add` more reserves per domain, reproducibly (see add_reserves in draw.hpp), leaving the sample as it
// is, and logs a row for each domain that got any (a domain with no case left gets none and no row). Throws
// UsageError for 0, an unknown domain, or a folder without a sample; std::runtime_error, changing nothing, when
// no domain has a case left to add.
ReservesOutcome add_reserves_to_folder(const std::string& folder_or_manifest, const ReservesRequest& request);

// The current UTC time as YYYY-MM-DDTHH:MM:SSZ.
std::string utc_now();

}  // namespace casesample
