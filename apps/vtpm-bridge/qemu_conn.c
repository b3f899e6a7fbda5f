/* QEMU's side of the bridge (qemu_conn.h). */
#include "qemu_conn.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bytes.h"
#include "frame.h"
#include "io.h"
#include "log.h"

/* Answers to QEMU are small; QEMU reads them at once.  A QEMU that does not
 * read for this long is treated as gone. */
#define ANSWER_WRITE_MS 5000

void conn_open(struct qemu_conn *c, int ctrl_fd)
{
    c->ctrl_fd = ctrl_fd;
    c->data_fd = c->passed_fd = -1;
    c->probe_next = false;
    c->ctrl_len = c->data_len = 0;
    log_info("QEMU connected");
}

static void close_data(struct qemu_conn *c)
{
    if (c->data_fd >= 0)
        close(c->data_fd);
    c->data_fd = -1;
    c->data_len = 0;
}

void conn_close(struct qemu_conn *c, const char *why)
{
    if (c->ctrl_fd < 0)
        return;
    log_info("QEMU disconnected: %s", why);
    close(c->ctrl_fd);
    c->ctrl_fd = -1;
    if (c->passed_fd >= 0)
        close(c->passed_fd);
    c->passed_fd = -1;
    close_data(c);
}

/* Reads what is there with recvmsg, keeping a passed descriptor (the last,
 * if several came; extra ones are closed).  Returns bytes read, 0 at EOF,
 * -1 on error (EAGAIN included). */
static ssize_t read_ctrl(struct qemu_conn *c)
{
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(4 * sizeof(int))];
    } cm;
    struct iovec iov = {c->ctrl_buf + c->ctrl_len, sizeof(c->ctrl_buf) - c->ctrl_len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
                         .msg_controllen = sizeof(cm.buf)};
    ssize_t n = recvmsg(c->ctrl_fd, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0)
        return -1;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
            continue;
        size_t nfd = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < nfd; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
            if (c->passed_fd >= 0)
                close(c->passed_fd);
            c->passed_fd = fd;
        }
    }
    if (msg.msg_flags & MSG_CTRUNC)
        log_error("control message carried more descriptors than one; extra ones dropped");
    return n;
}

static size_t do_set_datafd(struct qemu_conn *c, uint8_t *out)
{
    if (c->passed_fd < 0) {
        log_error("SET_DATAFD without a descriptor");
        put_be32(out, PTM_BAD_PARAMETER);
        return 4;
    }
    int fd = c->passed_fd;
    c->passed_fd = -1;
    int type = 0;
    socklen_t tl = sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_STREAM ||
        io_set_nonblocking(fd) < 0) {
        log_error("SET_DATAFD: the descriptor is not a stream socket");
        close(fd);
        put_be32(out, PTM_BAD_PARAMETER);
        return 4;
    }
    close_data(c);
    c->data_fd = fd;
    c->probe_next = true;
    log_info("data channel received (SET_DATAFD)");
    put_be32(out, PTM_SUCCESS);
    return 4;
}

int conn_on_ctrl(struct qemu_conn *c, struct vtpm_link *l)
{
    ssize_t n = read_ctrl(c);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        conn_close(c, n == 0 ? "control socket closed" : strerror(errno));
        return -1;
    }
    if (n < 0)
        return 0;
    c->ctrl_len += (size_t)n;
    for (;;) {
        struct ctrl_req req;
        uint8_t out[BRIDGE_CTRL_ANSWER_MAX];
        size_t out_len;
        enum ctrl_status st = ctrl_parse(c->ctrl_buf, c->ctrl_len, &req);
        if (st == CTRL_NEED_MORE)
            break;
        if (st == CTRL_TOO_BIG) {
            /* A HASH_DATA longer than any the protocol allows: its end is
             * unknowable, so everything buffered goes. */
            log_error("control request 0x%08x is longer than any allowed; input dropped", req.cmd);
            put_be32(out, PTM_BAD_PARAMETER);
            out_len = 4;
            req.len = c->ctrl_len;
        } else {
            log_debug("control command %s", ctrl_cmd_name(req.cmd));
            out_len = req.cmd == CTRL_SET_DATAFD ? do_set_datafd(c, out) : relay_ctrl(l, &req, out);
        }
        /* A descriptor that came with any other request is not wanted. */
        if (c->passed_fd >= 0) {
            close(c->passed_fd);
            c->passed_fd = -1;
        }
        memmove(c->ctrl_buf, c->ctrl_buf + req.len, c->ctrl_len - req.len);
        c->ctrl_len -= req.len;
        enum io_status ws = io_write_all(c->ctrl_fd, out, out_len, io_now_ms() + ANSWER_WRITE_MS);
        if (ws != IO_OK) {
            conn_close(c, io_status_text(ws));
            return -1;
        }
    }
    return 0;
}

void conn_on_data(struct qemu_conn *c, struct vtpm_link *l)
{
    ssize_t n = recv(c->data_fd, c->data_buf + c->data_len, sizeof(c->data_buf) - c->data_len, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        log_info("data channel closed by QEMU");
        close_data(c);
        return;
    }
    if (n < 0)
        return;
    c->data_len += (size_t)n;
    /* When the frames read now became whole (a later frame in the same
     * buffer waited for the earlier ones: that is part of its time). */
    int64_t t_whole = io_now_us();
    for (;;) {
        int64_t t_vtpm = 0;
        uint32_t len;
        uint8_t *rsp = c->rsp_buf;
        size_t rsp_len;
        enum frame_status st = frame_check(c->data_buf, c->data_len, BRIDGE_FRAME_MAX, &len);
        if (st == FRAME_NEED_MORE)
            return;
        if (st == FRAME_BAD_SIZE) {
            /* Framing is lost: answer once and drop what is buffered. */
            log_error("TPM command frame claims %u bytes; input dropped", get_be32(c->data_buf + 2));
            rsp_len = frame_error_response(rsp, TPM_RC_COMMAND_SIZE);
            len = (uint32_t)c->data_len;
        } else {
            int timeout = c->probe_next && BRIDGE_PROBE_MS < l->timeout_ms ? BRIDGE_PROBE_MS
                                                                            : l->timeout_ms;
            c->probe_next = false;
            t_vtpm = io_now_us();
            rsp_len = relay_frame(l, c->data_buf, len, rsp, timeout);
            t_vtpm = io_now_us() - t_vtpm;
        }
        uint32_t code = len >= TPM_HEADER_SIZE ? frame_command_code(c->data_buf) : 0;
        memmove(c->data_buf, c->data_buf + len, c->data_len - len);
        c->data_len -= len;
        /* One send: QEMU's probe takes the response from a single read. */
        enum io_status ws = io_write_all(c->data_fd, rsp, rsp_len, io_now_ms() + ANSWER_WRITE_MS);
        if (ws != IO_OK) {
            /* QEMU went away while its command was being relayed (the
             * vm-bridge suite's qemu-killed-mid-command check reads this). */
            log_error("TPM command 0x%08x: response lost: data channel %s", code,
                      io_status_text(ws));
            close_data(c);
            return;
        }
        /* The relay's cost, for finding where a guest's TPM time goes
         * (docs/vtpm.md): from the frame being whole in the bridge to its
         * response handed to QEMU's socket, and the part of it spent waiting
         * for the vtpm (the service VM's round trip). */
        log_debug("TPM command 0x%08x (%u bytes): response 0x%08x (%zu bytes) in %lld us, vtpm "
                  "%lld us",
                  code, len, frame_response_code(rsp, rsp_len), rsp_len,
                  (long long)(io_now_us() - t_whole), (long long)t_vtpm);
    }
}
