// C++ references as arguments: tp shows what they refer to, as 'info args' does.
#include <cstdio>
#include <string>

struct Point {
    int x, y;
};

static int area(const Point &p, const std::string &name)
{
    return p.x * p.y + static_cast<int>(name.size());
}

int main()
{
    std::string name = "box";
    std::printf("%d\n", area(Point{2, 3}, name));
    return 0;
}
