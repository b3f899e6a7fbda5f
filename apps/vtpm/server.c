/* The main loop.  Single-threaded: libtpms has one TPM and is not reentrant,
 * so commands run one at a time, each to completion.  Every connection has
 * its own input buffer, so clients interleaving partial messages never mix,
 * and a client that disconnects loses only its own pending response. */
#include "server.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "ctrl.h"
#include "frame.h"
#include "log.h"
#include "measured.h"
#include "svsm_frame.h"
#include "tpm.h"
#include "tpm_names.h"

#define MAX_CONNS 32
/* Data buffers hold the largest frame libtpms accepts plus room for the
 * start of the next one. */
#define DATA_BUF_SIZE 8192
#define CTRL_BUF_SIZE CTRL_REQ_MAX

enum conn_kind { CONN_DATA, CONN_CTRL };

#define CONN_BUF_SIZE (DATA_BUF_SIZE > CTRL_BUF_SIZE ? DATA_BUF_SIZE : CTRL_BUF_SIZE)

struct conn {
    bool used;
    enum conn_kind kind;
    struct channel ch;
    struct endpoint *ep;   /* for device channels: reopened from here */
    unsigned id;
    uint8_t *buf;          /* conn_bufs[its slot] */
    size_t len;
    int passed_fd;         /* descriptor received on a control socket, or -1 */
    bool svsm;             /* data in the SVSM layout (framing=svsm) */
    bool got_data;         /* a byte has arrived since the channel opened */
    unsigned absent_ms;    /* device with no host client: polled again after... */
    long long quiet_until; /* ...this (ms, CLOCK_MONOTONIC); 0 when not waiting */
};

/* The slots are scanned on every poll round; their buffers are apart, so
 * the scan touches one small array and a buffer's pages are only touched
 * (and only take memory) once a connection uses that slot: the service VM
 * runs in 8 MiB and usually has two connections, not 32. */
static struct conn conns[MAX_CONNS];
static uint8_t conn_bufs[MAX_CONNS][CONN_BUF_SIZE];
static unsigned next_id = 1;
/* Per channel kind: the last device channel of that kind ended without a
 * byte (see device_host_absent). */
static bool ended_empty[2];
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static const char *kind_name(enum conn_kind k)
{
    return k == CONN_DATA ? "data" : "ctrl";
}

/* `from`: the endpoint the channel came from (its framing); `ep` the same
 * for channels reopened from their endpoint, else NULL. */
static struct conn *conn_add(enum conn_kind kind, const struct channel *ch, struct endpoint *ep,
                             const struct endpoint *from)
{
    for (int i = 0; i < MAX_CONNS; i++) {
        struct conn *c = &conns[i];
        if (c->used)
            continue;
        c->used = true;
        c->kind = kind;
        c->ch = *ch;
        c->ep = ep;
        c->id = next_id++;
        c->buf = conn_bufs[i];
        c->len = 0;
        c->passed_fd = -1;
        c->svsm = from && from->svsm;
        c->got_data = false;
        c->absent_ms = 0;
        c->quiet_until = 0;
        log_info("%s connection %u from %s%s", kind_name(kind), c->id, ch->peer,
                 c->svsm ? " (SVSM layout)" : "");
        return c;
    }
    log_error("%s: %d connections open already; refusing %s", kind_name(kind), MAX_CONNS,
              ch->peer);
    return NULL;
}

static void conn_release(struct conn *c)
{
    channel_close(&c->ch);
    if (c->passed_fd >= 0)
        close(c->passed_fd);
    c->used = false;
}

/* Every connection's end is logged, as its start is: on a device the end is
 * the host client's hang-up, and the line says the vtpm has seen it (its
 * response and any partial input are gone with it).  why: NULL if the peer
 * closed. */
static void conn_close(struct conn *c, const char *why)
{
    if (why)
        log_error("%s connection %u: %s; closed", kind_name(c->kind), c->id, why);
    else
        log_info("%s connection %u closed by peer", kind_name(c->kind), c->id);
    conn_release(c);
}

/* A framing error: there is no telling where the next message starts.  A
 * socket is closed; a device cannot be, so what was buffered is dropped. */
static bool conn_lost_framing(struct conn *c, const char *why)
{
    if (c->ch.persistent) {
        log_error("%s connection %u: %s; input discarded", kind_name(c->kind), c->id, why);
        c->len = 0;
        return true;
    }
    conn_close(c, why);
    return false;
}

static bool conn_send(struct conn *c, const uint8_t *buf, size_t len)
{
    if (channel_write(&c->ch, buf, len) == 0)
        return true;
    /* the client vanished with a command in flight: only its response is lost */
    conn_close(c, "peer gone before its response was sent");
    return false;
}

/* Runs one TPM command frame (flen bytes) at the current locality; points
 * *rsp at the response, which may be err (TPM_HEADER_SIZE bytes). */
static uint32_t run_command(const struct conn *c, const uint8_t *frame, uint32_t flen,
                            uint8_t *err, const uint8_t **rsp)
{
    uint32_t cc = frame_command_code(frame);
    log_debug("data connection %u: %s (0x%x), %u bytes, locality %u", c->id, tpm_cc_name(cc), cc,
              flen, tpm_locality());
    uint32_t rsp_len;
    if (!tpm_running()) {
        log_error("data connection %u: %s while the TPM is stopped", c->id, tpm_cc_name(cc));
        *rsp = err;
        rsp_len = (uint32_t)frame_error_response(err, TPM_RC_FAILURE);
    } else {
        uint32_t rc = tpm_process(frame, flen, rsp, &rsp_len);
        if (rc != 0 || rsp_len < TPM_HEADER_SIZE) {
            log_error("data connection %u: libtpms failed %s (rc 0x%x)", c->id, tpm_cc_name(cc),
                      rc);
            *rsp = err;
            rsp_len = (uint32_t)frame_error_response(err, TPM_RC_FAILURE);
        }
    }
    log_debug("data connection %u: %s -> rc 0x%x", c->id, tpm_cc_name(cc),
              frame_response_code(*rsp, rsp_len));
    return rsp_len;
}

static void consume(struct conn *c, size_t n)
{
    c->len -= n;
    memmove(c->buf, c->buf + n, c->len);
}

/* Serves every complete SVSM-layout message buffered (svsm_frame.h).  The
 * message's locality holds for its command only.  Returns false if the
 * connection was closed. */
static bool serve_svsm(struct conn *c)
{
    for (;;) {
        struct svsm_req req;
        enum svsm_status st = svsm_parse(c->buf, c->len, tpm_buffer_size(), &req);
        if (st == SVSM_NEED_MORE)
            return true;
        uint8_t hdr[SVSM_QUERY_RSP_SIZE], err[TPM_HEADER_SIZE];
        if (st == SVSM_BAD_CALL || st == SVSM_BAD_SIZE) {
            /* no answer: an SVSM call that is not one has no response layout */
            char why[96];
            snprintf(why, sizeof(why), st == SVSM_BAD_CALL ? "SVSM call 0x%x unknown"
                                                           : "SVSM command of %u bytes",
                     st == SVSM_BAD_CALL ? req.call : req.tpm_len);
            return conn_lost_framing(c, why);
        }
        if (st == SVSM_QUERY) {
            if (!conn_send(c, hdr, svsm_query_response(hdr)))
                return false;
            consume(c, req.len);
            continue;
        }
        const uint8_t *rsp = err;
        uint32_t rsp_len;
        if (req.platform_command != SVSM_TPM_SEND_COMMAND) {
            log_error("data connection %u: SVSM platform command %u is not supported", c->id,
                      req.platform_command);
            rsp_len = (uint32_t)frame_error_response(err, TPM_RC_COMMAND_CODE);
        } else if (req.locality > 4) {
            rsp_len = (uint32_t)frame_error_response(err, TPM_RC_LOCALITY);
        } else {
            uint8_t saved = tpm_locality();
            tpm_set_locality(req.locality);
            rsp_len = run_command(c, req.tpm, req.tpm_len, err, &rsp);
            tpm_set_locality(saved);
        }
        if (!conn_send(c, hdr, svsm_response_header(hdr, rsp_len)) || !conn_send(c, rsp, rsp_len))
            return false;
        consume(c, req.len);
    }
}

/* Serves every complete frame buffered on a data connection.  Returns false
 * if the connection was closed. */
static bool serve_data(struct conn *c)
{
    if (c->svsm)
        return serve_svsm(c);
    for (;;) {
        uint32_t flen;
        uint32_t max = tpm_buffer_size();
        enum frame_status st = frame_check(c->buf, c->len, max, &flen);
        if (st == FRAME_NEED_MORE)
            return true;
        uint8_t err[TPM_HEADER_SIZE];
        if (st == FRAME_BAD_SIZE) {
            char why[96];
            snprintf(why, sizeof(why), "frame size %u outside %u..%u", get_be32(c->buf + 2),
                     TPM_HEADER_SIZE, max);
            size_t n = frame_error_response(err, TPM_RC_COMMAND_SIZE);
            if (!conn_send(c, err, n))
                return false;
            return conn_lost_framing(c, why);
        }
        const uint8_t *rsp;
        uint32_t rsp_len = run_command(c, c->buf, flen, err, &rsp);
        /* Judged before conn_send: rsp is libtpms's buffer, which a replay reuses. */
        bool replay = measured_enabled() && measured_is_startup_clear(c->buf, flen, rsp, rsp_len);
        if (!conn_send(c, rsp, rsp_len))
            return false;
        if (replay && measured_replay() < 0) {
            log_error("the PCRs do not describe the boot: stopping the TPM");
            tpm_stop();
        }
        consume(c, flen);
    }
}

static void adopt_datafd(struct conn *c)
{
    struct channel ch = {.in_fd = c->passed_fd, .out_fd = c->passed_fd};
    snprintf(ch.peer, sizeof(ch.peer), "descriptor passed on ctrl connection %u", c->id);
    c->passed_fd = -1;
    /* a data socket must not stall the loop on a client that stops reading */
    struct timeval tv = {.tv_sec = 5};
    setsockopt(ch.in_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (!conn_add(CONN_DATA, &ch, NULL, NULL))
        channel_close(&ch);
}

/* Serves every complete control message buffered.  Returns false if the
 * connection was closed; sets *shutdown on SHUTDOWN. */
static bool serve_ctrl(struct conn *c, bool *shutdown)
{
    for (;;) {
        struct ctrl_req req;
        enum ctrl_status st = ctrl_parse(c->buf, c->len, &req);
        if (st == CTRL_NEED_MORE)
            return true;
        uint8_t out[CTRL_RSP_MAX];
        if (st == CTRL_TOO_BIG) {
            uint8_t res[4] = {0, 0, 0, PTM_BAD_PARAMETER};
            if (!conn_send(c, res, sizeof(res)))
                return false;
            return conn_lost_framing(c, "HASH_DATA longer than 4096 bytes");
        }
        log_debug("ctrl connection %u: %s (0x%x), %zu bytes", c->id, ctrl_cmd_name(req.cmd),
                  req.cmd, req.len);
        struct ctrl_effect eff;
        bool have_fd = c->passed_fd >= 0 && req.cmd == CTRL_SET_DATAFD;
        size_t n = ctrl_execute(&req, c->ch.can_pass_fd, have_fd, out, &eff);
        if (n >= 4 && req.cmd != CTRL_GET_CAPABILITY && (out[0] | out[1] | out[2] | out[3]))
            log_error("ctrl connection %u: %s failed with result %u", c->id,
                      ctrl_cmd_name(req.cmd), get_be32(out));
        if (eff.adopt_datafd)
            adopt_datafd(c);
        if (c->passed_fd >= 0) {
            close(c->passed_fd); /* a descriptor with any other command is dropped */
            c->passed_fd = -1;
        }
        if (!conn_send(c, out, n))
            return false;
        c->len -= req.len;
        memmove(c->buf, c->buf + req.len, c->len);
        if (eff.shutdown) {
            *shutdown = true;
            return true;
        }
    }
}

static size_t buf_cap(const struct conn *c)
{
    return c->kind == CONN_DATA ? DATA_BUF_SIZE : CTRL_BUF_SIZE;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define ABSENT_FIRST_MS 10
#define ABSENT_MAX_MS 250

/* End-of-file on a device channel that has carried nothing, right after
 * another such channel of its kind: no host client is there.  nutshell's
 * ports report each host hang-up once, so this is rare on them (two clients
 * in a row that sent nothing); Linux's virtio ports read end-of-file for as
 * long as no host client is connected, and discard what arrives while the
 * port is closed.  So the channel stays open, quietly, and is polled again
 * after a back-off (10 ms doubling to 250 ms), instead of being closed,
 * logged and reopened in a busy loop.  The first command of a client that
 * connects meanwhile waits at most that long; nothing it sends is lost.
 * Returns false for an end to close as usual. */
static bool device_host_absent(struct conn *c)
{
    if (!c->ep || !c->ep->ops->reopens || c->got_data || c->len)
        return false;
    if (!ended_empty[c->kind]) {
        ended_empty[c->kind] = true;
        return false;
    }
    if (!c->absent_ms) {
        log_info("%s connection %u: end-of-file at once again: no host client; waiting for one "
                 "(polled every %d ms at most)", kind_name(c->kind), c->id, ABSENT_MAX_MS);
        c->absent_ms = ABSENT_FIRST_MS;
    } else {
        c->absent_ms = c->absent_ms * 2 > ABSENT_MAX_MS ? ABSENT_MAX_MS : c->absent_ms * 2;
    }
    c->quiet_until = now_ms() + c->absent_ms;
    return true;
}

/* Reads what arrived and serves it. */
static void conn_readable(struct conn *c, bool *shutdown)
{
    ssize_t n = channel_read(&c->ch, c->buf + c->len, buf_cap(c) - c->len, &c->passed_fd);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n == 0 && device_host_absent(c))
        return;
    if (n <= 0) {
        if (n < 0)
            conn_close(c, strerror(errno));
        else if (c->len)
            conn_close(c, "peer closed in the middle of a message");
        else
            conn_close(c, NULL);
        return;
    }
    c->len += (size_t)n;
    if (!c->got_data) {
        if (c->absent_ms)
            log_info("%s connection %u: a host client is here", kind_name(c->kind), c->id);
        c->got_data = true;
        c->absent_ms = 0;
        c->quiet_until = 0;
        ended_empty[c->kind] = false;
    }
    if (c->kind == CONN_DATA)
        serve_data(c);
    else
        serve_ctrl(c, shutdown);
}

/* Endpoints without a listener have one channel: keep it open.  A device
 * path is reopened whenever its channel failed; inherited descriptors are
 * taken once.  Returns false when the endpoint's channel is gone for good. */
static bool ensure_channel(struct endpoint *ep, enum conn_kind kind)
{
    if (ep->ops->listens)
        return true;
    for (int i = 0; i < MAX_CONNS; i++)
        if (conns[i].used && conns[i].ep == ep)
            return true;
    if (ep->handed_out && !ep->ops->reopens)
        return false;
    struct channel ch;
    if (ep->ops->accept(ep, &ch) == 0) {
        ep->handed_out = true;
        if (!conn_add(kind, &ch, ep, ep))
            channel_close(&ch);
    }
    return true;
}

static void install_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a vanished peer is an error return, not a death */
}

int server_run(struct endpoint *data, struct endpoint *ctrl)
{
    install_signals();
    struct endpoint *eps[2] = {data, ctrl};
    enum conn_kind ep_kind[2] = {CONN_DATA, CONN_CTRL};
    bool shutdown = false;
    while (!shutdown && !stop_signal) {
        struct pollfd pfd[2 + MAX_CONNS];
        struct conn *owner[2 + MAX_CONNS];
        int n = 0;
        bool device_down = false;
        bool gone = false;
        for (int i = 0; i < 2; i++) {
            if (!ensure_channel(eps[i], ep_kind[i])) {
                /* the parent that held the other end has closed it (or
                 * died): no client can reach this vtpm any more */
                log_info("%s channel (%s) closed and cannot be reopened", kind_name(ep_kind[i]),
                         eps[i]->ops->type);
                gone = true;
            }
            if (eps[i]->ops->listens) {
                pfd[n] = (struct pollfd){.fd = eps[i]->listen_fd, .events = POLLIN};
                owner[n++] = NULL;
            }
        }
        /* a device waiting for its host client (device_host_absent) sits
         * out until its time, which bounds the wait */
        long long now = now_ms(), wake = -1;
        for (int i = 0; i < MAX_CONNS; i++) {
            if (!conns[i].used)
                continue;
            if (conns[i].quiet_until > now) {
                if (wake < 0 || conns[i].quiet_until < wake)
                    wake = conns[i].quiet_until;
                continue;
            }
            pfd[n] = (struct pollfd){.fd = conns[i].ch.in_fd, .events = POLLIN};
            owner[n++] = &conns[i];
        }
        if (gone)
            break;
        for (int i = 0; i < 2; i++) {
            if (eps[i]->ops->listens)
                continue;
            bool open = false;
            for (int j = 0; j < MAX_CONNS; j++)
                open |= conns[j].used && conns[j].ep == eps[i];
            device_down |= !open;
        }
        /* a device that failed to open is retried once a second */
        int timeout = device_down ? 1000 : -1;
        if (wake >= 0 && (timeout < 0 || wake - now < timeout))
            timeout = (int)(wake - now);
        int r = poll(pfd, (nfds_t)n, timeout);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            log_error("poll: %s", strerror(errno));
            return 1;
        }
        for (int i = 0; i < n && !shutdown; i++) {
            if (!pfd[i].revents)
                continue;
            if (!owner[i]) {
                struct endpoint *ep = pfd[i].fd == data->listen_fd ? data : ctrl;
                struct channel ch;
                if (ep->ops->accept(ep, &ch) == 0 &&
                    !conn_add(ep == data ? CONN_DATA : CONN_CTRL, &ch, NULL, ep))
                    channel_close(&ch);
                continue;
            }
            if (owner[i]->used)
                conn_readable(owner[i], &shutdown);
        }
    }
    if (stop_signal)
        log_info("terminating on signal %d", (int)stop_signal);
    else if (shutdown)
        log_info("shutting down on request");
    else
        log_info("shutting down: a channel is gone");
    for (int i = 0; i < MAX_CONNS; i++)
        if (conns[i].used)
            conn_release(&conns[i]);
    return 0;
}
