#!/usr/bin/env python3
"""Recomputes tests/reference/hypergeometric.csv (confidence, N, n, x -> M_lower, M_upper) in exact rational
arithmetic: Python integers for C(M, k) C(N - M, n - k) and C(N, n), alpha/2 from the confidence as the decimal it is
written as (Fraction('0.8')), compared with the definition's strict '>'. Independent of casesample and of floating
point, so ties (a tail exactly equal to alpha/2) are decided as the definition says.
Usage: make_hypergeometric.py tests/reference/hypergeometric.csv  (rewrites the bounds of the rows in place)"""
import csv
import sys
from fractions import Fraction
from math import comb


def tail(upper, x, n, N, M):
    ks = range(x, n + 1) if upper else range(0, x + 1)
    return Fraction(sum(comb(M, k) * comb(N - M, n - k) for k in ks), comb(N, n))


def interval(confidence, N, n, x):
    half_alpha = (1 - Fraction(confidence)) / 2
    first, last = x, N - (n - x)
    lo, hi = first, last  # smallest M with P(X >= x | M) > alpha/2 (true at M = last)
    while lo < hi:
        mid = (lo + hi) // 2
        if tail(True, x, n, N, mid) > half_alpha:
            hi = mid
        else:
            lo = mid + 1
    lower = lo
    lo, hi = first, last  # largest M with P(X <= x | M) > alpha/2 (true at M = first)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if tail(False, x, n, N, mid) > half_alpha:
            lo = mid
        else:
            hi = mid - 1
    return lower, lo


def main(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    changed = 0
    for r in rows:
        lower, upper = interval(r["confidence"], int(r["N"]), int(r["n"]), int(r["x"]))
        if (str(lower), str(upper)) != (r["M_lower"], r["M_upper"]):
            changed += 1
            print(f"{r['confidence']},{r['N']},{r['n']},{r['x']}: {r['M_lower']}-{r['M_upper']} -> {lower}-{upper}",
                  file=sys.stderr)
        r["M_lower"], r["M_upper"] = lower, upper
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["confidence", "N", "n", "x", "M_lower", "M_upper"], lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{changed} of {len(rows)} rows changed", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
