/* nudge-timetool: batch front end to src/time for the oracle tests.
 * Reads requests on stdin, one per line, fields separated by TABs; answers one line each:
 *   calendar <TAB> BASE_USEC <TAB> N <TAB> EXPR   ->  ok <TAB> NORMALISED <TAB> t1 t2 ... (usec)
 *   span <TAB> EXPR                              ->  ok <TAB> USEC <TAB> HUMAN
 *   timestamp <TAB> NOW_USEC <TAB> EXPR          ->  ok <TAB> USEC <TAB> NORMALISED <TAB> UTC
 * A parse error answers `err <TAB> MESSAGE`. The zone is the process's TZ. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "time/calendar.h"
#include "time/span.h"
#include "time/timestamp.h"

static char *field(char **p)
{
    char *s = *p, *t;
    if (!s) return NULL;
    t = strchr(s, '\t');
    if (t) {
        *t = 0;
        *p = t + 1;
    } else {
        *p = NULL;
    }
    return s;
}

int main(void)
{
    char line[8192], err[512], buf[512];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        char *p = line;
        const char *kind = field(&p);
        if (!kind || !*kind) continue;
        if (!strcmp(kind, "calendar")) {
            usec_t base = strtoll(field(&p), NULL, 10);
            int n = atoi(field(&p));
            const char *expr = field(&p);
            struct calendar *c;
            if (calendar_parse(expr ? expr : "", &c, err, sizeof err) < 0) {
                printf("err\t%s\n", err);
            } else {
                calendar_format(c, buf, sizeof buf);
                printf("ok\t%s\t", buf);
                usec_t t = base;
                for (int i = 0; i < n; i++) {
                    usec_t next;
                    if (calendar_next(c, t, &next) < 0) break;
                    printf("%s%" PRId64, i ? " " : "", next);
                    t = next;
                }
                printf("\n");
                calendar_free(c);
            }
        } else if (!strcmp(kind, "span")) {
            const char *expr = field(&p);
            usec_t v;
            if (span_parse(expr ? expr : "", &v, err, sizeof err) < 0) {
                printf("err\t%s\n", err);
            } else {
                span_format(v, buf, sizeof buf);
                printf("ok\t%" PRId64 "\t%s\n", v, buf);
            }
        } else if (!strcmp(kind, "timestamp")) {
            usec_t now = strtoll(field(&p), NULL, 10);
            const char *expr = field(&p);
            usec_t v;
            if (timestamp_parse(expr ? expr : "", now, &v, err, sizeof err) < 0) {
                printf("err\t%s\n", err);
            } else {
                char utc[128];
                timestamp_format(v, buf, sizeof buf);
                timestamp_format_utc(v, utc, sizeof utc);
                printf("ok\t%" PRId64 "\t%s\t%s\n", v, buf, utc);
            }
        } else {
            printf("err\tunknown request \"%s\"\n", kind);
        }
        fflush(stdout);
    }
    return 0;
}
