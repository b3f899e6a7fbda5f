/* glibc's checked syslog: the format check, then musl's syslog. */
#include <nutshell/compat.h>

#include <stdarg.h>
#include <syslog.h>

void __vsyslog_chk(int priority, int flag, const char *fmt, va_list ap)
{
    compat_format_check(flag, fmt);
    vsyslog(priority, fmt, ap);
}

void __syslog_chk(int priority, int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    __vsyslog_chk(priority, flag, fmt, ap);
    va_end(ap);
}
