/* The debug kernel's lock checker: a small lockdep (kernel/spinlock.h hooks).
 *
 * Locks are grouped into classes: all locks initialised at one place
 * (SPINLOCK_INIT records __FILE__:__LINE__) are one class; so are zeroed
 * locks (kzalloc) at the same offset in objects allocated at the same place,
 * and other zeroed locks first taken at the same place.  Three things are
 * checked:
 *
 *  - rank: the documented order (enum lock_rank: subsystem, sched_lock,
 *    run queues, allocators, the log) may never be walked backwards: taking a lock of a
 *    lower rank than one held is reported the first time it happens.
 *  - order: taking class B while holding class A records the edge A -> B.
 *    A new edge that closes a cycle (B -> ... -> A was seen before) is an
 *    inversion, a deadlock waiting for two CPUs or an interrupt; the report
 *    names both locks and where the opposite order was first seen.  Nesting
 *    two locks of one class (a parent's and a child's) records nothing.
 *  - interrupt safety: a class taken by an interrupt handler that is also
 *    held with interrupts on deadlocks the CPU the day the interrupt comes
 *    while it is held.
 *
 * The graph is global and guarded by graph_lock, a bare flag with interrupts
 * off (lockdep cannot use the locks it checks); reports are printed after it
 * is dropped.  The locks a CPU holds are per-CPU state (an array indexed by
 * the CPU's number): a run queue's lock is held across a context switch, so held locks belong to the
 * CPU, not to a thread. */
#ifdef KDEBUG
#include <arch/cpu.h>
#include <kernel/backtrace.h>
#include <kernel/kdebug.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <mm/slab.h>

#define MAX_CLASSES 256
#define MAX_HELD 24
#define MAX_EDGES 2048

struct lock_class {
    const char *init_site; /* "file:line" of SPINLOCK_INIT, or NULL */
    uintptr_t alloc_site;  /* zeroed lock in a slab object: who allocated it */
    size_t offset;         /* and where the lock is in it */
    uintptr_t first_site;  /* other zeroed locks: where first taken */
    uint32_t rank;         /* enum lock_rank */
    uintptr_t irq_site;    /* where first taken by an interrupt handler, or 0 */
    uintptr_t irqs_on_site; /* where first taken with interrupts on, or 0 */
};

struct held_lock {
    const spinlock_t *lock;
    uint32_t class_id;
    uintptr_t site;
};

struct lockdep_cpu {
    unsigned n_held;
    struct held_lock held[MAX_HELD];
    unsigned irq_depth; /* nested interrupt handlers running */
};

/* Each CPU's entry is touched only by that CPU with interrupts off. */
static struct lockdep_cpu cpus[MAX_CPUS];
static struct lockdep_cpu *lockdep_cpu_self(void) { return &cpus[this_cpu()->index]; }

/* All below: graph_lock. */
static volatile uint32_t graph_lock;
/* The CPU holding graph_lock, plus 1 (0: none).  A fault inside the checker
 * (a lock in freed memory) reaches the exception report's printk, whose lock
 * the checker would look at again: that CPU must not spin on graph_lock it
 * already holds, or the report is never printed and the machine goes silent. */
static volatile uint32_t graph_owner;
static struct lock_class classes[MAX_CLASSES + 1]; /* class ids start at 1 */
static uint32_t n_classes;
static uint64_t after[MAX_CLASSES + 1][(MAX_CLASSES + 1 + 63) / 64]; /* after[a] bit b: edge a -> b */
static struct {
    uint16_t from, to;
    uintptr_t site; /* where `to` was first taken while holding `from` */
} edges[MAX_EDGES];
static unsigned n_edges;
static bool full; /* a table overflowed: checking stopped (reported once) */
static uint16_t dfs_parent[MAX_CLASSES + 1], dfs_stack[MAX_CLASSES + 1];
static uint64_t dfs_seen[(MAX_CLASSES + 1 + 63) / 64];

static uint64_t graph_acquire(void)
{
    uint64_t flags = irq_save();
    while (__atomic_exchange_n(&graph_lock, 1, __ATOMIC_ACQUIRE))
        cpu_relax();
    __atomic_store_n(&graph_owner, this_cpu()->index + 1, __ATOMIC_RELAXED);
    return flags;
}

static void graph_release(uint64_t flags)
{
    __atomic_store_n(&graph_owner, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&graph_lock, 0, __ATOMIC_RELEASE);
    irq_restore(flags);
}

/* Whether this CPU is inside the checker already (an exception taken under
 * graph_lock): the checks are skipped then, so the exception is reported. */
static bool graph_held_here(void)
{
    return __atomic_load_n(&graph_owner, __ATOMIC_RELAXED) == this_cpu()->index + 1;
}

static bool test_bit(const uint64_t *set, unsigned i) { return set[i / 64] >> (i % 64) & 1; }
static void set_bit(uint64_t *set, unsigned i) { set[i / 64] |= 1ull << (i % 64); }

static bool same_class(const struct lock_class *a, const struct lock_class *b)
{
    if (a->init_site || b->init_site)
        return a->init_site && b->init_site && !strcmp(a->init_site, b->init_site);
    if (a->alloc_site || b->alloc_site)
        return a->alloc_site == b->alloc_site && a->offset == b->offset;
    return a->first_site == b->first_site;
}

/* The class of l, created on first use; 0 when the table is full or l is
 * not a lock (*corrupt set).  graph_lock. */
static uint32_t class_of(spinlock_t *l, uintptr_t site, bool *corrupt)
{
    if (l->class_id && l->class_id <= n_classes)
        return l->class_id;
    if (l->class_id || l->rank > LOCK_RANK_LOG) {
        /* Only class_of sets class_id, to a class that exists: this lock's
         * memory was freed (poisoned) or overwritten.  Its init_site is no
         * string to compare. */
        *corrupt = true;
        return 0;
    }
    struct lock_class key = {.init_site = l->init_site, .first_site = site, .rank = l->rank};
    if (!key.init_site)
        slab_kdebug_origin(l, &key.alloc_site, &key.offset);
    for (uint32_t i = 1; i <= n_classes; i++)
        if (same_class(&classes[i], &key))
            return l->class_id = i;
    if (n_classes == MAX_CLASSES)
        return 0;
    classes[++n_classes] = key;
    return l->class_id = n_classes;
}

/* Is `to` reachable from `from`?  Leaves the path in dfs_parent.  graph_lock. */
static bool reachable(uint32_t from, uint32_t to)
{
    memset(dfs_seen, 0, sizeof dfs_seen);
    unsigned top = 0;
    dfs_stack[top++] = (uint16_t)from;
    set_bit(dfs_seen, from);
    while (top) {
        uint32_t a = dfs_stack[--top];
        for (uint32_t b = 1; b <= n_classes; b++) {
            if (!test_bit(after[a], b) || test_bit(dfs_seen, b))
                continue;
            dfs_parent[b] = (uint16_t)a;
            if (b == to)
                return true;
            set_bit(dfs_seen, b);
            dfs_stack[top++] = (uint16_t)b;
        }
    }
    return false;
}

static uintptr_t edge_site(uint32_t from, uint32_t to)
{
    for (unsigned i = 0; i < n_edges; i++)
        if (edges[i].from == from && edges[i].to == to)
            return edges[i].site;
    return 0;
}

/* What one acquisition found wrong, printed once graph_lock is dropped. */
struct finding {
    enum { NOTHING, RANK, INVERSION, IRQ_UNSAFE, TOO_MANY_HELD, TABLES_FULL, CORRUPT } kind;
    uint32_t held_class, new_class;
    uintptr_t held_site, other_site;
    struct lock_class held, taken;
    uint32_t path[8]; /* the earlier order new -> ... -> held, new first */
    unsigned path_len;
    const void *lock;               /* CORRUPT: the lock */
    uint32_t lock_class, lock_rank; /* CORRUPT: its garbage */
};

static void note_inversion(struct finding *f, uint32_t held, uint32_t taking, uintptr_t held_site)
{
    f->kind = INVERSION;
    f->held_class = held;
    f->new_class = taking;
    f->held_site = held_site;
    /* Walk the path back from `held` to `taking` (dfs_parent), keeping the
     * last few classes. */
    uint32_t rev[MAX_CLASSES + 1];
    unsigned n = 0;
    for (uint32_t c = held; n <= MAX_CLASSES; c = dfs_parent[c]) {
        rev[n++] = c;
        if (c == taking)
            break;
    }
    f->path_len = MIN(n, (unsigned)ARRAY_SIZE(f->path));
    for (unsigned i = 0; i < f->path_len; i++)
        f->path[i] = rev[n - 1 - i];
    f->other_site = edge_site(rev[n - 1], rev[n >= 2 ? n - 2 : 0]);
}

/* Records the edges from every held class to c; graph_lock. */
static void add_order(struct lockdep_cpu *cpu, uint32_t c, uintptr_t site, struct finding *f)
{
    for (unsigned i = 0; i < cpu->n_held; i++) {
        uint32_t h = cpu->held[i].class_id;
        if (!h || h == c || test_bit(after[h], c))
            continue;
        if (f->kind == NOTHING && classes[h].rank > classes[c].rank) {
            f->kind = RANK;
            f->held_class = h;
            f->held_site = cpu->held[i].site;
        } else if (f->kind == NOTHING && reachable(c, h)) {
            note_inversion(f, h, c, cpu->held[i].site);
        }
        if (n_edges == MAX_EDGES) {
            full = true;
            f->kind = TABLES_FULL;
            return;
        }
        set_bit(after[h], c);
        edges[n_edges].from = (uint16_t)h;
        edges[n_edges].to = (uint16_t)c;
        edges[n_edges++].site = site;
    }
}

static void check_irq_safety(struct lockdep_cpu *cpu, uint32_t c, uintptr_t site, bool irqs_on, struct finding *f)
{
    struct lock_class *k = &classes[c];
    if (cpu->irq_depth) {
        if (!k->irq_site) {
            k->irq_site = site;
            if (k->irqs_on_site && f->kind == NOTHING) {
                f->kind = IRQ_UNSAFE;
                f->other_site = k->irqs_on_site;
            }
        }
    } else if (irqs_on && !k->irqs_on_site) {
        k->irqs_on_site = site;
        if (k->irq_site && f->kind == NOTHING) {
            f->kind = IRQ_UNSAFE;
            f->other_site = k->irq_site;
        }
    }
}

static void class_name(const struct lock_class *k, char *buf, size_t n)
{
    uint64_t off;
    const char *sym = ksym_lookup(k->alloc_site ? k->alloc_site : k->first_site, &off);
    if (k->init_site)
        ksnprintf(buf, n, "%s", k->init_site);
    else if (k->alloc_site && sym)
        ksnprintf(buf, n, "zeroed lock at +%zu in objects from %s+0x%lx", k->offset, sym, off);
    else if (k->alloc_site)
        ksnprintf(buf, n, "zeroed lock at +%zu in objects from %lx", k->offset, (unsigned long)k->alloc_site);
    else if (sym)
        ksnprintf(buf, n, "zeroed lock first taken in %s+0x%lx", sym, off);
    else
        ksnprintf(buf, n, "zeroed lock first taken at %lx", (unsigned long)k->first_site);
}

static const char *rank_name(uint32_t rank)
{
    static const char *const names[] = {"a subsystem's lock", "sched_lock", "a run queue's lock", "an allocator's lock",
                                         "the log's lock"};
    return rank < ARRAY_SIZE(names) ? names[rank] : "?";
}

static void report(const struct finding *f, uintptr_t site)
{
    char taken[96], held[96];
    class_name(&f->taken, taken, sizeof taken);
    class_name(&f->held, held, sizeof held);
    switch (f->kind) {
    case RANK:
        if (!kdebug_report_begin("lock order against the documented one: taking %s (%s) while holding %s (%s)",
                                 taken, rank_name(f->taken.rank), held, rank_name(f->held.rank)))
            return;
        kdebug_report_site("taken at", site);
        kdebug_report_site("held since", f->held_site);
        kdebug_report_detail("the order is: a subsystem's lock, sched_lock, a run queue's lock, the allocators' locks, the log's lock");
        break;
    case INVERSION:
        if (!kdebug_report_begin("lock order inversion: taking %s while holding %s", taken, held))
            return;
        kdebug_report_site("taken at", site);
        kdebug_report_site("held since", f->held_site);
        kdebug_report_detail("the opposite order was seen before (%u locks on the path):", f->path_len);
        for (unsigned i = 0; i < f->path_len; i++) {
            char name[96];
            uint64_t flags = graph_acquire();
            struct lock_class k = classes[f->path[i]];
            graph_release(flags);
            class_name(&k, name, sizeof name);
            kdebug_report_detail("  %s%s", i ? "then " : "", name);
        }
        kdebug_report_site("first taken in that order at", f->other_site);
        break;
    case IRQ_UNSAFE:
        if (!kdebug_report_begin("lock %s is taken by an interrupt handler and held with interrupts on", taken))
            return;
        kdebug_report_site("taken at", site);
        kdebug_report_site("the other use at", f->other_site);
        break;
    case TOO_MANY_HELD:
        if (!kdebug_report_begin("more than %d spinlocks held at once taking %s", MAX_HELD, taken))
            return;
        break;
    case TABLES_FULL:
        if (!kdebug_report_begin("lock checker tables full (%d classes, %d orders): lock checks stop", MAX_CLASSES,
                                 MAX_EDGES))
            return;
        break;
    case CORRUPT:
        if (!kdebug_report_begin("taking a lock at %p that is not one (freed or overwritten memory: class %u, rank %u)",
                                 f->lock, f->lock_class, f->lock_rank))
            return;
        kdebug_report_site("taken at", site);
        break;
    case NOTHING:
        return;
    }
    kdebug_report_end();
}

void kdebug_lock_acquire(spinlock_t *l)
{
    uintptr_t site = (uintptr_t)__builtin_return_address(0);
    bool irqs_on = irq_enabled();
    struct finding f = {.kind = NOTHING};
    if (graph_held_here())
        return; /* a fault in the checker, on its way to the report */
    uint64_t flags = graph_acquire();
    struct lockdep_cpu *cpu = lockdep_cpu_self();
    bool corrupt = false;
    uint32_t c = full ? 0 : class_of(l, site, &corrupt);
    if (c) {
        add_order(cpu, c, site, &f);
        check_irq_safety(cpu, c, site, irqs_on, &f);
    } else if (corrupt) {
        f = (struct finding){.kind = CORRUPT, .lock = l, .lock_class = l->class_id, .lock_rank = l->rank};
    } else if (!full) {
        full = true;
        f.kind = TABLES_FULL;
    }
    if (cpu->n_held < MAX_HELD)
        cpu->held[cpu->n_held++] = (struct held_lock){l, c, site};
    else if (f.kind == NOTHING)
        f.kind = TOO_MANY_HELD;
    if (f.kind != NOTHING) {
        f.taken = classes[c];
        f.held = classes[f.held_class];
    }
    graph_release(flags);
    report(&f, site);
}

void kdebug_lock_release(spinlock_t *l)
{
    uint64_t flags = irq_save();
    struct lockdep_cpu *cpu = lockdep_cpu_self();
    /* Usually the last one taken; wait_common releases out of order. */
    for (unsigned i = cpu->n_held; i-- > 0;) {
        if (cpu->held[i].lock != l)
            continue;
        memmove(&cpu->held[i], &cpu->held[i + 1], (cpu->n_held - i - 1) * sizeof cpu->held[0]);
        cpu->n_held--;
        break;
    }
    irq_restore(flags);
}

void kdebug_irq_enter(void) { lockdep_cpu_self()->irq_depth++; }
void kdebug_irq_exit(void) { lockdep_cpu_self()->irq_depth--; }

unsigned kdebug_locks_held(void)
{
    return lockdep_cpu_self()->n_held;
}

bool kdebug_holds_only(const void *lock)
{
    struct lockdep_cpu *cpu = lockdep_cpu_self();
    return cpu->n_held == 1 && cpu->held[0].lock == lock;
}

void kdebug_print_held_locks(void)
{
    uint64_t flags = irq_save();
    struct lockdep_cpu *cpu = lockdep_cpu_self();
    struct held_lock held[MAX_HELD];
    unsigned n = cpu->n_held;
    memcpy(held, cpu->held, n * sizeof held[0]);
    irq_restore(flags);
    kdebug_report_detail("spinlocks held: %u%s", n, graph_held_here() ? " (a fault inside the lock checker)" : "");
    for (unsigned i = 0; i < n; i++) {
        char name[96];
        if (graph_held_here()) { /* its tables may be half-updated, and ours */
            kdebug_report_site("  lock taken at", held[i].site);
            continue;
        }
        flags = graph_acquire();
        struct lock_class k = classes[held[i].class_id];
        graph_release(flags);
        class_name(&k, name, sizeof name);
        kdebug_report_detail("  lock %s", name);
        kdebug_report_site("  taken at", held[i].site);
    }
}
#endif
