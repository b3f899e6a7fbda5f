/* The system's names, as uname(2) and /proc (version, sys/kernel/ostype,
 * osrelease, hostname) give them; see misc/sys_uname.c for why they look
 * like Linux's. */
#ifndef MISC_UTS_H
#define MISC_UTS_H

#define UTS_SYSNAME "Linux"
#define UTS_NODENAME "nutshell" /* no sethostname: fixed */
#define UTS_RELEASE "6.1.0-nutshell"
#define UTS_VERSION "#1 nutshell"
#define UTS_MACHINE "x86_64"
#define UTS_DOMAINNAME "(none)" /* Linux's default */

#endif
