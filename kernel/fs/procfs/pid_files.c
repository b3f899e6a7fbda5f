/* The files of /proc/<pid>/ (and task/<tid>/): stat, status, statm,
 * cmdline, environ, comm, maps, in Linux's layouts (fs/proc/array.c,
 * task_mmu.c), so ps, top and pidof parse them unchanged. */
#include <fs/fdtable.h>
#include <fs/mount.h>
#include <fs/namei.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/physmap.h>
#include <mm/slab.h>
#include <mm/vm.h>
#include <proc/inspect.h>

#include "procfs.h"

#define USER_HZ 100 /* the clock ticks of stat's times (AT_CLKTCK) */
#define NS_PER_TICK ((uint64_t)(NSEC_PER_SEC / USER_HZ))

/* Whether pid is still there, a zombie included. */
static bool process_exists(int pid)
{
    return process_next_pid(pid - 1) == pid;
}

/* What an address space uses, from its VMAs, in bytes (pages for rss). */
struct mm_usage {
    uint64_t size, stack, exec, lib, data, rss;
    uint64_t start_code, end_code, start_brk, brk, start_stack;
    uint64_t arg_start, arg_end, env_start, env_end;
};

/* false if the process has no address space any more (it ended). */
static bool mm_usage_of(int pid, struct mm_usage *u)
{
    memset(u, 0, sizeof *u);
    struct mm *mm = process_get_mm(pid);
    if (!mm)
        return false;
    mutex_lock(&mm->lock);
    list_for_each(it, &mm->vmas) {
        struct vma *v = list_entry(it, struct vma, link);
        uint64_t len = v->range.end - v->range.start;
        u->size += len;
        if (v->flags & VMA_STACK)
            u->stack += len;
        else if ((v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED))
            u->data += len;
        if (v->file && (v->prot & PROT_EXEC) && !(v->prot & PROT_WRITE)) {
            /* The program's own text, or a library's (Linux's VmExe, VmLib). */
            if (mm->exe_file && v->file->inode == mm->exe_file->inode) {
                u->exec += len;
                if (!u->start_code)
                    u->start_code = v->range.start;
                u->end_code = v->range.end;
            } else {
                u->lib += len;
            }
        }
    }
    u->rss = mm->resident_pages;
    u->start_brk = mm->brk_start;
    u->brk = mm->brk;
    u->start_stack = mm->start_stack;
    u->arg_start = mm->arg_start;
    u->arg_end = mm->arg_end;
    u->env_start = mm->env_start;
    u->env_end = mm->env_end;
    mutex_unlock(&mm->lock);
    mm_put(mm);
    return true;
}

/* A CPU mask as Linux's list format: "0-2,5". */
static void show_cpu_list(struct textbuf *b, uint64_t mask)
{
    const char *sep = "";
    for (unsigned c = 0; c < 64; c++) {
        if (!(mask >> c & 1))
            continue;
        unsigned last = c;
        while (last + 1 < 64 && (mask >> (last + 1) & 1))
            last++;
        if (last == c)
            tb_printf(b, "%s%u", sep, c);
        else
            tb_printf(b, "%s%u-%u", sep, c, last);
        sep = ",";
        c = last;
    }
}

int proc_show_stat(struct proc_inode *pi, struct textbuf *b)
{
    struct process_snapshot s;
    int r = process_snapshot(pi->pid, pi->tid, &s);
    if (r)
        return r;
    struct mm_usage u;
    mm_usage_of(pi->pid, &u); /* a zombie shows zeros, as on Linux */
    uint64_t rlim_infinity = ~0ull;
    tb_printf(b, "%d (%s) %c %d %d %d %d %d %u ", s.tid, s.name, s.state, s.ppid, s.pgid, s.sid,
              s.tty_nr, s.tpgid, 0u /* flags */);
    /* Page faults are not counted: minflt, cminflt, majflt, cmajflt.  System
     * time is not told apart from user time. */
    tb_printf(b, "0 0 0 0 %lu 0 0 0 ", s.cpu_ns / NS_PER_TICK);
    tb_printf(b, "%d %d %d 0 %lu %lu %lu %lu ", 20 + s.nice, s.nice, s.nthreads, s.start_ns / NS_PER_TICK, u.size,
              u.rss, rlim_infinity);
    tb_printf(b, "%lu %lu %lu 0 0 ", u.start_code, u.end_code, u.start_stack);
    tb_printf(b, "%lu %lu %lu %lu ", s.sig_pending | s.shared_pending, s.sig_blocked, s.sig_ignored, s.sig_caught);
    /* wchan nswap cnswap exit_signal processor rt_priority policy
     * delayacct_blkio_ticks guest_time cguest_time */
    tb_printf(b, "0 0 0 %d %u 0 0 0 0 0 ", s.exit_signal, s.cpu);
    tb_printf(b, "0 0 %lu %lu %lu %lu %lu 0\n", u.start_brk, u.arg_start, u.arg_end, u.env_start, u.env_end);
    return 0;
}

static const char *state_name(char state)
{
    switch (state) {
    case 'R': return "R (running)";
    case 'S': return "S (sleeping)";
    case 'D': return "D (disk sleep)";
    case 'T': return "T (stopped)";
    case 'Z': return "Z (zombie)";
    default: return "X (dead)";
    }
}

static void kb_line(struct textbuf *b, const char *name, uint64_t bytes)
{
    tb_printf(b, "%s:\t%8lu kB\n", name, bytes / 1024);
}

int proc_show_status(struct proc_inode *pi, struct textbuf *b)
{
    struct process_snapshot s;
    int r = process_snapshot(pi->pid, pi->tid, &s);
    if (r)
        return r;
    unsigned umask = 0;
    struct fs_context *c = process_get_fs(pi->pid);
    if (c) {
        umask = __atomic_load_n(&c->umask, __ATOMIC_RELAXED);
        fs_context_put(c);
    }
    unsigned fdsize = 0;
    struct fd_table *t = process_get_files(pi->pid);
    if (t) {
        fdsize = __atomic_load_n(&t->cap, __ATOMIC_RELAXED);
        fd_table_put(t);
    }
    tb_printf(b, "Name:\t%s\nUmask:\t0%c%c%c\nState:\t%s\n", s.name, '0' + ((umask >> 6) & 7),
              '0' + ((umask >> 3) & 7), '0' + (umask & 7), state_name(s.state));
    tb_printf(b, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", s.pid, s.tid, s.ppid);
    tb_printf(b, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t%u\nGroups:\t\n", fdsize);
    tb_printf(b, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", s.pid, s.tid, s.pgid, s.sid);
    struct mm_usage u;
    if (mm_usage_of(pi->pid, &u)) {
        /* Peaks are not tracked apart: VmPeak and VmHWM are the current values. */
        kb_line(b, "VmPeak", u.size);
        kb_line(b, "VmSize", u.size);
        kb_line(b, "VmLck", 0);
        kb_line(b, "VmPin", 0);
        kb_line(b, "VmHWM", (u.rss << PAGE_SHIFT));
        kb_line(b, "VmRSS", (u.rss << PAGE_SHIFT));
        kb_line(b, "RssAnon", (u.rss << PAGE_SHIFT)); /* resident pages are not split by kind */
        kb_line(b, "RssFile", 0);
        kb_line(b, "RssShmem", 0);
        kb_line(b, "VmData", u.data);
        kb_line(b, "VmStk", u.stack);
        kb_line(b, "VmExe", u.exec);
        kb_line(b, "VmLib", u.lib);
        kb_line(b, "VmPTE", 0);
        kb_line(b, "VmSwap", 0);
    }
    tb_printf(b, "Threads:\t%d\n", s.nthreads);
    tb_printf(b, "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n",
              s.sig_pending, s.shared_pending, s.sig_blocked, s.sig_ignored, s.sig_caught);
    /* Everything runs as root with every capability. */
    tb_printf(b, "CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n"
                 "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n");
    tb_printf(b, "Cpus_allowed:\t%lx\nCpus_allowed_list:\t", s.cpus_allowed);
    show_cpu_list(b, s.cpus_allowed);
    tb_printf(b, "\n");
    return 0;
}

int proc_show_statm(struct proc_inode *pi, struct textbuf *b)
{
    struct mm_usage u;
    if (!mm_usage_of(pi->pid, &u) && !process_exists(pi->pid))
        return -ESRCH;
    tb_printf(b, "%lu %lu 0 %lu 0 %lu 0\n", u.size >> PAGE_SHIFT, u.rss, u.exec >> PAGE_SHIFT,
              (u.data + u.stack) >> PAGE_SHIFT);
    return 0;
}

int proc_show_comm(struct proc_inode *pi, struct textbuf *b)
{
    struct process_snapshot s;
    int r = process_snapshot(pi->pid, pi->tid, &s);
    if (!r)
        tb_printf(b, "%s\n", s.name);
    return r;
}

int proc_show_oom_score_adj(struct proc_inode *pi, struct textbuf *b)
{
    int adj;
    int r = process_oom_score_adj(pi->pid, &adj);
    if (!r)
        tb_printf(b, "%d\n", adj);
    return r;
}

/* A decimal number, -1000 to 1000, with blanks or a newline around it (as
 * Linux's kstrtoint after strstrip); anything else is EINVAL. */
int64_t proc_write_oom_score_adj(struct proc_inode *pi, const char *buf, size_t n)
{
    size_t i = 0, end = n;
    while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n'))
        i++;
    while (end > i && (buf[end - 1] == ' ' || buf[end - 1] == '\t' || buf[end - 1] == '\n'))
        end--;
    bool neg = i < end && (buf[i] == '-' || buf[i] == '+') && buf[i++] == '-';
    if (i == end)
        return -EINVAL;
    int v = 0;
    for (; i < end; i++) {
        if (buf[i] < '0' || buf[i] > '9' || v > 1000)
            return -EINVAL;
        v = v * 10 + (buf[i] - '0');
    }
    int r = process_set_oom_score_adj(pi->pid, neg ? -v : v);
    return r ? r : (int64_t)n;
}

/* The bytes of [start, end) of the process's memory, up to the first page
 * not present; nothing for a zombie, ESRCH once reaped (as Linux). */
static int show_user_range(struct proc_inode *pi, bool env, struct textbuf *b)
{
    struct mm *mm = process_get_mm(pi->pid);
    if (!mm)
        return process_exists(pi->pid) ? 0 : -ESRCH;
    uint64_t at = env ? mm->env_start : mm->arg_start; /* set by exec, never changed */
    uint64_t end = env ? mm->env_end : mm->arg_end;
    char *page = kmalloc(PAGE_SIZE);
    int r = page ? 0 : -ENOMEM;
    while (!r && at < end) {
        int64_t n = mm_read_remote(mm, at, page, MIN(end - at, (uint64_t)PAGE_SIZE));
        if (n <= 0)
            break;
        tb_put(b, page, (size_t)n);
        at += (uint64_t)n;
    }
    kfree(page);
    mm_put(mm);
    return r;
}

int proc_show_cmdline(struct proc_inode *pi, struct textbuf *b) { return show_user_range(pi, false, b); }
int proc_show_environ(struct proc_inode *pi, struct textbuf *b) { return show_user_range(pi, true, b); }

/* One line of maps, Linux's show_map_vma: the name from column 73.
 * mm->lock and vfs_ns_lock held. */
static void map_line(struct textbuf *b, struct vma *v, const struct place *root)
{
    struct inode *fi = v->file ? v->file->inode : NULL;
    tb_printf(b, "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ", v->range.start, v->range.end,
              v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-', v->prot & PROT_EXEC ? 'x' : '-',
              v->flags & VMA_SHARED ? 's' : 'p', fi ? v->file_off : 0, 0u, fi ? fi->sb->dev_minor : 0u,
              fi ? fi->ino : 0);
    const char *name = v->flags & VMA_HEAP ? "[heap]" : v->flags & VMA_STACK ? "[stack]" : NULL;
    char *path = NULL;
    if (fi && (path = kmalloc(PATH_MAX)) && file_path(v->file, root, path, PATH_MAX, true) >= 0)
        name = path;
    if (name) {
        tb_pad_to(b, 73);
        tb_printf(b, "%s", name);
    }
    tb_put(b, "\n", 1);
    kfree(path);
}

int proc_show_maps(struct proc_inode *pi, struct textbuf *b)
{
    struct mm *mm = process_get_mm(pi->pid);
    if (!mm)
        return process_exists(pi->pid) ? 0 : -ESRCH; /* a zombie's are empty, as on Linux */
    struct place root;
    fs_context_paths(current_fs(), &root, NULL);
    /* Lock order mm->lock, then vfs_ns_lock (fs/vfs.h); names need the latter. */
    mutex_lock(&mm->lock);
    mutex_lock(&vfs_ns_lock);
    list_for_each(it, &mm->vmas)
        map_line(b, list_entry(it, struct vma, link), &root);
    mutex_unlock(&vfs_ns_lock);
    mutex_unlock(&mm->lock);
    place_put(&root);
    mm_put(mm);
    return 0;
}
