/* A CalDAV client (RFC 4791) for one task collection, on net/http.c: list its VTODOs with
 * their ETags, put one (create or update under an ETag), delete one. Every call returns at
 * once; the answer comes to a callback from the loop, with the failure sorted into a class the
 * sync can act on (offline: retry later; auth: ask for the password; conflict: re-read). */
#ifndef NUDGE_CALDAV_H
#define NUDGE_CALDAV_H

#include <stddef.h>

#include "ical/ical.h"
#include "net/http.h"

/* Most items one listing reads (more are counted as skipped). */
#define CALDAV_MAX_ITEMS 20000

enum caldav_result {
    CALDAV_OK,
    CALDAV_OFFLINE,   /* no connection (refused, unreachable, dropped, unknown host) */
    CALDAV_TIMEOUT,   /* the server did not answer in time */
    CALDAV_TLS,       /* the server's certificate was refused */
    CALDAV_AUTH,      /* 401 or 403: wrong user name or password, or no access */
    CALDAV_CONFLICT,  /* 412: the item changed (or appeared) on the server since its ETag */
    CALDAV_NOT_FOUND, /* 404 or 410: no such item (or collection) */
    CALDAV_SERVER,    /* 5xx */
    CALDAV_REFUSED,   /* another status that is not success (400, 3xx, ...) */
    CALDAV_MALFORMED, /* a reply that could not be read, or too large */
    CALDAV_CANCELLED, /* the HTTP client was freed first */
};

struct caldav_config {
    const char *url;      /* the collection, http:// or https:// (a missing final / is added) */
    const char *user;     /* NULL: no authentication */
    const char *password;
    unsigned timeout_ms;  /* per request; 0: HTTP_TIMEOUT_MS */
};

/* One VTODO of the collection. */
struct caldav_item {
    char *href;        /* as the server wrote it (a path, percent-encoded) */
    char *etag;        /* NULL when the server sent none */
    struct ical_todo todo;
};

/* Valid only during the callback. */
struct caldav_reply {
    enum caldav_result result;
    long status;       /* the HTTP status, 0 when there was no answer */
    const char *error; /* one plain line; "" for CALDAV_OK */
    const char *etag;  /* caldav_put: the new ETag (NULL when the server sent none) */
    const struct caldav_item *items; /* caldav_list */
    size_t n_items;
    size_t skipped;    /* caldav_list: entries left out (no calendar data, unreadable VTODO) */
};

typedef void caldav_done_fn(void *ud, const struct caldav_reply *r);

struct caldav;

/* Copies cfg. NULL with one line in err when the URL is no http(s) URL or memory ran out. */
struct caldav *caldav_new(struct http *http, const struct caldav_config *cfg, char *err, size_t errsz);
/* Requests under way do not point back to the caldav: they still complete (or are cancelled by
 * http_free). NULL is fine. */
void caldav_free(struct caldav *cd);

/* The href (path) where nudge puts the task with this UID: the collection's path, the UID
 * percent-encoded, ".ics". malloc'd; NULL when out of memory. */
char *caldav_href(const struct caldav *cd, const char *uid);

/* REPORT calendar-query (Depth: 1) for every VTODO with getetag and calendar-data. */
int caldav_list(struct caldav *cd, caldav_done_fn *done, void *ud);

/* PUT ics (a VCALENDAR) at href (a path from the server or caldav_href, or a full URL). etag
 * NULL: create only (If-None-Match: *), else replace only that version (If-Match). A 412 is
 * CALDAV_CONFLICT. Returns 0, or -1 with done never called. */
int caldav_put(struct caldav *cd, const char *href, const char *etag, const char *ics, size_t len,
               caldav_done_fn *done, void *ud);

/* DELETE href; with etag, only that version (If-Match). */
int caldav_delete(struct caldav *cd, const char *href, const char *etag, caldav_done_fn *done, void *ud);

/* Parses a 207 multistatus body (any namespace prefixes) into items: responses whose status is
 * not 2xx, and propstats whose status is not 2xx, are passed over; an entry without readable
 * calendar data counts in *skipped. Returns 0 (free the items with caldav_items_free), or -1
 * with one line in err when the body is no multistatus XML. */
int caldav_parse_multistatus(const char *xml, size_t len, struct caldav_item **items, size_t *n,
                             size_t *skipped, char *err, size_t errsz);
void caldav_items_free(struct caldav_item *items, size_t n);

/* "ok", "offline", "timeout", "tls", "auth", "conflict", "not-found", "server", "refused",
 * "malformed", "cancelled". */
const char *caldav_result_name(enum caldav_result r);

#endif
