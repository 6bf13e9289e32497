/*
 * events_int.h - what the events module shares internally: a streaming CSV record reader
 * (plain or gzip files, or memory), the GED/ACLED row model with its validation, the country
 * crosswalk, the sparse panel accumulator and the alert/metric kernels.
 *
 * The reader keeps one record in memory at a time (plus a read buffer), so files of any size
 * are read in bounded memory; it reports positions the same way as core/csv.c.
 */
#ifndef HS_EVENTS_INT_H
#define HS_EVENTS_INT_H

#include <stdint.h>

#include "core/core_int.h"

/* ---- streaming CSV records ------------------------------------------------------------ */

typedef struct hsi_rdr hsi_rdr;

/* One record: nf fields, NUL-terminated and unescaped in place; valid until the next call. */
typedef struct hsi_rec {
    size_t nf;
    char **f;  /* nf field texts */
    long *col; /* nf 1-based byte columns where each field starts */
    long line; /* 1-based line where the record starts */
} hsi_rec;

/* Open a file (gzip detected from its first two bytes). fname is used in messages. */
HS_INTERNAL hs_status hsi_rdr_open(hs_ctx *ctx, const char *path, hsi_rdr **out, hs_error *err);
/* Read bytes [off, off + len) of a plain (not gzip) file; off > 0 must be the start of a
 * record. Lines are then counted from that point. */
HS_INTERNAL hs_status hsi_rdr_open_range(hs_ctx *ctx, const char *path, uint64_t off, uint64_t len,
                                         hsi_rdr **out, hs_error *err);
/* Go on with bytes [off, off + len), off > 0 the start of a record, of the plain file r
 * reads: what was not read of the previous range is dropped and the buffer is kept, so the
 * pieces of a large file cost no new buffer each. Lines are counted from 1 again. */
HS_INTERNAL hs_status hsi_rdr_move_range(hsi_rdr *r, uint64_t off, uint64_t len, hs_error *err);
/* Read from memory (borrowed; must outlive the reader). */
HS_INTERNAL hs_status hsi_rdr_open_mem(hs_ctx *ctx, const char *data, size_t len, const char *fname,
                                       hsi_rdr **out, hs_error *err);
/* Next record into *rec. *eof = 1 (and HS_OK) at the end. Blank lines are skipped. */
HS_INTERNAL hs_status hsi_rdr_next(hsi_rdr *r, hsi_rec *rec, int *eof, hs_error *err);
/* Only fields with wanted[k] != 0 (k < n) are unescaped and NUL-terminated from now on; the
 * others read as "". Unescaping long text nobody reads was half the reader's time. */
HS_INTERNAL hs_status hsi_rdr_set_wanted(hsi_rdr *r, const unsigned char *wanted, size_t n,
                                         hs_error *err);
HS_INTERNAL const char *hsi_rdr_name(const hsi_rdr *r);
/* How far the reader is into its source: bytes read of the file (gzip: compressed bytes) and
 * its size. -1 (and 0, 0) when unknown: a pipe, or a range of a file. */
HS_INTERNAL int hsi_rdr_position(const hsi_rdr *r, uint64_t *done, uint64_t *total);
/* FNV-1a 64 of every (decompressed) byte read so far: identifies a file's content. */
HS_INTERNAL uint64_t hsi_rdr_hash(const hsi_rdr *r);
/* Stop hashing (hsi_rdr_hash is then meaningless): for readers whose file is not stored, as
 * the hash was a sixth of the reader's time. */
HS_INTERNAL void hsi_rdr_no_hash(hsi_rdr *r);
/* The scanners that split records: byte by byte (it also gives every message), and 64 bytes
 * at a time with SSE2 or AVX-512BW. A reader starts with the best the CPU has; tests compare
 * them. Returns -1 (and changes nothing) when this build or CPU lacks isa. */
enum { HSI_SCAN_BYTES = 0, HSI_SCAN_SSE2 = 1, HSI_SCAN_AVX512 = 2 };
HS_INTERNAL int hsi_rdr_set_scanner(hsi_rdr *r, int isa);
HS_INTERNAL void hsi_rdr_close(hsi_rdr *r);

/* ---- events ---------------------------------------------------------------------------- */

enum { HSI_FMT_GED = 1, HSI_FMT_ACLED = 2 };

/* Warnings a valid row may carry (bit flags; see hsi_ev_warn_text). */
enum {
    HSI_W_RANGE = 1u << 0,   /* best outside low..high */
    HSI_W_SUM = 1u << 1,     /* best != deaths_a + deaths_b + deaths_civilians + deaths_unknown */
    HSI_W_GID = 1u << 2,     /* published priogrid_gid differs from the one computed */
    HSI_W_COUNTRY = 1u << 3, /* country code not in the crosswalks */
    HSI_W_NWARN = 4
};

typedef struct hsi_event {
    int fmt;      /* HSI_FMT_GED or HSI_FMT_ACLED */
    char eid[40]; /* event id as text (GED: digits; ACLED: event_id_cnty) */
    int type;     /* 1 state-based, 2 non-state, 3 one-sided; 0 = not violence (ACLED) */
    long country; /* Gleditsch-Ward number; -1 unknown */
    long isonum;  /* ACLED numeric ISO 3166 code; -1 absent */
    int y0, m0, d0, y1, m1, d1; /* date_start, date_end */
    double lat, lon;
    int where_prec; /* 1..7 */
    int date_prec;  /* 1..5, 0 absent */
    long gid;       /* computed from lat/lon (docs/methods.md section 5.2) */
    long pub_gid;   /* published priogrid_gid, 0 absent */
    long best, low, high;
    char iso3[4];  /* from the crosswalks; "" unknown or no crosswalk given */
    unsigned warn; /* HSI_W_* */
} hsi_event;

/* Column positions of the fields the model uses (-1 = absent). */
typedef struct hsi_evmap {
    int fmt;
    size_t ncol;
    long id, year, type, country_id, lat, lon, where_prec, gid, date_start, date_end, best, low,
        high, da, db, dc, du, date_prec;
    long event_type, iso, fatalities, geo_precision; /* ACLED */
} hsi_evmap;

/* Recognise the header (GED 34/49 columns or ACLED export) and map its columns. */
HS_INTERNAL hs_status hsi_ev_map(const hsi_rec *hdr, hsi_evmap *m, const char *fname,
                                 hs_error *err);
/* Validate and convert one record. Errors name the file, line and column. */
HS_INTERNAL hs_status hsi_ev_parse(const hsi_evmap *m, const hsi_rec *r, const char *fname,
                                   hsi_event *ev, hs_error *err);
/* The text of warning bit `bit` for ev (into buf). */
HS_INTERNAL void hsi_ev_warn_text(const hsi_event *ev, unsigned bit, char *buf, size_t n);

/* ViEWS month_id = (year - 1980) * 12 + month (docs/methods.md section 5.2). */
static inline int hsi_month_id(int year, int month)
{
    return (year - 1980) * 12 + month;
}
/* "YYYY-MM-DD", optionally followed by " HH:MM:SS[.fff]", a valid Gregorian date from 1900;
 * 0 on success. */
HS_INTERNAL int hsi_ev_parse_date(const char *s, int *y, int *m, int *d);

/* Days in month m (1..12) of year y, Gregorian. */
static inline int hsi_days_in_month(int y, int m)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mdays[m - 1] + (m == 2 && leap);
}
/* Year and month of a month_id (the inverse of hsi_month_id, also before 1980). */
static inline void hsi_month_ym(int month_id, int *year, int *month)
{
    int mm = month_id - 1;
    int q = mm >= 0 ? mm / 12 : -((-mm + 11) / 12);
    *year = 1980 + q;
    *month = mm - 12 * q + 1;
}
/* PRIO-GRID gid of a point (docs/methods.md section 5.2); lat in [-90, 90], lon in [-180, 180]. */
HS_INTERNAL long hsi_priogrid_gid(double lat, double lon);

/* ---- duplicate event ids ---------------------------------------------------------------- */

/*
 * The event ids seen so far, over one file or all the files of a panel. Two rows with the same
 * id are one event given twice when every value humsec reads is equal (counted once, with a
 * warning naming both lines), and an error naming both lines otherwise. Two kinds of set:
 * - a table (HSI_IDS_TABLE) of ids with a hash of their row's values and where they were (24
 *   bytes a slot), checked as each row comes: ingest, submissions; and a panel's second read,
 *   restricted to the ids hsi_idset_dups found repeated (hsi_idset_only);
 * - a list (HSI_IDS_LIST), for panels: only the ids (8 bytes each, appended, so threads keep
 *   their own and the lists are joined), and whether they came in increasing order - then no
 *   id can repeat and nothing is sorted; otherwise hsi_idset_dups sorts them. Only a panel
 *   whose files repeat an id is read a second time;
 * - sorted (HSI_IDS_SORTED), a panel's first read: nothing but the last id, for files sorted by
 *   id; the first id that does not increase (or is not a number) sets `restart`, and the
 *   readers using the set stop as at the end of their file, for the caller to read the
 *   files again with a list (real files are seldom sorted, and say so in their first rows).
 */
enum { HSI_IDS_LIST = 0, HSI_IDS_TABLE = 1, HSI_IDS_SORTED = 2 };
typedef struct hsi_idset hsi_idset;
HS_INTERNAL hs_status hsi_idset_new(hs_ctx *ctx, int kind, hsi_idset **out, hs_error *err);
HS_INTERNAL void hsi_idset_free(hsi_idset *s);
/* HSI_IDS_LIST, _TABLE or _SORTED. */
HS_INTERNAL int hsi_idset_kind(const hsi_idset *s);
/* List: a new piece of a file begins (its ids are checked for order on their own); the range
 * of the piece's numeric ids (-1 when it has none) and whether they increased. */
HS_INTERNAL void hsi_idset_piece(hsi_idset *s);
HS_INTERNAL int hsi_idset_piece_range(const hsi_idset *s, uint64_t *lo, uint64_t *hi,
                                      int *increasing);
/* List: the last id and whether all ids so far increased (0; -1 when none yet). */
HS_INTERNAL int hsi_idset_last(const hsi_idset *s, uint64_t *last, int *increasing);
/* List: append src's ids to dst's; after them, the last id is last and the order is increasing
 * only when both were and increasing is set. Sorted: restart unless increasing and src did
 * not need one. */
HS_INTERNAL hs_status hsi_idset_take(hsi_idset *dst, const hsi_idset *src, uint64_t last,
                                     int increasing, hs_error *err);
/* Sorted: an id did not increase; read the files again with a list. */
HS_INTERNAL int hsi_idset_restart(const hsi_idset *s);
/* List: keep only the ids given more than once, each once (sorted); *n of them. */
HS_INTERNAL hs_status hsi_idset_dups(hsi_idset *s, size_t *n, hs_error *err);
/* Table: look only at the ids of the list dups (after hsi_idset_dups); others pass. */
HS_INTERNAL void hsi_idset_only(hsi_idset *table, const hsi_idset *dups);

/* A file of events read row by row: reader + column map + warning bookkeeping. Warnings
 * are logged through the context with file:line (the first few of each kind, then a
 * count), so a large file cannot flood the terminal. */
typedef struct hsi_evfile {
    hs_ctx *ctx;
    const hs_geo *geo; /* may be NULL: no ISO3 */
    hsi_rdr *rdr;
    hsi_evmap map;
    size_t rows;
    size_t nwarn[HSI_W_NWARN];
    size_t nshown[HSI_W_NWARN]; /* of them logged one by one */
    size_t nmute[HSI_W_NWARN];  /* the first this many count as shown but are not logged: they
                                   were, by an earlier read of the same file */
    int mute_summary;           /* nor is the summary (hsi_evfile_summary) */
    int silent;                 /* count warnings without logging them (a worker thread) */
    /* progress: a line (log level 0) every progress_secs seconds of reading (0: the default,
       HSI_PROGRESS_SECS; < 0: none); next_report is when the next one is due */
    double progress_secs, next_report;
    /* duplicate ids: the set (made on the first row as a table when the caller gave none),
       this file's number in it, and the exact repeats skipped and logged */
    hsi_idset *ids;
    int own_ids;
    int fileno; /* 1-based, 0 until the first row */
    size_t ndup, ndup_shown;
} hsi_evfile;

HS_INTERNAL hs_status hsi_evfile_open(hs_ctx *ctx, const char *path, const hs_geo *geo,
                                      hsi_evfile *f, hs_error *err);
HS_INTERNAL hs_status hsi_evfile_open_mem(hs_ctx *ctx, const char *data, size_t len,
                                          const char *fname, const hs_geo *geo, hsi_evfile *f,
                                          hs_error *err);
/* Part of a plain file: with map NULL, bytes [0, len) including the header; with the map of
 * that header, bytes [off, off + len) starting at a record. */
HS_INTERNAL hs_status hsi_evfile_open_range(hs_ctx *ctx, const char *path, const hs_geo *geo,
                                            const hsi_evmap *map, uint64_t off, uint64_t len,
                                            hsi_evfile *f, hs_error *err);
/* Go on with bytes [off, off + len) of the same plain file (hsi_rdr_move_range); from now
 * on warnings are counted, not logged. */
HS_INTERNAL hs_status hsi_evfile_move_range(hsi_evfile *f, uint64_t off, uint64_t len,
                                            hs_error *err);
/* Check the ids of f's rows against set (not owned; shared by the files of one panel) instead
 * of a table of f's own; call before the first row. */
HS_INTERNAL void hsi_evfile_use_ids(hsi_evfile *f, hsi_idset *set);
/* Next valid event; *eof = 1 at the end. A malformed row stops reading with its error, and so
 * does an id given before with other values; an exact repeat is skipped with a warning. */
HS_INTERNAL hs_status hsi_evfile_next(hsi_evfile *f, hsi_event *ev, int *eof, hs_error *err);
/* Seconds between two progress lines of a long read. */
#define HSI_PROGRESS_SECS 2.0
/* Log the warning totals (when some were not printed one by one). */
HS_INTERNAL void hsi_evfile_summary(const hsi_evfile *f);
HS_INTERNAL void hsi_evfile_close(hsi_evfile *f);

/* ---- geography: country codes ---------------------------------------------------------- */

/* Gleditsch-Ward or numeric ISO code -> ISO3 ("" when unknown). */
HS_INTERNAL const char *hsi_geo_gw_iso3(const hs_geo *g, long gw);
HS_INTERNAL const char *hsi_geo_isonum_iso3(const hs_geo *g, long isonum);
/* Numeric ISO -> Gleditsch-Ward (-1 when unknown). */
HS_INTERNAL long hsi_geo_isonum_gw(const hs_geo *g, long isonum);

/* ---- panel accumulation ---------------------------------------------------------------- */

/* Add one event to the panel being built (window, level and drop rules applied here). */
HS_INTERNAL hs_status hsi_panel_add(hs_panel *p, const hsi_event *ev, hs_error *err);
/* New, empty panel being built. */
HS_INTERNAL hs_status hsi_panel_begin(hs_ctx *ctx, const hs_panel_opts *o, hs_panel **out,
                                      hs_error *err);
/* The level the panel was built at. */
HS_INTERNAL hs_panel_level hsi_panel_level(const hs_panel *p);
/* Finish: fix the month window and the sorted unit list; geo (may be NULL) gives ISO3. */
/* The events of one source (a file, a stored source) are all added: the units it had events
 * in are covered from its first to its last month. Without a call, every unit is covered by
 * the panel's whole range. */
HS_INTERNAL void hsi_panel_source_done(hs_panel *p);
HS_INTERNAL hs_status hsi_panel_end(hs_panel *p, const hs_geo *geo, hs_error *err);
/* What a panel holds: every column (a panel of events), or one of a country-month table's
 * (docs/events.md, "Country-month tables"): events_sb .. deaths_os, or deaths in total. */
enum { HSI_PCOL_ALL = -1, HSI_PCOL_DEATHS_SB = 3, HSI_PCOL_DEATHS = 6 };
/* A finished panel of a table's values: n units (unit numbers, ISO3 or ""), covered over
 * months m0..m1 (narrowed to o's from/to), y n x (m1 - m0 + 1) whole counts >= 0 (NaN: the
 * unit-month is unknown, read and written as missing) going in column col (HSI_PCOL_*). */
HS_INTERNAL hs_status hsi_panel_from_table(hs_ctx *ctx, const hs_panel_opts *o, size_t n,
                                           const long *unit, const char (*iso3)[4], int m0, int m1,
                                           const double *y, int col, hs_panel **out, hs_error *err);
/* The column a panel holds (HSI_PCOL_*). */
HS_INTERNAL int hsi_panel_column(const hs_panel *p);
/* Events and deaths of unit i in month_id over the three types (-1 each when the panel does
 * not know it); 1 when the month is known, 0 when missing. */
HS_INTERNAL int hsi_panel_total(const hs_panel *p, size_t i, int month_id, long *events,
                                long *deaths);

/* ---- shared kernels (metrics.c) -------------------------------------------------------- */

/* qsort comparison of doubles, ascending. */
HS_INTERNAL int hsi_dbl_cmp(const void *a, const void *b);
/* The splitmix64 finaliser: consecutive keys spread over a hash table. */
HS_INTERNAL uint64_t hsi_mix64(uint64_t x);
/* Quantile p of sorted xs[0..m), m >= 1, linear between order statistics (type 7, numpy's
 * default). */
HS_INTERNAL double hsi_quantile7(const double *xs, size_t m, double p);

/* ---- onset alerts (onset.c) ---- */

/* 1 if row yu is below 25 (and known) in each of the 3 months to month index o; *quiet6 gets
 * whether the 6 months to o are (a month before the row's first is not known). */
HS_INTERNAL int hsi_onset_quiet(const double *yu, size_t o, int *quiet6);

/* ---- country-month tables (cmtable.c) -------------------------------------------------- */

struct hsi_csv;
/* hs_cmtable_read on a table already parsed (the fuzz target's way in). */
HS_INTERNAL hs_status hsi_cmtable_from_csv(hs_ctx *ctx, const struct hsi_csv *c, const hs_geo *geo,
                                           const hs_cmtable_opts *o, hs_cmtable **out,
                                           hs_error *err);

#endif
