/* The control socket's server side: one JSON object per line each way, on the libuv loop.
 * Only peers with our own uid are served (SO_PEERCRED); the folder is 0700, the socket 0600.
 *
 * Nothing a client does can make the daemon hold much for it: a request line is 1 MiB at most;
 * a client's requests are handled one at a time, and none is read while its previous reply
 * waits (deferred, or not yet taken by the client); a reply is 6 MiB at most, a client's unsent
 * output 8 MiB and all clients' 64 MiB (past that, the client holding the most is dropped); a
 * request must be complete 10 s after its first byte (or after connecting), an idle connection
 * closes after 60 s, and one that takes nothing of its reply for 10 s is dropped. With 512
 * connections open, a new one closes the one idle the longest. */
#ifndef NUDGE_CONTROL_H
#define NUDGE_CONTROL_H

#include <jansson.h>
#include <stddef.h>
#include <uv.h>

/* One connected client, as a handler sees it: NULL when the request does not come from the
 * socket (control_reply), and then the handler answers at once. */
struct control_client;

/* Handles one request object. Returns the reply (a new reference; "ok":true is added when it
 * has no "ok"), or NULL with err set, which is sent as {"ok":false,"error":err}; or, after
 * control_defer(), NULL and the reply comes later. */
typedef json_t *(*control_handler)(void *ud, json_t *request, struct control_client *cl, char *err,
                                   size_t errsz);

/* Inside a handler: the reply comes later, through control_answer(), from work that runs in
 * slices on the loop. Until then the client's next requests wait. If the client goes away or
 * the server closes first, cancel(job) is called instead (once), and the job must stop, free
 * itself and never answer. */
void control_defer(struct control_client *cl, void (*cancel)(void *job), void *job);

/* The deferred reply: reply (stolen; "ok":true added) or, when NULL, {"ok":false,"error":err}. */
void control_answer(struct control_client *cl, json_t *reply, const char *err);

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
