// The trivial child that ubench's spawn_wait and churn_round start: it only
// exits, so the measurement is the kernel's process creation, exec and
// reaping.  With an argument (churn_round) it first execs itself without one.
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 1) {
        char *again[] = {argv[0], NULL};
        execv(argv[0], again);
        return 1;
    }
    return 0;
}
