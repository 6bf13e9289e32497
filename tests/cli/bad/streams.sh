# streams.sh - every input stream read to its end (sourced by tests/cli/bad_inputs.sh, which
# defines base, check and tree_sum): gzip event files cut anywhere, missing their trailer or
# with a bad CRC-32 fail as "truncated" or corrupt and store or write nothing; binary content
# (NUL bytes, /dev/zero, /dev/urandom) fails on the first block of every text reader; lines
# have a length limit; duplicate event ids are counted once (exact repeat) or refused
# (conflict).

streams_root=$(cd "$here/../.." && pwd)
streams_geo="--geo $streams_root/data/geo"
# UCDP GED, Mexico, 18,957 events (data/PROVENANCE.md); CAR 1,848 events, plain CSV
streams_gz=$streams_root/data/ucdp/ged_mexico_1989_2023.csv.gz
streams_car=$streams_root/data/ucdp/ged_car_v23_1.csv

# streams_base: the small index of base, plus the event files and a store holding CAR.
streams_base() {
    base
    cp "$streams_gz" "$tmp/w/mx.csv.gz"
    cp "$streams_car" "$tmp/w/car.csv"
    (cd "$tmp/w" && "$bin" events ingest car.csv --db store.db -q $streams_geo) ||
        echo "FAIL streams_base: cannot make the store"
}

# streams_flip FILE OFFSET_FROM_END: flip the bits of one byte, counted from the end (1 = last).
streams_flip() {
    sz=$(stat -c %s "$1")
    at=$((sz - $2))
    b=$(od -An -tu1 -j "$at" -N1 "$1" | tr -d ' ')
    printf "\\$(printf '%03o' $((255 - b)))" | dd of="$1" bs=1 seek="$at" conv=notrunc 2>/dev/null
}

gz_size=$(stat -c %s "$streams_gz")

# At byte 101000 the decoded text ends exactly at a row boundary (5,275 whole rows): a reader
# that does not look for the stream's end takes it for a complete, shorter file.
streams_base; head -c 101000 "$streams_gz" >"$tmp/w/cut.csv.gz"
check streams_gz_cut_row_boundary 3 "cut.csv.gz: truncated gzip file" events panel cut.csv.gz -o out/panel.csv $streams_geo
streams_base; head -c 101000 "$streams_gz" >"$tmp/w/cut.csv.gz"
check streams_gz_cut_ingest 3 "cut.csv.gz: truncated gzip file" events ingest cut.csv.gz --db store.db $streams_geo
streams_base; head -c $((gz_size - 8)) "$streams_gz" >"$tmp/w/cut.csv.gz"
check streams_gz_no_trailer 3 "cut.csv.gz: truncated gzip file" events panel cut.csv.gz -o out/panel.csv $streams_geo
streams_base; head -c $((gz_size - 3)) "$streams_gz" >"$tmp/w/cut.csv.gz"
check streams_gz_half_trailer 3 "truncated gzip file" events ingest cut.csv.gz --db store.db $streams_geo
streams_base; head -c 200000 "$streams_gz" >"$tmp/w/cut.csv.gz"
check streams_gz_cut_mid_deflate 3 "truncated gzip file" warn cut.csv.gz -o out/alerts.csv $streams_geo
streams_base; head -c 150000 "$streams_gz" >"$tmp/w/cut.csv.gz"
check streams_gz_cut_forecast 3 "truncated gzip file" forecast cut.csv.gz -o out/fc.csv $streams_geo
streams_base; head -c 250000 "$streams_gz" >"$tmp/w/cut.csv.gz"
check streams_gz_cut_evaluate 3 "truncated gzip file" evaluate cut.csv.gz -o out/ev.csv $streams_geo
streams_base; cp "$streams_gz" "$tmp/w/bad.csv.gz"; streams_flip "$tmp/w/bad.csv.gz" 8
check streams_gz_bad_crc 3 "bad.csv.gz: gzip: incorrect data check" events ingest bad.csv.gz --db store.db $streams_geo
streams_base; cp "$streams_gz" "$tmp/w/bad.csv.gz"; streams_flip "$tmp/w/bad.csv.gz" 1
check streams_gz_bad_length 3 "gzip: incorrect length check" events panel bad.csv.gz -o out/panel.csv $streams_geo
streams_base; cp "$streams_gz" "$tmp/w/bad.csv.gz"; printf 'junk' >>"$tmp/w/bad.csv.gz"
check streams_gz_trailing_junk 3 "not another gzip member" events panel bad.csv.gz -o out/panel.csv $streams_geo
# two members one after the other are one file (gzip's own rule): the rows of both
streams_base; gzip -dc "$streams_gz" | head -1001 | gzip -n >"$tmp/w/two.csv.gz"
gzip -dc "$streams_gz" | sed -n '1002,$p' | gzip -n >>"$tmp/w/two.csv.gz"
check streams_gz_two_members 0 "" events panel two.csv.gz -q -o out2.csv $streams_geo
(cd "$tmp/w" && "$bin" events panel mx.csv.gz -q -o out1.csv $streams_geo)
if cmp -s "$tmp/w/out1.csv" "$tmp/w/out2.csv"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL streams_gz_two_members: panel differs from the one-member file"; fi

# Every 1000th byte of the real file as a cut point: each fails, and says "truncated"
# (none reads as a shorter file, none as a ragged row).
streams_base
streams_bad=0
streams_n=0
at=1000
while [ $at -lt "$gz_size" ]; do
    head -c $at "$streams_gz" >"$tmp/w/cut.csv.gz"
    msg=$(cd "$tmp/w" && "$bin" events panel cut.csv.gz -q -o out/panel.csv $streams_geo 2>&1)
    rc=$?
    case "$rc $msg" in "3 humsec: cut.csv.gz: truncated gzip file"*) ;; *)
        streams_bad=$((streams_bad + 1)); echo "     cut at $at: exit $rc: $msg" ;; esac
    [ "$(ls -A "$tmp/w/out" | tr '\n' ' ')" = ".humsec-build sentinel.csv " ] || { streams_bad=$((streams_bad + 1)); echo "     cut at $at wrote output"; }
    streams_n=$((streams_n + 1))
    at=$((at + 1000))
done
if [ $streams_bad = 0 ] && [ $streams_n -ge 390 ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL streams_gz_every_cut: $streams_bad of $streams_n cuts not refused as truncated"; fi

# binary content: found in the first block, whatever the reader
base; sed -i 's|^file = d.csv|file = /dev/zero|' "$tmp/w/p.pipeline"
check streams_dev_zero_data 4 "/dev/zero:1:1: binary content (a NUL byte)"
base; sed -i 's|^file = d.csv|file = /dev/urandom|' "$tmp/w/p.pipeline"
check streams_dev_urandom_data 4 "binary content (a NUL byte)"
base; sed -i 's|^structure = s.csv|structure = /dev/zero|' "$tmp/w/p.pipeline"
check streams_dev_zero_structure 4 "/dev/zero:1:1: binary content"
base; head -c 3000 "$bin" >"$tmp/w/bin.pipeline"
check streams_binary_pipeline 4 "bin.pipeline:1:" build bin.pipeline -o out
base; printf 'title = t\0x\n' >"$tmp/w/nul.pipeline"
check streams_nul_pipeline 4 "nul.pipeline:1:10: binary content (a NUL byte)" build nul.pipeline -o out
base; gzip -n -c "$tmp/w/d.csv" >"$tmp/w/d.csv.gz"; sed -i 's|^file = d.csv|file = d.csv.gz|' "$tmp/w/p.pipeline"
check streams_gz_as_data 4 "d.csv.gz: gzip-compressed (expected a plain text file"
streams_base; head -5 "$streams_car" >"$tmp/w/nul.csv"; printf '1,2\0,3\n' >>"$tmp/w/nul.csv"
check streams_nul_events 4 "nul.csv:6:4: binary content (a NUL byte)" events panel nul.csv -o out/panel.csv $streams_geo
streams_base; (head -3 "$streams_car"; printf '\0') >"$tmp/w/nul.csv"
check streams_nul_events_ingest 4 "nul.csv:4:1: binary content" events ingest nul.csv --db store.db $streams_geo
streams_base
check streams_dev_zero_events 4 "/dev/zero:1:1: binary content" events panel /dev/zero -o out/panel.csv $streams_geo
check streams_dev_urandom_events 4 "binary content" events ingest /dev/urandom --db store.db $streams_geo

# line length limit (1 MiB)
base; { echo "uCode,uName,grp,a,b,c"; head -c 1100000 /dev/zero | tr '\0' 'x'; echo ",n,x,1,2,3"; } >"$tmp/w/d.csv"
check streams_long_line_csv 4 "d.csv:2:1: line longer than 1048576 bytes"
base; { echo "title = t"; printf 'x = '; head -c 1100000 /dev/zero | tr '\0' 'y'; echo; } >"$tmp/w/long.pipeline"
check streams_long_line_pipeline 4 "long.pipeline:2:1: line longer than 1048576 bytes" build long.pipeline -o out
streams_base; { head -2 "$streams_car"; printf '"'; head -c 1100000 /dev/zero | tr '\0' 'z'; echo '"'; } >"$tmp/w/long.csv"
check streams_long_line_events 4 "long.csv:3:1: line longer than 1048576 bytes" events panel long.csv -o out/panel.csv $streams_geo

# duplicate event ids: an exact repeat is counted once, with a warning naming both lines
streams_base; (cat "$streams_car"; sed -n 10p "$streams_car") >"$tmp/w/dup.csv"
id10=$(sed -n 10p "$streams_car" | cut -d, -f1)
check streams_dup_exact 0 "dup.csv:1850: event $id10 repeats line 10 exactly; counted once" events panel dup.csv -o dup_panel.csv $streams_geo
(cd "$tmp/w" && "$bin" events panel car.csv -q -o car_panel.csv $streams_geo)
if cmp -s "$tmp/w/car_panel.csv" "$tmp/w/dup_panel.csv"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL streams_dup_exact_count: the repeated row changed the panel"; fi
# ... and across files: CAR twice is CAR once
check streams_dup_two_files 0 "repeats car.csv:2 exactly" events panel car.csv dup.csv -o dup2_panel.csv $streams_geo
if cmp -s "$tmp/w/car_panel.csv" "$tmp/w/dup2_panel.csv"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL streams_dup_two_files_count: the repeated file changed the panel"; fi
# ingest: the store holds each event once, and the row count says so
check streams_dup_ingest 0 "event $id10 repeats line 10 exactly" events ingest dup.csv --db new.db $streams_geo
(cd "$tmp/w" && "$bin" events panel --db new.db -q -o db_panel.csv $streams_geo)
if cmp -s "$tmp/w/car_panel.csv" "$tmp/w/db_panel.csv"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL streams_dup_ingest_count: the store's panel differs from the file's"; fi
# the same id with other values: an error naming both lines (in id order or not)
streams_base
# (row 10 ends best,high,low = 0,100,0: low becomes 90)
(cat "$streams_car"; sed -n 10p "$streams_car" | sed 's/,\([0-9]*\),\([0-9]*\),\([0-9]*\)$/,\1,\2,9\3/') >"$tmp/w/conf.csv"
check streams_dup_conflict 4 "conf.csv:1850:1: event id '$id10' was already given on line 10 with other values" events panel conf.csv -o out/panel.csv $streams_geo
check streams_dup_conflict_ingest 4 "conf.csv:1850:1: event id '$id10' was already given on line 10" events ingest conf.csv --db store.db $streams_geo
# ids in increasing order (the fast check): the repeat right after its first row
streams_base; { echo "id,year,type_of_violence,country_id,latitude,longitude,where_prec,date_start,date_end,best"
    echo "1,2020,1,482,4.3,18.5,1,2020-01-05,2020-01-05,3"
    echo "2,2020,1,482,4.3,18.5,1,2020-02-05,2020-02-05,4"
    echo "2,2020,1,482,4.3,18.5,1,2020-02-05,2020-02-05,5"; } >"$tmp/w/inc.csv"
check streams_dup_conflict_sorted 4 "inc.csv:4:1: event id '2' was already given on line 3 with other values" warn inc.csv -o out/alerts.csv $streams_geo
