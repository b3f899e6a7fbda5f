/* devfs: the device nodes under /dev.  It is a tmpfs instance (so programs
 * may create files there too) whose character-device inodes carry driver
 * operations:
 *
 *   node      major:minor  what
 *   null      1:3          reads EOF, swallows writes
 *   zero      1:5          reads zeros, swallows writes
 *   random    1:8          the kernel entropy pool (never blocks)
 *   urandom   1:9          the same
 *   tty       5:0          the caller's controlling terminal (ENXIO without one)
 *   console   5:1          the 16550 console (drivers/console.c)
 *   ttyS0     4:64         the same terminal, acquired on open by a session leader
 *
 * Drivers add nodes at run time with devfs_register (fs/devfs.h). */
#include <drivers/console.h>
#include <fs/devfs.h>
#include <fs/dir.h>
#include <fs/kernel_api.h>
#include <fs/mount.h>
#include <fs/namei.h>
#include <kernel/errno.h>
#include <kernel/random.h>
#include <kernel/string.h>

static int64_t null_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)f, (void)buf, (void)n, (void)pos, (void)io;
    return 0;
}

static int64_t sink_write(struct file *f, const void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)f, (void)buf, (void)pos, (void)io;
    return (int64_t)n;
}

static int64_t zero_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)f, (void)pos, (void)io;
    memset(buf, 0, n);
    return (int64_t)n;
}

static int64_t random_dev_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)f, (void)pos, (void)io;
    return random_read(buf, n);
}

/* Linux lets every one of these be seeked (the position means nothing). */
static const struct file_ops null_ops = {.read = null_read, .write = sink_write, .seekable = true};
static const struct file_ops zero_ops = {.read = zero_read, .write = sink_write, .seekable = true};
static const struct file_ops random_ops = {.read = random_dev_read, .write = sink_write, .seekable = true};

struct devnode {
    const char *name;
    uint32_t perm, major, minor;
    const struct file_ops *ops;
};

static const struct devnode nodes[] = {
    {"null", 0666, 1, 3, &null_ops},
    {"zero", 0666, 1, 5, &zero_ops},
    {"random", 0666, 1, 8, &random_ops},
    {"urandom", 0666, 1, 9, &random_ops},
    {"tty", 0666, 5, 0, &console_tty_ops},
    {"console", 0600, 5, 1, &console_ops},
    {"ttyS0", 0620, 4, 64, &console_serial_ops},
};

static struct super_block *devfs_sb; /* set once by devfs_create */

/* The device inodes with a flush (ops->fsync), for sync(2); each holds a
 * reference so it stays when its name is removed. */
#define FLUSHABLE_MAX 32
static struct mutex flushable_lock = MUTEX_INIT(flushable_lock); /* protects flushable, nflushable; held across the flushes */
static struct inode *flushable[FLUSHABLE_MAX];
static unsigned nflushable;

void devfs_flush_all(void)
{
    mutex_lock(&flushable_lock);
    for (unsigned k = 0; k < nflushable; k++) {
        struct inode *i = flushable[k];
        struct file *f = file_alloc(i, i->dev.ops, K_O_RDONLY);
        if (!f)
            continue; /* out of memory: this disk goes unflushed, as sync cannot say */
        (void)i->dev.ops->fsync(f);
        file_put(f);
    }
    mutex_unlock(&flushable_lock);
}

static bool devfs_name_ok(const char *name)
{
    size_t len = strlen(name);
    return len && len < 256 && !strchr(name, '/') && !name_is_dot_or_dotdot(name, len);
}

/* Links a new inode of mode under dir as name.  Caller holds vfs_ns_lock. */
static int devfs_add(struct inode *dir, const char *name, uint32_t mode, struct inode **out)
{
    if (dir_find(dir, name, strlen(name)))
        return -EEXIST;
    struct inode *i;
    int r = inode_alloc(devfs_sb, mode, &i);
    if (r)
        return r;
    r = dir_add(dir, name, strlen(name), i);
    inode_put(i); /* the name keeps it, or it goes */
    *out = r ? NULL : i;
    return r;
}

int devfs_register(const char *dir, const char *name, uint32_t mode, uint32_t major, uint32_t minor,
                   const struct file_ops *ops, void *priv, uint64_t size)
{
    if (!devfs_sb)
        return -ENODEV;
    if (!devfs_name_ok(name) || (dir && dir[0] && !devfs_name_ok(dir)))
        return -EINVAL;
    mutex_lock(&vfs_ns_lock);
    struct inode *parent = devfs_sb->root;
    int r = 0;
    if (dir && dir[0]) {
        struct dentry *d = dir_find(parent, dir, strlen(dir));
        if (d)
            parent = K_S_ISDIR(d->inode->mode) ? d->inode : NULL;
        else
            r = devfs_add(parent, dir, K_S_IFDIR | 0755, &parent);
        if (!r && !parent)
            r = -ENOTDIR;
    }
    struct inode *i = NULL;
    if (!r)
        r = devfs_add(parent, name, mode, &i);
    if (!r) {
        i->rdev_major = major;
        i->rdev_minor = minor;
        i->dev.ops = ops;
        i->dev.priv = priv;
        i->size = size;
    }
    struct inode *flush = !r && ops->fsync ? inode_get(i) : NULL; /* taken while the name holds it */
    mutex_unlock(&vfs_ns_lock);
    if (flush) {
        mutex_lock(&flushable_lock);
        if (nflushable < FLUSHABLE_MAX)
            flushable[nflushable++] = flush;
        else
            inode_put(flush);
        mutex_unlock(&flushable_lock);
    }
    return r;
}

struct super_block *devfs_create(void)
{
    struct super_block *sb = tmpfs_create("devtmpfs", DEV_MINOR_DEVFS, 1024, 1024, 0755);
    if (!sb)
        return NULL;
    devfs_sb = sb;
    mutex_lock(&vfs_ns_lock);
    for (size_t k = 0; k < ARRAY_SIZE(nodes); k++) {
        const struct devnode *d = &nodes[k];
        struct inode *i;
        if (inode_alloc(sb, K_S_IFCHR | d->perm, &i))
            break;
        i->rdev_major = d->major;
        i->rdev_minor = d->minor;
        i->dev.ops = d->ops;
        int r = dir_add(sb->root, d->name, strlen(d->name), i);
        inode_put(i); /* the name keeps it, or it goes */
        if (r)
            break;
    }
    mutex_unlock(&vfs_ns_lock);
    return sb;
}
