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

// read_population with the lint command to run appended to an error in the file (not to a file that is not text,
// whose message already says what to do): "(to see every problem at once, run: casesample lint FILE OPTIONS)",
// with the options `as_read` (those that read the file as `options` do: size --from's --stratify disposal_type).
Population read_population_or_hint(const std::string& path, const PopulationOptions& options,
                                   const PopulationArgs& as_read);

}  // namespace casesample::cli
