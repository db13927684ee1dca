/* Built into nudge-sync.so only: the entry the daemon looks up, and log_msg handing the
 * module's lines to the daemon's log (its level, its journal format, its error count) instead
 * of a second copy of common/log.c with settings of its own. */
#include <stdarg.h>
#include <stdio.h>

#include "common/log.h"
#include "sync/module.h"

static sync_log_fn *host_log;

__attribute__((visibility("default"))) const struct sync_module *
nudge_sync_module(sync_log_fn *log)
{
    host_log = log;
    return sync_module_linked();
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (host_log) host_log(level, line);
}
