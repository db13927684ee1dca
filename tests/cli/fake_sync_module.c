/* A stand-in for nudge-sync.so from another build (test_sync_module.sh): its entry answers
 * with a build ID no nudged has and no functions, so a daemon that used it would crash. */
#include <stddef.h>

#include "sync/module.h"

__attribute__((visibility("default"))) const struct sync_module *
nudge_sync_module(sync_log_fn *log)
{
    static const struct sync_module m = {.build_id = "another-build"};
    if (log) log(LOG_LVL_DEBUG, "the fake module was asked for its table");
    return &m;
}
