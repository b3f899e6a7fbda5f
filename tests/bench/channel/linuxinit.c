/* linuxinit: /init of the Linux side of the channel benchmark.  Debian's
 * kernel has its virtio drivers as modules and finds microvm's virtio-mmio
 * devices through ACPI, so this loads the modules shipped in the initramfs,
 * finds each virtio-console port by name in sysfs and starts the same
 * services nutshell's init starts from the bench inittab:
 *
 *   /sbin/vtpm on the ports org.nutshell.tpm-data / org.nutshell.tpm-ctrl,
 *              state on /dev/vda
 *   /bin/chanbench on the port org.nutshell.bench
 *
 * then reaps children forever (QEMU is stopped by the host).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *const modules[] = {
    "/lib/modules/virtio.ko",         "/lib/modules/virtio_ring.ko",
    "/lib/modules/virtio_mmio.ko",    "/lib/modules/virtio_console.ko",
    "/lib/modules/virtio_blk.ko",
};

/* Loads one module; 0 if it is in (or already was). */
static int load_module(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = (int)syscall(SYS_finit_module, fd, "", 0);
    int e = errno;
    close(fd);
    errno = e;
    return r == 0 || errno == EEXIST ? 0 : -1;
}

/* Loads the modules in passes, since their order of dependency is not
 * written down here (no modules.dep, no modprobe): a module whose symbols
 * are missing fails with ENOENT and is tried again once others are in. */
static void load_modules(void)
{
    enum { N = sizeof(modules) / sizeof(modules[0]) };
    int done[N] = {0}, left = N;
    for (int pass = 0; pass < N && left; pass++)
        for (int i = 0; i < N; i++)
            if (!done[i] && load_module(modules[i]) == 0) {
                done[i] = 1;
                left--;
            }
    for (int i = 0; i < N; i++)
        if (!done[i])
            printf("linuxinit: cannot load %s: %s\n", modules[i], strerror(errno));
}

/* Finds /dev/vportNpM whose sysfs name is NAME; waits up to 20 s for the
 * driver to learn the names.  Returns 0 and fills dev, or -1. */
static int find_port(const char *name, char *dev, size_t cap)
{
    for (int tries = 0; tries < 200; tries++) {
        DIR *d = opendir("/sys/class/virtio-ports");
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[300], got[128] = "";
            snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
            FILE *f = fopen(path, "r");
            if (!f)
                continue;
            if (fgets(got, sizeof(got), f))
                got[strcspn(got, "\n")] = 0;
            fclose(f);
            if (!strcmp(got, name)) {
                snprintf(dev, cap, "/dev/%s", e->d_name);
                closedir(d);
                return access(dev, R_OK | W_OK) == 0 ? 0 : -1;
            }
        }
        if (d)
            closedir(d);
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    printf("linuxinit: no virtio-console port named %s\n", name);
    return -1;
}

static void start(char *const argv[])
{
    pid_t pid;
    int r = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
    if (r)
        printf("linuxinit: cannot start %s: %s\n", argv[0], strerror(r));
    else
        printf("linuxinit: started %s (pid %d)\n", argv[0], (int)pid);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    mkdir("/dev", 0755);
    mkdir("/sys", 0755);
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0)
        printf("linuxinit: mount devtmpfs: %s\n", strerror(errno));
    if (mount("sysfs", "/sys", "sysfs", 0, NULL) != 0)
        printf("linuxinit: mount sysfs: %s\n", strerror(errno));
    load_modules();

    char data[300], ctrl[300], bench[300];
    if (find_port("org.nutshell.tpm-data", data, sizeof(data)) == 0 &&
        find_port("org.nutshell.tpm-ctrl", ctrl, sizeof(ctrl)) == 0) {
        char dspec[340], cspec[340];
        snprintf(dspec, sizeof(dspec), "type=dev,path=%s", data);
        snprintf(cspec, sizeof(cspec), "type=dev,path=%s", ctrl);
        char *const vtpm[] = {"/sbin/vtpm", "--server", dspec, "--ctrl", cspec, "--state", "/dev/vda", NULL};
        start(vtpm);
    }
    if (find_port("org.nutshell.bench", bench, sizeof(bench)) == 0) {
        char *const cb[] = {"/bin/chanbench", bench, NULL};
        start(cb);
    }
    for (;;) {
        int st;
        pid_t p = wait(&st);
        if (p < 0) {
            pause();
            continue;
        }
        printf("linuxinit: pid %d ended (status 0x%x)\n", (int)p, st);
    }
}
