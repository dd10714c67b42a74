// casesample substitute — swap a dropped case for a reserve, keeping the margins, and log the change.
#include <iostream>

#include <nlohmann/json.hpp>

#include "casesample/sample_folder.hpp"
#include "command.hpp"
#include "draw_common.hpp"

namespace casesample::cli {
namespace {

struct SubstituteOptions {
    std::string dir;
    std::string drop;
    std::string reason;
    std::string format = "table";
};

void run(const SubstituteOptions& o) {
    SubstituteRequest request;
    request.drop = o.drop;
    request.reason = o.reason;
    request.writer = command_text();
    auto s = substitute_in_folder(o.dir, request);
    const auto& pop = s.folder.loaded->population;
    const auto& result = s.folder.result;
    if (o.format == "json") {
        nlohmann::ordered_json j;
        j["domain"] = s.domain;
        j["dropped"] = s.dropped_id;
        j["substitute"] = s.substitute_id;
        j["reserve_order"] = s.reserve_order;
        j["reason"] = o.reason;
        j["balanced_before"] = s.misses_before.empty();
        j["balanced_after"] = s.misses_after.empty();
        j["reserves_left"] = s.reserves_left;
        j["balance"] = balance_json(pop, result);
        std::cout << j.dump(2) << "\n";
    } else {
        std::string text = "Dropped " + s.dropped_id + " (" + s.domain + "); brought in reserve " +
                           std::to_string(s.reserve_order) + ", " + s.substitute_id + ". " +
                           std::to_string(s.reserves_left) + " reserves left in " + s.domain + ".\n";
        text += "Margins before: " + s.before + "\nMargins after:  " + s.after + "\n";
        text += "Rewrote sample.csv, reserves.csv, balance.csv and manifest.json; logged in audit-log.csv\n\n";
        text += balance_table(pop, result);
        std::cout << text << std::flush;
    }
    if (!s.misses_after.empty())
        std::cerr << "casesample: WARNING: after the swap, " << s.domain << " misses its margins: " << s.after << "\n";
}

void setup(CLI::App& app, Context&) {
    auto o = std::make_shared<SubstituteOptions>();
    auto* sub = app.add_subcommand("substitute", "Replace a dropped case by a reserve, keeping the margins, and log it");
    sub->add_option("DIR", o->dir, "The sample folder written by casesample draw (or its manifest.json)")->required();
    sub->add_option("--drop", o->drop, "Case id of the sampled case that drops out")->required();
    sub->add_option("--reason", o->reason, "Why it drops out (recorded in audit-log.csv)")->required();
    add_format_option(*sub, o->format);
    sub->callback([o] { run(*o); });
}

const Registration registration(21, setup);

}  // namespace
}  // namespace casesample::cli
