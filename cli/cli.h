/*
 * cli.h - glue shared by the humsec subcommands: exit codes, messages, progress.
 * The CLI holds no logic beyond argument handling; everything else is in the library.
 */
#ifndef HS_CLI_H
#define HS_CLI_H

#include "humsec_server.h"

/* Exit codes (documented in docs/humsec.1.md, "EXIT STATUS"). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_INTERNAL = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_IO = 3,
    CLI_EXIT_PARSE = 4,
    CLI_EXIT_SCHEMA = 5,
    CLI_EXIT_PIPELINE = 6,
    CLI_EXIT_DOMAIN = 7,
    CLI_EXIT_NOMEM = 8
};

typedef struct cli_opts {
    int quiet;
} cli_opts;

/* Map a library status to the exit code. */
int cli_exit_code(hs_status st);
/* Print "humsec: <error>" to stderr and return the exit code. */
int cli_fail(const hs_error *err);
/* Print a usage error ("humsec: msg\ntry 'humsec CMD --help'") and return CLI_EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...);
/* Flush and close standard output at the end of a command: if any write to it failed, say
   so and return CLI_EXIT_IO in place of a successful rc (another rc is kept). */
int cli_close_stdout(int rc);
/* Where a command's one output goes: the file of -o when of is set, else standard output. */
void cli_out_sink(hs_outfile *of, hs_sink *out);

/* The options of a command, one table per command (cli_opts.c). What each kind stores at
   dest: CLI_FLAG 1 and CLI_SET `set` (int); CLI_STR the argument (const char *); CLI_MONTH a
   month id from YYYY-MM (int, hs_month_parse); CLI_CHOICE, one of `words`, values[k] or k
   (int); CLI_INT, CLI_LONG, CLI_SIZE, CLI_ULONG a whole number of that type; CLI_DOUBLE a
   finite number; CLI_FN whatever fn makes of it. */
typedef enum cli_kind {
    CLI_FLAG,
    CLI_SET,
    CLI_STR,
    CLI_MONTH,
    CLI_CHOICE,
    CLI_INT,
    CLI_LONG,
    CLI_SIZE,
    CLI_ULONG,
    CLI_DOUBLE,
    CLI_FN
} cli_kind;
/* A value fn cannot take is a usage error it prints (cli_usage); it returns the exit code. */
typedef int (*cli_opt_fn)(const char *cmd, const char *opt, const char *val, void *dest);
typedef struct cli_opt {
    const char *name; /* "--output" */
    char alias;       /* 'o' for -o, or 0 */
    cli_kind kind;
    void *dest;
    /* numbers: from lo to hi, both included; hi = HUGE_VAL: no upper end; both 0: any */
    double lo, hi;
    const char *const *words; /* CLI_CHOICE: the words, NULL last */
    const int *values;        /* CLI_CHOICE: what each word stores; NULL: its index */
    int set;                  /* CLI_SET: the value stored */
    int km;                   /* whole numbers: K or M after one multiplies by 1024 or 1024^2 */
    int *count;               /* if set, incremented each time the option is given */
    const char *needs;        /* a missing value: "OPT needs NEEDS" (default "a value") */
    const char *takes;        /* a bad value: "OPT takes TAKES, not 'V'" (default from kind) */
    const char *bad;          /* or the whole message, a format given OPT and V */
    cli_opt_fn fn;            /* CLI_FN */
} cli_opt;
/* Where the arguments that are not options go: up to max of them into v; extra is added to
   "unexpected argument 'A'" when there are more. */
typedef struct cli_pos {
    const char **v;
    int max, n;
    const char *extra;
} cli_pos;
/* cli_parse's answer after printing the help: the command then exits with CLI_EXIT_OK. */
#define CLI_HELP (-1)
/* The start of a table entry: {CLI_OPT("--output", 'o', CLI_STR, &out), .needs = "a folder"} */
#define CLI_OPT(n, a, k, d) .name = (n), .alias = (a), .kind = (k), .dest = (d)
#define CLI_NOPTS(t)        (sizeof(t) / sizeof((t)[0]))
/* Read argv[1 ..] against the table opts[0 .. nopts): -h and --help print help and give
   CLI_HELP; options are stored as they come (a later one wins), arguments not starting with
   '-' (or "-" alone) go to pos (NULL: none allowed). CLI_EXIT_OK, or a usage error printed
   for cmd and CLI_EXIT_USAGE. Checks between options are the command's, after this. */
int cli_parse(const char *cmd, const cli_opt *opts, size_t nopts, void (*help)(void), int argc,
              char **argv, cli_pos *pos);
/* --nbr-weight W (0..1e6), --nbr-form sum|count|both (hs_nbr_form) and --borders FILE: the
   neighbours' options of forecast --table, evaluate --table and --protocol views2023. */
extern const char *const cli_nbr_words[];
extern const int cli_nbr_values[];
/* clang-format off */
#define CLI_OPTS_NBR(weight, form, borders)                                                      \
    {CLI_OPT("--nbr-weight", 0, CLI_DOUBLE, (weight)), .lo = 0, .hi = 1e6,                       \
     .takes = "a number from 0 to 1e6"},                                                         \
    {CLI_OPT("--nbr-form", 0, CLI_CHOICE, (form)), .words = cli_nbr_words,                       \
     .values = cli_nbr_values},                                                                  \
    {CLI_OPT("--borders", 0, CLI_STR, (borders))}
/* clang-format on */
/* Write buf to DIR/name whole (hs_file_write), creating DIR when missing; the exit code,
   the error said on stderr. */
int cli_put_in_dir(hs_ctx *ctx, const char *dir, const char *name, const char *buf, size_t len);
/* New context with progress messages on stderr unless quiet. */
hs_ctx *cli_ctx(int quiet);
/* Open the store at dbpath and record a run of the shipped indices there (hs_store_refresh,
   progress on stderr unless quiet); returns the exit code. */
int cli_store_refresh(hs_ctx *ctx, const char *dbpath, int quiet);
int cmd_serve(int argc, char **argv);
void cmd_serve_help(void);
int cmd_partner(int argc, char **argv);
void cmd_partner_help(void);

int cmd_build(int argc, char **argv);
int cmd_run(int argc, char **argv);
void cmd_build_help(void);
int cmd_trends(int argc, char **argv);
void cmd_trends_help(void);
int cmd_weights(int argc, char **argv);
void cmd_weights_help(void);
void cmd_run_help(void);
int cmd_hsi_data(int argc, char **argv);
void cmd_hsi_data_help(void);
int cmd_report(int argc, char **argv);
void cmd_report_help(void);
/* compare, whatif and corr (cmd_compare.c, cmd_whatif.c, cmd_corr.c): docs/analysis.md */
int cmd_compare(int argc, char **argv);
void cmd_compare_help(void);
int cmd_whatif(int argc, char **argv);
void cmd_whatif_help(void);
int cmd_corr(int argc, char **argv);
void cmd_corr_help(void);
/* Country-code crosswalks from DIR, or from data/geo when DIR is NULL (then a missing
   folder is only a warning: ISO3 codes stay empty). */
hs_status cli_geo(hs_ctx *ctx, const char *dir, int quiet, hs_geo **out, hs_error *err);
int cmd_events(int argc, char **argv);
void cmd_events_help(void);
/* evaluate --protocol views2023 (cmd_views.c) */
int cmd_views(int argc, char **argv);
/* forecast --table FILE (cmd_fctable.c) */
int cmd_forecast_table(int argc, char **argv);
/* evaluate --table FILE (cmd_fctable.c) */
int cmd_evaluate_table(int argc, char **argv);
/* Neighbours at war as analogue covariates (--nbr-weight, --nbr-form, --borders): off when
   weight is 0. */
typedef struct cli_nbr {
    const char *borders;
    int form; /* hs_nbr_form */
    double weight;
} cli_nbr;
/* The forecasts of every unit of a country-month table into DIR/summary.csv (and
   DIR/samples.csv): for forecast --table and the main job; nbr may be NULL (off). Returns an
   exit status. */
int cli_forecast_table(hs_ctx *ctx, const char *table, const hs_cmtable_opts *to,
                       const char *geodir, const hs_analog_opts *ao, const cli_nbr *nbr, int origin,
                       int leads, int with_samples, const char *dir, int quiet);
int cmd_warn(int argc, char **argv);
void cmd_warn_help(void);
int cmd_forecast(int argc, char **argv);
void cmd_forecast_help(void);
int cmd_evaluate(int argc, char **argv);
void cmd_evaluate_help(void);
int cmd_sensitivity(int argc, char **argv);
/* The MPI program's entry: this process evaluates slice `part` of `nparts`, `gather` joins
   the slices, and only the process with `writer` set writes files and shows progress. */
typedef struct cli_parts {
    int part, nparts, writer;
    hs_gather_fn gather;
    void *gather_ud;
} cli_parts;
int cmd_sensitivity_parts(int argc, char **argv, const cli_parts *parts);
void cmd_sensitivity_help(void);

#endif
