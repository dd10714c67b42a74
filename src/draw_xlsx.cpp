// The workbook of a draw: its own file, as sample_folder.hpp and report.hpp both name a DomainSummary.
#include <algorithm>

#include "casesample/dates.hpp"
#include "casesample/draw.hpp"
#include "casesample/manifest.hpp"
#include "casesample/output.hpp"
#include "casesample/report_xlsx.hpp"
#include "casesample/sample_folder.hpp"

namespace casesample {

namespace {

// The manifest as About rows: "inputs 1 sha256", "parameters confidence", ... (the per-category margins are on
// the Balance sheet and left out here).
void flatten(const nlohmann::ordered_json& j, const std::string& key, XlsxAbout& rows) {
    if (j.is_object()) {
        for (const auto& [k, v] : j.items()) {
            if (k == "margins") continue;
            flatten(v, key.empty() ? k : key + " " + k, rows);
        }
    } else if (j.is_array()) {
        const bool pairs = std::all_of(j.begin(), j.end(), [](const auto& e) {
            return e.is_array() && e.size() == 2 && e[0].is_string();
        });
        const bool strings = std::all_of(j.begin(), j.end(), [](const auto& e) { return e.is_string(); });
        if (j.empty()) {
            rows.push_back({key, "none"});
        } else if (strings) {
            // The command line as it could be typed again: words with spaces or quotes in single quotes.
            std::string joined;
            for (const auto& e : j) {
                const auto word = e.template get<std::string>();
                const bool plain = !word.empty() && word.find_first_of(" \t\n'\"") == std::string::npos;
                joined += (joined.empty() ? "" : " ") + (plain ? word : "'" + word + "'");
            }
            rows.push_back({key, joined});
        } else if (pairs) {
            for (const auto& e : j) flatten(e[1], key + " " + e[0].template get<std::string>(), rows);
        } else {
            std::size_t i = 0;
            for (const auto& e : j) flatten(e, key + " " + std::to_string(++i), rows);
        }
    } else if (j.is_string()) {
        rows.push_back({key, j.get<std::string>()});
    } else if (j.is_number_float()) {
        rows.push_back({key, format_shortest(j.get<double>())});
    } else if (!j.is_null()) {
        rows.push_back({key, j.dump()});
    }
}

const std::vector<std::string> kCaseColumns = {"case_id", "domain", "disposal_type", "gender", "rosh", "swb"};

std::vector<std::string> case_header(const Population& pop, const char* order_column,
                                     std::initializer_list<const char*> extra = {}) {
    std::vector<std::string> h = kCaseColumns;
    h.push_back(order_column);
    h.push_back("inclusion_probability");
    for (const auto& k : pop.kept_columns) h.push_back(k);
    for (std::string e : extra) {
        // A kept column of the same name keeps it; the fieldwork column says what it is.
        if (std::find(h.begin(), h.end(), e) != h.end()) e += " (fieldwork)";
        h.push_back(e);
    }
    return h;
}

void case_cells(XlsxWriter& x, const Population& pop, const std::string& domain, std::uint32_t i) {
    x.text(pop.id(i)).text(domain);
    for (std::size_t s = 0; s < kStratifierCount; ++s) x.text(pop.category(i, static_cast<Stratifier>(s)));
}

void kept_cells(XlsxWriter& x, const Population& pop, std::uint32_t i) {
    const std::size_t k = pop.kept_columns.size();
    for (std::size_t c = 0; c < k; ++c) x.text(pop.kept_values[static_cast<std::size_t>(i) * k + c]);
}

}  // namespace

std::string draw_workbook(const DrawnSample& sample, const XlsxAbout& about) {
    const Population& pop = sample.loaded.population;
    const DrawResult& result = sample.result;
    XlsxWriter x("casesample draw");

    // The same rows, columns and numbers as sample.csv and reserves.csv (see draw.cpp), for fieldwork.
    x.sheet("Sample", case_header(pop, "selection_order", {"inspector", "date read", "notes"}));
    for (const auto& ds : result.domains) {
        const double nominal = static_cast<double>(ds.sample_size) / static_cast<double>(ds.cases.size());
        for (std::size_t k = 0; k < ds.draw.selected.size(); ++k) {
            const auto i = ds.cases[ds.draw.selected[k]];
            case_cells(x, pop, ds.domain, i);
            x.integer(static_cast<long long>(k + 1));
            const double p = ds.substituted_from[k] == 0 && k < ds.draw.inclusion_probability.size()
                                 ? ds.draw.inclusion_probability[k]
                                 : nominal;
            x.number(p, 6);
            kept_cells(x, pop, i);
            x.end_row();
        }
    }
    x.sheet("Reserves", case_header(pop, "reserve_order"));
    for (const auto& ds : result.domains) {
        const double nominal = static_cast<double>(ds.sample_size) / static_cast<double>(ds.cases.size());
        for (std::size_t j = 0; j < ds.draw.reserves.size(); ++j) {
            const auto i = ds.cases[ds.draw.reserves[j]];
            case_cells(x, pop, ds.domain, i);
            x.integer(static_cast<long long>(ds.reserve_order[j])).number(nominal, 6);
            kept_cells(x, pop, i);
            x.end_row();
        }
    }
    x.sheet("Balance", {"domain", "variable", "category", "population", "population_share", "target", "drawn",
                        "deviation"});
    for (const auto& r : balance_rows(pop, result)) {
        x.text(r.domain).text(kStratifierNames[static_cast<std::size_t>(r.variable)]).text(r.category);
        x.integer(r.population).number(r.population_share, 6).number(r.target, 4).integer(r.drawn).integer(r.deviation);
        x.end_row();
    }
    x.sheet("Excluded", {"case_id", "disposal_type", "disposal_date", "domain", "reason"});
    const auto& excluded = sample.loaded.eligible.excluded;
    for (const auto& e : excluded) {
        const auto i = e.case_index;
        x.text(pop.id(i)).text(pop.category(i, Stratifier::disposal_type)).text(format_date(pop.disposal_date[i]));
        x.text(pop.vocabulary.domains()[pop.domain[i]]).text(e.reason);
        x.end_row();
    }
    const std::size_t excluded_dropped = x.dropped_rows();

    XlsxAbout rows;
    flatten(manifest_json(sample.manifest, pop, sample.loaded.eligible, result), "", rows);
    if (excluded_dropped > 0)
        rows.push_back({"note", "Excluded lists the first " + std::to_string(excluded.size() - excluded_dropped) +
                                    " of the " + std::to_string(excluded.size()) +
                                    " cases not eligible (Excel's limit); excluded.csv lists them all"});
    rows.insert(rows.end(), about.begin(), about.end());
    write_about_sheet(x, rows);
    return x.finish();
}

}  // namespace casesample
