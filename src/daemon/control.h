/* The control socket's server side: one JSON object per line each way, on the libuv loop.
 * Only peers with our own uid are served (SO_PEERCRED); the folder is 0700, the socket 0600. */
#ifndef NUDGE_CONTROL_H
#define NUDGE_CONTROL_H

#include <jansson.h>
#include <stddef.h>
#include <uv.h>

/* Handles one request object. Returns the reply (a new reference; "ok":true is added when it
 * has no "ok"), or NULL with err set, which is sent as {"ok":false,"error":err}. */
typedef json_t *(*control_handler)(void *ud, json_t *request, char *err, size_t errsz);

struct control;

/* The reply to one request line, as the socket sends it: the handler's object with "ok":true
 * added, or {"ok":false,"error":...} when the line is not a request or the command failed.
 * NULL for a blank line (a keep-alive, no reply). A new reference. */
json_t *control_reply(control_handler handler, void *ud, const char *line, size_t len);

/* Creates the socket at path (making its folder 0700, removing a stale socket; failing when
 * another daemon answers there) and starts serving. Returns 0 or a negative errno with err. */
int control_open(uv_loop_t *loop, const char *path, control_handler handler, void *ud,
                 struct control **out, char *err, size_t errsz);

/* Stops serving, closes every client and removes the socket file. */
void control_close(struct control *c);

#endif
