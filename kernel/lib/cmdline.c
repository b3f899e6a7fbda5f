/* The kernel command line, parsed in one place (see kernel/cmdline.h). */
#include <kernel/cmdline.h>
#include <kernel/printk.h>
#include <kernel/string.h>

struct kernel_options kernel_opts;

static int problems;
static cmdline_warn_fn warn_fn;

static void warn(const char *fmt, const char *what)
{
    char msg[CMDLINE_WORD_MAX + 64];
    size_t n = 0, w = strlen(what);
    for (const char *f = fmt; *f && n + 1 < sizeof msg; f++) {
        if (f[0] == '%' && f[1] == 's') {
            for (size_t i = 0; i < w && n + 1 < sizeof msg; i++)
                msg[n++] = what[i];
            f++;
        } else {
            msg[n++] = *f;
        }
    }
    msg[n] = '\0';
    problems++;
    if (warn_fn)
        warn_fn(msg);
}

/* Copies the next word (double quotes group, and are removed) into word.
 * Returns the position after it, or NULL at the end of s.  *truncated is set
 * when the word did not fit. */
static const char *next_word(const char *s, char *word, size_t max, bool *truncated)
{
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    if (!*s)
        return NULL;
    size_t n = 0;
    bool quoted = false;
    *truncated = false;
    for (; *s && (quoted || (*s != ' ' && *s != '\t' && *s != '\n')); s++) {
        if (*s == '"') {
            quoted = !quoted;
            continue;
        }
        if (n + 1 < max)
            word[n++] = *s;
        else
            *truncated = true;
    }
    word[n] = '\0';
    return s;
}

/* Parses an unsigned number: decimal, or hex with 0x.  Returns false on junk or overflow. */
static bool parse_u64(const char *s, const char **end, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    const char *start = s;
    for (;; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            break;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    if (s == start)
        return false;
    *end = s;
    *out = v;
    return true;
}

/* virtio_mmio.device=<size>[K|M|G]@<base>:<irq>[:<id>] */
static bool parse_virtio_mmio(const char *v, struct virtio_mmio_desc *d)
{
    const char *p;
    uint64_t size, base, irq;
    if (!parse_u64(v, &p, &size))
        return false;
    unsigned shift = 0;
    if (*p == 'K' || *p == 'k')
        shift = 10, p++;
    else if (*p == 'M' || *p == 'm')
        shift = 20, p++;
    else if (*p == 'G' || *p == 'g')
        shift = 30, p++;
    if (size == 0 || size > (UINT64_MAX >> shift) || *p++ != '@')
        return false;
    if (!parse_u64(p, &p, &base) || *p++ != ':')
        return false;
    if (!parse_u64(p, &p, &irq) || irq > 255)
        return false;
    if (*p == ':') { /* optional platform device id, unused */
        uint64_t id;
        if (!parse_u64(p + 1, &p, &id))
            return false;
    }
    if (*p || base + (size << shift) < base)
        return false;
    d->size = size << shift;
    d->base = base;
    d->irq = (uint32_t)irq;
    return true;
}

static void copy_value(char *dst, const char *value, const char *word)
{
    if (strlen(value) >= CMDLINE_WORD_MAX) {
        warn("cmdline: value too long in '%s', ignored", word);
        return;
    }
    memcpy(dst, value, strlen(value) + 1);
}

static void apply_option(const char *word, struct kernel_options *opt)
{
    const char *eq = strchr(word, '=');
    size_t keylen = eq ? (size_t)(eq - word) : strlen(word);
    const char *value = eq ? eq + 1 : NULL;
#define KEY(k) (keylen == sizeof(k) - 1 && !strncmp(word, k, keylen))
    if (KEY("quiet") && !value) {
        opt->loglevel = LOG_WARN;
    } else if (KEY("loglevel") && value) {
        if (value[0] >= '0' && value[0] <= '7' && value[1] == '\0')
            opt->loglevel = value[0] - '0';
        else
            warn("cmdline: bad value in '%s' (want 0..7), keeping the default", word);
    } else if (KEY("test") && value && *value) {
        copy_value(opt->test, value, word);
    } else if (KEY("init") && value && *value == '/') {
        copy_value(opt->init, value, word);
    } else if (KEY("sched_slice_us") && value) {
        const char *end;
        uint64_t us;
        if (parse_u64(value, &end, &us) && !*end && us >= CMDLINE_SLICE_US_MIN && us <= CMDLINE_SLICE_US_MAX)
            opt->sched_slice_us = (uint32_t)us;
        else
            warn("cmdline: bad value in '%s' (want 50..1000000), keeping the default", word);
    } else if (KEY("nr_cpus") && value) {
        const char *end;
        uint64_t n;
        if (parse_u64(value, &end, &n) && !*end && n >= 1 && n <= CMDLINE_NR_CPUS_MAX)
            opt->nr_cpus = (uint32_t)n;
        else
            warn("cmdline: bad value in '%s' (want 1..64), keeping the default", word);
    } else if (KEY("sev_secrets") && value) {
        const char *end;
        uint64_t pa;
        if (parse_u64(value, &end, &pa) && !*end && pa && IS_ALIGNED(pa, 4096))
            opt->sev_secrets = pa;
        else
            warn("cmdline: bad value in '%s' (want a page-aligned physical address), ignored", word);
    } else if (KEY("virtio_mmio.device") && value) {
        struct virtio_mmio_desc d;
        if (!parse_virtio_mmio(value, &d))
            warn("cmdline: cannot parse '%s', device ignored", word);
        else if (opt->n_virtio_mmio == CMDLINE_MAX_VIRTIO)
            warn("cmdline: too many virtio-mmio devices, '%s' ignored", word);
        else
            opt->virtio_mmio[opt->n_virtio_mmio++] = d;
    } else {
        warn("cmdline: unknown or malformed option '%s', ignored", word);
    }
#undef KEY
}

int cmdline_parse(const char *s, struct kernel_options *opt, cmdline_warn_fn warn_cb)
{
    memset(opt, 0, sizeof *opt);
    opt->loglevel = LOG_INFO;
    memcpy(opt->init, "/sbin/init", sizeof "/sbin/init");
    problems = 0;
    warn_fn = warn_cb;

    char word[CMDLINE_WORD_MAX * 2];
    bool truncated, init_args = false;
    while ((s = next_word(s, word, sizeof word, &truncated))) {
        if (init_args) {
            if (opt->n_init_args == CMDLINE_MAX_INIT_ARGS || truncated || strlen(word) >= CMDLINE_WORD_MAX)
                warn("cmdline: init argument '%s' dropped (too many or too long)", word);
            else
                memcpy(opt->init_args[opt->n_init_args++], word, strlen(word) + 1);
        } else if (!strcmp(word, "--")) {
            init_args = true;
        } else if (truncated) {
            warn("cmdline: option too long, ignored: '%s...'", word);
        } else {
            apply_option(word, opt);
        }
    }
    return problems;
}
