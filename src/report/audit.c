/*
 * audit.c - the statistical audit tables (docs/methods.md section 3.7, COINr get_stats, get_corr,
 * get_cronbach, get_PCA) written beside the datasets:
 *   audit_stats_Raw.csv            per-indicator statistics of the raw data
 *   audit_corr_Normalised.csv      Pearson correlations between indicators, pairwise-complete
 *   audit_corr_parent.csv          each indicator and aggregate against its parent
 *   audit_cronbach.csv             Cronbach's alpha of each parent's normalised indicators
 *   audit_pca_weights.csv          first-component loadings of each parent's indicators
 *   audit_pca_variance.csv         sdev and share of variance of every component
 * For panel data the tables describe the latest time slice.
 *
 * The tables are computed once, by hs_build_audit (src/index/audit_api.c), which also gives
 * them to programs as arrays; this file only writes them as CSV.
 */
#include "write_int.h"

#include <math.h>
#include <string.h>

/* One audit table as CSV: the label columns, then the numbers (counts as whole numbers,
 * flags as their word or "ok"); every header and label quoted, as COINr's write.csv does. */
static void audit_csv(hsi_buf *bp, const hs_audit *a, size_t t)
{
    size_t nl = hs_audit_nlabel(a, t), nc = hs_audit_ncol(a, t), nr = hs_audit_nrow(a, t);
    const double *v = hs_audit_values(a, t);
    for (size_t k = 0; k < nl + nc; k++) {
        if (k) hsi_buf_puts(bp, ",");
        hsi_buf_csv_str(bp, k < nl ? hs_audit_label_name(a, t, k) : hs_audit_col(a, t, k - nl));
    }
    hsi_buf_puts(bp, "\n");
    for (size_t r = 0; r < nr; r++) {
        for (size_t k = 0; k < nl; k++) {
            if (k) hsi_buf_puts(bp, ",");
            hsi_buf_csv_str(bp, hs_audit_label(a, t, k, r));
        }
        for (size_t c = 0; c < nc; c++) {
            double x = v[c * nr + r];
            hsi_buf_puts(bp, ",");
            switch (hs_audit_col_kind(a, t, c)) {
            case HS_AUDIT_COUNT:
                hsi_buf_printf(bp, "%.0f", x);
                break;
            case HS_AUDIT_FLAG:
                hsi_buf_csv_str(bp, x != 0 ? hs_audit_flag_word(a, t, c) : "ok");
                break;
            default:
                hsi_buf_num(bp, x);
            }
        }
        hsi_buf_puts(bp, "\n");
    }
}

hs_status hsi_audit_tables(hs_ctx *ctx, const hs_build *b, hsi_outset *o, hs_error *err)
{
    hs_audit *a = NULL;
    hs_status st = hs_build_audit(ctx, b, &a, err);
    hsi_buf buf;
    hsi_buf_init(&buf, ctx);
    for (size_t t = 0; st == HS_OK && t < hs_audit_ntables(a); t++) {
        char name[96];
        snprintf(name, sizeof name, "%s.csv", hs_audit_name(a, t));
        buf.len = 0;
        audit_csv(&buf, a, t);
        st = hsi_outset_add(o, name, &buf, err);
    }
    hsi_buf_free(&buf);
    hs_audit_free(a);
    return st;
}
