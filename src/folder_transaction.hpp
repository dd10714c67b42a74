#pragma once
// All-or-nothing changes to a sample folder, under one lock (internal to the core; see docs/sample-folder.md).
//
//   FolderTransaction t(dir, writer);   // locks DIR/.casesample.lock (creating DIR if needed), cleans leftovers
//   ... read the folder's state under the lock ...
//   t.put("sample.csv", bytes); t.rename_old("audit-log.csv", "audit-log.replaced-1.csv"); t.remove_old(...);
//   t.commit();                         // stage beside DIR, then swap it in with one renameat2(RENAME_EXCHANGE)
//
// The new state of the whole folder is built in a staging folder beside it (PARENT/.NAME.casesample-XXXXXX):
// the files written by this change, and every other entry of DIR carried over by hard link (the lock file too,
// so the lock stays held across the swap). Everything is fsynced, then the staging folder and DIR are exchanged
// in one atomic step, the parent is fsynced, and the old state (now at the staging name) is removed. Killed at
// any instant, DIR is the old state or the new one; a staging folder left behind is removed by the next writer.
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace casesample {

class FolderTransaction {
public:
    // Creates DIR when it does not exist (create_missing), then takes the folder's lock without waiting: when
    // another writer holds it, throws std::runtime_error naming it (its command, pid and start time). `writer`
    // describes this one for such messages (the command line as typed).
    FolderTransaction(const std::filesystem::path& dir, const std::string& writer, bool create_missing);
    FolderTransaction(const FolderTransaction&) = delete;
    FolderTransaction& operator=(const FolderTransaction&) = delete;
    ~FolderTransaction();

    const std::filesystem::path& dir() const { return dir_; }

    // The new state: `name` (a file directly in DIR) gets these bytes.
    void put(const std::string& name, std::string bytes);
    // The same for a file too large to hold in memory: at commit, `produce` is called once with a function that
    // appends bytes to the file (its sink); the file counts as written only when `produce` returns.
    using Producer = std::function<void(const std::function<void(std::string_view)>& sink)>;
    void put_stream(const std::string& name, Producer produce);
    // The file `name` of the old state is carried under `new_name` instead (hard link; nothing is copied), also
    // when put() gives `name` new bytes.
    void rename_old(const std::string& name, const std::string& new_name);
    // The file `name` of the old state is left out of the new one.
    void remove_old(const std::string& name);
    // Builds the new state beside DIR and swaps it in. After it returns, DIR is the new state on disk.
    void commit();

private:
    std::filesystem::path dir_;  // absolute, symlinks resolved
    int lock_fd_ = -1;
    std::map<std::string, std::string> put_;
    std::map<std::string, Producer> streamed_;
    std::map<std::string, std::string> rename_;  // old name -> new name
    std::map<std::string, bool> removed_;
    bool committed_ = false;
};

// The name of the lock file inside a sample folder.
inline constexpr const char* kFolderLockName = ".casesample.lock";

}  // namespace casesample
