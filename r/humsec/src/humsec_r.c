/*
 * humsec_r.c - R's C API (.Call) over the public humsec API: a build from a pipeline file
 * or from texts in memory, returned as a named list of data.frames (uCode, Time when the
 * data has one, then one numeric column per node; NA is missing).
 */
#include <R.h>
#include <Rinternals.h>
#include <R_ext/Rdynload.h>

#include <humsec.h>
#include <math.h>
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

static const R_CallMethodDef hsr_calls[] = {
    {"hsr_build_file", (DL_FUNC)&hsr_build_file, 1},
    {"hsr_build_mem", (DL_FUNC)&hsr_build_mem, 3},
    {"hsr_version", (DL_FUNC)&hsr_version, 0},
    {"hsr_parse_double", (DL_FUNC)&hsr_parse_double, 1},
    {NULL, NULL, 0}};

void R_init_humsec(DllInfo *dll)
{
    hs_global_init();
    R_registerRoutines(dll, NULL, hsr_calls, NULL, NULL);
    R_useDynamicSymbols(dll, FALSE);
}
