#pragma once
// How the user gives an option, for the hints of error messages ("...; use --column rosh=\"Risk Level\"").
// The core names an option by its key, the command line's long name without the dashes ("column",
// "unknown-as", "date-format", "encoding", "window", "add-vocabulary", "drop-identical-duplicates", ...); the
// caller says how its users write one. Without a form for a key, the command line's spelling is used:
// name "--KEY", with a value "--KEY ITEM=VALUE" or "--KEY VALUE" (the value in double quotes when it holds
// anything but letters, digits and - _ . / % : , + @). `batch` gives
// the services file's forms, so that a population file inside a batch is corrected in the services file.
#include <map>
#include <string>
#include <string_view>

namespace casesample {

struct OptionHints {
    // How one option is written: `name` alone ("--keep-columns"), and `with_value`, where {item} and {value}
    // stand for the parts of ITEM=VALUE options (column, window) or {value} for the value of others
    // ("--unknown-as \"{value}\""); a flag's with_value has no placeholder ("--drop-identical-duplicates").
    struct Form {
        std::string name;
        std::string with_value;
    };
    std::map<std::string, Form, std::less<>> forms;
    // The command that lists every problem of the file at once, as the user would type it ("": the default
    // "run 'casesample lint FILE ...' with the same options").
    std::string every_problem_command;
    // Where a file holds the options (batch's services file): the place of each key's value ("window"), and of
    // one item of an ITEM=VALUE option ("window.out-of-court") when it is written as a table. A mistake in an
    // option's value is then an InputError at that place (FILE:LINE:COLUMN), not a UsageError.
    struct Place {
        std::string file;
        std::size_t line = 0, column = 0;
    };
    std::map<std::string, Place, std::less<>> places;

    // The option's name: "--keep-columns", or its form's.
    std::string name(std::string_view key) const;
    // The option with a value, ready to be written after "use" or "give": --column rosh="Risk Level",
    // --unknown-as "Not known", --add-vocabulary FILE, --drop-identical-duplicates (value and item empty).
    std::string with(std::string_view key, std::string_view value = {}, std::string_view item = {}) const;
    // A mistake in the option `key` (its item `item`, when one is to blame): InputError at the place of key.item,
    // else of key, when one is known; UsageError otherwise (the command line's options have no place).
    [[noreturn]] void refuse(std::string_view key, std::string_view item, const std::string& message) const;
};

}  // namespace casesample
