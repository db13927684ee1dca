/* The daemon's log: stderr, one line per message, with a level. Under journald (JOURNAL_STREAM
 * set) each line starts with its <N> syslog priority so the journal keeps the level. */
#ifndef NUDGE_LOG_H
#define NUDGE_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARNING = 4, LOG_LVL_NOTICE = 5, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

/* Messages above `max` are dropped. journal: prefix lines with <N> instead of a level word. */
void log_setup(enum log_level max, bool journal);
enum log_level log_max_level(void);

/* How many error-level messages were logged (shown or not). */
unsigned long log_error_count(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
