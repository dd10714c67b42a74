// The workbook of a draw: its own file, as sample_folder.hpp and report.hpp both name a DomainSummary.
#include <algorithm>

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

// The Sample sheet's header: sample.csv's, then the fieldwork's own columns (a kept column of the same name
// keeps it; the fieldwork column then says what it is).
std::vector<std::string> fieldwork_header(const Population& pop) {
    std::vector<std::string> h = sample_header(pop);
    for (std::string column : {"inspector", "date read", "notes"}) {
        if (std::find(h.begin(), h.end(), column) != h.end()) column += " (fieldwork)";
        h.push_back(column);
    }
    return h;
}

}  // namespace

Workbook draw_workbook_file(const DrawnSample& sample, const XlsxAbout& about) {
    const Population& pop = sample.loaded.population;
    const DrawResult& result = sample.result;
    XlsxWriter x("casesample draw");

    // The rows and columns of sample.csv, reserves.csv, balance.csv and excluded.csv, by the same code.
    x.sheet("Sample", fieldwork_header(pop));
    write_sample_rows(x, pop, result);
    x.sheet("Reserves", reserves_header(pop));
    write_reserves_rows(x, pop, result);
    x.sheet("Balance", kBalanceColumns);
    write_balance_rows(x, pop, result);
    x.sheet("Excluded", kExcludedColumns);
    const auto& excluded = sample.loaded.eligible.excluded;
    write_excluded_rows(x, pop, sample.loaded.eligible);
    const std::size_t excluded_dropped = x.dropped_rows();

    XlsxAbout rows;
    flatten(manifest_json(sample.manifest, pop, sample.loaded.eligible, result), "", rows);
    if (excluded_dropped > 0)
        rows.push_back({"note", "Excluded lists the first " + std::to_string(excluded.size() - excluded_dropped) +
                                    " of the " + std::to_string(excluded.size()) +
                                    " cases not eligible (Excel's limit); excluded.csv lists them all"});
    rows.insert(rows.end(), about.begin(), about.end());
    write_about_sheet(x, rows);
    return x.finish_workbook();
}

std::string draw_workbook(const DrawnSample& sample, const XlsxAbout& about) {
    return draw_workbook_file(sample, about).bytes();
}

}  // namespace casesample
