#pragma once
// Options shared by every subcommand that reads a population file: column names, vocabulary,
// unknown categories, kept columns, and the eligibility windows.
#include <optional>
#include <string>
#include <vector>

#include "casesample/population.hpp"
#include "casesample/vocabulary.hpp"
#include "command.hpp"

namespace casesample::cli {

struct PopulationArgs {
    std::vector<std::string> columns;  // standard=Header
    std::string vocabulary;            // replaces the built-in vocabulary
    std::vector<std::string> add_vocabulary;
    std::string unknown_as;
    std::string keep_columns;  // a,b,c
    std::string fieldwork;     // YYYY-MM-DD
    std::string court_window = "6-9";
    std::string ooc_window = "3-5";
    std::vector<std::string> windows;  // domain=FROM-TO

    PopulationOptions options() const;
    // The rule for --fieldwork; throws UsageError when the date is missing or bad, and, given the
    // vocabulary, when --window names a domain it does not have.
    EligibilityRule rule(const Vocabulary* vocabulary = nullptr) const;
    // Everything the options say, for manifests: name -> value.
    std::vector<std::pair<std::string, std::string>> describe() const;
    // The inverse of describe(): the options as a manifest recorded them.
    static PopulationArgs from_describe(const std::vector<std::pair<std::string, std::string>>& described);
};

// Declares the reading options (--column, --vocabulary, --add-vocabulary, --unknown-as, --keep-columns).
void add_population_options(CLI::App& app, PopulationArgs& args, bool with_keep_columns = true);
// Declares --fieldwork (required or not), --court-window, --ooc-window, --window.
void add_eligibility_options(CLI::App& app, PopulationArgs& args, bool fieldwork_required);

}  // namespace casesample::cli
