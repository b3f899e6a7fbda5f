#!/bin/bash
# The debug shell image (make shell, apps/image/shell.mk), driven through the
# console by this script in one boot: busybox's sh must come up on the
# console, show its prompt, run what is typed (a builtin, an applet, a port
# through a pipe) and end with the status `exit` gives it: the kernel logs
# pid 1's status and powers off with QEMU status 3 (a non-zero status;
# docs/architecture.md).  Every expected output differs
# from the typed text, so the console's echo of the input cannot pass a check.
#
#   shell-boot.sh KERNEL SHELL.cpio
set -u
here=$(dirname "$0")
. "$here/../lib/qemu.sh"
kernel=${1:?kernel} image=${2:?shell.cpio}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '%s\n' 'echo marker-$((6*7))' 'ls /dev' 'lua -e "print(string.rep([[ab]], 3))"' \
    'zlib-test /tmp >/dev/null && echo zlib-ok-$((1+1))' 'exit 3' |
    timeout --kill-after=5 180 "$QEMU_BIN" -machine microvm,acpi=off -cpu max -no-reboot -nographic -monitor none \
        -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -m 128 -kernel "$kernel" -initrd "$image" \
        -append "init=/bin/sh" >"$work/shell.log" 2>&1
rc=$?
strip_log "$work/shell.log" >"$work/shell.txt"
expect_in "$work/shell.txt" shell/busybox-sh-prompt '^BusyBox v[0-9.]+ .*built-in shell' '^/ # '
expect_in "$work/shell.txt" shell/arithmetic-builtin '^marker-42$'
expect_in "$work/shell.txt" shell/ls-dev '^console +.*null'
expect_in "$work/shell.txt" shell/lua-port-runs '^ababab$'
expect_in "$work/shell.txt" shell/zlib-port-in-a-pipeline '^zlib-ok-2$'
if [ $rc -eq 3 ] && grep -q '^init (pid 1) exited with status 3: powering off' "$work/shell.txt"; then
    pass shell/typed-exit-powers-off
else
    fail shell/typed-exit-powers-off "QEMU status $rc (want 3; 124 = hung) or no exit line for status 3"
    tail -20 "$work/shell.txt"
fi
