#include "casesample/json_input.hpp"

#include <algorithm>
#include <string>

#include "casesample/error.hpp"
#include "casesample/text_input.hpp"

namespace casesample {
namespace {

constexpr std::size_t kMaxDepth = 256;

// A SAX pass that builds nothing: it finds where the text stops being JSON casesample can read, and why.
class Checker final : public nlohmann::json::json_sax_t {
public:
    using json = nlohmann::json;
    std::size_t position = 0;  // bytes read when reading stopped
    std::string token;         // the last token read
    std::string why;

    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(json::number_integer_t) override { return true; }
    bool number_unsigned(json::number_unsigned_t) override { return true; }
    bool number_float(json::number_float_t, const json::string_t&) override { return true; }
    bool string(json::string_t&) override { return true; }
    bool binary(json::binary_t&) override { return true; }
    bool key(json::string_t&) override { return true; }
    bool start_object(std::size_t) override { return deeper(); }
    bool end_object() override { return shallower(); }
    bool start_array(std::size_t) override { return deeper(); }
    bool end_array() override { return shallower(); }
    bool parse_error(std::size_t at, const std::string& last_token, const nlohmann::detail::exception& e) override {
        // A syntax error carries the 1-based offset of the byte where reading stopped; keep the parser's
        // count otherwise (for a number out of range: just past its last digit).
        const auto* syntax = dynamic_cast<const nlohmann::json::parse_error*>(&e);
        position = syntax ? syntax->byte : at;
        token = last_token;
        why = e.id == 406 ? "out_of_range" : "syntax";
        return false;
    }

private:
    bool deeper() {
        if (++depth_ <= kMaxDepth) return true;
        why = "depth";
        return false;
    }
    bool shallower() {
        --depth_;
        return true;
    }
    std::size_t depth_ = 0;
};

// Walks JSON text that parsed, noting where the value at each pointer starts, until it reaches `wanted`.
class PlaceFinder {
public:
    PlaceFinder(std::string_view text, const std::string& wanted) : t_(text), wanted_(wanted) {}

    // The offset of the value at the longest pointer that is `wanted` or encloses it.
    std::size_t find() {
        value("", skip_space());
        return best_;
    }

private:
    std::size_t skip_space() {
        while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
        return i_;
    }
    // The text of the string at i_ (a key), its escapes undone except \u (a key with one is matched no
    // deeper: its enclosing value is named instead); i_ ends past the closing quote.
    std::string string() {
        std::string s;
        for (++i_; i_ < t_.size() && t_[i_] != '"'; ++i_) {
            if (t_[i_] != '\\' || i_ + 1 >= t_.size()) {
                s += t_[i_];
                continue;
            }
            char e = t_[++i_];
            s += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f'
                 : e == 'u' ? '\x01' : e;
        }
        ++i_;
        return s;
    }
    static std::string escaped(const std::string& key) {  // as a pointer segment: ~ is ~0, / is ~1
        std::string out;
        for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
        return out;
    }
    bool encloses(const std::string& pointer) const {
        return wanted_.compare(0, pointer.size(), pointer) == 0 &&
               (wanted_.size() == pointer.size() || wanted_[pointer.size()] == '/');
    }
    // The value at i_, whose pointer is `pointer` and whose place is `at`. Returns false once `wanted` is
    // found or cannot be inside what is left.
    bool value(const std::string& pointer, std::size_t at) {
        if (!encloses(pointer)) {
            skip();
            return true;
        }
        best_ = at;
        if (pointer.size() == wanted_.size() || i_ >= t_.size()) return false;
        char open = t_[i_];
        if (open != '{' && open != '[') return false;
        ++i_;
        for (std::size_t n = 0;; ++n) {
            skip_space();
            if (i_ >= t_.size() || t_[i_] == '}' || t_[i_] == ']') return false;
            std::size_t start = i_;
            std::string segment = std::to_string(n);
            if (open == '{') {
                if (t_[i_] != '"') return false;
                segment = escaped(string());
                skip_space();
                ++i_;  // the colon
            }
            skip_space();
            if (!value(pointer + "/" + segment, open == '{' ? start : i_)) return false;
            skip_space();
            if (i_ >= t_.size() || t_[i_] != ',') return false;
            ++i_;
        }
    }
    // Past the value at i_, without noting places.
    void skip() {
        std::size_t depth = 0;
        do {
            skip_space();
            if (i_ >= t_.size()) return;
            char c = t_[i_];
            if (c == '"') {
                string();
            } else if (c == '{' || c == '[') {
                ++depth;
                ++i_;
            } else if (c == '}' || c == ']') {
                if (depth > 0) --depth;
                ++i_;
            } else if (c == ',' || c == ':') {
                ++i_;
            } else {
                while (i_ < t_.size() && std::string_view(",]} \t\r\n").find(t_[i_]) == std::string_view::npos) ++i_;
            }
        } while (depth > 0);
    }

    std::string_view t_;
    const std::string& wanted_;
    std::size_t i_ = 0;
    std::size_t best_ = 0;
};

}  // namespace

std::pair<std::size_t, std::size_t> json_place(std::string_view text, const std::string& pointer) {
    return text_place(text, PlaceFinder(text, pointer).find());
}

std::pair<std::size_t, std::size_t> text_place(std::string_view text, std::size_t at) {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < at && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

nlohmann::json parse_json_input(const std::string& file, std::string_view text, const std::string& what) {
    refuse_not_text(file, text, "JSON");
    // A first pass that stops at the first problem; positions come from the parser's count of bytes read.
    Checker checker;
    if (nlohmann::json::sax_parse(text.begin(), text.end(), &checker))
        return nlohmann::json::parse(text.begin(), text.end());
    if (checker.why == "depth") {
        // Find the byte where the level past the limit opens.
        std::size_t level = 0, depth_at = 0;
        bool in_string = false;
        for (std::size_t i = 0; i < text.size(); ++i) {
            char c = text[i];
            if (in_string) {
                if (c == '\\') ++i;
                else if (c == '"') in_string = false;
            } else if (c == '"') {
                in_string = true;
            } else if (c == '[' || c == '{') {
                if (++level > kMaxDepth) {
                    depth_at = i;
                    break;
                }
            } else if (c == ']' || c == '}') {
                --level;
            }
        }
        auto [line, column] = text_place(text, depth_at);
        throw InputError(file, line, column,
                         "not a readable " + what + ": lists or objects nested more than " +
                             std::to_string(kMaxDepth) + " deep");
    }
    // The parser reports the number of bytes read; the problem is the last token read, which ends there.
    std::size_t end = std::min(checker.position, text.size());
    if (checker.why == "out_of_range") {
        std::size_t start = end >= checker.token.size() ? end - checker.token.size() : 0;
        // The token string may stop short of the bytes read (a look-ahead byte): point at its first digit.
        auto found = text.rfind(checker.token, end);
        if (found != std::string_view::npos) start = found;
        auto [line, column] = text_place(text, start);
        std::string number = checker.token.size() > 40 ? checker.token.substr(0, 40) + "..." : checker.token;
        throw InputError(file, line, column,
                         "not a readable " + what + ": the number " + number + " is too large to hold");
    }
    // A syntax error's offset is 1-based: the byte where reading stopped.
    std::size_t at = std::min(checker.position == 0 ? 0 : checker.position - 1, text.size());
    auto [line, column] = text_place(text, at);
    std::string reason = at >= text.size() ? "the file ends too early (cut short?)"
                                            : "this is not valid JSON (edited by hand?)";
    throw InputError(file, line, column, "not a readable " + what + ": " + reason);
}

}  // namespace casesample
