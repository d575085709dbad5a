/*
 * test_errors.c - the error model: the error hook (who is told what, and
 * what is not a refusal), its hosted default, requests whose size would
 * overflow, and with the matching build options the integrity check after
 * every call (--enable-debug-checks) and guard bytes (--enable-guards=N).
 */
#include "testutil.h"

#include "dmheap.h"

#ifndef DALLOC_DEBUG_CHECKS
#define DALLOC_DEBUG_CHECKS 0
#endif

#define HEAP_SIZE 8192
TEST_BUFFER(buf, HEAP_SIZE);
static dalloc_heap_t heap;

/* What the hook was told. */
#define MAX_SEEN 16
static dalloc_error_t seen[MAX_SEEN];
static size_t nseen;
static int hook_ctx;

static void record(void *ctx, const dalloc_error_t *e)
{
    ck_assert_ptr_eq(ctx, &hook_ctx);
    if (nseen < MAX_SEEN)
        seen[nseen] = *e;
    nseen++;
}

static void setup(void)
{
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    nseen = 0;
    dalloc_set_error_hook(record, &hook_ctx);
}

static void teardown(void)
{
    dalloc_set_error_hook(dalloc_error_print, NULL);
    dalloc_heap_deinit(&heap);
}

/* Exactly one report, with these fields. */
static void told_once(dalloc_status_t reason, const char *call, const void *ptr, size_t size)
{
    ck_assert_uint_eq(nseen, 1);
    ck_assert_ptr_eq(seen[0].heap, &heap);
    ck_assert_int_eq(seen[0].reason, reason);
    ck_assert_str_eq(seen[0].call, call);
    ck_assert_ptr_eq(seen[0].ptr, ptr);
    ck_assert_uint_eq(seen[0].size, size);
    nseen = 0;
}

/* ---- the hook ------------------------------------------------------------ */

/* told_once for a heap other than the fixture's. */
static void told_once_heap(const dalloc_heap_t *h)
{
    ck_assert_uint_eq(nseen, 1);
    ck_assert_ptr_eq(seen[0].heap, h);
    ck_assert_int_eq(seen[0].reason, DALLOC_E_HEAP);
    ck_assert_str_eq(seen[0].call, "dalloc_heap_init");
    nseen = 0;
}


START_TEST(hook_told_of_refused_frees)
{
    static void *p, *copy, *q;
    dalloc_stats_t before;
    uint64_t foreign;
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &p), DALLOC_OK);
    ck_assert_uint_eq(nseen, 0); /* a success tells nothing */
    before = test_stats(&heap);

    copy = &foreign;
    ck_assert_int_eq(dalloc_free(&heap, &copy, USING_PTR_VALUE), DALLOC_E_NOTBLOCK);
    told_once(DALLOC_E_NOTBLOCK, "dalloc_free", &copy, 0);
    copy = (char *)p + 8; /* interior */
    ck_assert_int_eq(dalloc_free(&heap, &copy, USING_PTR_VALUE), DALLOC_E_NOTBLOCK);
    told_once(DALLOC_E_NOTBLOCK, "dalloc_free", &copy, 0);
    ck_assert_int_eq(dalloc_free(&heap, &q, USING_PTR_ADDRESS), DALLOC_E_NOTBLOCK); /* owns nothing */
    told_once(DALLOC_E_NOTBLOCK, "dalloc_free", &q, 0);
    ck_assert_int_eq(dalloc_fixed_free(&heap, &foreign), DALLOC_E_NOTBLOCK);
    told_once(DALLOC_E_NOTBLOCK, "dalloc_fixed_free", &foreign, 0);
    ck_assert_int_eq(dalloc_free(&heap, &p, (validate_ptr_condition_t)7), DALLOC_E_ARG);
    told_once(DALLOC_E_ARG, "dalloc_free", &p, 0);

    {
        dalloc_stats_t after = test_stats(&heap);
        ck_assert(test_stats_same(&before, &after));
    }
    TEST_HEAP_OK(&heap);
    /* A double free: the first succeeds, the second is told. */
    copy = p;
    ck_assert_int_eq(dalloc_free(&heap, &p, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_eq(nseen, 0);
    ck_assert_int_eq(dalloc_free(&heap, &copy, USING_PTR_VALUE), DALLOC_E_NOTBLOCK);
    told_once(DALLOC_E_NOTBLOCK, "dalloc_free", &copy, 0);
}
END_TEST

START_TEST(hook_told_of_refused_allocations)
{
    static void *p;
    void *f;
    ck_assert_int_eq(dalloc_alloc(&heap, 2 * HEAP_SIZE, &p), DALLOC_E_NOMEM);
    told_once(DALLOC_E_NOMEM, "dalloc_alloc", &p, 2 * HEAP_SIZE);
    ck_assert_int_eq(dalloc_alloc(&heap, 0, &p), DALLOC_E_ARG);
    told_once(DALLOC_E_ARG, "dalloc_alloc", &p, 0);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 16, &p, 9), DALLOC_E_MODULE);
    told_once(DALLOC_E_MODULE, "dalloc_alloc_in", &p, 16);
    ck_assert_ptr_null(dalloc_malloc(&heap, 2 * HEAP_SIZE));
    told_once(DALLOC_E_NOMEM, "dalloc_fixed_alloc", NULL, 2 * HEAP_SIZE);
    ck_assert_ptr_null(dalloc_aligned_alloc(&heap, 24, 16));
    told_once(DALLOC_E_ARG, "dalloc_fixed_alloc", NULL, 16);
    ck_assert_ptr_null(dalloc_aligned_alloc(&heap, 0, 16));
    told_once(DALLOC_E_ARG, "dalloc_aligned_alloc", NULL, 16);
    f = dalloc_malloc(&heap, 32);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_null(dalloc_fixed_realloc(&heap, f, 2 * HEAP_SIZE));
    told_once(DALLOC_E_NOMEM, "dalloc_fixed_realloc", f, 2 * HEAP_SIZE);
    ck_assert_int_eq(dalloc_fixed_free(&heap, f), DALLOC_OK);
    ck_assert_uint_eq(nseen, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(answers_are_not_refusals)
{
    static void *p, *nothing;
    uint32_t idx;
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &p), DALLOC_OK);
    /* "Is this a block?" answered no: not a refusal. */
    ck_assert_int_eq(dalloc_validate(&heap, &nothing, USING_PTR_ADDRESS, &idx), DALLOC_E_NOTBLOCK);
    ck_assert_uint_eq(nseen, 0);
    ck_assert(!validate_ptr(&heap, &nothing, USING_PTR_ADDRESS, NULL));
    ck_assert_uint_eq(nseen, 0);
    /* A compaction step with work left is not a refusal; one whose budget
     * cannot move the next block is. */
    dalloc_set_policy(&heap, DALLOC_COMPACT_MANUAL);
    {
        static void *a, *b, *c2;
        ck_assert_int_eq(dalloc_alloc(&heap, 64, &a), DALLOC_OK);
        ck_assert_int_eq(dalloc_alloc(&heap, 64, &b), DALLOC_OK);
        ck_assert_int_eq(dalloc_alloc(&heap, 64, &c2), DALLOC_OK);
        ck_assert_int_eq(dalloc_free(&heap, &p, USING_PTR_ADDRESS), DALLOC_OK);
        ck_assert_int_eq(dalloc_free(&heap, &b, USING_PTR_ADDRESS), DALLOC_OK);
        ck_assert_uint_eq(dalloc_compact_step(&heap, 8), 0);
        ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_BUDGET);
        told_once(DALLOC_E_BUDGET, "dalloc_compact_step", NULL, 8);
        ck_assert_uint_gt(dalloc_compact_step(&heap, test_block_size(64)), 0);
        ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_AGAIN);
        ck_assert_uint_eq(nseen, 0);
    }
}
END_TEST

START_TEST(hook_told_of_bad_heaps_and_modules)
{
    dalloc_heap_t dead;
    static void *p;
    memset(&dead, 0, sizeof dead);
    ck_assert_int_eq(dalloc_alloc(&dead, 16, &p), DALLOC_E_HEAP);
    ck_assert_uint_eq(nseen, 1);
    ck_assert_ptr_eq(seen[0].heap, &dead);
    ck_assert_int_eq(seen[0].reason, DALLOC_E_HEAP);
    ck_assert_str_eq(seen[0].call, "dalloc_alloc");
    nseen = 0;
    ck_assert_int_eq(dalloc_free(NULL, &p, USING_PTR_ADDRESS), DALLOC_E_HEAP);
    ck_assert_uint_eq(nseen, 1);
    ck_assert_ptr_null(seen[0].heap);
    nseen = 0;
    ck_assert_int_eq(dalloc_heap_init(&dead, buf, 4), DALLOC_E_HEAP);
    told_once_heap(&dead);
    ck_assert_int_eq(dalloc_heap_init(NULL, buf, 64), DALLOC_E_HEAP);
    told_once_heap(NULL);
    ck_assert_int_eq(dalloc_retag(&dead, buf, DALLOC_NO_MODULE), DALLOC_E_HEAP);
    ck_assert_uint_eq(nseen, 1);
    ck_assert_str_eq(seen[0].call, "dalloc_retag");
    nseen = 0;
    ck_assert_int_eq(dalloc_module_release(&heap, 42), DALLOC_E_MODULE);
    told_once(DALLOC_E_MODULE, "dalloc_module_release", NULL, 0);
    ck_assert_int_eq(dalloc_module_register(&heap, NULL, NULL), DALLOC_E_ARG);
    told_once(DALLOC_E_ARG, "dalloc_module_register", NULL, 0);
}
END_TEST

START_TEST(hook_off_tells_nothing)
{
    static void *p;
    dalloc_set_error_hook(NULL, &hook_ctx);
    ck_assert_int_eq(dalloc_alloc(&heap, 2 * HEAP_SIZE, &p), DALLOC_E_NOMEM);
    ck_assert_int_eq(dalloc_free(&heap, &p, USING_PTR_ADDRESS), DALLOC_E_NOTBLOCK);
    ck_assert_uint_eq(nseen, 0);
    /* The status is still there to read. */
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_NOTBLOCK);
}
END_TEST

/* The hosted default prints one line per refusal through the output hook;
 * an explicit dalloc_error_print does the same. */
static void default_prints(bool explicit_hook)
{
    static test_out_t out;
    static void *p;
    uint64_t foreign;
    memset(&out, 0, sizeof out);
    if (explicit_hook)
        dalloc_set_error_hook(dalloc_error_print, NULL);
    dalloc_set_output(test_out_fn, &out);
    ck_assert_int_eq(dalloc_fixed_free(&heap, &foreign), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_alloc(&heap, 2 * HEAP_SIZE, &p), DALLOC_E_NOMEM);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &p), DALLOC_OK);
    dalloc_set_output(NULL, NULL);
    ck_assert_uint_eq(out.calls, 2);
    ck_assert_uint_eq(test_count_ci(out.text, "\n"), 2);
    ck_assert_uint_eq(test_count_ci(out.text, "dalloc_fixed_free"), 1);
    ck_assert_uint_eq(test_count_ci(out.text, dalloc_strerror(DALLOC_E_NOTBLOCK)), 1);
    ck_assert_uint_eq(test_count_ci(out.text, "dalloc_alloc"), 1);
    ck_assert_uint_eq(test_count_ci(out.text, dalloc_strerror(DALLOC_E_NOMEM)), 1);
    ck_assert_uint_eq(test_count_ci(out.text, "16384 bytes"), 1);
}

START_TEST(hosted_default_prints_refusals)
{
    /* No setup: the process's first heap, before any hook was set (this
     * test runs in a fresh process under CK_FORK, or first without it). */
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    default_prints(false);
    dalloc_heap_deinit(&heap);
}
END_TEST

START_TEST(error_print_explicit)
{
    default_prints(true);
}
END_TEST

START_TEST(check_tells_corruption)
{
    static void *p;
    uint8_t saved;
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &p), DALLOC_OK);
    TEST_RAW_BEGIN(); /* Valgrind: it damages a header on purpose */
    saved = ((uint8_t *)p)[-(int)dalloc_header_size() + 1]; /* the header's size field */
    ((uint8_t *)p)[-(int)dalloc_header_size() + 1] ^= 0x40;
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_E_CORRUPT);
    ck_assert_uint_ge(nseen, 1);
    ck_assert_int_eq(seen[0].reason, DALLOC_E_CORRUPT);
    ck_assert_str_eq(seen[0].call, "dalloc_check");
    ((uint8_t *)p)[-(int)dalloc_header_size() + 1] = saved;
    TEST_RAW_END();
    nseen = 0;
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_OK);
    ck_assert_uint_eq(nseen, 0);
}
END_TEST

/* ---- sizes that would overflow --------------------------------------------- */

START_TEST(overflowing_sizes_refused)
{
    static const size_t big[] = {(size_t)-1, (size_t)-2, (size_t)-8, (size_t)-16, (size_t)-64,
                                 (size_t)-1 / 2 + 1, (size_t)-1 >> 8};
    static void *p, *q;
    dalloc_stats_t before;
    size_t i;
    static uint64_t dm[512];
    void *f;
    ck_assert(dmheap_init(dm, sizeof dm, 8));
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &q), DALLOC_OK);
    f = dalloc_malloc(&heap, 24);
    ck_assert_ptr_nonnull(f);
    test_fill(f, 24, 3);
    before = test_stats(&heap);
    for (i = 0; i < sizeof big / sizeof big[0]; i++) {
        dalloc_status_t st = dalloc_alloc(&heap, big[i], &p);
        ck_assert_msg(st == DALLOC_E_SIZE || st == DALLOC_E_NOMEM, "size %zu: %s", big[i], dalloc_strerror(st));
        ck_assert_ptr_null(p);
        ck_assert_int_ne(dalloc_realloc(&heap, big[i], &q), DALLOC_OK);
        ck_assert_ptr_nonnull(q);
        ck_assert_ptr_null(dalloc_malloc(&heap, big[i]));
        ck_assert_ptr_null(dalloc_aligned_alloc(&heap, 64, big[i]));
        ck_assert_ptr_null(dalloc_calloc(&heap, big[i], 3));
        ck_assert_ptr_null(dalloc_calloc(&heap, 3, big[i]));
        ck_assert_ptr_null(dalloc_fixed_realloc(&heap, f, big[i]));
        ck_assert(test_verify(f, 24, 3)); /* the old block is untouched */
        ck_assert_ptr_null(dmheap_malloc(big[i], NULL));
        ck_assert_ptr_null(dmheap_aligned_alloc(16, big[i], NULL));
        {
            dalloc_stats_t after = test_stats(&heap);
            ck_assert(test_stats_same(&before, &after));
        }
    }
    /* The seed's 32-bit sizes: 0xFFFFFFFF must not come back as a small block. */
    dalloc(&heap, 0xFFFFFFFFu, &p);
    ck_assert_ptr_null(p);
    dalloc(&heap, 0xFFFFFFF8u, &p);
    ck_assert_ptr_null(p);
    ck_assert(!drealloc(&heap, 0xFFFFFFFFu, &q));
    ck_assert_ptr_nonnull(q);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* ---- findings of the fuzzer (fuzz/corpus keeps their inputs) ------------------ */

START_TEST(bad_owner_never_read_or_written)
{
    static void *p, *q;
    void **in_header, **unaligned;
    dalloc_stats_t before;
    uint8_t snap[HEAP_SIZE];
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &p), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &q), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &q, USING_PTR_ADDRESS), DALLOC_OK); /* a hole */
    in_header = (void **)(void *)((uint8_t *)p - dalloc_header_size());
    unaligned = (void **)(void *)((uint8_t *)p + 1);
    before = test_stats(&heap);
    test_raw_copy(snap, buf, HEAP_SIZE);
    /* Refused for the size (0, or too large) or the owner: in every case
     * the owner is refused first and nothing is written through it. */
    ck_assert_int_eq(dalloc_alloc(&heap, 0, in_header), DALLOC_E_OWNER);
    ck_assert_int_eq(dalloc_alloc(&heap, (size_t)-1, in_header), DALLOC_E_OWNER);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 0, in_header, DALLOC_NO_MODULE), DALLOC_E_OWNER);
    ck_assert_int_eq(dalloc_realloc(&heap, 0, in_header), DALLOC_E_NOTBLOCK); /* holds no block */
    ck_assert_int_eq(dalloc_alloc(&heap, 0, unaligned), DALLOC_E_OWNER);
    ck_assert_int_eq(dalloc_realloc(&heap, 16, unaligned), DALLOC_E_OWNER); /* not even read */
    nseen = 0;
    {
        dalloc_stats_t after = test_stats(&heap);
        ck_assert(test_stats_same(&before, &after));
    }
    ck_assert(test_raw_same(snap, buf, HEAP_SIZE));
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(module_cycles_do_not_grow_blocks)
{
    static void *p, *next;
    dalloc_module_t m;
    dalloc_stats_t first;
    void *f, *g;
    int i;
    ck_assert_int_eq(dalloc_module_register(&heap, "net", &m), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &p), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &next), DALLOC_OK); /* no room to grow in place */
    g = dalloc_malloc(&heap, 100); /* fixed blocks are carved downward: */
    f = dalloc_malloc(&heap, 100); /* g lies above f */
    ck_assert_ptr_nonnull(g);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(dalloc_fixed_free(&heap, g), DALLOC_OK); /* f can grow in place */
    test_fill(p, 100, 1);
    test_fill(f, 100, 2);
    ck_assert_int_eq(dalloc_retag(&heap, p, m), DALLOC_OK);
    ck_assert_int_eq(dalloc_retag(&heap, f, m), DALLOC_OK);
    ck_assert_int_eq(dalloc_retag(&heap, p, DALLOC_NO_MODULE), DALLOC_OK);
    ck_assert_int_eq(dalloc_retag(&heap, f, DALLOC_NO_MODULE), DALLOC_OK);
    first = test_stats(&heap);
    for (i = 0; i < 20; i++) {
        ck_assert_int_eq(dalloc_retag(&heap, p, m), DALLOC_OK);
        ck_assert_int_eq(dalloc_retag(&heap, f, m), DALLOC_OK);
        ck_assert_int_eq(dalloc_retag(&heap, p, DALLOC_NO_MODULE), DALLOC_OK);
        ck_assert_int_eq(dalloc_retag(&heap, f, DALLOC_NO_MODULE), DALLOC_OK);
        ck_assert_uint_eq(test_stats(&heap).used_bytes, first.used_bytes);
    }
    ck_assert(test_verify(p, 100, 1));
    ck_assert(test_verify(f, 100, 2));
    /* A realloc gives the kept room back to the layout it computes. */
    ck_assert_int_eq(dalloc_realloc(&heap, 100, &p), DALLOC_OK);
    ck_assert_uint_le(test_stats(&heap).used_bytes, first.used_bytes);
    ck_assert(test_verify(p, 100, 1));
    TEST_HEAP_OK(&heap);
}
END_TEST

/* ---- --enable-debug-checks --------------------------------------------------- */

#if DALLOC_DEBUG_CHECKS
START_TEST(debug_checks_catch_corruption_at_the_next_call)
{
    static void *p, *q;
    uint8_t *size_byte;
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &p), DALLOC_OK);
    ck_assert_uint_eq(nseen, 0); /* the checks pass on a sound heap */
    size_byte = (uint8_t *)p - dalloc_header_size() + 1;
    *size_byte ^= 0x40; /* a wild write over the header */
    (void)dalloc_alloc(&heap, 16, &q);
    ck_assert_uint_ge(nseen, 1);
    ck_assert_int_eq(seen[0].reason, DALLOC_E_CORRUPT);
    ck_assert_str_eq(seen[0].call, "dalloc_alloc");
    *size_byte ^= 0x40;
}
END_TEST
#endif

/* ---- --enable-guards=N --------------------------------------------------------- */

#if DALLOC_GUARDS > 0
START_TEST(guard_catches_one_byte_overrun_on_free)
{
    static void *p;
    void *f;
    dalloc_module_t mod;
    size_t n;
    for (n = 1; n <= 40; n++) {
        ck_assert_int_eq(dalloc_alloc(&heap, n, &p), DALLOC_OK);
        memset(p, 0x11, n); /* all of it is the user's */
        ck_assert_int_eq(dalloc_check(&heap), DALLOC_OK);
        ((uint8_t *)p)[n] = 0x11; /* one byte too far */
        ck_assert_int_eq(dalloc_check(&heap), DALLOC_E_GUARD);
        told_once(DALLOC_E_GUARD, "dalloc_check", p, n);
        {
            void *at = p;
            ck_assert_int_eq(dalloc_free(&heap, &p, USING_PTR_ADDRESS), DALLOC_OK); /* freed all the same */
            told_once(DALLOC_E_GUARD, "dalloc_free", at, n);
        }
        TEST_HEAP_OK(&heap);
    }
    /* A fixed block of a module: the report names the module. */
    ck_assert_int_eq(dalloc_module_register(&heap, "sensor", &mod), DALLOC_OK);
    f = dalloc_fixed_alloc(&heap, 21, 0, mod);
    ck_assert_ptr_nonnull(f);
    ((uint8_t *)f)[21] = 0;
    ck_assert_int_eq(dalloc_fixed_free(&heap, f), DALLOC_OK);
    ck_assert_uint_eq(nseen, 1);
    ck_assert_int_eq(seen[0].reason, DALLOC_E_GUARD);
    ck_assert_ptr_eq(seen[0].ptr, f);
    ck_assert_uint_eq(seen[0].size, 21);
    ck_assert_uint_eq(seen[0].module, mod);
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(guard_checked_on_realloc_and_kept_across_moves)
{
    static void *a, *b, *c2;
    dalloc_set_policy(&heap, DALLOC_COMPACT_MANUAL);
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &a), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 33, &b), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &c2), DALLOC_OK);
    test_fill(b, 33, 5);
    ck_assert_int_eq(dalloc_free(&heap, &a, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_gt(dalloc_compact(&heap), 0); /* b and c2 slide down */
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_OK); /* the guard came along */
    ck_assert(test_verify(b, 33, 5));
    ((uint8_t *)b)[33] = 0;
    {
        void *at = b; /* where the damage was seen (realloc may move b) */
        ck_assert_int_eq(dalloc_realloc(&heap, 50, &b), DALLOC_OK);
        told_once(DALLOC_E_GUARD, "dalloc_realloc", at, 33);
    }
    ck_assert(test_verify(b, 33, 5));
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_OK); /* rewritten after 50 bytes */
    memset((uint8_t *)b + 33, 0, 17);
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_OK);
    ((uint8_t *)b)[50] = 0;
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_E_GUARD);
    ((uint8_t *)b)[50] = 0xAB; /* the guard's own value: intact again */
    nseen = 0;
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_OK);
}
END_TEST
#endif

static Suite *errors_suite(void)
{
    Suite *s = suite_create("errors");
    TCase *t = tcase_create("default");
    tcase_add_test(t, hosted_default_prints_refusals);
    suite_add_tcase(s, t);

    t = tcase_create("hook");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, hook_told_of_refused_frees);
    tcase_add_test(t, hook_told_of_refused_allocations);
    tcase_add_test(t, answers_are_not_refusals);
    tcase_add_test(t, hook_told_of_bad_heaps_and_modules);
    tcase_add_test(t, hook_off_tells_nothing);
    tcase_add_test(t, error_print_explicit);
    tcase_add_test(t, check_tells_corruption);
    tcase_add_test(t, overflowing_sizes_refused);
    tcase_add_test(t, bad_owner_never_read_or_written);
    tcase_add_test(t, module_cycles_do_not_grow_blocks);
#if DALLOC_DEBUG_CHECKS
    tcase_add_test(t, debug_checks_catch_corruption_at_the_next_call);
#endif
#if DALLOC_GUARDS > 0
    tcase_add_test(t, guard_catches_one_byte_overrun_on_free);
    tcase_add_test(t, guard_checked_on_realloc_and_kept_across_moves);
#endif
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return test_run_suite(errors_suite()) == 0 ? EXIT_SUCCESS : EXIT_FAILURE; }
