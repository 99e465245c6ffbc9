/* A parent and its child call the same function, 25 and 15 times: with
 * 'set detach-on-fork off' tp and prof count each process on its own. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int work(int i)
{
    volatile int x = i;
    return x * 2;
}

int main(void)
{
    pid_t child = fork();
    int calls = child == 0 ? 15 : 25;
    int sum = 0;
    for (int i = 0; i < calls; i++)
        sum += work(i);
    if (child > 0)
        waitpid(child, NULL, 0);
    printf("%s %d\n", child == 0 ? "child" : "parent", sum);
    return 0;
}
