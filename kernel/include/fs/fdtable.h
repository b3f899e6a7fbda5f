/* File-descriptor tables and filesystem contexts (declared opaque in
 * fs/kernel_api.h). */
#ifndef FS_FDTABLE_H
#define FS_FDTABLE_H

#include <fs/kernel_api.h>
#include <fs/vfs.h>
#include <kernel/spinlock.h>

#define FD_LIMIT_DEFAULT 1024u  /* RLIMIT_NOFILE soft and hard default */
#define FD_LIMIT_MAX 65536u     /* the largest limit accepted (Linux's nr_open is larger) */

struct fd_table {
    uint32_t refs;        /* atomic: threads sharing it (CLONE_FILES) */
    spinlock_t lock;      /* protects files, cloexec, cap, limit */
    unsigned cap;         /* slots in files[] */
    struct file **files;
    uint8_t *cloexec;     /* one byte per slot: FD_CLOEXEC */
    unsigned limit;       /* RLIMIT_NOFILE: fds must be below it */
};

struct fs_context {
    uint32_t refs;        /* atomic: processes sharing it (CLONE_FS) */
    spinlock_t lock;      /* protects cwd, root, umask */
    struct place root;    /* references */
    struct place cwd;
    unsigned umask;
};

struct file *fd_get(struct fd_table *t, int fd);
/* Drops f, just taken out of t by a close: also the POSIX record locks t
 * holds on f's file (fs/file_lock.h). */
void fd_close_file(struct fd_table *t, struct file *f);
/* Installs f at the lowest free fd >= min (F_DUPFD): the fd, -EMFILE, or
 * -EINVAL when min is at or above the limit. */
int fd_install_from(struct fd_table *t, struct file *f, int min, bool cloexec);
/* Puts f at exactly fd (dup2/dup3), closing what was there: fd or -EBADF
 * (fd outside the limit) or -ENOMEM. */
int fd_install_at(struct fd_table *t, int fd, struct file *f, bool cloexec);
/* Removes fd and returns its file (the table's reference), or NULL. */
struct file *fd_remove(struct fd_table *t, int fd);
int fd_get_cloexec(struct fd_table *t, int fd);          /* 0/1, or -EBADF */
int fd_set_cloexec(struct fd_table *t, int fd, bool on); /* 0 or -EBADF */
/* RLIMIT_NOFILE of the table (for getrlimit/prlimit64). */
unsigned fd_table_get_limit(struct fd_table *t);
/* Sets it: 0, or -EINVAL above FD_LIMIT_MAX.  Open fds at or above
 * the new limit stay open (as on Linux). */
int fd_table_set_limit(struct fd_table *t, unsigned limit);

/* The current process's tables, or for kernel threads a boot context
 * (root "/" as cwd and root, umask 022) and no fd table (NULL). */
struct fd_table *current_files(void);
struct fs_context *current_fs(void);
/* References to the current root and cwd (place_put when done; cwd may be NULL). */
void fs_context_paths(struct fs_context *c, struct place *root, struct place *cwd);
/* Replaces the cwd with dir (takes references of its own). */
void fs_context_set_cwd(struct fs_context *c, const struct place *dir);
/* Replaces the root with dir (chroot; takes references of its own). */
void fs_context_set_root(struct fs_context *c, const struct place *dir);

#endif
