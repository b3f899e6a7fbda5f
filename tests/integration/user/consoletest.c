/* consoletest: init of an image whose console input is fed by the host
 * (tests/integration/user/user-boot.sh sends "hello\r", "ab^D", "^D").
 * Checks the console's line discipline as docs/filesystems.md describes it:
 * a carriage return arrives as a newline and ends the read, ^D ends a read
 * early with what was typed, and a lone ^D reads as end of file. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *name, const char *got)
{
    if (ok)
        printf("PASS console/%s\n", name);
    else
        printf("FAIL console/%s: got '%s'\n", name, got);
    failures += !ok;
}

int main(void)
{
    char buf[64];
    check(isatty(0), "stdin-is-a-tty", "not a tty");
    ssize_t n = read(0, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    check(n == 6 && !memcmp(buf, "hello\n", 6), "line-ends-at-cr", buf);
    n = read(0, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    check(n == 2 && !memcmp(buf, "ab", 2), "ctrl-d-ends-a-partial-line", buf);
    n = read(0, buf, sizeof buf - 1);
    check(n == 0, "lone-ctrl-d-is-eof", n < 0 ? "error" : "data");
    return failures ? 1 : 0;
}
