#pragma once
// DIR/audit-log.csv: every change made to a sample folder after its draw, one row each, in order, as a hash
// chain. Columns:
//   time, action, domain, dropped_id, substitute_id, reserve_order, reason, misses_before, misses_after, detail,
//   previous_hash, row_hash
// action: substitute (a reserve replaced a dropped case), drop (a case left without a replacement), reserves
// (reserves added: reserve_order holds the range added, detail "K=<asked>"), input (an input file found at a
// new place: detail "<role>=<absolute path>"). previous_hash is the row_hash of the row before (64 zeros for
// the first row); row_hash the SHA-256 of the row's own cells up to and including previous_hash, as casesample
// writes them (one CSV line). The manifest records the number of rows and the last row_hash, so an edited,
// deleted, inserted or reordered row, and a deleted log, are all found (see docs/sample-folder.md).
//
// Logs written before the chain (8 columns: time, domain, dropped_id, substitute_id, reserve_order, reason,
// misses_before, misses_after) are read as substitutions without hashes, and rewritten with the chain by the
// next change.
#include <cstddef>
#include <string>
#include <vector>

namespace casesample {

inline constexpr const char* kAuditLogName = "audit-log.csv";

struct AuditEntry {
    std::string time, action, domain, dropped_id, substitute_id, reserve_order, reason, misses_before, misses_after,
        detail;
    std::string previous_hash, row_hash;  // as recorded in the file (empty in an older log)
    std::size_t line = 0;                 // in the file; 0 for a row not written yet
};

extern const std::vector<std::string> kAuditColumns;
extern const std::string kAuditGenesisHash;  // previous_hash of the first row

struct AuditLog {
    bool exists = false;
    bool chained = false;  // written with the hash chain (false: none yet, or an older version's log)
    std::vector<AuditEntry> entries;
    // Rows whose hash does not match their text, or that do not follow the row they were written after.
    std::vector<std::string> problems;
    std::size_t rows() const { return entries.size(); }
    std::string last_hash() const { return entries.empty() ? std::string() : entries.back().row_hash; }
};

// Reads and checks the chain; a missing file gives an empty log (exists false). Ids come back as the population
// has them (the formula escape undone). Throws InputError for a file that is not an audit log.
AuditLog read_audit_log(const std::string& path);

// The text of the whole log for `entries`, in order, computing every previous_hash and row_hash (and storing
// them in the entries).
std::string audit_log_text(std::vector<AuditEntry>& entries);

// The changes made to a folder, as its log's rows add up to them (the rows are not the changes: `reserves` writes
// one row per domain): each `substitute` and `drop` row is one change; the `reserves` rows one run wrote (the same
// time, each domain once) are one; `input` rows go with the change after them (alone: one change).
struct AuditChanges {
    std::size_t substitutions = 0, drops = 0, reserve_additions = 0, other = 0;
    std::size_t total() const { return substitutions + drops + reserve_additions + other; }
    // "2 substitutions and reserves added", "1 case dropped without a replacement", "reserves added 2 times".
    std::string kinds() const;
};
AuditChanges audit_changes(const std::vector<AuditEntry>& entries);
// In words: "1 change: reserves added", "3 changes: 2 substitutions and reserves added", "no change".
std::string audit_changes_words(const std::vector<AuditEntry>& entries);

}  // namespace casesample
