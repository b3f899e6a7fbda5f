#!/bin/busybox sh
# toolsguest: /init of guest a in the vm-bridge suite (README.md next to this
# file).  The guest image is apps/guest/mkguest.sh's: Debian's busybox,
# tpm2-tools and cryptsetup with their libraries.  Its TPM is QEMU's tpm-tis
# on `-tpmdev emulator`, i.e. a vtpm instance in the service VM behind
# vtpm-bridge; tpm2-tools reach it through the kernel's /dev/tpmrm0.
#
# Kernel command line: toolsguest.name=NAME toolsguest.index=HEX
# toolsguest.other=HEX (as tpmguest.c's).  The guest's disk is /dev/vda,
# blank before the first boot.
#
# Like a measured boot, every boot first extends PCR 9 with the digest of
# this /init (the stage that runs next).  The guest boots twice, each time in
# a new QEMU (a power cycle: QEMU's start sends INIT through the bridge, and
# the TPM is reset as at power-on; guest b covers reboots within one QEMU):
#   boot 1 (its NV index does not exist yet): the TPM works through
#     tpm2-tools; a random disk key is sealed to PCR 9 (a PCR policy) and
#     made persistent in the TPM; the disk is formatted with LUKS2 under that
#     key and a payload written into it; then it powers off.
#   boot 2: the TPM was reset and kept its NV index and the sealed key; the
#     key unseals (PCR 9 has the same value) and opens the disk, which holds
#     the payload.  Then a boot step the first boot did not have is measured
#     into PCR 9: unsealing fails and the disk stays locked.
# One PASS/FAIL line per check; each boot ends QEMU through isa-debug-exit,
# status 1 when every check passed (guest-checks.sh).
. /lib/guest-setup.sh

name=$(guest_cmdline_value toolsguest.name)
index=$(guest_cmdline_value toolsguest.index)
other=$(guest_cmdline_value toolsguest.other)
prefix=vm-bridge/$name
. /lib/guest-checks.sh
PCR_BOOT=9
PCR_DEBUG=16
SEALED=0x81010001 # the sealed disk key's persistent handle
DISK=/dev/vda
PAYLOAD="the encrypted disk of guest $name"
ZERO=0000000000000000000000000000000000000000000000000000000000000000

# sha256_hex FILE: the file's SHA-256 in hex.
sha256_hex() { sha256sum "$1" | cut -d' ' -f1; }

# pcr_value N: PCR N's SHA-256 bank value in hex, lower case.
pcr_value() {
    tpm2_pcrread "sha256:$1" | sed -n "s/^ *$1 *: *0x//p" | tr 'A-F' 'a-f'
}

# extended OLD DIGEST: SHA-256(OLD || DIGEST), what PCR_Extend makes.
extended() {
    echo "$1$2" | xxd -r -p >/tmp/extend.bin
    sha256_hex /tmp/extend.bin
}

check_device() {
    [ -c /dev/tpm0 ] && [ -c /dev/tpmrm0 ] || { echo "no /dev/tpm0 or /dev/tpmrm0"; return 1; }
    local major
    major=$(cat /sys/class/tpm/tpm0/tpm_version_major)
    [ "$major" = 2 ] || { echo "tpm_version_major is $major"; return 1; }
}

check_getrandom() {
    local a b
    a=$(tpm2_getrandom --hex 32) && b=$(tpm2_getrandom --hex 32) || return 1
    [ ${#a} = 64 ] && [ ${#b} = 64 ] || { echo "lengths ${#a}, ${#b} hex digits"; return 1; }
    [ "$a" != "$b" ] && [ "$a" != "$ZERO" ] || { echo "equal or zero: $a $b"; return 1; }
}

check_pcr_extend() {
    local before digest after
    before=$(pcr_value $PCR_DEBUG)
    [ "$before" = "$ZERO" ] || { echo "PCR $PCR_DEBUG is $before after the TPM started"; return 1; }
    echo "$name" >/tmp/name
    digest=$(sha256_hex /tmp/name)
    tpm2_pcrextend "$PCR_DEBUG:sha256=$digest" || return 1
    after=$(pcr_value $PCR_DEBUG)
    [ "$after" = "$(extended "$ZERO" "$digest")" ] || { echo "PCR $PCR_DEBUG is $after"; return 1; }
}

check_pcr_reset() {
    local v
    v=$(pcr_value $PCR_DEBUG)
    [ "$v" = "$ZERO" ] || { echo "PCR $PCR_DEBUG kept $v across the reboot"; return 1; }
}

check_createprimary() {
    tpm2_createprimary -C o -G ecc -c /tmp/primary.ctx >/tmp/primary.txt || return 1
    # The YAML's "raw:" line under "type:" (0x23 TPM2_ALG_ECC) and under
    # "curve-id:" (0x3 TPM2_ECC_NIST_P256).
    local type curve
    type=$(sed -n '/^type:/,/raw:/s/.*raw: *//p' /tmp/primary.txt)
    curve=$(sed -n '/^curve-id:/,/raw:/s/.*raw: *//p' /tmp/primary.txt)
    [ "$type" = 0x23 ] && [ "$curve" = 0x3 ] || { echo "type $type, curve $curve"; return 1; }
}

nv_data() { printf '%-32.32s' "nv of guest $name"; }

check_nv_define() {
    nv_data >/tmp/nv.in
    tpm2_nvdefine "$index" -C o -s 32 -a "ownerread|ownerwrite" &&
        tpm2_nvwrite "$index" -C o -i /tmp/nv.in &&
        tpm2_nvread "$index" -C o -s 32 -o /tmp/nv.out || return 1
    cmp /tmp/nv.in /tmp/nv.out
}

check_nv_kept() {
    nv_data >/tmp/nv.in
    tpm2_nvread "$index" -C o -s 32 -o /tmp/nv.out || return 1
    cmp /tmp/nv.in /tmp/nv.out
}

# The other guest's index does not exist here: TPM_RC_HANDLE (0x18b), not
# any error.  (tpm2_nvread, not tpm2_nvreadpublic: tpm2-tools 5.4's
# nvreadpublic crashes on a missing index.)
check_other_invisible() {
    if tpm2_nvread "$other" -C o -s 32 >/tmp/other.out 2>&1; then
        echo "the other guest's index $other is visible"; return 1
    fi
    grep -q '0x18B' /tmp/other.out || { cat /tmp/other.out; return 1; }
}

# Seals a fresh random key to PCR 9's current value (tpm2_createpolicy
# --policy-pcr), under an ECC primary of the owner hierarchy, and makes the
# sealed object persistent so the next boot finds it in the TPM.
check_seal() {
    tpm2_createprimary -C o -G ecc -c /tmp/primary.ctx >/dev/null &&
        tpm2_pcrread -o /tmp/pcr.bin "sha256:$PCR_BOOT" >/dev/null &&
        tpm2_createpolicy --policy-pcr -l "sha256:$PCR_BOOT" -f /tmp/pcr.bin -L /tmp/pcr.policy >/dev/null &&
        tpm2_getrandom -o /tmp/disk.key 32 &&
        tpm2_create -C /tmp/primary.ctx -L /tmp/pcr.policy -i /tmp/disk.key \
            -u /tmp/seal.pub -r /tmp/seal.priv >/dev/null &&
        tpm2_load -C /tmp/primary.ctx -u /tmp/seal.pub -r /tmp/seal.priv -c /tmp/seal.ctx >/dev/null &&
        tpm2_evictcontrol -C o -c /tmp/seal.ctx "$SEALED" >/dev/null
}

# LUKS2 on the disk under the sealed key.  PBKDF2 with 1000 iterations (the
# least cryptsetup allows) instead of the default Argon2id, which by design
# costs about 2 s of CPU and 1 GiB of memory per unlock on real hardware and
# far more under TCG: the key is random (256 bits) and comes from the TPM,
# so a slow KDF protects nothing here and only slows the test.
check_luks_format() {
    cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
        --key-file /tmp/disk.key "$DISK" &&
        cryptsetup open --key-file /tmp/disk.key "$DISK" secret || return 1
    printf '%s' "$PAYLOAD" | dd of=/dev/mapper/secret conv=fsync 2>/dev/null
    cryptsetup close secret || return 1
    # The payload is not on the disk in the clear.
    if grep -q "$PAYLOAD" "$DISK"; then echo "the payload is readable on $DISK"; return 1; fi
    rm -f /tmp/disk.key
}

check_sealed_kept() {
    tpm2_getcap handles-persistent | grep -qi "$SEALED" || { echo "no $SEALED in the TPM"; return 1; }
}

# unlock: the disk unlocked as a measured boot would, with the key the TPM
# unseals against PCR 9; nothing touches the file system.
unlock() {
    tpm2_unseal -c "$SEALED" -p "pcr:sha256:$PCR_BOOT" -o /tmp/disk.key || return 1
    cryptsetup open --key-file /tmp/disk.key "$DISK" secret
}

check_unseal_unlocks() {
    unlock || return 1
    local got
    got=$(dd if=/dev/mapper/secret bs=${#PAYLOAD} count=1 2>/dev/null)
    cryptsetup close secret
    [ "$got" = "$PAYLOAD" ] || { echo "the unlocked disk holds '$got'"; return 1; }
}

# A boot step the sealing boot did not have is measured: the PCR policy no
# longer holds, the TPM refuses to unseal (TPM_RC_POLICY_FAIL), the disk
# stays locked.
check_changed_pcr_refuses() {
    rm -f /tmp/disk.key
    echo "an unexpected boot step" >/tmp/step
    tpm2_pcrextend "$PCR_BOOT:sha256=$(sha256_hex /tmp/step)" || return 1
    if tpm2_unseal -c "$SEALED" -p "pcr:sha256:$PCR_BOOT" -o /tmp/disk.key >/tmp/unseal.out 2>&1; then
        echo "unsealed after PCR $PCR_BOOT changed"; return 1
    fi
    grep -qi 'policy' /tmp/unseal.out || { cat /tmp/unseal.out; return 1; }
    if unlock >/dev/null 2>&1; then echo "the disk opened"; return 1; fi
    [ ! -e /dev/mapper/secret ] || { echo "/dev/mapper/secret exists"; return 1; }
}

if ! guest_wait_for /dev/tpmrm0 20; then
    echo "FAIL $prefix/tpm-device: no /dev/tpmrm0"
    failures=1
    power_off
fi
guest_wait_for "$DISK" 20 || echo "toolsguest: no $DISK"
# This boot's measurement: the next stage's code.
tpm2_pcrextend "$PCR_BOOT:sha256=$(sha256_hex /init)" || echo "toolsguest: measuring /init failed"
if tpm2_nvread "$index" -C o -s 32 >/dev/null 2>&1; then boot=2; else boot=1; fi
echo "toolsguest: $name: boot $boot"
if [ $boot = 1 ]; then
    check tpm-device check_device
    check getrandom check_getrandom
    check pcr-extend-read check_pcr_extend
    check createprimary-ecc check_createprimary
    check nv-define-write-read check_nv_define
    check other-guest-nv-invisible check_other_invisible
    check seal-to-pcr check_seal
    check luks-format check_luks_format
    echo "toolsguest: $name: powering off"
else
    check reboot-nv-kept check_nv_kept
    check reboot-pcr-reset check_pcr_reset
    check reboot-other-guest-nv-invisible check_other_invisible
    check reboot-sealed-key-kept check_sealed_kept
    check unseal-unlocks-luks check_unseal_unlocks
    check changed-pcr-stays-locked check_changed_pcr_refuses
fi
power_off
