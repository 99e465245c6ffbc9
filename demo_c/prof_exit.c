/* Calls that never return because their thread or the whole program ends:
 * hold(1) ends its thread, hold(0) returns, and hold(2) exits the program from
 * three nested calls of nest(). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

int hold(int how)
{
    if (how == 1)
        pthread_exit(NULL);
    if (how == 2)
        exit(0);
    return how + 40;
}

int nest(int levels, int how)
{
    if (levels == 0)
        return hold(how);
    return nest(levels - 1, how) + 1;
}

static void *body(void *arg)
{
    (void)arg;
    hold(1);
    return NULL;
}

int main(void)
{
    pthread_t thread;
    pthread_create(&thread, NULL, body, NULL);
    pthread_join(thread, NULL);
    printf("hold(0) = %d\n", hold(0));
    fflush(stdout);
    nest(2, 2);
    return 1; /* not reached */
}
