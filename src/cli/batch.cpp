// casesample batch — every service of a services file drawn into its own sample folder, in parallel, with
// one summary (OUT/summary.xlsx, summary.csv, summary.json, index.html). The work is done by the core (casesample/batch.hpp).
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>

#include "casesample/batch.hpp"
#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "command.hpp"
#include "draw_common.hpp"
#include "progress.hpp"
#include "report_args.hpp"

namespace casesample::cli {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct BatchCliOptions {
    std::string services;
    std::string out;
    std::string jobs;
    std::string shard;
    std::vector<std::string> only;  // each --only given, as typed
    bool force = false;
    bool quiet = false;
    std::string format = "table";
};

// "Wigan, Bolton" -> {"Wigan", "Bolton"}: names separated by commas, spaces around them dropped.
std::vector<std::string> split_names(const std::string& text) {
    std::vector<std::string> names;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(',', start);
        if (end == std::string::npos) end = text.size();
        auto name = text.substr(start, end - start);
        name.erase(0, name.find_first_not_of(' '));
        name.erase(name.find_last_not_of(' ') + 1);
        if (!name.empty()) names.push_back(name);
        start = end + 1;
    }
    return names;
}

std::string table(const BatchSummary& summary) {
    TextTable t({"service", "domain", "status", "eligible", "sample", "reserves", "off balance by", "overall", "message"});
    for (std::size_t c : {3, 4, 5, 6}) t.right_align(c);
    for (const auto& s : summary.services) {
        std::string overall = s.overall_rating ? *s.overall_rating : "";
        if (s.overall_probability) overall += " (" + format_percent(*s.overall_probability, 0) + ")";
        if (s.audit_consistent && !*s.audit_consistent) overall += overall.empty() ? "audit: inconsistent" : "; audit: inconsistent";
        const std::string status = s.ok() ? "ok" : "failed";
        if (s.domains.empty() || !s.ok()) {
            t.add_row({s.name, "", status, "", "", "", "", overall, s.ok() ? s.message : "see below"});
            continue;
        }
        for (const auto& d : s.domains)
            t.add_row({s.name, d.domain, status, std::to_string(d.eligible), std::to_string(d.sample_size),
                       std::to_string(d.reserves), std::to_string(d.worst_deviation), overall,
                       s.message + (d.message.empty() ? "" : "; " + d.message)});
    }
    return t.render();
}

void run(const BatchCliOptions& o, Context& context) {
    // Most of a service's time is the disk confirming its folder is written (fsync), when it uses no core: more
    // services than cores at once keep both busy (docs/batch.md, measured).
    std::size_t jobs = 4 * std::max(1u, std::thread::hardware_concurrency());
    if (!o.jobs.empty()) jobs = static_cast<std::size_t>(parse_whole_number("--jobs", o.jobs, 1, 256));
    std::size_t shard = 0, shards = 1;
    if (!o.shard.empty()) {
        auto slash = o.shard.find('/');
        if (slash == std::string::npos)
            throw UsageError("--shard takes K/N (this run's part K of N parts), such as --shard 3/10; got '" + o.shard + "'");
        shards = static_cast<std::size_t>(parse_whole_number("--shard N", o.shard.substr(slash + 1), 1, 100000));
        shard = static_cast<std::size_t>(parse_whole_number("--shard K", o.shard.substr(0, slash), 1, shards)) - 1;
    }
    if (o.out.empty()) throw UsageError("--out needs the name of a folder to write the services' folders into");
    std::error_code ec;
    if (fs::exists(o.out, ec) && !fs::is_directory(o.out, ec))
        throw UsageError("--out " + o.out + " is a file; give a folder to write the services' folders into");

    auto manifest = read_batch_manifest(o.services);  // every mistake in it stops here, before anything is written
    for (const auto& note : manifest.notes) std::cerr << note << "\n";
    std::random_device device;
    for (auto& s : manifest.services)
        if (s.seed_from == BatchService::Seed::none) {
            s.request.seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
            s.seed_chosen = true;
        }

    BatchOptions options;
    options.out = o.out;
    options.jobs = jobs;
    options.force = o.force;
    for (const auto& typed : o.only) {
        const auto names = split_names(typed);
        if (names.empty())
            throw UsageError("--only needs the names of the services to run, separated by commas, such as --only "
                             "Wigan,Bolton; got '" + typed + "'");
        options.only.insert(options.only.end(), names.begin(), names.end());
    }
    options.shard = shard;
    options.shards = shards;
    options.writer = command_text();
    Progress progress;
    options.progress = &progress;
    const auto started = Clock::now();
    BatchSummary summary;
    {
        ProgressBar bar(progress, o.quiet);  // services done / total on stderr, cleared before anything is printed
        summary = run_batch(manifest, options);
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

    const std::size_t total = summary.services.size();
    const std::size_t used = std::min(jobs, std::max<std::size_t>(total, 1));
    if (o.format == "json") {
        auto j = summary_json(summary);
        // What this run did (the summary files hold only the state).
        j["nothing_done"] = summary.nothing_done();
        j["drawn"] = summary.drawn();
        j["kept"] = summary.kept();
        for (std::size_t i = 0; i < summary.services.size(); ++i) {
            const auto& s = summary.services[i];
            j["services"][i]["action"] = s.action == BatchOutcome::Action::drawn  ? "drawn"
                                         : s.action == BatchOutcome::Action::kept ? "kept"
                                                                                  : "failed";
            j["services"][i]["files_written"] = s.files_written;
            // As draw --force: what became of the old sample's other files (drawn again over a sample only).
            if (o.force && s.action == BatchOutcome::Action::drawn) j["services"][i]["old_files"] = replacement_json(s.replaced);
            if (!s.redrawn_because.empty()) j["services"][i]["drawn_again_because"] = s.redrawn_because;
            if (!s.set_aside.empty()) j["services"][i]["fieldwork_changes_set_aside"] = s.set_aside;
        }
        std::cout << j.dump(2) << "\n";
    } else if (summary.nothing_done() && o.only.empty()) {
        std::cout << "Nothing to do: every one of the " << total << " services of " << o.services
                  << (shards > 1 ? " in shard " + o.shard : "")
                  << " already holds the sample it asks for in " << o.out << ".\n";
    } else {
        std::cout << table(summary) << "\n";
        // As draw --force: what became of the old samples' other files.
        std::string replaced;
        for (const auto& s : summary.services)
            if (s.action == BatchOutcome::Action::drawn) replaced += replacement_text(s.folder.string(), s.replaced);
        if (!replaced.empty()) std::cout << replaced << "\n";
        std::cout << total << (total == 1 ? " service: " : " services: ") << summary.drawn() << " drawn, " << summary.kept()
                  << " already drawn and left alone, " << summary.failed() << " failed, in "
                  << format_fixed(seconds, 2) << " s with " << used << (used == 1 ? " job" : " jobs") << "\n";
        const std::string stem = summary_stem(shard, shards);
        if (!options.only.empty())
            std::cout << "The summary of every service (" << (fs::path(o.out) / "summary.xlsx").string()
                      << ", .csv, .json, index.html) was not rewritten, as --only ran part of the services: run "
                         "again without --only to bring it up to date (folders that are up to date are left alone).\n";
        else std::cout << "Summary: " << (fs::path(o.out) / (stem + ".xlsx")).string() << ", "
                  << (fs::path(o.out) / (stem + ".csv")).string() << ", "
                  << (fs::path(o.out) / (stem + ".json")).string() << ", "
                  << (fs::path(o.out) / ("index" + stem.substr(std::string("summary").size()) + ".html")).string()
                  << " (every service's page)\n";
        if (shards > 1)
            std::cout << "This was part " << o.shard << ": once every part has run, finish with one run without "
                         "--shard (the same services file and --out) to write the summary of every service "
                      << (fs::path(o.out) / "summary.xlsx").string()
                      << " (it leaves the folders the parts drew alone).\n";
    }
    // Logged fieldwork changes set aside by --force: said loudly, also when stdout goes to a file.
    for (const auto& s : summary.services)
        if (!s.set_aside.empty())
            std::cerr << "casesample: WARNING: " << s.name << " was drawn again (--force), which set aside the fieldwork "
                      << "changes logged in its old sample: " << s.set_aside << "; the new sample in "
                      << s.folder.string() << " does not have them\n";
    if (summary.failed()) {
        std::cerr << "casesample: " << summary.failed() << " of " << total
                  << (total == 1 ? " service" : " services") << " failed:\n";
        for (const auto& s : summary.services)
            if (!s.ok()) std::cerr << "  " << s.name << ": " << s.message << "\n";
        context.exit_code = summary.any_bad_input() ? 2 : 1;
    }
}

void setup(CLI::App& app, Context& context) {
    auto o = std::make_shared<BatchCliOptions>();
    auto* sub = app.add_subcommand("batch", "Draw every service of a services file (TOML) into its own sample "
                                            "folder, in parallel, with one summary");
    sub->add_option("SERVICES", o->services,
                    "Services file: [[service]] tables with name, population, fieldwork and any option of draw "
                    "(see docs/batch.md)")
        ->required();
    sub->add_option("--out", o->out, "Folder for the services' folders (OUT/NAME/) and OUT/summary.xlsx, summary.csv, summary.json, index.html")
        ->required();
    sub->add_option("--jobs", o->jobs, "Services drawn at once (default: 4 x the number of cores; a service mostly waits for the disk)");
    sub->add_option("--shard", o->shard,
                    "Run only part K of N (services K, K+N, K+2N, ... of the file), for a run split across machines");
    sub->add_flag("--force", o->force,
                  "Draw again the services whose folder holds a sample drawn otherwise than the services file now asks "
                  "(another seed, size, population file ...); folders up to date are left alone");
    sub->add_option("--only", o->only,
                    "Run only these services (names separated by commas, or --only given again; a name holding a comma is given whole); the others and the summary are not touched")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    add_quiet_flag(*sub, o->quiet);
    add_format_option(*sub, o->format);
    sub->callback([o, &context] { run(*o, context); });
}

const Registration registration(25, setup);

}  // namespace
}  // namespace casesample::cli
