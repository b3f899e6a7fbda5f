/* Unit test of the VM half's runtime-data binding (aproxy/vm/binding.c) on
 * the host, under ASan and UBSan: the canonical JSON (RFC 8785) of Trustee's
 * runtime data, byte for byte, escapes included, and the report data that
 * binds it (SHA-384, zero-filled to 64 bytes).  One PASS/FAIL line per case. */
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "binding.h"

#define CHECK_SUITE "aproxy-binding"
#include "check.h"


#define JWK "{\"alg\":\"ECDH-ES+A256KW\",\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"AA\",\"y\":\"BB\"}"

int main(void)
{
    char out[RUNTIME_MAX];
    int r = binding_runtime_json(NULL, "bm9uY2U=", JWK, out, sizeof(out));
    check("stage1-runtime-data", r == 0 && !strcmp(out, "{\"nonce\":\"bm9uY2U=\",\"tee-pubkey\":" JWK "}"), out);

    r = binding_runtime_json("", "bm9uY2U=", JWK, out, sizeof(out));
    check("empty-additional-evidence-sorts-first",
          r == 0 && !strcmp(out, "{\"additional-evidence\":\"\",\"nonce\":\"bm9uY2U=\",\"tee-pubkey\":" JWK "}"), out);

    r = binding_runtime_json("{\"emulated-snp\":{\"emulated\":true}}", "n", JWK, out, sizeof(out));
    check("additional-evidence-escaped-as-a-string",
          r == 0 && !strcmp(out, "{\"additional-evidence\":\"{\\\"emulated-snp\\\":{\\\"emulated\\\":true}}\","
                                 "\"nonce\":\"n\",\"tee-pubkey\":" JWK "}"), out);

    r = binding_runtime_json(NULL, "q\"b\\s\b\f\n\r\t\x01\x1f\x7f", JWK, out, sizeof(out));
    check("rfc8785-escapes",
          r == 0 && !strcmp(out, "{\"nonce\":\"q\\\"b\\\\s\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\",\"tee-pubkey\":" JWK "}"),
          out);

    char small[40];
    check("too-small-buffer-refused", binding_runtime_json(NULL, "bm9uY2U=", JWK, small, sizeof(small)) < 0, small);

    uint8_t rd[REPORT_DATA_LEN], want[REPORT_DATA_LEN] = {0};
    binding_runtime_json(NULL, "bm9uY2U=", JWK, out, sizeof(out));
    binding_report_data(out, rd);
    SHA384((const unsigned char *)out, strlen(out), want);
    check("report-data-is-sha384-then-zeros", !memcmp(rd, want, sizeof(rd)), "another value");
    return check_failures ? 1 : 0;
}
