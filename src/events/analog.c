/*
 * analog.c - probabilistic forecasts of monthly death counts by analogues (docs/warning.md,
 * "The probabilistic model"; docs/methods.md section 5.7).
 *
 * For a unit at the origin t and a lead h, the analogues are the K unit-months (u', s) of the
 * whole panel, any unit, with s + h <= t, whose last months look most like the unit's own:
 * the weighted squared distance of ln(1 + y) over the last `match_months` months, month k
 * back weighing match_decay^k. An analogue's outcome h months later is moved to the unit's
 * scale: z = ln(1 + y(u', s + h)) + level(u, t) - level(u', s), the level being the mean of
 * ln(1 + y) over the last `level_months` months. A share `own_share` of the draws comes from
 * the unit's own last `own_months` values instead, month k back with weight own_decay^k.
 *
 * Why this model: what happens after a history like this one is learned from every unit's
 * past, so a unit without a war of its own still gets the onsets, declines and spikes that
 * followed histories like its own elsewhere; the own-history share keeps a unit's spiky
 * pattern that no analogue has. Nothing is fitted by extrapolation: a draw is clamped to the
 * largest outcome the panel holds before the origin, and a unit never seen before gets what
 * followed the histories nearest to it, not a linear predictor's tail.
 *
 * Determinism: the draws of (unit, lead) come from their own generator, seeded from the
 * seed, the unit and the lead, so the samples are bit-identical for any thread count, and a
 * lead's draws are the same whichever other leads are asked for: a stored forecast of 36
 * leads and a backtest of leads 1, 3, 6 and 12 agree where they meet.
 */
#include "events_int.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define AN_MAX_MATCH   120
#define AN_MAX_OWN     480
#define AN_MAX_THREADS 64

void hs_analog_opts_init(hs_analog_opts *o)
{
    *o = (hs_analog_opts){.size = sizeof *o,
                          .k = 100,
                          .match_months = 12,
                          .match_decay = 0.75,
                          .level_months = 3,
                          .own_months = 24,
                          .own_decay = 0.9,
                          .own_share = 0.3,
                          .samples = 1000,
                          .seed = 1,
                          .threads = 1};
}

typedef struct an_job {
    const hs_analog_opts *o;
    const double *y; /* nunit x nmonth */
    size_t nunit, nmonth;
    int origin;
    const int *leads;
    size_t nlead;
    const unsigned char *want;
    const double *ly;    /* ln(1 + y) */
    const double *level; /* level(u, s), NaN when a month of the match window is missing */
    const size_t *cand;  /* training unit-months u * nmonth + s */
    size_t ncand;
    size_t excl;   /* the most training unit-months one lead cannot use */
    double zmax;   /* the largest ln(1 + y) of a training outcome */
    double *out;   /* nunit x nlead x samples */
    size_t u0, u1; /* this thread's units */
    hs_status st;
} an_job;

/* The k-th smallest of d[0..n) (0-based; d is reordered): quickselect with a three-way
 * partition, as histories of all zeros give thousands of equal distances. Hand-written:
 * GSL's gsl_sort_smallest is O(n k), and k is 100 of some 60,000. */
static double an_kth(double *d, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* the k-th lies in [lo, hi) */
    while (hi - lo > 1) {
        double p = d[lo + (hi - lo) / 2], t;
        size_t lt = lo, i = lo, gt = hi; /* [lo, lt) < p, [lt, i) == p, [gt, hi) > p */
        while (i < gt) {
            if (d[i] < p) {
                t = d[lt];
                d[lt++] = d[i];
                d[i++] = t;
            } else if (d[i] > p) {
                t = d[--gt];
                d[gt] = d[i];
                d[i] = t;
            } else {
                i++;
            }
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return p;
    }
    return d[k];
}

typedef struct an_near {
    double d;
    size_t c;   /* index into cand */
    size_t i;   /* the unit-month, cand[c] */
    size_t end; /* its month plus 1: lead h is known at the origin t when end + h - 1 <= t */
} an_near;

static int an_near_cmp(const void *a, const void *b)
{
    const an_near *x = a, *y = b;
    if (x->d != y->d) return x->d < y->d ? -1 : 1;
    return (x->c > y->c) - (x->c < y->c);
}

static void *an_run(void *arg)
{
    an_job *j = arg;
    const hs_analog_opts *o = j->o;
    size_t nm = j->nmonth, M = (size_t)o->samples, L = (size_t)o->match_months;
    double *dist = malloc(j->ncand * sizeof *dist), *tmp = malloc(j->ncand * sizeof *tmp);
    an_near *near = malloc(j->ncand * sizeof *near);
    size_t *pick = malloc(j->ncand * sizeof *pick);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    double w[AN_MAX_MATCH], own_v[AN_MAX_OWN], own_c[AN_MAX_OWN], q[AN_MAX_MATCH];
    if (!dist || !tmp || !near || !pick || !rng) {
        j->st = HS_ERR_NOMEM;
        goto done;
    }
    for (size_t k = 0; k < L; k++)
        w[k] = pow(o->match_decay, (double)k);
    for (size_t u = j->u0; u < j->u1; u++) {
        if (j->want && !j->want[u]) continue;
        double lq = j->level[u * nm + (size_t)j->origin];
        if (isnan(lq)) continue; /* its recent months are not all known: no forecast */
        for (size_t k = 0; k < L; k++)
            q[k] = j->ly[u * nm + (size_t)j->origin - k];
        size_t nc = o->cov ? (size_t)o->ncov : 0;
        const double *cu = nc ? &o->cov[(u * nm + (size_t)j->origin) * nc] : NULL;
        for (size_t c = 0; c < j->ncand; c++) {
            const double *l = &j->ly[j->cand[c]];
            double d = 0;
            for (size_t k = 0; k < L; k++) {
                double e = l[-(ptrdiff_t)k] - q[k];
                d += w[k] * e * e;
            }
            if (nc) { /* the covariates known on both sides */
                const double *cv = &o->cov[j->cand[c] * nc];
                for (size_t f = 0; f < nc; f++) {
                    double cw = o->cov_weights ? o->cov_weights[f] : o->cov_weight;
                    if (cw == 0) continue;
                    double e = cv[f] - cu[f];
                    if (!isnan(e)) d += cw * e * e;
                }
            }
            dist[c] = tmp[c] = d;
        }
        /* the nearest K + (the most candidates any lead cannot use) hold the K nearest that
         * each lead can use: those, and every tie, sorted by distance then panel order */
        size_t want = (size_t)o->k + j->excl, nn = 0;
        double dk = want < j->ncand ? an_kth(tmp, j->ncand, want - 1) : (double)INFINITY;
        for (size_t c = 0; c < j->ncand; c++)
            if (dist[c] < dk) near[nn++] = (an_near){dist[c], c, j->cand[c], j->cand[c] % nm + 1};
        qsort(near, nn, sizeof *near, an_near_cmp);
        /* the ties at dk (thousands of all-quiet histories) come last, already in panel
         * order: sorting them would cost more than the rest of the forecast */
        for (size_t c = 0; c < j->ncand; c++)
            if (dist[c] == dk) near[nn++] = (an_near){dist[c], c, j->cand[c], j->cand[c] % nm + 1};
        /* the own months that are known, with their cumulative weights */
        size_t own_n = 0;
        double own_sum = 0;
        for (int k = 0; k < o->own_months && j->origin - k >= 0; k++) {
            double v = j->y[u * nm + (size_t)(j->origin - k)];
            if (isnan(v)) continue;
            own_sum += pow(o->own_decay, (double)k);
            own_v[own_n] = v;
            own_c[own_n++] = own_sum;
        }
        for (size_t h = 0; h < j->nlead; h++) {
            int lead = j->leads[h];
            /* this lead's analogues: the K nearest whose outcome `lead` months on is known
             * at the origin, and every one tied with the K-th */
            size_t np = 0;
            double last = 0;
            long lim = (long)j->origin + 1 - lead; /* end <= lim: known at the origin */
            for (size_t i = 0; i < nn; i++) {
                const an_near *e = &near[i];
                if ((long)e->end > lim || isnan(j->ly[e->i + (size_t)lead])) continue;
                if (np >= (size_t)o->k && e->d > last) break;
                pick[np++] = e->i;
                last = e->d;
            }
            gsl_rng_set(rng, o->seed * 2654435761UL + (unsigned long)u * 40503UL +
                                 (unsigned long)lead * 97UL + 1UL);
            double *x = &j->out[(u * j->nlead + h) * M];
            for (size_t i = 0; i < M; i++) {
                double r = gsl_rng_uniform(rng);
                if (np == 0 && own_n == 0) { /* cannot happen: the origin's month is known */
                    x[i] = NAN;
                    continue;
                }
                if ((r < o->own_share && own_n > 0) || np == 0) {
                    double a = gsl_rng_uniform(rng) * own_sum;
                    size_t k = 0;
                    while (k + 1 < own_n && a >= own_c[k])
                        k++;
                    x[i] = own_v[k];
                } else {
                    size_t c = pick[gsl_rng_uniform_int(rng, np)];
                    double z = j->ly[c + (size_t)lead] + lq - j->level[c];
                    if (z < 0) z = 0;
                    if (z > j->zmax) z = j->zmax; /* never beyond what the panel has seen */
                    x[i] = floor(expm1(z) + 0.5);
                }
            }
        }
    }
done:
    if (rng) gsl_rng_free(rng);
    free(pick);
    free(near);
    free(tmp);
    free(dist);
    return NULL;
}

/* The options and leads checked; the shortest lead into *minlead. */
static hs_status an_check(const hs_analog_opts *o, const int *leads, size_t nlead, int *minlead,
                          hs_error *err)
{
    if (!o || o->size != sizeof *o)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "analog options: initialise them with hs_analog_opts_init");
    if (o->k < 1 || o->match_months < 1 || o->match_months > AN_MAX_MATCH || o->level_months < 1 ||
        o->level_months > o->match_months || o->own_months < 1 || o->own_months > AN_MAX_OWN ||
        !(o->own_share >= 0 && o->own_share <= 1) || !(o->match_decay > 0 && o->match_decay <= 1) ||
        !(o->own_decay > 0 && o->own_decay <= 1) || o->samples < 1 || o->threads < 1 ||
        nlead == 0 || (o->cov && (o->ncov < 1 || o->ncov > 64 || !(o->cov_weight >= 0))))
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "analog options out of range");
    for (int f = 0; o->cov && o->cov_weights && f < o->ncov; f++)
        if (!(o->cov_weights[f] >= 0 && o->cov_weights[f] <= 1e6))
            return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                           "analog options: covariate %d's weight must be 0..1e6", f + 1);
    *minlead = 0;
    for (size_t h = 0; h < nlead; h++) {
        if (leads[h] < 1) return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "a lead must be >= 1");
        if (!*minlead || leads[h] < *minlead) *minlead = leads[h];
    }
    return HS_OK;
}

/* level(u, s), the mean of ln(1 + y) over the LV months to s: NaN unless the L months of
   the match window to s are all known. */
static void an_levels(const double *ly, size_t nunit, size_t nmonth, size_t L, size_t LV,
                      double *level)
{
    for (size_t u = 0; u < nunit; u++) {
        size_t run = 0;
        double lsum = 0;
        for (size_t s = 0; s < nmonth; s++) {
            const double *l = &ly[u * nmonth];
            run = isnan(l[s]) ? 0 : run + 1;
            level[u * nmonth + s] = NAN;
            if (run < L) continue;
            lsum = 0;
            for (size_t k = 0; k < LV; k++)
                lsum += l[s - k];
            level[u * nmonth + s] = lsum / (double)LV;
        }
    }
}

hs_status hs_analog_forecast(hs_ctx *ctx, const hs_analog_opts *o, const double *y, size_t nunit,
                             size_t nmonth, int origin, const int *leads, size_t nlead,
                             const unsigned char *want, double *out, hs_error *err)
{
    int minlead = 0;
    hs_status st = an_check(o, leads, nlead, &minlead, err);
    if (st) return st;
    if (nmonth == 0 || origin < 0 || (size_t)origin >= nmonth)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "the origin is outside the panel's months");
    size_t n = nunit * nmonth, L = (size_t)o->match_months, LV = (size_t)o->level_months;
    double *ly = hsi_malloc(ctx, n * sizeof *ly), *level = hsi_malloc(ctx, n * sizeof *level);
    size_t *cand = hsi_malloc(ctx, n * sizeof *cand);
    if (!ly || !level || !cand) st = hsi_err_nomem(err);
    size_t ncand = 0, excl = 0;
    double zmax = 0;
    if (st == HS_OK) {
        for (size_t i = 0; i < n; i++)
            ly[i] = log1p(y[i]); /* NaN stays NaN */
        an_levels(ly, nunit, nmonth, L, LV, level);
        /* training unit-months: a full match window, and the outcome known at the origin
         * for at least the shortest lead (each lead takes those whose own outcome is) */
        for (size_t u = 0; u < nunit; u++)
            for (size_t s = 0; s + (size_t)minlead <= (size_t)origin; s++) {
                size_t i = u * nmonth + s;
                if (isnan(level[i])) continue;
                int any = 0;
                for (size_t h = 0; h < nlead; h++) {
                    size_t t = s + (size_t)leads[h];
                    if (t > (size_t)origin || isnan(ly[i + (size_t)leads[h]])) continue;
                    any = 1;
                    if (ly[i + (size_t)leads[h]] > zmax) zmax = ly[i + (size_t)leads[h]];
                }
                if (any) cand[ncand++] = i;
            }
        /* the most training unit-months one lead cannot use */
        for (size_t h = 0; h < nlead; h++) {
            size_t bad = 0;
            for (size_t c = 0; c < ncand; c++) {
                size_t s = cand[c] % nmonth;
                bad +=
                    s + (size_t)leads[h] > (size_t)origin || isnan(ly[cand[c] + (size_t)leads[h]]);
            }
            if (bad > excl) excl = bad;
        }
        if (ncand == 0)
            st = hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                         "no unit has %d known months followed by %d more before the origin: "
                         "nothing to learn from",
                         o->match_months, minlead);
    }
    if (st == HS_OK) {
        for (size_t i = 0; i < nunit * nlead * (size_t)o->samples; i++)
            out[i] = NAN;
        size_t nt = (size_t)o->threads;
        if (nt > AN_MAX_THREADS) nt = AN_MAX_THREADS;
        if (nt > nunit) nt = nunit ? nunit : 1;
        an_job jobs[AN_MAX_THREADS];
        memset(jobs, 0, sizeof jobs);
        pthread_t th[AN_MAX_THREADS];
        int started[AN_MAX_THREADS] = {0};
        for (size_t t = 0; t < nt; t++) {
            jobs[t] = (an_job){o,
                               y,
                               nunit,
                               nmonth,
                               origin,
                               leads,
                               nlead,
                               want,
                               ly,
                               level,
                               cand,
                               ncand,
                               excl,
                               zmax,
                               out,
                               nunit * t / nt,
                               nunit * (t + 1) / nt,
                               HS_OK};
            if (t > 0) started[t] = pthread_create(&th[t], NULL, an_run, &jobs[t]) == 0;
        }
        an_run(&jobs[0]);
        for (size_t t = 1; t < nt; t++) {
            if (started[t])
                pthread_join(th[t], NULL);
            else
                an_run(&jobs[t]); /* no thread to be had: the same work, here */
        }
        for (size_t t = 0; t < nt && st == HS_OK; t++)
            if (jobs[t].st != HS_OK) st = hsi_err_nomem(err);
    }
    hsi_free_all(ctx, cand, level, ly);
    return st;
}
