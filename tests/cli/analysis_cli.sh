#!/bin/sh
# analysis_cli.sh - `humsec compare`, `humsec whatif` and `humsec corr` through the command
# line: the files they write, read back, hold COINr's values (data/coinr-asem/refs2/,
# compare_coins, remove_elements, get_corr_flags and get_denom_corr on the example coin)
# within 1e-9; the summary goes to standard output without -o; a build compared with itself
# moves nobody; every command has its help.
# Usage: sh tests/cli/analysis_cli.sh path/to/humsec
set -u
bin=${1:?usage: analysis_cli.sh HUMSEC}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
err() { echo "FAIL: $*"; fail=1; }
refs=data/coinr-asem/refs2
p1=examples/asem/p1.pipeline
var=tests/ref/data/coinr2/compare_variant_gmean_l4.pipeline

# close OURS REF KEYCOLS: rows matched on the first KEYCOLS columns of REF (found by name in
# OURS; in a table with a Level column, only the rows of iCode Index), then every other REF column by name,
# within 1e-9 (relative for |x| >= 1); every REF row must be found.
close() {
    awk -F, -v ours="$1" -v nk="$3" '
    function unq(s) { gsub(/"/, "", s); return s }
    FNR == 1 { for (i = 1; i <= NF; i++) { h[FILENAME, i] = unq($i); c[FILENAME, unq($i)] = i }
               nf[FILENAME] = NF; if (FILENAME != ours) ref = FILENAME; next }
    FILENAME != ours { nr++; for (i = 1; i <= NF; i++) r[nr, i] = unq($i); next }
    {
        if ((ours, "Level") in c && unq($c[ours, "iCode"]) != "Index") next
        k = ""; for (i = 1; i <= nk; i++) k = k SUBSEP unq($c[ours, h[ref, i]])
        for (i = 1; i <= NF; i++) v[k, h[ours, i]] = unq($i); seen[k] = 1
    }
    END {
        for (j = 1; j <= nr; j++) {
            k = ""; for (i = 1; i <= nk; i++) k = k SUBSEP r[j, i]
            if (!(k in seen)) { print "missing row " k; bad++; continue }
            for (i = nk + 1; i <= nf[ref]; i++) {
                e = r[j, i]; g = v[k, h[ref, i]]; n++
                if (e == "NA" || g == "NA") { if (e != g) { print k " " h[ref, i] ": " g " vs " e; bad++ }; continue }
                d = g - e; if (d < 0) d = -d; s = e < 0 ? -e : e
                if ((s >= 1 && d > 1e-9 * s) || (s < 1 && d > 1e-9)) { print k " " h[ref, i] ": " g " vs " e; bad++ }
            }
        }
        if (n == 0) { print "nothing compared"; exit 1 }
        exit bad > 0
    }' "$2" "$1"
}

# compare: COINr's compare_coins of the example coin and its geometric-index variant
"$bin" compare "$p1" "$var" -o "$tmp/cmp" -q || err "compare exited $?"
for f in compare_ranks compare_scores compare_summary; do
    [ -s "$tmp/cmp/$f.csv" ] || err "missing $f.csv"
done
close "$tmp/cmp/compare_ranks.csv" "$refs/compare_coins_Index_ranks.csv" 1 \
    || err "compare_ranks.csv differs from COINr"
close "$tmp/cmp/compare_scores.csv" "$refs/compare_coins_Index_scores.csv" 1 \
    || err "compare_scores.csv differs from COINr"
head -1 "$tmp/cmp/compare_ranks.csv" | grep -qx \
    '"iCode","Level","uCode","Time","coin.1","coin.2","Diff","Abs.diff"' \
    || err "compare_ranks.csv header: $(head -1 "$tmp/cmp/compare_ranks.csv")"
# without -o: the summary on standard output, the same as the file
"$bin" compare "$p1" "$var" -q >"$tmp/summary.csv" || err "compare to stdout exited $?"
cmp -s "$tmp/summary.csv" "$tmp/cmp/compare_summary.csv" || err "stdout summary != compare_summary.csv"
grep -q '^"Index",4,51,' "$tmp/summary.csv" || err "summary has no Index row over 51 units"
# a build against itself: every rank and score difference is 0
"$bin" compare "$p1" "$p1" -q >"$tmp/same.csv" || err "compare with itself exited $?"
awk -F, 'NR > 1 && ($4 != 0 || $5 != 0 || $6 != 0 || $7 != 0) { bad = 1 } END { exit bad }' \
    "$tmp/same.csv" || err "a build compared with itself moved"

# whatif: COINr's remove_elements of the example coin's pillars
"$bin" whatif "$p1" --remove level=2 -o "$tmp/wi" -q || err "whatif exited $?"
for f in scores ranks rankdiffs; do
    ref=$(echo "$f" | sed 's/^s/S/; s/^r/R/; s/diffs/Diffs/')
    close "$tmp/wi/whatif_$f.csv" "$refs/remove_elements_L2_Index_$ref.csv" 1 \
        || err "whatif_$f.csv differs from COINr"
done
close "$tmp/wi/whatif_mean_abs_diff.csv" "$refs/remove_elements_L2_Index_MeanAbsDiff.csv" 1 \
    || err "whatif_mean_abs_diff.csv differs from COINr"
"$bin" whatif "$p1" --remove level=2 -q >"$tmp/wi.csv" || err "whatif to stdout exited $?"
cmp -s "$tmp/wi.csv" "$tmp/wi/whatif_mean_abs_diff.csv" || err "stdout != whatif_mean_abs_diff.csv"

# corr: COINr's get_corr_flags and get_denom_corr; a pair matches whatever its order
# pairs_close OURS REF NKEY: NKEY = 3 (Group, Ind1, Ind2) or 2 (Ind, Denom); same row count
pairs_close() {
    awk -F, -v ours="$1" -v nk="$3" '
    function unq(s) { gsub(/"/, "", s); return s }
    function key(a, b, g) { return nk == 3 ? g SUBSEP (a < b ? a SUBSEP b : b SUBSEP a) : a SUBSEP b }
    FNR == 1 { next }
    FILENAME == ours { v[key(unq($(nk - 1)), unq($nk), unq($1))] = unq($(nk + 1)); no++; next }
    {
        k = key(unq($(nk - 1)), unq($nk), unq($1)); nr++
        if (!(k in v)) { print "missing pair " $0; bad++; next }
        d = v[k] - unq($(nk + 1)); if (d < 0) d = -d
        if (d > 1e-9) { print "pair " $0 ": " v[k]; bad++ }
    }
    END { if (no != nr) { print no " pairs, COINr has " nr; bad++ } exit bad > 0 }' "$1" "$2"
}
"$bin" corr "$p1" -o "$tmp/corr" -q || err "corr exited $?"
pairs_close "$tmp/corr/corr_flags.csv" "$refs/corr_flags_Normalised_default.csv" 3 \
    || err "corr_flags.csv (0.9) differs from COINr"
pairs_close "$tmp/corr/denom_corr.csv" "$refs/denom_corr_Raw.csv" 2 \
    || err "denom_corr.csv differs from COINr"
"$bin" corr "$p1" --threshold 0.7 -q >"$tmp/high.csv" || err "corr 0.7 exited $?"
pairs_close "$tmp/high.csv" "$refs/corr_flags_Normalised_high_0.7.csv" 3 \
    || err "corr --threshold 0.7 differs from COINr"
"$bin" corr "$p1" --threshold -0.4 --low -q >"$tmp/low.csv" || err "corr low exited $?"
pairs_close "$tmp/low.csv" "$refs/corr_flags_Normalised_low_m0.4.csv" 3 \
    || err "corr --threshold -0.4 --low differs from COINr"
"$bin" corr "$p1" --denominators -q >"$tmp/den.csv" || err "corr --denominators exited $?"
cmp -s "$tmp/den.csv" "$tmp/corr/denom_corr.csv" || err "stdout != denom_corr.csv"
# the check can fail: the 0.7 flags are not the default's (empty) table
pairs_close "$tmp/high.csv" "$refs/corr_flags_Normalised_default.csv" 3 >/dev/null \
    && err "pairs_close passed two different tables"

for c in compare whatif corr; do
    "$bin" "$c" --help | grep -q "^usage: humsec $c " || err "$c --help"
    "$bin" help "$c" | grep -q "^usage: humsec $c " || err "help $c"
    "$bin" --help | grep -q "^  $c " || err "$c missing from humsec --help"
done
exit $fail
