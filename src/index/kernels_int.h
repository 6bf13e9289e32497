/*
 * kernels_int.h - numeric kernels of the index engine, on plain double arrays.
 *
 * Every kernel works on one column (or one row of children) at a time. Missing values are
 * NaN: they are ignored by statistics and stay NaN in outputs. Kernels never allocate: the
 * caller passes scratch space (`work`) of the size stated. They are pure functions of their
 * arguments, so Monte Carlo workers can call them concurrently.
 *
 * Formulas: docs/methods.md section 3 and shared/data/coinr-asem/README.md (COINr 1.1.14).
 */
#ifndef HS_KERNELS_INT_H
#define HS_KERNELS_INT_H

#include <stddef.h>
#include "humsec.h"
#include "../core/core_int.h"

/* ---- statistics (stats.c) ------------------------------------------------------------ */

/** Number of non-NaN values. */
HS_INTERNAL size_t hsi_stats_count(const double *x, size_t n);
/** Mean of non-NaN values; NaN if none. */
HS_INTERNAL double hsi_stats_mean(const double *x, size_t n);
/** Sample sd (n-1) of non-NaN values; NaN if fewer than 2. */
HS_INTERNAL double hsi_stats_sd(const double *x, size_t n);
/** Min / max of non-NaN values; NaN if none. */
HS_INTERNAL double hsi_stats_min(const double *x, size_t n);
HS_INTERNAL double hsi_stats_max(const double *x, size_t n);
/** Median of non-NaN values (even count: mean of the two middle). work: n doubles. */
HS_INTERNAL double hsi_stats_median(const double *x, size_t n, double *work);
/** Bias-adjusted skewness G1 (docs/methods.md section 3.3); NaN if fewer than 3 values. */
HS_INTERNAL double hsi_stats_skew(const double *x, size_t n);
/** Bias-adjusted excess kurtosis G2 (docs/methods.md section 3.3); NaN if fewer than 4 values. */
HS_INTERNAL double hsi_stats_kurt(const double *x, size_t n);
/**
 * Competition ranks ("min" ties) of the non-NaN values; NaN stays NaN.
 * descending != 0: the highest value gets rank 1 (R rank(-x, ties="min")).
 * descending == 0: the lowest value gets rank 1 (R rank(x, ties="min")).
 * work: n size_t. rank may not alias x.
 */
HS_INTERNAL void hsi_stats_rank(const double *x, size_t n, int descending, double *rank,
                                size_t *work);
/** Type-7 quantile of sorted, NaN-free values s[0..n-1] at probability p. */
HS_INTERNAL double hsi_stats_quantile7(const double *s, size_t n, double p);

/* ---- normalisation (normalise.c) ------------------------------------------------------ */

typedef enum hsi_norm_kind {
    HSI_NORM_NONE = 0,
    HSI_NORM_MINMAX,     /* (x-min)/(max-min)*(u-l)+l; params l=a, u=b (default 0, 100) */
    HSI_NORM_ZSCORE,     /* (x-mean)/sd*s+m; params m=a, s=b (default 0, 1) */
    HSI_NORM_GOALPOSTS,  /* (x-L)/(U-L), clipped to [0,1] if clip, times scale */
    HSI_NORM_RANK,       /* rank(x), min ties, higher x higher rank */
    HSI_NORM_PRANK,      /* (rank(x)-1)/(n_nonNA-1) */
    HSI_NORM_BORDA,      /* rank(x)-1 */
    HSI_NORM_FRACMAX,    /* x/max, unguarded: max 0 gives Inf/NaN as in COINr */
    HSI_NORM_DISTMAX,    /* 1-(max-x)/(max-min) */
    HSI_NORM_DISTTARGET, /* (x-min)/(T-min), capped at 1 if clip */
    HSI_NORM_SCALED,     /* (x-l)/(u-l)*f with l=lo, u=hi, f=scale, not clipped */
    HSI_NORM_DIST2REF    /* disttarget with T = the reference unit's value (set by the caller) */
} hsi_norm_kind;

typedef struct hsi_norm_spec {
    hsi_norm_kind kind;
    double a, b;     /* minmax l,u / zscore m,s */
    double lo, hi;   /* goalposts L,U and scaled l,u, in the indicator's ORIGINAL units */
    double scale;    /* goalposts / scaled factor (default 1) */
    double target;   /* distance to target, original units */
    int clip;        /* goalposts: truncate to [0,1]; disttarget: cap at 1 */
    int log;         /* apply ln to x and to lo/hi before normalising (HDI income) */
    int directed;    /* scaled: lo/hi apply to the direction-flipped values, not flipped */
    const char *ref; /* dist2ref: the reference unit's code (owned by the units table) */
} hsi_norm_spec;

/**
 * Normalise one column. x holds the values in original units (NOT direction-flipped);
 * direction is +1 or -1 and is applied as docs/methods.md section 3.1 / 3.2 say (goalposts and
 * targets in original units are flipped too; for goalposts with direction -1 the result is
 * (x-U)/(L-U)). out may equal x. work: n doubles + n size_t (wsz).
 * Returns HS_ERR_DOMAIN (with a message) when log is set and a value is <= 0.
 * A constant column under minmax/distmax gives NaN (not an error).
 */
HS_INTERNAL hs_status hsi_normalise(const hsi_norm_spec *spec, int direction, const double *x,
                                    size_t n, double *out, double *work, size_t *wsz,
                                    hs_error *err);

/* ---- outlier treatment (treat.c) ------------------------------------------------------- */

/* The first treatment tried on a failing column (COINr's f1). */
typedef enum hsi_treat_f1 {
    HSI_TREAT_F1_WINSORISE = 0, /* the JRC rule, up to winmax points */
    HSI_TREAT_F1_LOGCTPLUS,     /* COINr log_CT_plus: log_CT, mirrored for negative skew */
    HSI_TREAT_F1_BOXCOX         /* COINr boxcox(lambda) on x - min + 1 */
} hsi_treat_f1;

typedef struct hsi_treat_spec {
    int winmax;         /* default 5; 0 turns treatment off */
    double skew_thresh; /* default 2 */
    double kurt_thresh; /* default 3.5 */
    int log_fallback;   /* default 1: log_CT on the original column when f1 fails */
    hsi_treat_f1 f1;    /* default winsorise */
    double lambda;      /* Box-Cox exponent */
} hsi_treat_spec;

/* flags per point; hsi_treat_label gives COINr's text for each */
#define HSI_TREAT_NONE         0
#define HSI_TREAT_WINHI        1
#define HSI_TREAT_WINLO        2
#define HSI_TREAT_LOGCT        3
#define HSI_TREAT_LOGCTNEG     4 /* log_CT_plus on a negatively skewed column */
#define HSI_TREAT_LOGCT_LOGCT  5 /* log_CT_plus failed, log_CT of the original kept */
#define HSI_TREAT_LOGCTNEG_LOG 6 /* the same after the negative branch */
#define HSI_TREAT_BOXCOX       7 /* COINr's label is empty: boxcox returns no label */
#define HSI_TREAT_BOXCOX_LOGCT 8 /* Box-Cox failed, log_CT of the original kept */
#define HSI_TREAT_NFLAGS       9

/** COINr's treated-points text of a flag ("winhi", "log_CT+log_CT", "" for none). */
HS_INTERNAL const char *hsi_treat_label(unsigned flag);

typedef struct hsi_treat_detail {
    hsi_treat_f1 f1; /* the treatment tried first (pass1.. describe its result) */
    int pass0;       /* passed before treatment */
    double skew0, kurt0;
    int treated; /* 0 if passed at once (nwin, pass1, skew1, kurt1 are then NA) */
    int nwin;    /* winsorised points (final |hi|+|lo|), also when log_CT followed; 0 unless
                  * f1 is winsorise */
    int logged;  /* log_CT fallback applied */
    int pass1;   /* after f1 (COINr check_SkewKurt1), even when it failed */
    double skew1, kurt1;
    int pass2; /* after log_CT (COINr check_SkewKurt2); 0 and NaN unless logged */
    double skew2, kurt2;
} hsi_treat_detail;

/** 1 if |G1| < skew_thresh OR G2 < kurt_thresh (NaN skew or kurt counts as passing). */
HS_INTERNAL int hsi_treat_passes(const hsi_treat_spec *spec, const double *x, size_t n);

/**
 * Treat one column with the JRC/COINr rule (docs/methods.md section 3.3), f1 first and log_CT
 * of the original column if f1 leaves it failing. out may not alias x.
 * flags: n bytes (OUT), one HSI_TREAT_* per point (log_CT marks every non-NaN point).
 * work: n doubles (currently unused; kept so callers need not change).
 */
HS_INTERNAL void hsi_treat_column(const hsi_treat_spec *spec, const double *x, size_t n,
                                  double *out, unsigned char *flags, hsi_treat_detail *det,
                                  const double *work);

/* ---- aggregation (aggregate.c) ------------------------------------------------------- */

typedef enum hsi_agg_kind {
    HSI_AGG_AMEAN = 0, /* weighted arithmetic mean */
    HSI_AGG_GMEAN,     /* weighted geometric mean; error on x <= 0 */
    HSI_AGG_HMEAN,     /* weighted harmonic mean; error on x == 0 */
    HSI_AGG_GENMEAN,   /* generalised mean of order p (p = 0: geometric mean) */
    HSI_AGG_RGM,       /* INFORM risk geometric mean: top - GM(top - x); top = p (11) */
    HSI_AGG_WMAX,      /* max_i w_i x_i (INFORM "Human": max(CHVCI, 0.7 PCR)) */
    HSI_AGG_MPI,       /* Mazziotta-Pareto: M + p S cv (p = -1 penalises unbalance) */
    HSI_AGG_COPELAND,  /* Copeland score over all units (hsi_copeland, not row by row) */
    HSI_AGG_BOD        /* benefit of the doubt over all units (hsi_bod, bod.c) */
} hsi_agg_kind;

/**
 * Aggregate one unit's children x[0..k-1] with weights w. NaN children are dropped and the
 * remaining weights renormalised. *out is NaN when every child is NaN or when the share of
 * non-NaN children is below dat_thresh (0 = no threshold). On a domain error returns
 * HS_ERR_DOMAIN and sets *bad to the index of the offending child.
 */
HS_INTERNAL hs_status hsi_aggregate_row(hsi_agg_kind kind, double p, const double *x,
                                        const double *w, size_t k, double dat_thresh, double *out,
                                        size_t *bad);

/**
 * COINr's outranking matrix of n units over k criteria: x is row-major (x[i*k + j] = unit i,
 * criterion j), w the k weights (any positive scale; divided by their sum). For i < j,
 * o[i*n + j] = sum of w over criteria where unit i is greater + half the sum where equal
 * (criteria where either is NaN add nothing), and o[j*n + i] = 1 - o[i*n + j], as COINr
 * fills the lower triangle; the diagonal is 0. o: n*n doubles.
 */
HS_INTERNAL void hsi_outrank_matrix(const double *x, const double *w, size_t k, size_t n,
                                    double *o);

/**
 * Copeland scores (docs/methods.md section 3.5): wins minus losses of each unit against every
 * other by the outranking matrix, o_ij > 1/2 a win, < 1/2 a loss. The comparison is made on
 * the weight sums 2 W_greater + W_equal against W_total, so integer weights decide ties
 * exactly. x, w as hsi_outrank_matrix; score: n doubles.
 */
HS_INTERNAL void hsi_copeland(const double *x, const double *w, size_t k, size_t n, double *score);

/* ---- audit (audit.c) ------------------------------------------------------------------ */

/**
 * One row of COINr get_stats (docs/methods.md section 3.7), checked on every column of
 * p1_audit_stats_Raw.csv and against COINr's stats.R:
 *   min..kurt over the non-NaN values (sd n-1; skew/kurt as hsi_stats_skew/kurt);
 *   n_avail non-NaN count; n_nonzero non-NaN values != 0; n_unique distinct values (exact);
 *   n_same the count of the most frequent value, grouped as R's table() groups doubles
 *   (equal when their 15-significant-digit text is equal);
 *   frc_avail = n_avail / n (all rows); frc_nonzero, frc_unique, frc_same divide by n_avail;
 *   flags, 1 = raised ("LOW"/"OUT"), 0 = "ok": flag_avail n_avail/n < t_avail;
 *   flag_nonzero n_nonzero/n < t_zero and flag_unique n_unique/n < t_unq (COINr divides
 *   these two by the ROW count n, unlike the frc_* fields); flag_skewkurt
 *   |skew| > t_skew AND kurt > t_kurt (strict; NaN never flags). With no rows or no values
 *   the three availability flags are raised.
 */
typedef struct hsi_stat_row {
    double min, max, mean, median, sd, skew, kurt;
    size_t n_avail, n_nonzero, n_unique, n_same; /* n_same: count of the most frequent value */
    double frc_avail, frc_nonzero, frc_unique, frc_same;
    int flag_avail, flag_nonzero, flag_unique, flag_skewkurt; /* 1 = flagged */
} hsi_stat_row;

typedef struct hsi_stat_thresh {
    double t_skew, t_kurt, t_avail, t_zero, t_unq; /* 2, 3.5, 0.65, 0.5, 0.5 */
} hsi_stat_thresh;

/** Statistics of one column (n rows including NaN). work: n doubles. */
HS_INTERNAL void hsi_audit_stats(const double *x, size_t n, const hsi_stat_thresh *t,
                                 hsi_stat_row *out, double *work);

/** Pearson correlation over pairwise-complete observations; NaN if fewer than 2 or sd 0. */
HS_INTERNAL double hsi_corr_pearson(const double *x, const double *y, size_t n);
/** Spearman: Pearson of the average ranks over pairwise-complete observations.
 *  work: 4n doubles + n size_t. */
HS_INTERNAL double hsi_corr_spearman(const double *x, const double *y, size_t n, double *work,
                                     size_t *wsz);

/** Cronbach's alpha of k columns cols[j][0..n-1], pairwise-complete covariances
 *  (docs/methods.md section 3.7: k^2 * mean off-diagonal cov / sum of all cov). */
HS_INTERNAL double hsi_cronbach(const double *const *cols, size_t k, size_t n);

/**
 * PCA on the complete-case rows of k columns (prcomp(center=TRUE, scale=TRUE)): loadings of
 * every component (k*k, column j = component j, sign flipped so each column sums >= 0) and the
 * standard deviation of each component (sqrt of the correlation matrix's eigenvalues,
 * descending). work: at least 2*k*k + k*n + 5*k doubles. Uses GSL's gsl_eigen_symmv.
 * Returns HS_ERR_DOMAIN if fewer than 2 complete rows.
 */
/**
 * Benefit-of-the-doubt scores (bod.c, docs/methods.md section 3.5) of n units x (row-major,
 * n rows of k children) with nominal weights w (k), each child's share of a unit's score kept
 * within [lo, hi] times its nominal share (0 and INFINITY: free). A unit with fewer than
 * dat_thresh of its children gets NaN. A value < 0 or infinite is an error (HS_ERR_DOMAIN,
 * *bad = its index in x) unless neg_na, when its unit gets NaN and is no unit's benchmark.
 * wout: n*k weights (NaN where missing) or NULL. Allocates with ctx; calls GLPK.
 */
HS_INTERNAL hs_status hsi_bod(hs_ctx *ctx, const double *x, const double *w, size_t k, size_t n,
                              double lo, double hi, double dat_thresh, int neg_na, double *score,
                              double *wout, size_t *bad, hs_error *err);

HS_INTERNAL hs_status hsi_pca(const double *const *cols, size_t k, size_t n, double *loadings,
                              double *sdev, double *work, hs_error *err);

#endif
