#!/usr/bin/python3
"""Peer for scripts/bench.d/30-polya.sh: the same Pólya posterior over whole cases, vectorised with numpy.

For each domain the copy counts of the read cases in D simulated populations are drawn at once as
Dirichlet-multinomial(N - n; 1, ..., 1) (numpy's dirichlet then multinomial), which is the distribution of a
Pólya urn started with one ball per read case. Population totals per question are (1 + counts) @ answers.
Then the same rating tally as casesample: a question's band from its simulated share (80 / 65 / 50), a
standard's rating the lowest band of its key questions, the total score with the judged domain 1 standards
(Lancashire: 1 + 2 + 1 + 1 = 5), the overall rating from the score (0-6, 7-18, 19-30, 31-36).

usage: polya_peer.py ANSWERS.csv court=71,out-of-court=39 DRAWS SEED
Prints the elapsed seconds of the simulation and tally (reading the CSV excluded) and the probabilities.
"""
import csv
import sys
import time

import numpy as np

JUDGED_SCORE = 5
OVERALL = [(0, 6, "Inadequate"), (7, 18, "Requires improvement"), (19, 30, "Good"), (31, 36, "Outstanding")]
RATINGS = ["Inadequate", "Requires improvement", "Good", "Outstanding"]


def main():
    path, pops, draws, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    population = dict((k, int(v)) for k, v in (item.split("=") for item in pops.split(",")))
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    questions = header[2:]
    code = {"yes": 1, "no": 0, "n/a": -1, "": -1}
    domains = []
    for name in population:
        mine = [r for r in rows if r[1] == name]
        cols = [j for j, q in enumerate(questions) if any(r[2 + j] != "" for r in mine)]
        a = np.array([[code[r[2 + j].strip().lower()] for j in cols] for r in mine], dtype=np.int64)
        domains.append((name, [questions[j] for j in cols], a, population[name]))

    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    score = np.full(draws, JUDGED_SCORE, dtype=np.int64)
    standard_probs = {}
    for name, qs, a, N in domains:
        n, m = a.shape[0], N - a.shape[0]
        counts = rng.multinomial(m, rng.dirichlet(np.ones(n), size=draws))
        weight = counts + 1
        yes = weight @ (a == 1).astype(np.int64)
        relevant = weight @ (a != -1).astype(np.int64)
        share = yes / relevant
        band = np.select([share >= 0.8, share >= 0.65, share >= 0.5], [3, 2, 1], 0)
        standards = sorted({q.rsplit(".", 1)[0] for q in qs})
        for s in standards:
            idx = [j for j, q in enumerate(qs) if q.rsplit(".", 1)[0] == s]
            rating = band[:, idx].min(axis=1)
            score += rating
            standard_probs[s] = np.bincount(rating, minlength=4) / draws
    overall = np.select([score >= 31, score >= 19, score >= 7], [3, 2, 1], 0)
    overall_probs = np.bincount(overall, minlength=4) / draws
    elapsed = time.perf_counter() - start
    print(f"seconds {elapsed:.4f}")
    for s, p in standard_probs.items():
        print(s, " ".join(f"{RATINGS[i]}={p[i]:.4f}" for i in range(4)))
    print("overall", " ".join(f"{RATINGS[i]}={overall_probs[i]:.4f}" for i in range(4)))


if __name__ == "__main__":
    main()
