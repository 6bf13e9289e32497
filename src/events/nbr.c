/*
 * nbr.c - neighbours at war: the land-borders table (data/geo/borders.csv) and the covariates
 * of a country-month drawn from its neighbours' deaths (docs/warning.md, "Do neighbours at
 * war warn?"; docs/methods.md section 5.7).
 *
 * Why: a country's own deaths cannot foresee an onset that starts across its border (the
 * war next door that spills over, the refugees and armed groups that cross). Giving each
 * country-month the deaths of its bordering countries lets the analogue distance prefer the
 * histories of countries whose neighbourhood looked the same.
 *
 * Unknown is never zero: a neighbour whose window is partly unknown makes the covariate
 * unknown (NaN), as its sum would read the missing months as quiet. A neighbour with no
 * known month in the window at all is taken as absent (a state not yet formed, such as South
 * Sudan before 2011, or one the table does not cover), as is a neighbour that is not a unit
 * of the panel: the panel says nothing about it, and its deaths are counted, if anywhere, in
 * the country the panel has in its place.
 */
#include "events_int.h"

#include "core/csv_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct hs_borders {
    hs_ctx *ctx;
    size_t n;
    char (*pair)[2][4]; /* sorted ordered pairs (iso3, neighbour) */
};

static int nbr_pair_cmp(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(char[2][4]));
}

/* 1 when s is three upper-case ASCII letters (an ISO 3166-1 alpha-3 code). */
static int nbr_is_iso3(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (s[i] < 'A' || s[i] > 'Z') return 0;
    return s[3] == '\0';
}

hs_status hs_borders_read(hs_ctx *ctx, const char *path, hs_borders **out, hs_error *err)
{
    *out = NULL;
    hsi_csv c;
    hs_status st = hsi_csv_read(ctx, path, &c, err);
    if (st != HS_OK) return st;
    long ja = hsi_csv_find(&c, "iso3"), jb = hsi_csv_find(&c, "neighbour_iso3");
    hs_borders *b = hsi_calloc(ctx, 1, sizeof *b);
    if (!b) st = hsi_err_nomem(err);
    if (st == HS_OK && (ja < 0 || jb < 0))
        st = hsi_err(err, HS_ERR_SCHEMA, path, c.head_line, 0,
                     "expected the columns iso3 and neighbour_iso3 (a land-borders table)");
    if (st == HS_OK) {
        b->ctx = ctx;
        b->pair = hsi_malloc(ctx, (c.nrow ? c.nrow : 1) * sizeof *b->pair);
        if (!b->pair) st = hsi_err_nomem(err);
    }
    for (size_t r = 0; st == HS_OK && r < c.nrow; r++) {
        const char *a = hsi_csv_get(&c, r, (size_t)ja), *n = hsi_csv_get(&c, r, (size_t)jb);
        if (!nbr_is_iso3(a))
            st = hsi_err(err, HS_ERR_PARSE, path, c.line[r], c.col[r * c.ncol + (size_t)ja],
                         "iso3 '%s' is not an ISO 3166-1 alpha-3 code (three capital letters)", a);
        else if (!nbr_is_iso3(n))
            st = hsi_err(err, HS_ERR_PARSE, path, c.line[r], c.col[r * c.ncol + (size_t)jb],
                         "neighbour_iso3 '%s' is not an ISO 3166-1 alpha-3 code (three capital "
                         "letters)",
                         n);
        else if (!strcmp(a, n))
            st = hsi_err(err, HS_ERR_PARSE, path, c.line[r], c.col[r * c.ncol + (size_t)jb],
                         "%s is given as its own neighbour", a);
        if (st != HS_OK) break;
        memcpy(b->pair[r][0], a, 4);
        memcpy(b->pair[r][1], n, 4);
    }
    if (st == HS_OK) {
        b->n = c.nrow;
        /* a pair given twice is a mistake in the table (or a concatenation of two): name the
         * second line, found on the sorted copy's neighbours */
        qsort(b->pair, b->n, sizeof *b->pair, nbr_pair_cmp);
        for (size_t i = 1; i < b->n; i++) {
            if (nbr_pair_cmp(b->pair[i - 1], b->pair[i])) continue;
            long first = 0, second = 0;
            for (size_t r = 0; r < c.nrow; r++)
                if (!strcmp(hsi_csv_get(&c, r, (size_t)ja), b->pair[i][0]) &&
                    !strcmp(hsi_csv_get(&c, r, (size_t)jb), b->pair[i][1])) {
                    if (!first)
                        first = c.line[r];
                    else if (!second)
                        second = c.line[r];
                }
            st = hsi_err(err, HS_ERR_PARSE, path, second, 1,
                         "the border %s,%s is given twice (first on line %ld)", b->pair[i][0],
                         b->pair[i][1], first);
            break;
        }
    }
    hsi_csv_free(&c);
    if (st != HS_OK) {
        hs_borders_free(b);
        return st;
    }
    *out = b;
    return HS_OK;
}

void hs_borders_free(hs_borders *b)
{
    if (!b) return;
    hsi_free(b->ctx, b->pair);
    hsi_free(b->ctx, b);
}

size_t hs_borders_count(const hs_borders *b)
{
    return b ? b->n : 0;
}

/* The first pair of country iso3 in the sorted table (b->n when none). */
static size_t nbr_first(const hs_borders *b, const char *iso3)
{
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(b->pair[mid][0], iso3, 3) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

hs_status hs_nbr_covariates(hs_ctx *ctx, const hs_borders *b, const char *const *units,
                            size_t nunit, const double *y, size_t nmonth, double *cov,
                            hs_error *err)
{
    if (!b || !units || !y || !cov)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "neighbour covariates: a NULL argument");
    size_t *nb = hsi_malloc(ctx, (b->n ? b->n : 1) * sizeof *nb);
    if (!nb) return hsi_err_nomem(err);
    for (size_t i = 0; i < nunit * nmonth * HS_NBR_NCOV; i++)
        cov[i] = NAN;
    const size_t W = HS_NBR_MONTHS;
    for (size_t u = 0; u < nunit; u++) {
        const char *code = units[u];
        if (!code || strlen(code) != 3) continue; /* no code: its neighbours are unknown */
        /* its neighbours that are units of the panel, as rows */
        size_t nn = 0;
        for (size_t i = nbr_first(b, code); i < b->n && !memcmp(b->pair[i][0], code, 3); i++) {
            for (size_t v = 0; v < nunit; v++)
                if (units[v] && !strcmp(units[v], b->pair[i][1])) {
                    nb[nn++] = v;
                    break;
                }
        }
        for (size_t s = W - 1; s < nmonth; s++) {
            double sum = 0, at_war = 0;
            int unknown = 0;
            for (size_t k = 0; k < nn && !unknown; k++) {
                const double *yv = &y[nb[k] * nmonth + s + 1 - W];
                size_t known = 0;
                double vs = 0, vmax = 0;
                for (size_t m = 0; m < W; m++)
                    if (!isnan(yv[m])) {
                        known++;
                        vs += yv[m];
                        if (yv[m] > vmax) vmax = yv[m];
                    }
                if (known == 0) continue; /* absent in these months */
                if (known < W) unknown = 1;
                sum += vs;
                at_war += vmax >= HS_NBR_WAR;
            }
            if (unknown) continue;
            cov[(u * nmonth + s) * HS_NBR_NCOV] = log1p(sum);
            cov[(u * nmonth + s) * HS_NBR_NCOV + 1] = at_war;
        }
    }
    hsi_free(ctx, nb);
    return HS_OK;
}
