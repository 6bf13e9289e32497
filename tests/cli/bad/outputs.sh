# outputs.sh - outputs that must not be written (sourced by bad_inputs.sh): an -o path that is
# a device, FIFO, symbolic link, a folder humsec did not write or one that holds an input;
# a build folder holding exactly one run's files; standard output checked like a file;
# humsec run outside the project folder.

# outputs_ok NAME CONDITION_EXIT_STATUS MESSAGE: count one pass or fail.
outputs_ok() {
    if [ "$2" = 0 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $1: $3"
    fi
}

# outputs_build DIR: a valid build of the base index into $tmp/w/DIR (part of the "before").
outputs_build() {
    (cd "$tmp/w" && "$bin" build p.pipeline -o "$1" -q) || echo "FAIL: setup build into $1"
}

# outputs_full NAME ARGS...: ARGS with standard output on /dev/full exits 3 and says so.
outputs_full() {
    name=$1
    shift
    tree_sum "$tmp/w" >"$tmp/before"
    (cd "$tmp/w" && "$bin" "$@" >/dev/full 2>"$tmp/stderr")
    got=$?
    msg=$(tail -n 1 "$tmp/stderr")
    tree_sum "$tmp/w" >"$tmp/after"
    ok=0
    [ "$got" = 3 ] || ok=1
    case $msg in "humsec: cannot write to standard output"*) ;; *) ok=1 ;; esac
    cmp -s "$tmp/before" "$tmp/after" || ok=1
    outputs_ok "$name" $ok "exit $got (want 3), last message: $msg"
}

# A report and hsi-data to what is not a regular file. As root, a device is the case the
# issue met (root may rename a file over /dev/full). The device here is a private node of
# /dev/full's kind (character device 1,7) in the work folder, so that a humsec that gets it
# wrong replaces that node and not the system's /dev/full.
outputs_devices() {
    cmd=$1
    shift
    if [ "$(id -u)" = 0 ] && mknod "$tmp/probe" c 1 7 2>/dev/null; then
        rm -f "$tmp/probe"
        base
        outputs_build b
        mknod "$tmp/w/full" c 1 7
        check "${cmd}_dev_full" 3 "full: output path is a device, not a regular file" \
            "$@" -o full
        [ -c "$tmp/w/full" ]
        outputs_ok "${cmd}_dev_full_kept" $? "the device is no longer a device"
    fi
    base
    outputs_build b
    mkfifo "$tmp/w/fifo"
    check "${cmd}_fifo" 3 "fifo: output path is a FIFO (named pipe), not a regular file" \
        "$@" -o fifo
    base
    outputs_build b
    echo "outside" >"$tmp/outside.txt"
    ln -s "$tmp/outside.txt" "$tmp/w/link.out"
    check "${cmd}_symlink" 3 "link.out: output path is a symbolic link" "$@" -o link.out
    [ "$(cat "$tmp/outside.txt")" = outside ]
    outputs_ok "${cmd}_symlink_target_kept" $? "the link's target was changed"
    base
    outputs_build b
    check "${cmd}_folder" 3 "b: output path is a folder, not a regular file" "$@" -o b
}
outputs_devices report report b
outputs_devices hsi_data hsi-data

# a report over one of the files it is made from
base
outputs_build b
check report_over_input 3 "output path is an input of this run" report b -o b/summary.json

# a build into the folder of its own inputs
base
check build_into_input_folder 3 ".: output folder holds an input of this run (" \
    build p.pipeline -o .

# a structure file named ranks.csv, kept in a folder humsec wrote before
base
outputs_build res
mv "$tmp/w/s.csv" "$tmp/w/res/ranks.csv"
sed -i 's#^structure = s.csv#structure = res/ranks.csv#' "$tmp/w/p.pipeline"
check structure_in_out_folder 3 "res: output folder holds an input of this run (res/ranks.csv)" \
    build p.pipeline -o res

# a folder humsec did not write, with something in it
base
mkdir "$tmp/w/res"
echo "my notes" >"$tmp/w/res/notes.txt"
check foreign_folder 3 "res: output folder is not empty and humsec did not write it" \
    build p.pipeline -o res

# a folder humsec wrote, to which a subfolder was added: a build does not delete folders
base
outputs_build res
mkdir "$tmp/w/res/mine"
check folder_with_subfolder 3 "res: output folder holds 'mine', which humsec did not write" \
    build p.pipeline -o res

# a link to a folder
base
mkdir "$tmp/w/real"
ln -s real "$tmp/w/res"
check folder_symlink 3 "res: output folder is a symbolic link" build p.pipeline -o res

# a build into an older build's folder holds only the new build's files
base
cp "$tmp/w/p.pipeline" "$tmp/p0"
sed -i 's/^\[normalise\]/[screen]\ndat_thresh = 0.5\n\n[normalise]/' "$tmp/w/p.pipeline"
outputs_build res
[ -f "$tmp/w/res/Screened.csv" ]
outputs_ok older_build_setup $? "the first build wrote no Screened.csv"
mv "$tmp/p0" "$tmp/w/p.pipeline"
check older_build_replaced 0 "wrote" build p.pipeline -o res
want=".humsec-build Aggregated.csv Normalised.csv Raw.csv audit_corr_Normalised.csv \
audit_corr_parent.csv audit_cronbach.csv audit_pca_variance.csv audit_pca_weights.csv \
audit_stats_Raw.csv ranks.csv results.csv summary.json "
got=$(cd "$tmp/w/res" && LC_ALL=C ls -A | tr '\n' ' ')
[ "$got" = "$want" ]
outputs_ok older_build_files $? "res holds: $got"
got=$(cd "$tmp/w" && LC_ALL=C ls -A | tr '\n' ' ')
[ "$got" = "d.csv out p.pipeline res s.csv " ]
outputs_ok older_build_nothing_beside $? "work folder holds: $got"

# a failed build (two steps writing Imputed.csv) leaves nothing, and the old build as it was
base
outputs_build res
sed -i 's/^\[normalise\]/[impute]\nmethod = mean\n\n[impute]\nmethod = median\n\n[normalise]/' \
    "$tmp/w/p.pipeline"
check failed_build_keeps_old 6 "two outputs named 'Imputed.csv'" build p.pipeline -o res
[ -f "$tmp/w/res/Raw.csv" ] && [ ! -e "$tmp/w/res/Imputed.csv" ]
outputs_ok failed_build_old_intact $? "res is not the old build"

# standard output is a file like any other
base
outputs_full stdout_explain_full build p.pipeline --explain AAA -q
outputs_full stdout_help_full build --help
here_data=$(cd "$here/../.." && pwd)/data
base
cp "$here_data/ucdp/ged_car_v23_1.csv" "$tmp/w/ged.csv"
outputs_full stdout_panel_full events panel ged.csv --geo "$here_data/geo" -q
base
cp "$here_data/ucdp/ged_car_v23_1.csv" "$tmp/w/ged.csv"
check panel_over_input 3 "ged.csv: output path is an input of this run" \
    events panel ged.csv --geo "$here_data/geo" -q -o ged.csv

# humsec run outside the project folder says where to run it
base
check run_outside_project 2 "run it from the humsec project folder" run --no-db
# ... and inside one, not into the folder of its own inputs
base
mkdir -p "$tmp/w/examples/hsi" "$tmp/w/data"
: >"$tmp/w/examples/hsi/hsi.pipeline"
check run_into_project 3 ".: output folder holds an input of this run (" run --no-db -o .
