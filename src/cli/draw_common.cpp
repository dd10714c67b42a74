#include "draw_common.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/output.hpp"

namespace casesample::cli {
namespace fs = std::filesystem;

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

}  // namespace

LoadedPopulation load_population(const std::string& path, const PopulationArgs& args) {
    LoadedPopulation l;
    auto options = args.options();
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
        std::string* fields[] = {&e.time,   &e.domain, &e.dropped_id,    &e.substitute_id,
                                 &e.reserve_order, &e.reason, &e.misses_before, &e.misses_after};
        for (std::size_t k = 0; k < col.size(); ++k) *fields[k] = std::string(rec.fields[col[k]]);
        // Ids were written formula-escaped; read them back as they were.
        for (auto* id : {&e.dropped_id, &e.substitute_id})
            if (id->size() > 1 && (*id)[0] == '\'' && std::string("=+-@\t\r").find((*id)[1]) != std::string::npos)
                id->erase(0, 1);
        e.line = rec.line;
        out.push_back(std::move(e));
    }
    return out;
}

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
        auto log_path = (fs::path(manifest_path).parent_path() / "audit-log.csv").string();
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

}  // namespace casesample::cli
