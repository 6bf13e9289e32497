#!/bin/sh
# mpi_sensitivity.sh - the distributed analysis writes the same bytes as a single process:
# `humsec sensitivity` (1 process, 2 threads), `mpirun -n 1 humsec-mpi` and
# `mpirun --oversubscribe -n 3 humsec-mpi` on the ASEM spec, every output file compared.
# Usage: sh tests/mpi/mpi_sensitivity.sh HUMSEC HUMSEC_MPI
set -u
bin=${1:?}
mpibin=${2:?}
command -v mpirun >/dev/null || { echo "mpirun not installed"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# mpirun refuses root unless told; the MPI runtime's own allocations are not ours to check
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export ASAN_OPTIONS=detect_leaks=0
export OMPI_MCA_rmaps_base_oversubscribe=1
args="examples/asem/sa.pipeline examples/asem/sa.spec --type sa --n 256 --seed 7 -q --runs"
# shellcheck disable=SC2086
"$bin" sensitivity $args -o "$tmp/single" --threads 2 || { echo "FAIL: single run"; exit 1; }
for r in 1 3; do
    # shellcheck disable=SC2086
    mpirun --oversubscribe -n $r "$mpibin" sensitivity $args -o "$tmp/mpi$r" --threads 1 \
        >"$tmp/log$r" 2>&1 || { echo "FAIL: mpirun -n $r"; cat "$tmp/log$r"; exit 1; }
done
fail=0
for f in ua_ranks.csv ua_scores.csv sa_indices.csv sa_convergence.csv runs.csv sensitivity.json; do
    for r in 1 3; do
        cmp -s "$tmp/single/$f" "$tmp/mpi$r/$f" || { echo "FAIL: $f differs with $r ranks"; fail=1; }
    done
done
# standard output is checked like a file: a write that fails is exit 3, with a message
msg=$("$mpibin" --help 2>&1 >/dev/full)
rc=$?
case "$rc $msg" in "3 "*"cannot write to standard output"*) ;; *)
    echo "FAIL: --help >/dev/full: exit $rc: $msg"; fail=1 ;; esac
[ $fail = 0 ] && echo "mpi: outputs identical for 1 process and 1 and 3 ranks"
exit $fail
