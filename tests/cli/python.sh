#!/bin/sh
# python.sh - the Python package (python/) as a user installs it: pip into a virtual
# environment that sees Debian's pandas and numpy (--system-site-packages), with no package
# index (--no-index --no-build-isolation); then its pytest tests (python/tests/) against this
# build's libhumsec.so.0 and humsec: ASEM P1 and the HDI from Python equal the command
# line's CSVs to the last bit. Skipped (77) in the sanitizer build, whose library needs the
# sanitizer runtime loaded first; a missing Python package skips, or fails under
# HS_REQUIRE_ALL=1 (CI), as .ci/run installs them.
# Usage: sh tests/cli/python.sh path/to/humsec
set -u
bin=${1:?usage: python.sh HUMSEC}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
build=$(cd "$(dirname "$bin")" && pwd)
. "$(dirname "$0")/lib/require.sh"
if grep -q '^HS_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    echo "SKIP: the sanitizer build's library cannot be loaded into python3"
    exit 77
fi
# Debian's python3, whose packages .ci/run installs (another python3 may come first on PATH)
py=${PYTHON:-/usr/bin/python3}
[ -x "$py" ] || py=python3
"$py" -c 'import pandas, numpy, pytest, venv, setuptools' 2>/dev/null ||
    req_skip "python3 with pandas, numpy, pytest, venv and setuptools (apt-get install python3-pandas python3-pytest python3-venv python3-setuptools)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PYTHONDONTWRITEBYTECODE=1
"$py" -m venv --system-site-packages "$tmp/venv" || { echo "FAIL: $py -m venv"; exit 1; }
# pip builds in a copy, so the project folder gets no build/ or egg-info of its own
cp -r python "$tmp/src"
"$tmp/venv/bin/pip" install -q --no-index --no-build-isolation "$tmp/src" >"$tmp/pip.log" 2>&1 ||
    { echo "FAIL: pip install ./python"; cat "$tmp/pip.log"; exit 1; }
HUMSEC_LIBRARY="$build/libhumsec.so.0" HUMSEC_EXE="$bin" \
    "$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider python/tests
