/*
 * leak_canary.c - leaks one block on purpose. The sanitizer build runs it as a test that
 * passes only when LeakSanitizer reports the leak, so a suite whose leak checking is off
 * (detect_leaks=0, a platform without LeakSanitizer, a tracer that stops it) goes red
 * instead of passing silently.
 */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    char *volatile p = malloc(4096);
    if (!p) return 1;
    p[0] = 1;
    p = NULL; /* the only pointer to the block is gone */
    puts("leak_canary: 4096 bytes leaked on purpose");
    return 0;
}
