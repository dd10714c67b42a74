#pragma once
// Each subcommand lives in its own file and registers itself here with a static Registration, so adding
// a subcommand never touches main.cpp. A subcommand's setup function declares its options on its own
// CLI::App and sets a callback that runs it; the callback reports its exit status through Context.
#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace casesample::cli {

struct Context {
    int exit_code = 0;  // 0 success; 1 a check found differences or the run failed
};

using SetupFunction = void (*)(CLI::App& app, Context& context);

struct Registration {
    Registration(int order, SetupFunction setup);
};

struct RegisteredCommand {
    int order;
    SetupFunction setup;
};
std::vector<RegisteredCommand>& registered_commands();

// Shared option helpers.
// --format table|json (and any extra choices given).
CLI::Option* add_format_option(CLI::App& app, std::string& format, std::vector<std::string> choices = {"table", "json"});

// Writes `text` to the file `path` atomically, or to stdout when path is empty or "-".
void emit(const std::string& path, const std::string& text);

// Checks, before any work, that `path` (given with `option`) can name a file to write: it has a file name, is
// not a folder, and its folder exists. Throws UsageError saying which it is not, e.g.
// "--xlsx out/report.xlsx: the folder out does not exist".
void check_output_file(const std::string& option, const std::string& path, const std::string& example);

}  // namespace casesample::cli
