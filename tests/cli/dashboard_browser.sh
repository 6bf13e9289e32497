#!/bin/sh
# dashboard_browser.sh - the dashboard of `humsec serve` in headless Chromium (Debian's
# chromium, driven by the npm package playwright-core from web/package-lock.json): a store
# is prepared (the shipped GED files ingested, alerts raised, and the indices built into it
# when `humsec run` takes --db), the server is started on a free port, and
# web/test/dashboard.mjs checks the map, the year slider, the country page, the alerts
# feed (as many as GET /api/v1/alerts), the method page, error messages, no console errors
# and no request outside the server. Screenshots are kept in BUILD/dashboard-test/. Also
# checks that the committed bundles in web/dist/ match a rebuild.
# Exits 77 (ctest: skipped; an error under HS_REQUIRE_ALL=1, as in CI) when node, npm, chromium or `humsec serve` is missing.
# Usage: sh tests/cli/dashboard_browser.sh path/to/humsec
set -u
bin=${1:?usage: dashboard_browser.sh HUMSEC}
chromium=${CHROMIUM:-/usr/bin/chromium}
. "$(dirname "$0")/lib/require.sh"
req_node
req_chromium "$chromium"
req_serve "$bin"
req_npm playwright-core
fail=0
(cd web && node build.mjs --check) || fail=1

art=$(cd "$(dirname "$bin")" && pwd)/dashboard-test
rm -rf "$art"
mkdir -p "$art"
tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The store: events and alerts, then the indices.
db=$tmp/humsec.db
"$bin" events ingest data/ucdp/ged_car_v23_1.csv data/ucdp/ged_mexico_1989_2023.csv.gz --db "$db" -q ||
    { echo "FAIL: events ingest"; exit 1; }
"$bin" warn --db "$db" -o "$tmp/alerts.csv" -q || { echo "FAIL: warn"; exit 1; }
if "$bin" run --help 2>&1 | grep -q -- "--db"; then
    "$bin" run -o "$tmp/out" --db "$db" --quiet || { echo "FAIL: run --db"; exit 1; }
fi

# A free port, then the server; wait until /api/v1/health answers.
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
"$bin" serve --db "$db" --port "$port" >"$art/serve.log" 2>&1 &
pid=$!
base=http://127.0.0.1:$port
up=0
for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { echo "FAIL: humsec serve exited: $(cat "$art/serve.log")"; exit 1; }
    if node -e "fetch('$base/api/v1/health').then(r=>r.json()).then(j=>process.exit(j.status==='ok'?0:1),()=>process.exit(1))" 2>/dev/null; then
        up=1
        break
    fi
    sleep 0.5
done
[ $up = 1 ] || { echo "FAIL: $base/api/v1/health did not answer in 30 s: $(cat "$art/serve.log")"; exit 1; }

node web/test/dashboard.mjs --base "$base" --out "$art" --chromium "$chromium" || fail=1
[ $fail = 0 ] && echo "dashboard in chromium: all checks passed"
exit $fail
