/* vtpm-bridge: gives one QEMU guest (`-tpmdev emulator`) the TPM of one vtpm
 * instance in the nutshell service VM.  QEMU connects to the bridge's Unix
 * control socket and speaks the swtpm control protocol to it; the bridge
 * relays control commands and TPM frames to the vtpm's control and data
 * ports (docs/vtpm.md, "The host bridge").
 *
 * Single-threaded: one QEMU at a time (another waits in the listen backlog
 * until the first leaves), and every wait is bounded (io.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "qemu_conn.h"
#include "unix_listen.h"
#include "vtpm_link.h"

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

static void usage(void)
{
    fprintf(stderr, "usage: vtpm-bridge --listen PATH --vtpm-data ADDR --vtpm-ctrl ADDR\n"
                    "                   [--timeout SECONDS] [--verbose]\n"
                    "ADDR: HOST:PORT (IPv4) or the path of a Unix socket\n");
    exit(2);
}

/* Listens on a Unix socket at path, replacing a stale socket file; the path
 * appears only once the socket listens (unix_listen.h). */
static int listen_at(const char *path)
{
    int fd = unix_listen_at(path, SOCK_NONBLOCK | SOCK_CLOEXEC, 4);
    if (fd < 0)
        log_error("cannot listen on %s: %s", path, strerror(errno));
    return fd;
}

int main(int argc, char **argv)
{
    log_name = "vtpm-bridge";
    const char *listen_path = NULL, *data_addr = NULL, *ctrl_addr = NULL;
    long timeout_s = 120;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--verbose")) {
            log_verbose = true;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--listen"))
            listen_path = v;
        else if (!strcmp(a, "--vtpm-data"))
            data_addr = v;
        else if (!strcmp(a, "--vtpm-ctrl"))
            ctrl_addr = v;
        else if (!strcmp(a, "--timeout")) {
            char *end;
            timeout_s = strtol(v, &end, 10);
            if (*end || timeout_s < 1 || timeout_s > 3600)
                usage();
        } else
            usage();
    }
    if (!listen_path || !data_addr || !ctrl_addr)
        usage();
    if (link_check_addr(data_addr) < 0 || link_check_addr(ctrl_addr) < 0) {
        log_error("an address is neither IPv4 HOST:PORT nor a socket path: %s, %s", data_addr,
                  ctrl_addr);
        return 2;
    }

    struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: poll returns */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int lfd = listen_at(listen_path);
    if (lfd < 0)
        return 1;
    struct vtpm_link link;
    link_init(&link, data_addr, ctrl_addr, (int)timeout_s * 1000);
    static struct qemu_conn conn;
    conn.ctrl_fd = -1;
    log_info("listening on %s for QEMU; vtpm data %s, control %s", listen_path, data_addr,
             ctrl_addr);

    while (!stop_signal) {
        struct pollfd p[2];
        int n = 0;
        if (conn.ctrl_fd < 0) {
            p[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
        } else {
            p[n++] = (struct pollfd){.fd = conn.ctrl_fd, .events = POLLIN};
            if (conn.data_fd >= 0)
                p[n++] = (struct pollfd){.fd = conn.data_fd, .events = POLLIN};
        }
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            log_error("poll: %s", strerror(errno));
            break;
        }
        if (conn.ctrl_fd < 0) {
            if (p[0].revents) {
                int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd >= 0)
                    conn_open(&conn, fd);
            }
            continue;
        }
        /* Data first: QEMU's probe arrives right after SET_DATAFD's answer,
         * and a frame waiting while the control socket is read is fine. */
        if (n == 2 && p[1].revents)
            conn_on_data(&conn, &link);
        if (p[0].revents && conn.ctrl_fd >= 0)
            conn_on_ctrl(&conn, &link);
    }
    if (stop_signal)
        log_info("stopping on signal %d", (int)stop_signal);
    conn_close(&conn, "the bridge is stopping");
    link_down(&link, "the bridge is stopping");
    close(lfd);
    unlink(listen_path);
    return 0;
}
