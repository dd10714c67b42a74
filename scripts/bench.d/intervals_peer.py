#!/usr/bin/python3
"""The peer for scripts/bench.d/20-intervals.sh: statsmodels' vectorised proportion_confint on the same CSV.

usage: intervals_peer.py IN.csv OUT.csv METHOD CONFIDENCE
METHOD is statsmodels' name ('beta' = Clopper-Pearson, 'wilson'). Prints three lines, in seconds:
  read T      pandas.read_csv of the x and n columns
  compute T   proportion_confint on the whole arrays (vectorised)
  write T     DataFrame.to_csv of the input columns plus lower and upper (shortest round-trip floats)
"""
import sys
import time

import pandas as pd
from statsmodels.stats.proportion import proportion_confint


def main():
    src, dst, method, confidence = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    t0 = time.perf_counter()
    df = pd.read_csv(src)
    t1 = time.perf_counter()
    lower, upper = proportion_confint(df["x"].to_numpy(), df["n"].to_numpy(), alpha=1 - confidence, method=method)
    t2 = time.perf_counter()
    df["lower"] = lower
    df["upper"] = upper
    df.to_csv(dst, index=False)
    t3 = time.perf_counter()
    print(f"read {t1 - t0:.3f}")
    print(f"compute {t2 - t1:.3f}")
    print(f"write {t3 - t2:.3f}")


if __name__ == "__main__":
    main()
