/* fcntl64 (libc-port/compat/fcntl64.c): glibc 2.28's name for fcntl, which
 * Debian's libsqlite3.a calls.  It must pass every kind of third argument
 * through: none, an int, a pointer (struct flock). */
#include "unit.h"

#include <nutshell/compat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static void test_fcntl64_int_argument(void)
{
    int fd = open("/dev/null", O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(fcntl64(fd, F_GETFD), 0);
    CHECK_EQ(fcntl64(fd, F_SETFD, FD_CLOEXEC), 0);
    CHECK_EQ(fcntl64(fd, F_GETFD), FD_CLOEXEC);
    int dup = fcntl64(fd, F_DUPFD, 100);
    CHECK(dup >= 100);
    close(dup);
    close(fd);
}

static void test_fcntl64_pointer_argument(void)
{
    char path[] = "/tmp/compat-fcntl64-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    unlink(path);
    /* F_GETLK on an unlocked file reports F_UNLCK through the pointer
     * (Linux and nutshell both have record locks). */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    CHECK_EQ(fcntl64(fd, F_GETLK, &fl), 0);
    CHECK_EQ(fl.l_type, F_UNLCK);
    close(fd);
}

static void test_fcntl64_bad_descriptor(void)
{
    errno = 0;
    CHECK_EQ(fcntl64(-1, F_GETFD), -1);
    CHECK_EQ(errno, EBADF);
}

int main(void)
{
    return unit_main("compat_fcntl64", (struct unit_test[]){
        UNIT(test_fcntl64_int_argument),
        UNIT(test_fcntl64_pointer_argument),
        UNIT(test_fcntl64_bad_descriptor),
        {0},
    });
}
