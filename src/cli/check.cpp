// casesample check — the balance of a sample drawn by hand or by another tool, with a chi-square test.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "casesample/balance_check.hpp"
#include "casesample/csv.hpp"
#include "casesample/error.hpp"
#include "casesample/headers.hpp"
#include "casesample/output.hpp"
#include "command.hpp"
#include "draw_common.hpp"
#include "population_args.hpp"

namespace casesample::cli {
namespace {

struct CheckOptions {
    std::string population;
    std::string sample;
    PopulationArgs population_args;
    std::string format = "table";
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The stratifiers a sample was drawn with, as casesample's sample.csv lists them: its columns from disposal_type
// (right after domain) up to selection_order; nullopt for any other file (a sample drawn by hand or another tool).
struct DrawnStratifiers {
    std::vector<std::string> names;
    std::size_t first_column = 0;  // 0-based column of the first
};
std::optional<DrawnStratifiers> drawn_stratifiers(const std::vector<std::string>& header) {
    auto name = [&](std::size_t i) { return std::string(trim(header[i])); };
    for (std::size_t k = 0; k + 2 < header.size(); ++k) {
        if (name(k) != "domain" || name(k + 1) != "disposal_type") continue;
        DrawnStratifiers d;
        d.first_column = k + 1;
        for (std::size_t i = k + 1; i < header.size(); ++i) {
            if (name(i) == "selection_order") return d;
            d.names.push_back(name(i));
        }
        return std::nullopt;
    }
    return std::nullopt;
}

// The vocabulary files the draw next to the sample used (its manifest.json's population options), for a hint.
std::vector<std::string> manifest_vocabularies(const std::string& sample) {
    std::vector<std::string> out;
    try {
        auto path = std::filesystem::path(sample).parent_path() / "manifest.json";
        std::ifstream in(path);
        if (!in) return out;
        auto m = nlohmann::json::parse(in, nullptr, false);
        if (m.is_discarded() || !m.contains("parameters")) return out;
        for (const auto& kv : m["parameters"].value("population_options", nlohmann::json::array()))
            if (kv.is_array() && kv.size() == 2 && kv[0] == "add_vocabulary" && kv[1].is_string())
                out.push_back(kv[1].get<std::string>());
    } catch (const std::exception&) {
        out.clear();  // only a hint: a manifest that cannot be read gives none
    }
    return out;
}

void run(const CheckOptions& o) {
    // A sample folder given for SAMPLE: its sample.csv is what to check.
    if (std::error_code ec; std::filesystem::is_directory(o.sample, ec)) {
        const auto inside = (std::filesystem::path(o.sample) / "sample.csv").string();
        throw UsageError("SAMPLE " + o.sample + " is a folder; give the sample file in it" +
                         (std::filesystem::is_regular_file(inside, ec) ? ", such as " + inside
                                                                       : " (a CSV with a case_id column)"));
    }
    auto options = o.population_args.options();
    // The stratifiers: --stratify; else those the sample was drawn with, when it is a sample.csv of casesample
    // (its stratifier columns); else the default four.
    std::string stratifiers_from = "--stratify";
    PopulationArgs as_read = o.population_args;  // the options of a lint that reads the population as check does
    if (o.population_args.stratify.empty()) {
        stratifiers_from = "default";
        std::optional<DrawnStratifiers> drawn;
        std::size_t header_line = 1;
        try {
            auto head = CsvReader::open(o.sample);
            drawn = drawn_stratifiers(head.header());
            header_line = head.header_line();
        } catch (const std::exception&) {
            drawn.reset();  // the sample is opened again below, which says what is wrong with it
        }
        if (drawn) {
            std::string list;
            for (std::size_t i = 0; i < drawn->names.size(); ++i) {
                const auto& n = drawn->names[i];
                if (!options.vocabulary.find_variable(n)) {
                    auto files = manifest_vocabularies(o.sample);
                    std::string give;
                    for (const auto& f : files) give += " --add-vocabulary " + f;
                    throw InputError(o.sample, header_line, drawn->first_column + i + 1,
                                     "the sample was drawn balancing on " + quote_value(n) +
                                         ", a variable the vocabulary does not define: give the vocabulary file the "
                                         "draw used (" + (give.empty() ? std::string("--add-vocabulary FILE") : give.substr(1)) +
                                         "), or choose the stratifiers with --stratify");
                }
                list += (list.empty() ? "" : ",") + n;
            }
            options.stratifiers = options.vocabulary.parse_stratifiers(list);
            stratifiers_from = "sample";
            std::string usual;
            for (auto s : default_stratifiers()) usual += (usual.empty() ? "" : ",") + options.vocabulary.name(s);
            if (list != usual) as_read.stratify = list;
        }
    }
    auto pop = read_population_or_hint(o.population, options, as_read);
    EligiblePopulation eligible;
    if (!o.population_args.fieldwork.empty()) {
        eligible = eligible_population(pop, o.population_args.rule(&pop.vocabulary));
    } else {
        // Without a fieldwork date every case of a domain is in its population.
        eligible.domains = pop.vocabulary.domains();
        eligible.cases.resize(eligible.domains.size());
        eligible.ranges.resize(eligible.domains.size());
        for (std::size_t i = 0; i < pop.size(); ++i) eligible.cases[pop.domain[i]].push_back(static_cast<std::uint32_t>(i));
    }
    // Where each case sits: its domain and its index in that domain's frame.
    constexpr std::uint32_t kNone = 0xFFFFFFFFu;
    std::vector<std::uint32_t> frame_index(pop.size(), kNone);
    for (const auto& cases : eligible.cases)
        for (std::size_t j = 0; j < cases.size(); ++j) frame_index[cases[j]] = static_cast<std::uint32_t>(j);
    // Why a case is not eligible (the exclusions are in file order, so found by bisection).
    auto exclusion = [&](std::uint32_t i) {
        auto at = std::lower_bound(eligible.excluded.begin(), eligible.excluded.end(), i,
                                   [](const Exclusion& e, std::uint32_t index) { return e.case_index < index; });
        return at != eligible.excluded.end() && at->case_index == i ? exclusion_reason(pop, eligible, *at)
                                                                      : std::string("outside every window");
    };

    auto reader = CsvReader::open(o.sample);
    // The case ids' column, found as the population's is: case_id or a synonym (Case Ref, URN ... from
    // fixtures/headers.csv and the profile), ignoring case, spaces and punctuation. A --column case_id=HEADER
    // names the population's header; the sample (often the population's rows) may use it too.
    std::optional<std::size_t> col;
    if (auto named = options.column_names.find("case_id"); named != options.column_names.end())
        col = locate_columns(o.sample, reader.header_line(), reader.header(), {{"case_id", named->second, false}},
                             options.header_synonyms, false)[0];
    if (!col)
        col = locate_columns(o.sample, reader.header_line(), reader.header(), {{"case_id", std::nullopt, false}},
                             options.header_synonyms, false)[0];
    if (!col) {
        std::string some, header;
        const auto& synonyms = options.header_synonyms.of("case_id");
        for (std::size_t k = 0; k < synonyms.size() && k < 4; ++k) some += ", " + synonyms[k];
        for (const auto& h : reader.header()) header += (header.empty() ? "" : ", ") + quote_value(h);
        throw InputError(o.sample, reader.header_line(), 0,
                         "missing column 'case_id': the sample file needs a column of case ids, headed case_id" + some +
                             " or another header of fixtures/headers.csv (matched ignoring case, spaces and "
                             "punctuation); its header is " + header);
    }
    // The sample's ids first (a few thousand), then one pass over the population's ids looking each up among
    // them: a table of the sample's ids stays in cache, where one of a million population ids would not.
    struct SampleRow {
        std::string id;
        std::size_t line = 0;
        std::uint32_t exact = kNone, unescaped = kNone;  // population case whose id is the cell / its unescaped form
    };
    std::vector<SampleRow> rows;
    CsvRecord rec;
    while (reader.next(rec)) {
        auto id = trim(rec.fields[*col]);
        if (id.empty()) reader.fail(rec, *col, "empty case id");
        rows.push_back({std::string(id), rec.line});
    }
    if (rows.empty()) throw InputError(o.sample, 0, 0, "the sample file lists no case");
    std::unordered_map<std::string_view, std::vector<std::pair<std::uint32_t, bool>>> wanted;  // id -> (row, exact)
    wanted.reserve(rows.size() * 2);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        std::string_view id(rows[r].id);
        wanted[id].push_back({static_cast<std::uint32_t>(r), true});
        auto plain = unescaped_cell(id);  // the tool's own escaped '-C000019
        if (plain != id) wanted[plain].push_back({static_cast<std::uint32_t>(r), false});
    }
    for (std::size_t i = 0; i < pop.size(); ++i) {
        auto it = wanted.find(pop.id(i));
        if (it == wanted.end()) continue;
        for (auto [r, exact] : it->second) {
            auto& slot = exact ? rows[r].exact : rows[r].unescaped;
            if (slot == kNone) slot = static_cast<std::uint32_t>(i);
        }
    }
    std::vector<std::vector<std::uint32_t>> selected(eligible.domains.size());
    std::unordered_map<std::uint32_t, std::size_t> seen;
    for (const auto& row : rows) {
        auto fail = [&](const std::string& message) -> void { throw InputError(o.sample, row.line, *col + 1, message); };
        auto i = row.exact != kNone ? row.exact : row.unescaped;
        if (i == kNone) fail("case " + quote_value(row.id) + " is not in the population " + o.population);
        if (frame_index[i] == kNone) fail("case " + quote_value(row.id) + " is not eligible: " + exclusion(i));
        auto [s, fresh] = seen.emplace(i, row.line);
        if (!fresh) fail("case " + quote_value(row.id) + " appears twice (first on line " + std::to_string(s->second) + ")");
        selected[pop.domain[i]].push_back(frame_index[i]);
    }

    DrawResult result;
    for (std::size_t d = 0; d < eligible.domains.size(); ++d) {
        if (selected[d].empty()) continue;
        DomainSample ds;
        ds.domain = eligible.domains[d];
        ds.cases = eligible.cases[d];
        ds.frame = make_frame(pop, ds.cases);
        ds.sample_size = selected[d].size();
        ds.draw.selected = selected[d];
        ds.targets = proportional_targets(ds.frame, ds.sample_size);
        result.domains.push_back(std::move(ds));
    }

    struct FitRow {
        std::string domain;
        StratifierFit fit;
    };
    std::vector<FitRow> fits;
    for (const auto& ds : result.domains)
        for (auto& f : stratifier_fits(pop.vocabulary, ds.frame, ds.draw.selected)) fits.push_back({ds.domain, f});

    if (o.format == "json") {
        nlohmann::ordered_json j;
        auto& domains = j["domains"] = nlohmann::ordered_json::array();
        for (const auto& ds : result.domains) {
            nlohmann::ordered_json d;
            d["domain"] = ds.domain;
            d["population"] = ds.cases.size();
            d["sampled"] = ds.draw.selected.size();
            d["balanced"] = domain_misses(ds).empty();
            domains.push_back(d);
        }
        j["fieldwork"] = o.population_args.fieldwork.empty() ? nlohmann::ordered_json()
                                                              : nlohmann::ordered_json(o.population_args.fieldwork);
        j["population_is"] = o.population_args.fieldwork.empty() ? "every case of every date" : "the eligible cases";
        auto& st = j["stratifiers"] = nlohmann::ordered_json::array();
        for (auto s : pop.stratifiers) st.push_back(pop.vocabulary.name(s));
        j["stratifiers_from"] = stratifiers_from;
        j["balance"] = balance_json(pop, result);
        auto& cs = j["chi_square"] = nlohmann::ordered_json::array();
        for (const auto& f : fits) {
            nlohmann::ordered_json c;
            c["domain"] = f.domain;
            c["variable"] = pop.vocabulary.name(f.fit.variable);
            c["categories"] = f.fit.categories;
            c["groups"] = f.fit.groups;
            c["statistic"] = f.fit.fit.statistic;
            c["df"] = f.fit.fit.df;
            c["p_value"] = f.fit.fit.p_value ? nlohmann::ordered_json(*f.fit.fit.p_value) : nlohmann::ordered_json();
            c["pooled"] = f.fit.pooled;
            cs.push_back(c);
        }
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::string text = balance_table(pop, result) + "\n";
    TextTable t({"domain", "variable", "chi-square", "df", "p-value", "pooled (expected < 5)"});
    for (std::size_t c : {2, 3, 4}) t.right_align(c);
    for (const auto& f : fits) {
        std::string pooled;
        for (const auto& p : f.fit.pooled) pooled += (pooled.empty() ? "" : ", ") + p;
        t.add_row({f.domain, pop.vocabulary.name(f.fit.variable),
                   f.fit.fit.df > 0 ? format_fixed(f.fit.fit.statistic, 3) : "-", std::to_string(f.fit.fit.df),
                   f.fit.fit.p_value ? format_fixed(*f.fit.fit.p_value, 4) : "too few cases", pooled});
    }
    text += t.render() + "\n";
    text += "Stratifiers " + pop.vocabulary.stratifier_names(pop.stratifiers);
    if (stratifiers_from == "sample")
        text += " (those the sample was drawn with: the columns of " + o.sample + ")\n";
    else if (stratifiers_from == "default")
        text += " (the default four: " + o.sample +
                " does not say which the sample was drawn with; --stratify chooses others)\n";
    else
        text += " (--stratify)\n";
    for (const auto& ds : result.domains)
        text += ds.domain + ": " + std::to_string(ds.draw.selected.size()) + " sampled of " +
                std::to_string(ds.cases.size()) + (o.population_args.fieldwork.empty() ? " cases" : " eligible cases") +
                "\n";
    if (o.population_args.fieldwork.empty())
        text += "No --fieldwork date: every case of every date in " + o.population +
                " was taken as the population of its domain (give --fieldwork DATE to use the eligible cases only).\n";
    std::string misses = misses_text(pop, result);
    if (misses.empty()) text += "Every category of every stratifier is within its floor/ceiling.\n";
    else text += misses;
    std::cout << text << std::flush;
}

void setup(CLI::App& app, Context&) {
    auto o = std::make_shared<CheckOptions>();
    auto* sub = app.add_subcommand("check", "Balance and chi-square test of a sample drawn by hand or another tool");
    sub->add_option("POPULATION", o->population, "The service's list of cases (CSV)")->required();
    sub->add_option("SAMPLE", o->sample, "The sample: a CSV with a case_id column")->required();
    add_population_options(*sub, o->population_args, false);
    add_eligibility_options(*sub, o->population_args, false);
    add_format_option(*sub, o->format);
    sub->callback([o] { run(*o); });
}

const Registration registration(23, setup);

}  // namespace
}  // namespace casesample::cli
