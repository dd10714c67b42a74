// An exact balanced design for frames of few cells, by linear programming over every allocation that keeps
// every category within floor/ceiling (docs/sampling-design.md, "Few cells: a linear program over every
// balanced allocation").
#pragma once

#include <cstdint>
#include <vector>

#include "casesample/sampling_cells.hpp"

namespace casesample::sampling_detail {

enum class LpOutcome {
    found,    // an exact design: every case's chance n/N
    none,     // the linear program has no solution: no exact design keeps every margin in every draw
    unknown,  // too many cells or allocations to enumerate, or the exact check failed: nothing said
};

struct LpDesign {
    LpOutcome outcome = LpOutcome::unknown;
    CellDesign design;             // when found
    std::size_t allocations = 0;   // balanced allocations enumerated
};

// Every allocation of n (0 <= x_c <= sizes[c]) within the margins' floor/ceiling, up to max_allocations;
// empty with `complete` false when there are more (or the search's work runs out).
std::vector<std::vector<std::int32_t>> balanced_allocations(const CellTable& cells,
                                                            const std::vector<std::int64_t>& sizes, std::int64_t n,
                                                            std::size_t max_allocations, bool& complete);

// The linear program: weights on the balanced allocations, adding up to 1, whose mean is n N_c / N in every cell.
// Searched in floating point (simplex, Bland's rule), then its support solved and checked in exact rational
// arithmetic, so a design returned is exact by construction; its weights are whole numbers.
LpDesign exact_design_by_lp(const CellTable& cells, const std::vector<std::int64_t>& sizes, std::int64_t n);

}  // namespace casesample::sampling_detail
