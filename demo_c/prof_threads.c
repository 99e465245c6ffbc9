/* Four threads call the same recursive function at the same time: prof keeps one
 * stack of open calls per thread, so every return is paired with its own call. */
#include <pthread.h>
#include <stdio.h>

#define THREADS 4
#define ROUNDS 3

/* Some arithmetic, then the same at one level less: level 3 nests 4 calls deep. */
long crunch(int id, int level)
{
    long sum = 0;
    for (long i = 0; i < 20000; i++)
        sum += (i * (id + 1)) % 7;
    if (level > 0)
        sum += crunch(id, level - 1);
    return sum;
}

static void *worker(void *arg)
{
    int id = (int)(long)arg;
    long total = 0;
    for (int round = 0; round < ROUNDS; round++)
        total += crunch(id, 3);
    return (void *)total;
}

int main(void)
{
    pthread_t threads[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, worker, (void *)i);
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        void *result;
        pthread_join(threads[i], &result);
        total += (long)result;
    }
    printf("total %ld\n", total);
    return 0;
}
