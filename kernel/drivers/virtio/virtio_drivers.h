/* The virtio device drivers virtio_init knows, one per device ID. */
#ifndef VIRTIO_DRIVERS_H
#define VIRTIO_DRIVERS_H

#include <drivers/virtio.h>

extern const struct virtio_driver virtio_blk_driver;
extern const struct virtio_driver virtio_console_driver;
extern const struct virtio_driver virtio_rng_driver;

#endif
