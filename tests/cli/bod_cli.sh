#!/bin/sh
# bod_cli.sh - `humsec build` with benefit-of-the-doubt pillars: standard output stays empty
# with --quiet (the linear-programme solver writes nothing), every pillar of Aggregated.csv
# lies in [0, 1] with some unit at 1, and a value below 0 stops the build naming the unit.
# Usage: sh tests/cli/bod_cli.sh path/to/humsec
set -u
bin=${1:?usage: bod_cli.sh HUMSEC}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
err() { echo "FAIL: $*"; fail=1; }

"$bin" build tests/ref/data/bod/bod_l2.pipeline -o "$tmp/out" --quiet >"$tmp/stdout" ||
    err "build failed"
[ -s "$tmp/stdout" ] && err "standard output: $(head -3 "$tmp/stdout")"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { gsub(/"/, "", $i); c[$i] = i }; next }
    { for (p in pill) { v = $c[p]; if (v < 0 || v > 1 + 1e-9) bad++; if (v > top[p]) top[p] = v } }
    BEGIN { split("Physical ConEcFin Political Instit P2P Environ Social SusEcFin", a, " ");
            for (i in a) pill[a[i]] = 1 }
    END { for (p in pill) if (top[p] < 1 - 1e-9) bad++; exit bad > 0 }' \
    "$tmp/out/Aggregated.csv" || err "pillars outside [0, 1] or none at 1"

cat >"$tmp/p.pipeline" <<'PIPE'
structure = m.csv
[data]
file = d.csv
[aggregate]
method = bod
PIPE
printf 'Level,iCode,iName,Direction,Weight,Parent,Type\n1,i1,one,1,1,Idx,Indicator\n1,i2,two,1,1,Idx,Indicator\n2,Idx,index,1,1,,Aggregate\n' >"$tmp/m.csv"
printf 'uCode,i1,i2\nA,1,0.2\nB,0.5,-0.5\n' >"$tmp/d.csv"
"$bin" build "$tmp/p.pipeline" -o "$tmp/o2" --quiet >"$tmp/stdout" 2>"$tmp/stderr" &&
    err "a value < 0 was accepted"
grep -q "unit 'B'" "$tmp/stderr" || err "message: $(cat "$tmp/stderr")"
[ -e "$tmp/o2/Aggregated.csv" ] && err "a failed build wrote Aggregated.csv"
[ "$fail" = 0 ] && echo "bod_cli: ok"
exit "$fail"
