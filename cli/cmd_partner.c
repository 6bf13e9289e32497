/* cmd_partner.c - `humsec partner add|list|revoke`: who may submit data to the server. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

void cmd_partner_help(void)
{
    puts("usage: humsec partner add NAME [--db FILE]\n"
         "       humsec partner list [--db FILE]\n"
         "       humsec partner revoke NAME [--db FILE]\n"
         "\n"
         "Partners submit indicator values and conflict events to `humsec serve` with a\n"
         "bearer token (POST /api/v1/submissions). Reading the API needs no token.\n"
         "\n"
         "add     create partner NAME and print its token on standard output, once: the\n"
         "        store keeps only a salted SHA-256 of it, so it cannot be shown again\n"
         "        (revoke the partner and add a new one if it is lost)\n"
         "list    every partner: id, name, created, active tokens, submissions, revoked\n"
         "revoke  revoke NAME and all its tokens at once; its submissions stay as they are\n"
         "\n"
         "options:\n"
         "  --db FILE   the store (default out/humsec.db; created if missing)\n"
         "  -h, --help  this help\n"
         "\n"
         "Manual: docs/server.md.");
}

int cmd_partner(int argc, char **argv)
{
    const char *db_path = "out/humsec.db", *verb = NULL, *name = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cmd_partner_help();
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--db")) {
            if (++i >= argc) return cli_usage("partner", "--db needs a file");
            db_path = argv[i];
        } else if (a[0] == '-' && a[1]) {
            return cli_usage("partner", "unknown option '%s'", a);
        } else if (!verb) {
            verb = a;
        } else if (!name) {
            name = a;
        } else {
            return cli_usage("partner", "unexpected argument '%s'", a);
        }
    }
    if (!verb) return cli_usage("partner", "partner needs add, list or revoke");
    int is_add = !strcmp(verb, "add"), is_list = !strcmp(verb, "list"),
        is_revoke = !strcmp(verb, "revoke");
    if (!is_add && !is_list && !is_revoke)
        return cli_usage("partner", "unknown partner command '%s': add, list or revoke", verb);
    if ((is_add || is_revoke) && !name)
        return cli_usage("partner", "partner %s needs a NAME", verb);
    if (is_list && name) return cli_usage("partner", "partner list takes no NAME");
    hs_ctx *ctx = cli_ctx(1);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    hs_error err = {0};
    hs_store *db = NULL;
    int rc = CLI_EXIT_OK;
    if (hs_store_open(ctx, db_path, &db, &err) != HS_OK) {
        rc = cli_fail(&err);
    } else if (is_add) {
        char token[HS_TOKEN_SIZE];
        if (hs_partner_add(db, name, token, sizeof token, &err) != HS_OK) {
            rc = cli_fail(&err);
        } else {
            puts(token);
            fprintf(stderr,
                    "humsec: partner '%s' added; the token above is shown only once: give it\n"
                    "humsec: to the partner (Authorization: Bearer TOKEN)\n",
                    name);
        }
    } else if (is_revoke) {
        if (hs_partner_revoke(db, name, &err) != HS_OK)
            rc = cli_fail(&err);
        else
            fprintf(stderr, "humsec: partner '%s' and its tokens revoked\n", name);
    } else {
        hs_partner_info *p = NULL;
        size_t n = 0;
        if (hs_partner_list(db, &p, &n, &err) != HS_OK) {
            rc = cli_fail(&err);
        } else {
            printf("id\tname\tcreated\ttokens\tsubmissions\trevoked\n");
            for (size_t i = 0; i < n; i++)
                printf("%ld\t%s\t%s\t%ld\t%ld\t%s\n", p[i].id, p[i].name, p[i].created, p[i].tokens,
                       p[i].submissions, p[i].revoked[0] ? p[i].revoked : "-");
        }
        hs_partner_list_free(db, p);
    }
    hs_store_close(db);
    hs_ctx_free(ctx);
    return rc;
}
