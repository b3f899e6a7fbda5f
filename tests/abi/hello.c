/* The smallest program of the Done-when list: stdio through musl's printf. */
#include "abi.h"

#include <stdio.h>

static void t_printf(void)
{
    int n = printf("hello, world\n");
    EQ(n, 13);
    EQ(fflush(stdout), 0);
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(printf);
    return abi_end();
}
