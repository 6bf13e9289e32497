#!/bin/sh
# bad_inputs.sh - every kind of bad input gets one clear message naming the file (and line
# and column where there is one), the documented exit status, and writes nothing: an output
# folder that already holds results is left exactly as it was.
# Every failing case also leaves the whole work folder as it was: the same files with the same
# checksums before and after the command. More cases live in tests/cli/bad/*.sh, which this
# script sources after its own (they use base, check and tree_sum; each adds to pass/fail).
# Usage: sh tests/cli/bad_inputs.sh path/to/humsec
set -u
bin=${1:?usage: bad_inputs.sh HUMSEC}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# A small valid index: 3 indicators, 2 pillars, 1 index, 4 units.
base() {
    rm -rf "$tmp/w"
    mkdir -p "$tmp/w/out"
    echo "keep me" >"$tmp/w/out/sentinel.csv"
    # out/ is a folder an earlier build wrote (its marker file), so a build may replace it
    # whole; a failing one must leave it as it is
    echo "written by humsec" >"$tmp/w/out/.humsec-build"
    cat >"$tmp/w/s.csv" <<'CSV'
Level,iCode,iName,Direction,Weight,Parent,Type
1,a,A,1,1,P1,Indicator
1,b,B,-1,1,P1,Indicator
1,c,C,1,1,P2,Indicator
2,P1,Pillar 1,1,1,Top,Aggregate
2,P2,Pillar 2,1,1,Top,Aggregate
3,Top,Index,1,1,,Aggregate
,grp,Group,,,,Group
CSV
    cat >"$tmp/w/d.csv" <<'CSV'
uCode,uName,grp,a,b,c
AAA,Alpha,x,1,2,3
BBB,Beta,x,4,5,6
CCC,Gamma,y,7,8,9
DDD,Delta,y,10,NA,12
CSV
    cat >"$tmp/w/p.pipeline" <<'PL'
title = test index
structure = s.csv

[data]
file = d.csv

[normalise]
method = minmax(0, 100)

[aggregate]
method = arithmetic
PL
}

# tree_sum DIR: every path under DIR with its type and, for files, its SHA-256; one line each.
tree_sum() {
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r f; do
        if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"
        elif [ -f "$f" ]; then echo "$f $(sha256sum <"$f" | cut -c1-64)"
        else echo "$f $(stat -c %F "$f")"; fi
    done)
}

# check NAME EXPECTED_EXIT MESSAGE_SUBSTRING [ARGS...]: run in $tmp/w, compare exit status and
# message; on failure also check the sentinel and that no file under $tmp/w changed.
check() {
    name=$1 want=$2 needle=$3
    shift 3
    if [ $# -eq 0 ]; then set -- build p.pipeline -o out; fi
    tree_sum "$tmp/w" >"$tmp/before"
    (cd "$tmp/w" && "$bin" "$@" >"$tmp/stdout" 2>"$tmp/stderr")
    got=$?
    msg=$(cat "$tmp/stderr")
    ok=1
    [ "$got" = "$want" ] || ok=0
    case $msg in *"$needle"*) ;; *) ok=0 ;; esac
    if [ "$want" != 0 ]; then
        case $msg in "humsec: "*) ;; *) ok=0 ;; esac
        # nothing written, nothing left behind
        [ "$(ls -A "$tmp/w/out" | tr '\n' ' ')" = ".humsec-build sentinel.csv " ] || ok=0
        [ "$(cat "$tmp/w/out/sentinel.csv")" = "keep me" ] || ok=0
        tree_sum "$tmp/w" >"$tmp/after"
        cmp -s "$tmp/before" "$tmp/after" || { ok=0; diff "$tmp/before" "$tmp/after"; }
    fi
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $name: exit $got (want $want), stderr: $msg"
        echo "     expected message containing: $needle"
        ls -A "$tmp/w/out"
    fi
}

base; check valid 0 "wrote"
base; printf '\357\273\277uCode,uName,grp,a,b,c\r\nAAA,Alpha,x,1,2,3\r\nBBB,Beta,x,4,5,6\r\n' >"$tmp/w/d.csv"
check bom_crlf_ok 0 "wrote"
base; printf 'uCode,uName,grp,a,b,c\nAAA,Alpha,x,1,2\n' >"$tmp/w/d.csv"
check ragged_row 4 "d.csv:2:1: row has 5 fields (expected 6"
base; printf 'uCode,uName,grp,a,b,c\nAAA,"Alpha,x,1,2,3\n' >"$tmp/w/d.csv"
check unterminated_quote 4 "d.csv:2:5: unterminated quoted field"
base; printf 'uCode,uName,grp,a,b,c\nAAA,"Al"pha,x,1,2,3\n' >"$tmp/w/d.csv"
check text_after_quote 4 "d.csv:2:9: unexpected character after closing quote"
base; printf 'uCode,uName,grp,a,b,c\nAAA,Al"pha,x,1,2,3\n' >"$tmp/w/d.csv"
check quote_in_field 4 "d.csv:2:7: quote inside an unquoted field"
base; printf 'uCode,uName,grp,a,b,c\nAAA,Alpha,x,1,abc,3\n' >"$tmp/w/d.csv"
check non_numeric 4 "d.csv:2:15: value 'abc' of 'b' for unit 'AAA' is not a number"
base; : >"$tmp/w/d.csv"
check empty_file 4 "d.csv:1:1: empty file (expected a header row)"
base; printf 'uCode,uName,grp,a,b,c\nAAA,A\000,x,1,2,3\n' >"$tmp/w/d.csv"
check nul_byte 4 "NUL byte"
base; printf 'AAA,Again,x,1,2,3\n' >>"$tmp/w/d.csv"
check duplicate_unit 5 "d.csv:6: unit 'AAA' appears twice (also on line 2"
base; printf 'uCode,uName,grp,a,b,c,a\nAAA,Alpha,x,1,2,3,4\n' >"$tmp/w/d.csv"
check duplicate_column 5 "column 'a' appears twice in the header"
base; printf 'uCode,uName,grp,a,b\nAAA,Alpha,x,1,2\n' >"$tmp/w/d.csv"
check indicator_without_column 5 "indicator 'c' (structure file s.csv, line 4) has no column"
base; sed -i 's/^1,c,C,1,1,P2,Indicator/1,a,C,1,1,P2,Indicator/' "$tmp/w/s.csv"
check duplicate_code 5 "s.csv:4:3: duplicate iCode 'a' (first defined on line 2)"
base; sed -i 's/^1,c,C,1,1,P2,/1,c,C,1,1,P9,/' "$tmp/w/s.csv"
check parent_missing 5 "s.csv:4:11: Parent 'P9' of 'c' does not exist"
base; sed -i 's/^1,c,C,1,1,P2,/1,c,C,1,1,a,/' "$tmp/w/s.csv"
check parent_not_aggregate 5 "Parent 'a' of 'c' is not an aggregate"
base; sed -i 's/^2,P1,Pillar 1,1,1,Top,/2,P1,Pillar 1,1,1,P2,/; s/^2,P2,Pillar 2,1,1,Top,/2,P2,Pillar 2,1,1,P1,/' "$tmp/w/s.csv"
check cycle 5 "cycle in the structure: P1 -> P2 -> P1"
base; sed -i 's/^2,P1,Pillar 1,1,1,Top,/2,P1,Pillar 1,1,1,P2,/' "$tmp/w/s.csv"
check level_not_rising 5 "'P1' (Level 2) has Parent 'P2' at Level 2 (expected a higher level)"
base; sed -i 's/^1,b,B,-1,1,/1,b,B,-1,-2,/' "$tmp/w/s.csv"
check negative_weight 5 "s.csv:3:10: Weight of 'b' is -2 (expected a number >= 0)"
base; sed -i 's/^1,a,A,1,1,/1,a,A,1,0,/; s/^1,b,B,-1,1,/1,b,B,-1,0,/' "$tmp/w/s.csv"
check zero_weights 5 "all children of 'P1' have weight 0"
base; sed -i 's/^1,b,B,-1,1,/1,b,B,2,1,/' "$tmp/w/s.csv"
check bad_direction 5 "Direction of 'b' is 2 (expected 1 or -1)"
base; sed -i 's/^1,b,B,-1,1,P1,Indicator/1,b,B,-1,1,P1,Indicatr/' "$tmp/w/s.csv"
check unknown_type 5 "unknown Type 'Indicatr' for 'b'"
base; sed -i 's/^1,b,B,-1,1,P1,Indicator/2,b,B,-1,1,P1,Indicator/' "$tmp/w/s.csv"
check indicator_level 5 "indicator 'b' has Level 2 (expected 1)"
base; sed -i 's/^method = arithmetic/method = geometric/; s/minmax(0, 100)/minmax(0, 1)/' "$tmp/w/p.pipeline"
check geometric_nonpositive 7 "geometric mean of 'P1' for unit 'AAA': child 'a' is 0 (expected a value > 0"
base; sed -i 's/^method = arithmetic/method = harmonic/; s/minmax(0, 100)/minmax(0, 1)/' "$tmp/w/p.pipeline"
check harmonic_zero 7 "harmonic mean of 'P1'"
base; printf '\n[smooth]\nwidth = 3\n' >>"$tmp/w/p.pipeline"
check unknown_step 6 "p.pipeline:13:1: unknown step [smooth]"
base; sed -i 's/^method = minmax(0, 100)/method = minmax(0, 100)\nwinmax = 3/' "$tmp/w/p.pipeline"
check unknown_parameter 6 "p.pipeline:9:1: unknown parameter 'winmax' in [normalise]"
base; sed -i 's/minmax(0, 100)/minmaks(0, 100)/' "$tmp/w/p.pipeline"
check unknown_method 6 "p.pipeline:8:10: unknown normalisation 'minmaks'"
base; sed -i 's/minmax(0, 100)/minmax(5, 1)/' "$tmp/w/p.pipeline"
check empty_range 6 "minmax range (5, 1) is empty"
base; sed -i 's/minmax(0, 100)/minmax(0, 100/' "$tmp/w/p.pipeline"
check unclosed_paren 6 "expected ',' or ')'"
base; sed -i '/^structure/d' "$tmp/w/p.pipeline"
check no_structure 6 "no 'structure = FILE'"
base; sed -i 's/^method = arithmetic/method = arithmetic\nweights = expert/' "$tmp/w/p.pipeline"
check unknown_weight_set 6 "no weight set 'expert'"
base; printf '\n[weights w]\nzz = 2\n' >>"$tmp/w/p.pipeline"
check weight_unknown_code 6 "weight for unknown code 'zz'"
base; sed -i 's/^method = arithmetic/method = arithmetic\nweights = expert/' "$tmp/w/p.pipeline"
printf '\n[weights expert]\nzz = 2\n' >>"$tmp/w/p.pipeline"
check weights_after_aggregate 6 "weight for unknown code 'zz'"
base; sed -i 's/^\[normalise\]/[impute]\nmethod = mean_group\n\n[normalise]/' "$tmp/w/p.pipeline"
check group_missing 6 "'mean_group' needs 'group = COLUMN'"
base; sed -i 's/^title = test index/title = test index\nthis line is wrong/' "$tmp/w/p.pipeline"
check no_equals 4 "p.pipeline:2:1: expected 'key = value'"
base; sed -i 's/^title = test index/title = test index\ntitle = again/' "$tmp/w/p.pipeline"
check duplicate_key 4 "key 'title' given twice in this section (first on line 1)"
base; sed -i 's/^file = d.csv/file = missing.csv/' "$tmp/w/p.pipeline"
check missing_file 3 "missing.csv: cannot open file"
base; printf 'uCode,Time,iCode,Value\nAAA,2020,a,1\nAAA,2020,zz,2\n' >"$tmp/w/d.csv"
check long_unknown_code 5 "d.csv:3:10: unknown iCode 'zz'"
base; check output_is_file 3 "output path exists and is not a folder" build p.pipeline -o out/sentinel.csv
base; check no_pipeline 2 "no pipeline file given" build
base; check unknown_option 2 "unknown option '--fast'" build p.pipeline -o out --fast
base; check unknown_command 2 "unknown command 'bild'" bild
base; check explain_unknown_unit 2 "no unit 'ZZZ'" build p.pipeline --explain ZZZ

for f in "$here"/bad/*.sh; do
    [ -e "$f" ] || continue
    . "$f"
done

echo "bad inputs: $pass passed, $fail failed"
[ "$fail" = 0 ]
