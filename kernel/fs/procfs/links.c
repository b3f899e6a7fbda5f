/* The links of /proc: self and thread-self (text), and the magic links
 * exe, cwd, root and fd/N, which name an object.  That object is taken
 * (with a reference) when the link is looked up, so a walk through it, an
 * open or a readlink sees one consistent object even if the process changes
 * it or ends meanwhile. */
#include <fs/fdtable.h>
#include <fs/namei.h>
#include <fs/vfs_ops.h>
#include <kernel/errno.h>
#include <mm/slab.h>
#include <mm/vm.h>
#include <proc/inspect.h>

#include "procfs.h"

int proc_link_exe(struct proc_inode *pi)
{
    struct mm *mm = process_get_mm(pi->pid);
    if (!mm)
        return -ENOENT;
    /* exe_file is set before the address space is published and never changes. */
    if (mm->exe_file)
        pi->target_file = file_get(mm->exe_file);
    mm_put(mm);
    return pi->target_file ? 0 : -ENOENT;
}

/* cwd or root of the process, by reference. */
static int fs_link(struct proc_inode *pi, bool cwd)
{
    struct fs_context *c = process_get_fs(pi->pid);
    if (!c)
        return -ENOENT;
    struct place root, dir;
    fs_context_paths(c, &root, &dir);
    fs_context_put(c);
    pi->target = cwd ? dir : root;
    place_put(cwd ? &root : &dir);
    return 0;
}

int proc_link_cwd(struct proc_inode *pi) { return fs_link(pi, true); }
int proc_link_root(struct proc_inode *pi) { return fs_link(pi, false); }

int proc_link_fd(struct proc_inode *pi)
{
    struct fd_table *t = process_get_files(pi->pid);
    if (!t)
        return -ENOENT;
    pi->target_file = fd_get(t, pi->fd);
    fd_table_put(t);
    if (!pi->target_file)
        return -ENOENT;
    /* Its permission bits say how it is open, as on Linux. */
    uint32_t mode = K_S_IFLNK;
    if (FILE_READABLE(pi->target_file))
        mode |= 0500;
    if (FILE_WRITABLE(pi->target_file))
        mode |= 0300;
    pi->vfs.mode = mode;
    return 0;
}

int proc_link_target_text(struct proc_inode *pi, struct textbuf *b)
{
    /* Paths as the reader sees them, from its own root (as Linux's d_path). */
    struct place root;
    fs_context_paths(current_fs(), &root, NULL);
    char *text = kmalloc(PATH_MAX);
    int r = text ? 0 : -ENOMEM;
    if (!r && pi->target_file) {
        r = file_path(pi->target_file, &root, text, PATH_MAX, false);
    } else if (!r) {
        mutex_lock(&vfs_ns_lock);
        int64_t n = vfs_path_of(&root, &pi->target, text, PATH_MAX);
        mutex_unlock(&vfs_ns_lock);
        r = n < 0 ? (n == -ERANGE ? -ENAMETOOLONG : (int)n) : (int)n - 1;
    }
    if (r >= 0)
        tb_put(b, text, (size_t)r);
    kfree(text);
    place_put(&root);
    return r < 0 ? r : 0;
}

int proc_link_self_text(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    struct process *p = current_process();
    if (!p)
        return -ENOENT; /* a kernel thread has no /proc/self, as on Linux */
    tb_printf(b, "%d", p->pid);
    return 0;
}

int proc_link_thread_self_text(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    struct process *p = current_process();
    if (!p)
        return -ENOENT;
    tb_printf(b, "%d/task/%d", p->pid, (int)sched_current()->tid);
    return 0;
}

int proc_link_mounts_text(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    tb_printf(b, "self/mounts");
    return 0;
}
