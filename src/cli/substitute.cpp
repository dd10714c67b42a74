// casesample substitute — swap a dropped case for a reserve, keeping the margins, and log the change.
#include <chrono>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "command.hpp"
#include "draw_common.hpp"

namespace casesample::cli {
namespace {
namespace fs = std::filesystem;

struct SubstituteOptions {
    std::string dir;
    std::string drop;
    std::string reason;
    std::string format = "table";
};

std::string now_utc() {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Holds DIR/.casesample.lock for the whole substitution, so that two substitutions on one folder cannot both
// read the same audit log and each write it back without the other's swap.
class FolderLock {
public:
    explicit FolderLock(const std::filesystem::path& dir) {
        auto path = (dir / ".casesample.lock").string();
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0)
            throw std::runtime_error("cannot open " + path + " to lock the sample folder (" + std::strerror(errno) +
                                     ")");
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            ::close(fd_);
            if (e == EWOULDBLOCK)
                throw std::runtime_error("another casesample command is changing the sample in " + dir.string() +
                                         " right now; wait for it to finish, then run this one again");
            throw std::runtime_error("cannot lock the sample folder " + dir.string() + " (" + std::strerror(e) + ")");
        }
    }
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;
    ~FolderLock() { ::close(fd_); }

private:
    int fd_ = -1;
};

void run(const SubstituteOptions& o) {
    const fs::path dir = o.dir;
    const auto manifest_path = (dir / "manifest.json").string();
    if (!fs::exists(manifest_path))
        throw UsageError(o.dir + " holds no sample (no manifest.json); give the folder that casesample draw wrote");
    if (o.reason.empty()) throw UsageError("--reason: say why the case drops out (it goes into the audit log)");
    FolderLock lock(dir);
    auto rebuilt = rebuild(manifest_path, true);
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
                                     "casesample verify " + manifest_path + " to see the differences");
    }

    auto s = substitute_case(loaded.population, rebuilt.result, o.drop);
    const auto& ds = rebuilt.result.domains[s.domain];
    const auto& pop = loaded.population;
    std::string substitute_id(pop.id(ds.cases[s.substitute]));
    const std::string dropped_id(pop.id(ds.cases[s.dropped]));  // as in the population, whichever form was typed
    auto before = describe_misses(pop.vocabulary, s.misses_before);
    auto after = describe_misses(pop.vocabulary, s.misses_after);
    if (before.empty()) before = "within floor/ceiling";
    if (after.empty()) after = "within floor/ceiling";
    rebuilt.manifest.substitutions += 1;
    auto files = folder_files(rebuilt.manifest, loaded, rebuilt.result);

    // The audit log first: it is the record from which the folder's files can always be re-derived.
    const auto log_path = dir / "audit-log.csv";
    std::string log = fs::exists(log_path) ? read_file(log_path.string()) : std::string();
    CsvWriter w;
    if (log.empty()) {
        for (const auto& c : kAuditColumns) w.text(c);
        w.end_row();
    } else if (log.back() != '\n') {
        log += '\n';
    }
    w.text(now_utc()).text(ds.domain).text(dropped_id).text(substitute_id).integer(static_cast<long long>(s.reserve_order));
    w.text(o.reason).text(before).text(after);
    w.end_row();
    write_file_atomically(log_path, log + w.str());
    for (auto name : {"sample.csv", "reserves.csv", "balance.csv", "manifest.json"})
        write_file_atomically(dir / name, files.at(name));

    if (o.format == "json") {
        nlohmann::ordered_json j;
        j["domain"] = ds.domain;
        j["dropped"] = dropped_id;
        j["substitute"] = substitute_id;
        j["reserve_order"] = s.reserve_order;
        j["reason"] = o.reason;
        j["balanced_before"] = s.misses_before.empty();
        j["balanced_after"] = s.misses_after.empty();
        j["reserves_left"] = ds.draw.reserves.size();
        j["balance"] = balance_json(pop, rebuilt.result);
        std::cout << j.dump(2) << "\n";
    } else {
        std::string text = "Dropped " + dropped_id + " (" + ds.domain + "); brought in reserve " +
                           std::to_string(s.reserve_order) + ", " + substitute_id + ". " +
                           std::to_string(ds.draw.reserves.size()) + " reserves left in " + ds.domain + ".\n";
        text += "Margins before: " + before + "\nMargins after:  " + after + "\n";
        text += "Rewrote sample.csv, reserves.csv, balance.csv and manifest.json; logged in audit-log.csv\n\n";
        text += balance_table(pop, rebuilt.result);
        std::cout << text << std::flush;
    }
    if (!s.misses_after.empty())
        std::cerr << "casesample: WARNING: after the swap, " << ds.domain << " misses its margins: " << after << "\n";
}

void setup(CLI::App& app, Context&) {
    auto o = std::make_shared<SubstituteOptions>();
    auto* sub = app.add_subcommand("substitute", "Replace a dropped case by a reserve, keeping the margins, and log it");
    sub->add_option("DIR", o->dir, "The sample folder written by casesample draw")->required();
    sub->add_option("--drop", o->drop, "Case id of the sampled case that drops out")->required();
    sub->add_option("--reason", o->reason, "Why it drops out (recorded in audit-log.csv)")->required();
    add_format_option(*sub, o->format);
    sub->callback([o] { run(*o); });
}

const Registration registration(21, setup);

}  // namespace
}  // namespace casesample::cli
