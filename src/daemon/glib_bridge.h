/* Drives GLib's default main context from the libuv loop, on the same thread:
 * prepare/query before libuv polls (one uv_poll per GLib fd, one uv_timer for GLib's timeout),
 * check/dispatch after. So D-Bus replies and libnotify's action signals arrive without a second
 * thread and without a periodic tick. */
#ifndef NUDGE_GLIB_BRIDGE_H
#define NUDGE_GLIB_BRIDGE_H

#include <uv.h>

struct glib_bridge;

/* Returns NULL when out of memory. The default GMainContext is acquired for the loop's thread. */
struct glib_bridge *glib_bridge_new(uv_loop_t *loop);

/* Stops and closes its handles; frees itself once libuv has closed them. */
void glib_bridge_close(struct glib_bridge *b);

#endif
