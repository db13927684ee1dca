#include "daemon/rules_path.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int push(struct rule_files *f, const char *path)
{
    char **v = realloc(f->paths, (f->n + 1) * sizeof *v);
    if (!v) return -1;
    f->paths = v;
    if (!(f->paths[f->n] = strdup(path))) return -1;
    f->n++;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the folder's .lua entries in name order; returns how many, or -1. Whatever they are:
 * loading reads only regular files and names anything else (a FIFO, a folder, a dangling link)
 * in its error, rather than leaving it out unseen. */
static int add_folder(struct rule_files *f, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    size_t start = f->n;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < 5 || strcmp(e->d_name + l - 4, ".lua") != 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (push(f, path) < 0) {
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    qsort(f->paths + start, f->n - start, sizeof *f->paths, by_name);
    return (int)(f->n - start);
}

const char *rule_files_example(void)
{
    static const char *const candidates[] = {NUDGE_EXAMPLES_INSTALLED "/rebuild-trust.lua",
                                             NUDGE_EXAMPLES_SOURCE "/rebuild-trust.lua"};
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++)
        if (access(candidates[i], R_OK) == 0) return candidates[i];
    return candidates[0];
}

int rule_files_find(const char *given, struct rule_files *out, char *err, size_t errsz)
{
    struct stat st;
    char path[4096];
    *out = (struct rule_files){0};
    if (given) {
        out->origin = "--rules";
        if (stat(given, &st) < 0) {
            snprintf(err, errsz, "%s: %s", given, strerror(errno));
            return -1;
        }
        if (S_ISDIR(st.st_mode)) {
            int n = add_folder(out, given);
            if (n <= 0) {
                snprintf(err, errsz, "%s: %s", given,
                         n == 0 ? "no *.lua rule files in this folder" : strerror(errno));
                rule_files_free(out);
                return -1;
            }
            return 0;
        }
        return push(out, given) < 0 ? (snprintf(err, errsz, "out of memory"), -1) : 0;
    }
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char base[3800];
    if (xdg && *xdg)
        snprintf(base, sizeof base, "%s/nudge", xdg);
    else
        snprintf(base, sizeof base, "%s/.config/nudge", home ? home : ".");
    snprintf(path, sizeof path, "%s/rules.lua", base);
    /* Anything there (a dangling link included) is the user's rules, not the example's. */
    if (lstat(path, &st) == 0) {
        out->origin = "config";
        push(out, path);
        snprintf(path, sizeof path, "%s/rules.d", base);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) add_folder(out, path);
        return 0;
    }
    out->origin = "example";
    return push(out, rule_files_example()) < 0 ? (snprintf(err, errsz, "out of memory"), -1) : 0;
}

void rule_files_free(struct rule_files *f)
{
    for (size_t i = 0; i < f->n; i++) free(f->paths[i]);
    free(f->paths);
    *f = (struct rule_files){0};
}
