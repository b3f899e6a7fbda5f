// The trivial child that ubench's spawn_wait starts: it only exits, so the
// measurement is the kernel's process creation, exec and reaping.
int main(void)
{
    return 0;
}
