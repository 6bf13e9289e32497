/*
 * sa.c - the generic uncertainty/sensitivity runner (docs/methods.md section 4): draws the design
 * (Sobol' quasi-random points with a seeded random shift, or pseudo-random points), evaluates
 * the model on every design point over worker threads, and estimates Sobol' indices with
 * bootstrap intervals. What the model is (a composite index, a test function) is the
 * caller's business.
 *
 * Determinism: the whole design is drawn before any thread starts, each run writes only its
 * own row of the output matrix, and all reductions walk the rows in run order, so results are
 * bit-identical for any thread count (and any split over processes through opts->gather).
 */
#include "mc_int.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_qrng.h>
#include <gsl/gsl_rng.h>

void hs_sa_opts_init(hs_sa_opts *o)
{
    *o = (hs_sa_opts){.size = sizeof *o,
                      .type = HS_SA_UA,
                      .n = 1000,
                      .seed = 1,
                      .threads = 0,
                      .sampler = HS_SAMPLER_SOBOL,
                      .bootstrap = 1000};
}

size_t hs_sa_nruns(const hs_sa *s)
{
    return s->nruns;
}

const double *hs_sa_outputs(const hs_sa *s)
{
    return s->y;
}

const double *hs_sa_point(const hs_sa *s, size_t i)
{
    return s->x + i * s->k;
}

void hs_sa_free(hs_sa *s)
{
    if (!s) return;
    hsi_free_all(s->ctx, s->x, s->y, s);
}

/* Draw the N x 2k base matrix (row-major) into base. */
static hs_status sa_draw(const hs_sa_opts *o, size_t n, size_t dim, double *base, hs_error *err)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng) return hsi_err_nomem(err);
    gsl_rng_set(rng, o->seed);
    if (o->sampler == HS_SAMPLER_RANDOM) {
        for (size_t i = 0; i < n * dim; i++)
            base[i] = gsl_rng_uniform(rng);
        gsl_rng_free(rng);
        return HS_OK;
    }
    /* Sobol' up to 40 dimensions (GSL's limit), Halton beyond (docs/methods.md section 4.2). The
       first point (all zeros) is skipped; a random shift modulo 1 per dimension, drawn from the
       seed (Cranley-Patterson rotation), makes different seeds give different, equally well-spread
       designs. */
    const gsl_qrng_type *t = dim <= 40 ? gsl_qrng_sobol : gsl_qrng_halton;
    if (dim > 1229) {
        gsl_rng_free(rng);
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "too many factors for a quasi-random design (%zu dimensions; use "
                       "--sampler random)",
                       dim);
    }
    gsl_qrng *q = gsl_qrng_alloc(t, (unsigned)dim);
    double *shift = malloc(dim * sizeof(double));
    if (!q || !shift) {
        gsl_qrng_free(q);
        free(shift);
        gsl_rng_free(rng);
        return hsi_err_nomem(err);
    }
    for (size_t d = 0; d < dim; d++)
        shift[d] = gsl_rng_uniform(rng);
    gsl_qrng_get(q, base); /* skip the origin */
    for (size_t i = 0; i < n; i++) {
        double *row = base + i * dim;
        gsl_qrng_get(q, row);
        for (size_t d = 0; d < dim; d++) {
            double v = row[d] + shift[d];
            row[d] = v >= 1.0 ? v - 1.0 : v;
        }
    }
    gsl_qrng_free(q);
    free(shift);
    gsl_rng_free(rng);
    return HS_OK;
}

/* ---- parallel evaluation ------------------------------------------------------------- */

typedef struct sa_pool {
    const hs_sa_model *m;
    hs_sa *s;
    const hs_sa_opts *o;
    size_t lo, hi;
    atomic_size_t next;
    atomic_size_t done;
    atomic_int stop;
    pthread_mutex_t mu;
    double every, next_report; /* progress lines, under mu */
    size_t err_run;            /* lowest failing run (deterministic message) */
    hs_error err;
    hs_status st;
} sa_pool;

#define SA_BLOCK 32

/* The seconds between progress lines that o asks for: 0 means the default, < 0 none. */
static double sa_every(double secs)
{
    return secs != 0 ? secs : 2.0;
}

/* A progress line when one is due (the caller holds p->mu); the first comes after a full
   interval, so a run set shorter than that prints none. */
static void sa_progress_line(sa_pool *p, size_t done)
{
    if (p->every < 0 || !p->s->ctx) return;
    double now = hsi_now();
    if (p->next_report == 0) p->next_report = now + p->every;
    if (now < p->next_report) return;
    p->next_report = now + p->every;
    size_t total = p->hi - p->lo;
    hsi_log(p->s->ctx, 0, "%zu of %zu runs, %.0f %%", done, total,
            100.0 * (double)done / (double)total);
}

static void *sa_worker(void *arg)
{
    sa_pool *p = arg;
    void *ws = p->m->ws_new ? p->m->ws_new(p->m->ud) : NULL;
    if (p->m->ws_new && !ws) {
        pthread_mutex_lock(&p->mu);
        if (p->st == HS_OK) {
            p->st = hsi_err_nomem(&p->err);
            p->err_run = 0;
        }
        pthread_mutex_unlock(&p->mu);
        atomic_store(&p->stop, 1);
        return NULL;
    }
    for (;;) {
        if (atomic_load(&p->stop)) break;
        size_t b = atomic_fetch_add(&p->next, SA_BLOCK);
        size_t lo = p->lo + b;
        if (lo >= p->hi) break;
        size_t hi = lo + SA_BLOCK < p->hi ? lo + SA_BLOCK : p->hi;
        for (size_t r = lo; r < hi; r++) {
            hs_error e;
            hs_status st =
                p->m->eval(p->m->ud, ws, p->s->x + r * p->s->k, p->s->y + r * p->s->ny, &e);
            if (st) {
                pthread_mutex_lock(&p->mu);
                if (p->st == HS_OK || r < p->err_run) {
                    p->st = st;
                    p->err = e;
                    p->err_run = r;
                }
                pthread_mutex_unlock(&p->mu);
                atomic_store(&p->stop, 1);
                break;
            }
        }
        size_t d = atomic_fetch_add(&p->done, hi - lo) + (hi - lo);
        if ((p->o->progress || p->every >= 0) && pthread_mutex_trylock(&p->mu) == 0) {
            if (p->o->progress) p->o->progress(p->o->progress_ud, d, p->hi - p->lo);
            sa_progress_line(p, d);
            pthread_mutex_unlock(&p->mu);
        }
    }
    if (ws) p->m->ws_free(p->m->ud, ws);
    return NULL;
}

static int sa_ncores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* The design: N points (UA) or a Saltelli design's A, B and A_B^(i) matrices stacked as
   runs (SA; docs/methods.md section 4.2), into s->x. */
static hs_status sa_design(hs_ctx *ctx, const hs_sa_opts *o, hs_sa *s, hs_error *err)
{
    size_t k = s->k, n = s->n;
    size_t dim = o->type == HS_SA_SA ? 2 * k : k;
    double *base = hsi_calloc(ctx, n * dim, sizeof(double));
    if (!base) return hsi_err_nomem(err);
    hs_status st = sa_draw(o, n, dim, base, err);
    if (st) {
        hsi_free(ctx, base);
        return st;
    }
    /* stack the runs: UA = rows of base; SA = A, B, A_B^(1..k) (docs/methods.md section 4.2) */
    for (size_t j = 0; j < n; j++) {
        const double *a = base + j * dim;
        if (o->type == HS_SA_UA) {
            memcpy(s->x + j * k, a, k * sizeof(double));
            continue;
        }
        const double *bb = a + k;
        memcpy(s->x + j * k, a, k * sizeof(double));
        memcpy(s->x + (n + j) * k, bb, k * sizeof(double));
        for (size_t i = 0; i < k; i++) {
            double *row = s->x + ((2 + i) * n + j) * k;
            memcpy(row, a, k * sizeof(double));
            row[i] = bb[i];
        }
    }
    hsi_free(ctx, base);
    return HS_OK;
}

/* Evaluate p's runs on o->threads threads (all cores when 0), this one included. */
static void sa_pool_run(sa_pool *p, const hs_sa_opts *o)
{
    atomic_init(&p->next, 0);
    atomic_init(&p->done, 0);
    atomic_init(&p->stop, 0);
    pthread_mutex_init(&p->mu, NULL);
    int nt = o->threads > 0 ? o->threads : sa_ncores();
    if (nt > 256) nt = 256;
    pthread_t th[256];
    int started = 0;
    for (int t = 1; t < nt; t++) {
        if (pthread_create(&th[started], NULL, sa_worker, p) != 0)
            break; /* fewer threads: same results, only slower */
        started++;
    }
    sa_worker(p);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&p->mu);
}

hs_status hs_sa_run(hs_ctx *ctx, const hs_sa_model *m, const hs_sa_opts *o, hs_sa **out,
                    hs_error *err)
{
    *out = NULL;
    if (!o || o->size != sizeof *o) return hsi_err_opts(err, "hs_sa_opts");
    if (m->k == 0 || m->ny == 0)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "the model has no factors or outputs");
    if (o->n < 2)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "N is %zu (expected at least 2)", o->n);
    if (o->type == HS_SA_SA && o->n < HS_SA_MIN_N)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "N is %zu: too small for Sobol' estimates (expected at least %d for a "
                       "sensitivity analysis)",
                       o->n, HS_SA_MIN_N);
    size_t k = m->k, n = o->n;
    size_t nruns = o->type == HS_SA_SA ? n * (k + 2) : n;
    if (nruns / (o->type == HS_SA_SA ? (k + 2) : 1) != n || nruns > ((size_t)1 << 40) / m->ny)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "N = %zu is too large", n);
    hs_sa *s = hsi_calloc(ctx, 1, sizeof *s);
    if (!s) return hsi_err_nomem(err);
    s->ctx = ctx;
    s->type = o->type;
    s->n = n;
    s->k = k;
    s->ny = m->ny;
    s->nruns = nruns;
    s->seed = o->seed;
    s->bootstrap = o->bootstrap ? o->bootstrap : 1000;
    s->progress_secs = sa_every(o->progress_secs);
    s->x = hsi_calloc(ctx, nruns * k, sizeof(double));
    s->y = hsi_calloc(ctx, nruns * m->ny, sizeof(double));
    hs_status st = s->x && s->y ? sa_design(ctx, o, s, err) : hsi_err_nomem(err);
    if (st) {
        hs_sa_free(s);
        return st;
    }
    for (size_t i = 0; i < nruns * m->ny; i++)
        s->y[i] = NAN;

    sa_pool p;
    memset(&p, 0, sizeof p);
    p.m = m;
    p.s = s;
    p.o = o;
    p.lo = 0;
    p.hi = nruns;
    p.every = s->progress_secs;
    if (o->nparts > 1) {
        if (o->part < 0 || o->part >= o->nparts) {
            hs_sa_free(s);
            return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "part %d of %d does not exist", o->part,
                           o->nparts);
        }
        /* contiguous slices in run order: the gather puts them back in the same order */
        p.lo = nruns * (size_t)o->part / (size_t)o->nparts;
        p.hi = nruns * (size_t)(o->part + 1) / (size_t)o->nparts;
    }
    sa_pool_run(&p, o);
    if (p.st) {
        if (err) {
            *err = p.err;
            char head[48];
            int hl = snprintf(head, sizeof head, "model run %zu: ", p.err_run + 1);
            size_t room = sizeof err->msg - (size_t)hl - 1;
            memcpy(err->msg, head, (size_t)hl);
            size_t ml = strlen(p.err.msg);
            if (ml > room) ml = room;
            memcpy(err->msg + hl, p.err.msg, ml);
            err->msg[(size_t)hl + ml] = '\0';
        }
        hs_sa_free(s);
        return p.st;
    }
    if (o->nparts > 1) {
        if (!o->gather) {
            hs_sa_free(s);
            return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "nparts > 1 needs a gather function");
        }
        st = o->gather(o->gather_ud, s->y, nruns, m->ny, p.lo, p.hi, err);
        if (st) {
            hs_sa_free(s);
            return st;
        }
    }
    *out = s;
    return HS_OK;
}

/* ---- estimators ------------------------------------------------------------------------ */

/* Si and STi of output 0 over the rows idx[0..m) of each block (docs/methods.md section 4.2), with
   VarY given (the bootstrap keeps the full-sample variance, as COINr does). */
static void sa_estimate_rows(const hs_sa *s, const size_t *idx, size_t m, double vary, double *si,
                             double *sti)
{
    size_t n = s->n, ny = s->ny;
    for (size_t i = 0; i < s->k; i++) {
        double s1 = 0, st = 0;
        for (size_t q = 0; q < m; q++) {
            size_t j = idx[q];
            double ya = s->y[j * ny], yb = s->y[(n + j) * ny], yi = s->y[((2 + i) * n + j) * ny];
            s1 += yb * (yi - ya);
            st += (ya - yi) * (ya - yi);
        }
        si[i] = s1 / (double)m / vary;
        sti[i] = st / (2.0 * (double)m * vary);
    }
}

static int sa_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The 2.5, 97.5, 5 and 95 % quantiles of the nb bootstrap values `boot`, sorted in col. */
static void sa_boot_q(double *col, const double *boot, size_t nb, double *lo, double *hi,
                      double *q05, double *q95)
{
    memcpy(col, boot, nb * sizeof(double));
    qsort(col, nb, sizeof(double), sa_cmp_double);
    *lo = hsi_stats_quantile7(col, nb, 0.025);
    *hi = hsi_stats_quantile7(col, nb, 0.975);
    *q05 = hsi_stats_quantile7(col, nb, 0.05);
    *q95 = hsi_stats_quantile7(col, nb, 0.95);
}

hs_status hs_sa_indices(const hs_sa *s, size_t n_use, hs_sa_index *idx, double *vary, hs_error *err)
{
    if (s->type != HS_SA_SA)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "Sobol' indices need an SA design (--type sa)");
    size_t n = s->n, k = s->k, ny = s->ny;
    if (n_use == 0 || n_use > n) n_use = n;
    /* V(Y) over the 2 n_use values of A and B (n-1 denominator) */
    double mean = 0, ss = 0;
    for (size_t j = 0; j < n_use; j++)
        mean += s->y[j * ny] + s->y[(n + j) * ny];
    mean /= (double)(2 * n_use);
    for (size_t j = 0; j < n_use; j++) {
        double a = s->y[j * ny] - mean, b = s->y[(n + j) * ny] - mean;
        ss += a * a + b * b;
    }
    double v = ss / (double)(2 * n_use - 1);
    if (vary) *vary = v;
    if (!(v > 0) || !isfinite(v))
        return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                       "the output's variance over the A and B runs is %g (expected > 0: "
                       "does any factor change the index at all?)",
                       v);
    size_t nb = s->bootstrap;
    size_t *rows = hsi_calloc(s->ctx, n_use, sizeof(size_t));
    double *si = hsi_calloc(s->ctx, k, sizeof(double));
    double *sti = hsi_calloc(s->ctx, k, sizeof(double));
    double *bs = hsi_calloc(s->ctx, nb * k, sizeof(double));
    double *bt = hsi_calloc(s->ctx, nb * k, sizeof(double));
    double *col = hsi_calloc(s->ctx, nb, sizeof(double));
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    hs_status st = HS_OK;
    if (!rows || !si || !sti || !bs || !bt || !col || !rng) {
        st = hsi_err_nomem(err);
        goto done;
    }
    for (size_t j = 0; j < n_use; j++)
        rows[j] = j;
    sa_estimate_rows(s, rows, n_use, v, si, sti);
    for (size_t i = 0; i < k; i++) {
        idx[i].si = si[i];
        idx[i].sti = sti[i];
    }
    /* bootstrap: resample the N row indices (same resample for yA, yB, yABi) */
    gsl_rng_set(rng, s->seed ^ 0x9E3779B97F4A7C15UL);
    double every = sa_every(s->progress_secs), next_report = every >= 0 ? hsi_now() + every : 0;
    for (size_t b = 0; b < nb; b++) {
        if (every >= 0 && (b & 15) == 15 && s->ctx) {
            double now = hsi_now();
            if (now >= next_report) {
                next_report = now + every;
                hsi_log(s->ctx, 0, "bootstrap: %zu of %zu resamples, %.0f %%", b, nb,
                        100.0 * (double)b / (double)nb);
            }
        }
        for (size_t j = 0; j < n_use; j++)
            rows[j] = (size_t)gsl_rng_uniform_int(rng, n_use);
        sa_estimate_rows(s, rows, n_use, v, si, sti);
        for (size_t i = 0; i < k; i++) {
            bs[i * nb + b] = si[i];
            bt[i * nb + b] = sti[i];
        }
    }
    for (size_t i = 0; i < k; i++) {
        sa_boot_q(col, bs + i * nb, nb, &idx[i].si_lo, &idx[i].si_hi, &idx[i].si_q05,
                  &idx[i].si_q95);
        sa_boot_q(col, bt + i * nb, nb, &idx[i].sti_lo, &idx[i].sti_hi, &idx[i].sti_q05,
                  &idx[i].sti_q95);
    }
done:
    if (rng) gsl_rng_free(rng);
    hsi_free_all(s->ctx, rows, si, sti, bs, bt, col);
    return st;
}
