/* The C half of the trust toolkit: what the prelude needs from the ledger, as the private
 * table nudge._toolkit. */
#ifndef NUDGE_TOOLKIT_H
#define NUDGE_TOOLKIT_H

#include <lua.h>
#include <stdbool.h>

#include "engine/clock.h"
#include "time/usec.h"

struct ruleset;

/* Sets nudge._toolkit; expects the nudge table on top of the stack (leaves it there). */
void toolkit_open(lua_State *L);

/* Accessors the toolkit needs (implemented in ruleset.c). */
struct ruleset *ruleset_of(lua_State *L);
struct ledger *ruleset_ledger(struct ruleset *rs);
struct clock *ruleset_clock(struct ruleset *rs);
bool ruleset_since(const struct ruleset *rs, usec_t *since);

#endif
