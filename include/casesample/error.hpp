#pragma once
// Errors the core raises. The command line maps them to exit codes:
// InputError and UsageError -> 2 (the user can fix the input or the options), anything else -> 1.
#include <cstddef>
#include <stdexcept>
#include <string>

namespace casesample {

// Something wrong with an input file, at a known place. line and column are 1-based;
// 0 means "not applicable" (column 0: the whole line; line 0: the whole file).
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
