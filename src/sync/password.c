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
    GHashTable *attrs;
    SecretValue *value; /* to store; NULL for a lookup */
    char *label;
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

static void op_free(struct sync_password_op *op)
{
    g_object_unref(op->cancel);
    g_hash_table_unref(op->attrs);
    if (op->value) secret_value_unref(op->value);
    g_free(op->label);
    free(op);
}

/* Tells the caller (unless it cancelled) and frees the op. */
static void op_answer(struct sync_password_op *op, int rc, const char *password, const char *err)
{
    if (!op->cancelled) op->cb(op->ud, rc, password, "secret-service", err);
    op_free(op);
}

static void lookup_done(GObject *src, GAsyncResult *res, gpointer data)
{
    struct sync_password_op *op = data;
    GError *e = NULL;
    SecretValue *v = secret_service_lookup_finish(SECRET_SERVICE(src), res, &e);
    const char *pw = v ? secret_value_get_text(v) : NULL;
    char err[5120], path[4096];
    if (sync_password_file_path(path, sizeof path) < 0) snprintf(path, sizeof path, "the file");
    if (e) {
        snprintf(err, sizeof err, "the Secret Service failed to give the CalDAV password: %.512s",
                 e->message);
        one_line(err);
        op_answer(op, -EIO, NULL, err);
    } else if (!v) {
        snprintf(err, sizeof err,
                 "no CalDAV password: run nudgectl sync --login, or write it to %s (mode 0600)",
                 path);
        op_answer(op, -ENOENT, NULL, err);
    } else if (!pw || !*pw || strlen(pw) > SYNC_PASSWORD_MAX) {
        snprintf(err, sizeof err,
                 "the CalDAV password in the Secret Service is %s: run nudgectl sync --login "
                 "again",
                 !pw ? "not text" : *pw ? "too long" : "empty");
        op_answer(op, -EIO, NULL, err);
    } else {
        op_answer(op, 0, pw, NULL);
    }
    if (v) secret_value_unref(v);
    if (e) g_error_free(e);
}

static void store_done(GObject *src, GAsyncResult *res, gpointer data)
{
    struct sync_password_op *op = data;
    GError *e = NULL;
    gboolean ok = secret_service_store_finish(SECRET_SERVICE(src), res, &e);
    char err[5120], path[4096];
    if (sync_password_file_path(path, sizeof path) < 0) snprintf(path, sizeof path, "the file");
    if (e || !ok) {
        snprintf(err, sizeof err,
                 "the Secret Service did not keep the CalDAV password: %.512s (or write it to "
                 "%s, mode 0600)",
                 e ? e->message : "refused", path);
        one_line(err);
        op_answer(op, -EIO, NULL, err);
    } else {
        op_answer(op, 0, NULL, NULL);
    }
    if (e) g_error_free(e);
}

/* The connection to the service is shared by every call under way in libsecret, so it is made
 * without the op's cancellable: cancelling one op must not fail another waiting on it. */
static void got_service(GObject *src, GAsyncResult *res, gpointer data)
{
    (void)src;
    struct sync_password_op *op = data;
    GError *e = NULL;
    SecretService *svc = secret_service_get_finish(res, &e);
    if (op->cancelled) {
        op_free(op);
    } else if (!svc) {
        char err[5120], path[4096];
        if (sync_password_file_path(path, sizeof path) < 0) snprintf(path, sizeof path, "the file");
        if (!no_service(e))
            snprintf(err, sizeof err, "the Secret Service failed: %.512s", e->message);
        else if (op->value)
            snprintf(err, sizeof err,
                     "no Secret Service on the session bus: write the password to %s (mode "
                     "0600) instead",
                     path);
        else
            snprintf(err, sizeof err,
                     "no CalDAV password: %s does not exist and there is no Secret Service on "
                     "the session bus (write the password to the file, mode 0600)",
                     path);
        one_line(err);
        op_answer(op, !op->value && no_service(e) ? -ENOENT : -EIO, NULL, err);
    } else if (op->value) {
        secret_service_store(svc, &schema, op->attrs, SECRET_COLLECTION_DEFAULT, op->label,
                             op->value, op->cancel, store_done, op);
    } else {
        secret_service_lookup(svc, &schema, op->attrs, op->cancel, lookup_done, op);
    }
    if (svc) g_object_unref(svc);
    if (e) g_error_free(e);
}

static struct sync_password_op *op_start(const char *url, const char *user, const char *password,
                                         sync_password_fn *cb, void *ud)
{
    struct sync_password_op *op = calloc(1, sizeof *op);
    if (!op) return NULL;
    op->cb = cb;
    op->ud = ud;
    op->cancel = g_cancellable_new();
    op->attrs = secret_attributes_build(&schema, "application", "nudge", "url", url, "user",
                                        user ? user : "", NULL);
    if (password) {
        op->value = secret_value_new(password, -1, "text/plain");
        op->label = g_strdup_printf("nudge: CalDAV password%s%s for %s",
                                    user && *user ? " of " : "", user && *user ? user : "", url);
    }
    secret_service_get(SECRET_SERVICE_NONE, NULL, got_service, op);
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
    struct sync_password_op *op = op_start(url, user, NULL, cb, ud);
    if (!op) cb(ud, -EIO, NULL, "secret-service", "out of memory looking up the CalDAV password");
    return op;
}

struct sync_password_op *sync_password_store(const char *url, const char *user,
                                             const char *password, sync_password_fn *cb,
                                             void *ud)
{
    struct sync_password_op *op = op_start(url, user, password, cb, ud);
    if (!op) cb(ud, -EIO, NULL, "secret-service", "out of memory storing the CalDAV password");
    return op;
}

void sync_password_cancel(struct sync_password_op *op)
{
    if (!op) return;
    op->cancelled = true;
    g_cancellable_cancel(op->cancel);
}
