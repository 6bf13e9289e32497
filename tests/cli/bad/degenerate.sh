# degenerate.sh - degenerate structures and data (sourced by tests/cli/bad_inputs.sh): an
# error where the result would mean nothing (two roots, nothing to rank, a code that is not
# UTF-8), otherwise a warning naming the indicator, unit or line (exit 0); texts that are not
# UTF-8 reach JSON, CSV and HTML converted from Latin-1.

# degen_ok NAME CONDITION-DESCRIPTION: count a follow-up check of an exit-0 case (the
# condition is the exit status of the command run just before).
degen_ok() {
    if [ "$1" = 0 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $2"
    fi
}

# degen_utf8 FILE: the file is valid UTF-8 (and, for .json, valid JSON)
degen_utf8() {
    iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1 || return 1
    case $1 in
    *.json)
        if command -v python3 >/dev/null 2>&1; then
            python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$1" ||
                return 1
        fi
        ;;
    esac
    return 0
}

# results.csv of the valid index: DDD (100) first, AAA (25) last. By hand: a: 1,4,7,10 ->
# 0,33.3,66.7,100;
# b (direction -1): 2,5,8,NA -> 100,50,0,NA; c: 3,6,9,12 -> 0,33.3,66.7,100.
# P1 = mean(a, b) = 50, 41.7, 33.3, 100; P2 = c; Top = mean(P1, P2) = 25, 37.5, 50, 100.
base; check degen_results_valid 0 "wrote"
sed -n 2p "$tmp/w/out/results.csv" | grep -q '^"DDD","Delta",100,1,' &&
    sed -n 5p "$tmp/w/out/results.csv" | grep -q '^"AAA","Alpha",25,4,' &&
    head -1 "$tmp/w/out/results.csv" | grep -q '^"uCode","uName","Top","Top_rank","P1","P1_rank","P2","P2_rank"$'
degen_ok $? "degen_results_valid: results.csv not by rank: $(cat "$tmp/w/out/results.csv")"
grep -q '"uCode": "BBB", "score": 37.5, "rank": 3, "uName": "Beta"' "$tmp/w/out/summary.json"
degen_ok $? "degen_results_valid: summary.json scores without uName or 37.5"

# two roots: the second tree would be left out of the index
base; sed -i 's/^2,P2,Pillar 2,1,1,Top,/2,P2,Pillar 2,1,1,,/' "$tmp/w/s.csv"
check degen_two_roots 5 "s.csv:7: two roots in the structure: 'P2' (s.csv:6) and 'Top' (s.csv:7) have no Parent"

# nothing to rank
base; printf 'uCode,uName,grp,a,b,c\n' >"$tmp/w/d.csv"
check degen_zero_units 5 "d.csv: no data rows (expected one row per unit): nothing to rank"
base; sed -i 's/^file = d.csv$/file = d.csv\nexclude = */' "$tmp/w/p.pipeline"
check degen_all_excluded 5 "no data rows left (after excluded units and the time range): nothing to rank"
base; printf 'uCode,uName,grp,a,b,c\nAAA,Alpha,x,NA,NA,NA\nBBB,Beta,x,NA,NA,NA\n' >"$tmp/w/d.csv"
check degen_no_scores 7 "no unit has a score for the index 'Top' (every one of 2 rows is NA): nothing to rank"
# one unit with min-max: range 0, every normalised value NA, so no score either
base; printf 'uCode,uName,grp,a,b,c\nAAA,Alpha,x,1,2,3\n' >"$tmp/w/d.csv"
check degen_single_unit_minmax 7 "nothing to rank"

# a single unit with a method that is defined for it: a warning, and a result
base; printf 'uCode,uName,grp,a,b,c\nAAA,Alpha,x,1,2,3\n' >"$tmp/w/d.csv"
sed -i 's/^method = minmax(0, 100)/method = rank/' "$tmp/w/p.pipeline"
check degen_single_unit 0 "humsec: warning: d.csv: a single unit ('AAA'): every rank is 1"
grep -q '^"AAA","Alpha",1,1,' "$tmp/w/out/results.csv"
degen_ok $? "degen_single_unit: results.csv: $(cat "$tmp/w/out/results.csv")"

# an indicator with no value, an indicator with one value everywhere
base; printf 'uCode,uName,grp,a,b,c\nAAA,Alpha,x,1,2,NA\nBBB,Beta,x,4,5,NA\nCCC,Gamma,y,7,8,NA\n' >"$tmp/w/d.csv"
check degen_all_missing 0 "humsec: warning: d.csv: indicator 'c' (s.csv:4) has no value at all (every cell is missing)"
base; printf 'uCode,uName,grp,a,b,c\nAAA,Alpha,x,5,2,3\nBBB,Beta,x,5,5,6\nCCC,Gamma,y,5,8,9\n' >"$tmp/w/d.csv"
check degen_constant 0 "humsec: warning: d.csv: indicator 'a' (s.csv:2) is constant (5): it does not tell units apart"
base; printf 'uCode,uName,grp,a,b,c\nAAA,Alpha,x,5,2,3\nBBB,Beta,x,5,5,6\nCCC,Gamma,y,5,8,9\n' >"$tmp/w/d.csv"
check degen_constant_normalised 0 "humsec: warning: p.pipeline:7: [normalise] gave NA for every value of 'a': the values were all equal"
# the constant column is explicit NA (as COINr's n_minmax gives NaN), not 0 or 50
awk -F, 'NR > 1 && $3 != "NA" { bad = 1 } END { exit bad }' "$tmp/w/out/Normalised.csv"
degen_ok $? "degen_constant_normalised: Normalised.csv: $(cat "$tmp/w/out/Normalised.csv")"
# panel data: named per time
base; printf 'uCode,Time,iCode,Value\nAAA,2020,a,1\nBBB,2020,a,2\nAAA,2021,a,3\nBBB,2021,a,4\nAAA,2020,b,1\nBBB,2020,b,2\nAAA,2021,b,3\nBBB,2021,b,4\nAAA,2020,c,1\nBBB,2020,c,2\n' >"$tmp/w/d.csv"
check degen_panel_missing 0 "humsec: warning: d.csv: indicator 'c' (s.csv:4) has no value in 2021 (1 of 2 times)"

# Latin-1 text: converted at the point it is read, with file:line; outputs are UTF-8
base; sed -i "s/^title = test index/title = C$(printf '\364')te index/" "$tmp/w/p.pipeline"
check degen_latin1_title 0 "humsec: warning: p.pipeline:1: title is not UTF-8: read as Latin-1 ('Côte index')"
degen_utf8 "$tmp/w/out/summary.json" && grep -q '"title": "Côte index"' "$tmp/w/out/summary.json"
degen_ok $? "degen_latin1_title: summary.json not UTF-8 or title lost"
base; sed -i "s/^BBB,Beta,/BBB,B$(printf '\351')ta,/" "$tmp/w/d.csv"
check degen_latin1_uname 0 "humsec: warning: d.csv:3: uName of 'BBB' is not UTF-8: read as Latin-1 ('Béta')"
degen_utf8 "$tmp/w/out/summary.json" && degen_utf8 "$tmp/w/out/results.csv" &&
    degen_utf8 "$tmp/w/out/Aggregated.csv" && grep -q '"BBB","Béta"' "$tmp/w/out/results.csv"
degen_ok $? "degen_latin1_uname: outputs not UTF-8 or the name lost"
(cd "$tmp/w" && "$bin" report out -o out/r.html -q) && degen_utf8 "$tmp/w/out/r.html" &&
    grep -q '"name":"Béta"' "$tmp/w/out/r.html"
degen_ok $? "degen_latin1_uname: the report does not show the converted name"
base; sed -i "s/^2,P1,Pillar 1,/2,P1,Pill$(printf '\344')r 1,/" "$tmp/w/s.csv"
check degen_latin1_iname 0 "humsec: warning: s.csv:5: iName of 'P1' is not UTF-8: read as Latin-1 ('Pillär 1')"
# codes are keys: converting one would break its match, so it is an error
base; sed -i "s/^CCC,Gamma,/C$(printf '\307')C,Gamma,/" "$tmp/w/d.csv"
check degen_latin1_ucode 5 "d.csv:4: unit code is not UTF-8 text"
base; sed -i "s/^1,c,C,1,1,P2,/1,$(printf '\347'),C,1,1,P2,/" "$tmp/w/s.csv"
check degen_latin1_icode 5 "s.csv:4: iCode is not UTF-8 text"
