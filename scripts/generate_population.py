#!/usr/bin/env python3
"""Seeded generator of synthetic youth-justice case populations shaped like seed 002's service.

Shape: about 88% male; ROSH skewed to Low/Medium; safety-and-wellbeing (swb) correlated with ROSH;
disposal types in realistic proportions; disposal dates spread so that the chosen number of cases fall
inside each domain's eligibility window (court 6-9, out-of-court 3-5 months before fieldwork) and the
rest fall outside it. No real person's data: ids are C000001... and every value is drawn.

Examples:
  generate_population.py --court-eligible 71 --ooc-eligible 39 --ineligible 60 --seed 2019 > pop.csv
  generate_population.py --cases 1000000 --seed 1 > big.csv      # 60% court, 40% out-of-court, all eligible
  generate_population.py --cases 1000000 --years 5 --seed 1 > export.csv
      # a real export: 10^6 cases dated evenly over the five years before fieldwork, ~4% eligible
  generate_population.py --court-eligible 60000 --ooc-eligible 0 --ethnicity --seed 5 > eth.csv
      # a fifth stratifier (fixtures/ethnicity-vocabulary.csv): --stratify disposal_type,gender,rosh,swb,ethnicity
"""
import argparse
import calendar
import datetime as dt
import random
import sys

COURT = [("Referral Order", 0.52), ("Youth Rehabilitation Order", 0.34), ("Detention and Training Order", 0.07),
         ("Reparation Order", 0.05), ("Custodial Sentence", 0.02)]
OOC = [("Youth Caution", 0.30), ("Youth Conditional Caution", 0.38), ("Community Resolution", 0.32)]
GENDER = [("Male", 0.88), ("Female", 0.12)]
ROSH = [("Low", 0.38), ("Medium", 0.44), ("High", 0.15), ("Very High", 0.03)]
# swb given ROSH: correlated, so higher ROSH tends to come with higher safety-and-wellbeing concern.
SWB_GIVEN_ROSH = {
    "Low": [("Low", 0.45), ("Medium", 0.40), ("High", 0.13), ("Very High", 0.02)],
    "Medium": [("Low", 0.20), ("Medium", 0.50), ("High", 0.25), ("Very High", 0.05)],
    "High": [("Low", 0.08), ("Medium", 0.37), ("High", 0.40), ("Very High", 0.15)],
    "Very High": [("Low", 0.03), ("Medium", 0.22), ("High", 0.45), ("Very High", 0.30)],
}
# --ethnicity: a fifth column, drawn from its own stream (seed + 1) so the other columns do not change.
ETHNICITY = [("White", 0.72), ("Mixed", 0.08), ("Asian", 0.08), ("Black", 0.09), ("Other", 0.03)]
# Out-of-court cases carry lower ROSH on the whole.
ROSH_OOC = [("Low", 0.60), ("Medium", 0.33), ("High", 0.06), ("Very High", 0.01)]


def add_months(d, months):
    total = d.year * 12 + d.month - 1 + months
    y, m = divmod(total, 12)
    m += 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def pick(rng, table):
    u = rng.random()
    acc = 0.0
    for value, p in table:
        acc += p
        if u < acc:
            return value
    return table[-1][0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, help="total eligible cases (60%% court, 40%% out-of-court)")
    ap.add_argument("--court-eligible", type=int, default=71)
    ap.add_argument("--ooc-eligible", type=int, default=39)
    ap.add_argument("--ineligible", type=int, default=0, help="further cases dated outside the windows")
    ap.add_argument("--years", type=float,
                    help="with --cases: date every case evenly over this many years before fieldwork (a real "
                         "export, mostly outside the windows) instead of all inside them")
    ap.add_argument("--fieldwork", default="2019-06-03")
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--extra-columns", action="store_true", help="add name and notes columns (not copied by default)")
    ap.add_argument("--ethnicity", action="store_true",
                    help="add an ethnicity column (fixtures/ethnicity-vocabulary.csv's categories)")
    args = ap.parse_args()
    if args.cases is not None:
        args.court_eligible = round(args.cases * 0.6)
        args.ooc_eligible = args.cases - args.court_eligible
    rng = random.Random(args.seed)
    fw = dt.date.fromisoformat(args.fieldwork)
    windows = {"court": (add_months(fw, -9), add_months(fw, -6)), "out-of-court": (add_months(fw, -5), add_months(fw, -3))}

    def case(domain, eligible):
        lo, hi = windows[domain]
        if eligible:
            day = lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))
        elif rng.random() < 0.5:  # too recent
            day = hi + dt.timedelta(days=1 + rng.randrange(60))
        else:  # too old
            day = lo - dt.timedelta(days=1 + rng.randrange(120))
        disposal = pick(rng, COURT if domain == "court" else OOC)
        rosh = pick(rng, ROSH if domain == "court" else ROSH_OOC)
        return disposal, day.isoformat(), pick(rng, GENDER), rosh, pick(rng, SWB_GIVEN_ROSH[rosh])

    def spread_case(domain, days):
        day = fw - dt.timedelta(days=1 + rng.randrange(days))
        disposal = pick(rng, COURT if domain == "court" else OOC)
        rosh = pick(rng, ROSH if domain == "court" else ROSH_OOC)
        return disposal, day.isoformat(), pick(rng, GENDER), rosh, pick(rng, SWB_GIVEN_ROSH[rosh])

    if args.years is not None:
        if args.cases is None or args.years <= 0:
            ap.error("--years needs --cases and a positive number of years")
        days = max(1, round(args.years * 365.25))
        rows = [spread_case("court" if rng.random() < 0.6 else "out-of-court", days) for _ in range(args.cases)]
    else:
        rows = [case("court", True) for _ in range(args.court_eligible)]
        rows += [case("out-of-court", True) for _ in range(args.ooc_eligible)]
        rows += [case("court" if rng.random() < 0.6 else "out-of-court", False) for _ in range(args.ineligible)]
    rng.shuffle(rows)
    out = sys.stdout
    width = max(6, len(str(len(rows))))
    header = "case_id,disposal_type,disposal_date,gender,rosh,swb"
    eth_rng = random.Random(args.seed + 1)
    out.write(header + (",worker,notes" if args.extra_columns else "") + (",ethnicity" if args.ethnicity else "") + "\n")
    buf = []
    for i, r in enumerate(rows, 1):
        line = f"C{i:0{width}d},{r[0]},{r[1]},{r[2]},{r[3]},{r[4]}"
        if args.extra_columns:
            line += f",Worker {1 + i % 9},\"free text, not for outputs\""
        if args.ethnicity:
            line += "," + pick(eth_rng, ETHNICITY)
        buf.append(line)
        if len(buf) >= 10000:
            out.write("\n".join(buf) + "\n")
            buf = []
    if buf:
        out.write("\n".join(buf) + "\n")


if __name__ == "__main__":
    main()
