#include "lua/lserial.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERSION 'N'
#define DEPTH_MAX 32

struct wbuf {
    char *p;
    size_t len, cap, max;
    lua_Alloc alloc; /* the state's allocator: the buffer counts against its memory cap */
    void *ud;
    bool failed, too_large;
};

static void put(struct wbuf *b, const void *data, size_t n)
{
    if (b->failed) return;
    if (n > b->max - b->len) {
        /* Stops a value that shares one big string many times before it is copied again. */
        b->failed = b->too_large = true;
        return;
    }
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len < n) cap *= 2;
        char *p = b->alloc(b->ud, b->p, b->cap, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_byte(struct wbuf *b, char c)
{
    put(b, &c, 1);
}

static void put_varint(struct wbuf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    put(b, tmp, n);
}

static void put_u64(struct wbuf *b, uint64_t v)
{
    unsigned char tmp[8];
    for (int i = 0; i < 8; i++) tmp[i] = (unsigned char)(v >> (8 * i));
    put(b, tmp, 8);
}

static int encode(lua_State *L, int idx, struct wbuf *b, int depth, char *err, size_t errsz)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL: put_byte(b, 'z'); return 0;
    case LUA_TBOOLEAN: put_byte(b, lua_toboolean(L, idx) ? 't' : 'f'); return 0;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            put_byte(b, 'i');
            put_u64(b, (uint64_t)lua_tointeger(L, idx));
        } else {
            double d = lua_tonumber(L, idx);
            uint64_t u;
            memcpy(&u, &d, 8);
            put_byte(b, 'd');
            put_u64(b, u);
        }
        return 0;
    case LUA_TSTRING: {
        size_t l;
        const char *s = lua_tolstring(L, idx, &l);
        put_byte(b, 's');
        put_varint(b, l);
        put(b, s, l);
        return 0;
    }
    case LUA_TTABLE: {
        if (depth >= DEPTH_MAX || !lua_checkstack(L, 4)) {
            snprintf(err, errsz, "table nested too deeply (or a cycle)");
            return -1;
        }
        size_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            n++;
            lua_pop(L, 1);
        }
        put_byte(b, 'T');
        put_varint(b, n);
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            int kt = lua_type(L, -2);
            if (kt != LUA_TSTRING && kt != LUA_TNUMBER && kt != LUA_TBOOLEAN) {
                lua_pop(L, 2);
                snprintf(err, errsz, "table keys must be strings, numbers or booleans");
                return -1;
            }
            if (encode(L, -2, b, depth + 1, err, errsz) < 0 ||
                encode(L, -1, b, depth + 1, err, errsz) < 0) {
                lua_pop(L, 2);
                return -1;
            }
            lua_pop(L, 1);
        }
        return 0;
    }
    default:
        snprintf(err, errsz, "cannot store a %s", lua_typename(L, lua_type(L, idx)));
        return -1;
    }
}

char *lserial_encode(lua_State *L, int idx, size_t max, size_t *len, char *err, size_t errsz)
{
    struct wbuf b = {.max = max};
    b.alloc = lua_getallocf(L, &b.ud);
    put_byte(&b, VERSION);
    char *out = NULL;
    if (encode(L, idx, &b, 0, err, errsz) < 0 || b.failed) {
        if (b.too_large)
            snprintf(err, errsz, "value too large (over %zu KiB serialized)", max >> 10);
        else if (b.failed)
            snprintf(err, errsz, "memory limit exceeded");
    } else if (!(out = malloc(b.len))) {
        snprintf(err, errsz, "out of memory");
    } else {
        memcpy(out, b.p, b.len);
        *len = b.len;
    }
    if (b.p) b.alloc(b.ud, b.p, b.cap, 0);
    return out;
}

struct rbuf {
    const unsigned char *p, *end;
};

static int get_varint(struct rbuf *r, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) return -1;
        unsigned char c = *r->p++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return 0;
    }
    return -1;
}

static int get_u64(struct rbuf *r, uint64_t *v)
{
    if (r->end - r->p < 8) return -1;
    *v = 0;
    for (int i = 0; i < 8; i++) *v |= (uint64_t)r->p[i] << (8 * i);
    r->p += 8;
    return 0;
}

static int decode(lua_State *L, struct rbuf *r, int depth)
{
    if (r->p >= r->end || depth > DEPTH_MAX || !lua_checkstack(L, 4)) return -1;
    uint64_t u;
    switch (*r->p++) {
    case 'z': lua_pushnil(L); return 0;
    case 't': lua_pushboolean(L, 1); return 0;
    case 'f': lua_pushboolean(L, 0); return 0;
    case 'i':
        if (get_u64(r, &u) < 0) return -1;
        lua_pushinteger(L, (lua_Integer)u);
        return 0;
    case 'd': {
        if (get_u64(r, &u) < 0) return -1;
        double d;
        memcpy(&d, &u, 8);
        lua_pushnumber(L, d);
        return 0;
    }
    case 's':
        if (get_varint(r, &u) < 0 || u > (uint64_t)(r->end - r->p)) return -1;
        lua_pushlstring(L, (const char *)r->p, (size_t)u);
        r->p += u;
        return 0;
    case 'T': {
        if (get_varint(r, &u) < 0 || u > (uint64_t)(r->end - r->p)) return -1;
        lua_createtable(L, 0, u < 1024 ? (int)u : 1024);
        for (uint64_t i = 0; i < u; i++) {
            if (decode(L, r, depth + 1) < 0) goto bad;
            if (decode(L, r, depth + 1) < 0) {
                lua_pop(L, 1);
                goto bad;
            }
            if (lua_isnil(L, -2) || (lua_type(L, -2) == LUA_TNUMBER && lua_tonumber(L, -2) != lua_tonumber(L, -2))) {
                lua_pop(L, 2); /* nil or NaN keys cannot be table keys */
                goto bad;
            }
            lua_rawset(L, -3);
        }
        return 0;
    bad:
        lua_pop(L, 1);
        return -1;
    }
    default: return -1;
    }
}

int lserial_decode(lua_State *L, const char *buf, size_t len)
{
    struct rbuf r = {(const unsigned char *)buf, (const unsigned char *)buf + len};
    if (len < 2 || buf[0] != VERSION) return -1;
    r.p++;
    int top = lua_gettop(L);
    if (decode(L, &r, 0) < 0 || r.p != r.end) {
        lua_settop(L, top);
        return -1;
    }
    return 0;
}
