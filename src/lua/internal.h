/* What the files of the rule set (src/lua/) share; nothing outside src/lua/ includes this. */
#ifndef NUDGE_LUA_INTERNAL_H
#define NUDGE_LUA_INTERNAL_H

#include <lauxlib.h>
#include <lua.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/schedule.h"
#include "lua/ruleset.h"
#include "common/usec.h"

#define REMINDER_MT "nudge.reminder"
#define RULE_FILE_MAX ((size_t)16 << 20)
#define FAILURES_TO_DISABLE 3
/* A fire this late was not a slow callback but sleep or a clock step: late_cancel applies. */
#define LATE_GRACE (60 * USEC_PER_SEC)
/* Segments of one reminder's trigger (phases of a toolkit `when`): as many as phases. */
#define SEGMENTS_MAX 8

/* A reminder as Lua sees it: a full userdata the rule gets back as a handle. While the
 * reminder is live, the registry holds the userdata (self_ref) so dropping the handle in Lua
 * does not cancel it. */
struct lrem {
    struct reminder r;
    struct ruleset *rs;
    int self_ref;
    int fn_ref;
    char *where; /* "file:line" of the call that registered it (owned) */
    char *expr;  /* the time expression as written, for messages (owned) */
    char *norm;  /* a calendar's normalised form, to recognise it on reload (owned) */
    /* A `when` keyed by phase (the toolkit's _segments option): r.segs points here; expr and
     * norm are then this reminder's own, not the calendar cache's (owned). */
    struct schedule_segment *segs;
    size_t reg_idx; /* position in ruleset.regs */
    int failures;
    bool pending;   /* registered while loading; scheduled once every file has loaded */
    bool wants_ev;  /* the callback takes parameters: build the ev table for it */
    bool named;     /* the rule gave the id: a fired at/after stays fired across restarts */
    bool runtime;   /* made by a callback, not by loading the files: reload carries it over */
    bool deferred;  /* not planned by the load: ruleset_adopt() restores or plans it */
    usec_t caught_up; /* queued to catch up this missed elapse (0: not) */
};

struct ruleset {
    lua_State *L;
    struct schedule sched;
    struct clock *clock;
    bool interactive;
    bool loading;
    struct lrem **regs; /* registered and not yet released, in order; NULL marks a hole */
    size_t n_regs, cap_regs, n_live;
    struct lrem *current; /* the reminder whose callback is running */
    usec_t current_sched; /* the time it fires for: its plan, a caught-up elapse, or now by hand */
    usec_t current_base;  /* the elapse that fire comes from (before window and jitter); 0 by hand */
    bool current_by_hand; /* nudgectl fire: what it shows is a hand fire ("manual") */
    size_t shown;         /* notifications shown, ever (ruleset_fire_now counts its own) */
    bool has_since;
    usec_t since;
    struct ledger_phases phases; /* nudge.config{phases}; the default until set */
    /* nudge.config{pause}: the rule file's pauses, handed to the ledger once the set loads. */
    struct rule_pause {
        usec_t from, until;
    } *pauses;
    size_t n_pauses;
    char backend_name[16];
    char app_name[64];
    bool discreet; /* nudge.config{discreet}: every notification discreet unless it says not */
    bool has_sync;  /* nudge.config{sync}: the CalDAV settings below are set */
    struct ruleset_sync sync;
    int nudge_ref, listeners_ref, notif_ref, ids_ref, idcount_ref, fired_ref, osdate_ref,
        ostime_ref;
    int ctl_promise_ref; /* the toolkit's promise_changed, taken before any rule ran */
    bool closing;        /* ruleset_free() is closing the state: finalizers get no API */
    struct ruleset_host host; /* shows notifications, starts programs */
    struct strlist *warnings;
    /* While a file loads: where a failed API call records its error so the file goes on
     * (loadcheck.c); NULL otherwise. */
    struct strlist *load_errs;
    size_t load_errs_from; /* the first of them that is this file's */
    void *dummy;       /* what a failed API call returns at load (loadcheck.c) */
    int dummy_ref;     /* keeps it alive */
    int samples_ref;   /* body functions to try on a sample day (--check only) */
    bool check_bodies; /* --check: try each body function once after its file loads */
    bool sampling;     /* a body is being tried: API errors go up as at run time */
    struct ledger *ledger; /* what happened (the caller's) */
    bool record_history;   /* write what the schedule keeps (the daemon; not --preview/--check) */
    struct snooze *snoozes; /* pending snoozes, scheduled like reminders */
    char **paths;           /* the rule files, to put back what Lua cuts from long paths */
    size_t n_paths;
    /* Each file's text and its compiled chunk, so the next reload skips compiling the files
     * that did not change (Lua's compiler is most of a reload's time). */
    struct compiled {
        char *source, *dump;
        size_t source_len, dump_len;
    } *compiled;
    /* Parsed calendars by expression: rule files repeat a few hundred expressions thousands
     * of times, and calendars are read-only once parsed, so reminders share them. */
    struct calcache_entry {
        char *expr, *norm;
        struct calendar *cal;
    } *calcache;
    size_t calcache_cap, calcache_n;
    size_t calcache_bytes; /* of expression text: the cache lives outside the memory cap */
};

/* A snoozed notification waiting to be shown again: a reminder of its own in the schedule,
 * told apart from rule reminders by owner_data. */
struct snooze {
    struct reminder r;
    int64_t id;      /* its row in the ledger */
    int64_t fire_id; /* the fire it shows again */
    char *blob; /* the notification it shows (notification_decode) */
    size_t len;
    bool seen; /* still pending (ruleset_snoozes_sync) */
    struct snooze *next;
};

/* The registry key of the rule set (light userdata), and the owner_data that marks a snooze
 * in the schedule. */
extern const char ruleset_key;
extern const char snooze_tag;

/* ---- api.c (nudge.config{pause}) ---- */

/* Hands the rule file's pauses (rs->pauses) to the ledger, in place of the ones before, so
 * silencing, status and the report see them beside nudgectl's: once the set has loaded (a set
 * that fails to load leaves the old ones), or when a callback calls nudge.config{pause}. 0 or
 * -ENOMEM. */
int api_publish_pauses(struct ruleset *rs);

/* ---- quietdrops.c ---- */

/* Writes each elapse quiet hours dropped whose time has passed as a "silenced" fire (once; only
 * when the rule set keeps a history). */
void ruleset_record_quiet_drops(struct ruleset *rs, usec_t now);
/* A fire due but not shown (reason "pause", "quiet"): "silenced" in the history, unless a
 * synced phone answered it beforehand (ledger_sync_take_held), which then settles it. base and
 * by_day name its calendar UID as lnotify.c does. Returns the fire's id, 0 when none. */
int64_t ruleset_record_silenced(struct ruleset *rs, const char *reminder, const char *kind,
                                const char *title, usec_t scheduled, usec_t base, bool by_day,
                                const char *reason, usec_t now);

/* ---- calcache.c: parsed calendars by expression ---- */

/* The parsed calendar for expr (parsed now if new, owned by the cache), or NULL with err set. */
const struct calcache_entry *calcache_get(struct ruleset *rs, const char *expr, char *err,
                                          size_t errsz);
void calcache_free(struct ruleset *rs);

/* ---- lconv.c: values between Lua and C ---- */

/* The rule set of an API call; raises a Lua error while the state closes. */
struct ruleset *ruleset_of(lua_State *L);
void lconv_push_seconds(lua_State *L, usec_t t);
/* "file:line" of the rule code calling the running C function. */
void lconv_where(lua_State *L, char *buf, size_t sz);
/* A span (a systemd span string or seconds); raises a Lua error naming `what`. */
usec_t lconv_check_span(lua_State *L, int idx, const char *what);
/* A span that moves a fire: at most 1000 years. */
usec_t lconv_check_fire_span(lua_State *L, int idx, const char *what);
/* A time to come or any moment: epoch seconds, a systemd timestamp, or a calendar event meaning
 * its next elapse ("Sat 11:00"). */
usec_t lconv_check_time(lua_State *L, int idx, struct ruleset *rs);
/* A start ("since"): epoch seconds or a timestamp; a calendar event is refused. */
usec_t lconv_check_past_time(lua_State *L, int idx, struct ruleset *rs);
/* Pushes t[k] read raw and returns its type. */
int lconv_raw_field(lua_State *L, int t, const char *k);
/* Raises "CONTEXTunknown WHAT 'key' (did you mean 'x'?)" (or listing known, whose names
 * starting with '_' stay unsaid) for the table key at keyidx; see common/suggest.h. */
int lconv_unknown_key(lua_State *L, int keyidx, const char *context, const char *what,
                      const char *const *known, size_t n);
/* Pushes the `ev` table of reminder m (NULL: not from a reminder). */
void lconv_push_event(lua_State *L, struct ruleset *rs, struct lrem *m, usec_t fired);
struct timebuf {
    char s[96];
};
struct timebuf lconv_fmt_time(usec_t t);
/* Puts back the full path of a rule file that Lua cut to "...tail" at the start of msg. */
void lconv_unshorten(const struct ruleset *rs, char *msg, size_t sz);

/* ---- synhint.c: plain-language hints after Lua's syntax messages ---- */

/* For msg, Lua's "path:line: message" about src (the file's text), writes a second line
 * "path:line: hint: ..." saying in plain words what to fix; false when there is none. */
bool syntax_hint(const char *msg, const char *path, const char *src, size_t len, char *hint,
                 size_t hintsz);

/* ---- lcall.c: every way C enters the Lua state ---- */

/* Runs body(arg) in a protected call. Returns 0, or -1 with err set. */
int lcall_protected(struct ruleset *rs, lua_CFunction body, void *arg, char *err, size_t errsz);
/* Pushes m's handle so m stays alive across a callback; false (nothing pushed) when the stack
 * cannot grow. */
bool lcall_pin(struct ruleset *rs, struct lrem *m);
/* Runs the callback on the stack with nargs arguments, logging an error and counting it
 * against reminder m (may be NULL); m is disabled after FAILURES_TO_DISABLE in a row. */
void lcall_guarded(struct ruleset *rs, struct lrem *m, int nargs, const char *what);
/* As lcall_guarded without counting: 0, or -1 with msg set to the logged error. */
int lcall_try(struct ruleset *rs, int nargs, const char *what, char *msg, size_t msgsz);
/* Says (log and the host's notice) that `what` ("reminder", "listener") id registered at
 * where failed `failures` times in a row and is off until the next reload. */
void lcall_disabled(struct ruleset *rs, const char *what, const char *id, const char *where,
                    int failures, const char *last_error);

/* ---- api.c: listeners ---- */

/* One nudge.listen call: a full userdata in the listeners table (under the memory cap, freed
 * with the state); its function is user value 1. */
struct llisten {
    int failures; /* in a row */
    bool disabled; /* failed FAILURES_TO_DISABLE times in a row: not run until the next reload */
    char where[]; /* "file:line" of the nudge.listen call */
};

/* ---- reminder.c: reminders and their handles ---- */

/* nudge.on, every, after, at. */
extern const luaL_Reg reminder_api[];
/* Creates the handles' metatable. */
void reminder_open(lua_State *L);
/* Pushes a new handle of rs: not registered, not queued, no function yet. */
struct lrem *reminder_new(lua_State *L, struct ruleset *rs);
int reminder_regs_push(struct ruleset *rs, struct lrem *m);
/* The reminder will not fire again: unqueued, and Lua may collect it. */
void reminder_release(struct ruleset *rs, struct lrem *m);
void reminder_assign_id(lua_State *L, struct ruleset *rs, struct lrem *m, const char *explicit_id,
                        const char *derived);
struct lrem *reminder_find(struct ruleset *rs, const char *id);
/* qsort/bsearch order of struct lrem * by id. */
int reminder_cmp_id(const void *a, const void *b);
/* Same trigger, expression, window, jitter and quiet: the plan still holds. */
bool reminder_same_definition(const struct lrem *a, const struct lrem *b);

/* ---- lnotify.c: nudge.notify ---- */

extern const luaL_Reg lnotify_api[];

/* ---- snooze.c: timers of snoozed notifications ---- */

/* Shows z's notification again (through the host) and forgets z. */
void snooze_fire(struct ruleset *rs, struct snooze *z, usec_t now);
void snooze_free(struct ruleset *rs, struct snooze *z);

/* ---- api.c: the nudge module ---- */

/* api_open(rs) and api_keep_toolkit(rs), each run through lcall_protected(). */
int api_open(lua_State *L);
int api_keep_toolkit(lua_State *L);

/* ---- loadcheck.c: every error of a file at load, bodies tried on a sample day ---- */

/* loadcheck_open(rs), through lcall_protected() after the prelude ran: wraps the public API
 * so a call that fails while a file loads records its error and returns a harmless value,
 * and adds T.warn and T.sample_body. */
int loadcheck_open(lua_State *L);
/* For an error found outside an API call (an unknown name on `nudge`, from its __index):
 * while a file loads and only rule code is above the raising C/prelude frames, records
 * "file:line: msg" at the rule's line, pushes the stand-in and returns true (return it and
 * the file goes on); else false, nothing pushed, and the caller raises as usual.
 * T.record_error(msg) is the same for the prelude. */
bool loadcheck_record(lua_State *L, const char *msg);
/* After every file loaded: the API functions are the plain ones again. */
void loadcheck_close(struct ruleset *rs);
/* Tries the body functions the file just loaded registered (T.sample_body) on a sample
 * context; an error or a return that is not text is added to errs as "file:line: ...". */
void loadcheck_run_samples(struct ruleset *rs, struct strlist *errs);

/* ---- reload.c ---- */

bool reload_quiet_changed(const struct ruleset *rs, const struct ruleset *old);
/* rs's queued reminders that hand over their plan, sorted by id (malloc'd). */
struct lrem **reload_live_by_id(const struct ruleset *rs, size_t *n);

#endif
