/* Scalars of every width and sign, for tp's fast path: each hit of walk() must print
 * exactly what gdb's own 'print' shows, in recursion and while locals change. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct pair {
    int a, b;
};

enum colour { RED, GREEN = 7 };

static long long total;

/* Only integers and bools: every argument and local can take the fast path. */
static int walk(int depth, unsigned int mask, short step, long long big, bool flag)
{
    unsigned short small = (unsigned short)(65535 - depth);
    long wide = -1L - depth * 1000000007L;
    unsigned long long huge = 18446744073709551615ULL - (unsigned long long)depth;
    int64_t signed64 = INT64_MIN + depth;
    uint32_t u32 = 4294967295U - (uint32_t)depth;
    bool odd = depth % 2;
    total += big + step + wide + (long long)(huge & 1) + small + odd + flag; /* tp: walk body */
    total += signed64 & 1;
    total += u32 & 1;
    if (depth <= 0)
        return (int)mask;
    return walk(depth - 1, mask * 3U, (short)(step - 700), big * -2, !flag) + 1;
}

/* Mixed: a char, a pointer, a float, a struct and an enum next to integers. */
static int mixed(int n, const char *name, struct pair p, double ratio)
{
    char letter = (char)('A' + n);
    int8_t tiny = (int8_t)(-n);
    enum colour colour = n % 2 ? GREEN : RED;
    int sum = p.a + p.b + n; /* tp: mixed body */
    if (ratio < 0)
        printf("%s %c %d %d\n", name, letter, tiny, colour);
    return sum;
}

int main(void)
{
    int result = walk(9, 5U, 1000, -3LL, true);
    for (int i = 0; i < 8; i++) {
        struct pair p = {i, -i * 2};
        result += mixed(i, "scalars", p, 0.5 * i);
    }
    printf("result %d total %lld\n", result, total);
    return 0;
}
