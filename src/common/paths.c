#include "common/paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int paths_control_socket(char *buf, size_t bufsz)
{
    const char *rt = getenv("XDG_RUNTIME_DIR");
    int n;
    if (rt && *rt)
        n = snprintf(buf, bufsz, "%s/nudge/control.sock", rt);
    else
        n = snprintf(buf, bufsz, "/tmp/nudge-%u/control.sock", (unsigned)getuid());
    /* sun_path holds 108 bytes: a longer path cannot be bound or connected. */
    if (n < 0 || (size_t)n >= bufsz || n >= 108) return -ENAMETOOLONG;
    return 0;
}
