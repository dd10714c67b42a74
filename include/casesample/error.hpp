#pragma once
// Errors the core raises. The command line maps them to exit codes:
// InputError and UsageError -> 2 (the user can fix the input or the options), anything else -> 1.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace casesample {

// The one offending cell of an input, as every message shows it: in single quotes, cut to `max_chars`
// characters (then "..." marks the cut), with control and escape characters (and bytes that are not UTF-8)
// written as \xNN, so a message never carries more of a child's record than that cell, and never a
// terminal escape sequence. quote_value("Extreme") == "'Extreme'".
std::string quote_value(std::string_view cell, std::size_t max_chars = 60);

// Something wrong with an input file, at a known place. line and column are 1-based;
// 0 means "not applicable" (column 0: the whole line; line 0: the whole file). The message (and what()) has
// every control character, line break included, and every byte that is not UTF-8 written as \xNN, whatever
// the thrower put in it: an error is one line and never carries a terminal escape sequence.
class InputError : public std::runtime_error {
public:
    InputError(std::string file, std::size_t line, std::size_t column, std::string message);
    const std::string& file() const noexcept { return file_; }
    std::size_t line() const noexcept { return line_; }
    std::size_t column() const noexcept { return column_; }
    const std::string& message() const noexcept { return message_; }

private:
    std::string file_;
    std::size_t line_;
    std::size_t column_;
    std::string message_;
};

// Options or parameters that cannot be used together or are out of range.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace casesample
