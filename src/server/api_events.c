/*
 * api_events.c - the event routes of the JSON API: GET /api/v1/events/panel (the latest
 * event panel, by country or grid cell) and /alerts (the panel's alerts and the forecast
 * onset warnings).
 */
#include "api_int.h"

#include <string.h>

/* Alerts (country level), newest first; country/since may be NULL/0. */
json_t *hsi_api_alert_list(hs_api *a, const char *country, int since, long limit)
{
    hs_error err = {0};
    json_t *arr = NULL;
    hs_status st = hsi_rd_alerts(a->db, country, since, limit, &arr, &err);
    return hsi_api_list(a, st, arr, &err);
}

/* How many alerts match (country level; country/since as in hsi_api_alert_list), whatever the
 * limit: the list is the newest page, the total says how many there are. */
static json_int_t api_alert_total(hs_api *a, const char *country, int since)
{
    hs_error err = {0};
    long long n = 0;
    hsi_api_failed(a, hsi_rd_alert_total(a->db, country, since, &n, &err), &err);
    return (json_int_t)n;
}

const char *const hsi_api_alerts_params[] = {"country", "since", "limit", NULL};

void hsi_api_get_alerts(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    const hsi_api_params *p = c->p;
    int since = 0;
    long limit = 100;
    const char *s = hsi_api_param(p, "since"), *l = hsi_api_param(p, "limit");
    if (s && hs_month_parse(s, &since) != 0) {
        hsi_api_err(r, 400, "bad_request", "since '%.64s' is not a month: expected YYYY-MM", s);
        return;
    }
    if (l && hsi_api_long_parse(l, 1, 10000, &limit) != 0) {
        hsi_api_err(r, 400, "bad_request", "limit '%.64s': expected a whole number from 1 to 10000",
                    l);
        return;
    }
    since = s ? since : -100000;
    hsi_api_json(r, 200,
                 json_pack("{s:o, s:I, s:o}", "alerts",
                           hsi_api_alert_list(a, hsi_api_param(p, "country"), since, limit),
                           "total", api_alert_total(a, hsi_api_param(p, "country"), since),
                           "warnings", hsi_api_fc_warnings(a->db, hsi_api_param(p, "country"))));
}

const char *const hsi_api_panel_params[] = {"country", "from", "to", "level", "gid", "limit", NULL};

void hsi_api_get_panel(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    const hsi_api_params *p = c->p;
    hsi_rd_panel_q pq = {.level = hsi_api_param(p, "level"),
                         .from = -100000,
                         .to = 100000,
                         .country = hsi_api_param(p, "country"),
                         .limit = 100000};
    if (!pq.level || !*pq.level) pq.level = "country";
    if (strcmp(pq.level, "country") && strcmp(pq.level, "grid")) {
        hsi_api_err(r, 400, "bad_request", "level '%.64s': expected country or grid", pq.level);
        return;
    }
    const char *f = hsi_api_param(p, "from"), *t = hsi_api_param(p, "to"),
               *g = hsi_api_param(p, "gid"), *l = hsi_api_param(p, "limit");
    if ((f && hs_month_parse(f, &pq.from) != 0) || (t && hs_month_parse(t, &pq.to) != 0)) {
        hsi_api_err(r, 400, "bad_request", "from and to are months: expected YYYY-MM");
        return;
    }
    if (g && hsi_api_long_parse(g, 1, 259200, &pq.gid) != 0) {
        hsi_api_err(r, 400, "bad_request", "gid '%.64s': expected a PRIO-GRID cell, 1 to 259200",
                    g);
        return;
    }
    if (l && hsi_api_long_parse(l, 1, 1000000, &pq.limit) != 0) {
        hsi_api_err(r, 400, "bad_request", "limit '%.64s': expected 1 to 1000000", l);
        return;
    }
    hs_error err = {0};
    json_t *arr = NULL;
    int more = 0;
    hs_status st = hsi_rd_panel(a->db, &pq, &arr, &more, &err);
    hsi_api_json(r, 200,
                 json_pack("{s:s, s:o, s:b}", "level", pq.level, "rows",
                           hsi_api_list(a, st, arr, &err), "truncated", more));
}
