#include "casesample/sample_folder.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "folder_transaction.hpp"

namespace casesample {
namespace fs = std::filesystem;

const std::vector<std::string> kFolderFiles = {"sample.csv", "reserves.csv", "balance.csv", "excluded.csv",
                                               "manifest.json"};
const std::vector<std::string> kAuditColumns = {"time",          "domain", "dropped_id",    "substitute_id",
                                                "reserve_order", "reason", "misses_before", "misses_after"};

namespace {

std::string absolute(const std::string& path) {
    std::error_code ec;
    auto a = fs::absolute(path, ec);
    return ec ? path : a.lexically_normal().string();
}

ManifestInput input_of(const std::string& role, const std::string& path, const std::string& bytes) {
    return ManifestInput{role, path, absolute(path), sha256_hex(bytes), bytes.size()};
}

// Reads a whole file straight into one string (no intermediate buffer), backed by huge pages where the
// kernel allows, so a large population costs one copy and few page faults.
std::string read_whole_file(const std::string& path) {
    check_input_file(path);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw InputError(path, 0, 0, std::string("cannot open the file: ") + std::strerror(errno));
    struct stat st {};
    std::string text;
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw InputError(path, 0, 0, "cannot read the file (is it a folder?)");
    }
    std::size_t size = st.st_size > 0 ? static_cast<std::size_t>(st.st_size) : 0;
    text.reserve(size + 1);
#ifdef MADV_HUGEPAGE
    if (size >= (std::size_t{4} << 20)) {
        auto begin = (reinterpret_cast<std::uintptr_t>(text.data()) + 4095) & ~std::uintptr_t{4095};
        auto end = (reinterpret_cast<std::uintptr_t>(text.data()) + size) & ~std::uintptr_t{4095};
        if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
    }
#endif
    text.resize(size);
    std::size_t got = 0;
    char more[1 << 16];
    for (;;) {
        // Into the string while it has room, then into a side buffer (the file grew, or its size was unknown).
        const bool room = got < text.size();
        ssize_t r = room ? ::read(fd, text.data() + got, text.size() - got) : ::read(fd, more, sizeof more);
        if (r < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            throw InputError(path, 0, 0, std::string("cannot read the file: ") + std::strerror(err));
        }
        if (r == 0) break;
        if (got + static_cast<std::size_t>(r) > kMostInputBytes) {
            ::close(fd);
            input_too_large(path);
        }
        if (room) {
            got += static_cast<std::size_t>(r);
        } else {
            text.append(more, static_cast<std::size_t>(r));
            got = text.size();
        }
    }
    ::close(fd);
    text.resize(got);
    return text;
}

std::string or_within(std::string misses) { return misses.empty() ? "within floor/ceiling" : misses; }

}  // namespace

// ---- Loading ---------------------------------------------------------------------------------------------

LoadedPopulation load_population(const std::string& path, const PopulationArgs& args, Progress* progress) {
    LoadedPopulation l;
    auto options = args.options();
    options.progress = progress;
    std::string text = read_whole_file(path);
    l.inputs.push_back(input_of("population", path, text));
    if (!args.vocabulary.empty()) l.inputs.push_back(input_of("vocabulary", args.vocabulary, read_file(args.vocabulary)));
    for (const auto& v : args.add_vocabulary) l.inputs.push_back(input_of("add_vocabulary", v, read_file(v)));
    auto reader = CsvReader::from_string(path, std::move(text));
    l.population = parse_population(reader, options);
    l.eligible = eligible_population(l.population, args.rule(&l.population.vocabulary));
    return l;
}

std::vector<std::pair<std::string, std::string>> manifest_population_options(const PopulationArgs& args) {
    auto d = args.describe();
    for (auto& [k, v] : d)
        if (k == "vocabulary" || k == "add_vocabulary") v = absolute(v);
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
        throw UsageError("--size " + sizes + " asks for no case in any domain: there is nothing to draw; give at "
                         "least one domain a size above 0");
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
                                                const DrawResult& result) {
    std::map<std::string, std::string> files;
    files["sample.csv"] = sample_csv(l.population, result);
    files["reserves.csv"] = reserves_csv(l.population, result);
    files["balance.csv"] = balance_csv(l.population, result);
    files["excluded.csv"] = excluded_csv(l.population, l.eligible);
    files["manifest.json"] = manifest_text(manifest, l.population, l.eligible, result);
    return files;
}

std::map<std::string, std::string> folder_files(const DrawnSample& s) {
    return folder_files(s.manifest, s.loaded, s.result);
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

std::vector<std::string> write_sample_folder(const fs::path& dir, const DrawnSample& sample,
                                             const WriteOptions& options) {
    if (fs::exists(dir) && !fs::is_directory(dir))
        throw UsageError(dir.string() + " exists and is not a folder; give a folder to write the sample into");
    auto files = folder_files(sample);
    FolderTransaction t(dir, options.writer, true);
    // Checked under the lock: another writer may have drawn into the folder since the caller looked.
    if (!options.force && holds_sample(t.dir()))
        throw UsageError("the folder " + dir.string() +
                         " already holds a sample; choose a new folder or pass --force to replace it");
    if (options.force && fs::exists(t.dir() / kAuditLogName)) {
        // The old sample's substitutions do not apply to the new one; keep them beside it, never delete them.
        for (int k = 1;; ++k) {
            auto old = "audit-log.replaced-" + std::to_string(k) + ".csv";
            if (!fs::exists(t.dir() / old)) {
                t.rename_old(kAuditLogName, old);
                break;
            }
        }
    }
    std::vector<std::string> written;
    for (const auto& [name, bytes] : options.extra_files) {
        t.put(name, bytes);
        written.push_back(name);
    }
    for (const auto& name : kFolderFiles) {
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

// ---- The audit log ---------------------------------------------------------------------------------------

std::vector<AuditEntry> read_audit_log(const std::string& path) {
    std::vector<AuditEntry> out;
    if (!fs::exists(path)) return out;
    auto reader = CsvReader::open(path);
    std::vector<std::size_t> col;
    for (const auto& c : kAuditColumns) {
        auto i = reader.find_column(c);
        if (!i) throw InputError(path, reader.header_line(), 0, "the audit log has no column '" + c + "'");
        col.push_back(*i);
    }
    CsvRecord rec;
    while (reader.next(rec)) {
        AuditEntry e;
        std::string* fields[] = {&e.time,          &e.domain, &e.dropped_id,    &e.substitute_id,
                                 &e.reserve_order, &e.reason, &e.misses_before, &e.misses_after};
        for (std::size_t k = 0; k < col.size(); ++k) *fields[k] = std::string(rec.fields[col[k]]);
        // Ids were written formula-escaped; read them back as they were.
        for (auto* id : {&e.dropped_id, &e.substitute_id}) *id = std::string(unescaped_cell(*id));
        e.line = rec.line;
        out.push_back(std::move(e));
    }
    return out;
}

// ---- Rebuilding and verifying ----------------------------------------------------------------------------

Rebuilt rebuild(const std::string& manifest_path, bool replay_audit_log) {
    Rebuilt r;
    r.manifest = read_manifest(manifest_path);
    std::string population_path;
    for (auto& in : r.manifest.inputs) {
        std::string where = fs::exists(in.absolute_path) ? in.absolute_path : in.path;
        if (!fs::exists(where)) {
            r.changed_inputs.push_back(in.role + " file " + in.absolute_path + " is missing");
            continue;
        }
        auto sha = sha256_file(where);
        if (sha != in.sha256)
            r.changed_inputs.push_back(in.role + " file " + where + " has changed since the draw (SHA-256 " + sha +
                                       ", recorded " + in.sha256 + ")");
        if (in.role == "population") population_path = where;
    }
    if (population_path.empty()) {
        if (r.changed_inputs.empty()) throw InputError(manifest_path, 0, 0, "the manifest names no population file");
        return r;
    }
    // A changed input cannot give the recorded draw: say which, and re-draw nothing.
    if (!r.changed_inputs.empty()) return r;
    auto args = PopulationArgs::from_describe(r.manifest.population_options);
    r.loaded = load_population(population_path, args);
    // The manifest records the path as typed; keep it so the rebuilt manifest is the same text.
    r.loaded->inputs = r.manifest.inputs;
    r.result = draw_population(r.loaded->population, r.loaded->eligible, r.manifest.request);
    std::size_t applied = 0;
    if (replay_audit_log) {
        auto log_path = (fs::path(manifest_path).parent_path() / kAuditLogName).string();
        for (const auto& e : read_audit_log(log_path)) {
            try {
                auto s = substitute_case(r.loaded->population, r.result, e.dropped_id);
                const auto& ds = r.result.domains[s.domain];
                auto got = r.loaded->population.id(ds.cases[s.substitute]);
                if (got != e.substitute_id)
                    r.replay_problems.push_back(log_path + ":" + std::to_string(e.line) + ": dropping " + e.dropped_id +
                                                " now brings in " + std::string(got) + ", the log says " +
                                                e.substitute_id);
                ++applied;
            } catch (const std::exception& ex) {
                r.replay_problems.push_back(log_path + ":" + std::to_string(e.line) + ": " + ex.what());
            }
        }
    }
    r.manifest.substitutions = applied;
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
    return "line " + std::to_string(line) + ", column " + std::to_string(i - start + 1) + ": expected \"" +
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

}  // namespace

Verification verify_folder(const std::string& folder_or_manifest) {
    Verification v;
    v.manifest = manifest_path_of(folder_or_manifest);
    if (!fs::exists(v.manifest)) throw UsageError("no manifest at " + v.manifest.string());
    v.dir = v.manifest.parent_path();
    v.rebuilt = rebuild(v.manifest.string(), true);
    v.differences = v.rebuilt.changed_inputs;
    for (const auto& p : v.rebuilt.replay_problems) v.differences.push_back("audit log: " + p);
    if (!v.rebuilt.loaded) return v;
    auto files = folder_files(v.rebuilt.manifest, *v.rebuilt.loaded, v.rebuilt.result);
    for (const auto& [name, expected] : files) {
        auto path = (v.dir / name).string();
        if (!fs::exists(path)) {
            v.differences.push_back(path + " is missing");
            continue;
        }
        auto actual = read_file(path);
        if (name == "manifest.json") {
            // Compared entry by entry, the command line aside; the place is in the manifest as casesample
            // writes it (one entry a line), whatever the layout of the file.
            auto e = without_command_line(expected), a = without_command_line(actual);
            if (e != a)
                v.differences.push_back(path + " differs from the re-draw (command line aside) at " +
                                        first_difference(e, a) + " (as casesample lays the manifest out)");
        } else if (actual != expected) {
            v.differences.push_back(path + " differs from the re-draw at " + first_difference(expected, actual));
        }
        v.checked.push_back(name);
    }
    return v;
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

SubstituteOutcome substitute_in_folder(const std::string& folder_or_manifest, const SubstituteRequest& request) {
    SubstituteOutcome o;
    const auto manifest_path = manifest_path_of(folder_or_manifest);
    const fs::path dir = manifest_path.parent_path().empty() ? fs::path(".") : manifest_path.parent_path();
    o.dir = dir;
    if (!fs::exists(manifest_path))
        throw UsageError(folder_or_manifest +
                         " holds no sample (no manifest.json); give the folder that casesample draw wrote");
    if (request.reason.empty()) throw UsageError("--reason: say why the case drops out (it goes into the audit log)");
    FolderTransaction t(dir, request.writer, false);
    o.folder = rebuild(manifest_path.string(), true);
    auto& rebuilt = o.folder;
    if (!rebuilt.changed_inputs.empty()) {
        std::string msg = "cannot substitute: an input of the draw has changed, so the reserves can no longer be "
                          "trusted:";
        for (const auto& c : rebuilt.changed_inputs) msg += "\n  " + c;
        throw std::runtime_error(msg);
    }
    if (!rebuilt.replay_problems.empty()) {
        std::string msg = "cannot substitute: the audit log does not replay on the recorded draw:";
        for (const auto& c : rebuilt.replay_problems) msg += "\n  " + c;
        throw std::runtime_error(msg);
    }
    auto& loaded = *rebuilt.loaded;
    // The folder must still be what the manifest and audit log say, or the swap would act on a stale sample.
    auto current = folder_files(rebuilt.manifest, loaded, rebuilt.result);
    for (auto name : {"sample.csv", "reserves.csv"}) {
        auto path = (dir / name).string();
        if (!fs::exists(path) || read_file(path) != current.at(name))
            throw std::runtime_error(path + " is not what the manifest and audit log give (edited by hand?); run "
                                     "casesample verify " + manifest_path.string() + " to see the differences");
    }

    auto s = substitute_case(loaded.population, rebuilt.result, request.drop);
    const auto& ds = rebuilt.result.domains[s.domain];
    const auto& pop = loaded.population;
    o.domain = ds.domain;
    o.substitute_id = std::string(pop.id(ds.cases[s.substitute]));
    o.dropped_id = std::string(pop.id(ds.cases[s.dropped]));  // as in the population, whichever form was typed
    o.reserve_order = s.reserve_order;
    o.reserves_left = ds.draw.reserves.size();
    o.misses_before = s.misses_before;
    o.misses_after = s.misses_after;
    o.before = or_within(describe_misses(pop.vocabulary, s.misses_before));
    o.after = or_within(describe_misses(pop.vocabulary, s.misses_after));
    rebuilt.manifest.substitutions += 1;
    auto files = folder_files(rebuilt.manifest, loaded, rebuilt.result);

    // The audit log, the sample and what follows from it: one change, swapped in at once.
    const auto log_path = dir / kAuditLogName;
    std::string log = fs::exists(log_path) ? read_file(log_path.string()) : std::string();
    CsvWriter w;
    if (log.empty()) {
        for (const auto& c : kAuditColumns) w.text(c);
        w.end_row();
    } else if (log.back() != '\n') {
        log += '\n';
    }
    w.text(request.time.empty() ? utc_now() : request.time).text(o.domain).text(o.dropped_id).text(o.substitute_id);
    w.integer(static_cast<long long>(s.reserve_order));
    w.text(request.reason).text(o.before).text(o.after);
    w.end_row();
    t.put(kAuditLogName, log + w.str());
    o.files_written.push_back(kAuditLogName);
    for (auto name : {"sample.csv", "reserves.csv", "balance.csv", "manifest.json"}) {
        t.put(name, files.at(name));
        o.files_written.push_back(name);
    }
    t.commit();
    return o;
}

}  // namespace casesample
