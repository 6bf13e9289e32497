/*
 * partners.c - partners, their tokens and the audit log.
 *
 * A token is "hs_<token id>_<64 hex digits>": 256 random bits from getrandom(2). The store
 * keeps only a 16-byte random salt and SHA-256(salt || secret) per token, so a copy of the
 * store does not give the tokens away; the id part only finds the row. Checking a token
 * hashes it and compares the digests in constant time, and an unknown id costs the same
 * hashing as a known one. SHA-256 is nettle's.
 */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <nettle/sha2.h>
#include <sqlite3.h>

#define PT_SALT   16
#define PT_SECRET 32

void hsi_sha256_hex(const void *data, size_t len, char hex[65])
{
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&c);
    sha256_update(&c, len, data);
    sha256_digest(&c, sizeof d, d);
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static void pt_hash(const uint8_t *salt, const char *secret, size_t len,
                    uint8_t out[SHA256_DIGEST_SIZE])
{
    struct sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, PT_SALT, salt);
    sha256_update(&c, len, (const uint8_t *)secret);
    sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

/* Equal digests, in time that does not depend on where they differ. */
static int pt_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    volatile uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

static hs_status pt_random(void *buf, size_t n, hs_error *err)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return hsi_err(err, HS_ERR_IO, NULL, 0, 0, "cannot read random bytes: %s",
                           strerror(errno));
        }
        p += got;
        n -= (size_t)got;
    }
    return HS_OK;
}

hs_status hsi_store_audit(hs_store *db, const char *actor, const char *action, const char *object,
                          const char *detail, hs_error *err)
{
    return hsi_store_run(db, "cannot write the audit log", err,
                         "INSERT INTO audit(at, actor, action, object, detail) VALUES("
                         "strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?1, ?2, ?3, ?4)",
                         "TTTT", actor ? actor : "local", action, object, detail);
}

/* A partner name: 1 to 100 bytes, no control characters. Anything else (quotes, SQL) is
 * plain data. */
static hs_status pt_check_name(const char *name, hs_error *err)
{
    size_t n = strlen(name);
    if (n == 0 || n > 100)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "a partner name has 1 to 100 characters, not %zu", n);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                           "a partner name cannot hold control characters (byte %zu)", i + 1);
    /* UTF-8: the name is served in JSON */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)name[i];
        size_t k = c < 0x80                          ? 1
                   : (c & 0xe0) == 0xc0 && c >= 0xc2 ? 2
                   : (c & 0xf0) == 0xe0              ? 3
                   : (c & 0xf8) == 0xf0 && c <= 0xf4 ? 4
                                                     : 0;
        for (size_t j = 1; k && j < k; j++)
            if (i + j >= n || ((unsigned char)name[i + j] & 0xc0) != 0x80) k = 0;
        if (!k)
            return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                           "a partner name must be UTF-8 text (byte %zu is not)", i + 1);
        i += k;
    }
    return HS_OK;
}

/* A new token for partner pid inside the caller's transaction. */
static hs_status pt_new_token(hs_store *db, int64_t pid, char *token, size_t size, hs_error *err)
{
    uint8_t salt[PT_SALT], raw[PT_SECRET], h[SHA256_DIGEST_SIZE];
    char secret[2 * PT_SECRET + 1];
    hs_status st = pt_random(salt, sizeof salt, err);
    if (!st) st = pt_random(raw, sizeof raw, err);
    if (st) return st;
    for (size_t i = 0; i < PT_SECRET; i++)
        snprintf(secret + 2 * i, 3, "%02x", raw[i]);
    pt_hash(salt, secret, strlen(secret), h);
    st = hsi_store_run(db, "cannot store the token", err,
                       "INSERT INTO token(partner, salt, hash, created_at) VALUES(?1, ?2, "
                       "?3, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                       "IBB", pid, salt, (int)sizeof salt, h, (int)sizeof h);
    if (st) return st;
    long long tid = (long long)sqlite3_last_insert_rowid(hsi_store_db(db));
    if ((size_t)snprintf(token, size, "hs_%lld_%s", tid, secret) >= size)
        return hsi_err(err, HS_ERR_INTERNAL, NULL, 0, 0, "token buffer too small");
    return HS_OK;
}

hs_status hs_partner_add(hs_store *db, const char *name, char *token, size_t token_size,
                         hs_error *err)
{
    return hs_partner_add_role(db, name, 0, token, token_size, err);
}

hs_status hs_partner_add_role(hs_store *db, const char *name, int admin, char *token,
                              size_t token_size, hs_error *err)
{
    hs_status st = pt_check_name(name, err);
    if (st) return st;
    st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (st) return st;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(hsi_store_db(db),
                           "INSERT INTO partner(name, created_at, admin) VALUES(?1, "
                           "strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?2)",
                           -1, &q, NULL) != SQLITE_OK)
        st = hsi_store_err(db, err, "cannot prepare the partner insert");
    if (!st) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(q, 2, admin ? 1 : 0);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_CONSTRAINT)
            st = hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                         "there is already a partner named '%s' (humsec partner list)", name);
        else if (rc != SQLITE_DONE)
            st = hsi_store_err(db, err, "cannot store the partner");
    }
    sqlite3_finalize(q);
    int64_t pid = sqlite3_last_insert_rowid(hsi_store_db(db));
    if (!st) st = pt_new_token(db, pid, token, token_size, err);
    if (!st)
        st = hsi_store_audit(db, "local", "partner.add", name, admin ? "administrator" : NULL, err);
    st = hsi_store_end(db, st, err);
    if (st && token_size) token[0] = 0;
    return st;
}

static void partner_fill(sqlite3_stmt *q, void *e)
{
    hs_partner_info *p = e;
    p->id = (long)sqlite3_column_int64(q, 0);
    hsi_store_text(q, 1, p->name, sizeof p->name);
    hsi_store_text(q, 2, p->created, sizeof p->created);
    hsi_store_text(q, 3, p->revoked, sizeof p->revoked); /* "" while the partner is active */
    p->tokens = (long)sqlite3_column_int64(q, 4);
    p->submissions = (long)sqlite3_column_int64(q, 5);
    p->admin = sqlite3_column_int(q, 6) != 0;
}

hs_status hs_partner_list(hs_store *db, hs_partner_info **out, size_t *n, hs_error *err)
{
    void *rows = NULL;
    hs_status st = hsi_store_list(
        hsi_store_ctx(db), db, sizeof **out, partner_fill, "cannot list partners", &rows, n, err,
        "SELECT p.id, p.name, p.created_at, p.revoked_at, "
        "(SELECT count(*) FROM token t WHERE t.partner = p.id AND t.revoked_at IS NULL), "
        "(SELECT count(*) FROM submission s WHERE s.partner = p.id), p.admin FROM partner p "
        "ORDER BY p.id",
        "");
    *out = rows;
    return st;
}

void hs_partner_list_free(hs_store *db, hs_partner_info *p)
{
    if (db) hsi_free(hsi_store_ctx(db), p);
}

hs_status hs_partner_revoke(hs_store *db, const char *name, hs_error *err)
{
    hs_status st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (st) return st;
    st = hsi_store_run(db, "cannot revoke the partner", err,
                       "UPDATE partner SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') "
                       "WHERE name = ?1 AND revoked_at IS NULL",
                       "T", name);
    if (!st && !sqlite3_changes(hsi_store_db(db)))
        st = hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                     "no active partner named '%s' (humsec partner list)", name);
    if (!st)
        st = hsi_store_run(db, "cannot revoke tokens", err,
                           "UPDATE token SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') "
                           "WHERE revoked_at IS NULL AND partner = (SELECT id FROM partner "
                           "WHERE name = ?1)",
                           "T", name);
    if (!st) st = hsi_store_audit(db, "local", "partner.revoke", name, NULL, err);
    return hsi_store_end(db, st, err);
}

hs_status hs_partner_remove(hs_store *db, const char *name, hs_error *err)
{
    static const char *const sql[] = {
        "DELETE FROM token WHERE partner = (SELECT id FROM partner WHERE name = ?1 AND NOT "
        "EXISTS (SELECT 1 FROM submission s WHERE s.partner = partner.id))",
        "DELETE FROM partner WHERE name = ?1 AND NOT EXISTS (SELECT 1 FROM submission s WHERE "
        "s.partner = partner.id)"};
    hs_status st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (st) return st;
    int changed = 0;
    for (size_t i = 0; !st && i < 2; i++) {
        st = hsi_store_run(db, "cannot remove the partner", err, sql[i], "T", name);
        changed = sqlite3_changes(hsi_store_db(db));
    }
    if (!st && !changed)
        st = hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                     "no partner named '%s' without submissions (humsec partner list)", name);
    if (!st) st = hsi_store_audit(db, "local", "partner.remove", name, NULL, err);
    return hsi_store_end(db, st, err);
}

int hsi_partner_is_admin(hs_store *db, long id)
{
    sqlite3_stmt *q = NULL;
    int admin =
        hsi_store_row(db, &q, "SELECT admin FROM partner WHERE id = ?1 AND revoked_at IS NULL", "I",
                      (int64_t)id) == 1 &&
        sqlite3_column_int(q, 0) == 1;
    sqlite3_finalize(q);
    return admin;
}

hs_status hs_partner_auth(hs_store *db, const char *token, long *partner, char *name,
                          size_t name_size, hs_error *err)
{
    *partner = 0;
    if (name_size) name[0] = 0;
    long long tid = 0;
    const char *secret = "";
    if (!strncmp(token, "hs_", 3) && token[3] >= '0' && token[3] <= '9') {
        /* hs_<token id>_<secret>: the id in at most 18 digits */
        char *end = NULL;
        errno = 0;
        long long v = strtoll(token + 3, &end, 10);
        if (errno == 0 && *end == '_' && end - (token + 3) <= 18) {
            tid = v;
            secret = end + 1;
        }
    }
    size_t slen = strnlen(secret, 2 * PT_SECRET + 1);
    uint8_t salt[PT_SALT] = {0}, stored[SHA256_DIGEST_SIZE] = {0}, h[SHA256_DIGEST_SIZE];
    int found = 0;
    long pid = 0;
    sqlite3_stmt *q = NULL;
    int rc = hsi_store_row(db, &q,
                           "SELECT t.salt, t.hash, p.id, p.name FROM token t JOIN partner p ON "
                           "p.id = t.partner WHERE t.id = ?1 AND t.revoked_at IS NULL AND "
                           "p.revoked_at IS NULL",
                           "I", (int64_t)tid);
    if (rc == 1 && sqlite3_column_bytes(q, 0) == PT_SALT &&
        sqlite3_column_bytes(q, 1) == SHA256_DIGEST_SIZE) {
        memcpy(salt, sqlite3_column_blob(q, 0), PT_SALT);
        memcpy(stored, sqlite3_column_blob(q, 1), SHA256_DIGEST_SIZE);
        pid = (long)sqlite3_column_int64(q, 2);
        if (name_size) hsi_store_text(q, 3, name, name_size);
        found = 1;
    }
    sqlite3_finalize(q);
    if (rc < 0) return hsi_store_err(db, err, "cannot read tokens");
    /* hash even when the id is unknown: the time taken says nothing about the token */
    pt_hash(salt, secret, slen, h);
    if (found && slen == (size_t)2 * PT_SECRET && pt_equal(h, stored, sizeof h))
        *partner = pid;
    else if (name_size)
        name[0] = 0;
    return HS_OK;
}
