#include "casesample/manifest.hpp"

#include "casesample/error.hpp"
#include "casesample/output.hpp"

namespace casesample {
namespace {

nlohmann::ordered_json miss_json(const Vocabulary& v, const MarginMiss& m) {
    nlohmann::ordered_json j;
    j["variable"] = kStratifierNames[static_cast<std::size_t>(m.variable)];
    j["category"] = v.categories(m.variable)[m.category];
    j["drawn"] = m.drawn;
    j["floor"] = m.floor;
    j["ceiling"] = m.ceiling;
    j["by"] = m.by;
    return j;
}

}  // namespace

nlohmann::ordered_json manifest_json(const DrawManifest& m, const Population& pop, const EligiblePopulation& eligible,
                                     const DrawResult& result) {
    nlohmann::ordered_json j;
    j["tool"] = "casesample";
    j["version"] = m.version;
    j["command_line"] = m.command_line;
    j["seed"] = m.request.seed;
    j["seed_chosen_at_random"] = m.seed_chosen;
    j["method"] = std::string(to_string(m.request.method));
    auto& inputs = j["inputs"] = nlohmann::ordered_json::array();
    for (const auto& in : m.inputs) {
        nlohmann::ordered_json i;
        i["role"] = in.role;
        i["path"] = in.path;
        i["absolute_path"] = in.absolute_path;
        i["sha256"] = in.sha256;
        i["bytes"] = in.bytes;
        inputs.push_back(i);
    }
    auto& p = j["parameters"];
    if (m.request.sizes.empty()) {
        p["size_from"] = "cochran";
        p["confidence"] = m.request.size_parameters.confidence;
        p["margin"] = m.request.size_parameters.margin;
        p["proportion"] = m.request.size_parameters.proportion;
    } else {
        p["size_from"] = "--size";
        auto& s = p["sizes"] = nlohmann::ordered_json::object();
        for (const auto& [d, n] : m.request.sizes) s[d] = n;
    }
    p["reserve"] = m.request.reserves;
    auto& po = p["population_options"] = nlohmann::ordered_json::array();
    for (const auto& [k, v] : m.population_options) po.push_back(nlohmann::ordered_json::array({k, v}));
    auto& el = j["eligibility"];
    for (const auto& [k, v] : m.population_options)
        if (k == "fieldwork") el["fieldwork"] = v;
    auto& windows = el["windows"] = nlohmann::ordered_json::array();
    for (std::size_t d = 0; d < eligible.domains.size(); ++d) {
        if (eligible.cases[d].empty()) continue;
        nlohmann::ordered_json w;
        w["domain"] = eligible.domains[d];
        w["first_date"] = format_date(eligible.ranges[d].first);
        w["last_date"] = format_date(eligible.ranges[d].last);
        windows.push_back(w);
    }
    j["cases_read"] = pop.size();
    j["cases_excluded"] = eligible.excluded.size();
    auto& domains = j["domains"] = nlohmann::ordered_json::array();
    for (const auto& ds : result.domains) {
        nlohmann::ordered_json d;
        d["domain"] = ds.domain;
        d["eligible"] = ds.cases.size();
        d["sample_size"] = ds.sample_size;
        if (ds.cochran) {
            d["n0"] = ds.cochran->n0;
            d["z"] = ds.cochran->z;
        }
        d["reserves_asked"] = ds.reserves_asked;
        d["reserves_left"] = ds.draw.reserves.size();
        auto& targets = d["margins"] = nlohmann::ordered_json::array();
        for (const auto& r : balance_rows(pop.vocabulary, ds)) {
            nlohmann::ordered_json t;
            t["variable"] = kStratifierNames[static_cast<std::size_t>(r.variable)];
            t["category"] = r.category;
            t["population"] = r.population;
            t["target"] = r.target;
            t["floor"] = r.floor;
            t["ceiling"] = r.ceiling;
            t["drawn"] = r.drawn;
            t["deviation"] = r.deviation;
            targets.push_back(t);
        }
        auto& misses = d["misses"] = nlohmann::ordered_json::array();
        for (const auto& miss : domain_misses(ds)) misses.push_back(miss_json(pop.vocabulary, miss));
        domains.push_back(d);
    }
    j["substitutions"] = m.substitutions;
    return j;
}

std::string manifest_text(const DrawManifest& m, const Population& pop, const EligiblePopulation& eligible,
                          const DrawResult& result) {
    return manifest_json(m, pop, eligible, result).dump(2) + "\n";
}

DrawManifest read_manifest(const std::string& path) {
    std::string text = read_file(path);
    DrawManifest m;
    try {
        auto j = nlohmann::json::parse(text);
        if (!j.is_object() || j.value("tool", "") != "casesample")
            throw InputError(path, 0, 0, "not a casesample manifest (no \"tool\": \"casesample\")");
        m.version = j.at("version").get<std::string>();
        m.command_line = j.at("command_line").get<std::vector<std::string>>();
        m.request.seed = j.at("seed").get<std::uint64_t>();
        m.seed_chosen = j.at("seed_chosen_at_random").get<bool>();
        auto method = parse_draw_method(j.at("method").get<std::string>());
        if (!method) throw InputError(path, 0, 0, "unknown method '" + j.at("method").get<std::string>() + "'");
        m.request.method = *method;
        for (const auto& in : j.at("inputs")) {
            ManifestInput i;
            i.role = in.at("role").get<std::string>();
            i.path = in.at("path").get<std::string>();
            i.absolute_path = in.at("absolute_path").get<std::string>();
            i.sha256 = in.at("sha256").get<std::string>();
            i.bytes = in.at("bytes").get<std::uint64_t>();
            m.inputs.push_back(i);
        }
        const auto& p = j.at("parameters");
        if (p.at("size_from").get<std::string>() == "cochran") {
            m.request.size_parameters.confidence = p.at("confidence").get<double>();
            m.request.size_parameters.margin = p.at("margin").get<double>();
            m.request.size_parameters.proportion = p.at("proportion").get<double>();
        } else {
            for (const auto& [d, n] : p.at("sizes").items()) m.request.sizes[d] = n.get<std::int64_t>();
        }
        m.request.reserves = p.at("reserve").get<std::size_t>();
        for (const auto& kv : p.at("population_options"))
            m.population_options.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
        m.substitutions = j.at("substitutions").get<std::size_t>();
    } catch (const nlohmann::json::exception& e) {
        throw InputError(path, 0, 0, std::string("not a readable casesample manifest: ") + e.what());
    }
    return m;
}

}  // namespace casesample
