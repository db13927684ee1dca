/* sync/password.c, the file side: the path from $XDG_CONFIG_HOME or $HOME, and the file's
 * checks (missing, 0600, 0644, a symbolic link, another owner, empty, the newline, too long)
 * against real files in a temporary config folder. A lookup with a file answers before it
 * returns, without the Secret Service (tests/e2e/test_sync_password.py covers that side). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sync/password.h"

static char tmp[] = "/tmp/nudge-test-password-XXXXXX";
static char dir[256], file[300];

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(tmp)) return -1;
    snprintf(dir, sizeof dir, "%s/nudge", tmp);
    snprintf(file, sizeof file, "%s/caldav-password", dir);
    setenv("XDG_CONFIG_HOME", tmp, 1);
    return mkdir(dir, 0700);
}

static int teardown(void **state)
{
    (void)state;
    unlink(file);
    rmdir(file);
    rmdir(dir);
    return rmdir(tmp);
}

/* Writes the file anew with mode `mode` (exactly: the umask does not take bits away). */
static void write_file(const char *text, size_t len, mode_t mode)
{
    unlink(file);
    rmdir(file);
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static int read_pw(char *pw, size_t pwsz, char *err, size_t errsz)
{
    snprintf(pw, pwsz, "untouched");
    err[0] = 0;
    return sync_password_read_file(pw, pwsz, err, errsz);
}

static void test_path(void **state)
{
    (void)state;
    char buf[512];
    assert_int_equal(sync_password_file_path(buf, sizeof buf), 0);
    assert_string_equal(buf, file);
    /* A relative XDG_CONFIG_HOME is ignored, as the XDG spec asks. */
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("XDG_CONFIG_HOME", "relative/config", 1);
    setenv("HOME", "/home/anna", 1);
    assert_int_equal(sync_password_file_path(buf, sizeof buf), 0);
    assert_string_equal(buf, "/home/anna/.config/nudge/caldav-password");
    unsetenv("XDG_CONFIG_HOME");
    assert_int_equal(sync_password_file_path(buf, sizeof buf), 0);
    assert_string_equal(buf, "/home/anna/.config/nudge/caldav-password");
    assert_int_equal(sync_password_file_path(buf, 10), -ENAMETOOLONG);
    if (home) setenv("HOME", home, 1), free(home);
    setenv("XDG_CONFIG_HOME", tmp, 1);
}

static void test_missing(void **state)
{
    (void)state;
    char pw[64], err[512];
    unlink(file);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), -ENOENT);
    assert_string_equal(pw, "untouched");
    /* No nudge folder at all is the same. */
    setenv("XDG_CONFIG_HOME", "/nonexistent/nudge-test", 1);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), -ENOENT);
    setenv("XDG_CONFIG_HOME", tmp, 1);
}

static void test_good(void **state)
{
    (void)state;
    char pw[SYNC_PASSWORD_MAX + 1], err[512];
    write_file("s3cret pass\n", 12, 0600);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), 0);
    assert_string_equal(pw, "s3cret pass");
    /* Without a newline; with CRLF (written on another system); only the first line. */
    write_file("s3cret", 6, 0600);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), 0);
    assert_string_equal(pw, "s3cret");
    write_file("s3cret\r\n", 8, 0600);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), 0);
    assert_string_equal(pw, "s3cret");
    write_file("first\nsecond\n", 13, 0600);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), 0);
    assert_string_equal(pw, "first");
}

static void test_mode(void **state)
{
    (void)state;
    char pw[64], err[512], want[700];
    write_file("s3cret\n", 7, 0644);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), -EPERM);
    snprintf(want, sizeof want, "%s: mode 0644, must be 0600 (chmod 600 %s)", file, file);
    assert_string_equal(err, want);
    assert_string_equal(pw, "untouched");
    write_file("s3cret\n", 7, 0400);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), -EPERM);
    assert_non_null(strstr(err, "mode 0400, must be 0600"));
    write_file("s3cret\n", 7, 0640);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), -EPERM);
}

static void test_symlink(void **state)
{
    (void)state;
    char pw[64], err[512], target[320];
    snprintf(target, sizeof target, "%s/real", dir);
    int fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cret\n", 7), 7);
    close(fd);
    unlink(file);
    assert_int_equal(symlink(target, file), 0);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), -EPERM);
    assert_non_null(strstr(err, "caldav-password: a symbolic link"));
    assert_string_equal(pw, "untouched");
    unlink(file);
    unlink(target);
    /* Neither a folder. */
    assert_int_equal(mkdir(file, 0700), 0);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), -EPERM);
    assert_non_null(strstr(err, "not a regular file"));
    rmdir(file);
}

static void test_owner(void **state)
{
    (void)state;
    char pw[64], err[512];
    write_file("s3cret\n", 7, 0600);
    if (geteuid() != 0) {
        /* Only root can give a file away; as a user the check is the uid compare alone. */
        assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), 0);
        return;
    }
    assert_int_equal(chown(file, 4242, 4242), 0);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), -EPERM);
    assert_non_null(strstr(err, "caldav-password: owned by uid 4242, must be yours"));
}

static void test_empty_and_long(void **state)
{
    (void)state;
    char pw[SYNC_PASSWORD_MAX + 1], err[512];
    write_file("", 0, 0600);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "caldav-password: empty; write the password on its first line"));
    write_file("\nsecond\n", 8, 0600);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), -EINVAL);

    char text[SYNC_PASSWORD_MAX + 10];
    memset(text, 'x', sizeof text);
    text[SYNC_PASSWORD_MAX] = '\n';
    write_file(text, SYNC_PASSWORD_MAX + 1, 0600);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), 0);
    assert_int_equal(strlen(pw), SYNC_PASSWORD_MAX);
    text[SYNC_PASSWORD_MAX] = 'x';
    text[SYNC_PASSWORD_MAX + 1] = '\n';
    write_file(text, SYNC_PASSWORD_MAX + 2, 0600);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "the first line is longer than 1024 bytes"));
    write_file(text, sizeof text, 0600);
    assert_int_equal(read_pw(pw, sizeof pw, err, sizeof err), -EINVAL);
    /* A buffer shorter than the password is refused, not cut. */
    write_file("0123456789abcdefgh\n", 19, 0600);
    char small[16];
    assert_int_equal(read_pw(small, sizeof small, err, sizeof err), -EINVAL);
}

struct answer {
    int calls, rc;
    char pw[SYNC_PASSWORD_MAX + 1], where[32], err[1024];
};

static void answered(void *ud, int rc, const char *password, const char *where, const char *err)
{
    struct answer *a = ud;
    a->calls++;
    a->rc = rc;
    snprintf(a->pw, sizeof a->pw, "%s", password ? password : "(null)");
    snprintf(a->where, sizeof a->where, "%s", where ? where : "(null)");
    snprintf(a->err, sizeof a->err, "%s", err ? err : "(null)");
}

/* With a file, the lookup answers from it at once: no Secret Service is asked. */
static void test_lookup_file(void **state)
{
    (void)state;
    struct answer a = {0};
    write_file("from-file\n", 10, 0600);
    assert_null(sync_password_lookup("https://dav.example.org/t/", "anna", answered, &a));
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.rc, 0);
    assert_string_equal(a.pw, "from-file");
    assert_string_equal(a.where, "file");
    assert_string_equal(a.err, "(null)");

    memset(&a, 0, sizeof a);
    write_file("from-file\n", 10, 0644);
    assert_null(sync_password_lookup("https://dav.example.org/t/", "anna", answered, &a));
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.rc, -EPERM);
    assert_string_equal(a.pw, "(null)");
    assert_string_equal(a.where, "file");
    assert_non_null(strstr(a.err, "mode 0644, must be 0600"));
    sync_password_cancel(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path),         cmocka_unit_test(test_missing),
        cmocka_unit_test(test_good),         cmocka_unit_test(test_mode),
        cmocka_unit_test(test_symlink),      cmocka_unit_test(test_owner),
        cmocka_unit_test(test_empty_and_long), cmocka_unit_test(test_lookup_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
