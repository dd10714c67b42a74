#!/usr/bin/python3
"""Writes tests/reference/audit_probabilities.csv: the band probabilities of every published key question of
fixtures/published/lancashire-2019.csv and the rating probabilities of its standards and overall rating, as
`casesample audit` defines them, computed independently of casesample:

- pairs: every (yes, relevant) with 1 <= relevant <= cases read whose 100 * yes / relevant rounds to the printed
  percentage half up or half to even (exact rational arithmetic, Python's fractions);
- a pair's relevant population: N when relevant = cases, else N * relevant / cases rounded half up;
- a pair's band probabilities: scipy.stats.betabinom(Np - relevant, yes + 1/2, relevant - yes + 1/2) for the
  unread 'yes' U, the population count M = yes + U banded exactly (100 M >= min_percent * Np) or, with
  band_on = rounded, by the whole-number percentage of M / Np rounded half up;
- a question: the plain average of its pairs' band probabilities;
- a standard: by enumerating every combination of its questions' bands (product of their probabilities, the
  questions taken as independent) and taking the lowest band; judged standards: probability 1 on the published
  rating;
- overall: by enumerating every combination of the standards' ratings (4^8 for the 8 standards rated from key
  questions), summing the scores and mapping the total to the overall band.

Columns: config, level (question | standard | overall), id, p_0 .. p_3 (framework rating order).
Run with Debian's python3 (it has scipy): /usr/bin/python3 this-file.
"""
import csv
import itertools
import json
import os
from fractions import Fraction

from scipy.stats import betabinom

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FW = json.load(open(os.path.join(ROOT, "fixtures/frameworks/hmip-youth-2018.json")))
RATINGS = FW["ratings"]
R = len(RATINGS)

CONFIGS = [
    # name, cases read, population, band_on
    ("lancashire", {"court": 50, "out-of-court": 32}, {"court": 71, "out-of-court": 39}, "exact"),
    ("lancashire-rounded", {"court": 50, "out-of-court": 32}, {"court": 71, "out-of-court": 39}, "rounded"),
    ("small-sample", {"court": 30, "out-of-court": 20}, {"court": 300, "out-of-court": 150}, "exact"),
]


def round_half_up(f):
    return int((f * 2 + 1) // 2)


def round_half_even(f):
    fl = f.numerator // f.denominator
    rest = f - fl
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and fl % 2 == 1):
        return fl + 1
    return fl


def band(count, population, band_on):
    share = Fraction(100 * count, population)
    if band_on == "rounded":
        share = Fraction(round_half_up(share))
    b = 0
    for k, r in enumerate(RATINGS):
        if share >= r["min_percent"]:
            b = k
    return b


def pairs(printed, cases):
    out = []
    for r in range(1, cases + 1):
        for y in range(0, r + 1):
            f = Fraction(100 * y, r)
            if round_half_up(f) == printed or round_half_even(f) == printed:
                out.append((y, r))
    return out


def relevant_population(N, r, cases):
    return N if r == cases else (2 * N * r + cases) // (2 * cases)


def question_probabilities(printed, cases, N, band_on):
    total = [0.0] * R
    ps = pairs(printed, cases)
    for y, r in ps:
        Np = relevant_population(N, r, cases)
        m = Np - r
        pmf = betabinom(m, y + 0.5, r - y + 0.5).pmf(range(m + 1))
        for u in range(m + 1):
            total[band(y + u, Np, band_on)] += pmf[u] / len(ps)
    return total


def main():
    published = {}
    with open(os.path.join(ROOT, "fixtures/published/lancashire-2019.csv")) as f:
        for row in csv.DictReader(f):
            published[row["id"]] = row["value"]
    rating_index = {r["name"]: k for k, r in enumerate(RATINGS)}
    rows = []
    for name, cases, population, band_on in CONFIGS:
        standard_probs = []
        for d in FW["domains"]:
            for s in d["standards"]:
                if d["rated_by"] == "judgement":
                    p = [0.0] * R
                    p[rating_index[published[s["id"]]]] = 1.0
                    standard_probs.append(p)
                    rows.append((name, "standard", s["id"], p))
                    continue
                dom = d["sample_domain"]
                qps = []
                for q in s["key_questions"]:
                    if q["id"] not in published:
                        continue
                    printed = int(published[q["id"]].rstrip("%"))
                    qp = question_probabilities(printed, cases[dom], population[dom], band_on)
                    rows.append((name, "question", q["id"], qp))
                    qps.append(qp)
                p = [0.0] * R
                for combo in itertools.product(range(R), repeat=len(qps)):
                    w = 1.0
                    for qp, b in zip(qps, combo):
                        w *= qp[b]
                    p[min(combo)] += w
                standard_probs.append(p)
                rows.append((name, "standard", s["id"], p))
        overall = [0.0] * R
        for combo in itertools.product(range(R), repeat=len(standard_probs)):
            w = 1.0
            for sp, k in zip(standard_probs, combo):
                w *= sp[k]
                if w == 0.0:
                    break
            if w == 0.0:
                continue
            score = sum(RATINGS[k]["score"] for k in combo)
            for band_ in FW["overall"]:
                if band_["min_score"] <= score <= band_["max_score"]:
                    overall[rating_index[band_["rating"]]] += w
        rows.append((name, "overall", "overall", overall))
    out = os.path.join(ROOT, "tests/reference/audit_probabilities.csv")
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["config", "level", "id"] + [f"p_{k}" for k in range(R)])
        for name, level, id_, p in rows:
            w.writerow([name, level, id_] + [repr(float(x)) for x in p])
    print(f"wrote {out}: {len(rows)} rows")


if __name__ == "__main__":
    main()
