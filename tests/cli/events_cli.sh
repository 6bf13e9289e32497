#!/bin/sh
# events_cli.sh - `humsec events` and `humsec warn` through the command line: ingest the
# shipped GED files twice (the second time stores nothing new), panels from the store and
# straight from the files agree, the grid panel reports what it leaves out, alerts are
# written and stored, and bad input gets its message and documented exit status.
# Usage: sh tests/cli/events_cli.sh path/to/humsec
set -u
bin=${1:?usage: events_cli.sh HUMSEC}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
err() { echo "FAIL: $*"; fail=1; }
expect() { # expect STATUS NEEDLE CMD...
    want=$1 needle=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    [ "$got" = "$want" ] || err "exit $got (wanted $want): $*: $(cat "$tmp/err")"
    grep -q -- "$needle" "$tmp/err" || err "no '$needle' in: $(cat "$tmp/err")"
}
db=$tmp/ev.db
car=data/ucdp/ged_car_v23_1.csv
mex=data/ucdp/ged_mexico_1989_2023.csv.gz

"$bin" events ingest "$car" "$mex" --db "$db" 2>"$tmp/log" || err "ingest exited $?"
grep -q "1848 rows, 1848 new events" "$tmp/log" || err "ingest summary: $(cat "$tmp/log")"
grep -q "ged_car_v23_1.csv:147: event 255999: best 7 is outside low..high" "$tmp/log" ||
    err "no file:line warning"
"$bin" events ingest "$car" --db "$db" -q || err "second ingest exited $?"
"$bin" events ingest "$car" --db "$db" 2>&1 | grep -q "0 new events, 1848 already stored" ||
    err "second ingest stored something"

# panels from the store and from the files agree (no overlap between CAR and Mexico)
"$bin" events panel --db "$db" --from 2016-01 --to 2019-12 -o "$tmp/db.csv" -q ||
    err "panel --db exited $?"
"$bin" events panel "$car" "$mex" --from 2016-01 --to 2019-12 -o "$tmp/files.csv" -q ||
    err "panel FILE exited $?"
cmp -s "$tmp/db.csv" "$tmp/files.csv" || err "store and file panels differ"
head -1 "$tmp/db.csv" | grep -q "^month_id,year,month,country_id,iso3,events_sb,events_ns,events_os,deaths_sb,deaths_ns,deaths_os$" ||
    err "country panel header: $(head -1 "$tmp/db.csv")"
# zero-filled: 2 countries x 48 months
[ "$(wc -l <"$tmp/db.csv")" -eq 97 ] || err "panel rows: $(wc -l <"$tmp/db.csv")"
grep -q "^433,2016,1,482,CAF," "$tmp/db.csv" || err "no CAF January 2016 row"
# CAR 2016 deaths: 688, the sum of best over the file's 2016 rows (tests/ref/test_ged.c checks
# every country-year of every shipped file this way)
got=$(awk -F, '$2 == 2016 && $4 == 482 { s += $9 + $10 + $11 } END { print s }' "$tmp/db.csv")
[ "$got" = 688 ] || err "CAR 2016 deaths: panel $got, want 688"

# --spread moves deaths between months, never in or out: every country's total is the same,
# from the files and from the store, and some events of the files span months
"$bin" events panel "$car" "$mex" -o "$tmp/all.csv" -q || err "panel exited $?"
"$bin" events panel "$car" "$mex" --spread -o "$tmp/spread.csv" -q || err "panel --spread exited $?"
"$bin" events panel --db "$db" --spread -o "$tmp/spread_db.csv" -q || err "panel --db --spread exited $?"
cmp -s "$tmp/spread.csv" "$tmp/spread_db.csv" || err "store and file panels differ with --spread"
tot() { awk -F, 'NR > 1 { e[$4] += $6 + $7 + $8; d[$4] += $9 + $10 + $11 }
                 END { for (u in d) print u, e[u], d[u] }' "$1" | sort; }
[ "$(tot "$tmp/all.csv")" = "$(tot "$tmp/spread.csv")" ] || err "--spread changed a total"
cmp -s "$tmp/all.csv" "$tmp/spread.csv" && err "--spread moved no deaths"
"$bin" events panel "$car" --level grid -o "$tmp/grid.csv" 2>"$tmp/log" || err "grid exited $?"
# the grid panel's chunks, formatted by two threads, come out in order: as with one thread
"$bin" events panel "$car" --level grid --threads 1 -o "$tmp/grid1.csv" -q || err "grid --threads 1 exited $?"
cmp -s "$tmp/grid.csv" "$tmp/grid1.csv" || err "grid panel differs between 1 and 2 threads"
# 29 rows of the CAR file have where_prec >= 6, with 190 deaths (test_ged.c recounts them)
want="29 events (190 deaths)"
grep -q "leaves out $want located only to a country" "$tmp/log" ||
    err "grid drop report: $(cat "$tmp/log") (wanted $want)"
head -1 "$tmp/grid.csv" | grep -q "^month_id,year,month,gid,row,col,lat,lon," || err "grid header"

# alerts from the store, stored
"$bin" warn --db "$db" -o "$tmp/alerts.csv" -q || err "warn exited $?"
head -1 "$tmp/alerts.csv" | grep -q "^month_id,year,month,country_id,observed,expected,pvalue,qvalue,score,explanation$" ||
    err "alerts header"
n=$(($(wc -l <"$tmp/alerts.csv") - 1))
[ "$n" -gt 0 ] || err "no alerts on CAR + Mexico"
"$bin" warn --db "$db" --cusum --h 50 -o "$tmp/cusum.csv" -q || err "warn --cusum exited $?"
# h calibrated per baseline rate for a 60-month in-control run (two years scored: a few rates)
"$bin" warn "$car" --cusum --arl0 60 --from 2015-01 --to 2016-12 -o "$tmp/arl.csv" -q ||
    err "warn --arl0 exited $?"
grep -q "h for an in-control run of 60 months" "$tmp/arl.csv" || err "no calibrated alert: $(cat "$tmp/arl.csv")"
expect 2 "arl0 0 or 2..1200" "$bin" warn "$car" --cusum --arl0 1

# coverage: the CAR file ends in 2022-12, the Mexico file in 2023-12. In their panel CAR's
# 2023 months are missing (empty), not zero, and Mexico's are numbers; from the store too;
# --to 2023-12 states that the CAR data cover 2023 (zeros); the forecast's origin for CAR is
# its last covered month
"$bin" events panel "$car" "$mex" -o "$tmp/cov.csv" -q || err "panel (coverage) exited $?"
[ "$(grep -c '^[0-9]*,2023,[0-9]*,482,CAF,,,,,,$' "$tmp/cov.csv")" = 12 ] ||
    err "CAR 2023 is not 12 empty months: $(grep ',2023,.*,482,' "$tmp/cov.csv" | head -2)"
[ "$(grep -c '^[0-9]*,2022,[0-9]*,482,CAF,[0-9]' "$tmp/cov.csv")" = 12 ] || err "CAR 2022 not numbers"
[ "$(grep -c '^[0-9]*,2023,[0-9]*,70,MEX,[0-9]' "$tmp/cov.csv")" = 12 ] || err "MEX 2023 not numbers"
"$bin" events panel --db "$db" -o "$tmp/cov_db.csv" -q || err "panel --db (coverage) exited $?"
cmp -s "$tmp/cov.csv" "$tmp/cov_db.csv" || err "store and file panels differ in coverage"
"$bin" events panel "$car" --to 2023-12 -o "$tmp/cov_to.csv" -q || err "panel --to exited $?"
[ "$(grep -c '^[0-9]*,2023,[0-9]*,482,CAF,0,0,0,0,0,0$' "$tmp/cov_to.csv")" = 12 ] ||
    err "--to 2023-12 does not state CAR's coverage"
"$bin" forecast "$car" "$mex" -o "$tmp/cov_fc.csv" -q || err "forecast (coverage) exited $?"
grep -q '^482,516,1,517,' "$tmp/cov_fc.csv" || err "CAR's origin is not 2022-12 (516): $(grep '^482,' "$tmp/cov_fc.csv" | head -1)"
grep -q '^70,528,1,529,' "$tmp/cov_fc.csv" || err "Mexico's origin is not 2023-12 (528)"

# forecasts: 2 countries x 3 leads; the backtest: 3 leads x (model + 2 baselines)
"$bin" forecast --db "$db" -o "$tmp/fc.csv" -q || err "forecast exited $?"
head -1 "$tmp/fc.csv" | grep -q "^country_id,origin_month_id,lead,target_month_id,p_reach_25,expected_ln1p$" ||
    err "forecast header: $(head -1 "$tmp/fc.csv")"
[ "$(wc -l <"$tmp/fc.csv")" -eq 7 ] || err "forecast rows: $(wc -l <"$tmp/fc.csv")"
awk -F, 'NR > 1 && ($5 < 0 || $5 > 1 || $6 < 0) { bad = 1 } END { exit bad }' "$tmp/fc.csv" ||
    err "forecast probability outside 0..1 or negative ln(1+y)"
"$bin" evaluate --db "$db" --type all -o "$tmp/ev.csv" -q || err "evaluate exited $?"
[ "$(wc -l <"$tmp/ev.csv")" -eq 10 ] || err "evaluate rows: $(wc -l <"$tmp/ev.csv")"
grep -q "^1,no_change," "$tmp/ev.csv" || err "no no-change baseline row"
grep -q "^3,rolling_mean_12," "$tmp/ev.csv" || err "no rolling-mean baseline row"
expect 2 "held-out unit 999 is not in the panel" "$bin" evaluate --db "$db" --holdout 999
# the backtest of docs/warning.md: on all organised violence the model beats both baselines
# on Brier (lower) and AUC-PR (higher) at leads 1 and 3
"$bin" evaluate "$car" "$mex" --type all -o "$tmp/bt.csv" -q || err "evaluate (backtest) exited $?"
awk -F, 'NR > 1 && ($1 == 1 || $1 == 3) { b[$1 "," $2] = $5; a[$1 "," $2] = $7 }
    END { for (l = 1; l <= 3; l += 2)
              if (!(b[l ",model"] < b[l ",no_change"] && b[l ",model"] < b[l ",rolling_mean_12"] &&
                    a[l ",model"] > a[l ",no_change"] && a[l ",model"] > a[l ",rolling_mean_12"])) bad = 1
          exit bad }' "$tmp/bt.csv" || err "the model does not beat both baselines: $(cat "$tmp/bt.csv")"

# the VIEWS 2023/24 protocol: scores.csv has every model, window and metric; the zero model's
# 2022 CRPS is the published 120.968; a repeated country-month stops it with file:line and
# leaves an earlier scores.csv as it was
"$bin" evaluate --protocol views2023 -o "$tmp/vw" --samples 100 -q || err "views2023 exited $?"
[ "$(wc -l <"$tmp/vw/scores.csv")" -eq 91 ] || err "views2023 rows: $(wc -l <"$tmp/vw/scores.csv")"
grep -q '^zero,2022,crps,120.968' "$tmp/vw/scores.csv" || err "zero 2022 CRPS: $(grep '^zero,2022,crps' "$tmp/vw/scores.csv")"
grep -q '^humsec,2023,mis,' "$tmp/vw/scores.csv" || err "no humsec rows"
cp "$tmp/vw/scores.csv" "$tmp/vw.before"
{ cat data/views_cm/views_cm_actuals_sb_2018_2023.csv; echo '1,Guyana,2018,1,457,3'; } >"$tmp/act.csv"
expect 4 "act.csv:13754: country 1, month_id 457 given twice (first on line 2)" \
    "$bin" evaluate --protocol views2023 -o "$tmp/vw" --actuals "$tmp/act.csv"
cmp -s "$tmp/vw/scores.csv" "$tmp/vw.before" || err "a failed views2023 run changed scores.csv"
expect 2 "--protocol takes views2023" "$bin" evaluate --protocol views2019 -o "$tmp/vw"
"$bin" evaluate --protocol views2023 --help | grep -q "conflictology" || err "views2023 --help"

# probabilistic forecasts of every country of the global table: summary.csv has a row per
# country and lead, samples.csv a draw per row; a bad table writes nothing
cm=data/ucdp_cm/ucdp_ged251_country_month_1989_2023.csv
"$bin" forecast --table "$cm" -o "$tmp/fc" --leads 2 --samples 20 -q || err "forecast --table exited $?"
n=$(($(wc -l <"$tmp/fc/summary.csv") - 1))
[ "$n" -eq 392 ] || err "summary rows: $n (wanted 196 countries x 2 leads)"
[ "$(($(wc -l <"$tmp/fc/samples.csv") - 1))" -eq $((n * 20)) ] || err "samples rows"
grep -q '^UKR,2023-12,1,2024-01,529,' "$tmp/fc/summary.csv" || err "no Ukraine row"
awk -F, 'NR > 1 && ($11 < 0 || $11 > 1 || $12 > $11 || $13 > $12) { bad = 1 } END { exit bad }' \
    "$tmp/fc/summary.csv" || err "P(>=1) >= P(>=25) >= P(>=1000) does not hold"
# its rolling backtest over the origins of 2022: 16 rows (4 leads x 4 models); humsec's CRPS
# is below no change's at every lead
"$bin" evaluate --table "$cm" --from 2022-01 --to 2022-12 --samples 50 -o "$tmp/bt.csv" -q ||
    err "evaluate --table exited $?"
[ "$(wc -l <"$tmp/bt.csv")" -eq 17 ] || err "evaluate --table rows: $(wc -l <"$tmp/bt.csv")"
awk -F, 'NR > 1 { c[$1 "," $2] = $5 } END { for (l in c) { split(l, k, ",");
           if (k[2] == "humsec" && !(c[l] < c[k[1] ",no_change"])) bad = 1 } exit bad }' \
    "$tmp/bt.csv" || err "humsec does not beat no change: $(cat "$tmp/bt.csv")"
expect 2 "the origins must lie" "$bin" evaluate --table "$cm" --from 1989-03 --to 1990-01
# the onset alerts: calibrated on 2017-2021, scored on 2022: six rows, the same threshold
# for a model's three classes, and the backtest unchanged by asking for them
"$bin" evaluate --table "$cm" --from 2022-01 --to 2022-12 --samples 50 -o "$tmp/bt2.csv" \
    --onsets "$tmp/on.csv" -q || err "evaluate --onsets exited $?"
cmp -s "$tmp/bt.csv" "$tmp/bt2.csv" || err "--onsets changed the backtest"
[ "$(wc -l <"$tmp/on.csv")" -eq 7 ] || err "onset rows: $(cat "$tmp/on.csv")"
[ "$(awk -F, 'NR > 1 { print $1 "," $2 }' "$tmp/on.csv" | sort -u | wc -l)" -eq 2 ] ||
    err "one threshold per model: $(cat "$tmp/on.csv")"
expect 2 "calibrated on the 60 months before --from" \
    "$bin" evaluate --table "$cm" --from 1990-01 --to 1990-12 --onsets "$tmp/on2.csv"
printf 'iso3,period,conflict_fatalities_best\nAFG,2020-01,5\nAFG,2020-01,6\n' >"$tmp/dup.csv"
expect 4 "dup.csv:3: unit AFG, month_id 481 given twice (first on line 2)" \
    "$bin" forecast --table "$tmp/dup.csv" -o "$tmp/fc2"
[ ! -e "$tmp/fc2" ] || err "a failed forecast --table wrote $tmp/fc2"
expect 2 "--leads takes 1..120" "$bin" forecast --table "$cm" -o "$tmp/fc2" --leads 0
"$bin" forecast --table x --help | grep -q "samples.csv (month_id, unit, draw, outcome" ||
    err "forecast --table --help"
# neighbours at war: weight 0 is the deaths-only model to the byte; a weight changes the
# draws; a bad borders file names its line and column and writes nothing; bad values and a
# stored forecast with neighbours are usage errors
"$bin" forecast --table "$cm" -o "$tmp/fcn0" --leads 2 --samples 20 -q --nbr-weight 0 ||
    err "forecast --nbr-weight 0 exited $?"
cmp -s "$tmp/fc/samples.csv" "$tmp/fcn0/samples.csv" || err "--nbr-weight 0 changed the draws"
"$bin" forecast --table "$cm" -o "$tmp/fcn1" --leads 2 --samples 20 -q --nbr-weight 1 \
    --nbr-form both || err "forecast --nbr-weight 1 exited $?"
! cmp -s "$tmp/fc/samples.csv" "$tmp/fcn1/samples.csv" || err "--nbr-weight 1 changed nothing"
printf 'iso3,neighbour_iso3\nAFG,IRN\nAFG,Ir\n' >"$tmp/borders.csv"
expect 4 "borders.csv:3:5: neighbour_iso3 'Ir'" \
    "$bin" forecast --table "$cm" -o "$tmp/fcn2" --nbr-weight 1 --borders "$tmp/borders.csv"
[ ! -e "$tmp/fcn2" ] || err "a failed forecast --nbr-weight wrote $tmp/fcn2"
expect 4 "borders.csv:3:5:" "$bin" evaluate --protocol views2023 -o "$tmp/vwn" --nbr-weight 1 \
    --borders "$tmp/borders.csv"
expect 2 "--nbr-weight takes a number from 0 to 1e6" \
    "$bin" evaluate --table "$cm" --nbr-weight -1
expect 2 "--nbr-form takes sum, count or both" "$bin" forecast --table "$cm" -o "$tmp/fcn2" \
    --nbr-weight 1 --nbr-form all
expect 2 "a stored forecast is the deaths-only model" \
    "$bin" forecast --table "$cm" --db "$tmp/nbr.db" --nbr-weight 1

# bad input: documented exit codes and messages
printf 'id,year,type_of_violence,country_id,latitude,longitude,where_prec,date_start,date_end,best\n1,2020,4,482,4.3,18.5,1,2020-01-02,2020-01-02,5\n' >"$tmp/bad.csv"
expect 4 "bad.csv:2:8: unknown type_of_violence 4" "$bin" events ingest "$tmp/bad.csv" --db "$db"
expect 4 "bad.csv:2:8: unknown type_of_violence 4" "$bin" events panel "$tmp/bad.csv"
expect 3 "cannot open" "$bin" events ingest "$tmp/missing.csv" --db "$db"
expect 2 "try 'humsec events --help'" "$bin" events panel --level county "$car"
expect 2 "YYYY-MM" "$bin" events panel --from 2020-13 "$car"
expect 2 "needs the store" "$bin" events ingest "$car"
expect 2 "unknown events subcommand" "$bin" events frobnicate
expect 2 "--type takes" "$bin" warn --db "$db" --type xx
"$bin" events --help | grep -q "usage: humsec events ingest" || err "events --help"
"$bin" warn --help | grep -q "Benjamini-Hochberg" || err "warn --help"
"$bin" help events >/dev/null || err "help events"

[ "$fail" = 0 ] && echo "events CLI: all checks passed"
exit "$fail"
