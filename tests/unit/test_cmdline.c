/* Host tests of the kernel command-line parser (kernel/lib/cmdline.c). */
#include "unit.h"

#include <kernel/cmdline.h>
#include <string.h>

static int warnings;
static char last_warning[256];

static void on_warn(const char *msg)
{
    warnings++;
    snprintf(last_warning, sizeof last_warning, "%s", msg);
}

static struct kernel_options opt;

static int parse(const char *s)
{
    warnings = 0;
    last_warning[0] = '\0';
    return cmdline_parse(s, &opt, on_warn);
}

static void test_defaults(void)
{
    CHECK_EQ(parse(""), 0);
    CHECK_EQ(opt.loglevel, 6);
    CHECK(!strcmp(opt.init, "/sbin/init"));
    CHECK_EQ(opt.test[0], 0);
    CHECK_EQ(opt.n_virtio_mmio, 0);
    CHECK_EQ(parse("   \t  "), 0);
}

static void test_loglevel_and_quiet(void)
{
    CHECK_EQ(parse("loglevel=3"), 0);
    CHECK_EQ(opt.loglevel, 3);
    CHECK_EQ(parse("quiet"), 0);
    CHECK_EQ(opt.loglevel, 4);
    CHECK_EQ(parse("loglevel=8"), 1);
    CHECK_EQ(opt.loglevel, 6);
    CHECK(strstr(last_warning, "loglevel=8") != NULL);
    CHECK_EQ(parse("loglevel="), 1);
    CHECK_EQ(parse("loglevel=12"), 1);
}

static void test_virtio_mmio_devices(void)
{
    CHECK_EQ(parse("virtio_mmio.device=512@0xfeb00e00:12 virtio_mmio.device=4K@0xd0000000:5:3"), 0);
    CHECK_EQ(opt.n_virtio_mmio, 2);
    CHECK_EQ(opt.virtio_mmio[0].size, 512);
    CHECK_EQ(opt.virtio_mmio[0].base, 0xfeb00e00);
    CHECK_EQ(opt.virtio_mmio[0].irq, 12);
    CHECK_EQ(opt.virtio_mmio[1].size, 4096);
    CHECK_EQ(opt.virtio_mmio[1].base, 0xd0000000);
    CHECK_EQ(opt.virtio_mmio[1].irq, 5);
}

static void test_bad_virtio_entries_are_reported(void)
{
    const char *bad[] = {
        "virtio_mmio.device=", "virtio_mmio.device=512", "virtio_mmio.device=512@", "virtio_mmio.device=512@0xz:1",
        "virtio_mmio.device=512@0x1000", "virtio_mmio.device=512@0x1000:300", "virtio_mmio.device=0@0x1000:1",
        "virtio_mmio.device=512@0x1000:1junk", "virtio_mmio.device=99999999999999999999@1:1",
        "virtio_mmio.device=16G@0xffffffffffff0000:1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_EQ(parse(bad[i]), 1);
        CHECK_EQ(opt.n_virtio_mmio, 0);
    }
}

static void test_too_many_devices(void)
{
    char buf[4096] = "";
    for (int i = 0; i < CMDLINE_MAX_VIRTIO + 2; i++)
        strcat(buf, "virtio_mmio.device=512@0x1000:1 ");
    CHECK_EQ(parse(buf), 2);
    CHECK_EQ(opt.n_virtio_mmio, CMDLINE_MAX_VIRTIO);
}

static void test_init_test_and_arguments(void)
{
    CHECK_EQ(parse("init=/bin/sh test=selftest -- -v \"two words\" x"), 0);
    CHECK(!strcmp(opt.init, "/bin/sh"));
    CHECK(!strcmp(opt.test, "selftest"));
    CHECK_EQ(opt.n_init_args, 3);
    CHECK(!strcmp(opt.init_args[0], "-v"));
    CHECK(!strcmp(opt.init_args[1], "two words"));
    CHECK(!strcmp(opt.init_args[2], "x"));
    CHECK_EQ(parse("init=relative"), 1); /* must be absolute */
    CHECK(!strcmp(opt.init, "/sbin/init"));
}

static void test_unknown_and_oversized_words(void)
{
    CHECK_EQ(parse("frobnicate=1 loglevel=2"), 1);
    CHECK(strstr(last_warning, "frobnicate") != NULL);
    CHECK_EQ(opt.loglevel, 2);
    char big[1000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "init=/", 6);
    CHECK_EQ(parse(big), 1);
    CHECK(!strcmp(opt.init, "/sbin/init"));
    char args[4096] = "--";
    for (int i = 0; i < CMDLINE_MAX_INIT_ARGS + 3; i++)
        strcat(args, " a");
    CHECK_EQ(parse(args), 3);
    CHECK_EQ(opt.n_init_args, CMDLINE_MAX_INIT_ARGS);
}

static void test_sev_secrets(void)
{
    CHECK_EQ(parse("sev_secrets=0x7f000"), 0);
    CHECK_EQ(opt.sev_secrets, 0x7f000);
    CHECK_EQ(parse("sev_secrets=0x7f001"), 1); /* not a page */
    CHECK_EQ(opt.sev_secrets, 0);
    CHECK_EQ(parse("sev_secrets=0"), 1);
    CHECK_EQ(parse("sev_secrets=0x7f000x"), 1);
    CHECK_EQ(opt.sev_secrets, 0);
}

static void test_sched_slice(void)
{
    CHECK_EQ(parse("sched_slice_us=200"), 0);
    CHECK_EQ(opt.sched_slice_us, 200);
    CHECK_EQ(parse("sched_slice_us=49"), 1);
    CHECK_EQ(opt.sched_slice_us, 0);
    CHECK(strstr(last_warning, "sched_slice_us=49") != NULL);
    CHECK_EQ(parse("sched_slice_us=1000001"), 1);
    CHECK_EQ(parse("sched_slice_us=2ms"), 1);
    CHECK_EQ(parse("sched_slice_us="), 1);
    CHECK_EQ(opt.sched_slice_us, 0);
}

static void test_nr_cpus(void)
{
    CHECK_EQ(parse(""), 0);
    CHECK_EQ(opt.nr_cpus, 0); /* every CPU found */
    CHECK_EQ(parse("nr_cpus=4"), 0);
    CHECK_EQ(opt.nr_cpus, 4);
    CHECK_EQ(parse("nr_cpus=64"), 0);
    CHECK_EQ(opt.nr_cpus, 64);
    CHECK_EQ(parse("nr_cpus=0"), 1);
    CHECK_EQ(opt.nr_cpus, 0);
    CHECK(strstr(last_warning, "nr_cpus=0") != NULL);
    CHECK_EQ(parse("nr_cpus=65"), 1);
    CHECK_EQ(parse("nr_cpus=2x"), 1);
    CHECK_EQ(opt.nr_cpus, 0);
}

static void test_unterminated_quote(void)
{
    CHECK_EQ(parse("test=\"abc def"), 0);
    CHECK(!strcmp(opt.test, "abc def"));
}

int main(void)
{
    return unit_main("cmdline", (struct unit_test[]){
                                    UNIT(test_defaults),
                                    UNIT(test_nr_cpus),
                                    UNIT(test_loglevel_and_quiet),
                                    UNIT(test_sched_slice), UNIT(test_sev_secrets),
                                    UNIT(test_virtio_mmio_devices),
                                    UNIT(test_bad_virtio_entries_are_reported),
                                    UNIT(test_too_many_devices),
                                    UNIT(test_init_test_and_arguments),
                                    UNIT(test_unknown_and_oversized_words),
                                    UNIT(test_unterminated_quote),
                                    {0},
                                });
}
