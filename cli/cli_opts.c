/* cli_opts.c - the option parser of every humsec command: a command lists its options in a
 * table (cli_opt) and cli_parse reads argv against it, so that --help, missing and bad values,
 * unknown options and stray arguments are handled, and said, the same way everywhere. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cli_nbr_words[] = {"sum", "count", "both", NULL};
const int cli_nbr_values[] = {HS_NBR_SUM, HS_NBR_COUNT, HS_NBR_BOTH};

static const cli_opt *opt_find(const cli_opt *opts, size_t nopts, const char *a)
{
    for (size_t k = 0; k < nopts; k++) {
        const cli_opt *o = &opts[k];
        if (!strcmp(a, o->name) || (o->alias && a[1] == o->alias && !a[2])) return o;
    }
    return NULL;
}

/* The smallest and largest value a whole-number kind can hold, as doubles. */
static void int_limits(cli_kind kind, double *lo, double *hi)
{
    switch (kind) {
    case CLI_INT:
        *lo = INT_MIN;
        *hi = INT_MAX;
        break;
    case CLI_LONG:
        *lo = (double)LONG_MIN;
        *hi = (double)LONG_MAX;
        break;
    case CLI_SIZE:
        *lo = 0;
        *hi = (double)SIZE_MAX;
        break;
    default: /* CLI_ULONG */
        *lo = 0;
        *hi = (double)ULONG_MAX;
        break;
    }
}

/* What a bad value of o should have been, for "OPT takes WHAT, not 'VALUE'". */
static void opt_takes(const cli_opt *o, char *buf, size_t size)
{
    int whole = o->kind != CLI_DOUBLE;
    if (o->takes) {
        snprintf(buf, size, "%s", o->takes);
    } else if (o->kind == CLI_MONTH) {
        snprintf(buf, size, "a month as YYYY-MM");
    } else if (o->kind == CLI_CHOICE) {
        size_t len = 0, n = 0;
        while (o->words[n])
            n++;
        buf[0] = '\0';
        for (size_t k = 0; k < n && len < size; k++)
            len += (size_t)snprintf(buf + len, size - len, "%s%s",
                                    k == 0      ? ""
                                    : k + 1 < n ? ", "
                                                : " or ",
                                    o->words[k]);
    } else if (o->lo == 0 && o->hi == 0) {
        snprintf(buf, size, "%s", whole ? "a whole number" : "a number");
    } else if (o->hi == HUGE_VAL) {
        snprintf(buf, size, whole ? "a whole number >= %.0f" : "a number >= %g", o->lo);
    } else if (whole) {
        snprintf(buf, size, "%.0f..%.0f", o->lo, o->hi);
    } else {
        snprintf(buf, size, "a number from %g to %g", o->lo, o->hi);
    }
}

static int opt_bad(const char *cmd, const cli_opt *o, const char *a, const char *v)
{
    if (o->bad) return cli_usage(cmd, o->bad, a, v);
    char what[256];
    opt_takes(o, what, sizeof what);
    return cli_usage(cmd, "%s takes %s, not '%s'", a, what, v);
}

/* A whole number, with K or M (times 1024 or 1024^2) after it when o->km: 0, or -1. */
static int opt_whole(const cli_opt *o, const char *v, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (end == v || errno) return -1;
    long long mul = 1;
    if (o->km && (*end == 'K' || *end == 'k'))
        mul = 1024, end++;
    else if (o->km && (*end == 'M' || *end == 'm'))
        mul = 1024LL * 1024, end++;
    if (*end || x > LLONG_MAX / mul || x < LLONG_MIN / mul) return -1;
    *out = x * mul;
    return 0;
}

static int opt_number(const char *cmd, const cli_opt *o, const char *a, const char *v)
{
    double lo = o->lo, hi = o->hi, tlo, thi;
    if (o->kind == CLI_DOUBLE) {
        char *end = NULL;
        double x = strtod(v, &end);
        if (o->lo == 0 && o->hi == 0) lo = -HUGE_VAL, hi = HUGE_VAL;
        if (end == v || *end || !isfinite(x) || !(x >= lo && x <= hi)) return opt_bad(cmd, o, a, v);
        *(double *)o->dest = x;
        return CLI_EXIT_OK;
    }
    long long x;
    int_limits(o->kind, &tlo, &thi);
    if (o->lo == 0 && o->hi == 0) lo = tlo, hi = thi;
    if (opt_whole(o, v, &x) != 0 || !((double)x >= lo && (double)x <= hi) ||
        !((double)x >= tlo && (double)x <= thi))
        return opt_bad(cmd, o, a, v);
    switch (o->kind) {
    case CLI_INT:
        *(int *)o->dest = (int)x;
        break;
    case CLI_LONG:
        *(long *)o->dest = (long)x;
        break;
    case CLI_SIZE:
        *(size_t *)o->dest = (size_t)x;
        break;
    default:
        *(unsigned long *)o->dest = (unsigned long)x;
        break;
    }
    return CLI_EXIT_OK;
}

/* The value v of option o (given as a): stored, or a usage error. */
static int opt_value(const char *cmd, const cli_opt *o, const char *a, const char *v)
{
    switch (o->kind) {
    case CLI_STR:
        *(const char **)o->dest = v;
        return CLI_EXIT_OK;
    case CLI_MONTH:
        return hs_month_parse(v, o->dest) == 0 ? CLI_EXIT_OK : opt_bad(cmd, o, a, v);
    case CLI_CHOICE:
        for (int k = 0; o->words[k]; k++)
            if (!strcmp(v, o->words[k])) {
                *(int *)o->dest = o->values ? o->values[k] : k;
                return CLI_EXIT_OK;
            }
        return opt_bad(cmd, o, a, v);
    case CLI_FN:
        return o->fn(cmd, a, v, o->dest);
    default:
        return opt_number(cmd, o, a, v);
    }
}

int cli_parse(const char *cmd, const cli_opt *opts, size_t nopts, void (*help)(void), int argc,
              char **argv, cli_pos *pos)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            help();
            return CLI_HELP;
        }
        if (a[0] != '-' || !a[1]) { /* "-" alone is an argument: standard input or output */
            if (!pos || pos->n >= pos->max)
                return cli_usage(cmd, "unexpected argument '%s'%s", a,
                                 pos && pos->extra ? pos->extra : "");
            pos->v[pos->n++] = a;
            continue;
        }
        const cli_opt *o = opt_find(opts, nopts, a);
        if (!o) return cli_usage(cmd, "unknown option '%s'", a);
        if (o->count) ++*o->count;
        if (o->kind == CLI_FLAG || o->kind == CLI_SET) {
            *(int *)o->dest = o->kind == CLI_FLAG ? 1 : o->set;
            continue;
        }
        /* the next argument is the value, whatever it looks like: --threshold -0.4 */
        if (i + 1 >= argc) return cli_usage(cmd, "%s needs %s", a, o->needs ? o->needs : "a value");
        int rc = opt_value(cmd, o, a, argv[++i]);
        if (rc != CLI_EXIT_OK) return rc;
    }
    return CLI_EXIT_OK;
}
