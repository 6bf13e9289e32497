#!/bin/sh
# Load test of `humsec serve` on loopback, in one run so that the figures are side by side
# (the machine may be shared: compare ratios, not single figures):
#  1. reads: wrk -t2 -c64 on /api/v1/scores?index=hsi, then nginx (Debian's, started here on
#     loopback with a temporary configuration, 2 workers) serving the same JSON bytes, the
#     pair REPEAT times; the ratio humsec/nginx of each pair;
#  2. hostile clients alongside the same reads (bench/hostile.py): 1,000 slow-header
#     connections (one header line every 2 s, from 40 loopback addresses) and 30
#     unauthenticated 16 MB bodies; the reads' throughput against the calm one, their
#     errors, and the server's peak memory (VmHWM) over the whole run;
#  3. with WRITER=1, also a writer posting submissions alongside reads of the scores and a
#     country page (the earlier form of this benchmark).
# Usage: bench/server.sh [DURATION] [REPEAT]   (from the project folder after `make build`;
# DURATION seconds per wrk, default 20; REPEAT pairs, default 3; SERVE_THREADS=N sets the
# server's threads (default 2); BASE_BIN=path/to/an/earlier/humsec measures it alongside;
# needs wrk, curl, nginx and python3)
set -eu
bin=build/humsec
dur=${1:-20}
rep=${2:-3}
threads=${SERVE_THREADS:-2}
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }
for t in wrk curl python3; do
  command -v $t >/dev/null || { echo "needs $t (apt-get install $t)" >&2; exit 1; }
done
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "needs nginx (apt-get install nginx-light)" >&2; exit 1; }
tmp=$(mktemp -d)
chmod 755 "$tmp"
srv=
ngx=
writer=
hostile=
cleanup() {
  [ -n "$writer" ] && kill "$writer" 2>/dev/null || true
  [ -n "$hostile" ] && kill "$hostile" 2>/dev/null || true
  [ -n "$ngx" ] && kill "$ngx" 2>/dev/null || true
  [ -n "${bsrv:-}" ] && kill -TERM "$bsrv" 2>/dev/null || true
  [ -n "$srv" ] && kill -TERM "$srv" 2>/dev/null && wait "$srv" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

db=$tmp/bench.db
token=$("$bin" partner add bench --db "$db" 2>/dev/null)
start_server() {
  rm -f "$tmp/port"
  "$bin" serve --db "$db" --port 0 --port-file "$tmp/port" --threads "$threads" \
    --access-log "${ACCESS_LOG:-/dev/null}" --quiet 2>"$tmp/serve.err" &
  srv=$!
  i=0
  while [ ! -s "$tmp/port" ]; do
    i=$((i + 1)); [ $i -lt 3000 ] || { cat "$tmp/serve.err"; exit 1; }
    sleep 0.1
  done
  port=$(cat "$tmp/port")
}
# the first start builds the store; the measured server starts on it, so that its peak
# memory is that of serving
start_server
kill -TERM "$srv"; wait "$srv" || true
start_server
base=http://127.0.0.1:$port
path="/api/v1/scores?index=hsi"
curl -s -o "$tmp/scores.json" "$base$path" # also fills the cache

# BASE_BIN: an earlier build of humsec, served from a copy of the store on another port and
# measured in each round too (before and after in one run)
bsrv=
if [ -n "${BASE_BIN:-}" ]; then
  cp "$db" "$tmp/base.db"
  "$BASE_BIN" serve --db "$tmp/base.db" --port 0 --port-file "$tmp/bport" --threads "$threads" \
    --quiet 2>"$tmp/base.err" &
  bsrv=$!
  while [ ! -s "$tmp/bport" ]; do sleep 0.1; done
  bbase=http://127.0.0.1:$(cat "$tmp/bport")
  curl -s -o /dev/null "$bbase$path"
fi

# nginx on another port, serving the same bytes with the same Content-Type
nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/www" "$tmp/ngx"
cp "$tmp/scores.json" "$tmp/www/scores.json"
chmod -R a+rX "$tmp/www"
user_line=
[ "$(id -u)" = 0 ] && user_line="user root;"
cat >"$tmp/nginx.conf" <<EOF
$user_line
worker_processes $threads;
daemon off;
pid $tmp/ngx/nginx.pid;
error_log $tmp/ngx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/ngx; proxy_temp_path $tmp/ngx; fastcgi_temp_path $tmp/ngx;
  uwsgi_temp_path $tmp/ngx; scgi_temp_path $tmp/ngx;
  keepalive_requests 1000000;
  sendfile on; tcp_nopush on; open_file_cache max=16 inactive=600s;
  server {
    listen 127.0.0.1:$nport;
    location = /scores { default_type "application/json; charset=utf-8"; alias $tmp/www/scores.json; }
  }
}
EOF
"$nginx" -c "$tmp/nginx.conf" -p "$tmp/ngx" &
ngx=$!
sleep 0.5
curl -s -o "$tmp/n.json" "http://127.0.0.1:$nport/scores" || true
cmp -s "$tmp/scores.json" "$tmp/n.json" ||
  { echo "nginx does not serve the same bytes" >&2; cat "$tmp/ngx/error.log" >&2; exit 1; }

# CPU time (clock ticks, user + system) of the processes PID...
cpu_ticks() {
  t=0
  for p in "$@"; do
    t=$((t + $(awk '{ print $14 + $15 }' /proc/"$p"/stat)))
  done
  echo $t
}

# wrk URL LABEL PID...: one line, and "rps errors cpu_us_per_request" in $tmp/last. The CPU
# time the server processes (PID...) spent per request is the steadier figure on a shared
# machine: requests/s depend on what else runs, the work per request much less.
run_wrk() {
  url=$1
  label=$2
  shift 2
  c0=$(cpu_ticks "$@")
  wrk -t2 -c64 -d"${dur}s" --latency "$url" >"$tmp/wrk.txt"
  c1=$(cpu_ticks "$@")
  hz=$(getconf CLK_TCK)
  awk -v label="$label" -v ticks=$((c1 - c0)) -v hz="$hz" '
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 }
    /^ +99%/ { p99 = $2 }
    /Non-2xx/ { non2xx = $NF }
    /Socket errors/ { n = split($0, f, /[ ,]+/); for (i = 1; i <= n; i++) if (f[i] ~ /^[0-9]+$/) sock += f[i] }
    / requests in / { total = $1 }
    END {
      us = total ? ticks * 1e6 / hz / total : 0
      printf "%-30s %8.0f req/s  p50 %-8s p99 %-8s errors %d  server CPU %.1f us/req\n", label, rps, p50, p99, non2xx + sock, us
      printf "%s %d %.3f\n", rps, non2xx + sock, us > "/dev/stderr"
    }' "$tmp/wrk.txt" 2>"$tmp/last"
}

echo "humsec serve: $threads threads, port $port; nginx: $threads workers, port $nport;"
echo "wrk -t2 -c64 -d${dur}s on $path ($(wc -c <"$tmp/scores.json") bytes); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
calm=
k=1
while [ $k -le "$rep" ]; do
  run_wrk "$base$path" "humsec ($k)" "$srv"
  read -r h _ hc <"$tmp/last"
  calm="$calm $h"
  run_wrk "http://127.0.0.1:$nport/scores" "nginx ($k)" $(pgrep -P "$ngx")
  read -r n _ nc <"$tmp/last"
  awk -v h="$h" -v n="$n" -v hc="$hc" -v nc="$nc" 'BEGIN {
    printf "  humsec/nginx: throughput %.2f, CPU per request %.2f (throughput capacity %.2f)\n", h / n, hc / nc, nc / hc }'
  if [ -n "$bsrv" ]; then
    run_wrk "$bbase$path" "BASE_BIN ($k)" "$bsrv"
    read -r b _ bc <"$tmp/last"
    awk -v b="$b" -v n="$n" -v bc="$bc" -v nc="$nc" 'BEGIN {
      printf "  BASE_BIN/nginx: throughput %.2f, throughput capacity %.2f\n", b / n, nc / bc }'
  fi
  k=$((k + 1))
done
calm_med=$(echo "$calm" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')

echo "hostile clients: 1000 slow-header connections, 30 unauthenticated 16 MB bodies"
python3 bench/hostile.py "$port" $((dur + 8)) 1000 30 >"$tmp/hostile.txt" &
hostile=$!
sleep 5 # the slow connections are all open, the bodies under way
conns_during=$(ls /proc/"$srv"/fd | wc -l)
run_wrk "$base$path" "humsec with hostile clients" "$srv"
read -r hrps herr _ <"$tmp/last"
wait "$hostile" || true
hostile=
cat "$tmp/hostile.txt"
peak=$(awk '/VmHWM/ { print $2 }' /proc/"$srv"/status)
awk -v h="$hrps" -v c="$calm_med" -v e="$herr" -v p="$peak" -v fds="$conns_during" 'BEGIN {
  printf "reads with hostile clients: %.0f req/s = %.0f %% of the calm median (%.0f), errors %d\n", h, 100 * h / c, c, e
  printf "server: %d descriptors open during the attack; peak memory (VmHWM) %.1f MB\n", fds, p / 1024
  ok = h >= 0.8 * c && e == 0 && p < 300 * 1024
  printf "targets (>= 80 %%, 0 errors, < 300 MB): %s\n", ok ? "met" : "NOT met"
}'

[ "${WRITER:-0}" = 1 ] || exit 0
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
for p in "/api/v1/scores?index=hsi" "/api/v1/countries/AFG"; do
  curl -s -o /dev/null "$base$p"
  run_wrk "$base$p" "$p, writer alongside" "$srv"
done
kill "$writer" 2>/dev/null || true
writer=
acc=$(grep -c '^201$' "$tmp/writer.log" || true)
bad=$(grep -vc '^201$' "$tmp/writer.log" || true)
echo "writer alongside: $acc submissions accepted (201), $bad other answers"
