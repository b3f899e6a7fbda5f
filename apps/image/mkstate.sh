#!/bin/bash
# mkstate.sh [--empty] VTPM FILE: creates a fresh vTPM state image at FILE (the
# vtpm binary formats a missing state file and manufactures a TPM into it), so
# the first boot finds a valid state; the VM's vtpm refuses a blank or damaged
# one rather than silently manufacturing a new TPM.
# --empty: a valid state holding no TPM yet; the VM's vtpm manufactures it at
# its first start, under its state key if it has one (docs/attestation.md,
# "Sealed state and rollback": a TPM made here has seeds the host knows, and a
# vtpm with a key refuses it).
set -eu
empty=
[ "${1:-}" = --empty ] && { empty=1; shift; }
vtpm=$1 file=$2
[ ! -e "$file" ] || { echo "mkstate: $file exists; not touching it" >&2; exit 1; }
if [ -n "$empty" ]; then
    mkdir -p "$(dirname "$file")"
    "$vtpm" --state "$file" --format-only
    exit
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$(dirname "$file")"
"$vtpm" --server type=unixio,path="$tmp/data" --ctrl type=unixio,path="$tmp/ctrl" --state "$file" >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 300); do
    [ -S "$tmp/ctrl" ] && [ -e "$file" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
done
kill -TERM $pid 2>/dev/null || true
wait $pid || true
[ -s "$file" ] || { echo "mkstate: vtpm did not create $file:" >&2; cat "$tmp/log" >&2; exit 1; }
echo "mkstate: created $file ($(stat -c %s "$file") bytes)"
