/* test_outpath.c - where outputs may go (core/outpath.c): what a path may be, files written
 * whole beside their path, folders swapped in whole, and nothing left behind otherwise. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core_int.h"

static char tmpdir[256];

static const char *tp(const char *name)
{
    static char buf[4][512];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(buf[slot], sizeof buf[slot], "%s/%s", tmpdir, name);
    return buf[slot];
}

static void put(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
}

static int same_text(const char *path, const char *text)
{
    char *s = NULL;
    size_t len = 0;
    if (hsi_read_file(NULL, path, &s, &len, NULL) != HS_OK) return 0;
    int eq = len == strlen(text) && !memcmp(s, text, len);
    free(s);
    return eq;
}

/* Names in dir, sorted, space-separated (hidden ones too). */
static void listing(const char *dir, char *out, size_t cap)
{
    struct dirent **nl;
    int n = scandir(dir, &nl, NULL, alphasort);
    assert_true(n >= 0);
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(nl[i]->d_name, ".") && strcmp(nl[i]->d_name, "..")) {
            strncat(out, nl[i]->d_name, cap - strlen(out) - 2);
            strncat(out, " ", cap - strlen(out) - 1);
        }
        free(nl[i]);
    }
    free(nl);
}

static void expect_refused(hs_status st, const hs_error *err, const char *needle)
{
    assert_int_equal(st, HS_ERR_IO);
    if (!strstr(err->msg, needle)) fail_msg("message '%s' lacks '%s'", err->msg, needle);
}

static void test_file_check(void **state)
{
    (void)state;
    hs_error err;
    assert_int_equal(hsi_out_file_check(tp("new.csv"), NULL, 0, &err), HS_OK);
    put(tp("reg.csv"), "x\n");
    assert_int_equal(hsi_out_file_check(tp("reg.csv"), NULL, 0, &err), HS_OK);
    expect_refused(hsi_out_file_check("/dev/null", NULL, 0, &err), &err, "is a device");
    assert_int_equal(mkfifo(tp("fifo"), 0600), 0);
    expect_refused(hsi_out_file_check(tp("fifo"), NULL, 0, &err), &err, "FIFO");
    assert_int_equal(symlink(tp("reg.csv"), tp("link")), 0);
    expect_refused(hsi_out_file_check(tp("link"), NULL, 0, &err), &err, "symbolic link");
    assert_int_equal(mkdir(tp("dir"), 0700), 0);
    expect_refused(hsi_out_file_check(tp("dir"), NULL, 0, &err), &err, "a folder");
    /* an input, also under another name (a hard link) */
    assert_int_equal(link(tp("reg.csv"), tp("hard.csv")), 0);
    char inp[512];
    snprintf(inp, sizeof inp, "%s", tp("reg.csv")); /* tp's buffers are reused */
    const char *in[] = {NULL, inp};
    expect_refused(hsi_out_file_check(tp("hard.csv"), in, 2, &err), &err, "is an input");
    assert_string_equal(err.file, tp("hard.csv"));
}

static void test_file_write(void **state)
{
    (void)state;
    hs_error err;
    char before[2048], after[2048];
    assert_int_equal(mkdir(tp("fw"), 0700), 0);
    put(tp("fw/a.csv"), "old\n");
    assert_int_equal(chmod(tp("fw/a.csv"), 0640), 0);
    assert_int_equal(hsi_out_file_write(NULL, tp("fw/a.csv"), NULL, 0, "new\n", 4, &err), HS_OK);
    assert_true(same_text(tp("fw/a.csv"), "new\n"));
    struct stat sb;
    assert_int_equal(stat(tp("fw/a.csv"), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640); /* a replaced file keeps its permissions */
    listing(tp("fw"), after, sizeof after);
    assert_string_equal(after, "a.csv ");
    /* dropped before commit: the old file stays, no temporary file is left */
    listing(tp("fw"), before, sizeof before);
    hsi_outfile f;
    assert_int_equal(hsi_outfile_open(NULL, &f, tp("fw/a.csv"), NULL, 0, &err), HS_OK);
    assert_true(fputs("half", f.fp) >= 0);
    hsi_outfile_abort(&f);
    assert_true(same_text(tp("fw/a.csv"), "new\n"));
    listing(tp("fw"), after, sizeof after);
    assert_string_equal(before, after);
    /* a write error shows at commit, and the old file stays */
    if (access("/dev/full", W_OK) == 0) {
        assert_int_equal(hsi_outfile_open(NULL, &f, tp("fw/a.csv"), NULL, 0, &err), HS_OK);
        FILE *full = freopen("/dev/full", "wb", f.fp);
        assert_non_null(full);
        f.fp = full;
        assert_true(fputs("lost", f.fp) >= 0); /* buffered: the error comes at the flush */
        hs_status st = hsi_outfile_commit(&f, &err);
        expect_refused(st, &err, "write failed");
        assert_true(same_text(tp("fw/a.csv"), "new\n"));
        listing(tp("fw"), after, sizeof after);
        assert_string_equal(before, after);
    }
}

static void test_folder(void **state)
{
    (void)state;
    hs_error err;
    char names[2048], before[2048];
    assert_int_equal(mkdir(tp("fd"), 0700), 0);
    /* a new folder, with the marker */
    hsi_outdir o;
    assert_int_equal(hsi_outdir_begin(NULL, &o, tp("fd/b"), NULL, 0, &err), HS_OK);
    char p[600];
    snprintf(p, sizeof p, "%s/Old.csv", o.tmp);
    put(p, "1\n");
    assert_int_equal(hsi_outdir_commit(&o, &err), HS_OK);
    hsi_outdir_abort(&o);
    listing(tp("fd/b"), names, sizeof names);
    assert_string_equal(names, ".humsec-build Old.csv ");
    /* replaced whole: the old file goes, nothing is left beside */
    assert_int_equal(hsi_outdir_begin(NULL, &o, tp("fd/b"), NULL, 0, &err), HS_OK);
    snprintf(p, sizeof p, "%s/New.csv", o.tmp);
    put(p, "2\n");
    assert_int_equal(hsi_outdir_commit(&o, &err), HS_OK);
    hsi_outdir_abort(&o);
    listing(tp("fd/b"), names, sizeof names);
    assert_string_equal(names, ".humsec-build New.csv ");
    listing(tp("fd"), names, sizeof names);
    assert_string_equal(names, "b ");
    /* not committed: the folder as it was, nothing beside */
    listing(tp("fd"), before, sizeof before);
    assert_int_equal(hsi_outdir_begin(NULL, &o, tp("fd/b"), NULL, 0, &err), HS_OK);
    snprintf(p, sizeof p, "%s/Half.csv", o.tmp);
    put(p, "3\n");
    hsi_outdir_abort(&o);
    listing(tp("fd"), names, sizeof names);
    assert_string_equal(names, before);
    listing(tp("fd/b"), names, sizeof names);
    assert_string_equal(names, ".humsec-build New.csv ");
    /* refused: an input inside, a subfolder, a folder humsec did not write, a file */
    put(tp("fd/b/s.csv"), "structure\n");
    char inp[512];
    snprintf(inp, sizeof inp, "%s", tp("fd/b/s.csv")); /* tp's buffers are reused */
    const char *in[] = {inp};
    expect_refused(hsi_outdir_begin(NULL, &o, tp("fd/b"), in, 1, &err), &err,
                   "holds an input of this run");
    hsi_outdir_abort(&o);
    assert_int_equal(unlink(tp("fd/b/s.csv")), 0);
    assert_int_equal(mkdir(tp("fd/b/sub"), 0700), 0);
    expect_refused(hsi_outdir_begin(NULL, &o, tp("fd/b"), NULL, 0, &err), &err, "'sub'");
    hsi_outdir_abort(&o);
    assert_int_equal(mkdir(tp("fd/mine"), 0700), 0);
    put(tp("fd/mine/notes.txt"), "mine\n");
    expect_refused(hsi_outdir_begin(NULL, &o, tp("fd/mine"), NULL, 0, &err), &err,
                   "humsec did not write it");
    hsi_outdir_abort(&o);
    expect_refused(hsi_outdir_begin(NULL, &o, tp("fd/mine/notes.txt"), NULL, 0, &err), &err,
                   "not a folder");
    hsi_outdir_abort(&o);
    assert_true(same_text(tp("fd/mine/notes.txt"), "mine\n"));
    /* an empty folder is taken */
    assert_int_equal(mkdir(tp("fd/empty"), 0700), 0);
    assert_int_equal(hsi_outdir_begin(NULL, &o, tp("fd/empty"), NULL, 0, &err), HS_OK);
    assert_int_equal(hsi_outdir_commit(&o, &err), HS_OK);
    hsi_outdir_abort(&o);
    listing(tp("fd/empty"), names, sizeof names);
    assert_string_equal(names, ".humsec-build ");
}

static void test_container(void **state)
{
    (void)state;
    hs_error err;
    char names[512];
    assert_int_equal(mkdir(tp("proj"), 0700), 0);
    put(tp("proj/in.csv"), "x\n");
    char inp[512];
    snprintf(inp, sizeof inp, "%s", tp("proj/in.csv")); /* tp's buffers are reused */
    const char *in[] = {inp};
    expect_refused(hsi_out_container(tp("proj"), in, 1, &err), &err, "holds an input");
    assert_int_equal(hsi_out_container(tp("proj/run"), in, 1, &err), HS_OK);
    assert_int_equal(hsi_out_container(tp("proj/run"), in, 1, &err), HS_OK); /* again */
    put(tp("proj/run/humsec.db"), "db\n");
    assert_int_equal(hsi_out_container(tp("proj/run"), in, 1, &err), HS_OK);
    listing(tp("proj/run"), names, sizeof names);
    assert_string_equal(names, ".humsec-run humsec.db ");
    /* a build folder is not a run's folder */
    assert_int_equal(mkdir(tp("proj/b"), 0700), 0);
    put(tp("proj/b/.humsec-build"), "m\n");
    expect_refused(hsi_out_container(tp("proj/b"), in, 1, &err), &err, "humsec did not write");
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hs_outpath_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    /* the test's own folder from mkdtemp */
    return system(cmd) == 0 ? 0 : -1; /* NOLINT(cert-env33-c) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_check),
        cmocka_unit_test(test_file_write),
        cmocka_unit_test(test_folder),
        cmocka_unit_test(test_container),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
