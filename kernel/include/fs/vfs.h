/* The VFS core: inodes, superblocks, open files.
 *
 * Every file system here lives in memory (tmpfs for /, /tmp, /run; devfs
 * is a tmpfs instance whose character nodes carry driver operations; pipes
 * get anonymous inodes), so the inode *is* the file: there is no separate
 * dentry cache.  A directory inode holds its entries (fs/dir.h) and a
 * pointer to its parent: directories cannot be hard-linked, so the parent
 * is unique inside a file system.  A directory may still be seen at two
 * places (a bind mount): positions in the tree are struct place, a mount
 * and an inode, and ".." and getcwd climb out of a mount's root to where
 * that mount is shown (fs/mount.h).
 *
 * Locks, in the order they may be taken:
 *   vfs_ns_lock (mutex, fs/namei.c) protects the whole namespace: every
 *     directory's entries, parent pointers, nlink of every inode, mount
 *     links, and inode metadata changes (mode, times, owner).  Path lookup
 *     runs entirely under it, so it never holds references mid-walk.
 *   inode->data_lock (mutex) protects a regular file's pages and size.
 *   inode_life_lock (spinlock, fs/inode.c) protects every refs count and
 *     makes the "refs and nlink both zero -> free" decision race-free.
 *   unix_lock (spinlock, net/unix.h) may be taken under vfs_ns_lock: bind
 *     and connect set and read a socket inode's sock.bound with both held.
 * No lock is ever held across copy_from_user/copy_to_user: a user page
 * fault may need kernel_pread (file-backed mappings), which takes data_lock. */
#ifndef FS_VFS_H
#define FS_VFS_H

#include <fs/uapi.h>
#include <kernel/list.h>
#include <kernel/mutex.h>
#include <kernel/range_tree.h>
#include <kernel/types.h>

struct inode;
struct file;
struct walk;
struct mount;     /* fs/mount.h */
struct uio;       /* fs/uio.h */
struct poll_head; /* fs/poll_head.h */
struct unix_sock; /* net/unix.h */
struct pipe;      /* fs/pipe_internal.h */

/* A file system's limits, as Linux's tmpfs size= and nr_inodes=: new
 * inodes (and extra hard links) beyond max_inodes, and data pages plus the
 * memory of inodes, names and name tables beyond max_pages, are ENOSPC.  So
 * no file system can take more than its share of kernel memory, whatever
 * mix of files, directories and names a user makes.  max_inodes 0: not
 * accounted at all (pipefs, whose inodes live and die with their pipes). */
struct super_block {
    const char *name;     /* "tmpfs", "devfs", "pipefs": for diagnostics */
    uint64_t magic;       /* statfs f_type: K_TMPFS_MAGIC, K_PIPEFS_MAGIC */
    uint32_t dev_minor;   /* st_dev is 0:dev_minor (anonymous device, as tmpfs on Linux) */
    uint64_t next_ino;    /* protected by inode_life_lock */
    uint64_t max_pages;   /* data pages + metadata bytes / 4 KiB allowed */
    uint64_t max_inodes;
    /* Protected by inode_life_lock: */
    uint64_t used_pages;  /* data pages */
    uint64_t used_bytes;  /* inodes, names, name tables, symlink targets */
    uint64_t used_inodes; /* inodes + extra hard links */
    /* The sum of its inodes' refs: what umount2 tells a busy file system by
     * (an open file, a cwd or root, a mapping, a lookup in flight). */
    uint64_t inode_refs;
    /* Inodes open for writing (write_count > 0), under inode_life_lock:
     * a remount read-only is EBUSY while there are any. */
    uint64_t writers;
    /* Mounted MS_RDONLY: every change through it is EROFS.  Set under both
     * vfs_ns_lock and inode_life_lock (super_set_readonly), so holding
     * either one is enough to read it. */
    bool readonly;
    /* Unmounted lazily (umount2 MNT_DETACH) while still in use: destroy(sb)
     * runs when inode_refs drops back to 1 (its root's own reference) in
     * inode_put.  Under inode_life_lock; set by super_detach. */
    bool detached;
    /* Mounts of it in the tree (a bind mount is one more), under
     * vfs_ns_lock: the file system is let go when the last one leaves. */
    unsigned mounts;
    void (*destroy)(struct super_block *sb); /* frees a file system mount(2) made */
    struct inode *root;
};

/* Flags for read and write operations (not the file's flags). */
#define IO_NONBLOCK 1u /* do not sleep: -EAGAIN instead */
#define IO_ATOMIC 2u   /* a pipe write of at most PIPE_BUF bytes: all or nothing */
#define IO_PEEK 4u     /* read without consuming (the caller consumes what it could copy out) */
/* Only for files with write_batches: another piece of the same write(2)
 * follows, so a driver may hold back telling its device (the notify is an
 * exit to the hypervisor).  A call without it, of 0 bytes too, ends the batch. */
#define IO_MORE 8u
/* A read piece after one that returned bytes (so IO_NONBLOCK is the
 * caller's, not the file's): its -EAGAIN reaches no one. */
#define IO_CONT 16u

/* What a kind of open file can do.  NULL members mean "not supported"
 * (the caller returns the Linux error for that case).  read/write move
 * bytes between the file and a *kernel* buffer at *pos (which the caller
 * owns: the file offset, or a pread offset); they return the bytes moved
 * or -errno.  The syscall layer splits user buffers into chunks. */
struct file_ops {
    int64_t (*read)(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned ioflags);
    int64_t (*write)(struct file *f, const void *buf, size_t n, uint64_t *pos, unsigned ioflags);
    /* Files whose records must not be cut into bounce-sized pieces
     * (sockets: a datagram is read whole): read(2)/write(2) hand them the
     * user's vector (fs/uio.h) instead of calling read/write. */
    int64_t (*read_uio)(struct file *f, struct uio *u, unsigned ioflags);
    int64_t (*write_uio)(struct file *f, struct uio *u, unsigned ioflags);
    bool seekable;                                   /* lseek/pread/pwrite allowed (else ESPIPE) */
    bool write_batches;                              /* write understands IO_MORE */
    /* read and write move one message per call (eventfd, timerfd): the
     * count one returns ends the read(2) or write(2), short or not. */
    bool message_io;
    /* Streams (pipes, the console) that support IO_PEEK: removes n bytes
     * already returned by a peek.  Callers serialise the stream's readers
     * with read_turn, so what was peeked is still there. */
    void (*consume)(struct file *f, size_t n);
    /* With consume: the mutex the readers of the stream take turns with
     * between peek and consume, one per stream whichever open file it is
     * read through (fs/sys_rw.c takes it interruptibly). */
    struct mutex *(*read_turn)(struct file *f);
    int (*ioctl)(struct file *f, unsigned cmd, uint64_t uarg);
    /* Ready K_POLL* bits right now.  arm: the poller sleeps next unless a
     * file is ready, so set up whatever wakes it (only files with
     * poll_news see arm false: poll(2) polls them first, see fs/poll.c). */
    unsigned (*poll)(struct file *f, bool arm);
    /* The head its driver notifies (fs/poll_head.h), the same for the
     * file's whole life; NULL: the driver calls poll_notify(). */
    struct poll_head *(*poll_head)(struct file *f);
    /* A file whose readiness changes with time alone (a timer): the
     * monotonic ns at which poll's answer may next change, 0 for never.
     * Pollers sleep no later than that and scan again. */
    uint64_t (*poll_deadline)(struct file *f);
    /* A count bumped at every change of the file's readiness that pollers
     * are notified of, for edge-triggered epoll (fs/epoll.c): it tells "more
     * data came" apart from "still the same data".  NULL: only changes of
     * the ready bits count. */
    uint64_t (*poll_events)(struct file *f);
    /* A cheap lockless hint that poll's answer may have changed (a device
     * has news), for a poller that spins a moment before it sleeps. */
    bool (*poll_news)(struct file *f);
    int (*truncate)(struct file *f, uint64_t len);
    int (*open)(struct file *f);                     /* a device node was opened: 0 or -errno */
    /* After open(2) has released vfs_ns_lock: sleeps for what the open still
     * needs (a FIFO's peer).  0, or -errno and the caller closes the file. */
    int (*open_wait)(struct file *f);
    int (*fsync)(struct file *f);                    /* fsync/fdatasync (a disk's flush); NULL: nothing to do */
    void (*release)(struct file *f);                 /* the last reference is gone */
    /* What /proc/<pid>/fd/N shows for a file not opened by a path (f->dir
     * NULL): "socket:[ino]" and the like, into buf[size]; the length
     * without the NUL.  NULL: "pipe:[ino]" for pipes, else
     * "anon_inode:[<file system name>]" (fs/file_path.c). */
    int (*link_name)(struct file *f, char *buf, size_t size);
};

/* Called back by inode_ops.readdir for each entry: false when the caller's
 * buffer is full (that entry is then not listed). */
typedef bool (*dir_emit_fn)(void *ctx, uint64_t ino, uint64_t next_pos, uint8_t type, const char *name,
                            size_t len);

/* The operations of inodes a file system makes on demand instead of keeping
 * them in directories (procfs).  An inode with iops NULL is an in-memory
 * one (tmpfs, devfs, pipefs) that the generic code handles whole.  Such a
 * file system's directories accept no new names: lookups and listings come
 * from these functions, its links may name objects directly (follow), its
 * regular files have their own file operations. */
struct inode_ops {
    /* A directory: the inode called name (not "." or ".."), in *out with a
     * reference the walk keeps until walk_end.  Runs under vfs_ns_lock.
     * 0, -ENOENT, -ENOMEM. */
    int (*lookup)(struct inode *dir, const char *name, size_t len, struct inode **out);
    /* A directory: emits its entries from position *pos (DIR_FIRST_SEQ is
     * the first) and leaves *pos at the first one not emitted.  False when
     * emit refused one (the caller's buffer is full), true at the end.
     * Runs under vfs_ns_lock. */
    bool (*readdir)(struct inode *dir, uint64_t *pos, dir_emit_fn emit, void *ctx);
    /* A symlink: its target text into buf[size], NUL-terminated; the length
     * without the NUL, or -errno.  Called without vfs_ns_lock by readlink,
     * under it by path walks for links without follow (so those must not
     * take it). */
    int (*readlink)(struct inode *i, char *buf, size_t size);
    /* A symlink that names an object, not a path (Linux's "magic links":
     * /proc/<pid>/exe, fd/N, cwd, root): the inode it names, valid while i
     * lives; *dir gets the directory that held the object's name when known
     * (an open file's f->dir), else NULL; *mnt the mount it was reached
     * through (NULL if unknown: the first mount of its file system).
     * NULL (or no op): a link to a path, whose readlink text walks follow. */
    struct inode *(*follow)(struct inode *i, struct inode **dir, struct mount **mnt);
    /* Its name in its directory (for getcwd and /proc's paths), into
     * buf[size]; the length.  Runs under vfs_ns_lock. */
    size_t (*name)(struct inode *dir, char *buf, size_t size);
    const struct file_ops *fops; /* what its regular files open with */
    /* i is being freed (refs and nlink 0): drop what the file system hung
     * on it.  The generic code frees the inode itself. */
    void (*evict)(struct inode *i);
};

/* The operations an inode opens with: per type, or a device's. */
struct inode {
    uint64_t ino;
    uint32_t mode;        /* K_S_IF* type | permission bits */
    uint32_t nlink;       /* names (+1 for "." of a directory); under vfs_ns_lock */
    uint32_t uid, gid;    /* always 0 for now */
    uint64_t size;        /* regular: bytes; symlink: target length; dir: entries */
    uint64_t atime_ns, mtime_ns, ctime_ns;
    uint32_t rdev_major, rdev_minor;
    struct super_block *sb;
    uint32_t refs;        /* open files, cwd/root, lookups in flight: inode_life_lock */
    /* Linux's i_writecount, under inode_life_lock: > 0 open files that may
     * write it, < 0 programs executing it.  Never both: the other side gets
     * ETXTBSY. */
    int32_t write_count;
    /* What measured launch's cache knows a content by (security/measure.c):
     * serial is unique over the boot and never reused; write_gen grows each
     * time write access is granted (inode_get_write_access), the only way
     * to change a file's bytes once the initramfs is unpacked.  Both under
     * inode_life_lock. */
    uint64_t serial, write_gen;
    bool freed;

    struct mutex data_lock;
    /* Advisory locks held on it, struct file_lock (fs/file_lock.c), under file_lock_lock. */
    struct list_head file_locks;
    union {
        struct {                  /* regular file: page i holds bytes [i*4K, (i+1)*4K) */
            uint8_t **pages;      /* NULL entries are holes (read as zeros) */
            size_t npages;        /* slots in pages[] */
            uint64_t resident;    /* non-NULL pages (st_blocks), read without the lock */
        } reg;
        struct {                      /* fs/dir.h */
            struct range_tree order;  /* struct dentry by seq */
            struct dentry **buckets;  /* hash table of names; NULL while empty */
            uint32_t nbuckets;        /* a power of two, or 0 */
            uint64_t next_seq;
            struct inode *parent;     /* NULL once removed */
            struct dentry *entry;     /* its name in parent; NULL for a root or once removed */
        } dir;
        struct {
            char *target;
        } lnk;
        struct {                  /* a socket's name in the tree (net/unix_name.c) */
            struct unix_sock *bound; /* the socket bound to it; NULL once closed (under unix_lock) */
        } sock;
        struct {
            const struct file_ops *ops;
            void *priv;
        } dev;
        struct {                  /* a named pipe (fs/fifo.c) */
            struct pipe *pipe;    /* while open; NULL when no end is (fifo_lock) */
        } fifo;
    };
    /* Mounts whose mount point it is (any mount of its file system), under
     * vfs_ns_lock: a cheap test before the mount table is searched, and
     * what makes rmdir and rename of a mount point EBUSY. */
    uint32_t mountpoints;
    const struct inode_ops *iops; /* NULL: an in-memory inode (see struct inode_ops) */
    struct inode *held_next;      /* a lookup-made inode in a walk's list (fs/namei.h) */
};

struct file {
    uint32_t refs;              /* atomic */
    const struct file_ops *ops;
    struct inode *inode;        /* a reference */
    uint32_t flags;             /* access mode | status flags (O_APPEND, O_NONBLOCK...) */
    bool writer;                /* counted in inode->write_count */
    /* Regular files and directories only: serialises the users of pos
     * (read, write, lseek, getdents; Linux's f_pos_lock).  fs/sys_rw.c. */
    struct mutex pos_lock;
    uint64_t pos;               /* atomic loads and stores where pos_lock is not taken;
                                 * a FIFO end: the peer open count it waits past (fs/fifo.c) */
    void *priv;                 /* the ops' own state (pipe end...) */
    /* Opened by a path: a reference to the directory that held its name,
     * for /proc/<pid>/fd and maps to find the name again (fs/file_path.c).
     * NULL for pipes and other files made without a path. */
    struct inode *dir;
    /* Opened by a path: a reference to the mount it was reached through
     * (fs/mount.h), for its path and for walks from it as a dirfd.  NULL
     * for files made without a path.  mnt_writer: counted in that mount's
     * writers (a read-only remount of it is EBUSY meanwhile). */
    struct mount *mnt;
    bool mnt_writer;
    struct list_head epoll_links; /* the epoll entries watching this file: fs/epoll.c, under its epoll_lock */
};

/* A position in the tree: an inode as reached through a mount.  The same
 * directory may be seen through several mounts (bind mounts), and ".."
 * and paths depend on which: path walks, the cwd and root and open files
 * carry both.  A place that holds references holds one on each (place_get,
 * place_put in fs/mount.h).  mnt NULL: the first mount of the inode's file
 * system (for the kernel's own walks and a file made without a path). */
struct place {
    struct mount *mnt;
    struct inode *inode;
};

#define FILE_READABLE(f) (!((f)->flags & K_O_PATH) && ((f)->flags & K_O_ACCMODE) != K_O_WRONLY)
#define FILE_WRITABLE(f) (!((f)->flags & K_O_PATH) && ((f)->flags & K_O_ACCMODE) != K_O_RDONLY)

/* inode.c */
struct super_block *super_create(const char *name, uint64_t magic, uint32_t dev_minor, uint64_t max_pages, uint64_t max_inodes);
/* A new inode with refs 1 and nlink 0 (the caller links it) in *out.
 * 0, -ENOMEM, or -ENOSPC when sb is out of inodes or space. */
int inode_alloc(struct super_block *sb, uint32_t mode, struct inode **out);
/* The same for a file system that embeds the inode at the start of a larger
 * object of size bytes (zeroed). */
int inode_alloc_sized(struct super_block *sb, uint32_t mode, size_t size, struct inode **out);
struct inode *inode_get(struct inode *i);
void inode_put(struct inode *i);
/* Drops one link (caller holds vfs_ns_lock); frees the inode if nothing else holds it. */
void inode_unlink(struct inode *i);
/* Adds or removes a link that cannot be the last (a subdirectory's ".."). */
void inode_nlink_add(struct inode *i, int delta);
void inode_touch(struct inode *i, bool atime, bool mtime, bool ctime);
/* ETXTBSY bookkeeping (write_count): a writer while nobody executes the
 * inode, an executor while nobody may write it.  0 or -ETXTBSY. */
int inode_get_write_access(struct inode *i);
void inode_put_write_access(struct inode *i);
int inode_deny_write_access(struct inode *i);
/* The inode's serial and write generation (struct inode): while its write
 * access is denied, equal values mean its bytes did not change between. */
void inode_content_version(struct inode *i, uint64_t *serial, uint64_t *write_gen);
void inode_allow_write_access(struct inode *i);
uint64_t inode_now_ns(void);
/* Accounting against sb's limits: 0 or -ENOSPC.  A page is a data page;
 * bytes are metadata memory; an inode is one of max_inodes. */
int super_charge_page(struct super_block *sb);
void super_uncharge_pages(struct super_block *sb, uint64_t n);
int super_charge_bytes(struct super_block *sb, uint64_t n);
void super_uncharge_bytes(struct super_block *sb, uint64_t n);
int super_charge_inode(struct super_block *sb);
void super_uncharge_inode(struct super_block *sb);
/* -EROFS for a change to a read-only file system, else 0. */
int super_writable(const struct super_block *sb);
/* Makes sb read-only (-EBUSY while a file in it is open for writing) or
 * writable again.  vfs_ns_lock held. */
int super_set_readonly(struct super_block *sb, bool readonly);
/* After a lazy unmount took sb out of the tree: true if nothing holds it
 * (the caller calls sb->destroy now), else false and inode_put calls it
 * when the last outside reference goes. */
bool super_detach(struct super_block *sb);
/* What sb uses now, as charged above: pages (data and metadata) and inodes. */
void super_usage(struct super_block *sb, uint64_t *pages, uint64_t *inodes);
void inode_fill_stat(struct inode *i, struct k_stat *st);
uint8_t inode_dtype(const struct inode *i);

/* tmpfs.c: regular file data and the ops of tmpfs regular files. */
extern const struct file_ops tmpfs_file_ops;
int64_t tmpfs_read(struct inode *i, void *buf, size_t n, uint64_t pos);
/* Writes at *pos (at the end with append) and moves *pos past the bytes written. */
int64_t tmpfs_write(struct inode *i, const void *buf, size_t n, uint64_t *pos, bool append);
int tmpfs_truncate(struct inode *i, uint64_t len);
/* fallocate on a tmpfs file: allocates (zeroed) the pages of [off, off+len)
 * and, without KEEP_SIZE, extends the size to cover them, all or nothing
 * (-ENOSPC, -ENOMEM); with PUNCH_HOLE frees or zeroes that range instead
 * (the size stays).  -EFBIG past the largest file.  len > 0. */
#define TMPFS_FALLOC_KEEP_SIZE 1
#define TMPFS_FALLOC_PUNCH_HOLE 2
int tmpfs_fallocate(struct inode *i, int mode, uint64_t off, uint64_t len);
/* The frame holding the file's bytes [off, off + 4K) (off page aligned, below
 * the size), with a reference taken for a mapping that maps it directly; the
 * mapping drops it with pmm_frame_release.  -ENOENT for a hole or past the
 * end (no page to share: the caller reads the bytes instead). */
int tmpfs_lend_page(struct inode *i, uint64_t off, uint64_t *phys);
/* The same for a shared mapping: a hole gets its zeroed page first (charged
 * to the file system, -ENOSPC when full, -ENOMEM), so every mapping of the
 * file and the file itself hold the same frame.  -EIO at or past the end. */
int tmpfs_share_page(struct inode *i, uint64_t off, uint64_t *phys);
/* Frees every data page (the inode is going away). */
void tmpfs_free_data(struct inode *i);
/* Creates a new file system whose root directory has mode root_mode, with
 * the limits of struct super_block (max_inodes > 0). */
struct super_block *tmpfs_create(const char *name, uint32_t dev_minor, uint64_t max_pages, uint64_t max_inodes,
                                 uint32_t root_mode);

/* file.c */
/* A new open file on inode (a reference is taken) with ops and flags; refs 1. */
struct file *file_alloc(struct inode *inode, const struct file_ops *ops, uint32_t flags);
/* Opens inode as open(2) does after lookup (type checks, O_TRUNC, device ops). */
int file_open_inode(struct inode *inode, uint32_t flags, struct file **out);
extern const struct file_ops dir_file_ops;

/* file_path.c: the text of /proc/<pid>/fd/N, maps and exe for an open file:
 * its path as seen from root ("/tmp/x", " (deleted)" appended once its name
 * is gone), or a name without a path ("pipe:[ino]", see file_ops.link_name).
 * Into buf[size]: the length without the NUL, or -ENAMETOOLONG.  Takes
 * vfs_ns_lock unless the caller holds it (locked). */
int file_path(struct file *f, const struct place *root, char *buf, size_t size, bool locked);

#endif
