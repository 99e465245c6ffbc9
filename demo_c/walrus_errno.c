/* walrus_errno.c: the C habit that PEP 572 brought to Python.
 *
 * C functions report failure in their return value and leave the reason in
 * errno, so C code assigns a result and tests it in one condition.  The
 * essay "PEP 572 and the walrus operator" shows this program and its output,
 * then the same two idioms in Python with :=.  The output is deterministic:
 * "/" is readable by everybody and the second path does not exist.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int check_readable(const char *path)
{
    int rc;

    /* Assign, then compare: the inner parentheses are not optional. */
    if ((rc = access(path, R_OK)) == -1) {
        printf("access(\"%s\"): %s\n", path, strerror(errno));
        return -1;
    }
    printf("access(\"%s\"): readable\n", path);
    return rc;
}

static int read_in_chunks(const char *text)
{
    int fds[2];
    char chunk[8];
    ssize_t n;
    size_t total = 0;

    if (pipe(fds) == -1) {
        perror("pipe");
        return -1;
    }
    if (write(fds[1], text, strlen(text)) == -1) {
        perror("write");
        return -1;
    }
    close(fds[1]); /* so that read() reports end-of-file once the pipe is empty */

    /* The loop-and-a-half: read, stop on 0 (end of file) or -1 (error). */
    while ((n = read(fds[0], chunk, sizeof chunk)) > 0) {
        printf("read %zd bytes: \"%.*s\"\n", n, (int)n, chunk);
        total += (size_t)n;
    }
    close(fds[0]);
    if (n == -1) {
        perror("read");
        return -1;
    }
    printf("%zu bytes in all\n", total);
    return 0;
}

int main(void)
{
    check_readable("/");
    check_readable("/no/such/hello_walrus");
    return read_in_chunks("assignment expressions") == 0 ? 0 : 1;
}
