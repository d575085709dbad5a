/*
 * testutil.h - helpers shared by the Check suites.
 */
#ifndef DALLOC_TESTUTIL_H
#define DALLOC_TESTUTIL_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dalloc.h"

#ifdef HAVE_CONFIG_H
#include "config.h" /* the library's build options (DALLOC_GUARDS, DALLOC_FILL_FREED) */
#endif
#ifndef DALLOC_GUARDS
#define DALLOC_GUARDS 0
#endif
/* Bytes --enable-guards=N adds after each block's payload: N guard bytes
 * and a 2-byte count. */
#define TEST_GUARD_ROOM ((size_t)(DALLOC_GUARDS > 0 ? DALLOC_GUARDS + 2 : 0))
/* Freed payloads are zeroed unless configured with --disable-fill-freed:
 * assertions on zeroed memory hold only then. */
#ifndef DALLOC_FILL_FREED
#define DALLOC_FILL_FREED 1
#endif
#define TEST_FILL_FREED (DALLOC_FILL_FREED != 0)

/* A buffer aligned for any block, for heaps under test. */
#define TEST_BUFFER(name, size) static uint64_t name##_words[((size) + 7) / 8]; \
    static uint8_t *const name = (uint8_t *)name##_words

/* Bytes a block of n payload bytes occupies (header + rounding). */
static inline size_t test_block_size(size_t n)
{
    size_t a = DALLOC_ALIGNMENT, s = (n + dalloc_header_size() + TEST_GUARD_ROOM + a - 1) & ~(a - 1);
    size_t min = (4 * sizeof(void *) + a - 1) & ~(a - 1);
    return s < min ? min : s;
}

/* Fill and verify a block with a pattern that depends on a tag. */
static inline void test_fill(void *p, size_t n, unsigned tag)
{
    size_t i;
    for (i = 0; i < n; i++)
        ((uint8_t *)p)[i] = (uint8_t)(tag * 31u + i * 7u + 1u);
}
static inline int test_verify(const void *p, size_t n, unsigned tag)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (((const uint8_t *)p)[i] != (uint8_t)(tag * 31u + i * 7u + 1u))
            return 0;
    return 1;
}

/* Deterministic PRNG (xorshift32) so every run is reproducible. */
static inline uint32_t test_rand(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* Run one suite; returns the number of failures. */
static inline int test_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}

/* ---- added for the API suites (test_heap, test_reloc, ...) ---------------- */

#include <ctype.h>
#include <stdio.h>

/* dalloc_check() must find the heap intact. */
#define TEST_HEAP_OK(h) \
    ck_assert_msg(dalloc_check(h) == DALLOC_OK, "dalloc_check failed: %s", dalloc_strerror(dalloc_check(h)))

/* Settle the heap: a call that merges the blocks the quick cache of speed
 * builds holds (src/heap_internal.h) into free space, as any call but the
 * common paths of allocation and free, and the queries, does.  For tests
 * that read the layout, or compare bytes before and after a call. */
#define TEST_SETTLE(h) ((void)test_stats(h))

/* The heap's figures (the call itself must succeed). */
static inline dalloc_stats_t test_stats(const dalloc_heap_t *h)
{
    dalloc_stats_t st;
    ck_assert_int_eq(dalloc_get_stats(h, &st), DALLOC_OK);
    return st;
}

/* True when two stats are equal in every field but refusals. */
static inline int test_stats_same(const dalloc_stats_t *a, const dalloc_stats_t *b)
{
    return a->total_size == b->total_size && a->arena_size == b->arena_size &&
           a->header_size == b->header_size && a->used_bytes == b->used_bytes &&
           a->free_bytes == b->free_bytes && a->largest_free == b->largest_free &&
           a->largest_after_compaction == b->largest_after_compaction && a->free_blocks == b->free_blocks &&
           a->live_blocks == b->live_blocks && a->pinned_blocks == b->pinned_blocks &&
           a->peak_used == b->peak_used && a->compactions == b->compactions && a->bytes_moved == b->bytes_moved;
}

/* Text captured from the debug printers: pass test_out_fn and a
 * test_out_t to dalloc_set_output(). */
typedef struct {
    char text[65536];
    size_t len;
    size_t calls;
} test_out_t;

static inline void test_out_fn(void *ctx, const char *text)
{
    test_out_t *o = (test_out_t *)ctx;
    size_t n = strlen(text);
    o->calls++;
    if (n > sizeof o->text - 1 - o->len)
        n = sizeof o->text - 1 - o->len;
    memcpy(o->text + o->len, text, n);
    o->len += n;
    o->text[o->len] = '\0';
}

/* Non-overlapping occurrences of needle in hay, ignoring case. */
static inline size_t test_count_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle), count = 0, i;
    if (n == 0)
        return 0;
    while (*hay != '\0') {
        for (i = 0; i < n && hay[i] != '\0'; i++)
            if (tolower((unsigned char)hay[i]) != tolower((unsigned char)needle[i]))
                break;
        if (i == n) {
            count++;
            hay += n;
        } else {
            hay++;
        }
    }
    return count;
}

/* Does text contain the decimal form of v as a whole number? */
static inline int test_has_number(const char *text, unsigned long v)
{
    char num[32];
    const char *p = text;
    size_t n;
    (void)snprintf(num, sizeof num, "%lu", v);
    n = strlen(num);
    while ((p = strstr(p, num)) != NULL) {
        if ((p == text || !isdigit((unsigned char)p[-1])) && !isdigit((unsigned char)p[n]))
            return 1;
        p++;
    }
    return 0;
}

/* Does text contain the %p form of ptr? */
static inline int test_has_ptr(const char *text, const void *ptr)
{
    char s[40];
    (void)snprintf(s, sizeof s, "%p", ptr);
    return strstr(text, s) != NULL;
}

/* ---- looking at a heap's raw memory (Valgrind) ---------------------------- */

/* Built with Valgrind annotations (src/vg.c; DALLOC_TEST_VALGRIND is set by
 * Makefile.am), the library tells memcheck that user code may not touch
 * free space, block headers or the bytes past a block's requested size,
 * and that a new block's bytes are undefined.  A test that looks there on
 * purpose (snapshots of the buffer, freed bytes, scribbled headers) says
 * so: memcheck reports nothing for the thread from TEST_RAW_BEGIN() to
 * TEST_RAW_END(), and what such a look computes must be marked defined
 * before it is tested (TEST_RAW_DEFINED(); the helpers below do both).
 * All of them do nothing in other builds. */
#if defined(DALLOC_TEST_VALGRIND) && DALLOC_TEST_VALGRIND
#include <valgrind/memcheck.h>
#define TEST_RAW_BEGIN() VALGRIND_DISABLE_ERROR_REPORTING
#define TEST_RAW_END() VALGRIND_ENABLE_ERROR_REPORTING
#define TEST_RAW_DEFINED(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define TEST_RAW_BEGIN() ((void)0)
#define TEST_RAW_END() ((void)0)
#define TEST_RAW_DEFINED(p, n) ((void)(p), (void)(n))
#endif

/* memcpy() from a heap's raw memory; the copy counts as defined. */
static inline void test_raw_copy(void *dst, const void *src, size_t n)
{
    TEST_RAW_BEGIN();
    memcpy(dst, src, n);
    TEST_RAW_END();
    TEST_RAW_DEFINED(dst, n);
}

/* Are the n bytes at a and b (raw heap memory) the same? */
static inline int test_raw_same(const void *a, const void *b, size_t n)
{
    int same;
    TEST_RAW_BEGIN();
    same = memcmp(a, b, n) == 0;
    TEST_RAW_END();
    TEST_RAW_DEFINED(&same, sizeof same);
    return same;
}

/* Are the n bytes at p (raw heap memory) all zero? */
static inline int test_raw_zero(const void *p, size_t n)
{
    const uint8_t *q = (const uint8_t *)p;
    int zero = 1;
    size_t i;
    TEST_RAW_BEGIN();
    for (i = 0; i < n; i++)
        zero &= q[i] == 0;
    TEST_RAW_END();
    TEST_RAW_DEFINED(&zero, sizeof zero);
    return zero;
}

#endif /* DALLOC_TESTUTIL_H */
