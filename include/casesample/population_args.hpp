#pragma once
// How a population file is read and which of its cases are eligible, as typed options: column names,
// vocabulary files, unknown categories, kept columns, fieldwork date and eligibility windows. The CLI fills
// it from its options (src/cli/population_args.hpp), `batch` from a services file, and a manifest records
// it (describe / from_describe), so a draw can be rebuilt from the manifest alone.
#include <string>
#include <utility>
#include <vector>

#include "casesample/population.hpp"
#include "casesample/vocabulary.hpp"

namespace casesample {

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
    std::string profile;               // TOML file: columns, synonyms, date format, encoding, unknown-as
    std::string date_format;           // --date-format
    std::string encoding;              // --encoding
    bool drop_identical_duplicates = false;
    std::string stratify;  // --stratify a,b,c: variables of the vocabulary (empty: the default four)
    // How the user writes these options, for the hints of error messages (the command line's by default;
    // batch gives the services file's). Not an option itself: describe() leaves it out.
    OptionHints hints;

    PopulationOptions options() const;
    // The rule for --fieldwork; throws UsageError when the date is missing or bad, and, given the
    // vocabulary, when --window names a domain it does not have.
    EligibilityRule rule(const Vocabulary* vocabulary = nullptr) const;
    // Everything the options say, for manifests: name -> value.
    std::vector<std::pair<std::string, std::string>> describe() const;
    // The inverse of describe(): the options as a manifest recorded them.
    static PopulationArgs from_describe(const std::vector<std::pair<std::string, std::string>>& described);
};

// The command that runs `command` ("lint", "draw") on the file `population` read and judged eligible as `args`
// say, word by word: {"casesample", "lint", FILE, "--column", "rosh=Risk Level", "--fieldwork", "2019-06-03"}
// (the windows only when not the defaults).
std::vector<std::string> population_command(const std::string& command, const std::string& population,
                                            const PopulationArgs& args);
// A command as it would be typed into a shell: words holding anything but letters, digits and - _ . / = : , %
// + @ in single quotes.
std::string shell_text(const std::vector<std::string>& words);

// The fieldwork date and the windows of each domain, in one line that cannot be misread month first:
// "fieldwork 3 June 2019 (2019-06-03): court disposals dated 2018-09-03 to 2018-12-03, out-of-court 2018-12-03 to
// 2019-03-03".
std::string eligibility_text(const EligibilityRule& rule, const EligiblePopulation& eligible);

}  // namespace casesample
