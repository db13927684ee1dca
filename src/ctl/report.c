/* `nudgectl report`: scores and pictures from the daemon's day-by-day figures. Everything shown
 * is derived here from the reply, so the text, the SVG and the page always agree. */
#include "ctl/report.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/table.h"
#include "time/iso8601.h"

struct rday {
    int64_t day;         /* days since 1970 of the local date */
    int wday;            /* 0 Monday .. 6 Sunday */
    int year, mon, mday; /* mon 1..12 */
    int cdue, cdone, gshown, gdone, pdue, pkept, pbroken;
    int due, done; /* all three kinds together */
    bool scored;   /* the score is defined from this day on */
    double score;  /* 0..1, the moving average after this day */
};

struct rpromise {
    long long id;
    char *text, *state, *source;
    double due; /* epoch seconds, 0 when unknown */
};

struct report {
    int n;
    struct rday *d;
    int streak, best;
    char *phase;
    bool has_since;
    double since, now;
    struct rpromise *p;
    size_t np;
    /* Totals over the range. */
    int cdue, cdone, gshown, gdone, pdue, pkept, pbroken;
    /* Promises by state, over all of them. */
    int p_open, p_kept, p_broken;
};

static const char *const WDAY[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const MONTH[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* A calm palette: grey for "nothing due", a soft clay for "none done" (noticeable, not an
 * alarm), then four greens-to-teals for more of what was due done. */
static const char *const SHADE_NONE = "#eceff1";
static const char *const SHADE[5] = {"#efd9cc", "#cde8df", "#93cdbd", "#4fa693", "#23705f"};
static const char *const SHADE_LABEL[5] = {"none done", "under half", "half or more", "most",
                                           "all done"};
static const char *const INK = "#2e3a40";
static const char *const MUTED = "#6f7b82";
static const char *const ACCENT = "#23705f";
static const char *const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', "
                                "'Noto Sans', 'DejaVu Sans', Arial, sans-serif";

static int get_int(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (int)json_integer_value(v) : 0;
}

static char *dup_str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return strdup(s ? s : "");
}

/* Follow-through each day and the moving average over the range. A day with nothing due
 * keeps the score where it was; the first day with something due starts it at that day's
 * value rather than from an arbitrary prior. */
static void score(struct report *r)
{
    bool have = false;
    double s = 0;
    for (int i = 0; i < r->n; i++) {
        struct rday *d = &r->d[i];
        if (d->due > 0) {
            double v = (double)d->done / d->due;
            s = have ? s + REPORT_SCORE_ALPHA * (v - s) : v;
            have = true;
        }
        d->scored = have;
        d->score = s;
    }
}

struct report *report_parse(json_t *reply, char *err, size_t errsz)
{
    json_t *days = json_object_get(reply, "days");
    if (!json_is_array(days) || json_array_size(days) == 0) {
        snprintf(err, errsz, "the daemon's reply has no days");
        return NULL;
    }
    struct report *r = calloc(1, sizeof *r);
    if (!r) return snprintf(err, errsz, "out of memory"), NULL;
    r->n = (int)json_array_size(days);
    r->d = calloc((size_t)r->n, sizeof *r->d);
    if (!r->d) {
        free(r);
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    size_t i;
    json_t *v;
    json_array_foreach(days, i, v)
    {
        struct rday *d = &r->d[i];
        const char *date = json_string_value(json_object_get(v, "date"));
        struct iso8601 t;
        if (!date || iso8601_parse(date, &t, NULL, 0) < 0 || t.has_time) {
            snprintf(err, errsz, "the daemon's reply has a day without a date");
            report_free(r);
            return NULL;
        }
        d->year = t.year;
        d->mon = t.mon;
        d->mday = t.mday;
        d->day = iso8601_day(&t);
        d->wday = (int)(((d->day + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
        d->cdue = get_int(v, "checkins_due");
        d->cdone = get_int(v, "checkins_done");
        d->gshown = get_int(v, "gestures_shown");
        d->gdone = get_int(v, "gestures_done");
        d->pdue = get_int(v, "promises_due");
        d->pkept = get_int(v, "promises_kept");
        d->pbroken = get_int(v, "promises_broken");
        d->due = d->cdue + d->gshown + d->pdue;
        d->done = d->cdone + d->gdone + d->pkept;
        r->cdue += d->cdue;
        r->cdone += d->cdone;
        r->gshown += d->gshown;
        r->gdone += d->gdone;
        r->pdue += d->pdue;
        r->pkept += d->pkept;
        r->pbroken += d->pbroken;
    }
    score(r);
    r->streak = get_int(reply, "streak");
    r->best = get_int(reply, "best_streak");
    const char *phase = json_string_value(json_object_get(reply, "phase"));
    r->phase = phase ? strdup(phase) : NULL;
    json_t *since = json_object_get(reply, "since");
    r->has_since = json_is_number(since);
    r->since = r->has_since ? json_number_value(since) : 0;
    json_t *now = json_object_get(reply, "now");
    r->now = json_is_number(now) ? json_number_value(now) : (double)time(NULL);
    json_t *ps = json_object_get(reply, "promises");
    r->np = json_is_array(ps) ? json_array_size(ps) : 0;
    r->p = r->np ? calloc(r->np, sizeof *r->p) : NULL;
    if (r->np && !r->p) r->np = 0;
    json_array_foreach(ps, i, v)
    {
        if (i >= r->np) break;
        struct rpromise *p = &r->p[i];
        p->id = (long long)json_integer_value(json_object_get(v, "id"));
        p->text = dup_str(v, "text");
        p->state = dup_str(v, "state");
        p->source = dup_str(v, "source");
        json_t *due = json_object_get(v, "due");
        p->due = json_is_number(due) ? json_number_value(due) : 0;
        if (p->state && !strcmp(p->state, "kept"))
            r->p_kept++;
        else if (p->state && !strcmp(p->state, "broken"))
            r->p_broken++;
        else
            r->p_open++;
    }
    return r;
}

void report_free(struct report *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->np; i++) {
        free(r->p[i].text);
        free(r->p[i].state);
        free(r->p[i].source);
    }
    free(r->p);
    free(r->phase);
    free(r->d);
    free(r);
}

/* ---- figures shared by every output ---- */

static int percent(int part, int whole)
{
    return whole > 0 ? (int)lround(100.0 * part / whole) : 0;
}

/* The score now (0..100) and its change over REPORT_TREND_DAYS; false before anything was due. */
static bool score_now(const struct report *r, int *now, int *delta)
{
    const struct rday *last = &r->d[r->n - 1];
    if (!last->scored) return false;
    *now = (int)lround(100 * last->score);
    int back = r->n - 1 - REPORT_TREND_DAYS;
    const struct rday *then = back >= 0 ? &r->d[back] : NULL;
    *delta = then && then->scored ? *now - (int)lround(100 * then->score) : 0;
    return true;
}

static const char *trend_word(int delta)
{
    return delta > 0 ? "rising" : delta < 0 ? "falling" : "steady";
}

static void date_str(const struct rday *d, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%04d-%02d-%02d", d->year, d->mon, d->mday);
}

/* "day 45 since 2026-10-10" */
static void since_str(const struct report *r, char *buf, size_t bufsz)
{
    time_t s = (time_t)r->since;
    struct tm tm;
    localtime_r(&s, &tm);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    long days = (long)floor((r->now - r->since) / 86400.0);
    snprintf(buf, bufsz, "day %ld since %s", days, date);
}

/* ---- text ---- */

void report_print_text(const struct report *r, FILE *f)
{
    char first[16], last[16], a[256], b[128];
    date_str(&r->d[0], first, sizeof first);
    date_str(&r->d[r->n - 1], last, sizeof last);
    fprintf(f, "Follow-through, last %d day%s (%s .. %s)\n", r->n, r->n == 1 ? "" : "s", first,
            last);
    struct table *t = table_new(2);
    if (!t) return;
    snprintf(a, sizeof a, "%d of %d done (%d%%)", r->cdone, r->cdue, percent(r->cdone, r->cdue));
    table_add(t, (const char *[]){"  check-ins", a});
    snprintf(a, sizeof a, "%d of %d done (%d%%)", r->gdone, r->gshown,
             percent(r->gdone, r->gshown));
    table_add(t, (const char *[]){"  gestures", a});
    snprintf(a, sizeof a, "%d of %d kept, %d broken", r->pkept, r->pdue, r->pbroken);
    table_add(t, (const char *[]){"  promises", a});
    snprintf(a, sizeof a, "%d day%s (best %d)", r->streak, r->streak == 1 ? "" : "s", r->best);
    table_add(t, (const char *[]){"  streak", a});
    int now, delta;
    if (score_now(r, &now, &delta))
        snprintf(a, sizeof a, "%d/100, %s (%+d over %d days)", now, trend_word(delta), delta,
                 REPORT_TREND_DAYS);
    else
        snprintf(a, sizeof a, "- (nothing was due yet)");
    table_add(t, (const char *[]){"  consistency", a});
    if (r->has_since) {
        since_str(r, b, sizeof b);
        snprintf(a, sizeof a, "%s (%s)", r->phase ? r->phase : "-", b);
    } else {
        snprintf(a, sizeof a, "- (no nudge.config{since} in the rules)");
    }
    table_add(t, (const char *[]){"  phase", a});
    table_print_free(t, f);
}

/* ---- SVG ---- */

/* Text for XML content and attribute values alike. */
static void xml(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            /* Control characters are not allowed in XML 1.0 at all. */
            if (c < 0x20 && c != '\t' && c != '\n') c = ' ';
            fputc(c, f);
        }
    }
}

static int shade_of(const struct rday *d)
{
    if (d->due == 0) return -1;
    if (d->done <= 0) return 0;
    if (d->done >= d->due) return 4;
    double v = (double)d->done / d->due;
    return v < 0.5 ? 1 : v < 0.75 ? 2 : 3;
}

enum {
    PAD = 28,
    LABEL_W = 36,
    MIN_CONTENT = 780,
    CHART_H = 120,
    HEADER_H = 128, /* title, subtitle and the row of figures */
    SIDE_W = 250,   /* the figures beside a short calendar */
    SWATCH = 12,
};

struct layout {
    int weeks, offset; /* offset: the first day's row (its weekday) */
    int cell, step;    /* a day's square, and square plus gap */
    int content_w, width, height;
    bool header;
    int grid_x, grid_y;
    int legend_y, chart_title_y, chart_y, footer_y;
    int side_x; /* where the streak and promise figures go beside the calendar, or 0: below */
};

/* A few weeks get larger squares so the calendar does not look lost on the page; a long range
 * keeps contribution-calendar sized ones and widens the picture instead. */
static struct layout layout_of(const struct report *r, bool header)
{
    struct layout l;
    l.header = header;
    l.offset = r->d[0].wday;
    l.weeks = (l.offset + r->n + 6) / 7;
    l.step = (MIN_CONTENT - LABEL_W) / 2 / l.weeks;
    l.step = l.step < 16 ? 16 : l.step > 26 ? 26 : l.step;
    l.cell = l.step - (l.step >= 22 ? 4 : 3);
    int grid_w = l.weeks * l.step - (l.step - l.cell);
    l.content_w = LABEL_W + grid_w > MIN_CONTENT ? LABEL_W + grid_w : MIN_CONTENT;
    l.side_x = l.content_w - LABEL_W - grid_w >= SIDE_W + 48 ? PAD + LABEL_W + grid_w + 48 : 0;
    l.width = 2 * PAD + l.content_w;
    l.grid_x = PAD + LABEL_W;
    l.grid_y = PAD + (header ? HEADER_H : 0) + 40;
    l.legend_y = l.grid_y + 7 * l.step + 12;
    l.chart_title_y = l.legend_y + 50;
    l.chart_y = l.chart_title_y + 18;
    l.footer_y = l.chart_y + CHART_H + 50;
    l.height = l.side_x ? l.chart_y + CHART_H + 28 + PAD : l.footer_y + PAD;
    return l;
}

static void stat_block(FILE *f, int x, int y, const char *value, const char *label)
{
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"big\">", x, y);
    xml(f, value);
    fprintf(f, "</text><text x=\"%d\" y=\"%d\" class=\"small\">", x, y + 18);
    xml(f, label);
    fputs("</text>\n", f);
}

static void svg_header(const struct report *r, const struct layout *l, FILE *f)
{
    char first[16], last[16], buf[256];
    date_str(&r->d[0], first, sizeof first);
    date_str(&r->d[r->n - 1], last, sizeof last);
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"h1\">Follow-through</text>\n", PAD, PAD + 20);
    snprintf(buf, sizeof buf, "Last %d day%s, %s to %s", r->n, r->n == 1 ? "" : "s", first, last);
    if (r->phase) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " · %s", r->phase);
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"sub\">", PAD, PAD + 42);
    xml(f, buf);
    fputs("</text>\n", f);

    int w = l->content_w / 5, y = PAD + 90;
    char v[64], lab[96];
    snprintf(v, sizeof v, "%d/%d", r->cdone, r->cdue);
    stat_block(f, PAD, y, v, "check-ins done");
    snprintf(v, sizeof v, "%d/%d", r->gdone, r->gshown);
    stat_block(f, PAD + w, y, v, "gestures done");
    snprintf(v, sizeof v, "%d/%d", r->pkept, r->pdue);
    snprintf(lab, sizeof lab, "promises kept, %d broken", r->pbroken);
    stat_block(f, PAD + 2 * w, y, v, lab);
    snprintf(v, sizeof v, "%d", r->streak);
    snprintf(lab, sizeof lab, "day streak, best %d", r->best);
    stat_block(f, PAD + 3 * w, y, v, lab);
    int now, delta;
    if (score_now(r, &now, &delta)) {
        snprintf(v, sizeof v, "%d", now);
        snprintf(lab, sizeof lab, "consistency, %s %+d", trend_word(delta), delta);
    } else {
        snprintf(v, sizeof v, "-");
        snprintf(lab, sizeof lab, "consistency");
    }
    stat_block(f, PAD + 4 * w, y, v, lab);
}

static void svg_heatmap(const struct report *r, const struct layout *l, FILE *f)
{
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"h2\">Day by day</text>\n", PAD, l->grid_y - 30);
    /* Weekday labels on alternate rows, as contribution calendars do, to stay uncluttered. */
    for (int row = 0; row < 7; row += 2)
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"small\">%s</text>\n", PAD,
                l->grid_y + row * l->step + l->cell / 2 + 4, WDAY[row]);
    /* Month names over the first full week of each month; the range's first, partial month
     * is named too unless the next name would crowd it. */
    int cols[128], mons[128], nl = 0;
    for (int i = 0; i < r->n && nl < 128; i++) {
        const struct rday *d = &r->d[i];
        if (i > 0 && d->mday != 1) continue;
        int col = (l->offset + i) / 7 + (i > 0 && d->wday != 0);
        if (col >= l->weeks) continue;
        cols[nl] = col;
        mons[nl++] = d->mon - 1;
    }
    int min_gap = (40 + l->step - 1) / l->step; /* columns a label needs */
    for (int k = 0; k < nl; k++) {
        if (k == 0 && nl > 1 && cols[1] - cols[0] < min_gap) continue;
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"small\">%s</text>\n",
                l->grid_x + cols[k] * l->step, l->grid_y - 8, MONTH[mons[k]]);
    }
    fputs("<g class=\"cells\">\n", f);
    for (int i = 0; i < r->n; i++) {
        const struct rday *d = &r->d[i];
        int col = (l->offset + i) / 7, row = d->wday;
        int s = shade_of(d);
        char date[16];
        date_str(d, date, sizeof date);
        fprintf(f,
                "<rect class=\"day\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"2.5\" "
                "fill=\"%s\" data-date=\"%s\" data-done=\"%d\" data-due=\"%d\">",
                l->grid_x + col * l->step, l->grid_y + row * l->step, l->cell, l->cell,
                s < 0 ? SHADE_NONE : SHADE[s], date, d->done, d->due);
        if (d->due)
            fprintf(f, "<title>%s %s: %d of %d done</title></rect>\n", WDAY[d->wday], date, d->done,
                    d->due);
        else
            fprintf(f, "<title>%s %s: nothing due</title></rect>\n", WDAY[d->wday], date);
    }
    fputs("</g>\n", f);

    /* The legend: what each shade means, small swatches whatever the cell size. */
    int x = l->grid_x, y = l->legend_y;
    for (int k = -1; k < 5; k++) {
        const char *label = k < 0 ? "nothing due" : SHADE_LABEL[k];
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"2\" fill=\"%s\"/>", x,
                y, SWATCH, SWATCH, k < 0 ? SHADE_NONE : SHADE[k]);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"small\">%s</text>\n", x + SWATCH + 5,
                y + SWATCH - 2, label);
        x += SWATCH + 5 + 6 * (int)strlen(label) + 16; /* about 6px a character at 11px */
    }
}

static void svg_chart(const struct report *r, const struct layout *l, FILE *f)
{
    int x0 = l->grid_x, x1 = PAD + l->content_w, y0 = l->chart_y, y1 = l->chart_y + CHART_H;
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"h2\">Consistency score</text>", PAD,
            l->chart_title_y);
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" class=\"small\" text-anchor=\"end\">moving average of daily "
            "follow-through; one missed day costs little</text>\n",
            x1, l->chart_title_y);
    for (int g = 0; g <= 100; g += 50) {
        double y = y1 - (y1 - y0) * g / 100.0;
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>", x0, y, x1,
                y);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"small\" text-anchor=\"end\">%d</text>\n",
                x0 - 8, y + 4, g);
    }
    double dx = r->n > 1 ? (double)(x1 - x0) / (r->n - 1) : 0;
    /* Month ticks under the axis. */
    int last_x = -1000;
    for (int i = 0; i < r->n; i++) {
        if (r->d[i].mday != 1) continue;
        double x = x0 + i * dx;
        if (x - last_x < 40) continue;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"tick\"/>", x, y1, x,
                y1 + 4);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"small\" text-anchor=\"middle\">%s</text>\n",
                x, y1 + 17, MONTH[r->d[i].mon - 1]);
        last_x = (int)x;
    }
    int first = 0;
    while (first < r->n && !r->d[first].scored)
        first++;
    if (first == r->n) {
        fprintf(f,
                "<text x=\"%d\" y=\"%d\" class=\"sub\" text-anchor=\"middle\">nothing was due "
                "yet</text>\n",
                (x0 + x1) / 2, (y0 + y1) / 2);
        return;
    }
    /* The area under the line, then the line, then a dot on today's value. */
    fprintf(f, "<path class=\"area\" d=\"M%.1f %d", x0 + first * dx, y1);
    for (int i = first; i < r->n; i++)
        fprintf(f, " L%.1f %.1f", x0 + i * dx, y1 - (y1 - y0) * r->d[i].score);
    fprintf(f, " L%.1f %d Z\"/>\n", x0 + (r->n - 1) * dx, y1);
    fputs("<path class=\"line\" d=\"", f);
    for (int i = first; i < r->n; i++)
        fprintf(f, "%s%.1f %.1f", i == first ? "M" : " L", x0 + i * dx,
                y1 - (y1 - y0) * r->d[i].score);
    fputs("\"/>\n", f);
    double lx = x0 + (r->n - 1) * dx, ly = y1 - (y1 - y0) * r->d[r->n - 1].score;
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", lx, ly, ACCENT);
}

/* Streaks, promises and phase: beside a calendar short enough to leave room, else one line at
 * the bottom. */
static void svg_figures(const struct report *r, const struct layout *l, FILE *f)
{
    char buf[512];
    if (!l->side_x) {
        snprintf(buf, sizeof buf,
                 "Streak: %d day%s in a row with a check-in done (best %d) · All promises: %d "
                 "kept, %d broken, %d open",
                 r->streak, r->streak == 1 ? "" : "s", r->best, r->p_kept, r->p_broken, r->p_open);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"body\">", PAD, l->footer_y);
        xml(f, buf);
        fputs("</text>\n", f);
        return;
    }
    int x = l->side_x, y = l->grid_y + 4;
    struct {
        const char *label;
        char value[96];
    } rows[4];
    int n = 0;
    rows[n].label = "current streak";
    snprintf(rows[n++].value, sizeof rows[0].value, "%d day%s", r->streak,
             r->streak == 1 ? "" : "s");
    rows[n].label = "best streak";
    snprintf(rows[n++].value, sizeof rows[0].value, "%d day%s", r->best, r->best == 1 ? "" : "s");
    rows[n].label = "all promises";
    snprintf(rows[n++].value, sizeof rows[0].value, "%d kept · %d broken · %d open", r->p_kept,
             r->p_broken, r->p_open);
    rows[n].label = "phase";
    snprintf(rows[n++].value, sizeof rows[0].value, "%s", r->phase ? r->phase : "not set");
    for (int i = 0; i < n; i++, y += 40) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"small\">%s</text>", x, y + 8, rows[i].label);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"value\">", x, y + 27);
        xml(f, rows[i].value);
        fputs("</text>\n", f);
    }
}

/* standalone: an SVG file of its own, with the title and figures; else the picture for the
 * HTML page, whose own header already shows them. */
static void svg_body(const struct report *r, FILE *f, bool standalone)
{
    struct layout l = layout_of(r, standalone);
    if (standalone) fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\">\n",
            l.width, l.height, l.width, l.height);
    fputs("<title>nudge: follow-through</title>\n", f);
    fprintf(f,
            "<style type=\"text/css\"><![CDATA[\n"
            "text { font-family: %s; fill: %s; }\n"
            ".h1 { font-size: 20px; font-weight: 600; }\n"
            ".h2 { font-size: 14px; font-weight: 600; }\n"
            ".sub { font-size: 12.5px; fill: %s; }\n"
            ".big { font-size: 22px; font-weight: 600; fill: %s; }\n"
            ".small { font-size: 11px; fill: %s; }\n"
            ".body { font-size: 12.5px; }\n"
            ".value { font-size: 15px; font-weight: 600; }\n"
            ".grid { stroke: #e3e7ea; stroke-width: 1; }\n"
            ".tick { stroke: #c4ccd1; stroke-width: 1; }\n"
            ".line { fill: none; stroke: %s; stroke-width: 2; stroke-linejoin: round; }\n"
            ".area { fill: %s; fill-opacity: 0.10; stroke: none; }\n"
            "rect.day:hover { stroke: %s; stroke-width: 1.5; }\n"
            "]]></style>\n",
            FONT, INK, MUTED, INK, MUTED, ACCENT, ACCENT, INK);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", l.width, l.height);
    if (l.header) svg_header(r, &l, f);
    svg_heatmap(r, &l, f);
    svg_chart(r, &l, f);
    svg_figures(r, &l, f);
    fputs("</svg>\n", f);
}

void report_write_svg(const struct report *r, FILE *f)
{
    svg_body(r, f, true);
}

/* ---- HTML ---- */

static void fmt_due(double due, char *buf, size_t bufsz)
{
    if (due <= 0) {
        snprintf(buf, bufsz, "-");
        return;
    }
    time_t t = (time_t)due;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, bufsz, "%a %Y-%m-%d %H:%M", &tm);
}

void report_write_html(const struct report *r, FILE *f)
{
    char first[16], last[16], buf[256];
    date_str(&r->d[0], first, sizeof first);
    date_str(&r->d[r->n - 1], last, sizeof last);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>nudge: follow-through</title>\n",
          f);
    fprintf(f,
            "<style>\n"
            "body { margin: 0; background: #f6f7f5; color: %s; font: 15px/1.5 %s; }\n"
            "main { max-width: 1000px; margin: 0 auto; padding: 32px 24px 48px; }\n"
            "h1 { font-size: 24px; font-weight: 600; margin: 0 0 2px; }\n"
            "h2 { font-size: 17px; font-weight: 600; margin: 32px 0 10px; }\n"
            ".sub { color: %s; margin: 0 0 20px; }\n"
            ".cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));"
            " gap: 12px; margin: 0 0 24px; }\n"
            ".card { background: #fff; border: 1px solid #e3e7ea; border-radius: 10px;"
            " padding: 12px 14px; }\n"
            ".card b { display: block; font-size: 22px; font-weight: 600; }\n"
            ".card span { color: %s; font-size: 13px; }\n"
            ".figure { background: #fff; border: 1px solid #e3e7ea; border-radius: 10px;"
            " padding: 8px; overflow-x: auto; }\n"
            ".figure svg { display: block; max-width: 100%%; height: auto; }\n"
            "table { width: 100%%; border-collapse: collapse; background: #fff;"
            " border: 1px solid #e3e7ea; border-radius: 10px; overflow: hidden; }\n"
            "th, td { text-align: left; padding: 8px 12px; border-bottom: 1px solid #eef1f3; }\n"
            "th { font-weight: 600; font-size: 13px; color: %s; background: #fafbfa; }\n"
            "tr:last-child td { border-bottom: 0; }\n"
            ".state { display: inline-block; padding: 1px 9px; border-radius: 999px;"
            " font-size: 13px; }\n"
            ".kept { background: #d6eee6; color: #1d5e50; }\n"
            ".broken { background: #f3ddd2; color: #84452c; }\n"
            ".open { background: #e9edf0; color: #47545b; }\n"
            ".none { color: %s; }\n"
            "</style>\n</head>\n<body>\n<main>\n",
            INK, FONT, MUTED, MUTED, MUTED, MUTED);
    fputs("<h1>Follow-through</h1>\n<p class=\"sub\">", f);
    snprintf(buf, sizeof buf, "Last %d day%s, %s to %s", r->n, r->n == 1 ? "" : "s", first, last);
    xml(f, buf);
    if (r->has_since) {
        char s[96];
        since_str(r, s, sizeof s);
        fputs(" · ", f);
        xml(f, r->phase ? r->phase : "-");
        fputs(" (", f);
        xml(f, s);
        fputs(")", f);
    }
    fputs("</p>\n<section class=\"cards\">\n", f);
    fprintf(f, "<div class=\"card\"><b>%d of %d</b><span>check-ins done (%d%%)</span></div>\n",
            r->cdone, r->cdue, percent(r->cdone, r->cdue));
    fprintf(f, "<div class=\"card\"><b>%d of %d</b><span>gestures done (%d%%)</span></div>\n",
            r->gdone, r->gshown, percent(r->gdone, r->gshown));
    fprintf(f, "<div class=\"card\"><b>%d of %d</b><span>promises kept, %d broken</span></div>\n",
            r->pkept, r->pdue, r->pbroken);
    fprintf(f, "<div class=\"card\"><b>%d day%s</b><span>streak (best %d)</span></div>\n",
            r->streak, r->streak == 1 ? "" : "s", r->best);
    int now, delta;
    if (score_now(r, &now, &delta))
        fprintf(f,
                "<div class=\"card\"><b>%d/100</b><span>consistency, %s (%+d over %d "
                "days)</span></div>\n",
                now, trend_word(delta), delta, REPORT_TREND_DAYS);
    else
        fputs("<div class=\"card\"><b>-</b><span>consistency (nothing due yet)</span></div>\n", f);
    fputs("</section>\n<div class=\"figure\">\n", f);
    svg_body(r, f, false);
    fputs("</div>\n<h2>Promises</h2>\n", f);
    if (!r->np) {
        fputs("<p class=\"none\">No promises yet.</p>\n", f);
    } else {
        fputs("<table>\n<thead><tr><th>Promise</th><th>Due</th><th>State</th></tr></thead>\n"
              "<tbody>\n",
              f);
        for (size_t i = 0; i < r->np; i++) {
            const struct rpromise *p = &r->p[i];
            char due[64];
            fmt_due(p->due, due, sizeof due);
            const char *cls = !strcmp(p->state, "kept")     ? "kept"
                              : !strcmp(p->state, "broken") ? "broken"
                                                            : "open";
            fputs("<tr><td>", f);
            xml(f, p->text);
            fprintf(f, "</td><td>%s</td><td><span class=\"state %s\">", due, cls);
            xml(f, p->state);
            fputs("</span></td></tr>\n", f);
        }
        fputs("</tbody>\n</table>\n", f);
    }
    fputs("</main>\n</body>\n</html>\n", f);
}

int report_save(const struct report *r, const char *path,
                void (*write)(const struct report *r, FILE *f), char *err, size_t errsz)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) return snprintf(err, errsz, "out of memory"), -1;
    snprintf(tmp, n, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errsz, "cannot write %s: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    write(r, f);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0) bad = true;
    if (bad || rename(tmp, path) < 0) {
        snprintf(err, errsz, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}
