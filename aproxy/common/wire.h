/* Frames on a byte stream (the virtio-console port, its QEMU chardev socket,
 * a pipe): a 4-byte big-endian length, then that many bytes of one CBOR
 * message (msg.h). */
#ifndef APROXY_WIRE_H
#define APROXY_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum wire_status {
    WIRE_OK = 0,
    WIRE_EOF = -1,        /* the stream ended between frames */
    WIRE_ERROR = -2,      /* read failed or the stream ended inside a frame (errno kept) */
    WIRE_TOO_LARGE = -3,  /* the frame was over the limit; its bytes were read and dropped */
};

/* Reads one frame into buf (cap bytes at most); *len gets its length.  A
 * frame longer than cap is read to its end and discarded, so the stream stays
 * in step and the caller can answer with an error. */
enum wire_status wire_read(int fd, uint8_t *buf, size_t cap, size_t *len);

/* Writes all of buf; 0 or -1 (errno set). */
int wire_write(int fd, const uint8_t *buf, size_t len);

#endif
