/*
 * api_indices.c - the index routes of the JSON API: GET /api/v1/indices, /scores, /ranks and
 * /method, read through the store's typed reads (store/reads.c).
 */
#include "api_int.h"

#include <stdio.h>
#include <string.h>

/* The latest run of index id; 0 when the store has none (or cannot say). */
int hsi_api_find_index(hs_api *a, const char *id, hsi_rd_index *ix)
{
    hs_error err = {0};
    int found = 0;
    return !hsi_api_failed(a, hsi_rd_index_find(a->db, id, ix, &found, &err), &err) && found;
}

/* Ids of the indices of the latest runs, in the order the run built them. */
static size_t api_index_ids(hs_api *a, char ids[][32], size_t cap)
{
    hs_error err = {0};
    size_t n = 0;
    return hsi_api_failed(a, hsi_rd_index_ids(a->db, ids, cap, &n, &err), &err) ? 0 : n;
}

size_t hsi_api_indices(hs_api *a, hsi_rd_index *ix, size_t cap)
{
    char ids[16][32];
    size_t n = api_index_ids(a, ids, cap < 16 ? cap : 16), k = 0;
    for (size_t i = 0; i < n; i++)
        if (hsi_api_find_index(a, ids[i], &ix[k])) k++;
    return k;
}

static const char *api_index_list(hs_api *a, char *buf, size_t cap)
{
    char ids[16][32];
    size_t n = api_index_ids(a, ids, 16);
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%s", i ? ", " : "", ids[i]);
    return n ? buf : "none yet: no run has finished";
}

/* The latest year with a top score; 0 when none. */
static long api_latest_year(hs_api *a, const hsi_rd_index *ix)
{
    hs_error err = {0};
    long y = 0;
    hsi_api_failed(a, hsi_rd_latest_year(a->db, ix, &y, &err), &err);
    return y;
}

static json_t *api_nodes(hs_api *a, const hsi_rd_index *ix)
{
    hs_error err = {0};
    json_t *j = NULL;
    hs_status st = hsi_rd_nodes(a->db, ix, &j, &err);
    return hsi_api_list(a, st, j, &err);
}

void hsi_api_get_indices(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    (void)c;
    hsi_rd_index ix[16];
    size_t n = hsi_api_indices(a, ix, 16);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        long ly = api_latest_year(a, &ix[i]);
        hs_error err = {0};
        json_t *years = NULL;
        hs_status st = hsi_rd_years(a->db, &ix[i], &years, &err);
        years = hsi_api_list(a, st, years, &err);
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:o}", "id", ix[i].id,
                                        "name", ix[i].name, "top", ix[i].top, "years", years,
                                        "latest_year", ly ? json_integer(ly) : json_null(), "run",
                                        (json_int_t)ix[i].run, "nodes", api_nodes(a, &ix[i])));
    }
    hsi_api_json(r, 200, json_pack("{s:o}", "indices", arr));
}

/* index (required), year (default the latest); 0 and a response on failure. */
static int api_index_year(hs_api *a, const hsi_api_params *p, hsi_rd_index *ix, long *year,
                          hs_http_response *r)
{
    const char *id = hsi_api_param(p, "index");
    char list[256];
    if (!id || !*id) {
        hsi_api_err(r, 400, "bad_request", "index is required: one of %s",
                    api_index_list(a, list, sizeof list));
        return 0;
    }
    if (!hsi_api_find_index(a, id, ix)) {
        hsi_api_err(r, 404, "not_found", "no index '%.64s': expected one of %s", id,
                    api_index_list(a, list, sizeof list));
        return 0;
    }
    const char *ys = hsi_api_param(p, "year");
    if (ys) {
        if (hsi_api_long_parse(ys, 0, 9999, year) != 0) {
            hsi_api_err(r, 400, "bad_request", "year '%.64s' is not a year: expected e.g. 2023",
                        ys);
            return 0;
        }
    } else {
        *year = api_latest_year(a, ix);
    }
    return 1;
}

const char *const hsi_api_scores_params[] = {"index", "year", "country", "pillar", NULL};

void hsi_api_get_scores(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    const hsi_api_params *p = c->p;
    hsi_rd_index ix;
    long year = 0;
    if (!api_index_year(a, p, &ix, &year, r)) return;
    const char *node = hsi_api_param(p, "pillar");
    if (!node || !*node) node = ix.top;
    hs_error err = {0};
    int found = 0;
    if (hsi_api_failed(a, hsi_rd_node_exists(a->db, &ix, node, &found, &err), &err)) return;
    if (!found) {
        hsi_api_err(r, 404, "not_found",
                    "index '%s' has no node '%.64s' (GET /api/v1/indices "
                    "lists them)",
                    ix.id, node);
        return;
    }
    json_t *arr = NULL;
    hs_status st = hsi_rd_scores(a->db, &ix, node, year, hsi_api_param(p, "country"), &arr, &err);
    hsi_api_json(r, 200,
                 json_pack("{s:s, s:I, s:o, s:s, s:o}", "index", ix.id, "run", (json_int_t)ix.run,
                           "year", year ? json_integer(year) : json_null(), "node", node, "scores",
                           hsi_api_list(a, st, arr, &err)));
}

const char *const hsi_api_ranks_params[] = {"index", "year", NULL};

void hsi_api_get_ranks(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    const hsi_api_params *p = c->p;
    hsi_rd_index ix;
    long year = 0;
    if (!api_index_year(a, p, &ix, &year, r)) return;
    hs_error err = {0};
    json_t *arr = NULL;
    hs_status st = hsi_rd_ranks(a->db, &ix, year, &arr, &err);
    hsi_api_json(r, 200,
                 json_pack("{s:s, s:I, s:o, s:o}", "index", ix.id, "run", (json_int_t)ix.run,
                           "year", year ? json_integer(year) : json_null(), "ranks",
                           hsi_api_list(a, st, arr, &err)));
}

const char *const hsi_api_method_params[] = {"index", NULL};

void hsi_api_get_method(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    const hsi_api_params *p = c->p;
    hsi_rd_index ix;
    long year;
    if (!api_index_year(a, p, &ix, &year, r)) return;
    hs_error err = {0};
    json_t *steps = NULL, *sources = NULL, *pipeline = NULL;
    hsi_api_failed(a, hsi_rd_method(a->db, &ix, &steps, &sources, &pipeline, &err), &err);
    hsi_api_json(r, 200,
                 json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o}", "index", ix.id, "name",
                           ix.name, "top", ix.top, "run", (json_int_t)ix.run, "pipeline",
                           pipeline ? pipeline : json_null(), "steps", steps ? steps : json_array(),
                           "nodes", api_nodes(a, &ix), "sources",
                           sources ? sources : json_array()));
}
