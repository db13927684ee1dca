#include "notify/notify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "time/timestamp.h"

/* A JSON string of s made valid UTF-8 (U+FFFD for bad bytes: jansson refuses invalid
 * strings, and a rule's bytes must not cost the line). "" for NULL. Repaired here, so jansson
 * need not check it again (a year's preview makes millions). */
static json_t *clean_string(const char *s)
{
    char *own;
    json_t *j = json_string_nocheck(utf8_clean(s ? s : "", &own));
    free(own);
    return j;
}

json_t *notification_preview_json(const struct notification *n, usec_t at)
{
    char when[64];
    timestamp_format_iso(at, when, sizeof when);
    json_t *o = json_object(), *actions = json_array();
    if (!o || !actions) {
        json_decref(o);
        json_decref(actions);
        return NULL;
    }
    for (size_t i = 0; i < n->n_actions; i++)
        json_array_append_new(actions, clean_string(n->actions[i].id));
    json_object_set_new_nocheck(o, "at", json_string_nocheck(when));
    json_object_set_new_nocheck(o, "id", clean_string(n->reminder_id));
    json_object_set_new_nocheck(o, "kind", clean_string(n->kind));
    json_object_set_new_nocheck(o, "title", clean_string(n->title));
    json_object_set_new_nocheck(o, "body", clean_string(n->body));
    json_object_set_new_nocheck(o, "actions", actions);
    if (n->discreet) json_object_set_new_nocheck(o, "discreet", json_true());
    return o;
}

int notify_close(struct notify_backend *b, uint32_t id, char *err, size_t errsz)
{
    return b->close && id ? b->close(b, id, err, errsz) : 0;
}

void notify_backend_free(struct notify_backend *b)
{
    if (b && b->destroy) b->destroy(b);
}

/* ---- capture (preview) and stdout ---- */

struct stream_backend {
    struct notify_backend base;
    FILE *out;
    bool json;
    bool flush_each;
    bool hide_discreet; /* stdout: a terminal may be shared too; a preview shows the text */
    uint32_t next_id;
};

static void print_human(FILE *f, const struct notification *n, usec_t at, bool hide)
{
    if (hide && n->discreet) {
        /* Only what the bubble shows: no reminder id, kind or text that could say what it is
         * about to someone reading along. nudgectl list and history have the full text. */
        struct notification d = *n;
        d.kind = "notify";
        d.reminder_id = "";
        d.title = NOTIFICATION_DISCREET_TITLE;
        d.body = NOTIFICATION_DISCREET_BODY;
        d.discreet = false;
        print_human(f, &d, at, false);
        return;
    }
    char when[96];
    char *own_id, *own_title, *own_body;
    /* The line may go to a terminal or the journal: valid UTF-8 only. */
    const char *id = utf8_clean(n->reminder_id, &own_id);
    const char *title = utf8_clean(n->title, &own_title);
    const char *body = utf8_clean(n->body, &own_body);
    timestamp_format(at, when, sizeof when);
    fprintf(f, "%s  %s", when, n->kind);
    if (id && *id) fprintf(f, " [%s]", id);
    fprintf(f, ": %s", title ? title : "");
    if (body && *body) {
        /* One line per notification: a body's own line breaks become spaces. */
        fputs(" — ", f);
        for (const char *p = body; *p; p++) fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
    }
    if (n->n_actions) {
        fputs(" (", f);
        for (size_t i = 0; i < n->n_actions; i++) {
            char *own;
            fprintf(f, "%s%s", i ? " / " : "", utf8_clean(n->actions[i].label, &own));
            free(own);
        }
        fputc(')', f);
    }
    if (n->urgency != URGENCY_NORMAL) fprintf(f, " !%s", urgency_name(n->urgency));
    fputc('\n', f);
    free(own_id);
    free(own_title);
    free(own_body);
}

static void print_json(FILE *f, const struct notification *n, usec_t at)
{
    json_t *o = notification_preview_json(n, at);
    if (!o) return; /* out of memory: the line is left out rather than half written */
    /* One buffer and one write: json_dumpf() writes token by token, twice as slow in a
     * year's preview. Lines longer than the buffer (long bodies) are dumped to the heap. */
    char buf[2048];
    size_t len = json_dumpb(o, buf, sizeof buf - 1, JSON_COMPACT);
    if (len && len < sizeof buf - 1) {
        buf[len++] = '\n';
        fwrite_unlocked(buf, 1, len, f);
    } else {
        char *text = json_dumps(o, JSON_COMPACT);
        if (text) fprintf(f, "%s\n", text);
        free(text);
    }
    json_decref(o);
}

static int stream_show(struct notify_backend *self, const struct notification *n, usec_t at,
                       uint32_t *id, char *err, size_t errsz)
{
    struct stream_backend *b = (struct stream_backend *)self;
    (void)err;
    (void)errsz;
    if (b->json)
        print_json(b->out, n, at);
    else
        print_human(b->out, n, at, b->hide_discreet);
    /* A live daemon's line must reach a pipe or the journal now; a preview flushes at exit. */
    if (b->flush_each) fflush(b->out);
    *id = ++b->next_id;
    return 0;
}

static void stream_destroy(struct notify_backend *self)
{
    free(self);
}

static struct notify_backend *stream_new(const char *name, FILE *out, bool json, bool live)
{
    struct stream_backend *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->base.name = name;
    b->base.show = stream_show;
    b->base.destroy = stream_destroy;
    b->out = out;
    b->json = json;
    b->flush_each = live;
    b->hide_discreet = live;
    return &b->base;
}

struct notify_backend *notify_capture_new(FILE *out, bool json)
{
    return stream_new("capture", out, json, false);
}

struct notify_backend *notify_stdout_new(FILE *out)
{
    return stream_new("stdout", out, false, true);
}
