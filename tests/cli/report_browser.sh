#!/bin/sh
# report_browser.sh - the HDI report in headless Chromium (Debian's chromium, driven by the
# npm package playwright-core from web/package-lock.json): no console errors and no
# network, a filled map path per mapped country, a table row per scored country, a profile
# that opens on a click, the watchlist of the global forecast in the order its summary
# gives (web/test/browser.mjs). Screenshots are kept in
# BUILD/report-test/. Then an index of districts (tests/cli/districts) drawn from its own
# boundary file, in units (web/test/report-units.mjs). Also checks that the committed bundle web/dist/ matches a rebuild.
# Exits 77 (ctest: skipped; an error under HS_REQUIRE_ALL=1, as in CI) when node, npm or chromium is missing.
# Usage: sh tests/cli/report_browser.sh path/to/humsec
set -u
bin=${1:?usage: report_browser.sh HUMSEC}
chromium=${CHROMIUM:-/usr/bin/chromium}
. "$(dirname "$0")/lib/require.sh"
req_node
req_chromium "$chromium"
req_npm playwright-core
fail=0
(cd web && node build.mjs --check) || fail=1

art=$(cd "$(dirname "$bin")" && pwd)/report-test
rm -rf "$art"
mkdir -p "$art"
"$bin" build examples/hdi/hdi.pipeline -o "$art/hdi" -q || { echo "FAIL: build HDI"; exit 1; }
"$bin" forecast --table data/ucdp_cm/ucdp_ged251_country_month_1989_2023.csv --no-samples \
    -o "$art/forecasts" -q || { echo "FAIL: forecast --table"; exit 1; }
"$bin" report "$art/hdi" -o "$art/report.html" --forecasts "$art/forecasts/summary.csv" -q ||
    { echo "FAIL: report"; exit 1; }
node web/test/browser.mjs "$art/report.html" "$art/hdi" "$art" "$chromium" \
    "$art/forecasts/summary.csv" || fail=1

# Units that are not countries: the district fixture with its boundary file, and without one
# (no map). Built in a copy so the build's paths are relative, as a user's are.
proj="$art/districts"
mkdir -p "$proj"
cp tests/cli/districts/* "$proj/"
sed '/^\[report\]/,$d' "$proj/districts.pipeline" > "$proj/nomap.pipeline"
abs=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
(cd "$proj" && "$abs" build districts.pipeline -o d -q && "$abs" report d -o d.html -q &&
    "$abs" build nomap.pipeline -o n -q && "$abs" report n -o n.html -q) ||
    { echo "FAIL: districts build or report"; exit 1; }
node web/test/report-units.mjs "$proj/d.html" "$proj/d" "$art" "$chromium" "$proj/n.html" || fail=1

# The analysis pictures, with a sensitivity analysis, a comparison (B: geometric means of
# min-max 1-100) and a what-if named in [report], the effective weights from `humsec weights`
# (web/test/report-pictures.mjs). The index is aggregated with a weight set there.
sed -e 's/minmax(0, 100)/minmax(1, 100)/' -e 's/^method = arithmetic/method = geometric/' \
    -e '/^\[report\]/,$d' "$proj/districts.pipeline" > "$proj/alt.pipeline"
# aggregated with a weight set, so the sunburst must show the set's weights, not the structure's
sed -e 's/^method = arithmetic/method = arithmetic\nweights = alt/' \
    -e 's/^\[report\]/[weights alt]\nclinic = 3\nSafety = 2\n\n[report]/' "$proj/districts.pipeline" \
    > "$proj/p.tmp" && mv "$proj/p.tmp" "$proj/districts.pipeline"
printf 'compare = cmp\nwhatif = wi\nsensitivity = sens\n' >> "$proj/districts.pipeline"
(cd "$proj" && "$abs" sensitivity districts.pipeline districts.spec --type sa --n 64 -o sens -q &&
    "$abs" compare districts.pipeline alt.pipeline -o cmp -q &&
    "$abs" whatif districts.pipeline --remove level=1 -o wi -q &&
    "$abs" weights districts.pipeline -o weights.csv -q &&
    "$abs" build districts.pipeline -o p -q && "$abs" report p -o p.html -q) ||
    { echo "FAIL: districts analyses or their report"; exit 1; }
node web/test/report-pictures.mjs "$proj/p.html" "$proj/p" "$art" "$chromium" "$proj/weights.csv" \
    "$proj/sens" "$proj/cmp" "$proj/wi" || fail=1
[ $fail = 0 ] && echo "report in chromium: all checks passed"
exit $fail
