#!/bin/sh
# Time one full ASEM P1 build (read, denominate, impute, screen, treat, normalise,
# aggregate, audit, write every output) and set it against COINr's measured figure for the
# same work (about 0.09 s per build, COINr 1.1.14 on R 4.2.2, as measured for the project;
# COINr cannot be installed on this machine, so its figure is a constant here).
# Usage: bench/build_asem.sh [PIPELINE]   (run from the project folder after `make build`)
set -eu
bin=build/humsec
pipeline=${1:-examples/asem/p1.pipeline}
coinr_s=0.09
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
hyperfine --warmup 3 --runs 30 --export-json "$tmp/h.json" \
  "$bin build $pipeline -o $tmp/out -q" >/dev/null
median=$(python3 -c "import json;print(json.load(open('$tmp/h.json'))['results'][0]['median'])")
peak_kb=$( { /usr/bin/time -f '%M' "$bin" build "$pipeline" -o "$tmp/out" -q; } 2>&1 | tail -1)
python3 - "$median" "$coinr_s" "$peak_kb" "$pipeline" <<'PY'
import sys
m, c, kb, p = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
print(f"pipeline        {p}")
print(f"humsec median   {m*1000:.2f} ms per build (hyperfine, 30 runs)")
print(f"COINr           {c*1000:.0f} ms per build (measured figure)")
print(f"ratio           COINr / humsec = {c/m:.1f}x")
print(f"peak memory     {kb/1024:.1f} MiB (humsec, max RSS)")
PY
