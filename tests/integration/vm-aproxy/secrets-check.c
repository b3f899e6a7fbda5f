/* secrets-check: in the vm-aproxy suite's image (the service image plus this
 * program), asks aproxy's secrets socket what a workload should not get and
 * misbehaves as a client may, then asks for the workload secret once more;
 * it prints one line per case with aproxy's answer, which the suite checks
 * (tests/integration/vm-aproxy/vm-aproxy.sh; docs/aproxy.md has the protocol):
 *
 *   secrets-check: <case>: <first line of the answer>[ | <the resource>]
 *
 * then "secrets-check: done". */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SOCKET_PATH "/run/aproxy/secrets.sock"

/* A connection to aproxy, waiting (up to 300 s) until it serves. */
static int connect_aproxy(void)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = SOCKET_PATH};
    struct timespec tick = {.tv_nsec = 200 * 1000 * 1000};
    for (int tries = 0; tries < 1500; tries++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
            return fd;
        close(fd);
        nanosleep(&tick, NULL);
    }
    return -1;
}

/* Sends request (len bytes) and prints the answer; with vanish, closes the
 * connection right after sending instead. */
static void ask(const char *name, const char *request, size_t len, int vanish)
{
    int fd = connect_aproxy();
    if (fd < 0) {
        printf("secrets-check: %s: cannot connect: %s\n", name, strerror(errno));
        return;
    }
    if (write(fd, request, len) != (ssize_t)len) {
        printf("secrets-check: %s: write: %s\n", name, strerror(errno));
        close(fd);
        return;
    }
    if (vanish) {
        close(fd);
        printf("secrets-check: %s: gone\n", name);
        return;
    }
    static char answer[8192];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof(answer) - 1 && ((r = read(fd, answer + n, sizeof(answer) - 1 - n)) > 0 || (r < 0 && errno == EINTR)))
        n += r > 0 ? (size_t)r : 0;
    close(fd);
    answer[n] = 0;
    char *nl = strchr(answer, '\n');
    if (nl)
        *nl = 0;
    printf("secrets-check: %s: %s%s%s\n", name, answer, nl && nl[1] ? " | " : "", nl ? nl + 1 : "");
}

int main(void)
{
    static const char too_long[] = "GET aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";
#define ASK(name, s, vanish) ask(name, s, sizeof(s) - 1, vanish)
    ASK("unknown", "GET nutshell/workload/no-such-secret\n", 0);
    ASK("policy-mismatch", "GET nutshell/workload/needs-sample\n", 0);
    ASK("malformed", "GET nutshell/../secret\n", 0);
    ask("too-long", too_long, sizeof(too_long) - 1, 0);
    ASK("vanish-mid-request", "GET nutshell/wor", 1);
    ASK("vanish-before-answer", "GET nutshell/workload/secret\n", 1);
    ASK("keeps-serving", "GET nutshell/workload/secret\n", 0);
    printf("secrets-check: done\n");
    return 0;
}
