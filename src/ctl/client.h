/* nudgectl's side of the control socket: one request line out, one reply line back. */
#ifndef NUDGE_CTL_CLIENT_H
#define NUDGE_CTL_CLIENT_H

#include <jansson.h>
#include <stddef.h>

/* A reply line is refused past this size (a year's preview of a large plan fits easily). */
#define CLIENT_REPLY_MAX ((size_t)64 << 20)

enum client_status {
    CLIENT_OK = 0,
    CLIENT_NOT_RUNNING, /* no socket, or nobody listening on it */
    CLIENT_FAILED,      /* any other failure: err says what */
};

/* Sends `request` to the daemon at socket `path` and reads one reply line within timeout_ms.
 * On CLIENT_OK, *line holds the raw reply (without its newline; caller frees) and *reply the
 * parsed object (a new reference). Otherwise err says why. */
enum client_status client_request(const char *path, json_t *request, int timeout_ms, char **line,
                                  json_t **reply, char *err, size_t errsz);

#endif
