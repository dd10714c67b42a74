// casesample reserves — draw more reserves into a sample folder, reproducibly, without touching the sample.
#include <algorithm>
#include <charconv>
#include <iostream>

#include <nlohmann/json.hpp>

#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "casesample/sample_folder.hpp"
#include "command.hpp"
#include "draw_common.hpp"

namespace casesample::cli {
namespace {

struct ReservesOptions {
    std::string dir;
    std::string add;
    std::string domain;
    std::string reason;
    std::vector<std::string> inputs;
    std::string format = "table";
};

constexpr std::size_t kMaxAdd = 100000;

// "reserve_probability 0.012345" when every added reserve has the same, else its range.
std::string reserve_probability_words(const std::vector<ReservesAdded::Reserve>& added) {
    auto [lo, hi] = std::minmax_element(added.begin(), added.end(), [](const auto& a, const auto& b) {
        return a.reserve_probability < b.reserve_probability;
    });
    auto low = format_fixed(lo->reserve_probability, 6), high = format_fixed(hi->reserve_probability, 6);
    if (low == high) return "reserve_probability " + low + (added.size() > 1 ? " each" : "");
    return "reserve_probability " + low + " to " + high;
}

void run(const ReservesOptions& o) {
    ReservesRequest request;
    std::size_t k = 0;
    auto r = std::from_chars(o.add.data(), o.add.data() + o.add.size(), k);
    if (o.add.empty() || r.ec != std::errc{} || r.ptr != o.add.data() + o.add.size() || k == 0 || k > kMaxAdd)
        throw UsageError("--add must be a whole number from 1 to " + std::to_string(kMaxAdd) + ", got '" + o.add + "'");
    request.add = k;
    request.domain = o.domain;
    request.reason = o.reason;
    request.writer = command_text();
    for (const auto& typed : o.inputs) request.inputs.push_back(parse_input_override(typed));
    const bool inside = working_inside(o.dir);
    auto out = add_reserves_to_folder(o.dir, request);
    if (inside) std::cerr << working_inside_note(o.dir);
    if (o.format == "json") {
        nlohmann::ordered_json j;
        auto& domains = j["domains"] = nlohmann::ordered_json::array();
        for (const auto& a : out.domains) {
            auto added = nlohmann::ordered_json::array();
            for (const auto& r : a.reserves)
                added.push_back({{"case_id", r.case_id},
                                 {"reserve_order", r.reserve_order},
                                 {"reserve_probability", probability_json(r.reserve_probability)}});
            domains.push_back({{"domain", a.domain},
                               {"asked", a.asked},
                               {"added", a.added},
                               {"first_reserve_order", a.first_order},
                               {"last_reserve_order", a.last_order},
                               {"reserves_left", a.reserves_left},
                               {"reserves", std::move(added)}});
        }
        j["derived_files"] = derived_updates_json(out.derived);
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::string text;
    for (const auto& m : out.inputs_recorded)
        text += "The " + m.role + " file is now read at " + m.found + " (same SHA-256 as at the draw); logged.\n";
    for (const auto& a : out.domains) {
        text += a.domain + ": ";
        if (a.added == 0)
            text += "no reserve added (not logged): all " + std::to_string(a.eligible) +
                    " eligible cases are already in the sample, its reserves or dropped";
        else
            text += counted(a.added, "reserve") + " added (reserve_order " + std::to_string(a.first_order) +
                    (a.added > 1 ? " to " + std::to_string(a.last_order) : "") + ")" +
                    (a.added < a.asked ? ", only that many cases are left" : "") + ", " +
                    reserve_probability_words(a.reserves);
        text += "; " + reserves_left_words(a.reserves_left) + "\n";
    }
    text += "Rewrote reserves.csv, balance.csv and manifest.json; logged in audit-log.csv (the sample is unchanged)\n";
    text += derived_updates_text(out.dir.string(), out.derived);
    std::cout << text << std::flush;
}

void setup(CLI::App& app, Context&) {
    auto o = std::make_shared<ReservesOptions>();
    auto* sub = app.add_subcommand("reserves", "Draw more reserves into a sample folder, reproducibly, and log it");
    sub->add_option("DIR", o->dir, "The sample folder written by casesample draw (or its manifest.json)")->required();
    sub->add_option("--add", o->add, "How many reserves to add to each domain")->required();
    sub->add_option("--domain", o->domain, "Only this domain (default: every domain with a sample)");
    sub->add_option("--reason", o->reason, "Why (recorded in audit-log.csv)");
    sub->add_option("--input", o->inputs,
                    "An input of the draw at a new place: ROLE=PATH (population, vocabulary, add_vocabulary); "
                    "accepted when its SHA-256 is the one recorded, and logged (repeatable)");
    add_format_option(*sub, o->format);
    sub->callback([o] { run(*o); });
}

const Registration registration(24, setup);

}  // namespace
}  // namespace casesample::cli
