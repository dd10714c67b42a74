#!/usr/bin/env python3
"""Workbooks read back cell by cell with openpyxl and compared with the CSV files of the same run.

draw --xlsx: every cell of Sample, Reserves, Balance and Excluded equals the cell of sample.csv, reserves.csv,
balance.csv and excluded.csv (case ids such as =1+1, 2019-06-03, 0012 and 1E5 stay text; computed numbers are
numbers); About holds the manifest's seed, version and input SHA-256. report --xlsx: every cell of Key
questions, Standards and Overall equals the cell of report --format csv at that level. Every sheet: header row
frozen, autofilter over the table, columns sized. The same command twice gives byte-identical workbooks; a bad
--xlsx path is refused before any work and leaves nothing behind. batch: every cell of summary.xlsx's Summary
sheet equals the cell of summary.csv (a failed service with its error, the verdict and the audit's outcome, a
20-digit seed as text), About holds the services file's SHA-256 and defaults, a shard's workbook is named by it.

Usage: xlsx_readback.py CASESAMPLE_BINARY SOURCE_DIR   (registered with CTest)
"""
import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import openpyxl
    from openpyxl.utils import get_column_letter
except ImportError:
    print("SKIP: python3-openpyxl is not installed (scripts/setup.sh installs it)")
    sys.exit(0)

BINARY, SOURCE = sys.argv[1], sys.argv[2]
ANSWERS = os.path.join(SOURCE, "fixtures/answers/lancashire-2019-answers.csv")
POPULATION = os.path.join(SOURCE, "fixtures/population.csv")
TRICKY = ["=1+1", "2019-06-03", "0012", "1E5", "+44 20 7946", "@SUM(A1:A2)", "-7", "TRUE", "3/6/2019", "1,5",
          "'quoted", "12:30", "50%", "=HYPERLINK(\"http://example.com\")", "Ölçü ✓"]

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)
    return condition


def run(args, expect=0):
    p = subprocess.run([BINARY] + args, capture_output=True, text=True, timeout=300)
    check(p.returncode == expect, f"casesample {' '.join(args)}: exit {p.returncode}, expected {expect}: {p.stderr}")
    return p


def unescape(cell):
    """A cell as casesample's CSV files write it, back to its text: a ' put before = + - @ goes again."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@\t\r":
        return cell[1:]
    return cell


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def check_sheet_shape(ws, name, columns, rows):
    check(ws.freeze_panes == "A2", f"{name}: header row not frozen ({ws.freeze_panes})")
    last = f"{get_column_letter(columns)}{max(rows + 1, 1)}"
    check(ws.auto_filter.ref == f"A1:{last}", f"{name}: autofilter {ws.auto_filter.ref}, expected A1:{last}")
    for c in range(1, columns + 1):
        width = ws.column_dimensions[get_column_letter(c)].width
        check(width is not None and width >= 4, f"{name}: column {get_column_letter(c)} not sized ({width})")
    check(all(ws.cell(1, c).font.b for c in range(1, columns + 1)), f"{name}: header not bold")


def compare_with_csv(ws, name, header, rows, numeric, extra_columns=()):
    """Every cell of the sheet against the CSV: text as str, numbers as numbers of the same value."""
    got_header = [ws.cell(1, c).value for c in range(1, ws.max_column + 1)]
    check(got_header == header + list(extra_columns), f"{name}: header {got_header}, expected {header}")
    check(ws.max_row == len(rows) + 1 or (not rows and ws.max_row == 1),
          f"{name}: {ws.max_row - 1} rows, the CSV has {len(rows)}")
    for r, row in enumerate(rows, start=2):
        for c, (column, text) in enumerate(zip(header, row), start=1):
            cell = ws.cell(r, c)
            where = f"{name}!{cell.coordinate} ({column})"
            if text == "":
                check(cell.value is None, f"{where}: {cell.value!r} where the CSV is empty")
            elif column in numeric:
                check(cell.data_type == "n" and isinstance(cell.value, (int, float)),
                      f"{where}: {cell.value!r} is not a number")
                check(cell.value == float(text), f"{where}: {cell.value!r} != CSV {text}")
            else:
                check(cell.data_type == "s" and cell.value == unescape(text),
                      f"{where}: {cell.value!r} ({cell.data_type}) != CSV text {unescape(text)!r}")
        for c in range(len(header) + 1, len(header) + len(extra_columns) + 1):
            check(ws.cell(r, c).value is None, f"{name}!{ws.cell(r, c).coordinate}: fieldwork column not empty")


def about(ws):
    return {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, ws.max_row + 1)}


with tempfile.TemporaryDirectory() as tmp:
    # A population whose case ids and kept column look like formulas, dates and numbers.
    with open(POPULATION, newline="", encoding="utf-8") as f:
        pop = list(csv.reader(f))
    header = pop[0] + ["remarks"]
    body = [row + [""] for row in pop[1:]]
    id_col = header.index("case_id")
    for i, row in enumerate(body):
        if i % 7 == 0:
            row[id_col] = TRICKY[(i // 7) % len(TRICKY)] + ("" if i // 7 < len(TRICKY) else f" #{i}")
        row[-1] = TRICKY[i % len(TRICKY)] if i % 3 == 0 else ""
    population = os.path.join(tmp, "population.csv")
    with open(population, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([header] + body)

    # Every eligible case ends up in the sample or the reserves, every other one in Excluded.
    folder = os.path.join(tmp, "sample")
    xlsx = os.path.join(tmp, "sample.xlsx")
    draw = ["draw", population, "--fieldwork", "2019-06-03", "--seed", "11", "--reserve", "1000", "--keep-columns",
            "remarks,notes", "--out", folder, "--force", "--xlsx", xlsx]
    run(draw)
    wb = openpyxl.load_workbook(xlsx)
    check(wb.sheetnames == ["Sample", "Reserves", "Balance", "Excluded", "About"], f"draw sheets {wb.sheetnames}")
    numeric = {"selection_order", "reserve_order", "inclusion_probability", "reserve_probability", "population", "population_share",
               "target", "drawn", "deviation"}
    # The population's own notes column is kept, so the fieldwork column beside it takes another name.
    for sheet, file, extra in [("Sample", "sample.csv", ("inspector", "date read", "notes (fieldwork)")),
                               ("Reserves", "reserves.csv", ()), ("Balance", "balance.csv", ()),
                               ("Excluded", "excluded.csv", ())]:
        h, rows = read_csv(os.path.join(folder, file))
        check(len(rows) > 0, f"{file} is empty: the test would prove nothing")
        compare_with_csv(wb[sheet], sheet, h, rows, numeric, extra)
        check_sheet_shape(wb[sheet], sheet, len(h) + len(extra), len(rows))
    seen = set()
    for sheet in ("Sample", "Reserves", "Excluded"):
        ws = wb[sheet]
        seen |= {ws.cell(r, 1).value for r in range(2, ws.max_row + 1)}
    for tricky in TRICKY:
        check(tricky in seen, f"case id {tricky!r} is in none of Sample, Reserves, Excluded")
    info = about(wb["About"])
    check_sheet_shape(wb["About"], "About", 2, len(info))
    with open(population, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    check(info.get("seed") == "11", f"About seed {info.get('seed')!r}")
    check(info.get("version"), "About has no version")
    check(info.get("inputs 1 sha256") == digest, f"About population SHA-256 {info.get('inputs 1 sha256')!r}")
    check("--xlsx" in (info.get("command_line") or ""), "About has no command line")
    check(info.get("parameters reserve") == "1000", f"About reserve {info.get('parameters reserve')!r}")
    check(all(isinstance(v, str) for v in info.values()), "About values are not all text")

    # The same command again gives the same bytes.
    with open(xlsx, "rb") as f:
        first = f.read()
    run(draw)
    with open(xlsx, "rb") as f:
        check(f.read() == first, "draw --xlsx: a second identical run gave different bytes")

    # The workbook inside the folder is written with the sample, in the same step.
    inside = ["draw", population, "--fieldwork", "2019-06-03", "--seed", "11", "--out", os.path.join(tmp, "in"),
              "--xlsx", os.path.join(tmp, "in", "sample.xlsx")]
    run(inside)
    check(os.path.exists(os.path.join(tmp, "in", "sample.xlsx")), "draw --xlsx inside the folder: no workbook")
    run(["verify", os.path.join(tmp, "in")])

    # A bad path is refused before any work: no folder, no workbook, no temporary file.
    before = set(os.listdir(tmp))
    p = run(["draw", population, "--fieldwork", "2019-06-03", "--seed", "1", "--out", os.path.join(tmp, "never"),
             "--xlsx", os.path.join(tmp, "no-such-folder", "s.xlsx")], expect=2)
    check("no-such-folder" in p.stderr, f"bad --xlsx folder: message {p.stderr!r}")
    p = run(["draw", population, "--fieldwork", "2019-06-03", "--seed", "1", "--out", os.path.join(tmp, "never"),
             "--xlsx", tmp], expect=2)
    p = run(["draw", population, "--fieldwork", "2019-06-03", "--seed", "1", "--out", os.path.join(tmp, "never"),
             "--xlsx", os.path.join(tmp, "never")], expect=2)
    check("sample folder itself" in p.stderr, f"--xlsx naming the --out folder: {p.stderr!r}")
    p = run(["draw", population, "--fieldwork", "2019-06-03", "--seed", "1", "--out", os.path.join(tmp, "never"),
             "--xlsx", os.path.join(tmp, "never", "manifest.json")], expect=2)
    check("own manifest.json" in p.stderr, f"--xlsx naming the manifest: {p.stderr!r}")
    check(set(os.listdir(tmp)) == before, f"a refused draw left {set(os.listdir(tmp)) - before}")

    # report --xlsx beside report --format csv of the same run.
    report_csv, report_xlsx = os.path.join(tmp, "report.csv"), os.path.join(tmp, "report.xlsx")
    report = ["report", ANSWERS, "--population", "court=71,out-of-court=39", "--seed", "5", "--draws", "2000",
              "--judgements", os.path.join(SOURCE, "fixtures/published/lancashire-2019.csv"),
              "--format", "csv", "--out", report_csv, "--xlsx", report_xlsx]
    run(report)
    h, rows = read_csv(report_csv)
    level = h.index("level")
    wb = openpyxl.load_workbook(report_xlsx)
    check(wb.sheetnames == ["Key questions", "Standards", "Overall", "About"], f"report sheets {wb.sheetnames}")
    report_numeric = {"cases_read", "relevant", "yes", "percent", "population", "lower", "upper", "lower_count",
                      "upper_count", "score", "more_yes_to_move_up", "fewer_yes_to_move_down", "verdict_probability"}
    report_numeric |= {c for c in h if c.startswith("p_")}
    for sheet, lv in [("Key questions", "question"), ("Standards", "standard"), ("Overall", "overall")]:
        ws = wb[sheet]
        sheet_header = [ws.cell(1, c).value for c in range(1, ws.max_column + 1)]
        check(set(sheet_header) <= set(h), f"{sheet}: columns not in the CSV: {set(sheet_header) - set(h)}")
        at_level = [r for r in rows if r[level] == lv]
        check(len(at_level) > 0, f"report CSV has no {lv} rows")
        # Columns left out of the sheet are empty at this level in the CSV.
        for c, column in enumerate(h):
            if column not in sheet_header and column != "level":
                check(all(r[c] == "" for r in at_level), f"{sheet}: column {column} left out but not empty")
        cols = [h.index(c) for c in sheet_header]
        compare_with_csv(ws, sheet, sheet_header, [[r[c] for c in cols] for r in at_level], report_numeric)
        check_sheet_shape(ws, sheet, len(sheet_header), len(at_level))
    info = about(wb["About"])
    check(info.get("seed") == "5" and info.get("draws") == "2000", f"report About {info}")
    with open(ANSWERS, "rb") as f:
        check(info.get("answers SHA-256") == hashlib.sha256(f.read()).hexdigest(), "report About: answers SHA-256")
    check(any(k == "summary" for k in info), "report About: no summary")
    with open(report_xlsx, "rb") as f:
        first = f.read()
    run(report)
    with open(report_xlsx, "rb") as f:
        check(f.read() == first, "report --xlsx: a second identical run gave different bytes")
    p = run(report[:-1] + [os.path.join(tmp, "missing", "r.xlsx")], expect=2)
    check("missing" in p.stderr, f"report bad --xlsx: {p.stderr!r}")

    # batch: summary.xlsx beside summary.csv, every cell the same; a shard's workbook beside the shard's CSV.
    services_dir = os.path.join(tmp, "batch")
    os.makedirs(services_dir)
    shutil.copy(POPULATION, os.path.join(services_dir, "pop.csv"))
    shutil.copy(os.path.join(SOURCE, "fixtures/answers/lancashire-2019-totals.csv"),
                os.path.join(services_dir, "totals.csv"))
    shutil.copy(os.path.join(SOURCE, "fixtures/published/lancashire-2019.csv"),
                os.path.join(services_dir, "published.csv"))
    shutil.copy(os.path.join(SOURCE, "fixtures/bad/unknown_category.csv"), os.path.join(services_dir, "bad.csv"))
    with open(os.path.join(services_dir, "judgements.csv"), "w", encoding="utf-8") as f:
        f.write("standard,rating\n1.1,Requires improvement\n1.2,Good\n1.3,Requires improvement\n"
                "1.4,Requires improvement\n")
    services_toml = os.path.join(services_dir, "SERVICES.toml")
    with open(services_toml, "w", encoding="utf-8") as f:
        f.write("""fieldwork = 2019-06-03
seed = 2019
reserve = 2
draws = 2000

[[service]]
name = "Lancashire"
population = "pop.csv"
answers = "totals.csv"
judgements = "judgements.csv"
published = "published.csv"

[[service]]
name = "=1+1"
population = "pop.csv"
method = "cells"
size = { court = 20, out-of-court = 12 }

[[service]]
name = "0012"
population = "bad.csv"

[[service]]
name = "2019-06-03"
population = "pop.csv"
seed = "18446744073709551615"
""")
    out = os.path.join(tmp, "batch-out")
    batch = ["batch", services_toml, "--out", out, "--jobs", "2", "--quiet"]
    run(batch, expect=2)  # the service "0012" has a bad population
    summary_numeric = {"eligible", "sample_size", "reserves", "worst_deviation", "overall_probability"}

    def compare_summary(stem):
        h, rows = read_csv(os.path.join(out, stem + ".csv"))
        wb = openpyxl.load_workbook(os.path.join(out, stem + ".xlsx"))
        check(wb.sheetnames == ["Summary", "About"], f"{stem}.xlsx sheets {wb.sheetnames}")
        compare_with_csv(wb["Summary"], f"{stem}.xlsx Summary", h, rows, summary_numeric)
        check_sheet_shape(wb["Summary"], f"{stem}.xlsx Summary", len(h), len(rows))
        info = about(wb["About"])
        check_sheet_shape(wb["About"], f"{stem}.xlsx About", 2, len(info))
        check(all(isinstance(v, str) for v in info.values()), f"{stem}.xlsx About values are not all text")
        return h, rows, wb, info

    h, rows, wb, info = compare_summary("summary")
    check(len(rows) == 7, f"summary.csv has {len(rows)} rows, expected 2 domains x 3 services + 1 failed")
    ws = wb["Summary"]
    col = {name: i + 1 for i, name in enumerate(h)}
    by_service = {}
    for r in range(2, ws.max_row + 1):
        by_service.setdefault(ws.cell(r, 1).value, []).append(r)
    check(set(by_service) == {"Lancashire", "=1+1", "0012", "2019-06-03"}, f"services {sorted(by_service)}")
    bad = by_service.get("0012", [0])[0]
    check(ws.cell(bad, col["status"]).value == "failed", "the failed service is not marked failed")
    check("bad.csv:" in (ws.cell(bad, col["message"]).value or ""), "the failed service's row has no error")
    lanc = by_service.get("Lancashire", [0])[0]
    check(ws.cell(lanc, col["overall_rating"]).value, "Lancashire has no overall rating")
    check(isinstance(ws.cell(lanc, col["overall_probability"]).value, float), "overall_probability is not a number")
    check((ws.cell(lanc, col["overall_verdict"]).value or "").split(":")[0] in ("robust", "not robust"),
          f"verdict {ws.cell(lanc, col['overall_verdict']).value!r}")
    check(ws.cell(lanc, col["audit"]).value in ("consistent", "inconsistent"), "Lancashire has no audit outcome")
    big = by_service.get("2019-06-03", [0])[0]
    check(ws.cell(big, col["seed"]).value == "18446744073709551615", f"seed {ws.cell(big, col['seed']).value!r}")
    with open(services_toml, "rb") as f:
        check(info.get("services file SHA-256") == hashlib.sha256(f.read()).hexdigest(), "About: services SHA-256")
    check(info.get("version"), "About has no version")
    check(info.get("default seed") == "2019", f"About default seed {info.get('default seed')!r}")
    check(info.get("default reserve") == "2", f"About reserve {info.get('default reserve')!r}")
    check(info.get("default fieldwork") == "2019-06-03", f"About fieldwork {info.get('default fieldwork')!r}")
    check(info.get("services failed") == "1", f"About failed {info.get('services failed')!r}")
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        check('<a href="summary.xlsx">' in f.read(), "index.html does not link summary.xlsx")

    # Written again from the same folders: the same bytes.
    with open(os.path.join(out, "summary.xlsx"), "rb") as f:
        first = f.read()
    os.remove(os.path.join(out, "summary.xlsx"))
    run(batch, expect=2)
    with open(os.path.join(out, "summary.xlsx"), "rb") as f:
        check(f.read() == first, "batch: summary.xlsx written again from the same folders differs")
    check(not [n for n in os.listdir(out) if n.startswith(".")], f"batch left {os.listdir(out)}")

    # A shard's workbook beside the shard's CSV.
    run(batch + ["--shard", "1/2"], expect=2)  # the 1st and 3rd services: Lancashire and the failing 0012
    h, rows, wb, info = compare_summary("summary.shard-1-of-2")
    check({r[0] for r in rows} == {"Lancashire", "0012"}, f"shard 1 of 2 rows {sorted({r[0] for r in rows})}")
    check((info.get("shard") or "").startswith("1 of 2"), f"About shard {info.get('shard')!r}")

if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("workbooks (draw, report, batch summary): every cell matches the CSV files")
