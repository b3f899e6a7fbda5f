/* Socket I/O with deadlines, for the bridge's single-threaded loop: every
 * descriptor is non-blocking, and every wait is bounded, so neither a stuck
 * service VM nor a QEMU that stops reading can hang the bridge. */
#ifndef BRIDGE_IO_H
#define BRIDGE_IO_H

#include <stddef.h>
#include <stdint.h>

enum io_status {
    IO_OK,
    IO_EOF,     /* the peer closed before all bytes came */
    IO_ERROR,   /* errno says why */
    IO_TIMEOUT, /* the deadline passed */
};

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t io_now_ms(void);

/* Microseconds on CLOCK_MONOTONIC (--verbose's relay times). */
int64_t io_now_us(void);

/* Writes all n bytes before the deadline (send with MSG_NOSIGNAL: a vanished
 * peer is IO_ERROR with EPIPE, never SIGPIPE). */
enum io_status io_write_all(int fd, const void *buf, size_t n, int64_t deadline_ms);

/* Reads into buf from offset *have until *have == want or the deadline;
 * *have counts what arrived even when the read stops early, so a later call
 * resumes where this one stopped. */
enum io_status io_read_more(int fd, void *buf, size_t want, size_t *have, int64_t deadline_ms);

/* The status for a log line ("timed out", "closed by the peer", strerror). */
const char *io_status_text(enum io_status st);

/* Sets O_NONBLOCK and FD_CLOEXEC; 0, or -1 with errno. */
int io_set_nonblocking(int fd);

#endif
