#!/usr/bin/env bash
# Sets up the machine, builds casesample (Release, warnings as errors) and runs the whole test suite.
#   scripts/test.sh [CTEST ARGS...]              in build/
#   scripts/test.sh --sanitize [CTEST ARGS...]   the same suite built with AddressSanitizer and
#       UndefinedBehaviorSanitizer in build-sanitize/ (a full second build): the first report stops the
#       process (halt_on_error), including every casesample the CLI tests start, whose environment carries the
#       options; a stopped child fails its test through its exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build=build
flags=(-DCMAKE_BUILD_TYPE=Release)
if [[ ${1:-} == --sanitize ]]; then
  shift
  build=build-sanitize
  # -O1 with line tables only: less to compile than -O2 -g (CI runs this), and reports still name file and line.
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DCASESAMPLE_SANITIZE=ON)
  export ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:exitcode=86:strict_string_checks=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=86
  # A tenth of the repetitions of the statistical and property tests (tests/test_support.hpp `repetitions`):
  # the sanitizers find a memory error in the first draws as surely as in the last, and the plain suite keeps
  # the full counts for their statistical power.
  export CASESAMPLE_TEST_SCALE=${CASESAMPLE_TEST_SCALE:-0.1}
fi
cmake -S . -B "$build" "${flags[@]}" -DCASESAMPLE_WERROR=ON \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$(command -v ccache || true)" >/dev/null
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" "$@"
