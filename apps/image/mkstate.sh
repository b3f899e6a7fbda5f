#!/bin/bash
# mkstate.sh VTPM FILE: creates a fresh vTPM state image at FILE (the vtpm
# binary formats a missing state file and manufactures a TPM into it), so
# the first boot finds a valid state; the VM's vtpm refuses a blank or damaged
# one rather than silently manufacturing a new TPM.
set -eu
vtpm=$1 file=$2
[ ! -e "$file" ] || { echo "mkstate: $file exists; not touching it" >&2; exit 1; }
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
