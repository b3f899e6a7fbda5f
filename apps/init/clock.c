/* Time for init's own timers: the monotonic clock, immune to the wall
 * clock being set. */
#include <stdio.h>
#include <time.h>

#include "init.h"

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *format_delay(int64_t ms, char *buf, unsigned long len)
{
    if (ms % 1000 == 0)
        snprintf(buf, len, "%lld s", (long long)(ms / 1000));
    else
        snprintf(buf, len, "%lld ms", (long long)ms);
    return buf;
}
