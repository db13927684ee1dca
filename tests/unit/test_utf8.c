/* Unit tests for src/common/utf8.c: what is valid, and how each ill-formed sequence is
 * repaired (one U+FFFD per maximal subpart, as the Unicode standard recommends). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"

#define R "\xef\xbf\xbd"

static bool valid(const char *s)
{
    return utf8_valid(s, strlen(s));
}

static void expect_repair(const char *in, size_t len, const char *want, size_t wantlen)
{
    size_t n = 0;
    char *out = utf8_repair(in, len, &n);
    assert_non_null(out);
    assert_int_equal(n, wantlen);
    assert_memory_equal(out, want, n);
    assert_int_equal(out[n], 0);
    assert_true(utf8_valid(out, n));
    assert_int_equal(utf8_repaired_length(in, len), n);
    free(out);
}
#define REPAIR(in, want) expect_repair(in, sizeof(in) - 1, want, sizeof(want) - 1)

static void test_valid(void **state)
{
    (void)state;
    assert_true(valid(""));
    assert_true(valid("plain ascii"));
    assert_true(valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    assert_true(valid("\xed\x9f\xbf"));     /* U+D7FF, just below the surrogates */
    assert_true(valid("\xee\x80\x80"));     /* U+E000, just above */
    assert_true(valid("\xf4\x8f\xbf\xbf")); /* U+10FFFF */
    assert_true(valid("\xef\xbf\xbd"));     /* U+FFFD itself */
    assert_true(utf8_valid("a\0b", 3));     /* NUL is U+0000 */
}

static void test_invalid(void **state)
{
    (void)state;
    assert_false(valid("\x80"));             /* stray continuation */
    assert_false(valid("\xc0\xaf"));         /* overlong '/' */
    assert_false(valid("\xc1\xbf"));         /* overlong */
    assert_false(valid("\xe0\x80\xaf"));     /* overlong, three bytes */
    assert_false(valid("\xf0\x80\x80\xaf")); /* overlong, four bytes */
    assert_false(valid("\xed\xa0\x80"));     /* U+D800, a surrogate */
    assert_false(valid("\xed\xbf\xbf"));     /* U+DFFF */
    assert_false(valid("\xf4\x90\x80\x80")); /* U+110000 */
    assert_false(valid("\xf5\x80\x80\x80"));
    assert_false(valid("\xff"));
    assert_false(valid("\xc3"));             /* truncated at the end */
    assert_false(valid("\xe2\x82"));
    assert_false(valid("\xf0\x9f\x98"));
    assert_false(valid("\xc3x"));            /* broken by ASCII */
}

static void test_repair(void **state)
{
    (void)state;
    REPAIR("ok", "ok");
    REPAIR("a\xff" "b", "a" R "b");
    REPAIR("\x80\x80", R R);                      /* each stray byte is one */
    REPAIR("\xc0\xaf", R R);                      /* C0 never starts a sequence */
    REPAIR("\xe0\x80\xaf", R R R);                /* E0 80: 80 is not allowed second */
    REPAIR("\xed\xa0\x80", R R R);                /* surrogate: ED then two strays */
    REPAIR("\xf4\x90\x80\x80", R R R R);          /* past U+10FFFF */
    REPAIR("\xe2\x82", R);                        /* truncated: one for the prefix */
    REPAIR("\xf0\x9f\x98" "x", R "x");
    REPAIR("\xf0\x9f\x98\xc3\xa9", R "\xc3\xa9"); /* the prefix, then a good char */
    REPAIR("id-\xc3", "id-" R);
    REPAIR("a\0\xff", "a\0" R);                   /* NUL kept, the rest still repaired */
}

static void test_clean(void **state)
{
    (void)state;
    char *owned = (char *)1;
    const char *s = "good \xc3\xa9";
    assert_ptr_equal(utf8_clean(s, &owned), s);
    assert_null(owned);
    const char *c = utf8_clean("bad \xff", &owned);
    assert_non_null(owned);
    assert_string_equal(c, "bad " R);
    free(owned);
    assert_null(utf8_clean(NULL, &owned));
    assert_null(owned);
}

static void test_inplace(void **state)
{
    (void)state;
    char buf[16];
    strcpy(buf, "ab\xff");
    utf8_repair_inplace(buf, sizeof buf);
    assert_string_equal(buf, "ab" R);
    /* Growth past the buffer cuts at a character boundary. */
    char small[8];
    memcpy(small, "\xff\xff\xff\xff\xff\xff\xff", 8);
    utf8_repair_inplace(small, sizeof small);
    assert_string_equal(small, R R);
    /* A character split by an earlier cut is repaired, not left half. */
    char cut[8] = "abc\xe2\x82";
    utf8_repair_inplace(cut, sizeof cut);
    assert_string_equal(cut, "abc" R);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),   cmocka_unit_test(test_invalid), cmocka_unit_test(test_repair),
        cmocka_unit_test(test_clean),   cmocka_unit_test(test_inplace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
