/* systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram to $NOTIFY_SOCKET. */
#ifndef NUDGE_SDNOTIFY_H
#define NUDGE_SDNOTIFY_H

/* Sends e.g. "READY=1" when NOTIFY_SOCKET is set. Returns 1 sent, 0 not under systemd, <0 error. */
int sdnotify(const char *state);

#endif
