/* The control protocol as one table: every command once, with the name nudgectl gives it, its
 * arguments (JSON type, required or not, limits) and the shape of its reply. The daemon checks
 * each request against it before the command runs, and nudgectl checks the same before it
 * sends, with the same words; so a limit cannot differ between the two (README, "nudgectl and
 * the control protocol", describes the wire format). No I/O, no daemon state. */
#ifndef NUDGE_PROTOCOL_H
#define NUDGE_PROTOCOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/usec.h"

enum protocol_command_id {
    PROTOCOL_STATUS,
    PROTOCOL_LIST,
    PROTOCOL_PREVIEW,
    PROTOCOL_FIRE,
    PROTOCOL_RELOAD,
    PROTOCOL_DONE,
    PROTOCOL_SKIP,
    PROTOCOL_SNOOZE,
    PROTOCOL_CHECKIN,
    PROTOCOL_JOURNAL,
    PROTOCOL_PROMISE_ADD,
    PROTOCOL_PROMISE_LIST,
    PROTOCOL_PROMISE_KEPT,
    PROTOCOL_PROMISE_BROKEN,
    PROTOCOL_PROMISE_REOPEN,
    PROTOCOL_PROMISE_EDIT,
    PROTOCOL_PROMISE_DELETE,
    PROTOCOL_HISTORY,
    PROTOCOL_EMIT,
    PROTOCOL_REPORT,
    PROTOCOL_EXPORT,
    PROTOCOL_PAUSE,
    PROTOCOL_RESUME,
    PROTOCOL_SYNC,
    PROTOCOL_COMMANDS /* how many */
};

/* pause --note: bytes (ledger/pause.h's LEDGER_PAUSE_NOTE_MAX agrees, checked there). */
#define PROTOCOL_PAUSE_NOTE_MAX 500

/* report's days: the daemon computes at most this many (report_data.h agrees, checked there). */
#define PROTOCOL_REPORT_DAYS_DEFAULT 90
#define PROTOCOL_REPORT_DAYS_MAX 3660
/* journal's days (journal.h agrees, checked in the daemon). */
#define PROTOCOL_JOURNAL_DAYS_DEFAULT 30
#define PROTOCOL_JOURNAL_DAYS_MAX 3660

/* sync --login: the password's bytes (sync/password.h's SYNC_PASSWORD_MAX agrees, checked
 * there). */
#define PROTOCOL_SYNC_LOGIN_MAX 1024

enum protocol_type {
    PROTOCOL_STRING,    /* min_len..max_len bytes; max_len 0: only the request line bounds it */
    PROTOCOL_INTEGER,   /* a JSON integer in min..max */
    PROTOCOL_TIMESTAMP, /* a string in the time language, or epoch seconds (±year 9999) */
    PROTOCOL_SPAN,      /* a string like "30min", from min to max seconds */
    PROTOCOL_STRINGS,   /* an object of string values: at most max keys of at most max_len bytes */
    PROTOCOL_BOOLEAN,   /* true or false; nudgectl's flag without a value ("--all") */
};

struct protocol_arg {
    const char *name; /* the request's key: "limit" */
    const char *cli;  /* how nudgectl names it: "-n", "--days", "ID" */
    enum protocol_type type;
    bool required;
    long long min, max;
    size_t min_len, max_len;
    bool has_default; /* integers: absent means dflt */
    long long dflt;
    bool past; /* timestamps: a start, so a calendar event (its next elapse) is refused */
};

/* JSON types as a set, for the fields of a reply. */
enum {
    PROTOCOL_J_NULL = 1 << 0,
    PROTOCOL_J_BOOL = 1 << 1,
    PROTOCOL_J_INTEGER = 1 << 2,
    PROTOCOL_J_REAL = 1 << 3,
    PROTOCOL_J_STRING = 1 << 4,
    PROTOCOL_J_ARRAY = 1 << 5,
    PROTOCOL_J_OBJECT = 1 << 6,
    /* Times in replies: epoch seconds, whole or not. */
    PROTOCOL_J_SECONDS = PROTOCOL_J_INTEGER | PROTOCOL_J_REAL,
};

struct protocol_field {
    const char *name;
    unsigned types; /* PROTOCOL_J_* */
    bool optional;  /* present only sometimes ("until" when truncated) */
};

#define PROTOCOL_ARGS_MAX 4
#define PROTOCOL_FIELDS_MAX 10

struct protocol_command {
    enum protocol_command_id id;
    const char *name;  /* on the wire: "promise_add" */
    const char *cli;   /* nudgectl's words: "promise add" */
    const char *usage; /* nudgectl's usage line: "promise add TEXT --due TIMESTAMP" */
    bool slow;         /* runs the preview engine or a sync: its reply may take a while */
    struct protocol_arg args[PROTOCOL_ARGS_MAX + 1];      /* ended by a NULL name */
    struct protocol_field reply[PROTOCOL_FIELDS_MAX + 1]; /* besides "ok"; NULL name ends */
};

/* Indexed by enum protocol_command_id. */
extern const struct protocol_command protocol_commands[PROTOCOL_COMMANDS];

/* The command named name on the wire, or NULL. */
const struct protocol_command *protocol_find(const char *name);

/* The command's argument keyed name, or NULL. */
const struct protocol_arg *protocol_arg_find(const struct protocol_command *c, const char *name);

/* What an argument must be, from its limits: "a whole number from 1 to 100000". Returns the
 * length written, like snprintf. */
size_t protocol_arg_describe(const struct protocol_arg *a, char *buf, size_t bufsz);

/* How a check names an argument and how far it goes. */
enum {
    /* Parse timestamps and spans too: the daemon's, whose clock and zone they are read in
     * (nudgectl sends them as written). */
    PROTOCOL_CHECK_TIME = 1 << 0,
    /* Name arguments as nudgectl does (-n) rather than by their key ("limit"). */
    PROTOCOL_CHECK_CLI = 1 << 1,
};

/* Checks one present, non-null value. 0, or -EINVAL with err set to `LABEL must be WHAT`
 * (WHAT from protocol_arg_describe; ", not N" added for an integer out of range), or to the
 * time language's own message for a timestamp or span that does not parse. */
int protocol_arg_check(const struct protocol_arg *a, json_t *v, unsigned flags, usec_t now,
                       char *err, size_t errsz);

/* Checks a request's arguments: required ones present, each as its entry says. Normalises req
 * for the command that runs next: null values are removed (null means absent) and absent
 * integers with a default get it. Keys the table does not name are left alone. 0, or -EINVAL
 * with err (a missing one: `LABEL is required (WHAT)`). */
int protocol_request_check(const struct protocol_command *c, json_t *req, unsigned flags,
                           usec_t now, char *err, size_t errsz);

/* A command-line word as the argument's JSON value (a whole number for an integer, true for a
 * flag given without a value (s NULL), else the string). NULL with err `LABEL must be WHAT, not "S"` when it is not one, or `LABEL is not
 * valid UTF-8`. A new reference. */
json_t *protocol_arg_from_cli(const struct protocol_arg *a, const char *s, char *err, size_t errsz);

/* A timestamp argument's instant (a string read at now in the local zone, or epoch seconds).
 * A string may also be a calendar event meaning its next elapse ("Sat 11:00"), unless the
 * argument is `past`. 0, or -EINVAL/-ERANGE with err. */
int protocol_timestamp_value(const struct protocol_arg *a, json_t *v, usec_t now, usec_t *out,
                             char *err, size_t errsz);

/* Whether a reply (without "ok") has the command's shape: every field of the table that is not
 * optional, each with one of its types, and no other key. 0, or -EINVAL with err naming the
 * first field that differs. */
int protocol_reply_check(const struct protocol_command *c, json_t *reply, char *err, size_t errsz);

#endif
