/* Aligned text tables for nudgectl's human output: columns padded to their widest cell. */
#ifndef NUDGE_CTL_TABLE_H
#define NUDGE_CTL_TABLE_H

#include <stdio.h>

#define TABLE_COLUMNS_MAX 8

struct table;

/* A table of ncols columns (at most TABLE_COLUMNS_MAX). NULL when out of memory. */
struct table *table_new(int ncols);

/* Appends a row of ncols cells (NULL prints as "-"). Cells are copied, with control characters
 * (newlines, tabs, escapes) replaced by spaces so one row stays one line. 0 or -ENOMEM. */
int table_add(struct table *t, const char *const *cells);

/* Prints the rows, columns two spaces apart, the last one unpadded; then frees t. */
void table_print_free(struct table *t, FILE *f);

#endif
