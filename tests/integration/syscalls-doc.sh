#!/bin/bash
# Test suite: docs/syscalls.md is what kernel/syscall/gen-syscalls-md.sh
# makes of the current system-call table, lists every SYSCALL(...) line,
# and the generator refuses a broken table.  Run from the top of the tree.
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/lib/results.sh" "$@"
cd "$(dirname "$0")/../.."
gen=kernel/syscall/gen-syscalls-md.sh
out=build/tests/syscalls-doc
mkdir -p "$out"

if "$gen" >"$out/syscalls.md" 2>"$out/gen.err"; then
    echo "PASS syscalls-doc/generate"
else
    echo "FAIL syscalls-doc/generate: $gen failed: $(head -3 "$out/gen.err" | tr '\n' ' ')"
    exit 1
fi

if cmp -s "$out/syscalls.md" docs/syscalls.md; then
    echo "PASS syscalls-doc/fresh"
else
    echo "FAIL syscalls-doc/fresh: docs/syscalls.md is stale (the table changed): run make docs and commit it"
    diff -u docs/syscalls.md "$out/syscalls.md" 2>&1 | head -20 | sed 's/^/    /'
fi

# Every SYSCALL line in the .def files has a row in the index table.
defs=$(cat kernel/include/syscall/*.def | grep -c '^SYSCALL(')
rows=$(grep -cE '^\| [0-9]+ \| ' "$out/syscalls.md")
if [ "$defs" -eq "$rows" ]; then
    echo "PASS syscalls-doc/complete"
else
    echo "FAIL syscalls-doc/complete: $defs SYSCALL lines in kernel/include/syscall/*.def but $rows rows in the document"
fi

# A table with a number used twice, a name used twice, or an unknown
# status must be refused, not documented.
bad=$out/bad/syscall
mkdir -p "$bad"
check_refused() { # name, def lines
    printf '%s\n' "$2" >"$bad/all.def"
    if "$gen" "$out/bad" >/dev/null 2>&1; then
        echo "FAIL syscalls-doc/refuses-$1: the generator accepted it"
    else
        echo "PASS syscalls-doc/refuses-$1"
    fi
}
check_refused duplicate-number 'SYSCALL(1, a, FULL, "", "", "-", "-", "-")
SYSCALL(1, b, FULL, "", "", "-", "-", "-")'
check_refused duplicate-name 'SYSCALL(1, a, FULL, "", "", "-", "-", "-")
SYSCALL(2, a, FULL, "", "", "-", "-", "-")'
check_refused bad-status 'SYSCALL(1, a, MOSTLY, "", "", "-", "-", "-")'
check_refused out-of-range 'SYSCALL(512, a, FULL, "", "", "-", "-", "-")'
# And a good one is accepted, sorted by number.
printf '%s\n' 'SYSCALL(7, seven, STUB, "void", "c7", "-", "-", "why")' \
              'SYSCALL(3, three, PARTIAL, "int x", "c3", "F", "EINVAL", "-")' >"$bad/all.def"
if "$gen" "$out/bad" >"$out/good.md" 2>&1 &&
   [ "$(grep -oE '^\| [0-9]+ ' "$out/good.md" | tr -d '| ' | tr '\n' ' ')" = "3 7 " ] &&
   grep -q '2 system calls: 0 full, 1 partial, 1 stub' "$out/good.md"; then
    echo "PASS syscalls-doc/sorted-and-counted"
else
    echo "FAIL syscalls-doc/sorted-and-counted: $(head -3 "$out/good.md" | tr '\n' ' ')"
fi
