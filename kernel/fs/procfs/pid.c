/* /proc/<pid>/ and /proc/<pid>/task/<tid>/: the tables of what they hold,
 * and the numbered directories (pids, tids, fds). */
#include <fs/fdtable.h>
#include <kernel/errno.h>
#include <proc/inspect.h>

#include "procfs.h"

#define FILE_RO(n, fn) {.name = n, .mode = K_S_IFREG | 0444, .show = fn, .write_err = -EINVAL}
#define MAGIC_LINK(n, fn) {.name = n, .mode = K_S_IFLNK | 0777, .resolve = fn, .text = proc_link_target_text}

static int next_fd(struct proc_inode *dir, int after)
{
    struct fd_table *t = process_get_files(dir->pid);
    if (!t)
        return -1;
    int fd = fd_next_open(t, after + 1);
    fd_table_put(t);
    return fd;
}

static const struct proc_entry fd_link = {
    .name = "", .mode = K_S_IFLNK | 0700, .resolve = proc_link_fd, .text = proc_link_target_text,
};
static const struct proc_dir_ops fd_dir = {.child = &fd_link, .number = PROC_NUM_FD, .next = next_fd};

/* What a process and each of its threads show alike. */
#define COMMON_ENTRIES                                                         \
    {.name = "fd", .mode = K_S_IFDIR | 0500, .dir_ops = &fd_dir},              \
    FILE_RO("cmdline", proc_show_cmdline),                                     \
    FILE_RO("comm", proc_show_comm),                                           \
    FILE_RO("environ", proc_show_environ),                                     \
    FILE_RO("maps", proc_show_maps),                                           \
    FILE_RO("mountinfo", proc_show_mountinfo),                                 \
    FILE_RO("mounts", proc_show_mounts),                                       \
    {.name = "oom_score_adj", .mode = K_S_IFREG | 0644, .show = proc_show_oom_score_adj, \
     .write = proc_write_oom_score_adj},                                       \
    FILE_RO("stat", proc_show_stat),                                           \
    FILE_RO("statm", proc_show_statm),                                         \
    FILE_RO("status", proc_show_status),                                       \
    MAGIC_LINK("cwd", proc_link_cwd),                                          \
    MAGIC_LINK("exe", proc_link_exe),                                          \
    MAGIC_LINK("root", proc_link_root)

static const struct proc_entry tid_entries[] = {COMMON_ENTRIES};

static int next_tid(struct proc_inode *dir, int after)
{
    int tid = process_next_tid(dir->pid, after);
    return tid ? tid : -1;
}

static const struct proc_entry tid_dir = {
    .name = "", .mode = K_S_IFDIR | 0555, .entries = tid_entries, .nentries = ARRAY_SIZE(tid_entries),
};
static const struct proc_dir_ops task_dir = {.child = &tid_dir, .number = PROC_NUM_TID, .next = next_tid};

static const struct proc_entry pid_entries[] = {
    {.name = "task", .mode = K_S_IFDIR | 0555, .dir_ops = &task_dir},
    COMMON_ENTRIES,
};

static const struct proc_entry pid_dir = {
    .name = "", .mode = K_S_IFDIR | 0555, .entries = pid_entries, .nentries = ARRAY_SIZE(pid_entries),
};

static int next_pid(struct proc_inode *dir, int after)
{
    (void)dir;
    int pid = process_next_pid(after);
    return pid ? pid : -1;
}

const struct proc_dir_ops proc_root_pids = {.child = &pid_dir, .number = PROC_NUM_PID, .next = next_pid};
