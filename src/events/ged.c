/*
 * ged.c - UCDP GED and ACLED rows: recognise the header, validate each row, convert it to the
 * event model (docs/methods.md section 5.1). Reading bytes is reader.c's job; storing and
 * aggregating are the store's and panel.c's.
 *
 * Errors (the row cannot be used): a missing or malformed id, date, coordinate, violence type
 * or fatality count, an end date before the start date, a `year` that disagrees with the
 * start date, precision codes outside their range. Warnings (the row is kept, as docs/methods.md
 * section 5.1 asks): best outside low..high, best not the sum of the four death columns, a
 * published priogrid_gid that differs from the one computed from the coordinates.
 */
#include "events_int.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whole-string integer (optional sign, digits). 0 on success. Faster than strtol and
 * locale-free; rejects empty strings, blanks and overflow past 18 digits. */
static int parse_int(const char *s, long *out)
{
    int neg = 0;
    if (*s == '-' || *s == '+') neg = *s++ == '-';
    if (!*s) return -1;
    long v = 0;
    int nd = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || ++nd > 18) return -1;
        v = v * 10 + (*s - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

/* Whole-string finite double. Plain decimals with at most 15 significant digits and 22
 * decimals are converted exactly as strtod would (an integer below 2^53 divided by an exact
 * power of ten is correctly rounded); anything else goes to strtod. 0 on success. */
static int parse_num(const char *s, double *out)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *p = s;
    int neg = 0;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    long long m = 0;
    int nd = 0, nfrac = 0, dot = 0, ok = 1;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (++nd > 15) {
                ok = 0;
                break;
            }
            m = m * 10 + (*p - '0');
            nfrac += dot;
        } else if (*p == '.' && !dot) {
            dot = 1;
        } else {
            ok = 0;
            break;
        }
    }
    if (ok && nd > 0) {
        double v = (double)m / p10[nfrac];
        *out = neg ? -v : v;
        return 0;
    }
    return hsi_parse_double(s, out);
}

/* "YYYY-MM-DD", optionally followed by " HH:MM:SS[.fff]" (the full GED release). */
int hsi_ev_parse_date(const char *s, int *y, int *m, int *d)
{
    for (int i = 0; i < 10; i++) {
        int want_dash = i == 4 || i == 7;
        if (want_dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) return -1;
    }
    if (s[10] != '\0' && s[10] != ' ' && s[10] != 'T') return -1;
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    if (*y < 1900 || *m < 1 || *m > 12 || *d < 1) return -1;
    return *d > hsi_days_in_month(*y, *m) ? -1 : 0;
}

long hsi_priogrid_gid(double lat, double lon)
{
    long row = (long)floor((lat + 90.0) / 0.5);
    long col = (long)floor((lon + 180.0) / 0.5);
    if (row > 359) row = 359;
    if (col > 719) col = 719;
    if (row < 0) row = 0;
    if (col < 0) col = 0;
    return row * 720 + col + 1;
}

static long find(const hsi_rec *h, const char *name)
{
    for (size_t j = 0; j < h->nf; j++)
        if (!strcmp(h->f[j], name)) return (long)j;
    return -1;
}

/* A column of an event format: its header name, where its index goes, and whether the
 * format needs it. */
typedef struct ev_col {
    const char *name;
    size_t off; /* offsetof(hsi_evmap, field) */
    int need;
} ev_col;

#define EV_COL(name, field, need)                                                                  \
    {                                                                                              \
        name, offsetof(hsi_evmap, field), need                                                     \
    }

static const ev_col ged_cols[] = {
    EV_COL("id", id, 1),
    EV_COL("year", year, 1),
    EV_COL("type_of_violence", type, 1),
    EV_COL("country_id", country_id, 1),
    EV_COL("latitude", lat, 1),
    EV_COL("longitude", lon, 1),
    EV_COL("where_prec", where_prec, 1),
    EV_COL("priogrid_gid", gid, 0),
    EV_COL("date_start", date_start, 1),
    EV_COL("date_end", date_end, 1),
    EV_COL("best", best, 1),
    EV_COL("low", low, 0),
    EV_COL("high", high, 0),
    EV_COL("deaths_a", da, 0),
    EV_COL("deaths_b", db, 0),
    EV_COL("deaths_civilians", dc, 0),
    EV_COL("deaths_unknown", du, 0),
    EV_COL("date_prec", date_prec, 0),
};

static const ev_col acled_cols[] = {
    EV_COL("event_id_cnty", id, 1),
    EV_COL("event_date", date_start, 1),
    EV_COL("year", year, 0),
    EV_COL("event_type", event_type, 1),
    EV_COL("iso", iso, 1),
    EV_COL("latitude", lat, 1),
    EV_COL("longitude", lon, 1),
    EV_COL("fatalities", fatalities, 1),
    EV_COL("geo_precision", geo_precision, 0),
};

/* An event format: its columns, and how its missing columns are told. */
typedef struct ev_fmt {
    int fmt;
    const ev_col *cols;
    size_t n;
    const char *name; /* "GED header lacks the column ..." */
    const char *tail; /* after the column's name */
} ev_fmt;

static const ev_fmt ged_fmt = {HSI_FMT_GED, ged_cols, sizeof ged_cols / sizeof ged_cols[0], "GED",
                               " (docs/methods.md section 5.1 lists the 49 GED columns)"};
static const ev_fmt acled_fmt = {HSI_FMT_ACLED, acled_cols,
                                 sizeof acled_cols / sizeof acled_cols[0], "ACLED", ""};

/* The columns of format f into m: every needed one first (the first missing is named), then
 * each one's index (-1 when absent). */
static hs_status ev_map_cols(const hsi_rec *h, hsi_evmap *m, const ev_fmt *f, const char *fname,
                             hs_error *err)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->cols[i].need && find(h, f->cols[i].name) < 0)
            return hsi_err(err, HS_ERR_PARSE, fname, h->line, 1,
                           "%s header lacks the column '%s'%s", f->name, f->cols[i].name, f->tail);
    m->fmt = f->fmt;
    for (size_t i = 0; i < f->n; i++)
        *(long *)((char *)m + f->cols[i].off) = find(h, f->cols[i].name);
    return HS_OK;
}

hs_status hsi_ev_map(const hsi_rec *h, hsi_evmap *m, const char *fname, hs_error *err)
{
    memset(m, 0xff, sizeof *m); /* every column index -1 */
    m->ncol = h->nf;
    if (find(h, "type_of_violence") >= 0) return ev_map_cols(h, m, &ged_fmt, fname, err);
    if (find(h, "event_id_cnty") >= 0) return ev_map_cols(h, m, &acled_fmt, fname, err);
    return hsi_err(err, HS_ERR_PARSE, fname, h->line, 1,
                   "not an event file: the header has neither GED's 'type_of_violence' nor "
                   "ACLED's 'event_id_cnty'");
}

#define ROW_ERR(j, ...) hsi_err(err, HS_ERR_PARSE, fname, r->line, r->col[(j)], __VA_ARGS__)

/* Integer field j in [lo, hi] or a row error naming it. */
static hs_status get_int(const hsi_rec *r, long j, const char *what, long lo, long hi, long *out,
                         const char *fname, hs_error *err)
{
    const char *s = r->f[j];
    if (parse_int(s, out) != 0) return ROW_ERR(j, "%s '%s' is not a whole number", what, s);
    if (*out < lo || *out > hi) return ROW_ERR(j, "%s %ld is outside %ld..%ld", what, *out, lo, hi);
    return HS_OK;
}

/* ACLED event types onto UCDP's violence types (docs/methods.md section 5.1: a mapping, not an
 * identity). Battles and explosions/remote violence are fighting between organised armed actors;
 * ACLED does not say whether a state is a party, so they count as state-based. Violence against
 * civilians is one-sided. Riots are non-state. Protests and strategic developments are not
 * violence and are skipped. */
static int acled_type(const char *s)
{
    if (!strcmp(s, "Battles") || !strcmp(s, "Explosions/Remote violence")) return 1;
    if (!strcmp(s, "Riots")) return 2;
    if (!strcmp(s, "Violence against civilians")) return 3;
    if (!strcmp(s, "Protests") || !strcmp(s, "Strategic developments")) return 0;
    return -1;
}

/* ACLED dates: "YYYY-MM-DD" (API export) or "DD Month YYYY" (older exports). */
static int acled_date(const char *s, int *y, int *m, int *d)
{
    if (hsi_ev_parse_date(s, y, m, d) == 0) return 0;
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    char name[16];
    int dd, yy;
    char tail;
    /* NOLINTNEXTLINE(cert-err34-c): 2 and 4 digits cannot overflow; the count is checked */
    if (sscanf(s, "%2d %15s %4d%c", &dd, name, &yy, &tail) != 3) return -1;
    for (int i = 0; i < 12; i++) {
        if (!strcmp(name, months[i])) {
            char iso[40]; /* %4d/%2d read at most 4 and 2 digits, but the compiler can't see it */
            snprintf(iso, sizeof iso, "%04d-%02d-%02d", yy, i + 1, dd);
            return hsi_ev_parse_date(iso, y, m, d);
        }
    }
    return -1;
}

static hs_status parse_coords(const hsi_evmap *m, const hsi_rec *r, const char *fname,
                              hsi_event *ev, hs_error *err)
{
    if (parse_num(r->f[m->lat], &ev->lat) != 0)
        return ROW_ERR(m->lat, "latitude '%s' is not a number", r->f[m->lat]);
    if (ev->lat < -90.0 || ev->lat > 90.0)
        return ROW_ERR(m->lat, "latitude %g is outside -90..90", ev->lat);
    if (parse_num(r->f[m->lon], &ev->lon) != 0)
        return ROW_ERR(m->lon, "longitude '%s' is not a number", r->f[m->lon]);
    if (ev->lon < -180.0 || ev->lon > 180.0)
        return ROW_ERR(m->lon, "longitude %g is outside -180..180", ev->lon);
    ev->gid = hsi_priogrid_gid(ev->lat, ev->lon);
    return HS_OK;
}

static hs_status parse_acled(const hsi_evmap *m, const hsi_rec *r, const char *fname, hsi_event *ev,
                             hs_error *err)
{
    const char *id = r->f[m->id];
    if (!*id || strlen(id) >= sizeof ev->eid)
        return ROW_ERR(m->id, "event_id_cnty '%s' is empty or longer than %zu bytes", id,
                       sizeof ev->eid - 1);
    memcpy(ev->eid, id, strlen(id) + 1);
    if (acled_date(r->f[m->date_start], &ev->y0, &ev->m0, &ev->d0) != 0)
        return ROW_ERR(m->date_start,
                       "event_date '%s' is not a date (YYYY-MM-DD or "
                       "DD Month YYYY)",
                       r->f[m->date_start]);
    ev->y1 = ev->y0, ev->m1 = ev->m0, ev->d1 = ev->d0;
    ev->type = acled_type(r->f[m->event_type]);
    if (ev->type < 0)
        return ROW_ERR(m->event_type, "unknown ACLED event_type '%s'", r->f[m->event_type]);
    hs_status st = get_int(r, m->iso, "iso", 0, 999, &ev->isonum, fname, err);
    if (st == HS_OK) st = parse_coords(m, r, fname, ev, err);
    if (st == HS_OK)
        st = get_int(r, m->fatalities, "fatalities", 0, 10000000, &ev->best, fname, err);
    if (st != HS_OK) return st;
    ev->low = ev->high = ev->best;
    /* ACLED geo_precision 1 (exact), 2 (near), 3 (region): GED codes 1, 2 and 4. */
    ev->where_prec = 1;
    if (m->geo_precision >= 0 && r->f[m->geo_precision][0]) {
        long gp = 0;
        st = get_int(r, m->geo_precision, "geo_precision", 1, 3, &gp, fname, err);
        if (st != HS_OK) return st;
        ev->where_prec = gp == 3 ? 4 : (int)gp;
    }
    return HS_OK;
}

static hs_status parse_ged(const hsi_evmap *m, const hsi_rec *r, const char *fname, hsi_event *ev,
                           hs_error *err)
{
    long v = 0;
    hs_status st = get_int(r, m->id, "id", 1, 999999999999L, &v, fname, err);
    if (st != HS_OK) return st;
    /* the id's canonical digits (no sign or leading zeros), without snprintf's cost */
    char tmp[24];
    int nd = 0;
    for (long x = v; x > 0; x /= 10)
        tmp[nd++] = (char)('0' + x % 10);
    for (int i = 0; i < nd; i++)
        ev->eid[i] = tmp[nd - 1 - i];
    ev->eid[nd] = '\0';
    st = get_int(r, m->type, "type_of_violence", -1000000, 1000000, &v, fname, err);
    if (st != HS_OK) return st;
    if (v < 1 || v > 3)
        return ROW_ERR(m->type,
                       "unknown type_of_violence %ld (expected 1 state-based, "
                       "2 non-state or 3 one-sided)",
                       v);
    ev->type = (int)v;
    st = get_int(r, m->country_id, "country_id", 2, 999, &ev->country, fname, err);
    if (st != HS_OK) return st;
    if (hsi_ev_parse_date(r->f[m->date_start], &ev->y0, &ev->m0, &ev->d0) != 0)
        return ROW_ERR(m->date_start, "date_start '%s' is not a valid date (YYYY-MM-DD)",
                       r->f[m->date_start]);
    if (hsi_ev_parse_date(r->f[m->date_end], &ev->y1, &ev->m1, &ev->d1) != 0)
        return ROW_ERR(m->date_end, "date_end '%s' is not a valid date (YYYY-MM-DD)",
                       r->f[m->date_end]);
    if (ev->y1 * 10000 + ev->m1 * 100 + ev->d1 < ev->y0 * 10000 + ev->m0 * 100 + ev->d0)
        return ROW_ERR(m->date_end, "date_end %s is before date_start %.10s", r->f[m->date_end],
                       r->f[m->date_start]);
    st = get_int(r, m->year, "year", 1900, 2999, &v, fname, err);
    if (st != HS_OK) return st;
    if (v != ev->y0)
        return ROW_ERR(m->year, "year %ld disagrees with date_start %.10s", v, r->f[m->date_start]);
    st = parse_coords(m, r, fname, ev, err);
    if (st != HS_OK) return st;
    st = get_int(r, m->where_prec, "where_prec", 1, 7, &v, fname, err);
    if (st != HS_OK) return st;
    ev->where_prec = (int)v;
    if (m->date_prec >= 0 && r->f[m->date_prec][0]) {
        st = get_int(r, m->date_prec, "date_prec", 1, 5, &v, fname, err);
        if (st != HS_OK) return st;
        ev->date_prec = (int)v;
    }
    st = get_int(r, m->best, "best", 0, 10000000, &ev->best, fname, err);
    if (st != HS_OK) return st;
    ev->low = ev->high = ev->best;
    if (m->low >= 0 && m->high >= 0) {
        st = get_int(r, m->low, "low", 0, 10000000, &ev->low, fname, err);
        if (st == HS_OK) st = get_int(r, m->high, "high", 0, 10000000, &ev->high, fname, err);
        if (st != HS_OK) return st;
        if (ev->best < ev->low || ev->best > ev->high) ev->warn |= HSI_W_RANGE;
    }
    if (m->da >= 0 && m->db >= 0 && m->dc >= 0 && m->du >= 0) {
        long d[4], sum = 0;
        const long cols[4] = {m->da, m->db, m->dc, m->du};
        static const char *const names[4] = {"deaths_a", "deaths_b", "deaths_civilians",
                                             "deaths_unknown"};
        for (int i = 0; i < 4; i++) {
            st = get_int(r, cols[i], names[i], 0, 10000000, &d[i], fname, err);
            if (st != HS_OK) return st;
            sum += d[i];
        }
        if (sum != ev->best) ev->warn |= HSI_W_SUM;
    }
    if (m->gid >= 0 && r->f[m->gid][0]) {
        st = get_int(r, m->gid, "priogrid_gid", 1, 259200, &ev->pub_gid, fname, err);
        if (st != HS_OK) return st;
        if (ev->pub_gid != ev->gid) ev->warn |= HSI_W_GID;
    }
    return HS_OK;
}

hs_status hsi_ev_parse(const hsi_evmap *m, const hsi_rec *r, const char *fname, hsi_event *ev,
                       hs_error *err)
{
    memset(ev, 0, sizeof *ev);
    ev->fmt = m->fmt;
    ev->country = -1;
    ev->isonum = -1;
    if (r->nf != m->ncol)
        return hsi_err(err, HS_ERR_PARSE, fname, r->line, 1,
                       "row has %zu fields (expected %zu, as in the header)", r->nf, m->ncol);
    if (m->fmt == HSI_FMT_ACLED) return parse_acled(m, r, fname, ev, err);
    return parse_ged(m, r, fname, ev, err);
}

void hsi_ev_warn_text(const hsi_event *ev, unsigned bit, char *buf, size_t n)
{
    switch (bit) {
    case HSI_W_RANGE:
        snprintf(buf, n, "event %s: best %ld is outside low..high (%ld..%ld); kept", ev->eid,
                 ev->best, ev->low, ev->high);
        break;
    case HSI_W_SUM:
        snprintf(buf, n,
                 "event %s: best %ld is not deaths_a + deaths_b + deaths_civilians + "
                 "deaths_unknown; kept",
                 ev->eid, ev->best);
        break;
    case HSI_W_GID:
        snprintf(buf, n,
                 "event %s: priogrid_gid %ld differs from %ld computed from latitude %g, "
                 "longitude %g; the computed cell is used",
                 ev->eid, ev->pub_gid, ev->gid, ev->lat, ev->lon);
        break;
    default:
        snprintf(buf, n, "event %s: country code %ld not in the crosswalks; ISO3 left empty",
                 ev->eid, ev->country >= 0 ? ev->country : ev->isonum);
        break;
    }
}

/* ---- duplicate event ids ---------------------------------------------------------------- */

/* One id of a table: key 0 marks an empty slot. */
typedef struct idslot {
    uint64_t key, h; /* the id (see id_key) and a hash of the row's values */
    uint32_t line;   /* where it was first given: line and 1-based file number */
    uint32_t file;
} idslot;

struct hsi_idset {
    hs_ctx *ctx;
    int table, keep, restart; /* keep: a list keeps its ids (not HSI_IDS_SORTED) */
    /* list: the ids, the last and whether all increased; the piece's range and order */
    uint64_t *ids;
    size_t nids, idcap;
    uint64_t last;
    int have, increasing;
    uint64_t plo, phi;
    int pany, pinc;
    /* table */
    idslot *t;
    size_t cap, n;
    const uint64_t *only; /* sorted; NULL: every id */
    size_t nonly;
    char **files; /* names of the files, for messages */
    size_t nfiles;
};

hs_status hsi_idset_new(hs_ctx *ctx, int kind, hsi_idset **out, hs_error *err)
{
    hsi_idset *s = hsi_calloc(ctx, 1, sizeof *s);
    if (!s) return hsi_err_nomem(err);
    s->ctx = ctx;
    s->table = kind == HSI_IDS_TABLE;
    s->keep = kind == HSI_IDS_LIST;
    s->increasing = 1;
    s->pinc = 1;
    *out = s;
    return HS_OK;
}

void hsi_idset_free(hsi_idset *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nfiles; i++)
        hsi_free(s->ctx, s->files[i]);
    hsi_free_all(s->ctx, s->files, s->t, s->ids, s);
}

void hsi_idset_piece(hsi_idset *s)
{
    s->pany = 0;
    s->pinc = 1;
}

int hsi_idset_piece_range(const hsi_idset *s, uint64_t *lo, uint64_t *hi, int *increasing)
{
    *lo = s->plo;
    *hi = s->phi;
    *increasing = s->pinc;
    return s->pany ? 0 : -1;
}

int hsi_idset_last(const hsi_idset *s, uint64_t *last, int *increasing)
{
    *last = s->last;
    *increasing = s->increasing;
    return s->have ? 0 : -1;
}

static int idset_room(hsi_idset *s, size_t more)
{
    if (s->nids + more <= s->idcap) return 0;
    size_t nc = s->idcap ? s->idcap : 4096;
    while (nc < s->nids + more)
        nc *= 2;
    uint64_t *p = hsi_realloc(s->ctx, s->ids, nc * sizeof *p);
    if (!p) return -1;
    s->ids = p;
    s->idcap = nc;
    return 0;
}

int hsi_idset_kind(const hsi_idset *s)
{
    return s->table ? HSI_IDS_TABLE : s->keep ? HSI_IDS_LIST : HSI_IDS_SORTED;
}

int hsi_idset_restart(const hsi_idset *s)
{
    return s->restart;
}

hs_status hsi_idset_take(hsi_idset *dst, const hsi_idset *src, uint64_t last, int increasing,
                         hs_error *err)
{
    if (!dst->keep && (!increasing || src->restart)) dst->restart = 1;
    if (idset_room(dst, src->nids) != 0) return hsi_err_nomem(err);
    if (src->nids) memcpy(dst->ids + dst->nids, src->ids, src->nids * sizeof *src->ids);
    dst->nids += src->nids;
    dst->increasing = dst->increasing && increasing;
    dst->last = last;
    dst->have = 1;
    return HS_OK;
}

/* LSD radix sort of n keys, 16 bits a pass; the sorted keys are in a or t (returned). */
static uint64_t *ids_radix(uint64_t *a, uint64_t *t, size_t n, size_t *cnt)
{
    for (int shift = 0; shift < 64; shift += 16) {
        memset(cnt, 0, 65536 * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(a[i] >> shift) & 0xffff]++;
        if (cnt[(a[0] >> shift) & 0xffff] == n) continue; /* one digit value: nothing moves */
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            t[cnt[(a[i] >> shift) & 0xffff]++] = a[i];
        uint64_t *x = a;
        a = t;
        t = x;
    }
    return a;
}

hs_status hsi_idset_dups(hsi_idset *s, size_t *n, hs_error *err)
{
    *n = 0;
    if (s->nids < 2) return HS_OK;
    if (!s->increasing) { /* increasing ids cannot repeat: no sort */
        uint64_t *t = hsi_malloc(s->ctx, s->nids * sizeof *t);
        size_t *cnt = hsi_malloc(s->ctx, 65536 * sizeof *cnt);
        if (!t || !cnt) {
            hsi_free(s->ctx, t);
            hsi_free(s->ctx, cnt);
            return hsi_err_nomem(err);
        }
        uint64_t *a = ids_radix(s->ids, t, s->nids, cnt);
        hsi_free(s->ctx, cnt);
        hsi_free(s->ctx, a == t ? s->ids : t);
        s->ids = a;
        size_t k = 0;
        for (size_t i = 1; i < s->nids; i++)
            if (a[i] == a[i - 1] && (k == 0 || a[k - 1] != a[i])) a[k++] = a[i];
        *n = k;
    }
    s->nids = *n;
    return HS_OK;
}

void hsi_idset_only(hsi_idset *table, const hsi_idset *dups)
{
    table->only = dups->ids;
    table->nonly = dups->nids;
}

/* The key of an id: a GED id (digits, below 10^12) plus one, so that ids keep their order;
 * any other text (ACLED's event_id_cnty) hashed, with the top bit set. Two different texts
 * with the same hash would read as one id: about one chance in 10^7 among a million ids. */
static uint64_t id_key(const char *eid, int *numeric)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; eid[i] >= '0' && eid[i] <= '9' && i < 18; i++)
        v = v * 10 + (uint64_t)(eid[i] - '0');
    *numeric = i > 0 && eid[i] == '\0';
    if (*numeric) return v + 1;
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)eid; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h | (1ull << 63);
}

/* A hash of every value a row gives the model: equal for an exact repeat of the row. */
static uint64_t ev_hash(const hsi_event *ev)
{
    const long v[] = {ev->fmt, ev->type,    ev->country, ev->isonum, ev->y0,         ev->m0,
                      ev->d0,  ev->y1,      ev->m1,      ev->d1,     ev->where_prec, ev->date_prec,
                      ev->gid, ev->pub_gid, ev->best,    ev->low,    ev->high};
    uint64_t h = 0x9e3779b97f4a7c15ull, bits;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        h = hsi_mix64(h ^ (uint64_t)v[i]);
    memcpy(&bits, &ev->lat, 8);
    h = hsi_mix64(h ^ bits);
    memcpy(&bits, &ev->lon, 8);
    return hsi_mix64(h ^ bits);
}

static int idset_grow(hsi_idset *s)
{
    size_t nc = s->cap ? s->cap * 2 : 4096;
    idslot *t = hsi_calloc(s->ctx, nc, sizeof *t);
    if (!t) return -1;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->t[i].key) continue;
        size_t j = (size_t)hsi_mix64(s->t[i].key) & (nc - 1);
        while (t[j].key)
            j = (j + 1) & (nc - 1);
        t[j] = s->t[i];
    }
    hsi_free(s->ctx, s->t);
    s->t = t;
    s->cap = nc;
    return 0;
}

/* The number (1-based) of a file's name in s, added when new. 0 when out of memory. */
static uint32_t idset_file(hsi_idset *s, const char *name)
{
    char **nf = hsi_realloc(s->ctx, s->files, (s->nfiles + 1) * sizeof *nf);
    if (!nf) return 0;
    s->files = nf;
    if (!(nf[s->nfiles] = hsi_strdup(s->ctx, name))) return 0;
    return (uint32_t)++s->nfiles;
}

enum { ID_NEW = 0, ID_REPEAT = 1, ID_CONFLICT = 2, ID_NOMEM = 3 };

/* Whether key is in the sorted array a[0, n). */
static int ids_has(const uint64_t *a, size_t n, uint64_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && a[lo] == key;
}

/* Add ev's id, given on line of file: ID_NEW, or (a table) ID_REPEAT / ID_CONFLICT with *prev
 * the slot of its first time. */
static int idset_add(hsi_idset *s, const hsi_event *ev, uint32_t file, long line,
                     const idslot **prev)
{
    int numeric;
    uint64_t key = id_key(ev->eid, &numeric);
    if (!s->table) {
        if (!s->keep && (!numeric || (s->have && key <= s->last))) {
            s->restart = 1;
            return ID_NEW;
        }
        if (s->keep) {
            if (s->nids == s->idcap && idset_room(s, 1) != 0) return ID_NOMEM;
            s->ids[s->nids++] = key;
        }
        if (!numeric || (s->have && key <= s->last)) s->increasing = 0;
        if (!numeric || (s->pany && key <= s->phi)) s->pinc = 0;
        s->last = key;
        s->have = 1;
        if (numeric) {
            if (!s->pany) s->plo = key;
            s->phi = key;
            s->pany = 1;
        }
        return ID_NEW;
    }
    if (s->only && !ids_has(s->only, s->nonly, key)) return ID_NEW;
    if (4 * (s->n + 1) > 3 * s->cap && idset_grow(s) != 0) return ID_NOMEM;
    uint64_t h = ev_hash(ev);
    size_t j = (size_t)hsi_mix64(key) & (s->cap - 1);
    for (; s->t[j].key; j = (j + 1) & (s->cap - 1)) {
        if (s->t[j].key != key) continue;
        *prev = &s->t[j];
        return s->t[j].h == h ? ID_REPEAT : ID_CONFLICT;
    }
    idslot *n = &s->t[j];
    n->key = key;
    n->h = h;
    n->line = line > 0 && line < (long)UINT32_MAX ? (uint32_t)line : 0;
    n->file = file;
    s->n++;
    return ID_NEW;
}

/* ---- files of events ------------------------------------------------------------------- */

/* Print at most this many warnings of each kind per file, then only the totals. */
#define EV_WARN_SHOWN 5

/* Tell the reader which columns the map uses, so it skips unescaping the rest. */
static hs_status evfile_want(hsi_evfile *f, hs_error *err)
{
    const hsi_evmap *m = &f->map;
    const long cols[] = {m->id,         m->year,         m->type,      m->country_id, m->lat,
                         m->lon,        m->where_prec,   m->gid,       m->date_start, m->date_end,
                         m->best,       m->low,          m->high,      m->da,         m->db,
                         m->dc,         m->du,           m->date_prec, m->event_type, m->iso,
                         m->fatalities, m->geo_precision};
    unsigned char w[1024];
    size_t n = m->ncol < sizeof w ? m->ncol : sizeof w;
    memset(w, 0, sizeof w);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (cols[i] >= 0 && (size_t)cols[i] < n) w[cols[i]] = 1;
    if (m->ncol > sizeof w) return HS_OK; /* a header this wide: unescape everything */
    return hsi_rdr_set_wanted(f->rdr, w, n, err);
}

static hs_status evfile_start(hsi_evfile *f, hs_error *err)
{
    hsi_rec h;
    int eof = 0;
    hs_status st = hsi_rdr_next(f->rdr, &h, &eof, err);
    if (st != HS_OK) return st;
    if (eof)
        return hsi_err(err, HS_ERR_PARSE, hsi_rdr_name(f->rdr), 1, 1,
                       "empty file (expected a header row)");
    st = hsi_ev_map(&h, &f->map, hsi_rdr_name(f->rdr), err);
    if (st == HS_OK) st = evfile_want(f, err);
    return st;
}

hs_status hsi_evfile_open(hs_ctx *ctx, const char *path, const hs_geo *geo, hsi_evfile *f,
                          hs_error *err)
{
    memset(f, 0, sizeof *f);
    f->ctx = ctx;
    f->geo = geo;
    hs_status st = hsi_rdr_open(ctx, path, &f->rdr, err);
    if (st == HS_OK) st = evfile_start(f, err);
    if (st != HS_OK) hsi_evfile_close(f);
    return st;
}

hs_status hsi_evfile_open_range(hs_ctx *ctx, const char *path, const hs_geo *geo,
                                const hsi_evmap *map, uint64_t off, uint64_t len, hsi_evfile *f,
                                hs_error *err)
{
    memset(f, 0, sizeof *f);
    f->ctx = ctx;
    f->geo = geo;
    hs_status st = hsi_rdr_open_range(ctx, path, off, len, &f->rdr, err);
    if (st == HS_OK && map) {
        f->map = *map;
        st = evfile_want(f, err);
    } else if (st == HS_OK)
        st = evfile_start(f, err);
    if (st != HS_OK) hsi_evfile_close(f);
    return st;
}

hs_status hsi_evfile_open_mem(hs_ctx *ctx, const char *data, size_t len, const char *fname,
                              const hs_geo *geo, hsi_evfile *f, hs_error *err)
{
    memset(f, 0, sizeof *f);
    f->ctx = ctx;
    f->geo = geo;
    hs_status st = hsi_rdr_open_mem(ctx, data, len, fname, &f->rdr, err);
    if (st == HS_OK) st = evfile_start(f, err);
    if (st != HS_OK) hsi_evfile_close(f);
    return st;
}

/* A progress line when one is due (looked at every 65536 rows, so the clock costs nothing). */
static void evfile_progress(hsi_evfile *f)
{
    double every = f->progress_secs != 0 ? f->progress_secs : HSI_PROGRESS_SECS, now = hsi_now();
    if (every < 0) return;
    if (f->next_report == 0) f->next_report = now + every; /* the first after a full interval */
    if (now < f->next_report) return;
    f->next_report = now + every;
    uint64_t done, total;
    if (hsi_rdr_position(f->rdr, &done, &total) == 0)
        hsi_log(f->ctx, 0, "%s: %zu rows read, %.0f %% of the file", hsi_rdr_name(f->rdr), f->rows,
                100.0 * (double)done / (double)total);
    else
        hsi_log(f->ctx, 0, "%s: %zu rows read", hsi_rdr_name(f->rdr), f->rows);
}

/* Count (and log the first few of) the warnings of a valid row. */
static hs_status evfile_warn(hsi_evfile *f, const hsi_event *ev, const hsi_rec *r)
{
    if (!ev->warn) return HS_OK;
    for (unsigned b = 0; b < HSI_W_NWARN; b++) {
        if (!(ev->warn & (1u << b))) continue;
        f->nwarn[b]++;
        if (f->nshown[b] < EV_WARN_SHOWN && !f->silent && f->ctx && f->ctx->log) {
            if (++f->nshown[b] <= f->nmute[b]) continue;
            char msg[512];
            hsi_ev_warn_text(ev, 1u << b, msg, sizeof msg);
            hsi_log(f->ctx, 1, "%s:%ld: %s", hsi_rdr_name(f->rdr), r->line, msg);
        }
    }
    return HS_OK;
}

void hsi_evfile_use_ids(hsi_evfile *f, hsi_idset *set)
{
    if (f->own_ids) hsi_idset_free(f->ids);
    f->ids = set;
    f->own_ids = 0;
    f->fileno = 0;
}

/* Check ev's id against the earlier rows: *skip for an exact repeat (warned about), an error
 * for the same id with other values (a table; a list only collects it). */
static hs_status evfile_ids(hsi_evfile *f, const hsi_event *ev, const hsi_rec *r, int *skip,
                            hs_error *err)
{
    const char *fn = hsi_rdr_name(f->rdr);
    *skip = 0;
    if (!f->ids) {
        hs_status st = hsi_idset_new(f->ctx, HSI_IDS_TABLE, &f->ids, err);
        if (st != HS_OK) return st;
        f->own_ids = 1;
    }
    if (!f->fileno && f->ids->table) {
        f->fileno = (int)idset_file(f->ids, fn);
        if (!f->fileno) return hsi_err_nomem(err);
    }
    const idslot *prev = NULL;
    int res = idset_add(f->ids, ev, (uint32_t)f->fileno, r->line, &prev);
    if (f->ids->restart) *skip = 1; /* and hsi_evfile_next reports the end */
    if (res == ID_NEW) return HS_OK;
    if (res == ID_NOMEM) return hsi_err_nomem(err);
    /* where the id was first: "line L" in this file, "FILE:L" in another */
    char at[600];
    const char *pf = prev->file ? f->ids->files[prev->file - 1] : fn;
    if (prev->file == (uint32_t)f->fileno)
        snprintf(at, sizeof at, "line %lu", (unsigned long)prev->line);
    else
        snprintf(at, sizeof at, "%s:%lu", pf, (unsigned long)prev->line);
    if (res == ID_CONFLICT)
        return hsi_err(err, HS_ERR_PARSE, fn, r->line, r->col[f->map.id],
                       "event id '%s' was already given on %s with other values (two events "
                       "cannot share an id)",
                       ev->eid, at);
    *skip = 1;
    f->ndup++;
    if (f->ndup_shown < EV_WARN_SHOWN && !f->silent && f->ctx && f->ctx->log) {
        f->ndup_shown++;
        hsi_log(f->ctx, 1, "%s:%ld: event %s repeats %s exactly; counted once", fn, r->line,
                ev->eid, at);
    }
    return HS_OK;
}

hs_status hsi_evfile_next(hsi_evfile *f, hsi_event *ev, int *eof, hs_error *err)
{
    for (;;) {
        if (f->ids && f->ids->restart) {
            *eof = 1;
            return HS_OK;
        }
        hsi_rec r;
        hs_status st = hsi_rdr_next(f->rdr, &r, eof, err);
        if (st != HS_OK || *eof) return st;
        if ((++f->rows & 0xffff) == 0 && !f->silent && f->ctx && f->ctx->log) evfile_progress(f);
        st = hsi_ev_parse(&f->map, &r, hsi_rdr_name(f->rdr), ev, err);
        if (st != HS_OK) return st;
        if (f->geo) {
            if (ev->fmt == HSI_FMT_ACLED) {
                ev->country = hsi_geo_isonum_gw(f->geo, ev->isonum);
                memcpy(ev->iso3, hsi_geo_isonum_iso3(f->geo, ev->isonum), 4);
            } else {
                memcpy(ev->iso3, hsi_geo_gw_iso3(f->geo, ev->country), 4);
            }
            if (!ev->iso3[0]) ev->warn |= HSI_W_COUNTRY;
        }
        int skip = 0;
        st = evfile_ids(f, ev, &r, &skip, err);
        if (st != HS_OK) return st;
        if (!skip) return evfile_warn(f, ev, &r);
    }
}

void hsi_evfile_summary(const hsi_evfile *f)
{
    if (f->mute_summary) return;
    if (f->ndup > f->ndup_shown)
        hsi_log(f->ctx, 1,
                "%s: %zu rows repeat an earlier event exactly (counted once; first %zu "
                "shown)",
                hsi_rdr_name(f->rdr), f->ndup, f->ndup_shown);
    static const char *const what[HSI_W_NWARN] = {
        "best outside low..high", "best not the sum of the death columns",
        "published priogrid_gid differs from the computed one", "country code not mapped"};
    for (int b = 0; b < HSI_W_NWARN; b++) {
        if (f->nwarn[b] == f->nshown[b]) continue;
        if (f->nshown[b])
            hsi_log(f->ctx, 1, "%s: %zu rows with %s (first %zu shown)", hsi_rdr_name(f->rdr),
                    f->nwarn[b], what[b], f->nshown[b]);
        else
            hsi_log(f->ctx, 1, "%s: %zu rows with %s", hsi_rdr_name(f->rdr), f->nwarn[b], what[b]);
    }
}

hs_status hsi_evfile_move_range(hsi_evfile *f, uint64_t off, uint64_t len, hs_error *err)
{
    f->silent = 1; /* line numbers no longer count from the file's start */
    return hsi_rdr_move_range(f->rdr, off, len, err);
}

void hsi_evfile_close(hsi_evfile *f)
{
    hsi_rdr_close(f->rdr);
    f->rdr = NULL;
    if (f->own_ids) hsi_idset_free(f->ids);
    f->ids = NULL;
    f->own_ids = 0;
}
