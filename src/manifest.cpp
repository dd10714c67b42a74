#include "casesample/manifest.hpp"

#include <algorithm>

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

namespace {

// Reads the fields of a manifest, turning the JSON library's errors into the inspector's words at a place in
// the file.
class ManifestReader {
public:
    ManifestReader(std::string path, const std::string& text) : path_(std::move(path)), text_(text) {}

    nlohmann::json parse() const {
        try {
            return nlohmann::json::parse(text_);
        } catch (const nlohmann::json::parse_error& e) {
            // e.byte is the 1-based position of the byte where reading stopped.
            std::size_t at = e.byte == 0 ? 0 : std::min<std::size_t>(e.byte - 1, text_.size());
            auto [line, column] = place(at);
            std::string what = at >= text_.size() ? "the file ends too early (cut short?)"
                                                  : "this is not valid JSON (edited by hand?)";
            throw InputError(path_, line, column, "not a readable casesample manifest: " + what);
        }
    }

    template <class T>
    T get(const nlohmann::json& object, const std::string& key) const {
        if (!object.is_object() || !object.contains(key))
            throw InputError(path_, 0, 0, "not a readable casesample manifest: it has no \"" + key +
                                              "\" entry (edited by hand, or written by another tool?)");
        try {
            return object.at(key).get<T>();
        } catch (const nlohmann::json::exception&) {
            auto found = text_.find("\"" + key + "\"");
            auto [line, column] = found == std::string::npos ? std::pair<std::size_t, std::size_t>{0, 0} : place(found);
            std::string value = object.at(key).dump();
            if (value.size() > 40) value = value.substr(0, 40) + "...";
            throw InputError(path_, line, column,
                             "not a readable casesample manifest: \"" + key + "\" has the value " + value +
                                 ", which is not what casesample draw writes there (edited by hand?)");
        }
    }

    const nlohmann::json& at(const nlohmann::json& object, const std::string& key) const {
        if (!object.is_object() || !object.contains(key))
            throw InputError(path_, 0, 0, "not a readable casesample manifest: it has no \"" + key +
                                              "\" entry (edited by hand, or written by another tool?)");
        return object.at(key);
    }

    [[noreturn]] void fail(const std::string& message) const { throw InputError(path_, 0, 0, message); }

private:
    std::pair<std::size_t, std::size_t> place(std::size_t at) const {
        std::size_t line = 1, column = 1;
        for (std::size_t i = 0; i < at && i < text_.size(); ++i) {
            if (text_[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        return {line, column};
    }

    std::string path_;
    const std::string& text_;
};

}  // namespace

DrawManifest read_manifest(const std::string& path) {
    std::string text = read_file(path);
    DrawManifest m;
    ManifestReader r(path, text);
    auto j = r.parse();
    if (!j.is_object() || !j.contains("tool") || j["tool"] != "casesample")
        r.fail("not a casesample manifest (no \"tool\": \"casesample\")");
    m.version = r.get<std::string>(j, "version");
    m.command_line = r.get<std::vector<std::string>>(j, "command_line");
    m.request.seed = r.get<std::uint64_t>(j, "seed");
    m.seed_chosen = r.get<bool>(j, "seed_chosen_at_random");
    auto method_name = r.get<std::string>(j, "method");
    auto method = parse_draw_method(method_name);
    if (!method) r.fail("unknown method '" + method_name + "' (expected balanced, cells or systematic)");
    m.request.method = *method;
    const auto& inputs = r.at(j, "inputs");
    if (!inputs.is_array()) r.fail("not a readable casesample manifest: \"inputs\" is not a list");
    for (const auto& in : inputs) {
        ManifestInput i;
        i.role = r.get<std::string>(in, "role");
        i.path = r.get<std::string>(in, "path");
        i.absolute_path = r.get<std::string>(in, "absolute_path");
        i.sha256 = r.get<std::string>(in, "sha256");
        i.bytes = r.get<std::uint64_t>(in, "bytes");
        m.inputs.push_back(i);
    }
    const auto& p = r.at(j, "parameters");
    if (r.get<std::string>(p, "size_from") == "cochran") {
        m.request.size_parameters.confidence = r.get<double>(p, "confidence");
        m.request.size_parameters.margin = r.get<double>(p, "margin");
        m.request.size_parameters.proportion = r.get<double>(p, "proportion");
    } else {
        const auto& sizes = r.at(p, "sizes");
        if (!sizes.is_object()) r.fail("not a readable casesample manifest: \"sizes\" is not a DOMAIN: N list");
        for (const auto& [d, n] : sizes.items()) m.request.sizes[d] = r.get<std::int64_t>(sizes, d);
    }
    m.request.reserves = r.get<std::size_t>(p, "reserve");
    const auto& options = r.at(p, "population_options");
    if (!options.is_array()) r.fail("not a readable casesample manifest: \"population_options\" is not a list");
    for (const auto& kv : options) {
        if (!kv.is_array() || kv.size() != 2 || !kv[0].is_string() || !kv[1].is_string())
            r.fail("not a readable casesample manifest: an entry of \"population_options\" is not a [name, value] "
                   "pair");
        m.population_options.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
    }
    m.substitutions = r.get<std::size_t>(j, "substitutions");
    return m;
}

}  // namespace casesample
