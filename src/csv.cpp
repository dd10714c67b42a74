#include "casesample/csv.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "casesample/error.hpp"
#include "casesample/headers.hpp"
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
    return CsvReader(path, read_file(path), nullptr, options);
}

CsvReader CsvReader::from_string(std::string name, std::string text, CsvOptions options) {
    return CsvReader(std::move(name), std::move(text), nullptr, options);
}

CsvReader CsvReader::stream(std::string name, std::unique_ptr<ByteSource> source, CsvOptions options) {
    if (options.check_utf8) {  // every byte is checked before any record: read it all
        std::string text;
        std::unique_ptr<char[]> piece(new char[1 << 16]);
        while (auto n = source->read(piece.get(), 1 << 16)) text.append(piece.get(), n);
        return CsvReader(std::move(name), std::move(text), nullptr, options);
    }
    return CsvReader(std::move(name), std::string(), std::move(source), options);
}

namespace {
constexpr std::size_t kStreamPiece = std::size_t{1} << 20;  // bytes read from a stream at a time
constexpr std::size_t kNotTextLook = 8192;                  // bytes find_not_text looks at (text_input.hpp)
}

// Keeps the text from pos_ on (the record being read), moved to the front of the buffer, and reads more after
// it; false when there is nothing more (then at_end_).
bool CsvReader::refill() {
    if (!source_ || at_end_) return false;
    char* d = buffer_.get();
    if (pos_ > 0) {
        std::memmove(d, d + pos_, end_ - pos_);
        base_ += pos_;
        end_ -= pos_;
        pos_ = 0;
    }
    // A record longer than the room left: a larger buffer (only as large as the longest record needs).
    const std::size_t want = encoding_ == Encoding::utf8 ? kStreamPiece / 2 : 3 * (kStreamPiece / 2);
    if (capacity_ - end_ < want) {
        std::size_t grown = std::max(2 * capacity_, end_ + kStreamPiece);
        std::unique_ptr<char[]> bigger(new char[grown]);
        if (end_ > 0) std::memcpy(bigger.get(), d, end_);
        buffer_ = std::move(bigger);
        capacity_ = grown;
        d = buffer_.get();
    }
    // The first bytes were read already (to look at them); then the source.
    auto read_raw = [&](char* out, std::size_t max) {
        if (head_.empty()) return source_->read(out, max);
        std::size_t n = std::min(max, head_.size());
        std::memcpy(out, head_.data(), n);
        head_.erase(0, n);
        return n;
    };
    std::size_t got;
    if (encoding_ == Encoding::utf8) {
        got = read_raw(d + end_, capacity_ - end_);
    } else {
        // A single-byte encoding becomes at most three bytes of UTF-8 a byte, each byte on its own.
        std::string raw((capacity_ - end_) / 3, '\0');
        raw.resize(read_raw(raw.data(), raw.size()));
        std::string text = transcode_to_utf8(std::move(raw), encoding_);
        std::memcpy(d + end_, text.data(), text.size());
        got = text.size();
    }
    if (got == 0) {
        at_end_ = true;
        return false;
    }
    end_ += got;
    return true;
}

CsvReader::CsvReader(std::string name, std::string text, std::unique_ptr<ByteSource> source, CsvOptions options)
    : name_(std::move(name)), options_(options), source_(std::move(source)), encoding_(options.encoding) {
    if (source_) {
        size_hint_ = source_->size_hint();
        at_end_ = false;
        capacity_ = kStreamPiece;
        buffer_.reset(new char[capacity_]);
        // The first bytes as they came, to tell a file that is not text (what checked_text looks at).
        while (head_.size() < kNotTextLook) {
            std::size_t at = head_.size();
            head_.resize(kNotTextLook);
            head_.resize(at + source_->read(head_.data() + at, kNotTextLook - at));
            if (head_.size() == at) break;
        }
        head_ = checked_text(name_, std::move(head_));
        while (end_ < 3 && refill()) {
        }
    } else {
        text_ = transcode_to_utf8(checked_text(name_, std::move(text)), options.encoding);
        end_ = text_.size();
    }
    if (end_ >= 3 && std::memcmp(data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
    if (auto bad = !source_ && options.check_utf8 ? first_invalid_utf8(text_) : std::string::npos;
        bad != std::string::npos) {
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
                                 "); if the file was saved from Excel as plain 'CSV', read it with " +
                                 options.hints.with("encoding", "windows-1252") +
                                 ", or save it as 'CSV UTF-8 (Comma delimited)'");
        }
        if (h.empty() && rec.fields.size() > 1)
            throw InputError(name_, rec.line, i + 1, "empty column name in the header");
        if (auto [at, added] = seen.emplace(h, i); !added)
            throw InputError(name_, rec.line, i + 1,
                             "column " + quote_value(h) + " appears twice in the header (also column " +
                                 std::to_string(at->second + 1) + ")");
        header_.emplace_back(h);
    }
    // A file saved with semicolons or tabs between its columns: said once, here, for every reader.
    if (auto problem = separator_problem(header_); !problem.empty()) throw InputError(name_, header_line_, 0, problem);
}

std::optional<std::size_t> CsvReader::find_column(std::string_view column) const {
    for (std::size_t i = 0; i < header_.size(); ++i)
        if (header_[i] == column) return i;
    return std::nullopt;
}

void CsvReader::fail(const CsvRecord& record, std::size_t field, const std::string& message) const {
    throw InputError(name_, record.line, field + 1, message);
}

std::optional<std::map<std::size_t, std::string>> CsvReader::record_texts(const std::set<std::size_t>& lines) const {
    std::map<std::size_t, std::string> out;
    if (lines.empty()) return out;
    CsvOptions again = options_;
    again.check_utf8 = false;  // (checked the first time)
    std::unique_ptr<CsvReader> reader;
    try {
        if (!source_) {
            again.encoding = Encoding::utf8;  // text_ is UTF-8 already
            reader.reset(new CsvReader(name_, text_, nullptr, again));
        } else if (auto source = source_->reopen()) {
            reader.reset(new CsvReader(name_, std::string(), std::move(source), again));
        } else {
            return std::nullopt;
        }
        std::vector<InputProblem> skipped;  // (malformed records are passed over, as they were the first time)
        reader->collect_problems(&skipped);
        CsvRecord rec;
        while (out.size() < lines.size() && reader->next(rec))
            if (lines.count(rec.line)) out.emplace(rec.line, std::string(rec.text));
    } catch (const InputError&) {
        return std::nullopt;
    }
    if (out.size() < lines.size()) return std::nullopt;
    return out;
}

bool CsvReader::next(CsvRecord& record) {
    for (;;) {
        if (pos_ >= end_ && !refill()) return false;
        const std::size_t start_line = line_;
        try {
            auto parsed = parse_record(record);
            if (parsed == Parsed::need_more) {  // the record goes on past the text read so far
                line_ = start_line;
                refill();
                continue;
            }
            if (parsed == Parsed::blank) continue;
        } catch (const InputError& e) {
            if (!problems_) throw;
            problems_->push_back({"CSV structure", e.line(), e.column(), e.message()});
            // Go on at the line after the one the record started on (a quote never closed ends the file).
            line_ = start_line + 1;
            if (e.message().find("never closed") != std::string::npos) {
                while (refill()) pos_ = end_;
                pos_ = end_;
                continue;
            }
            for (std::size_t from = pos_;;) {
                const char* d = data();
                if (const void* nl = from < end_ ? std::memchr(d + from, '\n', end_ - from) : nullptr) {
                    pos_ = static_cast<std::size_t>(static_cast<const char*>(nl) - d) + 1;
                    break;
                }
                const std::size_t searched = end_ - pos_;
                if (!refill()) {
                    pos_ = end_;
                    break;
                }
                from = pos_ + searched;
            }
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
}

// Refuses the field about to be added to `record` when it is longer, or the record wider, than any table a
// spreadsheet holds (csv.hpp: kMostFieldBytes, kMostColumns).
void CsvReader::field_too_large(const CsvRecord& record, std::size_t bytes) const {
    if (bytes > kMostFieldBytes)
        throw InputError(name_, record.line, record.fields.size() + 1,
                         "a field of " + std::to_string(bytes) + " bytes; casesample reads at most " +
                             std::to_string(kMostFieldBytes) + " per field (is it the right file?)");
    throw InputError(name_, record.line, record.fields.size() + 1,
                     "more than " + std::to_string(kMostColumns) +
                         " fields on one line, more columns than a spreadsheet holds (is it the right file?)");
}

namespace {

// What a byte is to an unquoted field: 0 printable ASCII (part of the field), 1 the end of it or a quote
// (, CR LF "), 2 any other byte (part of the field, but not printable ASCII).
struct ByteClasses {
    unsigned char of[256];
    constexpr ByteClasses() : of() {
        for (int c = 0; c < 256; ++c) of[c] = c >= 0x20 && c < 0x7F ? 0 : 2;
        of[static_cast<unsigned char>(',')] = of[static_cast<unsigned char>('\n')] = 1;
        of[static_cast<unsigned char>('\r')] = of[static_cast<unsigned char>('"')] = 1;
    }
};
constexpr ByteClasses kByteClass;

inline bool printable_byte(unsigned char c) { return c >= 0x20 && c < 0x7F; }

// Offset from `i` of the first byte that ends an unquoted field (, CR LF) or may not be in one ("), or n;
// `odd` is set when a byte before it is not printable ASCII.
inline std::size_t unquoted_end(const char* data, std::size_t i, std::size_t n, std::uint64_t& odd) {
    const auto* p = reinterpret_cast<const unsigned char*>(data);
#ifdef __SSE2__
    // Sixteen bytes at a time: a mask of the bytes that end the field, and one of those that are not printable
    // (as signed bytes, those below 0x20 and from 0x80 on are less than 0x20; and 0x7F).
    const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                  quote = _mm_set1_epi8('"'), space = _mm_set1_epi8(' '), del = _mm_set1_epi8(0x7F);
    while (i + 16 <= n) {
        const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        const unsigned stop = static_cast<unsigned>(_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, comma), _mm_cmpeq_epi8(w, lf)),
                         _mm_or_si128(_mm_cmpeq_epi8(w, cr), _mm_cmpeq_epi8(w, quote)))));
        unsigned bad = static_cast<unsigned>(
            _mm_movemask_epi8(_mm_or_si128(_mm_cmplt_epi8(w, space), _mm_cmpeq_epi8(w, del))));
        if (stop) {
            const unsigned k = static_cast<unsigned>(__builtin_ctz(stop));
            if (bad & ((1u << k) - 1)) odd = 1;
            return i + k;
        }
        if (bad) odd = 1;
        i += 16;
    }
#endif
    for (; i < n; ++i) {
        const unsigned char k = kByteClass.of[p[i]];
        if (k == 0) continue;
        if (k == 1) break;
        odd = 1;
    }
    return i;
}


#ifdef __SSE2__
// The common record, read in one sweep: unquoted fields of printable ASCII ending in LF or CRLF, every byte of it
// and the byte after it in the text read so far. Its fields go into `fields`; returns the offset just past its
// line break, or 0 when the record is anything else (a quote, another byte, a lone CR, only separators, too
// many fields, or the end of the text read so far): then nothing is to be kept, and the general parser reads it,
// with its errors and their places. Sixteen bytes at a time: a mask of the separators (, LF CR) and one of the
// bytes that end the fast path (", and any byte not printable but LF and CR).
inline std::size_t plain_record(const char* data, std::size_t pos, std::size_t n,
                                std::vector<std::string_view>& fields, std::size_t& text_end) {
    const auto* p = reinterpret_cast<const unsigned char*>(data);
    const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                  quote = _mm_set1_epi8('"'), space = _mm_set1_epi8(' '), del = _mm_set1_epi8(0x7F);
    std::size_t start = pos;
    for (std::size_t i = pos; i + 16 <= n; i += 16) {
        const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        const __m128i is_lf = _mm_cmpeq_epi8(w, lf), is_cr = _mm_cmpeq_epi8(w, cr);
        unsigned seps = static_cast<unsigned>(
            _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(w, comma), _mm_or_si128(is_lf, is_cr))));
        const unsigned bad = static_cast<unsigned>(_mm_movemask_epi8(_mm_andnot_si128(
            _mm_or_si128(is_lf, is_cr),
            _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(w, space), _mm_cmpeq_epi8(w, del)), _mm_cmpeq_epi8(w, quote)))));
        while (seps) {
            const unsigned k = static_cast<unsigned>(__builtin_ctz(seps));
            if (bad & ((1u << k) - 1)) return 0;
            const std::size_t at = i + k;
            if (fields.size() + 1 >= kMostColumns || at - start > kMostFieldBytes) return 0;
            fields.emplace_back(data + start, at - start);
            if (p[at] == ',') {
                start = at + 1;
                seps &= seps - 1;
                continue;
            }
            std::size_t next = at + 1;
            if (p[at] == '\r') {
                if (next >= n || p[next] != '\n') return 0;  // a lone CR, or its LF not yet read
                ++next;
            }
            if (next >= n) return 0;  // (the general parser decides what the end of the text means)
            if (at - pos < fields.size()) return 0;  // nothing but separators: a blank record
            text_end = at;
            return next;
        }
        if (bad) return 0;
    }
    return 0;
}
#endif

}  // namespace

// Parses one record starting at pos_: a record, a blank one (only separators), or need_more when the record
// runs past the text read so far of a stream (nothing is changed then: it is read again after a refill).
// Quoted fields are read without changing the text; one holding doubled quotes gets a copy without them.
CsvReader::Parsed CsvReader::parse_record(CsvRecord& record) {
    record.fields.clear();
    if (!unescaped_.empty()) unescaped_.clear();
    record.line = line_;
    const char* const data = this->data();
    const std::size_t n = end_;
#ifdef __SSE2__
    {
        std::size_t text_end = 0;
        if (const std::size_t next = plain_record(data, pos_, n, record.fields, text_end)) {
            record.text = {data + pos_, text_end - pos_};
            record.plain = true;
            pos_ = next;
            ++line_;
            return Parsed::record;
        }
        record.fields.clear();
    }
#endif
    const bool more = !at_end_;  // the text may go on past n
    std::size_t i = pos_;
    bool any_content = false;
    std::uint64_t odd = 0;  // high bits of bytes that are not printable ASCII
    auto add_field = [&](const char* begin, std::size_t bytes) {
        if (bytes > kMostFieldBytes || record.fields.size() >= kMostColumns) field_too_large(record, bytes);
        record.fields.emplace_back(begin, bytes);
    };
    for (;;) {
        // One field starting at i.
        std::size_t field_column = record.fields.size();
        if (i < n && data[i] == '"') {
            const std::size_t quote_line = line_;
            const std::size_t start = i + 1;
            std::size_t r = start, doubled = 0;
            for (;;) {
                if (r >= n) {
                    if (more) return Parsed::need_more;
                    throw InputError(name_, quote_line, field_column + 1,
                                     "a quoted field is never closed (a \" is missing)");
                }
                char c = data[r];
                if (c == '"') {
                    if (r + 1 >= n && more) return Parsed::need_more;
                    if (r + 1 < n && data[r + 1] == '"') {
                        ++doubled;
                        r += 2;
                        continue;
                    }
                    break;
                }
                if (c == '\n') ++line_;
                if (!printable_byte(static_cast<unsigned char>(c))) odd |= 0x80;
                ++r;
            }
            if (doubled == 0) {
                add_field(data + start, r - start);
            } else {
                std::string& cell = unescaped_.emplace_back();
                cell.reserve(r - start - doubled);
                for (std::size_t k = start; k < r; ++k) {
                    cell += data[k];
                    if (data[k] == '"') ++k;
                }
                add_field(cell.data(), cell.size());
            }
            any_content = true;
            i = r + 1;
            if (i >= n && more) return Parsed::need_more;
            if (i < n && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
                throw InputError(name_, line_, field_column + 1,
                                 "unexpected text after a closing quote (a quote inside a field must be doubled)");
        } else {
            std::size_t start = i;
            i = unquoted_end(data, i, n, odd);
            if (i < n && data[i] == '"')
                throw InputError(name_, line_, field_column + 1,
                                 "a quote inside an unquoted field (quote the whole field and double the quote)");
            if (i >= n && more) return Parsed::need_more;
            if (i > start) any_content = true;
            add_field(data + start, i - start);
        }
        if (i >= n) {
            record.text = {data + pos_, i - pos_};
            break;
        }
        if (data[i] == ',') { ++i; continue; }
        // End of record.
        record.text = {data + pos_, i - pos_};
        if (data[i] == '\r') {
            ++i;
            if (i >= n && more) return Parsed::need_more;
        }
        if (i < n && data[i] == '\n') ++i;
        ++line_;
        break;
    }
    pos_ = i;
    record.plain = odd == 0;
    return any_content ? Parsed::record : Parsed::blank;
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

void append_csv_escaped(std::string& out, std::string_view cell) {
    const bool formula = !cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                                           cell[0] == '\t' || cell[0] == '\r');
    bool quote = false;
    for (char c : cell)
        if (c == ',' || c == '"' || c == '\n' || c == '\r') {
            quote = true;
            break;
        }
    if (!formula && !quote) {
        out += cell;
        return;
    }
    if (quote) out += '"';
    if (formula) out += '\'';
    for (char c : cell) {
        if (c == '"') out += '"';
        out += c;
    }
    if (quote) out += '"';
}

std::string csv_escape(std::string_view cell) {
    std::string out;
    append_csv_escaped(out, cell);
    return out;
}

CsvWriter::CsvWriter(Sink sink, std::size_t flush_at) : sink_(std::move(sink)), flush_at_(flush_at) {
    out_.reserve(flush_at_ + flush_at_ / 8);
}

void CsvWriter::finish() {
    if (sink_ && !out_.empty()) {
        sink_(out_);
        out_.clear();
    }
}

void CsvWriter::separator() {
    if (row_started_) out_ += ',';
    row_started_ = true;
}

CsvWriter& CsvWriter::text(std::string_view cell) {
    separator();
    append_csv_escaped(out_, cell);
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
    if (sink_ && out_.size() >= flush_at_) finish();
}

}  // namespace casesample
