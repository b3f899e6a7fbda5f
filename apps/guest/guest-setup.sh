# Sourced first by every /init of the Linux guest (apps/guest/mkguest.sh
# puts it at /lib/guest-setup.sh): the applet links, the kernel's file
# systems, the modules, and the TPM device for tpm2-tools.  busybox sh.

/bin/busybox mkdir -p /sbin /usr/sbin /usr/bin /proc /sys /dev /run /tmp
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run # cryptsetup's locks
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null # the TPM event log, if any
for m in $(cat /lib/modules/load-order); do
    insmod "$m" || echo "guest: insmod $m failed"
done
# tpm2-tools use the kernel's resource manager, as a multi-process guest
# should (the TCTI loader's default also tries the TPM2 access broker
# daemon first, which this guest does not run).
export TPM2TOOLS_TCTI=device:/dev/tpmrm0

# guest_cmdline_value KEY: the value of KEY=... on the kernel command line.
guest_cmdline_value() {
    sed -n "s/.*\\<$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline
}

# guest_wait_for PATH SECONDS: 0 once PATH exists (the TPM and the disks
# appear as their drivers probe, maybe after /init started).
guest_wait_for() {
    local i=0
    while [ ! -e "$1" ]; do
        [ $i -ge $(($2 * 10)) ] && return 1
        sleep 0.1
        i=$((i + 1))
    done
}
