/* execve of "#!" interpreter scripts, by Linux's rules (fs/binfmt_script.c):
 * the interpreter and one optional argument from the first line, argv
 * rewritten to interpreter [argument] script argv[1...], nested scripts up to
 * Linux's limit (ELOOP beyond), ENOEXEC for a line without an interpreter or
 * one cut at 256 bytes, ENOENT/EACCES for an interpreter that is missing or
 * not executable.  The interpreter is this program itself: run with
 * ABI_SCRIPT_ECHO in its environment it prints its argv, one per line,
 * then AT_EXECFN, and exits. */
#include "abi.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char *dir;
static char interp[512];

static int echo_argv(int argc, char **argv)
{
    char out[4096];
    size_t n = 0;
    for (int i = 0; i < argc; i++)
        n += (size_t)snprintf(out + n, sizeof out - n, "%s\n", argv[i]);
    n += (size_t)snprintf(out + n, sizeof out - n, "execfn=%s\n", (const char *)getauxval(AT_EXECFN));
    return write(1, out, n) == (ssize_t)n ? 0 : 1;
}

/* Writes a script (mode 0755) at dir/name with the given contents. */
static const char *script(const char *name, const char *text, size_t len)
{
    static char path[8][512];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) != 0)
        return NULL;
    return p;
}

/* Runs path with argv (NULL-terminated) and the echo environment; returns
 * the posix_spawn error (the execve errno) or 0 with the child's output in
 * out, after checking that it exited 0. */
static int run(const char *path, char *const argv[], char *out, size_t size)
{
    char *envp[] = {"ABI_SCRIPT_ECHO=1", NULL};
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return errno;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    pid_t pid;
    int r = posix_spawn(&pid, path, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    size_t n = 0;
    ssize_t got;
    while (!r && n + 1 < size && (got = read(p[0], out + n, size - 1 - n)) > 0)
        n += (size_t)got;
    out[n] = '\0';
    close(p[0]);
    if (!r && abi_wait(pid) != 0)
        return -1; /* the interpreter did not exit 0 */
    return r;
}

/* The expected echo output: the lines, then execfn=<execfn>. */
static const char *expect(const char *const lines[], const char *execfn)
{
    static char buf[4096];
    size_t n = 0;
    for (int i = 0; lines[i]; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\n", lines[i]);
    snprintf(buf + n, sizeof buf - n, "execfn=%s\n", execfn);
    return buf;
}

#define WRITE_SCRIPT(var, name, ...) \
    char var##_text[1024]; \
    int var##_len = snprintf(var##_text, sizeof var##_text, __VA_ARGS__); \
    const char *var = script(name, var##_text, (size_t)var##_len); \
    CHECK(var, "writing %s: %s", name, abi_errname(errno))

#define RUN_ECHO(path, argv, ...) do { \
        char _out[4096]; \
        int _r = run(path, argv, _out, sizeof _out); \
        CHECK(_r == 0, "running %s: %s", path, _r < 0 ? "interpreter failed" : abi_errname(_r)); \
        const char *_want[] = {__VA_ARGS__, NULL}; \
        const char *_w = expect(_want, path); \
        CHECK(!strcmp(_out, _w), "argv seen by the interpreter:\n%swant:\n%s", _out, _w); \
    } while (0)

static void t_plain(void)
{
    WRITE_SCRIPT(s, "plain", "#!%s\necho this is not run\n", interp);
    char *argv[] = {"ignored-argv0", "one", "two words", NULL};
    RUN_ECHO(s, argv, interp, s, "one", "two words");
}

static void t_one_argument_trimmed(void)
{
    /* Spaces and tabs around the name and at the end go; the argument
     * keeps its inner ones (it is a single argument). */
    WRITE_SCRIPT(s, "arg", "#! \t%s \t -x  y\tz \t\nbody\n", interp);
    char *argv[] = {"a0", "last", NULL};
    RUN_ECHO(s, argv, interp, "-x  y\tz", s, "last");
}

static void t_no_newline(void)
{
    /* A short file without a newline: the line ends at the end of the file. */
    WRITE_SCRIPT(s, "nonl", "#!%s opt", interp);
    char *argv[] = {"a0", NULL};
    RUN_ECHO(s, argv, interp, "opt", s);
}

static void t_empty_argv(void)
{
    WRITE_SCRIPT(s, "noargs", "#!%s\n", interp);
    char *argv[] = {NULL};
    RUN_ECHO(s, argv, interp, s);
}

static void t_nested(void)
{
    WRITE_SCRIPT(inner, "inner", "#!%s inner-arg\n", interp);
    WRITE_SCRIPT(outer, "outer", "#!%s outer-arg\n", inner);
    char *argv[] = {"a0", "x", NULL};
    /* Each level puts its interpreter (and argument) in front of the path
     * the level's file was opened by. */
    RUN_ECHO(outer, argv, interp, "inner-arg", inner, "outer-arg", outer, "x");
}

static void t_nesting_limit(void)
{
    /* chain[0] runs the interpreter; chain[i] runs chain[i-1].  Linux
     * follows five rewrites (five nested scripts) and refuses a sixth with
     * ELOOP. */
    const char *chain[6];
    char prev[512];
    snprintf(prev, sizeof prev, "%s", interp);
    for (int i = 0; i < 6; i++) {
        char name[16], text[600];
        snprintf(name, sizeof name, "chain%d", i);
        int n = snprintf(text, sizeof text, "#!%s\n", prev);
        chain[i] = script(name, text, (size_t)n);
        CHECK(chain[i], "writing %s", name);
        snprintf(prev, sizeof prev, "%s", chain[i]);
    }
    char out[4096];
    char *argv[] = {"a0", NULL};
    EQ(run(chain[4], argv, out, sizeof out), 0);
    const char *want[] = {interp, chain[0], chain[1], chain[2], chain[3], chain[4], NULL};
    CHECK(!strcmp(out, expect(want, chain[4])), "five levels: %s", out);
    RET(run(chain[5], argv, out, sizeof out), ELOOP);
}

static void t_bad_lines(void)
{
    char out[64];
    char *argv[] = {"a0", NULL};
    WRITE_SCRIPT(empty, "empty", "#!\n");
    RET(run(empty, argv, out, sizeof out), ENOEXEC);
    WRITE_SCRIPT(blank, "blank", "#! \t \nx\n");
    RET(run(blank, argv, out, sizeof out), ENOEXEC);
    /* An interpreter name running past the 256-byte head: it may be cut. */
    char longname[400];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    WRITE_SCRIPT(cut, "cut", "#!/%s\n", longname);
    RET(run(cut, argv, out, sizeof out), ENOEXEC);
    /* "#" alone, or "!#", is not a script: an ordinary ENOEXEC. */
    WRITE_SCRIPT(hash, "hash", "# %s\n", interp);
    RET(run(hash, argv, out, sizeof out), ENOEXEC);
}

static void t_long_line_with_name(void)
{
    /* No newline in the first 256 bytes, but the name ends (a space) before:
     * Linux takes the line up to the head's end as name and argument. */
    char pad[300];
    memset(pad, 'p', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    WRITE_SCRIPT(s, "longarg", "#!%s %s\n", interp, pad);
    char want_arg[300];
    size_t keep = 255 - 2 - strlen(interp) - 1; /* bytes of the argument inside buf[0..254] */
    memcpy(want_arg, pad, keep);
    want_arg[keep] = '\0';
    char *argv[] = {"a0", NULL};
    RUN_ECHO(s, argv, interp, want_arg, s);
}

static void t_interpreter_errors(void)
{
    char out[64];
    char *argv[] = {"a0", NULL};
    WRITE_SCRIPT(missing, "missing", "#!%s/no-such-interpreter\n", dir);
    RET(run(missing, argv, out, sizeof out), ENOENT);
    WRITE_SCRIPT(noexec_interp, "noexec-interp", "#!/bin/false\n");
    CHECK(chmod(noexec_interp, 0644) == 0, "chmod");
    WRITE_SCRIPT(via, "via-noexec", "#!%s\n", noexec_interp);
    RET(run(via, argv, out, sizeof out), EACCES);
    /* The script itself needs an execute bit like any program. */
    RET(run(noexec_interp, argv, out, sizeof out), EACCES);
    WRITE_SCRIPT(dirint, "dir-interp", "#!%s\n", dir);
    RET(run(dirint, argv, out, sizeof out), EACCES);
}

int main(int argc, char **argv)
{
    if (getenv("ABI_SCRIPT_ECHO"))
        return echo_argv(argc, argv);
    abi_begin(ABI_AREA);
    abi_prog_path(interp, sizeof interp, "scripts");
    dir = abi_tmpdir();
    RUN(plain);
    RUN(one_argument_trimmed);
    RUN(no_newline);
    RUN(empty_argv);
    RUN(nested);
    RUN(nesting_limit);
    RUN(bad_lines);
    RUN(long_line_with_name);
    RUN(interpreter_errors);
    abi_rm_tree(dir);
    return abi_end();
}
