/*
 * test_compact.c - compaction policies, bounded compaction steps and the
 * guarantees that follow from compaction.
 *
 * Covers:
 *  - DALLOC_COMPACT_ON_DEMAND: frees and requests that fit a hole (or the
 *    gap) move nothing, also with many holes of one size class; a request
 *    that fits the free total but no hole compacts once and succeeds;
 *  - DALLOC_COMPACT_ON_FREE: after every free the heap has no hole
 *    (free_blocks == 0) when nothing is pinned; contents and owners kept;
 *  - DALLOC_COMPACT_MANUAL: a request that needs compaction is refused with
 *    DALLOC_E_NOMEM and nothing moves (alloc and realloc); after
 *    dalloc_compact() it succeeds;
 *  - dalloc_compact_step(budget): never moves more than budget bytes in a
 *    call (return value == bytes_moved delta); returns 0 with last error
 *    DALLOC_E_BUDGET when the next block is larger than the budget and
 *    changes nothing then; 0 with DALLOC_OK on a compact heap; reaches a
 *    fully compact heap; stays correct with allocs and frees between steps;
 *  - the fragmentation guarantee: a heap filled with 64-byte blocks with
 *    every other one freed still gives one block of (free bytes - header),
 *    and largest_after_compaction is at least 99 % of the free bytes;
 *  - the refusal guarantee: with no pins, dalloc_alloc() is refused exactly
 *    when heap.offset + test_block_size(request) > stats.arena_size;
 *  - what "a pinned block in the way" means: free space below and above a
 *    pinned block cannot be joined, so a request larger than each part but
 *    smaller than their sum is refused, and succeeds after dalloc_unpin().
 */
#include "testutil.h"

#define ALIGN ((size_t)DALLOC_ALIGNMENT)
#define HEAP_SIZE 16384
#define MAXB 256

static dalloc_heap_t heap;
TEST_BUFFER(buf, HEAP_SIZE);
TEST_BUFFER(snap, HEAP_SIZE);

/* Blocks under test: owner, size, pattern tag. */
static void *p[MAXB];
static size_t sz[MAXB];
static unsigned tag[MAXB];

static void setup(void)
{
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    memset(p, 0, sizeof p);
    memset(sz, 0, sizeof sz);
}

static void teardown(void) { dalloc_heap_deinit(&heap); }

static dalloc_status_t try_alloc(int i, size_t n)
{
    dalloc_status_t st = dalloc_alloc(&heap, n, &p[i]);
    if (st == DALLOC_OK) {
        sz[i] = n;
        tag[i] = (unsigned)i * 7u + 3u;
        test_fill(p[i], n, tag[i]);
    } else {
        ck_assert_ptr_null(p[i]);
    }
    return st;
}

static void alloc_ok(int i, size_t n) { ck_assert_int_eq(try_alloc(i, n), DALLOC_OK); }

static void free_ok(int i)
{
    ck_assert_int_eq(dalloc_free(&heap, &p[i], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_ptr_null(p[i]);
    sz[i] = 0;
}

/* Every live block holds its pattern and is registered at p[i]. */
static void verify_all(void)
{
    int i;
    TEST_HEAP_OK(&heap);
    for (i = 0; i < MAXB; i++) {
        if (p[i] == NULL)
            continue;
        ck_assert_msg(test_verify(p[i], sz[i], tag[i]), "block %d lost its contents", i);
        ck_assert_int_eq(dalloc_validate(&heap, &p[i], USING_PTR_ADDRESS, NULL), DALLOC_OK);
    }
}

/* Fill the arena to the last byte with blocks of n bytes (the last block
 * takes what remains); returns how many blocks. */
static int fill_arena(int first, size_t n)
{
    int i = first;
    size_t hdr = dalloc_header_size();
    while (test_stats(&heap).free_bytes >= 2 * test_block_size(n) && i < MAXB - 1)
        alloc_ok(i++, n);
    ck_assert_uint_ge(test_stats(&heap).free_bytes, test_block_size(n));
    alloc_ok(i++, test_stats(&heap).free_bytes - hdr);
    ck_assert_uint_eq(test_stats(&heap).free_bytes, 0);
    return i - first;
}

/* ------------------------------------------------------------------------ */
/* Policies                                                                  */

START_TEST(on_demand_moves_only_when_needed)
{
    int n, i, k = 0;
    size_t hdr = dalloc_header_size(), hole = test_block_size(96);
    dalloc_stats_t st;

    ck_assert_int_eq(dalloc_get_policy(&heap), DALLOC_COMPACT_ON_DEMAND);
    n = fill_arena(0, 96);
    for (i = 0; i < n - 1; i += 2)
        free_ok(i);
    st = test_stats(&heap);
    ck_assert_uint_eq(st.bytes_moved, 0);
    ck_assert_uint_eq(st.free_blocks, (size_t)(n / 2));
    ck_assert_uint_eq(st.largest_free, hole - hdr);
    /* Requests that fit a hole: nothing moves. */
    for (i = 0; i < 4; i++) {
        alloc_ok(MAXB - 1 - i, 96 - (size_t)i * 20);
        ck_assert_uint_eq(test_stats(&heap).bytes_moved, 0);
        ck_assert_uint_eq(test_stats(&heap).compactions, 0);
        k++;
    }
    verify_all();
    /* Fits the free total, no hole: compacts once, succeeds. */
    st = test_stats(&heap);
    ck_assert_uint_gt(3 * hole - hdr, st.largest_free);
    ck_assert_uint_le(3 * hole, st.free_bytes);
    alloc_ok(MAXB - 1 - k, 3 * hole - hdr);
    st = test_stats(&heap);
    ck_assert_uint_gt(st.bytes_moved, 0);
    ck_assert_uint_eq(st.compactions, 1);
    verify_all();
}
END_TEST

/* Holes of one size class, the largest freed first so that it is last on
 * its list: a request it fits must not compact (and must not fail). */
START_TEST(on_demand_hole_fit_never_compacts)
{
    size_t hdr = dalloc_header_size(), want = 19 * ALIGN - hdr;
    dalloc_stats_t st;
    int i;
    alloc_ok(0, want);
    for (i = 1; i <= 10; i++) {
        alloc_ok(20 + i, 8); /* separators */
        if (i < 10)
            alloc_ok(i, 16 * ALIGN - hdr);
    }
    alloc_ok(40, test_stats(&heap).free_bytes - hdr);
    for (i = 0; i < 10; i++)
        free_ok(i);
    st = test_stats(&heap);
    ck_assert_uint_eq(st.free_blocks, 10);
    ck_assert_uint_eq(st.largest_free, want);
    alloc_ok(50, want);
    st = test_stats(&heap);
    ck_assert_msg(st.bytes_moved == 0 && st.compactions == 0,
                  "a %zu-byte request that fits a hole compacted the heap (%zu bytes moved)", want,
                  st.bytes_moved);
    verify_all();
}
END_TEST

START_TEST(on_free_leaves_no_holes)
{
    uint32_t rng = 777;
    int i, order[60];
    dalloc_stats_t st;
    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_ON_FREE), DALLOC_OK);
    for (i = 0; i < 60; i++) {
        alloc_ok(i, 8 + test_rand(&rng) % 180);
        order[i] = i;
    }
    for (i = 59; i > 0; i--) { /* shuffle */
        int j = (int)(test_rand(&rng) % (uint32_t)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (i = 0; i < 60; i++) {
        free_ok(order[i]);
        st = test_stats(&heap);
        ck_assert_msg(st.free_blocks == 0, "%zu holes after free %d", st.free_blocks, i);
        ck_assert_uint_eq(st.largest_after_compaction, st.free_bytes - dalloc_header_size());
        if (i % 10 == 0)
            verify_all();
    }
    ck_assert_uint_eq(heap.offset, 0);
    verify_all();
}
END_TEST

START_TEST(manual_refuses_until_compacted)
{
    int n, i;
    size_t hdr = dalloc_header_size(), hole = test_block_size(96);
    dalloc_stats_t before, after;
    void *q = NULL;

    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_MANUAL), DALLOC_OK);
    n = fill_arena(0, 96);
    for (i = 1; i < n - 1; i += 2)
        free_ok(i);
    before = test_stats(&heap);
    ck_assert_uint_eq(before.bytes_moved, 0);                /* frees moved nothing */
    ck_assert_uint_eq(before.free_blocks, (size_t)((n - 1) / 2)); /* and left their holes */
    test_raw_copy(snap, buf, HEAP_SIZE);
    /* Needs compaction: refused, nothing moves. */
    ck_assert_int_eq(dalloc_alloc(&heap, 2 * hole - hdr, &q), DALLOC_E_NOMEM);
    ck_assert_ptr_null(q);
    ck_assert_int_eq(dalloc_realloc(&heap, 2 * hole, &p[0]), DALLOC_E_NOMEM);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert_uint_eq(after.refusals, before.refusals + 2);
    {
        size_t off = (size_t)((uint8_t *)p[0] - dalloc_header_size() - buf);
        ck_assert(test_raw_same(snap + off, buf + off, HEAP_SIZE - off));
    }
    /* A request that fits a hole is served. */
    alloc_ok(MAXB - 1, 90);
    ck_assert_uint_eq(test_stats(&heap).bytes_moved, 0);
    /* After an explicit compaction both succeed. */
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    ck_assert_uint_eq(test_stats(&heap).free_blocks, 0);
    ck_assert_int_eq(dalloc_alloc(&heap, 2 * hole - hdr, &q), DALLOC_OK);
    ck_assert_int_eq(dalloc_realloc(&heap, 2 * hole, &p[0]), DALLOC_OK);
    sz[0] = 96;
    verify_all();
}
END_TEST

/* ------------------------------------------------------------------------ */
/* dalloc_compact_step                                                       */

/* Random sizes, every third block freed: many holes. */
static void make_holes(uint32_t seed, size_t max)
{
    uint32_t rng = seed;
    int i;
    for (i = 0; i < 120; i++)
        if (try_alloc(i, 8 + test_rand(&rng) % max) != DALLOC_OK)
            break;
    for (i = 0; i < 120; i += 3)
        if (p[i] != NULL)
            free_ok(i);
}

START_TEST(step_respects_budget_and_finishes)
{
    /* Multiples of the largest block make_holes() creates. */
    static const size_t factor[] = {1, 2, 4, 8, 32, 1000};
    size_t budget = factor[_i] * test_block_size(107), ret, before, steps = 0;
    dalloc_stats_t st;
    make_holes(31u + (uint32_t)_i, 100);
    ck_assert_uint_gt(test_stats(&heap).free_blocks, 10);
    for (;;) {
        before = test_stats(&heap).bytes_moved;
        ret = dalloc_compact_step(&heap, budget);
        st = test_stats(&heap);
        ck_assert_uint_le(ret, budget);
        ck_assert_uint_eq(st.bytes_moved - before, ret);
        verify_all();
        if (ret == 0)
            break;
        ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_OK);
        ck_assert_uint_lt(++steps, 10000);
    }
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_OK); /* every block fits these budgets */
    ck_assert_uint_eq(st.free_blocks, 0);
    ck_assert_uint_eq(st.largest_free, st.free_bytes - dalloc_header_size());
    if (factor[_i] < 8)
        ck_assert_uint_gt(steps, 1);
    /* A compact heap: 0 and OK, nothing moves. */
    ck_assert_uint_eq(dalloc_compact_step(&heap, budget), 0);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_OK);
    ck_assert_uint_eq(dalloc_compact_step(&heap, 0), 0);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_OK);
    ck_assert_uint_eq(test_stats(&heap).bytes_moved, st.bytes_moved);
}
END_TEST

START_TEST(step_budget_smaller_than_block)
{
    size_t big = test_block_size(300);
    dalloc_stats_t before, after;
    alloc_ok(0, 64);
    alloc_ok(1, 300);
    alloc_ok(2, 32);
    free_ok(0);
    before = test_stats(&heap);
    test_raw_copy(snap, buf, HEAP_SIZE);
    ck_assert_uint_eq(dalloc_compact_step(&heap, big - 1), 0);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_BUDGET);
    ck_assert_uint_eq(dalloc_compact_step(&heap, 0), 0);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_BUDGET);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert(test_raw_same(snap, buf, HEAP_SIZE));
    /* Exactly the block's size is enough for it (not for the next one,
     * so work is left: DALLOC_E_AGAIN). */
    ck_assert_uint_eq(dalloc_compact_step(&heap, big), big);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_AGAIN);
    ck_assert_uint_eq(dalloc_compact_step(&heap, test_block_size(32)), test_block_size(32));
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_OK);
    ck_assert_uint_eq(test_stats(&heap).free_blocks, 0);
    verify_all();
}
END_TEST

/* Allocs, frees and reallocs between steps, all policies. */
START_TEST(step_interleaved)
{
    uint32_t rng = 4242u + (uint32_t)_i;
    int step, i;
    dalloc_stats_t st;
    ck_assert_int_eq(dalloc_set_policy(&heap, (dalloc_policy_t)(_i % 3)), DALLOC_OK);
    make_holes(99u + (uint32_t)_i, 150);
    for (step = 0; step < 600; step++) {
        size_t before = test_stats(&heap).bytes_moved, budget = 64 + test_rand(&rng) % 600, ret;
        ret = dalloc_compact_step(&heap, budget);
        ck_assert_uint_le(ret, budget);
        ck_assert_uint_eq(test_stats(&heap).bytes_moved - before, ret);
        i = (int)(test_rand(&rng) % 160);
        if (p[i] == NULL) {
            (void)try_alloc(i, 1 + test_rand(&rng) % 200);
        } else if (test_rand(&rng) % 4 == 0) {
            size_t n = 1 + test_rand(&rng) % 200, keep = n < sz[i] ? n : sz[i];
            if (dalloc_realloc(&heap, n, &p[i]) == DALLOC_OK) {
                ck_assert(test_verify(p[i], keep, tag[i]));
                sz[i] = n;
                test_fill(p[i], n, tag[i]);
            }
        } else {
            free_ok(i);
        }
        verify_all();
    }
    while (dalloc_compact_step(&heap, 100000) != 0)
        ;
    st = test_stats(&heap);
    ck_assert_uint_eq(st.free_blocks, 0);
    verify_all();
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Guarantees                                                                */

START_TEST(fragmentation_guarantee)
{
    int n = 0, i;
    dalloc_stats_t st;
    void *big = NULL;
    ck_assert_int_eq(dalloc_set_policy(&heap, (dalloc_policy_t)_i), DALLOC_OK);
    while (n < MAXB && try_alloc(n, 64) == DALLOC_OK)
        n++;
    ck_assert_uint_gt((size_t)n, 100);
    for (i = 0; i < n; i += 2)
        free_ok(i);
    st = test_stats(&heap);
    ck_assert_uint_ge(st.largest_after_compaction * 100, st.free_bytes * 99);
    ck_assert_int_eq(dalloc_alloc(&heap, st.free_bytes - dalloc_header_size(), &big), DALLOC_OK);
    ck_assert_uint_eq(test_stats(&heap).free_bytes, 0);
    memset(big, 0xC3, st.free_bytes - dalloc_header_size());
    verify_all();
}
END_TEST

/* No pins: dalloc_alloc() is refused exactly when the request's block does
 * not fit beside the live bytes. */
START_TEST(refusal_guarantee)
{
    uint32_t rng = 1000u + (uint32_t)_i;
    size_t arena = test_stats(&heap).arena_size, refused = 0, served = 0;
    int step, i;
    ck_assert_int_eq(dalloc_set_policy(&heap, (dalloc_policy_t)(_i % 2)), DALLOC_OK);
    for (step = 0; step < 3000; step++) {
        i = (int)(test_rand(&rng) % MAXB);
        if (p[i] == NULL) {
            size_t n, fits;
            dalloc_status_t st;
            uint32_t r = test_rand(&rng) % 8;
            size_t room = arena - heap.offset;
            if (r == 0 && room > dalloc_header_size())
                n = room - dalloc_header_size(); /* exactly what is left */
            else if (r == 1 && room >= dalloc_header_size())
                n = room - dalloc_header_size() + 1; /* one byte more */
            else
                n = 1 + test_rand(&rng) % 400;
            fits = heap.offset + test_block_size(n) <= arena;
            st = try_alloc(i, n);
            ck_assert_msg((st == DALLOC_OK) == fits, "request %zu with %u of %zu used: %s", n, heap.offset,
                          arena, dalloc_strerror(st));
            if (st != DALLOC_OK)
                ck_assert_int_eq(st, DALLOC_E_NOMEM);
            refused += st != DALLOC_OK;
            served += st == DALLOC_OK;
        } else {
            free_ok(i);
        }
        if (step % 50 == 0)
            verify_all();
    }
    ck_assert_uint_gt(refused, 10);
    ck_assert_uint_gt(served, 100);
    verify_all();
}
END_TEST

/*
 * [below: free][P pinned][above: free gap].  The two free parts cannot be
 * joined while P is pinned: a request larger than each part but smaller
 * than their sum is refused (DALLOC_E_NOMEM, P not moved), and
 * largest_after_compaction says so; after dalloc_unpin() it succeeds.
 */
START_TEST(pinned_in_the_way)
{
    size_t arena = test_stats(&heap).arena_size, hdr = dalloc_header_size();
    size_t below = (arena * 45 / 100) & ~(ALIGN - 1), above, want;
    void *keep, *q = NULL;
    dalloc_stats_t st;
    ck_assert_int_eq(dalloc_set_policy(&heap, (dalloc_policy_t)_i), DALLOC_OK);
    alloc_ok(0, below - hdr);
    alloc_ok(1, 64);
    ck_assert_int_eq(dalloc_pin(&heap, &p[1]), DALLOC_OK);
    keep = p[1];
    free_ok(0);
    (void)dalloc_compact(&heap);
    above = test_stats(&heap).free_bytes - below;
    want = (below > above ? below : above) + 2 * ALIGN; /* larger than each part */
    ck_assert_uint_lt(want, below + above);             /* smaller than their sum */
    st = test_stats(&heap);
    ck_assert_uint_eq(st.pinned_blocks, 1);
    ck_assert_uint_lt(st.largest_after_compaction, want - hdr);
    ck_assert_int_eq(dalloc_alloc(&heap, want - hdr, &q), DALLOC_E_NOMEM);
    ck_assert_ptr_null(q);
    ck_assert_ptr_eq(p[1], keep);
    verify_all();
    /* Unpinned, P may move and the two parts join. */
    ck_assert_int_eq(dalloc_unpin(&heap, &p[1]), DALLOC_OK);
    if (dalloc_get_policy(&heap) == DALLOC_COMPACT_MANUAL)
        ck_assert_uint_gt(dalloc_compact(&heap), 0);
    ck_assert_uint_ge(test_stats(&heap).largest_after_compaction, want - hdr);
    alloc_ok(2, want - hdr);
    ck_assert_ptr_ne(p[1], keep);
    verify_all();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compact");
    TCase *tc;

    tc = tcase_create("policies");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, on_demand_moves_only_when_needed);
    tcase_add_test(tc, on_demand_hole_fit_never_compacts);
    tcase_add_test(tc, on_free_leaves_no_holes);
    tcase_add_test(tc, manual_refuses_until_compacted);
    suite_add_tcase(s, tc);

    tc = tcase_create("step");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, step_respects_budget_and_finishes, 0, 6);
    tcase_add_test(tc, step_budget_smaller_than_block);
    tcase_add_loop_test(tc, step_interleaved, 0, 6);
    suite_add_tcase(s, tc);

    tc = tcase_create("guarantees");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, fragmentation_guarantee, 0, 2);
    tcase_add_loop_test(tc, refusal_guarantee, 0, 6);
    tcase_add_loop_test(tc, pinned_in_the_way, 0, 3);
    suite_add_tcase(s, tc);

    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
