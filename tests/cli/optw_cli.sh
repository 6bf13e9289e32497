#!/bin/sh
# optw_cli.sh - `humsec weights --optimised` and `--optimise LEVEL`: the table of optimised
# weights, read back, has one row per pillar of COINr's example, weights >= 0 summing to 1,
# targets 1/8 and importances that sum to 1; --optimise on the same data aggregated with the
# structure's weights finds the same; a note of values set to NA comes once, not once per
# candidate; refusals exit non-zero with a message; --help tells.
# Usage: sh tests/cli/optw_cli.sh path/to/humsec
set -u
bin=${1:?usage: optw_cli.sh HUMSEC}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
err() { echo "FAIL: $*"; fail=1; }
opt=tests/ref/data/optw/optw_l2.pipeline
plain=tests/ref/data/optw/plain_l2.pipeline

"$bin" weights "$opt" --optimised -q -o "$tmp/a.csv" || err "--optimised -o failed"
head -1 "$tmp/a.csv" | grep -qx '"iCode","Level","Weight","Target","Importance","Corr"' ||
    err "header: $(head -1 "$tmp/a.csv")"
awk -F, 'NR > 1 { n++; w += $3; t += $4; i += $5; if ($3 < 0 || $4 != 0.125) bad++ }
    END { d1 = w - 1; d2 = i - 1; if (n != 8 || bad || d1 * d1 > 1e-20 || d2 * d2 > 1e-20) exit 1 }' \
    "$tmp/a.csv" || err "rows of $tmp/a.csv: $(cat "$tmp/a.csv")"
"$bin" weights "$plain" --optimise 2 -q >"$tmp/b.csv" || err "--optimise 2 failed"
cmp -s "$tmp/a.csv" "$tmp/b.csv" || err "--optimise 2 differs from the pipeline's optimum"

"$bin" weights "$plain" --optimised -q >"$tmp/o" 2>"$tmp/e" && err "--optimised on a plain build passed"
grep -q "optimised(LEVEL)" "$tmp/e" || err "message: $(cat "$tmp/e")"
"$bin" weights "$plain" --optimise 4 -q >"$tmp/o" 2>"$tmp/e" && err "--optimise 4 (the top) passed"
grep -q "no level 4" "$tmp/e" || err "message: $(cat "$tmp/e")"
"$bin" weights "$plain" --optimise x >"$tmp/o" 2>&1 && err "--optimise x passed"
# the HDI's geometric mean with nonpositive = na: the values set to NA are noted once, by
# the Aggregate step, not once per candidate weight set the optimiser tries
"$bin" weights examples/hdi/hdi.pipeline --optimise 2 -o "$tmp/hdi.csv" 2>"$tmp/e" ||
    err "--optimise 2 on the HDI failed: $(cat "$tmp/e")"
n=$(grep -c "set to NA" "$tmp/e")
[ "$n" = 1 ] || err "the HDI's NA note came $n times (expected once)"
"$bin" weights --help | grep -q -- "--optimise LEVEL" || err "help lacks --optimise"
[ "$fail" = 0 ] && echo "optw_cli: ok"
exit "$fail"
