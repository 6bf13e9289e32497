/* cmd_partner.c - `humsec partner add|list|revoke|review`: who may submit data to the server,
 * and the administrators' review of what they submit. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cmd_partner_help(void)
{
    puts("usage: humsec partner add NAME [--admin] [--db FILE]\n"
         "       humsec partner list [--db FILE]\n"
         "       humsec partner revoke NAME [--db FILE]\n"
         "       humsec partner review [--status S | --accept ID | --reject ID --why TEXT |\n"
         "                              --withdraw ID [--why TEXT]] [--db FILE]\n"
         "\n"
         "Partners submit indicator values and conflict events to `humsec serve` with a\n"
         "bearer token (POST /api/v1/submissions). A submission stays pending until an\n"
         "administrator accepts it; only accepted submissions enter a run. Reading the API\n"
         "needs no token.\n"
         "\n"
         "add     create partner NAME and print its token on standard output, once: the\n"
         "        store keeps only a salted SHA-256 of it, so it cannot be shown again\n"
         "        (revoke the partner and add a new one if it is lost); when the token\n"
         "        cannot be written, the partner is removed again (exit 3).\n"
         "        --admin makes an administrator, whose token also reviews submissions\n"
         "list    every partner: id, name, created, active tokens, submissions, revoked, role\n"
         "revoke  revoke NAME and all its tokens at once; its submissions stay as they are\n"
         "review  list the pending submissions (--status pending|accepted|rejected|withdrawn|\n"
         "        all for others): id, partner, kind, received, rows, status, decided by,\n"
         "        reason; or decide on one: --accept ID (the next run uses it), --reject ID\n"
         "        --why TEXT, --withdraw ID (any submission; the next run leaves it out).\n"
         "        Every decision goes into the audit log.\n"
         "\n"
         "options:\n"
         "  --db FILE   the store (default out/humsec.db; created if missing)\n"
         "  -h, --help  this help\n"
         "\n"
         "Manual: docs/server.md.");
}

static int partner_review(hs_store *db, const char *status, int act, long id, const char *why)
{
    hs_error err = {0};
    if (act >= 0) {
        static const char *const done[] = {"accepted", "rejected", "withdrawn"};
        if (hs_submission_review(db, id, (hs_review)act, "local", why, &err) != HS_OK)
            return cli_fail(&err);
        fprintf(stderr, "humsec: submission %ld %s\n", id, done[act]);
        return CLI_EXIT_OK;
    }
    hs_submission_info *s = NULL;
    size_t n = 0;
    if (hs_submission_list(db, strcmp(status, "all") ? status : NULL, &s, &n, &err) != HS_OK)
        return cli_fail(&err);
    printf("id\tpartner\tkind\treceived\trows\tstatus\tdecided_by\treason\n");
    for (size_t i = 0; i < n; i++)
        printf("%ld\t%s\t%s\t%s\t%ld\t%s\t%s\t%s\n", s[i].id, s[i].partner, s[i].kind,
               s[i].received, s[i].rows, s[i].status, s[i].decided_by[0] ? s[i].decided_by : "-",
               s[i].reason[0] ? s[i].reason : "-");
    hs_submission_list_free(db, s);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "humsec: cannot write the list: %s\n", strerror(errno));
        return CLI_EXIT_IO;
    }
    return CLI_EXIT_OK;
}

/* Print the new partner's token; when it cannot be written (a full disk, a closed pipe)
 * nobody will ever see it, so the partner goes again. */
static int partner_deliver(hs_store *db, const char *name, const char *token)
{
    errno = 0;
    int ok = printf("%s\n", token) >= 0;
    ok = fflush(stdout) == 0 && ok && !ferror(stdout);
    if (ok) return CLI_EXIT_OK;
    int e = errno;
    hs_error err = {0};
    if (hs_partner_remove(db, name, &err) != HS_OK) {
        fprintf(stderr,
                "humsec: cannot write the token to standard output (%s), and cannot remove "
                "partner '%s' again: revoke it (humsec partner revoke)\n",
                e ? strerror(e) : "write error", name);
        cli_fail(&err);
    } else {
        fprintf(stderr,
                "humsec: cannot write the token to standard output (%s): partner '%s' not "
                "added\n",
                e ? strerror(e) : "write error", name);
    }
    return CLI_EXIT_IO;
}

int cmd_partner(int argc, char **argv)
{
    static const char *const statuses[] = {"pending",   "accepted", "rejected",
                                           "withdrawn", "all",      NULL};
    const char *db_path = "out/humsec.db", *why = NULL, *status = NULL, *args[2] = {NULL, NULL};
    int admin = 0, act = -1, nact = 0, nstatus = 0, status_k = 0;
    long ids[3] = {0, 0, 0}; /* --accept, --reject, --withdraw: hs_review order */
    const char *id_needs = "a submission id (a whole number from 1)";
    const cli_opt opts[] = {
        {CLI_OPT("--db", 0, CLI_STR, &db_path), .needs = "a file"},
        {CLI_OPT("--admin", 0, CLI_FLAG, &admin)},
        {CLI_OPT("--accept", 0, CLI_LONG, &ids[HS_REVIEW_ACCEPT]), .lo = 1, .hi = HUGE_VAL,
         .needs = id_needs, .count = &nact},
        {CLI_OPT("--reject", 0, CLI_LONG, &ids[HS_REVIEW_REJECT]), .lo = 1, .hi = HUGE_VAL,
         .needs = id_needs, .count = &nact},
        {CLI_OPT("--withdraw", 0, CLI_LONG, &ids[HS_REVIEW_WITHDRAW]), .lo = 1, .hi = HUGE_VAL,
         .needs = id_needs, .count = &nact},
        {CLI_OPT("--why", 0, CLI_STR, &why), .needs = "a reason"},
        {CLI_OPT("--status", 0, CLI_CHOICE, &status_k), .words = statuses, .count = &nstatus,
         .needs = "a status"},
    };
    cli_pos pos = {args, 2, 0, NULL};
    int rc = cli_parse("partner", opts, CLI_NOPTS(opts), cmd_partner_help, argc, argv, &pos);
    if (rc != CLI_EXIT_OK) return rc == CLI_HELP ? CLI_EXIT_OK : rc;
    const char *verb = args[0], *name = args[1];
    for (int k = 0; k < 3; k++)
        if (ids[k]) act = k;
    long id = act >= 0 ? ids[act] : 0;
    if (nstatus) status = statuses[status_k];
    if (!verb) return cli_usage("partner", "partner needs add, list, revoke or review");
    int is_add = !strcmp(verb, "add"), is_list = !strcmp(verb, "list"),
        is_revoke = !strcmp(verb, "revoke"), is_review = !strcmp(verb, "review");
    if (!is_add && !is_list && !is_revoke && !is_review)
        return cli_usage("partner", "unknown partner command '%s': add, list, revoke or review",
                         verb);
    if ((is_add || is_revoke) && !name)
        return cli_usage("partner", "partner %s needs a NAME", verb);
    if ((is_list || is_review) && name)
        return cli_usage("partner", "partner %s takes no NAME", verb);
    if (admin && !is_add) return cli_usage("partner", "--admin goes with partner add");
    if (!is_review && (nact || why || status))
        return cli_usage("partner", "--accept, --reject, --withdraw, --why and --status go with "
                                    "partner review");
    if (nact > 1) return cli_usage("partner", "one decision at a time");
    if (nact && status) return cli_usage("partner", "--status lists; it goes without a decision");
    if (why && act != HS_REVIEW_REJECT && act != HS_REVIEW_WITHDRAW)
        return cli_usage("partner", "--why goes with --reject or --withdraw");
    if (act == HS_REVIEW_REJECT && (!why || !*why))
        return cli_usage("partner", "--reject needs --why TEXT (the partner sees the reason)");
    if (!status) status = "pending";
    hs_ctx *ctx = cli_ctx(1);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    hs_error err = {0};
    hs_store *db = NULL;
    if (hs_store_open(ctx, db_path, &db, &err) != HS_OK) {
        rc = cli_fail(&err);
    } else if (is_add) {
        char token[HS_TOKEN_SIZE];
        if (hs_partner_add_role(db, name, admin, token, sizeof token, &err) != HS_OK) {
            rc = cli_fail(&err);
        } else {
            rc = partner_deliver(db, name, token);
            if (!rc)
                fprintf(stderr,
                        "humsec: %s '%s' added; the token above is shown only once: give it\n"
                        "humsec: to the %s (Authorization: Bearer TOKEN)\n",
                        admin ? "administrator" : "partner", name,
                        admin ? "administrator" : "partner");
        }
        memset(token, 0, sizeof token);
    } else if (is_revoke) {
        if (hs_partner_revoke(db, name, &err) != HS_OK)
            rc = cli_fail(&err);
        else
            fprintf(stderr, "humsec: partner '%s' and its tokens revoked\n", name);
    } else if (is_review) {
        rc = partner_review(db, status, act, id, why);
    } else {
        hs_partner_info *p = NULL;
        size_t n = 0;
        if (hs_partner_list(db, &p, &n, &err) != HS_OK) {
            rc = cli_fail(&err);
        } else {
            printf("id\tname\tcreated\ttokens\tsubmissions\trevoked\trole\n");
            for (size_t i = 0; i < n; i++)
                printf("%ld\t%s\t%s\t%ld\t%ld\t%s\t%s\n", p[i].id, p[i].name, p[i].created,
                       p[i].tokens, p[i].submissions, p[i].revoked[0] ? p[i].revoked : "-",
                       p[i].admin ? "admin" : "partner");
        }
        hs_partner_list_free(db, p);
    }
    hs_store_close(db);
    hs_ctx_free(ctx);
    return rc;
}
