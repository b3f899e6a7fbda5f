/* secrets-check: in the vm-aproxy suite's image (the service image plus this
 * program), asks aproxy's secrets socket what a workload should not get and
 * misbehaves as a client may, then asks for the workload secret once more;
 * it prints one line per case with aproxy's answer, which the suite checks
 * (tests/integration/vm-aproxy/vm-aproxy.sh; docs/aproxy.md has the protocol):
 *
 *   secrets-check: <case>: <first line of the answer>[ | <the resource>]
 *
 * then "secrets-check: done".  Two cases check how aproxy serves clients: side
 * by side (a slow client waits while others are answered) and who may ask
 * (the suite's aproxy answers only /sbin/secret-demo and this program, so a
 * copy of it under another name, /tmp/secrets-intruder, is denied). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SOCKET_PATH "/run/aproxy/secrets.sock"
#define INTRUDER "/tmp/secrets-intruder"

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

/* Reads fd's answer to its end and prints it as "<name>: <first line>[ | <rest>]". */
static void print_answer(const char *name, int fd)
{
    static char answer[8192];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof(answer) - 1 && ((r = read(fd, answer + n, sizeof(answer) - 1 - n)) > 0 || (r < 0 && errno == EINTR)))
        n += r > 0 ? (size_t)r : 0;
    answer[n] = 0;
    char *nl = strchr(answer, '\n');
    if (nl)
        *nl = 0;
    printf("secrets-check: %s: %s%s%s\n", name, answer, nl && nl[1] ? " | " : "", nl ? nl + 1 : "");
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
    if (vanish)
        printf("secrets-check: %s: gone\n", name);
    else
        print_answer(name, fd);
    close(fd);
}

/* A client that connected and has not asked yet does not hold up the
 * others: with it waiting (and one more that sent half a request and went),
 * a malformed request is answered at once; the slow client is then still
 * unanswered, asks, and is served. */
static void side_by_side(void)
{
    int slow = connect_aproxy(), half = connect_aproxy();
    if (slow < 0 || half < 0) {
        printf("secrets-check: side-by-side: cannot connect: %s\n", strerror(errno));
        return;
    }
    if (write(half, "GET nutshell/wor", 16) != 16)
        printf("secrets-check: side-by-side: write: %s\n", strerror(errno));
    close(half);
    static const char bad[] = "GET nutshell/../x\n";
    ask("beside-a-slow-client", bad, sizeof(bad) - 1, 0);
    struct pollfd p = {.fd = slow, .events = POLLIN};
    int r = poll(&p, 1, 0);
    printf("secrets-check: slow-client-still-waiting: %s\n", r == 0 ? "yes" : "no: answered or closed already");
    static const char get[] = "GET nutshell/workload/secret\n";
    if (write(slow, get, sizeof(get) - 1) != (ssize_t)sizeof(get) - 1)
        printf("secrets-check: slow-client-served: write: %s\n", strerror(errno));
    else
        print_answer("slow-client-served", slow);
    close(slow);
}

/* Copies this program to INTRUDER and runs it there (argv[1] "intruder":
 * it asks for the workload secret and prints the answer). */
static void intruder(void)
{
    int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    int out = open(INTRUDER, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    static char buf[65536];
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    if (in < 0 || out < 0 || n < 0) {
        printf("secrets-check: intruder: cannot copy myself to %s: %s\n", INTRUDER, strerror(errno));
        return;
    }
    close(in);
    close(out);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execl(INTRUDER, INTRUDER, "intruder", (char *)NULL);
        printf("secrets-check: intruder: exec %s: %s\n", INTRUDER, strerror(errno));
        _exit(1);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        printf("secrets-check: intruder: fork/wait: %s\n", strerror(errno));
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "intruder")) {
        static const char get[] = "GET nutshell/workload/secret\n";
        ask("intruder", get, sizeof(get) - 1, 0);
        return 0;
    }
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
    side_by_side();
    intruder();
    printf("secrets-check: done\n");
    return 0;
}
