/* tu_build.c - see tu_build.h. */
#include "testutil.h"

#include <string.h>

#include "tu_build.h"

hs_build *tu_build(const char *rel)
{
    hs_error err = {0};
    hs_build *b = NULL;
    if (hs_build_run(NULL, tu_path(rel), &b, &err) != HS_OK) {
        char msg[2048];
        hs_error_format(&err, msg, sizeof msg);
        fail_msg("build %s failed: %s", rel, msg);
    }
    return b;
}

const hsi_dset *tu_dset(const hs_build *b, const char *name)
{
    for (size_t i = 0; i < b->nd; i++)
        if (!strcmp(b->d[i].name, name)) return &b->d[i];
    fail_msg("no dataset %s", name);
    return NULL;
}

long tu_unit_row(const hs_build *b, const hsi_dset *d, const char *code)
{
    for (size_t r = 0; r < d->nrow; r++)
        if (!strcmp(b->units.code[d->row[r]], code)) return (long)r;
    return -1;
}
