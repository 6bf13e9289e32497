/*
 * steps_int.h - the step table: every section kind of a pipeline file that is not [data] or
 * [weights NAME] is declared once in step_table.c, with its name, the dataset it writes, the
 * keys it accepts, the function that reads its section (step_parse.c) and the one that runs
 * it (steps.c). The pipeline reader (pipeline.c) and the runner find a step only there.
 */
#ifndef HS_STEPS_INT_H
#define HS_STEPS_INT_H

#include "engine_int.h"

/* What a section's parse function reads besides the section: the weight sets of the file,
 * the structure (codes, levels) and the units (dist2ref's unit, group imputation's group). */
typedef struct hsi_step_env {
    hs_ctx *ctx;
    const char *file; /* the pipeline file, for messages */
    hsi_ini *ini;
    const hsi_meta *m;
    const hsi_units *u;
} hsi_step_env;

/* The function types of the table's entries (the _fn pointers to them). */
typedef hs_status hsi_step_parse_f(const hsi_step_env *env, hsi_ini_sec *s, hsi_step *stp,
                                   hs_error *err);
typedef hs_status hsi_step_check_f(const hsi_step_env *env, const hsi_ini_sec *s, hs_error *err);
typedef hs_status hsi_step_run_f(hs_build *b, hsi_step *sp, const hsi_dset *in, hsi_dset *out,
                                 hs_error *err);
typedef hsi_step_parse_f *hsi_step_parse_fn;
typedef hsi_step_check_f *hsi_step_check_fn;
typedef hsi_step_run_f *hsi_step_run_fn;

typedef struct hsi_step_def {
    const char *name;   /* the section's kind: [name] */
    const char *alias;  /* another spelling of it, or NULL */
    hsi_step_kind kind; /* the step's kind (unused when run is NULL) */
    const char *output; /* default name of the dataset written; NULL: not a step */
    const char *params; /* the keys accepted, as messages list them */
    /* parse reads the section's own keys into stp (parse NULL: it has none; stp NULL: the
     * section is not a step); then the driver reads a step's `per` and `output` and reports
     * any key not read; then check, if any, looks at the whole. */
    hsi_step_parse_fn parse;
    hsi_step_check_fn check;
    hsi_step_run_fn run; /* NULL: the section is only checked, nothing runs */
} hsi_step_def;

/* The table, in the order messages list the steps. */
HS_INTERNAL const hsi_step_def *hsi_step_defs(size_t *n);
/* The entry of section kind `kind` (its name or alias), or NULL. */
HS_INTERNAL const hsi_step_def *hsi_step_def_find(const char *kind);
/* The entry of a step kind (never NULL for a kind of the enum). */
HS_INTERNAL const hsi_step_def *hsi_step_def_of(hsi_step_kind kind);

/* Keys shared by the readers (step_parse.c): a number from lo to hi, a boolean, and the
 * error for the first key of s that nobody read. */
HS_INTERNAL hs_status hsi_pl_number(const char *file, const hsi_ini_kv *kv, double lo, double hi,
                                    double *out, hs_error *err);
HS_INTERNAL hs_status hsi_pl_bool(const char *file, const hsi_ini_kv *kv, int *out, hs_error *err);
HS_INTERNAL hs_status hsi_pl_unused(const char *file, const hsi_ini_sec *s, const char *expected,
                                    hs_error *err);
/* `per = time | all` of any step. */
HS_INTERNAL hs_status hsi_pl_per(const char *file, hsi_ini_sec *s, hsi_step *sp, hs_error *err);

/* The parse functions of the table (step_parse.c). */
HS_INTERNAL hsi_step_parse_f hsi_step_parse_impute, hsi_step_parse_screen, hsi_step_parse_treat,
    hsi_step_parse_normalise, hsi_step_parse_aggregate, hsi_step_parse_report;
HS_INTERNAL hsi_step_check_f hsi_step_check_denominate;

/* The run functions of the table (steps.c): each reads dataset `in` and fills `out`. */
HS_INTERNAL hsi_step_run_f hsi_step_run_denominate, hsi_step_run_impute, hsi_step_run_screen,
    hsi_step_run_treat, hsi_step_run_normalise, hsi_step_run_aggregate;

#endif
