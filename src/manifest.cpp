#include "casesample/manifest.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <type_traits>

#include "casesample/error.hpp"
#include "casesample/json_input.hpp"
#include "casesample/output.hpp"
#include "casesample/sample_size.hpp"

namespace casesample {
namespace {

nlohmann::ordered_json miss_json(const Vocabulary& v, const MarginMiss& m) {
    nlohmann::ordered_json j;
    j["variable"] = v.name(m.variable);
    j["category"] = v.categories(m.variable)[m.category];
    j["drawn"] = m.drawn;
    j["floor"] = m.floor;
    j["ceiling"] = m.ceiling;
    j["by"] = m.by;
    return j;
}

}  // namespace

nlohmann::ordered_json balance_row_json(const Vocabulary& vocabulary, const BalanceRow& r, bool full) {
    nlohmann::ordered_json j;
    if (full) j["domain"] = r.domain;
    j["variable"] = vocabulary.name(r.variable);
    j["category"] = r.category;
    j["population"] = r.population;
    if (full) j["population_share"] = r.population_share;
    j["target"] = r.target;
    j["floor"] = r.floor;
    j["ceiling"] = r.ceiling;
    j["drawn"] = r.drawn;
    j["deviation"] = r.deviation;
    return j;
}

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
    // The variables balanced on, when they are not the default four (so manifests of default draws, and older
    // ones without the key, read as before: no key means disposal_type, gender, rosh, swb).
    if (pop.stratifiers != default_stratifiers()) {
        auto& st = p["stratifiers"] = nlohmann::ordered_json::array();
        for (auto s : pop.stratifiers) st.push_back(pop.vocabulary.name(s));
    }
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
    // Only when rows were dropped, so the manifests of other draws stay as they were.
    if (pop.identical_duplicates_dropped > 0)
        j["identical_duplicates_dropped"] = pop.identical_duplicates_dropped;
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
        for (const auto& r : balance_rows(pop.vocabulary, ds)) targets.push_back(balance_row_json(pop.vocabulary, r, false));
        auto& misses = d["misses"] = nlohmann::ordered_json::array();
        for (const auto& miss : domain_misses(ds)) misses.push_back(miss_json(pop.vocabulary, miss));
        domains.push_back(d);
    }
    j["substitutions"] = m.substitutions;
    if (m.audit_rows > 0 && !m.audit_last_hash.empty()) {
        auto& a = j["audit_log"];
        a["rows"] = m.audit_rows;
        a["last_hash"] = m.audit_last_hash;
    }
    return j;
}

std::string manifest_text(const DrawManifest& m, const Population& pop, const EligiblePopulation& eligible,
                          const DrawResult& result) {
    return manifest_json(m, pop, eligible, result).dump(2) + "\n";
}

namespace {

// The most a manifest may ask for: as the command line of draw allows.
constexpr std::int64_t kMostCases = 2147483647;
constexpr std::size_t kMostReserves = 100000;

// Reads the fields of a manifest, turning the JSON library's errors into the inspector's words at a place in
// the file.
class ManifestReader {
public:
    ManifestReader(std::string path, const std::string& text) : path_(std::move(path)), text_(text) {}

    // Parses the manifest; the values read from it must be of this JSON (bad_value finds their places in it).
    nlohmann::json parse() const { return parse_json_input(path_, text_, "casesample manifest"); }
    void read_from(const nlohmann::json& root) { root_ = &root; }

    template <class T>
    T get(const nlohmann::json& object, const std::string& key) const {
        if (!object.is_object() || !object.contains(key))
            throw InputError(path_, 0, 0, "not a readable casesample manifest: it has no " + shown_key(key) +
                                              " entry (edited by hand, or written by another tool?)");
        if (auto value = typed<T>(object.at(key))) return *value;
        bad_value(object, key);
    }

    // The same, and within [least, most].
    template <class T>
    T get(const nlohmann::json& object, const std::string& key, T least, T most) const {
        T value = get<T>(object, key);
        if (!(value >= least && value <= most)) bad_value(object, key);
        return value;
    }

    // An entry that holds a value casesample draw never writes there, at the place of its key in that object (not
    // of the first key of that name anywhere in the file: "rows" is a key of audit_log and of other objects).
    [[noreturn]] void bad_value(const nlohmann::json& object, const std::string& key) const {
        const auto& v = object.at(key);
        std::pair<std::size_t, std::size_t> where{0, 0};
        if (auto pointer = root_ ? pointer_to(*root_, &object) : std::nullopt)
            where = json_place(text_, *pointer + "/" + pointer_segment(key));
        else if (auto found = text_.find("\"" + key + "\""); found != std::string::npos)
            where = text_place(text_, found);  // an object not inside the manifest read (a copy): the key's first place
        auto [line, column] = where;
        // The value as the file has it, cut and escaped (quote_value): a hand-edited text can hold anything.
        std::string value = v.is_structured() ? (v.is_array() ? "[...]" : "{...}")
                            : v.is_string()   ? quote_value(v.get<std::string>(), 40)
                                              : v.dump();
        throw InputError(path_, line, column,
                         "not a readable casesample manifest: " + shown_key(key) + " has the value " + value +
                             ", which is not what casesample draw writes there (edited by hand?)");
    }

    // A key as the message shows it: "seed" for the keys casesample writes, cut and escaped for others (domain
    // names under "sizes").
    static std::string shown_key(const std::string& key) {
        bool plain = key.size() <= 40;
        for (char c : key) plain = plain && c >= 0x20 && c < 0x7F;
        return plain ? "\"" + key + "\"" : quote_value(key, 40);
    }

    const nlohmann::json& at(const nlohmann::json& object, const std::string& key) const {
        if (!object.is_object() || !object.contains(key))
            throw InputError(path_, 0, 0, "not a readable casesample manifest: it has no " + shown_key(key) +
                                              " entry (edited by hand, or written by another tool?)");
        return object.at(key);
    }

    [[noreturn]] void fail(const std::string& message) const { throw InputError(path_, 0, 0, message); }

private:
    // The JSON pointer of `target` inside `node` ("/domains/1"; "" for node itself), nullopt when it is not there.
    static std::optional<std::string> pointer_to(const nlohmann::json& node, const nlohmann::json* target) {
        if (&node == target) return std::string();
        if (node.is_object()) {
            for (auto it = node.begin(); it != node.end(); ++it)
                if (auto below = pointer_to(it.value(), target)) return "/" + pointer_segment(it.key()) + *below;
        } else if (node.is_array()) {
            for (std::size_t i = 0; i < node.size(); ++i)
                if (auto below = pointer_to(node[i], target)) return "/" + std::to_string(i) + *below;
        }
        return std::nullopt;
    }
    static std::string pointer_segment(const std::string& key) {  // ~ is ~0, / is ~1
        std::string out;
        for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
        return out;
    }

    // The value as T when it is exactly of that type and in its range; nullopt otherwise (a negative or
    // fractional count, a number where text belongs, ...). No conversion the reader did not ask for.
    template <class T>
    static std::optional<T> typed(const nlohmann::json& v) {
        if constexpr (std::is_same_v<T, std::string>) {
            if (v.is_string()) return v.get<std::string>();
        } else if constexpr (std::is_same_v<T, bool>) {
            if (v.is_boolean()) return v.get<bool>();
        } else if constexpr (std::is_same_v<T, double>) {
            if (v.is_number()) return v.get<double>();
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            if (!v.is_array()) return std::nullopt;
            std::vector<std::string> out;
            for (const auto& e : v) {
                if (!e.is_string()) return std::nullopt;
                out.push_back(e.get<std::string>());
            }
            return out;
        } else {
            static_assert(std::is_integral_v<T>);
            if (v.is_number_unsigned()) {
                auto u = v.get<std::uint64_t>();
                if (u <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return static_cast<T>(u);
            } else if (v.is_number_integer()) {
                auto i = v.get<std::int64_t>();
                if (std::is_signed_v<T> && i >= static_cast<std::int64_t>(std::numeric_limits<T>::min()))
                    return static_cast<T>(i);
            }
        }
        return std::nullopt;
    }

    std::string path_;
    const std::string& text_;
    const nlohmann::json* root_ = nullptr;
};

}  // namespace

DrawManifest read_manifest(const std::string& path) { return parse_manifest(path, read_file(path)); }

DrawManifest parse_manifest(const std::string& path, const std::string& text) {
    DrawManifest m;
    ManifestReader r(path, text);
    auto j = r.parse();
    r.read_from(j);
    if (!j.is_object() || !j.contains("tool") || j["tool"] != "casesample")
        r.fail("not a casesample manifest (no \"tool\": \"casesample\")");
    m.version = r.get<std::string>(j, "version");
    m.command_line = r.get<std::vector<std::string>>(j, "command_line");
    m.request.seed = r.get<std::uint64_t>(j, "seed");
    m.seed_chosen = r.get<bool>(j, "seed_chosen_at_random");
    auto method = parse_draw_method(r.get<std::string>(j, "method"));
    if (!method) r.bad_value(j, "method");
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
        // The ranges draw accepts (sample_size.hpp, validate), so that a re-draw never fails where the draw did not.
        auto& sp = m.request.size_parameters;
        sp.confidence = r.get<double>(p, "confidence");
        if (!(sp.confidence > 0 && sp.confidence < 1)) r.bad_value(p, "confidence");
        sp.margin = r.get<double>(p, "margin");
        if (!(sp.margin > 0 && sp.margin <= 0.5)) r.bad_value(p, "margin");
        sp.proportion = r.get<double>(p, "proportion");
        if (!(sp.proportion > 0 && sp.proportion < 1)) r.bad_value(p, "proportion");
        try {
            (void)cochran_sample_size(1, sp);  // a margin so fine that no size can be computed
        } catch (const UsageError&) {
            r.bad_value(p, "margin");
        }
    } else {
        const auto& sizes = r.at(p, "sizes");
        if (!sizes.is_object()) r.fail("not a readable casesample manifest: \"sizes\" is not a DOMAIN: N list");
        for (const auto& [d, n] : sizes.items()) m.request.sizes[d] = r.get<std::int64_t>(sizes, d, 0, kMostCases);
    }
    m.request.reserves = r.get<std::size_t>(p, "reserve", 0, kMostReserves);
    const auto& options = r.at(p, "population_options");
    if (!options.is_array()) r.fail("not a readable casesample manifest: \"population_options\" is not a list");
    for (const auto& kv : options) {
        if (!kv.is_array() || kv.size() != 2 || !kv[0].is_string() || !kv[1].is_string())
            r.fail("not a readable casesample manifest: an entry of \"population_options\" is not a [name, value] "
                   "pair");
        m.population_options.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
    }
    m.substitutions = r.get<std::size_t>(j, "substitutions");
    if (j.contains("audit_log")) {
        const auto& a = r.at(j, "audit_log");
        m.audit_rows = r.get<std::size_t>(a, "rows");
        m.audit_last_hash = r.get<std::string>(a, "last_hash");
    }
    return m;
}

}  // namespace casesample
