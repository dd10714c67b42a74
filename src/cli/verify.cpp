// casesample verify — re-draw a sample from its manifest and say whether the folder still matches.
#include <algorithm>
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

// Where two texts first differ: the line and column of the first differing byte, and the text around it in
// each (at most 30 characters either side, within the line), so that the difference itself shows.
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
    constexpr std::size_t kSide = 30;
    auto around = [&](const std::string& s) {
        if (i >= s.size()) return std::string("(end of file)");
        std::size_t from = std::max(start, i >= kSide ? i - kSide : 0);
        std::size_t end = s.find('\n', i);
        if (end == std::string::npos) end = s.size();
        std::size_t to = std::min(end, i + kSide + 1);
        std::string out = from > start ? "..." : "";
        for (std::size_t k = from; k < to; ++k) {
            unsigned char c = static_cast<unsigned char>(s[k]);
            if (c == '\r') out += "\\r";
            else if (c == '\t') out += "\\t";
            else if (c < 0x20) out += "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
            else out += static_cast<char>(c);
        }
        if (to < end) out += "...";
        if (to == end && end == s.size()) out += " (end of file)";
        return out;
    };
    return "line " + std::to_string(line) + ", column " + std::to_string(i - start + 1) + ": expected \"" +
           around(expected) + "\", found \"" + around(actual) + "\"";
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
            if (name == "manifest.json") {
                // Compared entry by entry, the command line aside; the place is in the manifest as casesample
                // writes it (one entry a line), whatever the layout of the file.
                auto e = without_command_line(expected), a = without_command_line(actual);
                if (e != a)
                    differences.push_back(path + " differs from the re-draw (command line aside) at " +
                                          first_difference(e, a) + " (as casesample lays the manifest out)");
            } else if (actual != expected) {
                differences.push_back(path + " differs from the re-draw at " + first_difference(expected, actual));
            }
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
