/*
 * fuzz_build.c - libFuzzer target for the whole build path: the input is split at lines
 * "----" into a pipeline file, a structure file and a data file, written to a private
 * folder, and built. Exercises the pipeline reader, the structure checks, the three data
 * shapes and every step on hostile input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "humsec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[64];

static void fuzz_put(const char *name, const char *p, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp) return;
    (void)fwrite(p, 1, n, fp);
    (void)fclose(fp); /* a short file is just another input */
}

/* The explanation's text is not checked here, only that making it is safe. */
static hs_status fuzz_discard(void *ud, const char *buf, size_t len)
{
    (void)ud;
    (void)buf;
    (void)len;
    return HS_OK;
}

static void fuzz_cleanup(void)
{
    const char *names[] = {"p.pipeline", "s.csv", "d.csv"};
    char path[128];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", fuzz_dir, names[i]);
        (void)remove(path);
    }
    rmdir(fuzz_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_dir[0]) {
        hs_global_init();
        snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/hs_fuzz_XXXXXX");
        if (!mkdtemp(fuzz_dir)) return 0;
        (void)atexit(fuzz_cleanup);
    }
    const char *names[3] = {"p.pipeline", "s.csv", "d.csv"};
    const char *p = (const char *)data, *end = p + size;
    for (int part = 0; part < 3; part++) {
        const char *sep = NULL;
        for (const char *q = p; part < 2 && q + 6 <= end; q++)
            if (memcmp(q, "\n----\n", 6) == 0) {
                sep = q;
                break;
            }
        const char *stop = sep ? sep : end;
        fuzz_put(names[part], p, (size_t)(stop - p));
        p = sep ? sep + 6 : end;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/p.pipeline", fuzz_dir);
    hs_ctx *ctx = hs_ctx_new(NULL, NULL);
    hs_error err;
    hs_build *b = NULL;
    if (ctx && hs_build_run(ctx, path, &b, &err) == HS_OK) {
        hs_sink out;
        hs_sink_init(&out, fuzz_discard, NULL);
        hs_build_explain(b, "A", &out, &err);
    }
    hs_build_free(b);
    hs_ctx_free(ctx);
    return 0;
}
