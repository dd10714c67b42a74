#!/usr/bin/env bash
# `casesample draw` end to end (CSV read, eligibility, balanced draw, every output file written) on generated
# populations of 10^4, 10^6 and 5*10^6 cases, with n about 1% of N (60% court, 40% out-of-court), against its
# peers on the same files: pandas (groupby(strata).sample(frac=n/N)) and R's sampling package (strata();
# samplecube() where practical). Wall time and peak memory from /usr/bin/time -v; each tool's worst margin
# deviation (cases outside floor/ceiling of n N_h / N) from draw_margins.py.
# The bar: 10^6 cases within floor/ceiling in under 1 s, peak memory under 3x the file size, 5*10^6 cases
# without running out of memory.
# Environment: DRAW_SIZES (default "10000 1000000 5000000"), DRAW_R_MAX (largest N for R strata(), default
# 1000000), DRAW_CUBE_MAX (largest N for samplecube(), default 10000).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
bin=${CASESAMPLE_BIN:-$PWD/build/casesample}
out=${BENCH_DIR:-$PWD/build/bench}
mkdir -p "$out"
py=/usr/bin/python3  # Debian's python3, with python3-pandas
sizes_list=${DRAW_SIZES:-"10000 1000000 5000000"}
r_max=${DRAW_R_MAX:-1000000}
cube_max=${DRAW_CUBE_MAX:-10000}
seed=1

# measure LABEL CMD...: runs CMD under /usr/bin/time -v; sets wall (s) and rss (MB); ok=0 when it failed.
measure() {
  local log="$out/time-$1.log"; shift
  ok=1
  /usr/bin/time -v "$@" >"$log.out" 2>"$log" || ok=0
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$log")
  cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$log")
}

printf "%-9s %-22s %8s %8s %8s %7s %9s %11s %s\n" N tool "wall s" "cpu s" "peak MB" "x file" "worst dev" "wall ratio" "cpu ratio"
for N in $sizes_list; do
  pop="$out/population-$N.csv"
  [[ -s $pop ]] || "$py" scripts/generate_population.py --cases "$N" --seed "$seed" >"$pop"
  file_mb=$(awk -v b="$(stat -c %s "$pop")" 'BEGIN { printf "%.1f", b / 1048576 }')
  court=$(( (N * 6 + 500) / 1000 )); ooc=$(( (N * 4 + 500) / 1000 ))
  sizes="court=$court,out-of-court=$ooc"
  base_wall=""
  row() {  # tool ids-file
    local dev="-"
    if ((ok)); then dev=$("$py" "$here/draw_margins.py" "$pop" "$2" "$sizes" | awk '{ print $1 }'); else wall="failed"; fi
    local ratio="-" cratio="-" xfile
    xfile=$(awk -v r="$rss" -v f="$file_mb" 'BEGIN { printf "%.2f", r / f }')
    if [[ -n $base_wall && $ok == 1 ]]; then
      ratio=$(awk -v a="$wall" -v b="$base_wall" 'BEGIN { printf "%.1f", a / b }')
      cratio=$(awk -v a="$cpu" -v b="$base_cpu" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')
    fi
    printf "%-9s %-22s %8s %8s %8s %7s %9s %11s %s\n" "$N" "$1" "$wall" "$cpu" "$rss" "$xfile" "$dev" "$ratio" "$cratio"
  }
  rm -rf "$out/draw-$N"
  "$bin" draw "$pop" --fieldwork 2019-06-03 --size "$sizes" --seed "$seed" --out "$out/draw-$N" >/dev/null 2>&1 || true
  rm -rf "$out/draw-$N"  # the run above warms the file cache; the timed run below starts from the same state
  measure "casesample-$N" "$bin" draw "$pop" --fieldwork 2019-06-03 --size "$sizes" --seed "$seed" --out "$out/draw-$N"
  base_wall=$wall; base_cpu=$cpu
  echo "# N = $N: $pop, $file_mb MB, --size $sizes"
  row "casesample balanced" "$out/draw-$N/sample.csv"
  base_wall_saved=$base_wall
  for m in cells systematic; do
    rm -rf "$out/draw-$N-$m"
    measure "casesample-$m-$N" "$bin" draw "$pop" --fieldwork 2019-06-03 --size "$sizes" --seed "$seed" --method "$m" --out "$out/draw-$N-$m"
    row "casesample $m" "$out/draw-$N-$m/sample.csv"
  done
  base_wall=$base_wall_saved
  measure "pandas-$N" "$py" "$here/draw_peer_pandas.py" "$pop" "$out/pandas-$N.txt" "$sizes" "$seed"
  row "pandas groupby.sample" "$out/pandas-$N.txt"
  if ((N <= r_max)); then
    measure "r-strata-$N" Rscript "$here/draw_peer_r.R" "$pop" "$out/r-strata-$N.txt" "$court" "$ooc" "$seed" strata
    row "R sampling strata" "$out/r-strata-$N.txt"
  else
    printf "%-9s %-22s %s\n" "$N" "R sampling strata" "skipped (N > DRAW_R_MAX=$r_max)"
  fi
  if ((N <= cube_max)); then
    measure "r-cube-$N" Rscript "$here/draw_peer_r.R" "$pop" "$out/r-cube-$N.txt" "$court" "$ooc" "$seed" cube
    row "R sampling samplecube" "$out/r-cube-$N.txt"
  else
    printf "%-9s %-22s %s\n" "$N" "R sampling samplecube" "skipped (N > DRAW_CUBE_MAX=$cube_max)"
  fi
done
echo "x file: peak memory / file size; ratios: tool / casesample balanced (wall clock, and CPU time, which is steadier on a busy machine)"
echo "worst dev: cases outside floor/ceiling of n N_h / N over every category of the four stratifiers (0 = balanced)"
