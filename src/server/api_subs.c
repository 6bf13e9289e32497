/*
 * api_subs.c - a partner's submission routes of the JSON API: POST /api/v1/submissions (a
 * CSV file, checked whole and stored as pending), GET /submissions and GET and DELETE
 * /submissions/{id}. An administrator reads every partner's (api_review.c).
 */
#include "api_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static json_t *api_sub_obj(hs_api *a, long long id, long partner)
{
    hs_error err = {0};
    json_t *o = NULL;
    hsi_api_failed(a, hsi_rd_submission(a->db, id, partner, &o, &err), &err);
    return o;
}

static int api_csv_type(const char *ct)
{
    if (!ct) return 1; /* no Content-Type: taken as CSV */
    size_t n = strcspn(ct, ";");
    while (n && ct[n - 1] == ' ')
        n--;
    static const char *const ok[] = {"text/csv", "application/csv", "text/plain"};
    for (size_t i = 0; i < 3; i++)
        if (strlen(ok[i]) == n && !strncasecmp(ct, ok[i], n)) return 1;
    return 0;
}

static const char *const api_sub_params[] = {"kind", NULL};

void hsi_api_post_sub(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    const hs_http_request *req = c->req;
    const hsi_api_who *who = c->who;
    hsi_api_params p;
    hsi_api_parse_query(req->query, api_sub_params, &p);
    const char *kind = hsi_api_param(&p, "kind");
    if (!kind || (strcmp(kind, "indicators") && strcmp(kind, "events"))) {
        hsi_api_err(r, 400, "bad_request",
                    "kind is required: indicators or events (POST "
                    "/api/v1/submissions?kind=indicators)");
        return;
    }
    const char *ct = hsi_api_header(req, "Content-Type");
    if (!api_csv_type(ct)) {
        hsi_api_err(r, 415, "unsupported_media_type",
                    "a submission is a CSV file: expected Content-Type: text/csv, not '%.64s'", ct);
        return;
    }
    hsi_sub_errs errs;
    memset(&errs, 0, sizeof errs);
    hs_error err = {0};
    int64_t id = 0;
    hs_status st = hsi_sub_add(a->db, who->id, who->name, kind, req->body ? req->body : "",
                               req->body_len, a->structure, a->geo, &id, &errs, &err);
    if (st == HS_ERR_PARSE) {
        json_t *list = json_array();
        for (size_t i = 0; i < errs.n; i++)
            hsi_api_utf8_clean(errs.e[i].msg);
        for (size_t i = 0; i < errs.n; i++)
            json_array_append_new(list,
                                  json_pack("{s:I, s:I, s:s%}", "line", (json_int_t)errs.e[i].line,
                                            "column", (json_int_t)errs.e[i].col, "message",
                                            errs.e[i].msg, strlen(errs.e[i].msg)));
        char first[800] = "";
        if (errs.n) {
            hs_error fe = {0};
            snprintf(fe.file, sizeof fe.file, "submission.csv");
            fe.line = errs.e[0].line;
            fe.col = errs.e[0].col;
            snprintf(fe.msg, sizeof fe.msg, "%s", errs.e[0].msg);
            hs_error_format(&fe, first, sizeof first);
        }
        hsi_api_error_x(
            r, 422, "invalid_csv",
            json_pack("{s:o, s:I}", "errors", list, "errors_total", (json_int_t)errs.total),
            "the %s file was refused whole (%zu error%s, nothing stored); first: %s", kind,
            errs.total, errs.total == 1 ? "" : "s", first);
    } else if (st == HS_ERR_USAGE) {
        char msg[1200];
        hs_error_format(&err, msg, sizeof msg);
        hsi_api_err(r, 400, "bad_request", "%s", msg);
    } else if (st) {
        hsi_api_store_error(r, &err);
    } else {
        json_t *o = api_sub_obj(a, id, who->id);
        if (!o)
            hsi_api_err(r, 500, "internal", "the submission was stored but cannot be read back");
        else
            hsi_api_json(r, 201, json_pack("{s:o}", "submission", o));
    }
    hsi_sub_errs_free(&errs);
}

/* GET /submissions: every partner's to an administrator, the caller's own to a partner. */
void hsi_api_get_subs(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    const hsi_api_who *who = c->who;
    if (hsi_api_review_list(a->db, c->req, who->id, r)) return;
    long long ids[1000];
    size_t n = 0;
    hs_error err = {0};
    if (hsi_api_failed(a, hsi_rd_submission_ids(a->db, who->id, ids, 1000, &n, &err), &err)) n = 0;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = api_sub_obj(a, ids[i], who->id);
        if (o) json_array_append_new(arr, o);
    }
    hsi_api_json(r, 200, json_pack("{s:o}", "submissions", arr));
}

/* GET and DELETE /submissions/{id}: an administrator reads any submission, a partner reads
 * and withdraws its own. */
void hsi_api_sub_one(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    const char *method = c->req->method, *seg = c->seg;
    const hsi_api_who *who = c->who;
    if (strcmp(method, "DELETE") && hsi_api_review_one(a->db, seg, who->id, r)) return;
    long long id = hsi_api_path_id(seg);
    if (id && !strcmp(method, "DELETE")) {
        int found = 0;
        hs_error err = {0};
        if (hsi_sub_withdraw(a->db, who->id, who->name, id, &found, &err) != HS_OK) {
            hsi_api_store_error(r, &err);
            return;
        }
        if (!found) id = 0;
    }
    json_t *o = id ? api_sub_obj(a, id, who->id) : NULL;
    if (!o) {
        hsi_api_err(r, 404, "not_found",
                    "no submission '%.64s' of partner '%s' (GET /api/v1/submissions lists yours)",
                    seg, who->name);
        return;
    }
    hsi_api_json(r, 200, json_pack("{s:o}", "submission", o));
}
