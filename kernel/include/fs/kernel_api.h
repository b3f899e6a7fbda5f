/* What the rest of the kernel (process creation, exec, mmap, boot) needs
 * from the filesystem layer.  Implemented in kernel/fs/. */
#ifndef FS_KERNEL_API_H
#define FS_KERNEL_API_H

#include <kernel/types.h>

struct file;
struct fd_table;
struct fs_context;

/* Boot: creates the root filesystem (tmpfs), devfs on /dev, tmpfs on /tmp
 * and /run, then unpacks the initramfs (cpio newc) into the root, calling
 * consumed(n) (may be NULL) as its first n bytes are no longer needed.
 * Returns 0 or a negative errno (a malformed archive is reported and
 * what came before the bad entry is kept). */
int vfs_init(const void *initramfs, size_t len, void (*consumed)(size_t n));

/* Opens path (relative paths from the current process's cwd, or "/" for
 * kernel threads) with open(2) flags.  Returns 0 and *out, or -errno. */
int kernel_open(const char *path, int flags, unsigned mode, struct file **out);
/* Opens path for execve: must be a regular file with an execute bit
 * (-EACCES otherwise, -ENOENT/-ENOTDIR/-ELOOP from lookup). */
int kernel_open_exec(const char *path, struct file **out);
/* Reads up to n bytes at offset off into a kernel buffer; returns bytes read or -errno. */
int64_t kernel_pread(struct file *f, void *buf, size_t n, uint64_t off);
/* The frame that holds a regular file's bytes [off, off + 4K) (off page
 * aligned), with a reference taken: a private mapping maps it read-only
 * instead of copying it, and drops it with pmm_frame_release.  -ENOENT when
 * there is no such frame to share (a hole, past the end, not a regular
 * file): the caller reads the bytes with kernel_pread instead. */
int kernel_file_frame(struct file *f, uint64_t off, uint64_t *phys);
/* The same for a shared mapping (MAP_SHARED, System V shared memory): the
 * frame the file itself holds, a hole filled first, so writes through the
 * mapping are the file's bytes.  -EIO at or past the end (SIGBUS), -ENOMEM
 * or -ENOSPC when the page cannot be had, -ENODEV if f has no pages to share. */
int kernel_file_shared_frame(struct file *f, uint64_t off, uint64_t *phys);
/* What an open file allows a mapping of it: reading (any mmap needs it) and
 * writing through a shared mapping (open for writing, and not O_APPEND, as
 * Linux). */
bool file_map_readable(struct file *f);
bool file_map_writable(struct file *f);
/* An unnamed regular file of size bytes in memory (fs/shmem.c), open for
 * reading and writing: what MAP_SHARED anonymous memory and System V shared
 * memory segments are.  0 and *out (a reference), or -ENOMEM. */
int shmem_file_create(uint64_t size, uint32_t mode, struct file **out);
/* What tells f's file apart from every other while f is open (its inode):
 * shared futexes are keyed by it. */
const void *file_identity(struct file *f);
/* Size of a regular file, in bytes. */
uint64_t file_size(struct file *f);
/* f's inode's content version (inode_content_version): a serial never
 * reused and a generation that grows whenever write access is granted. */
void file_content_version(struct file *f, uint64_t *serial, uint64_t *write_gen);
/* Whether f is a regular file (what mmap maps page by page). */
bool file_is_regular(struct file *f);
/* Whether f is a device node (what mmap maps as zero-filled memory). */
bool file_is_device(struct file *f);
struct file *file_get(struct file *f); /* takes a reference */
void file_put(struct file *f);         /* drops one; the last closes */
/* A program runs from f (exec): refuses writers with ETXTBSY until
 * file_allow_write.  0, or -ETXTBSY while f's file is open for writing. */
int file_deny_write(struct file *f);
void file_allow_write(struct file *f);

/* File-descriptor tables (shared between threads with CLONE_FILES). */
struct fd_table *fd_table_create(void);
struct fd_table *fd_table_clone(struct fd_table *t); /* a copy: every open fd dup'ed; NULL on ENOMEM */
struct fd_table *fd_table_get(struct fd_table *t);
void fd_table_put(struct fd_table *t);               /* the last reference closes every fd */
void fd_table_close_on_exec(struct fd_table *t);
/* The open file at fd with a reference taken (file_put when done), or NULL if fd is not open. */
struct file *fd_get(struct fd_table *t, int fd);
/* The lowest open fd >= from, or -1 (for /proc/<pid>/fd). */
int fd_next_open(struct fd_table *t, int from);
/* Installs f at the lowest free fd (taking a reference); returns the fd or -EMFILE. */
int fd_install(struct fd_table *t, struct file *f, bool cloexec);

/* Filesystem context: cwd, root, umask (shared with CLONE_FS). */
struct fs_context *fs_context_create(void);          /* cwd = root = "/", umask 022 */
struct fs_context *fs_context_clone(struct fs_context *c);
struct fs_context *fs_context_get(struct fs_context *c);
void fs_context_put(struct fs_context *c);

/* Wakes every poll/select sleeper so they re-check their descriptors, and
 * runs the hooks of poll_head_global (fs/poll_head.h).  Called whenever the
 * readiness of a file without a poll head of its own may have changed. */
void poll_notify(void);
/* Wakes only the poll/select sleepers watching a file whose poll head is
 * key.  Drivers call poll_head_notify (fs/poll_head.h), which calls this.
 * The sleepers are claimed into q under poll_lock and woken by the caller's
 * wake_q_run after it (sched/wake_q.h); q NULL: woken at once. */
struct wake_q;
void poll_notify_key(const void *key, struct wake_q *q);
/* For a file's own waits on many files (signalfd's read): the generation to
 * sample before scanning them, and the sleep until a notification after
 * it (any key), the deadline (monotonic ns, 0 = none) or a signal:
 * 0, -ETIMEDOUT or -EINTR. */
uint64_t poll_generation(void);
int poll_wait_all_keys(uint64_t gen, uint64_t deadline);

#endif
