#!/bin/sh
# Load test of `humsec serve`: wrk with 64 connections on loopback against the scores of
# the HSI and a country page, each for DURATION seconds, while a writer posts indicator
# submissions alongside (one after another, as fast as they are acknowledged).
# Prints requests/s, p50/p99 latency and errors per endpoint, and the writer's count.
# Usage: bench/server.sh [DURATION]   (from the project folder after `make build`;
# SERVE_THREADS=N sets the server's threads (default 2), ACCESS_LOG=FILE its access log;
# needs wrk and curl)
set -eu
bin=build/humsec
dur=${1:-30}
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }
for t in wrk curl; do
  command -v $t >/dev/null || { echo "needs $t (apt-get install $t)" >&2; exit 1; }
done
tmp=$(mktemp -d)
srv=
writer=
cleanup() {
  [ -n "$writer" ] && kill "$writer" 2>/dev/null || true
  [ -n "$srv" ] && kill -TERM "$srv" 2>/dev/null && wait "$srv" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

db=$tmp/bench.db
token=$("$bin" partner add bench --db "$db" 2>/dev/null)
"$bin" serve --db "$db" --port 0 --port-file "$tmp/port" --threads "${SERVE_THREADS:-2}" \
  --access-log "${ACCESS_LOG:-$tmp/access.log}" --quiet 2>"$tmp/serve.err" &
srv=$!
i=0
while [ ! -s "$tmp/port" ]; do
  i=$((i + 1)); [ $i -lt 1200 ] || { cat "$tmp/serve.err"; exit 1; }
  sleep 0.1
done
port=$(cat "$tmp/port")
base=http://127.0.0.1:$port

# the writer: each submission a few values, posted as soon as the last one is answered
(
  n=0
  while :; do
    n=$((n + 1))
    printf 'uCode,Time,iCode,Value\nAFG,2015,le,%d.%d\nAFG,2016,le,%d.%d\n' $((60 + n % 9)) $n \
      $((61 + n % 7)) $n >"$tmp/sub.csv"
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
      -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' \
      --data-binary @"$tmp/sub.csv" "$base/api/v1/submissions?kind=indicators")
    echo "$code" >>"$tmp/writer.log"
  done
) &
writer=$!

echo "humsec serve: ${SERVE_THREADS:-2} threads, loopback port $port; wrk: 2 threads, 64 connections, ${dur} s each"
for path in "/api/v1/scores?index=hsi" "/api/v1/countries/AFG"; do
  curl -s -o /dev/null "$base$path" # the first request fills the cache
  wrk -t2 -c64 -d"${dur}s" --latency "$base$path" >"$tmp/wrk.txt"
  awk -v path="$path" '
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 }
    /^ +99%/ { p99 = $2 }
    /Non-2xx/ { non2xx = $NF }
    /Socket errors/ { sock = $0; sub(/^ *Socket errors: */, "", sock) }
    / requests in / { total = $1 }
    END {
      printf "%-28s %10s req/s  p50 %-8s p99 %-8s requests %s  non-2xx %s  socket errors %s\n",
        path, rps, p50, p99, total, (non2xx == "" ? 0 : non2xx), (sock == "" ? "none" : sock)
    }' "$tmp/wrk.txt"
done
kill "$writer" 2>/dev/null || true
writer=
acc=$(grep -c '^201$' "$tmp/writer.log" || true)
bad=$(grep -vc '^201$' "$tmp/writer.log" || true)
echo "writer alongside: $acc submissions accepted (201), $bad other answers"
