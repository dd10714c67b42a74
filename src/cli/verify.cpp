// casesample verify — re-draw a sample from its manifest and say whether the folder still matches.
#include <iostream>

#include <nlohmann/json.hpp>

#include "casesample/audit_log.hpp"
#include "casesample/headers.hpp"
#include "casesample/output.hpp"
#include "casesample/sample_folder.hpp"
#include "command.hpp"

namespace casesample::cli {
namespace {

struct VerifyOptions {
    std::string manifest;
    std::vector<std::string> inputs;
    std::string format = "table";
};

// What the differences are, counted by what they are about: "differences in 1 file (3 values in 2 columns)",
// "1 problem in the audit log; differences in 4 files, which follow from the audit log", "an input of the draw
// changed".
std::string differences_summary(const Verification& v) {
    const auto& r = v.rebuilt;
    std::vector<std::string> parts;
    const auto inputs = r.changed_inputs.size(), log = r.log_problems.size() + r.replay_problems.size();
    if (inputs > 0)
        parts.push_back(inputs == 1 ? std::string("an input of the draw changed")
                                    : std::to_string(inputs) + " inputs of the draw changed");
    if (log > 0) parts.push_back(counted(log, "problem") + " in the audit log");
    if (!v.files_differ.empty()) {
        auto files = "differences in " + counted(v.files_differ.size(), "file");
        std::vector<std::string> in_columns;  // when every such file differs only in columns: in which, and how
        if (v.same_cases_files == v.files_differ.size()) {
            if (v.values_differ > 0)
                in_columns.push_back(counted(v.values_differ, "value") + " in " + counted(v.columns_differ, "column"));
            if (v.columns_missing > 0) in_columns.push_back(counted(v.columns_missing, "column") + " missing");
            if (v.columns_added > 0) in_columns.push_back(counted(v.columns_added, "column") + " added");
        }
        if (!in_columns.empty()) files += " (" + list_names(in_columns) + ")";
        if (!v.follow_from_log.empty()) files += ", which follow from the audit log";
        parts.push_back(files);
    }
    if (parts.empty()) return counted(v.differences.size(), "difference");  // none of the above: said as it is
    std::string text;
    for (const auto& p : parts) text += (text.empty() ? "" : "; ") + p;
    return text;
}

void run(const VerifyOptions& o, Context& context) {
    std::vector<InputOverride> inputs;
    for (const auto& typed : o.inputs) inputs.push_back(parse_input_override(typed));
    auto v = verify_folder(o.manifest, inputs);
    const auto& m = v.rebuilt.manifest;
    // As diff and cmp: 0 identical, 1 different, 2 could not compare (an input is not there: give it with --input).
    context.exit_code = !v.verified() ? 2 : v.identical() ? 0 : 1;
    if (o.format == "json") {
        nlohmann::ordered_json j;
        j["manifest"] = o.manifest;
        j["status"] = !v.verified() ? "cannot_verify" : v.identical() ? "identical" : "different";
        j["identical"] = v.identical();
        // Different, but only in columns: every file that differs holds the same cases in the same order as the re-draw.
        j["only_columns_differ"] = v.only_columns_differ();
        j["cannot_verify"] = v.cannot_verify;
        j["seed"] = m.request.seed;
        j["drawn_with_version"] = m.version;
        j["version_changes"] = draw_changes_since(m.version);  // what later versions draw or write differently
        j["substitutions_replayed"] = m.substitutions;  // every row of the audit log replayed
        j["changes_replayed"] = audit_changes(v.rebuilt.log.entries).total();  // the changes those rows make up
        auto& moved = j["inputs_moved"] = nlohmann::ordered_json::array();
        for (const auto& mi : v.rebuilt.moved_inputs)
            moved.push_back({{"role", mi.role}, {"recorded", mi.recorded}, {"found", mi.found}});
        j["files_checked"] = v.checked;
        j["differences"] = v.differences;
        // The population's bytes changed: "same_cases" (a re-save), "different_cases", or null (not re-read).
        j["population_change"] = v.population_change.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(v.population_change);
        // The files' differences that only follow from a missing or cut audit log (counted as one difference).
        j["follow_from_missing_log"] = v.follow_from_log;
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::string text;
    if (m.version != CASESAMPLE_VERSION) {
        const auto changes = draw_changes_since(m.version);
        text += "note: the sample was drawn with casesample " + m.version + "; this is " + CASESAMPLE_VERSION +
                (changes.empty() ? std::string(" (a different version may draw differently)\n")
                                 : ", which draws or writes the folder differently, so a difference below may come "
                                   "from that:\n");
        for (const auto& c : changes) text += "  " + c + "\n";
    }
    if (!v.verified()) {
        text += "CANNOT VERIFY: " +
                (v.cannot_verify.size() == 1 ? std::string("an input of the draw is not there")
                                             : std::to_string(v.cannot_verify.size()) + " inputs of the draw are not there") +
                ", so nothing was re-drawn or compared\n";
        for (const auto& c : v.cannot_verify) text += "  " + c + "\n";
        if (!v.differences.empty()) {
            text += "Found without re-drawing: " + differences_summary(v) + "\n";
            for (const auto& d : v.differences) text += "  " + d + "\n";
        }
    } else if (v.identical()) {
        text += "identical: re-drawing with seed " + std::to_string(m.request.seed) + " from unchanged inputs";
        if (m.substitutions > 0) {
            // The changes a user made, not the log's rows (reserves writes one per domain).
            const auto changes = audit_changes(v.rebuilt.log.entries);
            text += " and replaying " + counted(changes.total(), "change") + " (" + changes.kinds() + "; " +
                    counted(m.substitutions, "row") + " of audit-log.csv" + (m.audit_rows > 0 ? ", hash chain intact" : "") +
                    ")";
        }
        text += " gives exactly the files in " + (v.dir.empty() ? std::string(".") : v.dir.string()) + "\n";
    } else {
        // The lines below say per file what differs ("the same cases in the same order; only these columns differ").
        text += "DIFFERENT: " + differences_summary(v) + "\n";
        for (const auto& d : v.differences) text += "  " + d + "\n";
        for (const auto& d : v.follow_from_log) text += "    " + d + "\n";
    }
    for (const auto& mi : v.rebuilt.moved_inputs)
        text += "note: the " + mi.role + " file recorded at " + mi.recorded + " was read at " + mi.found +
                " (same SHA-256)" + (mi.from_option ? "; verify records nothing: substitute or reserves with the "
                                                      "same --input will log the new place" : ", as the audit log records") +
                "\n";
    std::cout << text << std::flush;
}

void setup(CLI::App& app, Context& context) {
    auto o = std::make_shared<VerifyOptions>();
    auto* sub = app.add_subcommand("verify", "Re-draw a sample from its manifest and say whether the folder matches");
    sub->add_option("MANIFEST", o->manifest, "DIR/manifest.json written by casesample draw, or the folder DIR")
        ->required();
    sub->add_option("--input", o->inputs,
                    "An input of the draw at a new place: ROLE=PATH (population, vocabulary, add_vocabulary); "
                    "accepted when its SHA-256 is the one recorded (repeatable)");
    add_format_option(*sub, o->format);
    sub->footer("Exit status: 0 identical, 1 different, 2 cannot verify (an input of the draw is not there: give it "
                "with --input ROLE=PATH) or bad input.");
    sub->callback([o, &context] { run(*o, context); });
}

const Registration registration(22, setup);

}  // namespace
}  // namespace casesample::cli
