/* RFC 5545 output for `nudgectl export --ics`. Times are written in UTC (…Z) so the file needs
 * no VTIMEZONE and means the same instant in any calendar. */
#include "ctl/ics.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FOLD_OCTETS 75

void ics_line(FILE *f, const char *line)
{
    size_t len = strlen(line), col = 0;
    for (size_t i = 0; i < len;) {
        /* The whole UTF-8 sequence starting here goes on one physical line. */
        size_t n = 1;
        while (i + n < len && ((unsigned char)line[i + n] & 0xC0) == 0x80)
            n++;
        if (col + n > FOLD_OCTETS) {
            fputs("\r\n ", f); /* the leading space counts toward the next line's octets */
            col = 1;
        }
        fwrite(line + i, 1, n, f);
        col += n;
        i += n;
    }
    fputs("\r\n", f);
}

void ics_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '\\':
            fputs("\\\\", f);
            break;
        case ';':
            fputs("\\;", f);
            break;
        case ',':
            fputs("\\,", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        default:
            if ((unsigned char)*s >= 0x20 && *s != 0x7f) fputc(*s, f);
        }
    }
}

/* A property whose value is TEXT. */
static void text_prop(FILE *f, const char *name, const char *value)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return;
    fprintf(m, "%s:", name);
    ics_text(m, value);
    fclose(m);
    ics_line(f, buf);
    free(buf);
}

static void utc(time_t t, char *buf, size_t bufsz)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, bufsz, "%Y%m%dT%H%M%SZ", &tm);
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && *s ? s : NULL;
}

int ics_write(FILE *f, json_t *fires, time_t now)
{
    char stamp[32], start[32], line[128];
    utc(now, stamp, sizeof stamp);
    ics_line(f, "BEGIN:VCALENDAR");
    ics_line(f, "VERSION:2.0");
    ics_line(f, "PRODID:-//nudge//nudgectl " NUDGE_VERSION "//EN");
    ics_line(f, "CALSCALE:GREGORIAN");
    ics_line(f, "METHOD:PUBLISH");
    ics_line(f, "X-WR-CALNAME:nudge");
    int n = 0;
    size_t i;
    json_t *v;
    json_array_foreach(fires, i, v)
    {
        json_t *at = json_object_get(v, "at");
        /* The UID is the daemon's (ledger_fire_uid): stable across restarts, so exporting
         * again updates the same events in a calendar instead of adding copies. */
        const char *uid = str(v, "uid");
        if (!json_is_number(at) || !uid) continue;
        time_t t = (time_t)json_number_value(at);
        const char *id = str(v, "id") ? str(v, "id") : "notify";
        const char *title = str(v, "title") ? str(v, "title") : id;
        utc(t, start, sizeof start);
        ics_line(f, "BEGIN:VEVENT");
        text_prop(f, "UID", uid);
        snprintf(line, sizeof line, "DTSTAMP:%s", stamp);
        ics_line(f, line);
        snprintf(line, sizeof line, "DTSTART:%s", start);
        ics_line(f, line);
        snprintf(line, sizeof line, "DURATION:PT%dM", ICS_EVENT_MINUTES);
        ics_line(f, line);
        text_prop(f, "SUMMARY", title);
        if (str(v, "body")) text_prop(f, "DESCRIPTION", str(v, "body"));
        if (str(v, "kind")) text_prop(f, "CATEGORIES", str(v, "kind"));
        ics_line(f, "TRANSP:TRANSPARENT"); /* a reminder does not make the user busy */
        /* The phone reminds at the start, as the daemon would have. */
        ics_line(f, "BEGIN:VALARM");
        ics_line(f, "ACTION:DISPLAY");
        text_prop(f, "DESCRIPTION", title);
        ics_line(f, "TRIGGER:PT0S");
        ics_line(f, "END:VALARM");
        ics_line(f, "END:VEVENT");
        n++;
    }
    ics_line(f, "END:VCALENDAR");
    return n;
}
