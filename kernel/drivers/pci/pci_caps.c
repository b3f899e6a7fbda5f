/* What a function's configuration header describes: its capability list and
 * its BARs.  Only configuration reads and writes, so host unit tests run
 * this file against a simulated configuration space. */
#include <drivers/pci.h>

#define CAP_MAX_ENTRIES 48 /* (256 - 64) / 4: more means the list loops */

unsigned pci_find_cap(const struct pci_dev *d, uint8_t cap_id, unsigned after)
{
    if (!(pci_cfg_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return 0;
    unsigned pos = after ? pci_cfg_read8(d, after + 1) : pci_cfg_read8(d, PCI_CAPABILITY_LIST);
    for (int n = 0; n < CAP_MAX_ENTRIES; n++) {
        pos &= 0xfc; /* the bottom two bits are reserved */
        if (pos < 0x40)
            return 0; /* 0 ends the list; anything else below 0x40 is the header, not a capability */
        if (pci_cfg_read8(d, pos) == cap_id)
            return pos;
        pos = pci_cfg_read8(d, pos + 1);
    }
    return 0;
}

#define BAR_IO 0x1
#define BAR_MEM_TYPE_MASK 0x6
#define BAR_MEM_TYPE_64 0x4

void pci_read_bars(struct pci_dev *d)
{
    unsigned n = d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : 0;
    uint16_t cmd = pci_cfg_read16(d, PCI_COMMAND);
    /* While a BAR holds all ones it would decode addresses it does not own. */
    pci_cfg_write16(d, PCI_COMMAND, cmd & (uint16_t)~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    for (unsigned i = 0; i < n; i++) {
        unsigned off = PCI_BAR0 + 4 * i;
        struct pci_bar *b = &d->bars[i];
        *b = (struct pci_bar){0};
        uint32_t lo = pci_cfg_read32(d, off);
        pci_cfg_write32(d, off, 0xffffffffu);
        uint32_t lo_mask = pci_cfg_read32(d, off);
        pci_cfg_write32(d, off, lo);
        if (lo & BAR_IO) {
            uint32_t mask = lo_mask & ~0x3u & 0xffffu;
            b->io = true;
            b->addr = lo & ~0x3u;
            b->size = mask ? (~mask & 0xffffu) + 1 : 0;
            continue;
        }
        uint64_t addr = lo & ~0xfu, mask = (lo_mask & ~0xfu) | 0xffffffff00000000ull;
        if ((lo & BAR_MEM_TYPE_MASK) == BAR_MEM_TYPE_64 && i + 1 < n) {
            uint32_t hi = pci_cfg_read32(d, off + 4);
            pci_cfg_write32(d, off + 4, 0xffffffffu);
            uint32_t hi_mask = pci_cfg_read32(d, off + 4);
            pci_cfg_write32(d, off + 4, hi);
            addr |= (uint64_t)hi << 32;
            mask = (lo_mask & ~0xfull) | (uint64_t)hi_mask << 32;
            b->is64 = true;
            d->bars[i + 1] = (struct pci_bar){0};
        }
        b->addr = addr;
        /* a 32-bit BAR that reads back 0 is not implemented */
        bool implemented = b->is64 ? mask != 0 : (mask & 0xffffffffu) != 0;
        b->size = implemented ? ~mask + 1 : 0;
        if (b->is64)
            i++; /* the upper half is not a BAR of its own */
    }
    pci_cfg_write16(d, PCI_COMMAND, cmd);
}
