/* Four threads calling the same function: tracepoint counts and JSON records per thread. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 5

struct job {
    int id;
    const char *label;
};

static pthread_barrier_t start_line;

static int step(const struct job *job, int round)
{
    int scaled = round * job->id;
    char note[48];
    snprintf(note, sizeof note, "%s round %d", job->label, round);
    return scaled + (int)strlen(note);
}

static void *worker(void *arg)
{
    const struct job *job = arg;
    int sum = 0;
    pthread_barrier_wait(&start_line); /* all four threads are alive from here on */
    for (int round = 0; round < ROUNDS; round++)
        sum += step(job, round);
    return (void *)(long)sum;
}

int main(void)
{
    static const char *labels[THREADS] = {"alpha", "beta", "gamma", "delta"};
    struct job jobs[THREADS];
    pthread_t threads[THREADS];
    long total = 0;

    pthread_barrier_init(&start_line, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        jobs[i].id = i + 1;
        jobs[i].label = labels[i];
        pthread_create(&threads[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        void *result;
        pthread_join(threads[i], &result);
        total += (long)result;
    }
    pthread_barrier_destroy(&start_line);
    printf("total %ld\n", total);
    return 0;
}
