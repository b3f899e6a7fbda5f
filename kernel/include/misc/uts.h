/* The system's names, as uname(2) and /proc (version, sys/kernel/ostype,
 * osrelease, hostname) give them; see misc/sys_uname.c for why they look
 * like Linux's. */
#ifndef MISC_UTS_H
#define MISC_UTS_H

#define UTS_SYSNAME "Linux"
#define UTS_NODENAME "nutshell" /* at boot; sethostname changes it */
#define UTS_RELEASE "6.1.0-nutshell"
#define UTS_VERSION "#1 nutshell"
#define UTS_MACHINE "x86_64"
#define UTS_DOMAINNAME "(none)" /* Linux's default; setdomainname changes it */

#include <kernel/types.h>

/* The longest host or domain name (Linux's __NEW_UTS_LEN), without the NUL. */
#define UTS_NAME_MAX 64

enum uts_name { UTS_HOST, UTS_DOMAIN };
/* Copies the current name into out[UTS_NAME_MAX + 1], NUL-terminated. */
void uts_name_get(enum uts_name which, char *out);
/* Sets the name to the len (<= UTS_NAME_MAX) bytes at name, which need
 * not end with a NUL (and stop at one if they hold it). */
void uts_name_set(enum uts_name which, const char *name, size_t len);

#endif
