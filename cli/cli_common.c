/* cli_common.c - messages, exit codes and the context shared by the humsec programs. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_exit_code(hs_status st)
{
    switch (st) {
    case HS_OK:
        return CLI_EXIT_OK;
    case HS_ERR_NOMEM:
        return CLI_EXIT_NOMEM;
    case HS_ERR_IO:
        return CLI_EXIT_IO;
    case HS_ERR_PARSE:
        return CLI_EXIT_PARSE;
    case HS_ERR_SCHEMA:
        return CLI_EXIT_SCHEMA;
    case HS_ERR_PIPELINE:
        return CLI_EXIT_PIPELINE;
    case HS_ERR_DOMAIN:
        return CLI_EXIT_DOMAIN;
    case HS_ERR_USAGE:
        return CLI_EXIT_USAGE;
    case HS_ERR_INTERNAL:
        return CLI_EXIT_INTERNAL;
    }
    return CLI_EXIT_INTERNAL;
}

int cli_fail(const hs_error *err)
{
    char msg[2048];
    hs_error_format(err, msg, sizeof msg);
    fprintf(stderr, "humsec: %s\n", msg);
    return cli_exit_code(err->code);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("humsec: ", stderr);
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): false positive, va_start above */
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, "\ntry 'humsec %s --help'\n", cmd);
    else
        fputs("\ntry 'humsec --help'\n", stderr);
    return CLI_EXIT_USAGE;
}

static void main_log(void *ud, int level, const char *msg)
{
    (void)ud;
    fprintf(stderr, "humsec: %s%s\n", level ? "warning: " : "", msg);
}

hs_ctx *cli_ctx(int quiet)
{
    hs_ctx *ctx = hs_ctx_new(NULL, NULL);
    if (ctx && !quiet) hs_ctx_set_log(ctx, main_log, NULL);
    return ctx;
}

static void store_progress(void *ud, int level, const char *msg)
{
    (void)ud;
    (void)level;
    fprintf(stderr, "humsec: store: %s\n", msg);
}

int cli_store_refresh(hs_ctx *ctx, const char *dbpath, int quiet)
{
    hs_error err = {0};
    hs_store *db = NULL;
    hs_refresh_opts ro;
    hs_refresh_opts_init(&ro);
    if (!quiet) {
        ro.progress = store_progress;
        fprintf(stderr, "humsec: store: recording the run in %s\n", dbpath);
    }
    hs_refresh_info info;
    int rc = CLI_EXIT_OK;
    if (hs_store_open(ctx, dbpath, &db, &err) != HS_OK ||
        hs_store_refresh(ctx, db, &ro, &info, &err) != HS_OK)
        rc = cli_fail(&err);
    hs_store_close(db);
    return rc;
}

int cli_close_stdout(int rc)
{
    /* errno from an earlier failed write is gone by now; the flush and close below set it
       again when the error persists (a full disk, /dev/full) */
    errno = 0;
    int bad = ferror(stdout) != 0;
    if (fflush(stdout) != 0) bad = 1;
    int e = errno;
    /* a standard output that was closed (>&-) and never written to is no error */
    if (fclose(stdout) != 0 && (bad || errno != EBADF)) {
        bad = 1;
        if (!e) e = errno;
    }
    if (!bad) return rc;
    fprintf(stderr, "humsec: cannot write to standard output%s%s\n", e ? ": " : "",
            e ? strerror(e) : "");
    return rc == CLI_EXIT_OK ? CLI_EXIT_IO : rc;
}

/* Short writes leave stdout's error flag set, which cli_close_stdout reports with errno's
 * text at exit; here they only stop the writer. */
static hs_status stdout_write(void *ud, const char *buf, size_t len)
{
    (void)ud;
    return fwrite(buf, 1, len, stdout) == len ? HS_OK : HS_ERR_IO;
}

void cli_out_sink(hs_outfile *of, hs_sink *out)
{
    if (of)
        hs_outfile_sink(of, out);
    else
        hs_sink_init(out, stdout_write, NULL);
}

int cli_put_in_dir(hs_ctx *ctx, const char *dir, const char *name, const char *buf, size_t len)
{
    struct stat sb;
    char path[4096];
    hs_error err;
    if (stat(dir, &sb) != 0 && mkdir(dir, 0777) != 0) {
        fprintf(stderr, "humsec: %s: cannot create the folder: %s\n", dir, strerror(errno));
        return CLI_EXIT_IO;
    }
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        fprintf(stderr, "humsec: %s: path too long\n", dir);
        return CLI_EXIT_IO;
    }
    return hs_file_write(ctx, path, buf, len, &err) == HS_OK ? CLI_EXIT_OK : cli_fail(&err);
}
