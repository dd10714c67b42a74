#pragma once
// RFC 4180 CSV: reading with exact error places, writing with formula-safe escaping.
//
// Reading rules (what users' Excel and database exports produce):
//  - fields separated by commas; a field may be quoted with "..." and then hold commas, line breaks and
//    doubled quotes ("");
//  - records end with LF, CRLF or a lone CR; a final line break is optional;
//  - UTF-8 with or without a byte-order mark; bytes that are not UTF-8 are an error (Excel's "CSV UTF-8");
//  - the first record is the header; every record must have as many fields as the header;
//  - empty lines and lines of nothing but commas (Excel leaves them after deleted rows) are skipped.
//  - at most kMostColumns fields on a line and kMostFieldBytes bytes in a field (a field is refused, not cut).
// Every error names file, line and column (column = 1-based field number).
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "casesample/byte_source.hpp"
#include "casesample/option_hints.hpp"

namespace casesample {

// Excel's own limits (16,384 columns; 32,767 characters in a cell, up to 4 bytes each in UTF-8).
inline constexpr std::size_t kMostColumns = 16384;
inline constexpr std::size_t kMostFieldBytes = 131072;
// The text encodings a CSV may be read from; anything but UTF-8 is transcoded to UTF-8 on reading.
enum class Encoding { utf8, windows1252, latin1 };
// "utf-8", "windows-1252" (also "cp1252"), "latin-1" (also "iso-8859-1"), any case; nullopt otherwise.
std::optional<Encoding> parse_encoding(std::string_view name);
std::string_view encoding_name(Encoding e);  // "utf-8", "windows-1252", "latin-1"
// The text as UTF-8 (a copy; UTF-8 text is returned as it is).
std::string transcode_to_utf8(std::string text, Encoding from);
// Offset of the first byte of `text` that is not UTF-8, or npos.
std::size_t first_invalid_utf8(std::string_view text);

struct CsvOptions {
    // A constructor, so that CsvOptions{encoding, check_utf8} stays complete as members are added.
    CsvOptions(Encoding encoding_ = Encoding::utf8, bool check_utf8_ = true, OptionHints hints_ = {})
        : encoding(encoding_), check_utf8(check_utf8_), hints(std::move(hints_)) {}
    Encoding encoding = Encoding::utf8;
    // true: a byte that is not UTF-8 anywhere in the file is an error. false: only the header is checked, and the
    // caller checks the cells it uses (so a bad byte in a column nobody reads is no error).
    bool check_utf8 = true;
    // How the user writes --encoding, for the message of a header that is not UTF-8.
    OptionHints hints;
};

// One problem found in an input, when problems are collected instead of stopping at the first (lint).
struct InputProblem {
    std::string kind;  // groups problems in a listing: "unknown rosh", "bad disposal_date", ...
    std::size_t line = 0;
    std::size_t column = 0;
    std::string message;
    // The category or date that was not understood, as the cell holds it (trimmed), for the kinds that have one
    // ("unknown gender", "bad disposal_date"): lint counts each such value. Empty for other kinds.
    std::string value = {};
};

struct CsvRecord {
    std::vector<std::string_view> fields;  // valid until the next call to CsvReader::next
    std::size_t line = 0;                  // line on which the record starts
    std::string_view text;                 // the record as written (quotes and all, no line break); same life
    bool plain = true;                     // every byte of every field printable ASCII (0x20-0x7E): cells need
                                           // no UTF-8 or control-character check
};

class CsvReader {
public:
    // Reads the whole file into memory. Throws InputError when it cannot be read, is empty, is not
    // UTF-8, or its header is malformed.
    static CsvReader open(const std::string& path, CsvOptions options = {});
    // For tests and embedded data: `name` is used in error messages.
    static CsvReader from_string(std::string name, std::string text, CsvOptions options = {});
    // Reads `source` in pieces as records are asked for: the memory of one piece (a megabyte) and the longest
    // record, not of the whole file. Records, errors and their places are the same as from the whole text.
    // With options.check_utf8 the whole text is read first (the check looks at every byte before any record).
    static CsvReader stream(std::string name, std::unique_ptr<ByteSource> source, CsvOptions options = {});

    // From now on, malformed records (a wrong number of fields, a stray quote) are added to `problems` and
    // skipped instead of thrown; nullptr stops collecting.
    void collect_problems(std::vector<InputProblem>* problems) noexcept { problems_ = problems; }

    const std::string& name() const noexcept { return name_; }
    const std::vector<std::string>& header() const noexcept { return header_; }
    std::size_t header_line() const noexcept { return header_line_; }
    // Position of `column` in the header, matched exactly after trimming; nullopt when absent.
    std::optional<std::size_t> find_column(std::string_view column) const;
    // Size in bytes of the text (for progress and reservations): of a stream, the file's size when known
    // beforehand, else 0.
    std::size_t size_bytes() const noexcept { return source_ ? size_hint_ : end_; }
    // Bytes read so far (for progress): size_bytes() at the end of the file.
    std::size_t position() const noexcept { return base_ + pos_; }

    // Next data record; false at the end of the file. Throws InputError on malformed CSV.
    bool next(CsvRecord& record);

    // An InputError at the given record and field (0-based field index).
    [[noreturn]] void fail(const CsvRecord& record, std::size_t field, const std::string& message) const;

    // The text as written of the records that start on `lines`, read again from the start of the input (the
    // whole text, or the file opened again): what a few rows held, once a stream has gone past them. nullopt when
    // the input cannot be read again (a pipe), or no longer holds such records (it changed since).
    std::optional<std::map<std::size_t, std::string>> record_texts(const std::set<std::size_t>& lines) const;
    // Whether record_texts can read the input again (the whole text is kept, or the source reopens).
    bool can_read_again() const noexcept { return !source_ || source_->reopens(); }

private:
    enum class Parsed { record, blank, need_more };
    CsvReader(std::string name, std::string text, std::unique_ptr<ByteSource> source, CsvOptions options);
    char* data() noexcept { return source_ ? buffer_.get() : text_.data(); }
    Parsed parse_record(CsvRecord& record);
    bool refill();
    [[noreturn]] void field_too_large(const CsvRecord& record, std::size_t bytes) const;

    std::string name_;
    CsvOptions options_;                   // as given, to read the input again (record_texts)
    std::string text_;                     // the whole text (open, from_string)
    std::unique_ptr<ByteSource> source_;   // or a stream, read into buffer_ as records are asked for
    std::unique_ptr<char[]> buffer_;
    std::string head_;                     // the stream's first bytes, read to look at them, not yet in buffer_
    std::size_t capacity_ = 0;
    std::size_t size_hint_ = 0;
    Encoding encoding_ = Encoding::utf8;
    bool at_end_ = true;                   // nothing more to read from source_
    std::size_t base_ = 0;                 // offset in the input of data()[0]
    std::size_t end_ = 0;                  // bytes of data() that hold text
    std::deque<std::string> unescaped_;    // this record's quoted fields that held doubled quotes
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t header_line_ = 1;
    std::vector<std::string> header_;
    std::vector<InputProblem>* problems_ = nullptr;
};

// The cells of a table, row by row, whatever they are written into: CsvWriter (CSV text) and XlsxWriter (a
// sheet of a workbook, report_xlsx.hpp) take the same calls, so a CSV file and its sheet come from one piece
// of code and always agree.
class CellWriter {
public:
    virtual ~CellWriter() = default;
    virtual CellWriter& text(std::string_view cell) = 0;                // a text cell, whatever it looks like
    virtual CellWriter& integer(long long value) = 0;
    virtual CellWriter& number(double value, int decimals) = 0;         // shown with `decimals` places
    virtual CellWriter& empty() = 0;
    virtual void end_row() = 0;
};

// Writes CSV text. Text cells that could be read by a spreadsheet as a formula (they begin with
// = + - @, a tab or a carriage return) are prefixed with a single quote; numbers the tool computed are
// written as they are. Cells holding a comma, quote or line break are quoted.
class CsvWriter final : public CellWriter {
public:
    // Where the text goes as it grows: without a sink it is kept (str(), take()); with one, whole rows are handed to
    // the sink whenever `flush_at` bytes or more are waiting, and the rest by finish(), so that a file of millions
    // of rows never stands whole in memory.
    using Sink = std::function<void(std::string_view)>;
    CsvWriter() = default;
    explicit CsvWriter(Sink sink, std::size_t flush_at = std::size_t{1} << 20);
    CsvWriter& text(std::string_view cell) override;
    CsvWriter& integer(long long value) override;
    CsvWriter& number(double value, int decimals) override;  // fixed decimals, correctly rounded
    CsvWriter& empty() override;
    CsvWriter& row(std::initializer_list<std::string_view> cells);  // a whole row of text cells
    void end_row() override;
    const std::string& str() const noexcept { return out_; }
    std::string take() { return std::move(out_); }
    // Hands what is waiting to the sink (nothing without one).
    void finish();

private:
    void separator();
    std::string out_;
    bool row_started_ = false;
    Sink sink_;
    std::size_t flush_at_ = 0;
};

// Offset of the first control character in `text` (C0 bytes, DEL, and the C1 range U+0080..U+009F), or npos.
// Identifiers (case ids) must be plain printable text: a NUL or an escape sequence in one would travel into
// output files and terminals.
std::size_t find_control_character(std::string_view text);
// The message for a control character at `offset` of an identifier described as `what` ("case id").
std::string control_character_message(std::string_view what, std::string_view text, std::size_t offset);

// The escaped form of one text cell (formula-safe and quoted when needed).
std::string csv_escape(std::string_view cell);
// The same, appended to `out`.
void append_csv_escaped(std::string& out, std::string_view cell);

}  // namespace casesample
