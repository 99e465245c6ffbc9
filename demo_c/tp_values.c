/* Values of every shape tp prints: a struct, long and bad strings, nested blocks that
 * shadow a name, a variable-length array, and a local declared further down. */
#include <stdio.h>
#include <string.h>

struct point {
    int x, y;
};

static int inspect(int n, const char *text, struct point p)
{
    const char *bad = (const char *)16; /* tp: entry */
    int total = n;
    for (int i = 0; i < n; i++) {
        int total = i * 2; /* shadows the outer total */
        char vla[n + 1];
        memset(vla, 'v', (size_t)n);
        vla[n] = '\0';
        total += (int)strlen(vla) + p.x; /* tp: inner */
        if (total < 0)
            printf("%s %s\n", text, bad);
    }
    int later = total + p.y;
    return later;
}

int main(void)
{
    char text[301];
    struct point p = {3, 4};
    memset(text, 'x', 300);
    text[300] = '\0';
    printf("%d\n", inspect(2, text, p));
    return 0;
}
