#!/usr/bin/env bash
# Benchmarks casesample against its peers on the same inputs and prints the ratios.
# Each part lives in scripts/bench.d/NN-name.sh and is run in order; pass part names to run only those
# (scripts/bench.sh draw intervals). Not a test: timings depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
CASESAMPLE_BENCH_DEPS=1 scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target casesample >/dev/null
export CASESAMPLE_BIN="$PWD/build/casesample"
export BENCH_DIR="${BENCH_DIR:-$PWD/build/bench}"
mkdir -p "$BENCH_DIR"
for part in scripts/bench.d/*.sh; do
  name=$(basename "$part" .sh); name=${name#*-}
  if (($#)) && [[ " $* " != *" $name "* ]]; then continue; fi
  echo "=== $name"
  bash "$part"
  echo
done
