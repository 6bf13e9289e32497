/* cmd_sensitivity.c - `humsec sensitivity PIPELINE SPEC -o DIR`: uncertainty and Sobol'
 * sensitivity analysis of a composite index. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end || s[0] == '-') return -1;
    *out = (size_t)v;
    return 0;
}

int cmd_sensitivity(int argc, char **argv)
{
    return cmd_sensitivity_parts(argc, argv, NULL);
}

int cmd_sensitivity_parts(int argc, char **argv, const cli_parts *parts)
{
    const char *pipeline = NULL, *spec = NULL, *outdir = NULL;
    int quiet = 0;
    hs_sa_opts o;
    hs_sa_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t n;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cmd_sensitivity_help();
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--runs")) {
            o.write_runs = 1;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--type") ||
                   !strcmp(a, "--n") || !strcmp(a, "--seed") || !strcmp(a, "--threads") ||
                   !strcmp(a, "--sampler") || !strcmp(a, "--bootstrap")) {
            if (!v) return cli_usage("sensitivity", "%s needs a value", a);
            i++;
            if (!strcmp(a, "-o") || !strcmp(a, "--output"))
                outdir = v;
            else if (!strcmp(a, "--type")) {
                if (!strcmp(v, "ua"))
                    o.type = HS_SA_UA;
                else if (!strcmp(v, "sa"))
                    o.type = HS_SA_SA;
                else
                    return cli_usage("sensitivity", "--type is '%s' (expected ua or sa)", v);
            } else if (!strcmp(a, "--sampler")) {
                if (!strcmp(v, "sobol"))
                    o.sampler = HS_SAMPLER_SOBOL;
                else if (!strcmp(v, "random"))
                    o.sampler = HS_SAMPLER_RANDOM;
                else
                    return cli_usage("sensitivity",
                                     "--sampler is '%s' (expected sobol or "
                                     "random)",
                                     v);
            } else if (parse_size(v, &n)) {
                return cli_usage("sensitivity", "%s is '%s' (expected a whole number)", a, v);
            } else if (!strcmp(a, "--n")) {
                if (n < 2) return cli_usage("sensitivity", "--n is %zu (expected at least 2)", n);
                o.n = n;
            } else if (!strcmp(a, "--seed")) {
                o.seed = (unsigned long)n;
            } else if (!strcmp(a, "--threads")) {
                if (n < 1 || n > 256)
                    return cli_usage("sensitivity", "--threads is %zu (expected 1 to 256)", n);
                o.threads = (int)n;
            } else {
                if (n < 1) return cli_usage("sensitivity", "--bootstrap must be at least 1");
                o.bootstrap = n;
            }
        } else if (a[0] == '-' && a[1]) {
            return cli_usage("sensitivity", "unknown option '%s'", a);
        } else if (!pipeline) {
            pipeline = a;
        } else if (!spec) {
            spec = a;
        } else {
            return cli_usage("sensitivity", "unexpected argument '%s'", a);
        }
    }
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
    int rc = CLI_EXIT_OK;
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
