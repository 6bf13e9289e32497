#!/bin/sh
# dashboard_unit.sh - the dashboard's pure functions in node, no browser and no server
# (report/test/dashboard-unit.mjs: hash routes, the index list, links, number formats,
# effective weights, the alerts' order, the charts), and the committed bundles in
# report/dist/ against a rebuild. Exits 77 (ctest: skipped) when node or npm is missing.
# Usage: sh tests/cli/dashboard_unit.sh [path/to/humsec]   (the binary is not used)
set -u
skip() { echo "SKIP: $*"; exit 77; }
command -v node >/dev/null 2>&1 || skip "node not found"
command -v npm >/dev/null 2>&1 || skip "npm not found"
if [ ! -d report/node_modules/d3-geo ] ||
   [ report/package-lock.json -nt report/node_modules/.package-lock.json ]; then
    (cd report && npm ci --no-audit --no-fund --loglevel=error) >/dev/null 2>&1 ||
        skip "'npm ci' in report/ failed (is the npm registry reachable?)"
fi
fail=0
(cd report && node build.mjs --check) || fail=1
log=$(mktemp)
(cd report && node --test test/dashboard-unit.mjs) >"$log" 2>&1 || {
    cat "$log"
    fail=1
}
grep -E "^# (pass|fail)" "$log"
rm -f "$log"
[ $fail = 0 ] && echo "dashboard unit tests: all passed"
exit $fail
