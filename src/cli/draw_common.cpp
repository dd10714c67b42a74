#include "draw_common.hpp"

#include <sys/stat.h>

#include <fstream>

#include "casesample/dates.hpp"
#include "casesample/sample_folder.hpp"

#include "casesample/manifest.hpp"
#include "casesample/output.hpp"

namespace casesample::cli {

std::vector<std::string> command_line() {
    std::vector<std::string> args;
    std::ifstream f("/proc/self/cmdline", std::ios::binary);
    std::string arg;
    while (std::getline(f, arg, '\0')) args.push_back(arg);
    return args;
}

std::string command_text() {
    std::string out;
    for (const auto& a : command_line()) {
        if (!out.empty()) out += ' ';
        out += a.find_first_of(" \t\n'\"") == std::string::npos && !a.empty() ? a : "'" + a + "'";
    }
    return out;
}

bool working_inside(const std::string& folder_or_manifest) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path dir;
    if (fs::is_directory(folder_or_manifest, ec)) dir = folder_or_manifest;
    else if (fs::is_regular_file(folder_or_manifest, ec)) dir = fs::path(folder_or_manifest).parent_path();
    else return false;  // not there yet: nobody is inside it
    if (dir.empty()) dir = ".";
    struct stat here {}, folder {};
    return ::stat(".", &here) == 0 && ::stat(dir.c_str(), &folder) == 0 && here.st_dev == folder.st_dev &&
           here.st_ino == folder.st_ino;
}

std::string working_inside_note(const std::string& folder_or_manifest) {
    return "casesample: note: your shell is inside " + folder_or_manifest +
           ", which casesample has just replaced by its new state; run 'cd .' to see the new files there\n";
}

std::string balance_table(const Population& pop, const DrawResult& result) {
    TextTable t({"domain", "variable", "category", "population", "share", "target", "allowed", "drawn", "balance"});
    for (std::size_t c : {3, 4, 5, 6, 7}) t.right_align(c);
    for (const auto& r : balance_rows(pop, result)) {
        std::string allowed = r.floor == r.ceiling ? std::to_string(r.floor)
                                                   : std::to_string(r.floor) + "-" + std::to_string(r.ceiling);
        std::string status = r.deviation == 0 ? "ok"
                             : r.deviation > 0 ? "MISS +" + std::to_string(r.deviation)
                                               : "MISS " + std::to_string(r.deviation);
        t.add_row({r.domain, pop.vocabulary.name(r.variable), r.category,
                   std::to_string(r.population), format_percent(r.population_share, 1), format_fixed(r.target, 2),
                   allowed, std::to_string(r.drawn), status});
    }
    return t.render();
}

std::string misses_text(const Population& pop, const DrawResult& result) {
    std::string out;
    for (const auto& ds : result.domains) {
        auto misses = domain_misses(ds);
        if (misses.empty()) continue;
        out += "MARGINS MISSED in " + ds.domain + " (" + std::to_string(ds.draw.selected.size()) +
               " cases): " + describe_misses(pop.vocabulary, misses) + "\n";
    }
    return out;
}

nlohmann::ordered_json balance_json(const Population& pop, const DrawResult& result) {
    auto rows = nlohmann::ordered_json::array();
    for (const auto& r : balance_rows(pop, result)) rows.push_back(balance_row_json(pop.vocabulary, r, true));
    return rows;
}

void eligibility_json(nlohmann::ordered_json& j, const EligibilityRule& rule, const EligiblePopulation& eligible) {
    j["fieldwork"] = format_date(rule.fieldwork);
    j["fieldwork_in_words"] = format_date_in_words(rule.fieldwork);
    auto& windows = j["windows"] = nlohmann::ordered_json::array();
    for (std::size_t d = 0; d < eligible.domains.size() && d < eligible.ranges.size(); ++d)
        windows.push_back({{"domain", eligible.domains[d]},
                           {"first", format_date(eligible.ranges[d].first)},
                           {"last", format_date(eligible.ranges[d].last)}});
}

nlohmann::ordered_json probability_json(double p) { return nlohmann::ordered_json::parse(format_fixed(p, 6)); }

// What draw --force did with the old sample's other files, in words (empty when nothing).
std::string replacement_text(const std::string& dir, const FolderReplacement& r) {
    auto list = [](const std::vector<std::string>& names) {
        std::string s;
        for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
        return s;
    };
    std::string text;
    if (!r.removed.empty())
        text += "Removed from " + dir + ", as they described the replaced sample: " + list(r.removed) + "\n";
    if (!r.renamed.empty()) {
        std::string kept;
        for (const auto& [from, to] : r.renamed) kept += (kept.empty() ? "" : ", ") + from + " -> " + to;
        text += "Kept beside the new sample in " + dir + ", renamed: " + kept + "\n";
    }
    if (!r.left.empty())
        text += "Left in " + dir + " as they were (casesample did not write them; check they still apply to the new "
                "sample): " + list(r.left) + "\n";
    return text;
}

nlohmann::ordered_json replacement_json(const FolderReplacement& r) {
    nlohmann::ordered_json j;
    j["renamed"] = nlohmann::ordered_json::array();
    for (const auto& [from, to] : r.renamed) j["renamed"].push_back({{"from", from}, {"to", to}});
    j["removed"] = r.removed;
    j["left"] = r.left;
    return j;
}

std::string derived_updates_text(const std::string& dir, const DerivedUpdates& d) {
    std::string text;
    auto list = [](const std::vector<std::string>& names) {
        std::string out;
        for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
        return out;
    };
    // After reserves only the reserves changed: the text says so, not that the sample did.
    const std::string what = d.sample_changed ? "the sample" : "the reserves";
    if (!d.pages_rewritten.empty())
        text += std::string(d.pages_rewritten.size() == 1 ? "Rewrote the page" : "Rewrote the pages") + " of the draw in " + dir +
                (d.sample_changed ? " for the sample as it now is: " : " for the reserves as they now are: ") +
                list(d.pages_rewritten) + "\n";
    for (const auto& [from, to] : d.workbooks_written)
        text += "The workbook " + from + " still shows " + what + " before this change; it is left as it was (it may hold "
                "inspectors' notes). The up-to-date workbook is " + to + " beside it: work from it, copying over any "
                "notes typed into " + from + "\n";
    if (!d.out_of_date.empty()) {
        text += "Out of date (they show " + what + " before this change):\n";
        for (const auto& line : d.out_of_date) text += "  " + line + "\n";
    }
    return text;
}

nlohmann::ordered_json derived_updates_json(const DerivedUpdates& d) {
    nlohmann::ordered_json j;
    j["pages_rewritten"] = d.pages_rewritten;
    auto& w = j["workbooks_written"] = nlohmann::ordered_json::array();
    for (const auto& [from, to] : d.workbooks_written) w.push_back({{"old", from}, {"new", to}});
    j["out_of_date"] = d.out_of_date;
    return j;
}

std::string reserves_left_words(std::size_t n) {
    if (n == 0) return "no reserve left";
    return std::to_string(n) + (n == 1 ? " reserve left" : " reserves left");
}

}  // namespace casesample::cli
