/* The C half of the trust toolkit: what the prelude needs from the state database,
 * as the private table nudge._toolkit. */
#ifndef NUDGE_TOOLKIT_H
#define NUDGE_TOOLKIT_H

#include <lua.h>
#include <stdbool.h>

#include "engine/clock.h"
#include "store/store.h"
#include "time/usec.h"

struct ruleset;

/* Sets nudge._toolkit; expects the nudge table on top of the stack (leaves it there). */
void toolkit_open(lua_State *L);

/* Accessors the toolkit needs (implemented in ruleset.c). */
struct ruleset *ruleset_of(lua_State *L);
struct ledger *ruleset_ledger(struct ruleset *rs);
struct clock *ruleset_clock(struct ruleset *rs);
bool ruleset_since(const struct ruleset *rs, usec_t *since);

/* Consecutive local days, ending today (or yesterday when today has none yet), with a done
 * check-in (answered "done", or logged with nudgectl checkin). */
int toolkit_streak(struct store *st, usec_t now);

#endif
