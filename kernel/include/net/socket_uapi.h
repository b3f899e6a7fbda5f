/* The socket ABI as Linux x86-64 defines it (linux/socket.h, linux/net.h,
 * linux/un.h, asm-generic/socket.h): families, types, flags, options and
 * the structures user space passes. */
#ifndef NET_SOCKET_UAPI_H
#define NET_SOCKET_UAPI_H

#include <fs/uapi.h> /* struct k_timeval */
#include <kernel/types.h>

#define K_AF_UNSPEC 0
#define K_AF_UNIX 1
#define K_AF_MAX 46 /* Linux 6.1: every family number is below it */

#define K_SOCK_STREAM 1
#define K_SOCK_DGRAM 2
#define K_SOCK_RAW 3
#define K_SOCK_SEQPACKET 5
#define K_SOCK_MAX 11
#define K_SOCK_TYPE_MASK 0xf
#define K_SOCK_NONBLOCK 04000    /* O_NONBLOCK */
#define K_SOCK_CLOEXEC 02000000  /* O_CLOEXEC */

#define K_SHUT_RD 0
#define K_SHUT_WR 1
#define K_SHUT_RDWR 2

#define K_MSG_OOB 0x1
#define K_MSG_PEEK 0x2
#define K_MSG_CTRUNC 0x8
#define K_MSG_TRUNC 0x20
#define K_MSG_DONTWAIT 0x40
#define K_MSG_EOR 0x80
#define K_MSG_WAITALL 0x100
#define K_MSG_NOSIGNAL 0x4000
#define K_MSG_CMSG_CLOEXEC 0x40000000

#define K_SOL_SOCKET 1
#define K_SO_REUSEADDR 2
#define K_SO_TYPE 3
#define K_SO_ERROR 4
#define K_SO_SNDBUF 7
#define K_SO_RCVBUF 8
#define K_SO_KEEPALIVE 9
#define K_SO_PASSCRED 16
#define K_SO_PEERCRED 17
#define K_SO_RCVTIMEO 20
#define K_SO_SNDTIMEO 21
#define K_SO_ACCEPTCONN 30
#define K_SO_SNDBUFFORCE 32
#define K_SO_RCVBUFFORCE 33
#define K_SO_PROTOCOL 38
#define K_SO_DOMAIN 39

#define K_SCM_RIGHTS 1
#define K_SCM_CREDENTIALS 2
#define K_SCM_MAX_FD 253 /* descriptors in one message, as Linux */

#define K_SOMAXCONN 4096 /* net.core.somaxconn */

#define K_SIOCINQ 0x541b  /* FIONREAD */
#define K_SIOCOUTQ 0x5411 /* TIOCOUTQ */

#define K_POLLRDHUP 0x2000
#define K_POLLWRBAND 0x200

#define K_UNIX_PATH_MAX 108

struct k_sockaddr_un {
    uint16_t sun_family;
    char sun_path[K_UNIX_PATH_MAX];
};
#define K_SUN_PATH_OFFSET 2 /* offsetof(struct sockaddr_un, sun_path) */

struct k_ucred {
    int32_t pid;
    uint32_t uid, gid;
};

struct k_msghdr {
    uint64_t name;
    int32_t namelen;
    int32_t pad0;
    uint64_t iov;
    uint64_t iovlen;
    uint64_t control;
    uint64_t controllen;
    uint32_t flags;
    uint32_t pad1;
};

struct k_cmsghdr {
    uint64_t len;  /* header and data, unaligned */
    int32_t level;
    int32_t type;
};
#define K_CMSG_ALIGN(n) (((n) + 7) & ~(uint64_t)7)
#define K_CMSG_LEN(n) (sizeof(struct k_cmsghdr) + (n))
#define K_CMSG_SPACE(n) (sizeof(struct k_cmsghdr) + K_CMSG_ALIGN(n))


#endif
