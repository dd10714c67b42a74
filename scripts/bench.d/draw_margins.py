#!/usr/bin/env python3
"""Worst margin deviation of a sample, in cases outside floor/ceiling of the proportional target
n * N_h / N, over every category of disposal_type, gender, rosh and swb in each domain (n: the size asked).

usage: draw_margins.py POPULATION.csv IDS court=N,out-of-court=M
IDS is a file of case ids (one a line), or a CSV with a case_id column (casesample's sample.csv).
Prints: worst_deviation drawn_total
"""
import math
import sys

import pandas as pd

STRATA = ["disposal_type", "gender", "rosh", "swb"]
OUT_OF_COURT = {"Youth Caution", "Youth Conditional Caution", "Community Resolution", "Triage", "Outcome 22"}


def add_domain(df):
    df["domain"] = df["disposal_type"].map(lambda t: "out-of-court" if t in OUT_OF_COURT else "court")
    return df


def parse_sizes(text):
    return {k: int(v) for k, v in (item.split("=") for item in text.split(","))}


def main():
    pop_path, ids_path, sizes_text = sys.argv[1], sys.argv[2], sys.argv[3]
    sizes = parse_sizes(sizes_text)
    df = add_domain(pd.read_csv(pop_path, dtype=str, usecols=["case_id"] + STRATA))
    with open(ids_path) as f:
        first = f.readline().strip()
    if first.startswith("case_id"):
        ids = pd.read_csv(ids_path, dtype=str)["case_id"]
    else:
        ids = pd.read_csv(ids_path, dtype=str, header=None)[0]
    chosen = df["case_id"].isin(set(ids))
    worst = 0
    for domain, n in sizes.items():
        d = df[df["domain"] == domain]
        N = len(d)
        s = d[chosen[d.index]]
        for var in STRATA:
            pop_counts = d[var].value_counts()
            drawn = s[var].value_counts()
            for cat, Nh in pop_counts.items():
                lo, hi = (n * Nh) // N, -((-n * Nh) // N)
                x = int(drawn.get(cat, 0))
                worst = max(worst, lo - x, x - hi)
    print(worst, int(chosen.sum()))


if __name__ == "__main__":
    main()
