#include "casesample/byte_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "casesample/error.hpp"

namespace casesample {

// Without hashing, or for a small file: read() reads the file directly (and hashes inline). For a large file
// with hashing, a second thread reads blocks, hashes each and queues it; read() copies out of the queued
// blocks (three of a megabyte each, reused), so memory stays a few megabytes whatever the file's size.
struct FileSource::Impl {
    static constexpr std::size_t kBlockBytes = std::size_t{1} << 20;
    static constexpr int kBlocks = 3;

    std::string path;
    int fd = -1;
    std::size_t most_bytes = 0;
    std::size_t size_hint = 0;
    bool regular = false;        // a regular file (which can be opened again and give the same bytes)
    std::size_t file_bytes = 0;  // read from the file (by the reading thread when there is one)
    std::size_t delivered = 0;   // handed to the caller of read()
    std::unique_ptr<Sha256> sha;

    // The reading thread and its blocks.
    struct Block {
        std::unique_ptr<char[]> data;
        std::size_t size = 0;
    };
    std::vector<Block> blocks;
    std::deque<int> free_blocks, ready_blocks;
    bool done = false, stop = false;
    std::exception_ptr error;
    std::mutex mutex;
    std::condition_variable changed;
    std::thread reader;
    int current = -1;  // block being copied out, or -1
    std::size_t offset = 0;

    // One read(2) into `out`, with the checks of read_file; 0 at the end of the file.
    std::size_t read_file_bytes(char* out, std::size_t max) {
        for (;;) {
            ssize_t r = ::read(fd, out, max);
            if (r < 0) {
                if (errno == EINTR) continue;
                throw InputError(path, 0, 0, std::string("cannot read the file: ") + std::strerror(errno));
            }
            file_bytes += static_cast<std::size_t>(r);
            if (file_bytes > most_bytes) input_too_large(path, most_bytes);
            return static_cast<std::size_t>(r);
        }
    }

    void run_reader() {
        for (;;) {
            int b;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return stop || !free_blocks.empty(); });
                if (stop) return;
                b = free_blocks.front();
                free_blocks.pop_front();
            }
            std::size_t got = 0;
            bool end = false;
            try {
                while (got < kBlockBytes) {
                    auto r = read_file_bytes(blocks[b].data.get() + got, kBlockBytes - got);
                    if (r == 0) {
                        end = true;
                        break;
                    }
                    got += r;
                }
                if (got > 0) sha->update({blocks[b].data.get(), got});
            } catch (...) {
                std::lock_guard lock(mutex);
                error = std::current_exception();
                done = true;
                changed.notify_all();
                return;
            }
            {
                std::lock_guard lock(mutex);
                blocks[b].size = got;
                if (got > 0) ready_blocks.push_back(b);
                else free_blocks.push_back(b);
                done = end;
            }
            changed.notify_all();
            if (end) return;
        }
    }

    std::size_t read_queued(char* out, std::size_t max) {
        for (;;) {
            if (current >= 0) {
                const auto& block = blocks[current];
                if (offset < block.size) {
                    std::size_t n = std::min(max, block.size - offset);
                    std::memcpy(out, block.data.get() + offset, n);
                    offset += n;
                    return n;
                }
                {
                    std::lock_guard lock(mutex);
                    free_blocks.push_back(current);
                }
                changed.notify_all();
                current = -1;
            }
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return done || !ready_blocks.empty(); });
            if (!ready_blocks.empty()) {
                current = ready_blocks.front();
                ready_blocks.pop_front();
                offset = 0;
                continue;
            }
            if (error) {
                auto e = error;
                error = nullptr;
                std::rethrow_exception(e);
            }
            return 0;
        }
    }

    void stop_reader() {
        if (!reader.joinable()) return;
        {
            std::lock_guard lock(mutex);
            stop = true;
        }
        changed.notify_all();
        reader.join();
    }
};

FileSource::FileSource(const std::string& path, bool hash, std::size_t most_bytes) : impl_(std::make_unique<Impl>()) {
    auto& m = *impl_;
    m.path = path;
    m.most_bytes = most_bytes;
    check_input_file(path, most_bytes);
    m.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m.fd < 0) throw InputError(path, 0, 0, std::string("cannot open the file: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(m.fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            ::close(m.fd);
            m.fd = -1;
            throw InputError(path, 0, 0, "cannot read the file (is it a folder?)");
        }
        m.regular = S_ISREG(st.st_mode);
        if (S_ISREG(st.st_mode) && st.st_size > 0) m.size_hint = static_cast<std::size_t>(st.st_size);
    }
#ifdef POSIX_FADV_SEQUENTIAL
    ::posix_fadvise(m.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    if (hash) m.sha = std::make_unique<Sha256>();
    if (hash && m.size_hint >= Impl::kBlockBytes) {
        m.blocks.resize(Impl::kBlocks);
        for (int b = 0; b < Impl::kBlocks; ++b) {
            m.blocks[b].data = std::make_unique<char[]>(Impl::kBlockBytes);
            m.free_blocks.push_back(b);
        }
        m.reader = std::thread([&m] { m.run_reader(); });
    }
}

FileSource::~FileSource() {
    impl_->stop_reader();
    if (impl_->fd >= 0) ::close(impl_->fd);
}

std::size_t FileSource::read(char* out, std::size_t max) {
    auto& m = *impl_;
    std::size_t n;
    if (m.reader.joinable()) {
        n = m.read_queued(out, max);
    } else {
        n = m.read_file_bytes(out, max);
        if (m.sha && n > 0) m.sha->update({out, n});
    }
    m.delivered += n;
    return n;
}

std::size_t FileSource::size_hint() const noexcept { return impl_->size_hint; }

bool FileSource::reopens() const noexcept { return impl_->regular; }

std::unique_ptr<ByteSource> FileSource::reopen() const {
    // Only a regular file: a named pipe opened again would wait for a writer, and give other bytes.
    if (!impl_->regular) return nullptr;
    return std::make_unique<FileSource>(impl_->path, false, impl_->most_bytes);
}

std::size_t FileSource::bytes_read() const noexcept { return impl_->delivered; }

std::string FileSource::finish_sha256() {
    auto& m = *impl_;
    std::unique_ptr<char[]> rest(new char[1 << 16]);
    while (read(rest.get(), 1 << 16) > 0) {
    }
    if (m.reader.joinable()) m.reader.join();  // it has ended: read() saw the end
    return m.sha ? m.sha->hex() : std::string();
}

// Read in blocks, hashed on the reading thread: memory stays a few megabytes whatever the file's size (verify
// hashes the population before it draws again).
std::string sha256_file(const std::string& path) { return FileSource(path, true, kMostPopulationBytes).finish_sha256(); }

}  // namespace casesample
