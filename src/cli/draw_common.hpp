#pragma once
// What draw, substitute, check and verify print: the balance table, the misses and the balance as JSON.
// The work itself (loading, drawing, writing, rebuilding a folder) is in casesample/sample_folder.hpp.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "casesample/draw.hpp"
#include "casesample/sample_folder.hpp"

namespace casesample::cli {

// argv as typed (from /proc/self/cmdline), for the manifest.
std::vector<std::string> command_line();
// The same as one line, for messages naming who holds a folder's lock.
std::string command_text();
// True when the current directory is the sample folder (given as the folder or its manifest): a change swaps
// the folder for its new state, so a shell inside it must `cd .` to see the new files. Call before the change.
bool working_inside(const std::string& folder_or_manifest);
// The note to print after a change when working_inside was true.
std::string working_inside_note(const std::string& folder_or_manifest);

// The balance table, the misses (empty when none) and the balance as JSON rows, as draw prints them.
std::string balance_table(const Population& population, const DrawResult& result);
std::string misses_text(const Population& population, const DrawResult& result);
nlohmann::ordered_json balance_json(const Population& population, const DrawResult& result);
// What replacing a sample (draw --force, batch --force) did with the old sample's other files: in words, one
// line each for removed, renamed and left ("" when nothing), and as JSON {renamed: [{from, to}], removed, left}.
std::string replacement_text(const std::string& dir, const FolderReplacement& r);
nlohmann::ordered_json replacement_json(const FolderReplacement& r);
// What substitute or reserves did to the pages and workbooks about the sample: in words ("" when there were none)
// and as JSON {pages_rewritten, workbooks_written: [{old, new}], out_of_date}.
std::string derived_updates_text(const std::string& dir, const DerivedUpdates& d);
nlohmann::ordered_json derived_updates_json(const DerivedUpdates& d);
// "1 reserve left", "3 reserves left", "no reserve left".
std::string reserves_left_words(std::size_t n);
// The fieldwork date and each domain's window, as draw and size --from give them in JSON: "fieldwork":
// "2019-06-03", "fieldwork_in_words": "3 June 2019", "windows": [{domain, first, last}] (dates, both included).
void eligibility_json(nlohmann::ordered_json& j, const EligibilityRule& rule, const EligiblePopulation& eligible);
// A probability as the JSON number sample.csv and reserves.csv write (6 decimals).
nlohmann::ordered_json probability_json(double p);

}  // namespace casesample::cli
