/* The preview engine on a copy of the state, run in slices on the loop (daemon/jobs.c). */
#ifndef NUDGE_JOBS_H
#define NUDGE_JOBS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "daemon/control.h"

struct daemon;

/* `preview` (export false) or `export --ics` (true) of `days` for cl: NULL after
 * control_defer() (the reply comes later), or NULL with err set. Without cl it runs to the
 * end at once and returns the reply. */
json_t *jobs_preview(struct daemon *d, struct control_client *cl, int days, bool export,
                     char *err, size_t errsz);

/* The coming fires of the next `days` days, as export --ics sees them: done gets the array of
 * {at, id, uid, kind, title, body} (borrowed; NULL with err when it failed) later, from the
 * loop. Returns the job (for jobs_cancel_fires, which stops it without calling done), or NULL
 * with err. */
typedef void jobs_fires_fn(void *ud, json_t *fires, bool truncated, const char *err);
void *jobs_coming_fires(struct daemon *d, int days, jobs_fires_fn *done, void *ud, char *err,
                        size_t errsz);
void jobs_cancel_fires(void *job);

#endif
