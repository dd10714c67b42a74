#include "casesample/error.hpp"

namespace casesample {
namespace {
std::string place(const std::string& file, std::size_t line, std::size_t column) {
    std::string p = file;
    if (line > 0) {
        p += ':' + std::to_string(line);
        if (column > 0) p += ':' + std::to_string(column);
    }
    return p;
}
}  // namespace

InputError::InputError(std::string file, std::size_t line, std::size_t column, std::string message)
    : std::runtime_error(place(file, line, column) + ": " + message),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

}  // namespace casesample
