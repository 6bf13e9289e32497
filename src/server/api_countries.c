/*
 * api_countries.c - the country routes of the JSON API: GET /api/v1/countries and
 * /countries/{code}, a country's index scores, its events month by month and its alerts.
 */
#include "api_int.h"

#include <stdlib.h>

void hsi_api_get_countries(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    (void)c;
    hs_error err = {0};
    json_t *arr = NULL;
    hs_status st = hsi_rd_countries(a->db, &arr, &err);
    hsi_api_json(r, 200, json_pack("{s:o}", "countries", hsi_api_list(a, st, arr, &err)));
}

/* The country's index series: [{id, name, top, series}] of the indices that score it. */
static json_t *api_country_indices(hs_api *a, const char *code)
{
    hsi_rd_index ix[16];
    size_t n = hsi_api_indices(a, ix, 16);
    json_t *indices = json_array();
    for (size_t i = 0; i < n; i++) {
        hs_error err = {0};
        json_t *series = NULL;
        hs_status st = hsi_rd_country_series(a->db, &ix[i], code, &series, &err);
        series = hsi_api_list(a, st, series, &err);
        if (json_array_size(series) == 0) {
            json_decref(series);
            continue;
        }
        json_array_append_new(indices, json_pack("{s:s, s:s, s:s, s:o}", "id", ix[i].id, "name",
                                                 ix[i].name, "top", ix[i].top, "series", series));
    }
    return indices;
}

/* The covered months of spans as runs of consecutive months: [{first, last}]. */
static json_t *api_coverage_runs(const unsigned char *covered, int lo, int hi)
{
    json_t *coverage = json_array();
    for (int m = lo; covered && m <= hi; m++) {
        if (!covered[m - lo] || (m > lo && covered[m - 1 - lo])) continue;
        int e = m;
        while (e < hi && covered[e + 1 - lo])
            e++;
        char f[24], l[24];
        hs_month_format(m, f);
        hs_month_format(e, l);
        json_array_append_new(coverage, json_pack("{s:s, s:s}", "first", f, "last", l));
    }
    return coverage;
}

/* Every month lo..hi: its events and deaths, zero in a covered month without events, null
 * in a month no source covers (missing is never zero). */
static json_t *api_country_month_list(const hsi_rd_month *mv, size_t nm,
                                      const unsigned char *covered, int lo, int hi)
{
    json_t *months = json_array();
    size_t k = 0;
    for (int next = lo; covered && next <= hi; next++) {
        char ms[24];
        hs_month_format(next, ms);
        while (k < nm && mv[k].month < next)
            k++;
        if (k < nm && mv[k].month == next)
            json_array_append_new(months, json_pack("{s:s, s:I, s:I}", "month", ms, "events",
                                                    (json_int_t)mv[k].events, "deaths",
                                                    (json_int_t)mv[k].deaths));
        else if (covered[next - lo])
            json_array_append_new(
                months, json_pack("{s:s, s:i, s:i}", "month", ms, "events", 0, "deaths", 0));
        else
            json_array_append_new(months,
                                  json_pack("{s:s, s:n, s:n}", "month", ms, "events", "deaths"));
    }
    return months;
}

/* The country's events: its months from the first its sources cover to the last, and the
 * covered runs. Several Gleditsch-Ward units may map to one ISO3 code: they are added up. */
static void api_country_events(hs_api *a, const char *code, json_t **months, json_t **coverage)
{
    hs_error err = {0};
    hsi_rd_span *sp = NULL;
    hsi_rd_month *mv = NULL;
    size_t ns = 0, nm = 0;
    int lo = 0, hi = -1;
    unsigned char *covered = NULL;
    if (!hsi_api_failed(a, hsi_rd_country_events(a->db, code, &sp, &ns, &mv, &nm, &err), &err)) {
        for (size_t i = 0; i < ns; i++) {
            if (hi < lo || sp[i].first < lo) lo = sp[i].first;
            if (sp[i].last > hi) hi = sp[i].last;
        }
        if (hi >= lo && hi - lo < 12 * 200) covered = calloc((size_t)(hi - lo) + 1, 1);
        for (size_t i = 0; covered && i < ns; i++)
            for (int m = sp[i].first; m <= sp[i].last; m++)
                covered[m - lo] = 1;
    }
    *coverage = api_coverage_runs(covered, lo, hi);
    *months = api_country_month_list(mv, nm, covered, lo, hi);
    free(covered);
    free(mv);
    free(sp);
}

void hsi_api_get_country(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    const char *code = c->seg;
    hs_error err = {0};
    json_t *name = NULL;
    if (hsi_api_failed(a, hsi_rd_unit_name(a->db, code, &name, &err), &err)) return;
    if (!name) {
        hsi_api_err(r, 404, "not_found",
                    "no country '%.64s': expected an ISO 3166-1 alpha-3 code from GET "
                    "/api/v1/countries",
                    code);
        return;
    }
    json_t *indices = api_country_indices(a, code), *months = NULL, *coverage = NULL;
    api_country_events(a, code, &months, &coverage);
    hsi_api_json(r, 200,
                 json_pack("{s:s, s:o, s:o, s:{s:o, s:o}, s:o}", "code", code, "name", name,
                           "indices", indices, "events", "months", months, "coverage", coverage,
                           "alerts", hsi_api_alert_list(a, code, -100000, 1000)));
}
