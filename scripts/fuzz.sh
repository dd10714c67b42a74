#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/fuzz_*.cpp, clang with ASan+UBSan) in build-fuzz/ and runs each for
# SECONDS (default 60), one per core at a time (each on one core), from the seed corpus fixtures/fuzz/NAME/ (new inputs found go
# to build-fuzz/corpus/NAME/, never into the source tree).
# Usage: scripts/fuzz.sh [SECONDS] [NAME...]      e.g. scripts/fuzz.sh 30   or   scripts/fuzz.sh 300 manifest
# A crash, a sanitizer report, a leak, an input over 2 GB of memory or one taking over 10 s stops the run: the input
# is saved as build-fuzz/NAME-crash-*/-leak-*/-timeout-*/-oom-*, the script exits 1 and prints it. Turn every finding into
# a file in fixtures/bad/ with a line in tests/bad_inputs.csv (docs/bad-inputs.md).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build=${CASESAMPLE_FUZZ_BUILD:-build-fuzz}
# -O1 and no -g here: the CASESAMPLE_FUZZ block of CMakeLists.txt adds the sanitizers and -gline-tables-only (line
# tables, for reports that name file and line). CASESAMPLE_FUZZ_CONFIGURE_ONLY=1 stops after configuring (for
# tests/fuzz_flags.sh, which reads the compile commands).
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -DNDEBUG" \
  -DCASESAMPLE_FUZZ=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_COMPILER_LAUNCHER="$(command -v ccache || true)" >/dev/null
[[ ${CASESAMPLE_FUZZ_CONFIGURE_ONLY:-} == 1 ]] && exit 0
names=("$@")
if ((${#names[@]} == 0)); then
  for f in fuzz/fuzz_*.cpp; do n=$(basename "$f" .cpp); names+=("${n#fuzz_}"); done
fi
targets=()
for n in "${names[@]}"; do targets+=("fuzz_$n"); done
cmake --build "$build" -j 2 --target "${targets[@]}" >"$build/fuzz-build.log" 2>&1 ||
  { grep -E "error" "$build/fuzz-build.log" | head -30 >&2; echo "fuzz: build failed" >&2; exit 1; }
# One harness per core at a time (CASESAMPLE_FUZZ_JOBS, default the number of cores): each is one process on one
# core, so two cores fuzz two harnesses in the time of one. Each writes its own log, and what it finds is saved
# with its name in front (build-fuzz/NAME-crash-*), so runs side by side never mix.
jobs=${CASESAMPLE_FUZZ_JOBS:-$(nproc)}
fuzz_one() {  # NAME: runs one harness; prints its result; returns 1 on a finding
  local n=$1 corpus="$build/corpus/$1" seeds=fixtures/fuzz/$1
  mkdir -p "$corpus"
  [[ -d $seeds ]] || seeds=
  if ! (cd "$build" && ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "./fuzz_$n" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$n-" -print_final_stats=1 "corpus/$n" ${seeds:+"../$seeds"} >"fuzz-$n.log" 2>&1); then
    { echo "=== fuzz_$n: ${seconds}s"
      grep -E "ERROR|SUMMARY|Test unit written|runtime error" "$build/fuzz-$n.log" | head -20
      echo "fuzz_$n: FINDING (log: $build/fuzz-$n.log)"; } >&2
    return 1
  fi
  echo "=== fuzz_$n: ${seconds}s $(grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/fuzz-$n.log" | tr -s ' \n' ' ')" >&2
}
echo "fuzz: ${#names[@]} harnesses, ${seconds}s each, $jobs at a time" >&2
status=0
running=0
for n in "${names[@]}"; do
  if ((running >= jobs)); then wait -n || status=1; running=$((running - 1)); fi
  fuzz_one "$n" &
  running=$((running + 1))
done
while ((running > 0)); do wait -n || status=1; running=$((running - 1)); done
exit $status
