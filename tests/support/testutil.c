/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/core_int.h"

const char *tu_path(const char *rel)
{
    static char buf[8][1024];
    static int slot;
    slot = (slot + 1) % 8;
    snprintf(buf[slot], sizeof buf[slot], "%s/%s", HS_SOURCE_DIR, rel);
    return buf[slot];
}

void tu_csv_load(const char *path, hsi_csv *out)
{
    hs_error err = {0};
    if (hsi_csv_read(NULL, path, out, &err) != HS_OK) {
        char msg[2048];
        hs_error_format(&err, msg, sizeof msg);
        fail_msg("cannot read %s: %s", path, msg);
    }
}

double tu_num(const char *s)
{
    if (!s || !*s || strcmp(s, "NA") == 0) return NAN;
    double v;
    if (hsi_parse_double(s, &v) != 0) fail_msg("not a number in reference file: '%s'", s);
    return v;
}

size_t tu_row(const hsi_csv *c, const char *key, const char *value)
{
    long j = hsi_csv_find(c, key);
    if (j < 0) fail_msg("no column %s in %s", key, c->file);
    for (size_t r = 0; r < c->nrow; r++)
        if (strcmp(hsi_csv_get(c, r, (size_t)j), value) == 0) return r;
    fail_msg("no row with %s = %s in %s", key, value, c->file);
    return 0;
}

int tu_close(double got, double expected, double tol)
{
    if (isnan(got) || isnan(expected)) return isnan(got) && isnan(expected);
    double d = fabs(got - expected);
    if (fabs(expected) >= 1.0) return d <= tol * fabs(expected);
    return d <= tol;
}
