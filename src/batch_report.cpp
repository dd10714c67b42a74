// After a service's draw in `casesample batch`: `report` on its answers and `audit` of its published table,
// exactly as those commands would with --sample-dir, written into the service's folder.

#include "casesample/answers.hpp"
#include "casesample/batch.hpp"
#include "casesample/error.hpp"
#include "casesample/framework.hpp"
#include "casesample/output.hpp"
#include "casesample/report.hpp"
#include "casesample/report_audit.hpp"
#include "casesample/report_format.hpp"
#include "casesample/report_html.hpp"
#include "folder_transaction.hpp"

namespace casesample {
namespace fs = std::filesystem;

namespace {

// Audit reads at most this many cases per domain (as `casesample audit --cases`).
constexpr std::int64_t kMostCasesRead = 2000;


}  // namespace

void report_on_service(const BatchService& s, BatchOutcome& outcome, const std::string& writer) {
    Framework loaded;
    if (!s.framework.empty()) loaded = Framework::load(s.framework);
    const Framework& fw = s.framework.empty() ? Framework::builtin() : loaded;
    // Under the folder's lock, so that no substitute changes the sample between reading it and writing the
    // report on it, and the report files change in one all-or-nothing step as every change of a folder does.
    FolderTransaction transaction(outcome.folder, writer, false);
    const auto folder = transaction.dir().string();
    auto sample = read_sample_folder(folder);
    // Eligible cases per framework domain, from the folder (as report --sample-dir takes them).
    std::map<std::size_t, std::int64_t> population;
    for (std::size_t d = 0; d < fw.domains.size(); ++d) {
        if (fw.domains[d].judged) continue;
        auto it = sample.eligible.find(normalize_label(fw.domains[d].sample_domain));
        if (it != sample.eligible.end()) population[d] = it->second;
    }
    std::map<std::string, std::string> files;
    if (!s.answers.empty()) {
        ReportOptions options;
        options.draws = s.draws;
        options.seed = outcome.seed;  // the service's seed: the same report on every run
        options.population = population;
        if (!s.judgements.empty()) options.judgements = read_judgements(s.judgements, fw);
        auto answers = read_answers(s.answers, fw);
        if (answers.case_level()) check_cases_in_sample(answers, fw, sample);
        auto report = build_report(fw, answers, options);
        files["report.md"] = render_report(report, ReportFormat::markdown);
        files["report.json"] = render_report(report, ReportFormat::json);
        HtmlAbout about = {{"answers SHA-256", sha256_file(s.answers)}};
        if (!s.judgements.empty()) about.push_back({"judgements SHA-256", sha256_file(s.judgements)});
        if (!s.framework.empty()) about.push_back({"framework SHA-256", sha256_file(s.framework)});
        about.push_back({"service", s.name});
        files["report.html"] = render_report_html(report, about);
        if (report.overall.rating) {
            outcome.overall_rating = fw.ratings[*report.overall.rating].name;
            if (*report.overall.rating < report.overall.rating_probabilities.size())
                outcome.overall_probability = report.overall.rating_probabilities[*report.overall.rating];
            if (report.overall.verdict) outcome.overall_verdict = report.overall.verdict->text;
        }
    }
    if (!s.published.empty()) {
        AuditOptions options;
        options.population = population;
        // Cases read per domain: the sample drawn.
        for (const auto& row : outcome.domains) {
            auto d = fw.find_domain(row.domain);
            if (!d || fw.domains[*d].judged || row.sample_size == 0) continue;
            if (static_cast<std::int64_t>(row.sample_size) > kMostCasesRead)
                throw UsageError("published: audit reads at most " + std::to_string(kMostCasesRead) +
                                 " cases per domain, and the " + row.domain + " sample holds " +
                                 std::to_string(row.sample_size));
            options.cases[*d] = static_cast<std::int64_t>(row.sample_size);
        }
        auto table = read_published(s.published, fw);
        auto audit = audit_published(fw, table, options);
        files["audit.md"] = render_audit(audit, ReportFormat::markdown);
        files["audit.json"] = render_audit(audit, ReportFormat::json);
        outcome.audit_consistent = audit.all_consistent();
    }
    std::vector<std::string> changed;
    for (auto& [name, text] : files) {
        std::error_code ec;
        auto path = transaction.dir() / name;
        if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) == text.size() && read_file(path.string()) == text)
            continue;
        changed.push_back(name);
        transaction.put(name, std::move(text));
    }
    if (changed.empty()) return;
    transaction.commit();
    outcome.files_written.insert(outcome.files_written.end(), changed.begin(), changed.end());
}

}  // namespace casesample
