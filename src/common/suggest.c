#include "common/suggest.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

size_t suggest_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > SUGGEST_WORD_MAX || m > SUGGEST_WORD_MAX) return SIZE_MAX;
    /* Three rows of the matrix: two back for a swap. */
    size_t rows[3][SUGGEST_WORD_MAX + 1];
    size_t *pp = rows[0], *p = rows[1], *c = rows[2];
    for (size_t j = 0; j <= m; j++) p[j] = j;
    for (size_t i = 1; i <= n; i++) {
        c[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = lower(a[i - 1]) != lower(b[j - 1]);
            size_t v = p[j] + 1;
            if (c[j - 1] + 1 < v) v = c[j - 1] + 1;
            if (p[j - 1] + cost < v) v = p[j - 1] + cost;
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1]) && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            c[j] = v;
        }
        size_t *t = pp;
        pp = p;
        p = c;
        c = t;
    }
    return p[m];
}

const char *suggest_closest(const char *word, const char *const *cands, size_t n)
{
    size_t len = strlen(word);
    /* About a third of the word: one slip in a short name, two in a longer one. */
    size_t limit = len <= 5 ? 1 : 2;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i] || cands[i][0] == '_' || !strcmp(cands[i], word)) continue;
        size_t d = suggest_distance(word, cands[i]);
        if (d < best_d) best_d = d, best = cands[i];
    }
    return best_d <= limit ? best : NULL;
}

void suggest_unknown(char *buf, size_t bufsz, const char *what, const char *prefix,
                     const char *word, const char *const *cands, size_t n, int list)
{
    if (!bufsz) return;
    const char *close = word ? suggest_closest(word, cands, n) : NULL;
    int w;
    if (!word)
        w = snprintf(buf, bufsz, "a value without a name: write each %s as name = value", what);
    else if (close)
        w = snprintf(buf, bufsz, "unknown %s '%s%s' (did you mean '%s%s'?)", what, prefix, word,
                     prefix, close);
    else
        w = snprintf(buf, bufsz, "unknown %s '%s%s'", what, prefix, word);
    if (!word || close || !list || w < 0 || (size_t)w >= bufsz) return;
    size_t at = (size_t)w;
    int any = 0;
    for (size_t i = 0; i < n && at < bufsz; i++) {
        if (!cands[i] || cands[i][0] == '_') continue;
        if (any)
            w = snprintf(buf + at, bufsz - at, ", %s", cands[i]);
        else
            w = snprintf(buf + at, bufsz - at, " (the %ss are %s", what, cands[i]);
        if (w < 0) return;
        at += (size_t)w;
        any = 1;
    }
    if (any && at < bufsz) snprintf(buf + at, bufsz - at, ")");
}
