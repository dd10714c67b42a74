#!/usr/bin/env bash
# 10^6 confidence intervals: `casesample interval --from` against statsmodels' vectorised proportion_confint.
#  - inputs: 10^6 rows of (x, n) and of (x, n, population), seeded (numpy default_rng(20261123)):
#    n uniform on 1..400, the share p uniform on [0, 1], x ~ Binomial(n, p), population = n + U{0..3000};
#  - casesample: the whole command, end to end (start, read the CSV, compute, write the CSV), for
#    clopper-pearson, wilson and hypergeometric (best of REPEATS runs);
#  - statsmodels (intervals_peer.py, Debian's python3): pandas.read_csv, proportion_confint(method='beta' or
#    'wilson') on the arrays, DataFrame.to_csv, each timed inside the script (best of REPEATS runs);
#    statsmodels has no finite-population interval, so the hypergeometric time stands alone.
# Compared: casesample end to end against statsmodels' read + compute + write (the same work: the same
# file in, the same columns out); statsmodels' compute alone is printed beside it.
# Bar: Wilson and Clopper-Pearson at least as fast as statsmodels (ratio statsmodels / casesample >= 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${CASESAMPLE_BIN:-$PWD/build/casesample}
out=${BENCH_DIR:-$PWD/build/bench}
rows=${INTERVAL_ROWS:-1000000}
repeats=${REPEATS:-3}
py=/usr/bin/python3
mkdir -p "$out"

$py - "$out" "$rows" <<'PY'
import sys
import numpy as np
import pandas as pd
out, rows = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(20261123)
n = rng.integers(1, 401, size=rows)
x = rng.binomial(n, rng.random(rows))
N = n + rng.integers(0, 3001, size=rows)
pd.DataFrame({"x": x, "n": n}).to_csv(f"{out}/intervals-xn.csv", index=False)
pd.DataFrame({"x": x, "n": n, "population": N}).to_csv(f"{out}/intervals-xnN.csv", index=False)
PY

now() { date +%s.%N; }
best() { sort -g | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

time_casesample() {  # METHOD INPUT -> best wall time in seconds
  local method=$1 input=$2 i t0 t1
  for ((i = 0; i < repeats; i++)); do
    t0=$(now)
    "$bin" interval --from "$input" --method "$method" --out "$out/intervals-$method.csv"
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
  done | best
}

time_peer() {  # METHOD -> "read compute write total", best total of the repeats
  local method=$1 i
  for ((i = 0; i < repeats; i++)); do
    $py scripts/bench.d/intervals_peer.py "$out/intervals-xn.csv" "$out/intervals-peer-$method.csv" "$method" 0.8 |
      awk '{ v[$1] = $2 } END { printf "%.3f %.3f %.3f %.3f\n", v["read"], v["compute"], v["write"], v["read"] + v["compute"] + v["write"] }'
  done | sort -g -k4 | head -1
}

echo "rows: $rows (n 1..400, population up to n + 3000); best of $repeats runs; threads: $(nproc)"
printf '%-16s %12s | %10s %10s %10s %12s | %s\n' method casesample sm_read sm_compute sm_write sm_total "ratio sm_total/casesample"
fail=0
for pair in clopper-pearson:beta wilson:wilson; do
  ours=${pair%%:*}; theirs=${pair##*:}
  c=$(time_casesample "$ours" "$out/intervals-xn.csv")
  read -r r k w t <<<"$(time_peer "$theirs")"
  q=$(ratio "$t" "$c")
  printf '%-16s %11ss | %9ss %9ss %9ss %11ss | %s\n' "$ours" "$c" "$r" "$k" "$w" "$t" "$q"
  awk -v q="$q" 'BEGIN { exit !(q < 1) }' && fail=1
done
h=$(time_casesample hypergeometric "$out/intervals-xnN.csv")
printf '%-16s %11ss | %s\n' hypergeometric "$h" "(no statsmodels peer: no finite-population interval there)"

# The same numbers: casesample's Clopper-Pearson and Wilson bounds against statsmodels' on every row.
$py - "$out" <<'PY'
import sys
import pandas as pd
out = sys.argv[1]
for ours, theirs in (("clopper-pearson", "beta"), ("wilson", "wilson")):
    a = pd.read_csv(f"{out}/intervals-{ours}.csv")
    b = pd.read_csv(f"{out}/intervals-peer-{theirs}.csv")
    d = max((a["lower"] - b["lower"]).abs().max(), (a["upper"] - b["upper"]).abs().max())
    print(f"{ours}: largest difference from statsmodels over {len(a)} rows: {d:.3g}")
PY
if ((fail)); then echo "BAR NOT MET: casesample slower than statsmodels"; else echo "bar met: Wilson and Clopper-Pearson at least as fast as statsmodels"; fi
