/* The 207 multistatus of a calendar-query (RFC 4918 13, RFC 4791 7.8), read with libxml2 by
 * namespace and local name, so any prefix (or a default namespace) reads the same. Servers
 * differ in what they leave out; nothing here trusts a prop to be present. */
#include "caldav/caldav.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/errbuf.h"
#include "common/log.h"

#define NS_DAV "DAV:"
#define NS_CALDAV "urn:ietf:params:xml:ns:caldav"

static bool is(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *ns, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is(c, ns, name))
            return c;
    return NULL;
}

/* The element's text without surrounding white space, malloc'd; NULL when empty. */
static char *text_of(const xmlNode *n)
{
    if (!n)
        return NULL;
    xmlChar *raw = xmlNodeGetContent(n);
    if (!raw)
        return NULL;
    const char *s = (const char *)raw;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
        len--;
    char *out = len ? strndup(s, len) : NULL;
    xmlFree(raw);
    return out;
}

/* A <status> ("HTTP/1.1 200 OK") is success; no status at all counts as success too. */
static bool status_ok(const xmlNode *status)
{
    if (!status)
        return true;
    char *s = text_of(status);
    bool ok = false;
    if (s) {
        const char *sp = strchr(s, ' ');
        ok = sp && sp[1] == '2';
    }
    free(s);
    return ok;
}

int caldav_parse_multistatus(const char *xml, size_t len, struct caldav_item **items, size_t *n,
                             size_t *skipped, char *err, size_t errsz)
{
    *items = NULL;
    *n = 0;
    *skipped = 0;
    if (len > HTTP_MAX_BODY || len > (size_t)0x7fffffff)
        return errbuf_set(err, errsz, 1, "the listing is larger than %u bytes", HTTP_MAX_BODY);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return errbuf_set(err, errsz, 1, "out of memory reading the listing");
    /* No network, no entity substitution, no DTD loading: the reply is data, nothing more. */
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "multistatus.xml", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char msg[200];
        snprintf(msg, sizeof msg, "%s", e && e->message ? e->message : "not XML");
        msg[strcspn(msg, "\r\n")] = '\0';
        int line = e ? e->line : 0;
        xmlFreeParserCtxt(ctxt); /* e lives in ctxt: read it first */
        return errbuf_set(err, errsz, 1, "the listing is not XML (line %d: %s)", line, msg);
    }
    xmlFreeParserCtxt(ctxt);
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!is(root, NS_DAV, "multistatus")) {
        xmlFreeDoc(doc);
        return errbuf_set(err, errsz, 1, "the listing is XML but no DAV multistatus");
    }
    size_t cap = 0;
    struct caldav_item *out = NULL;
    for (const xmlNode *r = root->children; r; r = r->next) {
        if (!is(r, NS_DAV, "response"))
            continue;
        /* A response of its own status (404 for a member gone) carries no item. */
        if (child(r, NS_DAV, "status") && !status_ok(child(r, NS_DAV, "status")))
            continue;
        char *href = text_of(child(r, NS_DAV, "href"));
        char *etag = NULL, *data = NULL;
        for (const xmlNode *ps = r->children; ps; ps = ps->next) {
            if (!is(ps, NS_DAV, "propstat") || !status_ok(child(ps, NS_DAV, "status")))
                continue;
            const xmlNode *prop = child(ps, NS_DAV, "prop");
            if (!etag)
                etag = text_of(child(prop, NS_DAV, "getetag"));
            if (!data)
                data = text_of(child(prop, NS_CALDAV, "calendar-data"));
        }
        struct ical_todo todo;
        char why[160] = "";
        bool keep = href && data && *n < CALDAV_MAX_ITEMS &&
                    ical_todo_read(data, strlen(data), &todo, why, sizeof why) == 0;
        if (keep && *n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct caldav_item *grown = realloc(out, ncap * sizeof *out);
            if (!grown) {
                ical_todo_clear(&todo);
                snprintf(why, sizeof why, "out of memory");
                keep = false;
            } else {
                out = grown;
                cap = ncap;
            }
        }
        if (keep) {
            out[*n] = (struct caldav_item){.href = href, .etag = etag, .todo = todo};
            (*n)++;
            href = etag = NULL;
        } else {
            (*skipped)++;
            log_debug("caldav: passed over %s: %s", href ? href : "an entry without href",
                      !href ? "no href" : !data ? "no calendar data" : *n >= CALDAV_MAX_ITEMS ? "too many items" : why);
        }
        free(href);
        free(etag);
        free(data);
    }
    xmlFreeDoc(doc);
    *items = out;
    return 0;
}

void caldav_items_free(struct caldav_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].href);
        free(items[i].etag);
        ical_todo_clear(&items[i].todo);
    }
    free(items);
}
