#include "sync/password.h"

#include <errno.h>
#include <fcntl.h>
#include <libsecret/secret.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errbuf.h"

static const SecretSchema schema = {
    "org.nudge.CalDAV",
    SECRET_SCHEMA_NONE,
    {
        {"application", SECRET_SCHEMA_ATTRIBUTE_STRING},
        {"url", SECRET_SCHEMA_ATTRIBUTE_STRING},
        {"user", SECRET_SCHEMA_ATTRIBUTE_STRING},
        {NULL, 0},
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

struct sync_password_op {
    sync_password_fn *cb;
    void *ud;
    GCancellable *cancel;
    /* Cancelled by the caller: the reply still comes (as an error) and frees the op, but
     * nobody is told. */
    bool cancelled;
};

int sync_password_file_path(char *buf, size_t bufsz)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    int n;
    if (xdg && xdg[0] == '/') {
        n = snprintf(buf, bufsz, "%s/nudge/caldav-password", xdg);
    } else {
        const char *home = getenv("HOME");
        if (!home || !home[0]) {
            struct passwd *pw = getpwuid(getuid());
            home = pw && pw->pw_dir ? pw->pw_dir : "/";
        }
        n = snprintf(buf, bufsz, "%s/.config/nudge/caldav-password", home);
    }
    return n < 0 || (size_t)n >= bufsz ? -ENAMETOOLONG : 0;
}

int sync_password_read_file(char *buf, size_t bufsz, char *err, size_t errsz)
{
    char path[4096];
    if (sync_password_file_path(path, sizeof path) < 0)
        return errbuf_set(err, errsz, EIO, "the CalDAV password file's path is too long");
    /* O_NOFOLLOW: a link could hand us a file another user controls; O_NONBLOCK: a FIFO
     * planted there would block the open. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR) return -ENOENT;
        if (e == ELOOP)
            return errbuf_set(err, errsz, EPERM,
                              "%s: a symbolic link; write the password in the file itself "
                              "(mode 0600)",
                              path);
        return errbuf_set(err, errsz, EIO, "%s: %s", path, strerror(e));
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0) {
        rc = errbuf_set(err, errsz, EIO, "%s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = errbuf_set(err, errsz, EPERM, "%s: not a regular file", path);
    } else if (st.st_uid != geteuid()) {
        rc = errbuf_set(err, errsz, EPERM, "%s: owned by uid %u, must be yours", path,
                        (unsigned)st.st_uid);
    } else if ((st.st_mode & 07777) != 0600) {
        rc = errbuf_set(err, errsz, EPERM, "%s: mode %04o, must be 0600 (chmod 600 %s)", path,
                        (unsigned)(st.st_mode & 07777), path);
    }
    if (rc < 0) {
        close(fd);
        return rc;
    }
    /* One byte past the longest password and its newline tells a too long one. */
    char text[SYNC_PASSWORD_MAX + 3];
    size_t len = 0;
    while (len < sizeof text) {
        ssize_t r = read(fd, text + len, sizeof text - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = errbuf_set(err, errsz, EIO, "%s: %s", path, strerror(errno));
            break;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    if (rc == 0) {
        size_t line = 0;
        while (line < len && text[line] != '\n') line++;
        size_t end = line;
        if (end && text[end - 1] == '\r') end--;
        if (!end) {
            rc = errbuf_set(err, errsz, EINVAL, "%s: empty; write the password on its first line",
                            path);
        } else if (line == len && len == sizeof text) {
            rc = errbuf_set(err, errsz, EINVAL, "%s: the first line is longer than %d bytes", path,
                            SYNC_PASSWORD_MAX);
        } else if (end > SYNC_PASSWORD_MAX || end >= bufsz) {
            rc = errbuf_set(err, errsz, EINVAL, "%s: the first line is longer than %d bytes", path,
                            end > SYNC_PASSWORD_MAX ? SYNC_PASSWORD_MAX : (int)bufsz - 1);
        } else if (memchr(text, 0, end)) {
            rc = errbuf_set(err, errsz, EINVAL, "%s: the password holds a NUL byte", path);
        } else {
            memcpy(buf, text, end);
            buf[end] = 0;
        }
    }
    explicit_bzero(text, sizeof text);
    return rc;
}

/* Whether a Secret Service error means there is none to ask: no session bus, or no one owns
 * (or can be started as) org.freedesktop.secrets on it. */
static bool no_service(const GError *e)
{
    if (e->domain == G_DBUS_ERROR)
        return e->code == G_DBUS_ERROR_SERVICE_UNKNOWN || e->code == G_DBUS_ERROR_NAME_HAS_NO_OWNER ||
               e->code == G_DBUS_ERROR_NO_SERVER || e->code == G_DBUS_ERROR_FILE_NOT_FOUND ||
               (e->code >= G_DBUS_ERROR_SPAWN_EXEC_FAILED &&
                e->code <= G_DBUS_ERROR_SPAWN_FAILED);
    /* g_bus_get() fails in the GIO domain when there is no session bus to connect to. */
    return e->domain == G_IO_ERROR && e->code != G_IO_ERROR_CANCELLED;
}

/* The error's message on one line (D-Bus messages may hold newlines). */
static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r') *s = ' ';
}

static void lookup_done(GObject *src, GAsyncResult *res, gpointer data)
{
    (void)src;
    struct sync_password_op *op = data;
    GError *e = NULL;
    gchar *pw = secret_password_lookup_finish(res, &e);
    if (!op->cancelled) {
        char err[5120], path[4096];
        if (sync_password_file_path(path, sizeof path) < 0) snprintf(path, sizeof path, "the file");
        if (e && no_service(e)) {
            snprintf(err, sizeof err,
                     "no CalDAV password: %s does not exist and there is no Secret Service on "
                     "the session bus (write the password to the file, mode 0600)",
                     path);
            op->cb(op->ud, -ENOENT, NULL, "secret-service", err);
        } else if (e) {
            snprintf(err, sizeof err, "the Secret Service failed to give the CalDAV password: %.512s",
                     e->message);
            one_line(err);
            op->cb(op->ud, -EIO, NULL, "secret-service", err);
        } else if (!pw) {
            snprintf(err, sizeof err,
                     "no CalDAV password: run nudgectl sync --login, or write it to %s (mode "
                     "0600)",
                     path);
            op->cb(op->ud, -ENOENT, NULL, "secret-service", err);
        } else if (!*pw || strlen(pw) > SYNC_PASSWORD_MAX) {
            snprintf(err, sizeof err,
                     "the CalDAV password in the Secret Service is %s: run nudgectl sync --login "
                     "again",
                     *pw ? "too long" : "empty");
            op->cb(op->ud, -EIO, NULL, "secret-service", err);
        } else {
            op->cb(op->ud, 0, pw, "secret-service", NULL);
        }
    }
    if (pw) secret_password_free(pw);
    if (e) g_error_free(e);
    g_object_unref(op->cancel);
    free(op);
}

static void store_done(GObject *src, GAsyncResult *res, gpointer data)
{
    (void)src;
    struct sync_password_op *op = data;
    GError *e = NULL;
    gboolean ok = secret_password_store_finish(res, &e);
    if (!op->cancelled) {
        char err[5120], path[4096];
        if (sync_password_file_path(path, sizeof path) < 0) snprintf(path, sizeof path, "the file");
        if (e && no_service(e)) {
            snprintf(err, sizeof err,
                     "no Secret Service on the session bus: write the password to %s (mode "
                     "0600) instead",
                     path);
            op->cb(op->ud, -EIO, NULL, "secret-service", err);
        } else if (e || !ok) {
            snprintf(err, sizeof err,
                     "the Secret Service did not keep the CalDAV password: %.512s (or write it to %s, "
                     "mode 0600)",
                     e ? e->message : "refused", path);
            one_line(err);
            op->cb(op->ud, -EIO, NULL, "secret-service", err);
        } else {
            op->cb(op->ud, 0, NULL, "secret-service", NULL);
        }
    }
    if (e) g_error_free(e);
    g_object_unref(op->cancel);
    free(op);
}

static struct sync_password_op *op_new(sync_password_fn *cb, void *ud)
{
    struct sync_password_op *op = calloc(1, sizeof *op);
    if (!op) return NULL;
    op->cb = cb;
    op->ud = ud;
    op->cancel = g_cancellable_new();
    return op;
}

struct sync_password_op *sync_password_lookup(const char *url, const char *user,
                                              sync_password_fn *cb, void *ud)
{
    char pw[SYNC_PASSWORD_MAX + 1], err[4600];
    int rc = sync_password_read_file(pw, sizeof pw, err, sizeof err);
    if (rc != -ENOENT) {
        cb(ud, rc, rc < 0 ? NULL : pw, "file", rc < 0 ? err : NULL);
        explicit_bzero(pw, sizeof pw);
        return NULL;
    }
    struct sync_password_op *op = op_new(cb, ud);
    if (!op) {
        cb(ud, -EIO, NULL, "secret-service", "out of memory looking up the CalDAV password");
        return NULL;
    }
    secret_password_lookup(&schema, op->cancel, lookup_done, op, "application", "nudge", "url",
                           url, "user", user ? user : "", NULL);
    return op;
}

struct sync_password_op *sync_password_store(const char *url, const char *user,
                                             const char *password, sync_password_fn *cb,
                                             void *ud)
{
    struct sync_password_op *op = op_new(cb, ud);
    if (!op) {
        cb(ud, -EIO, NULL, "secret-service", "out of memory storing the CalDAV password");
        return NULL;
    }
    char label[1400];
    snprintf(label, sizeof label, "nudge: CalDAV password%s%s for %s", user && *user ? " of " : "",
             user && *user ? user : "", url);
    secret_password_store(&schema, SECRET_COLLECTION_DEFAULT, label, password, op->cancel,
                          store_done, op, "application", "nudge", "url", url, "user",
                          user ? user : "", NULL);
    return op;
}

void sync_password_cancel(struct sync_password_op *op)
{
    if (!op) return;
    op->cancelled = true;
    g_cancellable_cancel(op->cancel);
}
