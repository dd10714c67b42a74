#!/usr/bin/env bash
# Sets up, builds (Release) and runs casesample on the bundled example population:
# size -> draw -> check, for a fieldwork date of 3 June 2019 (seed 002's inspection).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target casesample >/dev/null
cs=build/casesample
pop=fixtures/population.csv

echo "== casesample size --from $pop --fieldwork 2019-06-03"
$cs size --from "$pop" --fieldwork 2019-06-03
