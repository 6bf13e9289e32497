/*
 * api_review.c - the administrators' routes of the API (docs/server.md, "REVIEW"): the
 * submissions of every partner by status, and the decisions on them (accept, reject,
 * withdraw). A submission is published, that is used by the runs, only once an
 * administrator has accepted it. Called by api.c under its store mutex with the
 * authenticated caller; answers only administrators' requests on these routes.
 */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RV_MAX_LIST 1000

static void rv_db_error(hs_store *db, const hs_error *err, hs_http_response *r)
{
    hsi_api_err(r, 500, "internal", "the store %s cannot be read: %s", hsi_store_path(db),
                err->msg);
}

/* The value of `name` in a query string, copied when it is plain (letters only). */
static int rv_query(const char *query, const char *name, char *out, size_t cap)
{
    out[0] = 0;
    size_t n = strlen(name);
    for (const char *p = query; p && *p;) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > n && !strncmp(p, name, n) && p[n] == '=') {
            size_t vl = len - n - 1;
            if (vl >= cap) return -1;
            memcpy(out, p + n + 1, vl);
            out[vl] = 0;
            return 1;
        }
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static void rv_list(hs_store *db, const hs_http_request *req, hs_http_response *r)
{
    char status[32];
    int have = rv_query(req->query, "status", status, sizeof status);
    static const char *const ok[] = {"pending", "accepted", "rejected", "withdrawn"};
    int valid = have == 0;
    for (size_t i = 0; have == 1 && i < 4; i++)
        valid |= !strcmp(status, ok[i]);
    if (!valid) {
        hsi_api_err(r, 400, "bad_request",
                    "status must be pending, accepted, rejected or withdrawn (or left out "
                    "for all)");
        return;
    }
    hs_error err = {0};
    json_t *arr = NULL;
    if (hsi_rd_submissions(db, have == 1 ? status : NULL, RV_MAX_LIST, &arr, &err) != HS_OK) {
        json_decref(arr);
        rv_db_error(db, &err, r);
        return;
    }
    hsi_api_json(r, 200, json_pack("{s:o}", "submissions", arr));
}

/* The reason of a decision: {"why": "..."} in a JSON body, or none. 0 with a 400 answer
 * when the body is not that. */
static int rv_why(const hs_http_request *req, char *why, size_t cap, hs_http_response *r)
{
    why[0] = 0;
    if (!req->body_len) return 1;
    json_error_t je;
    json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
    json_t *w = j ? json_object_get(j, "why") : NULL;
    if (!j || !json_is_object(j) || (w && !json_is_string(w))) {
        json_decref(j);
        hsi_api_err(r, 400, "bad_request",
                    "expected a JSON body {\"why\": \"the reason\"} (or no body)");
        return 0;
    }
    if (w) snprintf(why, cap, "%s", json_string_value(w));
    json_decref(j);
    return 1;
}

static void rv_decide(hs_store *db, const hs_http_request *req, long long id, hs_review what,
                      const char *actor, hs_http_response *r)
{
    char why[1024];
    if (!rv_why(req, why, sizeof why, r)) return;
    char before[16];
    hs_error err = {0};
    hs_status st = hsi_sub_review(db, id, what, actor, why, before, &err);
    if (st == HS_ERR_USAGE) {
        int code = what == HS_REVIEW_REJECT && !why[0] ? 400 : !before[0] ? 404 : 409;
        hsi_api_err(r, code,
                    code == 404   ? "not_found"
                    : code == 400 ? "bad_request"
                                  : "conflict",
                    "%s", err.msg);
        return;
    }
    if (st) {
        char msg[1600];
        hs_error_format(&err, msg, sizeof msg);
        hsi_api_err(r, 500, "internal", "%s", msg);
        return;
    }
    json_t *o = NULL;
    err = (hs_error){0};
    if (hsi_rd_submission(db, id, 0, &o, &err) != HS_OK || !o) {
        rv_db_error(db, &err, r);
        return;
    }
    hsi_api_json(r, 200, json_pack("{s:o}", "submission", o));
}

void hsi_api_post_review(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    hs_store *db = a->db;
    const hs_http_request *req = c->req;
    long who = c->who->id;
    const char *name = c->who->name;
    long long id = strtoll(c->seg, NULL, 10); /* the route's {id} */
    hs_review what = (hs_review)c->arg;
    if (!hsi_partner_is_admin(db, who))
        hsi_api_err(r, 403, "forbidden",
                    "reviewing submissions needs an administrator's token (humsec partner "
                    "add --admin NAME)");
    else if (strcmp(req->method, "POST"))
        hsi_api_err(r, 405, "method_not_allowed", "this resource allows POST");
    else
        rv_decide(db, req, id, what, name, r);
    if (r->status == 405) snprintf(r->allow, sizeof r->allow, "POST");
}

int hsi_api_review_list(hs_store *db, const hs_http_request *req, long who, hs_http_response *r)
{
    if (!hsi_partner_is_admin(db, who)) return 0;
    rv_list(db, req, r);
    return 1;
}

int hsi_api_review_one(hs_store *db, const char *seg, long who, hs_http_response *r)
{
    char *end = NULL;
    long long sid = *seg >= '1' && *seg <= '9' ? strtoll(seg, &end, 10) : 0;
    /* not an id: the partner route's 404 */
    if (!sid || !end || *end || end - seg > 12 || !hsi_partner_is_admin(db, who)) return 0;
    hs_error err = {0};
    json_t *o = NULL;
    if (hsi_rd_submission(db, sid, 0, &o, &err) != HS_OK)
        rv_db_error(db, &err, r);
    else if (!o)
        hsi_api_err(r, 404, "not_found", "no submission %lld", sid);
    else
        hsi_api_json(r, 200, json_pack("{s:o}", "submission", o));
    return 1;
}
