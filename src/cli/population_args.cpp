#include "population_args.hpp"

namespace casesample::cli {

void add_population_options(CLI::App& app, PopulationArgs& args, bool with_keep_columns) {
    app.add_option("--column", args.columns,
                   "Read a required column under another header name: --column rosh=\"Risk of serious harm\" "
                   "(repeatable)");
    app.add_option("--vocabulary", args.vocabulary,
                   "Use this vocabulary file (variable,category,synonyms,domain) instead of the built-in one");
    app.add_option("--add-vocabulary", args.add_vocabulary,
                   "Add the categories and synonyms of this vocabulary file to the built-in one (repeatable)");
    app.add_option("--unknown-as", args.unknown_as,
                   "Keep unmatched gender, rosh and swb values as this category (e.g. \"Not known\") instead of "
                   "stopping with an error");
    if (with_keep_columns)
        app.add_option("--keep-columns", args.keep_columns,
                       "Copy these further columns (comma-separated) into sample.csv and reserves.csv");
}

void add_eligibility_options(CLI::App& app, PopulationArgs& args, bool fieldwork_required) {
    auto* f = app.add_option("--fieldwork", args.fieldwork, "First day of fieldwork, YYYY-MM-DD or DD/MM/YYYY");
    if (fieldwork_required) f->required();
    app.add_option("--court-window", args.court_window,
                   "Court disposals are eligible when dated FROM-TO months before fieldwork")
        ->capture_default_str();
    app.add_option("--ooc-window", args.ooc_window,
                   "Out-of-court disposals are eligible when dated FROM-TO months before fieldwork")
        ->capture_default_str();
    app.add_option("--window", args.windows,
                   "Eligibility window of any domain: DOMAIN=FROM-TO (repeatable; overrides the two above)");
}

}  // namespace casesample::cli
