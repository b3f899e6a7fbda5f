/* procfs inodes: made per lookup, listed per getdents (see procfs.h). */
#include <fs/dir.h>
#include <fs/kernel_api.h>
#include <fs/mount.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/slab.h>

#include "procfs.h"

static const struct inode_ops proc_iops;

/* Stable inode numbers, so that two lookups of one name agree (find, ls -i):
 * pid and tid in the high bits, then the fd, or the entry's place in the
 * kernel's read-only data (entries are distinct objects there). */
static uint64_t proc_ino(const struct proc_entry *e, int pid, int tid, int fd)
{
    uint64_t slot = fd ? (1u << 23) | (uint64_t)fd : 2 + (((uintptr_t)e >> 3) & 0x3fffff);
    return (uint64_t)pid << 40 | (uint64_t)tid << 24 | slot;
}

static int proc_inode_new(struct proc_inode *parent, const struct proc_entry *e, int pid, int tid, int fd,
                          struct inode **out)
{
    struct inode *i;
    int r = inode_alloc_sized(parent->vfs.sb, e->mode, sizeof(struct proc_inode), &i);
    if (r)
        return r;
    struct proc_inode *pi = PI(i);
    i->ino = proc_ino(e, pid, tid, fd);
    i->nlink = K_S_ISDIR(e->mode) ? 2 : 1; /* for stat only: references alone keep it (inode.c) */
    i->iops = &proc_iops;
    pi->entry = e;
    pi->pid = pid;
    pi->tid = tid;
    pi->fd = fd;
    pi->parent = inode_get(&parent->vfs);
    if (K_S_ISDIR(e->mode))
        i->dir.parent = &parent->vfs; /* ".." (the reference is pi->parent) */
    r = e->resolve ? e->resolve(pi) : 0;
    if (r) {
        inode_put(i); /* its only reference: freed */
        return r;
    }
    *out = i;
    return 0;
}

/* "42" -> 42; names with a leading zero, a sign or other bytes are not
 * numbers here (as on Linux: /proc/042 does not exist). */
static int name_number(const char *name, size_t len)
{
    if (len == 0 || len > 9 || (name[0] == '0' && len > 1))
        return -1;
    int n = 0;
    for (size_t k = 0; k < len; k++) {
        if (name[k] < '0' || name[k] > '9')
            return -1;
        n = n * 10 + (name[k] - '0');
    }
    return n;
}

/* The pid, tid and fd of a numbered child n of dir. */
static void child_ids(struct proc_inode *dir, int n, int *pid, int *tid, int *fd)
{
    *pid = dir->pid;
    *tid = dir->tid;
    *fd = 0;
    switch (dir->entry->dir_ops->number) {
    case PROC_NUM_PID: *pid = n; break;
    case PROC_NUM_TID: *tid = n; break;
    case PROC_NUM_FD: *fd = n; break;
    }
}

static uint8_t mode_dtype(uint32_t mode)
{
    switch (mode & K_S_IFMT) {
    case K_S_IFDIR: return K_DT_DIR;
    case K_S_IFLNK: return K_DT_LNK;
    default: return K_DT_REG;
    }
}

static int proc_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
    struct proc_inode *pi = PI(dir);
    const struct proc_entry *e = pi->entry;
    for (size_t k = 0; k < e->nentries; k++) {
        const struct proc_entry *c = &e->entries[k];
        if (strlen(c->name) == len && !memcmp(c->name, name, len))
            return proc_inode_new(pi, c, pi->pid, pi->tid, 0, out);
    }
    int n = e->dir_ops ? name_number(name, len) : -1;
    /* The number must be listed now: the process, thread or fd exists. */
    if (n < 0 || e->dir_ops->next(pi, n - 1) != n)
        return -ENOENT;
    int pid, tid, fd;
    child_ids(pi, n, &pid, &tid, &fd);
    return proc_inode_new(pi, e->dir_ops->child, pid, tid, fd, out);
}

/* getdents positions: fixed entries from DIR_FIRST_SEQ, then numbered
 * children at NUMBERED_POS + n. */
#define NUMBERED_POS (1ull << 32)

static bool proc_readdir(struct inode *dir, uint64_t *pos, dir_emit_fn emit, void *ctx)
{
    struct proc_inode *pi = PI(dir);
    const struct proc_entry *e = pi->entry;
    for (; *pos < DIR_FIRST_SEQ + e->nentries; ++*pos) {
        const struct proc_entry *c = &e->entries[*pos - DIR_FIRST_SEQ];
        if (!emit(ctx, proc_ino(c, pi->pid, pi->tid, 0), *pos + 1, mode_dtype(c->mode), c->name, strlen(c->name)))
            return false;
    }
    if (!e->dir_ops)
        return true;
    if (*pos < NUMBERED_POS)
        *pos = NUMBERED_POS;
    for (;;) {
        int n = e->dir_ops->next(pi, (int)(*pos - NUMBERED_POS) - 1);
        if (n < 0)
            return true;
        char name[12];
        int len = ksnprintf(name, sizeof name, "%d", n);
        int pid, tid, fd;
        child_ids(pi, n, &pid, &tid, &fd);
        uint64_t ino = proc_ino(e->dir_ops->child, pid, tid, fd);
        if (!emit(ctx, ino, NUMBERED_POS + (uint64_t)n + 1, mode_dtype(e->dir_ops->child->mode), name, (size_t)len)) {
            *pos = NUMBERED_POS + (uint64_t)n;
            return false;
        }
        *pos = NUMBERED_POS + (uint64_t)n + 1;
    }
}

static int proc_readlink(struct inode *i, char *buf, size_t size)
{
    struct proc_inode *pi = PI(i);
    struct textbuf b = {0};
    int r = pi->entry->text(pi, &b);
    if (!r && b.err)
        r = b.err;
    if (!r && b.len + 1 > size)
        r = -ENAMETOOLONG;
    if (!r) {
        memcpy(buf, b.buf, b.len);
        buf[b.len] = '\0';
        r = (int)b.len;
    }
    tb_free(&b);
    return r;
}

static struct inode *proc_follow(struct inode *i, struct inode **dir, struct mount **mnt)
{
    struct proc_inode *pi = PI(i);
    *dir = NULL;
    if (pi->target_file) {
        *dir = pi->target_file->dir;
        *mnt = pi->target_file->mnt;
        return pi->target_file->inode;
    }
    *mnt = pi->target.mnt;
    return pi->target.inode;
}

static size_t proc_name(struct inode *dir, char *buf, size_t size)
{
    struct proc_inode *pi = PI(dir);
    if (pi->entry->name[0])
        return (size_t)ksnprintf(buf, size, "%s", pi->entry->name);
    int n = 0;
    switch (PI(pi->parent)->entry->dir_ops->number) {
    case PROC_NUM_PID: n = pi->pid; break;
    case PROC_NUM_TID: n = pi->tid; break;
    case PROC_NUM_FD: n = pi->fd; break;
    }
    return (size_t)ksnprintf(buf, size, "%d", n);
}

static void proc_evict(struct inode *i)
{
    struct proc_inode *pi = PI(i);
    if (pi->target_file)
        file_put(pi->target_file);
    if (pi->target.inode)
        place_put(&pi->target);
    if (pi->parent)
        inode_put(pi->parent);
}

/* An open generated file: its content, built at the first read and again
 * at every read from offset 0 (what a reader that seeks back to re-read
 * wants, as Linux's seq_file gives it). */
struct proc_file {
    struct mutex lock; /* protects text; held while it is built and copied (pread needs no pos_lock) */
    struct textbuf text;
    bool built;
};

static int proc_open(struct file *f)
{
    const struct proc_entry *e = PI(f->inode)->entry;
    if (FILE_WRITABLE(f) && !e->write && e->write_err == -EACCES)
        return -EACCES;
    struct proc_file *pf = kzalloc(sizeof *pf);
    if (!pf)
        return -ENOMEM;
    mutex_init(&pf->lock);
    f->priv = pf;
    return 0;
}

static int64_t proc_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)io;
    struct proc_inode *pi = PI(f->inode);
    struct proc_file *pf = f->priv;
    int64_t r = 0;
    mutex_lock(&pf->lock);
    if (!pf->built || *pos == 0) {
        tb_free(&pf->text);
        pf->built = false;
        r = pi->entry->show(pi, &pf->text);
        if (!r)
            r = pf->text.err;
        pf->built = r == 0;
    }
    if (!r && *pos < pf->text.len) {
        r = (int64_t)MIN(n, pf->text.len - *pos);
        memcpy(buf, pf->text.buf + *pos, (size_t)r);
    }
    mutex_unlock(&pf->lock);
    return r;
}

static int64_t proc_write(struct file *f, const void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)pos, (void)io;
    struct proc_inode *pi = PI(f->inode);
    if (!pi->entry->write)
        return pi->entry->write_err;
    return pi->entry->write(pi, buf, n);
}

static void proc_release(struct file *f)
{
    struct proc_file *pf = f->priv;
    if (!pf)
        return;
    tb_free(&pf->text);
    kfree(pf);
}

static const struct file_ops proc_file_ops = {
    .read = proc_read,
    .write = proc_write,
    .seekable = true,
    .open = proc_open,
    .release = proc_release,
};

/* One set for all: follow names an object only for the magic links (exe,
 * cwd, root, fd/N), which took theirs at lookup. */
static const struct inode_ops proc_iops = {
    .lookup = proc_lookup,
    .readdir = proc_readdir,
    .readlink = proc_readlink,
    .follow = proc_follow,
    .name = proc_name,
    .fops = &proc_file_ops,
    .evict = proc_evict,
};

struct super_block *procfs_create(void)
{
    struct super_block *sb = super_create("proc", PROC_SUPER_MAGIC, DEV_MINOR_PROC, 0, 0);
    struct inode *root;
    if (!sb || inode_alloc_sized(sb, proc_root_entry.mode, sizeof(struct proc_inode), &root)) {
        kfree(sb);
        return NULL;
    }
    root->ino = 1;
    root->nlink = 2;
    root->iops = &proc_iops;
    PI(root)->entry = &proc_root_entry;
    sb->root = root; /* its reference is the file system's, for ever */
    return sb;
}
