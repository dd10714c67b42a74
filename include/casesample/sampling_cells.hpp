#pragma once
// The machinery behind draw_sample, exposed for tests and the timing program: every method first decides
// how many cases to take from each cross-classification cell (cases with the same category on every
// stratifier, interchangeable for balancing), then takes that many at random inside each cell.
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "casesample/sampling.hpp"

namespace casesample::sampling_detail {

// Uniform integer in [0, bound) from the engine's raw 64-bit output (rejection, no modulo bias);
// written here rather than taken from a library so the stream never changes with a library version.
std::uint64_t uniform_below(Engine& engine, std::uint64_t bound);
// Uniform double in [0, 1) with 53 random bits.
double uniform01(Engine& engine);
// Fisher-Yates shuffle with uniform_below.
template <class T>
void shuffle(std::vector<T>& v, Engine& engine) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_below(engine, i)]);
}

// The non-empty cells of a frame, in lexicographic order of their categories (stratifier order).
struct CellTable {
    std::size_t population = 0;
    // Margin rows: every category with at least one case, in stratifier then category order
    // (the order of proportional_targets).
    std::vector<std::pair<Stratifier, std::uint16_t>> rows;
    RowTable<std::uint16_t> key;  // categories of each cell (one column per stratifier)
    RowTable<std::uint32_t> row;  // margin row of each cell, per stratifier
    std::vector<std::int64_t> size;                                // N_c
    std::vector<std::uint32_t> offset;                             // members of c: [offset[c], offset[c+1])
    std::vector<std::uint32_t> members;                            // frame indices grouped by cell, file order
    std::size_t cells() const noexcept { return size.size(); }
};
CellTable build_cells(const SamplingFrame& frame);

// Allowed range [lo, hi] of each margin row for a sample of n from cells of the given sizes:
// floor and ceiling of n * N_h / N.
struct RowBounds {
    std::vector<std::int64_t> population, lo, hi;
};
RowBounds row_bounds(const CellTable& cells, const std::vector<std::int64_t>& sizes, std::int64_t n);

// Total violation: sum over rows of the distance of the row count from [lo, hi].
std::int64_t total_violation(const CellTable& cells, const RowBounds& b, const std::vector<std::int64_t>& count);

// Cell counts (0 <= count[c] <= sizes[c], summing to n) by each method. sizes may be smaller than the
// cell sizes (the cases left for reserves).
// Balanced: integer parts of n N_c / N, fractional parts rounded by the cube method (flight, landing),
// then the exchange repair. Each cell's expected count before repair is exactly n N_c / N.
std::vector<std::int64_t> balanced_counts(const CellTable& cells, const std::vector<std::int64_t>& sizes,
                                          std::int64_t n, Engine& engine);
// The cube rounding alone (no repair), for tests of its first-order properties.
std::vector<std::int64_t> cube_counts(const CellTable& cells, const std::vector<std::int64_t>& sizes,
                                      std::int64_t n, Engine& engine);
// The exchange repair: moves one case at a time between cells while that lowers the total violation.
// `work`, when given, is advanced by the number of cell pairs evaluated.
void repair_counts(const CellTable& cells, const std::vector<std::int64_t>& sizes, const RowBounds& b,
                   std::vector<std::int64_t>& count, Engine& engine, std::uint64_t* work = nullptr);
// The most cells with cases a balanced design is built for: its allocations take cells x cells counts, and its
// searches grow faster still (docs/sampling.md, "Any stratifiers").
inline constexpr std::size_t kMaxDesignCells = 4000;
// The balanced design: a list of cell allocations, each keeping every margin within floor/ceiling where the
// search finds one, with integer weights. The draw takes allocation s with probability weight[s] / total and
// then a simple random sample of count[s][c] cases from each cell c, so a case of cell c is selected with
// probability expected[c] / (total * N_c) exactly. Built deterministically (integer arithmetic only), so the
// same frame and n give the same design on every machine. See docs/sampling-design.md.
struct CellDesign {
    std::size_t cells = 0;
    std::vector<std::int64_t> weight;      // per allocation
    std::vector<std::int64_t> cumulative;  // running sums of weight (for the draw)
    std::vector<std::int32_t> count;       // allocation s, cell c at [s * cells + c]
    std::vector<std::int64_t> expected;    // per cell: sum over s of weight[s] * count[s][c]
    std::vector<std::uint8_t> misses;      // per allocation: 1 when it leaves some margin outside floor/ceiling
    std::int64_t total = 0;                // sum of the weights
    bool exact = false;                    // expected[c] == total * n * N_c / N for every cell
    // Many cells: balanced allocations were mixed in towards n N_c / N within a fixed amount of work
    // (docs/sampling-design.md); when not exact, the mixing stopped short of it rather than none existing.
    bool mixed = false;
    // Not exact, and a linear program over every balanced allocation (few cells) proves that no exact design
    // exists: no mix of allocations that each keep every margin gives every case n/N.
    bool proven_inexact = false;
    std::size_t allocations() const noexcept { return weight.size(); }
    const std::int32_t* allocation(std::size_t s) const noexcept { return count.data() + s * cells; }
    // Probability that the draw misses some margin: sum of the weights of missing allocations / total.
    double miss_probability() const;
    // A case's probability of selection in cell c of size N_c: expected[c] / (total * N_c).
    double inclusion_probability(std::size_t c, std::int64_t cell_size) const;
};
// The design for a sample of n from cells of the given sizes.
CellDesign balanced_design(const CellTable& cells, const std::vector<std::int64_t>& sizes, std::int64_t n);
// One allocation of the design, drawn with probability weight / total.
std::size_t pick_allocation(const CellDesign& design, Engine& engine);

// Largest-remainder proportional allocation, ties broken at random.
std::vector<std::int64_t> proportional_counts(const std::vector<std::int64_t>& sizes, std::int64_t n,
                                              Engine& engine);
// Cells in serpentine order of the stratifiers.
std::vector<std::uint32_t> serpentine_order(const CellTable& cells);
// Systematic sampling with a random start and interval N/n over the cells in serpentine order (cases
// in random order inside a cell): how many land in each cell.
std::vector<std::int64_t> systematic_counts(const CellTable& cells, const std::vector<std::int64_t>& sizes,
                                            std::int64_t n, Engine& engine);

}  // namespace casesample::sampling_detail
