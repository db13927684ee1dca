/* "Did you mean ...?": the closest known name to a misspelt one, by edit distance, so a typo
 * in a rule file is answered with the word that was meant. Shared by the C binding and the
 * Lua toolkit (nudge._toolkit.unknown) so both word it the same way. */
#pragma once

#include <stddef.h>

/* Longest word compared; a longer one is never close to anything. */
#define SUGGEST_WORD_MAX 64

/* Damerau-Levenshtein distance (optimal string alignment: insert, delete, substitute, swap two
 * neighbours), ignoring ASCII case; SIZE_MAX when either word exceeds SUGGEST_WORD_MAX. */
size_t suggest_distance(const char *a, const char *b);

/* The candidate closest to word when it is close enough to be what was meant (distance 1 for
 * words of up to 5 bytes, 2 for longer ones; a difference in case only always counts), else
 * NULL. Ties go to the earlier candidate. Candidates starting with '_' are private and never
 * suggested. */
const char *suggest_closest(const char *word, const char *const *cands, size_t n);

/* Writes "unknown WHAT 'word' (did you mean 'x'?)", or without a close one
 * "unknown WHAT 'word' (the WHATs are a, b, c)" listing the public candidates in the given order (no list
 * when list is 0). prefix is put before both words ("nudge." gives 'nudge.x'). word NULL
 * means a key that is not a name (a list entry in a table of fields). */
void suggest_unknown(char *buf, size_t bufsz, const char *what, const char *prefix,
                     const char *word, const char *const *cands, size_t n, int list);
