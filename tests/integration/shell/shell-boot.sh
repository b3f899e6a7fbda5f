#!/bin/bash
# The debug shell image (make shell, apps/image/shell.mk) and the debugger
# setup (make debug, apps/image/debug.gdb), in one boot.
#
# The console is driven by this script: busybox's sh must come up, show its
# prompt, run what is typed (a builtin, an applet, a port, a port in a
# pipeline) and end with the status `exit` gives it: the kernel logs pid 1's
# status and powers off with QEMU status 3 (non-zero; docs/architecture.md).
# Every expected output differs from the typed text, so the console's echo
# of the input cannot pass a check.
#
# Meanwhile gdb, on QEMU's gdb stub with the kernel's symbols and
# debug.gdb, stops at the first unsupported system call (busybox's glibc
# start-up calls rseq, 334) and reads the number and the user address from
# the kernel's frame, then loads the Lua port's symbols at the load bias the
# kernel printed and stops inside it with a hardware breakpoint.
#
#   shell-boot.sh KERNEL SHELL.cpio LUA REPO
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../lib/results.sh" "$@"
here=$(dirname "$0")
. "$here/../lib/qemu.sh"
kernel=${1:?kernel} image=${2:?shell.cpio} lua=${3:?unstripped lua} repo=${4:?repository}
work=$(mktemp -d)
qemu_pid=
trap '[ -n "$qemu_pid" ] && kill -9 "$qemu_pid" 2>/dev/null; rm -rf "$work"' EXIT

# QEMU waits (-S) for gdb; the typed lines wait in the console's buffer.
printf '%s\n' 'echo marker-$((6*7))' 'ls /dev' 'lua -e "print(string.rep([[ab]], 3))"' \
    'zlib-test /tmp >/dev/null && echo zlib-ok-$((1+1))' 'exit 3' >"$work/typed"
timeout --kill-after=5 300 "$QEMU_BIN" -machine microvm,acpi=off -cpu max -no-reboot -nographic -monitor none \
    -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -m 128 -kernel "$kernel" -initrd "$image" \
    -gdb unix:"$work/gdb.sock",server=on,wait=off -S -append "init=/bin/sh loglevel=7" \
    <"$work/typed" >"$work/shell.log" 2>&1 &
qemu_pid=$!
for _ in $(seq 100); do [ -S "$work/gdb.sock" ] && break; sleep 0.1; done
cat >"$work/cmds.gdb" <<GDB
target remote $work/gdb.sock
source $repo/apps/image/debug.gdb
nutshell-enosys
continue
up
printf "DEBUG enosys-number %d\n", tf->rax
x/i tf->rip - 2
delete
nutshell-user $lua 0x0
hbreak luaL_openlibs
continue
bt
delete
continue
GDB
timeout 300 gdb -q -batch -nx -x "$work/cmds.gdb" "$kernel" >"$work/gdb.out" 2>&1
wait "$qemu_pid"
rc=$?
qemu_pid=

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

expect_in "$work/shell.txt" debug/kernel-prints-load-bias '^exec: /bin/lua: load bias 0x0, entry 0x[0-9a-f]+$'
expect_in "$work/gdb.out" debug/breaks-at-enosys-log 'Breakpoint 1, log_unsupported_once \(nr=334\)' \
    '^DEBUG enosys-number 334$' '^ +0x[0-9a-f]+:[[:space:]]+syscall'
expect_in "$work/gdb.out" debug/breaks-in-the-user-program 'in luaL_openlibs \(\)' \
    'in main \(argc=3, argv=0x[0-9a-f]+\) at ports/lua/lua\.c:[0-9]+'
grep -q 'DEBUG enosys-number' "$work/gdb.out" || tail -15 "$work/gdb.out"
