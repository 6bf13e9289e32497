#!/bin/sh
# dashboard_unit.sh - the dashboard's pure functions in node, no browser and no server
# (web/test/dashboard-unit.mjs: hash routes, the index list, links, number formats,
# effective weights, the alerts' order, the charts), and the committed bundles in
# web/dist/ against a rebuild. Exits 77 (ctest: skipped; an error under HS_REQUIRE_ALL=1, as in CI) when node or npm is missing.
# Usage: sh tests/cli/dashboard_unit.sh [path/to/humsec]   (the binary is not used)
set -u
. "$(dirname "$0")/lib/require.sh"
req_node
req_npm d3-geo
fail=0
(cd web && node build.mjs --check) || fail=1
log=$(mktemp)
(cd web && node --test test/dashboard-unit.mjs) >"$log" 2>&1 || {
    cat "$log"
    fail=1
}
grep -E "^# (pass|fail)" "$log"
rm -f "$log"
[ $fail = 0 ] && echo "dashboard unit tests: all passed"
exit $fail
