/* User address spaces: a page-table root and the VMAs (virtual memory
 * areas), each with its protection and what backs it.  The VMAs are kept
 * twice: in a balanced tree (kernel/range_tree.h) for O(log n) lookup and
 * free-gap search, and in a list sorted by address for walks over a range.
 * At most VM_MAX_MAP_COUNT of them exist per address space; adjacent
 * anonymous ones that only their addresses tell apart are merged.  Pages are
 * created on first touch: zero-filled for anonymous memory; for file-backed
 * private mappings a read maps the file's own page read-only (shared with
 * the file and every other mapping of it) and a write gets a private copy.
 * A user frame belongs to one address space until a fork shares it
 * copy-on-write; each frame counts its users (pmm_frame_get/put, the file
 * holding one for its pages) and the last one to let go frees it.
 *
 * mm->lock (a sleeping mutex) protects the VMA tree and list, brk and the user half
 * of the page tables.  Never hold it across copy_to_user/copy_from_user:
 * their page faults take it. */
#ifndef MM_VM_H
#define MM_VM_H

#include <kernel/list.h>
#include <kernel/mutex.h>
#include <kernel/range_tree.h>
#include <kernel/types.h>
#include <mm/physmap.h>

#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4

#define VMA_ANON 0x1
#define VMA_SHARED 0x2    /* MAP_SHARED: with a file, its pages are the file's own, mapped writable;
                             without one (never made so by mmap, which gives shared anonymous memory
                             an unnamed file), the same as private */
#define VMA_STACK 0x4
#define VMA_HEAP 0x8      /* the brk area */
#define VMA_NOWRITE 0x10  /* a shared mapping of a file not open for writing (or a SHM_RDONLY
                             attach): mprotect may not add PROT_WRITE (EACCES, Linux's !VM_MAYWRITE) */

/* The user layout, top down: the stack (USER_STACK_MAX below USER_STACK_TOP),
 * a gap, then the mmap area, which is filled from USER_MMAP_TOP down
 * (docs/architecture.md, "The user address layout"; checked in the VM by
 * tests/integration/user/layout.c).
 *
 * The gap is USER_MMAP_GAP_PAGES pages, an odd number, for the speed of
 * programs under QEMU's TCG (all of ours): QEMU's software TLB is direct
 * mapped, indexed by the low bits of the virtual page number, with a
 * power-of-two number of entries (64 to 4M, resized at flushes).  The stack
 * and the mmap area both grow down from their tops, so their hot pages sit at
 * the same distances below the two tops; with the former gap (8 MiB + 1 GiB,
 * 0x40800 pages, a multiple of 2048) every such pair had the same TLB index
 * in any TLB of up to 2048 entries and they evicted each other at every
 * access (SQLite's heap, musl's malloc using mmap, against its stack).  An
 * odd distance gives the two tops different indexes in every power-of-two TLB.
 * This took tests/bench ports' sqlite_insert from a median 0.83 of Linux's
 * rate (Linux randomises the layout) to 1.15 (tests/bench/README.md).  The gap is also more than Linux's
 * minimum (128 MiB, and at least RLIMIT_STACK plus its 1 MiB stack guard gap). */
#define USER_STACK_TOP 0x00007ffffffff000ull
#define USER_STACK_MAX (8ull << 20)    /* RLIMIT_STACK */
#define USER_MMAP_GAP_PAGES 0x55555ull /* about 1.33 GiB; odd: see above */
#define USER_MMAP_TOP (USER_STACK_TOP - (USER_MMAP_GAP_PAGES << PAGE_SHIFT))
#define USER_MMAP_BOTTOM 0x10000ull

/* Linux's default vm.max_map_count: a new mapping, or a split that would
 * leave more VMAs than this, fails with ENOMEM (mm/mmap.c says where).
 * Each VMA costs 128 bytes of kernel heap, so this also bounds what one
 * process can pin with mmap/mprotect patterns to about 8 MiB. */
#define VM_MAX_MAP_COUNT 65530u

struct file;
struct vma;

/* What a subsystem that owns a kind of mapping (System V shared memory)
 * is told about its VMAs: open when a VMA of it is made or copied (a split,
 * fork, mremap), close when one goes away (munmap, exit, exec).  Called
 * with mm->lock held: they touch no user memory, and a lock they take
 * nests inside mm->lock (its holders never take mm->lock). */
struct vma_ops {
    void (*open)(struct vma *v);
    void (*close)(struct vma *v);
};

struct vma {
    struct range_node range; /* start, end: page aligned, end exclusive; in mm->vma_tree */
    uint32_t prot;         /* PROT_* */
    uint32_t flags;        /* VMA_* */
    struct file *file;     /* file-backed: a reference, NULL for anonymous */
    uint64_t file_off;     /* file offset of start */
    uint64_t file_bytes;   /* bytes of the file visible from start (an ELF segment's file part;
                              mmap: the whole length); the rest reads as zero */
    struct list_head link; /* mm->vmas, sorted by start */
    const struct vma_ops *ops; /* NULL for most */
};

struct mm {
    struct mutex lock;
    uint64_t root;           /* PML4 physical address; kernel half shared */
    struct range_tree vma_tree;
    struct list_head vmas;   /* the same VMAs, sorted by start */
    uint32_t map_count;      /* VMAs in the tree and list */
    uint64_t brk_start, brk; /* heap: [brk_start, brk) */
    /* The program exec loaded, or NULL: a reference that keeps writers off
     * (file_deny_write) while this address space lives, as Linux's exe_file. */
    struct file *exe_file;
    int refs;                /* threads/processes using it (CLONE_VM), atomic */
    uint64_t resident_pages;
    /* Where exec put the argument and environment strings on the stack
     * (/proc/<pid>/cmdline, environ; Linux's arg_start...), set once. */
    uint64_t arg_start, arg_end, env_start, env_end;
    uint64_t start_stack;    /* the initial stack pointer (where argc is) */
    uint32_t membarrier_registered; /* MEMBARRIER_CMD_REGISTER_* bits done for it (atomic; proc/membarrier.c) */
};

/* A new, empty address space (kernel half mapped).  NULL on ENOMEM. */
struct mm *mm_create(void);
struct mm *mm_get(struct mm *mm);
/* Drops a reference; the last frees every VMA, frame and table. */
void mm_put(struct mm *mm);
/* Makes mm the active hierarchy (CR3). */
void mm_activate(struct mm *mm);

/* Adds a mapping at exactly [start, start+len) (must be free).  Used by exec.
 * file may be NULL.  Returns 0, -ENOMEM or -EEXIST. */
int vm_map_fixed(struct mm *mm, uint64_t start, uint64_t len, uint32_t prot, uint32_t flags, struct file *file,
                 uint64_t file_off, uint64_t file_bytes);
/* Where vm_mmap_file places a mapping. */
enum vm_place {
    VM_PLACE_ANY,       /* addr if free (0: no hint), else the highest gap */
    VM_PLACE_FIXED,     /* exactly addr, replacing what was there */
    VM_PLACE_NOREPLACE, /* exactly addr, -EEXIST if anything is there */
};
/* A shared mapping of a whole file of len bytes (page aligned) that another
 * subsystem makes (shmat), with VMA flags (VMA_SHARED and maybe
 * VMA_NOWRITE).  The new VMA gets ops (its open is called).  Takes
 * mm->lock.  Returns the address, or -ENOMEM (no room, or addr outside user
 * space) or -EEXIST. */
int64_t vm_mmap_file(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot, uint32_t flags, struct file *file,
                     enum vm_place place, const struct vma_ops *ops);
/* shmdt: removes the attach at addr of an object mapped with ops: the
 * first VMA of ops at or after addr that maps its file from where addr
 * would (a part left by munmap or mprotect counts, as on Linux), then every
 * VMA of that file and ops mapped the same way within the file's size.
 * Takes mm->lock.  0, or -EINVAL when there is no such attach. */
int vm_unmap_attach(struct mm *mm, uint64_t addr, const struct vma_ops *ops);
/* Makes [start, start+len) present now (exec's stack, MAP_POPULATE).  mm->lock held. */
int vm_populate_locked(struct mm *mm, uint64_t start, uint64_t len);

/* Changes the protection of the present pages of [start, end) (page
 * aligned, inside v, already set to prot).  Pages still shared since a fork
 * stay read-only (not in a shared file mapping).  mm->lock held. */
int vm_protect_locked(struct mm *mm, struct vma *v, uint64_t start, uint64_t end, uint32_t prot);
/* fork: a new address space with the same VMAs whose present pages are
 * shared copy-on-write (read-only in both until one writes).  The parent
 * must be the active address space.  -ENOMEM when free memory could not
 * cover a copy of every page the parent may write (so that forking alone
 * never sends anyone to the OOM killer or SIGBUS later); nothing changed that
 * matters then (the parent's pages come back writable at their next write). */
int mm_fork(struct mm *parent, struct mm **out);

/* Copies up to len bytes of mm's user memory at addr into buf (another
 * process's, for /proc): the bytes copied, stopping early at the first page
 * that is not present (nothing is faulted in for a reader), -EFAULT if none
 * was.  Takes mm->lock. */
int64_t mm_read_remote(struct mm *mm, uint64_t addr, void *buf, size_t len);

/* For shared futexes: if addr lies in a shared file mapping of mm, sets
 * *space to the file's identity (file_identity) and *off to the word's
 * offset in the file; else leaves them.  Takes mm->lock. */
void vm_shared_word(struct mm *mm, uint64_t addr, const void **space, uint64_t *off);

/* Page fault in user memory at addr.  write/exec say what the access was;
 * may_oom that the OOM killer may be called (mm/oom.h) when memory stays
 * short: true for a fault in user mode, false for a user copy in a system
 * call.  Returns 0 (mapped: retry), -EFAULT (no VMA: SIGSEGV/SEGV_MAPERR),
 * -EACCES (VMA forbids it: SEGV_ACCERR), -ENOMEM (no frame, after waiting a
 * second for one, and up to ten for an OOM victim's: SIGBUS), -EINTR (a
 * signal came while it waited for a frame: deliver it; the access faults
 * again after) or -EIO (a file page wholly past the file's end: SIGBUS).
 * May sleep. */
int vm_handle_fault(struct mm *mm, uint64_t addr, bool write, bool exec, bool may_oom);

#endif
