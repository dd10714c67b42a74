#!/usr/bin/python3
"""Writes tests/reference/betabinom.csv: the pmf of U ~ BetaBinomial(N - n, x + 1/2, n - x + 1/2), the
posterior predictive (Jeffreys prior) of the number of 'yes' among the N - n unread cases when x of n read
cases said 'yes'.

Columns: x, n, N, u, pmf_scipy, pmf_exact
  pmf_scipy  scipy.stats.betabinom(N - n, x + 0.5, n - x + 0.5).pmf(u)  (scipy 1.10, Debian python3-scipy)
  pmf_exact  the same pmf to 40 significant digits (Python's decimal module), from
             P(0) = prod_{k<m} (b + k) / (a + b + k) and P(u+1) / P(u) = (m - u)(u + a) / ((u + 1)(m - u - 1 + b))

Every u is listed when N - n <= 200; for larger populations a spread of u values: both ends, the mode, and
the points of the pmf at 60 quantiles.  Run with Debian's python3 (it has scipy): /usr/bin/python3 this-file.
"""
import csv
import decimal
import os
import sys

import numpy as np
from scipy.stats import betabinom

decimal.getcontext().prec = 40

GRID = [
    # seed 002: 50 of 71 post-court cases read, 32 of 39 out-of-court
    *[(x, 50, 71) for x in (0, 1, 10, 25, 33, 40, 42, 45, 49, 50)],
    *[(x, 32, 39) for x in (0, 1, 16, 21, 26, 29, 31, 32)],
    # small and edge cases
    (0, 1, 1), (1, 1, 1), (0, 1, 2), (1, 1, 2), (0, 1, 10), (1, 1, 10), (2, 5, 5), (3, 5, 9), (4, 7, 30),
    (0, 3, 200), (3, 3, 200),
    # larger populations
    (3, 10, 1000), (42, 50, 10_000), (17, 40, 100_000), (10, 20, 100_000), (42, 50, 1_000_000),
    (0, 50, 1_000_000), (50, 50, 1_000_000), (400, 500, 1_000_000), (1, 2, 1_000_000),
]


def exact_pmf(x, n, N):
    m = N - n
    a = decimal.Decimal(2 * x + 1) / 2
    b = decimal.Decimal(2 * (n - x) + 1) / 2
    p = decimal.Decimal(1)
    for k in range(m):
        p = p * (b + k) / (a + b + k)
    out = [p]
    for u in range(m):
        p = p * (m - u) * (u + a) / ((u + 1) * (m - u - 1 + b))
        out.append(p)
    return out


def chosen_points(pmf_exact, m):
    if m <= 200:
        return list(range(m + 1))
    probs = np.array([float(v) for v in pmf_exact])
    cdf = np.cumsum(probs)
    points = {0, m, int(np.argmax(probs))}
    for q in np.linspace(0.0, 1.0, 61)[1:-1]:
        points.add(int(np.searchsorted(cdf, q)))
    points.update(range(0, min(m, 5) + 1))
    points.update(range(max(0, m - 5), m + 1))
    return sorted(p for p in points if 0 <= p <= m)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "..", "tests", "reference", "betabinom.csv")
    worst = 0.0
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["x", "n", "N", "u", "pmf_scipy", "pmf_exact"])
        for x, n, N in GRID:
            m = N - n
            exact = exact_pmf(x, n, N)
            total = sum(exact)
            assert abs(total - 1) < decimal.Decimal("1e-30"), (x, n, N, total)
            dist = betabinom(m, x + 0.5, n - x + 0.5)
            for u in chosen_points(exact, m):
                s = float(dist.pmf(u))
                e = exact[u]
                worst = max(worst, abs(s - float(e)))
                w.writerow([x, n, N, u, repr(s), format(e, ".17e")])
    print(f"wrote {out}; largest |scipy - exact| = {worst:.3g}", file=sys.stderr)


if __name__ == "__main__":
    main()
