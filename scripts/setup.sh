#!/usr/bin/env bash
# Installs every system package casesample needs to build, test and benchmark.
# Idempotent: packages already present are skipped, so a second run is quick.
set -euo pipefail

build_packages=(
  g++ cmake make
  libboost-math-dev libboost-random-dev   # distributions, quantiles; portable seeded engines
  libboost-dev                            # Boost.Multiprecision: the exact design's rational check (src/design_lp.cpp)
  libcli11-dev                            # command line
  doctest-dev                             # unit tests
  nlohmann-json3-dev                      # JSON manifests, frameworks and reports
  libssl-dev                              # SHA-256 of input files (libcrypto)
  libtomlplusplus-dev                     # batch manifests and column profiles (TOML)
  libxlsxwriter-dev pkg-config            # Excel workbooks
  zlib1g-dev                              # workbooks read back (inflated) before they are written out
)
# What the test suite itself runs: HTML reports in headless Chromium (checked as HTML5 by html5lib), workbooks read back with openpyxl,
# clang + libFuzzer for the fuzz harnesses, strace for fault injection.
test_packages=(python3 python3-openpyxl python3-html5lib chromium clang libclang-rt-14-dev strace)
# Peers and references used by scripts/bench.sh and the reference regeneration scripts.
bench_packages=(python3 python3-pandas python3-scipy python3-statsmodels r-base-core r-cran-sampling time)

want=("${build_packages[@]}" "${test_packages[@]}")
if [[ "${CASESAMPLE_BENCH_DEPS:-0}" == 1 ]]; then want+=("${bench_packages[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
