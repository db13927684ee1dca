/* The C half of the trust toolkit: what the prelude needs from the ledger, as the private
 * table nudge._toolkit. */
#ifndef NUDGE_TOOLKIT_H
#define NUDGE_TOOLKIT_H

#include <lua.h>

/* Sets nudge._toolkit; expects the nudge table on top of the stack (leaves it there). */
void toolkit_open(lua_State *L);

#endif
