/* The control protocol's commands (see README, "nudgectl and the control protocol"). */
#ifndef NUDGE_COMMANDS_H
#define NUDGE_COMMANDS_H

#include <jansson.h>
#include <stddef.h>

#include "daemon/control.h"

/* A control_handler: ud is the struct daemon. */
json_t *commands_handle(void *ud, json_t *request, struct control_client *cl, char *err,
                        size_t errsz);

#endif
