/*
 * rank_intervals.c - humsec from C, as a program outside the project uses it: build the index
 * a pipeline declares, run the uncertainty analysis a SPEC describes, and print every unit's
 * nominal rank with the 5-95 % interval the uncertain choices give it, best first.
 *
 *   make                                   # cc ... $(pkg-config --cflags --libs humsec)
 *   ./rank_intervals ../asem/sa.pipeline ../asem/sa.spec 500
 */
#include <humsec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct row {
    const char *unit;
    double nominal, iv[3];
} row;

static int by_rank(const void *a, const void *b)
{
    double x = ((const row *)a)->nominal, y = ((const row *)b)->nominal;
    return (x > y) - (x < y);
}

/* Print the library's message for a failed call and give the exit status. */
static int fail(const char *what, const hs_error *err)
{
    char msg[2048];
    hs_error_format(err, msg, sizeof msg);
    fprintf(stderr, "rank_intervals: %s: %s\n", what, msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fputs("usage: rank_intervals PIPELINE SPEC [N]\n", stderr);
        return 2;
    }
    hs_global_init();
    hs_ctx *ctx = hs_ctx_new(NULL, NULL); /* one context per thread of work */
    if (!ctx) return 1;
    hs_sa_opts o;
    hs_sa_opts_init(&o); /* uncertainty analysis, seed 1, all cores */
    if (argc == 4) o.n = strtoul(argv[3], NULL, 10);
    o.progress_secs = -1; /* no progress lines */
    hs_sensitivity *s = NULL;
    hs_error err;
    int rc = 0;
    if (hs_sensitivity_run(ctx, argv[1], argv[2], &o, &s, &err) != HS_OK) {
        rc = fail("sensitivity", &err);
        goto done;
    }
    size_t n = hs_sensitivity_nunits(s);
    row *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows) {
        rc = 1;
        goto done;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        rows[i].unit = hs_sensitivity_unit(s, i);
        rows[i].nominal = hs_sensitivity_nominal_rank(s, i);
        if (hs_sensitivity_rank_interval(s, i, rows[i].iv, &err) != HS_OK)
            rc = fail("rank interval", &err);
    }
    qsort(rows, n, sizeof *rows, by_rank);
    printf("unit,nominal_rank,q05_rank,median_rank,q95_rank\n");
    for (size_t i = 0; i < n && !rc; i++)
        printf("%s,%g,%g,%g,%g\n", rows[i].unit, rows[i].nominal, rows[i].iv[0], rows[i].iv[1],
               rows[i].iv[2]);
    free(rows);
done:
    hs_sensitivity_free(s); /* every hs_*_free takes NULL */
    hs_ctx_free(ctx);
    return rc;
}
