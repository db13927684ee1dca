/* `nudgectl report`: follow-through from the daemon's raw figures ({"cmd":"report"}), as a
 * text summary, an SVG (calendar heatmap, consistency score over time, streaks and promise
 * counts) and a self-contained HTML page around that SVG with the promise list. */
#ifndef NUDGE_CTL_REPORT_H
#define NUDGE_CTL_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The consistency score's smoothing: each day with something due moves the score a tenth of
 * the way to that day's follow-through, so one missed day costs little and a habit shows. */
#define REPORT_SCORE_ALPHA 0.1
/* The trend compares the score now with this many days before. */
#define REPORT_TREND_DAYS 7

struct report;

/* The journal's mood 1..5 in a word ("hard", "low", "okay", "good", "great"); NULL outside. */
const char *report_mood_word(int mood);

/* Reads the daemon's reply; NULL (err set) when it lacks the figures. */
struct report *report_parse(json_t *reply, char *err, size_t errsz);
void report_free(struct report *r);

/* The summary for people, one figure a line. */
void report_print_text(const struct report *r, FILE *f);

/* A standalone SVG 1.1 document. */
void report_write_svg(const struct report *r, FILE *f);

/* A page with no outside references: inline CSS, the SVG inline, the promise table. */
void report_write_html(const struct report *r, FILE *f);

/* Writes path through write (via a temporary file renamed into place, so a reader never sees
 * half a file). 0, or -1 with err naming the file. */
int report_save(const struct report *r, const char *path,
                void (*write)(const struct report *r, FILE *f), char *err, size_t errsz);

#endif
