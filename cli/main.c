/* main.c - placeholder until subcommands land. */
#include <stdio.h>
#include "humsec.h"
int main(void)
{
    hs_global_init();
    puts("humsec " HS_VERSION);
    return 0;
}
