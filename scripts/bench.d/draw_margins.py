#!/usr/bin/env python3
"""Worst margin deviation of a sample, in cases outside floor/ceiling of the proportional target
n * N_h / N, over every category of disposal_type, gender, rosh and swb in each domain (n: the size asked).

usage: draw_margins.py POPULATION.csv IDS court=N,out-of-court=M [--fieldwork YYYY-MM-DD]
IDS is a file of case ids (one a line), or a CSV with a case_id column (casesample's sample.csv).
With --fieldwork only the eligible cases count (as casesample's default windows: court disposals dated 6-9 months
before fieldwork, out-of-court 3-5 months, both ends included; a month back from the 31st is the month's last day).
Prints: worst_deviation drawn_total
"""
import math
import sys

import pandas as pd

STRATA = ["disposal_type", "gender", "rosh", "swb"]
WINDOWS = {"court": (9, 6), "out-of-court": (5, 3)}  # months before fieldwork: further end, nearer end
OUT_OF_COURT = {"Youth Caution", "Youth Conditional Caution", "Community Resolution", "Triage", "Outcome 22"}


def add_domain(df):
    df["domain"] = df["disposal_type"].map(lambda t: "out-of-court" if t in OUT_OF_COURT else "court")
    return df


def parse_sizes(text):
    return {k: int(v) for k, v in (item.split("=") for item in text.split(","))}


def eligible_only(df, fieldwork):
    """The cases inside their domain's window. pandas' DateOffset(months=k) keeps the day and clamps it to the
    month's end, as casesample's add_months does."""
    f = pd.Timestamp(fieldwork)
    dates = pd.to_datetime(df["disposal_date"], format="%Y-%m-%d")
    keep = pd.Series(False, index=df.index)
    for domain, (further, nearer) in WINDOWS.items():
        first, last = f - pd.DateOffset(months=further), f - pd.DateOffset(months=nearer)
        keep |= (df["domain"] == domain) & (dates >= first) & (dates <= last)
    return df[keep]


def main():
    args = sys.argv[1:]
    fieldwork = None
    if "--fieldwork" in args:
        at = args.index("--fieldwork")
        fieldwork = args[at + 1]
        del args[at:at + 2]
    pop_path, ids_path, sizes_text = args[0], args[1], args[2]
    sizes = parse_sizes(sizes_text)
    columns = ["case_id"] + STRATA + (["disposal_date"] if fieldwork else [])
    df = add_domain(pd.read_csv(pop_path, dtype=str, usecols=columns))
    if fieldwork:
        df = eligible_only(df, fieldwork)
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
