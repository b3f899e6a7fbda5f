/* A -dynamic nutshell-cc program using Debian's shared libcbor, run by musl's
 * loader (/lib/ld-musl-x86_64.so.1).  libcbor was linked against glibc: its
 * libc.so.6 dependency resolves to musl itself, and the one glibc-only
 * symbol it calls (__fprintf_chk, from cbor_describe) comes from the
 * compatibility archive inside this program, exported with -rdynamic. */
#define _GNU_SOURCE
#include "unit.h"

#include <cbor.h>
#include <stdlib.h>
#include <string.h>

static void test_serialize_and_load_round_trip(void)
{
    cbor_item_t *item = cbor_build_uint8(42);
    CHECK(item != NULL);
    if (!item)
        return;
    unsigned char *buf = NULL;
    size_t size = 0;
    size_t len = cbor_serialize_alloc(item, &buf, &size);
    CHECK_EQ(len, 2);
    CHECK(buf && buf[0] == 0x18 && buf[1] == 0x2a);

    struct cbor_load_result res;
    cbor_item_t *back = cbor_load(buf, len, &res);
    CHECK_EQ(res.error.code, CBOR_ERR_NONE);
    CHECK(back && cbor_isa_uint(back) && cbor_get_uint8(back) == 42);
    if (back)
        cbor_decref(&back);
    cbor_decref(&item);
    free(buf);
}

static void test_malformed_input_is_an_error(void)
{
    const unsigned char truncated[] = {0x19, 0x01};     /* uint16 missing a byte */
    struct cbor_load_result res;
    cbor_item_t *item = cbor_load(truncated, sizeof truncated, &res);
    CHECK(item == NULL);
    CHECK_EQ(res.error.code, CBOR_ERR_NOTENOUGHDATA);
}

/* cbor_describe prints through glibc's __fprintf_chk. */
static void test_describe_uses_compat_fprintf(void)
{
    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    CHECK(f != NULL);
    if (!f)
        return;
    cbor_item_t *item = cbor_build_uint8(42);
    cbor_describe(item, f);
    fclose(f);
    CHECK(out && strstr(out, "42") != NULL);
    cbor_decref(&item);
    free(out);
}

int main(void)
{
    return unit_main("compat_cbor_dynamic", (struct unit_test[]){
        UNIT(test_serialize_and_load_round_trip),
        UNIT(test_malformed_input_is_an_error),
        UNIT(test_describe_uses_compat_fprintf),
        {0},
    });
}
