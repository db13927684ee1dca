#include "common/notification.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *urgency_name(enum urgency u)
{
    return u == URGENCY_LOW ? "low" : u == URGENCY_CRITICAL ? "critical" : "normal";
}

int urgency_parse(const char *s, enum urgency *u)
{
    if (!strcmp(s, "low"))
        *u = URGENCY_LOW;
    else if (!strcmp(s, "normal"))
        *u = URGENCY_NORMAL;
    else if (!strcmp(s, "critical"))
        *u = URGENCY_CRITICAL;
    else
        return -EINVAL;
    return 0;
}

/* strdup that keeps NULL as NULL; *failed is set when a string could not be copied. */
static char *dup_or_null(const char *s, int *failed)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *failed = 1;
    return d;
}

int notification_copy(const struct notification *n, struct notification *out)
{
    int failed = 0;
    *out = *n;
    out->app_name = dup_or_null(n->app_name, &failed);
    out->reminder_id = dup_or_null(n->reminder_id ? n->reminder_id : "", &failed);
    out->kind = dup_or_null(n->kind ? n->kind : "notify", &failed);
    out->title = dup_or_null(n->title, &failed);
    out->body = dup_or_null(n->body, &failed);
    out->icon = dup_or_null(n->icon, &failed);
    out->category = dup_or_null(n->category, &failed);
    out->promise = dup_or_null(n->promise, &failed);
    out->uid = dup_or_null(n->uid, &failed);
    out->n_actions = 0;
    out->actions = calloc(n->n_actions ? n->n_actions : 1, sizeof *out->actions);
    if (!out->actions) failed = 1;
    for (size_t i = 0; out->actions && i < n->n_actions; i++) {
        const struct notify_action *a = &n->actions[i];
        out->actions[i].id = dup_or_null(a->id, &failed);
        out->actions[i].label = dup_or_null(a->label ? a->label : a->id, &failed);
        out->n_actions = i + 1;
    }
    if (failed) {
        notification_clear(out);
        return -ENOMEM;
    }
    return 0;
}

void notification_clear(struct notification *n)
{
    free((char *)n->app_name);
    free((char *)n->reminder_id);
    free((char *)n->kind);
    free((char *)n->title);
    free((char *)n->body);
    free((char *)n->icon);
    free((char *)n->category);
    free((char *)n->promise);
    free((char *)n->uid);
    for (size_t i = 0; i < n->n_actions; i++) {
        free(n->actions[i].id);
        free(n->actions[i].label);
    }
    free(n->actions);
    memset(n, 0, sizeof *n);
}
