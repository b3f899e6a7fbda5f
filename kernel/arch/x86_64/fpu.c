/* User FPU state (see arch/fpu.h). */
#include <arch/cpu.h>
#include <arch/cpu_features.h>
#include <arch/fpu.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/slab.h>

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)
#define XCR0_X87 1ull
#define XCR0_SSE 2ull
#define XCR0_AVX 4ull

static struct kmem_cache *fpu_cache;
static size_t area_size = 512;
static bool use_xsave;
static uint64_t xcr0;
static uint8_t initial_state[4096] __attribute__((aligned(64)));

static inline uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }

void fpu_save(void *area)
{
    if (use_xsave)
        /* Saves the components in edx:eax (all enabled).  Clobbers: memory (the area). */
        __asm__ volatile("xsave64 (%0)" ::"r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)) : "memory");
    else
        __asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

void fpu_restore(const void *area)
{
    if (use_xsave)
        /* Loads the components in edx:eax.  Clobbers: the FPU/SSE/AVX registers (not visible to C here). */
        __asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)) : "memory");
    else
        __asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

void fpu_init_cpu(void)
{
    write_cr0((read_cr0() | CR0_MP) & ~(CR0_EM | CR0_TS));
    uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (cpu_has.xsave)
        cr4 |= CR4_OSXSAVE;
    write_cr4(cr4);
    if (cpu_has.xsave)
        /* Sets XCR0.  Clobbers: nothing else. */
        __asm__ volatile("xsetbv" ::"c"(0), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)));
}

int fpu_init(void)
{
    if (cpu_has.xsave)
        xcr0 = XCR0_X87 | XCR0_SSE | (cpu_has.avx ? XCR0_AVX : 0);
    fpu_init_cpu();
    if (cpu_has.xsave) {
        uint32_t a, b, c, d;
        cpuid(0xd, 0, &a, &b, &c, &d);
        if (b >= 576 && b <= sizeof initial_state) {
            area_size = b;
            use_xsave = true;
        }
    }
    /* The clean state every new program starts from.  Clobbers: x87/SSE state. */
    uint32_t mxcsr = 0x1f80;
    __asm__ volatile("fninit; ldmxcsr %0" ::"m"(mxcsr));
    memset(initial_state, 0, sizeof initial_state);
    fpu_save(initial_state);
    fpu_cache = kmem_cache_create("fpu", area_size, 64);
    return fpu_cache ? 0 : -ENOMEM;
}

size_t fpu_area_size(void)
{
    return area_size;
}

void *fpu_alloc_copy(const void *src)
{
    void *a = kmem_cache_alloc(fpu_cache);
    if (a)
        memcpy(a, src, area_size);
    return a;
}

void *fpu_alloc_initial(void)
{
    return fpu_alloc_copy(initial_state);
}

void fpu_free(void *area)
{
    if (area)
        kmem_cache_free(fpu_cache, area);
}

void fpu_sanitize(void *area)
{
    uint8_t *a = area;
    /* MXCSR (offset 24) may only hold bits the CPU supports (MXCSR_MASK at
     * offset 28 of the boot image), else fxrstor/xrstor faults. */
    uint32_t mask = *(uint32_t *)(initial_state + 28);
    if (!mask)
        mask = 0xffbf;
    *(uint32_t *)(a + 24) &= mask;
    if (use_xsave) {
        /* XSAVE header at 512: only enabled components, standard format, reserved bytes zero. */
        *(uint64_t *)(a + 512) &= xcr0;
        memset(a + 520, 0, 56);
    }
}
