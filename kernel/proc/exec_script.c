/* execve of an interpreter script: a file that starts with "#!".
 *
 * Linux's rules (fs/binfmt_script.c), which programs and shells rely on:
 * the first line, read from at most the first 256 bytes, names the
 * interpreter and one optional argument (everything after the name, spaces
 * and tabs trimmed at both ends, inner ones kept); the new argv is
 * interpreter [argument] script-path argv[1...]; the script path is the name
 * the script was opened by (the previous interpreter's, when scripts nest).
 * A line with no interpreter name, or a 256-byte head without a newline in
 * which the name may have been cut, is ENOEXEC. */
#include <fs/kernel_api.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/slab.h>
#include <proc/exec.h>

#define SCRIPT_HEAD 256 /* Linux's BINPRM_BUF_SIZE */

static bool spacetab(char c)
{
    return c == ' ' || c == '\t';
}

/* The first character in [p, end) that is not a space or tab, or NULL. */
static char *next_non_spacetab(char *p, const char *end)
{
    for (; p < end; p++)
        if (!spacetab(*p))
            return p;
    return NULL;
}

/* The first space, tab or NUL in [p, end), or NULL. */
static char *next_terminator(char *p, const char *end)
{
    for (; p < end; p++)
        if (spacetab(*p) || *p == '\0')
            return p;
    return NULL;
}

/* Finds the interpreter name and optional argument in head (NUL-terminated
 * in place).  0, or -ENOEXEC for a line Linux refuses. */
static int parse_line(char *head, char **name, char **arg)
{
    char *buf_end = head + SCRIPT_HEAD - 1; /* as Linux: the last byte is never part of the line */
    char *end = NULL;
    for (int i = 0; i < SCRIPT_HEAD && !end; i++)
        if (head[i] == '\n')
            end = head + i;
    if (!end) {
        char *first = next_non_spacetab(head + 2, buf_end);
        /* No later space, tab or NUL: the name may be cut at the head's end. */
        if (!first || !next_terminator(first, buf_end))
            return -ENOEXEC;
        end = buf_end;
    }
    while (end > head + 2 && spacetab(end[-1]))
        end--;
    *name = next_non_spacetab(head + 2, end);
    if (!*name || *name == end)
        return -ENOEXEC; /* "#!" and nothing else */
    *arg = NULL;
    char *sep = next_terminator(*name, end);
    if (sep && *sep != '\0')
        *arg = next_non_spacetab(sep, end);
    *end = '\0';
    if (*arg)
        *sep = '\0';
    return 0;
}

/* Builds the interpreter's argument block from the script's. */
static int rewrite_args(struct exec_args *args, const char *name, const char *arg)
{
    struct exec_args out = {0};
    const char *script = args->buf + args->open_off;
    int r = exec_args_append(&out, name, strlen(name) + 1);
    out.argc = 1;
    if (!r && arg) {
        r = exec_args_append(&out, arg, strlen(arg) + 1);
        out.argc++;
    }
    if (!r) {
        r = exec_args_append(&out, script, strlen(script) + 1);
        out.argc++;
    }
    /* The script's argv[0] is dropped (Linux's remove_arg_zero); argv[1...]
     * and envp follow unchanged: they are contiguous up to path_off. */
    size_t from = args->argc ? strlen(args->buf) + 1 : 0;
    if (!r)
        r = exec_args_append(&out, args->buf + from, args->path_off - from);
    out.argc += args->argc ? args->argc - 1 : 0;
    out.envc = args->envc;
    out.path_off = out.bytes;
    const char *execfn = args->buf + args->path_off; /* AT_EXECFN stays the script's path */
    if (!r)
        r = exec_args_append(&out, execfn, strlen(execfn) + 1);
    out.open_off = out.bytes;
    if (!r)
        r = exec_args_append(&out, name, strlen(name) + 1);
    if (r) {
        exec_args_free(&out);
        return r;
    }
    exec_args_free(args);
    *args = out;
    return 0;
}

int exec_script_rewrite(struct exec_args *args, struct file *f)
{
    char *head = kmalloc(SCRIPT_HEAD);
    if (!head)
        return -ENOMEM;
    memset(head, 0, SCRIPT_HEAD);
    int64_t got = kernel_pread(f, head, SCRIPT_HEAD, 0);
    int r = got < 0 ? (int)got : 0;
    if (!r && (got < 2 || head[0] != '#' || head[1] != '!')) {
        kfree(head);
        return 0;
    }
    char *name, *arg;
    if (!r)
        r = parse_line(head, &name, &arg);
    if (!r)
        r = rewrite_args(args, name, arg);
    kfree(head);
    return r ? r : 1;
}
