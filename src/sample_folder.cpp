#include "casesample/sample_folder.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <string_view>

#include "casesample/byte_source.hpp"
#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/headers.hpp"
#include "casesample/output.hpp"
#include "casesample/report_html.hpp"
#include "casesample/report_xlsx.hpp"
#include "casesample/text_input.hpp"
#include "folder_transaction.hpp"

namespace casesample {
namespace fs = std::filesystem;

const std::vector<std::string> kFolderFiles = {"sample.csv", "reserves.csv", "balance.csv", "excluded.csv",
                                               "manifest.json"};

namespace {

std::string absolute(const std::string& path) {
    std::error_code ec;
    auto a = fs::absolute(path, ec);
    return ec ? path : a.lexically_normal().string();
}

ManifestInput input_of(const std::string& role, const std::string& path, const std::string& bytes) {
    return ManifestInput{role, path, absolute(path), sha256_hex(bytes), bytes.size()};
}

std::string or_within(std::string misses) { return misses.empty() ? "within floor/ceiling" : misses; }

}  // namespace

// ---- Loading ---------------------------------------------------------------------------------------------

LoadedPopulation load_population(const std::string& path, const PopulationArgs& args, Progress* progress) {
    LoadedPopulation l;
    auto options = args.options();
    options.progress = progress;
    // The population is read in pieces, never whole; its SHA-256 is of exactly the bytes parsed, computed on the
    // other core while this one parses (FileSource).
    auto source = std::make_unique<FileSource>(path, true, kMostPopulationBytes);
    FileSource& file = *source;
    l.inputs.push_back(input_of("population", path, ""));
    if (!args.profile.empty()) l.inputs.push_back(input_of("profile", args.profile, read_file(args.profile)));
    if (!args.vocabulary.empty()) l.inputs.push_back(input_of("vocabulary", args.vocabulary, read_file(args.vocabulary)));
    for (const auto& v : args.add_vocabulary) l.inputs.push_back(input_of("add_vocabulary", v, read_file(v)));
    auto reader = CsvReader::stream(path, std::move(source), CsvOptions{options.encoding, false, options.hints});
    try {
        l.population = parse_population(reader, options);
    } catch (const InputError& e) {
        // A draw stops at the first problem of the file; lint lists them all.
        if (e.file() != path || e.line() == 0) throw;
        if (find_not_text_in_file(path, "CSV")) throw;  // its message says how to save it as CSV: that helps, not lint
        throw InputError(e.file(), e.line(), e.column(),
                         e.message() + (args.hints.every_problem_command.empty()
                                            ? " (run 'casesample lint " + path +
                                                  " ...' with the same options to see every problem at once)"
                                            : " (to see every problem at once, run: " +
                                                  args.hints.every_problem_command + ")"));
    }
    l.inputs.front().sha256 = file.finish_sha256();
    l.inputs.front().bytes = file.bytes_read();
    l.eligible = eligible_population(l.population, args.rule(&l.population.vocabulary));
    return l;
}

std::vector<std::pair<std::string, std::string>> manifest_population_options(const PopulationArgs& args) {
    auto d = args.describe();
    for (auto& [k, v] : d)
        if (k == "vocabulary" || k == "add_vocabulary" || k == "profile") v = absolute(v);
    return d;
}

// ---- Drawing ---------------------------------------------------------------------------------------------

DrawnSample draw_sample(const DrawSpec& spec) {
    DrawnSample s;
    s.loaded = load_population(spec.population, spec.population_args, spec.progress);
    if (spec.progress) spec.progress->begin("drawing the sample", 0);
    s.result = draw_population(s.loaded.population, s.loaded.eligible, spec.request);
    if (s.result.domains.empty())
        throw InputError(spec.population, 0, 0,
                         "no case is eligible for the fieldwork date " + spec.population_args.fieldwork);
    bool any_case = false;
    for (const auto& ds : s.result.domains) any_case = any_case || ds.sample_size > 0;
    if (!any_case && !spec.request.sizes.empty()) {
        std::string sizes;
        for (const auto& [d, n] : spec.request.sizes) sizes += (sizes.empty() ? "" : ",") + d + "=" + std::to_string(n);
        spec.request.hints.refuse("size", "",
                                  spec.request.hints.name("size") + " " + sizes +
                                      " asks for no case in any domain: there is nothing to draw; give at least one "
                                      "domain a size above 0");
    }
    s.manifest.version = CASESAMPLE_VERSION;
    s.manifest.command_line = spec.command_line;
    s.manifest.seed_chosen = spec.seed_chosen;
    s.manifest.request = spec.request;
    s.manifest.population_options = manifest_population_options(spec.population_args);
    s.manifest.inputs = s.loaded.inputs;
    return s;
}

std::map<std::string, std::string> folder_files(const DrawManifest& manifest, const LoadedPopulation& l,
                                                const DrawResult& result, bool with_excluded) {
    std::map<std::string, std::string> files;
    files["sample.csv"] = sample_csv(l.population, result);
    files["reserves.csv"] = reserves_csv(l.population, result);
    files["balance.csv"] = balance_csv(l.population, result);
    if (with_excluded) files["excluded.csv"] = excluded_csv(l.population, l.eligible);
    files["manifest.json"] = manifest_text(manifest, l.population, l.eligible, result);
    return files;
}

std::map<std::string, std::string> folder_files(const DrawnSample& s, bool with_excluded) {
    return folder_files(s.manifest, s.loaded, s.result, with_excluded);
}

DrawSummary summarize(const DrawnSample& s) {
    DrawSummary out;
    out.seed = s.manifest.request.seed;
    out.seed_chosen = s.manifest.seed_chosen;
    out.cases_read = s.loaded.population.size();
    out.cases_excluded = s.loaded.eligible.excluded.size();
    for (const auto& ds : s.result.domains) {
        DomainSummary d;
        d.domain = ds.domain;
        d.eligible = ds.cases.size();
        d.sample_size = ds.draw.selected.size();
        d.reserves = ds.draw.reserves.size();
        d.reserves_asked = ds.reserves_asked;
        d.cochran = ds.cochran.has_value();
        d.misses = domain_misses(ds);
        for (const auto& m : d.misses) d.worst_deviation = std::max(d.worst_deviation, m.by < 0 ? -m.by : m.by);
        out.domains.push_back(std::move(d));
    }
    return out;
}

// ---- The folder on disk ----------------------------------------------------------------------------------

bool holds_sample(const fs::path& dir) {
    for (auto f : {"manifest.json", "sample.csv", "reserves.csv", "balance.csv", "audit-log.csv"})
        if (fs::exists(dir / f)) return true;
    return false;
}

fs::path manifest_path_of(const std::string& folder_or_manifest) {
    std::error_code ec;
    if (fs::is_directory(folder_or_manifest, ec)) return fs::path(folder_or_manifest) / "manifest.json";
    return fs::path(folder_or_manifest);
}

namespace {

// The files a draw's --xlsx and --html put into its own folder, by the command line its manifest records
// (values compared with its --out as typed, so the directory it ran from does not matter).
std::set<std::string> draw_extras_in_folder(const fs::path& dir, std::vector<std::string>* outside = nullptr) {
    std::set<std::string> out;
    std::vector<std::string> args;
    try {
        auto j = nlohmann::json::parse(read_file((dir / "manifest.json").string()));
        if (j.contains("command_line") && j["command_line"].is_array())
            for (const auto& a : j["command_line"])
                if (a.is_string()) args.push_back(a.get<std::string>());
    } catch (const std::exception&) {
        return out;  // no readable manifest: only the names casesample always uses count
    }
    auto value_of = [&](std::size_t& k, const std::string& option) -> std::optional<std::string> {
        if (args[k] == option && k + 1 < args.size()) return args[++k];
        if (args[k].rfind(option + "=", 0) == 0) return args[k].substr(option.size() + 1);
        return std::nullopt;
    };
    std::optional<std::string> out_dir;
    std::vector<std::string> extras;
    for (std::size_t k = 0; k < args.size(); ++k) {
        if (auto v = value_of(k, "--out")) out_dir = v;
        else if (auto x = value_of(k, "--xlsx")) extras.push_back(*x);
        else if (auto h = value_of(k, "--html")) extras.push_back(*h);
    }
    if (!out_dir) return out;
    auto normal = [](const fs::path& p) {
        auto n = p.lexically_normal();
        if (n.empty()) n = ".";
        auto text = n.string();
        while (text.size() > 1 && text.back() == '/') text.pop_back();
        return text;
    };
    for (const auto& e : extras) {
        fs::path p = e;
        if (p.has_filename() && normal(p.parent_path()) == normal(*out_dir)) out.insert(p.filename().string());
        else if (outside) outside->push_back(e);
    }
    return out;
}

// NAME.EXT -> NAME.<word>-K.EXT (replaced, updated), the first K not taken in DIR.
std::string numbered_name(const fs::path& dir, const std::string& name, const std::string& word) {
    const fs::path p = name;
    const std::string stem = p.stem().string(), ext = p.extension().string();
    for (int k = 1;; ++k) {
        auto candidate = stem + "." + word + "-" + std::to_string(k) + ext;
        std::error_code ec;
        if (!fs::exists(dir / candidate, ec) && !fs::is_symlink(dir / candidate, ec)) return candidate;
    }
}
std::string replaced_name(const fs::path& dir, const std::string& name) { return numbered_name(dir, name, "replaced"); }
std::string updated_name(const fs::path& dir, const std::string& name) { return numbered_name(dir, name, "updated"); }

// NAME.<word>-K.EXT (NAME.replaced-3.csv, NAME.updated-1.xlsx).
bool is_numbered_name(const std::string& name, const std::string& word) {
    const fs::path p = name;
    const std::string stem = p.stem().string(), mark = "." + word + "-";
    auto at = stem.rfind(mark);
    if (at == std::string::npos || at + mark.size() == stem.size()) return false;
    return stem.find_first_not_of("0123456789", at + mark.size()) == std::string::npos;
}

// NAME.replaced-K.EXT, as replaced_name gives.
bool is_replaced_name(const std::string& name) { return is_numbered_name(name, "replaced"); }

}  // namespace

const std::vector<std::string> kDerivedFiles = {"draw.html",   "draw.xlsx",   "sample.xlsx", "report.md",
                                                "report.json", "report.html", "report.xlsx", "report.csv",
                                                "audit.md",    "audit.json",  "audit.html",  "audit.csv"};

FolderReplacement plan_replacement(const fs::path& dir, const std::map<std::string, std::string>& new_files) {
    FolderReplacement r;
    const auto extras = draw_extras_in_folder(dir);
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        if (name.empty() || name[0] == '.') continue;  // the lock, and hidden files nobody reads
        const bool own = std::find(kFolderFiles.begin(), kFolderFiles.end(), name) != kFolderFiles.end();
        if (own) continue;  // replaced by the new sample's
        if (name == kAuditLogName) {
            // The old sample's substitutions do not apply to the new one; keep them beside it, never delete them.
            r.renamed.push_back({name, replaced_name(dir, "audit-log.csv")});
            continue;
        }
        if (is_replaced_name(name)) continue;  // kept from earlier samples (audit-log.replaced-1.csv ...): as they are
        // A workbook substitute or reserves wrote beside the draw's (NAME.updated-K.xlsx) is one casesample wrote too.
        const bool derived = extras.count(name) ||
                             std::find(kDerivedFiles.begin(), kDerivedFiles.end(), name) != kDerivedFiles.end() ||
                             (is_numbered_name(name, "updated") && fs::path(name).extension() == ".xlsx");
        std::error_code e2;
        const bool regular = fs::is_regular_file(dir / name, e2) && !fs::is_symlink(dir / name, e2);
        if (derived && regular) {
            // A workbook may hold what people typed into it (the fieldwork sheet's notes): kept, renamed. A page or
            // report describes only the old sample: removed (unless this draw writes one of the same name).
            if (fs::path(name).extension() == ".xlsx") r.renamed.push_back({name, replaced_name(dir, name)});
            else if (!new_files.count(name)) r.removed.push_back(name);
            continue;
        }
        if (new_files.count(name)) continue;  // written anew by this draw
        r.left.push_back(name + (fs::is_directory(dir / name, e2) && !fs::is_symlink(dir / name, e2) ? "/" : ""));
    }
    return r;
}

std::vector<std::string> write_sample_folder(const fs::path& dir, const DrawnSample& sample,
                                             const WriteOptions& options) {
    if (fs::exists(dir) && !fs::is_directory(dir))
        throw UsageError(dir.string() + " exists and is not a folder; give a folder to write the sample into");
    auto files = folder_files(sample, /*with_excluded=*/false);
    FolderTransaction t(dir, options.writer, true);
    // Checked under the lock: another writer may have drawn into the folder since the caller looked.
    if (!options.force && holds_sample(t.dir()))
        throw UsageError("the folder " + dir.string() +
                         " already holds a sample; choose a new folder or pass --force to replace it");
    if (options.force) {
        std::map<std::string, std::string> new_files = options.extra_files;  // (plan_replacement needs their names)
        for (const auto& [name, produce] : options.extra_streams) new_files[name];
        auto replaced = plan_replacement(t.dir(), new_files);
        for (const auto& [from, to] : replaced.renamed) t.rename_old(from, to);
        for (const auto& name : replaced.removed) t.remove_old(name);
        if (options.replaced) *options.replaced = std::move(replaced);
    }
    std::vector<std::string> written;
    for (const auto& [name, bytes] : options.extra_files) {
        t.put(name, bytes);
        written.push_back(name);
    }
    for (const auto& [name, produce] : options.extra_streams) {
        t.put_stream(name, produce);
        written.push_back(name);
    }
    for (const auto& name : kFolderFiles) {
        if (name == "excluded.csv")  // every case of the export outside the windows: written as it is made
            t.put_stream(name, [&](const std::function<void(std::string_view)>& sink) {
                write_excluded_csv(sample.loaded.population, sample.loaded.eligible, sink);
            });
        else
            t.put(name, files.at(name));
        written.push_back(name);
    }
    t.commit();
    return written;
}

DrawSummary draw_into_folder(const fs::path& dir, const DrawSpec& spec, const WriteOptions& options) {
    auto sample = draw_sample(spec);
    auto written = write_sample_folder(dir, sample, options);
    auto summary = summarize(sample);
    summary.files_written = std::move(written);
    return summary;
}

// ---- Rebuilding and verifying ----------------------------------------------------------------------------

InputOverride parse_input_override(const std::string& typed) {
    auto eq = typed.find('=');
    std::string role = typed.substr(0, eq == std::string::npos ? 0 : eq);
    if (eq == std::string::npos || eq + 1 == typed.size() ||
        (role != "population" && role != "vocabulary" && role != "add_vocabulary"))
        throw UsageError("--input takes ROLE=PATH with ROLE population, vocabulary or add_vocabulary, such as "
                         "--input population=/new/place/cases.csv; got '" + typed + "'");
    return {role, typed.substr(eq + 1)};
}

namespace {

std::string input_hint(const std::string& role) {
    return "give its new place with --input " + role + "=PATH";
}

// The population of a rebuild, found at one or more places but not yet hashed: it is hashed as it is read
// (check_population), so that a rebuild reads and hashes it once, not once to find it and again to parse it.
struct PendingPopulation {
    std::size_t input = 0;            // index into the manifest's inputs
    std::vector<std::string> places;  // the places that hold a file, in the order they are tried
    bool logged_first = false;        // places.front() is where the audit log last recorded it
};

// Finds where each input of the manifest is now, checking its SHA-256 (see Rebuilt). The population, unless given
// with --input, is only found, not hashed: the returned PendingPopulation is for check_population.
std::optional<PendingPopulation> find_inputs(Rebuilt& r, const std::vector<InputOverride>& overrides) {
    std::optional<PendingPopulation> pending;
    // The latest place the audit log recorded for each input (rows "input": detail ROLE=PATH).
    std::map<std::string, std::string> logged;  // recorded absolute path -> found path
    for (const auto& e : r.log.entries) {
        if (e.action != "input") continue;
        auto eq = e.detail.find('=');
        auto arrow = e.detail.find(" <- ");
        if (eq == std::string::npos || arrow == std::string::npos || arrow < eq) continue;
        logged[e.detail.substr(arrow + 4)] = e.detail.substr(eq + 1, arrow - eq - 1);
    }
    for (const auto& o : overrides) {
        bool role_known = false;
        for (const auto& in : r.manifest.inputs) role_known = role_known || in.role == o.role;
        if (!role_known)
            throw UsageError("--input " + o.role + "=" + o.path + ": the draw has no " + o.role + " file");
    }
    for (auto& in : r.manifest.inputs) {
        std::string found, problem;
        // --input first: it must be this very file.
        for (const auto& o : overrides) {
            if (o.role != in.role) continue;
            std::error_code ec;
            if (!fs::is_regular_file(o.path, ec)) {
                problem = "--input " + o.role + "=" + o.path + ": there is no file there" +
                          (fs::is_directory(o.path, ec) ? " (it is a folder; give the file itself)" : "");
                continue;
            }
            auto sha = sha256_file(o.path);
            if (sha == in.sha256) {
                found = absolute(o.path);
                if (found != in.absolute_path && (logged.count(in.absolute_path) == 0 || logged[in.absolute_path] != found))
                    r.moved_inputs.push_back({in.role, in.absolute_path, found, true});
                problem.clear();
                break;
            }
            problem = "--input " + o.role + "=" + o.path + " is not the " + o.role + " file of this draw (its SHA-256 is " +
                      sha + "; the manifest records " + in.sha256 + ")";
        }
        if (!problem.empty()) {
            // The file given is not there or is another file: the input of the draw is still to be found.
            r.missing_inputs.push_back(problem);
            continue;
        }
        if (found.empty()) {
            std::vector<std::string> places;
            if (logged.count(in.absolute_path)) places.push_back(logged[in.absolute_path]);
            places.push_back(in.absolute_path);
            places.push_back(in.path);
            if (in.role == "population") {
                PendingPopulation p;
                p.input = static_cast<std::size_t>(&in - r.manifest.inputs.data());
                p.logged_first = logged.count(in.absolute_path) > 0;
                for (const auto& where : places) {
                    std::error_code ec;
                    if (fs::exists(where, ec) && (p.places.empty() || p.places.back() != where)) p.places.push_back(where);
                }
                p.logged_first = p.logged_first && !p.places.empty() && p.places.front() == places.front();
                if (p.places.empty())
                    r.missing_inputs.push_back("the " + in.role + " file " + in.absolute_path +
                                               " is not there (moved or deleted?); " + input_hint(in.role));
                else
                    pending = std::move(p);
                continue;
            }
            std::string changed;
            for (const auto& where : places) {
                std::error_code ec;
                if (!fs::exists(where, ec)) continue;
                auto sha = sha256_file(where);
                if (sha == in.sha256) {
                    found = where;
                    if (where == places.front() && logged.count(in.absolute_path))
                        r.moved_inputs.push_back({in.role, in.absolute_path, where, false});
                    break;
                }
                if (changed.empty())
                    changed = in.role + " file " + where + " has changed since the draw (SHA-256 " + sha + ", recorded " +
                              in.sha256 + "); if the file the draw read is elsewhere, give it with --input " + in.role +
                              "=PATH";
            }
            if (found.empty()) {
                if (!changed.empty()) r.changed_inputs.push_back(changed);
                else
                    r.missing_inputs.push_back("the " + in.role + " file " + in.absolute_path +
                                               " is not there (moved or deleted?); " + input_hint(in.role));
                continue;
            }
        }
        if (found != in.absolute_path) {
            // The population options name vocabulary files by their recorded absolute path: read them where
            // they are now.
            for (auto& [k, v] : r.manifest.population_options)
                if ((k == "vocabulary" || k == "add_vocabulary") && v == in.absolute_path) v = found;
        }
        in.absolute_path = found;  // where to read it (the recorded manifest keeps the recorded place)
    }
    return pending;
}

// The population found by find_inputs: the first of its places whose SHA-256 is the recorded one. With `args`, each
// place is read as a population while its bytes are hashed, and the one that matches is returned read (one pass
// over the file, and the bytes parsed are the bytes checked); without, the places are only hashed (when nothing is
// to be re-drawn). None matching: a changed input in r.changed_inputs, and nullopt.
std::optional<LoadedPopulation> check_population(Rebuilt& r, const PendingPopulation& p, const PopulationArgs* args) {
    auto& in = r.manifest.inputs[p.input];
    std::string changed;
    std::optional<LoadedPopulation> as_now;  // the first place's file, read as it is now, when its bytes changed
    for (const auto& where : p.places) {
        std::optional<LoadedPopulation> loaded;
        std::exception_ptr unreadable;  // a file that changed may not even be a population any more
        std::string sha;
        if (args) {
            try {
                loaded = load_population(where, *args);
                sha = loaded->inputs.front().sha256;
            } catch (const std::exception&) {
                unreadable = std::current_exception();
                sha = sha256_file(where);
            }
        } else {
            sha = sha256_file(where);
        }
        if (sha == in.sha256) {
            if (unreadable) std::rethrow_exception(unreadable);  // the very file of the draw: its error stands
            if (where == p.places.front() && p.logged_first)
                r.moved_inputs.push_back({in.role, in.absolute_path, where, false});
            in.absolute_path = where;  // where it was read (the recorded manifest keeps the recorded place)
            return loaded;
        }
        if (changed.empty()) {
            changed = in.role + " file " + where + " has changed since the draw (SHA-256 " + sha + ", recorded " +
                      in.sha256 + "); if the file the draw read is elsewhere, give it with --input " + in.role + "=PATH";
            if (loaded) as_now = std::move(loaded);
        }
    }
    r.changed_inputs.push_back(changed);
    // Only the population changed, and it still reads: re-drawn from it as it is now, so that verify can tell a re-save
    // (the same cases, the same sample) from a change of cases (Rebuilt::population_reread).
    if (as_now && r.changed_inputs.size() == 1 && r.missing_inputs.empty()) {
        r.population_reread = true;
        return as_now;
    }
    return std::nullopt;
}

// The place of a row in messages.
std::string at_line(const std::string& log_path, const AuditEntry& e) {
    return log_path + ":" + std::to_string(e.line) + ": ";
}

}  // namespace

Rebuilt rebuild(const std::string& manifest_path, const RebuildOptions& options) {
    Rebuilt r;
    r.recorded = read_manifest(manifest_path);
    r.manifest = r.recorded;
    const auto log_path = (fs::path(manifest_path).parent_path() / kAuditLogName).string();
    if (options.replay_audit_log) r.log = read_audit_log(log_path);
    auto pending = find_inputs(r, options.inputs);
    bool has_population = false;
    for (const auto& in : r.recorded.inputs) has_population = has_population || in.role == "population";
    if (!has_population) throw InputError(manifest_path, 0, 0, "the manifest names no population file");

    // The log against the manifest: the chain inside the log, then its end against what the manifest recorded.
    if (options.replay_audit_log) {
        r.log_problems = r.log.problems;
        const auto& rec = r.recorded;
        if (rec.audit_rows > 0) {
            r.log_lost = !r.log.exists || (r.log.rows() < rec.audit_rows && r.log.chained);
            if (!r.log.exists)
                r.log_problems.push_back(log_path + " is missing: the manifest records " + counted(rec.audit_rows, "row") +
                                         " of changes in it, the last with row_hash " + rec.audit_last_hash);
            else if (r.log.rows() < rec.audit_rows && r.log.chained)
                r.log_problems.push_back(log_path + " has " + counted(r.log.rows(), "row") + "; the manifest records " +
                                         std::to_string(rec.audit_rows) + " (rows deleted from it)");
            else if (!r.log.chained || r.log.last_hash() != rec.audit_last_hash) {
                bool found = false;
                for (const auto& e : r.log.entries) found = found || e.row_hash == rec.audit_last_hash;
                r.log_problems.push_back(log_path + (found ? " has rows after the last one the manifest records (row_hash " +
                                                                 rec.audit_last_hash + "): added without casesample?"
                                                           : " does not hold the last row the manifest records (row_hash " +
                                                                 rec.audit_last_hash + "): rows deleted or edited"));
            }
        } else if (r.log.chained && r.log.rows() > 0) {
            r.log_problems.push_back(log_path + " has " + counted(r.log.rows(), "row") +
                                     ", but the manifest records none: the log or the manifest was replaced");
        }
    }
    // A changed or missing input cannot give the recorded draw: say which, and re-draw nothing.
    if (!r.inputs_ok()) {
        if (pending) check_population(r, *pending, nullptr);  // whether the population changed too
        return r;
    }
    auto args = PopulationArgs::from_describe(r.manifest.population_options);
    if (pending) {
        // Read once: hashed as it is parsed, and checked against the manifest.
        r.loaded = check_population(r, *pending, &args);
        if (!r.loaded) return r;
    } else {
        std::string population_path;
        for (const auto& in : r.manifest.inputs)
            if (in.role == "population") population_path = in.absolute_path;
        r.loaded = load_population(population_path, args);
    }
    // The manifest records the paths as typed at the draw; keep them so the rebuilt manifest is the same text.
    r.loaded->inputs = r.recorded.inputs;
    r.manifest.inputs = r.recorded.inputs;
    r.manifest.population_options = r.recorded.population_options;
    if (r.population_reread) {
        try {
            r.result = draw_population(r.loaded->population, r.loaded->eligible, r.manifest.request);
        } catch (const std::exception& e) {
            r.reread_problem = e.what();
            r.loaded.reset();
            r.population_reread = false;
            return r;
        }
    } else {
        r.result = draw_population(r.loaded->population, r.loaded->eligible, r.manifest.request);
    }
    std::map<std::string, std::size_t> rounds;  // reserves rows so far, per domain
    for (const auto& e : r.log.entries) {
        const auto where = at_line(log_path, e);
        try {
            if (e.action == "substitute") {
                auto s = substitute_case(r.loaded->population, r.result, e.dropped_id);
                const auto& ds = r.result.domains[s.domain];
                auto got = r.loaded->population.id(ds.cases[s.substitute]);
                if (got != e.substitute_id)
                    r.replay_problems.push_back(where + "dropping " + e.dropped_id + " now brings in " + std::string(got) +
                                                ", the log says " + e.substitute_id);
            } else if (e.action == "drop") {
                drop_case(r.loaded->population, r.result, e.dropped_id);
            } else if (e.action == "reserves") {
                std::size_t k = 0;
                if (e.detail.rfind("K=", 0) == 0) k = std::stoul(e.detail.substr(2));
                std::string got;
                for (auto& ds : r.result.domains) {
                    if (ds.domain != e.domain || ds.sample_size == 0) continue;
                    auto before = ds.reserves_listed;
                    auto added = add_reserves(ds, k, r.manifest.request.seed, ++rounds[ds.domain], r.manifest.request.method);
                    got = added == 0 ? "none" : std::to_string(before + 1) + "-" + std::to_string(before + added);
                }
                if (got.empty()) r.replay_problems.push_back(where + "no domain '" + e.domain + "' with a sample");
                else if (got != e.reserve_order)
                    r.replay_problems.push_back(where + "adding reserves now gives reserve_order " + got +
                                                ", the log says " + e.reserve_order);
            } else if (e.action != "input") {
                r.replay_problems.push_back(where + "unknown action '" + e.action + "'");
            }
        } catch (const std::exception& ex) {
            r.replay_problems.push_back(where + ex.what());
        }
    }
    r.manifest.substitutions = r.log.rows();
    r.manifest.audit_rows = r.log.chained ? r.log.rows() : 0;
    r.manifest.audit_last_hash = r.log.chained ? r.log.last_hash() : std::string();
    return r;
}

std::string first_difference(const std::string& expected, const std::string& actual) {
    std::size_t line = 1, i = 0;
    std::size_t start = 0;
    while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) {
        if (expected[i] == '\n') {
            ++line;
            start = i + 1;
        }
        ++i;
    }
    constexpr std::size_t kSide = 30;
    auto around = [&](const std::string& s) {
        if (i >= s.size()) return std::string("(end of file)");
        std::size_t from = std::max(start, i >= kSide ? i - kSide : 0);
        std::size_t end = s.find('\n', i);
        if (end == std::string::npos) end = s.size();
        std::size_t to = std::min(end, i + kSide + 1);
        std::string out = from > start ? "..." : "";
        for (std::size_t k = from; k < to; ++k) {
            unsigned char c = static_cast<unsigned char>(s[k]);
            if (c == '\r') out += "\\r";
            else if (c == '\t') out += "\\t";
            else if (c < 0x20) out += "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
            else out += static_cast<char>(c);
        }
        if (to < end) out += "...";
        if (to == end && end == s.size()) out += " (end of file)";
        return out;
    };
    // "character", never "column": everywhere else a column is a CSV column.
    return "line " + std::to_string(line) + ", character " + std::to_string(i - start + 1) + ": expected \"" +
           around(expected) + "\", found \"" + around(actual) + "\"";
}

namespace {

// The manifest with the command line set aside: the command line of a re-run may legitimately differ.
std::string without_command_line(const std::string& text) {
    try {
        auto j = nlohmann::ordered_json::parse(text);
        j.erase("command_line");
        return j.dump(2);
    } catch (const std::exception&) {
        return text;
    }
}

// A CSV file of the folder as cells, with the line each record starts on; nullopt when it is not CSV.
struct CellTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<std::size_t> lines;
};
std::optional<CellTable> cell_table(const std::string& name, const std::string& text) {
    try {
        auto reader = CsvReader::from_string(name, text);
        CellTable t;
        t.header = reader.header();
        CsvRecord record;
        while (reader.next(record)) {
            t.rows.emplace_back(record.fields.begin(), record.fields.end());
            t.lines.push_back(record.line);
        }
        return t;
    } catch (const InputError&) {
        return std::nullopt;
    }
}

// For a file of cases (sample.csv, reserves.csv, excluded.csv) whose cases are not the re-draw's, or not in its
// order: which cases are missing, added or in another place, in words, with their lines; nullopt when the cases
// are the same in the same order (or either text is not CSV with case_id first). A case listed twice counts its
// second listing as added.
std::optional<std::string> case_differences(const std::string& path, const std::string& expected,
                                            const std::string& actual, bool by_hand_guess = true) {
    const std::string by_hand = by_hand_guess ? " (added by hand?)" : "";
    auto e = cell_table(path, expected), a = cell_table(path, actual);
    if (!e || !a || e->header.empty() || a->header.empty() || e->header[0] != "case_id" || a->header[0] != "case_id")
        return std::nullopt;
    auto id_of = [](const std::vector<std::string>& row) { return row.empty() ? std::string() : row[0]; };
    // Each listing of a case: (id, how many times listed before) -> row.
    std::map<std::pair<std::string, std::size_t>, std::size_t> in_e;
    std::map<std::string, std::size_t> seen;
    for (std::size_t k = 0; k < e->rows.size(); ++k) in_e[{id_of(e->rows[k]), seen[id_of(e->rows[k])]++}] = k;
    seen.clear();
    std::vector<std::string> added;
    std::vector<std::pair<std::size_t, std::size_t>> matched;  // (row in actual, row in expected), in actual's order
    std::set<std::size_t> e_matched;
    for (std::size_t k = 0; k < a->rows.size(); ++k) {
        const auto id = id_of(a->rows[k]);
        auto it = in_e.find({id, seen[id]++});
        if (it == in_e.end()) {
            added.push_back("case " + id + " (line " + std::to_string(a->lines[k]) + ")");
            continue;
        }
        matched.push_back({k, it->second});
        e_matched.insert(it->second);
    }
    std::vector<std::string> missing;
    for (std::size_t k = 0; k < e->rows.size(); ++k)
        if (!e_matched.count(k))
            missing.push_back("case " + id_of(e->rows[k]) + " (line " + std::to_string(e->lines[k]) + " of the re-draw)");
    // Cases in both, out of the re-draw's order: those outside a longest run in the re-draw's order.
    std::vector<std::size_t> tails, tail_at, parent(matched.size(), SIZE_MAX);
    for (std::size_t k = 0; k < matched.size(); ++k) {
        auto pos = std::lower_bound(tails.begin(), tails.end(), matched[k].second) - tails.begin();
        if (pos == static_cast<long>(tails.size())) {
            tails.push_back(matched[k].second);
            tail_at.push_back(k);
        } else {
            tails[pos] = matched[k].second;
            tail_at[pos] = k;
        }
        if (pos > 0) parent[k] = tail_at[pos - 1];
    }
    std::set<std::size_t> in_order;
    for (std::size_t k = tail_at.empty() ? SIZE_MAX : tail_at.back(); k != SIZE_MAX; k = parent[k]) in_order.insert(k);
    std::vector<std::string> moved;
    for (std::size_t k = 0; k < matched.size(); ++k)
        if (!in_order.count(k))
            moved.push_back("case " + id_of(a->rows[matched[k].first]) + " (line " +
                            std::to_string(a->lines[matched[k].first]) + "; the re-draw has it at line " +
                            std::to_string(e->lines[matched[k].second]) + ")");
    if (missing.empty() && added.empty() && moved.empty()) return std::nullopt;
    auto listed = [](const std::vector<std::string>& items) {
        constexpr std::size_t kShown = 5;
        std::string out;
        for (std::size_t k = 0; k < items.size() && k < kShown; ++k) out += (k ? ", " : "") + items[k];
        if (items.size() > kShown) out += " and " + std::to_string(items.size() - kShown) + " more";
        return out;
    };
    std::vector<std::string> parts;
    if (!missing.empty())
        parts.push_back(missing.size() == 1 ? missing[0] + " is missing from it"
                                            : std::to_string(missing.size()) + " cases of the re-draw are missing from it: " +
                                                  listed(missing));
    if (!added.empty())
        parts.push_back(added.size() == 1 ? added[0] + " is not in the re-draw" + by_hand
                                          : std::to_string(added.size()) + " cases are not in the re-draw" + by_hand + ": " +
                                                listed(added));
    if (!moved.empty())
        parts.push_back(moved.size() == 1 ? moved[0] + " is in another place than in the re-draw"
                                          : std::to_string(moved.size()) + " cases are in other places than in the re-draw: " +
                                                listed(moved));
    std::string text;
    for (const auto& p : parts) text += (text.empty() ? "" : "; ") + p;
    return path + " does not hold the re-draw's cases in its order: " + text;
}

// For a file of cases (sample.csv, reserves.csv, excluded.csv) that differs from the re-draw while holding the
// same cases in the same order: which columns differ, in words; nullopt when the cases or their order differ (or
// either text is not CSV), for first_difference to tell.
struct ColumnCounts {
    std::size_t values = 0, columns = 0;  // cells with another value, and the columns they are in
    std::size_t missing = 0, added = 0;   // columns the re-draw writes that the file lacks, and the other way round
};
std::optional<std::string> column_differences(const std::string& path, const std::string& expected,
                                              const std::string& actual, ColumnCounts* counts = nullptr) {
    ColumnCounts found;
    auto e = cell_table(path, expected), a = cell_table(path, actual);
    if (!e || !a || e->header.empty() || a->header.empty() || e->header[0] != "case_id" || a->header[0] != "case_id" ||
        e->rows.size() != a->rows.size())
        return std::nullopt;
    for (std::size_t k = 0; k < e->rows.size(); ++k)
        if (e->rows[k][0] != a->rows[k][0]) return std::nullopt;
    auto position = [](const std::vector<std::string>& header, const std::string& name) -> std::optional<std::size_t> {
        auto it = std::find(header.begin(), header.end(), name);
        if (it == header.end()) return std::nullopt;
        return static_cast<std::size_t>(it - header.begin());
    };
    std::vector<std::string> parts;
    for (std::size_t c = 1; c < e->header.size(); ++c) {
        const auto& name = e->header[c];
        auto at = position(a->header, name);
        if (!at) {
            parts.push_back(name + " (missing: the re-draw writes it)");
            ++found.missing;
            continue;
        }
        std::size_t count = 0, first = 0;
        for (std::size_t k = 0; k < e->rows.size(); ++k)
            if (e->rows[k][c] != a->rows[k][*at] && count++ == 0) first = k;
        if (count > 0) {
            found.values += count;
            ++found.columns;
        }
        if (count > 0)
            parts.push_back(name + " (" + std::to_string(count) + (count == 1 ? " row" : " rows") + ", first at line " +
                            std::to_string(a->lines[first]) + ": expected " + quote_value(e->rows[first][c]) +
                            ", found " + quote_value(a->rows[first][*at]) + ")");
    }
    for (const auto& name : a->header)
        if (!position(e->header, name)) {
            parts.push_back(name + " (not written by casesample: added by hand?)");
            ++found.added;
        }
    if (counts) *counts = found;
    std::vector<std::string> common_e, common_a;  // the columns both have, in each file's order
    for (const auto& name : e->header)
        if (position(a->header, name)) common_e.push_back(name);
    for (const auto& name : a->header)
        if (position(e->header, name)) common_a.push_back(name);
    const std::string reordered = common_e != common_a ? "; the columns are in another order" : "";
    if (parts.empty())
        return path + ": the same cases in the same order with the same cells" +
               (reordered.empty() ? "; only the way the file is written differs (quotes, line endings, blank lines), "
                                    "first at " + first_difference(expected, actual)
                                  : "; only the order of the columns differs");
    std::string listed;
    for (const auto& p : parts) listed += (listed.empty() ? "" : "; ") + p;
    return path + ": the same cases in the same order; only " +
           (parts.size() == 1 ? std::string("this column differs: ") : "these columns differ: ") + listed + reordered;
}

}  // namespace

namespace {

// A folder (or a manifest's folder) that is not there at all: one line saying so, before any talk of missing files.
void refuse_missing_folder(const std::string& typed) {
    std::error_code ec;
    if (fs::exists(typed, ec)) return;
    const fs::path path(typed);
    // DIR/manifest.json (or another .json) named: the folder is DIR (a manifest missing from a folder that is there
    // is told otherwise).
    const auto folder = path.extension() == ".json" ? path.parent_path() : path;
    if (folder.empty() || fs::exists(folder, ec)) return;
    throw UsageError("the folder " + folder.string() + " does not exist; give the folder casesample draw wrote (its --out), "
                     "or its manifest.json");
}

// A folder given without its manifest: what that costs and what to do ("verified", "substituted or extended").
std::string no_manifest_message(const fs::path& manifest, const std::string& what_now) {
    const auto dir = manifest.parent_path().empty() ? fs::path(".") : manifest.parent_path();
    std::error_code ec;
    const bool has_sample = fs::is_regular_file(dir / "sample.csv", ec);
    std::string msg = "no manifest at " + manifest.string() + ": ";
    if (!has_sample)
        return msg + "this is not a folder casesample draw wrote (it holds no manifest.json and no sample.csv); give "
                     "that folder, or its manifest.json";
    return msg + "without it the folder cannot be " + what_now +
           " (the manifest records the seed, the options and the SHA-256 of the input files the draw used). "
           "The folder's other files are still the sample: sample.csv lists the cases to read, reserves.csv the "
           "reserves. Put back manifest.json from a copy (a backup, or the one kept with the fieldwork plan), or "
           "draw again with the same population, options and --seed into a new folder and compare its sample.csv "
           "with this one";
}

}  // namespace

namespace {

// A population whose bytes changed since the draw but still reads (Rebuilt::population_reread): whether, read as it
// is now, it gives the folder's draw (a re-save) or not, and in words what differs.
// Whether the file at `path` holds exactly the bytes `produce` hands its sink, read a piece at a time beside them
// (false when the file is missing or unreadable).
bool file_matches(const fs::path& path, const std::function<void(const std::function<void(std::string_view)>&)>& produce) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    bool same = true;
    std::string got;
    produce([&](std::string_view piece) {
        if (!same) return;
        got.resize(piece.size());
        in.read(got.data(), static_cast<std::streamsize>(piece.size()));
        same = static_cast<std::size_t>(in.gcount()) == piece.size() && std::string_view(got) == piece;
    });
    return same && in.peek() == std::ifstream::traits_type::eof();
}

std::pair<bool, std::string> population_reread_words(const fs::path& dir, const Rebuilt& r) {
    auto files = folder_files(r.manifest, *r.loaded, r.result);
    bool same = r.replay_problems.empty();
    for (const auto& [name, expected] : files) {
        std::error_code ec;
        const auto path = dir / name;
        if (!fs::exists(path, ec)) continue;  // told as missing on its own
        auto actual = read_file(path.string());
        same = same && (name == "manifest.json" ? without_command_line(actual) == without_command_line(expected)
                                                : actual == expected);
    }
    if (same)
        return {true, "the file's bytes changed since the draw, but the cases read from it and the sample drawn from "
                      "them are the same as in the folder: a re-save (other line endings, quotes or encoding, say)"};
    std::vector<std::string> parts;
    // The cases read, against the count the folder's manifest records.
    try {
        auto j = nlohmann::json::parse(read_file((dir / "manifest.json").string()));
        const auto recorded = j.value("cases_read", std::size_t{0}), now = r.loaded->population.size();
        if (recorded != now)
            parts.push_back(std::to_string(now) + " cases read from it now, " + std::to_string(recorded) + " at the draw");
    } catch (const std::exception&) {
    }
    // The cases the folder names (sample, reserves, excluded) that the file no longer holds.
    std::set<std::string_view> ids;
    const auto& pop = r.loaded->population;
    for (std::size_t i = 0; i < pop.size(); ++i) ids.insert(pop.id(i));
    std::vector<std::string> gone;
    std::size_t gone_count = 0;
    for (auto name : {"sample.csv", "reserves.csv", "excluded.csv"}) {
        std::error_code ec;
        if (!fs::exists(dir / name, ec)) continue;
        auto t = cell_table(name, read_file((dir / name).string()));
        if (!t || t->header.empty() || t->header[0] != "case_id") continue;
        for (const auto& row : t->rows) {
            if (row.empty() || ids.count(row[0]) || ids.count(unescaped_cell(row[0]))) continue;
            if (gone_count++ < 5) gone.push_back(row[0] + " (" + name + ")");
        }
    }
    if (gone_count > 0) {
        std::string listed;
        for (const auto& g : gone) listed += (listed.empty() ? "" : ", ") + g;
        if (gone_count > gone.size()) listed += " and " + std::to_string(gone_count - gone.size()) + " more";
        parts.push_back("cases of the folder no longer in it: " + listed);
    }
    std::string words = "read as it is now, it no longer gives the sample in the folder (other cases or other "
                        "values, not only a re-save)";
    for (const auto& p : parts) words += "; " + p;
    return {false, words};
}

}  // namespace

Verification verify_folder(const std::string& folder_or_manifest, const std::vector<InputOverride>& inputs) {
    Verification v;
    refuse_missing_folder(folder_or_manifest);
    v.manifest = manifest_path_of(folder_or_manifest);
    if (!fs::exists(v.manifest))
        throw UsageError(no_manifest_message(v.manifest, "verified, substituted or extended"));
    v.dir = v.manifest.parent_path();
    RebuildOptions options;
    options.inputs = inputs;
    v.rebuilt = rebuild(v.manifest.string(), options);
    const auto& r = v.rebuilt;
    // An input that is not there leaves nothing to compare the folder with: verify cannot say (not "different").
    v.cannot_verify = r.missing_inputs;
    v.differences = r.changed_inputs;
    for (const auto& p : r.log_problems) v.differences.push_back("audit log: " + p);
    for (const auto& p : r.replay_problems) v.differences.push_back("audit log: " + p);
    if (!r.loaded) return v;
    auto files = folder_files(r.manifest, *r.loaded, r.result, /*with_excluded=*/false);
    // excluded.csv can be twice the population file: compared with the re-draw's as that is made, a megabyte at a
    // time, and made whole (for the words of a difference) only when it differs.
    const bool excluded_same = file_matches(v.dir / "excluded.csv", [&](const auto& sink) {
        write_excluded_csv(r.loaded->population, r.loaded->eligible, sink);
    });
    files["excluded.csv"] = excluded_same ? std::string() : excluded_csv(r.loaded->population, r.loaded->eligible);
    for (const auto& [name, expected] : files) {
        auto path = (v.dir / name).string();
        if (name == "excluded.csv" && excluded_same) {
            v.checked.push_back(name);
            continue;
        }
        if (!fs::exists(path)) {
            v.differences.push_back(path + " is missing");
            v.files_differ.push_back(name);
            continue;
        }
        const auto told = v.differences.size();
        auto actual = read_file(path);
        if (name == "manifest.json") {
            // Compared entry by entry, the command line aside; the place is in the manifest as casesample
            // writes it (one entry a line), whatever the layout of the file.
            auto e = without_command_line(expected), a = without_command_line(actual);
            if (e != a)
                v.differences.push_back(path + " differs from the re-draw (command line aside) at " +
                                        first_difference(e, a) + " (as casesample lays the manifest out)");
        } else if (actual != expected) {
            ColumnCounts counts;
            if (auto words = column_differences(path, expected, actual, &counts)) {
                v.differences.push_back(*words);
                ++v.same_cases_files;
                v.values_differ += counts.values;
                v.columns_differ += counts.columns;
                v.columns_missing += counts.missing;
                v.columns_added += counts.added;
            } else if (auto cases = case_differences(path, expected, actual, !r.log_lost && !r.population_reread)) {
                v.differences.push_back(*cases);
            } else {
                v.differences.push_back(path + " differs from the re-draw at " + first_difference(expected, actual));
            }
        }
        if (v.differences.size() > told) v.files_differ.push_back(name);
        v.checked.push_back(name);
    }
    if (r.population_reread) {
        // Re-drawn from the population as it is now: a re-save gives the folder exactly, a change of cases does not.
        auto [same, words] = population_reread_words(v.dir, r);
        v.population_change = same ? "same_cases" : "different_cases";
        v.differences.front() += "; " + words;
        if (!same) {
            for (auto it = v.differences.begin() + 1; it != v.differences.end(); ++it)
                if (it->rfind("audit log: ", 0) != 0) *it = "read as it is now: " + *it;
        }
        v.same_cases_files = 0;
        return v;
    }
    if (r.log_lost) {
        // Every file difference follows from the lost rows: one cause, one difference, the files named.
        const std::size_t first = r.changed_inputs.size() + r.log_problems.size() + r.replay_problems.size();
        if (v.differences.size() > first) {
            v.follow_from_log.assign(v.differences.begin() + static_cast<std::ptrdiff_t>(first), v.differences.end());
            v.differences.resize(first);
            v.same_cases_files = 0;
            std::vector<std::string> names;
            for (const auto& d : v.follow_from_log)
                for (const auto& [name, bytes] : files)
                    if (d.rfind((v.dir / name).string(), 0) == 0 &&
                        std::find(names.begin(), names.end(), name) == names.end())
                        names.push_back(name);
            const auto replayed = r.log.exists ? r.log.rows() : 0;
            v.differences.push_back(
                "so " + list_names(names) + (names.size() == 1 ? " differs" : " differ") +
                " from the re-draw, which replays " +
                (replayed == 0 ? std::string("none") : "only " + std::to_string(replayed)) + " of the " +
                counted(r.recorded.audit_rows, "audit-log row") + " the manifest records: expected while the log is " +
                (r.log.exists ? "short" : "missing") + "; put back audit-log.csv from a copy and verify again");
        }
    }
    return v;
}

namespace {

std::optional<std::array<long, 3>> parse_version(const std::string& v) {
    std::array<long, 3> out{};
    std::size_t at = 0;
    for (std::size_t part = 0; part < 3; ++part) {
        std::size_t end = at;
        while (end < v.size() && v[end] >= '0' && v[end] <= '9' && end - at < 6) ++end;
        if (end == at || (part < 2 ? end >= v.size() || v[end] != '.' : end != v.size())) return std::nullopt;
        out[part] = std::stol(v.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

}  // namespace

std::vector<std::string> draw_changes_since(const std::string& version) {
    // Every version that draws a seed's sample or reserves differently, or writes the folder's files differently.
    static const std::pair<const char*, const char*> kChanges[] = {
        {"0.2.0", "balanced samples come from the exact design (docs/sampling-design.md), so a seed draws another "
                  "sample"},
        {"0.3.0", "reserves are drawn, given the sample, from the exact design on the cases it leaves, so with the "
                  "balanced method a seed draws other reserves; reserves.csv gives each reserve's chance of being "
                  "drawn as a reserve in reserve_probability (it had inclusion_probability, n/N for every reserve); "
                  "sample.csv has a column substitute_for, and a substitute carries the inclusion probability of the "
                  "case it replaced (it had n/N)"},
        {"0.3.1", "with many cells (a domain whose design the augmenting-path repair makes: over 400 cells, as with "
                  "five or more stratifiers) balanced allocations are mixed into the design to bring every case's "
                  "chance nearer n/N, so a seed draws another sample or other reserves there and the chances "
                  "written differ; frames of fewer cells (every default-four draw in practice) draw as before"},
        {"0.3.2", "with many cells (over 400 cells, as with five or more stratifiers) the balanced allocations mixed "
                  "into the design are chosen better, so every case's chance is much nearer n/N and a seed draws "
                  "another sample or other reserves there, with other chances written; frames of fewer cells (every "
                  "default-four draw in practice) draw as before"},
        {"0.3.3", "with many cells (over 400 cells, as with five or more stratifiers) what the mixing leaves is "
                  "settled by moves between the design's allocations, so most such designs give every case exactly "
                  "n/N and a seed draws another sample or other reserves there, with other chances written; with "
                  "at most 64 cells a design the search left inexact is replaced by an exact one wherever a linear "
                  "program over every balanced allocation finds one (some reserves' designs), so a seed can draw "
                  "other reserves there; every design that was exact draws as before"},
    };
    const auto drawn = parse_version(version), current = parse_version(CASESAMPLE_VERSION);
    if (version == CASESAMPLE_VERSION) return {};
    if (!drawn || !current)
        return {"the manifest's version '" + version + "' is not one casesample wrote; what it would draw differently "
                "is not known"};
    if (*drawn > *current)
        return {"the folder was drawn with a newer casesample (" + version + ") than this one (" + CASESAMPLE_VERSION +
                "); use that version or a later one"};
    std::vector<std::string> out;
    for (const auto& [v, what] : kChanges) {
        auto at = parse_version(v);
        if (*at > *drawn && *at <= *current) out.push_back(std::string(v) + ": " + what);
    }
    return out;
}

// ---- Substituting ----------------------------------------------------------------------------------------

std::string utc_now() {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

namespace {

// A change to a folder after its draw: the lock held, the folder rebuilt and found as its manifest and log say.
struct FolderChange {
    fs::path manifest_path;
    fs::path dir;
    FolderTransaction transaction;
    Rebuilt rebuilt;
    std::vector<AuditEntry> rows;  // appended by this change

    FolderChange(const std::string& folder_or_manifest, const std::vector<InputOverride>& inputs,
                 const std::string& writer, const std::string& what)
        : manifest_path(manifest_path_of(folder_or_manifest)),
          dir(manifest_path.parent_path().empty() ? fs::path(".") : manifest_path.parent_path()),
          transaction(checked_dir(folder_or_manifest, manifest_path, dir), writer, false) {
        RebuildOptions options;
        options.inputs = inputs;
        rebuilt = rebuild(manifest_path.string(), options);
        auto refuse = [&](const std::string& why, const std::vector<std::string>& items) {
            std::string msg = "cannot " + what + ": " + why + ":";
            for (const auto& c : items) msg += "\n  " + c;
            throw std::runtime_error(msg);
        };
        if (!rebuilt.missing_inputs.empty()) {
            // What the user fixes with --input: bad input (exit 2), not a failure of the folder.
            std::string msg = "cannot " + what + ": an input of the draw is not there:";
            for (const auto& c : rebuilt.missing_inputs) msg += "\n  " + c;
            throw UsageError(msg);
        }
        if (rebuilt.population_reread) {
            // Still refused (the draw's input is not the file read), but with what the change is.
            auto changed = rebuilt.changed_inputs;
            changed.front() += "; " + population_reread_words(dir, rebuilt).second;
            refuse("an input of the draw has changed, so the reserves can no longer be trusted", changed);
        }
        if (!rebuilt.changed_inputs.empty())
            refuse("an input of the draw has changed, so the reserves can no longer be trusted", rebuilt.changed_inputs);
        if (!rebuilt.log_problems.empty()) refuse("the audit log is not as casesample wrote it", rebuilt.log_problems);
        if (!rebuilt.replay_problems.empty())
            refuse("the audit log does not replay on the recorded draw", rebuilt.replay_problems);
        // The folder must still be what the manifest and audit log say, or the change would act on a stale sample.
        auto current = folder_files(rebuilt.manifest, *rebuilt.loaded, rebuilt.result, /*with_excluded=*/false);
        for (auto name : {"sample.csv", "reserves.csv"}) {
            auto path = (dir / name).string();
            if (fs::exists(path) && read_file(path) == current.at(name)) continue;
            const auto changes = draw_changes_since(rebuilt.manifest.version);
            if (fs::exists(path) && !changes.empty()) {
                // Not edited: another version drew the folder, and this one would draw or write it otherwise.
                std::string msg = "cannot " + what + ": " + path + " was written by casesample " +
                                  rebuilt.manifest.version + ", and this is " + CASESAMPLE_VERSION +
                                  ", which draws or writes it differently:";
                for (const auto& c : changes) msg += "\n  " + c;
                throw std::runtime_error(msg + "\nMake this sample's changes with casesample " +
                                         rebuilt.manifest.version + ", or draw a new sample with this version");
            }
            throw std::runtime_error(path + " is not what the manifest and audit log give (edited by hand?); run "
                                     "casesample verify " + dir.string() + " to see the differences");
        }
    }

    static fs::path checked_dir(const std::string& typed, const fs::path& manifest, const fs::path& dir) {
        refuse_missing_folder(typed);
        if (!fs::exists(manifest))
            throw UsageError(no_manifest_message(manifest, "verified, substituted or extended"));
        return dir;
    }

    DerivedUpdates derived;  // what commit did to the pages and workbooks about the sample

    // The pages and workbooks casesample wrote about this folder's sample describe it as it was before this change:
    // pages in the folder are written again in the same step, workbooks in the folder get an up-to-date one beside
    // them (the old may hold what inspectors typed), and the rest is named as out of date (see DerivedUpdates).
    void update_derived_files() {
        std::vector<std::string> outside;
        const auto extras = draw_extras_in_folder(dir, &outside);
        std::set<std::string> names(extras.begin(), extras.end());
        for (const auto& n : kDerivedFiles) names.insert(n);
        std::vector<std::string> pages, workbooks, reports;
        for (const auto& name : names) {
            std::error_code ec;
            const auto path = dir / name;
            if (!fs::is_regular_file(path, ec) || fs::is_symlink(path, ec)) continue;
            const auto ext = fs::path(name).extension().string();
            const bool of_draw = extras.count(name) || name == "draw.html" || name == "draw.xlsx" || name == "sample.xlsx";
            if (of_draw && ext == ".xlsx") workbooks.push_back(name);
            else if (of_draw && ext == ".html") pages.push_back(name);
            else reports.push_back(name);
        }
        const std::string changes = audit_changes_words(rebuilt.log.entries) + " (" +
                                    counted(rebuilt.manifest.substitutions, "row") + " of audit-log.csv replayed)";
        if (!pages.empty() || !workbooks.empty()) {
            // The state after this change, as DrawnSample for the page and workbook writers (moved, then back).
            DrawnSample now{rebuilt.manifest, std::move(*rebuilt.loaded), std::move(rebuilt.result)};
            struct Back {
                DrawnSample& s;
                Rebuilt& r;
                ~Back() {
                    r.loaded = std::move(s.loaded);
                    r.result = std::move(s.result);
                }
            } back{now, rebuilt};
            if (!pages.empty()) {
                auto page = render_draw_html(now, {{"changes since the draw", changes}});
                for (const auto& name : pages) {
                    transaction.put(name, page);
                    derived.pages_rewritten.push_back(name);
                }
            }
            if (!workbooks.empty()) {
                const auto book = draw_workbook_file(now, {{"changes since the draw", changes}});
                for (const auto& name : workbooks) {
                    auto to = updated_name(dir, name);
                    transaction.put_stream(to, [book](const std::function<void(std::string_view)>& sink) {
                        book.write_to(sink);
                    });
                    derived.workbooks_written.push_back({name, to});
                }
            }
        }
        // Workbooks written by earlier changes (NAME.updated-K.xlsx) are superseded by this one's.
        std::error_code ec;
        std::vector<std::string> earlier;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            auto name = e.path().filename().string();
            if (is_numbered_name(name, "updated") && e.path().extension() == ".xlsx") earlier.push_back(name);
        }
        std::sort(earlier.begin(), earlier.end());
        for (const auto& name : earlier)
            derived.out_of_date.push_back((dir / name).string() + " (written by an earlier change; the up-to-date "
                                          "workbook is the one written now)");
        for (const auto& name : derived.sample_changed ? reports : std::vector<std::string>{})
            derived.out_of_date.push_back((dir / name).string() + " (a report on the sample as it was; make it again "
                                          "with casesample report --sample-dir " + dir.string() + " once the answers "
                                          "are in)");
        for (const auto& path : outside)
            derived.out_of_date.push_back(path + " (written by the draw outside the folder, where it ran; it still "
                                          "shows the " + (derived.sample_changed ? "sample" : "reserves") + " as drawn: use the files in " +
                                          dir.string() + ")");
    }

    // Appends `rows` (after an `input` row for each input given at a new place) and swaps the new state in.
    std::vector<std::string> commit(const std::string& time, std::vector<MovedInput>& recorded) {
        std::vector<AuditEntry> entries = rebuilt.log.entries;
        for (const auto& m : rebuilt.moved_inputs) {
            if (!m.from_option) continue;
            AuditEntry e;
            e.time = time;
            e.action = "input";
            e.reason = "input file found at a new place (SHA-256 as recorded)";
            e.detail = m.role + "=" + m.found + " <- " + m.recorded;
            entries.push_back(e);
            recorded.push_back(m);
        }
        for (auto& e : rows) {
            e.time = time;
            entries.push_back(e);
        }
        auto log = audit_log_text(entries);
        rebuilt.manifest.substitutions = entries.size();
        rebuilt.manifest.audit_rows = entries.size();
        rebuilt.manifest.audit_last_hash = entries.back().row_hash;
        rebuilt.log.entries = entries;
        rebuilt.log.chained = true;
        rebuilt.log.exists = true;
        auto files = folder_files(rebuilt.manifest, *rebuilt.loaded, rebuilt.result, /*with_excluded=*/false);
        update_derived_files();
        std::vector<std::string> written;
        transaction.put(kAuditLogName, log);
        written.push_back(kAuditLogName);
        for (auto name : {"sample.csv", "reserves.csv", "balance.csv", "manifest.json"}) {
            transaction.put(name, files.at(name));
            written.push_back(name);
        }
        transaction.commit();
        return written;
    }
};

}  // namespace

SubstituteOutcome substitute_in_folder(const std::string& folder_or_manifest, const SubstituteRequest& request) {
    if (request.reason.empty())
        throw UsageError("--reason: say why the case drops out (it goes into the audit log), e.g. --reason \"file "
                         "cannot be opened\" or --reason \"case transferred to another service\"");
    FolderChange change(folder_or_manifest, request.inputs, request.writer, "substitute");
    SubstituteOutcome o;
    o.dir = change.dir;
    auto& rebuilt = change.rebuilt;
    const auto& pop = rebuilt.loaded->population;
    // A case dropped by an earlier change: which row of the log dropped it, when, and for which reserve.
    for (auto it = rebuilt.log.entries.rbegin(); it != rebuilt.log.entries.rend(); ++it) {
        if ((it->action != "substitute" && it->action != "drop") ||
            (it->dropped_id != request.drop && it->dropped_id != unescaped_cell(request.drop)))
            continue;
        const auto row = static_cast<std::size_t>(rebuilt.log.entries.rend() - it);
        const auto date = it->time.substr(0, 10);
        throw UsageError("--drop: case '" + request.drop + "' was already dropped (" + kAuditLogName +
                         (it->line > 0 ? " line " + std::to_string(it->line) : " row " + std::to_string(row)) + ": " +
                         (it->action == "drop" || it->substitute_id.empty()
                              ? std::string("dropped without a replacement")
                              : "replaced by " + it->substitute_id) +
                         (date.empty() ? "" : " on " + date) +
                         "); only a case listed in sample.csv can be dropped");
    }
    AuditEntry row;
    row.reason = request.reason;
    std::size_t d = 0;
    if (request.no_replacement) {
        auto s = drop_case(pop, rebuilt.result, request.drop);
        d = s.domain;
        o.dropped_id = std::string(pop.id(rebuilt.result.domains[d].cases[s.dropped]));
        o.selection_order = s.selection_order;
        o.misses_before = s.misses_before;
        o.misses_after = s.misses_after;
        row.action = "drop";
        row.detail = "selection_order=" + std::to_string(s.selection_order);
    } else {
        auto s = substitute_case(pop, rebuilt.result, request.drop);
        d = s.domain;
        const auto& ds = rebuilt.result.domains[d];
        o.substitute_id = std::string(pop.id(ds.cases[s.substitute]));
        o.dropped_id = std::string(pop.id(ds.cases[s.dropped]));  // as in the population, whichever form was typed
        o.reserve_order = s.reserve_order;
        o.selection_order = selection_order_at(ds, s.position);
        o.inclusion_probability = inclusion_probability_at(ds, s.position);
        auto drawn = substitute_for_at(ds, s.position);
        o.substitute_for = std::string(pop.id(ds.cases[drawn ? *drawn : s.dropped]));
        o.misses_before = s.misses_before;
        o.misses_after = s.misses_after;
        row.action = "substitute";
        row.substitute_id = o.substitute_id;
        row.reserve_order = std::to_string(s.reserve_order);
    }
    const auto& ds = rebuilt.result.domains[d];
    o.domain = ds.domain;
    o.reserves_left = ds.draw.reserves.size();
    o.sample_size = ds.draw.selected.size();
    o.before = or_within(describe_misses(pop.vocabulary, o.misses_before));
    o.after = or_within(describe_misses(pop.vocabulary, o.misses_after));
    row.domain = o.domain;
    row.dropped_id = o.dropped_id;
    row.misses_before = o.before;
    row.misses_after = o.after;
    change.rows.push_back(row);
    o.files_written = change.commit(request.time.empty() ? utc_now() : request.time, o.inputs_recorded);
    o.derived = std::move(change.derived);
    o.folder = std::move(change.rebuilt);
    return o;
}

ReservesOutcome add_reserves_to_folder(const std::string& folder_or_manifest, const ReservesRequest& request) {
    if (request.add == 0) throw UsageError("--add: give how many reserves to add per domain (1 or more)");
    FolderChange change(folder_or_manifest, request.inputs, request.writer, "add reserves");
    ReservesOutcome o;
    o.dir = change.dir;
    auto& rebuilt = change.rebuilt;
    // The round of each domain: one more than the reserves rows already in the log for it.
    std::map<std::string, std::size_t> rounds;
    for (const auto& e : rebuilt.log.entries)
        if (e.action == "reserves") ++rounds[e.domain];
    bool known = request.domain.empty();
    for (auto& ds : rebuilt.result.domains) {
        if (!request.domain.empty() && ds.domain != request.domain) continue;
        known = true;
        if (ds.sample_size == 0) continue;
        ReservesAdded a;
        a.domain = ds.domain;
        a.asked = request.add;
        auto before = ds.reserves_listed;
        a.added = add_reserves(ds, request.add, rebuilt.manifest.request.seed, ++rounds[ds.domain],
                               rebuilt.manifest.request.method);
        a.first_order = a.added ? before + 1 : 0;
        a.last_order = a.added ? before + a.added : 0;
        a.reserves_left = ds.draw.reserves.size();
        a.eligible = ds.cases.size();
        for (std::size_t j = ds.draw.reserves.size() - a.added; j < ds.draw.reserves.size(); ++j)
            a.reserves.push_back({std::string(rebuilt.loaded->population.id(ds.cases[ds.draw.reserves[j]])),
                                  ds.reserve_order[j], ds.draw.reserve_probability.at(j)});
        o.domains.push_back(a);
        if (a.added == 0) continue;  // nothing changed in this domain: nothing to log
        AuditEntry row;
        row.action = "reserves";
        row.domain = ds.domain;
        row.reserve_order = a.added ? std::to_string(a.first_order) + "-" + std::to_string(a.last_order) : "none";
        row.reason = request.reason;
        row.detail = "K=" + std::to_string(request.add);
        change.rows.push_back(row);
    }
    if (!known) {
        std::string names;
        for (const auto& ds : rebuilt.result.domains) names += (names.empty() ? "" : ", ") + ds.domain;
        throw UsageError("--domain " + request.domain + ": the sample has no such domain; its domains are " + names);
    }
    if (o.domains.empty()) throw UsageError("no domain of this sample has any case drawn, so none takes reserves");
    if (change.rows.empty()) {
        // Nothing to add anywhere: the folder and its log stay exactly as they are.
        std::string why;
        for (const auto& a : o.domains)
            why += (why.empty() ? "" : "; ") + a.domain + ": all " + std::to_string(a.eligible) +
                   " eligible cases are already in the sample, its reserves or dropped";
        throw std::runtime_error("no reserve added, so nothing was changed or logged (" + why +
                                 "); a case that drops out now can only leave without a replacement "
                                 "(substitute --no-replacement)");
    }
    change.derived.sample_changed = false;  // the sample is untouched: only the reserves are new
    o.files_written = change.commit(request.time.empty() ? utc_now() : request.time, o.inputs_recorded);
    o.derived = std::move(change.derived);
    o.folder = std::move(change.rebuilt);
    return o;
}

}  // namespace casesample
