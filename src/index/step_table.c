/*
 * step_table.c - the one list of pipeline sections that are steps (and [report], which is
 * only checked): a new step kind is one entry here, its parse function in step_parse.c and
 * its run function in steps.c. The order is the order messages list them in.
 */
#include "steps_int.h"

#include <string.h>

static const hsi_step_def step_table[] = {
    {"denominate", NULL, HSI_STEP_DENOMINATE, "Denominated", "per, output", NULL,
     hsi_step_check_denominate, hsi_step_run_denominate},
    {"impute", NULL, HSI_STEP_IMPUTE, "Imputed", "method, group, max_time, per, output",
     hsi_step_parse_impute, NULL, hsi_step_run_impute},
    {"screen", NULL, HSI_STEP_SCREEN, "Screened", "by, dat_thresh, nonzero_thresh, per, output",
     hsi_step_parse_screen, NULL, hsi_step_run_screen},
    {"treat", NULL, HSI_STEP_TREAT, "Treated",
     "method, winmax, skew_thresh, kurt_thresh, log_fallback, indicator.CODE, per, output",
     hsi_step_parse_treat, NULL, hsi_step_run_treat},
    {"normalise", "normalize", HSI_STEP_NORMALISE, "Normalised",
     "method, indicator.CODE, per, output", hsi_step_parse_normalise, NULL, hsi_step_run_normalise},
    {"aggregate", NULL, HSI_STEP_AGGREGATE, "Aggregated",
     "method, level.N, node.CODE, weights, dat_thresh, dat_thresh.level.N, nonpositive, per, "
     "output, opt_target, opt_importance, opt_tol, opt_maxiter, opt_negative",
     hsi_step_parse_aggregate, NULL, hsi_step_run_aggregate},
    /* not a step: what `humsec report` draws (docs/report.md); the build checks the keys */
    {"report", NULL, HSI_STEP_DENOMINATE, NULL, "map, map_id, compare, whatif, sensitivity",
     hsi_step_parse_report, NULL, NULL},
};

const hsi_step_def *hsi_step_defs(size_t *n)
{
    *n = sizeof step_table / sizeof step_table[0];
    return step_table;
}

const hsi_step_def *hsi_step_def_find(const char *kind)
{
    for (size_t i = 0; i < sizeof step_table / sizeof step_table[0]; i++)
        if (!strcmp(kind, step_table[i].name) ||
            (step_table[i].alias && !strcmp(kind, step_table[i].alias)))
            return &step_table[i];
    return NULL;
}

const hsi_step_def *hsi_step_def_of(hsi_step_kind kind)
{
    for (size_t i = 0; i < sizeof step_table / sizeof step_table[0]; i++)
        if (step_table[i].run && step_table[i].kind == kind) return &step_table[i];
    return &step_table[0]; /* every kind has its entry */
}
