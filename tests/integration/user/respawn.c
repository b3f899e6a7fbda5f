/* respawn: the two halves of the in-VM check of apps/init.
 *
 *   respawn count   appends a line to /tmp/respawn.count and exits 1, so
 *                   init restarts it (inittab action `respawn`) with back-off
 *   respawn check   (inittab action `final`) waits until the counter has
 *                   run three times or 20 s have passed, then prints its
 *                   result line; init powers the machine off when it exits */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int count_runs(void)
{
    FILE *f = fopen("/tmp/respawn.count", "r");
    if (!f)
        return 0;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "count")) {
        FILE *f = fopen("/tmp/respawn.count", "a");
        if (f) {
            fprintf(f, "run %d\n", (int)getpid());
            fclose(f);
        }
        return 1;
    }
    struct timespec tick = {0, 100 * 1000 * 1000};
    int n = 0;
    for (int i = 0; i < 200 && (n = count_runs()) < 3; i++)
        nanosleep(&tick, NULL);
    if (n >= 3)
        printf("PASS init-vm/respawn-restarts-a-failing-service (%d runs)\n", n);
    else
        printf("FAIL init-vm/respawn-restarts-a-failing-service: %d runs in 20 s, want 3\n", n);
    return n >= 3 ? 0 : 1;
}
