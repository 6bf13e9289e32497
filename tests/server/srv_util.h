/*
 * srv_util.h - what the server tests share: start `humsec serve` on loopback (any free port,
 * a temporary store) as a child process, run `humsec partner`, and a small HTTP/1.1 client
 * on plain sockets. Included by tests/server/test_*.c only.
 */
#ifndef HS_SRV_UTIL_H
#define HS_SRV_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

typedef struct srv {
    pid_t pid;
    int port;
    char dir[256]; /* temporary folder: store, port file, logs */
    char db[300];
} srv;

/* A temporary folder for one test program's files. */
static inline void srv_tmpdir(srv *s, const char *tag)
{
    const char *t = getenv("TMPDIR");
    snprintf(s->dir, sizeof s->dir, "%s/humsec-%s-XXXXXX", t && *t ? t : "/tmp", tag);
    if (!mkdtemp(s->dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(s->db, sizeof s->db, "%s/humsec.db", s->dir);
}

static inline void srv_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Start the server on s->db with extra arguments (NULL-terminated); waits for its port. */
static inline int srv_start(srv *s, const char *const *extra)
{
    char pf[400], log[400], err[400];
    snprintf(pf, sizeof pf, "%s/port", s->dir);
    snprintf(log, sizeof log, "%s/access.log", s->dir);
    snprintf(err, sizeof err, "%s/stderr.log", s->dir);
    (void)remove(pf); /* a port file of an earlier start, if any */
    const char *argv[32] = {HS_HUMSEC_EXE, "serve", "--db",         s->db, "--port",    "0",
                            "--port-file", pf,      "--access-log", log,   "--ua-runs", "20"};
    int n = 12;
    for (int i = 0; extra && extra[i] && n < 30; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    s->pid = fork();
    if (s->pid < 0) return -1;
    if (s->pid == 0) {
        FILE *e = freopen(err, "a", stderr);
        (void)e;
        execv(HS_HUMSEC_EXE, (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 1200; i++) { /* up to 120 s: the first start builds the indices */
        FILE *fp = fopen(pf, "r");
        if (fp) {
            char line[32] = "";
            char *end = NULL;
            long port = fgets(line, sizeof line, fp) ? strtol(line, &end, 10) : 0;
            int ok = end && end != line && port > 0 && port < 65536;
            if (ok) s->port = (int)port;
            (void)fclose(fp);
            if (ok) return 0;
        }
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            fprintf(stderr, "server exited early (see %s)\n", err);
            s->pid = 0;
            return -1;
        }
        srv_sleep_ms(100);
    }
    return -1;
}

/* SIGTERM and wait: the exit status (0 = clean stop). */
static inline int srv_stop(srv *s)
{
    if (s->pid <= 0) return -1;
    kill(s->pid, SIGTERM);
    int st = 0;
    waitpid(s->pid, &st, 0);
    s->pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static inline void srv_kill(srv *s)
{
    if (s->pid <= 0) return;
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

/* Run `humsec partner VERB NAME --db db`; its standard output (the token for add) into out.
 * Returns the exit status. */
static inline int srv_partner(const char *db, const char *verb, const char *name, char *out,
                              size_t cap)
{
    int fd[2];
    if (pipe(fd) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        FILE *e = freopen("/dev/null", "w", stderr);
        (void)e;
        if (name)
            execl(HS_HUMSEC_EXE, HS_HUMSEC_EXE, "partner", verb, name, "--db", db, (char *)NULL);
        else
            execl(HS_HUMSEC_EXE, HS_HUMSEC_EXE, "partner", verb, "--db", db, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    size_t n = 0;
    ssize_t got;
    while (n + 1 < cap && (got = read(fd[0], out + n, cap - 1 - n)) > 0)
        n += (size_t)got;
    out[n] = 0;
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = 0;
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

typedef struct http_resp {
    int status;
    char *head; /* status line and headers */
    char *body;
    size_t len;
} http_resp;

static inline void http_resp_free(http_resp *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* Value of header `name` in r (case-insensitive) into out; 0 when present. */
static inline int http_header(const http_resp *r, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (const char *p = r->head; p && *p;) {
        const char *e = strstr(p, "\r\n");
        if (!e) break;
        if ((size_t)(e - p) > n && !strncasecmp(p, name, n) && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            size_t k = (size_t)(e - v) < cap - 1 ? (size_t)(e - v) : cap - 1;
            memcpy(out, v, k);
            out[k] = 0;
            return 0;
        }
        p = e + 2;
    }
    return -1;
}

/* One request (Connection: close); headers is "Name: value\r\n..." or NULL. -1 when the
 * connection failed or the answer is not HTTP. */
static inline int http_do(int port, const char *method, const char *target, const char *headers,
                          const char *body, size_t len, http_resp *r)
{
    memset(r, 0, sizeof *r);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    char head[4096];
    int hn = snprintf(head, sizeof head,
                      "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s"
                      "Content-Length: %zu\r\n\r\n",
                      method, target, headers ? headers : "", body ? len : 0);
    if (send(fd, head, (size_t)hn, MSG_NOSIGNAL) != hn) {
        close(fd);
        return -1;
    }
    for (size_t off = 0; body && off < len;) {
        ssize_t w = send(fd, body + off, len - off, MSG_NOSIGNAL);
        if (w <= 0) break; /* the server may answer (413) and close before reading it all */
        off += (size_t)w;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while (buf && (got = recv(fd, buf + n, cap - n - 1, 0)) > 0) {
        n += (size_t)got;
        if (n + 1 >= cap) {
            char *b = realloc(buf, cap * 2);
            if (!b) break;
            buf = b;
            cap *= 2;
        }
    }
    close(fd);
    if (!buf) return -1;
    buf[n] = 0;
    char *sep = strstr(buf, "\r\n\r\n");
    if (n < 12 || strncmp(buf, "HTTP/1.", 7) || !sep) {
        free(buf);
        return -1;
    }
    r->status = (int)strtol(buf + 9, NULL, 10);
    size_t hl = (size_t)(sep - buf) + 2;
    r->head = malloc(hl + 1);
    r->len = n - hl - 2;
    r->body = malloc(r->len + 1);
    if (!r->head || !r->body) {
        free(buf);
        http_resp_free(r);
        return -1;
    }
    memcpy(r->head, buf, hl);
    r->head[hl] = 0;
    memcpy(r->body, sep + 4, r->len);
    r->body[r->len] = 0;
    free(buf);
    return 0;
}

/* A connection to the server from source address src (NULL: any; 127.0.0.0/8 is all
 * loopback, so another address there is another client), with a receive timeout of
 * `secs` seconds; -1 on failure. */
static inline int http_connect_from(int port, const char *src, int secs)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct timeval tv = {secs, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    if (src) {
        if (inet_pton(AF_INET, src, &sa.sin_addr) != 1 ||
            bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            close(fd);
            return -1;
        }
    }
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static inline int http_send_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0) return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read until the server closes the connection or the receive timeout, into buf (cap, NUL
 * terminated): the byte count, or -1 when the timeout came first with nothing read. */
static inline long http_read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        ssize_t got = recv(fd, buf + n, cap - 1 - n, 0);
        if (got > 0) {
            n += (size_t)got;
            if (n + 1 >= cap) break;
            continue;
        }
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && n == 0) {
            buf[0] = 0;
            return -1;
        }
        break; /* closed (0), reset, or a timeout after some bytes */
    }
    buf[n] = 0;
    return (long)n;
}

/* Status of a raw answer ("HTTP/1.1 NNN ..."), -1 when it is not one. */
static inline int http_raw_status(const char *buf)
{
    return strncmp(buf, "HTTP/1.", 7) ? -1 : (int)strtol(buf + 9, NULL, 10);
}

/* GET target and parse the JSON body (NULL if it is not JSON). */
static inline json_t *http_json(int port, const char *method, const char *target,
                                const char *headers, const char *body, size_t len, int *status)
{
    http_resp r;
    *status = -1;
    if (http_do(port, method, target, headers, body, len, &r) != 0) return NULL;
    *status = r.status;
    json_t *j = json_loadb(r.body, r.len, 0, NULL);
    http_resp_free(&r);
    return j;
}

#endif
