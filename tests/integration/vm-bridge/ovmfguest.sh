#!/bin/busybox sh
# ovmfguest: /init of the guest in `make test-guest-ovmf` (ovmf.sh next to
# this file).  The guest boots through Debian's OVMF on q35, with its TPM in
# the service VM behind vtpm-bridge: the firmware measures the boot into the
# PCRs and keeps the TCG event log, which Linux's EFI stub hands to the
# kernel.  Kernel command line: ovmfguest.device=tpm-tis|tpm-crb, QEMU's TPM
# device, whose Linux driver must have bound.  One PASS/FAIL line per
# check; QEMU ends through isa-debug-exit, status 1 when every check passed.
. /lib/guest-setup.sh

device=$(guest_cmdline_value ovmfguest.device)
prefix=vm-bridge-ovmf/$device
LOG=/sys/kernel/security/tpm0/binary_bios_measurements
. /lib/guest-checks.sh

# sha256_bank FILE: "PCR VALUE" lines of the sha256 bank in tpm2-tools'
# YAML (tpm2_pcrread, and tpm2_eventlog's replayed "pcrs:"), lower case.
sha256_bank() {
    awk '/^ *sha256:/ { on = 1; next } /^ *[a-z0-9]+:$/ { on = 0 }
         on && $2 == ":" { print $1, tolower($3) }' "$1"
}

# The TPM 2 is there, found through ACPI by the driver for QEMU's device.
check_tpm() {
    guest_wait_for /dev/tpmrm0 20 || { echo "no /dev/tpmrm0"; return 1; }
    [ "$(cat /sys/class/tpm/tpm0/tpm_version_major)" = 2 ] || { echo "not a TPM 2"; return 1; }
    local driver
    driver=$(basename "$(readlink /sys/class/tpm/tpm0/device/driver)")
    [ "$driver" = "$(echo "$device" | tr - _)" ] || { echo "driver $driver for $device"; return 1; }
}

# The firmware's log reached the kernel and tpm2_eventlog parses it.
check_eventlog() {
    [ -e $LOG ] || { echo "no $LOG"; return 1; }
    tpm2_eventlog $LOG >/tmp/events.yaml || return 1
    local n
    n=$(grep -c 'EventNum:' /tmp/events.yaml)
    [ "$n" -ge 10 ] || { echo "$n events"; return 1; }
    grep -q 'EV_EFI_' /tmp/events.yaml || { echo "no EV_EFI_ event"; return 1; }
}

# Replaying the log gives the TPM's PCRs 0..7 (the firmware's), so the
# measurements reached the vtpm in the service VM as the log says.
check_replay() {
    tpm2_pcrread sha256:0,1,2,3,4,5,6,7 >/tmp/pcrs.yaml || return 1
    sha256_bank /tmp/pcrs.yaml | sort >/tmp/tpm.txt
    sed -n '/^pcrs:/,$p' /tmp/events.yaml >/tmp/replayed.yaml
    sha256_bank /tmp/replayed.yaml | awk '$1 <= 7' | sort >/tmp/log.txt
    [ "$(wc -l </tmp/tpm.txt)" = 8 ] || { cat /tmp/tpm.txt; return 1; }
    # PCRs the firmware never extended are absent from the replay: zero.
    local zero=0x0000000000000000000000000000000000000000000000000000000000000000
    local pcr value want
    while read -r pcr value; do
        want=$(awk -v p="$pcr" '$1 == p { print $2 }' /tmp/log.txt)
        [ "${want:-$zero}" = "$value" ] || { echo "PCR $pcr: TPM $value, log ${want:-none}"; return 1; }
    done </tmp/tpm.txt
    [ "$(awk '$2 != "'$zero'"' /tmp/tpm.txt | wc -l)" -ge 4 ] || { echo "fewer than 4 PCRs measured"; return 1; }
}

check tpm-device check_tpm
check eventlog-parses check_eventlog
check eventlog-replays-pcrs check_replay
power_off
