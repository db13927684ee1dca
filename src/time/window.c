#include "time/window.h"

#include <ctype.h>
#include <errno.h>

#include "common/errbuf.h"

/* "HH:MM" or "HH:MM:SS"; returns seconds after midnight or -1. Advances *p. */
static int parse_clock(const char **p)
{
    const char *s = *p;
    int v[3] = {0, 0, 0}, n = 0;
    for (;;) {
        if (!isdigit((unsigned char)*s)) return -1;
        int x = 0, digits = 0;
        while (isdigit((unsigned char)*s) && digits < 3) {
            x = x * 10 + (*s++ - '0');
            digits++;
        }
        if (digits > 2) return -1;
        v[n++] = x;
        if (*s != ':' || n == 3) break;
        s++;
    }
    if (n < 2 || v[0] > 24 || v[1] > 59 || v[2] > 59) return -1;
    if (v[0] == 24 && (v[1] || v[2])) return -1;
    *p = s;
    return (v[0] * 3600 + v[1] * 60 + v[2]) % 86400;
}

int window_parse(const char *s, struct window *w, char *err, size_t errsz)
{
    const char *p = s;
    while (*p == ' ') p++;
    int a = parse_clock(&p);
    if (a < 0)
        return errbuf_set(err, errsz, EINVAL, "bad window \"%s\": expected HH:MM..HH:MM", s);
    while (*p == ' ') p++;
    if (p[0] != '.' || p[1] != '.')
        return errbuf_set(err, errsz, EINVAL, "bad window \"%s\": expected \"..\" after the start",
                          s);
    p += 2;
    while (*p == ' ') p++;
    int b = parse_clock(&p);
    if (b < 0)
        return errbuf_set(err, errsz, EINVAL, "bad window \"%s\": bad end time \"%s\"", s, p);
    while (*p == ' ') p++;
    if (*p) return errbuf_set(err, errsz, EINVAL, "bad window \"%s\": unexpected \"%s\"", s, p);
    if (a == b)
        return errbuf_set(err, errsz, EINVAL, "bad window \"%s\": start and end are the same", s);
    w->start = a;
    w->end = b;
    return 0;
}

bool window_contains(const struct window *w, int sec)
{
    if (w->start < w->end) return sec >= w->start && sec < w->end;
    return sec >= w->start || sec < w->end;
}

int window_length(const struct window *w)
{
    return w->start < w->end ? w->end - w->start : 86400 - w->start + w->end;
}
