// casesample substitute — swap a dropped case for a reserve, keeping the margins, and log the change.
#include <iostream>

#include <nlohmann/json.hpp>

#include "casesample/output.hpp"
#include "casesample/sample_folder.hpp"
#include "command.hpp"
#include "draw_common.hpp"

namespace casesample::cli {
namespace {

struct SubstituteOptions {
    std::string dir;
    std::string drop;
    std::string reason;
    bool no_replacement = false;
    std::vector<std::string> inputs;
    std::string format = "table";
};

void run(const SubstituteOptions& o) {
    SubstituteRequest request;
    request.drop = o.drop;
    request.reason = o.reason;
    request.writer = command_text();
    request.no_replacement = o.no_replacement;
    for (const auto& typed : o.inputs) request.inputs.push_back(parse_input_override(typed));
    const bool inside = working_inside(o.dir);
    auto s = substitute_in_folder(o.dir, request);
    if (inside) std::cerr << working_inside_note(o.dir);
    const auto& pop = s.folder.loaded->population;
    const auto& result = s.folder.result;
    if (o.format == "json") {
        nlohmann::ordered_json j;
        j["domain"] = s.domain;
        j["dropped"] = s.dropped_id;
        if (o.no_replacement) {
            j["substitute"] = nullptr;
            j["selection_order"] = s.selection_order;
        } else {
            j["substitute"] = s.substitute_id;
            j["reserve_order"] = s.reserve_order;
            j["selection_order"] = s.selection_order;
            j["substitute_for"] = s.substitute_for;
            j["inclusion_probability"] = probability_json(s.inclusion_probability);
        }
        j["sample_size"] = s.sample_size;
        j["reason"] = o.reason;
        j["balanced_before"] = s.misses_before.empty();
        j["balanced_after"] = s.misses_after.empty();
        j["reserves_left"] = s.reserves_left;
        j["balance"] = balance_json(pop, result);
        j["derived_files"] = derived_updates_json(s.derived);
        std::cout << j.dump(2) << "\n";
    } else {
        std::string text;
        for (const auto& m : s.inputs_recorded)
            text += "The " + m.role + " file is now read at " + m.found + " (same SHA-256 as at the draw); logged.\n";
        if (o.no_replacement)
            text += "Dropped " + s.dropped_id + " (" + s.domain + ", selection order " +
                    std::to_string(s.selection_order) + ") without a replacement: " + std::to_string(s.sample_size) +
                    " cases left in the " + s.domain + " sample. " +
                    reserves_left_words(s.reserves_left) + " in " + s.domain + ".\n";
        else
            text += "Dropped " + s.dropped_id + " (" + s.domain + "); brought in reserve " +
                    std::to_string(s.reserve_order) + ", " + s.substitute_id + ", at selection_order " +
                    std::to_string(s.selection_order) + ": substitute_for " + s.substitute_for +
                    (s.substitute_for == s.dropped_id ? "" : " (the case drawn there)") +
                    ", inclusion_probability " + format_fixed(s.inclusion_probability, 6) + " (that case's). " +
                    reserves_left_words(s.reserves_left) + " in " + s.domain + ".\n";
        text += "Margins before: " + s.before + "\nMargins after:  " + s.after + "\n";
        text += "Rewrote sample.csv, reserves.csv, balance.csv and manifest.json; logged in audit-log.csv\n";
        text += derived_updates_text(s.dir.string(), s.derived) + "\n";
        text += balance_table(pop, result);
        std::cout << text << std::flush;
    }
    if (!s.misses_after.empty())
        std::cerr << "casesample: WARNING: after " << (o.no_replacement ? "the drop" : "the swap") << ", " << s.domain << " misses its margins: " << s.after << "\n";
}

void setup(CLI::App& app, Context&) {
    auto o = std::make_shared<SubstituteOptions>();
    auto* sub = app.add_subcommand("substitute", "Replace a dropped case by a reserve, keeping the margins, and log it");
    sub->add_option("DIR", o->dir, "The sample folder written by casesample draw (or its manifest.json)")->required();
    sub->add_option("--drop", o->drop, "Case id of the sampled case that drops out")->required();
    sub->add_option("--reason", o->reason, "Why it drops out (recorded in audit-log.csv)")->required();
    sub->add_flag("--no-replacement", o->no_replacement,
                  "Drop the case without bringing in a reserve (the sample gets smaller; logged)");
    sub->add_option("--input", o->inputs,
                    "An input of the draw at a new place: ROLE=PATH (population, vocabulary, add_vocabulary); "
                    "accepted when its SHA-256 is the one recorded, and logged (repeatable)");
    add_format_option(*sub, o->format);
    sub->callback([o] { run(*o); });
}

const Registration registration(21, setup);

}  // namespace
}  // namespace casesample::cli
