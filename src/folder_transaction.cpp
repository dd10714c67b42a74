#include "folder_transaction.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "casesample/error.hpp"
#include "casesample/sample_folder.hpp"

namespace casesample {
namespace fs = std::filesystem;

namespace {

constexpr const char* kStagingMark = ".casesample-";
constexpr std::size_t kStagingRandom = 6;  // the XXXXXX of mkdtemp

std::string reason(int err) {
    if (err == ENOSPC || err == EDQUOT) return "the disk is full";
    return std::strerror(err);
}

[[noreturn]] void fail(const fs::path& dir, const std::string& what, int err) {
    throw std::runtime_error("cannot change the sample folder " + dir.string() + ": " + what + " (" + reason(err) + ")");
}

// A file descriptor closed on scope exit.
struct Fd {
    int fd = -1;
    explicit Fd(int f = -1) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

std::string read_all(int fd) {
    std::string out;
    char buf[512];
    for (off_t at = 0;;) {
        ssize_t r = ::pread(fd, buf, sizeof buf, at);
        if (r <= 0) break;
        out.append(buf, static_cast<std::size_t>(r));
        at += r;
        if (out.size() > 4096) break;
    }
    return out;
}

// "pid 123, started 2026-..., command casesample draw ..." from the lock file's lines.
std::string holder_description(const std::string& text) {
    std::string pid, started, command;
    std::size_t at = 0;
    while (at < text.size()) {
        auto end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(at, end - at);
        auto take = [&](const char* key, std::string& into) {
            std::string k = std::string(key) + " ";
            if (line.rfind(k, 0) == 0) into = line.substr(k.size());
        };
        take("pid", pid);
        take("started", started);
        take("command", command);
        at = end + 1;
    }
    // The lock file keeps the last writer's lines after it ends; they name the holder only while that
    // process still runs.
    char* end = nullptr;
    long n = pid.empty() ? 0 : std::strtol(pid.c_str(), &end, 10);
    if (n <= 0 || (end && *end) || (::kill(static_cast<pid_t>(n), 0) != 0 && errno == ESRCH))
        return "another casesample command";
    std::string out = "'" + (command.empty() ? std::string("casesample") : command) + "' (pid " + pid;
    if (!started.empty()) out += ", started " + started;
    return out + ")";
}

void write_all(int fd, std::string_view bytes, const fs::path& dir, const std::string& name) {
    const char* p = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        ssize_t w = ::write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            fail(dir, "writing " + name, errno);
        }
        p += w;
        left -= static_cast<std::size_t>(w);
    }
}

// Carries the entries of `from` into `to` (both open directories): regular files by hard link, folders
// recreated and carried in turn, symbolic links recreated as they are (never followed).
void carry_tree(int from, int to, const fs::path& dir, const std::string& where);

void carry_entry(int from, int to, const std::string& name, const std::string& new_name, const fs::path& dir,
                 const std::string& where) {
    struct stat st {};
    if (::fstatat(from, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) fail(dir, "reading " + where + name, errno);
    if (S_ISREG(st.st_mode)) {
        if (::linkat(from, name.c_str(), to, new_name.c_str(), 0) != 0)
            fail(dir, "keeping " + where + name + " in the new state (a hard link)", errno);
    } else if (S_ISDIR(st.st_mode)) {
        if (::mkdirat(to, new_name.c_str(), st.st_mode & 07777) != 0) fail(dir, "keeping the folder " + where + name, errno);
        Fd a(::openat(from, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        Fd b(::openat(to, new_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (a.fd < 0 || b.fd < 0) fail(dir, "keeping the folder " + where + name, errno);
        carry_tree(a.fd, b.fd, dir, where + name + "/");
        if (::fsync(b.fd) != 0) fail(dir, "flushing the folder " + where + name, errno);
    } else if (S_ISLNK(st.st_mode)) {
        std::vector<char> target(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 255) + 1);
        ssize_t n = ::readlinkat(from, name.c_str(), target.data(), target.size());
        if (n < 0) fail(dir, "reading the link " + where + name, errno);
        std::string t(target.data(), static_cast<std::size_t>(n));
        if (::symlinkat(t.c_str(), to, new_name.c_str()) != 0) fail(dir, "keeping the link " + where + name, errno);
    } else {
        throw std::runtime_error("cannot change the sample folder " + dir.string() + ": " + where + name +
                                 " is neither a file, a folder nor a link; move it out of the folder first");
    }
}

void carry_tree(int from, int to, const fs::path& dir, const std::string& where) {
    int copy = ::dup(from);
    if (copy < 0) fail(dir, "reading " + where, errno);
    DIR* d = ::fdopendir(copy);
    if (!d) {
        ::close(copy);
        fail(dir, "reading " + where, errno);
    }
    ::rewinddir(d);
    std::vector<std::string> names;
    while (auto* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    for (const auto& n : names) carry_entry(from, to, n, n, dir, where);
}

bool is_staging_name(const std::string& entry, const std::string& folder_name) {
    const std::string prefix = "." + folder_name + kStagingMark;
    if (entry.size() != prefix.size() + kStagingRandom || entry.compare(0, prefix.size(), prefix) != 0) return false;
    for (std::size_t i = prefix.size(); i < entry.size(); ++i)
        if (!std::isalnum(static_cast<unsigned char>(entry[i]))) return false;
    return true;
}

}  // namespace

FolderTransaction::FolderTransaction(const fs::path& dir, const std::string& writer, bool create_missing) {
    std::error_code ec;
    fs::path abs = fs::absolute(dir, ec);
    if (ec) abs = dir;
    if (!fs::exists(abs, ec)) {
        if (!create_missing) throw UsageError(dir.string() + " does not exist; give the folder that casesample draw wrote");
        fs::create_directories(abs, ec);
        if (ec)
            throw std::runtime_error("cannot create the folder " + dir.string() + " to write the sample into (" +
                                     ec.message() + ")");
    }
    if (!fs::is_directory(abs, ec))
        throw UsageError(dir.string() + " exists and is not a folder; give a folder to write the sample into");
    dir_ = fs::canonical(abs, ec);
    if (ec) dir_ = abs.lexically_normal();
    if (!dir_.has_parent_path() || dir_ == dir_.root_path())
        throw UsageError("cannot use " + dir.string() + " as a sample folder: give a folder inside another one");

    const auto lock_path = dir_ / kFolderLockName;
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (lock_fd_ < 0) {
        int e = errno;
        if (e == ELOOP)
            throw std::runtime_error(lock_path.string() + " is a symbolic link, not casesample's lock file; remove it, "
                                     "then run the command again");
        throw std::runtime_error("cannot open " + lock_path.string() + " to lock the sample folder (" + reason(e) + ")");
    }
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        std::string holder = e == EWOULDBLOCK ? holder_description(read_all(lock_fd_)) : "";
        ::close(lock_fd_);
        lock_fd_ = -1;
        if (e == EWOULDBLOCK)
            throw std::runtime_error("the sample folder " + dir.string() + " is being changed by " + holder +
                                     "; wait for it to finish, then run this command again");
        throw std::runtime_error("cannot lock the sample folder " + dir.string() + " (" + reason(e) + ")");
    }
    // Who holds the lock, for the message of a writer that finds it taken.
    std::string who = "pid " + std::to_string(::getpid()) + "\nstarted " + utc_now() + "\ncommand " + writer + "\n";
    if (::ftruncate(lock_fd_, 0) == 0) {
        [[maybe_unused]] auto w = ::pwrite(lock_fd_, who.data(), who.size(), 0);
    }

    // Leftovers of writers killed before they finished: their staging folders beside DIR (the old or an
    // unfinished new state; the swap is the only step that matters, so either can go), and temporary files of
    // older versions inside DIR.
    const std::string name = dir_.filename().string();
    for (const auto& e : fs::directory_iterator(dir_.parent_path(), ec)) {
        auto entry = e.path().filename().string();
        if (is_staging_name(entry, name)) fs::remove_all(e.path(), ec);
    }
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
        auto entry = e.path().filename().string();
        for (const auto& f : kFolderFiles)
            if (entry.rfind("." + f + ".tmp-", 0) == 0 && !e.is_directory(ec)) fs::remove(e.path(), ec);
        if (entry.rfind(std::string(".") + kAuditLogName + ".tmp-", 0) == 0) fs::remove(e.path(), ec);
    }
}

FolderTransaction::~FolderTransaction() {
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

namespace {
void check_plain_name(const std::string& name) {
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.')
        throw std::logic_error("FolderTransaction::put: not a plain file name: " + name);
}
}  // namespace

void FolderTransaction::put(const std::string& name, std::string bytes) {
    check_plain_name(name);
    streamed_.erase(name);
    put_[name] = std::move(bytes);
}

void FolderTransaction::put_stream(const std::string& name, Producer produce) {
    check_plain_name(name);
    put_.erase(name);
    streamed_[name] = std::move(produce);
}

void FolderTransaction::rename_old(const std::string& name, const std::string& new_name) { rename_[name] = new_name; }

void FolderTransaction::remove_old(const std::string& name) { removed_[name] = true; }

void FolderTransaction::commit() {
    if (committed_) throw std::logic_error("FolderTransaction::commit called twice");
    committed_ = true;
    const fs::path parent = dir_.parent_path();
    const std::string name = dir_.filename().string();
    struct stat dir_stat {};
    if (::stat(dir_.c_str(), &dir_stat) != 0) fail(dir_, "reading it", errno);

    std::string pattern = (parent / ("." + name + kStagingMark + "XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
        fail(dir_, "creating its new state beside it, in " + parent.string(), errno);
    const fs::path staging = pattern;
    try {
        Fd from(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        Fd to(::open(staging.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (from.fd < 0 || to.fd < 0) fail(dir_, "opening it", errno);

        // Everything of the old state that this change does not replace, by hard link.
        {
            int copy = ::dup(from.fd);
            DIR* d = copy < 0 ? nullptr : ::fdopendir(copy);
            if (!d) {
                if (copy >= 0) ::close(copy);
                fail(dir_, "reading it", errno);
            }
            std::vector<std::string> names;
            while (auto* e = ::readdir(d)) {
                std::string n = e->d_name;
                if (n != "." && n != "..") names.push_back(n);
            }
            ::closedir(d);
            for (const auto& n : names) {
                auto renamed = rename_.find(n);
                if (renamed != rename_.end()) {  // carried under its new name, even when put() gives `n` new bytes
                    carry_entry(from.fd, to.fd, n, renamed->second, dir_, "");
                    continue;
                }
                if (put_.count(n) || streamed_.count(n) || removed_.count(n)) continue;
                carry_entry(from.fd, to.fd, n, n, dir_, "");
            }
        }
        // The files of this change: created (never opened through a link, never over an existing file),
        // written and flushed.
        auto write_file = [&](const std::string& file, const Producer& produce) {
            Fd fd(::openat(to.fd, file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
            if (fd.fd < 0) fail(dir_, "writing " + file, errno);
            produce([&](std::string_view bytes) { write_all(fd.fd, bytes, dir_, file); });
            if (::fsync(fd.fd) != 0) fail(dir_, "flushing " + file + " to disk", errno);
        };
        // In name order, whether held in memory or streamed.
        auto held = put_.begin();
        auto streamed = streamed_.begin();
        while (held != put_.end() || streamed != streamed_.end()) {
            if (streamed == streamed_.end() || (held != put_.end() && held->first < streamed->first)) {
                const std::string& bytes = held->second;
                write_file(held->first, [&](const std::function<void(std::string_view)>& sink) { sink(bytes); });
                ++held;
            } else {
                write_file(streamed->first, streamed->second);
                ++streamed;
            }
        }
        if (::fchmod(to.fd, dir_stat.st_mode & 07777) != 0) fail(dir_, "setting the permissions of its new state", errno);
        if (::fsync(to.fd) != 0) fail(dir_, "flushing its new state to disk", errno);

        // The one step: the new state takes DIR's name, and the old one the staging name.
        if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, dir_.c_str(), RENAME_EXCHANGE) != 0)
            fail(dir_, "swapping in its new state (this needs a file system with renameat2 RENAME_EXCHANGE, such as "
                       "ext4, xfs, btrfs or tmpfs)",
                 errno);
    } catch (...) {
        std::error_code ec;
        fs::remove_all(staging, ec);
        throw;
    }
    // Durable: the parent's entries now point at the new state.
    Fd p(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (p.fd >= 0) ::fsync(p.fd);
    // The old state; if this is cut short, the next writer removes what is left.
    std::error_code ec;
    fs::remove_all(staging, ec);
}

}  // namespace casesample
