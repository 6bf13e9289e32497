#!/bin/sh
# lint.sh - static checks of humsec's C sources: cppcheck, clang-tidy (.clang-tidy) and
# clang-format (.clang-format) over src/ cli/ mpi/ fuzz/ tests/ include/, using the
# compile_commands.json of a configured build folder. Exits non-zero on any finding.
# A missing tool is skipped with a message, unless HS_REQUIRE_LINT=1 makes it an error.
# Usage: sh tools/lint.sh BUILD_DIR [JOBS]
set -u
build=${1:?usage: lint.sh BUILD_DIR [JOBS]}
jobs=${2:-2}
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
db=$build/compile_commands.json
if [ ! -f "$db" ]; then
    echo "lint: no $db (configure the build first: cmake -S . -B $build)" >&2
    exit 2
fi
status=0
missing() {
    if [ "${HS_REQUIRE_LINT:-0}" = 1 ]; then
        echo "lint: ERROR: $1 is not installed and HS_REQUIRE_LINT=1 (Debian: apt-get install $2)" >&2
        status=1
    else
        echo "lint: SKIPPED $1: not installed (Debian: apt-get install $2; HS_REQUIRE_LINT=1 makes this an error)"
    fi
}
find_tool() { # first of the names found on PATH
    for t in "$@"; do
        if command -v "$t" >/dev/null 2>&1; then
            echo "$t"
            return 0
        fi
    done
    return 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The project's own C files that the build compiles (generated sources left out); find, not
# git, so that a source tree without .git is checked too.
find src cli mpi fuzz tests -name '*.c' 2>/dev/null | sort >"$tmp/all"
: >"$tmp/files"
while read -r f; do
    if grep -qF "\"file\": \"$root/$f\"" "$db"; then echo "$f" >>"$tmp/files"; fi
done <"$tmp/all"
if [ ! -s "$tmp/files" ]; then
    echo "lint: $db lists none of the project's sources" >&2
    exit 2
fi
nfiles=$(wc -l <"$tmp/files")
if ! grep -q '^mpi/' "$tmp/files"; then
    echo "lint: note: mpi/ is not in this build (no Open MPI), so it is not checked"
fi

# cppcheck: the build's own compile commands, only the project's files.
if cppcheck=$(find_tool cppcheck); then
    set -- --project="$db" --enable=warning,performance,portability --std=c11 --inline-suppr \
        --error-exitcode=1 --quiet -j "$jobs" --suppress=missingIncludeSystem \
        --suppress="*:$build/*"
    while read -r f; do set -- "$@" --file-filter="$f"; done <"$tmp/files"
    if "$cppcheck" "$@" >"$tmp/cppcheck.log" 2>&1; then
        echo "lint: cppcheck: $nfiles files, no findings"
    else
        cat "$tmp/cppcheck.log"
        echo "lint: cppcheck: findings above" >&2
        status=1
    fi
else
    missing cppcheck cppcheck
fi

# clang-tidy: one process per file, $jobs at a time; headers through HeaderFilterRegex.
if tidy=$(find_tool clang-tidy clang-tidy-14 clang-tidy-15 clang-tidy-16); then
    # shellcheck disable=SC2016
    xargs -P "$jobs" -I{} sh -c '"$1" -p "$2" --quiet "$3" >"$4/tidy.$(echo "$3" | tr / _).log" 2>&1' \
        _ "$tidy" "$build" {} "$tmp" <"$tmp/files"
    cat "$tmp"/tidy.*.log | grep -E '^[^ ].*: (warning|error): ' | sort -u >"$tmp/tidy.findings"
    if [ -s "$tmp/tidy.findings" ]; then
        cat "$tmp/tidy.findings"
        echo "lint: clang-tidy: $(wc -l <"$tmp/tidy.findings") findings above" >&2
        status=1
    else
        echo "lint: clang-tidy: $nfiles files, no findings"
    fi
else
    missing clang-tidy clang-tidy
fi

# clang-format: every C file and header of the project.
if fmt=$(find_tool clang-format clang-format-14 clang-format-15 clang-format-16); then
    find src cli mpi fuzz tests include -name '*.[ch]' 2>/dev/null | sort >"$tmp/fmt"
    if xargs "$fmt" --dry-run -Werror <"$tmp/fmt" >"$tmp/fmt.log" 2>&1; then
        echo "lint: clang-format: $(wc -l <"$tmp/fmt") files, clean"
    else
        grep -E '(warning|error):' "$tmp/fmt.log" | head -50
        echo "lint: clang-format: $(grep -c -E '(warning|error):' "$tmp/fmt.log") places to reformat (make format)" >&2
        status=1
    fi
else
    missing clang-format clang-format
fi
exit $status
