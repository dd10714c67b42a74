#pragma once
// Options shared by every subcommand that reads a population file: column names, vocabulary,
// unknown categories, kept columns, and the eligibility windows.
#include "casesample/population_args.hpp"
#include "command.hpp"

namespace casesample::cli {

// Declares the reading options (--profile, --column, --vocabulary, --add-vocabulary, --unknown-as, --date-format,
// --encoding, --drop-identical-duplicates, --keep-columns).
void add_population_options(CLI::App& app, PopulationArgs& args, bool with_keep_columns = true);
// Declares --fieldwork (required or not), --court-window, --ooc-window, --window.
void add_eligibility_options(CLI::App& app, PopulationArgs& args, bool fieldwork_required);

// "casesample lint FILE OPTIONS": the command to suggest after the first problem of a file; `lint_options` are
// written after the file (such as "--stratify disposal_type" for a reading that needs fewer columns than lint's).
std::string lint_hint(const std::string& population_path, const std::string& lint_options = "");

// read_population with the hint to run lint appended to an error in the file (not to a file that is not text,
// whose message already says what to do).
Population read_population_or_hint(const std::string& path, const PopulationOptions& options,
                                   const std::string& lint_options = "");

}  // namespace casesample::cli
