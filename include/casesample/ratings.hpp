#pragma once
// The rating rules of a framework: the band of a key question's share of 'yes', a standard's rating (the
// lowest band of its key questions), the total score and the overall rating, and how many more or fewer
// 'yes' answers would move a key question to another band.
//
// Bands are taken, by default, from the exact share: a key question is in a band when
// 100 * yes / relevant >= the band's min_percent, compared exactly (79.6% is Good, not Outstanding).
// BandOn::rounded takes them instead from the whole-number percentage a report prints, rounded half up
// (79.6% prints "80%" and is Outstanding; 79.5% too; 79.4% prints "79%").
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "casesample/framework.hpp"

namespace casesample {

enum class BandOn { exact, rounded };
std::string_view to_string(BandOn b);  // "exact", "rounded"
std::optional<BandOn> parse_band_on(std::string_view text);

enum class Rounding { half_up, half_even };
std::string_view to_string(Rounding r);  // "half-up", "half-even"

// The whole-number percentage of yes / relevant (relevant >= 1), in exact integer arithmetic.
std::int64_t whole_percent(std::int64_t yes, std::int64_t relevant, Rounding rounding = Rounding::half_up);

// Index into framework.ratings of the band of yes / relevant (relevant >= 1).
std::size_t band_of_share(const Framework& framework, std::int64_t yes, std::int64_t relevant, BandOn band_on);
// Index of the band of a percentage (0..100), taken as given.
std::size_t band_of_percent(const Framework& framework, double percent);
// Index of the band of a share in [0, 1] (an interval bound): exact, or after rounding 100*share half up.
std::size_t band_of_value(const Framework& framework, double share, BandOn band_on);

// A standard's rating: the lowest of its key questions' bands. Requires at least one band.
std::size_t standard_rating(const std::vector<std::size_t>& question_bands);

// The sum of the scores of the given standard ratings.
int total_score(const Framework& framework, const std::vector<std::size_t>& standard_ratings);
// Index into framework.ratings of the overall rating for a total score (0 .. max_total_score()).
std::size_t overall_rating(const Framework& framework, int total_score);

// With the number of relevant cases fixed: the fewest extra 'yes' answers (in place of 'no') that would lift
// the key question into a higher band, and the fewest 'yes' turned to 'no' that would drop it into a lower
// one; nullopt when no such change exists (already in the top / bottom band, or not enough cases).
struct BandMoves {
    std::optional<std::int64_t> more_yes;
    std::optional<std::int64_t> fewer_yes;
};
BandMoves band_moves(const Framework& framework, std::int64_t yes, std::int64_t relevant, BandOn band_on);

}  // namespace casesample
