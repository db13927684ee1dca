/* UTF-8 repair: every string that leaves the process (JSON replies, D-Bus, logs) is valid
 * UTF-8. Rule files, ids and titles are bytes; jansson and GLib refuse what is not UTF-8, so
 * an invalid byte would otherwise cost the whole reply or the notification. */
#ifndef NUDGE_UTF8_H
#define NUDGE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Whether s[0..len) is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF). A NUL byte is U+0000, which is valid. */
bool utf8_valid(const char *s, size_t len);

/* The length of the well-formed sequence at s[0..len), or 0 when it is ill-formed; *bad is
 * then set to the length of its maximal ill-formed prefix (at least 1), which one U+FFFD
 * replaces (the Unicode "maximal subpart" practice, as browsers and GLib do). */
size_t utf8_sequence(const unsigned char *s, size_t len, size_t *bad);

/* The size of s[0..len) once repaired (every maximal ill-formed subpart becomes U+FFFD,
 * three bytes). */
size_t utf8_repaired_length(const char *s, size_t len);

/* Writes the repaired s[0..len) to out (room for utf8_repaired_length(s, len) + 1 bytes),
 * NUL-terminated. Returns the length written (without the NUL). */
size_t utf8_repair_into(const char *s, size_t len, char *out);

/* A malloc'd, NUL-terminated repaired copy of s[0..len) (its length in *outlen when not
 * NULL), or NULL when out of memory. The caller frees it. */
char *utf8_repair(const char *s, size_t len, size_t *outlen);

/* s itself when it is valid UTF-8 (or NULL); else a repaired copy, also stored in *owned for
 * the caller to free (*owned is NULL otherwise). Falls back to "\xef\xbf\xbd" (a static
 * U+FFFD) when out of memory, so the result is never an invalid string. */
const char *utf8_clean(const char *s, char **owned);

/* Repairs the NUL-terminated s in place, cutting a sequence at the end that no longer fits:
 * for fixed buffers (a message cut to size can split a character). Bytes that cannot be
 * kept in place become '?' only when U+FFFD would not fit. */
void utf8_repair_inplace(char *s, size_t size);

#endif
