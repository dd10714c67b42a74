#include "casesample/audit_log.hpp"

#include <filesystem>
#include <map>
#include <set>

#include "casesample/csv.hpp"
#include "casesample/draw.hpp"
#include "casesample/error.hpp"
#include "casesample/headers.hpp"
#include "casesample/output.hpp"

namespace casesample {

const std::vector<std::string> kAuditColumns = {"time",          "action",        "domain",       "dropped_id",
                                                "substitute_id", "reserve_order", "reason",       "misses_before",
                                                "misses_after",  "detail",        "previous_hash", "row_hash"};
const std::string kAuditGenesisHash(64, '0');

namespace {

// The cells of an entry in column order, up to and including previous_hash.
std::vector<const std::string*> cells(const AuditEntry& e) {
    return {&e.time,          &e.action,       &e.domain,        &e.dropped_id,   &e.substitute_id, &e.reserve_order,
            &e.reason,        &e.misses_before, &e.misses_after, &e.detail,       &e.previous_hash};
}

// A cell as the file holds it once unquoted: with the ' that keeps a spreadsheet from running a formula.
std::string formula_escaped(const std::string& cell) {
    bool formula = !cell.empty() && std::string_view("=+-@\t\r").find(cell[0]) != std::string_view::npos;
    return formula ? "'" + cell : cell;
}

// The hash of a row: SHA-256 of its cells up to previous_hash, in the form the file holds them, as one CSV line.
// A row read back (cells as the reader gives them) hashes as it was written.
std::string row_hash_of(const std::vector<std::string>& written) {
    CsvWriter w;
    for (const auto& c : written) w.text(c);
    w.end_row();
    return sha256_hex(w.str());
}

}  // namespace

AuditLog read_audit_log(const std::string& path) {
    AuditLog log;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return log;
    log.exists = true;
    auto reader = CsvReader::open(path);
    auto has = [&](const char* c) { return reader.find_column(c).has_value(); };
    log.chained = has("previous_hash") && has("row_hash");
    const std::vector<std::string> legacy = {"time",          "domain", "dropped_id",    "substitute_id",
                                             "reserve_order", "reason", "misses_before", "misses_after"};
    const auto& columns = log.chained ? kAuditColumns : legacy;
    std::vector<std::size_t> col;
    for (const auto& c : columns) {
        auto i = reader.find_column(c);
        if (!i) throw InputError(path, reader.header_line(), 0, "the audit log has no column '" + c + "'");
        col.push_back(*i);
    }
    std::map<std::string, std::size_t> line_of_hash;  // row_hash -> line
    CsvRecord rec;
    while (reader.next(rec)) {
        AuditEntry e;
        e.action = "substitute";
        std::vector<std::string*> fields;
        if (log.chained)
            fields = {&e.time,          &e.action,        &e.domain,       &e.dropped_id, &e.substitute_id,
                      &e.reserve_order, &e.reason,        &e.misses_before, &e.misses_after, &e.detail,
                      &e.previous_hash, &e.row_hash};
        else
            fields = {&e.time,          &e.domain, &e.dropped_id,    &e.substitute_id,
                      &e.reserve_order, &e.reason, &e.misses_before, &e.misses_after};
        for (std::size_t k = 0; k < col.size(); ++k) *fields[k] = std::string(rec.fields[col[k]]);
        e.line = rec.line;
        if (log.chained) {
            std::vector<std::string> written;
            for (std::size_t k = 0; k + 1 < fields.size(); ++k) written.push_back(*fields[k]);
            if (row_hash_of(written) != e.row_hash)
                log.problems.push_back(path + ":" + std::to_string(e.line) +
                                       ": this row was edited after it was written (its text no longer matches its "
                                       "row_hash)");
            line_of_hash[e.row_hash] = e.line;
        }
        // Ids were written formula-escaped; read them back as they were.
        for (auto* id : {&e.dropped_id, &e.substitute_id}) *id = std::string(unescaped_cell(*id));
        log.entries.push_back(std::move(e));
    }
    // The chain: each row names the row it was written after.
    for (std::size_t i = 0; log.chained && i < log.entries.size(); ++i) {
        const auto& e = log.entries[i];
        const std::string expected = i == 0 ? kAuditGenesisHash : log.entries[i - 1].row_hash;
        if (e.previous_hash == expected) continue;
        const std::string where = path + ":" + std::to_string(e.line) + ": ";
        auto before = line_of_hash.find(e.previous_hash);
        if (e.previous_hash == kAuditGenesisHash)
            log.problems.push_back(where + "this row was written as the first row of the log, but is not first now "
                                           "(rows reordered, or rows added above it)");
        else if (before != line_of_hash.end())
            log.problems.push_back(where + "this row was written after the row now at line " +
                                   std::to_string(before->second) +
                                   ", not after the row above it (rows reordered, or a row deleted between them)");
        else
            log.problems.push_back(where + "the row this one was written after is no longer in the log (a row "
                                           "deleted, or edited)");
    }
    return log;
}

std::string audit_log_text(std::vector<AuditEntry>& entries) {
    CsvWriter w;
    for (const auto& c : kAuditColumns) w.text(c);
    w.end_row();
    std::string previous = kAuditGenesisHash;
    for (auto& e : entries) {
        e.previous_hash = previous;
        std::vector<std::string> written;
        for (const auto* c : cells(e)) written.push_back(formula_escaped(*c));
        e.row_hash = row_hash_of(written);
        for (const auto* c : cells(e)) w.text(*c);
        w.text(e.row_hash);
        w.end_row();
        previous = e.row_hash;
    }
    return w.take();
}

AuditChanges audit_changes(const std::vector<AuditEntry>& entries) {
    AuditChanges c;
    bool inputs_waiting = false;
    const AuditEntry* last_reserves = nullptr;  // the last row of the reserves run being counted
    std::set<std::string> run_domains;
    for (const auto& e : entries) {
        if (e.action == "input") {
            inputs_waiting = true;
            last_reserves = nullptr;
            continue;
        }
        inputs_waiting = false;
        if (e.action != "reserves") {
            last_reserves = nullptr;
            if (e.action == "substitute") ++c.substitutions;
            else if (e.action == "drop") ++c.drops;
            else ++c.other;
            continue;
        }
        if (!last_reserves || last_reserves->time != e.time || run_domains.count(e.domain)) {
            ++c.reserve_additions;
            run_domains.clear();
        }
        run_domains.insert(e.domain);
        last_reserves = &e;
    }
    if (inputs_waiting) ++c.other;
    return c;
}

std::string AuditChanges::kinds() const {
    std::vector<std::string> parts;
    if (substitutions > 0) parts.push_back(counted(substitutions, "substitution"));
    if (drops > 0) parts.push_back(counted(drops, "case") + " dropped without a replacement");
    if (reserve_additions > 0)
        parts.push_back("reserves added" +
                        (reserve_additions > 1 ? " " + std::to_string(reserve_additions) + " times" : std::string()));
    if (other > 0) parts.push_back(counted(other, "other change"));
    return list_names(parts);
}

std::string audit_changes_words(const std::vector<AuditEntry>& entries) {
    const auto c = audit_changes(entries);
    if (c.total() == 0) return "no change";
    return counted(c.total(), "change") + ": " + c.kinds();
}

}  // namespace casesample
