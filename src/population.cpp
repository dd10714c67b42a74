#include "casesample/population.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include <unordered_map>

#include "casesample/csv.hpp"
#include "casesample/error.hpp"

namespace casesample {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The few distinct spellings a column uses, remembered as they are, so a million rows cost one
// comparison each instead of a normalisation and a hash lookup.
class CategoryCache {
public:
    std::optional<std::uint16_t> find(std::string_view raw) const {
        for (const auto& [text, code] : entries_)
            if (text == raw) return code;
        return std::nullopt;
    }
    void remember(std::string_view raw, std::uint16_t code) {
        if (entries_.size() < 64) entries_.emplace_back(std::string(raw), code);
    }

private:
    std::vector<std::pair<std::string, std::uint16_t>> entries_;
};

// Asks the kernel to back a large buffer with huge pages (one page fault per 2 MB instead of per 4 kB);
// a hint only, ignored where unsupported.
void advise_huge(const void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t page = 4096;
    auto begin = (reinterpret_cast<std::uintptr_t>(data) + page - 1) & ~(page - 1);
    auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(page - 1);
    if (bytes >= (std::size_t{4} << 20) && end > begin)
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
    (void)data;
    (void)bytes;
#endif
}

template <class T>
void reserve_huge(std::vector<T>& v, std::size_t n) {
    v.reserve(n);
    advise_huge(v.data(), n * sizeof(T));
}

// 64-bit hash of a case id, for the duplicate check.
std::uint64_t id_hash(std::string_view s) {
    std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
    }
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ w) * 0x94D049BB133111EBULL;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 32);
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

// The first case (in file order) whose id an earlier case already has: {later, earlier}, if any.
// First the ids' hashes alone are sorted (8 bytes a case); only when two hashes are equal, which almost
// always means a real duplicate, are the cases themselves sorted by hash to find which.
std::optional<std::pair<std::uint32_t, std::uint32_t>> first_duplicate(const Population& pop) {
    {
        std::vector<std::uint64_t> hashes;
        reserve_huge(hashes, pop.size());
        for (std::size_t i = 0; i < pop.size(); ++i) hashes.push_back(id_hash(pop.id(i)));
        radix_sort(hashes, [](std::uint64_t h) { return h; });
        if (std::adjacent_find(hashes.begin(), hashes.end()) == hashes.end()) return std::nullopt;
    }
    struct IdKey {
        std::uint64_t hash;
        std::uint32_t index;
    };
    std::vector<IdKey> keys;
    reserve_huge(keys, pop.size());
    for (std::size_t i = 0; i < pop.size(); ++i) keys.push_back({id_hash(pop.id(i)), static_cast<std::uint32_t>(i)});
    radix_sort(keys, [](const IdKey& k) { return k.hash; });  // stable: equal hashes stay in file order
    std::optional<std::pair<std::uint32_t, std::uint32_t>> best;
    for (std::size_t a = 0; a < keys.size();) {
        std::size_t b = a + 1;
        while (b < keys.size() && keys[b].hash == keys[a].hash) ++b;
        for (std::size_t x = a + 1; x < b; ++x)
            for (std::size_t y = a; y < x; ++y)
                if (pop.id(keys[x].index) == pop.id(keys[y].index)) {
                    if (!best || keys[x].index < best->first) best = {keys[x].index, keys[y].index};
                    break;
                }
        a = b;
    }
    return best;
}

}  // namespace

Population read_population(const std::string& path, const PopulationOptions& options) {
    auto reader = CsvReader::open(path);
    return parse_population(reader, options);
}

Population parse_population(CsvReader& reader, const PopulationOptions& options) {
    Population pop;
    pop.source = reader.name();
    pop.vocabulary = options.vocabulary;
    pop.kept_columns = options.keep_columns;

    // Locate the required columns, by their standard name or the name mapped with --column.
    static const char* required[] = {"case_id", "disposal_type", "disposal_date", "gender", "rosh", "swb"};
    std::size_t col[6];
    for (const auto& [name, header] : options.column_names) {
        bool known = false;
        for (auto r : required) known |= name == r;
        if (!known)
            throw UsageError("--column " + name + "=...: '" + name +
                             "' is not a required column (case_id, disposal_type, disposal_date, gender, rosh, swb)");
        (void)header;
    }
    for (int i = 0; i < 6; ++i) {
        std::string header = required[i];
        if (auto it = options.column_names.find(required[i]); it != options.column_names.end()) header = it->second;
        auto c = reader.find_column(header);
        if (!c) {
            std::string msg = "missing column '" + header + "'";
            if (header != required[i]) msg += " (given for " + std::string(required[i]) + " with --column)";
            msg += "; the header has: ";
            for (std::size_t k = 0; k < reader.header().size(); ++k) msg += (k ? ", " : "") + reader.header()[k];
            if (header == required[i])
                msg += ". If the column has another name, map it with --column " + header + "=\"Its name\"";
            throw InputError(reader.name(), reader.header_line(), 0, msg);
        }
        col[i] = *c;
    }
    std::vector<std::size_t> kept_col;
    for (const auto& k : options.keep_columns) {
        auto c = reader.find_column(k);
        if (!c) throw InputError(reader.name(), reader.header_line(), 0, "--keep-columns: no column '" + k + "'");
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
    reserve_huge(pop.codes, max_rows);
    reserve_huge(pop.line, max_rows);

    static const Stratifier strat_of_col[] = {Stratifier::disposal_type, Stratifier::disposal_type,
                                              Stratifier::disposal_type, Stratifier::gender,
                                              Stratifier::rosh,          Stratifier::swb};
    std::array<CategoryCache, kStratifierCount> cache;
    CsvRecord rec;
    if (options.progress) options.progress->begin("reading cases", reader.size_bytes());
    while (reader.next(rec)) {
        if (options.progress && pop.id_end.size() % 16384 == 16383) options.progress->reach(reader.position());
        auto cell = [&](int i) {
            auto v = trim(rec.fields[col[i]]);
            if (v.empty())
                reader.fail(rec, col[i], "empty " + std::string(required[i]) + " (every case needs one)");
            return v;
        };
        auto id = cell(0);
        if (auto bad = find_control_character(id); bad != std::string_view::npos)
            reader.fail(rec, col[0], control_character_message("the case id", id, bad));
        pop.id_text.append(id);
        std::array<std::uint16_t, kStratifierCount> codes{};
        for (int i : {1, 3, 4, 5}) {
            Stratifier s = strat_of_col[i];
            auto k = static_cast<std::size_t>(s);
            auto v = cell(i);
            auto code = cache[k].find(v);
            if (!code) {
                code = pop.vocabulary.match(s, v);
                if (!code && options.unknown_as && s != Stratifier::disposal_type)
                    code = pop.vocabulary.add_category(s, *options.unknown_as);
                if (!code) {
                    std::string msg = "unknown " + std::string(kStratifierNames[k]) + " '" + std::string(v) +
                                      "' (expected " + pop.vocabulary.expected(s) + ")";
                    if (s == Stratifier::disposal_type)
                        msg += "; add it to a vocabulary file with its domain and pass --add-vocabulary FILE";
                    else
                        msg += "; or pass --unknown-as \"Not known\" to keep such cases as their own category";
                    reader.fail(rec, col[i], msg);
                }
                cache[k].remember(v, *code);
            }
            codes[k] = *code;
        }
        auto date = parse_date(cell(2));
        if (!date)
            reader.fail(rec, col[2],
                        "bad disposal_date '" + std::string(cell(2)) +
                            "' (expected a date as YYYY-MM-DD or DD/MM/YYYY)");
        pop.id_end.push_back(pop.id_text.size());
        pop.disposal_date.push_back(*date);
        pop.codes.push_back(codes);
        pop.domain.push_back(pop.vocabulary.domain_of(codes[0]));
        pop.line.push_back(static_cast<std::uint32_t>(rec.line));
        for (auto c : kept_col) pop.kept_values.emplace_back(rec.fields[c]);
    }
    if (options.progress) options.progress->reach(reader.size_bytes());
    if (pop.size() == 0)
        throw InputError(reader.name(), 0, 0, "the file has a header but no cases");
    // Duplicate ids, checked once every row is read (a row with another error is reported first).
    if (auto dup = first_duplicate(pop))
        throw InputError(reader.name(), pop.line[dup->first], col[0] + 1,
                         "case id '" + std::string(pop.id(dup->first)) + "' appears twice (first on line " +
                             std::to_string(pop.line[dup->second]) + ")");
    return pop;
}

MonthWindow parse_month_window(std::string_view text) {
    auto dash = text.find('-');
    MonthWindow w{};
    const std::string shown(text);
    auto bad_form = [&] {
        return UsageError("a month window is written FROM-TO, two whole numbers of months before fieldwork with "
                          "FROM <= TO, such as 6-9; got '" + shown + "'");
    };
    auto num = [&](std::string_view s, int& out) {
        s = trim(s);
        if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos) throw bad_form();
        std::int64_t v = 0;
        auto r = std::from_chars(s.data(), s.data() + s.size(), v);
        if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || v > 600)
            throw UsageError("a month window counts at most 600 months (50 years) before fieldwork; got '" + shown +
                             "'");
        out = static_cast<int>(v);
    };
    if (dash == std::string_view::npos) throw bad_form();
    num(text.substr(0, dash), w.from_months);
    num(text.substr(dash + 1), w.to_months);
    if (w.from_months > w.to_months)
        throw UsageError("a month window is written FROM-TO with FROM <= TO, such as 6-9; got '" + shown +
                         "' (FROM is larger than TO)");
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

EligiblePopulation eligible_population(const Population& pop, const EligibilityRule& rule) {
    EligiblePopulation out;
    out.domains = pop.vocabulary.domains();
    out.cases.resize(out.domains.size());
    out.ranges.resize(out.domains.size());
    std::vector<bool> present(out.domains.size(), false);
    for (auto d : pop.domain) present[d] = true;
    for (std::size_t d = 0; d < out.domains.size(); ++d) {
        const MonthWindow* w = nullptr;
        for (const auto& [name, win] : rule.windows)
            if (normalize_label(name) == normalize_label(out.domains[d])) w = &win;
        if (!w) {
            if (present[d])
                throw UsageError("no eligibility window for the domain '" + out.domains[d] + "'; give one with --window " +
                                 out.domains[d] + "=FROM-TO (months before fieldwork)");
            continue;
        }
        out.ranges[d] = window_dates(rule.fieldwork, *w);
    }
    for (std::size_t i = 0; i < pop.size(); ++i) {
        auto d = pop.domain[i];
        const auto& r = out.ranges[d];
        Date date = pop.disposal_date[i];
        if (date < r.first) {
            out.excluded.push_back({static_cast<std::uint32_t>(i), "too old for " + out.domains[d] + ": dated " +
                                                                       format_date(date) + ", before " +
                                                                       format_date(r.first)});
        } else if (date > r.last) {
            out.excluded.push_back({static_cast<std::uint32_t>(i), "too recent for " + out.domains[d] + ": dated " +
                                                                       format_date(date) + ", after " +
                                                                       format_date(r.last)});
        } else {
            out.cases[d].push_back(static_cast<std::uint32_t>(i));
        }
    }
    return out;
}

}  // namespace casesample
