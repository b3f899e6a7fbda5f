/* How a failed fortify check ends the program: glibc's exact message on
 * stderr, then abort().  Written with write(2) only, because the state that
 * tripped the check (a corrupt buffer, maybe a corrupt heap) must not be
 * trusted to run stdio or malloc. */
#include <nutshell/compat.h>

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static void write_all(const struct iovec *iov, int n)
{
    struct iovec v[4];
    if (n > 4)
        n = 4;
    memcpy(v, iov, (size_t)n * sizeof *v);
    int i = 0;
    while (i < n) {
        ssize_t w = writev(STDERR_FILENO, v + i, n - i);
        if (w <= 0)
            return;        /* stderr is gone: abort() still reports the death */
        while (i < n && (size_t)w >= v[i].iov_len)
            w -= (ssize_t)v[i++].iov_len;
        if (i < n) {
            v[i].iov_base = (char *)v[i].iov_base + w;
            v[i].iov_len -= (size_t)w;
        }
    }
}

_Noreturn void compat_fatal(const char *msg)
{
    struct iovec v = {(void *)msg, strlen(msg)};
    write_all(&v, 1);
    abort();
}

_Noreturn void __fortify_fail(const char *what)
{
    struct iovec v[3] = {
        {"*** ", 4},
        {(void *)what, strlen(what)},
        {" ***: terminated\n", 17},
    };
    write_all(v, 3);
    abort();
}

_Noreturn void __chk_fail(void)
{
    __fortify_fail("buffer overflow detected");
}
