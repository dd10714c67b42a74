#!/usr/bin/env python3
"""pandas peer of `casesample draw`: stratified sampling with groupby(strata).sample(frac=n/N) per domain,
reading the same CSV. Writes the chosen case ids, one a line.

usage: draw_peer_pandas.py POPULATION.csv OUT.txt court=N,out-of-court=M SEED
"""
import sys

import pandas as pd

from draw_margins import STRATA, add_domain, parse_sizes

pop_path, out_path, sizes_text, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sizes = parse_sizes(sizes_text)
df = add_domain(pd.read_csv(pop_path, dtype=str))
parts = []
for domain, n in sizes.items():
    d = df[df["domain"] == domain]
    parts.append(d.groupby(STRATA).sample(frac=n / len(d), random_state=seed)["case_id"])
pd.concat(parts).to_csv(out_path, index=False, header=False)
