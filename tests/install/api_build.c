/*
 * api_build.c - a program outside the project, built against the installed humsec (its
 * header, libhumsec.so and humsec.pc only): prints the library's version, then every value
 * of the last dataset of a build as "unit,time,column,value" with 17 significant digits, so
 * that the test can compare them with the command line's CSV (tests/cli/install.sh).
 * Usage: api_build PIPELINE
 */
#include <humsec.h>
#include <math.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: api_build PIPELINE\n", stderr);
        return 2;
    }
    hs_global_init();
    hs_ctx *ctx = hs_ctx_new(NULL, NULL);
    hs_build *b = NULL;
    hs_error err;
    if (!ctx || hs_build_run(ctx, argv[1], &b, &err) != HS_OK) {
        char msg[2048];
        hs_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "api_build: %s\n", ctx ? msg : "out of memory");
        hs_ctx_free(ctx);
        return 1;
    }
    printf("version,%s\n", hs_version());
    size_t d = hs_build_ndsets(b) - 1;
    printf("dataset,%s\n", hs_build_dset_name(b, d));
    const double *v = hs_build_dset_values(b, d);
    size_t nr = hs_build_dset_nrow(b, d), nc = hs_build_dset_ncol(b, d);
    for (size_t c = 0; c < nc; c++)
        for (size_t r = 0; r < nr; r++) {
            double x = v[c * nr + r];
            if (isnan(x))
                printf("%s,%ld,%s,NA\n", hs_build_dset_unit(b, d, r), hs_build_dset_time(b, d, r),
                       hs_build_dset_col(b, d, c));
            else
                printf("%s,%ld,%s,%.17g\n", hs_build_dset_unit(b, d, r),
                       hs_build_dset_time(b, d, r), hs_build_dset_col(b, d, c), x);
        }
    hs_build_free(b);
    hs_ctx_free(ctx);
    return 0;
}
