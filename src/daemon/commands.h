/* The control protocol's commands (see README, "nudgectl and the control protocol"). */
#ifndef NUDGE_COMMANDS_H
#define NUDGE_COMMANDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "daemon/control.h"

/* A control_handler: ud is the struct daemon. */
json_t *commands_handle(void *ud, json_t *request, struct control_client *cl, char *err,
                        size_t errsz);

struct daemon;

/* The coming fires of the next `days` days (the preview engine on a copy of the state, run in
 * slices on the loop, as export --ics sees them): done gets the array of {at, id, uid, kind,
 * title, body} (borrowed; NULL with err when it failed) later, from the loop. Returns the job
 * (for commands_cancel_fires, which stops it without calling done), or NULL with err. */
typedef void commands_fires_fn(void *ud, json_t *fires, bool truncated, const char *err);
void *commands_coming_fires(struct daemon *d, int days, commands_fires_fn *done, void *ud,
                            char *err, size_t errsz);
void commands_cancel_fires(void *job);

#endif
