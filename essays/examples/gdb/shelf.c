/* The program the essay's gdb examples run on: a shelf of items, a typedef,
 * a pointer, an array that is only partly used, and a function called once
 * per item. */
#include <stdio.h>

typedef unsigned int count_t;

struct item {
    const char *name;
    count_t qty;
    double price;
};

struct shelf {
    const char *label;
    int used;
    struct item items[4];
};

struct shelf pantry = {"pantry", 3, {{"rice", 2, 1.5}, {"tea", 10, 3.25}, {"salt", 1, 0.75}}};
struct shelf attic = {.label = "attic"};

double value_of(const struct item *it)
{
    return it->qty * it->price;
}

double total(const struct shelf *s)
{
    double sum = 0;
    for (int i = 0; i < s->used; i++)
        sum += value_of(&s->items[i]);
    return sum;
}

int main(void)
{
    /* Line by line even into a pipe, so that the program's output and
     * gdb's keep their order. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("%s: %.2f\n", pantry.label, total(&pantry));
    return 0;
}
