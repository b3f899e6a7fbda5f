/* Program loading, shared by execve and the start of init. */
#ifndef PROC_EXEC_H
#define PROC_EXEC_H

#include <arch/trap.h>
#include <proc/process.h>

struct file;

/* argv strings, then envp strings, then the path, NUL-separated in buf. */
struct exec_args {
    char *buf;          /* argv strings, envp strings, the path; NULL while empty */
    size_t bytes, cap;  /* bytes used, bytes allocated */
    size_t path_off;    /* the path execve was given (AT_EXECFN) */
    size_t open_off;    /* the file to load: the path, or a #! script's interpreter */
    int argc, envc;
};

/* A prepared image: a complete new address space, not yet in use. */
struct exec_image {
    struct mm *mm;
    void *fpu;          /* the clean FPU state the program starts with */
    uint64_t entry, rsp;
};

int exec_args_from_kernel(struct exec_args *args, const char *path, const char *const argv[], const char *const envp[]);
void exec_args_free(struct exec_args *args);
/* Appends n bytes (strings with their NULs) to args->buf: 0, -E2BIG, -ENOMEM. */
int exec_args_append(struct exec_args *args, const char *s, size_t n);
/* If f (opened from args->open_off) is a "#!" script, rewrites args for
 * its interpreter (kernel/proc/exec_script.c) and returns 1; 0 if it is not
 * a script; -errno (ENOEXEC for a line without an interpreter, E2BIG, ENOMEM). */
int exec_script_rewrite(struct exec_args *args, struct file *f);
/* Builds the new address space for the program at the path in args (its
 * interpreter's, for scripts: args are rewritten then).  The calling process
 * is untouched.  0 or -errno (ENOENT, EACCES, ENOEXEC, ELOOP, ENOMEM, E2BIG...). */
int exec_prepare(struct exec_args *args, struct exec_image *out);
/* Frees an image that will not be committed. */
void exec_image_discard(struct exec_image *img);
/* The point of no return: p switches to img; tf becomes the new program's entry state. */
void exec_commit(struct process *p, struct exec_image *img, const char *path, struct trap_frame *tf);

#endif
