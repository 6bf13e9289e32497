# bad/sensitivity.sh - `humsec sensitivity` on the small index of bad_inputs.sh: samples too
# small for Sobol' estimates, choices for which the index is undefined (refused up front by a
# sensitivity analysis, skipped and counted by an uncertainty analysis), runs.csv only on
# request. Sourced by tests/cli/bad_inputs.sh (uses base, check, pass and fail).

# sens_spec: a SPEC varying the normalisation and the aggregation of the small index
sens_spec() {
    cat >"$tmp/w/sa.spec" <<SPEC
[factor Normalisation]
step = normalise
key = method
values = $1

[factor Aggregation]
step = aggregate
key = method
values = $2
SPEC
}

# sens_expect NAME CONDITION-DESCRIPTION: count a follow-up check on the files written
sens_expect() {
    if [ "$2" = 1 ]; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL $1"; fi
}

base; sens_spec 'minmax(1, 100) | zscore(10, 2)' 'arithmetic | geometric'
check sens_sa_n_3 2 "--n is 3: too small for Sobol' estimates (expected at least 32" \
    sensitivity p.pipeline sa.spec -o res --type sa --n 3
base; sens_spec 'minmax(1, 100) | zscore(10, 2)' 'arithmetic | geometric'
check sens_sa_n_31 2 "expected at least 32 with --type sa" \
    sensitivity p.pipeline sa.spec -o res --type sa --n 31
base; sens_spec 'minmax(1, 100) | zscore(10, 2)' 'arithmetic | geometric'
check sens_n_not_number 2 "--n is 'ten' (expected a whole number)" \
    sensitivity p.pipeline sa.spec -o res --n ten
base; sens_spec 'minmax(1, 100) | prank' 'arithmetic | geometric'
check sens_sa_prank_geometric 7 \
    "the index is undefined for 1 of the 4 combinations of the choices, e.g. Normalisation = prank, Aggregation = geometric" \
    sensitivity p.pipeline sa.spec -o res --type sa --n 32
base; sens_spec 'minmax(0, 100) | minmax(0, 10)' 'geometric | harmonic'
check sens_ua_all_undefined 7 "every run was skipped" sensitivity p.pipeline sa.spec -o res --n 16
base; sens_spec 'minmax(1, 100) | minmaks(0, 1)' 'arithmetic | geometric'
check sens_bad_alternative 6 "unknown normalisation 'minmaks'" \
    sensitivity p.pipeline sa.spec -o res --n 16
base; check sens_missing_spec 3 "nope.spec" sensitivity p.pipeline nope.spec -o res --n 16
base; sens_spec 'minmax(1, 100) | zscore(10, 2)' 'arithmetic | geometric'
check sens_unknown_option 2 "unknown option '--run'" \
    sensitivity p.pipeline sa.spec -o res --n 16 --run

# An uncertainty analysis skips the runs with prank and geometric, counts them (standard
# error and sensitivity.json) and reports intervals over the others.
# The count is checked against runs.csv: the runs whose rank shift is NA.
base; sens_spec 'minmax(1, 100) | prank' 'arithmetic | geometric'
check sens_ua_prank_geometric_skipped 0 "skipped 3 of 16 runs: the index is undefined" \
    sensitivity p.pipeline sa.spec -o res --n 16 --runs
sens_expect sens_ua_skipped_in_runs_csv "$([ "$(grep -c ',NA$' "$tmp/w/res/runs.csv")" = 3 ] && echo 1)"
sens_expect sens_ua_skipped_in_summary \
    "$(grep -c '"skipped_runs": 3,' "$tmp/w/res/sensitivity.json" 2>/dev/null)"
sens_expect sens_ua_undefined_named \
    "$(grep -c '"undefined_combinations": \["Normalisation = prank, Aggregation = geometric"\]' \
        "$tmp/w/res/sensitivity.json" 2>/dev/null)"
# runs.csv only with --runs
base; sens_spec 'minmax(1, 100) | zscore(10, 2)' 'arithmetic | geometric'
check sens_no_runs_by_default 0 "wrote the uncertainty results" \
    sensitivity p.pipeline sa.spec -o res --n 16
sens_expect sens_no_runs_csv "$([ -e "$tmp/w/res/runs.csv" ] || echo 1)"
base; sens_spec 'minmax(1, 100) | zscore(10, 2)' 'arithmetic | geometric'
check sens_runs_on_request 0 "wrote the uncertainty results" \
    sensitivity p.pipeline sa.spec -o res --n 16 --runs
sens_expect sens_runs_csv_rows "$([ "$(wc -l <"$tmp/w/res/runs.csv")" = 17 ] && echo 1)"
# scores of two normalisations are not pooled: ua_scores.csv per normalisation instead
sens_expect sens_scores_per_normalisation \
    "$(grep -c '^"AAA","Alpha","zscore(10, 2)",8,' "$tmp/w/res/ua_scores.csv" 2>/dev/null)"
sens_expect sens_no_pooled_median "$(head -1 "$tmp/w/res/ua_ranks.csv" | grep -c median_score \
    | sed 's/^0$/1/; t; s/.*/0/')"
