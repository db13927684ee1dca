#include "ctl/table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct table {
    int ncols;
    size_t nrows, cap;
    char **cells; /* nrows * ncols */
};

struct table *table_new(int ncols)
{
    if (ncols < 1 || ncols > TABLE_COLUMNS_MAX) return NULL;
    struct table *t = calloc(1, sizeof *t);
    if (t) t->ncols = ncols;
    return t;
}

static char *clean_copy(const char *s)
{
    char *c = strdup(s ? s : "-");
    if (!c) return NULL;
    for (unsigned char *p = (unsigned char *)c; *p; p++)
        if (*p < 0x20 || *p == 0x7f) *p = ' ';
    return c;
}

int table_add(struct table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **c = realloc(t->cells, cap * (size_t)t->ncols * sizeof *c);
        if (!c) return -ENOMEM;
        t->cells = c;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows * (size_t)t->ncols;
    for (int i = 0; i < t->ncols; i++) {
        row[i] = clean_copy(cells[i]);
        if (!row[i]) {
            while (i--)
                free(row[i]);
            return -ENOMEM;
        }
    }
    t->nrows++;
    return 0;
}

/* Width on a terminal, counting code points (UTF-8 continuation bytes take no column). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) w++;
    return w;
}

void table_print_free(struct table *t, FILE *f)
{
    size_t w[TABLE_COLUMNS_MAX] = {0};
    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            size_t x = width(t->cells[r * (size_t)t->ncols + c]);
            if (x > w[c]) w[c] = x;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        char **row = t->cells + r * (size_t)t->ncols;
        int last = t->ncols - 1;
        while (last > 0 && !*row[last])
            last--; /* no trailing blanks */
        for (int c = 0; c <= last; c++) {
            fputs(row[c], f);
            if (c < last)
                for (size_t pad = width(row[c]); pad < w[c] + 2; pad++)
                    fputc(' ', f);
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}
