#!/bin/sh
# The QEMU machine kinds nutshell boots on, in one place for `make run` and
# the suites (docs/devices.md says what each needs):
#   microvm  virtio-mmio devices, no PCI, no ACPI (acpi=off: QEMU then lists
#            the devices on the kernel command line)
#   q35      PCI Express (ECAM from ACPI's MCFG), virtio-pci devices
#   pc       PCI (the 0xcf8 ports), virtio-pci devices
#
#   qemu-machine.sh args KIND            the machine arguments
#   qemu-machine.sh devices KIND ARGS... ARGS, device arguments written for
#                                        microvm (virtio-T-device), for KIND:
#                                        one argument a line (so an argument
#                                        with spaces, -append's, stays whole)
#
# Device arguments are written once, for microvm; on q35 and pc each
# virtio-T-device becomes virtio-T-pci with disable-legacy=on (modern only,
# device IDs 0x1040 + type: nutshell drives virtio 1.x only) and microvm's
# `-global virtio-mmio.force-legacy=false` is dropped.  q35 and pc get no
# network card (`-nic none`): its option ROM would only slow the firmware.
set -eu
cmd=${1:?args or devices} kind=${2:?machine kind}
shift 2
case $kind in
    microvm | q35 | pc) ;;
    *) echo "qemu-machine.sh: unknown machine kind '$kind' (microvm, q35, pc)" >&2; exit 1 ;;
esac
case $cmd in
    args)
        if [ "$kind" = microvm ]; then echo "-machine microvm,acpi=off"; else echo "-machine $kind -nic none"; fi ;;
    devices)
        for arg in "$@"; do
            if [ "$kind" != microvm ]; then
                case $arg in
                    -global) global=1; continue ;;
                    virtio-mmio.force-legacy=false) [ -n "${global:-}" ] && { global=; continue; } ;;
                    virtio-*-device | virtio-*-device,*)
                        arg=$(printf '%s\n' "$arg" | sed -E 's/^virtio-([a-z]+)-device/virtio-\1-pci,disable-legacy=on/') ;;
                esac
                [ -n "${global:-}" ] && { printf '%s\n' -global; global=; }
            fi
            printf '%s\n' "$arg"
        done ;;
    *) echo "qemu-machine.sh: unknown command '$cmd' (args, devices)" >&2; exit 1 ;;
esac
