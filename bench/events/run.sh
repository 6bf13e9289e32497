#!/bin/sh
# run.sh - time `humsec events panel` next to DuckDB, pandas and R data.table on the same
# generated GED files (all 49 columns, ~740 bytes a row; gen_ged.c), check that all four
# give the same non-empty unit-months, and print seconds, ratios and peak memory.
#
# Usage: sh bench/events/run.sh [ROWS...]       (default: 1000000)
# Env:   HS_BENCH_DIR (default /tmp/humsec-bench-events), THREADS (default 2),
#        LEVELS (default "country grid"), PEERS (default "duckdb pandas datatable"),
#        RUNS (default 3: each command's best wall time, its largest peak memory).
# Needs: build/humsec (make build), cc, /usr/bin/time, node + npm (installs
# @duckdb/node-api into HS_BENCH_DIR once), python3 with pandas, Rscript with data.table.
# Warm cache: each file is read once before the timings. humsec, DuckDB and data.table use
# THREADS threads (pandas has one).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${HS_BENCH_DIR:-/tmp/humsec-bench-events}
threads=${THREADS:-2}
levels=${LEVELS:-country grid}
peers=${PEERS:-duckdb pandas datatable}
runs=${RUNS:-3}
humsec=$root/build/humsec
# the first python3 on PATH may be a private one without pandas: prefer one that has it
python=python3
for p in python3 /usr/bin/python3; do
    if "$p" -c "import pandas" 2>/dev/null; then python=$p; break; fi
done
mkdir -p "$work"
[ -x "$humsec" ] || { echo "build humsec first (make build)"; exit 1; }
# each peer asked for must be there: say what to install before anything is timed
case " $peers " in *" pandas "*)
    "$python" -c "import pandas" 2>/dev/null ||
        { echo "pandas not found: apt-get install python3-pandas (or PEERS without pandas)"; exit 1; } ;;
esac
case " $peers " in *" datatable "*)
    Rscript -e 'library(data.table)' >/dev/null 2>&1 ||
        { echo "R data.table not found: apt-get install r-cran-data.table (or PEERS without datatable)"; exit 1; } ;;
esac
case " $peers " in *" duckdb "*)
    command -v npm >/dev/null 2>&1 ||
        { echo "npm not found: apt-get install npm (or PEERS without duckdb)"; exit 1; } ;;
esac
cc -O2 -o "$work/gen_ged" "$root/bench/events/gen_ged.c" -lm
case " $peers " in *" duckdb "*)
    [ -d "$work/node/node_modules/@duckdb/node-api" ] ||
        npm install --silent --prefix "$work/node" @duckdb/node-api >/dev/null ;;
esac

# timed CMD...: sets secs (the best wall time of RUNS runs) and mb (the largest peak resident
# set of those runs). Best of several: one run can land on the kernel still freeing the
# previous tool's gigabytes or writing back its output, for any of the tools alike.
timed() {
    secs= mb=0
    r=0
    while [ "$r" -lt "$runs" ]; do
        /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" ||
            { echo "failed: $*"; cat "$work/stderr"; exit 1; }
        s=$(cut -d' ' -f1 "$work/time")
        m=$(awk '{ printf "%.0f", $2 / 1024 }' "$work/time")
        if [ -z "$secs" ] || awk -v a="$s" -v b="$secs" 'BEGIN { exit !(a < b) }'; then secs=$s; fi
        [ "$m" -gt "$mb" ] && mb=$m
        r=$((r + 1))
    done
}
# canon FILE: non-empty unit-months as "unit,month_id,6 counts", sorted, header dropped
canon() {
    awk -F, 'NR > 1 { printf "%d,%d,%d,%d,%d,%d,%d,%d\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$1" |
        sort -t, -k1,1n -k2,2n
}

for n in ${@:-1000000}; do
    f=$work/ged_$n.csv
    [ -s "$f" ] || "$work/gen_ged" "$n" >"$f"
    size=$(du -m "$f" | cut -f1)
    cat "$f" >/dev/null
    timed wc -l "$f"
    echo "== $n rows, $size MB; wc -l: $secs s"
    for level in $levels; do
        timed "$humsec" events panel -q --threads "$threads" --geo "$root/data/geo" --level "$level" "$f" \
            -o "$work/humsec.csv"
        hs=$secs
        echo "   $level: humsec $secs s, $mb MB peak"
        if [ "$level" = grid ]; then
            awk -F, 'NR > 1 && $9 + $10 + $11 > 0 { print $4 "," $1 "," $9 "," $10 "," $11 "," $12 "," $13 "," $14 }' \
                "$work/humsec.csv" | sort -t, -k1,1n -k2,2n >"$work/humsec.canon"
        else
            awk -F, 'NR > 1 && $6 + $7 + $8 > 0 { print $4 "," $1 "," $6 "," $7 "," $8 "," $9 "," $10 "," $11 }' \
                "$work/humsec.csv" | sort -t, -k1,1n -k2,2n >"$work/humsec.canon"
        fi
        for peer in $peers; do
            out=$work/$peer.csv
            case $peer in
            duckdb) NODE_PATH=$work/node/node_modules timed node \
                "$root/bench/events/duckdb_panel.cjs" "$f" "$out" "$level" "$threads" ;;
            pandas) timed "$python" "$root/bench/events/pandas_panel.py" "$f" "$out" "$level" ;;
            datatable) timed Rscript "$root/bench/events/datatable_panel.R" "$f" "$out" \
                "$level" "$threads" ;;
            esac
            canon "$out" >"$work/$peer.canon"
            same=$(cmp -s "$work/humsec.canon" "$work/$peer.canon" && echo "same output" ||
                echo "OUTPUTS DIFFER")
            ratio=$(awk -v a="$secs" -v b="$hs" 'BEGIN { printf "%.2f", a / b }')
            echo "   $level: $peer $secs s, $mb MB peak; humsec is ${ratio}x faster; $same"
        done
    done
done
