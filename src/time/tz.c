#include "time/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *tz_name_problem(const char *zone)
{
    char path[1024];
    const char *dir = getenv("TZDIR");
    if (!zone || !*zone) return "empty";
    if (strcmp(zone, "UTC") == 0) return NULL; /* systemd: always there, files or not */
    if (zone[0] == '/') return "starts with \"/\" (zone names are relative, e.g. Europe/Berlin)";
    if (strlen(zone) > 255) return "too long";
    /* systemd's timezone_is_valid(): letters, digits and "/_-+", no empty part ("a//b", a
     * trailing "/"), so no ".." and no path tricks either. */
    for (const char *p = zone; *p; p++) {
        if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') ||
              strchr("/_-+", *p)))
            return "has a character other than letters, digits and \"/_-+\"";
        if (*p == '/' && p[1] == '/') return "has an empty part (\"//\")";
    }
    if (zone[strlen(zone) - 1] == '/') return "ends with \"/\"";
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
    FILE *f = fopen(path, "rb");
    if (!f) return "no such zone";
    struct stat st;
    char magic[4];
    bool ok = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && fread(magic, 1, 4, f) == 4 &&
              memcmp(magic, "TZif", 4) == 0;
    fclose(f);
    return ok ? NULL : "not a zone file";
}

bool tz_is_valid(const char *zone)
{
    return tz_name_problem(zone) == NULL;
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

const char *tz_abbrev(int dst, char buf[TZ_ABBREV_MAX])
{
    /* Twelve instants a month apart from now: one is standard time and, in a zone with
     * daylight time, one is that. localtime_r only: mktime() would move libc's hint for the
     * next ambiguous wall time (the hour daylight saving repeats). */
    time_t now = time(NULL);
    for (int k = 0; k < 12; k++) {
        time_t t = now + (time_t)k * 31 * 86400;
        struct tm got;
        if (!localtime_r(&t, &got)) continue;
        if ((got.tm_isdst > 0) == (dst == 1) && got.tm_zone && *got.tm_zone) {
            snprintf(buf, TZ_ABBREV_MAX, "%s", got.tm_zone);
            return buf;
        }
    }
    return NULL;
}
