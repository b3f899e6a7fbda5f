/* The transports virtio_init starts, each finding its own devices. */
#ifndef VIRTIO_TRANSPORTS_H
#define VIRTIO_TRANSPORTS_H

#include <kernel/types.h>

/* One little-endian field of 1, 2 or 4 bytes of a device configuration
 * window, read with a single access of that width (as both transports ask). */
static inline uint32_t virtio_window_read(volatile uint8_t *p, unsigned width)
{
    switch (width) {
    case 1: return *p;
    case 2: return *(volatile uint16_t *)p;
    default: return *(volatile uint32_t *)p;
    }
}

/* The devices of the kernel command line (virtio_mmio.device=). */
void virtio_mmio_init(void);
/* Registers the virtio-pci driver with the PCI bus. */
void virtio_pci_init(void);

#endif
