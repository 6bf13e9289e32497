/*
 * api_runs.c - the run routes of the JSON API: GET /api/v1/health, /runs and /runs/{id}, and
 * POST /runs. Runs: one at a time. A POST /runs while one is claimed or under way is
 * answered 202 with that run (coalesced); a partner starts at most one run per
 * `run_interval` seconds (429). A finished run empties the response cache (during the run
 * the cache keeps serving the previous one: the run writes its results in one transaction).
 */
#include "api_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void hsi_api_get_health(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    (void)c;
    long run = hs_store_latest_run(a->db);
    hsi_api_json(r, 200,
                 json_pack("{s:s, s:s, s:i, s:o}", "status", "ok", "version", HS_VERSION,
                           "schema_version", hs_store_version(a->db), "latest_run",
                           run ? json_integer(run) : json_null()));
}

static json_t *api_run_obj(hs_api *a, long long id)
{
    hs_error err = {0};
    json_t *o = NULL;
    hsi_api_failed(a, hsi_rd_run(a->db, id, &o, &err), &err);
    return o;
}

void hsi_api_get_runs(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    (void)c;
    json_t *arr = json_array();
    long long ids[100];
    size_t n = 0;
    hs_error err = {0};
    if (hsi_api_failed(a, hsi_rd_run_ids(a->db, ids, 100, &n, &err), &err)) n = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *o = api_run_obj(a, ids[i]);
        if (o) json_array_append_new(arr, o);
    }
    hsi_api_json(r, 200, json_pack("{s:o}", "runs", arr));
}

void hsi_api_get_run(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    const char *seg = c->seg;
    long long id = hsi_api_path_id(seg);
    json_t *o = id ? api_run_obj(a, id) : NULL;
    if (!o) {
        hsi_api_err(r, 404, "not_found", "no run '%.64s' (GET /api/v1/runs lists them)", seg);
        return;
    }
    hsi_api_json(r, 200, json_pack("{s:o}", "run", o));
}

/* A run recorded by another process (humsec run --db on the same file) empties the cache
 * too: at most once a second, one thread looks at the latest finished run, without waiting
 * for the store if it is busy. */
void hsi_api_check_runs(hs_api *a)
{
    long long now = (long long)time(NULL);
    long long last = atomic_load_explicit(&a->checked, memory_order_relaxed);
    if (now == last || !atomic_compare_exchange_strong_explicit(
                           &a->checked, &last, now, memory_order_relaxed, memory_order_relaxed))
        return;
    if (pthread_mutex_trylock(&a->db_mu) != 0) return;
    long run = hs_store_latest_run(a->db);
    pthread_mutex_unlock(&a->db_mu);
    if (run != atomic_exchange(&a->seen_run, run)) hsi_api_cache_invalidate(&a->cache);
}

/* Under run_mu: seconds partner must still wait before it may start a run (0: it may). */
static long api_rate_wait(const hs_api *a, long partner, long long now)
{
    for (size_t i = 0; i < HSI_API_RATE_SLOTS; i++)
        if (a->rate[i].partner == partner && now - a->rate[i].at < a->o.run_interval)
            return (long)(a->o.run_interval - (now - a->rate[i].at));
    return 0;
}

/* Under run_mu: note that partner starts a run now. */
static void api_rate_note(hs_api *a, long partner, long long now)
{
    size_t slot = 0;
    for (size_t i = 0; i < HSI_API_RATE_SLOTS; i++) {
        if (a->rate[i].partner == partner) {
            slot = i;
            break;
        }
        if (a->rate[i].at < a->rate[slot].at) slot = i; /* the oldest, or a free one */
    }
    a->rate[slot].partner = partner;
    a->rate[slot].at = now;
}

/* 202: the run under way (or about to be) answers this request too. Under run_mu; waits a
 * moment for the claimed run to be recorded, so that the answer can name it. */
static void api_run_coalesced(hs_api *a, hs_http_response *r)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2;
    while (a->run_active && !a->run_id)
        if (pthread_cond_timedwait(&a->run_cv, &a->run_mu, &until) != 0) break;
    long id = a->run_id;
    hsi_api_json(r, 202,
                 json_pack("{s:{s:o, s:s, s:s}, s:b, s:s}", "run", "id",
                           id ? json_integer(id) : json_null(), "index", "hsi", "status", "running",
                           "coalesced", 1, "message",
                           "a run is under way: this request is answered by it (GET "
                           "/api/v1/runs/ID shows when it is done)"));
    r->cache_control = "no-store";
}

static void api_run_limited(hs_http_response *r, long wait)
{
    hsi_api_err(r, 429, "too_many_requests",
                "a partner starts at most one run per interval: try again in %ld s", wait);
    r->retry_after = (int)wait;
}

/* The refresh's first step is reported once the run is recorded: its id is noted for the
 * requests coalesced into it. */
static void api_run_progress(void *ud, int level, const char *msg)
{
    (void)level;
    (void)msg;
    hs_api *a = ud;
    pthread_mutex_lock(&a->run_mu);
    int known = a->run_id != 0;
    pthread_mutex_unlock(&a->run_mu);
    if (known) return;
    long id = 0;
    hs_error err = {0};
    if (hsi_rd_running_run(a->db, &id, &err) != HS_OK) id = 0; /* the 202 then names no run */
    pthread_mutex_lock(&a->run_mu);
    a->run_id = id;
    pthread_cond_broadcast(&a->run_cv);
    pthread_mutex_unlock(&a->run_mu);
}

void hsi_api_run_claim(hs_api *a, long partner, hs_http_response *r, long *claimed)
{
    long long now = (long long)time(NULL);
    pthread_mutex_lock(&a->run_mu);
    if (a->run_active) {
        api_run_coalesced(a, r);
    } else {
        long wait = api_rate_wait(a, partner, now);
        if (wait) {
            api_run_limited(r, wait);
        } else {
            api_rate_note(a, partner, now);
            a->run_active = 1;
            a->run_started = 0;
            a->run_claimer = partner;
            a->run_id = 0;
            *claimed = partner;
        }
    }
    pthread_mutex_unlock(&a->run_mu);
}

int hsi_api_run_release(hs_api *a, long partner)
{
    int released = 0;
    pthread_mutex_lock(&a->run_mu);
    if (a->run_active && !a->run_started && a->run_claimer == partner) {
        a->run_active = 0;
        a->run_claimer = 0;
        released = 1;
        pthread_cond_broadcast(&a->run_cv);
    }
    pthread_mutex_unlock(&a->run_mu);
    return released;
}

void hsi_api_post_run(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    const hsi_api_who *who = c->who;
    /* the request that claimed the run at its headers (hsi_api_precheck) starts it; any
     * other, while a run is claimed or under way, is coalesced into it */
    long long now = (long long)time(NULL);
    pthread_mutex_lock(&a->run_mu);
    if (a->run_active && (a->run_started || a->run_claimer != who->id)) {
        api_run_coalesced(a, r);
        pthread_mutex_unlock(&a->run_mu);
        return;
    }
    if (!a->run_active) { /* not claimed at the headers: called without the HTTP adapter */
        long wait = api_rate_wait(a, who->id, now);
        if (wait) {
            pthread_mutex_unlock(&a->run_mu);
            api_run_limited(r, wait);
            return;
        }
        api_rate_note(a, who->id, now);
        a->run_active = 1;
        a->run_claimer = who->id;
    }
    a->run_started = 1;
    a->run_id = 0;
    pthread_mutex_unlock(&a->run_mu);
    hs_refresh_opts ro;
    hs_refresh_opts_init(&ro);
    ro.root = a->o.root;
    ro.ua_runs = a->o.ua_runs;
    ro.actor = who->name;
    ro.partner = who->id;
    ro.progress = api_run_progress;
    ro.progress_ud = a;
    hs_refresh_info info;
    hs_error err = {0};
    hs_status st = hs_store_refresh(a->ctx, a->db, &ro, &info, &err);
    /* the new results replace the cached ones at once, not before: until here the cache
     * served the previous run */
    atomic_store(&a->seen_run, hs_store_latest_run(a->db));
    hsi_api_cache_invalidate(&a->cache);
    pthread_mutex_lock(&a->run_mu);
    a->run_active = a->run_started = 0;
    a->run_claimer = 0;
    a->run_id = 0;
    pthread_cond_broadcast(&a->run_cv);
    pthread_mutex_unlock(&a->run_mu);
    json_t *o = info.run ? api_run_obj(a, info.run) : NULL;
    if (st) {
        char msg[1600];
        hs_error_format(&err, msg, sizeof msg);
        hsi_api_error_x(r, 500, "internal", o ? json_pack("{s:o}", "run", o) : NULL,
                        "the run failed: %s", msg);
        return;
    }
    if (!o) {
        hsi_api_err(r, 500, "internal", "the run finished but cannot be read back");
        return;
    }
    hsi_api_json(r, 201, json_pack("{s:o}", "run", o));
}
