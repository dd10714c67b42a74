#pragma once
// Bytes read in pieces: what CsvReader::stream reads a large file through, so that the file is never held
// whole in memory (a population of 5 million cases is 280 MB of text, but some 130 MB of cases).
#include <cstddef>
#include <memory>
#include <string>

#include "casesample/output.hpp"

namespace casesample {

class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Up to `max` (> 0) bytes into `out`; 0 only at the end. Throws InputError when the bytes cannot be read.
    virtual std::size_t read(char* out, std::size_t max) = 0;
    // The total size when known beforehand (a regular file), else 0: for progress and reservations only.
    virtual std::size_t size_hint() const noexcept { return 0; }
    // A new source giving the same bytes from the start (a file opened again), or nullptr when there is none (a
    // pipe): for reading a few records again.
    virtual std::unique_ptr<ByteSource> reopen() const { return nullptr; }
    // Whether reopen() gives a source (without opening anything).
    virtual bool reopens() const noexcept { return false; }
};

// A file read in blocks, refused as read_file refuses it (a folder, a device or a socket, more than
// `most_bytes`; the same messages). With `hash`, the SHA-256 of every byte read is computed as it is read, on
// a second thread for a file of a megabyte or more: the manifest's hash is then of exactly the bytes parsed,
// and costs the parser no time where a second core is free.
class FileSource final : public ByteSource {
public:
    FileSource(const std::string& path, bool hash, std::size_t most_bytes = kMostInputBytes);
    ~FileSource() override;
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;

    std::size_t read(char* out, std::size_t max) override;
    std::size_t size_hint() const noexcept override;
    std::unique_ptr<ByteSource> reopen() const override;  // a regular file opened again, not hashed; else nullptr
    bool reopens() const noexcept override;
    // Reads what is left, then gives the SHA-256 (lowercase hex) of the whole file (with `hash` only; once).
    std::string finish_sha256();
    // Bytes read from the file so far (its size, after finish_sha256).
    std::size_t bytes_read() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace casesample
