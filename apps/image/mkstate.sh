#!/bin/bash
# mkstate.sh [--empty] VTPM FILE: creates a fresh vTPM state image at FILE (the
# vtpm binary formats a missing state file and manufactures a TPM into it), so
# the first boot finds a valid state; the VM's vtpm refuses a blank or damaged
# one rather than silently manufacturing a new TPM.
# --empty: a valid state holding no TPM yet; the VM's vtpm manufactures it at
# its first start, under its state key if it has one (docs/attestation.md,
# "Sealed state and rollback": a TPM made here has seeds the host knows, and a
# vtpm with a key refuses it).
# Either way the image also gets, from QUOTE_OFFSET (8 MiB) on, an empty
# state for aproxy's quoting vTPM (aproxy --vtpm-state /dev/vda
# --vtpm-state-offset 8388608; docs/aproxy.md, "A stable AK"), which aproxy
# manufactures under its own key at the first attested boot.
# mkstate.sh --quote-region VTPM FILE: adds that region to an existing image
# made before it existed (make run's build/vtpm-state.img), keeping its TPM;
# an image that has it already is left alone.
set -eu
QUOTE_OFFSET=8388608
QUOTE_SLOT=131072   # aproxy/vm/tpm_client.c formats with the same slot size
empty= upgrade=
[ "${1:-}" = --empty ] && { empty=1; shift; }
[ "${1:-}" = --quote-region ] && { upgrade=1; shift; }
vtpm=$1 file=$2
quote_region() {
    # present already: the region's first sector is not all zeros
    if [ "$(stat -c %s "$file")" -gt $QUOTE_OFFSET ] &&
       ! cmp -s -n 4096 <(dd if="$file" bs=4096 skip=$((QUOTE_OFFSET / 4096)) count=1 status=none) /dev/zero; then
        return 0
    fi
    "$vtpm" --state "$file" --state-offset $QUOTE_OFFSET --slot-size $QUOTE_SLOT --format-only
}
if [ -n "$upgrade" ]; then
    [ -e "$file" ] || { echo "mkstate: $file does not exist" >&2; exit 1; }
    quote_region
    exit
fi
[ ! -e "$file" ] || { echo "mkstate: $file exists; not touching it" >&2; exit 1; }
if [ -n "$empty" ]; then
    mkdir -p "$(dirname "$file")"
    "$vtpm" --state "$file" --format-only
    quote_region
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
quote_region >>"$tmp/log" 2>&1 || { echo "mkstate: the quoting vTPM's region:" >&2; cat "$tmp/log" >&2; exit 1; }
echo "mkstate: created $file ($(stat -c %s "$file") bytes)"
