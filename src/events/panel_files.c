/*
 * panel_files.c - a panel straight from event files (hs_panel_from_files): streaming
 * (reader.c), so it runs in bounded memory; a large plain file cut into pieces read by
 * several threads into panels of their own, merged at the end; event ids checked over all
 * the files.
 */
#include "panel_int.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read every event of f into p. */
static hs_status panel_read(hs_panel *p, hsi_evfile *f, hs_error *err)
{
    hsi_rdr_no_hash(f->rdr); /* a panel stores nothing, so it needs no content hash */
    for (;;) {
        hsi_event ev;
        int eof = 0;
        hs_status st = hsi_evfile_next(f, &ev, &eof, err);
        if (st != HS_OK || eof) return st;
        st = hsi_panel_add(p, &ev, err);
        if (st != HS_OK) return st;
    }
}

/* Files smaller than this are read by one thread: starting a second costs more than it saves. */
#define PANEL_PAR_MIN ((off_t)32 << 20)
/* A large file is cut into pieces of about this size, at least PANEL_PIECES_MIN of them; the
 * threads take the next piece whenever they finish one, so the thread that finishes first
 * waits at most one small piece for the other: two halves of equal size do not take equal
 * times side by side (bench/RESULTS.md). */
#define PANEL_PIECE      ((uint64_t)32 << 20)
#define PANEL_PIECES_MIN 8

/* The pieces of one file: piece i is bytes [cut[i], cut[i + 1]). */
typedef struct ppieces {
    const uint64_t *cut;
    size_t n;
    atomic_size_t next; /* the next piece nobody has taken */
    uint64_t *lo, *hi;  /* the numeric ids of piece i are in lo[i]..hi[i] */
    unsigned char *any; /* piece i has numeric ids */
    unsigned char *inc; /* the ids of piece i increase */
} ppieces;

typedef struct panel_job {
    hs_panel *p;
    hsi_evfile *f;
    hsi_idset *ids; /* the ids of the pieces this thread read (sorted or a list) */
    ppieces *pc;
    double next_report; /* the main thread's: when its next progress line is due (0: none) */
    hs_status st;
    hs_error err;
} panel_job;

/* Piece i's ids as read by j: their range and whether they increased. */
static void panel_piece_ids(panel_job *j, size_t i)
{
    int inc;
    j->pc->any[i] = hsi_idset_piece_range(j->ids, &j->pc->lo[i], &j->pc->hi[i], &inc) == 0;
    j->pc->inc[i] = (unsigned char)inc;
}

/* Read the pieces not yet taken into j->p through j->f, until none is left or one fails
 * (then the other threads take no more either). */
static hs_status panel_read_pieces(panel_job *j)
{
    ppieces *pc = j->pc;
    for (;;) {
        size_t i = atomic_fetch_add(&pc->next, 1);
        if (i >= pc->n) return HS_OK;
        double now = j->next_report > 0 ? hsi_now() : 0;
        if (j->next_report > 0 && now >= j->next_report) { /* the pieces before i are taken */
            j->next_report = now + HSI_PROGRESS_SECS;
            hsi_log(j->f->ctx, 0, "%s: about %.0f %% read", hsi_rdr_name(j->f->rdr),
                    100.0 * (double)pc->cut[i] / (double)pc->cut[pc->n]);
        }
        hs_status st =
            hsi_evfile_move_range(j->f, pc->cut[i], pc->cut[i + 1] - pc->cut[i], &j->err);
        hsi_idset_piece(j->ids);
        if (st == HS_OK) st = panel_read(j->p, j->f, &j->err);
        if (st == HS_OK) panel_piece_ids(j, i);
        if (st != HS_OK) {
            atomic_store(&pc->next, pc->n);
            return st;
        }
    }
}

static void *panel_worker(void *arg)
{
    panel_job *j = arg;
    j->st = panel_read_pieces(j);
    return NULL;
}

/*
 * Cut a plain file of size bytes into pieces that start at records: cut[0] = 0, cut[n] =
 * size, and each other cut just after the first newline at or after an even share of the
 * file. *n is 0 when the file is gzip, small, or a share has no newline in its first 64 KiB.
 * cut has room for PANEL_PIECES_MIN + size / PANEL_PIECE + 1 entries.
 */
static void panel_cut(const char *path, off_t size, uint64_t *cut, size_t *n)
{
    *n = 0;
    if (size < PANEL_PAR_MIN) return;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return;
    unsigned char head[2] = {0, 0};
    char buf[1 << 16];
    size_t np = (size_t)((uint64_t)size / PANEL_PIECE);
    if (np < PANEL_PIECES_MIN) np = PANEL_PIECES_MIN;
    size_t k = 1;
    cut[0] = 0;
    if (pread(fd, head, 2, 0) == 2 && !(head[0] == 0x1f && head[1] == 0x8b)) {
        for (; k < np; k++) {
            off_t at = (off_t)((uint64_t)size / np * k);
            ssize_t got = pread(fd, buf, sizeof buf, at);
            const char *nl = got > 0 ? memchr(buf, '\n', (size_t)got) : NULL;
            if (!nl) break;
            cut[k] = (uint64_t)at + (uint64_t)(nl - buf) + 1;
            if (cut[k] <= cut[k - 1] || cut[k] >= (uint64_t)size) break;
        }
    }
    close(fd);
    if (k == np) {
        cut[np] = (uint64_t)size;
        *n = np;
    }
}

/*
 * One large plain file with nthr threads: the main thread reads the first piece including
 * the header, then all take the remaining pieces in turn with the same column map, each into
 * its own panel; the panels are merged at the end, in thread order (sums do not depend on
 * it, so neither does the panel). A newline that falls inside a quoted field would make a
 * cut wrong; then the piece before it ends inside that quote and fails, and so does any bad
 * row in any piece: the caller then reads the file again with one thread, which gives the
 * exact message (a piece does not know its absolute line numbers). Returns HS_OK with
 * *done = 0 to ask for that. The pieces' ids are added to the list ids (in increasing order
 * when each piece's increase and are above the piece's before). nshown: the warnings f[0]
 * logged, and whether the summary was.
 */
static hs_status panel_file_par(hs_ctx *ctx, hs_panel *p, const char *path, const hs_geo *geo,
                                const uint64_t *cut, size_t ncut, size_t nthr, hsi_idset *ids,
                                size_t nshown[HSI_W_NWARN + 1], int *done, hs_error *err)
{
    *done = 0;
    ppieces pc = {.cut = cut, .n = ncut};
    atomic_init(&pc.next, 1);
    panel_job *job = hsi_calloc(ctx, nthr, sizeof *job);
    hsi_evfile *f = hsi_calloc(ctx, nthr, sizeof *f);
    pthread_t *th = hsi_calloc(ctx, nthr, sizeof *th);
    pc.lo = hsi_calloc(ctx, ncut, sizeof *pc.lo);
    pc.hi = hsi_calloc(ctx, ncut, sizeof *pc.hi);
    pc.any = hsi_calloc(ctx, ncut, 1);
    pc.inc = hsi_calloc(ctx, ncut, 1);
    size_t nopen = 0, started = 0;
    hs_status st =
        job && f && th && pc.lo && pc.hi && pc.any && pc.inc ? HS_OK : hsi_err_nomem(err);
    for (size_t k = 0; st == HS_OK && k < nthr; k++) {
        job[k].f = &f[k];
        job[k].pc = &pc;
        st = hsi_panel_begin(ctx, &p->o, &job[k].p, err);
        if (st == HS_OK) st = hsi_idset_new(ctx, hsi_idset_kind(ids), &job[k].ids, err);
    }
    /* the first reader takes the header and the first piece; the others start empty (no
       bytes at the second cut) and move to their pieces */
    if (st == HS_OK &&
        hsi_evfile_open_range(ctx, path, geo, NULL, 0, cut[1], &f[0], &job[0].err) == HS_OK)
        nopen = 1;
    while (nopen && nopen < nthr &&
           hsi_evfile_open_range(ctx, path, geo, &f[0].map, cut[1], 0, &f[nopen], &job[0].err) ==
               HS_OK)
        f[nopen++].silent = 1;
    for (size_t k = 0; k < nopen; k++)
        hsi_evfile_use_ids(&f[k], job[k].ids);
    if (st == HS_OK && nopen == nthr) {
        /* a thread that does not start leaves its pieces to the others */
        for (size_t k = 1; k < nthr; k++)
            if (pthread_create(&th[started], NULL, panel_worker, &job[k]) == 0) started++;
        job[0].next_report = hsi_now() + HSI_PROGRESS_SECS;
        job[0].st = panel_read(job[0].p, &f[0], &job[0].err); /* lines counted from 1 */
        if (job[0].st == HS_OK) panel_piece_ids(&job[0], 0);
        if (job[0].st == HS_OK)
            job[0].st = panel_read_pieces(&job[0]);
        else
            atomic_store(&pc.next, pc.n);
        for (size_t k = 0; k < started; k++)
            pthread_join(th[k], NULL);
        size_t bad = 0;
        while (bad < nthr && job[bad].st == HS_OK)
            bad++;
        hs_status sb = bad < nthr ? job[bad].st : HS_OK;
        for (int b = 0; b < HSI_W_NWARN; b++)
            nshown[b] = f[0].nshown[b]; /* what a second read must not log again */
        /* the threads' ids join the list; in increasing order when each piece's are and each
           piece's are above those of the pieces (and files) before it */
        uint64_t last = 0;
        int inc = 1, have = hsi_idset_last(ids, &last, &inc) == 0;
        for (size_t i = 0; sb == HS_OK && i < ncut; i++) {
            if (!pc.inc[i] || (pc.any[i] && have && pc.lo[i] <= last)) inc = 0;
            if (pc.any[i]) {
                last = pc.hi[i];
                have = 1;
            }
        }
        for (size_t k = 0; sb == HS_OK && st == HS_OK && k < nthr; k++)
            st = hsi_idset_take(ids, job[k].ids, last, inc, err);
        if (st == HS_OK && hsi_idset_restart(ids)) {
            *done = 1; /* ids not sorted: the caller reads the files again */
        } else if (st == HS_OK && (sb == HS_ERR_NOMEM || sb == HS_ERR_DOMAIN)) {
            st = hsi_err(err, sb, NULL, 0, 0, "%s", job[bad].err.msg);
        } else if (st == HS_OK && sb == HS_OK) {
            for (size_t k = 1; k < nthr; k++) {
                for (int b = 0; b < HSI_W_NWARN; b++)
                    f[0].nwarn[b] += f[k].nwarn[b];
                f[0].rows += f[k].rows;
            }
            hsi_evfile_summary(&f[0]);
            nshown[HSI_W_NWARN] = 1;
            for (size_t k = 0; st == HS_OK && k < nthr; k++) {
                st = hsi_panel_merge(p, job[k].p, err);
                hs_panel_free(job[k].p); /* what p did not take over, before p grows more */
                job[k].p = NULL;
            }
            *done = 1;
        }
    }
    for (size_t k = 0; k < nopen; k++)
        hsi_evfile_close(&f[k]);
    for (size_t k = 0; job && k < nthr; k++) {
        hs_panel_free(job[k].p);
        hsi_idset_free(job[k].ids);
    }
    hsi_free_all(ctx, pc.lo, pc.hi, pc.any, pc.inc, job, f, th);
    return st;
}

/* One read of the files into a new panel, their ids added to ids (sorted or a list; or a
 * table, when table: then one thread); *out NULL (and HS_OK) when a sorted set met an id that
 * did not increase. nshown[k * (HSI_W_NWARN + 1) + b]: the warnings of kind b of file
 * k logged by an earlier read (not logged again), and at b = HSI_W_NWARN whether its summary
 * was; updated. */
static hs_status panel_files(hs_ctx *ctx, const char *const *paths, size_t npaths,
                             const hs_geo *geo, const hs_panel_opts *o, hsi_idset *ids, int table,
                             size_t *nshown, hs_panel **out, hs_error *err)
{
    *out = NULL;
    hs_panel *p = NULL;
    hs_status st = hsi_panel_begin(ctx, o, &p, err);
    for (size_t k = 0; st == HS_OK && k < npaths && !hsi_idset_restart(ids); k++) {
        int done = 0;
        size_t *shown = nshown + k * (HSI_W_NWARN + 1);
        struct stat sb;
        /* a table of ids (a second read, for the lines of repeated ids) is filled by one
           thread */
        if (p->o.threads > 1 && !table && stat(paths[k], &sb) == 0 && S_ISREG(sb.st_mode) &&
            sb.st_size >= PANEL_PAR_MIN) {
            size_t ncut = 0;
            uint64_t *cut = hsi_malloc(
                ctx, (PANEL_PIECES_MIN + (uint64_t)sb.st_size / PANEL_PIECE + 1) * sizeof *cut);
            if (!cut) st = hsi_err_nomem(err);
            if (cut) panel_cut(paths[k], sb.st_size, cut, &ncut);
            size_t nthr = (size_t)p->o.threads < ncut ? (size_t)p->o.threads : ncut;
            if (nthr > PANEL_MAX_THREADS) nthr = PANEL_MAX_THREADS;
            size_t par_shown[HSI_W_NWARN + 1] = {0};
            if (ncut)
                st = panel_file_par(ctx, p, paths[k], geo, cut, ncut, nthr, ids, par_shown, &done,
                                    err);
            for (int b = 0; b <= HSI_W_NWARN; b++)
                if (par_shown[b] > shown[b]) shown[b] = par_shown[b];
            hsi_free(ctx, cut);
        }
        if (st != HS_OK) continue;
        if (done) {
            hsi_panel_source_done(p);
            continue;
        }
        hsi_evfile f;
        st = hsi_evfile_open(ctx, paths[k], geo, &f, err);
        if (st != HS_OK) break;
        hsi_evfile_use_ids(&f, ids);
        for (int b = 0; b < HSI_W_NWARN; b++)
            f.nmute[b] = shown[b];
        f.mute_summary = (int)shown[HSI_W_NWARN];
        st = panel_read(p, &f, err);
        if (st == HS_OK) hsi_panel_source_done(p);
        if (st == HS_OK && !hsi_idset_restart(ids)) {
            hsi_evfile_summary(&f);
            shown[HSI_W_NWARN] = 1;
        }
        for (int b = 0; b < HSI_W_NWARN; b++)
            if (f.nshown[b] > shown[b]) shown[b] = f.nshown[b];
        hsi_evfile_close(&f);
    }
    if (st == HS_OK && hsi_idset_restart(ids)) {
        hs_panel_free(p);
        return HS_OK;
    }
    if (st == HS_OK) st = hsi_panel_end(p, geo, err);
    if (st != HS_OK) {
        hs_panel_free(p);
        return st;
    }
    *out = p;
    return HS_OK;
}

/*
 * Event ids are checked over all the files. The first read keeps only the last id: files
 * sorted by id are done. At the first id that does not increase the files are read again,
 * listing the ids (8 bytes each), which are then sorted; only when some id is given twice are
 * the files read a third time, with a table of those ids, which counts an exact repeat once
 * or stops at a conflict, naming both lines. Warnings logged by one read are not logged again.
 */
hs_status hs_panel_from_files(hs_ctx *ctx, const char *const *paths, size_t npaths,
                              const hs_geo *geo, const hs_panel_opts *o, hs_panel **out,
                              hs_error *err)
{
    *out = NULL;
    size_t *shown = hsi_calloc(ctx, npaths * (HSI_W_NWARN + 1) + 1, sizeof *shown);
    if (!shown) return hsi_err_nomem(err);
    hsi_idset *ids = NULL, *table = NULL;
    size_t ndup = 0;
    hs_status st = hsi_idset_new(ctx, HSI_IDS_SORTED, &ids, err);
    if (st == HS_OK) st = panel_files(ctx, paths, npaths, geo, o, ids, 0, shown, out, err);
    if (st == HS_OK && !*out) { /* not sorted by id */
        hsi_idset_free(ids);
        ids = NULL;
        st = hsi_idset_new(ctx, HSI_IDS_LIST, &ids, err);
        if (st == HS_OK) st = panel_files(ctx, paths, npaths, geo, o, ids, 0, shown, out, err);
    }
    if (st == HS_OK) st = hsi_idset_dups(ids, &ndup, err);
    if (st == HS_OK && ndup) {
        hs_panel_free(*out);
        *out = NULL;
        st = hsi_idset_new(ctx, HSI_IDS_TABLE, &table, err);
        if (st == HS_OK) {
            hsi_idset_only(table, ids);
            st = panel_files(ctx, paths, npaths, geo, o, table, 1, shown, out, err);
        }
    }
    if (st != HS_OK) {
        hs_panel_free(*out);
        *out = NULL;
    }
    hsi_idset_free(table);
    hsi_idset_free(ids);
    hsi_free(ctx, shown);
    return st;
}
