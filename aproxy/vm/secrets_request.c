/* The secrets socket's request line (secrets_request.h). */
#include <stdio.h>
#include <string.h>

#include "secrets_request.h"

/* One segment of a resource path: 1..64 of [A-Za-z0-9._-], not "." or "..". */
static size_t segment_len(const char *p, const char *end)
{
    size_t n = 0;
    while (p + n < end && n <= 64 &&
           ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9') ||
            p[n] == '.' || p[n] == '_' || p[n] == '-'))
        n++;
    if (n > 64 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
        return 0;
    return n;
}

int secrets_parse_request(const char *line, size_t len, char *resource, char why[SECRETS_WHY_MAX])
{
    const char *end = line + len;
    if (len < 4 || memcmp(line, "GET ", 4)) {
        snprintf(why, SECRETS_WHY_MAX, "want 'GET <repository>/<type>/<tag>'");
        return -1;
    }
    const char *p = line + 4;
    for (int seg = 0; seg < 3; seg++) {
        size_t n = segment_len(p, end);
        p += n;
        if (!n || (seg < 2 && (p == end || *p != '/'))) {
            snprintf(why, SECRETS_WHY_MAX,
                     "the resource path must be three segments <repository>/<type>/<tag>, "
                     "each 1 to 64 of A-Z a-z 0-9 . _ - (not . or ..)");
            return -1;
        }
        if (seg < 2)
            p++;
    }
    if (p != end) {
        snprintf(why, SECRETS_WHY_MAX, "unexpected bytes after the resource path");
        return -1;
    }
    /* at most 3 * 64 + 2 bytes: within SECRETS_REQUEST_MAX */
    memcpy(resource, line + 4, len - 4);
    resource[len - 4] = 0;
    return 0;
}
