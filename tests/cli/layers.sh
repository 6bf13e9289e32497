#!/bin/sh
# layers.sh - the modules stand on each other as docs/ARCHITECTURE.md's "Layers" list says,
# and on nothing else: every #include "..." of src/MODULE/ names a header of MODULE itself,
# of core (the foundation every module stands on) or of a module MODULE stands on in the list;
# the list has no loop; cli/, the R glue and examples/c include only the public headers and
# their own. A new include across modules fails here until the list (and so the map) says so.
# Usage: sh tests/cli/layers.sh [path/to/humsec]   (run from the source tree; the binary is
# not used)
set -u
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The list: the indented lines "    MODULE: BELOW..." between "## Layers" and the next heading.
awk '/^## Layers/ {on = 1; next} /^## / {on = 0} on && /^    [a-z]+:/' docs/ARCHITECTURE.md |
    sed 's/^ *//; s/://' >"$tmp/layers"
if [ ! -s "$tmp/layers" ]; then
    echo "FAIL: docs/ARCHITECTURE.md has no '## Layers' list"
    exit 1
fi

# Every folder of src/ is in the list.
for d in src/*/; do
    m=$(basename "$d")
    if ! awk -v m="$m" '$1 == m {f = 1} END {exit !f}' "$tmp/layers"; then
        echo "FAIL: src/$m/ is not in docs/ARCHITECTURE.md's Layers list"
        fail=1
    fi
done

# Every include of src/ against the list. An include is written "MODULE/x.h" (from src/),
# "../MODULE/x.h" or "x.h" (the file's own folder).
awk 'NR == FNR {for (i = 2; i <= NF; i++) on[$1 " " $i] = 1; next}
     /^[ \t]*#[ \t]*include[ \t]*"/ {
         inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
         if (inc ~ /^humsec(_store|_server)?\.h$/) next
         split(FILENAME, p, "/"); m = p[2]; to = m
         if (inc ~ /\//) { t = inc; sub(/^\.\.\//, "", t); split(t, q, "/"); to = q[1] }
         if (to != m && to != "core" && !((m " " to) in on)) {
             printf "FAIL: %s:%d: includes %s, but %s does not stand on %s" \
                    " (docs/ARCHITECTURE.md, Layers)\n", FILENAME, FNR, inc, m, to
             bad = 1
         }
     }
     END {exit bad}' "$tmp/layers" src/*/*.c src/*/*.h || fail=1

# No loop: tsort orders the pairs "BELOW MODULE" and says so when they cannot be ordered.
awk '{print $1, $1; for (i = 2; i <= NF; i++) print $i, $1}' "$tmp/layers" >"$tmp/pairs"
if ! tsort "$tmp/pairs" >/dev/null 2>"$tmp/loop"; then
    echo "FAIL: the Layers list has a loop among:" \
        "$(grep -v 'contains a loop' "$tmp/loop" | sed 's/^tsort: //' | sort -u | tr '\n' ' ')"
    fail=1
fi

# The programs over the library: public headers and their own files only.
progs=$(ls cli/*.c cli/*.h r/humsec/src/*.c examples/c/*.c 2>/dev/null)
awk '/^[ \t]*#[ \t]*include[ \t]*"[^"]*\// {
         printf "FAIL: %s:%d: %s (the programs use the public headers)\n", FILENAME, FNR, $0
         bad = 1
     }
     END {exit bad}' $progs || fail=1

if [ $fail = 0 ]; then
    echo "PASS: $(wc -l <"$tmp/layers") modules, every include of src/ and the programs as the Layers list says"
fi
exit $fail
