/* procfs internals: the inodes /proc makes on demand and the tables that
 * describe its directories.  What exists and how it differs from Linux:
 * docs/proc.md.
 *
 * Nothing under /proc is stored.  Each lookup makes a fresh inode (struct
 * proc_inode) that names what it is about (pid, tid, fd) and the table entry
 * it comes from; the walk that made it holds it (fs/namei.h) and open files
 * keep it, so it lives as long as someone uses it and no longer.  Content is
 * generated when read (struct proc_file), from live kernel state under the
 * locks of that state (proc/inspect.h): a process that ended meanwhile reads
 * as ESRCH or empty, never as freed memory.  With nobody reading /proc, it
 * costs nothing per process. */
#ifndef FS_PROCFS_PROCFS_H
#define FS_PROCFS_PROCFS_H

#include <fs/vfs.h>

#define PROC_SUPER_MAGIC 0x9fa0u

struct proc_inode;

/* Text being built (a file's content, a link's target).  Grows by
 * doubling; a failed allocation sets err and later output is dropped. */
struct textbuf {
    char *buf;
    size_t len, cap;
    int err;
};

__attribute__((format(printf, 2, 3))) void tb_printf(struct textbuf *b, const char *fmt, ...);
void tb_put(struct textbuf *b, const void *s, size_t n);
/* Pads with spaces up to column col of the current line (at least one space). */
void tb_pad_to(struct textbuf *b, size_t col);
void tb_free(struct textbuf *b);

/* Which of pid, tid, fd a directory's numbered children stand for. */
enum proc_number { PROC_NUM_PID, PROC_NUM_TID, PROC_NUM_FD };

/* What a directory lists besides its fixed entries: numbered children
 * (pids, tids, fds), each an instance of child. */
struct proc_dir_ops {
    const struct proc_entry *child;
    enum proc_number number;
    /* The next number above after, or -1 for none. */
    int (*next)(struct proc_inode *dir, int after);
};

/* One fixed name of a directory. */
struct proc_entry {
    const char *name;
    uint32_t mode; /* K_S_IFDIR / IFREG / IFLNK | permissions */
    /* Directories: their own fixed entries and numbered children. */
    const struct proc_entry *entries;
    size_t nentries;
    const struct proc_dir_ops *dir_ops;
    /* Regular files: builds the content; 0 or -errno (ESRCH once the
     * process is gone). */
    int (*show)(struct proc_inode *pi, struct textbuf *b);
    /* Writable files: takes the bytes written (from a kernel buffer). */
    int64_t (*write)(struct proc_inode *pi, const char *buf, size_t n);
    /* Read-only files: what writing gives.  -EACCES refuses the open for
     * writing (sysctl files); -EIO and -EINVAL fail each write (Linux's
     * top-level and per-process files, which open for writing as root). */
    int write_err;
    /* Links: the object named, resolved when the link is looked up
     * (magic links), and/or its text. */
    int (*resolve)(struct proc_inode *pi);
    int (*text)(struct proc_inode *pi, struct textbuf *b);
};

struct proc_inode {
    struct inode vfs;
    const struct proc_entry *entry;
    int pid, tid, fd;          /* what it is about; 0 where nothing */
    struct inode *parent;      /* a reference, for ".." (vfs.dir.parent of a directory) */
    /* A magic link's object, a reference resolved at lookup: */
    struct file *target_file;  /* exe, fd/N */
    struct place target; /* cwd, root (target.inode NULL for the others) */
};

static inline struct proc_inode *PI(struct inode *i)
{
    return (struct proc_inode *)i;
}

/* inode.c */

/* pid.c: /proc/<pid>/, /proc/<pid>/task/<tid>/, and their fd/ */
extern const struct proc_dir_ops proc_root_pids;

/* pid_files.c: the per-process files */
int proc_show_stat(struct proc_inode *pi, struct textbuf *b);
int proc_show_status(struct proc_inode *pi, struct textbuf *b);
int proc_show_statm(struct proc_inode *pi, struct textbuf *b);
int proc_show_cmdline(struct proc_inode *pi, struct textbuf *b);
int proc_show_environ(struct proc_inode *pi, struct textbuf *b);
int proc_show_comm(struct proc_inode *pi, struct textbuf *b);
int proc_show_oom_score_adj(struct proc_inode *pi, struct textbuf *b);
int64_t proc_write_oom_score_adj(struct proc_inode *pi, const char *buf, size_t n);
int proc_show_maps(struct proc_inode *pi, struct textbuf *b);

/* sys_files.c: the files about the whole machine */
extern const struct proc_entry proc_root_entry; /* "/proc" itself */
int proc_show_mounts(struct proc_inode *pi, struct textbuf *b);
int proc_show_mountinfo(struct proc_inode *pi, struct textbuf *b);

/* links.c: what the links name */
int proc_link_exe(struct proc_inode *pi);
int proc_link_cwd(struct proc_inode *pi);
int proc_link_root(struct proc_inode *pi);
int proc_link_fd(struct proc_inode *pi);
/* The text of a magic link: its object's path as the reader sees it. */
int proc_link_target_text(struct proc_inode *pi, struct textbuf *b);
int proc_link_self_text(struct proc_inode *pi, struct textbuf *b);
int proc_link_thread_self_text(struct proc_inode *pi, struct textbuf *b);
int proc_link_mounts_text(struct proc_inode *pi, struct textbuf *b);

#endif
