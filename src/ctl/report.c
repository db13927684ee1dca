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
    /* What the score weighs (SPEC 2.4, forgiving): check-ins and promises due, plus gestures
     * done (a gesture done may lift a day; one skipped never lowers it). */
    int due, done;
    bool paused;   /* a day of a pause: neutral, whatever was due */
    int mood_n;    /* journal moods that day */
    double mood;   /* their mean, 1..5, when mood_n > 0 */
    bool scored;   /* the score is defined from this day on */
    double score;  /* 0..1, the moving average after this day */
};

struct rpromise {
    long long id;
    char *text, *state, *source;
    double due; /* epoch seconds, 0 when unknown */
};

/* A journal entry with a mood or a note. */
struct rnote {
    double at; /* epoch seconds */
    int mood;  /* 1..5, 0: none */
    char *note; /* NULL: none */
};

/* A pause of the reply's "pauses" (SPEC 2.4), as it will be shown. */
struct rpause {
    char *from, *until, *note, *origin;
    bool all;
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
    struct rnote *notes;
    size_t nnotes;
    struct rpause *pauses;
    size_t npauses;
    /* Totals over the range, paused days aside for what is due. */
    int cdue, cdone, gshown, gdone, pdue, pkept, pbroken;
    int paused_days, mood_n;
    double mood_sum;
    /* Promises by state, over all of them. */
    int p_open, p_kept, p_broken;
};

static const char *const WDAY[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const MONTH[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
/* Kind words for the journal's moods: a hard day is named, never judged. */
static const char *const MOOD_WORD[5] = {"hard", "low", "okay", "good", "great"};

/* A calm palette: grey for "nothing due", a soft clay for "none marked done" (noticeable, not
 * an alarm), then four greens-to-teals for more of what was due done; paused days are a cool
 * grey with stripes, set apart from both. */
static const char *const SHADE_NONE = "#eceff1";
static const char *const SHADE[5] = {"#efd9cc", "#cde8df", "#93cdbd", "#4fa693", "#23705f"};
static const char *const SHADE_LABEL[5] = {"none marked done", "under half", "half or more",
                                           "most", "all done"};
static const char *const PAUSE_FILL = "#e4e7f0";
static const char *const PAUSE_STRIPE = "#b9c0d6";
static const char *const INK = "#2e3a40";
static const char *const MUTED = "#6f7b82";
static const char *const ACCENT = "#23705f";
static const char *const MOOD_INK = "#8a6bb0"; /* the mood line: apart from the score's teal */
static const char *const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', "
                                "'Noto Sans', 'DejaVu Sans', Arial, sans-serif";

const char *report_mood_word(int mood)
{
    return mood >= 1 && mood <= 5 ? MOOD_WORD[mood - 1] : NULL;
}

/* The word of a mean mood (rounded to the nearest whole mood). */
static const char *mean_mood_word(double m)
{
    int k = (int)lround(m);
    return report_mood_word(k < 1 ? 1 : k > 5 ? 5 : k);
}

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

/* Follow-through each day and the moving average over the range. A day with nothing due, and
 * a paused day, keeps the score where it was; the first day with something due starts it at
 * that day's value rather than from an arbitrary prior. */
static void score(struct report *r)
{
    bool have = false;
    double s = 0;
    for (int i = 0; i < r->n; i++) {
        struct rday *d = &r->d[i];
        if (d->due > 0 && !d->paused) {
            double v = d->done >= d->due ? 1.0 : (double)d->done / d->due;
            s = have ? s + REPORT_SCORE_ALPHA * (v - s) : v;
            have = true;
        }
        d->scored = have;
        d->score = s;
    }
}

/* "2026-12-24" for a whole local day, "2026-12-24 18:00" otherwise; strings as they came. */
static char *pause_time(json_t *v, bool end)
{
    char buf[64];
    if (json_is_string(v)) return strdup(json_string_value(v));
    if (!json_is_number(v)) return strdup("");
    time_t t = (time_t)json_number_value(v);
    struct tm tm;
    localtime_r(&t, &tm);
    /* A pause of whole days ends at a midnight: its last day is the one before ("12-24 ..
     * 12-26" for the rule file's "2026-12-24..2026-12-26", not "12-24 .. 12-27"). */
    if (end && !tm.tm_hour && !tm.tm_min && !tm.tm_sec) {
        t -= 1;
        localtime_r(&t, &tm);
        tm.tm_hour = tm.tm_min = 0;
    }
    strftime(buf, sizeof buf, tm.tm_hour || tm.tm_min ? "%Y-%m-%d %H:%M" : "%Y-%m-%d", &tm);
    return strdup(buf);
}

static void parse_day(struct report *r, struct rday *d, json_t *v)
{
    d->cdue = get_int(v, "checkins_due");
    d->cdone = get_int(v, "checkins_done");
    d->gshown = get_int(v, "gestures_shown");
    d->gdone = get_int(v, "gestures_done");
    d->pdue = get_int(v, "promises_due");
    d->pkept = get_int(v, "promises_kept");
    d->pbroken = get_int(v, "promises_broken");
    d->paused = json_is_true(json_object_get(v, "paused"));
    json_t *mood = json_object_get(v, "mood");
    int mn = get_int(v, "mood_count");
    if (json_is_number(mood) && json_number_value(mood) >= 1 && json_number_value(mood) <= 5) {
        d->mood = json_number_value(mood);
        d->mood_n = mn > 0 ? mn : 1;
        r->mood_sum += d->mood * d->mood_n;
        r->mood_n += d->mood_n;
    }
    d->due = d->cdue + d->pdue + d->gdone;
    d->done = d->cdone + d->pkept + d->gdone;
    if (d->paused) {
        r->paused_days++;
        return; /* neutral: neither due nor done in the totals */
    }
    r->cdue += d->cdue;
    r->cdone += d->cdone;
    r->gshown += d->gshown;
    r->gdone += d->gdone;
    r->pdue += d->pdue;
    r->pkept += d->pkept;
    r->pbroken += d->pbroken;
}

static void parse_notes(struct report *r, json_t *notes)
{
    size_t n = json_is_array(notes) ? json_array_size(notes) : 0;
    r->notes = n ? calloc(n, sizeof *r->notes) : NULL;
    if (!r->notes) return;
    size_t i;
    json_t *v;
    json_array_foreach(notes, i, v)
    {
        struct rnote *e = &r->notes[r->nnotes];
        json_t *at = json_object_get(v, "at");
        const char *note = json_string_value(json_object_get(v, "note"));
        int mood = get_int(v, "mood");
        e->at = json_is_number(at) ? json_number_value(at) : 0;
        e->mood = mood >= 1 && mood <= 5 ? mood : 0;
        e->note = note && *note ? strdup(note) : NULL;
        if (e->mood || e->note) r->nnotes++;
    }
}

static void parse_pauses(struct report *r, json_t *pauses)
{
    size_t n = json_is_array(pauses) ? json_array_size(pauses) : 0;
    r->pauses = n ? calloc(n, sizeof *r->pauses) : NULL;
    if (!r->pauses) return;
    size_t i;
    json_t *v;
    json_array_foreach(pauses, i, v)
    {
        struct rpause *p = &r->pauses[r->npauses++];
        p->from = pause_time(json_object_get(v, "from"), false);
        p->until = pause_time(json_object_get(v, "until"), true);
        p->note = dup_str(v, "note");
        p->origin = dup_str(v, "origin");
        p->all = json_is_true(json_object_get(v, "all"));
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
        parse_day(r, d, v);
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
    parse_notes(r, json_object_get(reply, "notes"));
    parse_pauses(r, json_object_get(reply, "pauses"));
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
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i].note);
    for (size_t i = 0; i < r->npauses; i++) {
        free(r->pauses[i].from);
        free(r->pauses[i].until);
        free(r->pauses[i].note);
        free(r->pauses[i].origin);
    }
    free(r->notes);
    free(r->pauses);
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

/* A lower score is a note, not a verdict. */
static const char *trend_word(int delta)
{
    return delta > 0 ? "rising" : delta < 0 ? "a little lower" : "steady";
}

/* One figure as every output shows it: value ("3 of 4") and what it is ("check-ins done"); the
 * text report prints "value tail". No figure reads as a count of zero: none done reads as a
 * fresh start, nothing due as such. */
struct figure {
    char value[64], what[96], tail[96];
};

static struct figure fig_checkins(const struct report *r)
{
    struct figure g;
    if (r->cdue == 0) {
        snprintf(g.value, sizeof g.value, "none due");
        snprintf(g.what, sizeof g.what, "check-ins");
        g.tail[0] = 0;
    } else if (r->cdone == 0) {
        snprintf(g.value, sizeof g.value, "%d due", r->cdue);
        snprintf(g.what, sizeof g.what, "check-ins, a fresh start from here");
        snprintf(g.tail, sizeof g.tail, "(a fresh start from here)");
    } else {
        snprintf(g.value, sizeof g.value, "%d of %d", r->cdone, r->cdue);
        snprintf(g.what, sizeof g.what, "check-ins done (%d%%)", percent(r->cdone, r->cdue));
        snprintf(g.tail, sizeof g.tail, "done (%d%%)", percent(r->cdone, r->cdue));
    }
    return g;
}

static struct figure fig_gestures(const struct report *r)
{
    struct figure g;
    g.tail[0] = 0;
    if (r->gshown == 0) {
        snprintf(g.value, sizeof g.value, "none yet");
        snprintf(g.what, sizeof g.what, "gestures offered");
    } else if (r->gdone == 0) {
        snprintf(g.value, sizeof g.value, "%d offered", r->gshown);
        snprintf(g.what, sizeof g.what, "gestures, ideas to take up when they fit");
        snprintf(g.tail, sizeof g.tail, "(ideas to take up when they fit)");
    } else {
        snprintf(g.value, sizeof g.value, "%d of %d", r->gdone, r->gshown);
        snprintf(g.what, sizeof g.what, "gestures done");
        snprintf(g.tail, sizeof g.tail, "done");
    }
    return g;
}

static struct figure fig_promises(const struct report *r)
{
    struct figure g;
    g.tail[0] = 0;
    int open = r->pdue - r->pkept - r->pbroken;
    char rest[64] = "";
    if (r->pbroken && open > 0)
        snprintf(rest, sizeof rest, "%d open, %d not kept", open, r->pbroken);
    else if (r->pbroken)
        snprintf(rest, sizeof rest, "%d not kept", r->pbroken);
    else if (open > 0)
        snprintf(rest, sizeof rest, "%d open", open);
    if (r->pdue == 0) {
        snprintf(g.value, sizeof g.value, "none due");
        snprintf(g.what, sizeof g.what, "promises");
    } else if (r->pkept == 0) {
        snprintf(g.value, sizeof g.value, "%d due", r->pdue);
        snprintf(g.what, sizeof g.what, "promises (%s)", rest);
        snprintf(g.tail, sizeof g.tail, "(%s)", rest);
    } else {
        snprintf(g.value, sizeof g.value, "%d of %d", r->pkept, r->pdue);
        snprintf(g.what, sizeof g.what, "promises kept%s%s", rest[0] ? ", " : "", rest);
        snprintf(g.tail, sizeof g.tail, "kept%s%s", rest[0] ? ", " : "", rest);
    }
    return g;
}

static struct figure fig_streak(const struct report *r)
{
    struct figure g;
    char best[48] = "";
    if (r->best > 0) snprintf(best, sizeof best, "best %d", r->best);
    if (r->streak > 0) {
        snprintf(g.value, sizeof g.value, "%d day%s", r->streak, r->streak == 1 ? "" : "s");
        snprintf(g.what, sizeof g.what, "in a row, %s", best);
        snprintf(g.tail, sizeof g.tail, "(%s)", best);
    } else {
        snprintf(g.value, sizeof g.value, "a fresh start");
        snprintf(g.what, sizeof g.what, "streak%s%s", best[0] ? ", " : "", best);
        snprintf(g.tail, sizeof g.tail, best[0] ? "(%s)" : "%s", best);
    }
    return g;
}

static struct figure fig_score(const struct report *r)
{
    struct figure g;
    int now, delta;
    if (!score_now(r, &now, &delta)) {
        snprintf(g.value, sizeof g.value, "-");
        snprintf(g.what, sizeof g.what, "consistency (nothing due yet)");
        snprintf(g.tail, sizeof g.tail, "(nothing was due yet)");
        return g;
    }
    if (now > 0)
        snprintf(g.value, sizeof g.value, "%d/100", now);
    else
        snprintf(g.value, sizeof g.value, "a fresh start");
    /* The tail begins with its comma: the text reads "71/100, steady". */
    if (delta)
        snprintf(g.tail, sizeof g.tail, ", %s (%+d over %d days)", trend_word(delta), delta,
                 REPORT_TREND_DAYS);
    else
        snprintf(g.tail, sizeof g.tail, ", %s", trend_word(delta));
    snprintf(g.what, sizeof g.what, "consistency%.80s", g.tail);
    return g;
}

/* The mood over the range: "3.8 good" and of how many entries. */
static struct figure fig_mood(const struct report *r)
{
    struct figure g;
    if (!r->mood_n) {
        snprintf(g.value, sizeof g.value, "-");
        snprintf(g.what, sizeof g.what, "mood (none logged yet)");
        snprintf(g.tail, sizeof g.tail, "(none logged yet: nudgectl checkin --mood 1..5)");
        return g;
    }
    double m = r->mood_sum / r->mood_n;
    snprintf(g.value, sizeof g.value, "%.1f %s", m, mean_mood_word(m));
    snprintf(g.what, sizeof g.what, "mood, mean of %d entr%s", r->mood_n,
             r->mood_n == 1 ? "y" : "ies");
    snprintf(g.tail, sizeof g.tail, "on average (%d entr%s)", r->mood_n,
             r->mood_n == 1 ? "y" : "ies");
    return g;
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

/* "Mon 2026-11-23 20:41" in the local zone. */
static void local_minute(double at, char *buf, size_t bufsz)
{
    time_t t = (time_t)at;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, bufsz, "%a %Y-%m-%d %H:%M", &tm);
}

/* ---- text ---- */

/* The week strip's marks; the legend says them in the same words as the heatmap. */
#define MARK_ALL "\u25cf"  /* ● all done */
#define MARK_SOME "\u25d0" /* ◐ some done */
#define MARK_NONE "\u25cb" /* ○ none marked done */
#define MARK_FREE "\u00b7" /* · nothing due */
#define MARK_PAUSED "~"    /* paused: a rest */
/* The text shows at most this many weeks, the newest; the pictures show them all. */
#define TEXT_WEEKS_MAX 26

static const char *day_mark(const struct rday *d)
{
    if (d->paused) return MARK_PAUSED;
    if (d->due == 0) return MARK_FREE;
    if (d->done <= 0) return MARK_NONE;
    return d->done >= d->due ? MARK_ALL : MARK_SOME;
}

/* A row a week (Monday first): the days as marks, and the week's mood from the journal. */
static void print_weeks(const struct report *r, FILE *f)
{
    int offset = r->d[0].wday, weeks = (offset + r->n + 6) / 7;
    int first = weeks > TEXT_WEEKS_MAX ? weeks - TEXT_WEEKS_MAX : 0;
    fprintf(f, "\nWeek by week (%s all done  %s some  %s none marked done  %s nothing due  %s "
               "paused)\n",
            MARK_ALL, MARK_SOME, MARK_NONE, MARK_FREE, MARK_PAUSED);
    if (first)
        fprintf(f, "  (the newest %d weeks; the SVG and HTML show all %d)\n", TEXT_WEEKS_MAX,
                weeks);
    struct table *t = table_new(3);
    if (!t) return;
    table_add(t, (const char *[]){"  week of", "M T W T F S S", "mood"});
    for (int w = first; w < weeks; w++) {
        char label[16] = "", strip[64] = "", mood[64] = "";
        double sum = 0;
        int n = 0;
        for (int k = 0; k < 7; k++) {
            int i = w * 7 + k - offset;
            const struct rday *d = i >= 0 && i < r->n ? &r->d[i] : NULL;
            if (d && !label[0]) {
                /* The week's Monday, also when the range starts later in it. */
                char date[16];
                date_str(d, date, sizeof date);
                snprintf(label, sizeof label, "%s", date);
                if (d->wday) {
                    time_t monday = (time_t)((d->day - d->wday) * 86400);
                    struct tm tm;
                    gmtime_r(&monday, &tm);
                    strftime(label, sizeof label, "%Y-%m-%d", &tm);
                }
            }
            size_t len = strlen(strip);
            snprintf(strip + len, sizeof strip - len, "%s%s", k ? " " : "", d ? day_mark(d) : " ");
            if (d && d->mood_n) {
                sum += d->mood * d->mood_n;
                n += d->mood_n;
            }
        }
        if (n)
            snprintf(mood, sizeof mood, "%.1f %s", sum / n, mean_mood_word(sum / n));
        char lab[24];
        snprintf(lab, sizeof lab, "  %s", label);
        table_add(t, (const char *[]){lab, strip, n ? mood : ""});
    }
    table_print_free(t, f);
}

/* "holidays (all quiet; set in the rules)" */
static void pause_words(const struct rpause *p, char *buf, size_t bufsz)
{
    const char *origin = !strcmp(p->origin, "rules")      ? "; set in the rules"
                         : !strcmp(p->origin, "nudgectl") ? "; set with nudgectl pause"
                                                          : "";
    snprintf(buf, bufsz, "%s%s(%s%s)", p->note, p->note[0] ? " " : "",
             p->all ? "all quiet" : "promises still come", origin);
}

static void print_pauses(const struct report *r, FILE *f)
{
    if (!r->npauses) return;
    fputs("\nPauses (space given; these days count neither way)\n", f);
    struct table *t = table_new(2);
    if (!t) return;
    for (size_t i = 0; i < r->npauses; i++) {
        const struct rpause *p = &r->pauses[i];
        char when[160], what[512];
        snprintf(when, sizeof when, "  %s .. %s", p->from, p->until[0] ? p->until : "open");
        pause_words(p, what, sizeof what);
        table_add(t, (const char *[]){when, what});
    }
    table_print_free(t, f);
}

void report_print_text(const struct report *r, FILE *f)
{
    char first[16], last[16], a[256], b[128];
    date_str(&r->d[0], first, sizeof first);
    date_str(&r->d[r->n - 1], last, sizeof last);
    fprintf(f, "Follow-through, last %d day%s (%s .. %s)\n", r->n, r->n == 1 ? "" : "s", first,
            last);
    struct table *t = table_new(2);
    if (!t) return;
    struct figure figs[] = {fig_checkins(r), fig_gestures(r), fig_promises(r),
                            fig_streak(r),   fig_score(r),    fig_mood(r)};
    const char *names[] = {"  check-ins", "  gestures",    "  promises",
                           "  streak",    "  consistency", "  mood"};
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++) {
        snprintf(a, sizeof a, "%.63s%s%.95s", figs[i].value,
                 figs[i].tail[0] && figs[i].tail[0] != ',' ? " " : "", figs[i].tail);
        table_add(t, (const char *[]){names[i], a});
    }
    if (r->paused_days) {
        snprintf(a, sizeof a, "%d day%s (neutral: they count neither way)", r->paused_days,
                 r->paused_days == 1 ? "" : "s");
        table_add(t, (const char *[]){"  paused", a});
    }
    if (r->has_since) {
        since_str(r, b, sizeof b);
        snprintf(a, sizeof a, "%s (%s)", r->phase ? r->phase : "-", b);
    } else {
        snprintf(a, sizeof a, "- (no nudge.config{since} in the rules)");
    }
    table_add(t, (const char *[]){"  phase", a});
    table_print_free(t, f);
    print_weeks(r, f);
    print_pauses(r, f);
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
    MOOD_H = 64,    /* the mood line's band under the score */
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
    int legend_y, chart_title_y, chart_y, mood_title_y, mood_y, footer_y;
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
    l.mood_title_y = l.chart_y + CHART_H + 50;
    l.mood_y = l.mood_title_y + 18;
    l.footer_y = l.mood_y + MOOD_H + 44;
    l.height = l.side_x ? l.mood_y + MOOD_H + 28 + PAD : l.footer_y + PAD;
    return l;
}

static void stat_block(FILE *f, int x, int y, const struct figure *g)
{
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"big\">", x, y);
    xml(f, g->value);
    fprintf(f, "</text><text x=\"%d\" y=\"%d\" class=\"small\">", x, y + 18);
    xml(f, g->what);
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
    if (r->paused_days)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " · %d day%s paused",
                 r->paused_days, r->paused_days == 1 ? "" : "s");
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"sub\">", PAD, PAD + 42);
    xml(f, buf);
    fputs("</text>\n", f);

    int w = l->content_w / 5, y = PAD + 90;
    struct figure figs[] = {fig_checkins(r), fig_gestures(r), fig_promises(r), fig_streak(r),
                            fig_score(r)};
    for (int i = 0; i < 5; i++)
        stat_block(f, PAD + i * w, y, &figs[i]);
}

/* "Tue 2026-11-24: 2 of 2 done · mood 4.0 good" */
static void day_title(const struct rday *d, FILE *f)
{
    char date[16];
    date_str(d, date, sizeof date);
    fprintf(f, "<title>%s %s: ", WDAY[d->wday], date);
    if (d->paused)
        fputs("paused", f);
    else if (d->due && d->done)
        fprintf(f, "%d of %d done", d->done >= d->due ? d->due : d->done, d->due);
    else if (d->due)
        fprintf(f, "%d due, none marked done", d->due);
    else
        fputs("nothing due", f);
    if (d->mood_n) fprintf(f, " · mood %.1f %s", d->mood, mean_mood_word(d->mood));
    fputs("</title>", f);
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
                "<rect class=\"day%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"2.5\" "
                "fill=\"%s\" data-date=\"%s\" data-done=\"%d\" data-due=\"%d\"",
                d->paused ? " paused" : "", l->grid_x + col * l->step, l->grid_y + row * l->step,
                l->cell, l->cell,
                d->paused ? "url(#paused)" : s < 0 ? SHADE_NONE : SHADE[s], date, d->done,
                d->due);
        if (d->mood_n) fprintf(f, " data-mood=\"%.2f\"", d->mood);
        fputs(">", f);
        day_title(d, f);
        fputs("</rect>\n", f);
    }
    fputs("</g>\n", f);

    /* The legend: what each shade means, small swatches whatever the cell size; paused last,
     * apart from the scale. */
    int x = l->grid_x, y = l->legend_y;
    for (int k = -1; k < 6; k++) {
        const char *label = k < 0 ? "nothing due" : k < 5 ? SHADE_LABEL[k] : "paused";
        const char *fill = k < 0 ? SHADE_NONE : k < 5 ? SHADE[k] : "url(#paused)";
        if (k == 5) x += 12;
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"2\" fill=\"%s\"/>", x,
                y, SWATCH, SWATCH, fill);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"small\">%s</text>\n", x + SWATCH + 5,
                y + SWATCH - 2, label);
        x += SWATCH + 5 + 6 * (int)strlen(label) + 16; /* about 6px a character at 11px */
    }
}

/* The x of day i on the charts, which share it so the mood lines up under the score. */
static double chart_x(const struct report *r, const struct layout *l, int i)
{
    int x0 = l->grid_x, x1 = PAD + l->content_w;
    return r->n > 1 ? x0 + (double)(x1 - x0) * i / (r->n - 1) : (x0 + x1) / 2.0;
}

/* Runs of paused days as striped bands behind a chart from y0 to y1. */
static void paused_bands(const struct report *r, const struct layout *l, int y0, int y1, FILE *f)
{
    double half = r->n > 1 ? (chart_x(r, l, 1) - chart_x(r, l, 0)) / 2 : 4;
    for (int i = 0; i < r->n; i++) {
        if (!r->d[i].paused) continue;
        int j = i;
        while (j + 1 < r->n && r->d[j + 1].paused)
            j++;
        double a = chart_x(r, l, i) - half, b = chart_x(r, l, j) + half;
        fprintf(f,
                "<rect class=\"pausedband\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                "fill=\"url(#paused)\" opacity=\"0.6\"/>\n",
                a, y0, b - a, y1 - y0);
        i = j;
    }
}

/* Month ticks under a chart's axis at y. */
static void month_ticks(const struct report *r, const struct layout *l, int y, FILE *f)
{
    int last_x = -1000;
    for (int i = 0; i < r->n; i++) {
        if (r->d[i].mday != 1) continue;
        double x = chart_x(r, l, i);
        if (x - last_x < 40) continue;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"tick\"/>", x, y, x,
                y + 4);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"small\" text-anchor=\"middle\">%s</text>\n",
                x, y + 17, MONTH[r->d[i].mon - 1]);
        last_x = (int)x;
    }
}

static void svg_chart(const struct report *r, const struct layout *l, FILE *f)
{
    int x0 = l->grid_x, x1 = PAD + l->content_w, y0 = l->chart_y, y1 = l->chart_y + CHART_H;
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"h2\">Consistency score</text>", PAD,
            l->chart_title_y);
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" class=\"small\" text-anchor=\"end\">a moving average: one "
            "quiet day costs little; paused days and skipped gestures do not count</text>\n",
            x1, l->chart_title_y);
    paused_bands(r, l, y0, y1, f);
    for (int g = 0; g <= 100; g += 50) {
        double y = y1 - (y1 - y0) * g / 100.0;
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>", x0, y, x1,
                y);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"small\" text-anchor=\"end\">%d</text>\n",
                x0 - 8, y + 4, g);
    }
    month_ticks(r, l, y1, f);
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
    fprintf(f, "<path class=\"area\" d=\"M%.1f %d", chart_x(r, l, first), y1);
    for (int i = first; i < r->n; i++)
        fprintf(f, " L%.1f %.1f", chart_x(r, l, i), y1 - (y1 - y0) * r->d[i].score);
    fprintf(f, " L%.1f %d Z\"/>\n", chart_x(r, l, r->n - 1), y1);
    fputs("<path class=\"line\" d=\"", f);
    for (int i = first; i < r->n; i++)
        fprintf(f, "%s%.1f %.1f", i == first ? "M" : " L", chart_x(r, l, i),
                y1 - (y1 - y0) * r->d[i].score);
    fputs("\"/>\n", f);
    double lx = chart_x(r, l, r->n - 1), ly = y1 - (y1 - y0) * r->d[r->n - 1].score;
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", lx, ly, ACCENT);
}

/* The journal's mood under the score: a line through days with a mood, broken where a day has
 * none (no mood is not a low one), and a dot on each. */
static void svg_mood(const struct report *r, const struct layout *l, FILE *f)
{
    int x0 = l->grid_x, x1 = PAD + l->content_w, y0 = l->mood_y, y1 = l->mood_y + MOOD_H;
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"h2\">Mood</text>", PAD, l->mood_title_y);
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" class=\"small\" text-anchor=\"end\">from the journal: 1 "
            "hard, 2 low, 3 okay, 4 good, 5 great; a gap is a day without one</text>\n",
            x1, l->mood_title_y);
    paused_bands(r, l, y0, y1, f);
    for (int m = 1; m <= 5; m += 2) {
        double y = y1 - (double)(y1 - y0) * (m - 1) / 4;
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>", x0, y, x1,
                y);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"small\" text-anchor=\"end\">%d</text>\n",
                x0 - 8, y + 4, m);
    }
    if (!r->mood_n) {
        fprintf(f,
                "<text x=\"%d\" y=\"%d\" class=\"sub\" text-anchor=\"middle\">no mood logged yet: "
                "nudgectl checkin --mood 1..5 adds one</text>\n",
                (x0 + x1) / 2, (y0 + y1) / 2 + 4);
        return;
    }
    fputs("<path class=\"mood\" d=\"", f);
    bool open = false;
    for (int i = 0; i < r->n; i++) {
        const struct rday *d = &r->d[i];
        if (!d->mood_n) {
            open = false;
            continue;
        }
        fprintf(f, "%s%.1f %.1f ", open ? "L" : "M", chart_x(r, l, i),
                y1 - (y1 - y0) * (d->mood - 1) / 4);
        open = true;
    }
    fputs("\"/>\n", f);
    for (int i = 0; i < r->n; i++) {
        const struct rday *d = &r->d[i];
        if (!d->mood_n) continue;
        char date[16];
        date_str(d, date, sizeof date);
        fprintf(f,
                "<circle class=\"mooddot\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">"
                "<title>%s %s: mood %.1f %s</title></circle>\n",
                chart_x(r, l, i), y1 - (y1 - y0) * (d->mood - 1) / 4, MOOD_INK, WDAY[d->wday],
                date, d->mood, mean_mood_word(d->mood));
    }
}

/* "3 kept · 1 open" over all promises, naming only the states that have some. */
static void promise_states(const struct report *r, char *buf, size_t bufsz)
{
    buf[0] = 0;
    const struct {
        int n;
        const char *what;
    } parts[] = {{r->p_kept, "kept"}, {r->p_open, "open"}, {r->p_broken, "not kept"}};
    for (size_t i = 0; i < 3; i++) {
        if (!parts[i].n) continue;
        size_t len = strlen(buf);
        snprintf(buf + len, bufsz - len, "%s%d %s", len ? " · " : "", parts[i].n, parts[i].what);
    }
    if (!buf[0]) snprintf(buf, bufsz, "none yet");
}

/* Streaks, promises and phase: beside a calendar short enough to leave room, else one line at
 * the bottom. */
static void svg_figures(const struct report *r, const struct layout *l, FILE *f)
{
    char buf[512], states[128];
    struct figure st = fig_streak(r);
    promise_states(r, states, sizeof states);
    if (!l->side_x) {
        snprintf(buf, sizeof buf, "Check-in streak: %s %s · All promises: %s", st.value,
                 st.tail, states);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"body\">", PAD, l->footer_y);
        xml(f, buf);
        fputs("</text>\n", f);
        return;
    }
    int x = l->side_x, y = l->grid_y + 4;
    struct {
        const char *label;
        char value[160];
    } rows[4];
    int n = 0;
    rows[n].label = "check-in streak";
    snprintf(rows[n++].value, sizeof rows[0].value, "%s", st.value);
    rows[n].label = "best streak";
    if (r->best > 0)
        snprintf(rows[n++].value, sizeof rows[0].value, "%d day%s", r->best,
                 r->best == 1 ? "" : "s");
    else
        snprintf(rows[n++].value, sizeof rows[0].value, "still to come");
    rows[n].label = "all promises";
    snprintf(rows[n++].value, sizeof rows[0].value, "%s", states);
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
    /* Paused days: diagonal stripes on a cool grey, told apart from every shade without
     * colour. */
    fprintf(f,
            "<defs><pattern id=\"paused\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\" "
            "patternTransform=\"rotate(45)\"><rect width=\"5\" height=\"5\" fill=\"%s\"/>"
            "<rect width=\"2\" height=\"5\" fill=\"%s\"/></pattern></defs>\n",
            PAUSE_FILL, PAUSE_STRIPE);
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
            ".mood { fill: none; stroke: %s; stroke-width: 2; stroke-linejoin: round; }\n"
            "rect.day:hover { stroke: %s; stroke-width: 1.5; }\n"
            "]]></style>\n",
            FONT, INK, MUTED, INK, MUTED, ACCENT, ACCENT, MOOD_INK, INK);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", l.width, l.height);
    if (l.header) svg_header(r, &l, f);
    svg_heatmap(r, &l, f);
    svg_chart(r, &l, f);
    svg_mood(r, &l, f);
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

static void html_card(FILE *f, const struct figure *g)
{
    fputs("<div class=\"card\"><b>", f);
    xml(f, g->value);
    fputs("</b><span>", f);
    xml(f, g->what);
    fputs("</span></div>\n", f);
}

/* The journal's notes, newest first: what was said is the point, so each note in full. */
static void html_journal(const struct report *r, FILE *f)
{
    fputs("<h2>Journal</h2>\n", f);
    if (!r->nnotes) {
        fputs("<p class=\"none\">Nothing written in the journal in these days. After a talk, "
              "<code>nudgectl checkin --mood 4 --note \"what stayed with you\"</code> keeps a "
              "line of it here.</p>\n",
              f);
        return;
    }
    fputs("<ol class=\"journal\" reversed=\"reversed\">\n", f);
    for (size_t k = r->nnotes; k-- > 0;) {
        const struct rnote *e = &r->notes[k];
        char when[64];
        local_minute(e->at, when, sizeof when);
        fprintf(f, "<li><span class=\"when\">%s</span>", when);
        if (e->mood)
            fprintf(f, " <span class=\"moodtag m%d\">%d · %s</span>", e->mood, e->mood,
                    report_mood_word(e->mood));
        if (e->note) {
            fputs("<p>", f);
            xml(f, e->note);
            fputs("</p>", f);
        }
        fputs("</li>\n", f);
    }
    fputs("</ol>\n", f);
}

static void html_pauses(const struct report *r, FILE *f)
{
    if (!r->npauses) return;
    fputs("<h2>Pauses</h2>\n<p class=\"none\">Space given: these days count neither way.</p>\n"
          "<ul class=\"pauses\">\n",
          f);
    for (size_t i = 0; i < r->npauses; i++) {
        const struct rpause *p = &r->pauses[i];
        char what[512];
        pause_words(p, what, sizeof what);
        fputs("<li><span class=\"when\">", f);
        xml(f, p->from);
        fputs(" .. ", f);
        xml(f, p->until[0] ? p->until : "open");
        fputs("</span> ", f);
        xml(f, what);
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

/* The page is XHTML-compatible (every element closed), so XML tools read it as well. */
void report_write_html(const struct report *r, FILE *f)
{
    char first[16], last[16], buf[256];
    date_str(&r->d[0], first, sizeof first);
    date_str(&r->d[r->n - 1], last, sizeof last);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
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
            ".journal, .pauses { list-style: none; margin: 0; padding: 0; }\n"
            ".journal li, .pauses li { background: #fff; border: 1px solid #e3e7ea;"
            " border-radius: 10px; padding: 10px 14px; margin: 0 0 8px; }\n"
            ".journal p { margin: 4px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }\n"
            ".when { color: %s; font-size: 13px; }\n"
            ".moodtag { display: inline-block; margin-left: 6px; padding: 0 8px;"
            " border-radius: 999px; font-size: 13px; background: #eee7f5; color: #5b4478; }\n"
            "code { background: #eef1f3; padding: 1px 5px; border-radius: 4px; }\n"
            "</style>\n</head>\n<body>\n<main>\n",
            INK, FONT, MUTED, MUTED, MUTED, MUTED, MUTED);
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
    struct figure figs[] = {fig_checkins(r), fig_gestures(r), fig_promises(r),
                            fig_streak(r),   fig_score(r),    fig_mood(r)};
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++)
        html_card(f, &figs[i]);
    if (r->paused_days) {
        struct figure g;
        snprintf(g.value, sizeof g.value, "%d day%s", r->paused_days,
                 r->paused_days == 1 ? "" : "s");
        snprintf(g.what, sizeof g.what, "paused, counted as neutral");
        html_card(f, &g);
    }
    fputs("</section>\n<div class=\"figure\">\n", f);
    svg_body(r, f, false);
    fputs("</div>\n", f);
    html_journal(r, f);
    html_pauses(r, f);
    fputs("<h2>Promises</h2>\n", f);
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
            /* A broken promise is one not kept this time; the page does not pass a verdict. */
            xml(f, !strcmp(cls, "broken") ? "not kept" : p->state);
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
