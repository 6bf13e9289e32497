#!/bin/sh
# install.sh - `make install` as a user of the library meets it: the build installed under a
# DESTDIR, a program outside the project (tests/install/api_build.c) compiled with nothing
# but `pkg-config --cflags --libs humsec` against the installed header and libhumsec.so.0,
# run, and its numbers (the ASEM pillar 1 build through the public API) compared with the
# command line's Aggregated.csv: every value the same double. Also the soname, that only the
# public API (hs_*) is exported, and hs_version() against HS_VERSION.
# Skipped (77) in the sanitizer build, whose library needs the sanitizer runtime loaded first.
# Usage: sh tests/cli/install.sh path/to/humsec
set -u
bin=${1:?usage: install.sh HUMSEC}
build=$(cd "$(dirname "$bin")" && pwd)
. "$(dirname "$0")/lib/require.sh"
if grep -q '^HS_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    echo "SKIP: the sanitizer build's library is tested through the CLI and unit tests"
    exit 77
fi
command -v pkg-config >/dev/null 2>&1 || req_skip "pkg-config not found"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
DESTDIR=$tmp/root cmake --install "$build" >"$tmp/install.log" 2>&1 ||
    { echo "FAIL: cmake --install"; cat "$tmp/install.log"; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$build/humsec.pc")
lib=$(ls -d "$tmp/root$prefix"/lib* | head -n 1)
for f in "$tmp/root$prefix/bin/humsec" "$tmp/root$prefix/include/humsec.h" \
    "$tmp/root$prefix/include/humsec_store.h" "$tmp/root$prefix/include/humsec_server.h" "$lib/libhumsec.a" \
    "$lib/libhumsec.so.0" "$lib/pkgconfig/humsec.pc"; do
    [ -e "$f" ] || { echo "FAIL: not installed: ${f#"$tmp/root"}"; fail=1; }
done
soname=$(objdump -p "$lib/libhumsec.so.0" | awk '/SONAME/ {print $2}')
[ "$soname" = libhumsec.so.0 ] || { echo "FAIL: soname '$soname'"; fail=1; }
other=$(nm -D --defined-only "$lib/libhumsec.so.0" | awk '$3 !~ /^hs_/ && $3 != "HUMSEC_0" {print $3}' | head -n 5)
[ -z "$other" ] || { echo "FAIL: libhumsec.so exports more than hs_*: $other"; fail=1; }

export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$tmp/root"
flags=$(pkg-config --cflags --libs humsec) || { echo "FAIL: pkg-config humsec"; exit 1; }
cc -std=c11 -o "$tmp/api_build" tests/install/api_build.c $flags -lm ||
    { echo "FAIL: compiling against the installed library"; exit 1; }
LD_LIBRARY_PATH="$lib" ldd "$tmp/api_build" | grep -q "libhumsec.so.0 => $lib" ||
    { echo "FAIL: the program does not load the installed libhumsec.so.0"; fail=1; }
LD_LIBRARY_PATH="$lib" "$tmp/api_build" examples/asem/p1.pipeline >"$tmp/api.csv" ||
    { echo "FAIL: api_build"; exit 1; }
want=$(sed -n 's/^#define HS_VERSION *"\(.*\)"/\1/p' include/humsec.h)
[ "$(sed -n 's/^version,//p' "$tmp/api.csv")" = "$want" ] || { echo "FAIL: hs_version is not $want"; fail=1; }

"$bin" build examples/asem/p1.pipeline -o "$tmp/cli" -q || { echo "FAIL: humsec build"; exit 1; }
ds=$(sed -n 's/^dataset,//p' "$tmp/api.csv")
# every value of the CLI's table, looked up in the API's, as doubles
awk -F, -v ds="$ds" '
    NR == FNR { if (NF == 4 && $1 != "version" && $1 != "dataset") api[$1 "," $3] = $4; next }
    { gsub(/"/, "") } # the CLI quotes its text fields; no code here holds a comma
    FNR == 1 { for (j = 1; j <= NF; j++) col[j] = $j; tcol = 0
               for (j = 1; j <= NF; j++) if ($j == "Time") tcol = j; next }
    { for (j = 3 + (tcol > 0); j <= NF; j++) {
          k = $1 "," col[j]; n++
          if (!(k in api)) { print "FAIL: the API has no value for " k; bad++; continue }
          if ($j == "NA" ? api[k] != "NA" : (api[k] == "NA" || api[k] + 0 != $j + 0)) {
              print "FAIL: " k ": CLI " $j ", API " api[k]; bad++ } } }
    END { if (n == 0) { print "FAIL: no value compared"; bad++ }
          printf "install: %d values of %s compared\n", n, ds; exit bad > 0 }' \
    "$tmp/api.csv" "$tmp/cli/$ds.csv" || fail=1

# examples/c as its README says to build it: its own Makefile, pkg-config only; its rank
# intervals are the command line's ua_ranks.csv for the same analysis
cp -r examples/c "$tmp/example"
make -s -C "$tmp/example" >"$tmp/example.log" 2>&1 ||
    { echo "FAIL: make in examples/c"; cat "$tmp/example.log"; exit 1; }
LD_LIBRARY_PATH="$lib" "$tmp/example/rank_intervals" examples/asem/sa.pipeline \
    examples/asem/sa.spec 64 >"$tmp/ri.csv" || { echo "FAIL: rank_intervals"; exit 1; }
"$bin" sensitivity examples/asem/sa.pipeline examples/asem/sa.spec --n 64 -q -o "$tmp/ua" ||
    { echo "FAIL: humsec sensitivity"; exit 1; }
# ua_ranks.csv: uCode, uName, (Time,) nominal, median, mean, q05, q95 (names may hold commas:
# read the key and the last columns by header)
awk -F, 'NR == FNR { if (FNR > 1) ex[$1] = $2 "," $3 "," $4 "," $5; next }
    FNR == 1 { for (j = 1; j <= NF; j++) c[$j] = j; next }
    { gsub(/"/, ""); n++
      want = $c["\"nominal_rank\""] + 0 "," $c["\"q05_rank\""] + 0 "," \
             $c["\"median_rank\""] + 0 "," $c["\"q95_rank\""] + 0
      if (ex[$1] != want) { print "FAIL: rank_intervals " $1 ": " ex[$1] ", CLI " want; bad++ } }
    END { if (n != 51) { print "FAIL: " n " units"; bad++ } exit bad > 0 }' \
    "$tmp/ri.csv" "$tmp/ua/ua_ranks.csv" || fail=1
[ $fail = 0 ] && echo "install: humsec.pc, libhumsec.so.0 and the public API: all checks passed"
exit $fail
