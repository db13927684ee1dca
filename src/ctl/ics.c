/* The daemon's export reply as ical_events for ical_events_write. */
#include "ctl/ics.h"

#include <stdlib.h>

#include "ical/ical.h"

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && *s ? s : NULL;
}

int ics_write(FILE *f, json_t *fires, time_t now)
{
    size_t total = json_array_size(fires), n = 0, i;
    struct ical_event *ev = calloc(total ? total : 1, sizeof *ev);
    if (!ev) return -1;
    json_t *v;
    json_array_foreach(fires, i, v)
    {
        json_t *at = json_object_get(v, "at");
        /* The UID is the daemon's (ledger_fire_uid): stable across restarts, so exporting
         * again updates the same events in a calendar instead of adding copies. */
        const char *uid = str(v, "uid");
        if (!json_is_number(at) || !uid) continue;
        const char *id = str(v, "id") ? str(v, "id") : "notify";
        ev[n++] = (struct ical_event){
            .uid = uid,
            .summary = str(v, "title") ? str(v, "title") : id,
            .description = str(v, "body"),
            .kind = str(v, "kind"),
            .start = (usec_t)json_number_value(at) * USEC_PER_SEC,
        };
    }
    char *text = ical_events_write(ev, n, (usec_t)now * USEC_PER_SEC);
    free(ev);
    if (!text) return -1;
    fputs(text, f);
    free(text);
    return (int)n;
}
