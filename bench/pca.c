/*
 * pca.c - time the PCA kernel (hsi_pca, src/index/audit.c) on K columns of N rows, REPS
 * times; the first call includes whatever the eigensolver loads. Build after `make build`:
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Isrc -Iinclude bench/pca.c build/libhumsec.a \
 *      $(pkg-config --libs gsl sqlite3 zlib nettle libmicrohttpd jansson) -lpthread -lm \
 *      -o /tmp/pca && /tmp/pca 8 51 20000
 * The columns are a fixed pseudo-random pattern, so runs compare across builds.
 */
#include "index/kernels_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pca K N REPS (K <= 64)\n");
        return 2;
    }
    size_t k = strtoul(argv[1], NULL, 10), n = strtoul(argv[2], NULL, 10),
           reps = strtoul(argv[3], NULL, 10);
    if (k < 2 || k > 64 || n < 2 || reps < 1) {
        fprintf(stderr, "pca: K from 2 to 64, N at least 2, REPS at least 1\n");
        return 2;
    }
    double *x = malloc(k * n * sizeof *x),
           *work = malloc((2 * k * k + k * n + 5 * k) * sizeof *work);
    double *load = malloc(k * k * sizeof *load), sdev[64];
    const double *cols[64];
    if (!x || !work || !load) return 1;
    unsigned s = 1;
    for (size_t i = 0; i < k * n; i++) {
        s = s * 1103515245u + 12345u;
        x[i] = (double)(s >> 8) / 16777216.0 + (double)(i % n) * 0.01;
    }
    for (size_t j = 0; j < k; j++)
        cols[j] = x + j * n;
    hs_error e;
    double t0 = now(), first = 0;
    for (size_t r = 0; r < reps; r++) {
        if (hsi_pca(cols, k, n, load, sdev, work, &e)) {
            fprintf(stderr, "pca: %s\n", e.msg);
            return 1;
        }
        if (r == 0) first = now() - t0;
    }
    double t = now() - t0;
    printf("k=%zu n=%zu: first %.1f us, then %.2f us per PCA (sdev[0] %.17g)\n", k, n, 1e6 * first,
           reps > 1 ? 1e6 * (t - first) / (double)(reps - 1) : 0.0, sdev[0]);
    free(x);
    free(work);
    free(load);
    return 0;
}
