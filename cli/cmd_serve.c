/* cmd_serve.c - `humsec serve`: the JSON API and the dashboard over a store, until SIGINT or
 * SIGTERM. The signal handler only writes a byte to a pipe; the main thread waits on it, then
 * stops the server (requests in progress finish) and closes the store. */
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

void cmd_serve_help(void)
{
    puts("usage: humsec serve [--db FILE] [--port N] [--bind ADDR] [--threads N]\n"
         "                    [--max-body BYTES] [--timeout S] [--access-log FILE]\n"
         "                    [--port-file FILE] [--ua-runs N] [--quiet] [limits]\n"
         "\n"
         "Serve the store FILE over HTTP: the JSON API under /api/v1/ (indices, scores and\n"
         "rank intervals, country pages, event panels, alerts, method, runs, partner\n"
         "submissions) and the dashboard at /. On a new or empty store it first records a\n"
         "run of the shipped data (as `humsec run` does: the HSI with rank intervals, HDI,\n"
         "INFORM, ASEM pillar 1, the shipped GED events and their alerts), printing\n"
         "progress; run it from the project folder. Reads need nothing; writes need a\n"
         "partner token (humsec partner add). Stops cleanly on SIGINT or SIGTERM.\n"
         "\n"
         "options:\n"
         "  --db FILE          the store (default out/humsec.db; created if missing)\n"
         "  --port N           TCP port (default 8080; 0 = any free port)\n"
         "  --bind ADDR        IPv4 address to listen on (default 127.0.0.1; 0.0.0.0 = all)\n"
         "  --threads N        worker threads (default 2)\n"
         "  --max-body BYTES   largest request body, with K or M suffix (default 16M);\n"
         "                     larger ones get 413 payload_too_large\n"
         "  --timeout S        close a connection idle for S seconds (default 30)\n"
         "limits (docs/server.md):\n"
         "  --max-conn N       connections at once (default 4096)\n"
         "  --per-ip N         connections from one address (default 128)\n"
         "  --header-timeout S a request's line and headers within S seconds (default 10)\n"
         "  --body-timeout S   a request's body within S seconds (default 60)\n"
         "  --body-budget BYTES request bodies held at once, all requests (default 64M);\n"
         "                     beyond it 503 with Retry-After\n"
         "  --cache-bytes BYTES response cache size (default 64M)\n"
         "  --run-interval S   a partner starts at most one run per S seconds (default 60;\n"
         "                     sooner: 429 with Retry-After)\n"
         "  --access-log FILE  one JSON line per request (time, method, path, status,\n"
         "                     bytes, us) to FILE; '-' = standard error (the default)\n"
         "  --port-file FILE   write the port listened on to FILE once serving\n"
         "  --ua-runs N        runs of the rank-interval analysis when a run is made\n"
         "                     (default 1000; 0 = no intervals)\n"
         "  -q, --quiet        no progress messages and no access log unless --access-log\n"
         "  -h, --help         this help\n"
         "\n"
         "Manual: docs/server.md; API: docs/openapi.yaml.");
}

static int serve_pipe[2] = {-1, -1};

static void serve_on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (write(serve_pipe[1], &b, 1) < 0) {
        /* nothing else is safe here; the pipe is non-blocking and one byte is enough */
    }
    errno = saved;
}

static void serve_progress(void *ud, int level, const char *msg)
{
    (void)ud;
    (void)level;
    fprintf(stderr, "humsec: %s\n", msg);
}

/* Whether the address and port can be listened on, before the store is built (which may
 * take a minute on a new store): 0, or -1 with the message printed. The server binds again
 * later, as the listening socket would (address reuse, so a port in TIME_WAIT is free). */
static int serve_port_free(const hs_server_opts *so)
{
    if (so->port == 0) return 0; /* any free port */
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)so->port);
    if (inet_pton(AF_INET, so->bind ? so->bind : "127.0.0.1", &sa.sin_addr) != 1) return 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0; /* cannot tell: the server says so when it starts */
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    int e = errno;
    close(fd);
    if (rc == 0) return 0;
    fprintf(stderr, "humsec: cannot listen on %s:%d: %s (another server? --port N, or 0 for any)\n",
            so->bind ? so->bind : "127.0.0.1", so->port, strerror(e));
    return -1;
}

typedef struct serve_args {
    const char *db, *log, *port_file;
    int quiet;
    long ua_runs;
    long cache_bytes, run_interval; /* -1: the default */
    hs_server_opts so;
} serve_args;

/* The defaults, then argv: CLI_EXIT_OK, CLI_HELP or a usage error. K and M multiply every
 * number by 1024 and 1024^2 (--max-body 16M). */
static int serve_parse(int argc, char **argv, serve_args *a)
{
    memset(a, 0, sizeof *a);
    a->db = "out/humsec.db";
    a->ua_runs = 1000;
    a->cache_bytes = a->run_interval = -1;
    hs_server_opts_init(&a->so);
    a->so.port = 8080;
    hs_server_opts *so = &a->so;
    const cli_opt opts[] = {
        {CLI_OPT("--db", 0, CLI_STR, &a->db)},
        {CLI_OPT("--access-log", 0, CLI_STR, &a->log)},
        {CLI_OPT("--port-file", 0, CLI_STR, &a->port_file)},
        {CLI_OPT("--bind", 0, CLI_STR, &so->bind)},
        {CLI_OPT("--port", 0, CLI_INT, &so->port), .lo = 0, .hi = 65535, .km = 1},
        {CLI_OPT("--threads", 0, CLI_INT, &so->threads), .lo = 1, .hi = 256, .km = 1},
        {CLI_OPT("--max-body", 0, CLI_SIZE, &so->max_body), .lo = 1, .hi = 1L << 30, .km = 1,
         .takes = "a size from 1 to 1024M bytes"},
        {CLI_OPT("--timeout", 0, CLI_INT, &so->timeout), .lo = 1, .hi = 86400, .km = 1,
         .takes = "seconds from 1 to 86400"},
        {CLI_OPT("--max-conn", 0, CLI_INT, &so->max_conn), .lo = 1, .hi = 1000000, .km = 1},
        {CLI_OPT("--per-ip", 0, CLI_INT, &so->per_ip), .lo = 1, .hi = 1000000, .km = 1},
        {CLI_OPT("--header-timeout", 0, CLI_INT, &so->header_timeout), .lo = 1, .hi = 86400,
         .km = 1, .takes = "seconds from 1 to 86400"},
        {CLI_OPT("--body-timeout", 0, CLI_INT, &so->body_timeout), .lo = 1, .hi = 86400, .km = 1,
         .takes = "seconds from 1 to 86400"},
        {CLI_OPT("--body-budget", 0, CLI_SIZE, &so->body_budget), .lo = 1, .hi = 1L << 34, .km = 1,
         .takes = "a size from 1 to 16384M bytes"},
        {CLI_OPT("--cache-bytes", 0, CLI_LONG, &a->cache_bytes), .lo = 1, .hi = 1L << 34, .km = 1,
         .takes = "a size from 1 to 16384M bytes"},
        {CLI_OPT("--run-interval", 0, CLI_LONG, &a->run_interval), .lo = 0, .hi = 86400, .km = 1,
         .takes = "seconds from 0 to 86400"},
        {CLI_OPT("--ua-runs", 0, CLI_LONG, &a->ua_runs), .lo = 0, .hi = 100000, .km = 1},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &a->quiet)},
    };
    return cli_parse("serve", opts, CLI_NOPTS(opts), cmd_serve_help, argc, argv, NULL);
}

/* The access log's sink: the server hands it batches of lines, so each is written and
 * flushed at once (a crash loses at most the last quarter second). */
static hs_status serve_log_write(void *ud, const char *buf, size_t len)
{
    FILE *fp = ud;
    return fwrite(buf, 1, len, fp) == len && fflush(fp) == 0 ? HS_OK : HS_ERR_IO;
}

int cmd_serve(int argc, char **argv)
{
    serve_args a;
    int rc = serve_parse(argc, argv, &a);
    if (rc != 0) return rc < 0 ? CLI_EXIT_OK : rc;
    FILE *log = NULL;
    if (a.log && strcmp(a.log, "-")) {
        log = fopen(a.log, "a");
        if (!log) {
            fprintf(stderr, "humsec: cannot open the access log %s: %s\n", a.log, strerror(errno));
            return CLI_EXIT_IO;
        }
        /* fully buffered: the server hands it batches four times a second */
        (void)setvbuf(log, NULL, _IOFBF, 1 << 16);
    }
    FILE *logfp = log ? log : (a.log || !a.quiet ? stderr : NULL);
    hs_sink logsink;
    hs_sink_init(&logsink, serve_log_write, logfp);
    a.so.access_log = logfp ? &logsink : NULL;
    if (pipe(serve_pipe) != 0) {
        perror("humsec: pipe");
        if (log) (void)fclose(log);
        return CLI_EXIT_IO;
    }
    fcntl(serve_pipe[1], F_SETFL, O_NONBLOCK);
    hs_ctx *ctx = cli_ctx(1);
    hs_error err = {0};
    hs_store *db = NULL;
    hs_api *api = NULL;
    hs_server *srv = NULL;
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        rc = CLI_EXIT_NOMEM;
        goto done;
    }
    /* a descriptor per connection: the soft limit (often 1024) raised towards --max-conn */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < (rlim_t)a.so.max_conn + 256) {
        rlim_t want = (rlim_t)a.so.max_conn + 256;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || want < rl.rlim_max ? want : rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl); /* if refused, fewer connections are accepted */
    }
    if (serve_port_free(&a.so) != 0) {
        rc = CLI_EXIT_IO;
        goto done;
    }
    if (hs_store_open(ctx, a.db, &db, &err) != HS_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (hs_store_latest_run(db) == 0) {
        if (!a.quiet)
            fprintf(stderr, "humsec: %s has no finished run: building the shipped data first\n",
                    a.db);
        hs_refresh_opts ro;
        hs_refresh_opts_init(&ro);
        ro.ua_runs = a.ua_runs;
        if (!a.quiet) ro.progress = serve_progress;
        if (hs_store_refresh(ctx, db, &ro, NULL, &err) != HS_OK) {
            rc = cli_fail(&err);
            goto done;
        }
    }
    hs_api_opts ao;
    hs_api_opts_init(&ao);
    ao.max_body = a.so.max_body;
    ao.ua_runs = a.ua_runs;
    if (a.cache_bytes > 0) ao.cache_bytes = (size_t)a.cache_bytes;
    if (a.run_interval >= 0) ao.run_interval = (int)a.run_interval;
    if (hs_api_new(ctx, db, &ao, &api, &err) != HS_OK ||
        hs_server_start(api, &a.so, &srv, &err) != HS_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = serve_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    (void)signal(SIGPIPE, SIG_IGN);
    int port = hs_server_port(srv);
    if (a.port_file) {
        char txt[32];
        int n = snprintf(txt, sizeof txt, "%d\n", port);
        if (hs_file_write(ctx, a.port_file, txt, (size_t)n, &err) != HS_OK) {
            rc = cli_fail(&err);
            goto done;
        }
    }
    if (!a.quiet)
        fprintf(stderr, "humsec: serving %s on http://%s:%d/ (%d threads); Ctrl-C stops\n", a.db,
                a.so.bind, port, a.so.threads);
    for (;;) {
        struct pollfd pfd = {serve_pipe[0], POLLIN, 0};
        int n = poll(&pfd, 1, -1);
        if (n < 0 && errno == EINTR) continue;
        unsigned char b = 0;
        if (n > 0 && read(serve_pipe[0], &b, 1) < 0) continue;
        if (!a.quiet)
            fprintf(stderr, "humsec: %s: finishing the requests in progress and stopping\n",
                    b == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    }
done:
    hs_server_stop(srv);
    hs_api_free(api);
    hs_store_close(db);
    hs_ctx_free(ctx);
    if (log) (void)fclose(log);
    close(serve_pipe[0]);
    close(serve_pipe[1]);
    return rc;
}
