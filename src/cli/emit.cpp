#include <iostream>

#include "casesample/output.hpp"
#include "command.hpp"

namespace casesample::cli {

void emit(const std::string& path, const std::string& text) {
    if (path.empty() || path == "-") {
        std::cout << text << std::flush;
        return;
    }
    write_file_atomically(path, text);
}

}  // namespace casesample::cli
