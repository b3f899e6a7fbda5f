/* The vtpm on Unix sockets (see vtpm_unix.h). */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checklib.h"
#include "tpmclient.h"
#include "vtpm_unix.h"

extern char **environ;

#define PTM_CAPS_UNIX "0000000000007cff" /* the pipes' set plus PTM_CAP_SET_DATAFD */

static uint8_t cmd[4096], rsp[4096];

/* Connects to path, waiting up to 30 s for the vtpm to listen there. */
static int connect_when_ready(const char *path, pid_t pid)
{
    for (int tries = 0; tries < 3000; tries++) {
        int fd = tc_connect(path);
        if (fd >= 0)
            return fd;
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return -1; /* the vtpm died */
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    return -1;
}

/* One control request, with a descriptor passed alongside when pass_fd >= 0;
 * reads exactly the response bytes wanted and compares them. */
static bool ctrl(int fd, uint32_t code, int pass_fd, const char *want_hex)
{
    uint8_t req[4] = {code >> 24, code >> 16, code >> 8, code}, got[16];
    char ctl[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {req, sizeof req};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (pass_fd >= 0) {
        m.msg_control = ctl;
        m.msg_controllen = sizeof ctl;
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(h), &pass_fd, sizeof pass_fd);
    }
    if (sendmsg(fd, &m, 0) != sizeof req)
        return failf("ctrl 0x%x: sendmsg: %s", code, strerror(errno));
    size_t wn = strlen(want_hex) / 2;
    for (size_t got_n = 0; got_n < wn;) {
        ssize_t r = recv(fd, got + got_n, wn - got_n, 0);
        if (r <= 0)
            return failf("ctrl 0x%x: no response", code);
        got_n += (size_t)r;
    }
    char got_hex[33];
    for (size_t i = 0; i < wn; i++)
        sprintf(got_hex + 2 * i, "%02x", got[i]);
    if (strcmp(got_hex, want_hex))
        return failf("ctrl 0x%x: got %s, want %s", code, got_hex, want_hex);
    return true;
}

/* One command on fd that must succeed: its response length, or -1. */
static long xact_on(int fd, size_t len, const char *what)
{
    long r = tc_transact(fd, cmd, len, rsp, sizeof rsp);
    if (r < 0) {
        failf("%s: no response", what);
        return -1;
    }
    return require_success(r, rsp, what);
}

static bool get_random_on(int fd, const char *where)
{
    long r = xact_on(fd, tc_get_random(cmd, 16), where);
    if (r < 0)
        return false;
    if (r != 12 + 16)
        return failf("%s: a %ld-byte response, want 28", where, r);
    return true;
}

static bool drive(int data, int ctl, pid_t pid)
{
    if (xact_on(data, tc_startup_clear(cmd), "Startup(CLEAR) on the data socket") < 0 ||
        !get_random_on(data, "GetRandom on the data socket") || !ctrl(ctl, 0x01, -1, PTM_CAPS_UNIX))
        return false;
    /* SET_DATAFD: the data channel moves to a socket we pass. */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return failf("socketpair: %s", strerror(errno));
    bool ok = ctrl(ctl, 0x10, sv[1], "00000000");
    close(sv[1]);
    ok = ok && get_random_on(sv[0], "GetRandom on the passed socket");
    close(sv[0]);
    if (!ok || !ctrl(ctl, 0x03, -1, "00000000"))
        return false;
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return failf("after SHUTDOWN the vtpm ended with wait status 0x%x", st);
    return true;
}

bool vtpm_unix_check(const char *vtpm, const char *state)
{
    char st[256], data_path[256], ctl_path[256], data_spec[300], ctl_spec[300];
    snprintf(st, sizeof st, "%s.unix", state);
    snprintf(data_path, sizeof data_path, "%s.data.sock", state);
    snprintf(ctl_path, sizeof ctl_path, "%s.ctrl.sock", state);
    snprintf(data_spec, sizeof data_spec, "type=unixio,path=%s", data_path);
    snprintf(ctl_spec, sizeof ctl_spec, "type=unixio,path=%s", ctl_path);
    unlink(st);
    const char *argv[] = {vtpm, "--server", data_spec, "--ctrl", ctl_spec, "--state", st, NULL};
    pid_t pid;
    int err = posix_spawn(&pid, vtpm, NULL, NULL, (char *const *)argv, environ);
    if (err)
        return failf("cannot start %s: %s", vtpm, strerror(err));
    int data = connect_when_ready(data_path, pid), ctl = data >= 0 ? connect_when_ready(ctl_path, pid) : -1;
    bool ok = data >= 0 && ctl >= 0 ? drive(data, ctl, pid) : failf("cannot connect to the vtpm's sockets");
    if (data >= 0)
        close(data);
    if (ctl >= 0)
        close(ctl);
    if (!ok) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    struct stat sb;
    if (ok && (lstat(data_path, &sb) == 0 || lstat(ctl_path, &sb) == 0))
        ok = failf("the vtpm left its socket names behind");
    unlink(st);
    return ok;
}
