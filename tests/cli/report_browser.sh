#!/bin/sh
# report_browser.sh - the HDI report in headless Chromium (Debian's chromium, driven by the
# npm package playwright-core from report/package-lock.json): no console errors and no
# network, a filled map path per mapped country, a table row per scored country, a profile
# that opens on a click (report/test/browser.mjs). Screenshots are kept in
# BUILD/report-test/. Also checks that the committed bundle report/dist/ matches a rebuild.
# Exits 77 (ctest: skipped) when node, npm or chromium is missing.
# Usage: sh tests/cli/report_browser.sh path/to/humsec
set -u
bin=${1:?usage: report_browser.sh HUMSEC}
chromium=${CHROMIUM:-/usr/bin/chromium}
skip() { echo "SKIP: $* (the report's browser test needs node, npm and Debian's chromium)"; exit 77; }
command -v node >/dev/null 2>&1 || skip "node not found"
command -v npm >/dev/null 2>&1 || skip "npm not found"
[ -x "$chromium" ] || skip "$chromium not found (apt-get install chromium)"

# The locked packages, installed once (again only when the lockfile changes).
if [ ! -d report/node_modules/playwright-core ] ||
   [ report/package-lock.json -nt report/node_modules/.package-lock.json ]; then
    (cd report && npm ci --no-audit --no-fund --loglevel=error) >/dev/null 2>&1 ||
        skip "'npm ci' in report/ failed (is the npm registry reachable?)"
fi
fail=0
(cd report && node build.mjs --check) || fail=1

art=$(cd "$(dirname "$bin")" && pwd)/report-test
rm -rf "$art"
mkdir -p "$art"
"$bin" build examples/hdi/hdi.pipeline -o "$art/hdi" -q || { echo "FAIL: build HDI"; exit 1; }
"$bin" report "$art/hdi" -o "$art/report.html" -q || { echo "FAIL: report"; exit 1; }
node report/test/browser.mjs "$art/report.html" "$art/hdi" "$art" "$chromium" || fail=1
[ $fail = 0 ] && echo "report in chromium: all checks passed"
exit $fail
