/* cmd_run.c - `humsec run`: the main job on the shipped data. */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The shipped pipelines the main job builds, relative to the project folder. */
static const struct {
    const char *name, *pipeline, *what;
} run_jobs[] = {
    {"hdi", "examples/hdi/hdi.pipeline", "UNDP Human Development Index, 1990-2022"},
    {"inform", "examples/inform/inform.pipeline", "INFORM Risk 2023 from its components"},
    {"asem-p1", "examples/asem/p1.pipeline", "ASEM connectivity index (COINr example)"},
};

void cmd_run_help(void)
{
    puts("usage: humsec run [-o DIR] [--quiet]\n"
         "\n"
         "The main job: build every shipped index from the shipped data into DIR (default\n"
         "out/), one folder per index, and say where the results are. Run it from the\n"
         "project folder.\n"
         "\n"
         "options:\n"
         "  -o, --output DIR   output folder (default out)\n"
         "  -q, --quiet        no progress messages\n"
         "  -h, --help         this help");
}

int cmd_run(int argc, char **argv)
{
    const char *outdir = "out";
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cmd_run_help();
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (++i >= argc)
                return cli_usage("run", "%s needs a folder", a);
            outdir = argv[i];
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else {
            return cli_usage("run", "unexpected argument '%s'", a);
        }
    }
    if (mkdir(outdir, 0777) != 0) {
        struct stat sb;
        if (stat(outdir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "humsec: cannot create output folder %s\n", outdir);
            return CLI_EXIT_IO;
        }
    }
    hs_ctx *ctx = cli_ctx(1);
    if (!ctx)
        return CLI_EXIT_NOMEM;
    int rc = CLI_EXIT_OK;
    size_t njobs = sizeof run_jobs / sizeof run_jobs[0];
    for (size_t j = 0; j < njobs; j++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", outdir, run_jobs[j].name);
        if (!quiet)
            fprintf(stderr, "humsec: [%zu/%zu] %s ...\n", j + 1, njobs, run_jobs[j].what);
        hs_error err = {0};
        hs_build *b = NULL;
        if (hs_build_run(ctx, run_jobs[j].pipeline, &b, &err) != HS_OK ||
            hs_build_write(ctx, b, dir, &err) != HS_OK) {
            rc = cli_fail(&err);
            hs_build_free(b);
            break;
        }
        hs_build_free(b);
        if (!quiet)
            fprintf(stderr, "humsec:        -> %s/ (Aggregated.csv, ranks.csv, summary.json)\n",
                    dir);
    }
    hs_ctx_free(ctx);
    if (rc == CLI_EXIT_OK && !quiet)
        fprintf(stderr, "humsec: done; results are in %s/\n", outdir);
    return rc;
}
