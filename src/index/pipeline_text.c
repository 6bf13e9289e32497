/*
 * pipeline_text.c - a pipeline file as the store records it: its steps with their
 * parameters as JSON, and its text with the data table renamed, so that a build with
 * submissions overlaid in memory names its table as what it is.
 */
#include "engine_int.h"

#include <string.h>

/* The pipeline text with its `[data] file =` line naming the overlaid table, so that a
 * message about a submitted value does not point into the shipped file. */
hs_status hsi_pipeline_data_renamed(const char *text, size_t len, const hsi_ini *ini, hsi_buf *o,
                                    hs_error *err)
{
    long dline = 0;
    const char *dval = NULL;
    for (size_t i = 0; i < ini->n; i++)
        for (size_t k = 0; k < ini->sec[i].n; k++)
            if (!strcmp(ini->sec[i].kind, "data") && !strcmp(ini->sec[i].kv[k].key, "file")) {
                dline = ini->sec[i].kv[k].line;
                dval = ini->sec[i].kv[k].val;
            }
    if (!dline)
        return hsi_err(err, HS_ERR_PIPELINE, ini->file, 0, 0,
                       "cannot overlay submissions: the pipeline needs a [data] file =");
    long line = 1;
    for (size_t i = 0; i < len; line++) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        if (line == dline)
            hsi_buf_printf(o, "file = %s with submissions", dval);
        else
            hsi_buf_add(o, text + i, e - i);
        hsi_buf_puts(o, "\n");
        i = e + 1;
    }
    return o->oom ? hsi_err_nomem(err) : HS_OK;
}

/* The pipeline's sections after the top one as [{"step": kind, "params": {key: value}}]. */
hs_status hsi_pipeline_steps_json(hs_ctx *ctx, const char *pipeline, hsi_buf *o, hs_error *err)
{
    hsi_ini ini;
    hs_status st = hsi_ini_read(ctx, pipeline, &ini, err);
    if (st) return st;
    hsi_buf_puts(o, "[");
    int first = 1;
    for (size_t i = 0; i < ini.n; i++) {
        const hsi_ini_sec *s = &ini.sec[i];
        if (!s->kind[0]) continue;
        hsi_buf_puts(o, first ? "{\"step\":" : ",{\"step\":");
        first = 0;
        hsi_buf_json_str(o, s->kind);
        if (s->name) {
            hsi_buf_puts(o, ",\"name\":");
            hsi_buf_json_str(o, s->name);
        }
        hsi_buf_puts(o, ",\"params\":{");
        for (size_t k = 0; k < s->n; k++) {
            if (k) hsi_buf_puts(o, ",");
            hsi_buf_json_str(o, s->kv[k].key);
            hsi_buf_puts(o, ":");
            hsi_buf_json_str(o, s->kv[k].val);
        }
        hsi_buf_puts(o, "}}");
    }
    hsi_buf_puts(o, "]");
    hsi_ini_free(&ini);
    return HS_OK;
}
