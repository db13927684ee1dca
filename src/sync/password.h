/* The CalDAV password (SPEC 7): from $XDG_CONFIG_HOME/nudge/caldav-password when that file
 * exists (it must be mode 0600, owned by the user), else from the Secret Service through
 * libsecret, under the attributes {application: "nudge", url, user}. The Secret Service calls
 * are asynchronous on GLib's default main context, which the daemon drives from its loop
 * (daemon/glib_bridge.c): a slow or absent keyring never blocks a fire. */
#ifndef NUDGE_SYNC_PASSWORD_H
#define NUDGE_SYNC_PASSWORD_H

#include <stddef.h>

/* Longest password accepted (a line of the file, or a stored secret). */
#define SYNC_PASSWORD_MAX 1024

/* The file's path ($XDG_CONFIG_HOME, else ~/.config): 0, or -ENAMETOOLONG. */
int sync_password_file_path(char *buf, size_t bufsz);

/* Reads the password file: 0 with the password in buf (its first line, without the newline);
 * -ENOENT when there is no file; else -errno with one line in err naming the file: -EPERM for
 * a mode other than 0600 or another owner ("...caldav-password: mode 0644, must be 0600
 * (chmod 600 ...)"), -EINVAL for an empty or too long one, -EIO. */
int sync_password_read_file(char *buf, size_t bufsz, char *err, size_t errsz);

/* `where` is "file" or "secret-service". password NULL and err set when rc < 0. Strings valid
 * during the call. */
typedef void sync_password_fn(void *ud, int rc, const char *password, const char *where,
                              const char *err);

struct sync_password_op;

/* Looks the password up: the file (answered before this returns), else the Secret Service
 * (answered later, from the GLib main context). cb is called exactly once unless the lookup is
 * cancelled first. rc: 0, -ENOENT (neither has one: err says how to give it), -EPERM (the
 * file's mode), -EIO (the Secret Service failed; err says why). Returns the pending operation
 * (NULL when cb was called already). */
struct sync_password_op *sync_password_lookup(const char *url, const char *user,
                                              sync_password_fn *cb, void *ud);

/* Stores the password in the Secret Service (nudgectl sync --login). cb as above with
 * password NULL; rc -EIO when there is no Secret Service (err says to write the file instead,
 * naming its path). */
struct sync_password_op *sync_password_store(const char *url, const char *user,
                                             const char *password, sync_password_fn *cb,
                                             void *ud);

/* Cancels a pending operation: its cb is never called. NULL is fine. */
void sync_password_cancel(struct sync_password_op *op);

#endif
