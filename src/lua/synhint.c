/* Plain-language hints after Lua's own syntax messages. Lua says what its parser expected
 * ("'}' expected (to close '{' at line 3) near 'when'"); someone who copied a plan and changed
 * it needs to hear what to type, and where. Worked out from what Lua 5.4 prints for each
 * common slip (tests/data/broken/syntax-*.lua). */
#include "lua/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Line n (from 1) of src: its start and length, or false past the end. */
static bool line_of(const char *src, size_t len, long n, const char **start, size_t *ll)
{
    const char *p = src, *end = src + len;
    for (long i = 1; i < n; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return false;
        p = nl + 1;
    }
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *start = p;
    *ll = (size_t)((nl ? nl : end) - p);
    return true;
}

static bool blank_or_comment(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) i++;
    return i == n || (i + 1 < n && s[i] == '-' && s[i + 1] == '-');
}

/* Whether the first word on line n is tok (Lua's "near" text without its quotes). */
static bool line_starts_with(const char *src, size_t len, long n, const char *tok, size_t tl)
{
    const char *s;
    size_t ll;
    if (!line_of(src, len, n, &s, &ll)) return false;
    size_t i = 0;
    while (i < ll && (s[i] == ' ' || s[i] == '\t')) i++;
    return ll - i >= tl && !memcmp(s + i, tok, tl);
}

/* Line n looks like `name: value` (a field written with a colon). */
static bool colon_field(const char *src, size_t len, long n)
{
    const char *s;
    size_t ll;
    if (!line_of(src, len, n, &s, &ll)) return false;
    size_t i = 0;
    while (i < ll && (s[i] == ' ' || s[i] == '\t')) i++;
    size_t w = i;
    while (i < ll && (s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                      (s[i] >= '0' && s[i] <= '9')))
        i++;
    if (i == w) return false;
    while (i < ll && s[i] == ' ') i++;
    return i + 1 < ll && s[i] == ':' && (s[i + 1] == ' ' || s[i + 1] == '"');
}

static bool say(char *hint, size_t hintsz, const char *path, long line, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    snprintf(hint, hintsz, "%s:%ld: hint: %s", path, line, text);
    return true;
}

bool syntax_hint(const char *msg, const char *path, const char *src, size_t len, char *hint,
                 size_t hintsz)
{
    size_t pl = strlen(path);
    if (strncmp(msg, path, pl) || msg[pl] != ':') return false;
    char *e;
    long line = strtol(msg + pl + 1, &e, 10);
    if (e == msg + pl + 1 || strncmp(e, ": ", 2)) return false;
    const char *m = e + 2;
    const char *near = strstr(m, " near ");
    near = near ? near + 6 : "";
    bool at_eof = !strcmp(near, "<eof>");
    /* The token, without Lua's quotes: 'when' -> when. */
    char tok[64] = "";
    size_t nl = strlen(near);
    if (near[0] == '\'' && nl >= 2 && nl - 2 < sizeof tok) {
        memcpy(tok, near + 1, nl - 2);
        tok[nl - 2] = 0;
    }
    /* "(to close 'function' at line 1)": what was opened, and where. */
    char opener[16] = "";
    long open = 0;
    const char *o = strstr(m, "(to close '");
    if (o) {
        o += 11;
        const char *q = strchr(o, '\'');
        if (q && (size_t)(q - o) < sizeof opener) {
            memcpy(opener, o, (size_t)(q - o));
            opener[q - o] = 0;
            if (!strncmp(q, "' at line ", 10)) open = strtol(q + 10, NULL, 10);
        }
    }
    /* Lua leaves out "(to close ...)" when the opener is on the error's own line. */
    if (!open) open = line;
    bool unexpected = !strncmp(m, "unexpected symbol", 17);
    if (!strncmp(m, "'}' expected", 12) && !at_eof) {
        /* The usual cause: a line without its comma, the next entry then being "near". */
        long prev = line - 1;
        const char *s;
        size_t ll;
        /* Back over blank and comment lines from where line_of() found the one before: one
         * pass, as a file of many blank lines must not take a scan of the file per line. */
        if (prev > 0 && line_of(src, len, prev, &s, &ll))
            while (prev > 0 && blank_or_comment(s, ll) && --prev > 0) {
                const char *end = s - 1; /* the '\n' ending line prev */
                s = end;
                while (s > src && s[-1] != '\n') s--;
                ll = (size_t)(end - s);
            }
        if (prev > 0 && tok[0] && line_starts_with(src, len, line, tok, strlen(tok)))
            return say(hint, hintsz, path, line,
                       "a comma is probably missing at the end of line %ld: every entry between "
                       "{ and } needs a ',' after it", prev);
        return say(hint, hintsz, path, line,
                   "a comma is probably missing before %s: every entry between { and } needs a "
                   "',' after it", near);
    }
    if (!strncmp(m, "'}' expected", 12))
        return say(hint, hintsz, path, line,
                   "the '{' on line %ld is never closed: add a '}' where its entries end", open);
    if (!strncmp(m, "')' expected", 12) && at_eof)
        return say(hint, hintsz, path, line,
                   "the '(' on line %ld needs a ')' where it ends: a function given to "
                   "nudge.on(...) or nudge.listen(...) ends with 'end)'", open);
    if (!strncmp(m, "')' expected", 12) && open == line)
        return say(hint, hintsz, path, line,
                   "a comma is probably missing before %s: the values given between ( and ) are "
                   "separated by commas; or the '(' on this line needs a ')' before it", near);
    if (!strncmp(m, "')' expected", 12))
        return say(hint, hintsz, path, line,
                   "the '(' on line %ld needs a ')' to close it, before this point", open);
    if (strstr(m, "unfinished long comment"))
        return say(hint, hintsz, path, line,
                   "a note starting with --[[ goes on until a matching ]]: add it where the note "
                   "ends, or start each line of the note with -- instead");
    if (strstr(m, "unfinished long string"))
        return say(hint, hintsz, path, line,
                   "a text starting with [[ goes on until a matching ]]: add it where the text "
                   "ends");
    if (!strncmp(m, "'end' expected", 14) && opener[0])
        return say(hint, hintsz, path, line,
                   "the '%s' on line %ld needs an 'end' where it finishes: every function, if, "
                   "for and while has its own 'end'", opener, open);
    if (strstr(m, "unfinished string"))
        return say(hint, hintsz, path, line,
                   "a text in quotes has no closing quote: add the \" at the end of the text, on "
                   "the line where it starts");
    if (strstr(m, "invalid escape sequence"))
        return say(hint, hintsz, path, line,
                   "inside quotes a backslash \\ starts a code like \\n (a new line): for a "
                   "backslash itself write two, \\\\");
    if ((!strncmp(m, "'then' expected", 15) || !strncmp(m, "'do' expected", 13)) &&
        !strcmp(tok, "="))
        return say(hint, hintsz, path, line,
                   "to compare two values write '==' (as in: if ev.id == \"x\" then); a single "
                   "'=' sets a value");
    if (!strncmp(m, "'then' expected", 15))
        return say(hint, hintsz, path, line,
                   "an 'if' needs 'then' after what it tests: if ... then ... end");
    if (unexpected && tok[0] == '<' && tok[1] == '\\')
        return say(hint, hintsz, path, line,
                   "a character here is not one Lua reads: often curly quotes or a non-breaking "
                   "space pasted from a word processor or web page; retype it as a plain \" or "
                   "space");
    if (unexpected && at_eof)
        return say(hint, hintsz, path, line,
                   "the file ends in the middle of something: a closing '}', ')' or 'end' is "
                   "probably missing");
    if (unexpected && !strcmp(tok, ")"))
        return say(hint, hintsz, path, line,
                   "an 'end' is probably missing before this ')' (every function, if, for and "
                   "while has its own 'end'), or the ')' is one too many");
    if (unexpected && !strcmp(tok, "}"))
        return say(hint, hintsz, path, line,
                   "an 'end' is probably missing before this '}' (every function, if, for and "
                   "while has its own 'end'), or the '}' is one too many");
    if (unexpected && tok[0] == '"')
        return say(hint, hintsz, path, line,
                   "two values stand side by side: separate entries with a comma, or join texts "
                   "with ..");
    if (colon_field(src, len, line))
        return say(hint, hintsz, path, line,
                   "fields are written name = value, with '=' rather than ':'");
    return false;
}
