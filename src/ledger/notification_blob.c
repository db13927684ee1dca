/* Notifications to and from JSON: the form a fire and a snooze keep in the state database. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/notification.h"
#include "common/utf8.h"
#include "ledger/ledger.h"

/* A JSON string of s, repaired to UTF-8 (jansson refuses anything else, and a field that
 * silently goes missing loses the notification when it is shown again). */
static json_t *str_json(const char *s)
{
    char *own;
    json_t *j = json_string(utf8_clean(s, &own));
    free(own);
    return j;
}

static void set_str(json_t *o, const char *k, const char *v)
{
    if (v) json_object_set_new(o, k, str_json(v));
}

char *notification_encode(const struct notification *n, size_t *len)
{
    json_t *o = json_object();
    if (!o) return NULL;
    set_str(o, "app_name", n->app_name);
    set_str(o, "reminder", n->reminder_id);
    set_str(o, "kind", n->kind);
    set_str(o, "title", n->title);
    set_str(o, "body", n->body);
    set_str(o, "icon", n->icon);
    set_str(o, "category", n->category);
    set_str(o, "urgency", urgency_name(n->urgency));
    json_object_set_new(o, "timeout_ms", json_integer(n->timeout_ms));
    if (n->snooze) json_object_set_new(o, "snooze", json_integer(n->snooze));
    set_str(o, "promise", n->promise);
    /* Only when set: a blob without it (older ones too) is an ordinary notification. */
    if (n->discreet) json_object_set_new(o, "discreet", json_true());
    json_t *a = json_array();
    for (size_t i = 0; i < n->n_actions; i++)
        json_array_append_new(a, json_pack("{s:o, s:o}", "id", str_json(n->actions[i].id), "label",
                                           str_json(n->actions[i].label ? n->actions[i].label
                                                                        : n->actions[i].id)));
    json_object_set_new(o, "actions", a);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (text) *len = strlen(text);
    return text;
}

static char *dup_field(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

int notification_decode(const char *buf, size_t len, struct notification *n)
{
    memset(n, 0, sizeof *n);
    json_t *o = json_loadb(buf, len, 0, NULL);
    if (!json_is_object(o) || !json_is_string(json_object_get(o, "title"))) {
        json_decref(o);
        return -EINVAL;
    }
    n->app_name = dup_field(o, "app_name");
    n->reminder_id = dup_field(o, "reminder");
    n->kind = dup_field(o, "kind");
    n->title = dup_field(o, "title");
    n->body = dup_field(o, "body");
    n->icon = dup_field(o, "icon");
    n->category = dup_field(o, "category");
    n->promise = dup_field(o, "promise");
    const char *u = json_string_value(json_object_get(o, "urgency"));
    if (!u || urgency_parse(u, &n->urgency) < 0) n->urgency = URGENCY_NORMAL;
    json_t *t = json_object_get(o, "timeout_ms");
    n->timeout_ms = json_is_integer(t) ? json_integer_value(t) : -1;
    json_t *sn = json_object_get(o, "snooze");
    n->snooze = json_is_integer(sn) ? json_integer_value(sn) : 0;
    n->discreet = json_is_true(json_object_get(o, "discreet"));
    json_t *a = json_object_get(o, "actions");
    size_t na = json_is_array(a) ? json_array_size(a) : 0;
    if (na > 16) na = 16;
    n->actions = calloc(na ? na : 1, sizeof *n->actions);
    for (size_t i = 0; n->actions && i < na; i++) {
        json_t *e = json_array_get(a, i);
        const char *id = json_string_value(json_object_get(e, "id"));
        const char *label = json_string_value(json_object_get(e, "label"));
        if (!id) continue;
        n->actions[n->n_actions].id = strdup(id);
        n->actions[n->n_actions].label = strdup(label ? label : id);
        n->n_actions++;
    }
    json_decref(o);
    if (!n->reminder_id) n->reminder_id = strdup("");
    if (!n->kind) n->kind = strdup("notify");
    if (!n->title || !n->reminder_id || !n->kind || !n->actions) {
        notification_clear(n);
        return -ENOMEM;
    }
    return 0;
}
