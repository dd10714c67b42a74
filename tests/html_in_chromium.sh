#!/usr/bin/env bash
# The HTML pages in a real browser (headless Chromium, Debian package `chromium`):
#   - `report --format html` and `draw --html` pages of the Lancashire fixtures are written;
#   - each is a valid HTML5 document (html5lib's strict parser, Debian `python3-html5lib`);
#   - Chromium loads each with no console message at all (the pages hold no script, so any is an error);
#   - the DOM Chromium built holds one interval mark per key question that has an interval (counted
#     independently from the report's JSON), one paired bar per balance row, and nothing fetched from
#     outside (no script, link, src, url() or @import);
#   - screenshots at 1280 px and at a phone's 390 px are taken and are real images;
#   - printed to PDF, every page is A4 (the print stylesheet's @page size);
#   - a batch's index.html links each service's page (report.html, else draw.html) and the summary files.
# Usage: html_in_chromium.sh CASESAMPLE_BINARY SOURCE_DIR [KEEP_DIR]
# Exit 77 (CTest: skipped) with a clear message when Chromium is not installed; scripts/setup.sh installs it.
set -euo pipefail
bin=$1
src=$2
keep=${3:-}
chromium=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$chromium" ]]; then
  echo "SKIPPED: Chromium is not installed (Debian package 'chromium'; scripts/setup.sh installs it)"
  exit 77
fi
py=/usr/bin/python3
[[ -x $py ]] || py=$(command -v python3)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

browse() {  # browse OUTPUT_PREFIX URL: dump the DOM with logging on, and take two screenshots
  local out=$1 url=$2 profile
  for mode in dom 1280 390 pdf; do
    profile=$(mktemp -d "$work/profile.XXXX")
    local flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
                 --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars)
    if [[ $mode == dom ]]; then
      timeout 120 "$chromium" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "$url" \
        >"$out.dom" 2>"$out.log" || fail "chromium could not load $url (see $out.log)"
    elif [[ $mode == pdf ]]; then
      timeout 120 "$chromium" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$out.pdf" "$url" \
        >/dev/null 2>>"$out.log" || fail "chromium could not print $url"
    else
      timeout 120 "$chromium" "${flags[@]}" --window-size="$mode,2400" --screenshot="$out-$mode.png" "$url" \
        >/dev/null 2>>"$out.log" || fail "chromium could not take a $mode px screenshot of $url"
    fi
  done
}

check_page() {  # check_page NAME FILE
  local name=$1 file=$2
  "$py" - "$file" <<'EOF' || fail "$name: not valid HTML5"
import sys
try:
    import html5lib
except ImportError:
    print("note: python3-html5lib is not installed; HTML5 syntax not checked")
    sys.exit(0)
parser = html5lib.HTMLParser(strict=True)
try:
    parser.parse(open(sys.argv[1], "rb").read())
except Exception as e:
    print(f"{sys.argv[1]}: {e}", file=sys.stderr)
    sys.exit(1)
EOF
  browse "$work/$name" "file://$file"
  if grep -n "CONSOLE" "$work/$name.log"; then fail "$name: Chromium logged console messages"; fi
  [[ -s "$work/$name.dom" ]] || fail "$name: Chromium dumped no DOM"
  if grep -Eno '<script|<link|<iframe|<object|<embed|<img|src=|url\(|@import|https?://' "$work/$name.dom" | head -5 | grep .; then
    fail "$name: the page refers to something outside itself"
  fi
  "$py" - "$work/$name.pdf" <<'EOF' || fail "$name: the printed pages are not A4"
import re, sys
boxes = re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", open(sys.argv[1], "rb").read())
assert boxes, "no page"
for w, h in boxes:  # A4 is 595.28 x 841.89 points
    assert abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5, (w, h)
EOF
  for size in 1280 390; do
    "$py" - "$work/$name-$size.png" "$size" <<'EOF' || fail "$name: screenshot at $size px is not a real image"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert width == int(sys.argv[2]) and height > 0, (width, height)
assert len(data) > 20000, f"only {len(data)} bytes: a blank page?"
EOF
  done
}

# The report page.
answers=$src/fixtures/answers/lancashire-2019-answers.csv
common=(--population court=71,out-of-court=39 --seed 2019 --draws 2000 --judgements "$src/fixtures/published/lancashire-2019.csv")
"$bin" report "$answers" "${common[@]}" --format html --out "$work/report.html"
"$bin" report "$answers" "${common[@]}" --format json --out "$work/report.json"
check_page report "$work/report.html"
expected=$("$py" -c "import json,sys; print(sum(q['lower'] is not None for q in json.load(open(sys.argv[1]))['questions']))" "$work/report.json")
marks=$(grep -o 'class="interval"' "$work/report.dom" | wc -l)
[[ "$marks" -eq "$expected" && "$expected" -gt 0 ]] || fail "report: $marks interval marks in the DOM, expected $expected"
grep -q 'id="summary"' "$work/report.dom" || fail "report: no summary"

# The draw page.
"$bin" draw "$src/fixtures/population.csv" --fieldwork 2019-06-03 --seed 2019 --reserve 5 --out "$work/sample" \
  --html "$work/draw.html" >/dev/null
check_page draw "$work/draw.html"
rows=$(($(wc -l <"$work/sample/balance.csv") - 1))
pairs=$(grep -o 'class="pair"' "$work/draw.dom" | wc -l)
[[ "$pairs" -eq "$rows" && "$rows" -gt 0 ]] || fail "draw: $pairs paired bars in the DOM, expected $rows (balance.csv rows)"
# No case id on the page: the ids of the sample must not appear.
while IFS=, read -r id _; do
  [[ "$id" == case_id ]] && continue
  if grep -qF ">$id<" "$work/draw.dom" || grep -qF " $id " "$work/draw.dom"; then fail "draw: case id $id is on the page"; fi
done <"$work/sample/sample.csv"

# The index page of a batch: one link per service's page.
mkdir -p "$work/batch"
cp "$src/fixtures/population.csv" "$work/batch/a.csv"
cp "$src/fixtures/answers/lancashire-2019-totals.csv" "$work/batch/totals.csv"
cp "$src/fixtures/published/lancashire-2019.csv" "$work/batch/published.csv"
cat >"$work/batch/services.toml" <<'EOF'
fieldwork = 2019-06-03
seed = 2019
draws = 2000
[[service]]
name = "Lancashire"
population = "a.csv"
answers = "totals.csv"
judgements = "published.csv"
[[service]]
name = "St Helens"
population = "a.csv"
EOF
"$bin" batch "$work/batch/services.toml" --out "$work/batch/out" >/dev/null
cp "$work/batch/out/index.html" "$work/index.html"
check_page index "$work/batch/out/index.html"
links=$(grep -o '<a href="[^"]*"' "$work/index.dom" | sort -u | tr '\n' ' ')
[[ "$links" == '<a href="Lancashire/report.html" <a href="St%20Helens/draw.html" <a href="summary.csv" <a href="summary.json" <a href="summary.xlsx" ' ]] ||
  fail "index: links are $links"
check_page service-report "$work/batch/out/Lancashire/report.html"

if [[ -n "$keep" ]]; then
  mkdir -p "$keep"
  cp "$work"/*.png "$work"/*.html "$work"/*.pdf "$keep"/
  echo "pages and screenshots kept in $keep"
fi
echo "OK: report ($marks interval marks), draw ($pairs paired bars) and a batch's index load in Chromium with no console message; screenshots at 1280 and 390 px; A4 when printed"
