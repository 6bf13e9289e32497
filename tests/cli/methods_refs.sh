#!/bin/sh
# methods_refs.sh - every section of docs/methods.md that the sources, messages and documents
# cite ("docs/methods.md section 3.2", "sections 5.3-5.5", "section 3.6, 3.7") is a heading
# of docs/methods.md (the tests' own citations too), and nothing cites the notes the project does not ship ("METHODS 5.1").
# Usage: sh tests/cli/methods_refs.sh path/to/humsec   (run from the source tree)
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# the section numbers docs/methods.md has: "## 3. Composite ..." and "### 3.2 Normalisation"
sed -n 's/^##* \([0-9][0-9]*\(\.[0-9][0-9]*\)*\)\.\{0,1\} .*/\1/p' docs/methods.md | sort -u >"$tmp/have"

# cited FILE...: the section numbers the files cite, one per line. A citation may run over a
# line break (in a comment, a help string or a paragraph), so lines are joined first.
cited() {
    for f in "$@"; do
        perl -0777 -pe 's/\\n"\s*"/ /g; s/\n\s*(\*|\/\/|#|")?\s*/ /g' "$f"
        echo
    done | grep -oE 'methods\.md,? sections? [0-9]+(\.[0-9]+)?(( *(,|and|/|-|to) *)[0-9]+(\.[0-9]+)?)*' |
        sed 's/^[^0-9]*//' | grep -oE '[0-9]+(\.[0-9]+)?' | sort -u
}

# missing FILE...: cited sections that are not headings (empty when all are)
missing() {
    cited "$@" >"$tmp/cited"
    comm -23 "$tmp/cited" "$tmp/have"
}

files=$(find docs src cli include mpi examples tests/unit tests/ref data/PROVENANCE.md -type f \
    \( -name '*.c' -o -name '*.h' -o -name '*.md' -o -name '*.pipeline' -o -name '*.spec' \
    -o -name '*.yaml' \) ! -path docs/methods.md | LC_ALL=C sort)
# shellcheck disable=SC2086
bad=$(missing $files)
if [ -n "$bad" ]; then
    echo "FAIL: cited but not in docs/methods.md:" $bad
    fail=1
fi
# shellcheck disable=SC2086
n=$(cited $files | wc -l)
[ "$n" -ge 20 ] || { echo "FAIL: only $n cited sections found (the scan is broken)"; fail=1; }

# the old citations are gone: "METHODS 5.1", "METHODS.md section 4", "METHODS, conventions"
# shellcheck disable=SC2086
old=$(grep -nE 'METHODS(\.md| [0-9]|,| "|$)' $files)
[ -z "$old" ] || { echo "FAIL: citations of notes the project does not ship:"; echo "$old"; fail=1; }

# the check can fail: a citation of a section that does not exist, split over two lines
printf '/* see docs/methods.md\n * section 9.9 and docs/methods.md sections 3.2-3.19 */\n' >"$tmp/x.c"
[ "$(missing "$tmp/x.c" | tr '\n' ' ')" = "3.19 9.9 " ] || { echo "FAIL: the scan misses a bad citation"; fail=1; }

[ $fail = 0 ] && echo "methods refs: $n cited sections, all in docs/methods.md"
exit $fail
