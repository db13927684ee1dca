/* CalDAV requests over net/http.c and the sorting of their answers. */
#include "caldav/caldav.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/errbuf.h"

struct caldav {
    struct http *http;
    char *url;      /* the collection, ending in '/' */
    char *origin;   /* scheme://host[:port], for hrefs that are paths */
    const char *path; /* into url: the collection's path, from its '/' */
    char *user, *password;
    unsigned timeout_ms;
};

enum op_kind { OP_LIST, OP_PUT, OP_DELETE };

/* What a request needs once answered; nothing points back to the struct caldav. */
struct op {
    enum op_kind kind;
    caldav_done_fn *done;
    void *ud;
    char *url, *origin; /* OP_LIST: copies of the collection's, to judge the hrefs listed */
};

static const char QUERY[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\n"
    "  <D:prop><D:getetag/><C:calendar-data/></D:prop>\n"
    "  <C:filter><C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VTODO\"/></C:comp-filter></C:filter>\n"
    "</C:calendar-query>\n";

struct caldav *caldav_new(struct http *http, const struct caldav_config *cfg, char *err, size_t errsz)
{
    const char *u = cfg ? cfg->url : NULL;
    size_t skip = 0;
    if (u && strncasecmp(u, "http://", 7) == 0)
        skip = 7;
    else if (u && strncasecmp(u, "https://", 8) == 0)
        skip = 8;
    if (!http || !skip || !u[skip] || u[skip] == '/' || strpbrk(u, " \t\r\n")) {
        errbuf_set(err, errsz, 1, "the CalDAV address must be an http:// or https:// URL of a collection (got \"%.80s\")",
                   u ? u : "");
        return NULL;
    }
    struct caldav *cd = calloc(1, sizeof *cd);
    size_t len = strlen(u);
    if (cd)
        cd->url = malloc(len + 2);
    if (!cd || !cd->url)
        goto oom;
    memcpy(cd->url, u, len + 1);
    if (u[len - 1] != '/')
        strcat(cd->url, "/");
    cd->path = strchr(cd->url + skip, '/');
    cd->origin = strndup(cd->url, (size_t)(cd->path - cd->url));
    cd->user = cfg->user ? strdup(cfg->user) : NULL;
    cd->password = cfg->password ? strdup(cfg->password) : NULL;
    if (!cd->origin || (cfg->user && !cd->user) || (cfg->password && !cd->password))
        goto oom;
    cd->http = http;
    cd->timeout_ms = cfg->timeout_ms;
    return cd;
oom:
    caldav_free(cd);
    errbuf_set(err, errsz, 1, "out of memory");
    return NULL;
}

void caldav_free(struct caldav *cd)
{
    if (!cd)
        return;
    free(cd->url);
    free(cd->origin);
    free(cd->user);
    if (cd->password) {
        /* The password does not linger in freed memory. */
        explicit_bzero(cd->password, strlen(cd->password));
        free(cd->password);
    }
    free(cd);
}

char *caldav_href(const struct caldav *cd, const char *uid)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t plen = strlen(cd->path), ulen = strlen(uid);
    char *out = malloc(plen + 3 * ulen + 5);
    if (!out)
        return NULL;
    memcpy(out, cd->path, plen);
    char *o = out + plen;
    for (const unsigned char *p = (const unsigned char *)uid; *p; p++) {
        /* RFC 3986 unreserved characters stay; everything else (also '/', '@', ':') is encoded. */
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    strcpy(o, ".ics");
    return out;
}

/* The full URL of href: as is when it is one, after the origin when it is a path, else under
 * the collection. NULL when that is not an item of the collection: the credentials go to the
 * collection's own server only, whatever a listing names (an absolute href to another host, a
 * "/../", a space or control character that would change the request). */
static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* s with %XX decoded (malloc'd): a server may spell the collection's path otherwise than the
 * settings do ("%40" for "@"), and "%2e%2e" is "..". */
static char *decoded(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    if (!out) return NULL;
    for (; *s; s++) {
        int hi, lo;
        if (*s == '%' && (hi = hexval(s[1])) >= 0 && (lo = hexval(s[2])) >= 0) {
            *o++ = (char)(hi * 16 + lo);
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = 0;
    return out;
}

/* Whether the path rest has a ".." segment (a UID may hold ".." inside a name). */
static bool dot_dot(const char *rest)
{
    for (const char *p = rest; (p = strstr(p, "..")); p += 2)
        if ((p == rest || p[-1] == '/') && (p[2] == 0 || p[2] == '/')) return true;
    return false;
}

static char *resolve_in(const char *url, const char *origin, const char *href)
{
    char *out = NULL;
    int rc;
    if (strncasecmp(href, "http://", 7) == 0 || strncasecmp(href, "https://", 8) == 0)
        rc = asprintf(&out, "%s", href);
    else if (href[0] == '/')
        rc = asprintf(&out, "%s%s", origin, href);
    else
        rc = asprintf(&out, "%s%s", url, href);
    if (rc < 0) return NULL;
    char *du = decoded(url), *dout = decoded(out);
    size_t n = du ? strlen(du) : 0;
    bool inside = du && dout && strncmp(dout, du, n) == 0 && dout[n] && !dot_dot(dout + n);
    free(du);
    free(dout);
    for (const unsigned char *p = (const unsigned char *)out; inside && *p; p++)
        inside = *p > 0x20 && *p < 0x7f;
    if (!inside) {
        free(out);
        return NULL;
    }
    return out;
}

static char *resolve(const struct caldav *cd, const char *href)
{
    return resolve_in(cd->url, cd->origin, href);
}

/* An ETag goes into a header as it came: refused when it could break the header. */
static bool etag_ok(const char *etag)
{
    return etag && *etag && strlen(etag) <= HTTP_MAX_ETAG && !strpbrk(etag, "\r\n");
}

/* Entries nudge could not write back safely (an href outside the collection, an ETag that
 * cannot go in a header) are passed over like unreadable ones: never sent to, never deleted. */
static size_t keep_writable(const struct op *op, struct caldav_item *items, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        char *url = resolve_in(op->url, op->origin, items[i].href);
        bool ok = url && (!items[i].etag || etag_ok(items[i].etag));
        free(url);
        if (ok) {
            items[kept++] = items[i];
        } else {
            free(items[i].href);
            free(items[i].etag);
            ical_todo_clear(&items[i].todo);
        }
    }
    return kept;
}

static void reply_error(struct op *op, enum caldav_result res, long status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reply_error(struct op *op, enum caldav_result res, long status, const char *fmt, ...)
{
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    line[strcspn(line, "\r\n")] = '\0';
    struct caldav_reply r = {.result = res, .status = status, .error = line};
    op->done(op->ud, &r);
}

/* Sorts a failure (no answer, or a status that is not the success expected) into its class.
 * Returns true when it replied. */
static bool failed(struct op *op, const struct http_response *resp)
{
    switch (resp->result) {
    case HTTP_DONE:
        break;
    case HTTP_ERR_CONNECT:
    case HTTP_ERR_NETWORK:
        reply_error(op, CALDAV_OFFLINE, 0, "could not reach the calendar server (%s)", resp->error);
        return true;
    case HTTP_ERR_TIMEOUT:
        reply_error(op, CALDAV_TIMEOUT, 0, "the calendar server did not answer in time (%s)", resp->error);
        return true;
    case HTTP_ERR_TLS:
        reply_error(op, CALDAV_TLS, 0, "the calendar server's certificate was not accepted (%s)", resp->error);
        return true;
    case HTTP_ERR_TOO_LARGE:
        reply_error(op, CALDAV_MALFORMED, 0, "the calendar server's reply was too large (%s)", resp->error);
        return true;
    case HTTP_CANCELLED:
        reply_error(op, CALDAV_CANCELLED, 0, "%s", resp->error);
        return true;
    }
    long s = resp->status;
    if (s >= 200 && s < 300)
        return false;
    /* A 403 on one item (read-only, or a server's own rule) is that item's refusal, not a
     * wrong password: the sync goes on with the others. */
    if (s == 401 || (s == 403 && op->kind == OP_LIST))
        reply_error(op, CALDAV_AUTH, s, "the calendar server did not accept the user name and password (HTTP %ld)", s);
    else if (s == 412)
        reply_error(op, CALDAV_CONFLICT, s, "the item changed on the server since it was last read (HTTP 412)");
    else if (s == 404 || s == 410)
        reply_error(op, CALDAV_NOT_FOUND, s, "the calendar server has no such item or collection (HTTP %ld)", s);
    else if (s >= 500)
        reply_error(op, CALDAV_SERVER, s, "the calendar server had a problem of its own (HTTP %ld)", s);
    else
        reply_error(op, CALDAV_REFUSED, s, "the calendar server refused the request (HTTP %ld)", s);
    return true;
}

static void on_list(struct op *op, const struct http_response *resp)
{
    if (resp->status != 207) {
        reply_error(op, CALDAV_MALFORMED, resp->status,
                    "the calendar server answered the listing with HTTP %ld, not a multistatus (207)", resp->status);
        return;
    }
    struct caldav_item *items;
    size_t n, skipped;
    char err[300];
    if (caldav_parse_multistatus(resp->body, resp->body_len, &items, &n, &skipped, err, sizeof err) != 0) {
        reply_error(op, CALDAV_MALFORMED, resp->status, "%s", err);
        return;
    }
    size_t readable = n;
    n = keep_writable(op, items, n);
    skipped += readable - n;
    struct caldav_reply r = {.result = CALDAV_OK, .status = resp->status, .error = "",
                             .items = items, .n_items = n, .skipped = skipped};
    op->done(op->ud, &r);
    caldav_items_free(items, n);
}

static void on_http(void *ud, const struct http_response *resp)
{
    struct op *op = ud;
    if (!failed(op, resp)) {
        if (op->kind == OP_LIST) {
            on_list(op, resp);
        } else {
            struct caldav_reply r = {.result = CALDAV_OK, .status = resp->status, .error = "",
                                     .etag = op->kind == OP_PUT ? resp->etag : NULL};
            op->done(op->ud, &r);
        }
    }
    free(op->url);
    free(op->origin);
    free(op);
}

static int dav_send(struct caldav *cd, enum op_kind kind, const char *method, const char *url,
                const char *const *headers, const char *body, size_t len, caldav_done_fn *done, void *ud)
{
    struct op *op = calloc(1, sizeof *op);
    if (!op)
        return -1;
    *op = (struct op){.kind = kind, .done = done, .ud = ud};
    if (kind == OP_LIST && (!(op->url = strdup(cd->url)) || !(op->origin = strdup(cd->origin)))) {
        free(op->url);
        free(op);
        return -1;
    }
    struct http_request req = {
        .method = method, .url = url, .user = cd->user, .password = cd->password,
        .headers = headers, .body = body, .body_len = len, .timeout_ms = cd->timeout_ms,
    };
    if (http_send(cd->http, &req, on_http, op) != 0) {
        free(op->url);
        free(op->origin);
        free(op);
        return -1;
    }
    return 0;
}

int caldav_list(struct caldav *cd, caldav_done_fn *done, void *ud)
{
    if (!cd || !done)
        return -1;
    const char *headers[] = {"Depth: 1", "Content-Type: application/xml; charset=utf-8", NULL};
    return dav_send(cd, OP_LIST, "REPORT", cd->url, headers, QUERY, sizeof QUERY - 1, done, ud);
}

int caldav_put(struct caldav *cd, const char *href, const char *etag, const char *ics, size_t len,
               caldav_done_fn *done, void *ud)
{
    if (!cd || !href || !*href || !ics || !done || (etag && !etag_ok(etag)))
        return -1;
    char *url = resolve(cd, href);
    char cond[HTTP_MAX_ETAG + 16];
    if (etag)
        snprintf(cond, sizeof cond, "If-Match: %s", etag);
    else
        snprintf(cond, sizeof cond, "If-None-Match: *");
    const char *headers[] = {"Content-Type: text/calendar; charset=utf-8", cond, NULL};
    int rc = url ? dav_send(cd, OP_PUT, "PUT", url, headers, ics, len, done, ud) : -1;
    free(url);
    return rc;
}

int caldav_delete(struct caldav *cd, const char *href, const char *etag, caldav_done_fn *done, void *ud)
{
    if (!cd || !href || !*href || !done || (etag && !etag_ok(etag)))
        return -1;
    char *url = resolve(cd, href);
    char cond[HTTP_MAX_ETAG + 16];
    snprintf(cond, sizeof cond, "If-Match: %s", etag ? etag : "");
    const char *headers[] = {etag ? cond : NULL, NULL};
    int rc = url ? dav_send(cd, OP_DELETE, "DELETE", url, headers, NULL, 0, done, ud) : -1;
    free(url);
    return rc;
}

const char *caldav_result_name(enum caldav_result r)
{
    switch (r) {
    case CALDAV_OK: return "ok";
    case CALDAV_OFFLINE: return "offline";
    case CALDAV_TIMEOUT: return "timeout";
    case CALDAV_TLS: return "tls";
    case CALDAV_AUTH: return "auth";
    case CALDAV_CONFLICT: return "conflict";
    case CALDAV_NOT_FOUND: return "not-found";
    case CALDAV_SERVER: return "server";
    case CALDAV_REFUSED: return "refused";
    case CALDAV_MALFORMED: return "malformed";
    case CALDAV_CANCELLED: return "cancelled";
    }
    return "unknown";
}
