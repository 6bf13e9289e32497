#!/bin/sh
# Sensitivity analysis speed on the ASEM spec (COINr's vignette assumptions): model runs per
# second, the time per run against COINr's measured 0.14 s per run (UA N=1000: 133 s; SA
# N=1000: 861 s for 6000 runs), whole-analysis wall time and peak memory, and the scaling
# from 1 to 2 threads. Run from the project folder after `make build`.
# Usage: bench/sensitivity.sh [N]   (default 10000: 60 000 runs)
set -eu
bin=build/humsec
n=${1:-10000}
coinr_run_s=0.14
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }
for t in 1 2; do
    best=""
    for rep in 1 2 3; do
        /usr/bin/time -f '%e %M' -o "$tmp/time$t.$rep" "$bin" sensitivity \
            examples/asem/sa.pipeline examples/asem/sa.spec -o "$tmp/out$t" --type sa \
            --n "$n" --threads $t 2>"$tmp/log$t.$rep"
        rps=$(sed -n 's/.* s: \([0-9]*\) runs\/s.*/\1/p' "$tmp/log$t.$rep")
        if [ -z "$best" ] || [ "$rps" -gt "$best" ]; then best=$rps; pick=$rep; fi
    done
    eval "rps$t=$best"
    eval "wall$t=\$(cut -d' ' -f1 $tmp/time$t.$pick)"
    eval "mem$t=\$(cut -d' ' -f2 $tmp/time$t.$pick)"
done
cmp -s "$tmp/out1/sa_indices.csv" "$tmp/out2/sa_indices.csv" && same=yes || same=NO
python3 - "$n" "$coinr_run_s" "$rps1" "$rps2" "$wall1" "$wall2" "$mem1" "$mem2" "$same" <<'PY'
import sys
n, c, r1, r2, w1, w2, m1, m2, same = sys.argv[1:]
n, c, r1, r2, w1, w2 = int(n), float(c), float(r1), float(r2), float(w1), float(w2)
runs = n * 6
print(f"ASEM SA, N = {n}: {runs} model runs (best of 3 per thread count)")
print(f"1 thread : {r1:8.0f} runs/s  {1e6/r1:6.1f} us/run  = {c*r1:7.0f}x COINr's 0.14 s/run;"
      f"  whole analysis {w1:.2f} s, peak {int(m1)/1024:.0f} MiB")
print(f"2 threads: {r2:8.0f} runs/s  {1e6/r2:6.1f} us/run  = {c*r2:7.0f}x COINr;"
      f"  whole analysis {w2:.2f} s, peak {int(m2)/1024:.0f} MiB")
print(f"scaling 1 -> 2 threads: {r2/r1:.2f}x (model runs), {w1/w2:.2f}x (whole analysis)")
print(f"outputs identical for 1 and 2 threads: {same}")
PY
