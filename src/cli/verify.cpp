// casesample verify — re-draw a sample from its manifest and say whether the folder still matches.
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "command.hpp"
#include "draw_common.hpp"

namespace casesample::cli {
namespace {
namespace fs = std::filesystem;

struct VerifyOptions {
    std::string manifest;
    std::string format = "table";
};

// The first line where two texts differ, for a readable report.
std::string first_difference(const std::string& expected, const std::string& actual) {
    std::size_t line = 1, i = 0;
    std::size_t start = 0;
    while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) {
        if (expected[i] == '\n') {
            ++line;
            start = i + 1;
        }
        ++i;
    }
    auto line_of = [&](const std::string& s) {
        if (start >= s.size()) return std::string("(end of file)");
        auto end = s.find('\n', start);
        return s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    };
    return "line " + std::to_string(line) + ": expected \"" + line_of(expected) + "\", found \"" + line_of(actual) +
           "\"";
}

// The manifest with the command line and (for old folders) nothing else set aside: the command line of a
// re-run may legitimately differ.
std::string without_command_line(const std::string& text) {
    try {
        auto j = nlohmann::ordered_json::parse(text);
        j.erase("command_line");
        return j.dump(2);
    } catch (const std::exception&) {
        return text;
    }
}

void run(const VerifyOptions& o, Context& context) {
    if (!fs::exists(o.manifest)) throw UsageError("no manifest at " + o.manifest);
    const fs::path dir = fs::path(o.manifest).parent_path();
    auto rebuilt = rebuild(o.manifest, true);
    std::vector<std::string> differences = rebuilt.changed_inputs;
    for (const auto& p : rebuilt.replay_problems) differences.push_back("audit log: " + p);
    std::vector<std::string> checked;
    if (rebuilt.loaded) {
        auto files = folder_files(rebuilt.manifest, *rebuilt.loaded, rebuilt.result);
        for (const auto& [name, expected] : files) {
            auto path = (dir / name).string();
            if (!fs::exists(path)) {
                differences.push_back(path + " is missing");
                continue;
            }
            auto actual = read_file(path);
            bool same = name == "manifest.json" ? without_command_line(actual) == without_command_line(expected)
                                                : actual == expected;
            if (!same) differences.push_back(path + " differs from the re-draw at " + first_difference(expected, actual));
            checked.push_back(name);
        }
    }
    const bool identical = differences.empty();
    context.exit_code = identical ? 0 : 1;
    if (o.format == "json") {
        nlohmann::ordered_json j;
        j["manifest"] = o.manifest;
        j["identical"] = identical;
        j["seed"] = rebuilt.manifest.request.seed;
        j["drawn_with_version"] = rebuilt.manifest.version;
        j["substitutions_replayed"] = rebuilt.manifest.substitutions;
        j["files_checked"] = checked;
        j["differences"] = differences;
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::string text;
    if (rebuilt.manifest.version != CASESAMPLE_VERSION)
        text += "note: the sample was drawn with casesample " + rebuilt.manifest.version + "; this is " +
                CASESAMPLE_VERSION + " (a different version may draw differently)\n";
    if (identical) {
        text += "identical: re-drawing with seed " + std::to_string(rebuilt.manifest.request.seed) + " from unchanged inputs";
        if (rebuilt.manifest.substitutions > 0)
            text += " and replaying " + std::to_string(rebuilt.manifest.substitutions) + " substitution(s) from audit-log.csv";
        text += " gives exactly the files in " + (dir.empty() ? std::string(".") : dir.string()) + "\n";
    } else {
        text += "DIFFERENT: " + std::to_string(differences.size()) + " difference(s)\n";
        for (const auto& d : differences) text += "  " + d + "\n";
    }
    std::cout << text << std::flush;
}

void setup(CLI::App& app, Context& context) {
    auto o = std::make_shared<VerifyOptions>();
    auto* sub = app.add_subcommand("verify", "Re-draw a sample from its manifest and say whether the folder matches");
    sub->add_option("MANIFEST", o->manifest, "DIR/manifest.json written by casesample draw")->required();
    add_format_option(*sub, o->format);
    sub->callback([o, &context] { run(*o, context); });
}

const Registration registration(22, setup);

}  // namespace
}  // namespace casesample::cli
