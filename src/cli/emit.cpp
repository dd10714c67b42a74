#include <filesystem>
#include <iostream>

#include "casesample/output.hpp"
#include "casesample/error.hpp"
#include "command.hpp"

namespace casesample::cli {

void emit(const std::string& path, const std::string& text) {
    if (path.empty() || path == "-") {
        std::cout << text << std::flush;
        return;
    }
    write_file_atomically(path, text);
}

void check_output_file(const std::string& option, const std::string& path, const std::string& example) {
    namespace fs = std::filesystem;
    const fs::path p = path;
    if (path.empty() || !p.has_filename() || fs::is_directory(p))
        throw UsageError(option + " needs the name of a file to write, e.g. " + option + " " + example + "; got '" +
                         path + "'" + (fs::is_directory(p) ? " (a folder)" : ""));
    const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
    if (!fs::is_directory(parent))
        throw UsageError(option + " " + path + ": the folder " + parent.string() + " does not exist");
}

}  // namespace casesample::cli
