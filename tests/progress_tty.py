#!/usr/bin/env python3
"""The progress bar on a real terminal: run casesample with stderr on a pseudo-terminal (stdout on a pipe) and
check that the bar appears on stderr only, is cleared at the end, never reaches stdout, and that --quiet and
short work show nothing.

Usage: progress_tty.py CASESAMPLE_BINARY SOURCE_DIR   (registered with CTest)
"""
import os
import shutil
import pty
import select
import subprocess
import sys
import tempfile
import time

BINARY, SOURCE = sys.argv[1], sys.argv[2]
ANSWERS = os.path.join(SOURCE, "fixtures/answers/lancashire-2019-answers.csv")
PUBLISHED = os.path.join(SOURCE, "fixtures/published/lancashire-2019.csv")
CLEAR = b"\r\x1b[K"

failures = []
# The sanitized suite (scripts/test.sh --sanitize) sets CASESAMPLE_TEST_SCALE below 1: its binary is several times
# slower, so a share of the work keeps each command on screen as long (run_until_drawn doubles it when not).
SCALE = float(os.environ.get("CASESAMPLE_TEST_SCALE") or 1)


def scaled(work, least=1):
    return max(least, int(round(work * SCALE)))


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(args, delay="0", on_tty=True):
    """Runs casesample; returns (exit code, stdout bytes, stderr bytes). stderr is a pty when on_tty."""
    env = dict(os.environ)
    env.pop("CASESAMPLE_PROGRESS_DELAY", None)
    if delay is not None:
        env["CASESAMPLE_PROGRESS_DELAY"] = delay
    if not on_tty:
        p = subprocess.run([BINARY] + args, capture_output=True, env=env, timeout=120)
        return p.returncode, p.stdout, p.stderr
    master, slave = pty.openpty()
    p = subprocess.Popen([BINARY] + args, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    out, err = b"", b""
    fds = {master, p.stdout.fileno()}
    while fds:
        ready, _, _ = select.select(list(fds), [], [], 120)
        if not ready:
            p.kill()
            raise SystemExit("casesample " + " ".join(args) + " did not finish in 120 s")
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed its end of the terminal
                chunk = b""
            if not chunk:
                fds.discard(fd)
            elif fd == master:
                err += chunk
            else:
                out += chunk
    p.wait()
    os.close(master)
    return p.returncode, out, err.replace(b"\r\n", b"\n")


def drawn(err, stages):
    return any(("\r" + stage + "  ").encode() in err for stage in stages)


def run_until_drawn(name, make_args, *stages, reset=lambda: None):
    """Runs the command until its bar was drawn: on a loaded machine the bar's thread may not get a turn
    before short work ends, so each retry gives it twice the work. reset() is called before each run."""
    for attempt in range(5):
        args = make_args(2 ** attempt)
        reset()
        code, out, err = run(args)
        if code != 0 or drawn(err, stages):
            break
        print(f"{name}: no bar in attempt {attempt + 1}; again with more work", file=sys.stderr)
    return args, code, out, err


def bar_shown(name, make_args, stage, reset=lambda: None):
    args, code, out, err = run_until_drawn(name, make_args, stage, reset=reset)
    check(code == 0, f"{name}: exit code {code}, stderr {err[-300:]!r}")
    check(("\r" + stage + "  ").encode() in err, f"{name}: no '{stage}' bar on the terminal: {err[:300]!r}")
    check(err.endswith(CLEAR), f"{name}: the bar's line is not cleared at the end: {err[-80:]!r}")
    check(b"\r" not in out and stage.encode() not in out, f"{name}: the bar reached stdout")
    # What the command prints is the same with and without a terminal.
    reset()
    code2, out2, err2 = run(args, on_tty=False)
    check(out == out2, f"{name}: stdout differs with stderr on a terminal")
    check(b"\r" not in err2 and stage.encode() not in err2, f"{name}: a bar on stderr that is not a terminal")
    # --quiet: nothing on the terminal at all.
    reset()
    code3, out3, err3 = run(args + ["--quiet"])
    check(code3 == 0 and err3 == b"", f"{name} --quiet: stderr holds {err3[:200]!r}")
    check(out3 == out, f"{name} --quiet: stdout differs")


with tempfile.TemporaryDirectory() as tmp:
    def report(scale):
        return ["report", ANSWERS, "--population", "court=71,out-of-court=39", "--seed", "7", "--draws",
                str(scaled(200000) * scale), "--format", "csv"]
    bar_shown("report", report, "Pólya draws")

    def audit(scale):
        # The exact checks' work grows faster than the cases; 2,000 a side (the most audit takes) lasts a fifth
        # of a second in a Release build, so the last attempts are long enough at any test scale.
        cases = min(2000, scaled(1000, 250) * scale)
        return ["audit", PUBLISHED, "--cases", f"court={cases},out-of-court={cases}", "--format", "csv"]
    bar_shown("audit", audit, "checking published percentages")

    def interval(scale):
        counts = os.path.join(tmp, f"counts-{scale}.csv")
        with open(counts, "w") as f:
            f.write("x,n,population\n")
            for i in range(scaled(30000, 1000) * scale):
                f.write(f"{i % 50},{50},{100 + i % 400}\n")
        return ["interval", "--from", counts, "--threads", "1"]
    bar_shown("interval --from", interval, "computing intervals")

    population = os.path.join(tmp, "population.csv")
    with open(population, "w") as f:
        subprocess.run([sys.executable, os.path.join(SOURCE, "scripts/generate_population.py"), "--cases", str(scaled(150000, 10000)),
                        "--seed", "3"], stdout=f, check=True)
    out_dir = os.path.join(tmp, "sample")
    draw = ["draw", population, "--fieldwork", "2019-06-03", "--seed", "1", "--out", out_dir, "--force",
            "--format", "json"]
    stages = ("reading the file", "reading cases", "drawing the sample")
    _, code, out, err = run_until_drawn("draw", lambda scale: draw, *stages)
    check(code == 0, f"draw: exit code {code}, {err[-300:]!r}")
    check(drawn(err, stages) and err.endswith(CLEAR), f"draw: no bar on the terminal: {err[:200]!r}")
    check(b"\r" not in out, "draw: the bar reached stdout")
    for name in os.listdir(out_dir):
        with open(os.path.join(out_dir, name), "rb") as f:
            check(b"\x1b[K" not in f.read(), f"draw: the bar reached {name}")
    code, out, err = run(draw + ["--quiet"])
    check(code == 0 and err == b"", f"draw --quiet: stderr holds {err[:200]!r}")

    # batch: services done / total, on stderr only; the output folders are removed before each run so that every
    # run draws the same folders again (--force leaves folders that are up to date alone).
    # Services of 150,000 cases make the work last long enough for the bar on a busy machine.
    def batch(scale):
        services = os.path.join(tmp, f"SERVICES-{scale}.toml")
        with open(services, "w") as f:
            f.write("fieldwork = 2019-06-03\nseed = 4\n")
            for i in range(scaled(8, 2) * scale):
                f.write(f'[[service]]\nname = "S{i}"\npopulation = "population.csv"\n')
        return ["batch", services, "--out", os.path.join(tmp, "batch"), "--format", "json"]

    def fresh_batch_folder():
        shutil.rmtree(os.path.join(tmp, "batch"), ignore_errors=True)
    bar_shown("batch", batch, "drawing services", reset=fresh_batch_folder)

    # Short work with the ordinary one-second delay: nothing is drawn (unless the machine is so loaded that
    # even this took a second).
    started = time.monotonic()
    code, out, err = run(["report", ANSWERS, "--population", "court=71,out-of-court=39", "--seed", "7",
                          "--draws", "100"], delay=None)
    if time.monotonic() - started < 0.9:
        check(code == 0 and err == b"", f"short report: stderr holds {err[:200]!r}")

    # A failure: the bar's line is cleared before the one-line error.
    bad = os.path.join(tmp, "bad.csv")
    with open(bad, "w") as f:
        f.write("x,n\n" + "3,10\n" * 20000 + "11,10\n")
    code, out, err = run(["interval", "--from", bad])
    check(code == 2, f"bad interval file: exit code {code}")
    message = err.rsplit(CLEAR, 1)[-1] if CLEAR in err else err
    check(message.startswith(bad.encode()) and b"x = 11" in message,
          f"bad interval file: the error is not alone on its line: {err[-300:]!r}")

if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("progress bar: all checks passed")
