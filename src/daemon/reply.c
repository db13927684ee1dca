/* What every control reply goes through. */
#include "daemon/reply.h"

#include <stdlib.h>

#include "common/log.h"
#include "common/utf8.h"
#include "protocol/protocol.h"

/* A JSON string of s made valid UTF-8 (U+FFFD for bad bytes): jansson refuses invalid
 * strings, and one id or title from a rule file must not cost the whole reply. "" for NULL. */
json_t *reply_text(const char *s)
{
    char *own;
    const char *v = utf8_clean(s ? s : "", &own);
    json_t *j = json_string(v);
    free(own);
    return j;
}


/* A reply that strays from the table is the daemon's bug: said in the log (the e2e tests read
 * it), and sent anyway, since the client may still make use of it. */
void reply_check(const char *cmd, json_t *reply)
{
    const struct protocol_command *c = protocol_find(cmd);
    char err[256];
    if (c && reply && protocol_reply_check(c, reply, err, sizeof err) < 0)
        log_warn("protocol: %s (a bug: the reply does not match the protocol table)", err);
}

