/* The libnotify backend, and "auto" on top of it.
 *
 * notify_notification_show() is a synchronous D-Bus call: a slow or hung notification server
 * would stall the loop for up to libnotify's timeout. So it runs on one worker thread (a
 * GThreadPool of one, which sleeps on its queue: no wakeups while idle); the result comes
 * back to the loop thread through GLib's default main context, which the loop drives.
 * notify_notification_close() is one too, so it goes the same way; the worker runs its jobs
 * in order, so a close queued behind its show runs after the show has returned (the bubble
 * ends closed, never shown after its close). Everything else, including libnotify's "action"
 * and "closed" signals and the `live` table, stays on the loop thread. */
#include <errno.h>
#include <gio/gio.h>
#include <libnotify/notify.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/utf8.h"
#include "notify/notify.h"

#define BUS_NAME "org.freedesktop.Notifications"

struct lnotify {
    struct notify_backend base;
    GHashTable *live; /* our id -> NotifyNotification* (a reference), until closed */
    uint32_t next_id;
    GThreadPool *worker;
    /* A show that failed on the worker, for auto to put on stdout instead. */
    void (*failed)(void *ud, uint32_t id, const struct notification *n, usec_t at);
    void *failed_ud;
};

/* A job for the worker: a show, or (closing) a close. */
struct show_job {
    struct lnotify *b;
    bool closing;
    NotifyNotification *n; /* the job's own reference */
    uint32_t id;
    struct notification copy; /* to show it elsewhere if this fails */
    usec_t at;                /* when it was shown (the fallback prints that time) */
    bool copied;
    bool revealing; /* a discreet bubble shown again with its text (no fallback) */
    gboolean ok;
    char *error;
};

struct action_data {
    struct lnotify *b;
    uint32_t id;
    char *action;
};

static void action_data_free(gpointer p)
{
    struct action_data *a = p;
    g_free(a->action);
    g_free(a);
}

/* A discreet bubble's full text, kept on its NotifyNotification until Show reveals it. */
struct reveal {
    struct lnotify *b;
    struct notification full; /* owned (notification_copy) */
    bool done;                /* Show was clicked: the bubble has its text */
};

static void reveal_free(gpointer p)
{
    struct reveal *r = p;
    notification_clear(&r->full);
    g_free(r);
}

static void add_actions(struct lnotify *b, NotifyNotification *n, uint32_t id,
                        const struct notification *m);
static void push_show(struct lnotify *b, NotifyNotification *n, uint32_t id, bool revealing);

/* Show was clicked on a discreet bubble: the same bubble (the same server id, so the server
 * replaces it in place) now shows its text and its own actions. Run from an idle source, not
 * inside libnotify's action callback, whose actions it replaces. */
static gboolean reveal_now(gpointer data)
{
    NotifyNotification *n = data;
    struct reveal *r = g_object_get_data(G_OBJECT(n), "nudge-reveal");
    uint32_t id = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(n), "nudge-id"));
    if (r && g_hash_table_lookup(r->b->live, GUINT_TO_POINTER(id)) == n) {
        char *own_t, *own_b, *own_i;
        notify_notification_update(n, utf8_clean(r->full.title, &own_t),
                                   utf8_clean(r->full.body, &own_b),
                                   utf8_clean(r->full.icon, &own_i));
        free(own_t);
        free(own_b);
        free(own_i);
        notify_notification_clear_actions(n);
        add_actions(r->b, n, id, &r->full);
        push_show(r->b, n, id, true);
    }
    g_object_unref(n);
    return G_SOURCE_REMOVE;
}

static void on_action(NotifyNotification *n, char *action, gpointer user)
{
    struct action_data *a = user;
    (void)action;
    struct reveal *r = g_object_get_data(G_OBJECT(n), "nudge-reveal");
    if (r && !strcmp(a->action, NOTIFICATION_SHOW_ACTION)) {
        /* Not an answer: the daemon never hears of it, and the fire stays open. */
        if (r->done) return;
        r->done = true;
        /* From now until the full text is shown, a close from the server is the swap. */
        g_object_set_data(G_OBJECT(n), "nudge-revealing", GINT_TO_POINTER(1));
        log_info("notification %u: Show was clicked, showing its full text", a->id);
        g_idle_add(reveal_now, g_object_ref(n));
        return;
    }
    if (a->b->base.listener.action) a->b->base.listener.action(a->b->base.listener.ud, a->id, a->action);
}

static void on_closed(NotifyNotification *n, gpointer user)
{
    struct lnotify *b = user;
    uint32_t id = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(n), "nudge-id"));
    int reason = notify_notification_get_closed_reason(n);
    struct reveal *r = g_object_get_data(G_OBJECT(n), "nudge-reveal");
    if (r && r->done && g_object_get_data(G_OBJECT(n), "nudge-revealing")) {
        /* A server that closes a bubble after any action (dunst) closed the discreet one
         * while its full text was on its way: the re-show brings it back, so nothing closed. */
        log_debug("notification %u: closed by the server while being revealed", id);
        return;
    }
    if (b->base.listener.closed) b->base.listener.closed(b->base.listener.ud, id, reason);
    g_hash_table_remove(b->live, GUINT_TO_POINTER(id)); /* drops our reference */
}

static void add_actions(struct lnotify *b, NotifyNotification *n, uint32_t id,
                        const struct notification *m)
{
    for (size_t i = 0; i < m->n_actions; i++) {
        struct action_data *a = g_new0(struct action_data, 1);
        a->b = b;
        a->id = id;
        /* The server answers with the key we sent; the rule gets back its own id. */
        a->action = g_strdup(m->actions[i].id);
        char *own_key, *own_label;
        const char *key = utf8_clean(m->actions[i].id, &own_key);
        const char *label = utf8_clean(m->actions[i].label, &own_label);
        notify_notification_add_action(n, key, label ? label : key, on_action, a, action_data_free);
        free(own_key);
        free(own_label);
    }
}

static int lnotify_show(struct notify_backend *self, const struct notification *full, usec_t at,
                        uint32_t *id_out, char *err, size_t errsz)
{
    struct lnotify *b = (struct lnotify *)self;
    /* A discreet one shows only "nudge" / "A reminder for you", its actions and Show; the
     * full text waits on the bubble (struct reveal) until Show is clicked. */
    struct reveal *reveal = NULL;
    struct notification shown = *full;
    struct notify_action *acts = NULL;
    const struct notification *m = full;
    if (full->discreet) {
        reveal = g_new0(struct reveal, 1);
        acts = calloc(full->n_actions + 1, sizeof *acts);
        if (!acts || notification_copy(full, &reveal->full) < 0) {
            g_free(reveal);
            free(acts);
            return snprintf(err, errsz, "out of memory"), -ENOMEM;
        }
        reveal->b = b;
        memcpy(acts, full->actions, full->n_actions * sizeof *acts);
        acts[full->n_actions] = (struct notify_action){(char *)NOTIFICATION_SHOW_ACTION,
                                                        (char *)NOTIFICATION_SHOW_LABEL};
        shown.title = NOTIFICATION_DISCREET_TITLE;
        shown.body = NOTIFICATION_DISCREET_BODY;
        shown.icon = NULL;
        shown.actions = acts;
        shown.n_actions = full->n_actions + 1;
        m = &shown;
    }
    /* D-Bus strings must be UTF-8: GLib replaces anything else with "[Invalid UTF-8]" and
     * warns. Repair each one (U+FFFD) so the text shows as near as can be. */
    char *own[7] = {0};
    const char *title = utf8_clean(m->title, &own[0]), *body = utf8_clean(m->body, &own[1]);
    const char *icon = utf8_clean(m->icon, &own[2]), *app = utf8_clean(m->app_name, &own[3]);
    const char *category = utf8_clean(m->category, &own[4]);
    const char *reminder = utf8_clean(m->reminder_id, &own[5]), *kind = utf8_clean(m->kind, &own[6]);
    NotifyNotification *n = notify_notification_new(title ? title : "", body, icon);
    if (!n) {
        for (size_t i = 0; i < 7; i++) free(own[i]);
        if (reveal) reveal_free(reveal);
        free(acts);
        return snprintf(err, errsz, "cannot create a notification"), -ENOMEM;
    }
    uint32_t id = ++b->next_id;
    g_object_set_data(G_OBJECT(n), "nudge-id", GUINT_TO_POINTER(id));
    if (reveal) g_object_set_data_full(G_OBJECT(n), "nudge-reveal", reveal, reveal_free);
    if (app) notify_notification_set_app_name(n, app);
    notify_notification_set_urgency(n, m->urgency == URGENCY_LOW        ? NOTIFY_URGENCY_LOW
                                       : m->urgency == URGENCY_CRITICAL ? NOTIFY_URGENCY_CRITICAL
                                                                        : NOTIFY_URGENCY_NORMAL);
    notify_notification_set_timeout(n, m->timeout_ms < 0    ? NOTIFY_EXPIRES_DEFAULT
                                       : m->timeout_ms == 0 ? NOTIFY_EXPIRES_NEVER
                                       : m->timeout_ms > INT32_MAX ? INT32_MAX
                                                                   : (gint)m->timeout_ms);
    if (category) notify_notification_set_category(n, category);
    /* A discreet bubble names no reminder: a server's history or log may be seen by others. */
    if (reminder && *reminder && !reveal)
        notify_notification_set_hint_string(n, "x-nudge-reminder", reminder);
    if (kind && !reveal) notify_notification_set_hint_string(n, "x-nudge-kind", kind);
    /* Servers that honour it keep the bubble after Show, which then replaces it in place. */
    if (reveal) notify_notification_set_hint(n, "resident", g_variant_new_boolean(TRUE));
    for (size_t i = 0; i < 7; i++) free(own[i]);
    add_actions(b, n, id, m);
    free(acts);
    g_signal_connect(n, "closed", G_CALLBACK(on_closed), b);
    g_hash_table_insert(b->live, GUINT_TO_POINTER(id), n);
    struct show_job *j = g_new0(struct show_job, 1);
    j->b = b;
    j->n = g_object_ref(n);
    j->id = id;
    j->copied = notification_copy(full, &j->copy) == 0;
    j->at = at;
    GError *e = NULL;
    if (!g_thread_pool_push(b->worker, j, &e)) {
        snprintf(err, errsz, "%s", e ? e->message : "cannot hand the notification to the worker");
        g_clear_error(&e);
        g_hash_table_remove(b->live, GUINT_TO_POINTER(id));
        g_object_unref(j->n);
        if (j->copied) notification_clear(&j->copy);
        g_free(j);
        return -EIO;
    }
    *id_out = id;
    return 0;
}

/* Shows bubble n again with what it holds now (a reveal): the worker's show reuses its server
 * id, so the server replaces it. */
static void push_show(struct lnotify *b, NotifyNotification *n, uint32_t id, bool revealing)
{
    struct show_job *j = g_new0(struct show_job, 1);
    j->b = b;
    j->n = g_object_ref(n);
    j->id = id;
    j->revealing = revealing;
    GError *e = NULL;
    if (!g_thread_pool_push(b->worker, j, &e)) {
        log_warn("libnotify: cannot show notification %u in full: %s", id, e ? e->message : "?");
        g_clear_error(&e);
        g_object_set_data(G_OBJECT(n), "nudge-revealing", NULL);
        g_object_unref(j->n);
        g_free(j);
    }
}

/* Back on the loop thread. */
static gboolean show_done(gpointer data)
{
    struct show_job *j = data;
    struct lnotify *b = j->b;
    if (j->revealing) {
        g_object_set_data(G_OBJECT(j->n), "nudge-revealing", NULL);
        if (!j->ok) log_warn("libnotify: notification %u not shown in full: %s", j->id, j->error ? j->error : "?");
    } else if (!j->ok) {
        log_warn("libnotify: %s", j->error ? j->error : "the notification server refused it");
        g_hash_table_remove(b->live, GUINT_TO_POINTER(j->id));
        if (b->failed && j->copied) b->failed(b->failed_ud, j->id, &j->copy, j->at);
    }
    g_object_unref(j->n);
    if (j->copied) notification_clear(&j->copy);
    g_free(j->error);
    g_free(j);
    return G_SOURCE_REMOVE;
}

/* Back on the loop thread after a close: a server that no longer has the bubble (it expired
 * meanwhile) answers with an error, which is no news. */
static gboolean close_done(gpointer data)
{
    struct show_job *j = data;
    if (!j->ok) log_debug("libnotify: closing notification %u: %s", j->id, j->error ? j->error : "?");
    g_object_unref(j->n);
    g_free(j->error);
    g_free(j);
    return G_SOURCE_REMOVE;
}

/* On the worker thread: the blocking call, and nothing else. */
static void job_on_worker(gpointer data, gpointer user)
{
    struct show_job *j = data;
    GError *e = NULL;
    (void)user;
    if (j->closing) {
        /* A show that failed has no server id: nothing is on the screen to close. */
        gint server_id = 0;
        g_object_get(j->n, "id", &server_id, NULL);
        j->ok = server_id == 0 || notify_notification_close(j->n, &e);
    } else {
        j->ok = notify_notification_show(j->n, &e);
    }
    if (!j->ok) j->error = g_strdup(e ? e->message : NULL);
    g_clear_error(&e);
    g_main_context_invoke(NULL, j->closing ? close_done : show_done, j);
}

static int lnotify_close(struct notify_backend *self, uint32_t id, char *err, size_t errsz)
{
    struct lnotify *b = (struct lnotify *)self;
    NotifyNotification *n = g_hash_table_lookup(b->live, GUINT_TO_POINTER(id));
    if (!n) return 0; /* closed already, or shown elsewhere (auto's stdout) */
    struct show_job *j = g_new0(struct show_job, 1);
    j->b = b;
    j->closing = true;
    j->n = g_object_ref(n);
    j->id = id;
    GError *e = NULL;
    if (!g_thread_pool_push(b->worker, j, &e)) {
        snprintf(err, errsz, "%s", e ? e->message : "cannot hand the close to the worker");
        g_clear_error(&e);
        g_object_unref(j->n);
        g_free(j);
        return -EIO;
    }
    return 0;
}

static void lnotify_destroy(struct notify_backend *self)
{
    struct lnotify *b = (struct lnotify *)self;
    /* Let a show in progress finish, then hear its result before b goes away. */
    g_thread_pool_free(b->worker, FALSE, TRUE);
    while (g_main_context_pending(NULL)) g_main_context_iteration(NULL, FALSE);
    g_hash_table_destroy(b->live);
    if (notify_is_initted()) notify_uninit();
    free(b);
}

struct notify_backend *notify_libnotify_new(const char *app_name, char *err, size_t errsz)
{
    if (!notify_is_initted() && !notify_init(app_name ? app_name : "nudge")) {
        snprintf(err, errsz, "libnotify could not be initialised");
        return NULL;
    }
    struct lnotify *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->base.name = "libnotify";
    b->base.show = lnotify_show;
    b->base.close = lnotify_close;
    b->base.destroy = lnotify_destroy;
    b->live = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_object_unref);
    /* One exclusive thread, shows in order; it waits on its queue without waking up. */
    GError *e = NULL;
    b->worker = g_thread_pool_new(job_on_worker, b, 1, TRUE, &e);
    if (!b->worker) {
        snprintf(err, errsz, "cannot start the notification thread: %s", e ? e->message : "?");
        g_clear_error(&e);
        g_hash_table_destroy(b->live);
        free(b);
        return NULL;
    }
    return &b->base;
}

/* ---- auto ---- */

struct autob {
    struct notify_backend base;
    struct notify_backend *lib;   /* NULL when there is no session bus */
    struct notify_backend *out;   /* stdout */
    GDBusConnection *bus;
    guint watch;
    bool server;                  /* a server owns the name right now */
    bool warned;
};

static void forward_action(void *ud, uint32_t id, const char *action)
{
    struct autob *a = ud;
    if (a->base.listener.action) a->base.listener.action(a->base.listener.ud, id, action);
}

static void forward_closed(void *ud, uint32_t id, int reason)
{
    struct autob *a = ud;
    if (a->base.listener.closed) a->base.listener.closed(a->base.listener.ud, id, reason);
}

/* A libnotify show failed after the fact (the server went away meanwhile): put it on stdout. */
static void show_failed(void *ud, uint32_t id, const struct notification *n, usec_t at)
{
    struct autob *a = ud;
    char err[256];
    uint32_t unused;
    (void)id;
    a->out->show(a->out, n, at, &unused, err, sizeof err);
}

static void on_owner_changed(GDBusConnection *c, const gchar *sender, const gchar *path,
                             const gchar *iface, const gchar *signal, GVariant *params, gpointer user)
{
    struct autob *a = user;
    const gchar *name, *old_owner, *new_owner;
    (void)c, (void)sender, (void)path, (void)iface, (void)signal;
    g_variant_get(params, "(&s&s&s)", &name, &old_owner, &new_owner);
    if (strcmp(name, BUS_NAME) != 0) return;
    bool now = new_owner && *new_owner;
    if (now == a->server) return;
    a->server = now;
    if (now)
        log_notice("a notification server appeared: showing notifications with libnotify");
    else
        log_warn("the notification server went away: notifications go to stdout until it is back");
}

static int auto_show(struct notify_backend *self, const struct notification *n, usec_t at,
                     uint32_t *id, char *err, size_t errsz)
{
    struct autob *a = (struct autob *)self;
    if (a->lib && a->server) {
        int r = a->lib->show(a->lib, n, at, id, err, errsz);
        if (r == 0) return 0;
        log_warn("libnotify: %s; showing it on stdout", err);
    } else if (!a->warned) {
        a->warned = true;
        log_warn("no notification server on the session bus: notifications go to stdout");
    }
    /* Ids must not collide with libnotify's: take them from the same counter. */
    uint32_t unused;
    int r = a->out->show(a->out, n, at, &unused, err, errsz);
    if (r == 0) *id = a->lib ? ++((struct lnotify *)a->lib)->next_id : unused;
    return r;
}

/* Ids of what went to stdout are not in libnotify's table: closing them does nothing. */
static int auto_close(struct notify_backend *self, uint32_t id, char *err, size_t errsz)
{
    struct autob *a = (struct autob *)self;
    return a->lib ? notify_close(a->lib, id, err, errsz) : 0;
}

static void auto_destroy(struct notify_backend *self)
{
    struct autob *a = (struct autob *)self;
    if (a->watch) g_dbus_connection_signal_unsubscribe(a->bus, a->watch);
    notify_backend_free(a->lib);
    notify_backend_free(a->out);
    if (a->bus) g_object_unref(a->bus);
    free(a);
}

const char *notify_backend_current(struct notify_backend *b)
{
    if (b->destroy == auto_destroy) {
        struct autob *a = (struct autob *)b;
        return a->lib && a->server ? "libnotify" : "stdout";
    }
    return b->name;
}

struct notify_backend *notify_auto_new(const char *app_name, FILE *fallback)
{
    struct autob *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->base.name = "auto";
    a->base.show = auto_show;
    a->base.close = auto_close;
    a->base.destroy = auto_destroy;
    a->out = notify_stdout_new(fallback);
    GError *e = NULL;
    a->bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &e);
    if (!a->bus) {
        log_warn("no session bus (%s): notifications go to stdout", e ? e->message : "?");
        g_clear_error(&e);
        a->warned = true;
        return &a->base;
    }
    char err[256];
    a->lib = notify_libnotify_new(app_name, err, sizeof err);
    if (!a->lib) {
        log_warn("%s: notifications go to stdout", err);
        a->warned = true;
        return &a->base;
    }
    a->lib->listener = (struct notify_listener){forward_action, forward_closed, a};
    ((struct lnotify *)a->lib)->failed = show_failed;
    ((struct lnotify *)a->lib)->failed_ud = a;
    a->watch = g_dbus_connection_signal_subscribe(
        a->bus, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
        "/org/freedesktop/DBus", BUS_NAME, G_DBUS_SIGNAL_FLAGS_NONE, on_owner_changed, a, NULL);
    /* The bus daemon answers NameHasOwner itself, so this never waits on activation. */
    GVariant *r = g_dbus_connection_call_sync(a->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                              "org.freedesktop.DBus", "NameHasOwner",
                                              g_variant_new("(s)", BUS_NAME), G_VARIANT_TYPE("(b)"),
                                              G_DBUS_CALL_FLAGS_NONE, 2000, NULL, &e);
    if (r) {
        gboolean has;
        g_variant_get(r, "(b)", &has);
        a->server = has;
        g_variant_unref(r);
    } else {
        g_clear_error(&e);
    }
    return &a->base;
}
