/* Unit tests of the file system core (kernel/fs/) on the host.
 *
 * Host-only shims for what the core needs from the rest of the kernel are
 * at the top: kmalloc (malloc, counting live blocks so tests can check that
 * removing files frees everything), mutexes (single-threaded: checks
 * pairing), the clock and current_process (NULL: a kernel thread). */
#include "unit.h"

#include <fs/cpio.h>
#include <fs/dir.h>
#include <fs/epoll.h>
#include <fs/fdtable.h>
#include <fs/file_lock.h>
#include <fs/uapi.h>
#include <fs/mount.h>
#include <fs/mount_path.h>
#include <fs/pipe_ring.h>
#include <fs/tmpfs_mount.h>
#include <fs/vfs_ops.h>
#include <kernel/errno.h>
#include <kernel/mutex.h>
#include <kernel/panic.h>
#include <kernel/uaccess.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <proc/process.h>
#include <sched/wake_q.h>
#include <stdlib.h>
#include <string.h>

/* --- shims ---------------------------------------------------------------- */

static long live_blocks;  /* kmalloc'd blocks not yet freed */
static long fail_after = -1; /* >= 0: that many more allocations succeed, then all fail */

void *kmalloc(size_t n)
{
    if (fail_after == 0)
        return NULL;
    if (fail_after > 0)
        fail_after--;
    void *p = malloc(n ? n : 1);
    if (p)
        live_blocks++;
    return p;
}

void *kzalloc(size_t n)
{
    void *p = kmalloc(n);
    if (p)
        memset(p, 0, n);
    return p;
}

void kfree(void *p)
{
    if (p)
        live_blocks--;
    free(p);
}

/* Frames for tmpfs pages: an arena of "physical memory" at host_phys_base
 * (frame 0 unused: 0 means no frame), with a reference count per frame. */
#define FRAMES 1024
uint8_t *host_phys_base;
static unsigned frame_refcount[FRAMES];

static unsigned *frame_refs(uint64_t phys)
{
    if (phys % 4096 || phys / 4096 == 0 || phys / 4096 >= FRAMES || !frame_refcount[phys / 4096])
        host_test_panic("not an allocated frame");
    return &frame_refcount[phys / 4096];
}

uint64_t pmm_alloc_zeroed(unsigned order)
{
    if (!host_phys_base)
        host_phys_base = aligned_alloc(4096, FRAMES * 4096);
    if (order || fail_after == 0)
        return 0;
    if (fail_after > 0)
        fail_after--;
    for (uint64_t k = 1; k < FRAMES; k++) {
        if (frame_refcount[k])
            continue;
        frame_refcount[k] = 1;
        memset(host_phys_base + k * 4096, 0, 4096);
        live_blocks++;
        return k * 4096;
    }
    return 0;
}

void pmm_frame_get(uint64_t phys) { (*frame_refs(phys))++; }

void pmm_frame_release(uint64_t phys)
{
    if (--*frame_refs(phys) == 0)
        live_blocks--;
}

void mutex_init(struct mutex *m) { m->owner = NULL; }
void mutex_lock(struct mutex *m)
{
    if (m->owner)
        host_test_panic("mutex taken twice");
    m->owner = (struct thread *)1;
}
void mutex_unlock(struct mutex *m)
{
    if (!m->owner)
        host_test_panic("mutex unlocked while free");
    m->owner = NULL;
}
/* tmpfs options take their defaults and percentages from the RAM: 1 GiB here. */
void pmm_get_stats(struct pmm_stats *out)
{
    memset(out, 0, sizeof *out);
    out->total_pages = out->free_pages = 262144;
}
uint64_t clock_realtime_ns(void) { return 1700000000ull * 1000000000ull; }
int64_t random_read(void *buf, size_t n)
{
    memset(buf, 0x5a, n); /* the name-hash key: any value will do */
    return (int64_t)n;
}
static struct process fake_process = {.pid = 7};
struct process *current_process(void) { return &fake_process; }
/* User memory is the host's: record-lock requests are read from the test's stack. */
int copy_from_user(void *dst, uint64_t src, size_t n)
{
    memcpy(dst, (const void *)src, n);
    return 0;
}
int copy_to_user(uint64_t dst, const void *src, size_t n)
{
    memcpy((void *)dst, src, n);
    return 0;
}
/* One thread: nobody ever waits on a record lock, so a wake has no one to
 * claim and a wake queue stays empty (sched/wake_q.h). */
struct wake_q *wake_q_if_deferrable(struct wake_q *q)
{
    return q;
}
void waitq_wake_all_q(struct waitq *wq, struct wake_q *q)
{
    (void)wq, (void)q;
}
int wake_q_run(struct wake_q *q)
{
    (void)q;
    return 0;
}
/* One thread: a lock request that would wait is a bug of the test. */
int waitq_wait_locked_interruptible(struct waitq *wq, spinlock_t *lock, uint64_t deadline)
{
    (void)wq, (void)lock, (void)deadline;
    host_test_panic("a record lock waited in a single-threaded test");
    return -EINTR;
}
/* Named pipes (fs/fifo.c, fs/pipe.c) are not linked here: file_open_inode
 * only names their operations, which no test opens. */
const struct file_ops fifo_ops;
/* No epoll here: no file is ever watched, so file_put must never call this. */
void epoll_file_closed(struct file *f)
{
    (void)f;
    host_test_panic("file_put found a file watched by epoll");
}

/* --- helpers -------------------------------------------------------------- */

static struct inode *root;
/* A place of i with its mount found from its file system (fs/mount.h). */
#define P(i) (&(struct place){NULL, (i)})

static void setup_limits(uint64_t max_pages, uint64_t max_inodes)
{
    CHECK_EQ(vfs_mount_root(max_pages, max_inodes), 0);
    root = vfs_root();
    fs_context_init_kernel();
}

static void setup(uint64_t max_pages)
{
    setup_limits(max_pages, 1000);
}

/* Runs one namespace operation the way the system calls do. */
static int op_mkdir(const char *p, unsigned mode)
{
    struct walk w;
    CHECK_EQ(walk_begin(&w, P(root)), 0);
    mutex_lock(&vfs_ns_lock);
    int r = vfs_mkdir_locked(&w, P(root), p, mode);
    mutex_unlock(&vfs_ns_lock);
    walk_end(&w);
    return r;
}

static int op_unlink(const char *p, bool rmdir)
{
    struct walk w;
    CHECK_EQ(walk_begin(&w, P(root)), 0);
    mutex_lock(&vfs_ns_lock);
    int r = vfs_unlink_locked(&w, P(root), p, rmdir);
    mutex_unlock(&vfs_ns_lock);
    walk_end(&w);
    return r;
}

static int op_symlink(const char *target, const char *p)
{
    struct walk w;
    CHECK_EQ(walk_begin(&w, P(root)), 0);
    mutex_lock(&vfs_ns_lock);
    int r = vfs_symlink_locked(&w, P(root), target, p);
    mutex_unlock(&vfs_ns_lock);
    walk_end(&w);
    return r;
}

static int op_rename(const char *a, const char *b, unsigned flags)
{
    struct walk w1, w2;
    CHECK_EQ(walk_begin(&w1, P(root)), 0);
    CHECK_EQ(walk_begin(&w2, P(root)), 0);
    mutex_lock(&vfs_ns_lock);
    int r = vfs_rename_locked(&w1, P(root), a, &w2, P(root), b, flags);
    mutex_unlock(&vfs_ns_lock);
    walk_end(&w1);
    walk_end(&w2);
    return r;
}

static int op_open(const char *p, uint32_t flags, unsigned mode, struct file **f)
{
    struct walk w;
    CHECK_EQ(walk_begin(&w, P(root)), 0);
    mutex_lock(&vfs_ns_lock);
    int r = vfs_open_locked(&w, P(root), p, flags, mode, f);
    mutex_unlock(&vfs_ns_lock);
    walk_end(&w);
    return r;
}

/* Looks p up from start; returns the inode (no reference) or NULL, error in *err. */
static struct inode *lookup_from(struct inode *start, const char *p, unsigned flags, int *err)
{
    struct walk w;
    CHECK_EQ(walk_begin(&w, P(root)), 0);
    mutex_lock(&vfs_ns_lock);
    struct place i = {NULL, NULL};
    *err = walk_path(&w, P(start), p, flags, &i);
    mutex_unlock(&vfs_ns_lock);
    walk_end(&w);
    return *err ? NULL : i.inode;
}

static struct inode *lookup(const char *p, int *err)
{
    return lookup_from(root, p, LOOKUP_FOLLOW, err);
}

static int lookup_err(const char *p)
{
    int err;
    lookup(p, &err);
    return err;
}

static int make_file(const char *p, const char *text)
{
    struct file *f;
    int r = op_open(p, K_O_CREAT | K_O_WRONLY | K_O_TRUNC, 0644, &f);
    if (r)
        return r;
    uint64_t pos = 0;
    int64_t n = tmpfs_write(f->inode, text, strlen(text), &pos, false);
    file_put(f);
    return n == (int64_t)strlen(text) ? 0 : -EIO;
}

/* --- path lookup ----------------------------------------------------------- */

static void test_lookup_dots_and_slashes(void)
{
    setup(100);
    CHECK_EQ(op_mkdir("a", 0755), 0);
    CHECK_EQ(op_mkdir("a/b", 0700), 0);
    CHECK_EQ(make_file("a/b/f", "x"), 0);
    int err;
    struct inode *f = lookup("a/b/f", &err);
    CHECK(f != NULL);
    CHECK(lookup("/a/./b/../b//f", &err) == f);
    CHECK(lookup("./a/b/f", &err) == f);
    CHECK(lookup("/../../a/b/f", &err) == f);   /* ".." of the root is the root */
    CHECK(lookup("/", &err) == root);
    CHECK(lookup("///", &err) == root);
    CHECK(lookup("a/b/", &err) == lookup("a/b", &err));
    CHECK_EQ(lookup_err("a/b/f/"), -ENOTDIR);    /* a trailing slash needs a directory */
    CHECK_EQ(lookup_err("a/b/f/x"), -ENOTDIR);
    CHECK_EQ(lookup_err("a/missing"), -ENOENT);
    CHECK_EQ(lookup_err("a/missing/x"), -ENOENT);
    CHECK_EQ(lookup_err(""), -ENOENT);
    struct inode *b = lookup("a/b", &err);
    CHECK(lookup_from(b, "f", LOOKUP_FOLLOW, &err) == f);   /* relative to a start directory */
    CHECK(lookup_from(b, "../b/f", LOOKUP_FOLLOW, &err) == f);
    CHECK_EQ(b->mode, K_S_IFDIR | 0700);
    CHECK_EQ(b->nlink, 2);
    CHECK_EQ(lookup("a", &err)->nlink, 3);           /* ".", its name, b's ".." */
}

static void test_lookup_name_limits(void)
{
    setup(100);
    char name[300];
    memset(name, 'n', 256);
    name[256] = 0;
    CHECK_EQ(op_mkdir(name, 0755), -ENAMETOOLONG);
    name[255] = 0;
    CHECK_EQ(op_mkdir(name, 0755), 0);
    char *path = malloc(PATH_MAX + 10);
    memset(path, 'a', PATH_MAX + 5);
    for (int k = 1; k < PATH_MAX + 5; k += 2)
        path[k] = '/';
    path[PATH_MAX + 5] = 0;
    CHECK_EQ(lookup_err(path), -ENAMETOOLONG);
    free(path);
}

static void test_symlinks(void)
{
    setup(100);
    CHECK_EQ(op_mkdir("d", 0755), 0);
    CHECK_EQ(make_file("d/file", "data"), 0);
    CHECK_EQ(op_symlink("file", "d/rel"), 0);
    CHECK_EQ(op_symlink("/d", "abs"), 0);
    CHECK_EQ(op_symlink("abs/rel", "chain"), 0);
    int err;
    struct inode *f = lookup("d/file", &err);
    CHECK(lookup("d/rel", &err) == f);
    CHECK(lookup("abs/file", &err) == f);
    CHECK(lookup("chain", &err) == f);
    CHECK(lookup("abs/", &err) == lookup("d", &err));
    struct inode *l = lookup_from(root, "chain", 0, &err);    /* not followed at the end */
    CHECK(l && K_S_ISLNK(l->mode));
    CHECK_EQ(l->size, 7);
    CHECK_EQ(op_symlink("loop2", "loop1"), 0);
    CHECK_EQ(op_symlink("loop1", "loop2"), 0);
    CHECK_EQ(lookup_err("loop1"), -ELOOP);
    CHECK_EQ(lookup_err("loop1/x"), -ELOOP);
    CHECK_EQ(op_symlink("nowhere", "dangling"), 0);
    CHECK_EQ(lookup_err("dangling"), -ENOENT);
    /* open(O_CREAT) through a dangling symlink creates its target. */
    struct file *fp;
    CHECK_EQ(op_open("dangling", K_O_CREAT | K_O_WRONLY, 0600, &fp), 0);
    file_put(fp);
    CHECK(lookup("nowhere", &err) != NULL);
    CHECK_EQ(op_open("dangling", K_O_CREAT | K_O_EXCL | K_O_WRONLY, 0600, &fp), -EEXIST);
    CHECK_EQ(op_open("d/rel", K_O_RDONLY | K_O_NOFOLLOW, 0, &fp), -ELOOP);
    CHECK_EQ(op_symlink("", "empty"), -ENOENT);
    CHECK_EQ(op_symlink("x", "d/rel"), -EEXIST);
    /* Exactly 40 links in a chain are followed, 41 are too many. */
    char a[16], b[16];
    CHECK_EQ(make_file("t0", "end"), 0);
    for (int k = 1; k <= 41; k++) {
        snprintf(a, sizeof a, "t%d", k - 1);
        snprintf(b, sizeof b, "t%d", k);
        CHECK_EQ(op_symlink(a, b), 0);
    }
    CHECK(lookup("t40", &err) == lookup("t0", &err));
    CHECK_EQ(lookup_err("t41"), -ELOOP);
}

/* --- tmpfs data ----------------------------------------------------------- */

static void test_tmpfs_holes_and_truncate(void)
{
    setup(100);
    struct file *f;
    CHECK_EQ(op_open("f", K_O_CREAT | K_O_RDWR, 0644, &f), 0);
    struct inode *i = f->inode;
    uint64_t pos = 10000;
    CHECK_EQ(tmpfs_write(i, "tail", 4, &pos, false), 4);
    CHECK_EQ(pos, 10004);
    CHECK_EQ(i->size, 10004);
    CHECK_EQ(i->reg.resident, 1);                  /* only the page written is allocated */
    char buf[10100];
    memset(buf, 0x55, sizeof buf);
    CHECK_EQ(tmpfs_read(i, buf, sizeof buf, 0), 10004);
    for (int k = 0; k < 10000; k++)
        if (buf[k]) {
            CHECK(!"hole byte not zero");
            break;
        }
    CHECK(!memcmp(buf + 10000, "tail", 4));
    CHECK_EQ(tmpfs_read(i, buf, 10, 20000), 0);    /* past the end */
    pos = 0;
    CHECK_EQ(tmpfs_write(i, "0123456789", 10, &pos, true), 10);   /* append: at the end */
    CHECK_EQ(i->size, 10014);
    CHECK_EQ(tmpfs_truncate(i, 10002), 0);
    CHECK_EQ(tmpfs_truncate(i, 10010), 0);         /* grows again: the cut part reads as zeros */
    CHECK_EQ(tmpfs_read(i, buf, 20, 10000), 10);
    CHECK(!memcmp(buf, "ta\0\0\0\0\0\0\0\0", 10));
    CHECK_EQ(tmpfs_truncate(i, 0), 0);
    CHECK_EQ(i->reg.resident, 0);
    CHECK_EQ(i->sb->used_pages, 0);
    file_put(f);
}

static void test_tmpfs_enospc_keeps_data(void)
{
    setup(4); /* three data pages, and one for the memory of two inodes and a name */
    struct file *f;
    CHECK_EQ(op_open("f", K_O_CREAT | K_O_RDWR, 0644, &f), 0);
    static char big[5 * 4096];
    memset(big, 'x', sizeof big);
    uint64_t pos = 0;
    CHECK_EQ(tmpfs_write(f->inode, big, sizeof big, &pos, false), 3 * 4096);   /* short write */
    CHECK_EQ(tmpfs_write(f->inode, big, 10, &pos, false), -ENOSPC);
    CHECK_EQ(f->inode->size, 3 * 4096);
    char c;
    CHECK_EQ(tmpfs_read(f->inode, &c, 1, 3 * 4096 - 1), 1);
    CHECK_EQ(c, 'x');
    file_put(f);
    CHECK_EQ(op_unlink("f", false), 0);            /* the last name and reference: pages come back */
    CHECK_EQ(root->sb->used_pages, 0);
}

static int op_link(const char *from, const char *to)
{
    struct walk w1, w2;
    CHECK_EQ(walk_begin(&w1, P(root)), 0);
    CHECK_EQ(walk_begin(&w2, P(root)), 0);
    mutex_lock(&vfs_ns_lock);
    int r = vfs_link_locked(&w1, P(root), from, false, &w2, P(root), to);
    mutex_unlock(&vfs_ns_lock);
    walk_end(&w1);
    walk_end(&w2);
    return r;
}

/* Inodes and extra hard links count against max_inodes (ENOSPC); renames
 * need none; removing everything gives every inode and byte back. */
static void test_inode_limit(void)
{
    setup_limits(100, 10);
    CHECK_EQ(root->sb->used_inodes, 1);           /* the root */
    uint64_t base_bytes = root->sb->used_bytes;
    char name[32];
    int n = 0, r;
    do {
        snprintf(name, sizeof name, "f%d", n);
        r = make_file(name, "");
    } while (!r && ++n < 100);
    CHECK_EQ(r, -ENOSPC);
    CHECK_EQ(n, 9);
    CHECK_EQ(op_mkdir("d", 0755), -ENOSPC);
    CHECK_EQ(op_symlink("f0", "s"), -ENOSPC);
    CHECK_EQ(op_link("f0", "f0-again"), -ENOSPC);
    CHECK_EQ(op_rename("f0", "g0", 0), 0);
    CHECK_EQ(op_rename("g0", "f0", 0), 0);
    CHECK_EQ(op_unlink("f8", false), 0);
    CHECK_EQ(op_link("f0", "f0-again"), 0);         /* a second name takes the freed inode */
    CHECK_EQ(make_file("f8", ""), -ENOSPC);
    CHECK_EQ(op_unlink("f0-again", false), 0);      /* and gives it back */
    CHECK_EQ(make_file("f8", ""), 0);
    for (int i = 0; i < 9; i++) {
        snprintf(name, sizeof name, "f%d", i);
        CHECK_EQ(op_unlink(name, false), 0);
    }
    CHECK_EQ(root->sb->used_inodes, 1);
    CHECK_EQ(root->sb->used_bytes, base_bytes);
}

/* The memory of inodes, names and symlink targets counts towards the size. */
static void test_metadata_counts_toward_size(void)
{
    setup_limits(1, 1000);                         /* one page in all */
    uint64_t base_bytes = root->sb->used_bytes;
    char name[64];
    int n = 0, r;
    do {
        snprintf(name, sizeof name, "a-directory-with-a-long-name-%d", n);
        r = op_mkdir(name, 0755);
    } while (!r && ++n < 1000);
    CHECK_EQ(r, -ENOSPC);
    CHECK(n > 2 && n < 4096 / (int)sizeof(struct inode));
    CHECK(root->sb->used_bytes <= 4096);
    struct file *f;
    CHECK_EQ(op_open("x", K_O_CREAT | K_O_RDWR, 0644, &f), -ENOSPC);
    while (n--) {
        snprintf(name, sizeof name, "a-directory-with-a-long-name-%d", n);
        CHECK_EQ(op_unlink(name, true), 0);
    }
    CHECK_EQ(root->sb->used_bytes, base_bytes);
    CHECK_EQ(op_symlink("a-target", "s"), 0);
    CHECK(root->sb->used_bytes >= base_bytes + sizeof(struct inode) + sizeof("a-target"));
    CHECK_EQ(op_unlink("s", false), 0);
    CHECK_EQ(root->sb->used_bytes, base_bytes);
}

/* An empty directory whose first name did not fit (ENOSPC after its name
 * table was made) owns no table afterwards: rmdir frees it cleanly (it hit
 * the "empty directory with a table" assertion before). */
static void test_failed_first_entry_leaves_no_table(void)
{
    enum { TABLE = 8 * sizeof(void *), LONG = 250 }; /* a first table: 8 buckets (dir.c) */
    setup_limits(1, 1000);                         /* one page in all */
    CHECK_EQ(op_mkdir("d", 0755), 0);
    char name[300], to[300];
    int n = 0, r;
    do {
        snprintf(name, sizeof name, "f%d", n);
        r = make_file(name, "");
    } while (!r && ++n < 1000);
    CHECK_EQ(r, -ENOSPC);
    CHECK_EQ(op_unlink("f0", false), 0);
    /* Leave room for the table but not for the table and a long name:
     * lengthen other names until the room is under that. */
    uint64_t room = 4096 - root->sb->used_bytes;
    for (int k = 2; room >= TABLE + dentry_size(LONG) && k < n; k++) {
        size_t grow = MIN(room - TABLE - dentry_size(LONG) + 1, (uint64_t)200);
        snprintf(name, sizeof name, "f%d", k);
        snprintf(to, sizeof to, "%s%0*d", name, (int)grow, 0);
        CHECK_EQ(op_rename(name, to, 0), 0);
        room = 4096 - root->sb->used_bytes;
    }
    CHECK(room >= TABLE && room < TABLE + dentry_size(LONG));
    memset(name, 'n', LONG + 2);
    memcpy(name, "d/", 2);
    name[LONG + 2] = 0;
    CHECK_EQ(op_rename("f1", name, 0), -ENOSPC);
    CHECK_EQ(op_unlink("d", true), 0);             /* freed with no table left behind */
    CHECK_EQ(op_mkdir("d", 0755), 0);
    CHECK_EQ(op_unlink("d", true), 0);
}

/* Thousands of entries: each is found by name, the table grew, and the
 * order by sequence number holds while entries come and go. */
static void test_large_directory(void)
{
    setup_limits(100000, 100000);
    enum { N = 3000 };
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "e%d", i);
        CHECK_EQ(make_file(name, ""), 0);
    }
    CHECK(root->dir.nbuckets >= N / 2);
    mutex_lock(&vfs_ns_lock);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "e%d", i);
        struct dentry *d = dir_find(root, name, strlen(name));
        CHECK(d != NULL && d->len == strlen(name));
    }
    CHECK(dir_find(root, "e3000", 5) == NULL);
    mutex_unlock(&vfs_ns_lock);
    /* A listing that removes every other entry ahead of it and adds new
     * ones: it sees each survivor once, in creation order, then the new. */
    uint64_t pos = DIR_FIRST_SEQ;
    int seen = 0, added = 0, last = -1;
    for (;;) {
        mutex_lock(&vfs_ns_lock);
        struct dentry *d = dir_next(root, pos);
        mutex_unlock(&vfs_ns_lock);
        if (!d)
            break;
        pos = dentry_seq(d) + 1;
        int idx = atoi(d->name + 1);
        if (d->name[0] == 'e') {
            CHECK(idx > last && idx % 2 == 0);
            last = idx;
            if (idx + 1 < N) {
                snprintf(name, sizeof name, "e%d", idx + 1);
                CHECK_EQ(op_unlink(name, false), 0);
            }
            if (added < 10) {
                snprintf(name, sizeof name, "n%d", added++);
                CHECK_EQ(make_file(name, ""), 0);
            }
        }
        seen++;
    }
    CHECK_EQ(seen, N / 2 + 10);
    for (int i = 0; i < N; i += 2) {
        snprintf(name, sizeof name, "e%d", i);
        CHECK_EQ(op_unlink(name, false), 0);
    }
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "n%d", i);
        CHECK_EQ(op_unlink(name, false), 0);
    }
    CHECK(dir_is_empty(root));
    CHECK(root->dir.buckets == NULL);
}

/* Undoing needs no memory: with every allocation failing, a walk inside
 * the path's own buffer still removes files and directories. */
static void test_undo_without_memory(void)
{
    setup(100);
    CHECK_EQ(op_mkdir("a", 0755), 0);
    CHECK_EQ(op_mkdir("a/b", 0755), 0);
    CHECK_EQ(make_file("a/b/f", "data"), 0);
    static char buf[PATH_MAX];
    struct walk w;
    fail_after = 0;
    const char *paths[] = {"a/b/f", "a/b/../b", "a"};
    for (int k = 0; k < 3; k++) {
        strcpy(buf, paths[k]);
        walk_begin_in(&w, P(root), buf);
        mutex_lock(&vfs_ns_lock);
        CHECK_EQ(vfs_unlink_locked(&w, P(root), buf, k > 0), 0);
        mutex_unlock(&vfs_ns_lock);
        walk_end(&w);
    }
    fail_after = -1;
    CHECK(dir_is_empty(root));
}

static void test_tmpfs_enomem_keeps_data(void)
{
    setup(1000);
    struct file *f;
    CHECK_EQ(op_open("f", K_O_CREAT | K_O_RDWR, 0644, &f), 0);
    uint64_t pos = 0;
    CHECK_EQ(tmpfs_write(f->inode, "abc", 3, &pos, false), 3);
    static char big[64 * 4096];
    fail_after = 0;
    pos = 3;
    CHECK_EQ(tmpfs_write(f->inode, big, sizeof big, &pos, false), -ENOMEM);
    fail_after = -1;
    CHECK_EQ(f->inode->size, 3);
    char buf[4];
    CHECK_EQ(tmpfs_read(f->inode, buf, 4, 0), 3);
    CHECK(!memcmp(buf, "abc", 3));
    file_put(f);
}

/* A page lent to a mapping outlives its truncation; holes and the end lend nothing. */
static void test_tmpfs_lend_page(void)
{
    setup(100);
    long base = live_blocks;
    struct file *f;
    CHECK_EQ(op_open("f", K_O_CREAT | K_O_RDWR, 0644, &f), 0);
    static char data[2 * 4096];
    memset(data, 'd', sizeof data);
    uint64_t pos = 4096; /* page 0 stays a hole */
    CHECK_EQ(tmpfs_write(f->inode, data, sizeof data, &pos, false), (int64_t)sizeof data);
    uint64_t phys;
    CHECK_EQ(tmpfs_lend_page(f->inode, 0, &phys), -ENOENT);      /* a hole */
    CHECK_EQ(tmpfs_lend_page(f->inode, 100, &phys), -EINVAL);    /* not page aligned */
    CHECK_EQ(tmpfs_lend_page(f->inode, 3 * 4096, &phys), -ENOENT); /* past the end */
    CHECK_EQ(tmpfs_lend_page(f->inode, 4096, &phys), 0);
    CHECK_EQ(*frame_refs(phys), 2);
    CHECK_EQ(*(uint8_t *)phys_to_virt(phys), 'd');
    CHECK_EQ(tmpfs_truncate(f->inode, 0), 0);
    CHECK_EQ(*frame_refs(phys), 1);                               /* the mapping still has it */
    CHECK_EQ(((uint8_t *)phys_to_virt(phys))[4095], 'd');
    pmm_frame_release(phys);
    file_put(f);
    CHECK_EQ(op_unlink("f", false), 0);
    CHECK_EQ(live_blocks, base);
}

/* --- namespace operations ------------------------------------------------- */

static void test_unlink_frees_when_unused(void)
{
    setup(100);
    long base = live_blocks;
    CHECK_EQ(make_file("f", "hello"), 0);
    struct file *f;
    CHECK_EQ(op_open("f", K_O_RDONLY, 0, &f), 0);
    CHECK_EQ(op_unlink("f", false), 0);
    CHECK_EQ(lookup_err("f"), -ENOENT);
    char buf[8];
    CHECK_EQ(tmpfs_read(f->inode, buf, 8, 0), 5);   /* the open file lives on */
    CHECK_EQ(f->inode->nlink, 0);
    file_put(f);
    CHECK_EQ(live_blocks, base);                     /* inode, pages and entry all freed */
    CHECK_EQ(op_unlink("f", false), -ENOENT);
}

static void test_mkdir_rmdir_errors(void)
{
    setup(100);
    long base = live_blocks;
    CHECK_EQ(op_mkdir("d", 0750), 0);
    CHECK_EQ(op_mkdir("d", 0755), -EEXIST);
    CHECK_EQ(op_mkdir("d/", 0755), -EEXIST);
    CHECK_EQ(op_mkdir("nodir/d", 0755), -ENOENT);
    CHECK_EQ(op_mkdir("/", 0755), -EEXIST);
    CHECK_EQ(make_file("d/f", "x"), 0);
    CHECK_EQ(op_mkdir("d/f/x", 0755), -ENOTDIR);
    CHECK_EQ(op_unlink("d", true), -ENOTEMPTY);
    CHECK_EQ(op_unlink("d/f", true), -ENOTDIR);
    CHECK_EQ(op_unlink("d", false), -EISDIR);
    CHECK_EQ(op_unlink("d/.", true), -EINVAL);
    CHECK_EQ(op_unlink("d/..", true), -ENOTEMPTY);
    CHECK_EQ(op_unlink("d/f/", false), -ENOTDIR);
    CHECK_EQ(op_unlink("/", true), -EBUSY);
    CHECK_EQ(op_unlink("d/f", false), 0);
    CHECK_EQ(root->nlink, 3);
    CHECK_EQ(op_unlink("d/", true), 0);
    CHECK_EQ(root->nlink, 2);
    CHECK_EQ(live_blocks, base);
}

static void test_rename(void)
{
    setup(100);
    int err;
    CHECK_EQ(make_file("a", "A"), 0);
    CHECK_EQ(make_file("b", "B"), 0);
    struct inode *a = lookup("a", &err);
    CHECK_EQ(op_rename("a", "b", 0), 0);             /* replaces b */
    CHECK(lookup("b", &err) == a);
    CHECK_EQ(lookup_err("a"), -ENOENT);
    CHECK_EQ(a->nlink, 1);
    CHECK_EQ(op_mkdir("d", 0755), 0);
    CHECK_EQ(op_mkdir("d/sub", 0755), 0);
    CHECK_EQ(op_mkdir("e", 0755), 0);
    CHECK_EQ(op_mkdir("full", 0755), 0);
    CHECK_EQ(make_file("full/x", "x"), 0);
    CHECK_EQ(op_rename("d", "d/sub/in", 0), -EINVAL);
    CHECK_EQ(op_rename("d", "full", 0), -ENOTEMPTY);
    CHECK_EQ(op_rename("b", "d", 0), -EISDIR);
    CHECK_EQ(op_rename("d", "b", 0), -ENOTDIR);
    CHECK_EQ(op_rename("missing", "x", 0), -ENOENT);
    CHECK_EQ(op_rename("b", "e/", 0), -ENOTDIR);      /* a trailing slash needs a directory source */
    CHECK_EQ(op_rename("b", "full/x", K_RENAME_NOREPLACE), -EEXIST);
    struct inode *sub = lookup("d/sub", &err);
    CHECK_EQ(op_rename("d/sub", "e", 0), 0);         /* onto an empty directory */
    CHECK(lookup("e", &err) == sub);
    CHECK_EQ(lookup("d", &err)->nlink, 2);
    CHECK_EQ(root->nlink, 5);                        /* ".", itself, d, e, full */
    CHECK(lookup("e/..", &err) == root);
    CHECK_EQ(op_rename("e", "d/moved", 0), 0);
    CHECK(lookup("d/moved/..", &err) == lookup("d", &err));
    CHECK_EQ(lookup("d", &err)->nlink, 3);
    CHECK_EQ(op_rename("b", "d/moved", K_RENAME_EXCHANGE), 0);
    CHECK(lookup("b", &err) == sub);
    CHECK(lookup("d/moved", &err) == a);
    CHECK(lookup("b/..", &err) == root);
    CHECK_EQ(op_rename("b", "b", 0), 0);
    CHECK_EQ(op_rename("b", "x", 4 /* RENAME_WHITEOUT */), -EINVAL);
}

static void test_getcwd_path_and_mounts(void)
{
    setup(100);
    CHECK_EQ(op_mkdir("tmp", 0755), 0);
    struct super_block *tmp = tmpfs_create("tmpfs", DEV_MINOR_TMP, 10, 100, 01777);
    CHECK(tmp != NULL);
    CHECK_EQ(vfs_mount("/tmp", tmp), 0);
    CHECK_EQ(vfs_mount("/tmp", tmp), -EBUSY);
    CHECK_EQ(op_mkdir("tmp/x", 0755), 0);
    CHECK_EQ(op_mkdir("tmp/x/y", 0755), 0);
    int err;
    struct inode *y = lookup("/tmp/x/y", &err);
    CHECK(y && y->sb == tmp);
    CHECK(lookup("/tmp", &err) == tmp->root);
    CHECK(lookup("/tmp/..", &err) == root);          /* ".." climbs out of the mount */
    char buf[64];
    mutex_lock(&vfs_ns_lock);
    CHECK_EQ(vfs_path_of(P(root), P(y), buf, sizeof buf), 9);   /* the length counts the NUL */
    CHECK(!strcmp(buf, "/tmp/x/y"));
    CHECK_EQ(vfs_path_of(P(root), P(root), buf, sizeof buf), 2);
    CHECK(!strcmp(buf, "/"));
    CHECK_EQ(vfs_path_of(P(root), P(y), buf, 8), -ERANGE);
    mutex_unlock(&vfs_ns_lock);
    CHECK_EQ(op_rename("/tmp/x", "/moved", 0), -EXDEV);
    CHECK_EQ(op_unlink("/tmp", true), -EBUSY);
}

/* --- open files and descriptors ------------------------------------------ */

static void test_open_checks(void)
{
    setup(100);
    struct file *f;
    CHECK_EQ(op_mkdir("d", 0755), 0);
    CHECK_EQ(op_open("d", K_O_WRONLY, 0, &f), -EISDIR);
    CHECK_EQ(op_open("d", K_O_CREAT | K_O_RDONLY, 0644, &f), -EISDIR);
    CHECK_EQ(op_open("new/", K_O_CREAT | K_O_RDWR, 0644, &f), -EISDIR);
    CHECK_EQ(op_open("missing", K_O_RDONLY, 0, &f), -ENOENT);
    CHECK_EQ(make_file("f", "12345"), 0);
    CHECK_EQ(op_open("f", K_O_RDONLY | K_O_DIRECTORY, 0, &f), -ENOTDIR);
    CHECK_EQ(op_open("f", K_O_CREAT | K_O_EXCL | K_O_RDWR, 0644, &f), -EEXIST);
    CHECK_EQ(op_open("f", K_O_RDWR | K_O_TRUNC | K_O_CLOEXEC, 0, &f), 0);
    CHECK_EQ(f->inode->size, 0);
    CHECK_EQ(f->flags, K_O_RDWR);                     /* creation flags are not kept */
    file_put(f);
    CHECK_EQ(op_open("d", K_O_RDONLY | K_O_DIRECTORY, 0, &f), 0);
    CHECK(f->ops == &dir_file_ops);
    file_put(f);
}

static void test_fd_table(void)
{
    setup(100);
    CHECK_EQ(make_file("f", "x"), 0);
    struct file *f;
    CHECK_EQ(op_open("f", K_O_RDONLY, 0, &f), 0);
    struct fd_table *t = fd_table_create();
    CHECK_EQ(fd_install(t, f, false), 0);
    CHECK_EQ(fd_install(t, f, true), 1);
    CHECK_EQ(fd_install(t, f, false), 2);
    struct file *g = fd_remove(t, 1);
    CHECK(g == f);
    file_put(g);
    CHECK_EQ(fd_install(t, f, false), 1);             /* the lowest free one */
    CHECK_EQ(fd_install_from(t, f, 100, true), 100);
    CHECK_EQ(fd_get_cloexec(t, 100), 1);
    CHECK_EQ(fd_install_at(t, 2000, f, false), -EBADF);   /* beyond RLIMIT_NOFILE */
    CHECK_EQ(fd_install_from(t, f, 1024, false), -EINVAL);
    CHECK_EQ(fd_table_set_limit(t, 4), 0);
    CHECK_EQ(fd_install(t, f, false), 3);
    CHECK_EQ(fd_install(t, f, false), -EMFILE);
    CHECK(fd_get(t, 100) == f);                       /* above the new limit: stays open */
    file_put(f);
    struct fd_table *c = fd_table_clone(t);
    CHECK(c != NULL);
    CHECK(fd_get(c, 3) == f);
    file_put(f);
    fd_table_close_on_exec(c);
    CHECK(fd_get(c, 100) == NULL);
    CHECK(fd_get(c, 0) == f);
    file_put(f);
    CHECK_EQ(f->refs, 10);                             /* ours + 5 in t + 4 in c */
    fd_table_put(c);
    fd_table_put(t);
    CHECK_EQ(f->refs, 1);
    file_put(f);
}

/* --- pipe ring -------------------------------------------------------------- */

static void test_pipe_ring_wraps(void)
{
    uint8_t store[8], out[16];
    struct pipe_ring r = {store, sizeof store, 0, 0};
    CHECK_EQ(ring_write(&r, "abcdef", 6), 6);
    CHECK_EQ(ring_read(&r, out, 4), 4);
    CHECK(!memcmp(out, "abcd", 4));
    CHECK_EQ(ring_write(&r, "ghijklmnop", 10), 6);     /* only what fits, across the end */
    CHECK_EQ(ring_space(&r), 0);
    CHECK_EQ(ring_write(&r, "z", 1), 0);
    CHECK_EQ(ring_read(&r, out, sizeof out), 8);
    CHECK(!memcmp(out, "efghijkl", 8));
    CHECK_EQ(r.len, 0);
    CHECK_EQ(ring_read(&r, out, 1), 0);
}

/* --- initramfs -------------------------------------------------------------- */

struct archive {
    unsigned char b[256 * 1024];
    size_t len;
};

static void put(struct archive *ar, uint32_t ino, uint32_t mode, uint32_t nlink, const char *name, const char *data)
{
    size_t namesize = strlen(name) + 1, size = data ? strlen(data) : 0;
    char hdr[CPIO_HEADER_SIZE + 1];
    snprintf(hdr, sizeof hdr, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", ino, mode, 0, 0,
             nlink, 1000, size, 0, 0, 0, 0, namesize, 0);
    memcpy(ar->b + ar->len, hdr, CPIO_HEADER_SIZE);
    ar->len += CPIO_HEADER_SIZE;
    memcpy(ar->b + ar->len, name, namesize);
    ar->len += namesize;
    while (ar->len % 4)
        ar->b[ar->len++] = 0;
    if (size)
        memcpy(ar->b + ar->len, data, size);
    ar->len += size;
    while (ar->len % 4)
        ar->b[ar->len++] = 0;
}

/* mount(2)'s side of the table: stacking, what keeps a mount busy, and the
 * teardown giving back every block of a tree with hard links and an
 * unlinked-but-open file once nothing holds it. */
static void test_user_mounts_detach_and_destroy(void)
{
    setup(1000);
    struct super_block *gone[MOUNTS_MAX];
    unsigned ngone = 0;
    CHECK_EQ(op_mkdir("m", 0755), 0);
    int err;
    struct inode *dir = lookup("m", &err);
    long blocks_before = live_blocks;
    struct super_block *sb = tmpfs_create("tmpfs", 40, 100, 100, 0700);
    CHECK(sb != NULL);
    mutex_lock(&vfs_ns_lock);
    CHECK_EQ(mount_user_locked(P(dir), sb, "src", 0, ""), 0);
    mutex_unlock(&vfs_ns_lock);
    CHECK(lookup("m", &err) == sb->root);
    CHECK_EQ(op_mkdir("m/a", 0755), 0);
    CHECK_EQ(op_mkdir("m/a/b", 0755), 0);
    struct file *f;
    CHECK_EQ(op_open("m/a/b/f", K_O_CREAT | K_O_RDWR, 0644, &f), 0);
    CHECK_EQ(op_link("m/a/b/f", "m/g"), 0);
    CHECK_EQ(op_symlink("a/b", "m/l"), 0);
    mutex_lock(&vfs_ns_lock);
    CHECK_EQ(mount_detach_locked(P(sb->root), gone, &ngone), -EBUSY);  /* f is open */
    CHECK_EQ(mount_detach_locked(P(dir), gone, &ngone), -EINVAL);      /* not a mounted root */
    mutex_unlock(&vfs_ns_lock);
    CHECK_EQ(op_unlink("m/a/b/f", false), 0);
    CHECK_EQ(op_unlink("m/g", false), 0);  /* f unlinked but open: still busy */
    mutex_lock(&vfs_ns_lock);
    CHECK_EQ(mount_detach_locked(P(sb->root), gone, &ngone), -EBUSY);
    mutex_unlock(&vfs_ns_lock);
    file_put(f);
    CHECK_EQ(op_open("m/a/b/h", K_O_CREAT | K_O_RDWR, 0644, &f), 0);
    file_put(f);
    /* A second mount stacks over the first, whose root it then holds. */
    struct super_block *top = tmpfs_create("tmpfs", 41, 100, 100, 0755);
    mutex_lock(&vfs_ns_lock);
    CHECK_EQ(mount_user_locked(P(sb->root), top, "top", 0, ""), 0);
    mutex_unlock(&vfs_ns_lock);
    CHECK(lookup("m", &err) == top->root);
    CHECK(lookup("m/..", &err) == root);
    mutex_lock(&vfs_ns_lock);
    CHECK_EQ(mount_detach_locked(P(sb->root), gone, &ngone), -EBUSY);
    CHECK_EQ(mount_detach_locked(P(top->root), gone, &ngone), 0);
    mutex_unlock(&vfs_ns_lock);
    tmpfs_destroy(top);
    CHECK(lookup("m/a/b/h", &err) != NULL);
    mutex_lock(&vfs_ns_lock);
    CHECK_EQ(mount_detach_locked(P(sb->root), gone, &ngone), 0);
    mutex_unlock(&vfs_ns_lock);
    tmpfs_destroy(sb);  /* BUG_ONs unless every page, byte and inode came back */
    CHECK_EQ(live_blocks, blocks_before);
    CHECK(lookup("m", &err) == dir);
    CHECK(dir->mountpoints == 0);
}

/* Linux's escapes for mount paths, and a buffer too small for them. */
static void test_mount_path_escape(void)
{
    char buf[64];
    CHECK_EQ(mount_path_escape("/a b\tc\\d\ne", buf, sizeof buf), 22);
    CHECK(!strcmp(buf, "/a\\040b\\011c\\134d\\012e"));
    CHECK_EQ(mount_path_escape("/plain", buf, sizeof buf), 6);
    CHECK(!strcmp(buf, "/plain"));
    CHECK_EQ(mount_path_escape("/x y", buf, 5), -1);  /* "/x\040y" and its NUL need 8 */
    CHECK_EQ(mount_path_escape("/x y", buf, 7), -1);
    CHECK_EQ(mount_path_escape("/x y", buf, 8), 7);
}

/* A bind mount: the same directory at two places, ".." and paths by the
 * place it was reached through, a read-only bind, and its unmount. */
static void test_bind_mount_places(void)
{
    setup(1000);
    struct super_block *gone[MOUNTS_MAX];
    unsigned ngone = 0;
    CHECK_EQ(op_mkdir("a", 0755), 0);
    CHECK_EQ(op_mkdir("a/src", 0755), 0);
    CHECK_EQ(op_mkdir("a/src/sub", 0755), 0);
    CHECK_EQ(op_mkdir("b", 0755), 0);
    CHECK_EQ(op_mkdir("b/dst", 0755), 0);
    struct place src, dst, sub, up;
    int err;
    struct inode *real_sub = lookup("/a/src/sub", &err), *b = lookup("/b", &err);
    struct walk w;
    CHECK_EQ(walk_begin(&w, P(root)), 0);
    mutex_lock(&vfs_ns_lock);
    CHECK_EQ(walk_path(&w, P(root), "/a/src", LOOKUP_FOLLOW, &src), 0);
    CHECK_EQ(walk_path(&w, P(root), "/b/dst", LOOKUP_FOLLOW, &dst), 0);
    CHECK_EQ(mount_bind_locked(&src, &dst, false), 0);
    CHECK_EQ(walk_path(&w, P(root), "/b/dst/sub", LOOKUP_FOLLOW, &sub), 0);
    CHECK(sub.inode == real_sub);
    CHECK(sub.mnt != src.mnt);
    CHECK_EQ(walk_path(&w, &sub, "../..", LOOKUP_FOLLOW, &up), 0);
    CHECK(up.inode == b);          /* not /a */
    char buf[64];
    CHECK_EQ(vfs_path_of(P(root), &sub, buf, sizeof buf), 11);
    CHECK(!strcmp(buf, "/b/dst/sub"));
    struct place top;
    CHECK_EQ(walk_path(&w, P(root), "/b/dst", LOOKUP_FOLLOW, &top), 0);
    CHECK_EQ(mount_root_path(top.mnt, buf, sizeof buf), 7);
    CHECK(!strcmp(buf, "/a/src"));
    /* Read-only through the bind only. */
    CHECK_EQ(mount_remount_locked(&top, MOUNT_RDONLY, true), 0);
    CHECK_EQ(mount_writable(top.mnt, top.inode->sb), -EROFS);
    CHECK_EQ(mount_writable(src.mnt, src.inode->sb), 0);
    CHECK_EQ(mount_remount_locked(&sub, MOUNT_RDONLY, true), -EINVAL);  /* not a mount's root */
    CHECK_EQ(mount_remount_locked(&top, 0, false), -EINVAL);  /* a bind of the kernel's file system */
    mutex_unlock(&vfs_ns_lock);
    walk_end(&w);
    CHECK_EQ(op_mkdir("b/dst/new", 0755), -EROFS);
    CHECK_EQ(op_mkdir("a/src/new", 0755), 0);
    CHECK(lookup("b/dst/new", &err) != NULL);
    mutex_lock(&vfs_ns_lock);
    CHECK_EQ(mount_detach_locked(&sub, gone, &ngone), -EINVAL);
    CHECK_EQ(mount_detach_locked(&top, gone, &ngone), 0);
    CHECK_EQ(ngone, 0);  /* the root file system keeps its own mount */
    mutex_unlock(&vfs_ns_lock);
    CHECK(lookup("b/dst/sub", &err) == NULL && err == -ENOENT);
    CHECK(lookup("b/dst", &err)->mountpoints == 0);
}

/* A read-only file system: EROFS for changes, EBUSY to become one while a
 * file in it is open for writing. */
static void test_read_only_super(void)
{
    setup(1000);
    CHECK_EQ(op_mkdir("ro", 0755), 0);
    struct file *f;
    CHECK_EQ(op_open("ro/f", K_O_CREAT | K_O_RDWR, 0644, &f), 0);
    struct super_block *sb = root->sb;
    mutex_lock(&vfs_ns_lock);
    CHECK_EQ(super_set_readonly(sb, true), -EBUSY);
    mutex_unlock(&vfs_ns_lock);
    file_put(f);
    mutex_lock(&vfs_ns_lock);
    CHECK_EQ(super_set_readonly(sb, true), 0);
    mutex_unlock(&vfs_ns_lock);
    CHECK_EQ(op_mkdir("ro/d", 0755), -EROFS);
    CHECK_EQ(op_mkdir("ro", 0755), -EEXIST);
    CHECK_EQ(op_open("ro/f", K_O_RDWR, 0, &f), -EROFS);
    CHECK_EQ(op_open("ro/g", K_O_CREAT | K_O_RDONLY, 0644, &f), -EROFS);
    CHECK_EQ(op_unlink("ro/f", false), -EROFS);
    CHECK_EQ(op_rename("ro/f", "ro/g", 0), -EROFS);
    CHECK_EQ(op_link("ro/f", "ro/h"), -EROFS);
    CHECK_EQ(op_symlink("f", "ro/s"), -EROFS);
    CHECK_EQ(op_open("ro/f", K_O_RDONLY, 0, &f), 0);
    file_put(f);
    mutex_lock(&vfs_ns_lock);
    CHECK_EQ(super_set_readonly(sb, false), 0);
    mutex_unlock(&vfs_ns_lock);
    CHECK_EQ(op_unlink("ro/f", false), 0);
}

static void test_tmpfs_options(void)
{
    struct tmpfs_options o;
    CHECK_EQ(tmpfs_options_parse(NULL, &o), 0);
    CHECK_EQ(o.max_pages, 131072);
    CHECK_EQ(o.max_inodes, 131072);
    CHECK_EQ(o.mode, 01777);
    char text[96];
    tmpfs_options_show(&o, text, sizeof text);
    CHECK(!strcmp(text, ""));
    CHECK_EQ(tmpfs_options_parse("size=1m,,nr_inodes=2k,mode=1700", &o), 0);
    CHECK_EQ(o.max_pages, 256);
    CHECK_EQ(o.max_inodes, 2048);
    CHECK_EQ(o.mode, 01700);
    tmpfs_options_show(&o, text, sizeof text);
    CHECK(!strcmp(text, "size=1024k,nr_inodes=2048,mode=1700"));
    CHECK_EQ(tmpfs_options_parse("size=4097,mode=07", &o), 0);
    CHECK_EQ(o.max_pages, 2);
    tmpfs_options_show(&o, text, sizeof text);
    CHECK(!strcmp(text, "size=8k,mode=007"));
    CHECK_EQ(tmpfs_options_parse("size=25%", &o), 0);
    CHECK_EQ(o.max_pages, 65536);
    CHECK_EQ(tmpfs_options_parse("size=0,nr_inodes=0", &o), 0);
    CHECK_EQ(o.max_pages, 262144);  /* no limit but the RAM */
    CHECK_EQ(o.max_inodes, 262144);
    CHECK_EQ(tmpfs_options_parse("size=0x10k", &o), 0);
    CHECK_EQ(o.max_pages, 4);
    const char *bad[] = {"size=", "size=1x", "size=99999999999999999999", "size=16e", "nr_inodes=k",
                         "mode=", "mode=8", "mode=1777777777777", "uid=0", "noswap", "size=1m,bogus"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        CHECK_EQ(tmpfs_options_parse(bad[k], &o), -EINVAL);
}

static void test_initramfs_unpack(void)
{
    setup(100);
    static struct archive ar;
    put(&ar, 1, 040755, 2, ".", NULL);
    put(&ar, 2, 040700, 2, "./etc", NULL);
    put(&ar, 3, 0100600, 1, "/etc/secret", "s3cret");
    put(&ar, 4, 0100755, 1, "usr/bin/tool", "#!");       /* parents created */
    put(&ar, 5, 0120777, 1, "bin", "usr/bin");
    put(&ar, 6, 0100644, 2, "etc/a", NULL);             /* hard link pair: data on the last */
    put(&ar, 6, 0100644, 2, "etc/b", "shared");
    put(&ar, 7, 0100644, 1, "etc/replaced", "old");
    put(&ar, 8, 0100644, 1, "etc/replaced", "new");
    put(&ar, 9, 020600, 1, "dev/ttyS0", NULL);
    put(&ar, 0, 0, 1, "TRAILER!!!", NULL);
    CHECK_EQ(initramfs_unpack(root, ar.b, ar.len, NULL), 0);
    int err;
    struct inode *etc = lookup("etc", &err);
    CHECK(etc && etc->mode == (K_S_IFDIR | 0700));
    CHECK_EQ(etc->mtime_ns, 1000ull * 1000000000ull);
    struct inode *s = lookup("etc/secret", &err);
    CHECK(s && s->mode == (K_S_IFREG | 0600) && s->size == 6);
    CHECK(lookup("usr/bin", &err)->mode == (K_S_IFDIR | 0755));
    CHECK(lookup("bin/tool", &err) == lookup("usr/bin/tool", &err));
    struct inode *a = lookup("etc/a", &err), *b = lookup("etc/b", &err);
    CHECK(a && a == b);
    CHECK_EQ(a->nlink, 2);
    char buf[16] = {0};
    CHECK_EQ(tmpfs_read(a, buf, sizeof buf, 0), 6);
    CHECK(!strcmp(buf, "shared"));
    struct inode *rep = lookup("etc/replaced", &err);
    CHECK_EQ(tmpfs_read(rep, buf, sizeof buf, 0), 3);
    CHECK(!memcmp(buf, "new", 3));
    struct inode *dev = lookup("dev/ttyS0", &err);
    CHECK(dev && K_S_ISCHR(dev->mode));
    struct file *f;
    CHECK_EQ(op_open("dev/ttyS0", K_O_RDWR, 0, &f), -ENXIO);   /* no driver behind it */
}

static size_t consumed_upto;
static void note_consumed(size_t n)
{
    CHECK(n >= consumed_upto); /* front to back */
    consumed_upto = n;
}

/* The unpacker reports its progress through a large file (so boot can free
 * the archive behind it), and a file whose data does not fit is removed
 * rather than left cut short. */
static void test_initramfs_progress_and_no_short_file(void)
{
    setup(40);
    static struct archive ar;
    static char big[16 * 4096 + 1], huge[40 * 4096 + 1];
    memset(big, 'b', sizeof big - 1);
    memset(huge, 'h', sizeof huge - 1);
    put(&ar, 1, 0100644, 1, "big", big);
    size_t after_big = ar.len;
    put(&ar, 2, 0100755, 1, "huge", huge);             /* more than the 40 pages allowed */
    put(&ar, 0, 0, 1, "TRAILER!!!", NULL);
    consumed_upto = 0;
    CHECK_EQ(initramfs_unpack(root, ar.b, ar.len, note_consumed), -ENOSPC);
    CHECK(consumed_upto >= after_big + 64 * 1024);     /* told in pieces, inside "huge" too */
    CHECK(consumed_upto < ar.len);
    int err;
    struct inode *b = lookup("big", &err);
    CHECK(b && b->size == sizeof big - 1);
    CHECK_EQ(lookup_err("huge"), -ENOENT);
    CHECK_EQ(root->sb->used_pages, 16);                /* the cut-short file's pages are back */
}

static void test_initramfs_malformed_keeps_prefix(void)
{
    setup(100);
    static struct archive ar;
    put(&ar, 1, 0100644, 1, "good", "ok");
    size_t bad = ar.len;
    put(&ar, 2, 0100644, 1, "bad", "x");
    memcpy(ar.b + bad, "070799", 6);                   /* corrupt the magic */
    CHECK_EQ(initramfs_unpack(root, ar.b, ar.len, NULL), -EINVAL);
    int err;
    CHECK(lookup("good", &err) != NULL);
    CHECK_EQ(lookup_err("bad"), -ENOENT);
}

/* Record locks against a byte-by-byte model: three POSIX owners set and
 * remove random ranges of a 48-byte window; every refusal must be a real
 * conflict, and F_GETLK from each owner must report, for every byte, the
 * holder's whole merged range (so splits, trims and merges are exact). */
#define LOCK_BYTES 48
struct k_flock_req {
    int16_t l_type, l_whence;
    int64_t l_start, l_len;
    int32_t l_pid;
};

static int64_t lock_req(struct file *f, struct fd_table *owner, unsigned cmd, struct k_flock_req *fl)
{
    return file_lock_fcntl(f, owner, cmd, (uint64_t)fl);
}

static void test_record_locks_model(void)
{
    setup(64);
    CHECK_EQ(make_file("/locked", "x"), 0);
    struct file *f;
    CHECK_EQ(op_open("/locked", K_O_RDWR, 0, &f), 0);
    long base = live_blocks;
    struct fd_table owners[3];
    int8_t model[3][LOCK_BYTES]; /* -1 none, else K_F_RDLCK / K_F_WRLCK */
    memset(model, -1, sizeof model);
    uint64_t seed = 12345;
    for (int step = 0; step < 3000; step++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        int o = (int)((seed >> 33) % 3), start = (int)((seed >> 40) % LOCK_BYTES);
        int len = 1 + (int)((seed >> 50) % (LOCK_BYTES - start)), type = (int)((seed >> 20) % 3);
        bool conflict = false;
        for (int b = start; b < start + len; b++)
            for (int other = 0; other < 3; other++)
                if (other != o && model[other][b] >= 0 && type != K_F_UNLCK &&
                    (model[other][b] == K_F_WRLCK || type == K_F_WRLCK))
                    conflict = true;
        struct k_flock_req fl = {.l_type = (int16_t)type, .l_start = start, .l_len = len};
        CHECK_EQ(lock_req(f, &owners[o], K_F_SETLK, &fl), conflict ? -EAGAIN : 0);
        if (!conflict)
            for (int b = start; b < start + len; b++)
                model[o][b] = type == K_F_UNLCK ? -1 : (int8_t)type;
        for (int asker = 0; asker < 3; asker++) {
            for (int b = 0; b < LOCK_BYTES; b++) {
                int holder = -1;
                for (int other = 0; other < 3; other++)
                    if (other != asker && model[other][b] == K_F_WRLCK)
                        holder = other;
                struct k_flock_req q = {.l_type = K_F_RDLCK, .l_start = b, .l_len = 1};
                CHECK_EQ(lock_req(f, &owners[asker], K_F_GETLK, &q), 0);
                if (holder < 0) {
                    CHECK_EQ(q.l_type, K_F_UNLCK);
                    continue;
                }
                int lo = b, hi = b;
                while (lo > 0 && model[holder][lo - 1] == K_F_WRLCK)
                    lo--;
                while (hi + 1 < LOCK_BYTES && model[holder][hi + 1] == K_F_WRLCK)
                    hi++;
                CHECK_EQ(q.l_type, K_F_WRLCK);
                CHECK_EQ(q.l_start, lo);
                CHECK_EQ(q.l_len, hi - lo + 1);
                CHECK_EQ(q.l_pid, 7);
            }
        }
    }
    /* A close by each owner drops all its locks; nothing is left allocated. */
    for (int o = 0; o < 3; o++)
        file_locks_fd_closed(f, &owners[o]);
    CHECK(list_empty(&f->inode->file_locks));
    CHECK_EQ(live_blocks, base);
    file_put(f);
}

int main(void)
{
    return unit_main("fs", (struct unit_test[]){
        UNIT(test_lookup_dots_and_slashes),
        UNIT(test_lookup_name_limits),
        UNIT(test_symlinks),
        UNIT(test_tmpfs_holes_and_truncate),
        UNIT(test_tmpfs_enospc_keeps_data),
        UNIT(test_tmpfs_enomem_keeps_data),
        UNIT(test_inode_limit),
        UNIT(test_metadata_counts_toward_size),
        UNIT(test_failed_first_entry_leaves_no_table),
        UNIT(test_large_directory),
        UNIT(test_undo_without_memory),
        UNIT(test_tmpfs_lend_page),
        UNIT(test_record_locks_model),
        UNIT(test_unlink_frees_when_unused),
        UNIT(test_mkdir_rmdir_errors),
        UNIT(test_rename),
        UNIT(test_getcwd_path_and_mounts),
        UNIT(test_user_mounts_detach_and_destroy),
        UNIT(test_mount_path_escape),
        UNIT(test_bind_mount_places),
        UNIT(test_tmpfs_options),
        UNIT(test_read_only_super),
        UNIT(test_open_checks),
        UNIT(test_fd_table),
        UNIT(test_pipe_ring_wraps),
        UNIT(test_initramfs_unpack),
        UNIT(test_initramfs_progress_and_no_short_file),
        UNIT(test_initramfs_malformed_keeps_prefix),
        {0},
    });
}
