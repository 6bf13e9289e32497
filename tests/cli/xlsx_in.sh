#!/bin/sh
# xlsx_in.sh - ASEM P1 built from .xlsx workbooks written by readers nobody here wrote, as
# COINr users keep them (sheets iData and iMeta):
#  1. R's openxlsx (write.xlsx of the shipped CSVs read with read.csv): every output equals,
#     byte for byte, the build from the CSVs R's write.csv writes of the same data frames
#     (openxlsx and write.csv both keep 15 significant digits), and Aggregated.csv agrees
#     with the build from the shipped CSVs (17 digits) to 1e-9;
#  2. Python's openpyxl, with the sheets under other names (`sheet`, `structure_sheet`):
#     every output equals the build from the shipped CSVs byte for byte;
#  3. bad workbooks and keys: the exact message, a non-zero exit and no output folder.
# summary.json is compared without its lines naming the input files. Skipped (77) without
# Rscript, openxlsx or openpyxl, or failed under HS_REQUIRE_ALL=1 (CI installs them).
# Usage: sh tests/cli/xlsx_in.sh path/to/humsec
set -u
bin=${1:?usage: xlsx_in.sh HUMSEC}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
. "$(dirname "$0")/lib/require.sh"
py=${PYTHON:-/usr/bin/python3}
command -v Rscript >/dev/null 2>&1 || req_skip "Rscript not found (apt-get install r-base-core)"
Rscript -e 'library(openxlsx)' >/dev/null 2>&1 ||
    req_skip "R's openxlsx not installed (apt-get install r-cran-openxlsx)"
"$py" -c 'import openpyxl' 2>/dev/null || req_skip "python3-openpyxl not installed"
asem=$(pwd)/data/coinr-asem
p1=$(pwd)/examples/asem/p1.pipeline
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
err() {
    echo "FAIL: $*"
    fail=1
}

# pipe NAME STRUCTURE DATA [LINE AFTER file =]: P1's steps over other inputs, in $tmp
pipe() {
    sed -e "s#^structure = .*#structure = $2#" -e "s#^file = .*#file = $3${4:+\\
$4}#" "$p1" >"$tmp/$1.pipeline"
}

# same A B: the same output files, byte for byte (summary.json without the input names)
same() {
    [ "$(ls "$1")" = "$(ls "$2")" ] || err "$1 and $2 hold different files"
    for f in "$1"/*; do
        n=$(basename "$f")
        if [ "$n" = summary.json ]; then
            grep -v '^  "\(pipeline\|structure\|data\)":' "$f" >"$tmp/s1"
            grep -v '^  "\(pipeline\|structure\|data\)":' "$2/$n" >"$tmp/s2"
            cmp -s "$tmp/s1" "$tmp/s2" || err "$1/$n differs from $2/$n"
        else
            cmp -s "$f" "$2/$n" || err "$1/$n differs from $2/$n"
        fi
    done
}

# near A B: two Aggregated.csv files with every number within 1e-9 (relative above 1)
near() {
    "$py" - "$1" "$2" <<'PY'
import csv, math, sys
a, b = (list(csv.reader(open(f))) for f in sys.argv[1:3])
bad = len(a) != len(b) or a[0] != b[0]
for x, y in zip(a[1:], b[1:]):
    for s, t in zip(x, y):
        try:
            u, v = float(s), float(t)
        except ValueError:
            bad |= s != t
            continue
        bad |= not (math.isnan(u) and math.isnan(v) or abs(u - v) <= 1e-9 * max(1, abs(v)))
sys.exit(1 if bad else 0)
PY
}

# 1. R's openxlsx, default sheet names
Rscript - "$asem" "$tmp" <<'R' >/dev/null 2>&1 || err "Rscript could not write the workbook"
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(file.path(a[1], "input_iData.csv"), check.names = FALSE)
m <- read.csv(file.path(a[1], "input_iMeta.csv"))
openxlsx::write.xlsx(list(iData = d, iMeta = m), file.path(a[2], "asem_r.xlsx"))
write.csv(d, file.path(a[2], "r_iData.csv"), row.names = FALSE)
write.csv(m, file.path(a[2], "r_iMeta.csv"), row.names = FALSE)
R
pipe r_xlsx asem_r.xlsx asem_r.xlsx
pipe r_csv r_iMeta.csv r_iData.csv
"$bin" build "$tmp/r_xlsx.pipeline" -o "$tmp/out_r_xlsx" -q || err "build from openxlsx exited $?"
"$bin" build "$tmp/r_csv.pipeline" -o "$tmp/out_r_csv" -q || err "build from R's CSVs exited $?"
"$bin" build "$p1" -o "$tmp/out_csv" -q || err "build from the shipped CSVs exited $?"
same "$tmp/out_r_xlsx" "$tmp/out_r_csv"
near "$tmp/out_r_xlsx/Aggregated.csv" "$tmp/out_csv/Aggregated.csv" ||
    err "Aggregated.csv from openxlsx's 15 digits is not within 1e-9 of the shipped CSVs' build"

# 2. openpyxl, the sheets under other names after a sheet of notes
"$py" - "$asem" "$tmp/asem_py.xlsx" <<'PY' || err "openpyxl could not write the workbook"
import csv, re, sys
import openpyxl

def cell(s):
    if s in ("", "NA"):
        return None
    if re.fullmatch(r"-?[0-9]+", s):
        return int(s)
    try:
        return float(s)
    except ValueError:
        return s

wb = openpyxl.Workbook()
wb.active.title = "Notes"
wb.active["A1"] = "ASEM, as COINr ships it"
for sheet, name in (("Indicators", "input_iData.csv"), ("Structure", "input_iMeta.csv")):
    ws = wb.create_sheet(sheet)
    with open(sys.argv[1] + "/" + name, newline="") as f:
        for i, row in enumerate(csv.reader(f)):
            ws.append(row if i == 0 else [cell(s) for s in row])
wb.save(sys.argv[2])
# the sheets as openpyxl reads them back, every double in full (repr)
wb = openpyxl.load_workbook(sys.argv[2])
for sheet, name in (("Indicators", "py_iData.csv"), ("Structure", "py_iMeta.csv")):
    with open(sys.argv[2][:-len("asem_py.xlsx")] + name, "w", newline="") as f:
        w = csv.writer(f)
        for row in wb[sheet].iter_rows(values_only=True):
            w.writerow(["" if v is None else repr(v) if isinstance(v, float) else v
                        for v in row])
PY
pipe py asem_py.xlsx asem_py.xlsx "sheet = Indicators"
sed -i 's/^structure = .*/&\nstructure_sheet = Structure/' "$tmp/py.pipeline"
pipe py_csv py_iMeta.csv py_iData.csv
"$bin" build "$tmp/py.pipeline" -o "$tmp/out_py" -q || err "build from openpyxl exited $?"
"$bin" build "$tmp/py_csv.pipeline" -o "$tmp/out_py_csv" -q ||
    err "build from openpyxl's values exited $?"
same "$tmp/out_py" "$tmp/out_py_csv"
near "$tmp/out_py/Aggregated.csv" "$tmp/out_csv/Aggregated.csv" ||
    err "Aggregated.csv from openpyxl's workbook is not within 1e-9 of the shipped CSVs' build"

# 3. bad workbooks: openpyxl edits of its workbook, one fault each (and a truncated part)
"$py" - "$tmp" <<'PY' || err "openpyxl could not write the bad workbooks"
import shutil, sys, zipfile
import openpyxl
t = sys.argv[1]
def edit(name, sheet, ref, value):
    wb = openpyxl.load_workbook(t + "/asem_py.xlsx")
    wb["Indicators"].title, wb["Structure"].title = "iData", "iMeta"
    wb[sheet][ref] = value
    wb.save(t + "/" + name)
edit("text.xlsx", "iData", "L3", "n/a")        # LPI of BEL
edit("formula.xlsx", "iData", "L3", "=1+1")     # openpyxl stores no result
edit("weight.xlsx", "iMeta", "E3", "heavy")     # Weight of Flights
edit("beyond.xlsx", "iData", "BJ5", 7)          # right of the last named column
edit("dupunit.xlsx", "iData", "B5", "BEL")      # Croatia's row given Belgium's code
edit("dupcode.xlsx", "iMeta", "B4", "Flights")  # Ship's row given the code above it
wb = openpyxl.Workbook()
wb.active.title = "Sheet1"
wb.save(t + "/nosheet.xlsx")
shutil.copy(t + "/r_iData.csv", t + "/notbook.xlsx")
with zipfile.ZipFile(t + "/asem_r.xlsx") as z, \
        zipfile.ZipFile(t + "/broken.xlsx", "w", zipfile.ZIP_DEFLATED) as o:
    for i in z.infolist():
        b = z.read(i)
        o.writestr(i, b[:400] if i.filename == "xl/worksheets/sheet1.xml" else b)
PY
# bad NAME STRUCTURE DATA [EXTRA LINE] MESSAGE: exit non-zero with MESSAGE, write nothing
bad() {
    pipe "$1" "$2" "$3" "$4"
    out=$("$bin" build "$tmp/$1.pipeline" -o "$tmp/out_$1" -q 2>&1) && err "$1: exited 0"
    want=$(printf '%s' "$5" | sed "s#BOOK#$tmp#g")
    [ "$out" = "humsec: $want" ] || err "$1: got '$out', want 'humsec: $want'"
    [ -e "$tmp/out_$1" ] && err "$1: wrote $tmp/out_$1"
}
bad text asem_r.xlsx text.xlsx "" \
    "BOOK/text.xlsx:iData!L3: value 'n/a' of 'LPI' for unit 'BEL' is not a number (expected a number or a missing-value marker such as NA)"
bad formula asem_r.xlsx formula.xlsx "" \
    "BOOK/formula.xlsx:iData!L3: formula without a stored result (open and save the workbook in a spreadsheet program, or paste the values, so the cell holds its value)"
bad weight weight.xlsx asem_r.xlsx "" \
    "BOOK/weight.xlsx:iMeta!E3: Weight 'heavy' is not a number"
bad beyond asem_r.xlsx beyond.xlsx "" \
    "BOOK/beyond.xlsx:iData!BJ5: value beyond the header's last column (BH1: every column needs a name in row 1)"
bad dupunit asem_r.xlsx dupunit.xlsx "" \
    "BOOK/dupunit.xlsx:iData!5:5: unit 'BEL' at time 2018 appears twice (also on row 3)"
bad dupcode dupcode.xlsx asem_r.xlsx "" \
    "BOOK/dupcode.xlsx:iMeta!B4: duplicate iCode 'Flights' (first defined on row 3)"
bad nosheet asem_r.xlsx nosheet.xlsx "" \
    "BOOK/nosheet.xlsx: no sheet 'iData' (the workbook has: Sheet1)"
bad othersheet asem_r.xlsx asem_r.xlsx "sheet = Data" \
    "BOOK/asem_r.xlsx: no sheet 'Data' (the workbook has: iData, iMeta)"
bad notbook asem_r.xlsx notbook.xlsx "" \
    "BOOK/notbook.xlsx: not an .xlsx workbook (not a zip archive; expected a workbook saved as .xlsx)"
bad broken asem_r.xlsx broken.xlsx "" \
    "BOOK/broken.xlsx:xl/worksheets/sheet1.xml:1:56: broken XML: unclosed token"
bad csvsheet r_iMeta.csv r_iData.csv "sheet = iData" \
    "BOOK/csvsheet.pipeline:9:1: 'sheet' names a sheet of an .xlsx workbook, but BOOK/r_iData.csv is not one (expected a file ending in .xlsx)"

[ $fail = 0 ] && echo "xlsx_in: OK"
exit $fail
