/* glibc's checked printf into a caller's buffer.  slen is the size of the
 * destination object as the compiler saw it. */
#include <nutshell/compat.h>

#include <stdarg.h>
#include <stdio.h>

/* sprintf has no size of its own: the output, terminator included, must fit
 * the object.  musl formats into it with the object size as the bound, so
 * nothing is written past it; a longer output is still an overflow, and
 * aborts like glibc's. */
int __vsprintf_chk(char *s, int flag, size_t slen, const char *fmt, va_list ap)
{
    if (slen == 0)
        __chk_fail();
    compat_format_check(flag, fmt);
    int n = vsnprintf(s, slen, fmt, ap);
    if (n >= 0 && (size_t)n >= slen)
        __chk_fail();
    return n;
}

int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __vsprintf_chk(s, flag, slen, fmt, ap);
    va_end(ap);
    return n;
}

/* snprintf: claiming a bound larger than the object is the overflow. */
int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, va_list ap)
{
    if (slen < maxlen)
        __chk_fail();
    compat_format_check(flag, fmt);
    return vsnprintf(s, maxlen, fmt, ap);
}

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __vsnprintf_chk(s, maxlen, flag, slen, fmt, ap);
    va_end(ap);
    return n;
}
