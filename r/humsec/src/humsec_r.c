/*
 * humsec_r.c - R's C API (.Call) over the public humsec API: a build from a pipeline file
 * or from texts in memory, returned as a named list of data.frames (uCode, Time when the
 * data has one, then one numeric column per node; NA is missing); and an uncertainty or
 * sensitivity analysis of such a build, with weight sets handed over as tables; and the
 * tables of a build's analyses (ranks, audit, trends, weights, compare, what-if,
 * correlation flags), as plain vectors or as the library's CSV text that R reads exactly
 * (humsec.R).
 */
#include <R.h>
#include <Rinternals.h>
#include <R_ext/Rdynload.h>

#include <humsec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Dataset i as a data.frame, with the values v (column-major as the dataset's). */
static SEXP hsr_frame_v(const hs_build *b, size_t i, const double *v)
{
    size_t nr = hs_build_dset_nrow(b, i), nc = hs_build_dset_ncol(b, i);
    int time = hs_build_has_time(b);
    size_t ncol = 1 + (size_t)time + nc;
    SEXP df = PROTECT(Rf_allocVector(VECSXP, (R_xlen_t)ncol));
    SEXP names = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)ncol));
    SEXP codes = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)nr));
    for (size_t r = 0; r < nr; r++)
        SET_STRING_ELT(codes, (R_xlen_t)r, Rf_mkCharCE(hs_build_dset_unit(b, i, r), CE_UTF8));
    SET_VECTOR_ELT(df, 0, codes);
    SET_STRING_ELT(names, 0, Rf_mkChar("uCode"));
    UNPROTECT(1);
    size_t k = 1;
    if (time) {
        SEXP t = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)nr));
        for (size_t r = 0; r < nr; r++)
            REAL(t)[r] = (double)hs_build_dset_time(b, i, r);
        SET_VECTOR_ELT(df, 1, t);
        SET_STRING_ELT(names, 1, Rf_mkChar("Time"));
        UNPROTECT(1);
        k = 2;
    }
    for (size_t c = 0; c < nc; c++, k++) {
        SEXP col = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)nr));
        for (size_t r = 0; r < nr; r++) {
            double x = v[c * nr + r];
            REAL(col)[r] = isnan(x) ? NA_REAL : x; /* missing is R's NA, not NaN */
        }
        SET_VECTOR_ELT(df, (R_xlen_t)k, col);
        SET_STRING_ELT(names, (R_xlen_t)k, Rf_mkCharCE(hs_build_dset_col(b, i, c), CE_UTF8));
        UNPROTECT(1);
    }
    Rf_setAttrib(df, R_NamesSymbol, names);
    SEXP rn = PROTECT(Rf_allocVector(INTSXP, 2)); /* compact row names 1..nr */
    INTEGER(rn)[0] = NA_INTEGER;
    INTEGER(rn)[1] = -(int)nr;
    Rf_setAttrib(df, R_RowNamesSymbol, rn);
    Rf_setAttrib(df, R_ClassSymbol, Rf_mkString("data.frame"));
    UNPROTECT(3);
    return df;
}

static SEXP hsr_frame(const hs_build *b, size_t i)
{
    return hsr_frame_v(b, i, hs_build_dset_values(b, i));
}

static SEXP hsr_result(hs_ctx *ctx, hs_build *b, hs_status st, hs_error *err)
{
    if (st != HS_OK) {
        char msg[2048];
        hs_error_format(err, msg, sizeof msg);
        hs_build_free(b);
        hs_ctx_free(ctx);
        Rf_error("humsec: %s", msg);
    }
    size_t n = hs_build_ndsets(b);
    SEXP out = PROTECT(Rf_allocVector(VECSXP, (R_xlen_t)n));
    SEXP names = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)n));
    for (size_t i = 0; i < n; i++) {
        SET_VECTOR_ELT(out, (R_xlen_t)i, hsr_frame(b, i));
        SET_STRING_ELT(names, (R_xlen_t)i, Rf_mkChar(hs_build_dset_name(b, i)));
    }
    Rf_setAttrib(out, R_NamesSymbol, names);
    hs_build_free(b);
    hs_ctx_free(ctx);
    UNPROTECT(2);
    return out;
}

static hs_ctx *hsr_ctx(void)
{
    hs_ctx *ctx = hs_ctx_new(NULL, NULL);
    if (!ctx) Rf_error("humsec: out of memory");
    return ctx;
}

SEXP hsr_build_file(SEXP path)
{
    if (!Rf_isString(path) || Rf_length(path) != 1) Rf_error("humsec: pipeline must be one path");
    hs_ctx *ctx = hsr_ctx();
    hs_build *b = NULL;
    hs_error err;
    hs_status st = hs_build_run(ctx, Rf_translateCharUTF8(STRING_ELT(path, 0)), &b, &err);
    return hsr_result(ctx, b, st, &err);
}

SEXP hsr_build_mem(SEXP pipeline, SEXP structure, SEXP data)
{
    SEXP s[3] = {pipeline, structure, data};
    for (int k = 0; k < 3; k++)
        if (!Rf_isString(s[k]) || Rf_length(s[k]) != 1) Rf_error("humsec: texts must be strings");
    hs_build_src src;
    memset(&src, 0, sizeof src);
    src.size = sizeof src;
    src.name = "pipeline";
    src.pipeline = Rf_translateCharUTF8(STRING_ELT(pipeline, 0));
    src.pipeline_len = strlen(src.pipeline);
    src.structure = Rf_translateCharUTF8(STRING_ELT(structure, 0));
    src.structure_len = strlen(src.structure);
    src.data = Rf_translateCharUTF8(STRING_ELT(data, 0));
    src.data_len = strlen(src.data);
    hs_ctx *ctx = hsr_ctx();
    hs_build *b = NULL;
    hs_error err;
    hs_status st = hs_build_run_mem(ctx, &src, &b, &err);
    return hsr_result(ctx, b, st, &err);
}

/* A double as R sees it: NaN (missing, unranked) is NA. */
static double hsr_na(double x)
{
    return isnan(x) ? NA_REAL : x;
}

/* A numeric vector of n values from f(s, j). */
static SEXP hsr_vec(const hs_sensitivity *s, size_t n, double (*f)(const hs_sensitivity *, size_t))
{
    SEXP v = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)n));
    for (size_t j = 0; j < n; j++)
        REAL(v)[j] = hsr_na(f(s, j));
    UNPROTECT(1);
    return v;
}

/* The analysis as a named list of plain vectors and matrices; R shapes it (humsec.R). */
static SEXP hsr_sens_result(hs_sensitivity *s, char *msg, size_t cap)
{
    size_t nu = hs_sensitivity_nunits(s), nr = hs_sensitivity_nruns(s),
           k = hs_sensitivity_nfactors(s);
    static const char *names[] = {"uCode", "nominal_rank", "nominal_score", "q05",    "median",
                                  "q95",   "ranks",        "scores",        "factor", "sobol",
                                  ""};
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
    SEXP codes = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)nu));
    for (size_t i = 0; i < nu; i++)
        SET_STRING_ELT(codes, (R_xlen_t)i, Rf_mkCharCE(hs_sensitivity_unit(s, i), CE_UTF8));
    SET_VECTOR_ELT(out, 0, codes);
    SET_VECTOR_ELT(out, 1, hsr_vec(s, nu, hs_sensitivity_nominal_rank));
    SET_VECTOR_ELT(out, 2, hsr_vec(s, nu, hs_sensitivity_nominal_score));
    SEXP q[3];
    for (int j = 0; j < 3; j++) {
        q[j] = Rf_allocVector(REALSXP, (R_xlen_t)nu);
        SET_VECTOR_ELT(out, 3 + j, q[j]);
    }
    hs_error err;
    for (size_t i = 0; i < nu; i++) {
        double iv[3];
        if (hs_sensitivity_rank_interval(s, i, iv, &err) != HS_OK) {
            hs_error_format(&err, msg, cap);
            UNPROTECT(2);
            return R_NilValue;
        }
        for (int j = 0; j < 3; j++)
            REAL(q[j])[i] = hsr_na(iv[j]);
    }
    /* units x runs, column-major as R stores a matrix */
    SEXP rk = PROTECT(Rf_allocMatrix(REALSXP, (int)nu, (int)nr));
    SEXP sc = PROTECT(Rf_allocMatrix(REALSXP, (int)nu, (int)nr));
    for (size_t r = 0; r < nr; r++)
        for (size_t i = 0; i < nu; i++) {
            REAL(rk)[r * nu + i] = hsr_na(hs_sensitivity_run_rank(s, r, i));
            REAL(sc)[r * nu + i] = hsr_na(hs_sensitivity_run_score(s, r, i));
        }
    SET_VECTOR_ELT(out, 6, rk);
    SET_VECTOR_ELT(out, 7, sc);
    UNPROTECT(2);
    SEXP fn = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)k));
    for (size_t f = 0; f < k; f++)
        SET_STRING_ELT(fn, (R_xlen_t)f, Rf_mkCharCE(hs_sensitivity_factor(s, f), CE_UTF8));
    SET_VECTOR_ELT(out, 8, fn);
    UNPROTECT(1);
    hs_sa_index *idx = k ? calloc(k, sizeof *idx) : NULL;
    if (k && !idx) {
        snprintf(msg, cap, "out of memory");
        UNPROTECT(2);
        return R_NilValue;
    }
    if (k && hs_sensitivity_sobol(s, idx, &err) == HS_OK) {
        /* k x 6: Si, STi and their 5 % and 95 % bootstrap quantiles, as COINr reports them */
        SEXP so = PROTECT(Rf_allocMatrix(REALSXP, (int)k, 6));
        for (size_t f = 0; f < k; f++) {
            double v[6] = {idx[f].si,     idx[f].sti,     idx[f].si_q05,
                           idx[f].si_q95, idx[f].sti_q05, idx[f].sti_q95};
            for (int j = 0; j < 6; j++)
                REAL(so)[(size_t)j * k + f] = hsr_na(v[j]);
        }
        SET_VECTOR_ELT(out, 9, so);
        UNPROTECT(1);
    }
    free(idx);
    UNPROTECT(2);
    return out;
}

/* The weight sets R hands over: names[t] with codes[[t]] and, set by set, vals[[t]]. */
static int hsr_wsets(SEXP names, SEXP codes, SEXP vals, hs_weight_sets *t, const char **cbuf,
                     size_t ncap)
{
    R_xlen_t nt = Rf_xlength(names);
    size_t used = 0;
    for (R_xlen_t i = 0; i < nt; i++) {
        SEXP c = VECTOR_ELT(codes, i), v = VECTOR_ELT(vals, i);
        size_t nc = (size_t)Rf_xlength(c), nv = (size_t)Rf_xlength(v);
        if (!Rf_isString(c) || !Rf_isReal(v) || nc == 0 || nv % nc || used + nc > ncap) return -1;
        for (size_t j = 0; j < nc; j++)
            cbuf[used + j] = Rf_translateCharUTF8(STRING_ELT(c, (R_xlen_t)j));
        t[i] = (hs_weight_sets){sizeof *t,   Rf_translateCharUTF8(STRING_ELT(names, i)),
                                nv / nc,     nc,
                                cbuf + used, REAL(v)};
        used += nc;
    }
    return 0;
}

SEXP hsr_sensitivity(SEXP texts, SEXP wnames, SEXP wcodes, SEXP wvals, SEXP opts)
{
    if (!Rf_isString(texts) || Rf_length(texts) != 4)
        Rf_error("humsec: expected the pipeline, structure, data and SPEC texts");
    if (!Rf_isString(wnames) || !Rf_isNewList(wcodes) || !Rf_isNewList(wvals) ||
        Rf_length(wcodes) != Rf_length(wnames) || Rf_length(wvals) != Rf_length(wnames))
        Rf_error("humsec: weight sets must be names with a list of codes and of values");
    if (!Rf_isReal(opts) || Rf_length(opts) != 4)
        Rf_error("humsec: options are (type, n, seed, bootstrap)");
    const char *tx[4];
    for (int i = 0; i < 4; i++)
        tx[i] = Rf_translateCharUTF8(STRING_ELT(texts, i));
    hs_build_src b = {sizeof b, "pipeline",    tx[0], strlen(tx[0]),
                      tx[1],    strlen(tx[1]), tx[2], strlen(tx[2])};
    size_t nt = (size_t)Rf_xlength(wnames), ncodes = 0;
    for (size_t i = 0; i < nt; i++)
        ncodes += (size_t)Rf_xlength(VECTOR_ELT(wcodes, (R_xlen_t)i));
    /* R_alloc: freed by R when this call returns, also on an error */
    hs_weight_sets *t = nt ? (hs_weight_sets *)R_alloc(nt, sizeof *t) : NULL;
    const char **cbuf = ncodes ? (const char **)R_alloc(ncodes, sizeof *cbuf) : NULL;
    if (hsr_wsets(wnames, wcodes, wvals, t, cbuf, ncodes))
        Rf_error("humsec: each weight set table needs codes and a whole number of sets");
    hs_sensitivity_src src = {sizeof src, &b, "SA_specs", tx[3], strlen(tx[3]), t, nt};
    hs_sa_opts o;
    hs_sa_opts_init(&o);
    o.type = REAL(opts)[0] == 1 ? HS_SA_SA : HS_SA_UA;
    o.n = (size_t)REAL(opts)[1];
    o.seed = (unsigned long)REAL(opts)[2];
    o.bootstrap = (size_t)REAL(opts)[3];
    o.progress_secs = -1; /* no progress lines from a library call */
    hs_ctx *ctx = hsr_ctx();
    hs_sensitivity *s = NULL;
    hs_error err;
    char msg[2048] = "";
    SEXP out = R_NilValue;
    int prot = 0;
    if (hs_sensitivity_run_mem(ctx, &src, &o, &s, &err) != HS_OK) {
        hs_error_format(&err, msg, sizeof msg);
    } else {
        out = PROTECT(hsr_sens_result(s, msg, sizeof msg));
        prot = 1;
    }
    hs_sensitivity_free(s);
    hs_ctx_free(ctx);
    UNPROTECT(prot);
    /* only once every C resource is freed: Rf_error does not return */
    if (msg[0]) Rf_error("humsec: %s", msg);
    return out;
}

SEXP hsr_version(void)
{
    return Rf_mkString(hs_version());
}

/* Decimal text to doubles with the C library's strtod, which rounds correctly: R's own
 * reader can be one unit in the last place off for 17-digit decimals, so comparing humsec's
 * CSV files to the last bit needs this. "NA" and "" give NA. */
SEXP hsr_parse_double(SEXP x)
{
    if (!Rf_isString(x)) Rf_error("humsec: expected a character vector");
    R_xlen_t n = Rf_xlength(x);
    SEXP out = PROTECT(Rf_allocVector(REALSXP, n));
    for (R_xlen_t i = 0; i < n; i++) {
        SEXP s = STRING_ELT(x, i);
        const char *c = s == NA_STRING ? "" : CHAR(s);
        char *end = NULL;
        double v = strtod(c, &end);
        REAL(out)[i] = (!*c || !strcmp(c, "NA") || *end) ? NA_REAL : v;
    }
    UNPROTECT(1);
    return out;
}

/* ---- a build's tables -------------------------------------------------------------------- */

/* What a table call holds; hsr_job_end frees it before any R error, which does not return. */
typedef struct hsr_job {
    hs_ctx *ctx;
    hs_build *b[2];
    hs_membuf *m;
    char msg[2048];
} hsr_job;

static const char *hsr_path(SEXP path)
{
    if (!Rf_isString(path) || Rf_length(path) != 1 || STRING_ELT(path, 0) == NA_STRING)
        Rf_error("humsec: pipeline must be one path");
    return Rf_translateCharUTF8(STRING_ELT(path, 0));
}

static int hsr_fail(hsr_job *j, const hs_error *err)
{
    hs_error_format(err, j->msg, sizeof j->msg);
    return -1;
}

/* A context, the builds of the n pipeline files and an empty buffer; 0, or -1 with j->msg. */
static int hsr_job_start(hsr_job *j, const char *const *paths, size_t n)
{
    memset(j, 0, sizeof *j);
    j->ctx = hs_ctx_new(NULL, NULL);
    if (!j->ctx) {
        snprintf(j->msg, sizeof j->msg, "out of memory");
        return -1;
    }
    hs_error err;
    for (size_t i = 0; i < n; i++)
        if (hs_build_run(j->ctx, paths[i], &j->b[i], &err) != HS_OK) return hsr_fail(j, &err);
    if (hs_membuf_new(j->ctx, &j->m, &err) != HS_OK) return hsr_fail(j, &err);
    return 0;
}

static void hsr_job_end(hsr_job *j)
{
    hs_membuf_free(j->m);
    hs_build_free(j->b[0]);
    hs_build_free(j->b[1]);
    hs_ctx_free(j->ctx);
    if (j->msg[0]) Rf_error("humsec: %s", j->msg);
}

static hs_sink hsr_sink(hsr_job *j)
{
    hs_sink s;
    hs_membuf_sink(j->m, &s);
    return s;
}

/* The CSV text written into j->m, as one R string; j->m starts again empty. */
static SEXP hsr_take_text(hsr_job *j)
{
    SEXP s = PROTECT(
        Rf_ScalarString(Rf_mkCharLenCE(hs_membuf_data(j->m), (int)hs_membuf_len(j->m), CE_UTF8)));
    hs_membuf_free(j->m);
    j->m = NULL;
    hs_error err;
    if (hs_membuf_new(j->ctx, &j->m, &err) != HS_OK) hsr_fail(j, &err);
    UNPROTECT(1);
    return s;
}

/* The list df (its names set) as a data.frame of nr rows. */
static SEXP hsr_as_df(SEXP df, size_t nr)
{
    SEXP rn = PROTECT(Rf_allocVector(INTSXP, 2)); /* compact row names 1..nr */
    INTEGER(rn)[0] = NA_INTEGER;
    INTEGER(rn)[1] = -(int)nr;
    Rf_setAttrib(df, R_RowNamesSymbol, rn);
    Rf_setAttrib(df, R_ClassSymbol, Rf_mkString("data.frame"));
    UNPROTECT(1);
    return df;
}

SEXP hsr_ranks(SEXP path)
{
    const char *p = hsr_path(path);
    hsr_job j;
    SEXP out = R_NilValue;
    int prot = 0;
    if (!hsr_job_start(&j, &p, 1)) {
        size_t last = hs_build_ndsets(j.b[0]) - 1;
        size_t n = hs_build_dset_nrow(j.b[0], last) * hs_build_dset_ncol(j.b[0], last);
        double *rk = (double *)R_alloc(n + 1, sizeof *rk); /* freed by R on return */
        hs_error err;
        if (hs_build_ranks(j.b[0], last, rk, &err) != HS_OK) {
            hsr_fail(&j, &err);
        } else {
            out = PROTECT(hsr_frame_v(j.b[0], last, rk));
            prot = 1;
        }
    }
    UNPROTECT(prot);
    hsr_job_end(&j);
    return out;
}

/* Audit table t as a data.frame: codes as text, counts as integers, flags as words. */
static SEXP hsr_audit_frame(const hs_audit *a, size_t t)
{
    size_t nl = hs_audit_nlabel(a, t), nc = hs_audit_ncol(a, t), nr = hs_audit_nrow(a, t);
    SEXP df = PROTECT(Rf_allocVector(VECSXP, (R_xlen_t)(nl + nc)));
    SEXP names = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)(nl + nc)));
    for (size_t k = 0; k < nl; k++) {
        SEXP col = Rf_allocVector(STRSXP, (R_xlen_t)nr);
        SET_VECTOR_ELT(df, (R_xlen_t)k, col);
        for (size_t r = 0; r < nr; r++)
            SET_STRING_ELT(col, (R_xlen_t)r, Rf_mkCharCE(hs_audit_label(a, t, k, r), CE_UTF8));
        SET_STRING_ELT(names, (R_xlen_t)k, Rf_mkCharCE(hs_audit_label_name(a, t, k), CE_UTF8));
    }
    const double *v = hs_audit_values(a, t);
    for (size_t c = 0; c < nc; c++) {
        hs_audit_kind kind = hs_audit_col_kind(a, t, c);
        SEXPTYPE type = kind == HS_AUDIT_FLAG ? STRSXP : kind == HS_AUDIT_COUNT ? INTSXP : REALSXP;
        SEXP col = Rf_allocVector(type, (R_xlen_t)nr);
        SET_VECTOR_ELT(df, (R_xlen_t)(nl + c), col);
        for (size_t r = 0; r < nr; r++) {
            double x = v[c * nr + r];
            if (kind == HS_AUDIT_FLAG)
                SET_STRING_ELT(col, (R_xlen_t)r,
                               Rf_mkChar(x == 1 ? hs_audit_flag_word(a, t, c) : "ok"));
            else if (kind == HS_AUDIT_COUNT)
                INTEGER(col)[r] = isnan(x) ? NA_INTEGER : (int)x;
            else
                REAL(col)[r] = hsr_na(x);
        }
        SET_STRING_ELT(names, (R_xlen_t)(nl + c), Rf_mkCharCE(hs_audit_col(a, t, c), CE_UTF8));
    }
    Rf_setAttrib(df, R_NamesSymbol, names);
    hsr_as_df(df, nr);
    UNPROTECT(2);
    return df;
}

SEXP hsr_audit(SEXP path)
{
    const char *p = hsr_path(path);
    hsr_job j;
    SEXP out = R_NilValue;
    int prot = 0;
    hs_audit *a = NULL;
    hs_error err;
    if (!hsr_job_start(&j, &p, 1)) {
        if (hs_build_audit(j.ctx, j.b[0], &a, &err) != HS_OK) {
            hsr_fail(&j, &err);
        } else {
            size_t n = hs_audit_ntables(a);
            out = PROTECT(Rf_allocVector(VECSXP, (R_xlen_t)n));
            SEXP names = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)n));
            prot = 2;
            for (size_t t = 0; t < n; t++) {
                SET_VECTOR_ELT(out, (R_xlen_t)t, hsr_audit_frame(a, t));
                SET_STRING_ELT(names, (R_xlen_t)t, Rf_mkChar(hs_audit_name(a, t)));
            }
            Rf_setAttrib(out, R_NamesSymbol, names);
        }
    }
    hs_audit_free(a);
    UNPROTECT(prot);
    hsr_job_end(&j);
    return out;
}

SEXP hsr_trends(SEXP path, SEXP dset, SEXP window)
{
    const char *p = hsr_path(path);
    const char *d = Rf_isString(dset) && Rf_length(dset) == 1 && STRING_ELT(dset, 0) != NA_STRING
                        ? Rf_translateCharUTF8(STRING_ELT(dset, 0))
                        : NULL;
    double w = Rf_asReal(window);
    if (!(w >= 0 && w <= 1e6) || w != floor(w)) Rf_error("humsec: window is a whole number >= 0");
    hsr_job j;
    SEXP out = R_NilValue;
    int prot = 0;
    if (!hsr_job_start(&j, &p, 1)) {
        hs_trend *t = NULL;
        size_t n = 0;
        hs_error err;
        hs_sink s = hsr_sink(&j);
        if (hs_build_trends(j.ctx, j.b[0], d, (size_t)w, &t, &n, &err) != HS_OK ||
            hs_trends_write_csv(t, n, &s, &err) != HS_OK) {
            hsr_fail(&j, &err);
        } else {
            out = PROTECT(hsr_take_text(&j));
            prot = 1;
        }
        hs_trends_free(j.ctx, t);
    }
    UNPROTECT(prot);
    hsr_job_end(&j);
    return out;
}

SEXP hsr_weights(SEXP path)
{
    const char *p = hsr_path(path);
    hsr_job j;
    SEXP out = R_NilValue;
    int prot = 0;
    if (!hsr_job_start(&j, &p, 1)) {
        hs_weight *w = NULL;
        size_t n = 0;
        hs_error err;
        hs_sink s = hsr_sink(&j);
        if (hs_build_weights(j.ctx, j.b[0], &w, &n, &err) != HS_OK ||
            hs_weights_write_csv(w, n, &s, &err) != HS_OK) {
            hsr_fail(&j, &err);
        } else {
            out = PROTECT(hsr_take_text(&j));
            prot = 1;
        }
        hs_weights_free(j.ctx, w);
    }
    UNPROTECT(prot);
    hsr_job_end(&j);
    return out;
}

/* The compared rows as vectors and n x 2 matrices (R shapes the tables), and the summary. */
static SEXP hsr_compare_list(hsr_job *j, const hs_compare *c)
{
    static const char *names[] = {"iCode", "Level",    "uCode",   "Time", "score",
                                  "rank",  "has_time", "summary", ""};
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
    size_t n = hs_compare_nrows(c);
    SEXP ic = Rf_allocVector(STRSXP, (R_xlen_t)n);
    SET_VECTOR_ELT(out, 0, ic);
    SEXP lv = Rf_allocVector(INTSXP, (R_xlen_t)n);
    SET_VECTOR_ELT(out, 1, lv);
    SEXP uc = Rf_allocVector(STRSXP, (R_xlen_t)n);
    SET_VECTOR_ELT(out, 2, uc);
    SEXP tm = Rf_allocVector(REALSXP, (R_xlen_t)n);
    SET_VECTOR_ELT(out, 3, tm);
    SEXP sc = Rf_allocMatrix(REALSXP, (int)n, 2);
    SET_VECTOR_ELT(out, 4, sc);
    SEXP rk = Rf_allocMatrix(REALSXP, (int)n, 2);
    SET_VECTOR_ELT(out, 5, rk);
    for (size_t i = 0; i < n; i++) {
        const hs_compare_row *r = hs_compare_row_at(c, i);
        SET_STRING_ELT(ic, (R_xlen_t)i, Rf_mkCharCE(r->icode, CE_UTF8));
        INTEGER(lv)[i] = r->level;
        SET_STRING_ELT(uc, (R_xlen_t)i, Rf_mkCharCE(r->ucode, CE_UTF8));
        REAL(tm)[i] = (double)r->time;
        for (size_t k = 0; k < 2; k++) {
            REAL(sc)[k * n + i] = hsr_na(r->score[k]);
            REAL(rk)[k * n + i] = hsr_na(r->rank[k]);
        }
    }
    SET_VECTOR_ELT(out, 6, Rf_ScalarLogical(hs_build_has_time(j->b[0])));
    hs_error err;
    hs_sink s = hsr_sink(j);
    if (hs_compare_summary_csv(c, &s, &err) != HS_OK)
        hsr_fail(j, &err);
    else
        SET_VECTOR_ELT(out, 7, hsr_take_text(j));
    UNPROTECT(1);
    return out;
}

SEXP hsr_compare(SEXP a, SEXP b)
{
    const char *p[2] = {hsr_path(a), hsr_path(b)};
    hsr_job j;
    SEXP out = R_NilValue;
    int prot = 0;
    if (!hsr_job_start(&j, p, 2)) {
        hs_compare *c = NULL;
        hs_error err;
        if (hs_compare_builds(j.ctx, j.b[0], j.b[1], &c, &err) != HS_OK) {
            hsr_fail(&j, &err);
        } else {
            out = PROTECT(hsr_compare_list(&j, c));
            prot = 1;
        }
        hs_compare_free(c);
    }
    UNPROTECT(prot);
    hsr_job_end(&j);
    return out;
}

/* The what-if rows: units, times, removed codes, n x (k + 1) score and rank matrices
 * (column 1 the build as it is), and whatif_mean_abs_diff.csv. */
static SEXP hsr_whatif_list(hsr_job *j, const hs_whatif *w)
{
    static const char *names[] = {"uCode", "Time",     "removed",       "score",
                                  "rank",  "has_time", "mean_abs_diff", ""};
    SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
    size_t n = hs_whatif_nrows(w), k = hs_whatif_nremoved(w);
    SEXP uc = Rf_allocVector(STRSXP, (R_xlen_t)n);
    SET_VECTOR_ELT(out, 0, uc);
    SEXP tm = Rf_allocVector(REALSXP, (R_xlen_t)n);
    SET_VECTOR_ELT(out, 1, tm);
    SEXP rm = Rf_allocVector(STRSXP, (R_xlen_t)k);
    SET_VECTOR_ELT(out, 2, rm);
    SEXP sc = Rf_allocMatrix(REALSXP, (int)n, (int)k + 1);
    SET_VECTOR_ELT(out, 3, sc);
    SEXP rk = Rf_allocMatrix(REALSXP, (int)n, (int)k + 1);
    SET_VECTOR_ELT(out, 4, rk);
    for (size_t r = 0; r < n; r++) {
        SET_STRING_ELT(uc, (R_xlen_t)r, Rf_mkCharCE(hs_whatif_unit(w, r), CE_UTF8));
        REAL(tm)[r] = (double)hs_whatif_time(w, r);
        for (size_t c = 0; c <= k; c++) {
            REAL(sc)[c * n + r] = hsr_na(hs_whatif_score(w, c, r));
            REAL(rk)[c * n + r] = hsr_na(hs_whatif_rank(w, c, r));
        }
    }
    for (size_t c = 0; c < k; c++)
        SET_STRING_ELT(rm, (R_xlen_t)c, Rf_mkCharCE(hs_whatif_removed(w, c), CE_UTF8));
    SET_VECTOR_ELT(out, 5, Rf_ScalarLogical(hs_build_has_time(j->b[0])));
    hs_error err;
    hs_sink s = hsr_sink(j);
    if (hs_whatif_summary_csv(w, &s, &err) != HS_OK)
        hsr_fail(j, &err);
    else
        SET_VECTOR_ELT(out, 6, hsr_take_text(j));
    UNPROTECT(1);
    return out;
}

SEXP hsr_whatif(SEXP path, SEXP level, SEXP target)
{
    const char *p = hsr_path(path);
    int lv = Rf_asInteger(level);
    if (lv == NA_INTEGER) Rf_error("humsec: level is a whole number");
    const char *tg =
        Rf_isString(target) && Rf_length(target) == 1 && STRING_ELT(target, 0) != NA_STRING
            ? Rf_translateCharUTF8(STRING_ELT(target, 0))
            : NULL;
    hsr_job j;
    SEXP out = R_NilValue;
    int prot = 0;
    if (!hsr_job_start(&j, &p, 1)) {
        hs_whatif *w = NULL;
        hs_error err;
        if (hs_whatif_remove(j.ctx, j.b[0], lv, tg, &w, &err) != HS_OK) {
            hsr_fail(&j, &err);
        } else {
            out = PROTECT(hsr_whatif_list(&j, w));
            prot = 1;
        }
        hs_whatif_free(w);
    }
    UNPROTECT(prot);
    hsr_job_end(&j);
    return out;
}

/* Text i of a character vector, NULL for NA. */
static const char *hsr_opt_str(SEXP s, R_xlen_t i)
{
    return STRING_ELT(s, i) == NA_STRING ? NULL : Rf_translateCharUTF8(STRING_ELT(s, i));
}

/* num: threshold, low, level, group level, denominator threshold; str: dataset and
 * denominator dataset (NA: the defaults). corr_flags.csv and denom_corr.csv as texts. */
SEXP hsr_corr(SEXP path, SEXP num, SEXP str)
{
    const char *p = hsr_path(path);
    if (!Rf_isReal(num) || Rf_length(num) != 5 || !Rf_isString(str) || Rf_length(str) != 2)
        Rf_error("humsec: corr options are 5 numbers and 2 dataset names");
    const double *x = REAL(num);
    for (int i = 1; i < 4; i++)
        if (!(x[i] >= 0 && x[i] <= 1000) || x[i] != floor(x[i]))
            Rf_error("humsec: low, level and group_level are whole numbers >= 0");
    hs_corr_opts o;
    hs_corr_opts_init(&o);
    o.thresh = x[0];
    o.low = x[1] != 0;
    o.level = (int)x[2];
    o.group_level = (int)x[3];
    o.denom_thresh = x[4];
    o.dset = hsr_opt_str(str, 0);
    o.denom_dset = hsr_opt_str(str, 1);
    hsr_job j;
    static const char *names[] = {"flags", "denominators", ""};
    SEXP out = R_NilValue;
    int prot = 0;
    if (!hsr_job_start(&j, &p, 1)) {
        hs_corr *c = NULL;
        hs_error err;
        if (hs_corr_run(j.ctx, j.b[0], &o, &c, &err) != HS_OK) {
            hsr_fail(&j, &err);
        } else {
            out = PROTECT(Rf_mkNamed(VECSXP, names));
            prot = 1;
            for (int d = 0; d < 2 && !j.msg[0]; d++) {
                hs_sink s = hsr_sink(&j);
                if (hs_corr_print_csv(c, d, &s, &err) != HS_OK)
                    hsr_fail(&j, &err);
                else
                    SET_VECTOR_ELT(out, d, hsr_take_text(&j));
            }
        }
        hs_corr_free(c);
    }
    UNPROTECT(prot);
    hsr_job_end(&j);
    return out;
}

static const R_CallMethodDef hsr_calls[] = {{"hsr_build_file", (DL_FUNC)&hsr_build_file, 1},
                                            {"hsr_build_mem", (DL_FUNC)&hsr_build_mem, 3},
                                            {"hsr_sensitivity", (DL_FUNC)&hsr_sensitivity, 5},
                                            {"hsr_version", (DL_FUNC)&hsr_version, 0},
                                            {"hsr_parse_double", (DL_FUNC)&hsr_parse_double, 1},
                                            {"hsr_ranks", (DL_FUNC)&hsr_ranks, 1},
                                            {"hsr_audit", (DL_FUNC)&hsr_audit, 1},
                                            {"hsr_trends", (DL_FUNC)&hsr_trends, 3},
                                            {"hsr_weights", (DL_FUNC)&hsr_weights, 1},
                                            {"hsr_compare", (DL_FUNC)&hsr_compare, 2},
                                            {"hsr_whatif", (DL_FUNC)&hsr_whatif, 3},
                                            {"hsr_corr", (DL_FUNC)&hsr_corr, 3},
                                            {NULL, NULL, 0}};

void R_init_humsec(DllInfo *dll)
{
    hs_global_init();
    R_registerRoutines(dll, NULL, hsr_calls, NULL, NULL);
    R_useDynamicSymbols(dll, FALSE);
}
