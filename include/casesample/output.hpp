#pragma once
// Writing results: atomic files, reproducible number formatting, aligned text tables.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace casesample {

// Writes `content` to a temporary file beside `path`, flushes it to disk, then renames it over `path`,
// so readers see either the old file or the whole new one, never half of it. Throws std::runtime_error
// naming the file and the system's reason when it cannot.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);
// Bytes too many to hold at once: a producer is called once with a sink it passes them to, in order.
using ByteProducer = std::function<void(const std::function<void(std::string_view)>& sink)>;
// The same for bytes given piece by piece (a workbook of tens of megabytes): the file is renamed into place only
// when `produce` returns; if it throws, the temporary file is removed and `path` is left as it was.
void write_file_atomically(const std::filesystem::path& path, const ByteProducer& produce);

// write_file_atomically unless the file already holds exactly `content` (its time stamp then stays as it is);
// true when written.
bool write_file_if_changed(const std::filesystem::path& path, std::string_view content);

// The most any input file may hold (256 MB, far above any case-management export; docs/bad-inputs.md).
inline constexpr std::size_t kMostInputBytes = std::size_t{256} * 1024 * 1024;
// The most a population file may hold (2 GB, some 37 million cases): it is read in pieces, never held whole,
// so what it costs in memory is its cases, not its bytes.
inline constexpr std::size_t kMostPopulationBytes = std::size_t{2048} * 1024 * 1024;

// Reads a whole file; throws InputError (line 0) naming the file when it cannot be read, is a folder, a
// device or a socket (a pipe is read), or holds more than kMostInputBytes.
std::string read_file(const std::string& path);
// The checks read_file makes before reading, for readers of their own: throws InputError when `path` is a
// folder, a device or a socket, or a file larger than `most_bytes`.
void check_input_file(const std::string& path, std::size_t most_bytes = kMostInputBytes);
// Throws the InputError for an input found to hold more than `most_bytes` while reading it.
[[noreturn]] void input_too_large(const std::string& path, std::size_t most_bytes = kMostInputBytes);

// Fixed-point text with `decimals` places, correctly rounded and identical on every machine.
std::string format_fixed(double value, int decimals);
// Shortest text that reads back as the same double (for JSON and reference-precision output).
std::string format_shortest(double value);
// "84.0%"-style percentage of a share in [0, 1].
std::string format_percent(double share, int decimals = 1);
// A count and its noun: "1 difference", "2 differences" (`plural` when it is not the noun and an s).
std::string counted(std::size_t n, std::string_view noun, std::string_view plural = {});

// A plain-text table with a header row, columns aligned (numbers right, text left).
class TextTable {
public:
    explicit TextTable(std::vector<std::string> header);
    void add_row(std::vector<std::string> cells);
    void right_align(std::size_t column);  // numeric columns
    std::string render() const;

private:
    std::vector<std::string> header_;
    std::vector<std::vector<std::string>> rows_;
    std::vector<bool> right_;
};

// SHA-256 of a file's bytes as lowercase hex, read in pieces (up to kMostPopulationBytes); throws InputError
// when unreadable. (Defined in byte_source.cpp.)
std::string sha256_file(const std::string& path);
std::string sha256_hex(std::string_view bytes);

// SHA-256 of bytes given in pieces: hex() of the pieces equals sha256_hex of them end to end.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(std::string_view bytes);
    std::string hex();  // the digest as lowercase hex; once

private:
    void* ctx_;  // EVP_MD_CTX
};

}  // namespace casesample
