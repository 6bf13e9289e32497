/*
 * treat.c - outlier treatment of one indicator column by the JRC/COINr rule (docs/methods.md
 * section 3.3, COINr 1.1.14 Treat defaults): test skewness and kurtosis, winsorise one end at a
 * time up to winmax points, and if that does not bring the column within limits, discard the
 * winsorised values and apply log_CT to the original column. Treatment works on raw values (no
 * direction flip). COINr's alternatives to winsorisation, log_CT_plus and Box-Cox, take its
 * place in the same scheme. Which columns to treat and with what limits is the caller's
 * business.
 */
#include "kernels_int.h"

#include <math.h>
#include <string.h>

/* markers kept in flags[] while winsorising: membership of the latest high / low set */
#define TREAT_MARK_HI 1u
#define TREAT_MARK_LO 2u

int hsi_treat_passes(const hsi_treat_spec *spec, const double *x, size_t n)
{
    double sk = hsi_stats_skew(x, n), kt = hsi_stats_kurt(x, n);
    /* fails only if |G1| >= t_skew AND G2 >= t_kurt; a NaN makes either test false, so a
     * column whose moments are undefined passes (COINr leaves it untreated) */
    return !(fabs(sk) >= spec->skew_thresh && kt >= spec->kurt_thresh);
}

/*
 * One winsorisation step at the high end (high != 0) or low end: every point equal to the
 * current extreme takes the most extreme value among the other points. Returns the size of
 * the set moved, which becomes the new latest set (its marker is moved to it), or 0 if there
 * is no other value to move to.
 */
static size_t treat_win_step(double *y, unsigned char *flags, size_t n, int high)
{
    double ext = high ? hsi_stats_max(y, n) : hsi_stats_min(y, n);
    double next = NAN;
    for (size_t i = 0; i < n; i++) {
        if (isnan(y[i]) || y[i] == ext) continue;
        if (isnan(next) || (high ? y[i] > next : y[i] < next)) next = y[i];
    }
    if (isnan(next)) return 0;
    unsigned char mark = high ? TREAT_MARK_HI : TREAT_MARK_LO;
    size_t moved = 0;
    for (size_t i = 0; i < n; i++) {
        flags[i] &= (unsigned char)~mark;
        if (!isnan(y[i]) && y[i] == ext) {
            y[i] = next;
            flags[i] |= mark;
            moved++;
        }
    }
    return moved;
}

/* COINr log_CT: ln(x - min + 0.01 (max - min)), NaN stays NaN. */
static void treat_log_ct(const double *x, size_t n, double *out, unsigned char *flags)
{
    double mn = hsi_stats_min(x, n), mx = hsi_stats_max(x, n);
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i])) {
            out[i] = NAN;
            flags[i] = HSI_TREAT_NONE;
        } else {
            out[i] = log(x[i] - mn + 0.01 * (mx - mn));
            flags[i] = HSI_TREAT_LOGCT;
        }
    }
}

const char *hsi_treat_label(unsigned flag)
{
    static const char *const names[HSI_TREAT_NFLAGS] = {
        "", "winhi",  "winlo", "log_CT", "log_CT_neg", "log_CT+log_CT", "log_CT_neg+log_CT",
        "", "+log_CT"};
    return flag < HSI_TREAT_NFLAGS ? names[flag] : "";
}

/* COINr log_CT_plus: with a = 0.01 (max - min), ln(x - min + a) when the column is skewed
 * to the right, else -ln(max + a - x), which mirrors the transform so that the long left
 * tail is compressed the same way. Returns the flag given to every point. */
static unsigned char treat_log_ct_plus(const double *x, size_t n, double *out)
{
    double mn = hsi_stats_min(x, n), mx = hsi_stats_max(x, n), a = 0.01 * (mx - mn);
    int pos = hsi_stats_skew(x, n) > 0;
    for (size_t i = 0; i < n; i++)
        out[i] = pos ? log(x[i] - mn + a) : -log(mx + a - x[i]);
    return pos ? HSI_TREAT_LOGCT : HSI_TREAT_LOGCTNEG;
}

/* COINr boxcox(makepos = TRUE): (y^lambda - 1)/lambda on y = x - min + 1 >= 1, ln y for
 * lambda 0. */
static void treat_boxcox(const double *x, size_t n, double lambda, double *out)
{
    double mn = hsi_stats_min(x, n);
    for (size_t i = 0; i < n; i++) {
        double y = x[i] - mn + 1;
        out[i] = lambda == 0 ? log(y) : (pow(y, lambda) - 1) / lambda;
    }
}

/* f1 other than winsorisation: transform, check, and log_CT of the original if it fails. */
static void treat_transform(const hsi_treat_spec *spec, const double *x, size_t n, double *out,
                            unsigned char *flags, hsi_treat_detail *det)
{
    unsigned char f;
    if (spec->f1 == HSI_TREAT_F1_LOGCTPLUS) {
        f = treat_log_ct_plus(x, n, out);
    } else {
        treat_boxcox(x, n, spec->lambda, out);
        f = HSI_TREAT_BOXCOX;
    }
    det->pass1 = hsi_treat_passes(spec, out, n);
    det->skew1 = hsi_stats_skew(out, n);
    det->kurt1 = hsi_stats_kurt(out, n);
    if (!det->pass1 && spec->log_fallback) {
        det->logged = 1;
        treat_log_ct(x, n, out, flags);
        det->pass2 = hsi_treat_passes(spec, out, n);
        det->skew2 = hsi_stats_skew(out, n);
        det->kurt2 = hsi_stats_kurt(out, n);
        f = f == HSI_TREAT_LOGCT      ? HSI_TREAT_LOGCT_LOGCT
            : f == HSI_TREAT_LOGCTNEG ? HSI_TREAT_LOGCTNEG_LOG
                                      : HSI_TREAT_BOXCOX_LOGCT;
    }
    for (size_t i = 0; i < n; i++)
        flags[i] = isnan(x[i]) ? HSI_TREAT_NONE : f;
}

void hsi_treat_column(const hsi_treat_spec *spec, const double *x, size_t n, double *out,
                      unsigned char *flags, hsi_treat_detail *det, const double *work)
{
    (void)work; /* the winsorised column is built in out */
    memset(det, 0, sizeof *det);
    det->f1 = spec->f1;
    det->skew0 = hsi_stats_skew(x, n);
    det->kurt0 = hsi_stats_kurt(x, n);
    det->pass0 = hsi_treat_passes(spec, x, n);
    det->skew1 = det->kurt1 = det->skew2 = det->kurt2 = NAN;
    memcpy(out, x, n * sizeof *out);
    memset(flags, HSI_TREAT_NONE, n);
    if (det->pass0) return;
    if (spec->f1 != HSI_TREAT_F1_WINSORISE) {
        det->treated = 1;
        treat_transform(spec, x, n, out, flags, det);
        return;
    }

    /* winsorise: nwin is |latest high set| + |latest low set|, not cumulative (docs/methods.md
     * section 3.3) */
    det->treated = 1;
    size_t nhi = 0, nlo = 0;
    int pass = 0;
    while (!pass && (long)(nhi + nlo) < (long)spec->winmax) {
        int high = hsi_stats_skew(out, n) >= 0;
        size_t moved = treat_win_step(out, flags, n, high);
        if (moved == 0) break;
        if (high)
            nhi = moved;
        else
            nlo = moved;
        pass = hsi_treat_passes(spec, out, n);
    }
    det->nwin = (int)(nhi + nlo);
    det->pass1 = hsi_treat_passes(spec, out, n);
    det->skew1 = hsi_stats_skew(out, n);
    det->kurt1 = hsi_stats_kurt(out, n);
    if (det->pass1 || !spec->log_fallback) {
        for (size_t i = 0; i < n; i++)
            flags[i] = (flags[i] & TREAT_MARK_LO)   ? HSI_TREAT_WINLO
                       : (flags[i] & TREAT_MARK_HI) ? HSI_TREAT_WINHI
                                                    : HSI_TREAT_NONE;
        return;
    }

    /* fallback on the ORIGINAL column (COINr combine_treat = FALSE), kept even if it fails */
    det->logged = 1;
    treat_log_ct(x, n, out, flags);
    det->pass2 = hsi_treat_passes(spec, out, n);
    det->skew2 = hsi_stats_skew(out, n);
    det->kurt2 = hsi_stats_kurt(out, n);
}
