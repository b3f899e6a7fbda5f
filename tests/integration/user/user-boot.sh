#!/bin/bash
# User space in the VM.  Boot 1: every ABI program (tests/abi) under vmrun as
# init; their result lines are relayed as abi-vm/..., vmrun's own per-program
# lines as vm/....  Boot 2: memory pressure in 16 MiB (memhog, three times):
# every allocation ends in ENOMEM or a killed child, and the kernel lives on;
# tmpfs filled to its inode limit and to the end of memory, and emptied again
# (tmpfill); then random system calls (sysfuzz).  Boot 3: apps/init as pid 1 restarts a
# failing service and powers off when its final service ends.  Boot 4: the
# console's input, typed by this script.
set -u
here=$(dirname "$0")
. "$here/../lib/qemu.sh"
kernel=${1:?kernel} abi=${2:?abi.cpio} memhog=${3:?memhog.cpio} initimg=${4:?init.cpio} consoleimg=${5:?console.cpio}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

qemu_boot 600 "$work/abi.log" -m 256 -kernel "$kernel" -initrd "$abi" -append "quiet"
rc=$?
strip_log "$work/abi.log" | sed -e 's/\r$//' -e 's/^\(PASS\|FAIL\) abi\//\1 abi-vm\//' | grep -E '^(PASS|FAIL) '
if [ $rc -eq 1 ]; then
    pass vm/abi-boot-powered-off
else
    fail vm/abi-boot-powered-off "QEMU status $rc (1 = all programs passed, 3 = some failed, 5 = panic, 124 = hung)"
    grep -vE '^(PASS|FAIL) ' "$work/abi.log" | tail -25
fi

qemu_boot 300 "$work/memhog.log" -m 16 -kernel "$kernel" -initrd "$memhog" -append "quiet"
rc=$?
strip_log "$work/memhog.log" | grep -E '^(PASS|FAIL) '
if [ $rc -eq 1 ]; then
    pass vm/memory-pressure-16m-survived
else
    fail vm/memory-pressure-16m-survived "QEMU status $rc"
    tail -25 "$work/memhog.log"
fi

qemu_boot 120 "$work/init.log" -m 32 -kernel "$kernel" -initrd "$initimg" -append "quiet"
rc=$?
strip_log "$work/init.log" >"$work/init.txt"
grep -E '^(PASS|FAIL) init-vm/' "$work/init.txt"
if [ $rc -eq 1 ] && grep -qE '^init: counter \(pid [0-9]+\) exited with status 1, restarting in [0-9]+ s$' "$work/init.txt" &&
    grep -q '^hello, world$' "$work/init.txt"; then
    pass init-vm/logs-exits-and-powers-off
else
    fail init-vm/logs-exits-and-powers-off "QEMU status $rc (want 1) or init's log lines missing"
    tail -25 "$work/init.txt"
fi

# The console reads what the host types: a CR-terminated line, a partial line
# ended by ^D, then a lone ^D (end of file).
printf 'hello\rab\004\004' | timeout --kill-after=5 60 "$QEMU_BIN" -machine microvm,acpi=off -cpu max -no-reboot \
    -nographic -monitor none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -m 16 \
    -kernel "$kernel" -initrd "$consoleimg" -append "quiet" >"$work/console.log" 2>&1
rc=$?
strip_log "$work/console.log" | grep -E '^(PASS|FAIL) console/'
[ $rc -eq 1 ] && pass console/boot-powered-off || fail console/boot-powered-off "QEMU status $rc"
