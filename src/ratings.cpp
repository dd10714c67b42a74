#include "casesample/ratings.hpp"

#include <algorithm>
#include <cmath>

#include "casesample/error.hpp"

namespace casesample {

std::string_view to_string(BandOn b) { return b == BandOn::exact ? "exact" : "rounded"; }

std::optional<BandOn> parse_band_on(std::string_view text) {
    if (text == "exact") return BandOn::exact;
    if (text == "rounded") return BandOn::rounded;
    return std::nullopt;
}

std::string_view to_string(Rounding r) { return r == Rounding::half_up ? "half-up" : "half-even"; }

std::int64_t whole_percent(std::int64_t yes, std::int64_t relevant, Rounding rounding) {
    if (relevant < 1 || yes < 0 || yes > relevant)
        throw UsageError("a percentage needs 0 <= yes <= relevant and relevant >= 1, got " + std::to_string(yes) +
                         " of " + std::to_string(relevant));
    std::int64_t q = (100 * yes) / relevant;
    std::int64_t twice_rem = 2 * ((100 * yes) % relevant);
    if (twice_rem > relevant) return q + 1;
    if (twice_rem < relevant) return q;
    if (rounding == Rounding::half_up) return q + 1;
    return (q % 2 == 0) ? q : q + 1;
}

std::size_t band_of_percent(const Framework& framework, double percent) {
    std::size_t band = 0;
    for (std::size_t i = 0; i < framework.ratings.size(); ++i)
        if (percent >= framework.ratings[i].min_percent) band = i;
    return band;
}

std::size_t band_of_share(const Framework& framework, std::int64_t yes, std::int64_t relevant, BandOn band_on) {
    if (band_on == BandOn::rounded)
        return band_of_percent(framework, static_cast<double>(whole_percent(yes, relevant)));
    if (relevant < 1 || yes < 0 || yes > relevant)
        throw UsageError("a band needs 0 <= yes <= relevant and relevant >= 1, got " + std::to_string(yes) + " of " +
                         std::to_string(relevant));
    // 100 * yes / relevant >= min  <=>  100 * yes >= min * relevant, exact for whole-number thresholds.
    std::size_t band = 0;
    for (std::size_t i = 0; i < framework.ratings.size(); ++i)
        if (100.0 * static_cast<double>(yes) >= framework.ratings[i].min_percent * static_cast<double>(relevant))
            band = i;
    return band;
}

std::size_t band_of_value(const Framework& framework, double share, BandOn band_on) {
    double percent = 100.0 * share;
    if (band_on == BandOn::rounded) percent = std::floor(percent + 0.5);
    return band_of_percent(framework, percent);
}

std::size_t standard_rating(const std::vector<std::size_t>& question_bands) {
    if (question_bands.empty()) throw UsageError("a standard needs at least one rated key question");
    return *std::min_element(question_bands.begin(), question_bands.end());
}

int total_score(const Framework& framework, const std::vector<std::size_t>& standard_ratings) {
    int total = 0;
    for (auto r : standard_ratings) total += framework.ratings.at(r).score;
    return total;
}

std::size_t overall_rating(const Framework& framework, int score) {
    for (const auto& b : framework.overall)
        if (score >= b.min_score && score <= b.max_score) return *framework.find_rating(b.rating);
    throw UsageError("total score " + std::to_string(score) + " is outside the framework's overall bands (0 to " +
                     std::to_string(framework.max_total_score()) + ")");
}

BandMoves band_moves(const Framework& framework, std::int64_t yes, std::int64_t relevant, BandOn band_on) {
    BandMoves m;
    auto band = band_of_share(framework, yes, relevant, band_on);
    for (std::int64_t k = 1; yes + k <= relevant; ++k)
        if (band_of_share(framework, yes + k, relevant, band_on) > band) {
            m.more_yes = k;
            break;
        }
    for (std::int64_t k = 1; yes - k >= 0; ++k)
        if (band_of_share(framework, yes - k, relevant, band_on) < band) {
            m.fewer_yes = k;
            break;
        }
    return m;
}

}  // namespace casesample
