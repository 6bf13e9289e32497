/* fuzz_gz.c - libFuzzer target for gzip'd event files: the input is written to a file and read
 * as `events panel` and `events ingest` read one - gzip detected from its magic bytes, every
 * member inflated to its end with its CRC-32 and length checked, then the rows (reader.c +
 * ged.c) with the duplicate-id check, and a panel from the same file (panel_files.c: the sorted
 * pass and the second read with a table of ids). The seeds are real and cut, corrupted or
 * concatenated GED files; mutations of them hit the header, the deflate blocks and the
 * trailer. Invariants (abort() otherwise): a file whose rows all read makes a panel, and a
 * read that succeeds must have met the end of a complete gzip stream, so the same bytes with
 * their last byte cut off must fail. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events/events_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read every row of the file at path: HS_OK when the whole file was read. */
static hs_status read_rows(const char *path)
{
    hsi_evfile f;
    hs_error err;
    hs_status st = hsi_evfile_open(NULL, path, NULL, &f, &err);
    if (st != HS_OK) return st;
    for (;;) {
        hsi_event ev;
        int eof = 0;
        st = hsi_evfile_next(&f, &ev, &eof, &err);
        if (st != HS_OK || eof) break;
    }
    hsi_evfile_close(&f);
    return st;
}

/* The input as a file; its path in path (the file is removed by the caller). */
static int write_file(const uint8_t *data, size_t size, char *path, size_t n)
{
    snprintf(path, n, "%s/fuzz_gz_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) break;
        done += (size_t)w;
    }
    close(fd);
    return done == size ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4096];
    if (write_file(data, size, path, sizeof path) != 0) {
        unlink(path);
        return 0;
    }
    hs_status st = read_rows(path);
    if (st == HS_OK) { /* a failing file fails the panel the same way: only whole files */
        const char *pp = path;
        hs_panel_opts po;
        hs_panel_opts_init(&po);
        hs_panel *p = NULL;
        hs_error err;
        if (hs_panel_from_files(NULL, &pp, 1, NULL, &po, &p, &err) != HS_OK) abort();
        hs_panel_free(p);
    }
    int gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    unlink(path);
    if (gz && st == HS_OK && size > 2) {
        char cut[4096];
        int ok = write_file(data, size - 1, cut, sizeof cut) == 0;
        if (ok && read_rows(cut) == HS_OK) abort();
        unlink(cut);
    }
    return 0;
}
