#!/bin/bash
# The vtpm inside nutshell: one boot of an image whose init (vmrun) runs
# vtpmcheck, which starts /sbin/vtpm on pipes and drives it.  vtpmcheck's
# result lines (PASS/FAIL vtpm-vm/...) are relayed as they are, vmrun's own
# line for the program as vm/vtpmcheck; the boot passes if QEMU exits with
# status 1 (clean power-off, everything passed).  On two vCPUs (issue 14:
# the vTPM suite rerun on several CPUs; vm-tpm runs the vtpm on one CPU,
# and its q35 core on two): the vtpm and vtpmcheck, two processes on pipes,
# then wake each other across CPUs.  MACHINE_CPUS overrides the count.
set -u
MACHINE_CPUS=${MACHINE_CPUS:-2}
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../lib/results.sh" "$@"
here=$(dirname "$0")
. "$here/../lib/qemu.sh"
kernel=${1:?kernel} image=${2:?vtpm-vm.cpio} measure=${3:?aproxy-measure}
# The programs in the image, in the order this boot execs them (init, the
# check, the vtpm): what the kernel measures into PCR 10.
vmrun=${4:?vmrun} vtpmcheck=${5:?vtpmcheck} vtpm=${6:?vtpm}
# loglevel=5 after quiet: the kernel's notices, among them `smp: N of N CPUs up`.
cmdline="quiet loglevel=5"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# TCG is slow and RSA-2048 primary generation can take tens of seconds under it
# (the whole boot usually takes a few seconds); a hung guest costs 300 s.
qemu_boot 300 "$work/boot.log" -m 256 -kernel "$kernel" -initrd "$image" -append "$cmdline"
rc=$?
strip_log "$work/boot.log" >"$work/log"
grep -E '^(PASS|FAIL) ' "$work/log"
# A system call the vtpm or vtpmcheck needs and the kernel lacks shows up here.
grep -E 'unsupported \(ENOSYS\)' "$work/log" | sed 's/^/note: /'
if [ $rc -eq 1 ]; then
    pass vtpm-vm/boot-powered-off
else
    fail vtpm-vm/boot-powered-off "QEMU status $rc (1 = all passed, 3 = some failed, 5 = panic, 124 = hung)"
    log_tail "$work/log"
fi
expect_cpus_up "$work/log" vtpm-vm/all-cpus-up
grep -qE '^PASS vtpm-vm/closed-pipes-stop-vtpm' "$work/log" ||
    fail vtpm-vm/ran-to-the-end "vtpmcheck did not reach its last check"

# The second vtpm's refusal (vtpmcheck's second-vtpm-on-same-state-refused)
# said why on the console.
expect_in "$work/log" vtpm-vm/second-vtpm-says-state-in-use \
    "vtpm: error: state: /tmp/vtpm.state at offset 0 is in use by another vtpm \(still after 0 s\); refusing to start"

# Measured launch end to end: the kernel measured this boot, the vtpm with
# --eventlog replayed it into its PCRs, and the values vtpmcheck read must be
# what aproxy-measure computes on the host from the same inputs.
"$measure" expect --cmdline "$cmdline" --initrd "$image" --exec "/sbin/init=$vmrun" \
    --exec "/bin/vtpmcheck=$vtpmcheck" --exec "/sbin/vtpm=$vtpm" | grep '^sha256:' >"$work/want"
sed -n 's/^MEASURED-PCR //p' "$work/log" >"$work/got"
if [ -s "$work/got" ] && diff "$work/want" "$work/got" >/dev/null; then
    pass vtpm-vm/measured-pcrs-equal-the-host-expectation
else
    fail vtpm-vm/measured-pcrs-equal-the-host-expectation "vtpm: $(tr '\n' ' ' <"$work/got") want: $(tr '\n' ' ' <"$work/want")"
fi
