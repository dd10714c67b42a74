// All-or-nothing changes to a sample folder: the write is killed, or fails with a full disk, at every step of
// draw, draw --force and substitute (strace injects SIGKILL or ENOSPC at the Nth call of each system call the
// command makes once it holds the folder's lock), and after each: the folder is the old state or the new one,
// verify says identical, the next writer works and cleans up, and nothing outside the folder changed. Then a
// race of draw --force against substitute, and links planted where casesample writes.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "casesample/output.hpp"
#include "test_support.hpp"

using namespace casesample::test;
namespace fs = std::filesystem;

namespace {

const std::string kBinary = CASESAMPLE_BINARY;

// strace in front of a command. LeakSanitizer cannot run under ptrace (in the sanitized build its exit code would
// fail every traced run), so traced commands leave leak checking out; the untraced runs of the suite keep it.
const std::string kStrace = "ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\" strace ";

bool have_strace() {
    static const bool ok = std::system("strace -f -qq -o /dev/null true >/dev/null 2>&1") == 0;
    return ok;
}

// A scratch folder, on tmpfs when there is one (fsync costs nothing there, so the many runs stay quick).
fs::path scratch() {
    static int counter = 0;
    std::error_code ec;
    fs::path base = fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0 ? fs::path("/dev/shm")
                                                                                        : fs::temp_directory_path();
    auto p = base / ("casesample-faults-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(p, ec);
    fs::create_directories(p);
    return p;
}

struct Run {
    int code;
    std::string out, err;
};
Run sh(const std::string& command) {
    auto dir = temp_dir();
    int status = std::system((command + " >" + dir + "/out 2>" + dir + "/err").c_str());
    Run r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(dir + "/out"), read_text(dir + "/err")};
    fs::remove_all(dir);
    return r;
}

// Every file under `root` (the lock file aside: it names its last holder), with audit-log times, and the
// hashes that cover them, masked (a run one second later logs another time).
// (By hand rather than with <regex>: g++ 12 warns, falsely, of an uninitialized value inside <regex> in the
// sanitized build, where warnings are errors.)
bool matches_at(const std::string& text, std::size_t at, const char* pattern) {  // '9': a digit, 'x': hex
    for (std::size_t i = 0; pattern[i]; ++i) {
        if (at + i >= text.size()) return false;
        char c = text[at + i], p = pattern[i];
        bool ok = p == '9' ? (c >= '0' && c <= '9')
                  : p == 'x' ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                             : c == p;
        if (!ok) return false;
    }
    return true;
}
// Each match of `pattern`, left to right and not overlapping, replaced by `with`.
std::string mask(const std::string& text, const std::string& pattern, const std::string& with) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        if (matches_at(text, i, pattern.c_str())) {
            out += with;
            i += pattern.size();
        } else {
            out += text[i++];
        }
    }
    return out;
}

using Snapshot = std::map<std::string, std::string>;
Snapshot snapshot(const fs::path& root) {
    Snapshot s;
    std::error_code ec;
    if (!fs::exists(root, ec)) return s;
    static const std::string time = "9999-99-99T99:99:99Z", hash(64, 'x');
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        auto rel = fs::relative(it->path(), root).string();
        if (rel == ".casesample.lock") continue;
        if (it->is_symlink()) s[rel] = "-> " + fs::read_symlink(it->path()).string();
        else if (it->is_directory()) s[rel] = "(folder)";
        else s[rel] = mask(mask(read_text(it->path().string()), time, "TIME"), hash, "HASH");
    }
    return s;
}

bool holds_sample(const Snapshot& s) { return s.count("manifest.json") > 0; }

std::set<std::string> listing(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
}

std::string a_sampled_id(const fs::path& folder, std::size_t row) {
    auto t = read_table((folder / "sample.csv").string());
    return t.rows.at(row).at(0);
}

// The system calls a command makes from the moment it opens the folder's lock: (name, nth call of that name
// counted from the start of the process), for strace's inject=NAME:...:when=N.
constexpr const char* kTraced = "openat,write,fsync,fdatasync,linkat,mkdir,mkdirat,fchmod,renameat2,rename,unlink,"
                                "unlinkat,rmdir,pwrite64,ftruncate,flock,symlinkat";
std::vector<std::pair<std::string, int>> steps_after_lock(const std::string& command) {
    auto trace = temp_dir() + "/trace";
    auto r = sh(kStrace + "-f -qq -o " + trace + " -e trace=" + kTraced + " " + command);
    REQUIRE(r.code == 0);
    std::ifstream in(trace);
    std::string line;
    std::map<std::string, int> seen;
    std::vector<std::pair<std::string, int>> steps;
    bool locked = false, removing = false;
    while (std::getline(in, line)) {
        std::size_t at = line.find_first_not_of("0123456789 ");
        auto paren = line.find('(', at);
        if (at == std::string::npos || paren == std::string::npos) continue;
        auto name = line.substr(at, paren - at);
        // strace's when=N counts each thread's calls on their own: so does this (under the sanitizers a thread of
        // their own makes calls too).
        int nth = ++seen[line.substr(0, line.find(' ')) + " " + name];
        if (!locked && name == "openat" && line.find(".casesample.lock") != std::string::npos) locked = true;
        // Reads between the writes add nothing: a kill there is the same instant as at the next write.
        // So are messages printed at the end, and all but the first call removing the swapped-out state.
        bool writes = name != "openat" || line.find("O_CREAT") != std::string::npos ||
                      line.find(".casesample.lock") != std::string::npos;
        if (name == "write" && (line.find("write(1,") != std::string::npos || line.find("write(2,") != std::string::npos))
            writes = false;
        bool removal = name == "unlink" || name == "unlinkat" || name == "rmdir";
        if (removal && removing) writes = false;
        removing = removing || removal;
        if (locked && writes) steps.emplace_back(name, nth);
    }
    REQUIRE(locked);
    return steps;
}

struct Scenario {
    std::string name;
    // Puts the folder's state before the command into ROOT/work/f (nothing for a first draw).
    std::function<void(const fs::path& folder)> setup;
    std::string command;  // with F for the folder
};

// The command with its placeholders filled: F the folder, POP the population, ID a case of the sample.
std::string with_folder(std::string command, const fs::path& folder) {
    auto fill = [&](const std::string& key, const std::string& value) {
        for (std::size_t at; (at = command.find(" " + key + " ")) != std::string::npos;)
            command.replace(at + 1, key.size(), value);
        if (command.size() > key.size() && command.compare(command.size() - key.size() - 1, key.size() + 1, " " + key) == 0)
            command.replace(command.size() - key.size(), key.size(), value);
    };
    fill("F", folder.string());
    fill("POP", (folder.parent_path().parent_path() / "in" / "population.csv").string());
    if (command.find(" ID ") != std::string::npos) fill("ID", a_sampled_id(folder, 0));
    return command;
}

// Runs the scenario once cleanly, then once per step with a SIGKILL and once per writing step with ENOSPC
// injected there, checking the folder after each.
void run_faults(const Scenario& sc) {
    const fs::path root = scratch();
    fs::create_directories(root / "in");
    fs::copy_file(source_path("fixtures/population.csv"), root / "in" / "population.csv");
    const fs::path parent = root / "work", folder = parent / "f";
    fs::create_directories(parent);
    sc.setup(folder);
    const fs::path before = root / "before";
    if (fs::exists(folder)) fs::copy(folder, before, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    auto fresh = [&] {
        fs::remove_all(parent);
        fs::create_directories(parent);
        if (fs::exists(before)) fs::copy(before, folder, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    };
    const auto old_state = snapshot(folder);
    const auto command = with_folder(sc.command, folder);
    auto clean = sh(command);
    REQUIRE_MESSAGE(clean.code == 0, clean.err);
    const auto new_state = snapshot(folder);
    REQUIRE(old_state != new_state);
    const auto inputs = snapshot(root / "in");

    fresh();
    const auto steps = steps_after_lock(command);
    std::size_t killed = 0, failed = 0;
    for (const auto& step : steps) {
        const std::string call = step.first;
        const int nth = step.second;
        for (const char* fault : {"signal=KILL", "error=ENOSPC"}) {
            const bool kill = std::string(fault) == "signal=KILL";
            if (!kill && (call == "unlink" || call == "unlinkat" || call == "rmdir" || call == "flock" ||
                          call == "pwrite64" || call == "ftruncate"))
                continue;  // clean-up and bookkeeping calls whose failure casesample ignores on purpose
            fresh();
            CAPTURE(sc.name);
            CAPTURE(call);
            CAPTURE(nth);
            CAPTURE(fault);
            auto r = sh(kStrace + "-f -qq -o /dev/null -e trace=" + call + " -e inject=" + call + ":" + fault +
                        ":when=" + std::to_string(nth) + " " + command);
            kill ? ++killed : ++failed;
            auto state = snapshot(folder);
            // The old state or the new one, never a mix.
            CHECK((state == old_state || state == new_state));
            if (!kill) {
                CHECK((r.code == 0 || r.code == 1));
                if (r.code != 0) CHECK(state == old_state);
                if (r.code != 0) CHECK(r.err.find("the disk is full") != std::string::npos);
            }
            // Nothing outside the folder but a staging folder of the killed run.
            for (const auto& n : listing(parent))
                CHECK((n == "f" || n.rfind(".f.casesample-", 0) == 0));
            CHECK(snapshot(root / "in") == inputs);
            if (holds_sample(state)) CHECK(sh(kBinary + " verify " + folder.string()).code == 0);
            // The next writer works and removes what the killed one left.
            auto next = holds_sample(state)
                            ? sh(kBinary + " substitute " + folder.string() + " --drop " + a_sampled_id(folder, 1) +
                                 " --reason next")
                            : sh(with_folder(sc.command, folder));
            CHECK_MESSAGE(next.code == 0, next.err);
            CHECK(listing(parent) == std::set<std::string>{"f"});
        }
    }
    CHECK(killed >= 10);
    CHECK(failed >= 5);
    fs::remove_all(root);
}

std::string population_in(const fs::path& folder) { return (folder.parent_path().parent_path() / "in" / "population.csv").string(); }

void draw_into(const fs::path& folder, const std::string& extra) {
    auto r = sh(kBinary + " draw " + population_in(folder) + " --fieldwork 2019-06-03 --reserve 6 --out " +
                folder.string() + " " + extra);
    REQUIRE_MESSAGE(r.code == 0, r.err);
}

}  // namespace

TEST_CASE("faults: a first draw killed or out of disk at any step leaves no sample or the whole sample") {
    if (!have_strace()) return;
    run_faults({"draw", [](const fs::path&) {},
                kBinary + " draw POP --fieldwork 2019-06-03 --seed 5 --reserve 6 --out F"});
}

TEST_CASE("faults: draw --force killed or out of disk at any step leaves the old sample or the new one") {
    if (!have_strace()) return;
    run_faults({"draw --force",
                [](const fs::path& f) {
                    draw_into(f, "--seed 5");
                    auto r = sh(kBinary + " substitute " + f.string() + " --drop " + a_sampled_id(f, 0) +
                                " --reason moved");
                    REQUIRE(r.code == 0);
                },
                kBinary + " draw POP --fieldwork 2019-06-03 --seed 6 --reserve 6 --force --out F"});
}

TEST_CASE("faults: substitute killed or out of disk at any step leaves the log and the sample in step") {
    if (!have_strace()) return;
    run_faults({"substitute",
                [](const fs::path& f) {
                    draw_into(f, "--seed 5");
                    auto r = sh(kBinary + " substitute " + f.string() + " --drop " + a_sampled_id(f, 2) +
                                " --reason moved");
                    REQUIRE(r.code == 0);
                },
                kBinary + " substitute F --drop ID --reason \"left the area\""});
}

TEST_CASE("race: draw --force against substitute on one folder never gives two successes with a lost result") {
    if (!have_strace()) return;
    const fs::path root = scratch();
    const fs::path folder = root / "f";
    const auto population = source_path("fixtures/population.csv");
    const std::string draw = kBinary + " draw " + population + " --fieldwork 2019-06-03 --reserve 20 --out " +
                             folder.string() + " --seed ";
    REQUIRE(sh(draw + "1").code == 0);
    int both = 0, one = 0;
    for (int trial = 0; trial < 8; ++trial) {
        CAPTURE(trial);
        const auto id = a_sampled_id(folder, static_cast<std::size_t>(trial));
        // Each in turn is slowed down at its swap, so that the other starts while it holds the lock.
        const bool slow_draw = trial % 2 == 0;
        const std::string slow = kStrace + "-f -qq -o /dev/null -e trace=renameat2 -e inject=renameat2:delay_enter=300000 ";
        const std::string d = (slow_draw ? slow : "") + draw + std::to_string(100 + trial) + " --force";
        const std::string s = (slow_draw ? "" : slow) + kBinary + " substitute " + folder.string() + " --drop " + id +
                              " --reason race";
        auto out = temp_dir();
        // The slow one starts first; the other 0.1 s later, while the slow one holds the lock.
        std::string run_d = "(" + d + " >" + out + "/d.out 2>" + out + "/d.err; echo $? >" + out + "/d.code) & ";
        std::string run_s = "(" + s + " >" + out + "/s.out 2>" + out + "/s.err; echo $? >" + out + "/s.code) & ";
        std::string script = (slow_draw ? run_d : run_s) + "sleep 0.1; " + (slow_draw ? run_s : run_d) + "wait";
        std::string quoted;
        for (char c : script) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        REQUIRE(std::system(("sh -c '" + quoted + "'").c_str()) == 0);
        int dc = std::stoi(read_text(out + "/d.code")), scode = std::stoi(read_text(out + "/s.code"));
        auto loser_err = read_text(out + (dc != 0 ? "/d.err" : "/s.err"));
        CHECK(sh(kBinary + " verify " + folder.string()).code == 0);
        CHECK((dc == 0 || dc == 1));
        // When the draw got the lock first and ran to its end before the substitute began (a slow start, as under
        // the sanitizers), the substitute may find that its case is not in the new sample: refused, exit 2.
        const auto serr = read_text(out + "/s.err");
        const bool case_gone = scode == 2 && dc == 0 && serr.find("not in the sample") != std::string::npos;  // or a reserve there
        CHECK_MESSAGE((scode == 0 || scode == 1 || case_gone), serr);
        CHECK((dc == 0 || scode == 0));
        if (case_gone) {
            ++both;
        } else if (dc == 0 && scode == 0) {
            // Both ran, one after the other: the substitution is in the current log (after the draw) or in the
            // log the draw set aside (before it); never lost.
            ++both;
            std::string logs;
            for (const auto& e : fs::directory_iterator(folder))
                if (e.path().filename().string().rfind("audit-log", 0) == 0) logs += read_text(e.path().string());
            CHECK(logs.find("," + id + ",") != std::string::npos);
        } else {
            ++one;
            CHECK(loser_err.find("is being changed by") != std::string::npos);
            CHECK(loser_err.find("pid ") != std::string::npos);
        }
        fs::remove_all(out);
    }
    MESSAGE("race: " << one << " trials where one command found the folder locked, " << both << " where both ran in turn");
    CHECK(one > 0);
    fs::remove_all(root);
}

TEST_CASE("links planted where casesample writes are never followed") {
    const fs::path root = scratch();
    const fs::path folder = root / "f", victim = root / "victim.txt";
    write_text(victim.string(), "precious");
    fs::create_directories(root / "victim-dir");
    write_text((root / "victim-dir" / "keep.txt").string(), "keep");
    auto r = sh(kBinary + " draw " + source_path("fixtures/population.csv") + " --fieldwork 2019-06-03 --seed 3 " +
                "--reserve 4 --out " + folder.string());
    REQUIRE(r.code == 0);
    // At the temporary names older versions used, at a staging name beside the folder, and as the lock file.
    for (const auto& name : {".sample.csv.tmp-1", ".manifest.json.tmp-99999", ".audit-log.csv.tmp-4242"})
        fs::create_symlink(victim, folder / name);
    fs::create_directory_symlink(root / "victim-dir", root / ".f.casesample-AAAAAA");
    r = sh(kBinary + " substitute " + folder.string() + " --drop " + a_sampled_id(folder, 0) + " --reason moved");
    CHECK_MESSAGE(r.code == 0, r.err);
    CHECK(read_text(victim.string()) == "precious");
    CHECK(read_text((root / "victim-dir" / "keep.txt").string()) == "keep");
    CHECK_FALSE(fs::exists(fs::symlink_status(root / ".f.casesample-AAAAAA")));
    CHECK_FALSE(fs::exists(fs::symlink_status(folder / ".sample.csv.tmp-1")));
    CHECK(sh(kBinary + " verify " + folder.string()).code == 0);

    // The lock file itself as a link: refused, nothing written through it.
    fs::remove(folder / ".casesample.lock");
    fs::create_symlink(victim, folder / ".casesample.lock");
    r = sh(kBinary + " substitute " + folder.string() + " --drop " + a_sampled_id(folder, 1) + " --reason moved");
    CHECK(r.code == 1);
    CHECK(r.err.find("is a symbolic link") != std::string::npos);
    CHECK(read_text(victim.string()) == "precious");

    // Any output written atomically: a link at the old predictable temporary name is left alone.
    const auto out = root / "report.txt";
    fs::create_symlink(victim, root / (".report.txt.tmp-" + std::to_string(::getpid())));
    casesample::write_file_atomically(out, "new text");
    CHECK(read_text(out.string()) == "new text");
    CHECK(read_text(victim.string()) == "precious");
    fs::remove_all(root);
}

TEST_CASE("faults: excluded.csv, written a megabyte at a time as it is made, is whole or absent") {
    if (!have_strace()) return;
    // The bundled population and 30,000 cases dated years before fieldwork: excluded.csv is about 3 MB, written
    // in several pieces (a real export's cases outside the windows are never held whole in memory).
    const fs::path root = scratch();
    fs::create_directories(root / "in");
    const auto population = (root / "in" / "population.csv").string();
    {
        std::ofstream out(population, std::ios::binary);
        out << read_text(source_path("fixtures/population.csv"));
        for (int i = 0; i < 30000; ++i)
            out << "X" << 100000 + i << ",Referral Order,2014-0" << 1 + i % 9 << "-1" << i % 10 << ",Male,Low,Low,W,n\n";
    }
    const fs::path folder = root / "work" / "f";
    fs::create_directories(folder.parent_path());
    const std::string command =
        kBinary + " draw " + population + " --fieldwork 2019-06-03 --seed 5 --out " + folder.string();
    REQUIRE(sh(command).code == 0);
    const auto whole = read_text((folder / "excluded.csv").string());
    REQUIRE(whole.size() > (std::size_t{5} << 19));
    fs::remove_all(folder);

    // The writes into excluded.csv (strace -y names each descriptor's file).
    auto trace = temp_dir() + "/trace";
    REQUIRE(sh(kStrace + "-f -qq -y -o " + trace + " -e trace=write " + command).code == 0);
    fs::remove_all(folder);
    // strace counts a call's Nth time per thread (when=N): only the writes of the thread that writes the file
    // count (under the sanitizers a thread of their own writes too).
    std::vector<int> writes;
    {
        std::vector<std::pair<std::string, std::string>> calls;  // (thread, line)
        std::ifstream in(trace);
        std::string writer;
        for (std::string line; std::getline(in, line);) {
            if (line.find("write(") == std::string::npos) continue;
            const std::string thread = line.substr(0, line.find(' '));
            calls.emplace_back(thread, line);
            if (writer.empty() && line.find("excluded.csv>") != std::string::npos) writer = thread;
        }
        int nth = 0;
        for (const auto& [thread, line] : calls) {
            if (thread != writer) continue;
            ++nth;
            if (line.find("excluded.csv>") != std::string::npos) writes.push_back(nth);
        }
    }
    CAPTURE(writes.size());
    REQUIRE(writes.size() >= 3);
    for (int nth : {writes[1], writes[writes.size() / 2], writes.back()}) {
        for (const char* fault : {"signal=KILL", "error=ENOSPC"}) {
            CAPTURE(nth);
            CAPTURE(fault);
            auto r = sh(kStrace + "-f -qq -o /dev/null -e trace=write -e inject=write:" + fault +
                        ":when=" + std::to_string(nth) + " " + command);
            CHECK(r.code != 0);
            // No sample, and nothing but a staging folder the next writer removes.
            CHECK(!fs::exists(folder / "excluded.csv"));
            CHECK(!fs::exists(folder / "manifest.json"));
            if (std::string(fault) == "error=ENOSPC") {
                CHECK(r.code == 1);
                CHECK(r.err.find("the disk is full") != std::string::npos);
                CHECK(r.err.find("excluded.csv") != std::string::npos);
            }
            auto next = sh(command + " --force");
            REQUIRE_MESSAGE(next.code == 0, next.err);
            CHECK(read_text((folder / "excluded.csv").string()) == whole);
            CHECK(listing(folder.parent_path()) == std::set<std::string>{"f"});
            fs::remove_all(folder);
        }
    }
    fs::remove_all(root);
}
