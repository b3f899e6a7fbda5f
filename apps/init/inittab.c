/* The inittab parser: "<name>:<action>:<command>" lines, '#' comments. */
#include "inittab.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const struct {
    const char *name;
    enum action action;
} actions[] = {
    {"once", ACTION_ONCE},   {"wait", ACTION_WAIT},         {"respawn", ACTION_RESPAWN},
    {"final", ACTION_FINAL}, {"shutdown", ACTION_SHUTDOWN},
};

/* Reads the whole file into a NUL-terminated buffer of *out_len bytes
 * (plus the NUL). */
static int read_file(const char *path, char **out, size_t *out_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int err = buf ? 0 : -ENOMEM;
    while (!err) {
        if (len + 1 == cap) {
            if (cap > INITTAB_MAX_BYTES) {
                err = -EFBIG;
                break;
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                err = -ENOMEM;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            err = -errno;
        else if (r == 0)
            break;
        else
            len += (size_t)r;
    }
    close(fd);
    if (err) {
        free(buf);
        return err;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

static int valid_name(const char *s, size_t len)
{
    if (len == 0 || len > SERVICE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* NAME=value, NAME being a shell variable name. */
static size_t assignment_name_len(const char *w)
{
    size_t i = 0;
    if (!((w[0] >= 'a' && w[0] <= 'z') || (w[0] >= 'A' && w[0] <= 'Z') || w[0] == '_'))
        return 0;
    while ((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= 'A' && w[i] <= 'Z') || (w[i] >= '0' && w[i] <= '9') ||
           w[i] == '_')
        i++;
    return w[i] == '=' ? i : 0;
}

/* Whether env[0..n) holds an assignment to the variable that starts
 * entry (entry is "NAME=..."; a plain "NAME" without '=' matches nothing). */
static int overridden(char *const *env, size_t n, const char *entry)
{
    const char *eq = strchr(entry, '=');
    if (!eq)
        return 0;
    size_t len = (size_t)(eq - entry) + 1;
    for (size_t i = 0; i < n; i++)
        if (strncmp(env[i], entry, len) == 0)
            return 1;
    return 0;
}

/* The service's environment: base_env without the variables it assigns,
 * then its assignments (the last one wins when a name repeats). */
static char **merge_env(char *const base_env[], char *const *assign, size_t nassign)
{
    size_t nbase = 0;
    while (base_env && base_env[nbase])
        nbase++;
    char **env = malloc((nbase + nassign + 1) * sizeof(char *));
    if (!env)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < nbase; i++)
        if (!overridden(assign, nassign, base_env[i]))
            env[n++] = base_env[i];
    for (size_t i = 0; i < nassign; i++)
        if (!overridden(assign + i + 1, nassign - i - 1, assign[i]))
            env[n++] = assign[i];
    env[n] = NULL;
    return env;
}

static int add_service(struct inittab *tab, size_t *cap, const struct service *s)
{
    if (tab->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct service *v = realloc(tab->v, ncap * sizeof(*v));
        if (!v)
            return -1;
        tab->v = v;
        *cap = ncap;
    }
    tab->v[tab->n++] = *s;
    return 0;
}

/* The options after the action ("respawn,needs=/dev/x,needs=/dev/y"):
 * comma-separated, only needs=PATH so far, an absolute path, for respawn
 * entries only.  NULL, or a message for the log. */
static const char *parse_options(char *opts, struct service *s, char *msg, size_t msglen)
{
    for (char *o = opts; o;) {
        char *next = strchr(o, ',');
        if (next)
            *next++ = '\0';
        if (strncmp(o, "needs=", 6) != 0) {
            snprintf(msg, msglen, "unknown option '%.40s' (only needs=PATH)", o);
            return msg;
        }
        if (s->action != ACTION_RESPAWN)
            return "needs=PATH is for respawn entries only";
        if (o[6] != '/')
            return "needs=PATH wants an absolute path";
        char **v = realloc(s->needs, (s->nneeds + 1) * sizeof *v);
        if (!v)
            return "out of memory";
        s->needs = v;
        if (!(s->needs[s->nneeds] = strdup(o + 6)))
            return "out of memory";
        s->nneeds++;
        o = next;
    }
    return NULL;
}

/* Parses one line (already without its newline) into s.  Returns NULL with
 * s filled, or a message for the log.  A blank or comment line gives
 * s->argv == NULL. */
static const char *parse_line(char *line, struct inittab *tab, char *const base_env[], struct service *s,
                              char *msg, size_t msglen)
{
    memset(s, 0, sizeof(*s));
    size_t len = strlen(line);
    if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0' || *p == '#')
        return NULL;

    char *colon1 = strchr(p, ':');
    if (!colon1)
        return "expected <name>:<action>:<command>";
    if (!valid_name(p, (size_t)(colon1 - p))) {
        snprintf(msg, msglen, "bad service name '%.*s' (1 to %d of A-Z a-z 0-9 _ . -)", (int)(colon1 - p), p,
                 SERVICE_NAME_MAX);
        return msg;
    }
    memcpy(s->name, p, (size_t)(colon1 - p));
    for (size_t i = 0; i < tab->n; i++) {
        if (strcmp(tab->v[i].name, s->name) == 0) {
            snprintf(msg, msglen, "duplicate service name '%s' (first on line %d)", s->name, tab->v[i].line);
            return msg;
        }
    }

    char *act = colon1 + 1;
    char *colon2 = strchr(act, ':');
    if (!colon2)
        return "expected <name>:<action>:<command>";
    *colon2 = '\0';
    char *opts = strchr(act, ',');
    if (opts)
        *opts++ = '\0';
    size_t i;
    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(act, actions[i].name) == 0)
            break;
    if (i == sizeof(actions) / sizeof(actions[0])) {
        snprintf(msg, msglen, "unknown action '%.40s'", act);
        return msg;
    }
    s->action = actions[i].action;
    if (opts) {
        const char *why = parse_options(opts, s, msg, msglen);
        if (why) {
            service_free(s);
            return why;
        }
    }

    char *cmd = colon2 + 1;
    while (*cmd == ' ' || *cmd == '\t')
        cmd++;
    const char *err;
    if (words_split(cmd, &s->words, &err) < 0) {
        service_free(s);
        return err;
    }
    size_t nassign = 0;
    while (nassign < s->words.n && assignment_name_len(s->words.v[nassign]))
        nassign++;
    if (nassign == s->words.n) {
        const char *why = nassign ? "no command after the environment assignments" : "empty command";
        service_free(s);
        return why;
    }
    s->argv = s->words.v + nassign;
    s->envp = merge_env(base_env, s->words.v, nassign);
    s->command = strdup(cmd);
    if (!s->envp || !s->command) {
        service_free(s);
        return "out of memory";
    }
    return NULL;
}

void inittab_parse(const char *path, char *text, char *const base_env[], struct inittab *tab)
{
    memset(tab, 0, sizeof(*tab));
    size_t cap = 0;
    int lineno = 0;
    char *next = text;
    while (next) {
        char *line = next;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        else if (*line == '\0')
            break;
        lineno++;
        struct service s;
        char msg[160];
        const char *why = parse_line(line, tab, base_env, &s, msg, sizeof(msg));
        if (!why && !s.argv)
            continue;
        s.line = lineno;
        if (!why && add_service(tab, &cap, &s) < 0) {
            service_free(&s);
            why = "out of memory";
        }
        if (why) {
            log_msg("%s:%d: %s", path, lineno, why);
            tab->errors++;
        }
    }
}

int inittab_load(const char *path, char *const base_env[], struct inittab *tab)
{
    char *text = NULL;
    size_t len = 0;
    int err = read_file(path, &text, &len);
    if (err)
        return err;
    if (memchr(text, '\0', len)) {
        /* The line splitting would silently stop at it. */
        log_msg("%s: contains a NUL byte, not a text file", path);
        free(text);
        return -EINVAL;
    }
    inittab_parse(path, text, base_env, tab);
    free(text);
    return 0;
}

void inittab_free(struct inittab *tab)
{
    for (size_t i = 0; i < tab->n; i++)
        service_free(&tab->v[i]);
    free(tab->v);
    memset(tab, 0, sizeof(*tab));
}
