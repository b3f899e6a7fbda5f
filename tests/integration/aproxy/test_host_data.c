/* aproxy/host/host_data.c: HOST_DATA from init-data as Trustee computes it
 * (the TOML's algorithm over the whole text, cut to 32 bytes), checked
 * against OpenSSL's one-shot digests; the algorithm line's forms and the
 * refusals; QEMU's base64 form.  Built with ASan and UBSan. */
#define CHECK_SUITE "aproxy-host-data"
#include "check.h"

#include <openssl/sha.h>
#include <string.h>

#include "host_data.h"

static int digest_is(const char *body, const uint8_t *want)
{
    uint8_t got[HOST_DATA_LEN];
    char why[HOST_DATA_WHY];
    return host_data_of_init_data(body, strlen(body), got, why) == 0 && !memcmp(got, want, HOST_DATA_LEN);
}

static int refused(const char *body, const char *why_part)
{
    uint8_t got[HOST_DATA_LEN];
    char why[HOST_DATA_WHY] = "";
    return host_data_of_init_data(body, strlen(body), got, why) < 0 && strstr(why, why_part);
}

int main(void)
{
    uint8_t want[SHA512_DIGEST_LENGTH];
    const char *t256 = "algorithm = \"sha256\"\nversion = \"0.1.0\"\n\n[data]\n\"a.toml\" = '''\nx = 1\n'''\n";
    SHA256((const uint8_t *)t256, strlen(t256), want);
    check("sha256-whole-text", digest_is(t256, want), "not SHA-256 of the text");

    const char *t384 = "# a comment\n  algorithm='sha384'  \nversion = \"0.1.0\"\n[data]\n";
    SHA384((const uint8_t *)t384, strlen(t384), want);
    check("sha384-cut-to-32-single-quotes-indented", digest_is(t384, want), "not SHA-384[:32] of the text");

    const char *t512 = "version = \"0.1.0\"\nalgorithm\t=\t\"sha512\"\n[data]\nalgorithm = \"sha256\"\n";
    SHA512((const uint8_t *)t512, strlen(t512), want);
    check("sha512-first-top-level-key-counts", digest_is(t512, want), "not SHA-512[:32] of the text");

    check("algorithm-only-inside-a-table-refused",
          refused("version = \"0.1.0\"\n[data]\nalgorithm = \"sha256\"\n", "no top-level algorithm"),
          "a key of [data] was taken for the top-level algorithm");
    check("unknown-algorithm-refused", refused("algorithm = \"md5\"\n", "\"md5\" is not sha256"), "md5 accepted");
    check("unquoted-algorithm-refused", refused("algorithm = sha256\n", "not a short quoted string"),
          "an unquoted value accepted");
    check("unterminated-algorithm-refused", refused("algorithm = \"sha256\n", "not a short quoted string"),
          "an unterminated string accepted");
    check("algorithms-prefix-not-a-match", refused("algorithms = \"sha256\"\n", "no top-level algorithm"),
          "the key algorithms taken for algorithm");
    check("empty-refused", refused("", "no top-level algorithm"), "empty init-data accepted");

    /* QEMU's host-data=: base64 of exactly 32 bytes */
    uint8_t hd[HOST_DATA_LEN];
    char why[HOST_DATA_WHY];
    SHA256((const uint8_t *)t256, strlen(t256), want);
    int ok = host_data_parse_b64("gckitYhFblGO2oEuujM6+itoeo7BdpqYd9LZtZb4no0=", hd, why) == 0 && hd[0] == 0x81 &&
             hd[1] == 0xc9 && hd[31] == 0x8d;
    check("base64-32-bytes", ok, "the base64 of a known digest did not decode to it");
    check("base64-short-refused", host_data_parse_b64("gckitYhFblGO2oEuujM6+itoeo7BdpqYd9LZtZb4n===", hd, why) < 0,
          "31 bytes accepted");
    check("base64-long-refused", host_data_parse_b64("gckitYhFblGO2oEuujM6+itoeo7BdpqYd9LZtZb4no0AAA==", hd, why) < 0,
          "34 bytes accepted");
    check("base64-bad-char-refused", host_data_parse_b64("gckitYhFblGO2oEuujM6+itoeo7BdpqYd9LZtZb4n!0=", hd, why) < 0,
          "a '!' accepted");
    check("base64-hex-refused",
          host_data_parse_b64("81c922b588456e518eda812eba333afa2b687a8ec1769a9877d2d9b596f89e8d", hd, why) < 0,
          "hex accepted as base64");
    return check_failures ? 1 : 0;
}
