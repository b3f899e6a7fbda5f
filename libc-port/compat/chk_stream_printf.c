/* glibc's checked printf to streams, descriptors and fresh buffers.  These
 * have no destination size to check; fortification here is only the format
 * check (compat_format_check), done before anything is written. */
#define _GNU_SOURCE     /* vasprintf */
#include <nutshell/compat.h>

#include <stdarg.h>
#include <stdio.h>

int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
    compat_format_check(flag, fmt);
    return vfprintf(f, fmt, ap);
}

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __vfprintf_chk(f, flag, fmt, ap);
    va_end(ap);
    return n;
}

int __vprintf_chk(int flag, const char *fmt, va_list ap)
{
    return __vfprintf_chk(stdout, flag, fmt, ap);
}

int __printf_chk(int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __vfprintf_chk(stdout, flag, fmt, ap);
    va_end(ap);
    return n;
}

int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap)
{
    compat_format_check(flag, fmt);
    return vdprintf(fd, fmt, ap);
}

int __dprintf_chk(int fd, int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __vdprintf_chk(fd, flag, fmt, ap);
    va_end(ap);
    return n;
}

int __vasprintf_chk(char **out, int flag, const char *fmt, va_list ap)
{
    compat_format_check(flag, fmt);
    return vasprintf(out, fmt, ap);
}

int __asprintf_chk(char **out, int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __vasprintf_chk(out, flag, fmt, ap);
    va_end(ap);
    return n;
}
