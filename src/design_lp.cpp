// An exact balanced design for frames of few cells by linear programming (see design_lp.hpp).
//
// The search is a floating-point simplex (phase 1, Dantzig's rule with Bland's after a stall: no cycling; the same pivots on every machine
// for the same input, since this file is compiled without floating-point contraction); the answer is then solved
// again on its support in exact rational arithmetic (Boost.Multiprecision) and checked in integers, so the design
// returned is exact whatever rounding the search met. The search only chooses which allocations carry weight.
#include "design_lp.hpp"

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <cmath>
#include <functional>
#include <numeric>

namespace casesample::sampling_detail {

namespace {

__extension__ typedef __int128 Int128;  // (g++ and clang; __extension__: not ISO C++, said knowingly)
using Rational = boost::multiprecision::cpp_rational;
using BigInt = boost::multiprecision::cpp_int;

constexpr std::size_t kMaxCells = 64;
constexpr std::size_t kMaxAllocations = 20000;
constexpr std::uint64_t kMaxNodes = 1000000;

}  // namespace

std::vector<std::vector<std::int32_t>> balanced_allocations(const CellTable& cells,
                                                            const std::vector<std::int64_t>& sizes, std::int64_t n,
                                                            std::size_t max_allocations, bool& complete) {
    const std::size_t C = cells.cells(), R = cells.rows.size();
    complete = true;
    std::vector<std::vector<std::int32_t>> out;
    if (C == 0) return out;
    const auto b = row_bounds(cells, sizes, n);
    // cap[c R + h]: the cases of category h in cells c, c + 1, ...; total[c]: all cases in cells c, c + 1, ...
    std::vector<std::int64_t> cap((C + 1) * R, 0), total(C + 1, 0);
    for (std::size_t c = C; c-- > 0;) {
        std::copy(cap.begin() + std::ptrdiff_t((c + 1) * R), cap.begin() + std::ptrdiff_t((c + 2) * R),
                  cap.begin() + std::ptrdiff_t(c * R));
        for (auto h : cells.row[c]) cap[c * R + h] += sizes[c];
        total[c] = total[c + 1] + sizes[c];
    }
    std::vector<std::int64_t> r(R, 0);
    std::vector<std::int32_t> x(C, 0);
    std::uint64_t nodes = 0;
    std::function<void(std::size_t, std::int64_t)> dfs = [&](std::size_t c, std::int64_t left) {
        if (!complete) return;
        if (++nodes > kMaxNodes) {
            complete = false;
            return;
        }
        if (c == C) {
            if (left != 0) return;
            if (out.size() == max_allocations) {
                complete = false;
                return;
            }
            out.push_back(x);
            return;
        }
        // Every count of cell c that keeps its categories within reach: at most each one's room below its ceiling,
        // at least what each still needs for its floor beyond what the later cells can give. (Categories not of
        // c were checked when they last changed.) Every count in the range is a node of its own.
        std::int64_t low = std::max<std::int64_t>(0, left - total[c + 1]);
        std::int64_t high = std::min(sizes[c], left);
        for (auto h : cells.row[c]) {
            high = std::min(high, b.hi[h] - r[h]);
            low = std::max(low, b.lo[h] - r[h] - cap[(c + 1) * R + h]);
        }
        for (std::int64_t v = low; v <= high && complete; ++v) {
            x[c] = static_cast<std::int32_t>(v);
            for (auto h : cells.row[c]) r[h] += v;
            dfs(c + 1, left - v);
            for (auto h : cells.row[c]) r[h] -= v;
        }
        x[c] = 0;
    };
    dfs(0, n);
    if (!complete) out.clear();
    return out;
}

LpDesign exact_design_by_lp(const CellTable& cells, const std::vector<std::int64_t>& sizes, std::int64_t n) {
    LpDesign result;
    const std::size_t C = cells.cells();
    // The cells with a case (the reserves' frame: the cases the sample left, often a few of many cells).
    std::vector<std::size_t> live;
    for (std::size_t c = 0; c < C; ++c)
        if (sizes[c] > 0) live.push_back(c);
    if (live.empty() || live.size() > kMaxCells || n <= 0) return result;
    std::int64_t N = 0;
    for (auto s : sizes) N += s;
    if (N <= 0 || n > N) return result;
    bool complete = false;
    auto alloc = balanced_allocations(cells, sizes, n, kMaxAllocations, complete);
    if (!complete) return result;
    result.allocations = alloc.size();
    if (alloc.empty()) {
        result.outcome = LpOutcome::none;
        return result;
    }
    // Phase 1 of the simplex: rows = the cells and the weights' sum; columns = the allocations, then one
    // artificial per row; the last column the right-hand side (n N_c / N, and 1).
    const std::size_t L = live.size(), M = alloc.size(), m = L + 1, width = M + m + 1;
    std::vector<double> T(m * width, 0.0), z(width, 0.0);
    auto at = [&](std::size_t i, std::size_t j) -> double& { return T[i * width + j]; };
    for (std::size_t s = 0; s < M; ++s) {
        for (std::size_t l = 0; l < L; ++l) at(l, s) = alloc[s][live[l]];
        at(L, s) = 1;
    }
    for (std::size_t i = 0; i < m; ++i) at(i, M + i) = 1;
    for (std::size_t l = 0; l < L; ++l) at(l, width - 1) = double(n) * double(sizes[live[l]]) / double(N);
    at(L, width - 1) = 1;
    std::vector<std::size_t> basis(m);
    for (std::size_t i = 0; i < m; ++i) basis[i] = M + i;
    // Reduced costs of minimising the artificials' sum: z_j = -(sum of column j over the rows), artificials 0.
    for (std::size_t j = 0; j < width; ++j) {
        if (j >= M && j < M + m) continue;
        double sum = 0;
        for (std::size_t i = 0; i < m; ++i) sum += at(i, j);
        z[j] = -sum;
    }
    constexpr double eps = 1e-9;
    // Bounded work: at most 2e9 tableau entries updated (about two seconds), whatever the pivots.
    const std::size_t max_pivots = std::min<std::size_t>(50 * (M + m), std::size_t{2000000000} / (m * width) + 1);
    // z[width - 1] is minus the artificials' sum: it rises towards 0 as the search goes.
    double objective = z[width - 1];
    std::size_t stalled = 0;
    constexpr std::size_t kStallLimit = 50;
    for (std::size_t pivots = 0;; ++pivots) {
        if (pivots == max_pivots) return result;
        // Entering column: the most negative reduced cost (Dantzig: few pivots); after a run of pivots that do not
        // lower the objective, the first negative one (Bland's rule, which cannot cycle) until one does.
        std::size_t enter = width;
        if (stalled < kStallLimit) {
            double most = -eps;
            for (std::size_t j = 0; j + 1 < width; ++j)
                if (z[j] < most) {
                    most = z[j];
                    enter = j;
                }
        } else {
            for (std::size_t j = 0; j + 1 < width && enter == width; ++j)
                if (z[j] < -eps) enter = j;
        }
        if (enter == width) break;
        std::size_t leave = m;
        double best = 0;
        for (std::size_t i = 0; i < m; ++i) {
            const double a = at(i, enter);
            if (a <= eps) continue;
            const double ratio = at(i, width - 1) / a;
            if (leave == m || ratio < best - eps || (ratio <= best + eps && basis[i] < basis[leave])) {
                leave = i;
                best = ratio;
            }
        }
        if (leave == m) return result;  // unbounded: cannot happen in phase 1
        const double p = at(leave, enter);
        for (std::size_t j = 0; j < width; ++j) at(leave, j) /= p;
        for (std::size_t i = 0; i < m; ++i) {
            if (i == leave) continue;
            const double f = at(i, enter);
            if (f == 0) continue;
            for (std::size_t j = 0; j < width; ++j) at(i, j) -= f * at(leave, j);
        }
        const double f = z[enter];
        for (std::size_t j = 0; j < width; ++j) z[j] -= f * at(leave, j);
        basis[leave] = enter;
        if (z[width - 1] > objective + eps) {
            objective = z[width - 1];
            stalled = 0;
        } else {
            ++stalled;
        }
    }
    const double infeasibility = -z[width - 1];
    if (infeasibility > 1e-6) {
        result.outcome = LpOutcome::none;
        return result;
    }
    if (infeasibility > 1e-9) return result;
    // The support: the allocations in the basis. Solved exactly for mu_s = N lambda_s:
    // sum of mu_s x_s,c = n N_c for every cell, sum of mu_s = N.
    std::vector<std::size_t> support;
    for (std::size_t i = 0; i < m; ++i)
        if (basis[i] < M) support.push_back(basis[i]);
    std::sort(support.begin(), support.end());
    const std::size_t K = support.size();
    if (K == 0) return result;
    std::vector<std::vector<Rational>> A(m, std::vector<Rational>(K + 1));
    for (std::size_t k = 0; k < K; ++k) {
        for (std::size_t l = 0; l < L; ++l) A[l][k] = alloc[support[k]][live[l]];
        A[L][k] = 1;
    }
    for (std::size_t l = 0; l < L; ++l) A[l][K] = Rational(n) * sizes[live[l]];
    A[L][K] = N;
    std::vector<std::size_t> pivot_row(K, m);
    std::size_t row = 0;
    for (std::size_t k = 0; k < K; ++k) {
        std::size_t pr = m;
        for (std::size_t i = row; i < m && pr == m; ++i)
            if (A[i][k] != 0) pr = i;
        if (pr == m) return result;  // dependent columns: not a basis after all
        std::swap(A[row], A[pr]);
        const Rational pv = A[row][k];
        for (std::size_t j = k; j <= K; ++j) A[row][j] /= pv;
        for (std::size_t i = 0; i < m; ++i) {
            if (i == row || A[i][k] == 0) continue;
            const Rational f = A[i][k];
            for (std::size_t j = k; j <= K; ++j) A[i][j] -= f * A[row][j];
        }
        pivot_row[k] = row++;
    }
    for (std::size_t i = row; i < m; ++i)
        if (A[i][K] != 0) return result;  // inconsistent: the search's answer was not exact
    std::vector<Rational> mu(K);
    BigInt D = 1;
    for (std::size_t k = 0; k < K; ++k) {
        mu[k] = A[pivot_row[k]][K];
        if (mu[k] < 0) return result;
        const BigInt q = boost::multiprecision::denominator(mu[k]);
        D = D / boost::multiprecision::gcd(D, q) * q;
    }
    // Whole-number weights w_s = mu_s D, adding up to N D; kept within 2^62 / n so every sum fits.
    const BigInt limit = (BigInt(1) << 62) / BigInt(n);
    if (BigInt(N) * D > limit) return result;
    CellDesign d;
    d.cells = C;
    std::vector<std::pair<std::vector<std::int32_t>, std::int64_t>> pieces;
    for (std::size_t k = 0; k < K; ++k) {
        const BigInt w = boost::multiprecision::numerator(mu[k]) * (D / boost::multiprecision::denominator(mu[k]));
        if (w == 0) continue;
        pieces.emplace_back(alloc[support[k]], static_cast<std::int64_t>(w));
    }
    std::sort(pieces.begin(), pieces.end());
    d.expected.assign(C, 0);
    std::int64_t run = 0;
    for (const auto& [x, w] : pieces) {
        d.weight.push_back(w);
        d.count.insert(d.count.end(), x.begin(), x.end());
        d.misses.push_back(0);
        run += w;
        d.cumulative.push_back(run);
        for (std::size_t c = 0; c < C; ++c) d.expected[c] += w * x[c];
    }
    d.total = run;
    // Checked in integers: the weights add up to N D and every cell's mean is n N_c / N exactly.
    bool exact = d.total == static_cast<std::int64_t>(BigInt(N) * D);
    for (std::size_t c = 0; c < C && exact; ++c)
        exact = static_cast<Int128>(d.expected[c]) * N == static_cast<Int128>(n) * sizes[c] * d.total;
    if (!exact) return result;
    d.exact = true;
    result.design = std::move(d);
    result.outcome = LpOutcome::found;
    return result;
}

}  // namespace casesample::sampling_detail
