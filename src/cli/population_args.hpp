#pragma once
// Options shared by every subcommand that reads a population file: column names, vocabulary,
// unknown categories, kept columns, and the eligibility windows.
#include "casesample/population_args.hpp"
#include "command.hpp"

namespace casesample::cli {

// Declares the reading options (--column, --vocabulary, --add-vocabulary, --unknown-as, --keep-columns).
void add_population_options(CLI::App& app, PopulationArgs& args, bool with_keep_columns = true);
// Declares --fieldwork (required or not), --court-window, --ooc-window, --window.
void add_eligibility_options(CLI::App& app, PopulationArgs& args, bool fieldwork_required);

}  // namespace casesample::cli
