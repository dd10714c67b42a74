#include "casesample/error.hpp"

#include <cstdint>

namespace casesample {
namespace {
std::string place(const std::string& file, std::size_t line, std::size_t column) {
    std::string p = file;
    if (line > 0) {
        p += ':' + std::to_string(line);
        if (column > 0) p += ':' + std::to_string(column);
    }
    return p;
}
// Length of the UTF-8 sequence starting at s[i], or 0 when it is not valid UTF-8.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else return 0;
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    // C1 control characters (U+0080 to U+009F) are escapes too.
    if (len == 2 && cp < 0xA0) return 0;
    return len;
}

void hex_byte(std::string& out, unsigned char b) {
    static const char digits[] = "0123456789ABCDEF";
    out += "\\x";
    out += digits[b >> 4];
    out += digits[b & 15];
}

// Appends up to `max_chars` characters of `cell` with control characters and bytes that are not UTF-8 as \xNN;
// returns the bytes of `cell` used.
std::size_t append_escaped(std::string& out, std::string_view cell, std::size_t max_chars) {
    std::size_t chars = 0, i = 0;
    while (i < cell.size() && chars < max_chars) {
        auto b = static_cast<unsigned char>(cell[i]);
        if (b < 0x20 || b == 0x7F) {
            hex_byte(out, b);
            ++i;
        } else if (auto len = utf8_length(cell, i)) {
            out.append(cell.substr(i, len));
            i += len;
        } else {
            // Not UTF-8, or a C1 control character: every byte of it in hex.
            std::size_t end = i + 1;
            if (b == 0xC2 && end < cell.size() && (static_cast<unsigned char>(cell[end]) & 0xE0) == 0x80)
                ++end;  // the two bytes of a C1 control character
            for (; i < end; ++i) hex_byte(out, static_cast<unsigned char>(cell[i]));
        }
        ++chars;
    }
    return i;
}

std::string escaped(std::string_view text) {
    std::string out;
    append_escaped(out, text, std::string_view::npos);
    return out;
}
}  // namespace

std::string quote_value(std::string_view cell, std::size_t max_chars) {
    std::string out = "'";
    if (append_escaped(out, cell, max_chars) < cell.size()) out += "...";
    out += '\'';
    return out;
}

InputError::InputError(std::string file, std::size_t line, std::size_t column, std::string message)
    : std::runtime_error(escaped(place(file, line, column) + ": " + message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(escaped(message)) {}

}  // namespace casesample
