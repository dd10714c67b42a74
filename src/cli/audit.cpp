// casesample audit — does a published table of results follow from the framework's rules?
#include <optional>

#include "casesample/error.hpp"
#include "casesample/framework.hpp"
#include "casesample/report_audit.hpp"
#include "casesample/report_format.hpp"
#include "command.hpp"
#include "progress.hpp"
#include "report_args.hpp"

namespace casesample::cli {
namespace {

// The audit lists every (yes, relevant) pair with relevant <= cases read that rounds to each printed
// percentage: about cases^2 / 100 pairs per question, each with an interval. Inspections read tens of cases;
// beyond this the run would take minutes and the output would be unreadable.
constexpr std::int64_t kMostCasesRead = 2000;
constexpr std::int64_t kMostPopulation = 1000000;

struct AuditCliOptions {
    std::string published;
    std::string cases;
    std::string population;
    double confidence = 0.8;
    std::string method;
    std::string band_on = "exact";
    std::string robust_at = "0.90";
    std::string format = "table";
    std::string out;
    std::string framework;
    bool quiet = false;
    std::vector<std::string> columns;  // --column STANDARD=HEADER
};

void run(const AuditCliOptions& o, Context& context) {
    Framework loaded;
    if (!o.framework.empty()) loaded = Framework::load(o.framework);
    const Framework& fw = o.framework.empty() ? Framework::builtin() : loaded;
    AuditOptions options;
    options.cases = parse_domain_counts(fw, o.cases, "--cases", kMostCasesRead);
    if (!o.population.empty())
        options.population = parse_domain_counts(fw, o.population, "--population", kMostPopulation);
    options.confidence = o.confidence;
    if (!o.method.empty()) {
        options.method = parse_interval_method(o.method);
        if (!options.method)
            throw UsageError("--method '" + o.method +
                             "' is not a method (expected hypergeometric, wilson-fpc, wilson, clopper-pearson, "
                             "jeffreys, agresti-coull or wald)");
    }
    options.band_on = *parse_band_on(o.band_on);
    options.robust_at = parse_robust_at(o.robust_at);
    auto table = parse_published(o.published, text_with_columns(o.published, o.columns), fw);
    Progress progress;
    options.progress = &progress;
    std::optional<ProgressBar> bar(std::in_place, progress, o.quiet);
    auto audit = audit_published(fw, table, options);
    bar.reset();  // the bar's line is cleared before the audit is printed
    emit(o.out, render_audit(audit, *parse_report_format(o.format)));
    if (!audit.all_consistent()) context.exit_code = 1;
}

void setup(CLI::App& app, Context& context) {
    auto o = std::make_shared<AuditCliOptions>();
    auto* sub = app.add_subcommand("audit", "Check a published table: which counts fit its percentages, how robust its "
                                            "bands are, and whether its ratings follow from the rules");
    sub->add_option("published", o->published, "Published table CSV with columns id, value (2.1.1,84% / 2.1,Good / overall,Good)")
        ->required();
    sub->add_option("--cases", o->cases, "Cases read per domain, each 1 to 2000, e.g. court=50,out-of-court=32")->required();
    sub->add_option("--population", o->population, "Eligible cases per domain, e.g. court=71,out-of-court=39");
    sub->add_option("--confidence", o->confidence, "Confidence level of the intervals")->capture_default_str();
    sub->add_option("--method", o->method, "Interval method (default: hypergeometric with --population, wilson without)");
    sub->add_option("--band-on", o->band_on, "Band from the exact share of each pair or from the printed percentage")
        ->check(CLI::IsMember({"exact", "rounded"}))
        ->capture_default_str();
    sub->add_option("--robust-at", o->robust_at, "A band or rating is robust when its probability is at least this, 0.5 to 1")
        ->capture_default_str();
    add_format_option(*sub, o->format, {"table", "csv", "json", "markdown"});
    sub->add_option("--out", o->out, "Write to this file (atomically) instead of stdout");
    sub->add_option("--framework", o->framework, "Inspection framework JSON (default: the built-in HMI Probation 2018)");
    add_quiet_flag(*sub, o->quiet);
    sub->add_option("--column", o->columns,
                    "Read a column of the published table under another header: --column id=\"Item\" "
                    "--column value=\"Result\" (repeatable)");
    sub->callback([o, &context] { run(*o, context); });
}

const Registration registration(50, setup);

}  // namespace
}  // namespace casesample::cli
