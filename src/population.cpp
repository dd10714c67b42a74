#include "casesample/population.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include <thread>
#include <unordered_map>

#include "casesample/byte_source.hpp"
#include "casesample/csv.hpp"
#include "casesample/output.hpp"
#include "casesample/error.hpp"
#include "casesample/headers.hpp"
#include "huge_pages.hpp"

namespace casesample {
namespace {

[[gnu::always_inline]] inline std::string_view trim(std::string_view s) {
    if (!s.empty() && s.front() != ' ' && s.front() != '\t' && s.back() != ' ' && s.back() != '\t') return s;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The bytes of a short text as two words and its length: for a text of up to 16 bytes, (length, a, b) is the text
// itself (its first and last eight bytes, or four and four, or three bytes, overlapping), so equal keys mean
// equal texts; a longer text is compared byte for byte besides.
struct TextKey {
    std::uint64_t a = 0, b = 0;
    std::size_t size = 0;
    [[gnu::always_inline]] explicit TextKey(std::string_view s) : size(s.size()) {
        const char* p = s.data();
        const std::size_t n = s.size();
        if (n >= 8) {
            std::memcpy(&a, p, 8);
            std::memcpy(&b, p + n - 8, 8);
        } else if (n >= 4) {
            std::uint32_t x, y;
            std::memcpy(&x, p, 4);
            std::memcpy(&y, p + n - 4, 4);
            a = x;
            b = y;
        } else if (n > 0) {
            a = std::uint64_t{static_cast<unsigned char>(p[0])} | std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 |
                std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16;
        }
    }
    std::uint64_t hash() const noexcept {
        std::uint64_t h = (a * 0x9E3779B97F4A7C15ULL) ^ ((b + size) * 0xC2B2AE3D27D4EB4FULL);
        return h ^ (h >> 29);
    }
};

// What the few distinct spellings of a column were found to mean (a category's code, a date), remembered by
// their exact bytes, so that a million rows cost one small table look-up each instead of a normalisation and a
// parse. Open addressing over 2^bits slots, at most half of them used (later spellings are not remembered).
template <class V>
class TextMemo {
public:
    explicit TextMemo(unsigned bits) : bits_(bits), slots_(std::size_t{1} << bits) {}
    [[gnu::always_inline]] const V* find(std::string_view text) const noexcept {
        const TextKey key(text);
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t at = key.hash() >> (64 - bits_);; at = (at + 1) & mask) {
            const Slot& slot = slots_[at];
            if (!slot.used) return nullptr;
            if (slot.a == key.a && slot.b == key.b && slot.size == key.size &&
                (key.size <= 16 || middle_equal(slot.longer, text)))
                return &slot.value;
        }
    }
    void remember(std::string_view text, V value) {
        if (2 * (used_ + 1) > slots_.size() || find(text)) return;
        const TextKey key(text);
        const std::size_t mask = slots_.size() - 1;
        std::size_t at = key.hash() >> (64 - bits_);
        while (slots_[at].used) at = (at + 1) & mask;
        Slot& slot = slots_[at];
        slot.used = true;
        slot.a = key.a;
        slot.b = key.b;
        slot.size = key.size;
        if (key.size > 16) slot.longer.assign(text);
        slot.value = value;
        ++used_;
    }

private:
    // The bytes of two texts of the same length, over 16 bytes, besides their first and last eight: up to 32
    // bytes by two words (overlapping), beyond that byte for byte.
    [[gnu::always_inline]] static bool middle_equal(const std::string& kept, std::string_view text) noexcept {
        const std::size_t n = text.size();
        if (n > 32) return std::memcmp(kept.data(), text.data(), n) == 0;
        std::uint64_t x, y, u, v;
        std::memcpy(&x, kept.data() + 8, 8);
        std::memcpy(&y, text.data() + 8, 8);
        std::memcpy(&u, kept.data() + n - 16, 8);
        std::memcpy(&v, text.data() + n - 16, 8);
        return x == y && u == v;
    }
    struct Slot {
        std::uint64_t a = 0, b = 0;
        std::size_t size = 0;
        bool used = false;
        V value{};
        std::string longer;  // the whole text, when longer than 16 bytes
    };
    unsigned bits_;
    std::size_t used_ = 0;
    std::vector<Slot> slots_;
};


// A 64-bit hash of a text (a case id, a record), for the duplicate checks. Each sixteen bytes are folded by one
// 64x64->128-bit product of its two halves, each mixed with a key of its place first (so that moved bytes hash
// differently); the products are independent of one another, so a record costs a few cycles, not a chain of
// dependent multiplications.
__extension__ typedef unsigned __int128 Uint128;  // (g++ and clang; __extension__: not ISO C++, said knowingly)

[[gnu::always_inline]] inline std::uint64_t text_hash(std::string_view s) {
    static constexpr std::uint64_t key[8] = {0xBE4BA423396CFEB8ULL, 0x1CAD21F72C81017CULL, 0xDB979083E96DD4DEULL,
                                             0x1F67B3B7A4A44072ULL, 0x78E5C0CC4EE679CBULL, 0x2172FFCC7DD05A82ULL,
                                             0x8E2443F7744608B8ULL, 0x4C263A81E69035E0ULL};
    auto fold = [](std::uint64_t a, std::uint64_t b) {
        const Uint128 r = static_cast<Uint128>(a) * b;
        return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
    };
    auto load = [](const char* p) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        return w;
    };
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t acc = n * 0x9E3779B97F4A7C15ULL;
    if (n >= 16) {
        std::size_t i = 0, k = 0;
        for (; i + 16 <= n; i += 16, k = (k + 2) & 7)
            acc += fold(load(p + i) ^ key[k], load(p + i + 8) ^ (key[k + 1] + i));
        if (i < n) acc += fold(load(p + n - 16) ^ key[7 - k], load(p + n - 8) ^ (key[6 - k] + n));  // the last 16
    } else if (n >= 8) {
        acc += fold(load(p) ^ key[0], load(p + n - 8) ^ key[1]);
    } else if (n >= 4) {
        std::uint32_t x, y;
        std::memcpy(&x, p, 4);
        std::memcpy(&y, p + n - 4, 4);
        acc += fold(x ^ key[2], y ^ key[3]);
    } else if (n > 0) {
        const std::uint64_t w = std::uint64_t{static_cast<unsigned char>(p[0])} |
                                std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 |
                                std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16;
        acc += fold(w ^ key[4], key[5]);
    }
    acc ^= acc >> 33;
    acc *= 0xFF51AFD7ED558CCDULL;
    acc ^= acc >> 33;
    acc *= 0xC4CEB9FE1A85EC53ULL;
    return acc ^ (acc >> 33);
}

// Sorts 64-bit keys: least-significant-digit radix sort, four passes of 16 bits (linear time, and
// sequential memory access, unlike a hash table's random probes). `key` gives the sort key of an element.
template <class T, class Key>
void radix_sort(std::vector<T>& items, Key key) {
    std::vector<T> tmp;
    reserve_huge(tmp, items.size());
    tmp.resize(items.size());
    std::vector<std::uint32_t> count(1u << 16);
    for (int shift = 0; shift < 64; shift += 16) {
        std::fill(count.begin(), count.end(), 0u);
        for (const auto& k : items) ++count[(key(k) >> shift) & 0xFFFF];
        std::uint32_t sum = 0;
        for (auto& c : count) {
            auto v = c;
            c = sum;
            sum += v;
        }
        for (const auto& k : items) tmp[count[(key(k) >> shift) & 0xFFFF]++] = k;
        items.swap(tmp);
    }
}

// The 64-bit hashes of case ids, to tell whether two cases may share an id: two ids with the same hash (nearly
// always a real duplicate; the caller compares the ids themselves). An open-addressing table at most 70% full, its
// slot chosen by a hash's high bits and holding 32 of its low bits (so a slot is 4 bytes; two different hashes
// that meet there are only a false alarm, which the caller's comparison settles). Its memory comes zeroed from
// the system (calloc: fresh pages, never written twice).
class IdHashSet {
public:
    explicit IdHashSet(std::size_t most_ids) {
        while ((std::size_t{1} << bits_) * 7 < most_ids * 10) ++bits_;
        slots_.reset(static_cast<std::uint32_t*>(std::calloc(std::size_t{1} << bits_, sizeof(std::uint32_t))));
        if (!slots_) throw std::bad_alloc();
        advise_huge(slots_.get(), (std::size_t{1} << bits_) * sizeof(std::uint32_t));
        most_ = most_ids;
    }
    // The ids [from, to) of the columns (id i ends at end[i] in text): false as soon as one's hash is already
    // in the table, or the table would be more than 70% full (then nothing is known). Each slot's line is fetched
    // a few ids ahead, so that the random probes overlap instead of waiting in turn.
    bool insert(const char* text, const std::uint32_t* end, std::size_t from, std::size_t to) {
        if (to - from > most_ - held_) return false;
        constexpr std::size_t kAhead = 16;
        std::uint64_t ahead[kAhead];
        auto hash_of = [&](std::size_t i) {
            const std::uint32_t b = i == 0 ? 0 : end[i - 1];
            return text_hash(std::string_view(text + b, end[i] - b));
        };
        const std::size_t mask = (std::size_t{1} << bits_) - 1;
        for (std::size_t i = from; i < to && i < from + kAhead; ++i) {
            ahead[i % kAhead] = hash_of(i);
            __builtin_prefetch(&slots_[ahead[i % kAhead] >> (64 - bits_)], 1);
        }
        for (std::size_t i = from; i < to; ++i) {
            const std::uint64_t h = ahead[i % kAhead];
            if (i + kAhead < to) {
                const std::uint64_t next = hash_of(i + kAhead);
                ahead[i % kAhead] = next;
                __builtin_prefetch(&slots_[next >> (64 - bits_)], 1);
            }
            const std::uint32_t tag = static_cast<std::uint32_t>(h) | 1u;  // 0: an empty slot
            std::size_t at = h >> (64 - bits_);
            while (slots_[at] != 0) {
                if (slots_[at] == tag) return false;
                at = (at + 1) & mask;
            }
            slots_[at] = tag;
        }
        held_ += to - from;
        return true;
    }

private:
    struct Free {
        void operator()(std::uint32_t* p) const noexcept { std::free(p); }
    };
    unsigned bits_ = 4;
    std::size_t most_ = 0, held_ = 0;
    std::unique_ptr<std::uint32_t[], Free> slots_;
};

bool any_equal_id_hashes(const Population& pop) {
    IdHashSet set(pop.size());
    return !set.insert(pop.id_text.data(), pop.id_end.data(), 0, pop.size());
}

// Every group of cases sharing an id, each group in file order, groups in order of their second case.
// First the ids' hashes alone go into a table (any_equal_id_hashes); only when two hashes are equal, which almost
// always means a real duplicate, are the cases sorted by hash and their ids compared byte for byte to find which.
// `distinct`: known already that no two ids share a hash (the reading's helper thread, ReadHelper).
std::vector<std::vector<std::uint32_t>> duplicate_groups(const Population& pop, bool distinct) {
    std::vector<std::vector<std::uint32_t>> groups;
    if (distinct || !any_equal_id_hashes(pop)) return groups;
    struct IdKey {
        std::uint64_t hash;
        std::uint32_t index;
    };
    std::vector<IdKey> keys;
    reserve_huge(keys, pop.size());
    for (std::size_t i = 0; i < pop.size(); ++i) keys.push_back({text_hash(pop.id(i)), static_cast<std::uint32_t>(i)});
    radix_sort(keys, [](const IdKey& k) { return k.hash; });  // stable: equal hashes stay in file order
    for (std::size_t a = 0; a < keys.size();) {
        std::size_t b = a + 1;
        while (b < keys.size() && keys[b].hash == keys[a].hash) ++b;
        std::vector<bool> taken(b - a, false);
        for (std::size_t x = a; x < b; ++x) {
            if (taken[x - a]) continue;
            std::vector<std::uint32_t> group{keys[x].index};
            for (std::size_t y = x + 1; y < b; ++y)
                if (!taken[y - a] && pop.id(keys[y].index) == pop.id(keys[x].index)) {
                    taken[y - a] = true;
                    group.push_back(keys[y].index);
                }
            if (group.size() > 1) groups.push_back(std::move(group));
        }
        a = b;
    }
    std::sort(groups.begin(), groups.end(), [](const auto& g, const auto& h) { return g[1] < h[1]; });
    return groups;
}

// The reading's helper, on a thread of its own (the other core), working a little behind or ahead of the rows
// read:
// - It faults in the pages of the columns a little ahead of the rows read: the kernel zeroes every fresh page, and
//   on a busy machine that zeroing was a quarter of a draw's time on the reading thread. Only pages inside the
//   columns' reservations are touched, and only as far as the rows read so far plus kAheadRows (a few megabytes at
//   most beyond what the columns will hold); populating a page never changes what it holds.
// - It puts the hash of every case id read so far into an IdHashSet, sized for the rows the file will hold at the
//   rate of its first rows: when every id went in with no two hashes equal, the duplicate check after the reading
//   has nothing to do (distinct()). Otherwise (two equal hashes, or more rows than foreseen) it stops hashing,
//   and the check is made after the reading as before. The ids are read from the columns' reservations, which
//   never move, only as far as the rows published with reached(), whose bytes the reading thread no longer writes.
class ReadHelper {
public:
    struct Column {
        const void* data;
        std::size_t reserved_bytes;
        std::size_t bytes_per_row;  // 0: the case ids, as many bytes as published
    };
    ReadHelper(std::vector<Column> columns, const char* id_text, const std::uint32_t* id_end, std::size_t file_bytes)
        : columns_(std::move(columns)), id_text_(id_text), id_end_(id_end), file_bytes_(file_bytes) {
        thread_ = std::thread([this] { run(); });
    }
    ~ReadHelper() { finish(); }
    ReadHelper(const ReadHelper&) = delete;
    ReadHelper& operator=(const ReadHelper&) = delete;
    // The rows read so far, the bytes of case ids they hold and the bytes of the file read (the reading thread,
    // now and then; every row before `rows` is written and no longer changes).
    void reached(std::size_t rows, std::size_t id_bytes, std::size_t file_position) {
        id_bytes_.store(id_bytes, std::memory_order_relaxed);
        position_.store(file_position, std::memory_order_relaxed);
        rows_.store(rows, std::memory_order_release);
        rows_.notify_one();
    }
    // Every row is read (`rows` of them): hashes what is left and stops the thread.
    void finish(std::size_t rows) {
        if (!thread_.joinable()) return;
        final_rows_.store(rows, std::memory_order_relaxed);
        last_.store(true, std::memory_order_release);
        rows_.fetch_add(1, std::memory_order_acq_rel);
        rows_.notify_one();
        thread_.join();
    }
    // After finish(rows): whether every id was hashed and no two hashes are equal.
    bool distinct() const noexcept { return hashed_ == final_rows_.load() && !gave_up_; }

    static constexpr std::size_t kAheadRows = 16384;

private:
    void finish() {
        if (!thread_.joinable()) return;
        stop_.store(true, std::memory_order_release);
        rows_.fetch_add(1, std::memory_order_acq_rel);
        rows_.notify_one();
        thread_.join();
    }

    void run() {
        std::vector<std::size_t> done(columns_.size(), 0);
        std::size_t seen_counter = 0;
        for (;;) {
            rows_.wait(seen_counter, std::memory_order_acquire);
            seen_counter = rows_.load(std::memory_order_acquire);
            if (stop_.load(std::memory_order_acquire)) return;
            if (last_.load(std::memory_order_acquire)) {
                hash_ids(final_rows_.load(std::memory_order_relaxed), true);
                return;
            }
            const std::size_t seen = seen_counter;
            prefault(seen, done);
            hash_ids(seen, false);
        }
    }

    void prefault(std::size_t seen, std::vector<std::size_t>& done) {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
        const std::size_t id_bytes = id_bytes_.load(std::memory_order_relaxed);
        for (std::size_t c = 0; c < columns_.size(); ++c) {
            const auto& col = columns_[c];
            const std::size_t used = col.bytes_per_row ? seen * col.bytes_per_row : id_bytes;
            const std::size_t per_row = col.bytes_per_row ? col.bytes_per_row : (seen ? id_bytes / seen + 1 : 16);
            const std::size_t want = std::min(col.reserved_bytes, used + kAheadRows * per_row);
            constexpr std::uintptr_t page = 4096;
            const auto base = reinterpret_cast<std::uintptr_t>(col.data);
            const std::uintptr_t from = (base + std::max(done[c], used)) & ~(page - 1);
            const std::uintptr_t to = (base + want) & ~(page - 1);
            if (to > from) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_WRITE);
            done[c] = std::max(done[c], want);
        }
#else
        (void)seen;
        (void)done;
#endif
    }

    // The ids of rows [hashed_, rows) into the set, made at the first call: for the rows the file will hold at
    // the rate of the rows read so far, and a margin (or for `rows`, when they are all: `last`).
    void hash_ids(std::size_t rows, bool last) {
        if (gave_up_ || rows <= hashed_) return;
        if (!ids_) {
            const std::size_t position = position_.load(std::memory_order_relaxed);
            if (last || position == 0) {
                ids_.emplace(rows);
            } else {
                const double foreseen = double(file_bytes_) / double(position) * double(rows);
                ids_.emplace(static_cast<std::size_t>(std::min(foreseen * 1.25, double(file_bytes_ / 12 + 16))) + 4096);
            }
        }
        if (!ids_->insert(id_text_, id_end_, hashed_, rows)) {
            gave_up_ = true;
            ids_.reset();
            return;
        }
        hashed_ = rows;
    }

    std::vector<Column> columns_;
    const char* id_text_;
    const std::uint32_t* id_end_;
    std::size_t file_bytes_;
    std::atomic<std::size_t> rows_{0}, id_bytes_{0}, position_{0}, final_rows_{0};
    std::atomic<bool> stop_{false}, last_{false};
    // The thread's own (read by others only after it is joined).
    std::optional<IdHashSet> ids_;
    std::size_t hashed_ = 0;
    bool gave_up_ = false;
    std::thread thread_;
};

// A header cell that looks like case data: a date, a number, a case id with four or more digits, or a
// category of the vocabulary.
bool looks_like_data(std::string_view cell, const Vocabulary& vocabulary) {
    cell = trim(cell);
    if (cell.empty()) return false;
    if (parse_date(cell)) return true;
    std::size_t digits = 0;
    for (char c : cell) digits += c >= '0' && c <= '9';
    if (digits >= 4 || digits == cell.size()) return true;
    for (std::size_t k = 0; k < vocabulary.variable_count(); ++k)
        if (vocabulary.match(static_cast<Stratifier>(k), cell)) return true;
    return false;
}

// A 64-bit hash of a record's text as written, to tell identical duplicate rows from conflicting ones among the
// few rows that share an id, when the input cannot be read again to compare their texts (a pipe).
std::uint64_t row_hash(const CsvRecord& rec) { return text_hash(rec.text); }

}  // namespace

Population read_population(const std::string& path, const PopulationOptions& options) {
    auto reader = CsvReader::stream(path, std::make_unique<FileSource>(path, false, kMostPopulationBytes),
                                    CsvOptions{options.encoding, false, options.hints});
    return parse_population(reader, options);
}

Population parse_population(CsvReader& reader, const PopulationOptions& options) {
    Population pop;
    pop.source = reader.name();
    pop.vocabulary = options.vocabulary;
    pop.kept_columns = options.keep_columns;
    std::vector<InputProblem>* const problems = options.problems;

    // The variables to read: disposal_type (it decides each case's domain) and the other stratifiers.
    pop.stratifiers = options.stratifiers.empty() ? default_stratifiers() : options.stratifiers;
    const std::size_t K = pop.stratifiers.size();
    std::size_t disposal_at = K;
    for (std::size_t j = 0; j < K; ++j) {
        if (static_cast<std::size_t>(pop.stratifiers[j]) >= pop.vocabulary.variable_count())
            throw UsageError("a stratifier that is not a variable of the vocabulary");
        if (pop.stratifiers[j] == Stratifier::disposal_type) disposal_at = j;
        for (std::size_t l = 0; l < j; ++l)
            if (pop.stratifiers[l] == pop.stratifiers[j])
                throw UsageError("the stratifier " + pop.vocabulary.name(pop.stratifiers[j]) + " is named twice");
    }
    if (disposal_at == K)
        throw UsageError("disposal_type must be one of the stratifiers: it decides each case's domain");
    pop.codes.set_width(K);

    // Locate the required columns: the header named with --column, else the standard name or a synonym.
    // Columns: case_id, disposal_type, disposal_date, then the other stratifiers in order.
    std::vector<std::string> required = {"case_id", "disposal_type", "disposal_date"};
    std::vector<std::size_t> stratifier_of_column = {K, disposal_at, K};  // K: not a stratifier
    for (std::size_t j = 0; j < K; ++j)
        if (j != disposal_at) {
            required.push_back(pop.vocabulary.name(pop.stratifiers[j]));
            stratifier_of_column.push_back(j);
        }
    std::vector<std::size_t> col(required.size());
    for (const auto& [name, header] : options.column_names) {
        bool known = false;
        for (const auto& r : required) known |= name == r;
        if (!known) {
            std::string list;
            for (const auto& r : required) list += (list.empty() ? "" : ", ") + r;
            throw UsageError(options.hints.name("column") + " " + name + "=...: '" + name +
                             "' is not a required column (" + list + ")");
        }
        (void)header;
    }
    {
        std::vector<WantedColumn> wanted;
        for (std::size_t i = 0; i < required.size(); ++i) {
            const auto& r = required[i];
            WantedColumn w{r, std::nullopt, true};
            w.stratifier = stratifier_of_column[i] != K;
            if (auto it = options.column_names.find(r); it != options.column_names.end()) w.header = it->second;
            wanted.push_back(std::move(w));
        }
        bool data_like = false;
        for (const auto& h : reader.header()) data_like |= looks_like_data(h, pop.vocabulary);
        // Header synonyms: the given ones, then the vocabulary's for each stratifier's column.
        HeaderSynonyms synonyms = options.header_synonyms;
        for (auto st : pop.stratifiers)
            for (const auto& h : pop.vocabulary.header_synonyms(st)) synonyms.add(pop.vocabulary.name(st), h);
        auto found = locate_columns(reader.name(), reader.header_line(), reader.header(), wanted, synonyms, data_like,
                                    options.hints);
        for (std::size_t i = 0; i < required.size(); ++i) col[i] = *found[i];
    }
    std::vector<std::size_t> kept_col;
    for (const auto& k : options.keep_columns) {
        std::optional<std::size_t> c = reader.find_column(k);
        for (std::size_t i = 0; !c && i < reader.header().size(); ++i)
            if (normalize_header(reader.header()[i]) == normalize_header(k)) c = i;
        if (!c)
            throw InputError(reader.name(), reader.header_line(), 0,
                             options.hints.name("keep-columns") + ": no column " + quote_value(k) + " in the header");
        kept_col.push_back(*c);
    }

    // Case ids can never hold more bytes than the file, so views into id_text stay valid. The reservations
    // are address space only: pages that are never written cost no memory.
    pop.id_text.reserve(reader.size_bytes());
    advise_huge(pop.id_text.data(), reader.size_bytes());
    const std::size_t max_rows = reader.size_bytes() / 12 + 16;  // no valid row is shorter than 12 bytes
    reserve_huge(pop.id_end, max_rows);
    reserve_huge(pop.disposal_date, max_rows);
    reserve_huge(pop.domain, max_rows);
    reserve_huge(pop.codes.values(), max_rows * K);
    // Whether two rows that share an id are the same in every cell is told by their texts, read again once every
    // row is read (CsvReader::record_texts); only an input that cannot be read again (a pipe) keeps a hash of each
    // row's text instead.
    const bool hash_rows = !reader.can_read_again();
    std::vector<std::uint64_t> row_hashes;
    if (hash_rows) reserve_huge(row_hashes, max_rows);
    std::optional<ReadHelper> helper;
    if (reader.size_bytes() >= (std::size_t{8} << 20)) {
        std::vector<ReadHelper::Column> columns = {
            {pop.id_text.data(), pop.id_text.capacity(), 0},
            {pop.id_end.data(), pop.id_end.capacity() * sizeof(std::uint32_t), sizeof(std::uint32_t)},
            {pop.disposal_date.data(), pop.disposal_date.capacity() * sizeof(Date), sizeof(Date)},
            {pop.domain.data(), pop.domain.capacity(), 1},
            {pop.codes.values().data(), pop.codes.values().capacity() * sizeof(std::uint16_t), K * sizeof(std::uint16_t)}};
        if (hash_rows)
            columns.push_back({row_hashes.data(), row_hashes.capacity() * sizeof(std::uint64_t), sizeof(std::uint64_t)});
        helper.emplace(std::move(columns), pop.id_text.data(), pop.id_end.data(), reader.size_bytes());
    }

    // A problem: thrown at once, or collected (then the row is left out, after its other cells are checked).
    bool row_bad = false;
    std::vector<std::uint32_t> bad_rows;  // rows kept with a problem (only when problems are collected)
    auto problem = [&](const CsvRecord& rec, std::size_t field, std::string kind, std::string message,
                       std::string_view value = {}) {
        if (!problems) reader.fail(rec, field, message);
        problems->push_back({std::move(kind), rec.line, field + 1, std::move(message), std::string(value)});
        row_bad = true;
    };
    const std::string encoding_advice =
        options.encoding == Encoding::utf8
            ? "; if the file was saved from Excel as plain 'CSV', read it with " +
                  options.hints.with("encoding", "windows-1252") + ", or save it "
              "as 'CSV UTF-8 (Comma delimited)'"
            : "";

    // A case id into id_text (whose offsets are 32 bits: a file may hold 2 GB, kMostPopulationBytes).
    auto add_id = [&](const CsvRecord& r, std::string_view id) __attribute__((always_inline)) {
        if (pop.id_text.size() + id.size() > std::numeric_limits<std::uint32_t>::max()) [[unlikely]]
            reader.fail(r, col[0], "the case ids of the file hold more than 4 GB: casesample reads at most " +
                                       std::to_string(kMostPopulationBytes) + " bytes of cases");
        pop.id_text.append(id);
        pop.id_end.push_back(static_cast<std::uint32_t>(pop.id_text.size()));
    };
    std::vector<TextMemo<std::uint16_t>> cache(K, TextMemo<std::uint16_t>(6));
    TextMemo<Date> date_cache(12);
    // The category columns, in the order the loop below reads them: (column, stratifier position).
    std::vector<std::pair<std::size_t, std::size_t>> category_cols;
    for (std::size_t i = 1; i < required.size(); ++i)
        if (i != 2) category_cols.emplace_back(col[i], stratifier_of_column[i]);
    std::vector<std::uint16_t> codes(K);
    auto& code_values = pop.codes.values();
    CsvRecord rec;
    if (options.progress) options.progress->begin("reading cases", reader.size_bytes());
    reader.collect_problems(problems);
    while (reader.next(rec)) {
        if (pop.id_end.size() % 16384 == 16383) {
            if (options.progress) options.progress->reach(reader.position());
            if (helper) helper->reached(pop.id_end.size(), pop.id_text.size(), reader.position());
        }
        // Nearly every row: printable ASCII, every cell filled and spelled as a row before spelled it. Read
        // straight into the columns; anything else is read below, with its checks and messages.
        if (rec.plain) {
            const auto id = trim(rec.fields[col[0]]);
            bool known = !id.empty();
            for (std::size_t c = 0; known && c < category_cols.size(); ++c) {
                const auto v = trim(rec.fields[category_cols[c].first]);
                const std::uint16_t* code = v.empty() ? nullptr : cache[category_cols[c].second].find(v);
                if (code) codes[category_cols[c].second] = *code;
                else known = false;
            }
            const Date* date = nullptr;
            if (known) {
                const auto v = trim(rec.fields[col[2]]);
                if (!v.empty()) date = date_cache.find(v);
            }
            if (date) {
                add_id(rec, id);
                pop.disposal_date.push_back(*date);
                for (std::size_t k = 0; k < K; ++k) code_values.push_back(codes[k]);
                pop.domain.push_back(pop.vocabulary.domain_of(codes[disposal_at]));
                pop.line.push_back(static_cast<std::uint32_t>(rec.line));
                for (auto c : kept_col) pop.kept_values.emplace_back(trim(rec.fields[c]));
                if (hash_rows) row_hashes.push_back(row_hash(rec));
                continue;
            }
        }
        row_bad = false;
        // A used cell, trimmed and checked to be UTF-8 (bytes in columns the tool does not read are no concern).
        auto raw_cell = [&](std::size_t c) {
            auto v = trim(rec.fields[c]);
            if (rec.plain) return v;  // printable ASCII, nearly every record: nothing to check
            unsigned char high = 0;  // plain ASCII, nearly every cell, needs no further check
            for (char ch : v) high |= static_cast<unsigned char>(ch);
            if (high < 0x80) return v;
            if (auto bad = first_invalid_utf8(v); bad != std::string::npos) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned char>(v[bad]));
                problem(rec, c, "not UTF-8", std::string("not UTF-8 text (found byte 0x") + buf + ")" + encoding_advice);
            }
            return v;
        };
        auto cell = [&](std::size_t i) {
            auto v = raw_cell(col[i]);
            if (v.empty())
                problem(rec, col[i], "empty " + std::string(required[i]),
                        "empty " + std::string(required[i]) + " (every case needs one)");
            return v;
        };
        auto id = cell(0);
        if (auto bad = rec.plain ? std::string_view::npos : find_control_character(id); bad != std::string_view::npos)
            problem(rec, col[0], "control character in case id", control_character_message("the case id", id, bad));
        std::fill(codes.begin(), codes.end(), std::uint16_t{0});
        for (std::size_t i = 1; i < required.size(); ++i) {
            if (i == 2) continue;  // disposal_date
            const std::size_t k = stratifier_of_column[i];
            const Stratifier s = pop.stratifiers[k];
            // A blank value of any stratifier but disposal_type is "not known" too when --unknown-as is given.
            const bool bad_before = row_bad;
            row_bad = false;
            auto v = (options.unknown_as && s != Stratifier::disposal_type) ? raw_cell(col[i]) : cell(i);
            if (row_bad) continue;  // empty or not UTF-8: said already
            row_bad = bad_before;
            std::optional<std::uint16_t> code;
            if (const auto* known = cache[k].find(v)) code = *known;
            if (!code) {
                code = pop.vocabulary.match(s, v);
                if (!code && options.unknown_as && s != Stratifier::disposal_type)
                    code = pop.vocabulary.add_category(s, *options.unknown_as);
                if (!code) {
                    std::string msg = "unknown " + pop.vocabulary.name(s) + " " + quote_value(v) + " (expected " +
                                      pop.vocabulary.expected(s) + ")";
                    if (s == Stratifier::disposal_type)
                        msg += "; add it to a vocabulary file with its domain and give " +
                               options.hints.with("add-vocabulary", "FILE");
                    else
                        msg += "; or give " + options.hints.with("unknown-as", "Not known") +
                               " to keep such cases as their own category";
                    problem(rec, col[i], "unknown " + pop.vocabulary.name(s), msg, v);
                    continue;
                }
                cache[k].remember(v, *code);
            }
            codes[k] = *code;
        }
        Date date{};
        {
            const bool bad_before = row_bad;
            row_bad = false;
            auto date_text = cell(2);
            if (!row_bad) {
                auto d = options.date_format.empty() ? parse_date(date_text)
                                                     : parse_date_with_format(date_text, options.date_format);
                if (d) {
                    date = *d;
                    date_cache.remember(date_text, *d);
                } else
                    problem(rec, col[2], "bad disposal_date",
                            "bad disposal_date " + quote_value(date_text) + " (expected " +
                                expected_date_text(options.date_format, options.hints) + ")",
                            date_text);
            }
            row_bad |= bad_before;
        }
        std::vector<std::string_view> kept;
        for (auto c : kept_col) kept.push_back(raw_cell(c));
        if (row_bad && id.empty()) continue;  // nothing to check for duplicates
        add_id(rec, id);
        pop.disposal_date.push_back(date);
        pop.codes.push_back(std::span<const std::uint16_t>(codes));
        pop.domain.push_back(pop.vocabulary.domain_of(codes[disposal_at]));
        pop.line.push_back(static_cast<std::uint32_t>(rec.line));
        for (auto k : kept) pop.kept_values.emplace_back(k);
        if (row_bad) bad_rows.push_back(static_cast<std::uint32_t>(pop.id_end.size() - 1));
        if (hash_rows) row_hashes.push_back(row_hash(rec));
    }
    reader.collect_problems(nullptr);
    bool ids_distinct = false;
    if (helper) {
        helper->finish(pop.size());
        ids_distinct = helper->distinct();
        helper.reset();
    }
    if (options.progress) options.progress->reach(reader.size_bytes());
    if (pop.size() == 0) {
        if (!problems) throw InputError(reader.name(), 0, 0, "the file has a header but no cases");
        if (problems->empty()) problems->push_back({"no cases", 0, 0, "the file has a header but no cases"});
        return pop;
    }
    // Rows with a problem (only when problems are collected) were kept for the duplicate check; they go below.
    std::vector<bool> drop(pop.size(), false);
    for (auto r : bad_rows) drop[r] = true;

    // Duplicate ids, checked once every row is read (a row with another error is reported first). A row that
    // repeats an earlier one in every cell is dropped with --drop-identical-duplicates; any other repeat is
    // an error, every pair listed.
    std::vector<InputProblem> duplicates;
    const auto groups = duplicate_groups(pop, ids_distinct);
    // Rows that share an id are the same in every cell when their texts are, byte for byte: read again (the file
    // has been read past them). An input that cannot be read again (a pipe) compares 64-bit hashes of the texts
    // instead; one that no longer holds those rows (it changed since) has them taken as different.
    std::optional<std::map<std::size_t, std::string>> texts;
    {
        std::set<std::size_t> lines;
        for (const auto& g : groups)
            for (auto r : g) lines.insert(pop.line[r]);
        if (!lines.empty() && !hash_rows) texts = reader.record_texts(lines);
    }
    for (const auto& g : groups) {
        for (std::size_t k = 1; k < g.size(); ++k) {
            const bool identical = hash_rows ? row_hashes[g[k]] == row_hashes[g[0]]
                                             : texts && texts->at(pop.line[g[k]]) == texts->at(pop.line[g[0]]);
            if (identical && options.drop_identical_duplicates) {
                if (!drop[g[k]]) ++pop.identical_duplicates_dropped;
                drop[g[k]] = true;
                continue;
            }
            std::string msg = "case id " + quote_value(pop.id(g[k])) + " appears twice (first on line " +
                              std::to_string(pop.line[g[0]]) + ")";
            msg += identical ? ", the same in every cell; give " + options.hints.with("drop-identical-duplicates") +
                                   " to keep one"
                             : ", with different values";
            duplicates.push_back({identical ? "identical duplicate rows" : "conflicting duplicate case ids",
                                  pop.line[g[k]], col[0] + 1, msg});
            drop[g[k]] = true;  // (only when problems are collected: otherwise this throws below)
        }
    }
    if (!duplicates.empty()) {
        if (problems) {
            problems->insert(problems->end(), duplicates.begin(), duplicates.end());
        } else {
            std::sort(duplicates.begin(), duplicates.end(), [](auto& a, auto& b) { return a.line < b.line; });
            std::string msg = duplicates[0].message;
            if (duplicates.size() > 1) {
                msg += "; " + std::to_string(duplicates.size() - 1) + " more repeated: ";
                for (std::size_t k = 1; k < duplicates.size() && k <= 20; ++k)
                    msg += (k > 1 ? ", " : "") + std::string("line ") + std::to_string(duplicates[k].line);
                if (duplicates.size() > 21) msg += " and " + std::to_string(duplicates.size() - 21) + " more";
            }
            throw InputError(reader.name(), duplicates[0].line, duplicates[0].column, msg);
        }
    }
    std::size_t dropped = static_cast<std::size_t>(std::count(drop.begin(), drop.end(), true));
    if (dropped > 0) {
        // Compact the columns, keeping the first of each identical run.
        std::size_t w = 0;
        LineIndex lines;
        std::string ids;
        ids.reserve(pop.id_text.size());
        const std::size_t nk = pop.kept_columns.size();
        for (std::size_t i = 0; i < pop.size(); ++i) {
            if (drop[i]) continue;
            ids.append(pop.id(i));
            pop.id_end[w] = static_cast<std::uint32_t>(ids.size());
            pop.disposal_date[w] = pop.disposal_date[i];
            pop.domain[w] = pop.domain[i];
            pop.codes.copy_row(i, w);
            lines.push_back(pop.line[i]);
            for (std::size_t k = 0; k < nk; ++k) pop.kept_values[w * nk + k] = std::move(pop.kept_values[i * nk + k]);
            ++w;
        }
        pop.id_text = std::move(ids);
        pop.id_end.resize(w);
        pop.disposal_date.resize(w);
        pop.domain.resize(w);
        pop.codes.resize(w);
        pop.line = std::move(lines);
        pop.kept_values.resize(w * nk);
    }
    return pop;
}

MonthWindow parse_month_window(std::string_view text) {
    // The messages say what is wrong with the value; the caller puts its option's name in front
    // ("--court-window: '9-6' ends before it starts; ...").
    auto dash = text.find('-');
    MonthWindow w{};
    const std::string shown(text);
    auto bad_form = [&] {
        return UsageError("'" + shown + "' is not a window of months; give it as FROM-TO, two whole numbers of "
                          "months before fieldwork with FROM <= TO, e.g. 6-9");
    };
    auto num = [&](std::string_view s, int& out) {
        s = trim(s);
        if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos) throw bad_form();
        std::int64_t v = 0;
        auto r = std::from_chars(s.data(), s.data() + s.size(), v);
        if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || v > 600)
            throw UsageError("'" + shown + "' reaches too far back; a window counts at most 600 months (50 years) "
                             "before fieldwork, e.g. 6-9");
        out = static_cast<int>(v);
    };
    if (dash == std::string_view::npos) throw bad_form();
    num(text.substr(0, dash), w.from_months);
    num(text.substr(dash + 1), w.to_months);
    if (w.from_months > w.to_months)
        throw UsageError("'" + shown + "' ends before it starts; give the months as FROM-TO with FROM <= TO, e.g. " +
                         std::to_string(w.to_months) + "-" + std::to_string(w.from_months));
    return w;
}

EligibilityRule EligibilityRule::standard(Date fieldwork) {
    EligibilityRule r;
    r.fieldwork = fieldwork;
    r.windows["court"] = {6, 9};
    r.windows["out-of-court"] = {3, 5};
    return r;
}

DateRange window_dates(Date fieldwork, MonthWindow w) {
    return {add_months(fieldwork, -w.to_months), add_months(fieldwork, -w.from_months)};
}

std::string exclusion_kind(const Population& pop, const EligiblePopulation& eligible, const Exclusion& e) {
    return (e.why == Exclusion::Why::too_old ? "too old for " : "too recent for ") +
           eligible.domains[pop.domain[e.case_index]];
}

void append_exclusion_reason(std::string& out, const Population& pop, const EligiblePopulation& eligible,
                             const Exclusion& e) {
    const auto d = pop.domain[e.case_index];
    const bool old = e.why == Exclusion::Why::too_old;
    out += old ? "too old for " : "too recent for ";
    out += eligible.domains[d];
    out += ": dated ";
    append_date(out, pop.disposal_date[e.case_index]);
    out += old ? ", before " : ", after ";
    append_date(out, old ? eligible.ranges[d].first : eligible.ranges[d].last);
}

std::string exclusion_reason(const Population& pop, const EligiblePopulation& eligible, const Exclusion& e) {
    std::string out;
    append_exclusion_reason(out, pop, eligible, e);
    return out;
}

EligiblePopulation eligible_population(const Population& pop, const EligibilityRule& rule) {
    EligiblePopulation out;
    out.domains = pop.vocabulary.domains();
    out.cases.resize(out.domains.size());
    out.ranges.resize(out.domains.size());
    std::vector<std::size_t> in_domain(out.domains.size(), 0);  // cases of each domain, eligible or not
    for (auto d : pop.domain) ++in_domain[d];
    for (std::size_t d = 0; d < out.domains.size(); ++d) {
        const MonthWindow* w = nullptr;
        for (const auto& [name, win] : rule.windows)
            if (normalize_label(name) == normalize_label(out.domains[d])) w = &win;
        if (!w) {
            if (in_domain[d] > 0)
                throw UsageError("no eligibility window for the domain '" + out.domains[d] + "'; give one with " +
                                 rule.hints.with("window", "FROM-TO", out.domains[d]) + " (months before fieldwork)");
            continue;
        }
        out.ranges[d] = window_dates(rule.fieldwork, *w);
    }
    for (std::size_t d = 0; d < out.domains.size(); ++d) reserve_huge(out.cases[d], in_domain[d]);
    for (std::size_t i = 0; i < pop.size(); ++i) {
        auto d = pop.domain[i];
        const auto& r = out.ranges[d];
        Date date = pop.disposal_date[i];
        if (date < r.first) {
            out.excluded.push_back({static_cast<std::uint32_t>(i), Exclusion::Why::too_old});
        } else if (date > r.last) {
            out.excluded.push_back({static_cast<std::uint32_t>(i), Exclusion::Why::too_recent});
        } else {
            out.cases[d].push_back(static_cast<std::uint32_t>(i));
        }
    }
    return out;
}

}  // namespace casesample
