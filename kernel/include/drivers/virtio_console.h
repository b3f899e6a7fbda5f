/* virtio-console with VIRTIO_CONSOLE_F_MULTIPORT: every named port is a
 * character device /dev/port/<name> (major 250, minor = port id).  QEMU:
 *   -device virtio-serial-device
 *   -device virtserialport,chardev=c0,name=org.nutshell.tpm-data
 *
 * Semantics (docs/devices.md has the full contract):
 *   open      the first one tells the host the guest side is open
 *             (PORT_OPEN 1), and it stays open: bytes sent while no program
 *             has the port open wait in its buffers for the next opener.
 *   read      buffered bytes first; each host disconnect is a hang-up after
 *             the bytes of the client that left: once those are read, one
 *             read returns 0 (EOF) and the hang-up is consumed; then reads
 *             block (O_NONBLOCK: EAGAIN) until the host reconnects and sends.
 *   write     -EPIPE while the host is disconnected or a hang-up has not been
 *             read yet (the response to a command of a vanished client is
 *             never delivered to the next one); otherwise blocks while every
 *             transmit buffer is in flight (O_NONBLOCK: EAGAIN, or a short
 *             count): back-pressure, no byte is dropped.
 *   poll      POLLIN: bytes or an EOF to read; POLLHUP: an unread hang-up;
 *             POLLOUT: a write would move bytes now; POLLERR: device broken.
 *   errors    EIO once the device is broken, ENODEV once the port was removed. */
#ifndef DRIVERS_VIRTIO_CONSOLE_H
#define DRIVERS_VIRTIO_CONSOLE_H

#define VIRTIO_CONSOLE_MAJOR 250
#define VIRTIO_CONSOLE_MAX_PORTS 16 /* ports with ids beyond are refused */
/* Receive buffers per port: QEMU moves at most 4 KiB from a client's socket
 * per main-loop turn and stops reading it when the guest has no buffer, so a
 * streaming host goes as fast as the guest keeps buffers ahead of it (8: 145
 * MB/s, 32: 175, 64: 190 under TCG; 128 no faster).  Transmit buffers: QEMU
 * writes a guest's buffer to the socket within the notify, so few suffice. */
#define VIRTIO_PORT_RX_BUFS 64
#define VIRTIO_PORT_RX_ORDER 6 /* 2^6 pages */
#define VIRTIO_PORT_RX_MIN_ORDER 3 /* on machines under 32 MiB: fewer, see port_add */
#define VIRTIO_PORT_TX_BUFS 8
#define VIRTIO_PORT_TX_ORDER 3
#define VIRTIO_PORT_BUF_SIZE 4096

#endif
