#!/bin/sh
# sensitivity_cli.sh - `humsec sensitivity` through the command line: a UA run writes its
# files, and bad SPEC files or options get a clear message and a non-zero exit.
# Usage: sh tests/cli/sensitivity_cli.sh path/to/humsec
set -u
bin=${1:?usage: sensitivity_cli.sh HUMSEC}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
P=examples/asem/sa.pipeline

check() { # NAME WANT_EXIT NEEDLE SPEC_TEXT [EXTRA ARGS]
    name=$1 want=$2 needle=$3 text=$4
    shift 4
    printf '%s\n' "$text" >"$tmp/s.spec"
    "$bin" sensitivity "$P" "$tmp/s.spec" -o "$tmp/out" -q "$@" 2>"$tmp/err" >/dev/null
    got=$?
    msg=$(cat "$tmp/err")
    case $msg in *"$needle"*) ok=1 ;; *) ok=0 ;; esac
    [ "$got" = "$want" ] || ok=0
    if [ $ok = 1 ]; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL $name: exit $got (want $want): $msg"; fi
}

good='[factor Aggregation]
step = aggregate
key = method
values = arithmetic | geometric'
check ua_ok 0 "" "$good" --n 16
for f in ua_ranks.csv sensitivity.json; do
    [ -s "$tmp/out/$f" ] || { echo "FAIL: no $f"; fail=$((fail + 1)); }
done
[ "$(wc -l <"$tmp/out/ua_ranks.csv")" = 52 ] || { echo "FAIL: ua_ranks rows"; fail=$((fail + 1)); }
# one normalisation: the score quantiles stay in ua_ranks.csv; runs.csv only with --runs
head -1 "$tmp/out/ua_ranks.csv" | grep -q '"median_score"' || { echo "FAIL: no median_score"; fail=$((fail + 1)); }
[ ! -e "$tmp/out/ua_scores.csv" ] || { echo "FAIL: ua_scores.csv with one scale"; fail=$((fail + 1)); }
[ ! -e "$tmp/out/runs.csv" ] || { echo "FAIL: runs.csv without --runs"; fail=$((fail + 1)); }
check ua_runs 0 "" "$good" --n 16 --runs
[ "$(wc -l <"$tmp/out/runs.csv")" = 17 ] || { echo "FAIL: runs.csv rows"; fail=$((fail + 1)); }

# ASEM with COINr's spec mixes min-max (1..100) and z-score (10, 2) runs: scores are
# summarised per normalisation, never pooled (pooled, CHE's median was 32.6 against a nominal
# 68.7). Each group holds the runs drawn with it, and its scores lie on its own scale (the
# quoted label "minmax(1, 100)" holds a comma, so awk sees it in $4, runs in $6, quantiles in $7-$9).
"$bin" sensitivity "$P" examples/asem/sa.spec -o "$tmp/asem" -q --n 1000 || fail=$((fail + 1))
head -1 "$tmp/asem/ua_ranks.csv" | grep -q 'median_score' && { echo "FAIL: pooled scores"; fail=$((fail + 1)); }
awk -F, 'NR > 1 { n[$4] += $6 }
    NR > 1 && $4 == "\"minmax(1" && ($7 < 1 || $9 > 100) { bad++ }
    NR > 1 && $4 == "\"zscore(10" && ($7 < 0 || $9 > 20) { bad++ }
    $1 == "\"CHE\"" && $4 == "\"minmax(1" && !($8 > 50) { bad++ }
    $1 == "\"CHE\"" && $4 == "\"zscore(10" && !($8 > 10 && $8 < 13) { bad++ }
    END { if (bad || n["\"minmax(1"] + n["\"zscore(10"] != 51 * 1000) exit 1 }' \
    "$tmp/asem/ua_scores.csv" || { echo "FAIL: ua_scores.csv groups"; fail=$((fail + 1)); }
grep -q '"score_quantiles": "ua_scores.csv' "$tmp/asem/sensitivity.json" || fail=$((fail + 1))
check unknown_param 6 "s.spec:4:1: unknown parameter 'valeus'" '[factor A]
step = aggregate
key = method
valeus = arithmetic | geometric'
check empty_alternative 6 "empty alternative in 'values'" '[factor A]
step = aggregate
key = method
values = arithmetic | | geometric'
check one_alternative 6 "only one alternative" '[factor A]
step = aggregate
key = method
values = arithmetic'
check negative_noise 6 "weight noise '-0.25' must be a number from 0 to 1" '[factor W]
noise.level.2 = -0.25'
check no_factors 6 "no factors" 'target = Index'
check missing_step 6 "factor 'I': the pipeline has no [smooth] step" '[factor I]
step = smooth
key = width
values = 1 | 2'
check bad_alternative 6 "unknown normalisation 'minmaks'" '[factor N]
step = normalise
key = method
values = minmax(1, 100) | minmaks(0, 1)'
check bad_target 6 "target 'Nope' is not an aggregate" 'target = Nope
'"$good"
check bad_range 6 "range '3, 1' is not 'LOW, HIGH'" '[factor S]
step = treat
key = skew_thresh
range = 3, 1'
check unknown_exclude 6 "'Nope' is not an indicator" '[factor D]
exclude = none | Nope'
check n_too_small 2 "--n is 1 (expected at least 2)" "$good" --n 1
check bad_type 2 "--type is 'xa'" "$good" --type xa
check bad_threads 2 "--threads is 0" "$good" --threads 0
# a slow-path factor (continuous range before aggregation) and an exclusion still run
check range_and_exclude 0 "" '[factor S]
step = treat
key = skew_thresh
range = 1.5, 2.5

[factor D]
exclude = none | Goods | Services' --n 32 --type sa --bootstrap 10
[ -s "$tmp/out/sa_indices.csv" ] || { echo "FAIL: slow path wrote no sa_indices.csv"; fail=$((fail + 1)); }
out=$("$bin" sensitivity --help) && case $out in *"--type ua|sa"*) ;; *) fail=$((fail + 1)) ;; esac
# SA below the documented minimum N is refused, not estimated (Si = -1.0 at N = 3)
check sa_n_too_small 2 "--n is 3: too small for Sobol' estimates (expected at least 32" "$good" --type sa --n 3
# no help text shows a printf escape: every command's --help, and humsec's own
for c in "" build run hsi-data report sensitivity "events ingest" "events panel" warn forecast \
    evaluate serve "partner add" "partner list" "partner revoke"; do
    # shellcheck disable=SC2086
    h=$("$bin" $c --help 2>&1)
    case $h in *%%*) echo "FAIL: '%%' in humsec $c --help"; fail=$((fail + 1)) ;; esac
done

# weight sets given whole (a CSV beside the SPEC): the same runs as the exclusion they mirror,
# a zero weight for an indicator of an arithmetic mean being that indicator left out
printf '[factor D]\nexclude = none | Goods\n' >"$tmp/ex.spec"
"$bin" sensitivity "$P" "$tmp/ex.spec" -o "$tmp/ex" -q --n 64 --runs || fail=$((fail + 1))
mkdir -p "$tmp/w"
printf 'set,iCode,Weight\nnominal,Goods,1\nno goods,Goods,0\n' >"$tmp/w/sets.csv"
printf '[factor D]\nweights = sets.csv\n' >"$tmp/w/w.spec"
"$bin" sensitivity "$P" "$tmp/w/w.spec" -o "$tmp/ws" -q --n 64 --runs || fail=$((fail + 1))
cmp -s "$tmp/ex/runs.csv" "$tmp/ws/runs.csv" || { echo "FAIL: weight sets differ from exclusion"; fail=$((fail + 1)); }
cmp -s "$tmp/ex/ua_ranks.csv" "$tmp/ws/ua_ranks.csv" || { echo "FAIL: weight sets ua_ranks"; fail=$((fail + 1)); }
awk -F, 'NR > 1 && $4 != 0 { moved = 1 } END { exit !moved }' "$tmp/ws/runs.csv" \
    || { echo "FAIL: weight sets never moved a rank"; fail=$((fail + 1)); }
wcheck() { # NAME NEEDLE CSV_TEXT|NONE [EXIT]
    rm -f "$tmp/w/sets.csv"
    [ "$3" = NONE ] || printf '%b' "$3" >"$tmp/w/sets.csv"
    "$bin" sensitivity "$P" "$tmp/w/w.spec" -o "$tmp/wbad" -q --n 16 2>"$tmp/err" >/dev/null
    got=$?
    case $(cat "$tmp/err") in *"$2"*) [ $got = "${4:-6}" ] && { pass=$((pass + 1)); return; } ;; esac
    fail=$((fail + 1)); echo "FAIL $1: exit $got: $(cat "$tmp/err")"
}
wcheck w_columns "sets.csv:1:1: weight sets need the columns set, iCode and Weight" 'set,code,Weight\na,Goods,1\n'
wcheck w_code "sets.csv:3:3: 'Gods' is not a code of the structure" 'set,iCode,Weight\na,Goods,1\nb,Gods,0\n'
wcheck w_value "sets.csv:2:9: weight 'x' is not a finite number" 'set,iCode,Weight\na,Goods,x\n'
wcheck w_negative "weight '-1' is not a finite number of at least 0" 'set,iCode,Weight\na,Goods,-1\n'
wcheck w_twice "sets.csv:3:3: set 'a' gives 'Goods' a weight twice" 'set,iCode,Weight\na,Goods,1\na,Goods,0\n'
wcheck w_empty "no weight sets (no rows)" 'set,iCode,Weight\n'
wcheck w_blank "sets.csv:1:1: empty file" '' 4
wcheck w_missing "w/sets.csv: cannot open file" NONE 3
[ ! -e "$tmp/wbad" ] || { echo "FAIL: a refused analysis wrote its folder"; fail=$((fail + 1)); }
check w_and_noise 6 "needs exactly one of: values, range, exclude, noise.level.N, weights (found 2)" '[factor W]
weights = sets.csv
noise.level.2 = 0.25'

# Copeland scores every unit against the others, so runs that draw it rebuild the index whole:
# none is skipped, and the nominal choices (winmax 5, Copeland) move no rank
printf '[factor W]\nstep = treat\nkey = winmax\nvalues = 1 | 5\n[factor A]\nstep = aggregate\nkey = method\nvalues = arithmetic | copeland\n' >"$tmp/cop.spec"
"$bin" sensitivity tests/ref/data/coinr2/agg_copeland.pipeline "$tmp/cop.spec" -o "$tmp/cop" -q \
    --n 16 --runs || { echo "FAIL: Copeland analysis"; fail=$((fail + 1)); }
grep -q '"skipped_runs": 0,' "$tmp/cop/sensitivity.json" || { echo "FAIL: Copeland runs skipped"; fail=$((fail + 1)); }
awk -F, 'NR > 1 && $3 >= 0.5 && $4 >= 0.5 && $5 != 0 { bad = 1 } NR > 1 && $4 < 0.5 && $5 > 0 { moved = 1 }
    END { exit bad || !moved }' "$tmp/cop/runs.csv" || { echo "FAIL: Copeland runs.csv"; fail=$((fail + 1)); }

echo "sensitivity cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
