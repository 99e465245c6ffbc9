/* Memory regions for `dm` to dump: a known pattern on the heap, a marker on
 * the stack, an anonymous mmap'd region, a guard page, a region that is only
 * partly readable, and a region whose name tries to leave the dump folder.
 *
 * Usage: dm_regions         then, in gdb: break stop_here, run, dm [heap]
 *        dm_regions wait    sets up, prints its pid and waits to be attached to
 *
 * Every pattern is deterministic, so a test can rebuild it byte for byte:
 *   heap_buf[i] = (i * 7 + 3) & 0xff      (HEAP_LEN bytes, after "DMHEAP--")
 *   anon[i]     = (i * 13 + 5) & 0xff     (ANON_LEN bytes, after "DMANON--")
 *   marker      = "DM-STACK-MARKER-0123456789abcdef" on main's stack
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define HEAP_LEN (64 * 1024)
#define ANON_LEN (1024 * 1024)
#define PAGE_LEN 4096

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

/* Break here: every region below is set up.  (void *, so that gdb shows
 * addresses, not the bytes, when it stops.) */
void stop_here(void *heap_buf, void *anon, void *partial, void *guard)
{
    printf("heap_buf=%p anon=%p partial=%p guard=%p\n", heap_buf, anon, partial, guard);
    fflush(stdout);
}

static void fill(unsigned char *p, size_t len, unsigned mul, unsigned add)
{
    for (size_t i = 0; i < len; ++i)
        p[i] = (unsigned char)((i * mul + add) & 0xff);
}

/* A shared memfd mapping of PAGES pages backed by only the first page:
 * reading past that page faults, so the region is only partly readable. */
static unsigned char *partly_readable(const char *name, size_t pages)
{
    int fd = memfd_create(name, 0);
    if (fd < 0 || ftruncate(fd, PAGE_LEN) != 0) {
        perror("memfd_create");
        exit(1);
    }
    unsigned char *p = mmap(NULL, pages * PAGE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    memset(p, 'P', PAGE_LEN);
    close(fd);
    return p;
}

int main(int argc, char **argv)
{
    char marker[64] = "DM-STACK-MARKER-0123456789abcdef";

    unsigned char *heap_buf = malloc(8 + HEAP_LEN);
    memcpy(heap_buf, "DMHEAP--", 8);
    fill(heap_buf + 8, HEAP_LEN, 7, 3);

    unsigned char *anon = mmap(NULL, 8 + ANON_LEN, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* A guard page: mapped, but never readable. */
    void *guard = mmap(NULL, PAGE_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (anon == MAP_FAILED || guard == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memcpy(anon, "DMANON--", 8);
    fill(anon + 8, ANON_LEN, 13, 5);

    unsigned char *partial = partly_readable("dm-partial", 4);
    /* Names a hostile program could give its regions; dm must never write
     * outside its dump folder whatever a region is called. */
    unsigned char *evil = partly_readable("../../../../tmp/dm-evil\nname", 1);
    void *named = mmap(NULL, PAGE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (named != MAP_FAILED)  /* kernels without CONFIG_ANON_VMA_NAME refuse: fine */
        prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)named, PAGE_LEN, "../../dm-up");

    stop_here(heap_buf, anon, partial, guard);
    if (argc > 1 && strcmp(argv[1], "wait") == 0) {
        printf("pid %d ready\n", (int)getpid());
        fflush(stdout);
        pause();  /* until a signal ends it */
    }
    printf("%s %p\n", marker, (void *)evil);
    return 0;
}
