#!/bin/bash
# Tests of the port checker, libc-port/nutshell-check, against programs whose
# answers are known (a suite: PASS/FAIL lines).
#
# - The ABI programs hello, hello-pie and pthread-hello-pie pass inside
#   nutshell (tests/integration/user), so the checker must find nothing
#   unsupported in them; it must find the calls musl's start-up and stdio
#   make, and the ELF facts readelf shows.
# - errors calls unassigned numbers on purpose (ENOSYS), and passes invalid
#   flags to pipe2 and dup3 (EINVAL): those must be reported.
# - A table with poll removed and pipe2's flags cut must turn pipes' poll
#   into UNSUPPORTED and its pipe2 O_NONBLOCK into a FLAG, and an altered
#   deviation text must be the one printed.
# - The dynamic zlib port: PT_INTERP and DT_NEEDED.
#
#   test_nutshell_check.sh [ABI_DIR] [ZLIB_DYNAMIC_TEST]
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../../integration/lib/results.sh" "$@"
root=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd -P)
check=$root/libc-port/nutshell-check
abi=${1:-$root/build/tests/abi}
zdyn=${2:-$root/build/ports/zlib-dynamic/zlib-dynamic-test}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass() { echo "PASS nutshell_check/$1"; }
fail() { echo "FAIL nutshell_check/$1: $2"; }

# The report's verdict lines without counts and details, and its ELF lines
# without the entry address.
verdicts() { grep -E '^(UNSUPPORTED|FLAG|PARTIAL|STUB|FINE) ' "$1" | sed -E 's/ \([0-9]+ calls?\).*//' | sort; }
elf_lines() { grep -E '^ELF: (static|dynamic|PT_|DT_|no PT_TLS)' "$1" | sed -E 's/, entry 0x[0-9a-f]+$//'; }

# expect_report NAME REPORT: every line of stdin must be among the verdicts.
expect_verdicts() {
    local name=$1 report=$2 missing
    missing=$(sort | comm -23 - <(verdicts "$report") | tr '\n' ' ')
    [ -z "$missing" ] && pass "$name" || fail "$name" "missing: $missing"
}
expect_no_problems() {
    local name=$1 report=$2 bad
    bad=$(verdicts "$report" | grep -E '^(UNSUPPORTED|FLAG) ' | tr '\n' ' ')
    [ -z "$bad" ] && pass "$name" || fail "$name" "reported $bad"
}
expect_elf() {
    local name=$1 report=$2 got
    got=$(elf_lines "$report")
    [ "$got" = "$(cat)" ] && pass "$name" || fail "$name" "got: $(tr '\n' '|' <<<"$got")"
}

for p in hello hello-pie pthread-hello-pie errors pipes; do
    [ -x "$abi/$p" ] || { fail setup "$abi/$p is missing (make abi)"; exit 1; }
done

"$check" "$abi/hello" >"$work/hello" 2>&1
rc=$?
[ $rc -eq 0 ] && pass hello-exit-status-0 || fail hello-exit-status-0 "status $rc"
expect_no_problems hello-nothing-unsupported "$work/hello"
expect_verdicts hello-musl-start-and-stdio "$work/hello" <<'X'
PARTIAL arch_prctl
PARTIAL ioctl
FINE exit_group
FINE set_tid_address
FINE writev
X
grep -q '^PARTIAL ioctl (1 call): flags TIOCGWINSZ; ' "$work/hello" &&
    pass hello-ioctl-request-named || fail hello-ioctl-request-named "$(grep ioctl "$work/hello")"
expect_elf hello-elf-static "$work/hello" <<'X'
ELF: static (ET_EXEC, fixed addresses)
ELF: PT_TLS 0 bytes initialised, 168 in all, aligned to 8
X

"$check" "$abi/hello-pie" >"$work/hello-pie" 2>&1
expect_elf hello-pie-elf-static-pie "$work/hello-pie" <<'X'
ELF: static-PIE (ET_DYN, no interpreter): loaded at 0x555555554000
ELF: PT_TLS 0 bytes initialised, 168 in all, aligned to 8
X

"$check" "$abi/pthread-hello-pie" >"$work/pth" 2>&1
expect_no_problems pthread-nothing-unsupported "$work/pth"
expect_verdicts pthread-thread-calls "$work/pth" <<'X'
PARTIAL clone
FINE exit
FINE mprotect
FINE munmap
FINE rt_sigprocmask
X
grep -qE '^PARTIAL clone \(1 call\): flags .*CLONE_SETTLS.*CLONE_THREAD' "$work/pth" &&
    pass pthread-clone-flags-collected || fail pthread-clone-flags-collected "$(grep clone "$work/pth")"

"$check" "$abi/errors" >"$work/errors" 2>&1
rc=$?
[ $rc -eq 1 ] && pass errors-exit-status-1 || fail errors-exit-status-1 "status $rc"
expect_verdicts errors-unassigned-numbers-and-bad-flags "$work/errors" <<'X'
UNSUPPORTED syscall_0x3e8
UNSUPPORTED syscall_0xfff
FLAG pipe2 O_TRUNC
FLAG dup3 O_TRUNC
X

# A table derived from the real one: poll gone, pipe2 without O_NONBLOCK,
# mmap's deviations replaced.
"$root/kernel/syscall/gen-syscalls-md.sh" --tsv "$root/kernel/include" >"$work/real.tsv" || fail table "gen-syscalls-md.sh --tsv failed"
awk -F'\t' 'BEGIN { OFS = "\t" }
    $2 == "poll" { next }
    $2 == "pipe2" { $4 = "O_CLOEXEC" }
    $2 == "mmap" { $5 = "a deviation only this test knows" }
    { print }' "$work/real.tsv" >"$work/cut.tsv"
"$check" --table "$work/cut.tsv" "$abi/pipes" >"$work/pipes" 2>&1
expect_verdicts derived-table-verdicts "$work/pipes" <<'X'
UNSUPPORTED poll
FLAG pipe2 O_NONBLOCK
FINE ppoll
X
grep -q '^PARTIAL mmap (.*a deviation only this test knows$' "$work/pipes" &&
    pass partial-prints-the-table-deviation || fail partial-prints-the-table-deviation "$(grep '^PARTIAL mmap' "$work/pipes")"
"$check" --table "$work/real.tsv" "$abi/pipes" >"$work/pipes-real" 2>&1
grep -q '^FINE poll ' "$work/pipes-real" && pass real-table-poll-fine || fail real-table-poll-fine "$(grep ' poll ' "$work/pipes-real")"

if [ -x "$zdyn" ]; then
    "$check" --elf-only "$zdyn" >"$work/zdyn" 2>&1
    expect_elf dynamic-interp-and-needed "$work/zdyn" <<'X'
ELF: dynamically linked
ELF: PT_INTERP /lib/ld-musl-x86_64.so.1: the image needs this file
ELF: DT_NEEDED libz.so.1: the image needs it in /lib, /usr/lib or LD_LIBRARY_PATH
ELF: DT_NEEDED libc.so: musl's loader provides it
ELF: no PT_TLS (no thread-local variables)
X
else
    fail dynamic-interp-and-needed "$zdyn is missing (make ports)"
fi

"$check" /nonexistent/prog >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && pass missing-program-status-2 || fail missing-program-status-2 "status $rc"
