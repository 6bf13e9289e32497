#!/bin/sh
# report_cli.sh - `humsec report` through the command line: build the UNDP HDI (193 countries
# scored in 2022), write the report, and check that the page is one self-contained file
# (no external scripts, styles or images), carries every scored country and the sources'
# attribution, and that bad command lines and missing inputs fail with the documented codes;
# then an index of districts (not countries) with its own boundary file.
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

# Units that are not countries (tests/cli/districts: D01..D10, one value imputed, one
# winsorised, a boundary file of squares named by [report] map), built in a copy of the
# fixture and reported from another folder: summary.json's relative paths are found from
# the build folder, the boundary file from the pipeline's folder.
proj="$tmp/proj"
mkdir -p "$proj"
cp tests/cli/districts/* "$proj/"
abs=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
(cd "$proj" && "$abs" build districts.pipeline -o d -q) || err "build districts exited $?"
(cd / && "$abs" report "$proj/d" -o "$tmp/d.html" -q) || err "report from / exited $?"
dp="$tmp/d.html"
grep -q '"map":{"file":"districts.geojson","id":"code","text":"{' "$dp" || err "no boundary map"
# Raw.csv has D03 clinic NA (imputed: index 1) and treated_points.csv D09 incid winhi (2)
grep -q '"code":"D03".*"name":"Hillside","raw":\[55,null,3,61\],"imputed":\[1\],"treated":\[\]' \
    "$dp" || err "D03: raw values or the imputed clinic value not carried"
grep -q '"code":"D09".*"raw":\[69,1.5,95,38\],"imputed":\[\],"treated":\[2\]' "$dp" ||
    err "D09: the winsorised incid value not marked"
grep -q '"pipelineFile":"districts.pipeline"' "$dp" || err "pipeline not named as the build gave it"
grep -q '"impute":"mean","weights":{"from":"structure"}' "$dp" || err "impute method or weights source"
grep -q 'District Security Index (test fixture)' "$dp" || err "structure not found from /"
# levels from the structure: the two pillars are level 2, the index level 3
grep -q '"aggregates":\[{"code":"Services","name":"Services","level":2},{"code":"Safety","name":"Safety","level":2},{"code":"DSI","name":"District Security Index","level":3}\]' \
    "$dp" || err "aggregates and their levels"
# without [report]: no map (the page then draws none and says units)
sed '/^\[report\]/,$d' "$proj/districts.pipeline" > "$proj/nomap.pipeline"
(cd "$proj" && "$abs" build nomap.pipeline -o n -q && "$abs" report n -o n.html -q) ||
    err "districts without [report] exited $?"
grep -q '"map":null' "$proj/n.html" || err "a map without [report] map"
# [report] mistakes: an unknown key stops the build (6) naming file:line:col; a missing or
# malformed boundary file stops the report (3, 4) and leaves no page
printf 'structure = structure.csv\n[data]\nfile = data.csv\n[normalise]\n[aggregate]\n[report]\nmapp = a\n' \
    > "$proj/bad.pipeline"
(cd "$proj" && "$abs" build bad.pipeline -o b -q 2>"$tmp/e"); [ $? = 6 ] || err "unknown [report] key: want 6"
grep -q "bad.pipeline:7:1: unknown parameter 'mapp' in \[report\]" "$tmp/e" || err "message: $(cat "$tmp/e")"
sed 's/^map = districts.geojson/map = gone.geojson/' "$proj/districts.pipeline" > "$proj/gone.pipeline"
(cd "$proj" && "$abs" build gone.pipeline -o g -q) || err "build gone exited $?"
"$bin" report "$proj/g" -o "$tmp/g.html" -q 2>/dev/null; [ $? = 3 ] || err "missing map: want 3"
echo 'not json' > "$proj/gone.geojson"
"$bin" report "$proj/g" -o "$tmp/g.html" -q 2>"$tmp/e"; [ $? = 4 ] || err "bad map: want 4"
grep -q 'gone.geojson:1:1: not a GeoJSON' "$tmp/e" || err "bad map message: $(cat "$tmp/e")"
[ -e "$tmp/g.html" ] && err "a failed report left a page"

# a sensitivity analysis: its Sobol' indices are found beside the rank intervals given; the
# sensitivity folder itself is no build, and the message says what to do
(cd "$proj" && "$abs" sensitivity districts.pipeline districts.spec --type sa --n 32 -o s -q) ||
    err "sensitivity exited $?"
"$bin" report "$proj/d" -o "$tmp/s.html" -q --intervals "$proj/s/ua_ranks.csv" || err "report --intervals"
grep -q '"sobol":{"file":"sa_indices.csv","head":\["factor","Si",' "$tmp/s.html" || err "no Sobol' table"
grep -q '"code":"D01".*"interval":\[[0-9]*,[0-9.]*,[0-9]*\]}' "$tmp/s.html" || err "no D01 interval"
"$bin" report "$proj/s" -o "$tmp/s2.html" -q 2>"$tmp/e"; [ $? = 3 ] || err "sensitivity folder: want 3"
grep -q "a folder of .humsec sensitivity., not of .humsec build." "$tmp/e" || err "hint: $(cat "$tmp/e")"

[ $fail = 0 ] && echo "cli report: all checks passed"
exit $fail
