// casesample report — key-question percentages, intervals, bands, ratings and how robust they are.
#include <iostream>
#include <limits>
#include <optional>
#include <random>

#include "casesample/answers.hpp"
#include "casesample/error.hpp"
#include "casesample/framework.hpp"
#include "casesample/report.hpp"
#include "casesample/output.hpp"
#include "casesample/report_format.hpp"
#include "casesample/report_xlsx.hpp"
#include "casesample/report_html.hpp"
#include "casesample/vocabulary.hpp"
#include "command.hpp"
#include "draw_common.hpp"
#include "progress.hpp"
#include "report_args.hpp"

namespace casesample::cli {
namespace {

constexpr std::uint64_t kMostDraws = 10000000;
constexpr std::int64_t kMostPopulation = 1000000;

struct ReportCliOptions {
    std::string answers;
    std::string sample_dir;
    std::string population;
    std::string cases;
    double confidence = 0.8;
    std::string method;
    std::vector<std::string> judgement;
    std::string judgements;
    std::string band_on = "exact";
    std::string draws = "10000";
    std::string seed;  // empty: a random seed
    std::string robust_at = "0.90";
    std::string format = "table";
    std::string out;
    std::string framework;
    bool quiet = false;
    std::string xlsx;  // --xlsx FILE: the report as a workbook too
    std::vector<std::string> columns;  // --column STANDARD=HEADER
    std::vector<std::string> ignore_columns;  // --ignore-column HEADER
};

// What a report was made from, for the About sheet: the input files' SHA-256 and the command as typed.
XlsxAbout inputs_about(const ReportCliOptions& o) {
    XlsxAbout about = {{"answers SHA-256", sha256_file(o.answers)}};
    if (!o.judgements.empty()) about.push_back({"judgements SHA-256", sha256_file(o.judgements)});
    if (!o.framework.empty()) about.push_back({"framework SHA-256", sha256_file(o.framework)});
    if (!o.sample_dir.empty()) about.push_back({"sample folder", o.sample_dir});
    about.push_back({"command", command_text()});
    return about;
}

void run(const ReportCliOptions& o) {
    if (!o.xlsx.empty()) check_output_file("--xlsx", o.xlsx, "report.xlsx");
    Framework loaded;
    if (!o.framework.empty()) loaded = Framework::load(o.framework);
    const Framework& fw = o.framework.empty() ? Framework::builtin() : loaded;
    if (!o.sample_dir.empty() && !o.population.empty())
        throw UsageError("give either --sample-dir DIR or --population court=N,out-of-court=N, not both");

    ReportOptions options;
    options.confidence = o.confidence;
    if (!o.method.empty()) {
        options.method = parse_interval_method(o.method);
        if (!options.method)
            throw UsageError("--method '" + o.method +
                             "' is not a method (expected hypergeometric, wilson-fpc, wilson, clopper-pearson, "
                             "jeffreys, agresti-coull or wald)");
    }
    options.band_on = *parse_band_on(o.band_on);
    options.draws = parse_whole_number("--draws", o.draws, 0, kMostDraws);
    options.robust_at = parse_robust_at(o.robust_at);
    if (o.seed.empty()) {
        std::random_device device;
        options.seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
    } else {
        options.seed = parse_whole_number("--seed", o.seed, 0, std::numeric_limits<std::uint64_t>::max());
    }
    if (!o.judgements.empty()) options.judgements = read_judgements(o.judgements, fw);
    for (const auto& j : o.judgement) add_judgement(options.judgements, fw, j);
    if (!o.population.empty())
        options.population = parse_domain_counts(fw, o.population, "--population", kMostPopulation);
    if (!o.cases.empty()) options.cases_read = parse_domain_counts(fw, o.cases, "--cases", kMostPopulation);

    AnswerReadOptions read;
    read.ignore_columns = o.ignore_columns;
    auto answers = parse_answers(o.answers, text_with_columns(o.answers, o.columns), fw, read);
    if (!answers.columns_not_read.empty()) {
        // Said once, so that a column meant as answers but named unlike a key question does not go unnoticed.
        std::string names;
        for (const auto& c : answers.columns_not_read) names += (names.empty() ? "" : ", ") + quote_value(c);
        std::cerr << "casesample: note: " << o.answers << ": "
                  << (answers.columns_not_read.size() == 1 ? "a column" : "columns")
                  << " not read as answers (not key questions of the "
                  << "framework): " << names << "\n";
    }
    if (!o.population.empty()) {
        // A domain with answers but no population would silently turn every domain's intervals to Wilson's and
        // drop the probabilities: say which one is missing instead.
        for (std::size_t d = 0; d < fw.domains.size(); ++d)
            if (!fw.domains[d].judged && answers.answered[d] && !options.population.count(d))
                throw UsageError("--population gives no count for the " + fw.domains[d].sample_domain +
                                 " cases, which the answers include (give " + fw.domains[d].sample_domain +
                                 "=N as well, e.g. --population court=71,out-of-court=39)");
    }
    if (!o.sample_dir.empty()) {
        auto sample = read_sample_folder(o.sample_dir);
        if (answers.case_level()) {
            check_cases_in_sample(answers, fw, sample);
            // Cases drawn but not answered (dropped out, not yet read): said, not an error.
            auto unanswered = sampled_without_answers(answers, sample);
            if (!unanswered.empty()) {
                std::string note = "casesample: note: " + std::to_string(unanswered.size()) + " of the " +
                                   std::to_string(sample.case_domain.size()) + " sampled cases in " + sample.sample_file +
                                   " have no answers: ";
                for (std::size_t k = 0; k < unanswered.size() && k < 20; ++k)
                    note += (k ? ", " : "") + unanswered[k];
                if (unanswered.size() > 20) note += " and " + std::to_string(unanswered.size() - 20) + " more";
                std::cerr << note << "\n";
            }
        }
        for (std::size_t d = 0; d < fw.domains.size(); ++d) {
            if (fw.domains[d].judged) continue;
            auto it = sample.eligible.find(normalize_label(fw.domains[d].sample_domain));
            if (it != sample.eligible.end()) options.population[d] = it->second;
        }
    }
    Progress progress;
    options.progress = &progress;
    std::optional<ProgressBar> bar(std::in_place, progress, o.quiet);
    auto report = build_report(fw, answers, options);
    bar.reset();  // the bar's line is cleared before the report is printed
    std::string workbook;
    if (!o.xlsx.empty()) workbook = report_workbook(report, inputs_about(o));
    // --format html: the page's foot says what it was made from (the inputs' SHA-256, the command as typed).
    if (o.format == "html") emit(o.out, render_report_html(report, inputs_about(o)));
    else emit(o.out, render_report(report, *parse_report_format(o.format)));
    if (!o.xlsx.empty()) write_file_atomically(o.xlsx, workbook);
}

void setup(CLI::App& app, Context&) {
    auto o = std::make_shared<ReportCliOptions>();
    auto* sub = app.add_subcommand("report", "Key-question percentages, intervals, bands, standard and overall ratings, "
                                             "and how robust each rating is");
    sub->add_option("answers", o->answers, "Answers CSV: wide (case_id, domain, 2.1.1, ...), long (case_id, question, "
                                           "answer) or totals (question, yes, relevant [, cases])")
        ->required();
    sub->add_option("--sample-dir", o->sample_dir, "Folder written by 'casesample draw': case ids are checked against "
                                                   "its sample.csv, population sizes come from its manifest.json");
    sub->add_option("--population", o->population, "Eligible cases per domain, e.g. court=71,out-of-court=39");
    sub->add_option("--cases", o->cases, "Cases read per domain, for totals without a 'cases' column, e.g. court=50,out-of-court=32");
    sub->add_option("--confidence", o->confidence, "Confidence level of the intervals")->capture_default_str();
    sub->add_option("--method", o->method, "Interval method: hypergeometric (default with populations), wilson-fpc, "
                                           "wilson (default without), clopper-pearson, jeffreys, agresti-coull, wald");
    sub->add_option("--judgement", o->judgement, "Rating of a standard rated by judgement, e.g. 1.1=\"Requires improvement\" (repeatable)");
    sub->add_option("--judgements", o->judgements, "CSV of judged standards' ratings: columns standard, rating");
    sub->add_option("--band-on", o->band_on, "Band from the exact share or from the printed whole-number percentage")
        ->check(CLI::IsMember({"exact", "rounded"}))
        ->capture_default_str();
    sub->add_option("--draws", o->draws, "Pólya posterior draws for rating probabilities, 0 to 10000000 (0: none)")
        ->capture_default_str();
    sub->add_option("--seed", o->seed, "Seed of the simulation, 0 to 18446744073709551615 (default: a random seed, printed)");
    sub->add_option("--robust-at", o->robust_at, "A rating is robust when its probability is at least this, 0.5 to 1")
        ->capture_default_str();
    add_format_option(*sub, o->format, {"table", "csv", "json", "markdown", "html"});
    sub->add_option("--out", o->out, "Write to this file (atomically) instead of stdout");
    sub->add_option("--framework", o->framework, "Inspection framework JSON (default: the built-in HMI Probation 2018)");
    sub->add_option("--xlsx", o->xlsx, "Also write the report as an Excel workbook: sheets Key questions, Standards, "
                                       "Overall, About")
        ->type_name("FILE");
    add_quiet_flag(*sub, o->quiet);
    sub->add_option("--column", o->columns,
                    "Read a column of the answers file under another header: --column case_id=\"Case Ref\" "
                    "(case_id, domain, question, answer, yes, relevant, cases, or a key question such as 2.1.1; "
                    "repeatable)");
    sub->add_option("--ignore-column", o->ignore_columns,
                    "A column of a wide answers file that holds no answers although its header looks like a key "
                    "question (such as 2.1.10 or Q2.1.1); without it such a column is an error (repeatable)")
        ->type_name("HEADER");
    sub->callback([o] { run(*o); });
}

const Registration registration(40, setup);

}  // namespace
}  // namespace casesample::cli
