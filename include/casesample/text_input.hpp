#pragma once
// Telling a text file from one that is not (a workbook, a picture, a PDF, a compressed archive, UTF-16 text)
// by its first bytes, so that a user who gave the wrong file hears what it is and what to do instead of a
// complaint about a stray quote somewhere inside it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace casesample {

struct NotText {
    std::size_t offset;   // the byte that shows it: 0 for a signature at the start, else the first control byte
    std::string message;  // one line: what the file is and, for a CSV input, how to save it as one
};

// What `text` is when its first bytes show it is not a text file: a known signature at the start (ZIP, hence
// .xlsx/.ods/.docx; OLE, hence .xls/.doc; PDF, PNG, JPEG, GIF, gzip, 7-Zip, RAR, a program; a UTF-16 or UTF-32
// byte-order mark), or eight or more NUL or other control bytes (not tab, line feed, carriage return or form
// feed) in the first 8 KiB. One stray control byte in a cell is left to the reader, which names its cell.
// `expected` names the kind of file wanted ("CSV", "JSON", "TOML"); for "CSV" the message says how to save one
// from Excel.
std::optional<NotText> find_not_text(std::string_view text, std::string_view expected);

// find_not_text on the first bytes of the file at `path` (nullopt when it cannot be read: the reader says why).
std::optional<NotText> find_not_text_in_file(const std::string& path, std::string_view expected);

// Throws InputError at the line and column (1-based, in bytes) of the offending byte when find_not_text finds
// something.
void refuse_not_text(const std::string& file, std::string_view text, std::string_view expected);

}  // namespace casesample
