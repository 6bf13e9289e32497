#!/bin/sh
# report_cli.sh - `humsec report` through the command line: build the UNDP HDI (193 countries
# scored in 2022), write the report, and check that the page is one self-contained file
# (no external scripts, styles or images), carries every scored country and the sources'
# attribution, and that bad command lines and missing inputs fail with the documented codes.
# Usage: sh tests/cli/report_cli.sh path/to/humsec
set -u
bin=${1:?usage: report_cli.sh HUMSEC}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
err() { echo "FAIL: $*"; fail=1; }

"$bin" build examples/hdi/hdi.pipeline -o "$tmp/hdi" -q || err "build HDI exited $?"
"$bin" report "$tmp/hdi" -o "$tmp/hdi.html" -q || err "report exited $?"
[ -s "$tmp/hdi.html" ] || err "no report written"
page="$tmp/hdi.html"

# every scored country of summary.json ("score": a number) is in the page's data
codes=$(grep -o '"uCode": "[A-Z]*", "score": [-0-9]' "$tmp/hdi/summary.json" | cut -d'"' -f4)
n=0
for c in $codes; do
    n=$((n + 1))
    grep -q "{\"code\":\"$c\",\"score\":[-0-9]" "$page" || err "scored country $c missing"
done
[ "$n" = 193 ] || err "expected 193 scored countries in summary.json, found $n"
# the two unscored (North Korea, Monaco) are present with a null score
for c in PRK MCO; do
    grep -q "{\"code\":\"$c\",\"score\":null" "$page" || err "unscored $c not marked"
done

# self-contained: nothing loaded from elsewhere, every inlined part present
grep -Eiq '<(script|link|img|iframe)[^>]*(src|href)=' "$page" && err "page loads an external resource"
for id in hs-data hs-codes hs-names hs-topo; do
    grep -q "<script type=\"application/json\" id=\"$id\">" "$page" || err "no $id block"
done
[ "$(grep -ci '</script' "$page")" = 5 ] || err "expected exactly 5 script elements"
grep -q '<title>Human Development Index (UNDP HDR 2023/24 method)</title>' "$page" || err "title"
# method and sources: the data's PROVENANCE section and the pipeline file
grep -q 'Human Development Report Office' "$page" || err "no HDR attribution from PROVENANCE.md"
grep -q 'geometric mean of the three dimension indices' "$page" || err "pipeline text missing"
grep -q '"intervals":null' "$page" || err "intervals should be absent for a plain build"

# --title and --intervals
printf '"uCode","Time","nominal_rank","median_rank","q05_rank","q95_rank"\n"NOR",2022,2,2,1,4\n' \
    > "$tmp/iv.csv"
"$bin" report "$tmp/hdi" -o "$tmp/t.html" -q --title 'A <b>test</b>' --intervals "$tmp/iv.csv" \
    || err "report with options exited $?"
grep -q '<title>A &lt;b&gt;test&lt;/b&gt;</title>' "$tmp/t.html" || err "--title not escaped"
grep -q '{"code":"NOR",.*"interval":\[1,2,4\]}' "$tmp/t.html" || err "NOR interval missing"
"$bin" report "$tmp/hdi" -o "$tmp/t.html" -q --lower-is-better || err "--lower-is-better exited $?"
grep -q '"lowerIsBetter":true' "$tmp/t.html" || err "--lower-is-better not passed on"

# failures: usage (2), missing folder (3), a table without interval columns (5)
"$bin" report -o "$tmp/x.html" -q 2>/dev/null; [ $? = 2 ] || err "no folder: want exit 2"
"$bin" report "$tmp/hdi" -q 2>/dev/null; [ $? = 2 ] || err "no -o: want exit 2"
"$bin" report "$tmp/hdi" -o "$tmp/x.html" --bogus 2>/dev/null; [ $? = 2 ] || err "bad option"
"$bin" report "$tmp/none" -o "$tmp/x.html" -q 2>/dev/null; [ $? = 3 ] || err "missing dir: want 3"
"$bin" report "$tmp/hdi" -o "$tmp/x.html" -q --intervals "$tmp/hdi/ranks.csv" 2>/dev/null
[ $? = 5 ] || err "intervals without q05_rank: want exit 5"
[ -e "$tmp/x.html" ] && err "a failed report left a file"
"$bin" help report | grep -q 'usage: humsec report' || err "help report"

[ $fail = 0 ] && echo "cli report: all checks passed"
exit $fail
