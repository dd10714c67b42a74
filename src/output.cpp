#include "casesample/output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

#include "casesample/error.hpp"

namespace casesample {

void write_file_atomically(const std::filesystem::path& path, const ByteProducer& produce) {
    namespace fs = std::filesystem;
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    // A new file under an unpredictable name in the same directory (so the rename stays on one file system),
    // created exclusively: never a file or link that someone put there.
    std::string tmp_text = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
    int fd = ::mkostemp(tmp_text.data(), O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        throw std::runtime_error("cannot write '" + path.string() + "': " + std::strerror(err));
    }
    const fs::path tmp = tmp_text;
    auto fail = [&](const std::string& what) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot write '" + path.string() + "': " + what + ": " +
                                 (err == ENOSPC ? std::string("the disk is full") : std::strerror(err)));
    };
    // mkostemp creates the file 0600; outputs are for others to read, as a plain create would make them.
    static const mode_t mask = [] {
        // Read, not set and restored: umask() would race with threads creating files.
        std::ifstream status("/proc/self/status");
        std::string line;
        while (std::getline(status, line))
            if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
        return static_cast<mode_t>(022);
    }();
    if (::fchmod(fd, 0666 & ~mask) != 0) { ::close(fd); fail("setting permissions"); }
    auto sink = [&](std::string_view piece) {
        const char* p = piece.data();
        std::size_t left = piece.size();
        while (left > 0) {
            ssize_t w = ::write(fd, p, left);
            if (w < 0) {
                if (errno == EINTR) continue;
                ::close(fd);
                fd = -1;
                fail("writing");
            }
            p += w;
            left -= static_cast<std::size_t>(w);
        }
    };
    try {
        produce(sink);
    } catch (...) {
        if (fd >= 0) {
            ::close(fd);
            ::unlink(tmp.c_str());
        }
        throw;
    }
    if (::fsync(fd) != 0) { ::close(fd); fail("flushing"); }
    if (::close(fd) != 0) fail("closing");
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail("renaming");
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
    write_file_atomically(path, [content](const std::function<void(std::string_view)>& sink) { sink(content); });
}

bool write_file_if_changed(const std::filesystem::path& path, std::string_view content) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec) && std::filesystem::file_size(path, ec) == content.size()) {
        std::ifstream f(path, std::ios::binary);
        std::string old((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        if (f && old == content) return false;
    }
    write_file_atomically(path, content);
    return true;
}

void check_input_file(const std::string& path, std::size_t most_bytes) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec) return;  // opening it says why
    if (fs::is_directory(status)) throw InputError(path, 0, 0, "this is a folder, not a file");
    // Devices (/dev/zero, a terminal) and sockets are never data files: refuse them rather than read forever.
    // Pipes (a shell's <(...)) are read, up to the same limit as files.
    if (!fs::is_regular_file(status) && !fs::is_fifo(status))
        throw InputError(path, 0, 0, "this is a device or a socket, not a file; save the data to a file first");
    if (fs::is_regular_file(status)) {
        auto size = fs::file_size(path, ec);
        if (!ec && size > most_bytes) input_too_large(path, most_bytes);
    }
}

void input_too_large(const std::string& path, std::size_t most_bytes) {
    throw InputError(path, 0, 0,
                     "the file holds more than the " + std::to_string(most_bytes / (1024 * 1024)) +
                         " MB casesample reads (is it the right file?)");
}

std::string read_file(const std::string& path) {
    check_input_file(path);
    std::error_code ec;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw InputError(path, 0, 0, std::string("cannot open the file: ") + std::strerror(errno));
    std::string text;
    if (auto size = std::filesystem::file_size(path, ec); !ec) text.reserve(static_cast<std::size_t>(size));
    char buf[1 << 16];
    std::size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) {
        if (text.size() + got > kMostInputBytes) {
            std::fclose(f);
            input_too_large(path);
        }
        text.append(buf, got);
    }
    bool bad = std::ferror(f);
    std::fclose(f);
    if (bad) throw InputError(path, 0, 0, "cannot read the file (is it a folder?)");
    return text;
}

std::string format_fixed(double value, int decimals) {
    if (std::isnan(value)) return "NA";
    if (value == 0.0) value = 0.0;  // no "-0.000"
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, decimals);
    std::string s(buf, r.ptr);
    // Rounding a tiny negative to zero must not print "-0.0".
    if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
    return s;
}

std::string format_shortest(double value) {
    if (std::isnan(value)) return "NA";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, r.ptr);
}

std::string counted(std::size_t n, std::string_view noun, std::string_view plural) {
    std::string out = std::to_string(n) + " ";
    if (n == 1) out += noun;
    else if (!plural.empty()) out += plural;
    else (out += noun) += 's';
    return out;
}

std::string format_percent(double share, int decimals) { return format_fixed(100.0 * share, decimals) + "%"; }

TextTable::TextTable(std::vector<std::string> header) : header_(std::move(header)), right_(header_.size(), false) {}

void TextTable::add_row(std::vector<std::string> cells) {
    cells.resize(header_.size());
    rows_.push_back(std::move(cells));
}

void TextTable::right_align(std::size_t column) {
    if (column < right_.size()) right_[column] = true;
}

namespace {
// Display width of UTF-8 text: counts code points, not bytes.
std::size_t display_width(const std::string& s) {
    std::size_t w = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++w;
    return w;
}
}  // namespace

std::string TextTable::render() const {
    std::vector<std::size_t> width(header_.size());
    for (std::size_t c = 0; c < header_.size(); ++c) width[c] = display_width(header_[c]);
    for (const auto& row : rows_)
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], display_width(row[c]));
    std::string out;
    auto emit = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            std::size_t pad = width[c] - display_width(row[c]);
            if (c > 0) line += "  ";
            if (right_[c]) line.append(pad, ' ');
            line += row[c];
            if (!right_[c] && c + 1 < row.size()) line.append(pad, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line;
        out += '\n';
    };
    emit(header_);
    std::vector<std::string> rule(header_.size());
    for (std::size_t c = 0; c < header_.size(); ++c) rule[c] = std::string(width[c], '-');
    emit(rule);
    for (const auto& row : rows_) emit(row);
    return out;
}

namespace {

std::string hex_of(const unsigned char* md, unsigned len) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    return hex_of(md, len);
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
        throw std::runtime_error("SHA-256 failed");
    }
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(std::string_view bytes) {
    if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size()) != 1)
        throw std::runtime_error("SHA-256 failed");
}

std::string Sha256::hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len) != 1) throw std::runtime_error("SHA-256 failed");
    return hex_of(md, len);
}


}  // namespace casesample
