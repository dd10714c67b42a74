#!/usr/bin/env bash
# `casesample batch` over 150 services of 100-200 eligible cases each (generated with generate_population.py,
# seeded per service), against its peer: the shell loop an analyst writes today, one `casesample draw` per
# service (and one `casesample report` per service for the second bar), run one after another, and the same
# commands run as many at a time as batch's jobs with xargs -P. The reports read case-level answers for each service's sample
# (batch_answers.py, seeded), as inspectors return them after fieldwork, with domain 1 rated by judgement.
# Bars (issue 7): 150 services in under 2 s wall on 2 cores; with a report of 10,000 Pólya draws per service,
# under 5 s. Wall time and peak memory from /usr/bin/time -v, best of BATCH_RUNS (default 3) runs.
# The loop's sample.csv files are compared with batch's (the same seeds give the same samples).
# Environment: BATCH_SERVICES (default 150), BATCH_JOBS (default 8, batch's default on 2 cores), BATCH_RUNS (default 3),
# BATCH_SCALE="SERVICES CASES" (default none): one further batch of that many services of about CASES eligible
# cases each, for the largest batch measured (docs/batch.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
bin=${CASESAMPLE_BIN:-$PWD/build/casesample}
out=${BENCH_DIR:-$PWD/build/bench}/batch
mkdir -p "$out"
py=/usr/bin/python3
services=${BATCH_SERVICES:-150}
jobs=${BATCH_JOBS:-8}
runs=${BATCH_RUNS:-3}
fieldwork=2019-06-03

# measure LABEL CMD...: best wall (s) and its peak memory (MB) over $runs runs of CMD; `prepare` runs before each.
measure() {
  local label=$1; shift
  best=""; best_rss=""
  for ((r = 1; r <= runs; r++)); do
    prepare
    local log="$out/time-$label.log"
    if ! /usr/bin/time -v "$@" >"$log.out" 2>"$log"; then
      echo "$label failed: $(grep -v '^\s' "$log" | head -3)"; best="failed"; return
    fi
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$log")
    if [[ -z $best ]] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$wall; best_rss=$rss; fi
  done
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { if (a < b) print "under the bar"; else print "OVER THE BAR" }'; }

# populations NAME COUNT MIN MAX: COUNT services of MIN..MAX eligible cases (60% court), cached by name.
populations() {
  local dir="$out/$1" count=$2 lo=$3 hi=$4
  mkdir -p "$dir"
  [[ -f $dir/.done-$count ]] && return
  for ((i = 1; i <= count; i++)); do
    local n=$(( lo + (i * 7919) % (hi - lo + 1) ))
    local court=$(( (n * 6 + 5) / 10 ))
    "$py" scripts/generate_population.py --court-eligible "$court" --ooc-eligible $(( n - court )) \
      --ineligible $(( n / 5 )) --fieldwork "$fieldwork" --seed "$i" >"$dir/service-$i.csv"
  done
  touch "$dir/.done-$count"
}

# services_file DIR COUNT REPORTS: the services file, each service with its own seed (so the loop can use it).
services_file() {
  local dir=$1 count=$2 reports=$3
  {
    echo "fieldwork = $fieldwork"
    echo "reserve = 5"
    if ((reports)); then echo "draws = 10000"; fi
    for ((i = 1; i <= count; i++)); do
      printf '\n[[service]]\nname = "Service %03d"\npopulation = "service-%d.csv"\nseed = %d\n' "$i" "$i" "$i"
      if ((reports)); then printf 'answers = "answers-%d.csv"\njudgements = "judgements.csv"\n' "$i"; fi
    done
  } >"$dir/SERVICES$reports.toml"
}

populations pops "$services" 100 200
pops="$out/pops"
printf 'standard,rating\n1.1,Requires improvement\n1.2,Good\n1.3,Requires improvement\n1.4,Requires improvement\n' \
  >"$pops/judgements.csv"
services_file "$pops" "$services" 0
services_file "$pops" "$services" 1
cases=$(cat "$pops"/service-*.csv | wc -l)
cases=$((cases - services))

# The shell loop: one draw (and report) per service.
cat >"$out/loop.sh" <<EOF
#!/usr/bin/env bash
# one service: draw (and report when \$3 is 1)
set -e
i=\$1; dir=\$2; reports=\$3
"$bin" draw "$pops/service-\$i.csv" --fieldwork $fieldwork --seed "\$i" --reserve 5 --out "\$dir/Service \$(printf %03d "\$i")" --format json >/dev/null
if ((reports)); then
  "$bin" report "$pops/answers-\$i.csv" --sample-dir "\$dir/Service \$(printf %03d "\$i")" --draws 10000 --seed "\$i" \
    --judgements "$pops/judgements.csv" --format json >"\$dir/Service \$(printf %03d "\$i")/report.json"
fi
EOF
chmod +x "$out/loop.sh"

printf "%-44s %8s %8s %9s %s\n" "$services services, $cases cases" "wall s" "peak MB" "ratio" "bar"
for reports in 0 1; do
  label=$([[ $reports == 1 ]] && echo "+ report (10,000 Pólya draws)" || echo "draw")
  bar=$([[ $reports == 1 ]] && echo 5 || echo 2)
  prepare() { rm -rf "$out/batch-out"; }
  measure "batch-$reports" "$bin" batch "$pops/SERVICES$reports.toml" --out "$out/batch-out" --jobs "$jobs" --quiet
  batch_s=$best
  printf "%-44s %8s %8s %9s %s\n" "casesample batch --jobs $jobs, $label" "$best" "$best_rss" "1.0" \
    "$( [[ $best == failed ]] && echo - || verdict "$best" "$bar") ($bar s)"
  prepare() { rm -rf "$out/loop-out"; mkdir -p "$out/loop-out"; }
  measure "loop-$reports" bash -c "for i in \$(seq 1 $services); do '$out/loop.sh' \$i '$out/loop-out' $reports; done"
  printf "%-44s %8s %8s %9s\n" "shell loop of draw$([[ $reports == 1 ]] && echo ' + report')" "$best" "$best_rss" \
    "$(ratio "$best" "$batch_s")"
  # The loop's samples are batch's samples.
  differ=0
  for ((i = 1; i <= services; i++)); do
    name=$(printf 'Service %03d' "$i")
    cmp -s "$out/batch-out/$name/sample.csv" "$out/loop-out/$name/sample.csv" || differ=$((differ + 1))
  done
  prepare() { rm -rf "$out/loop-out"; mkdir -p "$out/loop-out"; }
  measure "xargs-$reports" bash -c "seq 1 $services | xargs -P $jobs -I{} '$out/loop.sh' {} '$out/loop-out' $reports"
  printf "%-44s %8s %8s %9s\n" "the same, xargs -P $jobs" "$best" "$best_rss" "$(ratio "$best" "$batch_s")"
  echo "samples that differ between batch and the loop: $differ of $services"
  # The answers of every service's sample, for the reports of the next round.
  if ((reports == 0)); then "$py" "$here/batch_answers.py" "$out/batch-out" "$pops" "$services"; fi
done
echo "ratio: wall time / casesample batch's; peak MB: the largest single process (the loop's are many small ones)"

if [[ -n ${BATCH_SCALE:-} ]]; then
  read -r big_services big_cases <<<"$BATCH_SCALE"
  populations "scale-$big_services-$big_cases" "$big_services" $(( big_cases * 9 / 10 )) $(( big_cases * 11 / 10 ))
  dir="$out/scale-$big_services-$big_cases"
  services_file "$dir" "$big_services" 0
  total=$(( $(cat "$dir"/service-*.csv | wc -l) - big_services ))
  bytes=$(du -sm "$dir" | cut -f1)
  runs=1
  prepare() { rm -rf "$out/scale-out"; }
  measure scale "$bin" batch "$dir/SERVICES0.toml" --out "$out/scale-out" --jobs "$jobs" --quiet
  echo
  echo "largest batch: $big_services services, $total cases ($bytes MB of CSV), --jobs $jobs: $best s wall, peak $best_rss MB"
fi
