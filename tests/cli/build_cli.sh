#!/bin/sh
# build_cli.sh - the same COINr reference check as tests/ref/test_coinr.c, but through the
# command line: build P1 with `humsec build`, read the CSV files it writes back, and compare
# every value of every dataset with COINr's within 1e-9 (values must survive printing and
# re-reading); then the help texts, `humsec run` and --explain.
# Usage: sh tests/cli/build_cli.sh path/to/humsec
set -u
bin=${1:?usage: build_cli.sh HUMSEC}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
err() { echo "FAIL: $*"; fail=1; }

"$bin" build examples/asem/p1.pipeline -o "$tmp/p1" -q || err "build P1 exited $?"
for f in Raw Denominated Imputed Screened Treated Normalised Aggregated ranks treated_points \
         treat_details audit_stats_Raw audit_corr_Normalised audit_corr_parent audit_cronbach \
         audit_pca_weights audit_pca_variance; do
    [ -s "$tmp/p1/$f.csv" ] || err "missing $f.csv"
done
[ -s "$tmp/p1/summary.json" ] || err "missing summary.json"

# compare OURS REF: match rows by uCode, columns by name; |a-b| <= 1e-9 (relative >= 1)
compare() {
    awk -F, -v ours="$1" -v ref="$2" '
    function unq(s) { gsub(/"/, "", s); return s }
    FNR == 1 { for (i = 1; i <= NF; i++) h[FILENAME, i] = unq($i); nf[FILENAME] = NF; next }
    FILENAME == ours { for (i = 2; i <= NF; i++) v[unq($1), h[ours, i]] = unq($i); next }
    {
        for (i = 2; i <= NF; i++) {
            k = unq($1) SUBSEP h[ref, i]; e = unq($i)
            if (!(k in v)) { print "missing " unq($1) "/" h[ref, i]; bad++; continue }
            g = v[k]; n++
            if (e == "NA" || g == "NA") { if (e != g) { print unq($1) "/" h[ref, i] ": " g " vs " e; bad++ } ; continue }
            d = g - e; if (d < 0) d = -d; s = e < 0 ? -e : e
            if ((s >= 1 && d > 1e-9 * s) || (s < 1 && d > 1e-9)) { print unq($1) "/" h[ref, i] ": " g " vs " e; bad++ }
        }
    }
    END { if (n == 0) { print "nothing compared"; exit 1 } exit bad > 0 }' "$1" "$2"
}
for d in Denominated Imputed Screened Treated Normalised Aggregated; do
    compare "$tmp/p1/$d.csv" "data/coinr-asem/p1_example_$d.csv" || err "P1 $d differs from COINr"
done
compare "$tmp/p1/ranks.csv" data/coinr-asem/p1_example_Aggregated_ranks.csv || err "P1 ranks differ"

# help texts are complete and exit 0
for c in "--help" "build --help" "run --help" "help build" "help run" "hsi-data --help" \
         "partner --help" "help partner"; do
    # shellcheck disable=SC2086
    out=$("$bin" $c) || err "humsec $c exited $?"
    case $out in *usage:*) ;; *) err "humsec $c printed no usage" ;; esac
done
"$bin" --version | grep -q '^humsec ' || err "--version"
if "$bin" serve --help >/dev/null 2>&1; then # built with the server
    "$bin" help serve | grep -q 'usage: humsec serve' || err "help serve"
fi

# the main job: the HSI (build, score table, report) and the other shipped examples
"$bin" run -o "$tmp/run" -q || err "humsec run exited $?"
for j in hsi hdi inform asem-p1; do
    [ -s "$tmp/run/$j/Aggregated.csv" ] || err "run: no $j/Aggregated.csv"
done
for f in hsi_scores.csv hsi_scores.json report.html; do
    [ -s "$tmp/run/$f" ] || err "run: no $f"
done
head -1 "$tmp/run/hsi_scores.csv" | grep -q '^uCode,uName,Time,HSI,HSI_rank,Fear,' ||
    err "run: hsi_scores.csv header"
grep -q '"rank_intervals": null' "$tmp/run/hsi_scores.json" || err "run: rank intervals note"
# the forecasts from the latest shipped month, with their onset alerts: what warn --forecast
# gives for that month
for f in summary.csv samples.csv onset_alerts.csv; do
    [ -s "$tmp/run/forecasts/$f" ] || err "run: no forecasts/$f"
done
"$bin" warn --table data/ucdp_cm/ucdp_ged251_country_month_1989_2023.csv --forecast -q |
    cmp -s - "$tmp/run/forecasts/onset_alerts.csv" || err "run: onset_alerts.csv differs from warn"
# ... and the same run recorded in the store (docs/server.md)
[ -s "$tmp/run/humsec.db" ] || err "run: no store out/humsec.db"
"$bin" partner list --db "$tmp/run/humsec.db" | grep -q '^id' || err "run: store unreadable"

# the HSI data assembly is reproducible through the command line too
"$bin" hsi-data -o "$tmp/hsi_long.csv" -q || err "hsi-data exited $?"
cmp -s "$tmp/hsi_long.csv" data/hsi/hsi_indicators_long.csv || err "hsi-data: output differs"
cmp -s "$tmp/hsi_unmatched.csv" data/hsi/hsi_unmatched.csv || err "hsi-data: unmatched differs"
"$bin" hsi-data --from 2030 -o "$tmp/bad.csv" -q 2>/dev/null && err "hsi-data: bad years accepted"
mkdir "$tmp/nodata"
"$bin" hsi-data --data "$tmp/nodata" -o "$tmp/bad.csv" -q 2>"$tmp/nodata.err"
[ $? = 3 ] || err "hsi-data: a missing source should exit 3"
grep -q 'country_code_crosswalk.csv' "$tmp/nodata.err" || err "hsi-data: message names no file"
[ -e "$tmp/bad.csv" ] && err "hsi-data: wrote output after a failure"

# --explain works on the HSI (one line per node and indicator)
out=$("$bin" build examples/hsi/hsi.pipeline --explain SYR:2023 -q) || err "--explain SYR exited $?"
case $out in *"HSI (Human Security Index) = "*"Fear (Freedom from fear)"*) ;;
    *) err "--explain SYR: $out" ;; esac

# provenance of one unit
out=$("$bin" build examples/hdi/hdi.pipeline --explain NOR:2022 -q) || err "--explain exited $?"
case $out in *"HDI (Human Development Index) = 0.965909"*) ;; *) err "--explain NOR: $out" ;; esac

[ $fail = 0 ] && echo "cli build: all checks passed"
exit $fail
