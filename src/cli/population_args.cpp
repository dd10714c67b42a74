#include "population_args.hpp"

#include "casesample/text_input.hpp"

#include "casesample/error.hpp"

namespace casesample::cli {

void add_population_options(CLI::App& app, PopulationArgs& args, bool with_keep_columns) {
    app.add_option("--profile", args.profile,
                   "A profile (TOML) of the case-management system the file came from: column names, header "
                   "synonyms, date format, encoding, unknown-as (see docs/input-files.md); options typed here win");
    app.add_option("--column", args.columns,
                   "Read a required column under another header name: --column rosh=\"Risk of serious harm\" "
                   "(repeatable)");
    app.add_option("--vocabulary", args.vocabulary,
                   "Use this vocabulary file (variable,category,synonyms,domain) instead of the built-in one");
    app.add_option("--add-vocabulary", args.add_vocabulary,
                   "Add the categories and synonyms of this vocabulary file to the built-in one (repeatable)");
    app.add_option("--unknown-as", args.unknown_as,
                   "Keep unmatched or blank gender, rosh and swb values (any stratifier's but disposal_type's) as "
                   "this category (e.g. \"Not known\") instead of stopping with an error");
    app.add_option("--stratify", args.stratify,
                   "Balance on these variables of the vocabulary, comma-separated (default disposal_type,gender,"
                   "rosh,swb; at most 8, disposal_type always among them), e.g. "
                   "disposal_type,gender,rosh,swb,ethnicity with ethnicity defined in an --add-vocabulary file");
    app.add_option("--date-format", args.date_format,
                   "Form of the disposal dates when not D/M/YYYY, DD/MM/YYYY or YYYY-MM-DD (with or without a "
                   "time): %d day, %m month, %b month name, %Y year, %y two-digit year, e.g. %m/%d/%Y or %d-%b-%y");
    app.add_option("--encoding", args.encoding,
                   "Character encoding of the file: utf-8 (default), windows-1252 (Excel's plain 'CSV') or latin-1")
        ->check(CLI::IsMember({"utf-8", "utf8", "windows-1252", "cp1252", "latin-1", "latin1", "iso-8859-1"},
                              CLI::ignore_case));
    app.add_flag("--drop-identical-duplicates", args.drop_identical_duplicates,
                 "Keep one of rows that repeat each other in every cell (counted in the output and manifest); a "
                 "case id repeated with different values stays an error");
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

Population read_population_or_hint(const std::string& path, const PopulationOptions& options,
                                   const PopulationArgs& as_read) {
    try {
        return read_population(path, options);
    } catch (const InputError& e) {
        if (e.file() != path || e.line() == 0) throw;
        // A file that is not text (a workbook, a PDF, UTF-16): its message says how to save it as CSV, which is
        // what helps; lint would only say the same.
        if (find_not_text_in_file(path, "CSV")) throw;
        throw InputError(e.file(), e.line(), e.column(),
                         e.message() + " (to see every problem at once, run: " +
                             shell_text(population_command("lint", path, as_read)) + ")");
    }
}

}  // namespace casesample::cli
