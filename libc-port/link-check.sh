#!/bin/bash
# Runs a link command; if it fails because of undefined symbols, lists each
# missing symbol once, by name, instead of ld's one line per call site.
#
#   link-check.sh <compiler> <arguments...>
set -uo pipefail
[ $# -ge 1 ] || { echo "usage: $0 CC ARGS..." >&2; exit 2; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if "$@" 2> "$log"; then
    cat "$log" >&2
    exit 0
fi
missing=$(sed -n "s/.*undefined reference to \`\([^']*\)'.*/\1/p" "$log" | sort -u)
if [ -n "$missing" ]; then
    echo "link-check: unresolved symbols (add them to libc-port/compat/):" >&2
    sed 's/^/  unresolved: /' <<< "$missing" >&2
else
    cat "$log" >&2
fi
exit 1
