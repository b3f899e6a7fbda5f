/* A program above 8 MiB: the ELF loader must map every page of a large
 * initialised segment, and the bytes must be the ones in the file. */
#include "abi.h"

#include <stdio.h>
#include <sys/stat.h>

#include "big-blob.h"

extern const unsigned char big_blob[], big_blob_end[];
/* Initialised writable data (.data) and zero-initialised data (.bss) too. */
static unsigned char data_array[256 * 1024] = { [0] = 1, [sizeof data_array - 1] = 2 };
static unsigned char bss_array[1024 * 1024];

static void t_blob_contents(void)
{
    EQ(big_blob_end - big_blob, BIG_BLOB_SIZE);
    for (size_t i = 0; i < BIG_BLOB_SIZE; i++)
        if (big_blob[i] != big_blob_byte(i))
            FAILF("byte %zu is %#x, want %#x", i, big_blob[i], big_blob_byte(i));
}

static void t_data_and_bss(void)
{
    EQ(data_array[0], 1);
    EQ(data_array[sizeof data_array - 1], 2);
    for (size_t i = 1; i < sizeof data_array - 1; i++)
        if (data_array[i] != 0)
            FAILF("data_array[%zu] is %#x, want 0", i, data_array[i]);
    for (size_t i = 0; i < sizeof bss_array; i++)
        if (bss_array[i] != 0)
            FAILF("bss_array[%zu] is %#x, want 0", i, bss_array[i]);
    /* Both are private and writable. */
    data_array[4096] = 7;
    bss_array[4096] = 9;
    EQ(data_array[4096] + bss_array[4096], 16);
}

static void t_file_above_8mib(void)
{
    char path[512];
    struct stat st;
    OK(stat(abi_prog_path(path, sizeof path, ABI_AREA), &st));
    CHECK(st.st_size > 8 * 1024 * 1024, "%s is only %lld bytes", path, (long long)st.st_size);
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(blob_contents);
    RUN(data_and_bss);
    RUN(file_above_8mib);
    return abi_end();
}
