/* One large anonymous region, every page written, for benchmarking dumps.
 *
 * Usage: dm_big [MIB]     (default 256)
 * In gdb: break stop_here, run, then `dm --addr big` or
 * `dump binary memory FILE big big+size`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

/* Break here: BIG holds SIZE bytes, big[i] == (i * 31 + 17) & 0xff. */
void stop_here(unsigned char *big, size_t size)
{
    printf("big=%p size=%zu\n", (void *)big, size);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
    size_t size = mib << 20;
    unsigned char *big = mmap(NULL, size, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (size == 0 || big == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (size_t i = 0; i < size; ++i)
        big[i] = (unsigned char)((i * 31 + 17) & 0xff);
    stop_here(big, size);
    return 0;
}
