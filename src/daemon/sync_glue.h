/* CalDAV sync in the daemon (daemon/sync_glue.c). */
#ifndef NUDGE_SYNC_GLUE_H
#define NUDGE_SYNC_GLUE_H

#include <jansson.h>

#include "sync/sync.h"

struct daemon;

/* Applies the running rules' nudge.config{sync} (none: sync off). The first settings load the
 * CalDAV module and make the sync; a module that cannot be loaded is one logged error, and
 * status and `nudgectl sync` say it. */
void daemon_sync_configure(struct daemon *d);
/* Loads the module and makes the sync, off until configured (what configure does first);
 * 0, or -1 with err. */
int daemon_sync_open(struct daemon *d, char *err, size_t errsz);
/* sync/'s calls, through the module (nothing when there is no sync). */
void daemon_sync_soon(struct daemon *d);
void daemon_sync_status(struct daemon *d, struct sync_status *st);
int daemon_sync_now(struct daemon *d, const char *login, sync_done_fn *done, void *ud,
                    void **job, char *err, size_t errsz);
void daemon_sync_cancel_now(struct daemon *d, void *job);
/* Frees the sync (what is under way is cancelled); before the rule set its preview runs on. */
void daemon_sync_close(struct daemon *d);
/* The protocol's sync object, or JSON null when sync is off. */
json_t *daemon_sync_status_json(const struct sync_status *st);

#endif
