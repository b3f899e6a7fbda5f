/* Writes the blob of tests/abi/big (big-blob.h) to stdout.  Runs on the
 * build host. */
#include <stdio.h>

#include "big-blob.h"

int main(void)
{
    static unsigned char buf[BIG_BLOB_SIZE];
    for (size_t i = 0; i < BIG_BLOB_SIZE; i++)
        buf[i] = big_blob_byte(i);
    if (fwrite(buf, 1, sizeof buf, stdout) != sizeof buf || fflush(stdout) != 0) {
        perror("big-gen");
        return 1;
    }
    return 0;
}
