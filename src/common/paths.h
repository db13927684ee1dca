/* Where nudge keeps its runtime files. */
#ifndef NUDGE_PATHS_H
#define NUDGE_PATHS_H

#include <stddef.h>

/* The control socket: $XDG_RUNTIME_DIR/nudge/control.sock, or /tmp/nudge-<uid>/control.sock
 * when XDG_RUNTIME_DIR is unset. Returns 0, or -ENAMETOOLONG. */
int paths_control_socket(char *buf, size_t bufsz);

#endif
