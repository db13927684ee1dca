/* The ledger: what happened and what it means. Fires and their follow-ups, answers, promises,
 * the check-in journal, gesture memory, streaks and the report's figures, each decided in one
 * place and persisted through store/. No Lua, libuv or D-Bus here: the daemon, the Lua binding
 * and the tests all ask the ledger. */
#ifndef NUDGE_LEDGER_H
#define NUDGE_LEDGER_H

struct store;

/* One ledger over a state database (not owned: it outlives the ledger). */
struct ledger;

/* Returns NULL when out of memory. */
struct ledger *ledger_new(struct store *st);
void ledger_free(struct ledger *lg);

#endif
