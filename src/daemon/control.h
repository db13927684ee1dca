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

/* Creates the socket at path (making its folder 0700, removing a stale socket; failing when
 * another daemon answers there) and starts serving. Returns 0 or a negative errno with err. */
int control_open(uv_loop_t *loop, const char *path, control_handler handler, void *ud,
                 struct control **out, char *err, size_t errsz);

/* Stops serving, closes every client and removes the socket file. */
void control_close(struct control *c);

#endif
