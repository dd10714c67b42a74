// casesample size — how many cases to inspect.
#include <cmath>
#include <nlohmann/json.hpp>

#include "casesample/dates.hpp"
#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "casesample/population_args.hpp"
#include "casesample/sample_size.hpp"
#include "command.hpp"
#include "population_args.hpp"
#include "report_args.hpp"

namespace casesample::cli {
namespace {

constexpr std::uint64_t kMostCases = 2147483647;

struct SizeOptions {
    std::string population_text;  // as typed; empty: not given
    std::string sample_text;
    std::int64_t population = -1;  // -1: not given
    std::vector<std::pair<std::string, std::int64_t>> domain_populations;  // --population court=71,...
    std::string from;
    std::int64_t sample = -1;
    SizeParameters parameters;
    std::string method = "cochran";
    std::string format = "table";
    PopulationArgs population_args;
    std::string fieldwork_iso, fieldwork_words;  // with --from, once read: the fieldwork date as understood
};

struct SizeRow {
    std::string domain;  // empty with --population
    std::string window_first, window_last;  // with --from: the dates of the domain's eligibility window
    SampleSize size;      // Cochran's figures (with --method exact: for comparison)
    double achieved = 0;  // with --sample: the margin reached
    ExactSampleSize exact;  // --method exact
};

nlohmann::ordered_json to_json(const SizeRow& r, const SizeOptions& o) {
    nlohmann::ordered_json j;
    if (!r.domain.empty()) j["domain"] = r.domain;
    j["population"] = r.size.population;
    if (!r.window_first.empty()) {
        // The fieldwork date and the window counted, unambiguous (a month-first --fieldwork shows here).
        j["fieldwork"] = o.fieldwork_iso;
        j["fieldwork_in_words"] = o.fieldwork_words;
        j["eligible_from"] = r.window_first;
        j["eligible_to"] = r.window_last;
    }
    j["confidence"] = r.size.parameters.confidence;
    j["proportion"] = r.size.parameters.proportion;
    j["method"] = o.method;
    if (o.method == "exact") {
        if (o.sample > 0) {
            j["sample_size"] = r.exact.sample_size;
            j["margin"] = r.exact.achieved.half_width;
            j["worst_x"] = r.exact.achieved.worst_x;
        } else {
            j["margin"] = r.size.parameters.margin;
            j["sample_size"] = r.exact.sample_size;
            j["half_width"] = r.exact.achieved.half_width;
            j["worst_x"] = r.exact.achieved.worst_x;
            j["n0"] = r.size.n0;
            j["cochran_sample_size"] = r.size.sample_size;
        }
        return j;
    }
    if (o.sample > 0) {
        j["sample_size"] = o.sample;
        j["margin"] = r.achieved;
    } else {
        j["margin"] = r.size.parameters.margin;
        j["z"] = r.size.z;
        j["n0"] = r.size.n0;
        j["sample_size"] = r.size.sample_size;
    }
    return j;
}

// "±5.0 points"; a margin finer than a tenth of a point is shown with the digits it needs.
std::string margin_text(double margin) {
    const double points = 100 * margin;
    const std::string tenth = format_fixed(points, 1);
    const bool exact = std::fabs(std::stod(tenth) - points) < 1e-9;
    return "±" + (exact ? tenth : format_shortest(points)) + " points";
}

void run(SizeOptions o) {
    std::string eligibility_line;  // with --from: the fieldwork date and windows counted, above the table
    if (o.population_text.find('=') != std::string::npos)
        o.domain_populations = parse_named_counts("--population", o.population_text, 0, kMostCases);
    else if (!o.population_text.empty())
        o.population = static_cast<std::int64_t>(parse_whole_number("--population", o.population_text, 1, kMostCases));
    const bool by_domain = !o.domain_populations.empty() || !o.from.empty();
    if (!o.sample_text.empty())
        o.sample = static_cast<std::int64_t>(parse_whole_number("--sample", o.sample_text, 1, kMostCases));
    validate(SizeParameters{o.parameters.confidence, o.sample > 0 ? 0.5 : o.parameters.margin,
                            o.parameters.proportion});
    if (o.population_text.empty() == o.from.empty())
        throw UsageError("give either --population N (or court=71,out-of-court=39) or --from POPULATION.csv --fieldwork DATE");
    if (o.sample > 0 && o.population > 0 && o.sample > o.population)
        throw UsageError("--sample " + o.sample_text + " is more cases than the population of " + o.population_text +
                         " (--population)");
    std::vector<SizeRow> rows;
    auto one = [&](const std::string& domain, std::int64_t N) {
        SizeRow r;
        r.domain = domain;
        if (N == 0) {  // a domain with no eligible case: a line with 0
            r.size.population = 0;
            r.size.parameters = o.parameters;
            r.exact.population = 0;
            rows.push_back(r);
            return;
        }
        if (o.method == "exact") {
            if (o.sample > 0) {
                r.size.population = N;
                r.size.parameters = o.parameters;
                r.exact.population = N;
                r.exact.sample_size = std::min(o.sample, N);
                r.exact.achieved = exact_half_width(r.exact.sample_size, N, o.parameters.confidence);
                r.achieved = r.exact.achieved.half_width;
            } else {
                r.size = cochran_sample_size(N, o.parameters);
                r.exact = exact_sample_size(N, o.parameters);
            }
        } else if (o.sample > 0) {
            r.size.population = N;
            r.size.parameters = o.parameters;
            r.achieved = achieved_margin(std::min(o.sample, N), N, o.parameters);
        } else {
            r.size = cochran_sample_size(N, o.parameters);
        }
        rows.push_back(r);
    };
    if (o.population >= 0) {
        one("", o.population);
    } else if (!o.domain_populations.empty()) {
        for (const auto& [d, N] : o.domain_populations) {
            if (o.sample > 0 && o.sample > N && N > 0)
                throw UsageError("--sample " + o.sample_text + " is more cases than the population of " + d + " (" +
                                 std::to_string(N) + ", --population)");
            one(d, N);
        }
    } else {
        // Counting needs each case's id, disposal type and date only: the stratifiers' columns are not required.
        auto options = o.population_args.options();
        options.stratifiers = {Stratifier::disposal_type};
        // A header named for a stratifier (--column rosh=..., or a profile's [columns]) is of no use here.
        for (auto it = options.column_names.begin(); it != options.column_names.end();) {
            auto v = options.vocabulary.find_variable(it->first);
            it = v && *v != Stratifier::disposal_type ? options.column_names.erase(it) : std::next(it);
        }
        // lint with --stratify disposal_type (and no --column for another stratifier) reads what size --from reads,
        // no stratifier column more.
        PopulationArgs as_read = o.population_args;
        as_read.stratify = "disposal_type";
        std::erase_if(as_read.columns, [&](const std::string& c) {
            auto v = options.vocabulary.find_variable(c.substr(0, c.find('=')));
            return v && *v != Stratifier::disposal_type;
        });
        auto pop = read_population_or_hint(o.from, options, as_read);
        const auto rule = o.population_args.rule(&pop.vocabulary);
        auto eligible = eligible_population(pop, rule);
        for (std::size_t d = 0; d < eligible.domains.size(); ++d) {
            auto N = static_cast<std::int64_t>(eligible.cases[d].size());
            one(eligible.domains[d], N);
            rows.back().window_first = format_date(eligible.ranges[d].first);
            rows.back().window_last = format_date(eligible.ranges[d].last);
        }
        o.fieldwork_iso = format_date(rule.fieldwork);
        o.fieldwork_words = format_date_in_words(rule.fieldwork);
        eligibility_line = "Eligible: " + eligibility_text(rule, eligible) + "\n";
        if (eligible.excluded.size() == pop.size()) throw InputError(o.from, 0, 0, "no case is eligible for the fieldwork date " + o.population_args.fieldwork);
    }

    if (o.format == "json") {
        nlohmann::ordered_json out;
        if (!by_domain) {
            out = to_json(rows[0], o);
        } else {
            out = nlohmann::ordered_json::array();
            for (const auto& r : rows) out.push_back(to_json(r, o));
        }
        emit("", out.dump(2) + "\n");
        return;
    }
    std::vector<std::string> header;
    if (by_domain) header.push_back("domain");
    // A domain with no eligible case: its population and sample size 0, the rest a dash.
    auto zero_row = [&](const SizeRow& r) {
        std::vector<std::string> cells(header.size(), "-");
        std::size_t c = 0;
        if (by_domain) cells[c++] = r.domain;
        cells[c] = "0";
        for (std::size_t k = 0; k < header.size(); ++k)
            if (header[k] == "sample size" || header[k] == "sample" || header[k] == "exact sample size" ||
                header[k] == "Cochran's size")
                cells[k] = "0";
        return cells;
    };
    if (o.method == "exact") {
        if (o.sample > 0)
            header.insert(header.end(), {"population", "sample", "confidence", "exact half-width (worst case)"});
        else
            header.insert(header.end(), {"population", "confidence", "margin", "exact sample size",
                                         "half-width reached", "Cochran's size"});
        TextTable t(header);
        for (std::size_t c = (by_domain ? 1 : 0); c < header.size(); ++c) t.right_align(c);
        for (const auto& r : rows) {
            if (r.size.population == 0) {
                t.add_row(zero_row(r));
                continue;
            }
            std::vector<std::string> cells;
            if (by_domain) cells.push_back(r.domain);
            cells.push_back(std::to_string(r.size.population));
            if (o.sample > 0) {
                cells.push_back(std::to_string(r.exact.sample_size));
                cells.push_back(format_percent(o.parameters.confidence, 0));
                cells.push_back("±" + format_fixed(100 * r.exact.achieved.half_width, 2) + " points");
            } else {
                cells.push_back(format_percent(o.parameters.confidence, 0));
                cells.push_back(margin_text(o.parameters.margin));
                cells.push_back(std::to_string(r.exact.sample_size));
                cells.push_back("±" + format_fixed(100 * r.exact.achieved.half_width, 2) + " points");
                cells.push_back(std::to_string(r.size.sample_size));
            }
            t.add_row(cells);
        }
        emit("", eligibility_line + t.render());
        return;
    }
    if (o.sample > 0) {
        header.insert(header.end(), {"population", "sample", "confidence", "margin achieved"});
    } else {
        header.insert(header.end(), {"population", "confidence", "margin", "proportion", "n0", "sample size"});
    }
    TextTable t(header);
    for (std::size_t c = (by_domain ? 1 : 0); c < header.size(); ++c) t.right_align(c);
    for (const auto& r : rows) {
        if (r.size.population == 0) {
            t.add_row(zero_row(r));
            continue;
        }
        std::vector<std::string> cells;
        if (by_domain) cells.push_back(r.domain);
        cells.push_back(std::to_string(r.size.population));
        if (o.sample > 0) {
            cells.push_back(std::to_string(std::min(o.sample, r.size.population)));
            cells.push_back(format_percent(o.parameters.confidence, 0));
            cells.push_back("±" + format_fixed(100 * r.achieved, 2) + " points");
        } else {
            cells.push_back(format_percent(r.size.parameters.confidence, 0));
            cells.push_back(margin_text(r.size.parameters.margin));
            cells.push_back(format_fixed(r.size.parameters.proportion, 2));
            cells.push_back(format_fixed(r.size.n0, 2));
            cells.push_back(std::to_string(r.size.sample_size));
        }
        t.add_row(cells);
    }
    emit("", eligibility_line + t.render());
}

void setup(CLI::App& app, Context&) {
    auto o = std::make_shared<SizeOptions>();
    auto* sub = app.add_subcommand("size", "How many cases to inspect for a confidence level and margin of error");
    sub->add_option("--population", o->population_text,
                    "Number of eligible cases N (1 to 2147483647), or one per domain: court=71,out-of-court=39");
    sub->add_option("--from", o->from, "Count the eligible cases of each domain in this population CSV (it needs only case_id, "
                                       "disposal_type and disposal_date)");
    sub->add_option("--sample", o->sample_text,
                    "Inverse: the margin of error that this many cases achieve (at most the population)");
    sub->add_option("--confidence", o->parameters.confidence, "Confidence level")->capture_default_str();
    sub->add_option("--margin", o->parameters.margin, "Margin of error as a share (0.05 = ±5 points)")
        ->capture_default_str();
    sub->add_option("--proportion", o->parameters.proportion, "Anticipated share of 'yes'")->capture_default_str();
    sub->add_option("--method", o->method,
                    "cochran (with the finite population correction), or exact: the smallest n whose exact "
                    "hypergeometric interval is never wider than ±margin, whatever the sample finds")
        ->check(CLI::IsMember({"cochran", "exact"}))
        ->capture_default_str();
    add_format_option(*sub, o->format);
    add_population_options(*sub, o->population_args, false);
    add_eligibility_options(*sub, o->population_args, false);
    sub->callback([o] { run(*o); });
}

const Registration registration(10, setup);

}  // namespace
}  // namespace casesample::cli
