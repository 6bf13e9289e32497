/*
 * bod.c - benefit-of-the-doubt aggregation (docs/methods.md section 3.5; Cherchye, Moesen,
 * Rogge and Van Puyenbroeck 2007; OECD/JRC Handbook 2008, section 6.1.3): every unit gets
 * the weights that favour it most, found by a linear programme solved with GLPK's simplex.
 *
 * For unit c with available children A_c:
 *   maximise   sum_{i in A_c} w_i y_ci
 *   subject to sum_{i in A_c} w_i y_ji <= 1  for every unit j that has all of A_c,
 *              w_i >= 0,
 *              lower * s_i <= w_i y_ci / sum_l w_l y_cl <= upper * s_i  (optional),
 * where s_i is child i's nominal weight over the sum of A_c's. The score is in [0, 1].
 * Missing values are never read as 0: a unit lacking one of c's children is left out of c's
 * benchmark (its score under c's weights cannot be formed). Like Copeland it compares units
 * with each other, so it works on a whole column of units.
 */
#include "engine_int.h"

#include <glpk.h>
#include <math.h>
#include <string.h>

/* One unit's programme. x: n rows of k children; ok[j]: unit j may be a benchmark. */
typedef struct bod_lp {
    const double *x, *w;
    size_t n, k;
    double lo, hi;
    const unsigned char *ok;
    const double *sc; /* x's column i was multiplied by sc[i] */
    /* scratch: 1-based triplets for glp_load_matrix, the children used */
    int *ia, *ja;
    double *ar;
    size_t *av;
} bod_lp;

/* Rows for the share bounds of unit c: w_i y_ci - f s_i sum_l w_l y_cl >= 0 (or <= 0). */
static int bod_share_rows(glp_prob *p, const bod_lp *q, const double *y, size_t m, double sw,
                          int *nz)
{
    for (int side = 0; side < 2; side++) {
        double f = side == 0 ? q->lo : q->hi;
        /* lo = 0 and hi * s_i >= 1 hold for every w >= 0: no row needed */
        for (size_t a = 0; a < m; a++) {
            double s = q->w[q->av[a]] / sw;
            if (side == 0 ? !(f > 0) : !(f * s < 1)) continue;
            int r = glp_add_rows(p, 1);
            glp_set_row_bnds(p, r, side == 0 ? GLP_LO : GLP_UP, 0, 0);
            for (size_t l = 0; l < m; l++) {
                q->ia[*nz] = r;
                q->ja[*nz] = (int)l + 1;
                q->ar[*nz] = (l == a ? y[q->av[l]] : 0) - f * s * y[q->av[l]];
                (*nz)++;
            }
        }
    }
    return 0;
}

/* Solve unit c's programme: *score, and its weights in wout[0..k) (NaN for missing) if set. */
static hs_status bod_unit(const bod_lp *q, size_t c, double *score, double *wout)
{
    const double *y = q->x + c * q->k;
    size_t m = 0;
    double sw = 0;
    for (size_t i = 0; i < q->k; i++)
        if (!isnan(y[i])) {
            q->av[m++] = i;
            sw += q->w[i];
        }
    glp_prob *p = glp_create_prob();
    glp_set_obj_dir(p, GLP_MAX);
    glp_add_cols(p, (int)m);
    for (size_t a = 0; a < m; a++) {
        glp_set_col_bnds(p, (int)a + 1, GLP_LO, 0, 0);
        glp_set_obj_coef(p, (int)a + 1, y[q->av[a]]);
    }
    int nz = 1;
    for (size_t j = 0; j < q->n; j++) {
        const double *yj = q->x + j * q->k;
        int has = q->ok[j];
        for (size_t a = 0; a < m && has; a++)
            has = !isnan(yj[q->av[a]]);
        if (!has) continue;
        int r = glp_add_rows(p, 1);
        glp_set_row_bnds(p, r, GLP_UP, 0, 1);
        for (size_t a = 0; a < m; a++) {
            q->ia[nz] = r;
            q->ja[nz] = (int)a + 1;
            q->ar[nz++] = yj[q->av[a]];
        }
    }
    bod_share_rows(p, q, y, m, sw, &nz);
    glp_load_matrix(p, nz - 1, q->ia, q->ja, q->ar);
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    /* w = 0 is feasible and c's own row bounds the objective: optimal unless GLPK fails */
    int rc = glp_simplex(p, &parm);
    int ok = rc == 0 && glp_get_status(p) == GLP_OPT;
    *score = ok ? glp_get_obj_val(p) : (double)NAN;
    if (wout) { /* back to the values' own units */
        for (size_t i = 0; i < q->k; i++)
            wout[i] = NAN;
        for (size_t a = 0; a < m && ok; a++)
            wout[q->av[a]] = glp_get_col_prim(p, (int)a + 1) * q->sc[q->av[a]];
    }
    glp_delete_prob(p);
    return ok ? HS_OK : HS_ERR_INTERNAL;
}

/* Outside BoD's domain: below 0, or infinite (GLPK stops the program on one). */
static int bod_bad(double v)
{
    return v < 0 || isinf(v);
}

/* xs = x with each column divided by its largest value over the units ok[] admits, sc[i]
 * the factor. Scores and shares do not change (w_i y_ci is the same with w_i / sc_i), and
 * coefficients within [0, 1] keep GLPK's simplex well conditioned whatever the units of the
 * data, with no call to its scaler, which stops the program on extreme values. */
static void bod_scale(const double *x, size_t n, size_t k, const unsigned char *ok, double *xs,
                      double *sc)
{
    for (size_t i = 0; i < k; i++) {
        double mx = 0;
        for (size_t j = 0; j < n; j++)
            if (ok[j] && x[j * k + i] > mx) mx = x[j * k + i];
        sc[i] = mx > 0 ? 1 / mx : 1;
        if (!isfinite(sc[i])) sc[i] = 1; /* a largest value below 1/DBL_MAX */
        for (size_t j = 0; j < n; j++)
            xs[j * k + i] = ok[j] && mx > 0 && isfinite(1 / mx) ? x[j * k + i] / mx : x[j * k + i];
    }
}

hs_status hsi_bod(hs_ctx *ctx, const double *x, const double *w, size_t k, size_t n, double lo,
                  double hi, double dat_thresh, int neg_na, double *score, double *wout,
                  size_t *bad, hs_error *err)
{
    for (size_t j = 0; j < n * k; j++)
        if (bod_bad(x[j]) && !neg_na) {
            if (bad) *bad = j;
            return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                           "benefit of the doubt needs finite values >= 0, got %g", x[j]);
        }
    /* GLPK keeps its memory in a per-thread environment: one made here is freed here, so
     * worker threads leave nothing behind, and a caller's own is left alone */
    int env = glp_init_env();
    if (env > 1) return hsi_err_nomem(err);
    int term = glp_term_out(GLP_OFF); /* GLPK's notes would go to standard output */
    bod_lp q = {.w = w, .n = n, .k = k, .lo = lo, .hi = hi};
    size_t cap = (n + 2 * k) * k + 1;
    unsigned char *ok = hsi_calloc(ctx, n + 1, 1);
    double *xs = hsi_calloc(ctx, n * k + 1, sizeof(double));
    double *sc = hsi_calloc(ctx, k + 1, sizeof(double));
    q.ia = hsi_calloc(ctx, cap, sizeof(int));
    q.ja = hsi_calloc(ctx, cap, sizeof(int));
    q.ar = hsi_calloc(ctx, cap, sizeof(double));
    q.av = hsi_calloc(ctx, k + 1, sizeof(size_t));
    hs_status st = HS_OK;
    if (!ok || !xs || !sc || !q.ia || !q.ja || !q.ar || !q.av || n > (size_t)1 << 30 ||
        k > (size_t)1 << 20)
        st = hsi_err_nomem(err);
    for (size_t j = 0; j < n && st == HS_OK; j++) {
        ok[j] = 1;
        for (size_t i = 0; i < k; i++)
            ok[j] &= !bod_bad(x[j * k + i]);
    }
    if (st == HS_OK) bod_scale(x, n, k, ok, xs, sc);
    q.x = xs;
    q.sc = sc;
    q.ok = ok;
    for (size_t c = 0; c < n && st == HS_OK; c++) {
        size_t nav = hsi_stats_count(x + c * k, k);
        if (!ok[c] || nav == 0 || (dat_thresh > 0 && (double)nav / (double)k < dat_thresh)) {
            score[c] = NAN;
            for (size_t i = 0; wout && i < k; i++)
                wout[c * k + i] = NAN;
            continue;
        }
        if (bod_unit(&q, c, &score[c], wout ? wout + c * k : NULL))
            st = hsi_err(err, HS_ERR_INTERNAL, NULL, 0, 0,
                         "benefit of the doubt: GLPK found no optimum for row %zu", c + 1);
    }
    hsi_free_all(ctx, ok, xs, sc, q.ia, q.ja, q.ar, q.av);
    glp_term_out(term);
    if (env == 0) glp_free_env();
    return st;
}

void hs_bod_opts_init(hs_bod_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->lower = 0;
    o->upper = INFINITY;
}

hs_status hs_bod(hs_ctx *ctx, const double *x, size_t n, size_t k, const hs_bod_opts *o,
                 double *score, double *weights, hs_error *err)
{
    if (!o || o->size != sizeof *o) return hsi_err_opts(err, "hs_bod_opts");
    if (!x || !score || k == 0)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "hs_bod: no values or no score array");
    if (!(o->lower >= 0 && o->lower <= 1 && o->upper >= 1) || isnan(o->upper))
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "hs_bod: share bounds (%g, %g) must satisfy 0 <= lower <= 1 <= upper",
                       o->lower, o->upper);
    if (!(o->dat_thresh >= 0 && o->dat_thresh <= 1))
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "hs_bod: dat_thresh must be from 0 to 1");
    double *w = hsi_calloc(ctx, k, sizeof(double));
    if (!w) return hsi_err_nomem(err);
    for (size_t i = 0; i < k; i++) {
        w[i] = o->weights ? o->weights[i] : 1;
        if (!(w[i] > 0) || !isfinite(w[i])) {
            double bad = w[i];
            hsi_free(ctx, w);
            return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                           "hs_bod: weight %zu is %g (expected a positive number)", i + 1, bad);
        }
    }
    hs_status st =
        hsi_bod(ctx, x, w, k, n, o->lower, o->upper, o->dat_thresh, 0, score, weights, NULL, err);
    hsi_free(ctx, w);
    return st;
}
