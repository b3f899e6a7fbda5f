/* The IDT: one gate per vector, all pointing at the stubs of isr.S.  Gates
 * are interrupt gates (IF cleared on entry); handlers that may sleep or run
 * long re-enable interrupts themselves.  Vector 3 (breakpoint) is reachable
 * from user mode so that int3 in a user program raises SIGTRAP there. */
#include <arch/boot_layout.h>
#include <arch/trap.h>

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t zero;
} __packed;

extern const uint64_t isr_stub_table[256];
int tss_ist_for_vector(unsigned vector);

static struct idt_gate idt[256];

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++) {
        uint64_t a = isr_stub_table[v];
        unsigned dpl = v == 3 ? 3 : 0;
        idt[v] = (struct idt_gate){
            .offset_low = a & 0xffff,
            .selector = GDT_KERNEL_CS,
            .ist = (uint8_t)tss_ist_for_vector(v),
            .type_attr = (uint8_t)(0x8e | (dpl << 5)), /* present, 64-bit interrupt gate */
            .offset_mid = (a >> 16) & 0xffff,
            .offset_high = a >> 32,
        };
    }
    idt_load();
}

void idt_load(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed p = {sizeof idt - 1, (uint64_t)idt};
    /* Loads the IDT register.  Clobbers: memory (the table must be written first). */
    __asm__ volatile("lidt %0" ::"m"(p) : "memory");
}
