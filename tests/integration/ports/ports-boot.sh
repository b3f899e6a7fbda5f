#!/bin/bash
# The ports (ports/*), on the host and in the VM.
#
# Host: each port's test program runs on Linux first (the reference), its
# result lines prefixed with host/.  Boot 1: every port's in-VM test under
# vmrun, then `sqlite-test fill /dev/vda` commits transactions to a SQLite
# database on a virtio disk; once it has reported MIN_COMMITS commits, this
# script kills QEMU with SIGKILL in the middle of whatever it is doing.
# Boot 2: `sqlite-test verify /dev/vda` on the same disk: the database must be
# intact, every transaction whole, and every commit the VM reported present.
#
#   ports-boot.sh KERNEL RUN.cpio VERIFY.cpio REPO
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../lib/results.sh" "$@"
here=$(dirname "$0")
. "$here/../lib/qemu.sh"
kernel=${1:?kernel} runimg=${2:?run.cpio} verifyimg=${3:?verify.cpio} repo=${4:?repository}
work=$(mktemp -d)
qemu_pid=
trap '[ -n "$qemu_pid" ] && kill -9 "$qemu_pid" 2>/dev/null; rm -rf "$work"' EXIT
MIN_COMMITS=25
ports=$repo/build/ports

# --- the host, the reference ------------------------------------------------
host() { "$@" 2>&1 | sed -n 's/^\(PASS\|FAIL\) /\1 host\//p'; }
host "$ports/zlib/zlib-test" "$work"
host "$repo/sysroot/lib/libc.so" --library-path "$ports/zlib-dynamic/stage" "$ports/zlib-dynamic/zlib-dynamic-test" "$work"
host "$ports/lua/lua" "$repo/ports/lua/test.lua" "$work"
host "$ports/sqlite/sqlite-test" tmpfs "$work"

# --- boot 1: the in-VM tests, then the writer killed mid-run ----------------
disk=$work/disk.img
truncate -s 16M "$disk"
"$QEMU_BIN" -machine microvm,acpi=off -cpu max -no-reboot -nographic -monitor none -serial stdio \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -m 128 -kernel "$kernel" -initrd "$runimg" -append quiet \
    -global virtio-mmio.force-legacy=false \
    -drive if=none,id=disk,file="$disk",format=raw,cache=writeback -device virtio-blk-device,drive=disk \
    </dev/null >"$work/run.log" 2>&1 &
qemu_pid=$!
last_commit() { strip_log "$work/run.log" | sed -n 's/^sqlite-disk: committed \([0-9]*\)$/\1/p' | tail -1; }
killed=0
for _ in $(seq 600); do
    n=$(last_commit)
    if [ "${n:-0}" -ge $MIN_COMMITS ]; then
        kill -9 "$qemu_pid" && killed=1
        break
    fi
    kill -0 "$qemu_pid" 2>/dev/null || break
    sleep 0.5
done
[ $killed -eq 1 ] || kill -9 "$qemu_pid" 2>/dev/null
wait "$qemu_pid" 2>/dev/null
qemu_pid=
strip_log "$work/run.log" | grep -E '^(PASS|FAIL) '
committed=$(last_commit)
if [ $killed -eq 1 ]; then
    pass sqlite-disk/qemu-killed-after-$MIN_COMMITS-commits
else
    fail sqlite-disk/qemu-killed-after-$MIN_COMMITS-commits "the VM reported ${committed:-no} commits (5 minutes)"
    strip_log "$work/run.log" | grep -vE '^(PASS|FAIL) ' | tail -25
fi

# --- boot 2: the database after the crash ------------------------------------
qemu_boot 300 "$work/verify.log" -m 64 -kernel "$kernel" -initrd "$verifyimg" -append quiet \
    -global virtio-mmio.force-legacy=false \
    -drive if=none,id=disk,file="$disk",format=raw,cache=writeback -device virtio-blk-device,drive=disk
rc=$?
strip_log "$work/verify.log" | grep -E '^(PASS|FAIL) '
[ $rc -eq 1 ] && pass sqlite-disk/verify-boot-powered-off || {
    fail sqlite-disk/verify-boot-powered-off "QEMU status $rc"
    tail -20 "$work/verify.log"
}
# Every commit the VM acknowledged is there; at most the one in flight more.
intact=$(strip_log "$work/verify.log" | sed -n 's/^sqlite-disk: \([0-9]*\) transactions intact$/\1/p')
if [ -n "$intact" ] && [ -n "$committed" ] && [ "$intact" -ge "$committed" ] && [ "$intact" -le $((committed + 1)) ]; then
    pass sqlite-disk/acknowledged-commits-survive-sigkill
else
    fail sqlite-disk/acknowledged-commits-survive-sigkill "${committed:-no} commits reported, ${intact:-no} transactions found"
fi
