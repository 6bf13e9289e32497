#!/bin/sh
# r.sh - the R package (r/humsec) as a user installs it: R CMD INSTALL of a copy, compiled
# against this build's libhumsec.so.0 and header, then its testthat tests: ASEM P1 and the
# HDI from R equal the command line's CSVs to the last bit, from_coin on a coin-shaped list
# built from data/coinr-asem reproduces P1, and errors name what failed. Skipped (77) in the
# sanitizer build, whose library cannot be loaded into R; a missing R or testthat skips, or
# fails under HS_REQUIRE_ALL=1 (CI), as .ci/run installs them.
# Usage: sh tests/cli/r.sh path/to/humsec
set -u
bin=${1:?usage: r.sh HUMSEC}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
build=$(cd "$(dirname "$bin")" && pwd)
root=$(pwd)
. "$(dirname "$0")/lib/require.sh"
if grep -q '^HS_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    echo "SKIP: the sanitizer build's library cannot be loaded into R"
    exit 77
fi
command -v R >/dev/null 2>&1 && Rscript -e 'library(testthat)' >/dev/null 2>&1 ||
    req_skip "R with testthat (apt-get install r-base-dev r-cran-testthat)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the package is built from a copy, so the project folder gets no object files
cp -r r/humsec "$tmp/src"
mkdir -p "$tmp/lib"
HUMSEC_CFLAGS="-I$root/include" HUMSEC_LIBS="-L$build -lhumsec -Wl,-rpath,$build" \
    R CMD INSTALL --no-test-load -l "$tmp/lib" "$tmp/src" >"$tmp/install.log" 2>&1 ||
    { echo "FAIL: R CMD INSTALL r/humsec"; cat "$tmp/install.log"; exit 1; }
HUMSEC_ROOT="$root" HUMSEC_EXE="$bin" R_LIBS="$tmp/lib" Rscript -e '
    library(testthat); library(humsec)
    r <- as.data.frame(test_dir(file.path(Sys.getenv("HUMSEC_ROOT"), "r/humsec/tests/testthat"),
                                reporter = "summary", stop_on_failure = FALSE))
    failed <- sum(r$failed) + sum(r$error)
    cat(sprintf("r: %d passed, %d failed\n", sum(r$nb) - sum(r$failed), failed))
    quit(status = if (failed > 0) 1 else 0)'
