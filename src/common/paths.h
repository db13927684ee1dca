/* Where nudge keeps its files: shared by nudged and nudgectl, so both compute the same. */
#ifndef NUDGE_PATHS_H
#define NUDGE_PATHS_H

#include <stddef.h>

/* sun_path holds 108 bytes with its NUL: a longer socket path cannot be bound or connected. */
#define PATHS_SOCKET_MAX 107

/* The default state folder: $XDG_STATE_HOME/nudge (when absolute, as the XDG spec asks), else
 * ~/.local/state/nudge ($HOME, else the password database). Returns 0, or -ENAMETOOLONG. */
int paths_state_dir(char *buf, size_t bufsz);

/* The folder of the control socket: $XDG_RUNTIME_DIR/nudge (when absolute), else the default
 * state folder's run/ (~/.local/state/nudge/run): under the user's own home, where no other
 * user can create it first (as they could /tmp/nudge-<uid>). Returns 0, or -ENAMETOOLONG. */
int paths_runtime_dir(char *buf, size_t bufsz);

/* The control socket: paths_runtime_dir()/control.sock. Returns 0, or -ENAMETOOLONG when the
 * path is over PATHS_SOCKET_MAX bytes (buf then holds as much of it as fits, for a message). */
int paths_control_socket(char *buf, size_t bufsz);

/* Makes dir (and any missing parent) with mode 0700, then checks dir: a folder, not a symbolic
 * link, owned by the user; group and other bits are taken away from a looser one. Returns 0, or
 * -errno with err set to one line naming the folder. */
int paths_make_private_dir(const char *dir, char *err, size_t errsz);

#endif
