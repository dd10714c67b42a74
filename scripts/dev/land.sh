#!/usr/bin/env bash
# Lands work on main only when it keeps main green.
# Usage: scripts/dev/land.sh "commit message" PATH...
# Copies HEAD plus the given paths (as they are in the working tree) into a scratch folder, builds it
# from nothing with warnings as errors, runs the whole test suite, and only then commits exactly those
# paths. Several people can call it at once: a lock makes them take turns.
set -euo pipefail
top=$(git rev-parse --show-toplevel)
cd "$top"
(($# >= 2)) || { echo "usage: $0 MESSAGE PATH..." >&2; exit 2; }
msg=$1; shift
exec 9>/tmp/casesample-land.lock
echo "land: waiting for the lock..." >&2
flock 9
scratch=$(mktemp -d /tmp/casesample-land.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
git archive HEAD | tar -x -C "$scratch"
for p in "$@"; do
  if [[ -e "$p" ]]; then
    mkdir -p "$scratch/$(dirname "$p")"
    cp -a "$p" "$scratch/$(dirname "$p")/"
  else
    rm -rf "${scratch:?}/$p"
  fi
done
only_docs=1
for p in "$@"; do [[ "$p" == *.md ]] || only_docs=0; done
if ((only_docs)); then
  git add -A -- "$@"; git commit -q -m "$msg" -- "$@"; git log --oneline -1; exit 0
fi
echo "land: building and testing a clean copy in $scratch ..." >&2
cmake -S "$scratch" -B "$scratch/build" -DCMAKE_BUILD_TYPE=Release -DCASESAMPLE_WERROR=ON >/dev/null
cmake --build "$scratch/build" -j 2 >"$scratch/build.log" 2>&1 || { tail -40 "$scratch/build.log" >&2; echo "land: BUILD FAILED, nothing committed" >&2; exit 1; }
ctest --test-dir "$scratch/build" -j 2 --output-on-failure >"$scratch/test.log" 2>&1 || { grep -v "Passed" "$scratch/test.log" | tail -60 >&2; echo "land: TESTS FAILED, nothing committed" >&2; exit 1; }
tail -3 "$scratch/test.log" >&2
git add -A -- "$@"
git commit -q -m "$msg" -- "$@"
git log --oneline -1
