/* devfs: the device nodes under /dev.  It is a tmpfs instance (so programs
 * may create files there too) whose character-device inodes carry driver
 * operations:
 *
 *   node      major:minor  what
 *   null      1:3          reads EOF, swallows writes
 *   zero      1:5          reads zeros, swallows writes
 *   random    1:8          the kernel entropy pool (never blocks)
 *   urandom   1:9          the same
 *   tty       5:0          the console
 *   console   5:1          the 16550 console (drivers/console.c) */
#include <drivers/console.h>
#include <fs/dir.h>
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
    {"tty", 0666, 5, 0, &console_ops},
    {"console", 0600, 5, 1, &console_ops},
};

struct super_block *devfs_create(void)
{
    struct super_block *sb = tmpfs_create("devfs", DEV_MINOR_DEVFS, 1024, 0755);
    if (!sb)
        return NULL;
    mutex_lock(&vfs_ns_lock);
    for (size_t k = 0; k < ARRAY_SIZE(nodes); k++) {
        const struct devnode *d = &nodes[k];
        struct inode *i = inode_alloc(sb, K_S_IFCHR | d->perm);
        if (!i)
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
