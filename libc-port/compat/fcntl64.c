/* fcntl64: glibc 2.28's name for fcntl with a 64-bit off_t in struct flock.
 * Objects compiled against glibc 2.28 or later call it for every fcntl
 * (Debian's libsqlite3.a does).  On x86-64 off_t is always 64 bits, so it
 * is fcntl itself, as glibc's alias is; musl only has fcntl.  The third
 * argument is read as musl's fcntl reads it: one word, whatever the command. */
#include <nutshell/compat.h>

#include <fcntl.h>
#include <stdarg.h>

int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    unsigned long arg = va_arg(ap, unsigned long);
    va_end(ap);
    return fcntl(fd, cmd, arg);
}
