#!/bin/sh
# cmtable_cli.sh - `humsec events panel --table` and `humsec warn --table`: the panel of a
# small table of each shape says what the table says (zero where UCDP's shape has no row,
# empty where VIEWS's has none or the table does not cover the month), bad tables are
# refused with file:line and nothing written, warn takes a table's stated coverage and count
# column, and warn on the global UCDP table flags the escalations everyone knows of.
# Usage: sh tests/cli/cmtable_cli.sh path/to/humsec
set -u
bin=${1:?usage: cmtable_cli.sh HUMSEC}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
err() { echo "FAIL: $*"; fail=1; }
has() { # has FILE LINE: FILE holds LINE exactly
    grep -qx -- "$2" "$1" || err "no line '$2' in $1: $(head -3 "$1")"
}

# UCDP's shape, stated to cover 2022-01 .. 2022-05 (Ukraine is GW 369, Sudan 625)
printf 'iso3,period,conflict_fatalities_best\nUKR,2022-02,100\nUKR,2022-04,7\nSDN,2022-03,30\n' \
    >"$tmp/u.csv"
"$bin" events panel --table "$tmp/u.csv" --from 2022-01 --to 2022-05 -o "$tmp/up.csv" -q ||
    err "panel --table (UCDP) exited $?"
has "$tmp/up.csv" \
    "month_id,year,month,country_id,iso3,events_sb,events_ns,events_os,deaths_sb,deaths_ns,deaths_os,deaths_total"
# deaths in total only: the by-type columns are empty, the total is the table's
has "$tmp/up.csv" "506,2022,2,369,UKR,,,,,,,100"
has "$tmp/up.csv" "508,2022,4,369,UKR,,,,,,,7"
has "$tmp/up.csv" "507,2022,3,625,SDN,,,,,,,30"
# no row within the stated coverage: zero
has "$tmp/up.csv" "505,2022,1,369,UKR,,,,,,,0"
has "$tmp/up.csv" "509,2022,5,625,SDN,,,,,,,0"
# every crosswalk country a unit, the five covered months and no other
n=$(grep -c ',UKR,' "$tmp/up.csv")
[ "$n" = 5 ] || err "UKR has $n months, wanted 5"
grep -q '^50[4],\|^510,' "$tmp/up.csv" && err "a month outside the coverage was written"
[ "$(tail -n +2 "$tmp/up.csv" | wc -l)" -gt 500 ] || err "not every crosswalk country is a unit"

# VIEWS's shape, stated to cover month_id 499 .. 502: a unit-month without a row is unknown
printf 'country_id,month_id,ged_sb\n57,500,3\n57,502,0\n60,500,0\n60,501,12\n60,502,5\n' \
    >"$tmp/v.csv"
"$bin" events panel --table "$tmp/v.csv" --from 2021-07 --to 2021-10 -o "$tmp/vp.csv" -q ||
    err "panel --table (VIEWS) exited $?"
has "$tmp/vp.csv" \
    "month_id,year,month,country_id,iso3,events_sb,events_ns,events_os,deaths_sb,deaths_ns,deaths_os"
has "$tmp/vp.csv" "500,2021,8,57,,,,,3,,"
has "$tmp/vp.csv" "501,2021,9,57,,,,,,,"
has "$tmp/vp.csv" "502,2021,10,57,,,,,0,,"
has "$tmp/vp.csv" "501,2021,9,60,,,,,12,,"
has "$tmp/vp.csv" "499,2021,7,60,,,,,,,"
[ "$(wc -l <"$tmp/vp.csv")" = 9 ] || err "VIEWS panel: $(wc -l <"$tmp/vp.csv") lines, wanted 9"

# warn never reads a VIEWS month without a row as zero: unit 57 is 0 from month_id 500 to
# 531 but for no row at 505 and 100 deaths at 529 and 531. 529's baseline (505..528) holds
# the unknown month, so it is not judged; 531's (507..530) is whole, so it alerts.
awk 'BEGIN { print "country_id,month_id,ged_sb"
             for (m = 500; m <= 531; m++) if (m != 505) print "57," m "," (m == 529 || m == 531 ? 100 : 0) }' \
    >"$tmp/vh.csv"
"$bin" warn --table "$tmp/vh.csv" --type sb -o "$tmp/vh.out" -q || err "warn on vh.csv exited $?"
[ "$(cut -d, -f1,4,5 "$tmp/vh.out" | tail -n +2)" = "531,57,100" ] ||
    err "warn across an unknown month: $(cat "$tmp/vh.out")"
"$bin" warn --table "$tmp/vh.csv" --type sb --cusum --h 50 -o "$tmp/vc.out" -q ||
    err "warn --cusum on vh.csv exited $?"
[ "$(cut -d, -f1,4,5 "$tmp/vc.out" | tail -n +2)" = "531,57,100" ] ||
    err "CUSUM across an unknown month: $(cat "$tmp/vc.out")"

# warn's stated coverage: one row, Ukraine's 100 deaths in 2022-02. Covering only that month
# the table gives no baseline and no alert; stated to cover 2020-02 .. 2022-02, the 24
# months before are zero (no row in a covered month) and 2022-02 alerts. A row outside the
# stated coverage is an error naming file:line, and nothing is written.
printf 'iso3,period,conflict_fatalities_best\nUKR,2022-02,100\n' >"$tmp/c1.csv"
"$bin" warn --table "$tmp/c1.csv" -o "$tmp/c1.out" -q || err "warn on c1.csv exited $?"
[ "$(wc -l <"$tmp/c1.out")" = 1 ] || err "warn without a baseline alerted: $(cat "$tmp/c1.out")"
"$bin" warn --table "$tmp/c1.csv" --covered-from 2020-02 --covered-to 2022-02 \
    -o "$tmp/c2.out" -q || err "warn --covered-from/--covered-to exited $?"
[ "$(cut -d, -f1,4,5 "$tmp/c2.out" | tail -n +2)" = "506,369,100" ] ||
    err "warn over the stated coverage: $(cat "$tmp/c2.out")"
"$bin" warn --table "$tmp/c1.csv" --covered-to 2022-01 -o "$tmp/c3.out" 2>"$tmp/err" &&
    err "a row after --covered-to accepted"
grep -q "c1.csv:2:5: 2022-02 is outside the stated coverage" "$tmp/err" ||
    err "--covered-to: $(cat "$tmp/err")"
[ ! -e "$tmp/c3.out" ] || err "--covered-to: alerts written"
"$bin" warn --covered-to 2022-01 "$tmp/c1.csv" -q 2>"$tmp/err" && err "--covered-to without --table"
grep -q "go with --table" "$tmp/err" || err "--covered-to without --table: $(cat "$tmp/err")"

# warn's --column: the same table holds state-based and non-state deaths; 100 non-state
# deaths in month_id 531 alert with --column ged_ns --type ns, and the default column
# (ged_sb, all zero) gives none
awk 'BEGIN { print "country_id,month_id,ged_sb,ged_ns"
             for (m = 500; m <= 531; m++) print "57," m ",0," (m == 531 ? 100 : 0) }' >"$tmp/ns.csv"
"$bin" warn --table "$tmp/ns.csv" --type sb -o "$tmp/ns0.out" -q || err "warn on ns.csv exited $?"
[ "$(wc -l <"$tmp/ns0.out")" = 1 ] || err "ged_sb alerted: $(cat "$tmp/ns0.out")"
"$bin" warn --table "$tmp/ns.csv" --column ged_ns --type ns -o "$tmp/ns1.out" -q ||
    err "warn --column ged_ns exited $?"
[ "$(cut -d, -f1,4,5 "$tmp/ns1.out" | tail -n +2)" = "531,57,100" ] ||
    err "warn --column ged_ns: $(cat "$tmp/ns1.out")"

# bad tables: file:line, a non-zero exit, nothing written
bad() { # bad NAME CONTENT NEEDLE [OPTIONS]
    name=$1 needle=$3
    printf "$2" >"$tmp/$name.csv"
    shift 3
    "$bin" events panel --table "$tmp/$name.csv" -o "$tmp/$name.out" "$@" 2>"$tmp/err"
    rc=$?
    [ "$rc" != 0 ] || err "$name: exit 0"
    grep -q -- "$name.csv:$needle" "$tmp/err" || err "$name: no '$needle' in: $(cat "$tmp/err")"
    [ ! -e "$tmp/$name.out" ] || err "$name: the panel was written"
}
bad dup 'iso3,period,conflict_fatalities_best\nUKR,2022-02,1\nUKR,2022-02,3\n' \
    "3: unit UKR, month_id 506 given twice"
bad vdup 'country_id,month_id,ged_sb\n57,500,3\n57,500,3\n' "3: unit 57, month_id 500 given twice"
bad neg 'iso3,period,conflict_fatalities_best\nUKR,2022-02,-4\n' "2:13: .* is not a count"
bad code 'iso3,period,conflict_fatalities_best\nXYZ,2022-02,4\n' "2:1: unknown country code 'XYZ'"
bad outside 'iso3,period,conflict_fatalities_best\nUKR,2022-02,4\n' \
    "2:5: 2022-02 is outside the stated coverage" --from 2022-03

# warn on the global table: Russia's invasion of Ukraine and the war in Sudan
ucdp=data/ucdp_cm/ucdp_ged251_country_month_1989_2023.csv
"$bin" warn --table "$ucdp" --from 2022-01 --to 2023-12 -o "$tmp/w.csv" 2>"$tmp/log" ||
    err "warn --table exited $?: $(cat "$tmp/log")"
grep -q '^506,2022,2,369,18844,' "$tmp/w.csv" || err "no alert for Ukraine 2022-02"
grep -q '^520,2023,4,625,1146,' "$tmp/w.csv" || err "no alert for Sudan 2023-04"
grep -q '^505,2022,1,369,' "$tmp/w.csv" && err "Ukraine flagged before the invasion"
grep -q "195 alerts over 196 units" "$tmp/log" || err "warn summary: $(cat "$tmp/log")"
# the table has deaths in total only: a by-type measure is refused, not read as zero
"$bin" warn --table "$ucdp" --type sb -q >"$tmp/out" 2>"$tmp/err" && err "--type sb accepted"
grep -q "holds no state-based deaths" "$tmp/err" || err "--type sb: $(cat "$tmp/err")"
# events panel's --column: UCDP's table gives Afghanistan 13 state-based events in 1989-01
# (its conflict_state_based_events); that column fills events_sb, deaths stay empty
"$bin" events panel --table "$ucdp" --column conflict_state_based_events -q >"$tmp/pc.csv" ||
    err "events panel --column exited $?"
grep -q "^109,1989,1,700,AFG,13,,,,,\$" "$tmp/pc.csv" ||
    err "events panel --column: $(grep -m1 ',AFG,' "$tmp/pc.csv")"
"$bin" events panel --table "$ucdp" --column nope -q >/dev/null 2>"$tmp/err" &&
    err "events panel --column nope accepted"
grep -q "no count column 'nope'" "$tmp/err" || err "--column nope: $(cat "$tmp/err")"

# warn --forecast: onset alerts before the violence. The surprise detector above first flags
# Ukraine in 2022-02; from 2021-11, quiet for 6 months (below 25), the forecast alerts an
# onset and 25 is reached at lead 3 (the invasion). Myanmar at 2020-12, before the coup of
# 2021-02, likewise. Threads do not change a draw.
"$bin" warn --table "$ucdp" --forecast --from 2021-11 --to 2021-11 -o "$tmp/f1.csv" -q ||
    err "warn --forecast exited $?"
has "$tmp/f1.csv" "origin,month_id,unit,kind,p_ge25_3m,threshold,last_deaths,outcome"
grep -q '^2021-11,503,UKR,onset,0\.[2-9][0-9]*,0\.2,13,25 at lead 3$' "$tmp/f1.csv" ||
    err "no onset alert for Ukraine at 2021-11: $(grep UKR "$tmp/f1.csv")"
"$bin" warn --table "$ucdp" --forecast --from 2021-11 --to 2021-11 --threads 1 -q \
    >"$tmp/f1t.csv" || err "warn --forecast --threads 1 exited $?"
cmp -s "$tmp/f1.csv" "$tmp/f1t.csv" || err "warn --forecast differs with 1 and 2 threads"
"$bin" warn --table "$ucdp" --forecast --from 2020-12 --to 2020-12 -q >"$tmp/f2.csv" ||
    err "warn --forecast at 2020-12 exited $?"
grep -q '^2020-12,492,MMR,onset,.*,25 at lead 3$' "$tmp/f2.csv" ||
    err "no onset alert for Myanmar at 2020-12: $(grep MMR "$tmp/f2.csv")"
# the default origin is the table's last month, whose next months are not known yet
"$bin" warn --table "$ucdp" --forecast -q >"$tmp/f3.csv" || err "warn --forecast exited $?"
[ "$(tail -n +2 "$tmp/f3.csv" | cut -d, -f1,8 | sort -u)" = "2023-12," ] ||
    err "warn --forecast's default origin: $(cat "$tmp/f3.csv")"
# a higher threshold alerts a subset
"$bin" warn --table "$ucdp" --forecast --threshold 0.5 -q >"$tmp/f4.csv" ||
    err "warn --forecast --threshold exited $?"
[ "$(wc -l <"$tmp/f4.csv")" -lt "$(wc -l <"$tmp/f3.csv")" ] || err "--threshold 0.5 alerts as many"
# usage errors, and origins outside the table
for args in "--forecast" "--table $ucdp --forecast --cusum" "--table $ucdp --threshold 0.3" \
    "--table $ucdp --forecast --score 6" "--table $ucdp --forecast --threshold 1.5"; do
    # shellcheck disable=SC2086
    "$bin" warn $args -q >/dev/null 2>&1 && err "warn $args accepted"
done
"$bin" warn --table "$ucdp" --forecast --from 1989-06 -q >/dev/null 2>"$tmp/err" &&
    err "an origin in the table's first year accepted"
grep -q "origins must lie within 1990-01 .. 2023-12" "$tmp/err" || err "origin: $(cat "$tmp/err")"

exit $fail
