// thrower(3) never returns: an exception thrown below it unwinds through it to
// main.  prof records that call as not completed and pairs the others normally.
#include <cstdio>
#include <stdexcept>

static void check(int n)
{
    if (n == 3)
        throw std::runtime_error("three");
}

int thrower(int n)
{
    check(n);
    return n * 2;
}

int main()
{
    int total = 0;
    for (int i = 0; i < 6; i++) {
        try {
            total += thrower(i);
        } catch (const std::exception &e) {
            std::printf("caught '%s' thrown through thrower(%d)\n", e.what(), i);
        }
    }
    std::printf("total %d\n", total);
    return 0;
}
