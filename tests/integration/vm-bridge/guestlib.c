/* See guestlib.h. */
#include "guestlib.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void guest_mount_basics(void)
{
    mkdir("/dev", 0755);
    mkdir("/sys", 0755);
    mkdir("/proc", 0755);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("proc", "/proc", "proc", 0, NULL);
}

int guest_cmdline_value(const char *key, char *out, unsigned long cap)
{
    char line[1024] = "";
    FILE *f = fopen("/proc/cmdline", "r");
    if (f) {
        if (!fgets(line, sizeof(line), f))
            line[0] = 0;
        fclose(f);
    }
    size_t klen = strlen(key);
    for (char *w = strtok(line, " \n"); w; w = strtok(NULL, " \n")) {
        if (!strncmp(w, key, klen) && w[klen] == '=') {
            snprintf(out, cap, "%s", w + klen + 1);
            return 0;
        }
    }
    return -1;
}

long guest_cmdline_long(const char *key, long fallback)
{
    char v[32];
    return guest_cmdline_value(key, v, sizeof(v)) ? fallback : strtol(v, NULL, 0);
}

int guest_open_tpm(int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        int fd = open("/dev/tpm0", O_RDWR | O_CLOEXEC);
        if (fd >= 0)
            return fd;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

void guest_power_off(int failed)
{
    sync();
    if (ioperm(0xf4, 1, 1) == 0)
        outb(failed ? 1 : 0, 0xf4);
    reboot(RB_POWER_OFF);
    for (;;)
        pause();
}
