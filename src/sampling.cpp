#include "casesample/sampling.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "casesample/error.hpp"
#include "casesample/sampling_cells.hpp"

namespace casesample {
namespace sampling_detail {

std::uint64_t uniform_below(Engine& engine, std::uint64_t bound) {
    if (bound <= 1) return 0;
    // Reject the lowest (2^64 mod bound) values so every residue is equally likely.
    const std::uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        std::uint64_t x = engine();
        if (x >= threshold) return x % bound;
    }
}

double uniform01(Engine& engine) { return static_cast<double>(engine() >> 11) * 0x1.0p-53; }

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

std::int64_t violation(std::int64_t x, std::int64_t lo, std::int64_t hi) {
    return x < lo ? lo - x : (x > hi ? x - hi : 0);
}

}  // namespace

namespace {

// The usual case: every code below its category_count and few combinations. One pass counts the cases of each
// combination of codes (a table indexed by the codes themselves), a second places each case in its cell.
bool build_cells_direct(const SamplingFrame& frame, CellTable& t) {
    const std::size_t K = frame.width();
    std::vector<std::uint32_t> r(K);
    std::uint64_t product = 1;
    for (std::size_t j = 0; j < K; ++j) {
        r[j] = frame.category_count[j];
        product *= r[j];
        if (r[j] == 0 || product > (std::uint64_t{1} << 22)) return false;
    }
    auto combo_of = [&](std::span<const std::uint16_t> c) {
        std::uint32_t x = 0;
        for (std::size_t j = 0; j < K; ++j) x = x * r[j] + c[j];
        return x;
    };
    const std::size_t N = frame.size();
    std::vector<std::uint32_t> at(static_cast<std::size_t>(product), 0);
    {
        // The codes row after row, read through plain pointers (a million cases: a few instructions each).
        const std::uint16_t* c = frame.codes.values().data();
        const std::uint32_t* radix = r.data();
        for (std::size_t i = 0; i < N; ++i, c += K) {
            std::uint32_t x = 0;
            bool within = true;
            for (std::size_t j = 0; j < K; ++j) {
                within &= c[j] < radix[j];
                x = x * radix[j] + c[j];
            }
            if (!within) return false;
            ++at[x];
        }
    }
    // Categories present, in stratifier then code order.
    std::vector<std::vector<std::int64_t>> pop(K);
    for (std::size_t j = 0; j < K; ++j) pop[j].assign(r[j], 0);
    std::vector<std::uint32_t> code(K, 0);
    for (std::size_t combo = 0; combo < at.size(); ++combo) {
        if (at[combo] != 0)
            for (std::size_t j = 0; j < K; ++j) pop[j][code[j]] += at[combo];
        for (std::size_t j = K; j-- > 0;)  // next combination, last stratifier fastest
            if (++code[j] < r[j]) break;
            else code[j] = 0;
    }
    std::vector<std::vector<std::uint32_t>> row_of(K);
    for (std::size_t j = 0; j < K; ++j) {
        row_of[j].assign(r[j], kNone);
        for (std::size_t c = 0; c < r[j]; ++c)
            if (pop[j][c] > 0) {
                row_of[j][c] = static_cast<std::uint32_t>(t.rows.size());
                t.rows.emplace_back(frame.stratifiers[j], static_cast<std::uint16_t>(c));
            }
    }
    // Cells in combination order (lexicographic in the codes); `at` becomes each cell's next free slot.
    t.offset.assign(1, 0);
    std::fill(code.begin(), code.end(), 0);
    std::vector<std::uint16_t> key(K);
    std::vector<std::uint32_t> row(K);
    std::uint32_t next = 0;
    for (std::size_t combo = 0; combo < at.size(); ++combo) {
        if (at[combo] != 0) {
            for (std::size_t j = 0; j < K; ++j) {
                key[j] = static_cast<std::uint16_t>(code[j]);
                row[j] = row_of[j][code[j]];
            }
            t.key.push_back(std::span<const std::uint16_t>(key));
            t.row.push_back(std::span<const std::uint32_t>(row));
            t.size.push_back(at[combo]);
            std::uint32_t start = next;
            next += at[combo];
            t.offset.push_back(next);
            at[combo] = start;
        }
        for (std::size_t j = K; j-- > 0;)
            if (++code[j] < r[j]) break;
            else code[j] = 0;
    }
    t.members.resize(N);
    {
        const std::uint16_t* c = frame.codes.values().data();
        const std::uint32_t* radix = r.data();
        for (std::size_t i = 0; i < N; ++i, c += K) {
            std::uint32_t x = 0;
            for (std::size_t j = 0; j < K; ++j) x = x * radix[j] + c[j];
            t.members[at[x]++] = static_cast<std::uint32_t>(i);
        }
    }
    (void)combo_of;
    return true;
}

}  // namespace

CellTable build_cells(const SamplingFrame& frame) {
    const std::size_t K = frame.width();
    if (K == 0 || frame.category_count.size() != K || (frame.codes.width() != K && !frame.codes.empty()))
        throw std::invalid_argument("build_cells: a frame needs a stratifier, with a category count and a code for each");
    CellTable t;
    t.key.set_width(K);
    t.row.set_width(K);
    const std::size_t N = frame.size();
    t.population = N;
    // Cases are numbered in 32 bits, and n * N must fit in 64 bits.
    if (N > (std::size_t{1} << 31))
        throw UsageError("a domain of more than 2 billion cases cannot be sampled");
    if (N > 0 && build_cells_direct(frame, t)) return t;
    // Categories present on each stratifier, numbered densely in code order.
    std::vector<std::vector<std::uint32_t>> dense(K);
    for (std::size_t j = 0; j < K; ++j) dense[j].assign(frame.category_count[j], kNone);
    for (std::size_t i = 0; i < N; ++i) {
        auto c = frame.codes[i];
        for (std::size_t j = 0; j < K; ++j) {
            if (c[j] >= dense[j].size()) dense[j].resize(c[j] + std::size_t{1}, kNone);
            dense[j][c[j]] = 0;
        }
    }
    std::vector<std::uint32_t> present(K, 0), row_base(K, 0);
    for (std::size_t j = 0; j < K; ++j) {
        row_base[j] = static_cast<std::uint32_t>(t.rows.size());
        for (std::size_t code = 0; code < dense[j].size(); ++code)
            if (dense[j][code] != kNone) {
                dense[j][code] = present[j]++;
                t.rows.emplace_back(frame.stratifiers[j], static_cast<std::uint16_t>(code));
            }
    }
    if (N == 0) {
        t.offset.assign(1, 0);
        return t;
    }
    // Cell of each case: a direct table over the combinations when it is small (always, in practice),
    // else the sorted distinct keys.
    std::vector<std::uint32_t> cell_of(N);
    double product = 1;
    for (auto p : present) product *= p;
    if (product <= double(1u << 22)) {
        std::vector<std::uint32_t> combo_cell(static_cast<std::size_t>(product), kNone);
        for (std::size_t i = 0; i < N; ++i) {
            auto c = frame.codes[i];
            std::uint32_t combo = 0;
            for (std::size_t j = 0; j < K; ++j) combo = combo * present[j] + dense[j][c[j]];
            cell_of[i] = combo;
            combo_cell[combo] = 0;
        }
        std::uint32_t cells = 0;
        std::vector<std::uint16_t> key(K);
        for (std::size_t combo = 0; combo < combo_cell.size(); ++combo)
            if (combo_cell[combo] != kNone) {
                combo_cell[combo] = cells++;
                std::size_t rest = combo;
                for (std::size_t j = K; j-- > 0;) {
                    std::uint32_t d = static_cast<std::uint32_t>(rest % present[j]);
                    rest /= present[j];
                    key[j] = t.rows[row_base[j] + d].second;
                }
                t.key.push_back(std::span<const std::uint16_t>(key));
            }
        for (auto& c : cell_of) c = combo_cell[c];
    } else {
        // The cases sorted by their codes (lexicographic, as the combination order), each run one cell.
        std::vector<std::uint32_t> order(N);
        for (std::size_t i = 0; i < N; ++i) order[i] = static_cast<std::uint32_t>(i);
        auto less = [&](std::uint32_t a, std::uint32_t b) {
            auto x = frame.codes[a], y = frame.codes[b];
            return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end());
        };
        std::sort(order.begin(), order.end(), less);
        for (std::size_t p = 0; p < N; ++p) {
            if (p == 0 || less(order[p - 1], order[p])) t.key.push_back(frame.codes[order[p]]);
            cell_of[order[p]] = static_cast<std::uint32_t>(t.key.size() - 1);
        }
    }
    const std::size_t C = t.key.size();
    t.row.resize(C);
    for (std::size_t c = 0; c < C; ++c)
        for (std::size_t j = 0; j < K; ++j) t.row[c][j] = row_base[j] + dense[j][t.key[c][j]];
    t.size.assign(C, 0);
    for (auto c : cell_of) ++t.size[c];
    t.offset.assign(C + 1, 0);
    for (std::size_t c = 0; c < C; ++c) t.offset[c + 1] = t.offset[c] + static_cast<std::uint32_t>(t.size[c]);
    t.members.resize(N);
    std::vector<std::uint32_t> fill(t.offset.begin(), t.offset.end() - 1);
    for (std::size_t i = 0; i < N; ++i) t.members[fill[cell_of[i]]++] = static_cast<std::uint32_t>(i);
    return t;
}

RowBounds row_bounds(const CellTable& cells, const std::vector<std::int64_t>& sizes, std::int64_t n) {
    RowBounds b;
    const std::size_t R = cells.rows.size();
    b.population.assign(R, 0);
    std::int64_t N = 0;
    for (std::size_t c = 0; c < cells.cells(); ++c) {
        N += sizes[c];
        for (auto h : cells.row[c]) b.population[h] += sizes[c];
    }
    b.lo.assign(R, 0);
    b.hi.assign(R, 0);
    if (N == 0) return b;
    for (std::size_t h = 0; h < R; ++h) {
        std::int64_t num = n * b.population[h];
        b.lo[h] = num / N;
        b.hi[h] = b.lo[h] + (num % N != 0 ? 1 : 0);
    }
    return b;
}

std::int64_t total_violation(const CellTable& cells, const RowBounds& b, const std::vector<std::int64_t>& count) {
    std::vector<std::int64_t> rc(cells.rows.size(), 0);
    for (std::size_t c = 0; c < cells.cells(); ++c)
        for (auto h : cells.row[c]) rc[h] += count[c];
    std::int64_t v = 0;
    for (std::size_t h = 0; h < rc.size(); ++h) v += violation(rc[h], b.lo[h], b.hi[h]);
    return v;
}

namespace {

// The cube method on the cells' fractional parts. Units are the cells with a non-zero fractional part
// pi_c; balancing variables are the margin indicators, so the balancing equations say that each margin
// row's count of rounded-up cells equals the row's sum of pi (its fractional target f_h).
//
// Flight phase: a martingale random walk pi(t) in the subspace where every row sum is fixed, moving along
// a null vector of the row matrix restricted to (number of rows + 1) undecided units, to the first face of
// the cube in either direction, with probabilities that keep E[pi(t+1)] = pi(t).
// Landing phase: the walk continues inside the polytope floor(f_h) <= row sum <= ceil(f_h): rows whose
// target is not whole are released and become fixed again when their sum reaches an end of that range.
// If the walk stops at a vertex that is not whole (possible with three or more stratifiers), an active row
// with undecided cells, chosen at random, is dropped and the walk goes on. Every step keeps E[pi] unchanged,
// so every cell's probability of being rounded up is exactly pi_c.
class CubeWalk {
public:
    CubeWalk(std::size_t rows, RowTable<std::uint32_t> unit_rows,
             std::vector<double> pi, std::vector<std::int64_t> lo, std::vector<std::int64_t> hi)
        : R_(rows), rows_(std::move(unit_rows)), pi_(std::move(pi)), lo_(std::move(lo)), hi_(std::move(hi)) {}

    std::vector<char> run(Engine& engine) {
        const std::size_t q = pi_.size();
        decided_.assign(q, 0);
        state_.assign(R_, kActive);
        landing_ = false;
        sums_.assign(R_, 0.0);
        const std::size_t max_steps = 20 * (q + R_) + 100;
        for (std::size_t step = 0; step < max_steps; ++step) {
            free_.clear();
            for (std::size_t u = 0; u < q; ++u)
                if (!decided_[u]) free_.push_back(static_cast<std::uint32_t>(u));
            if (free_.empty()) break;
            recompute_sums();
            if (!move(engine)) {
                if (!landing_) {
                    landing_ = true;
                    for (std::size_t h = 0; h < R_; ++h)
                        if (lo_[h] != hi_[h]) state_[h] = at_bound(h) ? kActive : kReleased;
                    enumerate_landing(engine);
                } else if (!drop_row(engine)) {
                    break;  // cannot happen: with no active row every free unit moves freely
                }
            }
        }
        // Safety net, never reached in tests: round anything left independently (keeps E = pi).
        std::vector<char> out(q, 0);
        for (std::size_t u = 0; u < q; ++u) {
            if (!decided_[u]) pi_[u] = uniform01(engine) < pi_[u] ? 1.0 : 0.0;
            out[u] = pi_[u] > 0.5 ? 1 : 0;
        }
        return out;
    }

private:
    enum : char { kActive = 0, kReleased = 1, kDropped = 2 };
    static constexpr double kEps = 1e-9;

    void recompute_sums() {
        std::fill(sums_.begin(), sums_.end(), 0.0);
        for (std::size_t u = 0; u < pi_.size(); ++u)
            for (auto h : rows_[u]) sums_[h] += pi_[u];
    }
    bool at_bound(std::size_t h) const {
        return std::fabs(sums_[h] - double(lo_[h])) < 1e-7 || std::fabs(sums_[h] - double(hi_[h])) < 1e-7;
    }

    // One step of the walk; false when the active rows leave no direction to move in.
    bool move(Engine& engine) {
        // Active rows that still contain an undecided unit.
        std::vector<std::uint32_t> live(R_, 0);
        for (auto u : free_)
            for (auto h : rows_[u]) ++live[h];
        std::vector<std::uint32_t> arow(R_, kNone);
        std::size_t A = 0;
        for (std::size_t h = 0; h < R_; ++h)
            if (state_[h] == kActive && live[h] > 0) arow[h] = static_cast<std::uint32_t>(A++);
        const std::size_t k = std::min(free_.size(), A + 1);
        // Row matrix (A x k) of the first k undecided units, reduced to row echelon form.
        std::vector<double> m(A * k, 0.0);
        for (std::size_t j = 0; j < k; ++j)
            for (auto h : rows_[free_[j]])
                if (arow[h] != kNone) m[arow[h] * k + j] = 1.0;
        std::vector<std::size_t> pivot_col;
        std::size_t r = 0;
        std::size_t free_col = kNone;
        for (std::size_t col = 0; col < k && free_col == kNone; ++col) {
            std::size_t best = r;
            for (std::size_t i = r; i < A; ++i)
                if (std::fabs(m[i * k + col]) > std::fabs(m[best * k + col])) best = i;
            if (r >= A || std::fabs(m[best * k + col]) < 1e-9) {
                free_col = col;
                break;
            }
            if (best != r)
                for (std::size_t j = 0; j < k; ++j) std::swap(m[r * k + j], m[best * k + j]);
            double p = m[r * k + col];
            for (std::size_t j = 0; j < k; ++j) m[r * k + j] /= p;
            for (std::size_t i = 0; i < A; ++i) {
                if (i == r) continue;
                double f = m[i * k + col];
                if (f == 0.0) continue;
                for (std::size_t j = 0; j < k; ++j) m[i * k + j] -= f * m[r * k + j];
            }
            pivot_col.push_back(col);
            ++r;
        }
        if (free_col == kNone) return false;
        // Null vector: the free column set to 1, later columns 0, pivot columns solved.
        std::vector<double> v(k, 0.0);
        v[free_col] = 1.0;
        for (std::size_t i = 0; i < pivot_col.size(); ++i) v[pivot_col[i]] = -m[i * k + free_col];
        // Largest steps along +v (l1) and -v (l2) that stay in the cube and inside released rows' ranges.
        double l1 = std::numeric_limits<double>::infinity(), l2 = l1;
        for (std::size_t j = 0; j < k; ++j) {
            double x = pi_[free_[j]], d = v[j];
            if (std::fabs(d) < 1e-12) continue;
            if (d > 0) {
                l1 = std::min(l1, (1 - x) / d);
                l2 = std::min(l2, x / d);
            } else {
                l1 = std::min(l1, x / -d);
                l2 = std::min(l2, (1 - x) / -d);
            }
        }
        if (landing_) {
            std::vector<double> dr(R_, 0.0);
            for (std::size_t j = 0; j < k; ++j)
                for (auto h : rows_[free_[j]]) dr[h] += v[j];
            for (std::size_t h = 0; h < R_; ++h) {
                if (state_[h] != kReleased || std::fabs(dr[h]) < 1e-12) continue;
                double up = double(hi_[h]) - sums_[h], down = sums_[h] - double(lo_[h]);
                if (dr[h] > 0) {
                    l1 = std::min(l1, up / dr[h]);
                    l2 = std::min(l2, down / dr[h]);
                } else {
                    l1 = std::min(l1, down / -dr[h]);
                    l2 = std::min(l2, up / -dr[h]);
                }
            }
        }
        l1 = std::max(l1, 0.0);
        l2 = std::max(l2, 0.0);
        double step;
        if (l1 + l2 <= 0) {
            step = 0;
        } else {
            step = uniform01(engine) * (l1 + l2) < l2 ? l1 : -l2;
        }
        for (std::size_t j = 0; j < k; ++j) {
            auto u = free_[j];
            double x = pi_[u] + step * v[j];
            if (x < kEps) {
                x = 0;
                decided_[u] = 1;
            } else if (x > 1 - kEps) {
                x = 1;
                decided_[u] = 1;
            }
            pi_[u] = x;
        }
        if (landing_) {
            recompute_sums();
            for (std::size_t h = 0; h < R_; ++h)
                if (state_[h] == kReleased && at_bound(h)) state_[h] = kActive;
        }
        return true;
    }

    // Landing by enumeration, used only when it keeps the probabilities exact: when the walk stops at a
    // vertex, list every rounding of the undecided units that keeps every row (not dropped) within its
    // range. If the units' current probabilities are the marginals of some distribution on that list, the
    // maximum-entropy one is found by iterative scaling (multiplications and divisions only, so the same bits
    // everywhere) and a rounding is drawn from it: the landing is then balanced and exact. Otherwise (no
    // rounding fits, the list is too long, or the scaling does not reach the probabilities to 1e-8) nothing
    // changes and the caller drops a row instead.
    bool enumerate_landing(Engine& engine) {
        const std::size_t q = free_.size();
        if (q == 0 || q > 60) return false;
        std::vector<std::int64_t> need_lo(R_), need_hi(R_), got(R_, 0), left(R_, 0), ones(R_, 0);
        for (std::size_t u = 0; u < pi_.size(); ++u)
            if (decided_[u] && pi_[u] > 0.5)
                for (auto h : rows_[u]) ++ones[h];
        for (std::size_t h = 0; h < R_; ++h) {
            bool dropped = state_[h] == kDropped;
            need_lo[h] = dropped ? -(std::int64_t{1} << 40) : lo_[h] - ones[h];
            need_hi[h] = dropped ? (std::int64_t{1} << 40) : hi_[h] - ones[h];
        }
        for (auto u : free_)
            for (auto h : rows_[u]) ++left[h];
        std::vector<std::uint64_t> solutions;
        std::size_t nodes = 0;
        const std::size_t max_nodes = 100000, max_solutions = 2048;
        bool complete = true;
        std::uint64_t bits = 0;
        auto ok = [&](std::uint32_t u) {
            for (auto h : rows_[u])
                if (got[h] > need_hi[h] || got[h] + left[h] < need_lo[h]) return false;
            return true;
        };
        // Depth-first over the undecided units, pruning a row as soon as its range is out of reach.
        auto dfs = [&](auto& self, std::size_t d) -> void {
            if (!complete) return;
            if (++nodes > max_nodes || solutions.size() >= max_solutions) {
                complete = false;
                return;
            }
            if (d == q) {
                solutions.push_back(bits);
                return;
            }
            auto u = free_[d];
            for (auto h : rows_[u]) --left[h];
            for (int v = 1; v >= 0; --v) {
                if (v)
                    for (auto h : rows_[u]) ++got[h];
                if (ok(u)) {
                    if (v) bits |= std::uint64_t{1} << d;
                    self(self, d + 1);
                    bits &= ~(std::uint64_t{1} << d);
                }
                if (v)
                    for (auto h : rows_[u]) --got[h];
            }
            for (auto h : rows_[u]) ++left[h];
        };
        dfs(dfs, 0);
        if (!complete || solutions.empty()) return false;
        const std::size_t S = solutions.size();
        // Weights w[s] = scale * v[s]; the solutions holding each unit listed once, so that one unit's update
        // (multiply those holding it by target/m and the others by (1-target)/(1-m)) touches only its list.
        std::vector<std::vector<std::uint32_t>> holding(q);
        for (std::size_t s = 0; s < S; ++s)
            for (std::size_t d = 0; d < q; ++d)
                if (solutions[s] >> d & 1) holding[d].push_back(static_cast<std::uint32_t>(s));
        std::vector<double> v(S, 1.0);
        double scale = 1.0 / double(S);
        const std::size_t sweeps = std::min<std::size_t>(300, 4000000 / (S * q + 1) + 1);
        bool converged = false;
        for (std::size_t sweep = 0; sweep < sweeps && !converged; ++sweep) {
            double worst = 0;
            for (std::size_t d = 0; d < q; ++d) {
                double target = pi_[free_[d]];
                if (holding[d].empty() || holding[d].size() == S) {  // every listed rounding agrees on it
                    worst = std::max(worst, std::fabs((holding[d].empty() ? 0.0 : 1.0) - target));
                    continue;
                }
                double in = 0;
                for (auto s : holding[d]) in += v[s];
                double m = in * scale;  // the total weight stays 1 (renormalised every sweep)
                worst = std::max(worst, std::fabs(m - target));
                if (!(m > 0 && m < 1)) continue;
                double up = target / m, down = (1 - target) / (1 - m);
                scale *= down;
                double ratio = up / down;
                for (auto s : holding[d]) v[s] *= ratio;
            }
            double total = 0, big = 0;
            for (auto x : v) {
                total += x;
                big = std::max(big, x);
            }
            for (auto& x : v) x /= big;
            scale = 1.0 / (total / big);
            converged = worst < 1e-8;
        }
        if (!converged) return false;
        double total = 0;
        for (auto x : v) total += x;
        double pick = uniform01(engine) * total;
        std::size_t chosen = 0;
        while (chosen + 1 < S && pick >= v[chosen]) pick -= v[chosen++];
        for (std::size_t d = 0; d < q; ++d) {
            pi_[free_[d]] = (solutions[chosen] >> d & 1) ? 1.0 : 0.0;
            decided_[free_[d]] = 1;
        }
        return true;
    }

    // Drops one of the active rows that still hold an undecided unit, chosen at random (never the last row,
    // the sample size). A random choice spreads over the categories the small risk of landing outside
    // floor/ceiling, and so the repair's effect on inclusion probabilities; it measured better than dropping
    // the row with the fewest or the most undecided units.
    bool drop_row(Engine& engine) {
        std::vector<std::uint32_t> live(R_, 0);
        for (auto u : free_)
            for (auto h : rows_[u]) ++live[h];
        std::vector<std::uint32_t> candidates;
        for (std::size_t h = 0; h + 1 < R_; ++h)
            if (state_[h] == kActive && live[h] > 0) candidates.push_back(static_cast<std::uint32_t>(h));
        if (candidates.empty()) return false;
        state_[candidates[uniform_below(engine, candidates.size())]] = kDropped;
        return true;
    }

    std::size_t R_;
    RowTable<std::uint32_t> rows_;  // each unit's rows: its margin rows, then the sample-size row
    std::vector<double> pi_;
    std::vector<std::int64_t> lo_, hi_;
    std::vector<char> decided_, state_;
    std::vector<double> sums_;
    std::vector<std::uint32_t> free_;
    bool landing_ = false;
};

}  // namespace

std::vector<std::int64_t> cube_counts(const CellTable& cells, const std::vector<std::int64_t>& sizes,
                                      std::int64_t n, Engine& engine) {
    const std::size_t C = cells.cells(), R = cells.rows.size();
    std::vector<std::int64_t> count(C, 0);
    std::int64_t N = 0;
    for (auto s : sizes) N += s;
    if (N == 0 || n == 0) return count;
    // Integer parts kept; fractional parts (remainders over N) decided by the cube.
    // Rows: the margin categories, then the whole sample (the sample size, never dropped).
    std::vector<std::int64_t> rem(C, 0), row_rem(R + 1, 0);
    std::vector<std::uint32_t> units;
    for (std::size_t c = 0; c < C; ++c) {
        std::int64_t num = n * sizes[c];
        count[c] = num / N;
        rem[c] = num % N;
        if (rem[c] != 0) units.push_back(static_cast<std::uint32_t>(c));
        for (auto h : cells.row[c]) row_rem[h] += rem[c];
        row_rem[R] += rem[c];
    }
    if (units.empty()) return count;
    // The cube method takes units in random order.
    shuffle(units, engine);
    const std::size_t K = cells.row.width();
    RowTable<std::uint32_t> unit_rows(K + 1);
    std::vector<std::uint32_t> r(K + 1);
    std::vector<double> pi;
    for (auto c : units) {
        std::copy(cells.row[c].begin(), cells.row[c].end(), r.begin());
        r[K] = static_cast<std::uint32_t>(R);
        unit_rows.push_back(std::span<const std::uint32_t>(r));
        pi.push_back(double(rem[c]) / double(N));
    }
    // Each row's fractional target f_h = row_rem[h] / N; its rounded count must be floor or ceiling.
    std::vector<std::int64_t> lo(R + 1), hi(R + 1);
    for (std::size_t h = 0; h <= R; ++h) {
        lo[h] = row_rem[h] / N;
        hi[h] = lo[h] + (row_rem[h] % N != 0 ? 1 : 0);
    }
    CubeWalk walk(R + 1, std::move(unit_rows), std::move(pi), std::move(lo), std::move(hi));
    auto up = walk.run(engine);
    std::int64_t total = 0;
    for (std::size_t u = 0; u < units.size(); ++u) count[units[u]] += up[u];
    for (auto x : count) total += x;
    // The sample size is an equation the walk never drops, so the total is n; should rounding ever have
    // gone astray, a unit is added or removed in a random cell with room so the draw still has exactly n.
    while (total != n) {
        auto c = units[uniform_below(engine, units.size())];
        if (total < n && count[c] < sizes[c]) {
            ++count[c];
            ++total;
        } else if (total > n && count[c] > 0) {
            --count[c];
            --total;
        }
    }
    return count;
}

void repair_counts(const CellTable& cells, const std::vector<std::int64_t>& sizes, const RowBounds& b,
                   std::vector<std::int64_t>& count, Engine& engine, std::uint64_t* work) {
    const std::size_t C = cells.cells(), R = cells.rows.size();
    std::vector<std::int64_t> rc(R, 0);
    for (std::size_t c = 0; c < C; ++c)
        for (auto h : cells.row[c]) rc[h] += count[c];
    auto viol = [&](std::size_t h, std::int64_t x) { return violation(x, b.lo[h], b.hi[h]); };
    std::int64_t V = 0;
    for (std::size_t h = 0; h < R; ++h) V += viol(h, rc[h]);
    if (V == 0) return;
    // Change in total violation when one case of cell o is exchanged for one of cell i.
    auto delta = [&](std::size_t o, std::size_t i) {
        std::int64_t d = 0;
        for (std::size_t j = 0; j < cells.row.width(); ++j) {
            auto ho = cells.row[o][j], hi = cells.row[i][j];
            if (ho == hi) continue;
            d += viol(ho, rc[ho] - 1) - viol(ho, rc[ho]) + viol(hi, rc[hi] + 1) - viol(hi, rc[hi]);
        }
        return d;
    };
    auto apply = [&](std::size_t o, std::size_t i) {
        --count[o];
        ++count[i];
        for (auto h : cells.row[o]) --rc[h];
        for (auto h : cells.row[i]) ++rc[h];
    };
    std::vector<std::int64_t> best = count;
    std::int64_t best_v = V;
    // Iterated local search: improving exchanges while there are any; then a few exchanges that leave the
    // total unchanged (to cross a plateau); then one random exchange (a kick) and descend again. The best
    // state seen is kept. The budget bounds the work by about 2e7 pair evaluations.
    const std::size_t pairs = C * C + 1;
    std::size_t budget = std::max<std::size_t>(4, std::min<std::size_t>(400 + 20 * R, 20000000 / pairs));
    const std::size_t plateau_limit = 2 * R + 4;
    std::size_t plateau = 0;
    struct Move {
        std::uint32_t o, i;
        std::uint64_t weight;
    };
    std::vector<Move> improving, sideways, any;
    while (V > 0 && budget-- > 0) {
        improving.clear();
        sideways.clear();
        any.clear();
        std::uint64_t wi = 0, ws = 0, wa = 0;
        for (std::size_t o = 0; o < C; ++o) {
            if (count[o] == 0) continue;
            if (work) *work += C;
            for (std::size_t i = 0; i < C; ++i) {
                if (i == o || count[i] >= sizes[i]) continue;
                auto d = delta(o, i);
                // Weight: the number of (selected, unselected) case pairs this cell pair stands for, so the
                // choice is uniform over the exchanges of cases.
                std::uint64_t w = std::uint64_t(count[o]) * std::uint64_t(sizes[i] - count[i]);
                if (d < 0) {
                    improving.push_back({std::uint32_t(o), std::uint32_t(i), w});
                    wi += w;
                } else if (improving.empty()) {
                    if (d == 0) {
                        sideways.push_back({std::uint32_t(o), std::uint32_t(i), w});
                        ws += w;
                    }
                    any.push_back({std::uint32_t(o), std::uint32_t(i), w});
                    wa += w;
                }
            }
        }
        const std::vector<Move>* list = &improving;
        std::uint64_t total = wi;
        if (improving.empty()) {
            if (!sideways.empty() && plateau < plateau_limit) {
                list = &sideways;
                total = ws;
                ++plateau;
            } else {
                list = &any;
                total = wa;
                plateau = 0;
            }
        }
        if (list->empty()) break;
        std::uint64_t pick = uniform_below(engine, total);
        std::size_t at = 0;
        while (pick >= (*list)[at].weight) pick -= (*list)[at++].weight;
        V += delta((*list)[at].o, (*list)[at].i);
        apply((*list)[at].o, (*list)[at].i);
        if (V < best_v) {
            best_v = V;
            best = count;
        }
    }
    if (V > best_v) count = best;
}

std::vector<std::int64_t> balanced_counts(const CellTable& cells, const std::vector<std::int64_t>& sizes,
                                          std::int64_t n, Engine& engine) {
    auto count = cube_counts(cells, sizes, n, engine);
    repair_counts(cells, sizes, row_bounds(cells, sizes, n), count, engine);
    return count;
}

std::vector<std::int64_t> proportional_counts(const std::vector<std::int64_t>& sizes, std::int64_t n,
                                              Engine& engine) {
    const std::size_t C = sizes.size();
    std::vector<std::int64_t> count(C, 0), rem(C, 0);
    std::int64_t N = 0;
    for (auto s : sizes) N += s;
    if (N == 0) return count;
    std::int64_t left = n;
    std::vector<std::uint32_t> order;
    for (std::size_t c = 0; c < C; ++c) {
        count[c] = n * sizes[c] / N;
        rem[c] = n * sizes[c] % N;
        left -= count[c];
        if (rem[c] > 0) order.push_back(static_cast<std::uint32_t>(c));
    }
    shuffle(order, engine);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return rem[a] > rem[b]; });
    for (std::size_t t = 0; t < static_cast<std::size_t>(left); ++t) ++count[order[t]];
    return count;
}

std::vector<std::uint32_t> serpentine_order(const CellTable& cells) {
    const std::size_t C = cells.cells();
    std::vector<std::uint32_t> order(C);
    for (std::size_t c = 0; c < C; ++c) order[c] = static_cast<std::uint32_t>(c);  // lexicographic already
    // Level j: inside each group of equal categories on stratifiers 0..j-1, sort on stratifier j ascending
    // in even-numbered groups and descending in odd-numbered ones (groups counted along the whole order),
    // so neighbouring cases across a group boundary share as many categories as possible.
    const std::size_t K = cells.key.width();
    for (std::size_t j = 1; j < K; ++j) {
        std::size_t g = 0;
        for (std::size_t b = 0; b < C;) {
            std::size_t e = b + 1;
            auto same = [&](std::size_t x, std::size_t y) {
                for (std::size_t l = 0; l < j; ++l)
                    if (cells.key[order[x]][l] != cells.key[order[y]][l]) return false;
                return true;
            };
            while (e < C && same(b, e)) ++e;
            bool desc = g % 2 == 1;
            std::stable_sort(order.begin() + std::ptrdiff_t(b), order.begin() + std::ptrdiff_t(e),
                             [&](auto x, auto y) {
                                 for (std::size_t l = j; l < K; ++l) {
                                     auto a = cells.key[x][l], c = cells.key[y][l];
                                     if (a != c) return l == j && desc ? a > c : a < c;
                                 }
                                 return false;
                             });
            ++g;
            b = e;
        }
    }
    return order;
}

std::vector<std::int64_t> systematic_counts(const CellTable& cells, const std::vector<std::int64_t>& sizes,
                                            std::int64_t n, Engine& engine) {
    const std::size_t C = cells.cells();
    std::vector<std::int64_t> count(C, 0);
    std::int64_t N = 0;
    for (auto s : sizes) N += s;
    if (N == 0 || n == 0) return count;
    // On the scale where case i covers [i n, (i+1) n), the selection points are r + j N for j = 0..n-1,
    // r uniform in 0..N-1: the interval N/n exactly, each case hit with probability n/N.
    const std::int64_t r = static_cast<std::int64_t>(uniform_below(engine, static_cast<std::uint64_t>(N)));
    auto hits_below = [&](std::int64_t x) { return x <= r ? 0 : (x - r + N - 1) / N; };
    std::int64_t start = 0;
    for (auto c : serpentine_order(cells)) {
        count[c] = hits_below(n * (start + sizes[c])) - hits_below(n * start);
        start += sizes[c];
    }
    return count;
}

}  // namespace sampling_detail

using namespace sampling_detail;

std::size_t SamplingFrame::position(Stratifier s) const {
    for (std::size_t j = 0; j < stratifiers.size(); ++j)
        if (stratifiers[j] == s) return j;
    throw std::out_of_range("SamplingFrame::position: not a stratifier of the frame");
}

std::vector<MarginTarget> proportional_targets(const SamplingFrame& frame, std::size_t n) {
    std::vector<MarginTarget> out;
    const auto N = static_cast<std::int64_t>(frame.size());
    const std::size_t K = frame.width();
    std::vector<std::vector<std::int64_t>> pop(K);
    for (std::size_t j = 0; j < K; ++j) pop[j].assign(frame.category_count[j], 0);
    // Each stratifier's codes counted in a table of the category count's size (a code beyond it, which a frame
    // may hold, counted apart): the codes row after row through plain pointers, a few instructions a case.
    std::vector<std::int64_t> beyond;  // (stratifier, code) pairs of codes past their table, flattened
    {
        std::vector<std::int64_t*> count(K);
        std::vector<std::uint32_t> size(K);
        for (std::size_t j = 0; j < K; ++j) {
            count[j] = pop[j].data();
            size[j] = static_cast<std::uint32_t>(pop[j].size());
        }
        const std::uint16_t* c = frame.codes.values().data();
        for (std::size_t i = 0; i < frame.size(); ++i, c += K)
            for (std::size_t j = 0; j < K; ++j) {
                if (c[j] < size[j]) ++count[j][c[j]];
                else {
                    beyond.push_back(static_cast<std::int64_t>(j));
                    beyond.push_back(c[j]);
                }
            }
    }
    for (std::size_t k = 0; k < beyond.size(); k += 2) {
        auto& p = pop[static_cast<std::size_t>(beyond[k])];
        const auto code = static_cast<std::size_t>(beyond[k + 1]);
        if (code >= p.size()) p.resize(code + 1, 0);
        ++p[code];
    }
    for (std::size_t j = 0; j < K; ++j)
        for (std::size_t code = 0; code < pop[j].size(); ++code) {
            if (pop[j][code] == 0) continue;
            MarginTarget t;
            t.variable = frame.stratifiers[j];
            t.category = static_cast<std::uint16_t>(code);
            t.population = pop[j][code];
            std::int64_t num = static_cast<std::int64_t>(n) * pop[j][code];
            t.target = double(num) / double(N);
            t.floor = num / N;
            t.ceiling = t.floor + (num % N != 0 ? 1 : 0);
            out.push_back(t);
        }
    return out;
}

std::string_view to_string(DrawMethod m) {
    switch (m) {
        case DrawMethod::balanced: return "balanced";
        case DrawMethod::cells: return "cells";
        case DrawMethod::systematic: return "systematic";
    }
    return "balanced";
}

std::optional<DrawMethod> parse_draw_method(std::string_view text) {
    std::string s;
    for (char ch : text)
        if (ch != ' ' && ch != '\t') s += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    if (s == "balanced") return DrawMethod::balanced;
    if (s == "cells") return DrawMethod::cells;
    if (s == "systematic") return DrawMethod::systematic;
    return std::nullopt;
}

std::vector<MarginMiss> margin_misses(const SamplingFrame& frame, const std::vector<std::uint32_t>& selected) {
    auto targets = proportional_targets(frame, selected.size());
    const std::size_t K = frame.width();
    std::vector<std::vector<std::int64_t>> drawn(K);
    for (std::size_t j = 0; j < K; ++j) drawn[j].assign(frame.category_count[j], 0);
    for (auto i : selected) {
        if (i >= frame.size()) throw std::out_of_range("margin_misses: case index outside the frame");
        for (std::size_t j = 0; j < K; ++j) {
            auto code = frame.codes[i][j];
            if (code >= drawn[j].size()) drawn[j].resize(code + std::size_t{1}, 0);
            ++drawn[j][code];
        }
    }
    std::vector<MarginMiss> out;
    for (const auto& t : targets) {
        auto d = drawn[frame.position(t.variable)][t.category];
        if (d < t.floor || d > t.ceiling)
            out.push_back({t.variable, t.category, d, t.floor, t.ceiling, d > t.ceiling ? d - t.ceiling : d - t.floor});
    }
    return out;
}

namespace {

std::vector<std::int64_t> counts_by(DrawMethod method, const CellTable& cells, const std::vector<std::int64_t>& sizes,
                                    std::int64_t n, Engine& engine) {
    switch (method) {
        case DrawMethod::cells: return proportional_counts(sizes, n, engine);
        case DrawMethod::systematic: return systematic_counts(cells, sizes, n, engine);
        case DrawMethod::balanced: break;
    }
    return balanced_counts(cells, sizes, n, engine);
}

// The design depends only on the cells (their categories), their sizes and n; repeated draws from the same
// frame (a verify, a batch, the repetition tests) build it once per thread. The reserves' design is built on the
// cells' counts left by the sample, one for each allocation the sample can take: up to 256 designs are kept (and at
// most 2^22 allocation cells in all), the least recently used going first.
std::shared_ptr<const CellDesign> cached_design(const CellTable& cells, const std::vector<std::int64_t>& sizes,
                                                std::int64_t n) {
    struct Entry {
        RowTable<std::uint32_t> row;
        std::vector<std::int64_t> size;
        std::int64_t n = -1;
        std::shared_ptr<const CellDesign> design;
        std::uint64_t used = 0;
    };
    thread_local std::vector<Entry> cache;
    thread_local std::uint64_t clock = 0;
    ++clock;
    for (auto& e : cache)
        if (e.n == n && e.size == sizes && e.row == cells.row) {
            e.used = clock;
            return e.design;
        }
    auto design = std::make_shared<const CellDesign>(balanced_design(cells, sizes, n));
    std::size_t held = design->count.size();
    for (const auto& e : cache) held += e.design->count.size();
    constexpr std::size_t kMostDesigns = 256, kMostHeld = std::size_t{1} << 22;
    while (!cache.empty() && (cache.size() >= kMostDesigns || held > kMostHeld)) {
        auto oldest = std::min_element(cache.begin(), cache.end(),
                                       [](const Entry& a, const Entry& b) { return a.used < b.used; });
        held -= oldest->design->count.size();
        cache.erase(oldest);
    }
    cache.push_back({cells.row, sizes, n, design, clock});
    return design;
}

}  // namespace

SampleDraw draw_sample(const SamplingFrame& frame, std::size_t n, std::size_t reserves, DrawMethod method,
                       Engine& engine) {
    const std::size_t N = frame.size();
    if (n > N)
        throw UsageError("cannot draw " + std::to_string(n) + " cases from " + std::to_string(N) +
                         " eligible cases");
    if (reserves > N - n)
        throw UsageError("cannot draw " + std::to_string(n) + " cases and " + std::to_string(reserves) +
                         " reserves from " + std::to_string(N) + " eligible cases (at most " +
                         std::to_string(N - n) + " reserves)");
    auto cells = build_cells(frame);
    const std::size_t C = cells.cells();
    SampleDraw out;
    // How many from each cell, then which cases: a partial Fisher-Yates shuffle of each cell's members, so
    // the first count[c] of the cell's (shuffled) members are a simple random sample of it.
    // Each case's first-order inclusion probability: n_c / N_c for cells, n / N for systematic, and for
    // balanced the design's exact E[n_c] / N_c (n / N whenever the design is exact).
    std::vector<std::int64_t> count;
    std::vector<double> probability(C, N == 0 ? 0.0 : double(n) / double(N));
    if (method == DrawMethod::balanced) {
        if (C > kMaxDesignCells)
            throw UsageError("the stratifiers split the " + std::to_string(N) + " cases into " + std::to_string(C) +
                             " cells (cases with the same category of every stratifier); a balanced design is built "
                             "for at most " + std::to_string(kMaxDesignCells) +
                             ". Balance on fewer variables (--stratify), or merge rare categories into one in the "
                             "vocabulary (see docs/sampling.md, 'Any stratifiers')");
        const auto design = cached_design(cells, cells.size, static_cast<std::int64_t>(n));
        auto s = pick_allocation(*design, engine);
        count.assign(design->allocation(s), design->allocation(s) + C);
        out.design_exact = design->exact;
        out.design_mixed = design->mixed;
        out.design_proven_inexact = design->proven_inexact;
        out.miss_probability = design->miss_probability();
        if (!design->exact)
            for (std::size_t c = 0; c < C; ++c) probability[c] = design->inclusion_probability(c, cells.size[c]);
        for (std::size_t c = 0; c < C; ++c) {
            out.worst_deviation = std::max(out.worst_deviation, std::fabs(probability[c] - double(n) / double(N)));
            out.lowest_probability = c == 0 ? probability[c] : std::min(out.lowest_probability, probability[c]);
            out.highest_probability = std::max(out.highest_probability, probability[c]);
        }
    } else {
        count = counts_by(method, cells, cells.size, static_cast<std::int64_t>(n), engine);
        if (method == DrawMethod::cells)
            for (std::size_t c = 0; c < C; ++c) probability[c] = double(count[c]) / double(cells.size[c]);
    }
    std::vector<std::pair<std::uint32_t, double>> picked;
    picked.reserve(n);
    for (std::size_t c = 0; c < C; ++c) {
        auto* m = cells.members.data() + cells.offset[c];
        const auto Nc = static_cast<std::uint64_t>(cells.size[c]);
        const double p = probability[c];
        for (std::uint64_t t = 0; t < static_cast<std::uint64_t>(count[c]); ++t) {
            std::swap(m[t], m[t + uniform_below(engine, Nc - t)]);
            picked.emplace_back(m[t], p);
        }
    }
    // Reading order: the selected cases in random order.
    shuffle(picked, engine);
    out.selected.reserve(n);
    out.inclusion_probability.reserve(n);
    for (const auto& [i, p] : picked) {
        out.selected.push_back(i);
        out.inclusion_probability.push_back(p);
    }
    // Reserves, given the sample: the same method on the cells' counts left, then the same within-cell shuffle
    // (a simple random sample of the cases left in each cell). Balanced: from the design on the counts left, so a
    // case left in cell c is a reserve with probability E[r_c] / (N_c - n_c), k / (N - n) where that design is
    // exact; systematic: k / (N - n); cells: r_c / (N_c - n_c) given the allocation, as for the sample.
    if (reserves > 0) {
        std::vector<std::int64_t> rest(C);
        for (std::size_t c = 0; c < C; ++c) rest[c] = cells.size[c] - count[c];
        const auto k = static_cast<std::int64_t>(reserves);
        std::vector<std::int64_t> rcount;
        std::vector<double> rprobability(C, double(reserves) / double(N - n));
        if (method == DrawMethod::balanced) {
            const auto design = cached_design(cells, rest, k);
            auto s = pick_allocation(*design, engine);
            rcount.assign(design->allocation(s), design->allocation(s) + C);
            out.reserve_design_exact = design->exact;
            out.reserve_design_proven_inexact = design->proven_inexact;
            if (!design->exact)
                for (std::size_t c = 0; c < C; ++c) rprobability[c] = design->inclusion_probability(c, rest[c]);
        } else {
            rcount = counts_by(method, cells, rest, k, engine);
            if (method == DrawMethod::cells)
                for (std::size_t c = 0; c < C; ++c)
                    rprobability[c] = rest[c] == 0 ? 0.0 : double(rcount[c]) / double(rest[c]);
        }
        std::vector<std::pair<std::uint32_t, double>> listed;
        listed.reserve(reserves);
        for (std::size_t c = 0; c < C; ++c) {
            auto* m = cells.members.data() + cells.offset[c];
            const auto Nc = static_cast<std::uint64_t>(cells.size[c]);
            for (std::uint64_t t = static_cast<std::uint64_t>(count[c]);
                 t < static_cast<std::uint64_t>(count[c] + rcount[c]); ++t) {
                std::swap(m[t], m[t + uniform_below(engine, Nc - t)]);
                listed.emplace_back(m[t], rprobability[c]);
            }
        }
        shuffle(listed, engine);
        out.reserves.reserve(reserves);
        out.reserve_probability.reserve(reserves);
        for (const auto& [i, p] : listed) {
            out.reserves.push_back(i);
            out.reserve_probability.push_back(p);
        }
    }
    // The misses, from the cell counts (the same as margin_misses(frame, out.selected), without a pass over
    // the frame).
    auto bounds = row_bounds(cells, cells.size, static_cast<std::int64_t>(n));
    std::vector<std::int64_t> drawn(cells.rows.size(), 0);
    for (std::size_t c = 0; c < C; ++c)
        for (auto h : cells.row[c]) drawn[h] += count[c];
    for (std::size_t h = 0; h < cells.rows.size(); ++h) {
        auto d = drawn[h];
        if (d < bounds.lo[h] || d > bounds.hi[h])
            out.misses.push_back({cells.rows[h].first, cells.rows[h].second, d, bounds.lo[h], bounds.hi[h],
                                  d > bounds.hi[h] ? d - bounds.hi[h] : d - bounds.lo[h]});
    }
    return out;
}

std::optional<std::size_t> choose_substitute(const SamplingFrame& frame, const SampleDraw& sample,
                                             std::uint32_t dropped) {
    if (std::find(sample.selected.begin(), sample.selected.end(), dropped) == sample.selected.end())
        throw UsageError("case " + std::to_string(dropped) + " is not in the sample");
    auto targets = proportional_targets(frame, sample.selected.size());
    const std::size_t K = frame.width();
    std::vector<std::vector<std::int64_t>> drawn(K), lo(K), hi(K);
    for (std::size_t j = 0; j < K; ++j) {
        drawn[j].assign(frame.category_count[j], 0);
        lo[j].assign(frame.category_count[j], 0);
        hi[j].assign(frame.category_count[j], 0);
    }
    for (const auto& t : targets) {
        auto j = frame.position(t.variable);
        if (t.category >= lo[j].size()) {
            lo[j].resize(t.category + std::size_t{1}, 0);
            hi[j].resize(t.category + std::size_t{1}, 0);
            drawn[j].resize(t.category + std::size_t{1}, 0);
        }
        lo[j][t.category] = t.floor;
        hi[j][t.category] = t.ceiling;
    }
    for (auto i : sample.selected)
        if (i != dropped)
            for (std::size_t j = 0; j < K; ++j) ++drawn[j][frame.codes[i][j]];
    // Violation summed over categories once `candidate` is counted in place of the dropped case.
    auto violation_with = [&](std::uint32_t candidate) {
        std::int64_t v = 0;
        for (std::size_t j = 0; j < K; ++j)
            for (std::size_t code = 0; code < drawn[j].size(); ++code) {
                std::int64_t d = drawn[j][code] + (frame.codes[candidate][j] == code ? 1 : 0);
                v += violation(d, lo[j][code], hi[j][code]);
            }
        return v;
    };
    const auto dc = frame.codes[dropped];
    // The order in which matching categories count: disposal type, rosh, swb, gender, then any other
    // stratifier in its order.
    std::vector<std::size_t> priority;
    for (auto s : {Stratifier::disposal_type, Stratifier::rosh, Stratifier::swb, Stratifier::gender})
        for (std::size_t j = 0; j < K; ++j)
            if (frame.stratifiers[j] == s) priority.push_back(j);
    for (std::size_t j = 0; j < K; ++j)
        if (static_cast<std::size_t>(frame.stratifiers[j]) >= kBuiltinStratifierCount) priority.push_back(j);
    std::optional<std::size_t> best;
    std::int64_t best_v = 0;
    std::uint64_t best_match = 0;
    for (std::size_t r = 0; r < sample.reserves.size(); ++r) {
        auto cand = sample.reserves[r];
        if (std::find(sample.selected.begin(), sample.selected.end(), cand) != sample.selected.end()) continue;
        auto v = violation_with(cand);
        // Matching categories as a number whose bits rank: how many match, then the priority above.
        const auto cc = frame.codes[cand];
        std::uint64_t same = 0, bits = 0;
        for (auto j : priority) {
            bits = bits * 2 + (cc[j] == dc[j] ? 1u : 0u);
            same += cc[j] == dc[j] ? 1u : 0u;
        }
        std::uint64_t match = (same << priority.size()) + bits;
        if (!best || v < best_v || (v == best_v && match > best_match)) {
            best = r;
            best_v = v;
            best_match = match;
        }
    }
    return best;
}

}  // namespace casesample
