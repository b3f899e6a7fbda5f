/* What a static /init of a Debian-kernel test guest needs before and after
 * its work (tpmguest.c, tests/bench/guest-tpm/guesttpm.c). */
#ifndef VM_BRIDGE_GUESTLIB_H
#define VM_BRIDGE_GUESTLIB_H

/* Mounts devtmpfs on /dev, sysfs on /sys and proc on /proc. */
void guest_mount_basics(void);

/* The value of KEY=N on the kernel command line, or `fallback`. */
long guest_cmdline_long(const char *key, long fallback);

/* Copies the value of KEY=... on the kernel command line into out (cap
 * bytes, NUL-terminated); 0 if it is there, -1 if not. */
int guest_cmdline_value(const char *key, char *out, unsigned long cap);

/* /dev/tpm0 opened read-write, waiting up to `seconds` for the TPM driver
 * to create it; -1 (errno set) if it did not appear. */
int guest_open_tpm(int seconds);

/* Ends QEMU through its isa-debug-exit device (iobase 0xf4): status
 * (v << 1) | 1, so 1 when `failed` is 0 and 3 otherwise; powers off if
 * the device is missing. */
_Noreturn void guest_power_off(int failed);

#endif
