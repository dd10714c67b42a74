#!/usr/bin/env bash
# `casesample draw` end to end (CSV read, eligibility, balanced draw, every output file written) on generated
# populations of 10^4, 10^6 and 5*10^6 cases, with n about 1% of N (60% court, 40% out-of-court), against its
# peers on the same files: pandas (groupby(strata).sample(frac=n/N)) and R's sampling package (strata();
# samplecube() where practical). Wall time and peak memory from /usr/bin/time -v; each tool's worst margin
# deviation (cases outside floor/ceiling of n N_h / N) from draw_margins.py.
# Also `casesample verify` (re-draw and compare) and `casesample check` (population + sample.csv) on the same
# file, and two floors: sha256sum (read and hash the file, nothing else) and wc -l (read it and find its lines).
# Issue 11's bars, printed after each size with the figures they rest on: at least 10x faster than pandas with
# every margin within floor/ceiling, peak memory at most 1.5x the file, verify and check within 1.5x of draw.
# The machine is shared, so the ratios are given by CPU time (user + system), the steadier figure, and by
# wall time.
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
  row() {  # tool [ids-file]
    local dev="-"
    if ((ok)); then
      if [[ -n ${2:-} ]]; then dev=$("$py" "$here/draw_margins.py" "$pop" "$2" "$sizes" ${margins_extra:-} | awk '{ print $1 }'); fi
    else wall="failed"; fi
    local ratio="-" cratio="-" xfile
    xfile=$(awk -v r="$rss" -v f="$file_mb" 'BEGIN { printf "%.2f", r / f }')
    if [[ -n $base_wall && $ok == 1 ]]; then
      ratio=$(awk -v a="$wall" -v b="$base_wall" 'BEGIN { printf "%.1f", a / b }')
      cratio=$(awk -v a="$cpu" -v b="$base_cpu" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')
    fi
    printf "%-9s %-22s %8s %8s %8s %7s %9s %11s %s\n" "$N" "$1" "$wall" "$cpu" "$rss" "$xfile" "$dev" "$ratio" "$cratio"
    last_dev=$dev
  }
  rm -rf "$out/draw-$N"
  "$bin" draw "$pop" --fieldwork 2019-06-03 --size "$sizes" --seed "$seed" --out "$out/draw-$N" >/dev/null 2>&1 || true
  rm -rf "$out/draw-$N"  # the run above warms the file cache; the timed run below starts from the same state
  measure "casesample-$N" "$bin" draw "$pop" --fieldwork 2019-06-03 --size "$sizes" --seed "$seed" --out "$out/draw-$N"
  base_wall=$wall; base_cpu=$cpu
  echo "# N = $N: $pop, $file_mb MB, --size $sizes"
  row "casesample balanced" "$out/draw-$N/sample.csv"
  draw_dev=$last_dev; draw_rss=$rss
  base_wall_saved=$base_wall
  measure "casesample-verify-$N" "$bin" verify "$out/draw-$N"
  row "casesample verify"; verify_wall=$wall; verify_cpu=$cpu; ((ok)) || verify_cpu=failed
  measure "casesample-check-$N" "$bin" check "$pop" "$out/draw-$N/sample.csv" --fieldwork 2019-06-03
  row "casesample check"; check_wall=$wall; check_cpu=$cpu; ((ok)) || check_cpu=failed
  measure "sha256sum-$N" sha256sum "$pop"
  row "floor: sha256sum"
  measure "wc-$N" wc -l "$pop"
  row "floor: wc -l"
  for m in cells systematic; do
    rm -rf "$out/draw-$N-$m"
    measure "casesample-$m-$N" "$bin" draw "$pop" --fieldwork 2019-06-03 --size "$sizes" --seed "$seed" --method "$m" --out "$out/draw-$N-$m"
    row "casesample $m" "$out/draw-$N-$m/sample.csv"
  done
  base_wall=$base_wall_saved
  measure "pandas-$N" "$py" "$here/draw_peer_pandas.py" "$pop" "$out/pandas-$N.txt" "$sizes" "$seed"
  row "pandas groupby.sample" "$out/pandas-$N.txt"
  pandas_wall=$wall; pandas_cpu=$cpu
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
  # The bars, side by side: each ratio by CPU time and by wall time.
  awk -v N="$N" -v pc="$pandas_cpu" -v pw="$pandas_wall" -v dc="$base_cpu" -v dw="$base_wall" -v dev="$draw_dev" \
      -v rss="$draw_rss" -v f="$file_mb" -v vc="$verify_cpu" -v vw="$verify_wall" -v cc="$check_cpu" -v cw="$check_wall" '
    function r(a, b) { return b > 0 ? sprintf("%.1f", a / b) : "-" }
    function met(ok) { return ok ? "met" : "NOT met" }
    BEGIN {
      printf "# bars at N = %s (ratios by cpu / by wall):\n", N
      printf "#   pandas / draw       %5s / %-5s  (bar >= 10, worst dev %s: %s by cpu, %s by wall)\n", r(pc, dc), r(pw, dw), dev,
             met(dc > 0 && pc / dc >= 10 && dev == 0), met(dw > 0 && pw / dw >= 10 && dev == 0)
      printf "#   peak / file         %5s          (bar <= 1.5: %s)\n", r(rss, f), met(rss / f <= 1.5)
      printf "#   verify / draw       %5s / %-5s  (bar <= 1.5: %s by cpu, %s by wall)\n", r(vc, dc), r(vw, dw),
             met(vc != "failed" && dc > 0 && vc / dc <= 1.5), met(vc != "failed" && dw > 0 && vw / dw <= 1.5)
      printf "#   check / draw        %5s / %-5s  (bar <= 1.5: %s by cpu, %s by wall)\n", r(cc, dc), r(cw, dw),
             met(cc != "failed" && dc > 0 && cc / dc <= 1.5), met(cc != "failed" && dw > 0 && cw / dw <= 1.5)
    }'
done
# A real export: 10^6 cases dated evenly over five years (generate_population.py --years 5), so about 96% fall
# outside the windows and are written to excluded.csv; casesample draw only, against the all-eligible row above.
# DRAW_EXPORT_N (default 1000000; 0 skips it).
export_n=${DRAW_EXPORT_N:-1000000}
if ((export_n > 0)); then
  pop="$out/export-$export_n.csv"
  [[ -s $pop ]] || "$py" scripts/generate_population.py --cases "$export_n" --years 5 --seed "$seed" >"$pop"
  file_mb=$(awk -v b="$(stat -c %s "$pop")" 'BEGIN { printf "%.1f", b / 1048576 }')
  N=$export_n; court=$(( (N * 6 + 500) / 1000 )); ooc=$(( (N * 4 + 500) / 1000 ))
  sizes="court=$court,out-of-court=$ooc"
  rm -rf "$out/draw-export-$N"
  "$bin" draw "$pop" --fieldwork 2019-06-03 --size "$sizes" --seed "$seed" --out "$out/draw-export-$N" >/dev/null 2>&1 || true
  rm -rf "$out/draw-export-$N"
  measure "casesample-export-$N" "$bin" draw "$pop" --fieldwork 2019-06-03 --size "$sizes" --seed "$seed" --out "$out/draw-export-$N"
  excluded=$(( $(wc -l <"$out/draw-export-$N/excluded.csv" 2>/dev/null || echo 1) - 1 ))
  echo "# export N = $N: $pop, $file_mb MB, $excluded cases outside the windows, --size $sizes"
  base_wall=""
  margins_extra="--fieldwork 2019-06-03"  # the worst dev over the eligible cases only
  row "casesample export" "$out/draw-export-$N/sample.csv"
  margins_extra=""
  awk -v rss="$rss" -v f="$file_mb" -v dev="$last_dev" 'BEGIN {
    printf "# bars for the export: peak / file %.1f (bar <= 1.5: %s), worst dev %s\n", rss / f, rss / f <= 1.5 ? "met" : "NOT met", dev }'
fi
echo "x file: peak memory / file size; ratios: tool / casesample balanced (wall clock, and CPU time, which is steadier on a busy machine)"
echo "worst dev: cases outside floor/ceiling of n N_h / N over every category of the four stratifiers (0 = balanced)"
