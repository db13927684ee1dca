#include "common/paths.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fits(int n, size_t bufsz)
{
    return n < 0 || (size_t)n >= bufsz ? -ENAMETOOLONG : 0;
}

int paths_state_dir(char *buf, size_t bufsz)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    if (xdg && xdg[0] == '/') return fits(snprintf(buf, bufsz, "%s/nudge", xdg), bufsz);
    const char *home = getenv("HOME");
    if (!home || !home[0]) {
        struct passwd *pw = getpwuid(getuid());
        home = pw && pw->pw_dir ? pw->pw_dir : "/";
    }
    return fits(snprintf(buf, bufsz, "%s/.local/state/nudge", home), bufsz);
}

int paths_runtime_dir(char *buf, size_t bufsz)
{
    const char *rt = getenv("XDG_RUNTIME_DIR");
    if (rt && rt[0] == '/') return fits(snprintf(buf, bufsz, "%s/nudge", rt), bufsz);
    int r = paths_state_dir(buf, bufsz);
    if (r < 0) return r;
    size_t n = strlen(buf);
    return fits(snprintf(buf + n, bufsz - n, "/run"), bufsz - n);
}

int paths_control_socket(char *buf, size_t bufsz)
{
    int r = paths_runtime_dir(buf, bufsz);
    if (r < 0) return r;
    size_t n = strlen(buf);
    if ((r = fits(snprintf(buf + n, bufsz - n, "/control.sock"), bufsz - n)) < 0) return r;
    return strlen(buf) > PATHS_SOCKET_MAX ? -ENAMETOOLONG : 0;
}

int paths_make_private_dir(const char *dir, char *err, size_t errsz)
{
    char buf[PATH_MAX];
    if (fits(snprintf(buf, sizeof buf, "%s", dir), sizeof buf) < 0) {
        snprintf(err, errsz, "%s: path too long", dir);
        return -ENAMETOOLONG;
    }
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != 0) continue;
        char c = *p;
        *p = 0;
        if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
            int e = errno;
            snprintf(err, errsz, "%s: cannot create the folder: %s", buf, strerror(e));
            return -e;
        }
        *p = c;
        if (!c) break;
    }
    /* lstat: a link here is not followed, whoever made it. */
    struct stat st;
    if (lstat(dir, &st) < 0) {
        int e = errno;
        snprintf(err, errsz, "%s: %s", dir, strerror(e));
        return -e;
    }
    if (S_ISLNK(st.st_mode)) {
        snprintf(err, errsz, "%s: is a symbolic link, not a folder of ours; not followed", dir);
        return -ELOOP;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errsz, "%s: is not a folder", dir);
        return -ENOTDIR;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errsz, "%s: belongs to uid %u, not to you (uid %u)", dir, (unsigned)st.st_uid,
                 (unsigned)geteuid());
        return -EPERM;
    }
    if ((st.st_mode & 07077) && chmod(dir, st.st_mode & 0700) < 0) {
        int e = errno;
        snprintf(err, errsz, "%s: cannot make it private: %s", dir, strerror(e));
        return -e;
    }
    return 0;
}
