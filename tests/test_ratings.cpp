#include <doctest/doctest.h>

#include <cmath>

#include "casesample/error.hpp"
#include "casesample/framework.hpp"
#include "casesample/ratings.hpp"

using namespace casesample;

namespace {
const Framework& fw() { return Framework::builtin(); }
constexpr std::size_t inadequate = 0, requires_improvement = 1, good = 2, outstanding = 3;
}  // namespace

TEST_CASE("whole-number percentages round half up, or half to even") {
    CHECK(whole_percent(42, 50) == 84);
    CHECK(whole_percent(1, 8) == 13);                      // 12.5
    CHECK(whole_percent(1, 8, Rounding::half_even) == 12);  // 12.5 -> even
    CHECK(whole_percent(3, 8, Rounding::half_even) == 38);  // 37.5 -> even
    CHECK(whole_percent(39, 49) == 80);                    // 79.59
    CHECK(whole_percent(0, 7) == 0);
    CHECK(whole_percent(7, 7) == 100);
    CHECK_THROWS_AS(whole_percent(1, 0), UsageError);
    CHECK_THROWS_AS(whole_percent(3, 2), UsageError);
    // Agrees with floating-point rounding wherever the share is not exactly halfway.
    for (std::int64_t r = 1; r <= 200; ++r)
        for (std::int64_t y = 0; y <= r; ++y) {
            double p = 100.0 * static_cast<double>(y) / static_cast<double>(r);
            double frac = p - std::floor(p);
            if (std::abs(frac - 0.5) < 1e-9) continue;
            CHECK(whole_percent(y, r) == static_cast<std::int64_t>(std::floor(p + 0.5)));
        }
}

TEST_CASE("bands at the boundaries: 49.9, 50, 64.5, 79.6 on the exact share and on the printed percentage") {
    // 499/1000 = 49.9%: Inadequate either way (prints 50% only when rounded to whole numbers).
    CHECK(band_of_share(fw(), 499, 1000, BandOn::exact) == inadequate);
    CHECK(band_of_share(fw(), 499, 1000, BandOn::rounded) == requires_improvement);  // prints "50%"
    CHECK(band_of_share(fw(), 1, 2, BandOn::exact) == requires_improvement);       // 50% exactly
    CHECK(band_of_share(fw(), 1, 2, BandOn::rounded) == requires_improvement);
    CHECK(band_of_share(fw(), 129, 200, BandOn::exact) == requires_improvement);  // 64.5%
    CHECK(band_of_share(fw(), 129, 200, BandOn::rounded) == good);                // prints "65%" (half up)
    CHECK(band_of_share(fw(), 13, 20, BandOn::exact) == good);                    // 65% exactly
    CHECK(band_of_share(fw(), 39, 49, BandOn::exact) == good);                    // 79.59%
    CHECK(band_of_share(fw(), 39, 49, BandOn::rounded) == outstanding);           // prints "80%"
    CHECK(band_of_share(fw(), 4, 5, BandOn::exact) == outstanding);               // 80% exactly
    CHECK(band_of_share(fw(), 42, 50, BandOn::exact) == outstanding);
    CHECK(band_of_share(fw(), 0, 1, BandOn::exact) == inadequate);
    CHECK(band_of_share(fw(), 1, 1, BandOn::exact) == outstanding);
    CHECK(band_of_percent(fw(), 64.999) == requires_improvement);
    CHECK(band_of_value(fw(), 0.796, BandOn::exact) == good);
    CHECK(band_of_value(fw(), 0.796, BandOn::rounded) == outstanding);
    CHECK(band_of_value(fw(), 0.794, BandOn::rounded) == good);
}

TEST_CASE("the exact band agrees with the band of the exact rational share for every count up to 120") {
    for (std::int64_t r = 1; r <= 120; ++r)
        for (std::int64_t y = 0; y <= r; ++y) {
            // Integer comparisons: 100y >= t r.
            std::size_t expected = 0;
            for (std::int64_t t : {50, 65, 80})
                if (100 * y >= t * r) ++expected;
            INFO(y << " of " << r);
            CHECK(band_of_share(fw(), y, r, BandOn::exact) == expected);
            std::size_t expected_rounded = 0;
            for (std::int64_t t : {50, 65, 80})
                if (whole_percent(y, r) >= t) ++expected_rounded;
            CHECK(band_of_share(fw(), y, r, BandOn::rounded) == expected_rounded);
        }
}

TEST_CASE("a standard takes the lowest band of its key questions") {
    CHECK(standard_rating({good, good, good, inadequate}) == inadequate);  // Annex 2's example
    CHECK(standard_rating({outstanding, good, outstanding}) == good);
    CHECK(standard_rating({outstanding}) == outstanding);
    CHECK_THROWS_AS(standard_rating({}), UsageError);
}

TEST_CASE("overall bands: 0-6 Inadequate, 7-18 Requires improvement, 19-30 Good, 31-36 Outstanding") {
    for (int s = 0; s <= 36; ++s) {
        std::size_t expected = s <= 6 ? inadequate : s <= 18 ? requires_improvement : s <= 30 ? good : outstanding;
        INFO("score " << s);
        CHECK(overall_rating(fw(), s) == expected);
    }
    CHECK_THROWS_AS(overall_rating(fw(), 37), UsageError);
    CHECK_THROWS_AS(overall_rating(fw(), -1), UsageError);
    // Lancashire 2019: RI, Good, RI, RI | Good, RI, Good, RI | Good, Outstanding x 3 = 22, Good.
    std::vector<std::size_t> lancashire = {requires_improvement, good, requires_improvement, requires_improvement,
                                           good, requires_improvement, good, requires_improvement,
                                           good, outstanding, outstanding, outstanding};
    CHECK(total_score(fw(), lancashire) == 22);
    CHECK(overall_rating(fw(), 22) == good);
}

TEST_CASE("how many more or fewer 'yes' would move the band") {
    // 42 of 50 = 84%: 40 of 50 is still 80%; 39 drops to Good, so 3 fewer. Already at the top.
    auto m = band_moves(fw(), 42, 50, BandOn::exact);
    CHECK_FALSE(m.more_yes);
    CHECK(m.fewer_yes == std::int64_t{3});
    // 32 of 50 = 64%: one more is 66% (Good); 25 = 50% still RI; 24 is Inadequate: 8 fewer.
    m = band_moves(fw(), 32, 50, BandOn::exact);
    CHECK(m.more_yes == std::int64_t{1});
    CHECK(m.fewer_yes == std::int64_t{8});
    m = band_moves(fw(), 0, 3, BandOn::exact);
    CHECK(m.more_yes == std::int64_t{2});  // 1/3 = 33% still Inadequate; 2/3 = 67% Good
    CHECK_FALSE(m.fewer_yes);
    // Property: the moves are the smallest that change the band, for every count up to 60.
    for (std::int64_t r = 1; r <= 60; ++r)
        for (std::int64_t y = 0; y <= r; ++y)
            for (auto on : {BandOn::exact, BandOn::rounded}) {
                auto b = band_of_share(fw(), y, r, on);
                auto mv = band_moves(fw(), y, r, on);
                if (mv.more_yes) {
                    CHECK(band_of_share(fw(), y + *mv.more_yes, r, on) > b);
                    CHECK(band_of_share(fw(), y + *mv.more_yes - 1, r, on) == b);
                } else {
                    CHECK(band_of_share(fw(), r, r, on) == b);
                }
                if (mv.fewer_yes) {
                    CHECK(band_of_share(fw(), y - *mv.fewer_yes, r, on) < b);
                    CHECK(band_of_share(fw(), y - *mv.fewer_yes + 1, r, on) == b);
                } else {
                    CHECK(band_of_share(fw(), 0, r, on) == b);
                }
            }
}

TEST_CASE("--band-on names") {
    CHECK(parse_band_on("exact") == BandOn::exact);
    CHECK(parse_band_on("rounded") == BandOn::rounded);
    CHECK_FALSE(parse_band_on("Exact"));
    CHECK(to_string(BandOn::rounded) == "rounded");
}
