/* CalDAV sync in the daemon (daemon/sync_glue.c). */
#ifndef NUDGE_SYNC_GLUE_H
#define NUDGE_SYNC_GLUE_H

#include <jansson.h>

#include "sync/sync.h"

struct daemon;

/* The hooks sync/ calls back for the coming fires and the time; `answered` is run.c's. */
struct sync_hooks daemon_sync_hooks(struct daemon *d);
/* Applies the running rules' nudge.config{sync} (none: sync off). */
void daemon_sync_configure(struct daemon *d);
/* The protocol's sync object, or JSON null when sync is off. */
json_t *daemon_sync_status_json(const struct sync_status *st);

#endif
