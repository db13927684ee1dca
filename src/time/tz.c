#include "time/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool tz_is_valid(const char *zone)
{
    char path[1024];
    const char *dir = getenv("TZDIR");
    if (!zone || !*zone || zone[0] == '/' || strstr(zone, "..") || strlen(zone) > 255) return false;
    /* Zone names are letters, digits and "/_-+"; anything else is a typo, not a zone. */
    for (const char *p = zone; *p; p++)
        if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') ||
              strchr("/_-+", *p)))
            return false;
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char magic[4];
    bool ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
    fclose(f);
    return ok;
}

void tz_enter(const char *zone, struct tz_saved *saved)
{
    saved->active = false;
    saved->old = NULL;
    if (!zone || !*zone) return;
    const char *old = getenv("TZ");
    saved->old = old ? strdup(old) : NULL;
    saved->active = true;
    char buf[300];
    snprintf(buf, sizeof buf, ":%s", zone);
    setenv("TZ", buf, 1);
    tzset();
}

void tz_leave(struct tz_saved *saved)
{
    if (!saved->active) return;
    if (saved->old)
        setenv("TZ", saved->old, 1);
    else
        unsetenv("TZ");
    free(saved->old);
    saved->old = NULL;
    saved->active = false;
    tzset();
}
