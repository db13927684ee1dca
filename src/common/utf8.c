#include "common/utf8.h"

#include <stdlib.h>
#include <string.h>

static const char REPLACEMENT[] = "\xef\xbf\xbd"; /* U+FFFD */

size_t utf8_sequence(const unsigned char *s, size_t len, size_t *bad)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf; /* the allowed range of the second byte */
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0) lo = 0xa0; /* overlong */
        if (c == 0xed) hi = 0x9f; /* UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0) lo = 0x90; /* overlong */
        if (c == 0xf4) hi = 0x8f; /* past U+10FFFF */
    } else {
        *bad = 1; /* a stray continuation byte, C0/C1 (always overlong) or F5..FF */
        return 0;
    }
    size_t k = 1;
    for (; k < need && k < len; k++) {
        unsigned char b = s[k];
        if (k == 1 ? (b < lo || b > hi) : (b & 0xc0) != 0x80) break;
    }
    if (k == need) return need;
    *bad = k; /* a truncated or broken sequence: its valid prefix goes as one U+FFFD */
    return 0;
}

bool utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, bad;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = utf8_sequence(p + i, len - i, &bad);
        if (!n) return false;
        i += n;
    }
    return true;
}

size_t utf8_repaired_length(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, out = 0, bad;
    while (i < len) {
        size_t n = utf8_sequence(p + i, len - i, &bad);
        if (n) {
            i += n;
            out += n;
        } else {
            i += bad;
            out += 3;
        }
    }
    return out;
}

size_t utf8_repair_into(const char *s, size_t len, char *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0, bad;
    while (i < len) {
        size_t n = utf8_sequence(p + i, len - i, &bad);
        if (n) {
            memcpy(out + o, p + i, n);
            i += n;
            o += n;
        } else {
            memcpy(out + o, REPLACEMENT, 3);
            i += bad;
            o += 3;
        }
    }
    out[o] = 0;
    return o;
}

char *utf8_repair(const char *s, size_t len, size_t *outlen)
{
    char *out = malloc(utf8_repaired_length(s, len) + 1);
    if (!out) return NULL;
    size_t n = utf8_repair_into(s, len, out);
    if (outlen) *outlen = n;
    return out;
}

const char *utf8_clean(const char *s, char **owned)
{
    *owned = NULL;
    if (!s) return NULL;
    size_t len = strlen(s);
    if (utf8_valid(s, len)) return s;
    *owned = utf8_repair(s, len, NULL);
    return *owned ? *owned : REPLACEMENT;
}

void utf8_repair_inplace(char *s, size_t size)
{
    if (!size) return;
    size_t len = strnlen(s, size - 1);
    s[len] = 0;
    if (utf8_valid(s, len)) return;
    char *fixed = utf8_repair(s, len, NULL);
    if (!fixed) {
        /* No memory for the longer form: a '?' per bad byte keeps the length. */
        unsigned char *p = (unsigned char *)s;
        size_t i = 0, bad;
        while (i < len) {
            size_t n = utf8_sequence(p + i, len - i, &bad);
            if (n) {
                i += n;
                continue;
            }
            memset(p + i, '?', bad);
            i += bad;
        }
        return;
    }
    /* Copy back whole characters only: the repaired text is valid, so a cut before a lead
     * byte keeps it valid. */
    size_t n = strlen(fixed);
    if (n > size - 1) {
        n = size - 1;
        while (n > 0 && ((unsigned char)fixed[n] & 0xc0) == 0x80) n--;
    }
    memcpy(s, fixed, n);
    s[n] = 0;
    free(fixed);
}
