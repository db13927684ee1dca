#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "common/utf8.h"

static enum log_level max_level = LOG_LVL_INFO;
static bool use_journal;
static unsigned long n_errors;

unsigned long log_error_count(void)
{
    return n_errors;
}

void log_setup(enum log_level max, bool journal)
{
    max_level = max;
    use_journal = journal;
}

enum log_level log_max_level(void)
{
    return max_level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"", "", "", "error", "warning", "notice", "info", "debug"};
    if (level <= LOG_LVL_ERR) n_errors++;
    if (level > max_level) return;
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* Lines quote rule files and ids: the journal and terminals get valid UTF-8. */
    utf8_repair_inplace(line, sizeof line);
    if (use_journal)
        fprintf(stderr, "<%d>%s\n", (int)level, line);
    else
        fprintf(stderr, "nudged: %s: %s\n", names[level], line);
}
