#!/usr/bin/env bash
# Sets up, builds (Release) and runs casesample on the bundled example population:
# size -> draw -> check, for a fieldwork date of 3 June 2019 (seed 002's inspection).
# Everything it writes goes under build/, so a clean clone stays clean.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== setting up (scripts/setup.sh installs what is missing) and building build/casesample" >&2
echo "   (the first build takes a few minutes; later runs only rebuild what changed)" >&2
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target casesample >/dev/null
echo "== built $PWD/build/casesample" >&2
echo >&2
cs=${CASESAMPLE_BIN:-build/casesample}
pop=fixtures/population.csv
out=build/example/sample

echo "== casesample size --from $pop --fieldwork 2019-06-03"
$cs size --from "$pop" --fieldwork 2019-06-03
echo
echo "== casesample draw $pop --fieldwork 2019-06-03 --seed 2019 --reserve 5 --out $out --force"
mkdir -p build/example
$cs draw "$pop" --fieldwork 2019-06-03 --seed 2019 --reserve 5 --out "$out" --force
echo
echo "== head -6 $out/sample.csv"
head -6 "$out/sample.csv"
echo
echo "== casesample check $pop $out/sample.csv --fieldwork 2019-06-03"
$cs check "$pop" "$out/sample.csv" --fieldwork 2019-06-03
echo
echo "== casesample verify $out/manifest.json"
$cs verify "$out/manifest.json"
echo
ans=fixtures/answers/lancashire-2019-answers.csv
echo "== casesample report $ans --population court=71,out-of-court=39 --seed 2019 (synthetic answers matching seed 002's Annex 2)"
$cs report "$ans" --population court=71,out-of-court=39 \
  --judgement 1.1="Requires improvement" --judgement 1.2=Good \
  --judgement 1.3="Requires improvement" --judgement 1.4="Requires improvement" --seed 2019
echo
echo "== casesample audit fixtures/published/lancashire-2019.csv --cases court=50,out-of-court=32 --population court=71,out-of-court=39"
$cs audit fixtures/published/lancashire-2019.csv --cases court=50,out-of-court=32 --population court=71,out-of-court=39
