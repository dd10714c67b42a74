#!/usr/bin/env bash
# Lands the branch of the current git worktree on main, only when it keeps main green.
# Usage, from a worktree whose branch holds committed work:  scripts/dev/land-branch.sh
# Under one lock (so several worktrees take turns): rebase the branch on main, build it with warnings as
# errors, run every test, then fast-forward main to it. Nothing lands on a conflict, a failed build or a
# failed test; the branch is left rebased (or as it was, on a conflict) for you to fix.
set -euo pipefail
top=$(git rev-parse --show-toplevel)
cd "$top"
branch=$(git symbolic-ref --short HEAD)
[[ "$branch" != main ]] || { echo "land-branch: run this from a worktree on its own branch, not main" >&2; exit 2; }
if [[ -n $(git status --porcelain) ]]; then
  git status --short >&2
  echo "land-branch: commit (or remove) every change first; untracked files would be missing from main" >&2
  exit 1
fi
main_dir=$(git worktree list --porcelain | awk '/^worktree /{w=substr($0, 10)} /^branch refs\/heads\/main$/{print w}')
[[ -n "$main_dir" ]] || { echo "land-branch: no worktree has main checked out" >&2; exit 1; }
exec 9>/tmp/casesample-land.lock
echo "land-branch: waiting for the lock..." >&2
flock 9
if ! git rebase -q main; then
  git rebase --abort
  echo "land-branch: CONFLICT rebasing $branch on main; run 'git rebase main', resolve, commit, land again" >&2
  exit 1
fi
build=${LAND_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCASESAMPLE_WERROR=ON \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$(command -v ccache || true)" >/dev/null
if ! cmake --build "$build" -j 2 >"$build/land-build.log" 2>&1; then
  grep -E "error|Error" "$build/land-build.log" | head -40 >&2
  echo "land-branch: BUILD FAILED, nothing landed" >&2; exit 1
fi
if ! ctest --test-dir "$build" -j 2 --output-on-failure >"$build/land-test.log" 2>&1; then
  grep -v " Passed " "$build/land-test.log" | tail -60 >&2
  echo "land-branch: TESTS FAILED, nothing landed" >&2; exit 1
fi
tail -3 "$build/land-test.log" >&2
git -C "$main_dir" merge -q --ff-only "$branch"
echo "land-branch: main is now $(git log --oneline -1 main)" >&2
