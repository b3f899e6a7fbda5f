/* Starting a vtpm on pipes with posix_spawn (see vtpm_child.h).
 *
 * The vtpm's ends are moved to descriptors 3..6 in the child, so its command
 * line is always --server type=fd,in=3,out=4 --ctrl type=fd,in=5,out=6.
 * Every pipe is created close-on-exec, and the vtpm's ends are first
 * duplicated to 10 and above, so the dup2 onto 3..6 in the child never
 * overwrites a source it has yet to copy; dup2 clears close-on-exec on the
 * copies, and everything else (our ends included) is closed by the exec. */
#include "vtpm_child.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define HIGH_FD 10

static int read_full(int fd, uint8_t *p, size_t n)
{
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
}

int vtpm_child_start(struct vtpm_child *c, const char *vtpm, const char *state,
                     const char *const *extra)
{
    /* p[0]: data to vtpm, p[1]: data from vtpm, p[2]: ctrl to, p[3]: ctrl from */
    int p[4][2], theirs[4] = {-1, -1, -1, -1};
    int n = 0, err = 0;
    for (; n < 4; n++)
        if (pipe2(p[n], O_CLOEXEC) < 0) {
            err = errno;
            goto fail;
        }
    /* the vtpm reads commands from p[0][0] and p[2][0], writes to p[1][1] and p[3][1] */
    int src[4] = {p[0][0], p[1][1], p[2][0], p[3][1]};
    for (int i = 0; i < 4; i++) {
        theirs[i] = fcntl(src[i], F_DUPFD_CLOEXEC, HIGH_FD);
        if (theirs[i] < 0) {
            err = errno;
            goto fail;
        }
    }

    const char *argv[32] = {vtpm, "--server", "type=fd,in=3,out=4", "--ctrl",
                            "type=fd,in=5,out=6", "--state", state};
    int argc = 7;
    for (int i = 0; extra && extra[i] && argc < 31; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;

    posix_spawn_file_actions_t fa;
    if ((err = posix_spawn_file_actions_init(&fa)))
        goto fail;
    for (int i = 0; i < 4 && !err; i++)
        err = posix_spawn_file_actions_adddup2(&fa, theirs[i], 3 + i);
    if (!err)
        err = posix_spawn(&c->pid, vtpm, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err)
        goto fail;

    close_all(theirs, 4);
    close(p[0][0]);
    close(p[1][1]);
    close(p[2][0]);
    close(p[3][1]);
    c->data_w = p[0][1];
    c->data_r = p[1][0];
    c->ctrl_w = p[2][1];
    c->ctrl_r = p[3][0];
    return 0;

fail:
    close_all(theirs, 4);
    for (int i = 0; i < n; i++)
        close_all(p[i], 2);
    errno = err;
    return -1;
}

int vtpm_child_ctrl(struct vtpm_child *c, const uint8_t *req, size_t req_len, uint8_t *rsp,
                    size_t rsp_len)
{
    ssize_t w;
    do
        w = write(c->ctrl_w, req, req_len);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)req_len)
        return -1;
    return read_full(c->ctrl_r, rsp, rsp_len);
}

int vtpm_child_ctrl_read(struct vtpm_child *c, uint8_t *buf, size_t n)
{
    return read_full(c->ctrl_r, buf, n);
}

int vtpm_child_wait(struct vtpm_child *c)
{
    int status;
    while (waitpid(c->pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

void vtpm_child_close(struct vtpm_child *c)
{
    int fds[4] = {c->data_w, c->data_r, c->ctrl_w, c->ctrl_r};
    close_all(fds, 4);
    c->data_w = c->data_r = c->ctrl_w = c->ctrl_r = -1;
}
