/* CalDAV sync as a module the daemon loads when the rules first ask for sync (dlopen), so a
 * daemon that never syncs does not map libcurl, libxml2, libsecret, libical and what they bring
 * (about 12 MiB of resident pages: BENCHMARKS.md). The module carries its own copy of the
 * layers sync/ uses (ledger, store, time, common); the daemon's log is the one thing shared,
 * handed over at load. */
#ifndef NUDGE_SYNC_MODULE_H
#define NUDGE_SYNC_MODULE_H

#include "common/log.h"
#include "sync/sync.h"

#define NUDGE_SYNC_MODULE_ENTRY "nudge_sync_module"

typedef void sync_log_fn(enum log_level level, const char *line);

struct sync_module {
    /* The build's ID (scripts/build-id.cmake): the module works on the daemon's own ledger and
     * store structures, so only a module of the daemon's very build is used (not one an upgrade
     * installed under a daemon still running). */
    const char *build_id;
    struct sync *(*create)(uv_loop_t *loop, struct ledger *lg, const struct sync_hooks *hooks);
    void (*destroy)(struct sync *s);
    int (*configure)(struct sync *s, const struct sync_config *cfg, char *err, size_t errsz);
    void (*fires_ready)(struct sync *s, const struct sync_fire *fires, size_t n, bool truncated,
                        const char *err);
    void (*soon)(struct sync *s);
    void (*get_status)(const struct sync *s, struct sync_status *out);
    int (*now)(struct sync *s, const char *login, sync_done_fn *done, void *ud, void **job,
               char *err, size_t errsz);
    void (*cancel_now)(struct sync *s, void *job);
};

/* The module's one exported symbol; log receives its log lines (already formatted). */
typedef const struct sync_module *sync_module_entry_fn(sync_log_fn *log);
const struct sync_module *nudge_sync_module(sync_log_fn *log);

/* The table over the functions linked in (the module's, or a build that links sync/ in). */
const struct sync_module *sync_module_linked(void);

#endif
