/*
 * humsec_r.c - R's C API (.Call) over the public humsec API: a build from a pipeline file
 * or from texts in memory, returned as a named list of data.frames (uCode, Time when the
 * data has one, then one numeric column per node; NA is missing); and an uncertainty or
 * sensitivity analysis of such a build, with weight sets handed over as tables.
 */
#include <R.h>
#include <Rinternals.h>
#include <R_ext/Rdynload.h>

#include <humsec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Dataset i as a data.frame. */
static SEXP hsr_frame(const hs_build *b, size_t i)
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
    const double *v = hs_build_dset_values(b, i);
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

static const R_CallMethodDef hsr_calls[] = {{"hsr_build_file", (DL_FUNC)&hsr_build_file, 1},
                                            {"hsr_build_mem", (DL_FUNC)&hsr_build_mem, 3},
                                            {"hsr_sensitivity", (DL_FUNC)&hsr_sensitivity, 5},
                                            {"hsr_version", (DL_FUNC)&hsr_version, 0},
                                            {"hsr_parse_double", (DL_FUNC)&hsr_parse_double, 1},
                                            {NULL, NULL, 0}};

void R_init_humsec(DllInfo *dll)
{
    hs_global_init();
    R_registerRoutines(dll, NULL, hsr_calls, NULL, NULL);
    R_useDynamicSymbols(dll, FALSE);
}
