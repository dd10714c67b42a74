// casesample verify — re-draw a sample from its manifest and say whether the folder still matches.
#include <iostream>

#include <nlohmann/json.hpp>

#include "casesample/sample_folder.hpp"
#include "command.hpp"

namespace casesample::cli {
namespace {

struct VerifyOptions {
    std::string manifest;
    std::string format = "table";
};

void run(const VerifyOptions& o, Context& context) {
    auto v = verify_folder(o.manifest);
    const auto& m = v.rebuilt.manifest;
    context.exit_code = v.identical() ? 0 : 1;
    if (o.format == "json") {
        nlohmann::ordered_json j;
        j["manifest"] = o.manifest;
        j["identical"] = v.identical();
        j["seed"] = m.request.seed;
        j["drawn_with_version"] = m.version;
        j["substitutions_replayed"] = m.substitutions;
        j["files_checked"] = v.checked;
        j["differences"] = v.differences;
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::string text;
    if (m.version != CASESAMPLE_VERSION)
        text += "note: the sample was drawn with casesample " + m.version + "; this is " + CASESAMPLE_VERSION +
                " (a different version may draw differently)\n";
    if (v.identical()) {
        text += "identical: re-drawing with seed " + std::to_string(m.request.seed) + " from unchanged inputs";
        if (m.substitutions > 0)
            text += " and replaying " + std::to_string(m.substitutions) + " substitution(s) from audit-log.csv";
        text += " gives exactly the files in " + (v.dir.empty() ? std::string(".") : v.dir.string()) + "\n";
    } else {
        text += "DIFFERENT: " + std::to_string(v.differences.size()) + " difference(s)\n";
        for (const auto& d : v.differences) text += "  " + d + "\n";
    }
    std::cout << text << std::flush;
}

void setup(CLI::App& app, Context& context) {
    auto o = std::make_shared<VerifyOptions>();
    auto* sub = app.add_subcommand("verify", "Re-draw a sample from its manifest and say whether the folder matches");
    sub->add_option("MANIFEST", o->manifest, "DIR/manifest.json written by casesample draw, or the folder DIR")
        ->required();
    add_format_option(*sub, o->format);
    sub->callback([o, &context] { run(*o, context); });
}

const Registration registration(22, setup);

}  // namespace
}  // namespace casesample::cli
