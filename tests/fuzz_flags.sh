#!/usr/bin/env bash
# The fuzz build's compile flags, as scripts/fuzz.sh configures it: every compile command has the sanitizers and
# libFuzzer's instrumentation, and line tables only for debug information (-gline-tables-only is its last -g
# option: no later -g asks for full debug information after all).
# Usage: fuzz_flags.sh SOURCE_DIR        Exit 77 (CTest: skipped) when clang++ is not installed.
set -euo pipefail
src=$1
command -v clang++ >/dev/null || { echo "SKIPPED: clang++ is not installed (scripts/setup.sh installs it)"; exit 77; }
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
CASESAMPLE_FUZZ_BUILD="$build" CASESAMPLE_FUZZ_CONFIGURE_ONLY=1 bash "$src/scripts/fuzz.sh"
python3 - "$build/compile_commands.json" <<'EOF'
import json, shlex, sys
commands = json.load(open(sys.argv[1]))
assert commands, "no compile command"
bad = []
for c in commands:
    args = shlex.split(c["command"]) if "command" in c else c["arguments"]
    debug = [a for a in args if a.startswith("-g")]
    problems = []
    if not debug or debug[-1] != "-gline-tables-only":
        problems.append("debug options %s (the last must be -gline-tables-only)" % debug)
    if not any(a.startswith("-fsanitize=") and "fuzzer-no-link" in a and "address" in a for a in args):
        problems.append("no -fsanitize=fuzzer-no-link,address,...")
    if problems:
        bad.append(c["file"] + ": " + "; ".join(problems))
if bad:
    print("\n".join(bad[:10]))
    sys.exit(1)
print("%d compile commands: sanitizers and -gline-tables-only as the last -g option" % len(commands))
EOF
