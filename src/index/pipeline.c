/*
 * pipeline.c - turns a pipeline file (docs/pipeline.md) into the engine's step list.
 *
 * The top section names the structure file; [data] says where and in what shape the
 * indicator table is; [weights NAME] sections define weight sets; every other section is
 * one of the step table (step_table.c): a step, run in file order ([denominate], [impute],
 * [screen], [treat], [normalise], [aggregate]), or [report], only checked. Every unknown
 * section, parameter or method is an error that points at its line and column.
 */
#include "steps_int.h"
#include "../core/xlsx_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Split "a, b, c" into a newly allocated array of trimmed strings. */
static int pl_split(hs_ctx *ctx, const char *s, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    char **v = hsi_calloc(ctx, cap, sizeof(char *));
    if (!v) return -1;
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, ',');
        if (!e) e = p + strlen(p);
        const char *a = p, *z = e;
        hsi_trim_blanks(&a, &z);
        v[*n] = hsi_strndup(ctx, a, (size_t)(z - a));
        if (!v[*n]) {
            for (size_t i = 0; i < *n; i++)
                hsi_free(ctx, v[i]);
            hsi_free(ctx, v);
            return -1;
        }
        (*n)++;
        if (!*e) break;
        p = e + 1;
    }
    *out = v;
    return 0;
}

/* The title goes into summary.json and the report's HTML, which must be UTF-8: a title
 * that is not is read as Latin-1 and converted, with a warning. */
static int pl_title_utf8(hs_ctx *ctx, const char *fn, long line, hsi_pipeline *p)
{
    int fx = hsi_utf8_fix(ctx, &p->title);
    if (fx > 0)
        hsi_log(ctx, 1, "%s:%ld: title is not UTF-8: read as Latin-1 ('%s')", fn, line, p->title);
    return fx < 0 ? -1 : 0;
}

/* ---- .xlsx workbooks: `structure_sheet` at the top, `sheet` in [data] ---------------- */

/* The sheet named by `key` in section s for the file `file` into *dst (NULL when absent):
 * only a workbook (.xlsx, .xlsm) has sheets. */
static hs_status pl_xlsx_sheet(hs_ctx *ctx, const char *fn, hsi_ini_sec *s, const char *key,
                               const char *file, char **dst, hs_error *err)
{
    hsi_ini_kv *kv = hsi_ini_get(s, key);
    if (!kv) return HS_OK;
    if (!hsi_xlsx_is_book(file))
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->col,
                       "'%s' names a sheet of an .xlsx workbook, but %s is not one (expected a "
                       "file ending in .xlsx)",
                       key, file);
    if (!kv->val[0])
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                       "'%s' is empty (expected the name of a sheet)", key);
    return (*dst = hsi_strdup(ctx, kv->val)) ? HS_OK : hsi_err_nomem(err);
}

/* The top and data sections of a parsed pipeline file at `path`. */
static hs_status pl_top(hs_ctx *ctx, const char *path, hsi_pipeline *p, hsi_ini *ini, hs_error *err)
{
    hs_status st = HS_OK;
    const char *fn = ini->file;
    p->file = hsi_strdup(ctx, path);
    if (!p->file) goto nomem;
    hsi_data_opts *o = &p->data;
    o->fixed_time = HSI_NO_TIME;
    o->time_from = o->time_to = HSI_NO_TIME;
    o->unit_col = hsi_strdup(ctx, "uCode");
    o->name_col = hsi_strdup(ctx, "uName");
    o->time_col = hsi_strdup(ctx, "Time");
    o->code_col = hsi_strdup(ctx, "iCode");
    o->value_col = hsi_strdup(ctx, "Value");
    if (!o->unit_col || !o->name_col || !o->time_col || !o->code_col || !o->value_col) goto nomem;

    hsi_ini_sec *top = &ini->sec[0];
    hsi_ini_kv *kv;
    if ((kv = hsi_ini_get(top, "title")) && !(p->title = hsi_strdup(ctx, kv->val))) goto nomem;
    if (kv && pl_title_utf8(ctx, fn, kv->line, p)) goto nomem;
    kv = hsi_ini_get(top, "structure");
    if (!kv)
        return hsi_err(err, HS_ERR_PIPELINE, fn, 1, 1,
                       "no 'structure = FILE' at the top of the pipeline (expected the index "
                       "structure in COINr's iMeta shape)");
    if (!(p->meta_file = hsi_path_beside(ctx, p->file, kv->val))) goto nomem;
    if ((st = pl_xlsx_sheet(ctx, fn, top, "structure_sheet", p->meta_file, &p->meta_sheet, err)))
        return st;
    if ((st = hsi_pl_unused(fn, top, "title, structure, structure_sheet", err))) return st;

    hsi_ini_sec *ds = NULL;
    for (size_t i = 1; i < ini->n; i++)
        if (!strcmp(ini->sec[i].kind, "data")) {
            if (ds)
                return hsi_err(err, HS_ERR_PIPELINE, fn, ini->sec[i].line, ini->sec[i].col,
                               "second [data] section (first on line %ld)", ds->line);
            ds = &ini->sec[i];
        }
    if (!ds)
        return hsi_err(err, HS_ERR_PIPELINE, fn, 0, 0,
                       "no [data] section (expected [data] with 'file = DATA.csv')");
    o->line = ds->line;
    if (!(kv = hsi_ini_get(ds, "file")))
        return hsi_err(err, HS_ERR_PIPELINE, fn, ds->line, ds->col,
                       "[data] has no 'file = ...' (expected the indicator CSV)");
    if (!(o->file = hsi_path_beside(ctx, p->file, kv->val))) goto nomem;
    if ((kv = hsi_ini_get(ds, "shape"))) {
        if (!strcmp(kv->val, "wide"))
            o->shape = HSI_SHAPE_WIDE;
        else if (!strcmp(kv->val, "long"))
            o->shape = HSI_SHAPE_LONG;
        else if (!strcmp(kv->val, "wide-year"))
            o->shape = HSI_SHAPE_WIDEYEAR;
        else if (!strcmp(kv->val, "auto"))
            o->shape = HSI_SHAPE_AUTO;
        else
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "unknown shape '%s' (expected wide, long, wide-year or auto)", kv->val);
    }
    struct {
        const char *key;
        char **dst;
    } cols[] = {{"unit", &o->unit_col},
                {"name", &o->name_col},
                {"code", &o->code_col},
                {"value", &o->value_col}};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if ((kv = hsi_ini_get(ds, cols[i].key))) {
            hsi_free(ctx, *cols[i].dst);
            if (!(*cols[i].dst = hsi_strdup(ctx, kv->val))) goto nomem;
        }
    if ((kv = hsi_ini_get(ds, "time"))) {
        long t;
        if (hsi_parse_long(kv->val, &t) == 0) {
            o->fixed_time = t;
        } else {
            hsi_free(ctx, o->time_col);
            if (!(o->time_col = hsi_strdup(ctx, kv->val))) goto nomem;
        }
    }
    if ((kv = hsi_ini_get(ds, "na")) && pl_split(ctx, kv->val, &o->na, &o->nna)) goto nomem;
    if ((kv = hsi_ini_get(ds, "exclude")) && pl_split(ctx, kv->val, &o->exclude, &o->nexclude))
        goto nomem;
    const char *rk[2] = {"from", "to"};
    long *rd[2] = {&o->time_from, &o->time_to};
    for (int i = 0; i < 2; i++)
        if ((kv = hsi_ini_get(ds, rk[i])) && hsi_parse_long(kv->val, rd[i]) != 0)
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "'%s' is '%s' (expected a year)", rk[i], kv->val);
    if ((st = pl_xlsx_sheet(ctx, fn, ds, "sheet", o->file, &o->sheet, err))) return st;
    if ((st = hsi_pl_unused(fn, ds,
                            "file, shape, unit, name, time, code, value, na, exclude, "
                            "from, to, sheet",
                            err)))
        return st;
    return HS_OK;
nomem:
    return hsi_err_nomem(err);
}

hs_status hsi_pipeline_read(hs_ctx *ctx, const char *path, hsi_pipeline *p, hsi_ini *ini,
                            hs_error *err)
{
    memset(p, 0, sizeof *p);
    hs_status st = hsi_ini_read(ctx, path, ini, err);
    if (st) return st;
    return pl_top(ctx, path, p, ini, err);
}

hs_status hsi_pipeline_parse(hs_ctx *ctx, const char *text, size_t len, const char *path,
                             hsi_pipeline *p, hsi_ini *ini, hs_error *err)
{
    memset(p, 0, sizeof *p);
    hs_status st = hsi_ini_parse(ctx, text, len, path, ini, err);
    if (st) return st;
    return pl_top(ctx, path, p, ini, err);
}

/* ---- steps ----------------------------------------------------------------------------- */

/* Every [weights NAME] section: its keys are codes of indicators or aggregates, its values
 * numbers. Checked before any step: an [aggregate] may name a set that comes after it. */
static hs_status pl_weight_sets(const hsi_ini *ini, const hsi_meta *m, hs_error *err)
{
    const char *fn = ini->file;
    hs_status st;
    for (size_t i = 1; i < ini->n; i++) {
        hsi_ini_sec *s = &ini->sec[i];
        if (strcmp(s->kind, "weights")) continue;
        if (!s->name)
            return hsi_err(err, HS_ERR_PIPELINE, fn, s->line, s->col,
                           "[weights] needs a name: [weights NAME]");
        for (size_t q = 0; q < s->n; q++) {
            hsi_ini_kv *kv = &s->kv[q];
            kv->used = 1;
            long nidx = hsi_meta_find(m, kv->key);
            if (nidx < 0 || (m->node[nidx].type != HSI_NODE_INDICATOR &&
                             m->node[nidx].type != HSI_NODE_AGGREGATE))
                return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->col,
                               "weight for unknown code '%s' (expected an indicator or "
                               "aggregate of %s)",
                               kv->key, m->file);
            double w;
            if ((st = hsi_pl_number(fn, kv, 0, 1e300, &w, err))) return st;
        }
    }
    return HS_OK;
}

/* The steps of the table as messages list them: "denominate, impute, ... or aggregate", or
 * with brackets "[denominate], [impute], ..., [aggregate]". */
static void pl_step_names(char *buf, size_t cap, int brackets)
{
    size_t n, len = 0, nstep = 0, k = 0;
    const hsi_step_def *d = hsi_step_defs(&n);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        nstep += d[i].run != NULL;
    for (size_t i = 0; i < n && len < cap; i++) {
        if (!d[i].run) continue;
        const char *sep = k == 0 ? "" : (k + 1 == nstep && !brackets) ? " or " : ", ";
        k++;
        len += (size_t)snprintf(buf + len, cap - len, brackets ? "%s[%s]" : "%s%s", sep, d[i].name);
    }
}

/* One step section s into the next step of p. */
static hs_status pl_step(const hsi_step_env *env, const hsi_step_def *def, hsi_ini_sec *s,
                         hsi_pipeline *p, hs_error *err)
{
    const char *fn = env->file;
    hs_status st;
    hsi_step *stp = &p->step[p->nstep];
    stp->line = s->line;
    stp->kind = def->kind;
    if (def->parse && (st = def->parse(env, s, stp, err))) return st;
    if ((st = hsi_pl_per(fn, s, stp, err))) return st;
    hsi_ini_kv *o = hsi_ini_get(s, "output");
    if (!(stp->out_name = hsi_strdup(env->ctx, o ? o->val : def->output)))
        return hsi_err_nomem(err);
    if ((st = hsi_pl_unused(fn, s, def->params, err))) return st;
    if (def->check && (st = def->check(env, s, err))) return st;
    p->nstep++;
    return HS_OK;
}

hs_status hsi_pipeline_steps(hs_ctx *ctx, hsi_ini *ini, const hsi_meta *m, const hsi_units *u,
                             hsi_pipeline *p, hs_error *err)
{
    const char *fn = ini->file;
    const hsi_step_env env = {ctx, fn, ini, m, u};
    hs_status st;
    size_t nsteps = 0;
    char names[256];
    for (size_t i = 1; i < ini->n; i++)
        if (strcmp(ini->sec[i].kind, "data") && strcmp(ini->sec[i].kind, "weights")) nsteps++;
    p->step = hsi_calloc(ctx, nsteps + 1, sizeof *p->step);
    if (!p->step) return hsi_err_nomem(err);
    if ((st = pl_weight_sets(ini, m, err))) return st;
    for (size_t i = 1; i < ini->n; i++) {
        hsi_ini_sec *s = &ini->sec[i];
        if (!strcmp(s->kind, "data") || !strcmp(s->kind, "weights")) continue;
        const hsi_step_def *def = hsi_step_def_find(s->kind);
        if (!def) {
            pl_step_names(names, sizeof names, 0);
            return hsi_err(err, HS_ERR_PIPELINE, fn, s->line, s->col,
                           "unknown step [%s] (expected data, weights, %s)", s->kind, names);
        }
        if (!def->run) { /* not a step: its keys are only checked */
            if ((def->parse && (st = def->parse(&env, s, NULL, err))) ||
                (st = hsi_pl_unused(fn, s, def->params, err)))
                return st;
            continue;
        }
        if ((st = pl_step(&env, def, s, p, err))) return st;
    }
    if (p->nstep == 0) {
        pl_step_names(names, sizeof names, 1);
        return hsi_err(err, HS_ERR_PIPELINE, fn, 0, 0, "no steps (expected at least one of %s)",
                       names);
    }
    return HS_OK;
}

static void pl_free_strv(hs_ctx *ctx, char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        hsi_free(ctx, v[i]);
    hsi_free(ctx, v);
}

void hsi_pipeline_free(hs_ctx *ctx, hsi_pipeline *p)
{
    if (!p) return;
    hsi_free_all(ctx, p->file, p->title, p->meta_file, p->meta_sheet);
    hsi_data_opts *o = &p->data;
    hsi_free_all(ctx, o->file, o->sheet, o->unit_col, o->name_col, o->time_col, o->code_col,
                 o->value_col);
    pl_free_strv(ctx, o->na, o->nna);
    pl_free_strv(ctx, o->exclude, o->nexclude);
    for (size_t i = 0; i < p->nstep + 1 && p->step; i++) {
        hsi_step *s = &p->step[i];
        hsi_free_all(ctx, s->out_name, s->treat_ind, s->norm_ind, s->agg_node, s->weight,
                     s->weight_set);
        hsi_optw_free(ctx, s->optw);
    }
    hsi_free(ctx, p->step);
    memset(p, 0, sizeof *p);
}
