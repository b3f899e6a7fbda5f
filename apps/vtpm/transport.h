/* Transports: where the data and control channels come from.
 *
 * An endpoint is configured from a swtpm-style spec string:
 *   type=tcp,port=N[,bindaddr=A]   listen on TCP (default address 127.0.0.1)
 *   type=unixio,path=P              listen on a Unix stream socket
 *   type=dev,path=P                 a character device used for both directions
 *   type=dev,in=P,out=Q             separate read and write paths (FIFOs)
 *   type=fd,fd=N                    an inherited descriptor for both directions
 *   type=fd,in=N,out=M              inherited read and write descriptors (pipes)
 * Listening endpoints yield one channel per client connection.  Device
 * endpoints yield one persistent channel, reopened if it fails.  Descriptor
 * endpoints yield one persistent channel that cannot be reopened. */
#ifndef VTPM_TRANSPORT_H
#define VTPM_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TRANSPORT_PATH_MAX 256

struct channel {
    int in_fd;
    int out_fd;          /* may equal in_fd */
    bool can_pass_fd;    /* Unix socket: descriptors travel with messages */
    bool persistent;     /* a device: never "disconnects"; resync instead */
    char peer[2 * TRANSPORT_PATH_MAX + 16]; /* for logs */
};

struct endpoint;

struct transport_ops {
    const char *type;
    bool listens;        /* poll listen_fd, then accept; else open yields the channel */
    bool reopens;        /* not listening: accept may be called again after the
                          * channel closed (a device path); else it is called
                          * once, and losing that channel ends the service */
    int (*open)(struct endpoint *ep);
    /* listening: accept one client; device: open the channel */
    int (*accept)(struct endpoint *ep, struct channel *ch);
    void (*close)(struct endpoint *ep);
};

struct endpoint {
    const struct transport_ops *ops;
    const char *role;    /* "data" or "ctrl", for logs */
    char addr[64];
    uint16_t port;
    char path[TRANSPORT_PATH_MAX];
    char in_path[TRANSPORT_PATH_MAX];
    char out_path[TRANSPORT_PATH_MAX];
    int in_fd, out_fd;   /* type=fd: the inherited descriptors */
    int listen_fd;
    bool handed_out;     /* the server has taken the channel (see reopens) */
    bool svsm;           /* framing=svsm: data in the SVSM vTPM layout */
};

extern const struct transport_ops transport_tcp;
extern const struct transport_ops transport_unix;
extern const struct transport_ops transport_dev;
extern const struct transport_ops transport_fd;

/* Parses `spec` into `ep`; 0, or -1 with the reason logged. */
int endpoint_parse(const char *spec, const char *role, struct endpoint *ep);

/* True if both are type=fd endpoints with a descriptor in common. */
bool endpoints_share_fd(const struct endpoint *a, const struct endpoint *b);

void channel_close(struct channel *ch);

/* Reads what is available (at most len).  On a channel that can pass
 * descriptors, a received one is stored in *fd (else *fd is untouched); the
 * caller owns it.  Returns bytes read, 0 at end of stream, -1 on error. */
ssize_t channel_read(struct channel *ch, uint8_t *buf, size_t len, int *fd);

/* Writes all of buf; 0, or -1 if the peer is gone. */
int channel_write(struct channel *ch, const uint8_t *buf, size_t len);

#endif
