/* The same slip, in the spelling -Wall takes as deliberate: a second pair of
 * parentheses around the assignment.  It compiles without a warning and still
 * does the wrong thing. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    int rc = access("/", R_OK); /* succeeds: rc is 0 */

    if ((rc = -1)) /* "yes, I mean to assign here": no warning */
        puts("access failed");
    return 0;
}
