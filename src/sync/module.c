/* The table of sync/'s functions, for the daemon's loader (daemon/sync_glue.c). */
#include "sync/module.h"

#include "build_id.h"

const struct sync_module *sync_module_linked(void)
{
    static const struct sync_module m = {
        .build_id = NUDGE_SYNC_BUILD_ID,
        .create = sync_new,
        .destroy = sync_free,
        .configure = sync_configure,
        .fires_ready = sync_fires_ready,
        .soon = sync_soon,
        .get_status = sync_get_status,
        .now = sync_now,
        .cancel_now = sync_cancel_now,
    };
    return &m;
}
