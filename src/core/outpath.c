/*
 * outpath.c - where humsec may write, and how. Every output is either a file or a folder:
 *   - a file is written to a new temporary file beside it and renamed into place, and only
 *     over nothing or a regular file that is not an input of the run: a device (/dev/full),
 *     FIFO, socket, folder or symbolic link at the path is refused, since renaming over it
 *     would destroy it and writing through it would put the output somewhere else;
 *   - a folder of outputs (a build, a sensitivity analysis) is written into a new sibling
 *     folder and swapped into place, so it holds exactly one run's files or is left as it
 *     was. It replaces only nothing, an empty folder, or a folder that humsec wrote (it
 *     holds the marker file HSI_OUT_MARKER and only regular files), and never a folder that
 *     holds an input of the run.
 * The same checks serve the library's writers and, through hs_file_write and hs_outfile, the
 * command line's.
 */
/* renameat2 (RENAME_EXCHANGE) is a GNU extension */
#define _GNU_SOURCE /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include "core_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* What is at a path, in words for a message, or NULL for a regular file. */
static const char *op_kind(const struct stat *sb)
{
    if (S_ISREG(sb->st_mode)) return NULL;
    if (S_ISDIR(sb->st_mode)) return "a folder";
    if (S_ISLNK(sb->st_mode)) return "a symbolic link";
    if (S_ISCHR(sb->st_mode) || S_ISBLK(sb->st_mode)) return "a device";
    if (S_ISFIFO(sb->st_mode)) return "a FIFO (named pipe)";
    if (S_ISSOCK(sb->st_mode)) return "a socket";
    return "not a regular file";
}

/* The input that `sb` is (same device and inode), or NULL. */
static const char *op_same_input(const struct stat *sb, const char *const *inputs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct stat ib;
        if (inputs[i] && stat(inputs[i], &ib) == 0 && ib.st_dev == sb->st_dev &&
            ib.st_ino == sb->st_ino)
            return inputs[i];
    }
    return NULL;
}

/* lstat of an output path or folder (what names it in messages); *there is 0 when nothing
 * is there. */
static hs_status op_lstat(const char *path, const char *what, struct stat *sb, int *there,
                          hs_error *err)
{
    *there = 0;
    if (!path || !*path) return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "empty output %s", what);
    if (lstat(path, sb) != 0) {
        if (errno == ENOENT) return HS_OK;
        return hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot check the output %s: %s", what,
                       strerror(errno));
    }
    *there = 1;
    return HS_OK;
}

hs_status hsi_out_file_check(const char *path, const char *const *inputs, size_t ninputs,
                             hs_error *err)
{
    struct stat sb;
    int there;
    hs_status st = op_lstat(path, "path", &sb, &there, err);
    if (st || !there) return st;
    const char *kind = op_kind(&sb);
    if (kind && S_ISLNK(sb.st_mode))
        return hsi_err(err, HS_ERR_IO, path, 0, 0,
                       "output path is a symbolic link; humsec replaces only regular files "
                       "(give the file it points to, or another name)");
    if (kind)
        return hsi_err(err, HS_ERR_IO, path, 0, 0,
                       "output path is %s, not a regular file; humsec writes only new or "
                       "regular files",
                       kind);
    const char *in = op_same_input(&sb, inputs, ninputs);
    if (in)
        return hsi_err(err, HS_ERR_IO, path, 0, 0,
                       "output path is an input of this run (%s); write to another file", in);
    return HS_OK;
}

/* The folder part of path ("." when it has none), in buf. */
static void op_dirname(const char *path, char *buf, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, cap, ".");
    else if (slash == path)
        snprintf(buf, cap, "/");
    else
        snprintf(buf, cap, "%.*s", (int)(slash - path), path);
}

hs_status hsi_outfile_open(hs_ctx *ctx, hsi_outfile *f, const char *path, const char *const *inputs,
                           size_t ninputs, hs_error *err)
{
    memset(f, 0, sizeof *f);
    f->ctx = ctx;
    hs_status st = hsi_out_file_check(path, inputs, ninputs, err);
    if (st) return st;
    struct stat old;
    int had = stat(path, &old) == 0;
    char dir[PATH_MAX];
    op_dirname(path, dir, sizeof dir);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t cap = strlen(dir) + strlen(base) + 64;
    if (!(f->path = hsi_strdup(ctx, path)) || !(f->tmp = hsi_malloc(ctx, cap))) {
        hsi_outfile_abort(f);
        return hsi_err_nomem(err);
    }
    int fd = -1;
    for (unsigned n = 0; n < 1000 && fd < 0; n++) {
        snprintf(f->tmp, cap, "%s/.%s.%ld-%u.tmp", dir, base, (long)getpid(), n);
        fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        st = hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
        hsi_free(ctx, f->tmp);
        f->tmp = NULL;
        hsi_outfile_abort(f);
        return st;
    }
    /* a replaced file keeps its permissions */
    if (had) (void)fchmod(fd, old.st_mode & 07777);
    if (!(f->fp = fdopen(fd, "wb"))) {
        st = hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
        (void)close(fd);
        hsi_outfile_abort(f);
        return st;
    }
    return HS_OK;
}

hs_status hsi_outfile_commit(hsi_outfile *f, hs_error *err)
{
    int bad = ferror(f->fp) != 0;
    int e = bad ? EIO : 0; /* an earlier write failed; its errno is gone */
    if (fflush(f->fp) != 0) {
        bad = 1;
        e = errno;
    }
    if (fclose(f->fp) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    f->fp = NULL;
    hs_status st = HS_OK;
    if (bad)
        st = hsi_err(err, HS_ERR_IO, f->path, 0, 0, "write failed: %s", strerror(e));
    else if (rename(f->tmp, f->path) != 0)
        st =
            hsi_err(err, HS_ERR_IO, f->path, 0, 0, "cannot rename into place: %s", strerror(errno));
    else {
        hsi_free(f->ctx, f->tmp);
        f->tmp = NULL;
    }
    hsi_outfile_abort(f);
    return st;
}

void hsi_outfile_abort(hsi_outfile *f)
{
    if (f->fp) (void)fclose(f->fp); /* the file is removed below */
    if (f->tmp) (void)remove(f->tmp);
    hsi_free(f->ctx, f->tmp);
    hsi_free(f->ctx, f->path);
    memset(f, 0, sizeof *f);
}

hs_status hsi_out_file_write(hs_ctx *ctx, const char *path, const char *const *inputs,
                             size_t ninputs, const void *data, size_t len, hs_error *err)
{
    hsi_outfile f;
    hs_status st = hsi_outfile_open(ctx, &f, path, inputs, ninputs, err);
    if (st) return st;
    if (len > 0 && fwrite(data, 1, len, f.fp) != len) {
        st = hsi_err(err, HS_ERR_IO, path, 0, 0, "write failed: %s", strerror(errno));
        hsi_outfile_abort(&f);
        return st;
    }
    return hsi_outfile_commit(&f, err);
}

/* ---- folders ---------------------------------------------------------------------------- */

/* The first input that lies under folder `real` (a resolved path), or NULL. */
static const char *op_input_under(const char *real, const char *const *inputs, size_t n)
{
    size_t rl = strlen(real);
    for (size_t i = 0; i < n; i++) {
        char in[PATH_MAX];
        if (!inputs[i] || !realpath(inputs[i], in)) continue;
        if (!strcmp(real, "/") || (!strncmp(in, real, rl) && (in[rl] == '/' || in[rl] == 0)))
            return inputs[i];
    }
    return NULL;
}

/* Remove the regular files in dir and the folder itself. Best effort: 0 if all went. */
static int op_rmdir_flat(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int bad = 0;
    struct dirent *e;
    char p[PATH_MAX];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) != 0 || S_ISDIR(sb.st_mode) || unlink(p) != 0) bad = 1;
    }
    (void)closedir(d);
    if (rmdir(dir) != 0) bad = 1;
    return bad ? -1 : 0;
}

/* Look into an existing folder: empty, humsec's (marker `marker`, and, when flat is set,
 * only regular files), or neither. */
static hs_status op_dir_scan(const char *dir, const char *marker, int flat, hs_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return hsi_err(err, HS_ERR_IO, dir, 0, 0, "cannot read the output folder: %s",
                       strerror(errno));
    int marked = 0, any = 0;
    char other[256] = "";
    struct dirent *e;
    char p[PATH_MAX];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        any = 1;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        int reg = lstat(p, &sb) == 0 && S_ISREG(sb.st_mode);
        if (reg && !strcmp(e->d_name, marker))
            marked = 1;
        else if (flat && !reg && !other[0])
            snprintf(other, sizeof other, "%s", e->d_name);
    }
    (void)closedir(d);
    if (!any) return HS_OK;
    if (!marked)
        return hsi_err(err, HS_ERR_IO, dir, 0, 0,
                       "output folder is not empty and humsec did not write it (it has no %s "
                       "file); give a new or empty folder, or remove what is in it",
                       marker);
    if (other[0])
        return hsi_err(err, HS_ERR_IO, dir, 0, 0,
                       "output folder holds '%s', which humsec did not write (a build "
                       "folder holds files only); move it away or give another folder",
                       other);
    return HS_OK;
}

/* Check an output folder path: nothing there, or a folder (not a link) holding no input. On
 * success *exists says whether a folder is there and real holds its resolved path. */
static hs_status op_dir_check(const char *dir, const char *const *inputs, size_t ninputs,
                              int *exists, char *real, hs_error *err)
{
    *exists = 0;
    struct stat sb;
    int there;
    hs_status st = op_lstat(dir, "folder", &sb, &there, err);
    if (st || !there) return st;
    if (S_ISLNK(sb.st_mode)) {
        struct stat tb;
        if (stat(dir, &tb) == 0 && S_ISDIR(tb.st_mode))
            return hsi_err(err, HS_ERR_IO, dir, 0, 0,
                           "output folder is a symbolic link; give the folder it points to");
        return hsi_err(err, HS_ERR_IO, dir, 0, 0,
                       "output path exists and is not a folder (a "
                       "symbolic link)");
    }
    if (!S_ISDIR(sb.st_mode))
        return hsi_err(err, HS_ERR_IO, dir, 0, 0, "output path exists and is not a folder");
    if (!realpath(dir, real))
        return hsi_err(err, HS_ERR_IO, dir, 0, 0, "cannot resolve the output folder: %s",
                       strerror(errno));
    if (!strcmp(real, "/"))
        return hsi_err(err, HS_ERR_IO, dir, 0, 0, "cannot write outputs over the root folder");
    const char *in = op_input_under(real, inputs, ninputs);
    if (in)
        return hsi_err(err, HS_ERR_IO, dir, 0, 0,
                       "output folder holds an input of this run (%s); write the outputs to "
                       "another folder",
                       in);
    *exists = 1;
    return HS_OK;
}

hs_status hsi_outdir_begin(hs_ctx *ctx, hsi_outdir *o, const char *dir, const char *const *inputs,
                           size_t ninputs, hs_error *err)
{
    memset(o, 0, sizeof *o);
    o->ctx = ctx;
    char real[PATH_MAX];
    hs_status st = op_dir_check(dir, inputs, ninputs, &o->exists, real, err);
    if (!st && o->exists) st = op_dir_scan(dir, HSI_OUT_MARKER, 1, err);
    if (st) return st;
    /* the new folder is a sibling, so that the swap is a rename within one file system */
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", o->exists ? real : dir);
    size_t l = strlen(path);
    while (l > 1 && path[l - 1] == '/')
        path[--l] = 0;
    char parent[PATH_MAX];
    op_dirname(path, parent, sizeof parent);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t cap = strlen(parent) + strlen(base) + 64;
    if (!(o->dir = hsi_strdup(ctx, path)) || !(o->shown = hsi_strdup(ctx, dir)) ||
        !(o->tmp = hsi_malloc(ctx, cap))) {
        hsi_outdir_abort(o);
        return hsi_err_nomem(err);
    }
    int made = 0;
    for (unsigned n = 0; n < 1000 && !made; n++) {
        snprintf(o->tmp, cap, "%s/.%s.%ld-%u.tmp", parent, base, (long)getpid(), n);
        made = mkdir(o->tmp, 0777) == 0;
        if (!made && errno != EEXIST) break;
    }
    if (!made) {
        st = hsi_err(err, HS_ERR_IO, dir, 0, 0, "cannot create output folder: %s", strerror(errno));
        hsi_free(ctx, o->tmp);
        o->tmp = NULL;
        hsi_outdir_abort(o);
        return st;
    }
    return HS_OK;
}

hs_status hsi_outdir_commit(hsi_outdir *o, hs_error *err)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", o->tmp, HSI_OUT_MARKER);
    FILE *fp = fopen(p, "wbx");
    int bad = !fp;
    if (fp) {
        bad |= fputs("This folder was written by humsec " HS_VERSION ". The next humsec "
                     "output written to it\nreplaces it whole; files added here are lost "
                     "then.\n",
                     fp) < 0;
        bad |= fclose(fp) != 0;
    }
    if (bad)
        return hsi_err(err, HS_ERR_IO, o->shown, 0, 0, "cannot write %s: %s", HSI_OUT_MARKER,
                       strerror(errno));
    if (!o->exists) {
        if (rename(o->tmp, o->dir) != 0)
            return hsi_err(err, HS_ERR_IO, o->shown, 0, 0, "cannot rename into place: %s",
                           strerror(errno));
        hsi_free(o->ctx, o->tmp);
        o->tmp = NULL;
        return HS_OK;
    }
    int swapped = 0;
#ifdef RENAME_EXCHANGE
    swapped = renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->dir, RENAME_EXCHANGE) == 0;
    if (!swapped && errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return hsi_err(err, HS_ERR_IO, o->shown, 0, 0, "cannot rename into place: %s",
                       strerror(errno));
#endif
    if (!swapped) {
        /* no atomic swap on this file system: move the old folder aside, then the new one
           in, and the old one back if that fails */
        size_t cap = strlen(o->tmp) + 8;
        char *old = hsi_malloc(o->ctx, cap);
        if (!old) return hsi_err_nomem(err);
        snprintf(old, cap, "%s.old", o->tmp);
        hs_status st = HS_OK;
        if (rename(o->dir, old) != 0) {
            st = hsi_err(err, HS_ERR_IO, o->shown, 0, 0, "cannot rename into place: %s",
                         strerror(errno));
        } else if (rename(o->tmp, o->dir) != 0) {
            st = hsi_err(err, HS_ERR_IO, o->shown, 0, 0, "cannot rename into place: %s",
                         strerror(errno));
            (void)rename(old, o->dir); /* best effort: the error above is reported */
        } else {
            (void)rename(old, o->tmp); /* the old files are removed from there below */
        }
        hsi_free(o->ctx, old);
        if (st) return st;
    }
    /* o->tmp now holds the previous run's files */
    if (op_rmdir_flat(o->tmp) != 0)
        hsi_log(o->ctx, 1, "%s: could not remove all of the previous outputs, moved to %s", o->dir,
                o->tmp);
    hsi_free(o->ctx, o->tmp);
    o->tmp = NULL;
    return HS_OK;
}

void hsi_outdir_abort(hsi_outdir *o)
{
    if (o->tmp) (void)op_rmdir_flat(o->tmp); /* best effort; the first error is reported */
    hsi_free_all(o->ctx, o->tmp, o->dir, o->shown);
    memset(o, 0, sizeof *o);
}

hs_status hsi_out_container(const char *dir, const char *const *inputs, size_t ninputs,
                            hs_error *err)
{
    char real[PATH_MAX];
    int exists = 0;
    hs_status st = op_dir_check(dir, inputs, ninputs, &exists, real, err);
    if (!st && exists) st = op_dir_scan(dir, HSI_OUT_RUN_MARKER, 0, err);
    if (st) return st;
    if (!exists && mkdir(dir, 0777) != 0)
        return hsi_err(err, HS_ERR_IO, dir, 0, 0, "cannot create output folder: %s",
                       strerror(errno));
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, HSI_OUT_RUN_MARKER);
    struct stat sb;
    if (lstat(p, &sb) == 0) return HS_OK;
    FILE *fp = fopen(p, "wbx");
    int bad = !fp;
    if (fp) {
        bad |= fputs("This folder was written by humsec " HS_VERSION " (humsec run). Its build "
                     "folders are\nreplaced whole by the next run.\n",
                     fp) < 0;
        bad |= fclose(fp) != 0;
    }
    if (bad)
        return hsi_err(err, HS_ERR_IO, dir, 0, 0, "cannot write %s: %s", HSI_OUT_RUN_MARKER,
                       strerror(errno));
    return HS_OK;
}

/* ---- public ------------------------------------------------------------------------------ */

struct hs_outfile {
    hsi_outfile f;
};

hs_status hs_file_write(hs_ctx *ctx, const char *path, const void *data, size_t len, hs_error *err)
{
    return hsi_out_file_write(ctx, path, NULL, 0, data, len, err);
}

hs_status hs_outfile_open(hs_ctx *ctx, const char *path, const char *const *inputs, size_t ninputs,
                          hs_outfile **out, hs_error *err)
{
    *out = NULL;
    hs_outfile *o = hsi_calloc(ctx, 1, sizeof *o);
    if (!o) return hsi_err_nomem(err);
    hs_status st = hsi_outfile_open(ctx, &o->f, path, inputs, ninputs, err);
    if (st) {
        hsi_free(ctx, o);
        return st;
    }
    *out = o;
    return HS_OK;
}

/* stdio keeps the first error, and hsi_outfile_commit reports it with errno's text; a short
 * write here only stops the writer early. */
static hs_status outfile_write(void *ud, const char *buf, size_t len)
{
    hs_outfile *f = ud;
    return fwrite(buf, 1, len, f->f.fp) == len ? HS_OK : HS_ERR_IO;
}

void hs_outfile_sink(hs_outfile *f, hs_sink *out)
{
    hs_sink_init(out, outfile_write, f);
}

hs_status hs_outfile_close(hs_outfile *f, int keep, hs_error *err)
{
    if (!f) return HS_OK;
    hs_ctx *ctx = f->f.ctx;
    hs_status st = HS_OK;
    if (keep)
        st = hsi_outfile_commit(&f->f, err);
    else
        hsi_outfile_abort(&f->f);
    hsi_free(ctx, f);
    return st;
}

hs_status hs_output_folder(const char *dir, const char *const *inputs, size_t ninputs,
                           hs_error *err)
{
    return hsi_out_container(dir, inputs, ninputs, err);
}
