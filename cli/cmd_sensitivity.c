/* cmd_sensitivity.c - `humsec sensitivity PIPELINE SPEC -o DIR`: uncertainty and Sobol'
 * sensitivity analysis of a composite index. */
#include "cli.h"

#include <stdio.h>
#include <math.h>

void cmd_sensitivity_help(void)
{
    /* puts, not printf: a percent sign is written as it is */
    puts("usage: humsec sensitivity PIPELINE SPEC -o DIR [--type ua|sa] [--n N] [--seed S]\n"
         "                          [--threads T] [--sampler sobol|random] [--bootstrap B]\n"
         "                          [--runs] [--quiet]\n"
         "\n"
         "Rebuild the index of PIPELINE many times with the uncertain choices in SPEC drawn at\n"
         "random (docs/sensitivity.md): which normalisation, aggregation, imputation,\n"
         "winsorisation limit, weights (+/- noise), which indicators. Reports how far each\n"
         "unit's rank can move and, with --type sa, which choice matters most (Sobol' first-\n"
         "order Si and total STi indices of the mean absolute rank shift; Saltelli 2010 and\n"
         "Jansen 1999 estimators, bootstrap intervals; docs/methods.md section 4).\n"
         "\n"
         "Writes into DIR: ua_ranks.csv (per unit: nominal, median, mean, 5 % and 95 % rank,\n"
         "mean absolute rank shift, and score quantiles when every run has the same\n"
         "normalisation), ua_scores.csv (score quantiles per normalisation, when the SPEC\n"
         "varies it: scores on different scales are never pooled), sensitivity.json, and for\n"
         "--type sa also sa_indices.csv and sa_convergence.csv; runs.csv with --runs.\n"
         "Runs for which the index is undefined (a geometric mean of a 0) are skipped and\n"
         "counted in a UA; an SA refuses them before any run starts.\n"
         "\n"
         "options:\n"
         "  -o, --output DIR     output folder (required)\n"
         "  --type ua|sa         uncertainty only (N runs) or sensitivity (N (k + 2) runs);\n"
         "                       default ua\n"
         "  --n N                base sample size (default 1000); at least 2, and at least 32\n"
         "                       with --type sa\n"
         "  --seed S             seed of the design, weight noise and bootstrap (default 1)\n"
         "  --threads T          worker threads (default: all cores); results do not depend\n"
         "                       on T\n"
         "  --sampler S          sobol (quasi-random, default) or random\n"
         "  --bootstrap B        bootstrap resamples for the Si/STi intervals (default 1000)\n"
         "  --runs               also write runs.csv: every run's factor values and rank shift\n"
         "  -q, --quiet          no progress lines or messages (progress: a line every 2 s\n"
         "                       while the runs or the bootstrap last longer than that)\n"
         "  -h, --help           this help");
}

int cmd_sensitivity(int argc, char **argv)
{
    return cmd_sensitivity_parts(argc, argv, NULL);
}

int cmd_sensitivity_parts(int argc, char **argv, const cli_parts *parts)
{
    static const char *const types[] = {"ua", "sa", NULL};
    static const int type_values[] = {HS_SA_UA, HS_SA_SA};
    static const char *const samplers[] = {"sobol", "random", NULL};
    static const int sampler_values[] = {HS_SAMPLER_SOBOL, HS_SAMPLER_RANDOM};
    const char *args[2] = {NULL, NULL}, *outdir = NULL;
    int quiet = 0;
    hs_sa_opts o;
    hs_sa_opts_init(&o);
    int type = o.type, sampler = o.sampler, nthreads = 0;
    /* the analysis commands' wording of a bad value: "OPT is 'V' (expected ...)" */
    const char *bad_whole = "%s is '%s' (expected a whole number)";
    const cli_opt opts[] = {
        {CLI_OPT("--output", 'o', CLI_STR, &outdir)},
        {CLI_OPT("--type", 0, CLI_CHOICE, &type), .words = types, .values = type_values,
         .bad = "%s is '%s' (expected ua or sa)"},
        {CLI_OPT("--sampler", 0, CLI_CHOICE, &sampler), .words = samplers, .values = sampler_values,
         .bad = "%s is '%s' (expected sobol or random)"},
        {CLI_OPT("--n", 0, CLI_SIZE, &o.n), .bad = bad_whole},
        {CLI_OPT("--seed", 0, CLI_ULONG, &o.seed), .bad = bad_whole},
        {CLI_OPT("--threads", 0, CLI_INT, &o.threads), .bad = bad_whole, .count = &nthreads},
        {CLI_OPT("--bootstrap", 0, CLI_SIZE, &o.bootstrap), .lo = 1, .hi = HUGE_VAL,
         .bad = "%s is '%s' (expected a whole number from 1)"},
        {CLI_OPT("--runs", 0, CLI_FLAG, &o.write_runs)},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &quiet)},
    };
    cli_pos pos = {args, 2, 0, NULL};
    int rc =
        cli_parse("sensitivity", opts, CLI_NOPTS(opts), cmd_sensitivity_help, argc, argv, &pos);
    if (rc != CLI_EXIT_OK) return rc == CLI_HELP ? CLI_EXIT_OK : rc;
    const char *pipeline = args[0], *spec = args[1];
    o.type = type;
    o.sampler = sampler;
    if (o.n < 2) return cli_usage("sensitivity", "--n is %zu (expected at least 2)", o.n);
    if (nthreads && (o.threads < 1 || o.threads > 256))
        return cli_usage("sensitivity", "--threads is %d (expected 1 to 256)", o.threads);
    if (!pipeline || !spec) return cli_usage("sensitivity", "needs a PIPELINE and a SPEC file");
    if (!outdir) return cli_usage("sensitivity", "no output folder given (-o DIR)");
    if (o.type == HS_SA_SA && o.n < HS_SA_MIN_N)
        return cli_usage("sensitivity",
                         "--n is %zu: too small for Sobol' estimates (expected at least %d with "
                         "--type sa)",
                         o.n, HS_SA_MIN_N);
    int writer = !parts || parts->writer;
    if (!writer) quiet = 1;
    if (parts) {
        o.part = parts->part;
        o.nparts = parts->nparts;
        o.gather = parts->gather;
        o.gather_ud = parts->gather_ud;
    }
    hs_ctx *ctx = cli_ctx(quiet);
    if (!ctx) return CLI_EXIT_NOMEM;
    hs_error err = {0};
    hs_sensitivity *s = NULL;
    if (hs_sensitivity_run(ctx, pipeline, spec, &o, &s, &err) != HS_OK ||
        (writer && hs_sensitivity_write(ctx, s, outdir, &err) != HS_OK))
        rc = writer ? cli_fail(&err) : cli_exit_code(err.code);
    else if (!quiet)
        fprintf(stderr, "humsec: wrote the %s results to %s/\n",
                o.type == HS_SA_SA ? "sensitivity" : "uncertainty", outdir);
    hs_sensitivity_free(s);
    hs_ctx_free(ctx);
    return rc;
}
