/* tpmtool: drives a vtpm (or swtpm) data or control port for the test suite.
 *
 *   tpmtool startup PORT           TPM2_Startup(CLEAR); ok if done or already done
 *   tpmtool nvdefine PORT INDEX    an 8-byte ordinary NV index with empty auth
 *   tpmtool nvloop PORT INDEX N    write N, N+1, ... to INDEX; print "ack V" after
 *                                  each acknowledged write, until the TPM goes away
 *   tpmtool nvread PORT INDEX      print the index's value in decimal
 *   tpmtool raw PORT HEX           send the bytes, print what comes back (hex) and
 *                                  "EOF" if the server closed the connection
 *   tpmtool vanish PORT HEX        send the bytes and disconnect at once
 *   tpmtool datafd CTRLPATH        hand one end of a socketpair to the vtpm with
 *                                  CMD_SET_DATAFD, then run GetRandom through it
 * PORT may be a Unix socket path.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tpmclient.h"

static uint8_t cmd[8192], rsp[8192];

static int die(const char *msg)
{
    fprintf(stderr, "tpmtool: %s\n", msg);
    return 2;
}

static int connect_or_die(const char *port)
{
    int fd = tc_connect(port);
    if (fd < 0) {
        fprintf(stderr, "tpmtool: connect to port %s: %s\n", port, strerror(errno));
        exit(2);
    }
    return fd;
}

static size_t parse_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = hex; p[0] && p[1] && n < cap; p += 2) {
        if (*p == ' ') {
            p--;
            continue;
        }
        char b[3] = {p[0], p[1], 0};
        out[n++] = (uint8_t)strtoul(b, NULL, 16);
    }
    return n;
}

static int do_raw(int fd, const char *hex, bool vanish)
{
    size_t n = parse_hex(hex, cmd, sizeof(cmd));
    if (n && write(fd, cmd, n) != (ssize_t)n)
        return die("send failed");
    if (vanish) {
        close(fd);
        return 0;
    }
    size_t got = 0;
    bool eof = false;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (got < sizeof(rsp) && poll(&p, 1, 1000) > 0) {
        ssize_t r = read(fd, rsp + got, sizeof(rsp) - got);
        if (r <= 0) {
            eof = true;
            break;
        }
        got += (size_t)r;
    }
    for (size_t i = 0; i < got; i++)
        printf("%02x", rsp[i]);
    printf("%s\n", eof ? (got ? " EOF" : "EOF") : "");
    return 0;
}

/* What QEMU's tpm-emulator backend does: the data channel is a socketpair
 * whose far end travels over the control socket. */
static int do_datafd(int ctrl)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return die("socketpair failed");
    uint8_t req[4] = {0, 0, 0, 0x10};
    union {
        char space[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = req, .iov_len = sizeof(req)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
                         .msg_controllen = sizeof(control.space)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &sv[1], sizeof(int));
    if (sendmsg(ctrl, &msg, 0) != (ssize_t)sizeof(req))
        return die("sendmsg failed");
    close(sv[1]);
    uint8_t res[4];
    if (read(ctrl, res, 4) != 4)
        return die("no SET_DATAFD result");
    printf("setdatafd %02x%02x%02x%02x\n", res[0], res[1], res[2], res[3]);
    long r = tc_transact(sv[0], cmd, tc_get_random(cmd, 16), rsp, sizeof(rsp));
    if (r < 0)
        return die("no GetRandom response on the passed descriptor");
    printf("getrandom rc 0x%x len %ld\n", tc_rc(rsp), r);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return die("usage: tpmtool startup|nvdefine|nvloop|nvread|raw|vanish PORT ...");
    const char *op = argv[1];
    int fd = connect_or_die(argv[2]);
    uint32_t index = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 0;
    long r;

    if (!strcmp(op, "datafd"))
        return do_datafd(fd);
    if (!strcmp(op, "raw") && argc == 4)
        return do_raw(fd, argv[3], false);
    if (!strcmp(op, "vanish") && argc == 4)
        return do_raw(fd, argv[3], true);
    if (!strcmp(op, "startup")) {
        r = tc_transact(fd, cmd, tc_startup_clear(cmd), rsp, sizeof(rsp));
        if (r < 0)
            return die("startup: no response");
        uint32_t rc = tc_rc(rsp);
        printf("rc 0x%x\n", rc);
        return rc == 0 || rc == TPM_RC_INITIALIZE ? 0 : 1;
    }
    if (!strcmp(op, "nvdefine") && argc == 4) {
        r = tc_transact(fd, cmd, tc_nv_define(cmd, index, 8), rsp, sizeof(rsp));
        if (r < 0)
            return die("nvdefine: no response");
        printf("rc 0x%x\n", tc_rc(rsp));
        return tc_rc(rsp) ? 1 : 0;
    }
    if (!strcmp(op, "nvread") && argc == 4) {
        r = tc_transact(fd, cmd, tc_nv_read(cmd, index, 8), rsp, sizeof(rsp));
        if (r < 0)
            return die("nvread: no response");
        const uint8_t *d;
        if (tc_rc(rsp) || tc_nv_read_data(rsp, (size_t)r, &d) != 8) {
            printf("rc 0x%x\n", tc_rc(rsp));
            return 1;
        }
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v = v << 8 | d[i];
        printf("%" PRIu64 "\n", v);
        return 0;
    }
    if (!strcmp(op, "nvloop") && argc == 5) {
        uint64_t v = strtoull(argv[4], NULL, 0);
        setvbuf(stdout, NULL, _IONBF, 0);
        for (;; v++) {
            uint8_t d[8];
            for (int i = 0; i < 8; i++)
                d[i] = (uint8_t)(v >> (56 - 8 * i));
            r = tc_transact(fd, cmd, tc_nv_write(cmd, index, d, 8), rsp, sizeof(rsp));
            if (r < 0)
                return 0; /* the TPM went away: expected */
            if (tc_rc(rsp)) {
                printf("rc 0x%x\n", tc_rc(rsp));
                return 1;
            }
            printf("ack %" PRIu64 "\n", v);
        }
    }
    return die("bad arguments");
}
