#include "casesample/framework.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

#include "casesample/error.hpp"
#include "casesample/json_input.hpp"
#include "casesample/output.hpp"
#include "casesample/vocabulary.hpp"  // normalize_label

namespace casesample {
namespace embedded {
extern const std::string_view framework_hmip_youth_2018;
}

namespace {

using json = nlohmann::json;

// Checks the content of a framework that is valid JSON. A message names the place in the file (the key
// concerned, else the object) and keeps the path to it ("ratings[1]") as a help.
class Checker {
public:
    Checker(const std::string& file, std::string_view text) : file_(file), text_(text) {}
    // `where` is the path to an object ("top level", "domains[0].standards[1] (1.2)"); `key` the member of it
    // concerned, if any.
    [[noreturn]] void fail(const std::string& where, const std::string& what, const char* key = nullptr) const {
        std::string pointer = to_pointer(where);
        if (key) pointer += std::string("/") + key;
        auto [line, column] = json_place(text_, pointer);
        throw InputError(file_, line, column, "malformed framework: " + where + ": " + what);
    }
    // "domains[0].standards[1] (1.2)" -> "/domains/0/standards/1"; "top level" -> "".
    static std::string to_pointer(const std::string& where) {
        if (where == "top level") return "";
        std::string pointer = "/";
        for (char c : where.substr(0, where.find(' '))) {
            if (c == '.' || c == '[') pointer += '/';
            else if (c != ']') pointer += c;
        }
        return pointer;
    }
    // A value as a message shows it: text cut and escaped (quote_value), lists and objects not spelled out.
    static std::string shown(const json& v) {
        if (v.is_string()) return quote_value(v.get<std::string>(), 40);
        if (v.is_structured()) return v.is_array() ? "[...]" : "{...}";
        return v.dump();
    }
    const json& member(const json& obj, const std::string& where, const char* key) const {
        if (!obj.is_object()) fail(where, "expected an object");
        auto it = obj.find(key);
        if (it == obj.end()) fail(where, std::string("missing \"") + key + "\"");
        return *it;
    }
    std::string text(const json& obj, const std::string& where, const char* key, bool required = true) const {
        if (!obj.is_object()) fail(where, "expected an object");
        auto it = obj.find(key);
        if (it == obj.end()) {
            if (required) fail(where, std::string("missing \"") + key + "\"");
            return {};
        }
        if (!it->is_string()) fail(where, std::string("\"") + key + "\" must be text", key);
        std::string s = it->get<std::string>();
        if (required && s.empty()) fail(where, std::string("\"") + key + "\" is empty", key);
        return s;
    }
    double number(const json& obj, const std::string& where, const char* key) const {
        const json& v = member(obj, where, key);
        if (!v.is_number()) fail(where, std::string("\"") + key + "\" must be a number, got " + shown(v), key);
        return v.get<double>();
    }
    int integer(const json& obj, const std::string& where, const char* key) const {
        const json& v = member(obj, where, key);
        if (!v.is_number_integer())
            fail(where, std::string("\"") + key + "\" must be a whole number, got " + shown(v), key);
        return v.get<int>();
    }
    const json& array(const json& obj, const std::string& where, const char* key) const {
        const json& v = member(obj, where, key);
        if (!v.is_array() || v.empty()) fail(where, std::string("\"") + key + "\" must be a non-empty array", key);
        return v;
    }

private:
    const std::string& file_;
    std::string_view text_;
};

std::string at(const std::string& base, const char* key, std::size_t i) {
    return base + (base.empty() ? "" : ".") + key + "[" + std::to_string(i) + "]";
}

Framework build(const std::string& file, std::string_view text, const json& root) {
    Checker c(file, text);
    Framework f;
    f.source = file;
    if (!root.is_object()) c.fail("top level", "expected a JSON object");
    f.name = c.text(root, "top level", "name");

    const json& ratings = c.array(root, "top level", "ratings");
    for (std::size_t i = 0; i < ratings.size(); ++i) {
        std::string where = at("", "ratings", i);
        RatingLevel r;
        r.name = c.text(ratings[i], where, "name");
        r.score = c.integer(ratings[i], where, "score");
        r.min_percent = c.number(ratings[i], where, "min_percent");
        r.label = c.text(ratings[i], where, "label", false);
        if (!std::isfinite(r.min_percent) || r.min_percent < 0 || r.min_percent > 100)
            c.fail(where, "\"min_percent\" must be between 0 and 100, got " + format_shortest(r.min_percent),
                   "min_percent");
        if (i == 0 && r.min_percent != 0)
            c.fail(where, "the lowest rating must start at \"min_percent\": 0", "min_percent");
        if (i > 0 && r.min_percent <= f.ratings.back().min_percent)
            c.fail(where, "\"min_percent\" must be above the previous rating's (" +
                              format_shortest(f.ratings.back().min_percent) + "); list ratings lowest first",
                   "min_percent");
        if (i > 0 && r.score <= f.ratings.back().score)
            c.fail(where, "\"score\" must be above the previous rating's (" + std::to_string(f.ratings.back().score) +
                              "); list ratings lowest first",
                   "score");
        if (r.score < 0) c.fail(where, "\"score\" must not be negative", "score");
        for (const auto& prev : f.ratings)
            if (normalize_label(prev.name) == normalize_label(r.name)) c.fail(where, "rating \"" + r.name + "\" appears twice", "name");
        f.ratings.push_back(std::move(r));
    }
    if (f.ratings.size() < 2) c.fail("ratings", "at least two ratings are needed");

    std::string rule = c.text(root, "top level", "standard_rule", false);
    if (!rule.empty() && rule != "lowest")
        c.fail("standard_rule", "unknown rule \"" + rule + "\" (expected \"lowest\")");

    const json& domains = c.array(root, "top level", "domains");
    std::set<std::string> ids;
    auto unique = [&](const std::string& where, const std::string& id) {
        if (!ids.insert(id).second) c.fail(where, "id \"" + id + "\" is used twice", "id");
    };
    std::set<std::string> sample_domains;
    for (std::size_t d = 0; d < domains.size(); ++d) {
        std::string wd = at("", "domains", d);
        Domain dom;
        dom.id = c.text(domains[d], wd, "id");
        unique(wd, dom.id);
        dom.name = c.text(domains[d], wd, "name");
        std::string rated_by = c.text(domains[d], wd, "rated_by");
        if (rated_by == "judgement" || rated_by == "judgment") {
            dom.judged = true;
        } else if (rated_by == "key questions") {
            dom.judged = false;
        } else {
            c.fail(wd, "\"rated_by\" must be \"judgement\" or \"key questions\", got \"" + rated_by + "\"", "rated_by");
        }
        dom.sample_domain = c.text(domains[d], wd, "sample_domain", !dom.judged);
        if (!dom.judged && !sample_domains.insert(normalize_label(dom.sample_domain)).second)
            c.fail(wd, "sample domain \"" + dom.sample_domain + "\" is used by two domains", "sample_domain");
        const json& standards = c.array(domains[d], wd, "standards");
        for (std::size_t s = 0; s < standards.size(); ++s) {
            std::string ws = at(wd, "standards", s);
            Standard st;
            st.id = c.text(standards[s], ws, "id");
            unique(ws, st.id);
            st.name = c.text(standards[s], ws, "name");
            st.description = c.text(standards[s], ws, "description", false);
            const json& questions = c.array(standards[s], ws + " (" + st.id + ")", "key_questions");
            for (std::size_t q = 0; q < questions.size(); ++q) {
                std::string wq = at(ws, "key_questions", q);
                KeyQuestion kq;
                kq.id = c.text(questions[q], wq, "id");
                unique(wq, kq.id);
                if (kq.id == "overall") c.fail(wq, "\"overall\" is reserved", "id");
                kq.text = c.text(questions[q], wq, "text");
                st.key_questions.push_back(std::move(kq));
            }
            dom.standards.push_back(std::move(st));
        }
        f.domains.push_back(std::move(dom));
    }

    const json& overall = c.array(root, "top level", "overall");
    int expected_min = 0;
    for (std::size_t i = 0; i < overall.size(); ++i) {
        std::string where = at("", "overall", i);
        OverallBand b;
        b.rating = c.text(overall[i], where, "rating");
        if (!f.find_rating(b.rating))
            c.fail(where, "unknown rating \"" + b.rating + "\" (expected " + f.rating_names() + ")", "rating");
        b.min_score = c.integer(overall[i], where, "min_score");
        b.max_score = c.integer(overall[i], where, "max_score");
        if (b.min_score != expected_min)
            c.fail(where, "\"min_score\" must be " + std::to_string(expected_min) + " (bands must be contiguous from 0), got " +
                              std::to_string(b.min_score),
                   "min_score");
        if (b.max_score < b.min_score) c.fail(where, "\"max_score\" is below \"min_score\"", "max_score");
        expected_min = b.max_score + 1;
        f.overall.push_back(std::move(b));
    }
    if (expected_min - 1 != f.max_total_score())
        c.fail(at("", "overall", overall.size() - 1), "the last band must end at the highest possible total score, " +
                              std::to_string(f.max_total_score()) + " (" + std::to_string(f.standard_count()) +
                              " standards x " + std::to_string(f.ratings.back().score) + "), not " +
                              std::to_string(expected_min - 1),
               "max_score");
    return f;
}

}  // namespace

Framework Framework::parse(const std::string& name, std::string_view text) {
    json root = parse_json_input(name, text, "framework");
    return build(name, text, root);
}

Framework Framework::load(const std::string& path) { return parse(path, read_file(path)); }

const Framework& Framework::builtin() {
    static const Framework f = [] {
        auto fw = parse("fixtures/frameworks/hmip-youth-2018.json", embedded::framework_hmip_youth_2018);
        fw.source = "built-in hmip-youth-2018";
        return fw;
    }();
    return f;
}

std::optional<QuestionPlace> Framework::find_question(std::string_view id) const {
    for (std::size_t d = 0; d < domains.size(); ++d)
        for (std::size_t s = 0; s < domains[d].standards.size(); ++s) {
            const auto& qs = domains[d].standards[s].key_questions;
            for (std::size_t q = 0; q < qs.size(); ++q)
                if (qs[q].id == id) return QuestionPlace{d, s, q};
        }
    return std::nullopt;
}

std::optional<StandardPlace> Framework::find_standard(std::string_view id) const {
    for (std::size_t d = 0; d < domains.size(); ++d)
        for (std::size_t s = 0; s < domains[d].standards.size(); ++s)
            if (domains[d].standards[s].id == id) return StandardPlace{d, s};
    return std::nullopt;
}

std::optional<std::size_t> Framework::find_rating(std::string_view name) const {
    auto key = normalize_label(name);
    for (std::size_t i = 0; i < ratings.size(); ++i)
        if (normalize_label(ratings[i].name) == key) return i;
    return std::nullopt;
}

std::string Framework::rating_names() const {
    std::string s;
    for (std::size_t i = 0; i < ratings.size(); ++i) s += (i ? ", " : "") + ratings[i].name;
    return s;
}

std::optional<std::size_t> Framework::find_domain(std::string_view name) const {
    auto key = normalize_label(name);
    for (std::size_t d = 0; d < domains.size(); ++d) {
        const auto& dom = domains[d];
        if ((!dom.sample_domain.empty() && normalize_label(dom.sample_domain) == key) || dom.id == name ||
            normalize_label(dom.name) == key)
            return d;
    }
    return std::nullopt;
}

std::size_t Framework::standard_count() const {
    std::size_t n = 0;
    for (const auto& d : domains) n += d.standards.size();
    return n;
}

int Framework::max_total_score() const {
    return static_cast<int>(standard_count()) * (ratings.empty() ? 0 : ratings.back().score);
}

}  // namespace casesample
