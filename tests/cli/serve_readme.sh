#!/bin/sh
# serve_readme.sh - the README's "Serve" example as written (serve on a new store, partner
# add, a submission with curl, its review), on any free port instead of 8080 and with a short
# rank-interval analysis; then the page and a read, the usage errors of serve and partner,
# and a clean stop on SIGTERM. Exits 77 (skip; an error under HS_REQUIRE_ALL=1, as in CI) without curl or
# without the server.
# Usage: sh tests/cli/serve_readme.sh path/to/humsec
set -u
bin=${1:?usage: serve_readme.sh HUMSEC}
. "$(dirname "$0")/lib/require.sh"
command -v curl >/dev/null 2>&1 || req_skip "curl not found (apt-get install curl)"
req_serve "$bin"
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
err() { echo "FAIL: $*"; fail=1; }

"$bin" serve --db "$tmp/humsec.db" --port 0 --port-file "$tmp/port" --ua-runs 20 \
    2>"$tmp/serve.err" &
pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$tmp/port" ] || { cat "$tmp/serve.err"; echo "FAIL: the server did not start"; exit 1; }
base=http://localhost:$(cat "$tmp/port")
grep -q 'building the shipped data first' "$tmp/serve.err" || err "no progress on a new store"

TOKEN=$("$bin" partner add "Example NGO" --db "$tmp/humsec.db" 2>/dev/null)
case $TOKEN in hs_*) ;; *) err "partner add printed no token" ;; esac
out=$(printf 'uCode,Time,iCode,Value\nAFG,2023,le,62.9\n' |
  curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' --data-binary @- \
       "$base/api/v1/submissions?kind=indicators")
case $out in *'"status":"pending"'*) ;; *) err "README submission: $out" ;; esac
"$bin" partner review --db "$tmp/humsec.db" | grep -q '^1	Example NGO	indicators	.*	pending' ||
  err "partner review does not list the pending submission"
"$bin" partner review --accept 1 --db "$tmp/humsec.db" 2>/dev/null || err "partner review --accept 1"
"$bin" partner review --status accepted --db "$tmp/humsec.db" | grep -q '^1	.*	accepted	local' ||
  err "the submission is not accepted after review --accept"
"$bin" partner review --accept 1 --db "$tmp/humsec.db" 2>/dev/null
[ $? -eq 2 ] || err "accepting twice is not refused"

curl -s "$base/" | grep -qi '<html' || err "GET / is not the dashboard page"
curl -s "$base/api/v1/scores?index=hsi&country=AFG" | grep -q '"code":"AFG"' || err "scores"
"$bin" partner list --db "$tmp/humsec.db" | grep -q 'Example NGO' || err "partner list"

# usage errors: exit 2 with a message
"$bin" serve --port 70000 2>/dev/null; [ $? -eq 2 ] || err "serve --port 70000 not a usage error"
"$bin" serve --bogus 2>/dev/null; [ $? -eq 2 ] || err "serve --bogus not a usage error"
"$bin" partner 2>/dev/null; [ $? -eq 2 ] || err "partner without a verb not a usage error"
"$bin" partner add --db "$tmp/humsec.db" 2>/dev/null; [ $? -eq 2 ] || err "partner add without NAME"
"$bin" partner add "Example NGO" --db "$tmp/humsec.db" 2>/dev/null
[ $? -eq 2 ] || err "a second partner of the same name"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] || err "serve exited $rc on SIGTERM"
grep -q 'SIGTERM: finishing' "$tmp/serve.err" || err "no stop message"
exit $fail
