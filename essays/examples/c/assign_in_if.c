/* The slip that := is designed to rule out: "=" typed where "==" was meant. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    int rc = access("/", R_OK); /* succeeds: rc is 0 */

    if (rc = -1) /* assigns -1, which is true, so this always "fails" */
        puts("access failed");
    return 0;
}
