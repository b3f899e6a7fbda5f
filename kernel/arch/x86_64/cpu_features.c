/* CPU feature detection and enabling (see arch/cpu_features.h). */
#include <arch/cpu.h>
#include <arch/cpu_features.h>
#include <kernel/printk.h>

#define CR4_PGE (1ull << 7)
#define CR4_UMIP (1ull << 11)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define MSR_EFER 0xc0000080
#define EFER_NXE (1ull << 11)

struct cpu_features cpu_has;
uint8_t uaccess_smap; /* read by arch/x86_64/uaccess.S: stac/clac only with SMAP */

void cpu_features_init(void)
{
    uint32_t a, b, c, d, max;
    cpuid(0, 0, &max, &b, &c, &d);
    cpuid(1, 0, &a, &b, &c, &d);
    cpu_has.x2apic = c & (1u << 21);
    cpu_has.xsave = c & (1u << 26);
    cpu_has.avx = c & (1u << 28);
    cpu_has.rdrand = c & (1u << 30);
    cpu_has.pge = d & (1u << 13);
    if (max >= 7) {
        cpuid(7, 0, &a, &b, &c, &d);
        cpu_has.fsgsbase = b & (1u << 0);
        cpu_has.smep = b & (1u << 7);
        cpu_has.rdseed = b & (1u << 18);
        cpu_has.smap = b & (1u << 20);
        cpu_has.umip = c & (1u << 2);
    }
    cpuid(0x80000000, 0, &max, &b, &c, &d);
    if (max >= 0x80000007) {
        cpuid(0x80000007, 0, &a, &b, &c, &d);
        cpu_has.invariant_tsc = d & (1u << 8);
    }
    cpu_has.nx = rdmsr(MSR_EFER) & EFER_NXE;
    cpu_features_enable_cpu();
}

void cpu_features_enable_cpu(void)
{
    uint64_t cr4 = read_cr4();
    if (cpu_has.pge)
        cr4 |= CR4_PGE;
    if (cpu_has.smep)
        cr4 |= CR4_SMEP;
    if (cpu_has.smap) {
        cr4 |= CR4_SMAP;
        uaccess_smap = 1; /* the same on every CPU: QEMU's vCPUs are alike */
    }
    if (cpu_has.umip)
        cr4 |= CR4_UMIP;
    write_cr4(cr4);
}

void cpu_features_describe(char *buf, size_t size)
{
    static const struct {
        const char *name;
        size_t offset;
    } names[] = {
#define F(x) {#x, offsetof(struct cpu_features, x)}
        F(nx), F(pge), F(smep), F(smap), F(umip), F(x2apic), F(xsave), F(avx), F(rdrand), F(rdseed),
        F(invariant_tsc), F(fsgsbase),
#undef F
    };
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (*((const bool *)&cpu_has + names[i].offset) && n < size)
            n += (size_t)ksnprintf(buf + n, size - n, "%s%s", n ? " " : "", names[i].name);
}
