/* glibc's __fdelt_chk: FD_SET/FD_CLR/FD_ISSET under fortify compute the word
 * index of descriptor d through this, so an fd outside fd_set's range aborts
 * instead of scribbling past the set. */
#include <nutshell/compat.h>

#include <sys/select.h>

long __fdelt_chk(long d)
{
    if (d < 0 || d >= FD_SETSIZE)
        __chk_fail();
    return d / (long)(8 * sizeof(long));
}
