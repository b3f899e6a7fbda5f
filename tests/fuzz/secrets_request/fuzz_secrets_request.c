/* libFuzzer target: the request line of aproxy's secrets socket
 * (aproxy/vm/secrets_request.c) on arbitrary bytes.  It must never read past
 * the line; a refusal always says why; an accepted line is exactly "GET "
 * and a path of three segments of [A-Za-z0-9._-]{1,64}, none "." or "..",
 * and the resource it yields is that path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../../aproxy/vm/secrets_request.h"

static int allowed(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

/* The rule written the other way round: split on '/', check each piece. */
static int valid_path(const char *p, size_t len)
{
    int segs = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != '/') {
            if (!allowed(p[i]))
                return 0;
            continue;
        }
        size_t n = i - start;
        if (n == 0 || n > 64 || (n == 1 && p[start] == '.') || (n == 2 && p[start] == '.' && p[start + 1] == '.'))
            return 0;
        segs++;
        start = i + 1;
    }
    return segs == 3;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= SECRETS_REQUEST_MAX)
        return 0; /* aproxy never passes a longer line */
    char *line = malloc(size ? size : 1); /* exact size: ASan sees any read past it */
    if (!line)
        return 0;
    memcpy(line, data, size);
    char resource[SECRETS_REQUEST_MAX], why[SECRETS_WHY_MAX] = "";
    int r = secrets_parse_request(line, size, resource, why);
    int want = size >= 4 && !memcmp(line, "GET ", 4) && valid_path(line + 4, size - 4);
    if (r == 0 && (!want || strlen(resource) != size - 4 || memcmp(resource, line + 4, size - 4)))
        abort();
    if (r != 0 && (want || !why[0] || !memchr(why, 0, sizeof(why))))
        abort();
    free(line);
    return 0;
}
