#pragma once
// The population of cases read from a service's export, validated once, and split into the
// eligible population of each domain by the fieldwork date.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "casesample/code_table.hpp"
#include "casesample/option_hints.hpp"
#include "casesample/csv.hpp"
#include "casesample/dates.hpp"
#include "casesample/progress.hpp"
#include "casesample/headers.hpp"
#include "casesample/vocabulary.hpp"

namespace casesample {

struct PopulationOptions {
    // Header name to read for a required column, when it is not the standard name
    // (e.g. {"rosh", "Risk of serious harm"}).
    std::map<std::string, std::string> column_names;
    // Further columns carried into outputs on request (--keep-columns).
    std::vector<std::string> keep_columns;
    // When set, unmatched or blank gender/rosh/swb values become this category instead of an error.
    std::optional<std::string> unknown_as;
    Vocabulary vocabulary = Vocabulary::builtin();
    // The variables to read and balance on, variables of `vocabulary` in the order outputs list them; empty
    // means the default four (disposal_type, gender, rosh, swb).
    std::vector<Stratifier> stratifiers;
    // Advanced by the bytes of the file parsed (stage "reading cases"), when given.
    Progress* progress = nullptr;
    // Other header names for the required columns (fixtures/headers.csv, plus a profile's).
    HeaderSynonyms header_synonyms = HeaderSynonyms::builtin();
    // The form of disposal dates when it is none of the built-in ones (--date-format, see parse_date_with_format).
    std::string date_format;
    // The file's encoding; anything but UTF-8 is transcoded on reading.
    Encoding encoding = Encoding::utf8;
    // Rows that repeat an earlier row exactly (every cell the same) are dropped and counted instead of refused.
    bool drop_identical_duplicates = false;
    // When set, every problem is added here and reading goes on (the rows with problems are left out);
    // otherwise the first problem is thrown as an InputError.
    std::vector<InputProblem>* problems = nullptr;
    // How the user writes the options that messages suggest (--column, --unknown-as, ...; option_hints.hpp).
    OptionHints hints;
};

// The line of each case in its file, kept as runs of cases on consecutive lines: nearly every file is one run (a
// case a line after the header), so a million cases cost a few bytes, not 4 MB. Lines only grow along a file.
class LineIndex {
public:
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    // The line of case i (i < size()).
    std::uint32_t operator[](std::size_t i) const noexcept {
        // The last run starting at or before i.
        std::size_t lo = 0, hi = runs_.size();
        while (hi - lo > 1) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (runs_[mid].first_case <= i) lo = mid;
            else hi = mid;
        }
        return static_cast<std::uint32_t>(runs_[lo].first_line + (i - runs_[lo].first_case));
    }
    void push_back(std::uint32_t line) {
        if (size_ == 0 || line != next_line_) runs_.push_back({size_, line});
        next_line_ = line + 1;
        ++size_;
    }
    std::size_t runs() const noexcept { return runs_.size(); }

private:
    struct Run {
        std::size_t first_case;
        std::uint32_t first_line;
    };
    std::vector<Run> runs_;
    std::size_t size_ = 0;
    std::uint32_t next_line_ = 0;
};

// Cases stored column-wise: a million cases cost about 26 bytes each beyond their ids (2 bytes more for each
// stratifier beyond four).
struct Population {
    std::string source;  // file name, for messages
    Vocabulary vocabulary;
    std::vector<std::string> kept_columns;

    std::string id_text;                   // all case ids, end to end
    std::vector<std::uint32_t> id_end;     // id i is id_text[id_end[i-1], id_end[i]) (ids hold < 4 GB)
    std::vector<Date> disposal_date;
    std::vector<std::uint8_t> domain;      // index into vocabulary.domains()
    std::vector<Stratifier> stratifiers;   // the variables read, in output order (disposal_type among them)
    RowTable<std::uint16_t> codes;         // size() x stratifiers.size(): category code of case i on stratifier j
    LineIndex line;                        // line of the case in the source file
    std::vector<std::string> kept_values;  // size() * kept_columns.size(), row-major
    std::size_t identical_duplicates_dropped = 0;  // with drop_identical_duplicates

    std::size_t size() const noexcept { return id_end.size(); }
    std::string_view id(std::size_t i) const noexcept {
        const std::uint32_t b = i == 0 ? 0 : id_end[i - 1];
        return std::string_view(id_text.data() + b, id_end[i] - b);
    }
    // Where a variable is among the stratifiers; nullopt when it was not read.
    std::optional<std::size_t> position(Stratifier s) const noexcept {
        for (std::size_t j = 0; j < stratifiers.size(); ++j)
            if (stratifiers[j] == s) return j;
        return std::nullopt;
    }
    // The category of case i on stratifier j (a position in `stratifiers`).
    const std::string& category_at(std::size_t i, std::size_t j) const {
        return vocabulary.categories(stratifiers[j])[codes[i][j]];
    }
    // The category of case i on a variable that was read (std::out_of_range when it was not).
    const std::string& category(std::size_t i, Stratifier s) const {
        auto j = position(s);
        if (!j) throw std::out_of_range("Population::category: a variable that was not read");
        return category_at(i, *j);
    }
};

// Reads and validates a population CSV (required columns case_id, disposal_type, disposal_date, gender,
// rosh, swb, found through their header synonyms). Throws InputError with file, line and column for missing
// columns (every one at once), an empty required cell, an unknown category, a bad date, a cell that is not
// UTF-8, or duplicate case ids (every pair at once); with options.problems, collects them all instead.
Population read_population(const std::string& path, const PopulationOptions& options);
Population parse_population(class CsvReader& reader, const PopulationOptions& options);

// An eligibility window: disposals dated from `latest_months` to `earliest_months` months before fieldwork.
struct MonthWindow {
    int from_months = 0;  // nearer end, e.g. 6
    int to_months = 0;    // further end, e.g. 9
};
// "6-9" -> {6, 9}; throws UsageError for anything else.
MonthWindow parse_month_window(std::string_view text);

struct EligibilityRule {
    Date fieldwork;
    std::map<std::string, MonthWindow> windows;  // per domain name; defaults court 6-9, out-of-court 3-5
    OptionHints hints;  // how the user writes --window, for the message of a domain without one
    static EligibilityRule standard(Date fieldwork);
};

// The window's dates for a fieldwork date: [add_months(F, -to), add_months(F, -from)], both ends included.
struct DateRange {
    Date first;
    Date last;
};
DateRange window_dates(Date fieldwork, MonthWindow w);

// A case outside its domain's window. Its reason in words is exclusion_reason(): kept as two small numbers, not
// as text, because a real export can hold millions of them (five years of disposals, most of them too old).
struct Exclusion {
    enum class Why : std::uint8_t { too_old, too_recent };
    std::uint32_t case_index;
    Why why;
};

struct EligiblePopulation {
    std::vector<std::string> domains;                     // as in the vocabulary
    std::vector<std::vector<std::uint32_t>> cases;        // per domain, indices into Population, file order
    std::vector<DateRange> ranges;                        // per domain
    std::vector<Exclusion> excluded;
};

// Why a case is not eligible, in words: "too old for court: dated 2018-09-02, before 2018-09-03" (appended to
// `out`), and without its dates ("too old for court"), for counts by reason.
void append_exclusion_reason(std::string& out, const Population& population, const EligiblePopulation& eligible,
                             const Exclusion& exclusion);
std::string exclusion_reason(const Population& population, const EligiblePopulation& eligible,
                             const Exclusion& exclusion);
std::string exclusion_kind(const Population& population, const EligiblePopulation& eligible, const Exclusion& exclusion);

// Splits cases by domain and keeps those inside their domain's window. Throws UsageError when a domain
// present in the data has no window.
EligiblePopulation eligible_population(const Population& population, const EligibilityRule& rule);

}  // namespace casesample
