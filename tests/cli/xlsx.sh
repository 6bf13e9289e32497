#!/bin/sh
# xlsx.sh - `humsec build --xlsx` read back by a reader nobody here wrote (Debian's
# python3-openpyxl): every sheet of ASEM P1 and of the HDI (which has years) equals the CSV of
# the same build cell for cell, NA as an empty cell; the ranks sheet equals ranks.csv; after it,
# one sheet per audit table equals its audit_*.csv (codes and flag words as text). Numbers
# agree to 16 significant digits (relative 1e-15), the precision libxlsxwriter writes a double
# with (a spreadsheet shows 15); whole numbers and ranks exactly. A failed write leaves an earlier workbook whole. Skipped (77) without
# openpyxl, or failed under HS_REQUIRE_ALL=1 (CI), as .ci/run installs it.
# Usage: sh tests/cli/xlsx.sh path/to/humsec
set -u
bin=${1:?usage: xlsx.sh HUMSEC}
. "$(dirname "$0")/lib/require.sh"
py=${PYTHON:-/usr/bin/python3}
"$py" -c 'import openpyxl' 2>/dev/null || req_skip "python3-openpyxl not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" examples/asem/.xlsx-bad.pipeline' EXIT
fail=0
err() { echo "FAIL: $*"; fail=1; }

for p in asem/p1 hdi/hdi; do
    name=$(basename "$p")
    "$bin" build "examples/$p.pipeline" -o "$tmp/$name" --xlsx "$tmp/$name.xlsx" -q ||
        { err "build $p exited $?"; continue; }
    "$py" - "$tmp/$name" "$tmp/$name.xlsx" <<'PY' || err "$p: the workbook differs from the CSVs"
import csv, os, sys
import openpyxl
folder, book = sys.argv[1], sys.argv[2]
wb = openpyxl.load_workbook(book, read_only=True)
bad = 0
sheets = wb.sheetnames
want = sorted(f[:-4] for f in os.listdir(folder)
              if f[:-4] in ("Raw", "Denominated", "Imputed", "Screened", "Treated",
                            "Normalised", "Aggregated"))
audits = sorted(f[:-4] for f in os.listdir(folder) if f.startswith("audit_"))
if len(audits) < 6:
    print("audit files", audits)
    sys.exit(1)
k = sheets.index("Ranks") if "Ranks" in sheets else -1
if k < 0 or sorted(sheets[:k]) != want or sorted(sheets[k + 1:]) != audits:
    print("sheets", sheets, "want", want, "then Ranks, then", audits)
    sys.exit(1)
def number(b):
    try:
        float(b)
        return True
    except ValueError:
        return False
for s in sheets:
    audit = s.startswith("audit_")
    rows = list(csv.reader(open(os.path.join(folder, ("ranks" if s == "Ranks" else s) + ".csv"))))
    got = [list(r) for r in wb[s].iter_rows(values_only=True)]
    if len(got) != len(rows):
        print(s, "rows", len(got), len(rows)); bad += 1; continue
    for i, (g, w) in enumerate(zip(got, rows)):
        g = ["" if x is None else x for x in g] + [""] * (len(w) - len(g))
        for j, (a, b) in enumerate(zip(g, w)):
            if i == 0 or (j < 2 and not audit) or (audit and b != "NA" and not number(b)):
                ok = str(a) == b
            elif b in ("NA", ""):
                ok = a == ""
            else:
                x = float(b)
                ok = isinstance(a, (int, float)) and (
                    a == x if x == int(x) else abs(a - x) <= 1e-15 * abs(x))
            if not ok:
                if bad < 5: print(s, i, j, repr(a), repr(b))
                bad += 1
sys.exit(1 if bad else 0)
PY
done

# a build that cannot write the workbook leaves the earlier one as it was
cp "$tmp/p1.xlsx" "$tmp/keep.xlsx"
chmod a-w "$tmp"
if [ "$(id -u)" != 0 ]; then
    "$bin" build examples/asem/p1.pipeline --xlsx "$tmp/p1.xlsx" -q 2>/dev/null &&
        err "a workbook written into a read-only folder"
    cmp -s "$tmp/p1.xlsx" "$tmp/keep.xlsx" || err "the earlier workbook changed"
fi
chmod u+w "$tmp"
# a build that fails writes no workbook and leaves the earlier one as it was (this part runs
# as root too, where a read-only folder does not stop a write)
sed 's/^method = .*/method = nosuchmethod/' examples/asem/p1.pipeline >examples/asem/.xlsx-bad.pipeline
"$bin" build examples/asem/.xlsx-bad.pipeline --xlsx "$tmp/p1.xlsx" -q 2>/dev/null &&
    err "a failing build exited 0"
rm -f examples/asem/.xlsx-bad.pipeline
cmp -s "$tmp/p1.xlsx" "$tmp/keep.xlsx" || err "a failing build changed the earlier workbook"
# a folder is not a workbook
mkdir "$tmp/dir.xlsx"
"$bin" build examples/asem/p1.pipeline --xlsx "$tmp/dir.xlsx" -q 2>"$tmp/e" && err "--xlsx DIR accepted"
grep -q "dir.xlsx" "$tmp/e" || err "--xlsx DIR: $(cat "$tmp/e")"
exit $fail
