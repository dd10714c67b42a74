#!/usr/bin/env python3
"""Case-level answers for each service's drawn sample, as inspectors return them after fieldwork (bench only).

Usage: batch_answers.py OUT_DIR POPS_DIR COUNT   reads OUT_DIR/Service NNN/sample.csv, writes POPS_DIR/answers-N.csv
(wide: case_id, domain, then the key questions of both rated domains; Yes about 75% of the time, seeded per service).
"""
import csv
import random
import sys

COURT = ["2.1.1", "2.1.2", "2.1.3", "2.2.1", "2.2.2", "2.2.3", "2.3.1", "2.3.2", "2.3.3", "2.4.1", "2.4.2", "2.4.3"]
OOC = ["3.1.1", "3.1.2", "3.1.3", "3.2.1", "3.2.2", "3.2.3", "3.3.1", "3.3.2", "3.3.3", "3.4.1", "3.4.2"]

out_dir, pops, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(1, count + 1):
    rng = random.Random(i)
    share = rng.uniform(0.6, 0.9)
    with open(f"{out_dir}/Service {i:03d}/sample.csv", newline="") as f:
        cases = [(r["case_id"], r["domain"]) for r in csv.DictReader(f)]
    with open(f"{pops}/answers-{i}.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case_id", "domain"] + COURT + OOC)
        for case_id, domain in cases:
            def answer():
                u = rng.random()
                return "N/A" if u < 0.05 else ("Yes" if u < 0.05 + 0.95 * share else "No")
            court = [answer() for _ in COURT] if domain == "court" else [""] * len(COURT)
            ooc = [answer() for _ in OOC] if domain == "out-of-court" else [""] * len(OOC)
            w.writerow([case_id, domain] + court + ooc)
