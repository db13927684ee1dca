#include "notify/notify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "time/timestamp.h"

void json_write_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    putc_unlocked('"', f);
    for (;;) {
        /* Copy runs that need no escaping in one go. */
        const unsigned char *run = p;
        size_t n, bad;
        while (*p >= 0x20 && *p != '"' && *p != '\\' && *p != 0x7f) {
            if (*p < 0x80) {
                p++;
            } else if ((n = utf8_sequence(p, strnlen((const char *)p, 4), &bad))) {
                p += n;
            } else {
                break;
            }
        }
        if (p > run) fwrite_unlocked(run, 1, (size_t)(p - run), f);
        if (!*p) break;
        if (*p >= 0x80) {
            /* Not UTF-8 (a rule's bytes): U+FFFD, so the line stays JSON. */
            utf8_sequence(p, strnlen((const char *)p, 4), &bad);
            fputs_unlocked("\xef\xbf\xbd", f);
            p += bad;
            continue;
        }
        switch (*p) {
        case '"': fputs_unlocked("\\\"", f); break;
        case '\\': fputs_unlocked("\\\\", f); break;
        case '\n': fputs_unlocked("\\n", f); break;
        case '\r': fputs_unlocked("\\r", f); break;
        case '\t': fputs_unlocked("\\t", f); break;
        case '\b': fputs_unlocked("\\b", f); break;
        case '\f': fputs_unlocked("\\f", f); break;
        default: fprintf(f, "\\u%04x", *p);
        }
        p++;
    }
    putc_unlocked('"', f);
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
    uint32_t next_id;
};

static void print_human(FILE *f, const struct notification *n, usec_t at)
{
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
    char when[64];
    timestamp_format_iso(at, when, sizeof when);
    fputs_unlocked("{\"at\":", f);
    json_write_string(f, when);
    fputs_unlocked(",\"id\":", f);
    json_write_string(f, n->reminder_id);
    fputs_unlocked(",\"kind\":", f);
    json_write_string(f, n->kind);
    fputs_unlocked(",\"title\":", f);
    json_write_string(f, n->title);
    fputs_unlocked(",\"body\":", f);
    json_write_string(f, n->body);
    fputs_unlocked(",\"actions\":[", f);
    for (size_t i = 0; i < n->n_actions; i++) {
        if (i) putc_unlocked(',', f);
        json_write_string(f, n->actions[i].id);
    }
    fputs_unlocked("]}\n", f);
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
        print_human(b->out, n, at);
    /* A live daemon's line must reach a pipe or the journal now; a preview flushes at exit. */
    if (b->flush_each) fflush(b->out);
    *id = ++b->next_id;
    return 0;
}

static void stream_destroy(struct notify_backend *self)
{
    free(self);
}

static struct notify_backend *stream_new(const char *name, FILE *out, bool json, bool flush_each)
{
    struct stream_backend *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->base.name = name;
    b->base.show = stream_show;
    b->base.destroy = stream_destroy;
    b->out = out;
    b->json = json;
    b->flush_each = flush_each;
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
