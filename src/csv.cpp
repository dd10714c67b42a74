#include "casesample/csv.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "casesample/error.hpp"
#include "casesample/output.hpp"
#include "casesample/text_input.hpp"

namespace casesample {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// 1-based line and field (column) of byte `at` of CSV `text`, counting from byte `from` and following quotes
// as the parser does.
std::pair<std::size_t, std::size_t> csv_place(std::string_view text, std::size_t from, std::size_t at) {
    std::size_t line = 1, field = 1;
    bool quoted = false;
    for (std::size_t i = from; i < at && i < text.size(); ++i) {
        char c = text[i];
        if (c == '"') quoted = !quoted;
        else if (c == '\n') { ++line; if (!quoted) field = 1; }
        else if (c == ',' && !quoted) ++field;
    }
    return {line, field};
}

// `text` as it came, unless its first bytes show it is not text at all (a workbook, a picture...).
std::string checked_text(const std::string& name, std::string text) {
    if (auto bad = find_not_text(text, "CSV")) {
        auto [line, field] = csv_place(text, 0, bad->offset);
        throw InputError(name, line, field, bad->message);
    }
    return text;
}

}  // namespace

std::size_t first_invalid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        // ASCII fast path, eight bytes at a time.
        while (i + 8 <= n) {
            std::uint64_t w;
            std::memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned char c = p[i];
        if (c < 0x80) { ++i; continue; }
        std::size_t len;
        std::uint32_t cp;
        if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
        else return i;
        if (i + len > n) return i;
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += len;
    }
    return std::string::npos;
}


std::optional<Encoding> parse_encoding(std::string_view name) {
    std::string n;
    for (char c : name)
        if (c != '-' && c != '_' && c != ' ') n += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (n == "utf8") return Encoding::utf8;
    if (n == "windows1252" || n == "cp1252" || n == "ansi") return Encoding::windows1252;
    if (n == "latin1" || n == "iso88591") return Encoding::latin1;
    return std::nullopt;
}

std::string_view encoding_name(Encoding e) {
    switch (e) {
        case Encoding::windows1252: return "windows-1252";
        case Encoding::latin1: return "latin-1";
        default: return "utf-8";
    }
}

std::string transcode_to_utf8(std::string text, Encoding from) {
    if (from == Encoding::utf8) return text;
    // Windows-1252's characters at 0x80-0x9F (the five unassigned bytes keep their Latin-1 meaning).
    static const std::uint16_t cp1252[32] = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                             0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                                             0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                             0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
    std::size_t high = 0;
    for (char c : text) high += static_cast<unsigned char>(c) >= 0x80;
    if (high == 0) return text;
    std::string out;
    out.reserve(text.size() + 2 * high);
    for (char c : text) {
        auto b = static_cast<unsigned char>(c);
        if (b < 0x80) {
            out += c;
            continue;
        }
        std::uint32_t cp = (from == Encoding::windows1252 && b < 0xA0) ? cp1252[b - 0x80] : b;
        if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    return out;
}

CsvReader CsvReader::open(const std::string& path, CsvOptions options) {
    return CsvReader(path, read_file(path), options);
}

CsvReader CsvReader::from_string(std::string name, std::string text, CsvOptions options) {
    return CsvReader(std::move(name), std::move(text), options);
}

CsvReader::CsvReader(std::string name, std::string text, CsvOptions options)
    : name_(std::move(name)), text_(transcode_to_utf8(checked_text(name_, std::move(text)), options.encoding)) {
    if (text_.size() >= 3 && std::memcmp(text_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
    if (auto bad = options.check_utf8 ? first_invalid_utf8(text_) : std::string::npos; bad != std::string::npos) {
        auto [line, field] = csv_place(text_, pos_, bad);
        throw InputError(name_, line, field,
                         "the file is not UTF-8 text (found byte 0x" +
                             [&] {
                                 char buf[3];
                                 std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned char>(text_[bad]));
                                 return std::string(buf);
                             }() +
                             "); in Excel use Save As > 'CSV UTF-8 (Comma delimited)'");
    }
    // Skip blank lines before the header.
    CsvRecord rec;
    if (!next(rec))
        throw InputError(name_, 0, 0, "the file is empty: expected a header line naming the columns");
    header_line_ = rec.line;
    header_.reserve(rec.fields.size());
    std::unordered_map<std::string_view, std::size_t> seen;  // views into text_, which outlives this
    seen.reserve(rec.fields.size());
    for (std::size_t i = 0; i < rec.fields.size(); ++i) {
        auto h = trim(rec.fields[i]);
        if (auto bad = first_invalid_utf8(h); bad != std::string::npos) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned char>(h[bad]));
            throw InputError(name_, rec.line, i + 1,
                             std::string("the header is not UTF-8 text (found byte 0x") + buf +
                                 "); if the file was saved from Excel as plain 'CSV', read it with --encoding "
                                 "windows-1252, or save it as 'CSV UTF-8 (Comma delimited)'");
        }
        if (h.empty() && rec.fields.size() > 1)
            throw InputError(name_, rec.line, i + 1, "empty column name in the header");
        if (auto [at, added] = seen.emplace(h, i); !added)
            throw InputError(name_, rec.line, i + 1,
                             "column " + quote_value(h) + " appears twice in the header (also column " +
                                 std::to_string(at->second + 1) + ")");
        header_.emplace_back(h);
    }
}

std::optional<std::size_t> CsvReader::find_column(std::string_view column) const {
    for (std::size_t i = 0; i < header_.size(); ++i)
        if (header_[i] == column) return i;
    return std::nullopt;
}

void CsvReader::fail(const CsvRecord& record, std::size_t field, const std::string& message) const {
    throw InputError(name_, record.line, field + 1, message);
}

bool CsvReader::next(CsvRecord& record) {
    while (pos_ < text_.size()) {
        const std::size_t start = pos_, start_line = line_;
        try {
            if (!parse_record(record)) continue;  // blank line
        } catch (const InputError& e) {
            if (!problems_) throw;
            problems_->push_back({"CSV structure", e.line(), e.column(), e.message()});
            // Go on at the line after the one the record started on (a quote never closed ends the file).
            auto nl = text_.find('\n', start);
            pos_ = nl == std::string::npos || e.message().find("never closed") != std::string::npos ? text_.size()
                                                                                                 : nl + 1;
            line_ = start_line + 1;
            continue;
        }
        if (!header_.empty() && record.fields.size() != header_.size()) {
            InputError e(name_, record.line, 0,
                         "expected " + std::to_string(header_.size()) + " fields as in the header, found " +
                             std::to_string(record.fields.size()));
            if (!problems_) throw e;
            problems_->push_back({"wrong number of fields", e.line(), 0, e.message()});
            continue;
        }
        return true;
    }
    return false;
}

// Refuses the field about to be added to `record` when it is longer, or the record wider, than any table a
// spreadsheet holds (csv.hpp: kMostFieldBytes, kMostColumns).
void CsvReader::check_field(const CsvRecord& record, std::size_t bytes) const {
    if (bytes > kMostFieldBytes)
        throw InputError(name_, record.line, record.fields.size() + 1,
                         "a field of " + std::to_string(bytes) + " bytes; casesample reads at most " +
                             std::to_string(kMostFieldBytes) + " per field (is it the right file?)");
    if (record.fields.size() >= kMostColumns)
        throw InputError(name_, record.line, record.fields.size() + 1,
                         "more than " + std::to_string(kMostColumns) +
                             " fields on one line, more columns than a spreadsheet holds (is it the right file?)");
}

// Parses one record starting at pos_. Returns false when it was blank (only separators).
bool CsvReader::parse_record(CsvRecord& record) {
    record.fields.clear();
    record.line = line_;
    char* const data = text_.data();
    const std::size_t n = text_.size();
    std::size_t i = pos_;
    bool any_content = false;
    for (;;) {
        // One field starting at i.
        std::size_t field_column = record.fields.size();
        if (i < n && data[i] == '"') {
            const std::size_t quote_line = line_;
            std::size_t r = i + 1, w = i + 1;
            const std::size_t start = w;
            for (;;) {
                if (r >= n)
                    throw InputError(name_, quote_line, field_column + 1,
                                     "a quoted field is never closed (a \" is missing)");
                char c = data[r];
                if (c == '"') {
                    if (r + 1 < n && data[r + 1] == '"') {
                        data[w++] = '"';
                        r += 2;
                        continue;
                    }
                    ++r;
                    break;
                }
                if (c == '\n') ++line_;
                data[w++] = c;
                ++r;
            }
            check_field(record, w - start);
            record.fields.emplace_back(data + start, w - start);
            any_content = true;
            i = r;
            if (i < n && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
                throw InputError(name_, line_, field_column + 1,
                                 "unexpected text after a closing quote (a quote inside a field must be doubled)");
        } else {
            std::size_t start = i;
            while (i < n) {
                char c = data[i];
                if (c == ',' || c == '\n' || c == '\r') break;
                if (c == '"')
                    throw InputError(name_, line_, field_column + 1,
                                     "a quote inside an unquoted field (quote the whole field and double the quote)");
                ++i;
            }
            if (i > start) any_content = true;
            check_field(record, i - start);
            record.fields.emplace_back(data + start, i - start);
        }
        if (i >= n) break;
        if (data[i] == ',') { ++i; continue; }
        // End of record.
        if (data[i] == '\r') ++i;
        if (i < n && data[i] == '\n') ++i;
        ++line_;
        break;
    }
    pos_ = i;
    return any_content;
}

std::size_t find_control_character(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7F) return i;
        if (c == 0xC2 && i + 1 < text.size()) {
            auto d = static_cast<unsigned char>(text[i + 1]);
            if (d >= 0x80 && d <= 0x9F) return i;
        }
    }
    return std::string_view::npos;
}

std::string control_character_message(std::string_view what, std::string_view text, std::size_t offset) {
    char code[8];
    auto c = static_cast<unsigned char>(text[offset]);
    if (c == 0xC2) std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned char>(text[offset + 1]));
    else std::snprintf(code, sizeof code, "0x%02X", c);
    return std::string(what) + " holds a control character (" + code + ", byte " + std::to_string(offset + 1) +
           " of the cell); it must be plain printable text (was the file saved from another program?)";
}

// ---- writing ----

std::string csv_escape(std::string_view cell) {
    std::string out;
    bool formula = !cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                                     cell[0] == '\t' || cell[0] == '\r');
    bool quote = cell.find_first_of(",\"\n\r") != std::string_view::npos;
    if (!formula && !quote) return std::string(cell);
    if (quote) out += '"';
    if (formula) out += '\'';
    for (char c : cell) {
        if (c == '"') out += '"';
        out += c;
    }
    if (quote) out += '"';
    return out;
}

void CsvWriter::separator() {
    if (row_started_) out_ += ',';
    row_started_ = true;
}

CsvWriter& CsvWriter::text(std::string_view cell) {
    separator();
    out_ += csv_escape(cell);
    return *this;
}

CsvWriter& CsvWriter::integer(long long value) {
    separator();
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(buf, r.ptr);
    return *this;
}

CsvWriter& CsvWriter::number(double value, int decimals) {
    separator();
    out_ += format_fixed(value, decimals);
    return *this;
}

CsvWriter& CsvWriter::empty() {
    separator();
    return *this;
}

CsvWriter& CsvWriter::row(std::initializer_list<std::string_view> cells) {
    for (auto c : cells) text(c);
    end_row();
    return *this;
}

void CsvWriter::end_row() {
    out_ += '\n';
    row_started_ = false;
}

}  // namespace casesample
