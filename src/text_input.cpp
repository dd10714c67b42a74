#include "casesample/text_input.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "casesample/error.hpp"
#include "casesample/json_input.hpp"

namespace casesample {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && std::memcmp(text.data(), prefix.data(), prefix.size()) == 0;
}

constexpr std::size_t kLook = 8192;       // how far into the file to look
constexpr std::size_t kMostControls = 8;  // control bytes in that much text that make it binary

}  // namespace

std::optional<NotText> find_not_text(std::string_view text, std::string_view expected) {
    const bool csv = expected == "CSV";
    const std::string wanted = "a " + std::string(expected) + " file";
    const std::string save = csv ? ": open it in Excel and use Save As > 'CSV UTF-8 (Comma delimited)'" : "";
    using namespace std::string_view_literals;
    struct Signature {
        std::string_view bytes, what, advice;
    };
    static const Signature signatures[] = {
        {"PK\x03\x04"sv, "an Excel workbook (.xlsx) or another ZIP archive (.ods, .docx, .zip)", "save"},
        {"PK\x05\x06"sv, "an empty ZIP archive", ""},
        {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"sv, "an Excel 97-2003 workbook (.xls) or another old Office file", "save"},
        {"%PDF-"sv, "a PDF document", ""},
        {"\x89PNG\r\n\x1A\n"sv, "a PNG picture", ""},
        {"\xFF\xD8\xFF"sv, "a JPEG picture", ""},
        {"GIF87a"sv, "a GIF picture", ""},
        {"GIF89a"sv, "a GIF picture", ""},
        {"\x1F\x8B"sv, "a gzip-compressed file (unpack it first)", ""},
        {"7z\xBC\xAF\x27\x1C"sv, "a 7-Zip archive (unpack it first)", ""},
        {"Rar!\x1A\x07"sv, "a RAR archive (unpack it first)", ""},
        {"\x7F" "ELF"sv, "a program", ""},
        {"\xFF\xFE\x00\x00"sv, "UTF-32 text", "utf"},
        {"\x00\x00\xFE\xFF"sv, "UTF-32 text", "utf"},
        {"\xFF\xFE"sv, "UTF-16 text (Excel's 'Unicode Text')", "utf"},
        {"\xFE\xFF"sv, "UTF-16 text", "utf"},
    };
    for (const auto& s : signatures) {
        if (!starts_with(text, s.bytes)) continue;
        std::string m = "this is " + std::string(s.what) + ", not " + wanted;
        if (s.advice == "save") m += save;
        if (s.advice == "utf") m += csv ? save : "; save it as UTF-8 text";
        return NotText{0, m};
    }
    // Control bytes in the first kLook bytes; NULs at one parity only are UTF-16 text without a byte-order mark.
    std::size_t controls = 0, first = std::string_view::npos, nul_even = 0, nul_odd = 0;
    const std::size_t n = std::min(text.size(), kLook);
    for (std::size_t i = 0; i < n; ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != 0x7F) continue;
        if (c == '\t' || c == '\n' || c == '\r' || c == '\f') continue;
        if (c == 0) ++(i % 2 ? nul_odd : nul_even);
        if (controls++ == 0) first = i;
    }
    if (controls < kMostControls) return std::nullopt;
    if (controls == nul_even + nul_odd && (nul_even == 0 || nul_odd == 0) && 4 * controls >= n / 2)
        return NotText{first, "this is UTF-16 text, not " + wanted + (csv ? save : "; save it as UTF-8 text")};
    return NotText{first, "this is not " + wanted + " but a binary file (" + std::to_string(controls) +
                              " control bytes such as NUL in its first " + std::to_string(n) + " bytes)" +
                              (csv ? "; if it is a spreadsheet, open it in Excel and use Save As > 'CSV UTF-8 (Comma "
                                     "delimited)'"
                                   : "")};
}

std::optional<NotText> find_not_text_in_file(const std::string& path, std::string_view expected) {
    // Only a regular file is opened again: a second open of a named pipe waits for a writer that never comes
    // (its one writer has gone), and a pipe's bytes were read already. Those inputs keep the reader's message.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::string head(kLook, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    return find_not_text(head, expected);
}

void refuse_not_text(const std::string& file, std::string_view text, std::string_view expected) {
    if (auto bad = find_not_text(text, expected)) {
        auto [line, column] = text_place(text, bad->offset);
        throw InputError(file, line, column, bad->message);
    }
}

}  // namespace casesample
