#pragma once
// Drawing a sample of exactly n cases from one domain's eligible population so that, for every category of
// every stratifier, the number drawn is the floor or the ceiling of its proportional target n * N_h / N
// (balancing on the margins), with reserves for cases that drop out.
//
// Everything here works on plain data (a SamplingFrame) and takes the random engine as a parameter; only
// the command line seeds it.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/random/mersenne_twister.hpp>

#include "casesample/code_table.hpp"
#include "casesample/vocabulary.hpp"

namespace casesample {

// The one engine of every draw: portable, so a seed gives the same stream on every machine.
using Engine = boost::random::mt19937_64;

// One domain's eligible cases as the sampler sees them.
struct SamplingFrame {
    // The variables balanced on, in order (the default four unless chosen otherwise).
    std::vector<Stratifier> stratifiers = default_stratifiers();
    // Number of categories of each stratifier (codes run 0 .. count-1; a category may have no case).
    std::vector<std::uint16_t> category_count = std::vector<std::uint16_t>(kBuiltinStratifierCount, 0);
    // Category code of each case (row) on each stratifier (column).
    RowTable<std::uint16_t> codes{kBuiltinStratifierCount};
    std::size_t size() const noexcept { return codes.size(); }
    std::size_t width() const noexcept { return stratifiers.size(); }
    // The position of a variable among the stratifiers (throws std::out_of_range when it is not one).
    std::size_t position(Stratifier s) const;
};

// What proportional allocation asks of one category of one stratifier.
struct MarginTarget {
    Stratifier variable;
    std::uint16_t category;
    std::int64_t population = 0;  // N_h
    double target = 0;            // n * N_h / N
    std::int64_t floor = 0;       // floor(target)
    std::int64_t ceiling = 0;     // ceil(target)
};
// Targets for every category that has at least one case, in stratifier then category order.
std::vector<MarginTarget> proportional_targets(const SamplingFrame& frame, std::size_t n);

enum class DrawMethod { balanced, cells, systematic };
std::string_view to_string(DrawMethod m);
std::optional<DrawMethod> parse_draw_method(std::string_view text);

// A category whose drawn count is outside [floor, ceiling].
struct MarginMiss {
    Stratifier variable;
    std::uint16_t category;
    std::int64_t drawn = 0;
    std::int64_t floor = 0;
    std::int64_t ceiling = 0;
    std::int64_t by = 0;  // drawn - ceiling when above, drawn - floor when below (signed)
};

struct SampleDraw {
    std::vector<std::uint32_t> selected;          // frame indices, in selection (reading) order
    std::vector<double> inclusion_probability;    // for each selected case, its first-order inclusion probability
    std::vector<std::uint32_t> reserves;          // frame indices, in the order they are to be used
    // For each reserve, its chance of being drawn as a reserve given the sample (and, for reserves added later,
    // given every case listed before): k / (N - n) for every case left where the reserve design is exact.
    std::vector<double> reserve_probability;
    bool reserve_design_exact = true;  // balanced reserves: every case left had the same chance
    // ... and when not: a linear program over every balanced way to take them proves none could (few cells).
    bool reserve_design_proven_inexact = false;
    std::vector<MarginMiss> misses;               // empty when every margin is within floor/ceiling
    // Balanced draws: whether every case's inclusion probability is exactly n/N; the largest distance of a
    // case's probability from n/N when not; the design's probability of missing some margin (0 when every
    // allocation it can draw is within floor/ceiling everywhere).
    bool design_exact = true;
    bool design_mixed = false;  // many cells: the design mixes balanced allocations towards n/N (CellDesign::mixed)
    // Not exact, and proven: no design keeping every margin in every draw gives every case n/N (few cells;
    // CellDesign::proven_inexact).
    bool design_proven_inexact = false;
    double worst_deviation = 0;
    double lowest_probability = 0, highest_probability = 0;  // over every case of the frame
    double miss_probability = 0;
};

// Draws exactly n cases (n <= frame.size()) and k reserves from the rest, by the given method.
// The reserves are drawn after the sample, conditional on it, by the same method on the cases left (for balanced:
// from the exact design on the cells' remaining counts, docs/sampling-design.md), so each case left has a known
// chance of being a reserve (reserve_probability). The sample does not depend on k.
// Throws UsageError when n or n + k exceeds the frame.
SampleDraw draw_sample(const SamplingFrame& frame, std::size_t n, std::size_t reserves, DrawMethod method,
                       Engine& engine);

// Categories of `selected` outside floor/ceiling of the targets for selected.size() cases.
std::vector<MarginMiss> margin_misses(const SamplingFrame& frame, const std::vector<std::uint32_t>& selected);

// The reserve to bring in when selected case `dropped` (a frame index in sample.selected) drops out:
// the index into sample.reserves chosen by the documented substitution rule, or nullopt when no reserve
// is left.
std::optional<std::size_t> choose_substitute(const SamplingFrame& frame, const SampleDraw& sample,
                                             std::uint32_t dropped);

}  // namespace casesample
