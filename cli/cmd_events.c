/* cmd_events.c - `humsec events ingest|panel`: conflict events into the store, and panels. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cmd_events_help(void)
{
    puts("usage: humsec events ingest FILE... --db PATH [--geo DIR] [--quiet]\n"
         "       humsec events panel (--db PATH | FILE... | --table FILE [--column NAME])\n"
         "                           [--level country|grid]\n"
         "                           [--from YYYY-MM] [--to YYYY-MM] [--keep-imprecise]\n"
         "                           [--spread] [--threads N] [-o FILE] [--geo DIR] [--quiet]\n"
         "\n"
         "ingest  read UCDP GED CSV files (the 34-column subsets or the 49-column release)\n"
         "        or ACLED exports, plain or gzip, check every row, and store the events in\n"
         "        the SQLite store PATH (created if missing). Each file is one transaction:\n"
         "        a bad row leaves the store as it was. Events already stored (same id) are\n"
         "        left alone, so ingesting a file twice changes nothing. Rows kept with a\n"
         "        warning (best outside low..high, ...) are reported with file:line.\n"
         "panel   write a zero-filled country-month or PRIO-GRID-month panel as CSV: per\n"
         "        unit and month, events and best deaths by violence type (sb state-based,\n"
         "        ns non-state, os one-sided) with the ViEWS month_id, from the store or\n"
         "        straight from event files (streaming). Events are dated by date_start;\n"
         "        with --spread, deaths are shared over the months the event spans.\n"
         "        Grid panels leave out events located only to a country (where_prec >= 6)\n"
         "        and say how many events and deaths that drops.\n"
         "        With --table FILE: the country panel of a country-month table (UCDP's\n"
         "        iso3 + period shape or VIEWS's country_id + month_id); --from/--to then\n"
         "        state the months it covers. UCDP's fatalities (all organised violence)\n"
         "        go in a column deaths_total and the by-type columns stay empty; VIEWS's\n"
         "        ged_sb fills deaths_sb. Empty means missing, never zero.\n"
         "\n"
         "options:\n"
         "  --db PATH          the event store (SQLite file)\n"
         "  --table FILE       a country-month table instead of events (docs/events.md)\n"
         "  --column NAME      the table's count column (default conflict_fatalities_best,\n"
         "                     or ged_sb / ged_best_sb for VIEWS's shape; a typed column such\n"
         "                     as ged_ns or conflict_state_based_events fills its own column)\n"
         "  --level L          country (default; unit = Gleditsch-Ward number, with ISO3) or\n"
         "                     grid (unit = PRIO-GRID gid, with row, col and cell centroid)\n"
         "  --from, --to YYYY-MM   first and last month (default: the data's first and last)\n"
         "  --keep-imprecise   grid: keep where_prec >= 6 events in the cell of their point\n"
         "  --spread           share each event's best deaths over the months from its\n"
         "                     date_start to its date_end in proportion to the days, rounded\n"
         "                     by largest remainder so the event's total is kept\n"
         "                     (docs/methods.md section 5.2, as PRIO-GRID); the event\n"
         "                     counts in its first month\n"
         "  --threads N        from files: read a plain file over 32 MB with N threads, and\n"
         "                     format the rows with N (default 2, at most 64; the panel is\n"
         "                     the same whatever N)\n"
         "  -o, --output FILE  write the panel there (default standard output)\n"
         "  --geo DIR          country-code crosswalks (default data/geo)\n"
         "  -q, --quiet        no progress messages or warnings\n"
         "  -h, --help         this help\n"
         "\n"
         "Manual: docs/events.md.");
}

hs_status cli_geo(hs_ctx *ctx, const char *dir, int quiet, hs_geo **out, hs_error *err)
{
    if (dir) return hs_geo_load(ctx, dir, out, err);
    hs_status st = hs_geo_load(ctx, "data/geo", out, err);
    if (st == HS_ERR_IO) {
        if (!quiet)
            fputs("humsec: warning: no country-code crosswalks in data/geo (run from the "
                  "project folder or give --geo DIR); ISO3 codes are left empty\n",
                  stderr);
        *out = NULL;
        return HS_OK;
    }
    return st;
}

typedef struct ev_args {
    const char *db, *geo, *output, *table, *column;
    const char **files;
    int nfiles;
    hs_panel_opts po;
    int quiet;
} ev_args;

/* Parse the options shared by both subcommands; positional arguments are files. */
static int ev_parse(int argc, char **argv, ev_args *a)
{
    memset(a, 0, sizeof *a);
    hs_panel_opts_init(&a->po);
    a->po.threads = 2;
    a->files = calloc((size_t)argc, sizeof *a->files);
    if (!a->files) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    static const char *const levels[] = {"country", "grid", NULL};
    static const int level_values[] = {HS_PANEL_COUNTRY, HS_PANEL_GRID};
    int level = a->po.level;
    const cli_opt opts[] = {
        {CLI_OPT("--db", 0, CLI_STR, &a->db)},
        {CLI_OPT("--geo", 0, CLI_STR, &a->geo)},
        {CLI_OPT("--table", 0, CLI_STR, &a->table)},
        {CLI_OPT("--column", 0, CLI_STR, &a->column)},
        {CLI_OPT("--output", 'o', CLI_STR, &a->output)},
        {CLI_OPT("--level", 0, CLI_CHOICE, &level), .words = levels, .values = level_values},
        {CLI_OPT("--from", 0, CLI_MONTH, &a->po.from)},
        {CLI_OPT("--to", 0, CLI_MONTH, &a->po.to)},
        {CLI_OPT("--threads", 0, CLI_INT, &a->po.threads), .lo = 1, .hi = 256},
        {CLI_OPT("--keep-imprecise", 0, CLI_FLAG, &a->po.keep_imprecise)},
        {CLI_OPT("--spread", 0, CLI_FLAG, &a->po.spread)},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &a->quiet)},
    };
    /* the options follow the subcommand; every other argument is an event file */
    cli_pos pos = {a->files, argc, 0, NULL};
    int rc = cli_parse("events", opts, CLI_NOPTS(opts), cmd_events_help, argc - 1, argv + 1, &pos);
    if (rc != CLI_EXIT_OK) return rc;
    a->po.level = level;
    a->nfiles = pos.n;
    if (a->po.from && a->po.to && a->po.from > a->po.to)
        return cli_usage("events", "--from is after --to");
    return 0;
}

static int ev_ingest(hs_ctx *ctx, const ev_args *a)
{
    if (!a->db) return cli_usage("events", "ingest needs the store (--db PATH)");
    if (a->nfiles == 0) return cli_usage("events", "ingest needs at least one event file");
    hs_error err = {0};
    hs_geo *geo = NULL;
    hs_store *db = NULL;
    int rc = CLI_EXIT_OK;
    if (cli_geo(ctx, a->geo, a->quiet, &geo, &err) != HS_OK ||
        hs_store_open(ctx, a->db, &db, &err) != HS_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    for (int i = 0; i < a->nfiles; i++) {
        hs_ingest_stats s;
        if (hs_events_ingest(ctx, db, a->files[i], geo, &s, &err) != HS_OK) {
            rc = cli_fail(&err);
            fprintf(stderr, "humsec: %s: nothing stored from this file\n", a->files[i]);
            goto done;
        }
        if (!a->quiet)
            fprintf(stderr,
                    "humsec: %s: %zu rows, %zu new events, %zu already stored, %zu not "
                    "violence, %zu with warnings\n",
                    a->files[i], s.rows, s.inserted, s.duplicates, s.skipped, s.warnings);
    }
done:
    hs_store_close(db);
    hs_geo_free(geo);
    return rc;
}

static int ev_panel(hs_ctx *ctx, const ev_args *a)
{
    if (!a->db && a->nfiles == 0 && !a->table)
        return cli_usage("events", "panel needs the store (--db PATH), event files or --table");
    if (!!a->db + !!a->nfiles + !!a->table > 1)
        return cli_usage("events", "panel takes one of the store, files or --table");
    if (a->table && a->po.level == HS_PANEL_GRID)
        return cli_usage("events", "a country-month table makes a country panel, not a grid");
    if (a->column && !a->table) return cli_usage("events", "--column goes with --table");
    hs_error err = {0};
    hs_geo *geo = NULL;
    hs_store *db = NULL;
    hs_panel *p = NULL;
    hs_outfile *of = NULL; /* -o FILE: written beside and renamed into place */
    int rc = CLI_EXIT_OK;
    hs_status st = cli_geo(ctx, a->geo, a->quiet, &geo, &err);
    if (st == HS_OK && a->db) st = hs_store_open(ctx, a->db, &db, &err);
    if (st == HS_OK && a->table) {
        /* --from/--to state the table's coverage, as for forecast: a row outside is an error */
        hs_cmtable_opts to;
        hs_cmtable_opts_init(&to);
        to.from = a->po.from;
        to.to = a->po.to;
        to.column = a->column;
        hs_cmtable *t = NULL;
        st = hs_cmtable_read(ctx, a->table, geo, &to, &t, &err);
        if (st == HS_OK) st = hs_panel_from_cmtable(ctx, t, geo, &a->po, &p, &err);
        hs_cmtable_free(t);
    } else if (st == HS_OK && db)
        st = hs_panel_from_store(ctx, db, geo, &a->po, &p, &err);
    else if (st == HS_OK)
        st = hs_panel_from_files(ctx, a->files, (size_t)a->nfiles, geo, &a->po, &p, &err);
    if (st != HS_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (a->output && hs_outfile_open(ctx, a->output, a->table ? &a->table : a->files,
                                     a->table ? 1 : (size_t)a->nfiles, &of, &err) != HS_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    hs_sink out;
    cli_out_sink(of, &out);
    if (hs_panel_write_csv(p, &out, &err) != HS_OK) rc = cli_fail(&err);
    if (!a->quiet) {
        size_t nwin, nimp;
        long dwin, dimp;
        hs_panel_dropped(p, &nwin, &dwin, &nimp, &dimp);
        fprintf(stderr, "humsec: panel: %zu units x %d months\n", hs_panel_nunits(p),
                hs_panel_nunits(p) ? hs_panel_last_month(p) - hs_panel_first_month(p) + 1 : 0);
        if (nwin)
            fprintf(stderr, "humsec: %zu events (%ld deaths) fall outside --from/--to\n", nwin,
                    dwin);
        if (a->po.level == HS_PANEL_GRID)
            fprintf(stderr,
                    "humsec: grid panel leaves out %zu events (%ld deaths) located only to a "
                    "country (where_prec >= 6)\n",
                    nimp, dimp);
    }
done:
    if (hs_outfile_close(of, rc == CLI_EXIT_OK, &err) != HS_OK && rc == CLI_EXIT_OK)
        rc = cli_fail(&err);
    hs_panel_free(p);
    hs_store_close(db);
    hs_geo_free(geo);
    return rc;
}

int cmd_events(int argc, char **argv)
{
    if (argc < 2) return cli_usage("events", "events needs a subcommand: ingest or panel");
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
        cmd_events_help();
        return CLI_EXIT_OK;
    }
    if (strcmp(sub, "ingest") != 0 && strcmp(sub, "panel") != 0)
        return cli_usage("events", "unknown events subcommand '%s' (ingest or panel)", sub);
    ev_args a;
    int rc = ev_parse(argc, argv, &a);
    if (rc != 0) {
        free(a.files);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    hs_ctx *ctx = cli_ctx(a.quiet);
    if (!ctx) {
        free(a.files);
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    rc = !strcmp(sub, "ingest") ? ev_ingest(ctx, &a) : ev_panel(ctx, &a);
    hs_ctx_free(ctx);
    free(a.files);
    return rc;
}
