#!/bin/bash
# The vtpm inside nutshell: one boot of an image whose init (vmrun) runs
# vtpmcheck, which starts /sbin/vtpm on pipes and drives it.  vtpmcheck's
# result lines (PASS/FAIL vtpm-vm/...) are relayed as they are, vmrun's own
# line for the program as vm/vtpmcheck; the boot passes if QEMU exits with
# status 1 (clean power-off, everything passed).
set -u
here=$(dirname "$0")
. "$here/../lib/qemu.sh"
kernel=${1:?kernel} image=${2:?vtpm-vm.cpio}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# TCG is slow and RSA-2048 primary generation can take tens of seconds under it
# (the whole boot usually takes a few seconds); a hung guest costs 300 s.
qemu_boot 300 "$work/boot.log" -m 256 -kernel "$kernel" -initrd "$image" -append "quiet"
rc=$?
strip_log "$work/boot.log" >"$work/log"
grep -E '^(PASS|FAIL) ' "$work/log"
# A system call the vtpm or vtpmcheck needs and the kernel lacks shows up here.
grep -E 'unsupported \(ENOSYS\)' "$work/log" | sed 's/^/note: /'
if [ $rc -eq 1 ]; then
    pass vtpm-vm/boot-powered-off
else
    fail vtpm-vm/boot-powered-off "QEMU status $rc (1 = all passed, 3 = some failed, 5 = panic, 124 = hung)"
    grep -vE '^(PASS|FAIL) ' "$work/log" | tail -25
fi
grep -qE '^PASS vtpm-vm/closed-pipes-stop-vtpm' "$work/log" ||
    fail vtpm-vm/ran-to-the-end "vtpmcheck did not reach its last check"
