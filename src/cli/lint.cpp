// casesample lint — every problem of a population file in one run: grouped by kind, the first 20 of each with
// line:column, then a count; the eligible cases per domain; exit 2 when there is any problem.
#include <iostream>
#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "casesample/csv.hpp"
#include "casesample/dates.hpp"
#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "command.hpp"
#include "population_args.hpp"

namespace casesample::cli {
namespace {

struct LintOptions {
    std::string population;
    PopulationArgs population_args;
    std::string format = "table";
    // draw's options, accepted so that a draw command can be turned into a lint by changing its first word.
    std::string sizes, seed, reserve, method, out, confidence, margin, proportion;
    bool force = false;
};

constexpr std::size_t kShown = 20;
constexpr std::size_t kValuesShown = 10;

// The values a kind of problem found (an unknown category, a date that does not read), each with its number of
// rows, most rows first (then in order of their first row): what to map or correct, at a glance.
std::vector<std::pair<std::string, std::size_t>> values_of(const std::vector<const InputProblem*>& list) {
    std::vector<std::pair<std::string, std::size_t>> values;
    std::map<std::string, std::size_t> at;
    for (const auto* p : list) {
        if (p->value.empty()) continue;
        auto [it, fresh] = at.emplace(p->value, values.size());
        if (fresh) values.emplace_back(p->value, 0);
        ++values[it->second].second;
    }
    std::stable_sort(values.begin(), values.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return values;
}

// When the disposal dates that failed look month first — every one of them reads as %m/%d/%Y (a month of 13 or
// more read day first) — what to type; "" otherwise, or when a --date-format was given.
std::string month_first_hint(const std::vector<InputProblem>& problems, const PopulationArgs& args,
                             const OptionHints& hints) {
    if (!args.date_format.empty()) return "";
    std::size_t bad = 0;
    std::string example;
    const std::string head = "bad disposal_date '";
    for (const auto& p : problems) {
        if (p.kind != "bad disposal_date") continue;
        if (p.message.rfind(head, 0) != 0) return "";
        const auto end = p.message.find("' (", head.size());
        if (end == std::string::npos) return "";
        const auto value = p.message.substr(head.size(), end - head.size());
        if (!parse_date_with_format(value, "%m/%d/%Y")) return "";
        if (example.empty()) example = value;
        ++bad;
    }
    if (bad == 0) return "";
    return "The disposal dates look month first: " + std::string(bad == 1 ? "the date" : "all " + std::to_string(bad) + " dates") +
           " that failed read as month/day/year (" + example + " is " +
           format_date_in_words(*parse_date_with_format(example, "%m/%d/%Y")) + "); if the file writes them so, give " +
           hints.with("date-format", "%m/%d/%Y") + " to read every date of the file month first";
}

void run(const LintOptions& o, Context& context) {
    auto options = o.population_args.options();
    std::vector<InputProblem> problems;
    options.problems = &problems;
    auto pop = read_population(o.population, options);

    // Kinds in order of their first problem in the file.
    std::vector<std::string> kinds;
    std::map<std::string, std::vector<const InputProblem*>> by_kind;
    std::stable_sort(problems.begin(), problems.end(), [](auto& a, auto& b) { return a.line < b.line; });
    for (const auto& p : problems) {
        auto& list = by_kind[p.kind];
        if (list.empty()) kinds.push_back(p.kind);
        list.push_back(&p);
    }

    // Eligible cases per domain (of the rows without problems), every domain listed, 0 included.
    std::optional<EligiblePopulation> eligible;
    if (!o.population_args.fieldwork.empty() && pop.size() > 0)
        eligible = eligible_population(pop, o.population_args.rule(&pop.vocabulary));
    std::vector<std::pair<std::string, std::size_t>> counts;
    for (std::size_t d = 0; d < pop.vocabulary.domains().size(); ++d) {
        std::size_t n = 0;
        if (eligible) n = eligible->cases[d].size();
        else
            for (auto x : pop.domain) n += x == d;
        counts.emplace_back(pop.vocabulary.domains()[d], n);
    }

    const std::string month_first = month_first_hint(problems, o.population_args, options.hints);
    if (o.format == "json") {
        nlohmann::ordered_json j;
        j["file"] = o.population;
        if (!month_first.empty()) j["hint"] = month_first;
        j["cases_read"] = pop.size();
        j["identical_duplicates_dropped"] = pop.identical_duplicates_dropped;
        j["problems"] = problems.size();
        auto& groups = j["kinds"] = nlohmann::ordered_json::array();
        for (const auto& k : kinds) {
            nlohmann::ordered_json g;
            g["kind"] = k;
            g["count"] = by_kind[k].size();
            auto& list = g["problems"] = nlohmann::ordered_json::array();
            if (const auto values = values_of(by_kind[k]); !values.empty()) {
                auto& v = g["values"] = nlohmann::ordered_json::array();
                for (const auto& [value, rows] : values) v.push_back({{"value", value}, {"rows", rows}});
            }
            for (const auto* p : by_kind[k]) {
                nlohmann::ordered_json one = {{"line", p->line}, {"column", p->column}, {"message", p->message}};
                if (!p->value.empty()) one["value"] = p->value;
                list.push_back(std::move(one));
            }
            groups.push_back(std::move(g));
        }
        j["fieldwork"] = o.population_args.fieldwork.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(o.population_args.fieldwork);
        auto& doms = j["domains"] = nlohmann::ordered_json::array();
        for (const auto& [d, n] : counts) doms.push_back({{"domain", d}, {eligible ? "eligible" : "cases", n}});
        std::cout << j.dump(2) << "\n";
    } else {
        std::string text;
        if (problems.empty()) {
            text += o.population + ": no problems found; " + std::to_string(pop.size()) + " cases read";
        } else {
            text += o.population + ": " + std::to_string(problems.size()) + " problem" +
                    (problems.size() == 1 ? "" : "s") + " of " + std::to_string(kinds.size()) + " kind" +
                    (kinds.size() == 1 ? "" : "s") + "; " + std::to_string(pop.size()) + " cases read without a problem";
        }
        if (pop.identical_duplicates_dropped > 0)
            text += "; " + std::to_string(pop.identical_duplicates_dropped) +
                    " identical duplicate rows dropped (--drop-identical-duplicates)";
        text += "\n";
        if (!month_first.empty()) text += month_first + "\n";
        for (const auto& k : kinds) {
            const auto& list = by_kind[k];
            text += "\n" + k + " (" + std::to_string(list.size()) + "):\n";
            if (const auto values = values_of(list); !values.empty()) {
                text += "  " + std::string(values.size() == 1 ? "value" : "values") + ": ";
                for (std::size_t i = 0; i < values.size() && i < kValuesShown; ++i)
                    text += (i ? ", " : "") + quote_value(values[i].first) + " on " + counted(values[i].second, "row");
                if (values.size() > kValuesShown)
                    text += " and " + counted(values.size() - kValuesShown, "other value");
                text += "\n";
            }
            for (std::size_t i = 0; i < list.size() && i < kShown; ++i) {
                const auto* p = list[i];
                std::string place = std::to_string(p->line);
                if (p->column > 0) place += ":" + std::to_string(p->column);
                text += "  " + o.population + ":" + place + ": " + p->message + "\n";
            }
            if (list.size() > kShown) text += "  ... and " + std::to_string(list.size() - kShown) + " more\n";
        }
        text += "\n";
        TextTable t({"domain", eligible ? "eligible" : "cases"});
        t.right_align(1);
        for (const auto& [d, n] : counts) t.add_row({d, std::to_string(n)});
        if (eligible)
            text += "Eligible cases for fieldwork on " + format_date(o.population_args.rule().fieldwork) +
                    (problems.empty() ? "" : " (rows without a problem only)") + ":\n";
        else
            text += "Cases per domain, every date (give --fieldwork DATE for the eligible ones)" +
                    std::string(problems.empty() ? "" : " (rows without a problem only)") + ":\n";
        text += t.render();
        std::cout << text << std::flush;
    }
    if (!problems.empty()) context.exit_code = 2;
}

void setup(CLI::App& app, Context& context) {
    auto o = std::make_shared<LintOptions>();
    auto* sub = app.add_subcommand(
        "lint", "List every problem of a population file at once (grouped by kind) and the eligible cases per domain; "
                "takes draw's options, so a draw command with 'draw' changed to 'lint' checks its input");
    sub->add_option("POPULATION", o->population, "The service's list of cases (CSV)")->required();
    add_population_options(*sub, o->population_args, true);
    add_eligibility_options(*sub, o->population_args, false);
    auto* group = sub->add_option_group("draw's options", "Accepted and not used, so a draw command can be linted as it is");
    group->add_option("--size", o->sizes, "as for draw");
    group->add_option("--confidence", o->confidence, "as for draw");
    group->add_option("--margin", o->margin, "as for draw");
    group->add_option("--proportion", o->proportion, "as for draw");
    group->add_option("--seed", o->seed, "as for draw");
    group->add_option("--reserve", o->reserve, "as for draw");
    group->add_option("--method", o->method, "as for draw");
    group->add_option("--out", o->out, "as for draw");
    group->add_flag("--force", o->force, "as for draw");
    add_format_option(*sub, o->format);
    sub->callback([o, &context] { run(*o, context); });
}

const Registration registration(15, setup);

}  // namespace
}  // namespace casesample::cli
