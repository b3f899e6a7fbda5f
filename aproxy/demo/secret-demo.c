/* secret-demo: a workload that gets a secret from aproxy (docs/aproxy.md,
 * "Secrets for workloads") and uses it.
 *
 *   secret-demo [--socket PATH] [--wait SECONDS] REPOSITORY/TYPE/TAG
 *
 * It connects to aproxy's secrets socket (default /run/aproxy/secrets.sock,
 * waiting up to --wait seconds, default 300, for aproxy to serve it), asks
 * for the resource, and uses what the KBS released as a MAC key: it prints
 * HMAC-SHA256(secret, "nutshell secret demo v1"), which proves it holds the
 * secret without showing it (a verifier with the KBS's value computes the
 * same).  Exit status 0, or 1 with aproxy's reason. */
#include <errno.h>
#include <kernel/sha2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SECRET_MAX 4096 /* aproxy's SECRET_MAX */
#define DEMO_MESSAGE "nutshell secret demo v1"

/* Connects to path, retrying every 200 ms while aproxy is not serving yet. */
static int connect_aproxy(const char *path, int wait_s)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(a.sun_path, path);
    struct timespec tick = {.tv_nsec = 200 * 1000 * 1000};
    for (int tries = 0;; tries++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
            return fd;
        int err = errno;
        close(fd);
        errno = err;
        if ((err != ENOENT && err != ECONNREFUSED) || tries >= wait_s * 5)
            return -1;
        nanosleep(&tick, NULL);
    }
}

static int read_full(int fd, void *buf, size_t len)
{
    for (size_t n = 0; n < len;) {
        ssize_t r = read(fd, (char *)buf + n, len - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        n += (size_t)r;
    }
    return 0;
}

/* The answer's first line (without its newline), byte by byte so nothing
 * of the secret after it is consumed. */
static int read_line(int fd, char *line, size_t cap)
{
    for (size_t n = 0; n + 1 < cap; n++) {
        if (read_full(fd, line + n, 1) < 0)
            return -1;
        if (line[n] == '\n') {
            line[n] = 0;
            return 0;
        }
    }
    return -1;
}

/* HMAC-SHA256 (RFC 2104) over the kernel's own SHA-256 (kernel/lib/sha256.c,
 * built for user space as the host unit tests build it): OpenSSL linked
 * statically brings 3.4 MB for this, and every byte of the image costs RAM
 * in the service VM. */
static void hmac_sha256(const unsigned char *key, size_t key_len, const void *msg, size_t msg_len,
                        unsigned char mac[SHA256_DIGEST_SIZE])
{
    unsigned char k[SHA256_BLOCK_SIZE] = {0}, pad[SHA256_BLOCK_SIZE], inner[SHA256_DIGEST_SIZE];
    if (key_len > sizeof(k))
        sha256(key, key_len, k); /* a long key is hashed first */
    else
        memcpy(k, key, key_len);
    struct sha256 c;
    for (size_t i = 0; i < sizeof(k); i++)
        pad[i] = k[i] ^ 0x36;
    sha256_init(&c);
    sha256_update(&c, pad, sizeof(pad));
    sha256_update(&c, msg, msg_len);
    sha256_final(&c, inner);
    for (size_t i = 0; i < sizeof(k); i++)
        pad[i] = k[i] ^ 0x5c;
    sha256_init(&c);
    sha256_update(&c, pad, sizeof(pad));
    sha256_update(&c, inner, sizeof(inner));
    sha256_final(&c, mac);
    explicit_bzero(k, sizeof(k));
    explicit_bzero(pad, sizeof(pad));
    explicit_bzero(&c, sizeof(c));
}

int main(int argc, char **argv)
{
    const char *path = "/run/aproxy/secrets.sock", *resource = NULL;
    int wait_s = 300;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (!strcmp(argv[i], "--socket") && i + 1 < argc)
            path = argv[++i];
        else if (!strcmp(argv[i], "--wait") && i + 1 < argc)
            wait_s = atoi(argv[++i]);
        else if (argv[i][0] != '-' && !resource)
            resource = argv[i];
        else
            bad = true;
    }
    if (bad || !resource) {
        fprintf(stderr, "usage: secret-demo [--socket PATH] [--wait SECONDS] REPOSITORY/TYPE/TAG\n");
        return 2;
    }
    int fd = connect_aproxy(path, wait_s);
    if (fd < 0) {
        fprintf(stderr, "secret-demo: cannot reach aproxy at %s: %s\n", path, strerror(errno));
        return 1;
    }
    char line[600];
    snprintf(line, sizeof(line), "GET %s\n", resource);
    if (write(fd, line, strlen(line)) != (ssize_t)strlen(line) || read_line(fd, line, sizeof(line)) < 0) {
        fprintf(stderr, "secret-demo: %s: no answer from aproxy\n", resource);
        return 1;
    }
    char *end;
    long len = strncmp(line, "OK ", 3) ? -1 : strtol(line + 3, &end, 10);
    if (len < 0 || len > SECRET_MAX || *end) {
        fprintf(stderr, "secret-demo: %s: aproxy answered: %s\n", resource, line);
        return 1;
    }
    static unsigned char secret[SECRET_MAX];
    unsigned char mac[32];
    if (read_full(fd, secret, (size_t)len) < 0) {
        fprintf(stderr, "secret-demo: %s: the secret did not arrive whole\n", resource);
        return 1;
    }
    hmac_sha256(secret, (size_t)len, DEMO_MESSAGE, strlen(DEMO_MESSAGE), mac);
    explicit_bzero(secret, sizeof(secret));
    close(fd);
    char hex[65];
    for (unsigned i = 0; i < sizeof(mac); i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    printf("secret-demo: received %s (%ld bytes) from aproxy; HMAC-SHA256(secret, \"%s\") = %s\n", resource, len,
           DEMO_MESSAGE, hex);
    return 0;
}
