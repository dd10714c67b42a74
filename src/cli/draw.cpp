// casesample draw — the balanced, reproducible fieldwork sample of each domain, written into a folder.
#include <cctype>
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <random>

#include <nlohmann/json.hpp>

#include "casesample/draw.hpp"
#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "casesample/report_xlsx.hpp"
#include "casesample/report_html.hpp"
#include "casesample/sample_folder.hpp"
#include "command.hpp"
#include "draw_common.hpp"
#include "population_args.hpp"
#include "progress.hpp"

namespace casesample::cli {
namespace fs = std::filesystem;

namespace {

// A whole number typed on the command line, checked against its range before use: no sign wrapping, no clamping.
std::uint64_t whole_number(const std::string& option, const std::string& typed, std::uint64_t max) {
    std::uint64_t n = 0;
    const char* first = typed.data();
    const char* last = first + typed.size();
    auto r = std::from_chars(first, last, n);
    if (typed.empty() || r.ec != std::errc{} || r.ptr != last || n > max)
        throw UsageError(option + " must be a whole number from 0 to " + std::to_string(max) + ", got '" + typed + "'");
    return n;
}

constexpr std::uint64_t kMaxReserve = 100000;

struct DrawOptions {
    std::string population;
    PopulationArgs population_args;
    std::string sizes;
    SizeParameters size_parameters;
    std::string seed;
    std::string reserve = "0";
    std::string method = "balanced";
    std::string out;
    bool force = false;
    std::string format = "table";
    bool quiet = false;
    std::string xlsx;  // --xlsx FILE: the workbook of the draw
    std::string html;  // --html FILE: the page of the draw
};

// Where a file of the draw goes (--xlsx, --html): into the sample folder, written with it in one step, or elsewhere,
// written after it. Checked before the population is read.
struct DrawExtraFile {
    fs::path path;
    bool in_folder = false;
};
DrawExtraFile place_extra_file(const std::string& option, const std::string& path, const fs::path& dir,
                               const std::string& example) {
    DrawExtraFile f{path, false};
    if (path.empty()) return f;
    if (fs::weakly_canonical(fs::absolute(f.path)) == fs::weakly_canonical(fs::absolute(dir)))
        throw UsageError(option + " " + path + " is the sample folder itself; give a file name, e.g. " + option + " " +
                         (dir / example).string());
    const fs::path parent = f.path.has_parent_path() ? f.path.parent_path() : fs::path(".");
    f.in_folder = f.path.has_filename() && fs::weakly_canonical(fs::absolute(parent)) == fs::weakly_canonical(fs::absolute(dir));
    if (!f.in_folder) {
        check_output_file(option, path, example);
        return f;
    }
    const std::string name = f.path.filename().string();
    bool taken = name == kAuditLogName || name.rfind("audit-log.", 0) == 0;
    for (const auto& own : kFolderFiles) taken = taken || name == own;
    if (taken)
        throw UsageError(option + " " + path + " would replace the sample folder's own " + name +
                         "; choose another name, e.g. " + example);
    if (fs::is_directory(f.path))
        throw UsageError(option + " needs the name of a file to write, e.g. " + option + " " + example + "; got '" +
                         path + "' (a folder)");
    return f;
}

void run(const DrawOptions& o, Context&) {
    DrawRequest request;
    request.size_parameters = o.size_parameters;
    if (!o.sizes.empty()) request.sizes = parse_sizes(o.sizes);
    else validate(o.size_parameters);
    request.reserves = static_cast<std::size_t>(whole_number("--reserve", o.reserve, kMaxReserve));
    auto method = parse_draw_method(o.method);
    if (!method) throw UsageError("--method must be balanced, cells or systematic; got '" + o.method + "'");
    request.method = *method;
    if (o.out.empty()) throw UsageError("--out needs the name of a folder to write the sample into; got ''");
    const fs::path dir = o.out;
    // Checked again when writing; here too, so that a taken folder is refused before the population is read.
    if (fs::exists(dir) && !fs::is_directory(dir)) throw UsageError("--out " + o.out + " exists and is not a folder");
    if (!o.force && fs::is_directory(dir) && holds_sample(dir))
        throw UsageError("--out " + o.out + " already holds a sample; choose a new folder or pass --force to replace it");
    const DrawExtraFile xlsx = place_extra_file("--xlsx", o.xlsx, dir, "sample.xlsx");
    if (!o.xlsx.empty()) {
        auto extension = xlsx.path.extension().string();
        for (auto& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (extension != ".xlsx")
            throw UsageError("--xlsx " + o.xlsx + ": an Excel workbook's name ends in .xlsx (Excel opens a file by its "
                             "name's ending), such as --xlsx " + xlsx.path.stem().string() + ".xlsx");
    }
    const DrawExtraFile html = place_extra_file("--html", o.html, dir, "draw.html");
    DrawSpec spec;
    spec.population = o.population;
    spec.population_args = o.population_args;
    // After the first problem of the population, the lint to run to see them all: this file, read as this draw reads it.
    spec.population_args.hints.every_problem_command =
        shell_text(population_command("lint", o.population, o.population_args));
    spec.seed_chosen = o.seed.empty();
    if (!spec.seed_chosen) {
        request.seed = whole_number("--seed", o.seed, std::numeric_limits<std::uint64_t>::max());
    } else {
        std::random_device rd;
        request.seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    }
    spec.request = request;
    spec.command_line = command_line();

    // Only a large population (tens of MB) takes long enough for the bar to appear.
    Progress progress;
    progress.begin("reading the file", 0);
    spec.progress = &progress;
    std::optional<ProgressBar> bar(std::in_place, progress, o.quiet);
    DrawnSample drawn = draw_sample(spec);
    bar.reset();
    WriteOptions write;
    write.force = o.force;
    FolderReplacement replaced;
    write.replaced = &replaced;
    write.writer = command_text();
    // The workbook stays in its temporary file and is copied into place a megabyte at a time (a real export's
    // Excluded sheet makes tens of megabytes).
    Workbook workbook;
    const ByteProducer copy_workbook = [&workbook](const std::function<void(std::string_view)>& sink) {
        workbook.write_to(sink);
    };
    if (!o.xlsx.empty()) {
        workbook = draw_workbook_file(drawn);
        if (xlsx.in_folder) write.extra_streams[xlsx.path.filename().string()] = copy_workbook;
    }
    std::string page;
    if (!o.html.empty()) {
        page = render_draw_html(drawn);
        if (html.in_folder) write.extra_files[html.path.filename().string()] = page;
    }
    const bool inside = working_inside(o.out);
    write_sample_folder(dir, drawn, write);
    if (inside) std::cerr << working_inside_note(o.out);
    if (!o.xlsx.empty() && !xlsx.in_folder) write_file_atomically(xlsx.path, copy_workbook);
    if (!o.html.empty() && !html.in_folder) write_file_atomically(html.path, page);

    const bool chosen = spec.seed_chosen;
    const auto& loaded = drawn.loaded;
    const auto& result = drawn.result;
    const auto& pop = loaded.population;
    std::string misses = misses_text(pop, result);
    const auto rule = o.population_args.rule(&pop.vocabulary);
    if (o.format == "json") {
        nlohmann::ordered_json j;
        j["out"] = o.out;
        j["seed"] = request.seed;
        j["seed_chosen_at_random"] = chosen;
        j["method"] = o.method;
        eligibility_json(j, rule, loaded.eligible);
        auto& st = j["stratifiers"] = nlohmann::ordered_json::array();
        for (auto s : pop.stratifiers) st.push_back(pop.vocabulary.name(s));
        j["cases_read"] = pop.size();
        j["cases_excluded"] = loaded.eligible.excluded.size();
        j["identical_duplicates_dropped"] = loaded.population.identical_duplicates_dropped;
        auto& domains = j["domains"] = nlohmann::ordered_json::array();
        for (const auto& ds : result.domains) {
            nlohmann::ordered_json d;
            d["domain"] = ds.domain;
            d["eligible"] = ds.cases.size();
            d["sample_size"] = ds.sample_size;
            d["reserves"] = ds.draw.reserves.size();
            d["balanced"] = domain_misses(ds).empty();
            if (!ds.draw.selected.empty()) {
                d["equal_chances"] = ds.draw.design_exact;
                // Not exact and proven impossible (few cells: a linear program over every balanced sample).
                if (!ds.draw.design_exact) d["equal_chances_impossible"] = ds.draw.design_proven_inexact;
                d["lowest_inclusion_probability"] = ds.draw.lowest_probability;
                d["highest_inclusion_probability"] = ds.draw.highest_probability;
                if (!ds.draw.reserves.empty()) d["reserves_equal_chances"] = ds.draw.reserve_design_exact;
                if (!ds.draw.reserves.empty() && !ds.draw.reserve_design_exact)
                    d["reserves_equal_chances_impossible"] = ds.draw.reserve_design_proven_inexact;
            }
            domains.push_back(d);
        }
        for (std::size_t d = 0; d < loaded.eligible.domains.size(); ++d)
            if (loaded.eligible.cases[d].empty())
                domains.push_back({{"domain", loaded.eligible.domains[d]}, {"eligible", 0}, {"sample_size", 0},
                                   {"reserves", 0}, {"balanced", true}});
        j["balance"] = balance_json(pop, result);
        if (o.force) j["old_files"] = replacement_json(replaced);
        std::cout << j.dump(2) << "\n";
    } else {
        std::string text = balance_table(pop, result) + "\n";
        text += "Eligible: " + eligibility_text(rule, loaded.eligible) + "\n";
        for (const auto& ds : result.domains) {
            text += ds.domain + ": " + std::to_string(ds.sample_size) + " of " + std::to_string(ds.cases.size()) +
                    " eligible cases drawn";
            if (ds.cochran)
                text += " (Cochran, " + format_percent(request.size_parameters.confidence, 0) + " confidence, ±" +
                        format_fixed(100 * request.size_parameters.margin, 1) + " points)";
            text += ", " + std::to_string(ds.draw.reserves.size()) + " reserves";
            if (ds.draw.reserves.size() < ds.reserves_asked) text += " (only that many cases are left)";
            text += "\n";
        }
        for (std::size_t d = 0; d < loaded.eligible.domains.size(); ++d)
            if (loaded.eligible.cases[d].empty())
                text += loaded.eligible.domains[d] + ": 0 eligible cases, none drawn\n";
        text += std::to_string(loaded.eligible.excluded.size()) + " cases not eligible (listed in excluded.csv)\n";
        if (loaded.population.identical_duplicates_dropped > 0)
            text += std::to_string(loaded.population.identical_duplicates_dropped) +
                    " identical duplicate rows dropped (--drop-identical-duplicates)\n";
        text += "Stratifiers " + loaded.population.vocabulary.stratifier_names(loaded.population.stratifiers) + "\n";
        text += "Method " + o.method + ", seed " + std::to_string(request.seed) +
                (chosen ? " (chosen at random; pass --seed " + std::to_string(request.seed) + " to draw the same sample again)"
                        : "") +
                "\n";
        text += "Written to " + o.out + ": sample.csv, reserves.csv, balance.csv, excluded.csv, manifest.json";
        if (xlsx.in_folder) text += ", " + xlsx.path.filename().string();
        if (html.in_folder) text += ", " + html.path.filename().string();
        text += "\n";
        text += replacement_text(o.out, replaced);
        if (!o.xlsx.empty() && !xlsx.in_folder) text += "Workbook written to " + o.xlsx + "\n";
        if (!o.html.empty() && !html.in_folder) text += "Page of the draw written to " + o.html + "\n";
        if (misses.empty()) text += "Every category of every stratifier is within its floor/ceiling.\n";
        else text += "\n" + misses;
        for (const auto& ds : result.domains) text += describe_design(ds);
        std::cout << text << std::flush;
    }
    if (!misses.empty()) std::cerr << "casesample: WARNING: " << misses;
}

void setup(CLI::App& app, Context& context) {
    auto o = std::make_shared<DrawOptions>();
    auto* sub = app.add_subcommand("draw", "Draw the balanced, reproducible sample of each domain into a folder");
    sub->add_option("POPULATION", o->population, "The service's list of cases (CSV)")->required();
    add_population_options(*sub, o->population_args, true);
    add_eligibility_options(*sub, o->population_args, true);
    sub->add_option("--confidence", o->size_parameters.confidence, "Confidence level for the sample size")
        ->capture_default_str();
    sub->add_option("--margin", o->size_parameters.margin, "Margin of error as a share (0.05 = ±5 points)")
        ->capture_default_str();
    sub->add_option("--proportion", o->size_parameters.proportion, "Anticipated share of 'yes' for the sample size")
        ->capture_default_str();
    auto* size = sub->add_option("--size", o->sizes,
                                 "Sample sizes instead of Cochran's: DOMAIN=N,... such as court=50,out-of-court=32");
    for (auto name : {"--confidence", "--margin", "--proportion"}) sub->get_option(name)->excludes(size);
    sub->add_option("--seed", o->seed, "Seed of the random draw (without one, a random seed is chosen and printed)");
    sub->add_option("--reserve", o->reserve, "Reserve cases to order per domain, for cases that drop out")
        ->capture_default_str();
    sub->add_option("--method", o->method, "balanced (cube method), cells or systematic")
        ->check(CLI::IsMember({"balanced", "cells", "systematic"}))
        ->capture_default_str();
    sub->add_option("--out", o->out, "Folder to write the sample into (created if needed)")->required();
    sub->add_flag("--force", o->force, "Replace a sample already in the folder");
    add_format_option(*sub, o->format);
    sub->add_option("--xlsx", o->xlsx, "Also write an Excel workbook for the fieldwork: sheets Sample (with empty "
                                       "inspector, date read and notes columns), Reserves, Balance, Excluded, About")
        ->type_name("FILE");
    add_quiet_flag(*sub, o->quiet);
    sub->add_option("--html", o->html, "Also write a page of the draw (counts, balance charts, seed and inputs) to this file");
    sub->callback([o, &context] { run(*o, context); });
}

const Registration registration(20, setup);

}  // namespace
}  // namespace casesample::cli
