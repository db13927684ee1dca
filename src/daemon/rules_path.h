/* Where the rule files are: --rules, the user's config folder, or the bundled example plan. */
#ifndef NUDGE_RULES_PATH_H
#define NUDGE_RULES_PATH_H

#include <stddef.h>

struct rule_files {
    char **paths; /* load order */
    size_t n;
    const char *origin; /* "--rules", "config", "example" */
};

/* Resolves the rule files. `given` is --rules (a file, or a folder whose .lua files load in name
 * order) or NULL. Returns 0, or -1 with err set (e.g. a folder without any *.lua). */
int rule_files_find(const char *given, struct rule_files *out, char *err, size_t errsz);
void rule_files_free(struct rule_files *f);

/* The bundled example plan's path (installed, or in the source tree for a build tree). */
const char *rule_files_example(void);

#endif
