/* The sample program whose musl builds (static, static-PIE, dynamic, and one
 * above 8 MiB with -DBIG) feed the ELF unit test and the ELF fuzzer's seed
 * corpus.  The _Thread_local gives the binaries a PT_TLS segment. */
#include <stdio.h>

static _Thread_local int counter = 41;

#ifdef BIG
/* 9 MiB of initialised data: the file itself is that big. */
static volatile char big[9 << 20] = {1};
#endif

int main(void)
{
    counter++;
#ifdef BIG
    counter += big[0] - 1;
#endif
    printf("hello %d\n", counter);
    return 0;
}
