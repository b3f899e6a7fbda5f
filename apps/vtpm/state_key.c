/* Reading the state key file (state_key.h). */
#include "state_key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "log.h"

/* Big enough for the hex form and its newline, and one byte more, so an
 * oversized file is recognised instead of cut. */
enum { KEY_FILE_MAX = 2 * STATE_KEY_LEN + 2 };

static int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int state_key_decode(const uint8_t *buf, size_t len, uint8_t key[STATE_KEY_LEN])
{
    if (len == STATE_KEY_LEN) {
        memcpy(key, buf, STATE_KEY_LEN);
        return 0;
    }
    if (len == 2 * STATE_KEY_LEN + 1 && buf[len - 1] == '\n')
        len--;
    if (len != 2 * STATE_KEY_LEN)
        return -1;
    for (size_t i = 0; i < STATE_KEY_LEN; i++) {
        int hi = hex_digit(buf[2 * i]), lo = hex_digit(buf[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            OPENSSL_cleanse(key, STATE_KEY_LEN);
            return -1;
        }
        key[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Whether the attestation that releases the key was refused: the key's
 * provider (aproxy) then writes `<path>.refused` holding the KBS's reason
 * (docs/aproxy.md, "Key hand-over").  Waiting on would only delay the
 * refusal; a transient failure (KBS down) writes nothing, and the wait goes
 * on.  true after logging the refusal. */
static bool attestation_refused(const char *path)
{
    char name[4096], reason[512];
    if ((size_t)snprintf(name, sizeof(name), "%s.refused", path) >= sizeof(name))
        return false;
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, reason, sizeof(reason) - 1);
    close(fd);
    n = n < 0 ? 0 : n;
    while (n > 0 && (unsigned char)reason[n - 1] <= ' ')
        n--; /* a trailing newline */
    reason[n] = 0;
    for (ssize_t i = 0; i < n; i++)
        if ((unsigned char)reason[i] < 0x20)
            reason[i] = ' '; /* one log line, whatever the file holds */
    log_error("state key %s: the attestation that releases it was refused (%s); refusing to start", path,
              n ? reason : "no reason given");
    return true;
}

/* Opens `path`, waiting for it to appear for up to `wait_ms`, unless the
 * attestation behind it was refused. */
static int open_waiting(const char *path, unsigned wait_ms)
{
    const unsigned step = 100;
    bool told = false;
    for (unsigned waited = 0;; waited += step) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 || errno != ENOENT) {
            if (fd < 0)
                log_error("state key %s: %s", path, strerror(errno));
            return fd;
        }
        if (attestation_refused(path))
            return -1;
        if (waited >= wait_ms) {
            log_error("state key %s: still missing after %u s; refusing to start without it "
                      "(it comes from the attestation: is aproxy running?)", path, wait_ms / 1000);
            return -1;
        }
        if (!told)
            log_info("state key: waiting up to %u s for %s", wait_ms / 1000, path);
        told = true;
        sleep_ms(step);
    }
}

int state_key_read(const char *path, unsigned wait_ms, uint8_t key[STATE_KEY_LEN])
{
    int fd = open_waiting(path, wait_ms);
    if (fd < 0)
        return -1;
    uint8_t buf[KEY_FILE_MAX];
    size_t len = 0;
    while (len < sizeof(buf)) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            log_error("state key %s: %s", path, strerror(errno));
            close(fd);
            OPENSSL_cleanse(buf, sizeof(buf));
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    int r = state_key_decode(buf, len, key);
    OPENSSL_cleanse(buf, sizeof(buf));
    if (r < 0)
        log_error("state key %s: want 32 raw bytes or 64 hex digits, found %zu%s bytes", path,
                  len, len == sizeof(buf) ? " or more" : "");
    return r;
}
