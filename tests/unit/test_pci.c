/* Host tests of the PCI capability walk and BAR sizing
 * (kernel/drivers/pci/pci_caps.c) against a simulated configuration space:
 * a byte blob whose BAR registers answer the all-ones write as hardware
 * does (the size's low bits read back as zero, the type bits stay). */
#include "unit.h"

#include <drivers/pci.h>
#include <string.h>

static uint8_t space[256];
/* Per BAR register (six 32-bit slots): the address bits that read back after
 * a write of all ones, and the type bits that always read back (0 and 0
 * for an unimplemented register). */
static uint32_t bar_mask[6], bar_type[6];
static unsigned writes_with_decode_on;

static uint32_t get(unsigned off, unsigned width)
{
    uint32_t v = 0;
    memcpy(&v, space + off, width);
    return v;
}

uint8_t pci_cfg_read8(const struct pci_dev *d, unsigned off)
{
    (void)d;
    return (uint8_t)get(off, 1);
}

uint16_t pci_cfg_read16(const struct pci_dev *d, unsigned off)
{
    (void)d;
    return (uint16_t)get(off, 2);
}

uint32_t pci_cfg_read32(const struct pci_dev *d, unsigned off)
{
    (void)d;
    return get(off, 4);
}

void pci_cfg_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
    (void)d;
    memcpy(space + off, &v, 2);
}

void pci_cfg_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
    (void)d;
    if (off >= PCI_BAR0 && off < PCI_BAR0 + 24) {
        if (get(PCI_COMMAND, 2) & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
            writes_with_decode_on++;
        unsigned i = (off - PCI_BAR0) / 4;
        v = (v & bar_mask[i]) | bar_type[i];
    }
    memcpy(space + off, &v, 4);
}

static struct pci_dev dev = {.header_type = 0};

/* type_bits: how many low bits are type bits (4 memory, 2 I/O, 0 for the
 * upper half of a 64-bit BAR). */
static void put_bar(unsigned i, uint32_t value, uint32_t mask, unsigned type_bits)
{
    memcpy(space + PCI_BAR0 + 4 * i, &value, 4);
    bar_type[i] = value & ((1u << type_bits) - 1);
    bar_mask[i] = mask & ~((1u << type_bits) - 1);
}

/* A list: 0x40 vendor -> 0x50 MSI-X -> 0x60 vendor -> end */
static void setup_caps(void)
{
    memset(space, 0, sizeof space);
    space[PCI_STATUS] = PCI_STATUS_CAP_LIST;
    space[PCI_CAPABILITY_LIST] = 0x40;
    space[0x40] = PCI_CAP_ID_VENDOR, space[0x41] = 0x50;
    space[0x50] = PCI_CAP_ID_MSIX, space[0x51] = 0x60;
    space[0x60] = PCI_CAP_ID_VENDOR, space[0x61] = 0x00;
}

static void test_caps_found_in_order(void)
{
    setup_caps();
    CHECK_EQ(pci_find_cap(&dev, PCI_CAP_ID_VENDOR, 0), 0x40);
    CHECK_EQ(pci_find_cap(&dev, PCI_CAP_ID_VENDOR, 0x40), 0x60);
    CHECK_EQ(pci_find_cap(&dev, PCI_CAP_ID_VENDOR, 0x60), 0);
    CHECK_EQ(pci_find_cap(&dev, PCI_CAP_ID_MSIX, 0), 0x50);
    CHECK_EQ(pci_find_cap(&dev, 0x05, 0), 0); /* MSI: absent */
}

static void test_caps_without_list_bit(void)
{
    setup_caps();
    space[PCI_STATUS] = 0;
    CHECK_EQ(pci_find_cap(&dev, PCI_CAP_ID_VENDOR, 0), 0);
}

static void test_caps_loop_ends(void)
{
    setup_caps();
    space[0x61] = 0x40; /* back to the first */
    CHECK_EQ(pci_find_cap(&dev, 0x05, 0), 0);
    space[0x61] = 0x60; /* to itself */
    CHECK_EQ(pci_find_cap(&dev, 0x05, 0), 0);
}

static void test_caps_pointer_into_header_ends(void)
{
    setup_caps();
    space[0x41] = 0x10; /* a BAR is not a capability */
    CHECK_EQ(pci_find_cap(&dev, PCI_CAP_ID_MSIX, 0), 0);
}

static void test_caps_reserved_pointer_bits_ignored(void)
{
    setup_caps();
    space[0x41] = 0x53;
    CHECK_EQ(pci_find_cap(&dev, PCI_CAP_ID_MSIX, 0), 0x50);
}

static void setup_bars(void)
{
    memset(space, 0, sizeof space);
    writes_with_decode_on = 0;
    space[PCI_COMMAND] = PCI_COMMAND_MEMORY | PCI_COMMAND_IO | PCI_COMMAND_MASTER;
    put_bar(0, 0xfebf1000, 0xfffff000, 4); /* 32-bit memory, 4 KiB */
    put_bar(1, 0xc041, 0xffffffe0, 2);     /* I/O, 32 ports (bit 0: I/O) */
    put_bar(2, 0x0000000c, 0xffffc000, 4); /* 64-bit prefetchable, 16 KiB ... */
    put_bar(3, 0x00000080, 0xffffffff, 0); /* ... at 0x80_0000_0000 */
    put_bar(4, 0x00000004, 0x00000000, 4); /* 64-bit, 8 GiB: no address bit in the low half ... */
    put_bar(5, 0x00000002, 0xfffffffe, 0); /* ... the high half says 2^33; at 8 GiB */
}

static void test_bars_sized(void)
{
    setup_bars();
    pci_read_bars(&dev);
    CHECK(!dev.bars[0].io && !dev.bars[0].is64);
    CHECK_EQ(dev.bars[0].addr, 0xfebf1000);
    CHECK_EQ(dev.bars[0].size, 0x1000);
    CHECK(dev.bars[1].io);
    CHECK_EQ(dev.bars[1].addr, 0xc040);
    CHECK_EQ(dev.bars[1].size, 0x20);
    CHECK(dev.bars[2].is64);
    CHECK_EQ(dev.bars[2].addr, 0x8000000000ull);
    CHECK_EQ(dev.bars[2].size, 0x4000);
    CHECK_EQ(dev.bars[3].size, 0); /* the upper half is not a BAR */
    CHECK(dev.bars[4].is64);
    CHECK_EQ(dev.bars[4].addr, 0x200000000ull);
    CHECK_EQ(dev.bars[4].size, 0x200000000ull);
}

static void test_bars_restored_and_decode_off_while_sizing(void)
{
    setup_bars();
    uint8_t before[256];
    memcpy(before, space, sizeof space);
    pci_read_bars(&dev);
    CHECK(memcmp(before, space, sizeof space) == 0);
    CHECK_EQ(writes_with_decode_on, 0);
}

static void test_unimplemented_bars(void)
{
    setup_bars();
    memset(bar_mask, 0, sizeof bar_mask);
    memset(bar_type, 0, sizeof bar_type);
    memset(space + PCI_BAR0, 0, 24);
    pci_read_bars(&dev);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(dev.bars[i].size, 0);
}

static void test_bridge_has_two_bars(void)
{
    setup_bars();
    struct pci_dev bridge = {.header_type = 1};
    pci_read_bars(&bridge);
    CHECK_EQ(bridge.bars[0].size, 0x1000);
    CHECK_EQ(bridge.bars[1].size, 0x20);
    CHECK_EQ(bridge.bars[2].size, 0); /* offset 0x18 is the bus numbers on a bridge */
}

int main(void)
{
    return unit_main("pci", (struct unit_test[]){
        UNIT(test_caps_found_in_order),
        UNIT(test_caps_without_list_bit),
        UNIT(test_caps_loop_ends),
        UNIT(test_caps_pointer_into_header_ends),
        UNIT(test_caps_reserved_pointer_bits_ignored),
        UNIT(test_bars_sized),
        UNIT(test_bars_restored_and_decode_off_while_sizing),
        UNIT(test_unimplemented_bars),
        UNIT(test_bridge_has_two_bars),
        {0},
    });
}
