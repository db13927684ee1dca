/* The libical wrapper. libical does the escaping, folding and parsing; this file keeps what
 * goes in clean (no control characters, valid UTF-8) and reads what comes back defensively:
 * bounded sizes, no recursion libical could be made to run deep, and no time-zone expansion
 * of a server's VTIMEZONE (times are converted with the system's zoneinfo instead). */
#include "ical/ical.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/errbuf.h"
#include "common/utf8.h"
#include "time/tz.h"

#define PRODID "-//nudge//nudge " NUDGE_VERSION "//EN"
/* Components nest three deep in what we read (VCALENDAR > VTODO > VALARM); a little room
 * for XROOT and odd servers, and a hard stop long before libical's recursive free could
 * exhaust the stack. */
#define MAX_DEPTH 8
/* And at most this many components in all: a bound on libical's depth even if it matched
 * END lines differently than syntax_problem() does. A task with a VTIMEZONE has about six. */
#define MAX_COMPONENTS 200

/* libical's default is to abort() on some errors; a bad calendar from a server must never
 * end the daemon. Cheap enough to set on every call. */
static void setup(void)
{
    icalerror_set_errors_are_fatal(0);
    icalerror_clear_errno();
}

/* A copy fit for a TEXT value: valid UTF-8, control characters other than a newline dropped
 * (RFC 5545 3.3.11 has no escape for them). NULL stays NULL (and out of memory gives NULL). */
static char *clean_text(const char *s)
{
    if (!s) return NULL;
    char *r = utf8_repair(s, strlen(s), NULL);
    if (!r) return NULL;
    char *w = r;
    for (const char *p = r; *p; p++)
        if ((unsigned char)*p >= 0x20 ? *p != 0x7f : *p == '\n') *w++ = *p;
    *w = 0;
    return r;
}

/* libical writes a DATE-TIME after 3000 as 00000000T000000: such times are not written, and
 * not read either. */
#define LAST_SECOND ((usec_t)32535215999 * USEC_PER_SEC) /* 3000-12-31 23:59:59 UTC */
#define LAST_YEAR 3000

static bool writable(usec_t t)
{
    return t >= 0 && t <= LAST_SECOND;
}

static struct icaltimetype utc_time(usec_t t)
{
    return icaltime_from_timet_with_zone((time_t)(t / USEC_PER_SEC), 0,
                                         icaltimezone_get_utc_timezone());
}

/* Adds a TEXT property made by `make` from a cleaned copy of s; nothing when s is NULL/empty. */
static void add_text(icalcomponent *c, icalproperty *(*make)(const char *), const char *s)
{
    if (!s || !*s) return;
    char *v = clean_text(s);
    if (v && *v) icalcomponent_add_property(c, make(v));
    free(v);
}

static void add_x(icalcomponent *c, const char *name, const char *s)
{
    if (!s || !*s) return;
    char *v = clean_text(s);
    if (v && *v) {
        icalproperty *p = icalproperty_new_x(v);
        icalproperty_set_x_name(p, name);
        icalcomponent_add_property(c, p);
    }
    free(v);
}

static icalcomponent *new_calendar(void)
{
    return icalcomponent_vanew(ICAL_VCALENDAR_COMPONENT, icalproperty_new_version("2.0"),
                               icalproperty_new_prodid(PRODID),
                               icalproperty_new_calscale("GREGORIAN"), (void *)0);
}

/* A DISPLAY alarm saying `what`; trigger related to the start or the end (DUE). */
static icalcomponent *display_alarm(const char *what, bool at_end)
{
    icalcomponent *a = icalcomponent_new(ICAL_VALARM_COMPONENT);
    icalcomponent_add_property(a, icalproperty_new_action(ICAL_ACTION_DISPLAY));
    /* DISPLAY needs a DESCRIPTION (RFC 5545 3.6.6); an empty title still says something. */
    add_text(a, icalproperty_new_description, what && *what ? what : "nudge");
    struct icaltriggertype trig = {.time = icaltime_null_time(),
                                   .duration = icaldurationtype_null_duration()};
    icalproperty *p = icalproperty_new_trigger(trig);
    if (at_end) icalproperty_add_parameter(p, icalparameter_new_related(ICAL_RELATED_END));
    icalcomponent_add_property(a, p);
    return a;
}

char *ical_events_write(const struct ical_event *events, size_t n, usec_t now)
{
    setup();
    icalcomponent *cal = new_calendar();
    icalcomponent_add_property(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
    add_x(cal, "X-WR-CALNAME", "nudge");
    struct icaltimetype stamp = utc_time(now);
    for (size_t i = 0; i < n; i++) {
        const struct ical_event *e = &events[i];
        if (!e->uid || !*e->uid || !writable(e->start)) continue;
        icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
        add_text(ev, icalproperty_new_uid, e->uid);
        icalcomponent_add_property(ev, icalproperty_new_dtstamp(stamp));
        icalcomponent_add_property(ev, icalproperty_new_dtstart(utc_time(e->start)));
        icalcomponent_add_property(
            ev, icalproperty_new_duration(icaldurationtype_from_int(ICAL_EVENT_MINUTES * 60)));
        add_text(ev, icalproperty_new_summary, e->summary);
        add_text(ev, icalproperty_new_description, e->description);
        add_text(ev, icalproperty_new_categories, e->kind);
        /* A reminder does not make the user busy. */
        icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
        /* The phone reminds at the start, as the daemon would have. */
        icalcomponent_add_component(ev, display_alarm(e->summary, false));
        icalcomponent_add_component(cal, ev);
    }
    char *s = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    return s;
}

/* Whether a UID has anything but blanks: libical drops a value's trailing blanks on reading,
 * so a blank UID would not read back. */
static bool uid_ok(const char *uid)
{
    return uid && uid[strspn(uid, " \t")] != 0;
}

char *ical_todo_write(const struct ical_todo *t)
{
    if (!t || !t->uid) return NULL;
    char *uid = clean_text(t->uid);
    if (!uid_ok(uid)) return free(uid), NULL;
    setup();
    icalcomponent *cal = new_calendar();
    icalcomponent *todo = icalcomponent_new(ICAL_VTODO_COMPONENT);
    icalcomponent_add_property(todo, icalproperty_new_uid(uid));
    free(uid);
    usec_t stamp = t->last_modified && writable(t->last_modified)
                       ? t->last_modified
                       : (usec_t)time(NULL) * USEC_PER_SEC;
    icalcomponent_add_property(todo, icalproperty_new_dtstamp(utc_time(stamp)));
    if (t->last_modified && writable(t->last_modified))
        icalcomponent_add_property(todo,
                                   icalproperty_new_lastmodified(utc_time(t->last_modified)));
    add_text(todo, icalproperty_new_summary, t->summary);
    add_text(todo, icalproperty_new_description, t->description);
    bool due = t->due && writable(t->due);
    if (due) icalcomponent_add_property(todo, icalproperty_new_due(utc_time(t->due)));
    add_text(todo, icalproperty_new_categories, t->kind);
    enum icalproperty_status st = t->status == ICAL_TODO_COMPLETED   ? ICAL_STATUS_COMPLETED
                                  : t->status == ICAL_TODO_CANCELLED ? ICAL_STATUS_CANCELLED
                                                                     : ICAL_STATUS_NEEDSACTION;
    icalcomponent_add_property(todo, icalproperty_new_status(st));
    if (t->status == ICAL_TODO_COMPLETED) {
        icalcomponent_add_property(todo, icalproperty_new_percentcomplete(100));
        if (t->completed && writable(t->completed))
            icalcomponent_add_property(todo, icalproperty_new_completed(utc_time(t->completed)));
    }
    add_x(todo, "X-NUDGE-KIND", t->kind);
    add_x(todo, "X-NUDGE", "1");
    if (due) icalcomponent_add_component(todo, display_alarm(t->summary, true));
    icalcomponent_add_component(cal, todo);
    char *s = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    return s;
}

void ical_todo_clear(struct ical_todo *t)
{
    if (!t) return;
    free(t->uid);
    free(t->summary);
    free(t->description);
    free(t->kind);
    memset(t, 0, sizeof *t);
}

/* ---- reading ---- */

static bool name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* One unfolded content line against RFC 5545 3.1: name *(";" param) ":" value, a param being
 * name "=" values separated by ",", each a quoted string or free of ";:,". The value is
 * libical's to judge. */
static bool content_line(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && name_char(*q))
        q++;
    if (q == p) return false;
    while (q < end && *q == ';') {
        const char *n = ++q;
        while (q < end && name_char(*q))
            q++;
        if (q == n || q >= end || *q != '=') return false;
        do {
            q++;
            if (q < end && *q == '"') {
                const char *close = memchr(q + 1, '"', (size_t)(end - q - 1));
                if (!close) return false;
                q = close + 1;
            } else {
                while (q < end && *q != ';' && *q != ':' && *q != ',' && *q != '"')
                    q++;
            }
        } while (q < end && *q == ',');
    }
    return q < end && *q == ':';
}

/* Why s (NUL-terminated) is no calendar to hand to libical, or NULL. libical prints a warning
 * to stderr for each malformed line (nothing turns that off), and frees components
 * recursively; so lines must be well-formed, END must follow its BEGIN, nesting stays under
 * MAX_DEPTH and components under MAX_COMPONENTS. Lines are read as libical unfolds them (a
 * line end followed by a space or tab continues the line); a lone CR also ends a line here,
 * which can only count more BEGINs than libical sees. */
static const char *syntax_problem(const char *s, char *why, size_t whysz)
{
    size_t len = strlen(s);
    char *u = malloc(len + 1), *w = u;
    if (!u) return "out of memory";
    for (const char *p = s; *p; p++) {
        if (*p == '\r' || *p == '\n') {
            const char *r = p + (*p == '\r' && p[1] == '\n' ? 2 : 1);
            if (*r == ' ' || *r == '\t') {
                p = r; /* the fold goes, the text after the space stays */
                continue;
            }
            *w++ = '\n';
            p = r - 1;
            continue;
        }
        *w++ = *p;
    }
    *w = 0;
    const char *problem = NULL;
    int depth = 0, all = 0, lineno = 0;
    for (char *line = u; *line && !problem;) {
        char *end = strchr(line, '\n');
        if (!end) end = line + strlen(line);
        lineno++;
        if (end > line) {
            size_t nlen = 0;
            while (line + nlen < end && name_char(line[nlen]))
                nlen++;
            if (!content_line(line, end)) {
                snprintf(why, whysz, "line %d is not an iCalendar content line", lineno);
                problem = why;
            } else if (nlen == 5 && !strncasecmp(line, "BEGIN", 5)) {
                if (++depth > MAX_DEPTH || ++all > MAX_COMPONENTS) {
                    snprintf(why, whysz, "components nested more than %d deep or more than %d",
                             MAX_DEPTH, MAX_COMPONENTS);
                    problem = why;
                }
            } else if (nlen == 3 && !strncasecmp(line, "END", 3)) {
                if (depth-- == 0) {
                    snprintf(why, whysz, "line %d: END before its BEGIN", lineno);
                    problem = why;
                }
            }
        }
        line = *end ? end + 1 : end;
    }
    free(u);
    return problem;
}

/* The first VTODO in c or below (XROOT > VCALENDAR > VTODO); syntax_problem() bounds depth. */
static icalcomponent *find_todo(icalcomponent *c, int depth)
{
    if (!c || depth > MAX_DEPTH) return NULL;
    if (icalcomponent_isa(c) == ICAL_VTODO_COMPONENT) return c;
    for (icalcomponent *k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
         k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
        icalcomponent *t = find_todo(k, depth + 1);
        if (t) return t;
    }
    return NULL;
}

static icalvalue *value_of(icalcomponent *c, icalproperty_kind kind, icalproperty **prop)
{
    icalproperty *p = icalcomponent_get_first_property(c, kind);
    if (prop) *prop = p;
    return p ? icalproperty_get_value(p) : NULL;
}

static const char *text_of(icalcomponent *c, icalproperty_kind kind)
{
    icalvalue *v = value_of(c, kind, NULL);
    if (!v) return NULL;
    switch (icalvalue_isa(v)) {
    case ICAL_TEXT_VALUE:
        return icalvalue_get_text(v);
    case ICAL_X_VALUE:
        return icalvalue_get_x(v);
    default:
        return NULL;
    }
}

/* The value of the first X- property called name, or NULL. */
static const char *x_of(icalcomponent *c, const char *name)
{
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
        const char *n = icalproperty_get_x_name(p);
        icalvalue *v = icalproperty_get_value(p);
        if (n && v && !strcasecmp(n, name)) {
            if (icalvalue_isa(v) == ICAL_X_VALUE) return icalvalue_get_x(v);
            if (icalvalue_isa(v) == ICAL_TEXT_VALUE) return icalvalue_get_text(v);
            return NULL;
        }
    }
    return NULL;
}

/* A copy of s as valid UTF-8, cut to max bytes at a character boundary. */
static char *copy_text(const char *s, size_t max)
{
    if (!s) return NULL;
    size_t len = strnlen(s, max + 4);
    char *r = utf8_repair(s, len, &len);
    if (!r) return NULL;
    if (len > max) {
        len = max;
        while (len > 0 && ((unsigned char)r[len] & 0xC0) == 0x80)
            len--;
        r[len] = 0;
    }
    return r;
}

/* A DATE or DATE-TIME value as an instant (see ical_todo_read for the zones). -1 when it is
 * none, or out of 1970..3000. */
static int time_of(icalcomponent *c, icalproperty_kind kind, usec_t *out)
{
    icalproperty *p;
    icalvalue *v = value_of(c, kind, &p);
    *out = 0;
    if (!p) return 0; /* absent is not an error */
    if (!v) return -1;
    struct icaltimetype tt;
    if (icalvalue_isa(v) == ICAL_DATETIME_VALUE)
        tt = icalvalue_get_datetime(v);
    else if (icalvalue_isa(v) == ICAL_DATE_VALUE)
        tt = icalvalue_get_date(v);
    else
        return -1;
    if (tt.year < 1970 || tt.year > LAST_YEAR || tt.month < 1 || tt.month > 12 || tt.day < 1 ||
        tt.day > icaltime_days_in_month(tt.month, tt.year))
        return -1;
    struct tm tm = {.tm_year = tt.year - 1900, .tm_mon = tt.month - 1, .tm_mday = tt.day};
    if (!tt.is_date) {
        if (tt.hour < 0 || tt.hour > 23 || tt.minute < 0 || tt.minute > 59 || tt.second < 0 ||
            tt.second > 60)
            return -1;
        tm.tm_hour = tt.hour;
        tm.tm_min = tt.minute;
        tm.tm_sec = tt.second;
    }
    time_t t;
    if (!tt.is_date && icaltime_is_utc(tt)) {
        t = timegm(&tm);
    } else {
        icalparameter *z = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
        const char *tzid = z && !tt.is_date ? icalparameter_get_tzid(z) : NULL;
        struct tz_saved saved = {0};
        if (tzid && tz_is_valid(tzid)) tz_enter(tzid, &saved);
        tm.tm_isdst = -1;
        t = mktime(&tm);
        tz_leave(&saved);
    }
    if (t < 0 || (usec_t)t > LAST_SECOND / USEC_PER_SEC) return -1;
    *out = (usec_t)t * USEC_PER_SEC;
    return 0;
}

static int fail(char *err, size_t errsz, icalcomponent *root, struct ical_todo *out,
                const char *what)
{
    if (root) icalcomponent_free(root);
    ical_todo_clear(out);
    return errbuf_set(err, errsz, 1, "%s", what);
}

int ical_todo_read(const char *text, size_t len, struct ical_todo *out, char *err, size_t errsz)
{
    memset(out, 0, sizeof *out);
    if (!text || len == 0) return errbuf_set(err, errsz, 1, "empty calendar");
    if (len > ICAL_MAX_INPUT)
        return errbuf_set(err, errsz, 1, "calendar of %zu bytes is larger than %d", len,
                          ICAL_MAX_INPUT);
    char *copy = malloc(len + 1);
    if (!copy) return errbuf_set(err, errsz, 1, "out of memory");
    memcpy(copy, text, len);
    copy[len] = 0;
    char why[128];
    const char *problem = syntax_problem(copy, why, sizeof why);
    if (problem) {
        free(copy);
        return errbuf_set(err, errsz, 1, "%s", problem);
    }
    setup();
    icalcomponent *root = icalparser_parse_string(copy);
    free(copy);
    icalcomponent *todo = find_todo(root, 0);
    if (!todo) return fail(err, errsz, root, out, "no VTODO in the calendar");
    const char *uid = text_of(todo, ICAL_UID_PROPERTY);
    if (!uid_ok(uid)) return fail(err, errsz, root, out, "the VTODO has no UID");
    if (strlen(uid) > ICAL_MAX_UID)
        return fail(err, errsz, root, out, "the VTODO's UID is longer than 255 bytes");
    out->uid = copy_text(uid, ICAL_MAX_UID);
    out->summary = copy_text(text_of(todo, ICAL_SUMMARY_PROPERTY), ICAL_MAX_TEXT);
    out->description = copy_text(text_of(todo, ICAL_DESCRIPTION_PROPERTY), ICAL_MAX_TEXT);
    const char *kind = x_of(todo, "X-NUDGE-KIND");
    if (!kind) kind = text_of(todo, ICAL_CATEGORIES_PROPERTY);
    out->kind = copy_text(kind, ICAL_MAX_UID);
    if (!out->uid) return fail(err, errsz, root, out, "out of memory");
    const char *mark = x_of(todo, "X-NUDGE");
    out->ours = mark && !strcmp(mark, "1");

    if (time_of(todo, ICAL_DUE_PROPERTY, &out->due) < 0)
        return fail(err, errsz, root, out, "the VTODO's DUE is not a date between 1970 and 3000");
    /* A COMPLETED or LAST-MODIFIED that cannot be read is only a missing detail. */
    if (time_of(todo, ICAL_COMPLETED_PROPERTY, &out->completed) < 0) out->completed = 0;
    if (time_of(todo, ICAL_LASTMODIFIED_PROPERTY, &out->last_modified) < 0)
        out->last_modified = 0;

    out->status = ICAL_TODO_OPEN;
    icalvalue *st = value_of(todo, ICAL_STATUS_PROPERTY, NULL);
    if (st && icalvalue_isa(st) == ICAL_STATUS_VALUE) {
        enum icalproperty_status s = icalvalue_get_status(st);
        if (s == ICAL_STATUS_COMPLETED) out->status = ICAL_TODO_COMPLETED;
        if (s == ICAL_STATUS_CANCELLED) out->status = ICAL_TODO_CANCELLED;
    }
    /* Some apps set only COMPLETED (RFC 5545 3.8.2.1 makes it the mark of a done task). */
    if (out->status == ICAL_TODO_OPEN && out->completed) out->status = ICAL_TODO_COMPLETED;
    icalcomponent_free(root);
    return 0;
}
