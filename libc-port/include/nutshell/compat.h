/* The glibc-ABI compatibility layer (libnutshell-compat.a, linked by
 * nutshell-cc into every program).
 *
 * Debian builds its libraries against glibc with -D_FORTIFY_SOURCE=2, so
 * their objects call glibc's checked variants of libc functions (__memcpy_chk
 * and friends) and a few functions musl does not have.  This archive provides
 * exactly those, with glibc's semantics: every bounds check is kept, and a
 * failed check writes glibc's message to stderr and aborts (SIGABRT).
 *
 * The "flag" argument of the printf family is glibc's fortify level: when it
 * is positive the format string itself is checked too (see compat_format_check).
 * docs/porting.md lists the functions and where this layer differs from glibc.
 *
 * Programs never need to include this header; the libraries that need these
 * symbols were compiled against glibc's declarations.  It exists for the
 * archive's own sources and its tests. */
#ifndef NUTSHELL_COMPAT_H
#define NUTSHELL_COMPAT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <ucontext.h>

/* --- failure reporting (chk_fail.c) --- */

/* Writes "*** <what> ***: terminated\n" to fd 2 and aborts, like glibc. */
_Noreturn void __fortify_fail(const char *what);
/* "*** buffer overflow detected ***: terminated", then SIGABRT. */
_Noreturn void __chk_fail(void);
/* Writes msg to fd 2 as is and aborts (glibc's __libc_fatal). */
_Noreturn void compat_fatal(const char *msg);

/* --- memory and strings (chk_mem.c, chk_strcat.c) --- */

void *__memcpy_chk(void *dest, const void *src, size_t len, size_t destlen);
void *__memset_chk(void *dest, int c, size_t len, size_t destlen);
char *__strcat_chk(char *dest, const char *src, size_t destlen);

/* --- formatted output (chk_*printf.c, chk_syslog.c) --- */

/* For flag > 0 (what -D_FORTIFY_SOURCE=2 passes): aborts with glibc's
 * message if fmt uses %n while living in writable memory, or uses %N$
 * positional arguments with a gap.  Does nothing for flag <= 0. */
void compat_format_check(int flag, const char *fmt);

int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...);
int __vsprintf_chk(char *s, int flag, size_t slen, const char *fmt, va_list ap);
int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...);
int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, va_list ap);
int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);
int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap);
int __printf_chk(int flag, const char *fmt, ...);
int __vprintf_chk(int flag, const char *fmt, va_list ap);
int __dprintf_chk(int fd, int flag, const char *fmt, ...);
int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap);
int __asprintf_chk(char **out, int flag, const char *fmt, ...);
int __vasprintf_chk(char **out, int flag, const char *fmt, va_list ap);
void __syslog_chk(int priority, int flag, const char *fmt, ...);
void __vsyslog_chk(int priority, int flag, const char *fmt, va_list ap);

/* --- the rest --- */

/* FD_SET and friends under fortify: d must be a valid fd_set index. */
long __fdelt_chk(long d);
/* longjmp that refuses to jump into a stack frame that no longer exists. */
_Noreturn void __longjmp_chk(jmp_buf env, int val);
/* glibc 2.28's fcntl for a 64-bit struct flock: fcntl itself on x86-64. */
int fcntl64(int fd, int cmd, ...);

/* getcontext, setcontext, swapcontext and makecontext are declared by musl's
 * <ucontext.h> (musl declares but does not implement them).  This layer
 * implements them for real on x86-64 (ucontext.S, makecontext.c); the
 * layout is musl's ucontext_t, which is a prefix of glibc's. */

#endif
