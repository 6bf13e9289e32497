#!/bin/sh
# valgrind_cli.sh - memcheck over a few CLI runs of the humsec binary: a build of ASEM P1,
# the HDI build, a failing build (bad structure) and a small sensitivity analysis. Any
# memory error or leak fails the test (--error-exitcode=1 --leak-check=full); exits 77
# (skipped; an error under HS_REQUIRE_ALL=1, as in CI) when valgrind is not installed.
# Usage: sh tests/leak/valgrind_cli.sh path/to/humsec
set -u
bin=${1:?usage: valgrind_cli.sh HUMSEC}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
. "$(dirname "$0")/../cli/lib/require.sh"
command -v valgrind >/dev/null 2>&1 || req_skip "valgrind not found (apt-get install valgrind)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
vg() {
    want=$1
    shift
    valgrind -q --error-exitcode=99 \
        --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible --log-file="$tmp/vg.log" "$bin" "$@" \
        >"$tmp/out.log" 2>&1
    rc=$?
    if [ "$rc" -eq 99 ] || [ -s "$tmp/vg.log" ]; then
        echo "FAIL (memcheck): humsec $*"
        cat "$tmp/vg.log"
        fail=1
    elif [ "$rc" -ne "$want" ]; then
        echo "FAIL (exit $rc, expected $want): humsec $*"
        cat "$tmp/out.log"
        fail=1
    else
        echo "ok: humsec $*"
    fi
}
vg 0 build examples/asem/p1.pipeline -o "$tmp/p1"
vg 0 build examples/hdi/hdi.pipeline -o "$tmp/hdi"
printf 'Level,iCode,Direction,Weight,Parent,Type\n1,a,1,1,a,Indicator\n' >"$tmp/s.csv"
printf 'structure = s.csv\n[data]\nfile = d.csv\n' >"$tmp/bad.pipeline"
printf 'uCode,a\nX,1\n' >"$tmp/d.csv"
vg 5 build "$tmp/bad.pipeline" -o "$tmp/bad"
vg 0 sensitivity examples/asem/sa.pipeline examples/asem/sa.spec -o "$tmp/sa" --n 8 --threads 2 --quiet
exit $fail
