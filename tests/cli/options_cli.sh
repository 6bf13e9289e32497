#!/bin/sh
# options_cli.sh - the option table every command reads its arguments with (cli/cli_opts.c):
# each command's --help and -h exit 0 with its usage; a missing value, an unknown option, a
# stray argument and a bad value are usage errors (exit 2) worded one way, naming the option
# and what it takes; a value that looks like an option is still a value. Nothing here reads
# data or builds anything: every case stops in the parser.
# Usage: sh tests/cli/options_cli.sh path/to/humsec
set -u
bin=${1:?usage: options_cli.sh HUMSEC}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
err() { echo "FAIL: $*"; fail=1; }
expect() { # expect STATUS NEEDLE CMD...: exit status and a line of stderr holding NEEDLE
    want=$1 needle=$2
    shift 2
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    [ "$got" = "$want" ] || err "exit $got (wanted $want): humsec $*: $(cat "$tmp/err")"
    grep -qF -- "$needle" "$tmp/err" || err "humsec $*: no '$needle' in: $(cat "$tmp/err")"
}

cmds="build trends weights run hsi-data report compare whatif corr sensitivity warn forecast
evaluate partner"
"$bin" serve --help >/dev/null 2>&1 && cmds="$cmds serve"
for c in $cmds; do
    for h in --help -h; do
        "$bin" "$c" "$h" >"$tmp/out" 2>&1 || err "$c $h exited $?"
        grep -q "^usage: humsec $c" "$tmp/out" || err "$c $h printed no usage"
    done
    expect 2 "unknown option '--no-such-option'" "$c" --no-such-option
    expect 2 "try 'humsec $c --help'" "$c" --no-such-option
done
# -h after other arguments is the help too
"$bin" build x.pipeline -o out -h >/dev/null || err "build x.pipeline -o out -h exited $?"
"$bin" events panel --help | grep -q "^usage: humsec events" || err "events panel --help"
"$bin" forecast --table x --help | grep -q "^usage: humsec forecast --table" ||
    err "forecast --table --help"
"$bin" evaluate --table x --help | grep -q "^usage: humsec evaluate --table" ||
    err "evaluate --table --help"

# a missing value: "OPT needs WHAT"
expect 2 "-o needs a folder" build p.pipeline -o
expect 2 "--xlsx needs a file name" build p.pipeline --xlsx
expect 2 "--db needs a value" warn --db
expect 2 "--db needs a value" forecast --db
expect 2 "-o needs a value" events panel x.csv -o
expect 2 "--accept needs a submission id" partner review --accept
expect 2 "--optimise needs a level" weights p.pipeline --optimise

# a stray argument
expect 2 "unexpected argument 'x'" hsi-data x
expect 2 "unexpected argument 'c.pipeline' (expected two pipelines)" compare a b c.pipeline
expect 2 "unexpected argument 'x'" forecast --table t.csv -o d x
expect 2 "unexpected argument 'c'" partner add b c

# a bad value: "OPT takes WHAT, not 'V'"
expect 2 "--level takes country or grid, not 'county'" events panel --level county x.csv
expect 2 "--level takes country or grid, not 'cell'" warn x.csv --level cell
expect 2 "--level takes country or grid, not 'cell'" forecast x.csv --level cell
expect 2 "--from takes a month as YYYY-MM, not '2020-13'" events panel x.csv --from 2020-13
expect 2 "--covered-to takes a month as YYYY-MM, not '2022'" warn x.csv --covered-to 2022
expect 2 "--to takes a month as YYYY-MM, not '20-01'" evaluate --db x --to 20-01
expect 2 "--threads takes 1..256, not '0'" events panel x.csv --threads 0
expect 2 "--threads takes 1..64, not '65'" forecast --table t.csv -o d --threads 65
expect 2 "--samples takes 1..100000, not '0'" warn --table t.csv --forecast --samples 0
expect 2 "--window takes 0..600, not '2.5'" warn x.csv --window 2.5
expect 2 "--alpha takes a number, not 'nan'" warn x.csv --alpha nan
expect 2 "--lambda takes a number >= 0, not '-1'" forecast x.csv --lambda -1
expect 2 "--holdout takes a whole number >= 1, not '0'" evaluate x.csv --holdout 0
expect 2 "--threshold takes a probability in (0, 1], not '0'" warn --table t --forecast \
    --threshold 0
expect 2 "--status takes pending, accepted, rejected, withdrawn or all, not 'open'" partner \
    review --status open
expect 2 "--from takes a year, not '20x5'" hsi-data --from 20x5
expect 2 "--optimise takes a level (1, 2, ...), not 'x'" weights p.pipeline --optimise x
expect 2 "--seed takes a whole number >= 0, not '-1'" evaluate --protocol views2023 --seed -1
if "$bin" serve --help >/dev/null 2>&1; then # built with the server
    expect 2 "--port needs a value" serve --port
    expect 2 "--port takes 0..65535, not '70000'" serve --port 70000
    expect 2 "--max-body takes a size from 1 to 1024M bytes, not '2G'" serve --max-body 2G
fi
# evaluate's own options are not forecast's
expect 2 "unknown option '--holdout'" forecast x.csv --holdout 3
expect 2 "unknown option '--leads'" evaluate --table t.csv --leads 3

# the value of an option is the next argument, whatever it looks like: here -q is --why's
# reason, so the decision still lacks nothing and the check after the parse speaks
expect 2 "--why goes with --reject or --withdraw" partner review --accept 1 --why -q
# an option given twice counts twice where that matters
expect 2 "one decision at a time" partner review --accept 1 --accept 2

exit $fail
