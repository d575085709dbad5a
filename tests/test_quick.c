/*
 * test_quick.c - the quick cache of speed builds (src/heap_internal.h,
 * src/alloc.c), white box: plain relocatable blocks freed by dalloc_free()
 * wait, zeroed and counted free, on lists by exact size for dalloc_alloc()
 * to reuse; every other call first returns them to free space.  The test
 * reads the control block (qbins, qcount) to know the cache holds what the
 * scenario needs, and asserts through the public API that no observer can
 * tell: the figures, the refusals, the checks, the pointers.
 *
 * In builds without the cache (-Os, guards, debug checks) and under
 * Valgrind's memcheck the same scenarios run and the cache stays empty.
 */
#include "testutil.h"

#include "../src/heap_internal.h"

#define HEAP_SIZE 32768u

TEST_BUFFER(buf, HEAP_SIZE);
static dalloc_heap_t heap;

/* Whether the heap caches: a build with the cache, and (in a build with
 * Valgrind annotations) not under memcheck. */
static int quick_on(void)
{
#if DALLOC_VALGRIND
    if (heap.ctl->vg_on)
        return 0;
#endif
    return DALLOC_QUICK;
}

/* Blocks the cache holds: n when the heap caches, else 0. */
#define HOLDS(n) ck_assert_uint_eq(heap.ctl->qcount, quick_on() ? (uint32_t)(n) : 0u)
/* The cache is empty and has no table. */
#define SETTLED()                                 \
    do {                                          \
        ck_assert_uint_eq(heap.ctl->qcount, 0u);  \
        ck_assert_ptr_null(heap.ctl->qbins);      \
    } while (0)

static void setup(void) { ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK); }
static void teardown(void) { dalloc_heap_deinit(&heap); }

static void alloc_ok(size_t n, void **p, unsigned tag)
{
    ck_assert_int_eq(dalloc_alloc(&heap, n, p), DALLOC_OK);
    test_fill(*p, n, tag);
}

static void free_ok(void **p)
{
    ck_assert_int_eq(dalloc_free(&heap, p, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_ptr_null(*p);
}

/* The largest request a block of size bytes serves. */
static size_t payload_of(size_t size) { return size - dalloc_header_size() - TEST_GUARD_ROOM; }

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

/* A freed block in the cache is free to every observer at once: the heap's
 * figures, validation, a second free, its zeroed bytes. */
START_TEST(cached_block_is_freed)
{
    void *a = NULL, *b = NULL, *c = NULL, *copy;
    uint32_t used, count;
    alloc_ok(64, &a, 1);
    alloc_ok(100, &b, 2);
    alloc_ok(64, &c, 3);
    used = heap.offset;
    count = heap.alloc_info.allocations_num;
    copy = b;
    free_ok(&b);
    HOLDS(1);
    ck_assert_uint_eq(heap.offset, used - test_block_size(100));
    ck_assert_uint_eq(heap.alloc_info.allocations_num, count - 1);
    if (TEST_FILL_FREED && quick_on()) /* (a hole keeps its links and size in some of its bytes) */
        ck_assert(all_zero(copy, 100));
    ck_assert_int_eq(dalloc_validate(&heap, &copy, USING_PTR_VALUE, NULL), DALLOC_E_NOTBLOCK);
    HOLDS(1); /* a query leaves the cache as it is */
    TEST_HEAP_OK(&heap);
    HOLDS(1); /* so does the check */
    ck_assert_int_eq(dalloc_fixed_free(&heap, copy), DALLOC_E_NOTBLOCK);
    SETTLED(); /* a refused call may merge the cache; nothing else changed */
    ck_assert_int_eq(dalloc_free(&heap, &copy, USING_PTR_VALUE), DALLOC_E_NOTBLOCK);
    ck_assert_ptr_nonnull(copy);
    ck_assert(test_verify(a, 64, 1));
    ck_assert(test_verify(c, 64, 3));
    ck_assert_uint_eq(test_stats(&heap).live_blocks, 2);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* The last block freed of a size is the next one given for that size, and
 * a cached block is given only for its exact size. */
START_TEST(reuse_by_exact_size)
{
    void *a = NULL, *b = NULL, *c = NULL, *d = NULL, *x = NULL, *y = NULL, *z = NULL;
    void *ka, *kc;
    alloc_ok(100, &a, 1);
    alloc_ok(200, &d, 4);
    alloc_ok(100, &c, 3);
    alloc_ok(40, &b, 2);
    ka = a;
    kc = c;
    free_ok(&a);
    free_ok(&c);
    HOLDS(2);
    alloc_ok(200, &x, 5); /* another size: from the gap */
    ck_assert_ptr_ne(x, ka);
    ck_assert_ptr_ne(x, kc);
    HOLDS(2);
    alloc_ok(100, &y, 6);
    alloc_ok(100, &z, 7);
    if (quick_on()) {
        ck_assert_ptr_eq(y, kc);
        ck_assert_ptr_eq(z, ka);
    }
    HOLDS(0);
    ck_assert(test_verify(b, 40, 2));
    ck_assert(test_verify(d, 200, 4));
    ck_assert(test_verify(x, 200, 5));
    ck_assert(test_verify(y, 100, 6));
    ck_assert(test_verify(z, 100, 7));
    ck_assert_int_eq(dalloc_validate(&heap, &y, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_uint_eq(test_stats(&heap).live_blocks, 5);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* Each kind of call returns the cached blocks to free space before it
 * acts: afterwards the free space is what it would be without the cache
 * (two freed neighbours make one hole). */
typedef void (*call_fn)(void **keep);
static void call_stats(void **keep)
{
    (void)keep;
    (void)test_stats(&heap);
}
static void call_compact(void **keep)
{
    (void)keep;
    (void)dalloc_compact(&heap);
}
static void call_step(void **keep)
{
    (void)keep;
    (void)dalloc_compact_step(&heap, 1);
}
static void call_realloc(void **keep) { ck_assert_int_eq(dalloc_realloc(&heap, 48, keep), DALLOC_OK); }
static void call_pin(void **keep) { ck_assert_int_eq(dalloc_pin(&heap, keep), DALLOC_OK); }
static void call_fixed(void **keep)
{
    (void)keep;
    ck_assert_ptr_nonnull(dalloc_malloc(&heap, 3000));
}
static void call_module(void **keep)
{
    dalloc_module_t m;
    (void)keep;
    ck_assert_int_eq(dalloc_module_register(&heap, "m", &m), DALLOC_OK);
}
static void call_owner_inside(void **keep)
{
    void **slot = (void **)*keep; /* a word of a live block */
    *slot = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, 16, slot), DALLOC_OK);
}
static void call_map(void **keep)
{
    char map[64];
    (void)keep;
    (void)dalloc_heap_map(&heap, map, sizeof map - 1);
}
static void call_refused(void **keep)
{
    void *nobody = NULL;
    (void)keep;
    ck_assert_int_eq(dalloc_replace(&heap, &nobody, keep), DALLOC_E_NOTBLOCK);
}

/* Each call, whether it may close the hole the two freed blocks make (a
 * compaction), and how many of keep's bytes it leaves as they were. */
static const struct {
    call_fn fn;
    bool compacts;
    size_t keep_kept;
} calls[] = {
    {call_stats, false, 64},  {call_compact, true, 64}, {call_step, true, 64},
    {call_realloc, false, 48}, {call_pin, false, 64},   {call_fixed, false, 64},
    {call_module, false, 64}, {call_owner_inside, false, 0}, /* it writes keep's first word */
    {call_map, false, 64},    {call_refused, false, 64},
};

START_TEST(other_calls_settle_first)
{
    void *a = NULL, *b = NULL, *c = NULL, *keep = NULL;
    dalloc_stats_t st;
    alloc_ok(64, &keep, 9);
    alloc_ok(64, &a, 1);
    alloc_ok(64, &b, 2);
    alloc_ok(64, &c, 3); /* keeps a and b off the gap */
    free_ok(&a);
    free_ok(&b);
    HOLDS(2);
    calls[_i].fn(&keep);
    SETTLED();
    st = test_stats(&heap);
    if (!calls[_i].compacts) {
        ck_assert_uint_ge(st.free_blocks, 1);
        ck_assert_uint_ge(st.largest_free, payload_of(2 * test_block_size(64)));
    }
    ck_assert(test_verify(c, 64, 3));
    if (calls[_i].keep_kept != 0)
        ck_assert(test_verify(keep, calls[_i].keep_kept, 9));
    TEST_HEAP_OK(&heap);
}
END_TEST

/* Space held by the cache never causes a refusal: a request that needs the
 * cached blocks merged (and the gap the cache's table sits in) is served,
 * under each policy that can serve it. */
START_TEST(no_refusal_while_space)
{
    static const dalloc_policy_t pol[] = {DALLOC_COMPACT_ON_DEMAND, DALLOC_COMPACT_MANUAL};
    void *p[800], *big = NULL;
    size_t n = 0, i, run = n, want;
    ck_assert_int_eq(dalloc_set_policy(&heap, pol[_i]), DALLOC_OK);
    memset(p, 0, sizeof p);
    while (n < 800 && dalloc_alloc(&heap, 56, &p[n]) == DALLOC_OK) {
        test_fill(p[n], 56, (unsigned)n);
        n++;
    }
    ck_assert_uint_gt(n, 100);
    ck_assert_uint_lt(n, 800);
    /* The heap is full: no room in the gap for the cache's table, so a run
     * of neighbours freed in the middle becomes one hole. */
    run = n / 2;
    for (i = run; i < run + 40; i++)
        free_ok(&p[i]);
    HOLDS(0);
    /* Room in the gap (the topmost blocks go to it), then settled. */
    for (i = n - 8; i < n; i++)
        free_ok(&p[i]);
    (void)test_stats(&heap);
    SETTLED();
    /* The run's lower neighbour goes to the cache: the hole it completes
     * can be served only once the cache is settled. */
    free_ok(&p[run - 1]);
    HOLDS(1);
    want = payload_of(41 * test_block_size(56));
    ck_assert_int_eq(dalloc_alloc(&heap, want, &big), DALLOC_OK);
    SETTLED();
    ck_assert_ptr_eq(big, (uint8_t *)p[run - 2] + test_block_size(56));
    test_fill(big, want, 77);
    for (i = 0; i < n - 8; i++)
        if (p[i] != NULL)
            ck_assert(test_verify(p[i], 56, (unsigned)i));
    ck_assert(test_verify(big, want, 77));
    TEST_HEAP_OK(&heap);
}
END_TEST

/* The table lives at the top of the gap; a request for the whole gap (the
 * table's bytes included) is served once the cache is settled, and so is
 * a fixed block carved from the gap's top. */
START_TEST(gap_under_the_table)
{
    void *a = NULL, *b = NULL, *c = NULL, *whole = NULL;
    size_t gap;
    uint8_t *f;
    alloc_ok(64, &a, 1);
    alloc_ok(64, &b, 2);
    free_ok(&a);
    HOLDS(1);
    if (quick_on()) {
        ck_assert_ptr_nonnull(heap.ctl->qbins);
        ck_assert((uint8_t *)heap.ctl->qbins >= heap.ctl->rtop);
        ck_assert((uint8_t *)heap.ctl->qbins < heap.ctl->fbot);
    }
    gap = (size_t)(heap.ctl->fbot - heap.ctl->rtop);
    alloc_ok(payload_of(gap), &whole, 3);
    SETTLED();
    ck_assert_ptr_eq((uint8_t *)whole - dalloc_header_size() + gap, heap.ctl->fbot);
    free_ok(&whole); /* to the gap again */
    alloc_ok(64, &a, 4);
    free_ok(&a);
    HOLDS(1);
    f = (uint8_t *)dalloc_malloc(&heap, 1000);
    ck_assert_ptr_nonnull(f);
    SETTLED();
    memset(f, 0x5a, 1000);
    alloc_ok(64, &c, 5);
    ck_assert(test_verify(b, 64, 2));
    ck_assert(test_verify(c, 64, 5));
    TEST_HEAP_OK(&heap);
}
END_TEST

/* What the cache does not take: blocks with owners inside, pinned blocks,
 * module blocks, frees through a copy, frees under COMPACT_ON_FREE; and
 * never more than QUICK_CAP blocks. */
START_TEST(what_is_not_cached)
{
    void *p[QUICK_CAP + 8], *pin = NULL, *mod = NULL, *holder = NULL, *copy = NULL;
    void **slot;
    dalloc_module_t m;
    size_t i;
    alloc_ok(64, &holder, 1);
    slot = (void **)holder;
    *slot = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, 32, slot), DALLOC_OK); /* holder owns a block */
    alloc_ok(64, &pin, 2);
    ck_assert_int_eq(dalloc_pin(&heap, &pin), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_register(&heap, "m", &m), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 64, &mod, m), DALLOC_OK);
    alloc_ok(64, &copy, 3);
    ck_assert_int_eq(dalloc_free(&heap, &holder, USING_PTR_ADDRESS), DALLOC_E_BUSY); /* it owns a block */
    ck_assert_ptr_nonnull(holder);
    SETTLED();
    ck_assert_int_eq(dalloc_free(&heap, slot, USING_PTR_ADDRESS), DALLOC_OK); /* owner in the heap, block plain */
    HOLDS(1);
    ck_assert_int_eq(dalloc_free(&heap, &holder, USING_PTR_ADDRESS), DALLOC_OK);
    TEST_HEAP_OK(&heap);
    SETTLED();
    ck_assert_int_eq(dalloc_free(&heap, &pin, USING_PTR_ADDRESS), DALLOC_OK);
    SETTLED();
    ck_assert_int_eq(dalloc_free(&heap, &mod, USING_PTR_ADDRESS), DALLOC_OK);
    SETTLED();
    {
        void *v = copy;
        ck_assert_int_eq(dalloc_free(&heap, &v, USING_PTR_VALUE), DALLOC_OK);
        ck_assert_ptr_null(copy); /* the registered owner is cleared too */
    }
    SETTLED();
    memset(p, 0, sizeof p);
    for (i = 0; i < QUICK_CAP + 8; i++)
        alloc_ok(64, &p[i], (unsigned)i);
    for (i = 0; i < QUICK_CAP + 8; i++)
        free_ok(&p[i]);
    HOLDS(QUICK_CAP);
    ck_assert_uint_eq(test_stats(&heap).live_blocks, 0);
    TEST_HEAP_OK(&heap);
    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_ON_FREE), DALLOC_OK);
    alloc_ok(64, &p[0], 1);
    alloc_ok(64, &p[1], 2);
    free_ok(&p[0]);
    SETTLED();
    ck_assert(test_verify(p[1], 64, 2));
    TEST_HEAP_OK(&heap);
}
END_TEST

/* A block whose registered owner is its own last word (found by the
 * fuzzer): freeing it through that owner clears the owner before the block
 * becomes free space, whether the cache takes it or is full. */
START_TEST(owner_in_the_block_itself)
{
    void *fill[QUICK_CAP], *r = NULL, *keep = NULL, *below = NULL, *above = NULL;
    void **self;
    size_t i;
    memset(fill, 0, sizeof fill);
    alloc_ok(64, &keep, 1);
    for (i = 0; i < QUICK_CAP; i++)
        alloc_ok(64, &fill[i], (unsigned)i);
    /* r between two live blocks: freed, it is a hole of its own, with its
     * size in its last word (no neighbour merged later rewrites it). */
    alloc_ok(24, &below, 3);
    ck_assert_int_eq(dalloc_alloc(&heap, 2 * sizeof(void *), &r), DALLOC_OK);
    alloc_ok(64, &above, 2);
    self = (void **)r + 1;
    *self = NULL;
    ck_assert_int_eq(dalloc_replace(&heap, &r, self), DALLOC_OK);
    ck_assert_ptr_null(r);
    /* A full cache (round 1): the block goes to free space at once. */
    for (i = 0; i < QUICK_CAP; i++)
        free_ok(&fill[i]);
    HOLDS(QUICK_CAP);
    /* (self lies in the freed block: not read after the call) */
    ck_assert_int_eq(dalloc_free(&heap, self, USING_PTR_ADDRESS), DALLOC_OK);
    HOLDS(QUICK_CAP);
    TEST_HEAP_OK(&heap);
    /* The same with room in the cache. */
    ck_assert_int_eq(dalloc_alloc(&heap, 2 * sizeof(void *), &r), DALLOC_OK);
    self = (void **)r + 1;
    *self = NULL;
    ck_assert_int_eq(dalloc_replace(&heap, &r, self), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, self, USING_PTR_ADDRESS), DALLOC_OK);
    HOLDS(1);
    TEST_HEAP_OK(&heap);
    ck_assert(test_verify(keep, 64, 1));
    ck_assert(test_verify(above, 64, 2));
    ck_assert(test_verify(below, 24, 3));
}
END_TEST

/* dalloc_check() reads the cache as it is (read only) and finds it
 * damaged without following a bad link: a link, a size, a flag or a
 * bitmap bit of a cached block, the count, the table's place. */
START_TEST(check_reads_the_cache)
{
    void *a = NULL, *b = NULL, *c = NULL, *d = NULL, *ka, *kc;
    ctl_t *ctl = heap.ctl;
    blk_t *ba, *bc;
    size_t save, i;
    link_t *tab;
    if (!quick_on())
        return; /* nothing cached to damage */
    alloc_ok(48, &a, 1);
    alloc_ok(48, &b, 2);
    alloc_ok(48, &c, 3);
    alloc_ok(48, &d, 4);
    ka = a;
    kc = c;
    free_ok(&a);
    free_ok(&c); /* c's link: a */
    HOLDS(2);
    ba = (blk_t *)(void *)((uint8_t *)ka - dalloc_header_size());
    bc = (blk_t *)(void *)((uint8_t *)kc - dalloc_header_size());
    TEST_HEAP_OK(&heap);
    HOLDS(2);
    for (i = 0; i < 6; i++) {
        fblk_t *fc = (fblk_t *)(void *)bc;
        link_t link = fc->next;
        uint32_t count = ctl->qcount;
        save = bc->szf;
        tab = ctl->qbins;
        switch (i) {
        case 0: fc->next = 0; break;                       /* list cut short */
        case 1: fc->next = 0x41; break;                    /* a link into nowhere */
        case 2: bc->szf += (size_t)1 << SZ_SHIFT; break;   /* a size of another list */
        case 3: bc->szf |= F_PINNED; break;                /* not plain */
        case 4: ctl->qcount = count + 1; break;            /* a count too high */
        default: ctl->qbins = (link_t *)(void *)ctl->lo; break; /* the table below rtop */
        }
        ck_assert_msg(dalloc_check(&heap) == DALLOC_E_CORRUPT, "damage %zu not found", i);
        fc->next = link;
        bc->szf = save;
        ctl->qcount = count;
        ctl->qbins = tab;
        TEST_HEAP_OK(&heap);
    }
    /* A cached block marked on the bitmap. */
    {
        size_t bit = (size_t)((uint8_t *)ba - ctl->lo) >> G_LOG2;
        ctl->bitmap[bit >> 5] |= (uint32_t)1 << (bit & 31u);
        ck_assert_int_eq(dalloc_check(&heap), DALLOC_E_CORRUPT);
        ctl->bitmap[bit >> 5] &= ~((uint32_t)1 << (bit & 31u));
    }
    HOLDS(2);
    TEST_HEAP_OK(&heap);
    ck_assert(test_verify(b, 48, 2));
    ck_assert(test_verify(d, 48, 4));
}
END_TEST

/* The fixed blocks' common paths leave the cache as it is. */
START_TEST(fixed_paths_leave_the_cache)
{
    void *a = NULL, *b = NULL;
    uint8_t *f, *g, *h2;
    f = (uint8_t *)dalloc_malloc(&heap, 400);
    g = (uint8_t *)dalloc_malloc(&heap, 100);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(g);
    alloc_ok(64, &a, 1);
    alloc_ok(64, &b, 2);
    ck_assert_int_eq(dalloc_fixed_free(&heap, f), DALLOC_OK); /* a fixed hole */
    free_ok(&a);
    HOLDS(1);
    h2 = (uint8_t *)dalloc_malloc(&heap, 100); /* from the fixed hole, split */
    ck_assert_ptr_eq(h2, f);
    HOLDS(1);
    memset(h2, 0x77, 100);
    ck_assert_int_eq(dalloc_fixed_free(&heap, g), DALLOC_OK);
    ck_assert_int_eq(dalloc_fixed_free(&heap, h2), DALLOC_OK); /* merged with both neighbours */
    HOLDS(1);
    TEST_HEAP_OK(&heap);
    alloc_ok(64, &a, 3);
    HOLDS(0);
    ck_assert(test_verify(a, 64, 3));
    ck_assert(test_verify(b, 64, 2));
    TEST_HEAP_OK(&heap);
}
END_TEST

/* Reset and deinit with blocks in the cache. */
START_TEST(reset_with_cached_blocks)
{
    void *a = NULL, *b = NULL;
    alloc_ok(64, &a, 1);
    alloc_ok(64, &b, 2);
    free_ok(&a);
    HOLDS(1);
    ck_assert_int_eq(dalloc_heap_reset(&heap), DALLOC_OK);
    SETTLED();
    ck_assert_uint_eq(heap.offset, 0);
    ck_assert_uint_eq(heap.alloc_info.allocations_num, 0);
    alloc_ok(64, &a, 3);
    free_ok(&a);
    HOLDS(1);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* A long random run of the common calls only (nothing settles the cache
 * but the allocations that need it), with every block's contents and
 * owner checked now and then, and the heap at the end. */
START_TEST(random_common_calls)
{
    enum { SLOTS = 96 };
    void *slot[SLOTS];
    size_t len[SLOTS];
    unsigned tag[SLOTS];
    uint32_t seed = 12345;
    unsigned step, i, most = 0;
    memset(slot, 0, sizeof slot);
    for (step = 0; step < 60000; step++) {
        unsigned k = test_rand(&seed) % SLOTS;
        if (slot[k] == NULL) {
            size_t n = 16 + test_rand(&seed) % (test_rand(&seed) % 4 == 0 ? 900 : 200);
            dalloc_status_t st = dalloc_alloc(&heap, n, &slot[k]);
            ck_assert_msg(st == DALLOC_OK || (st == DALLOC_E_NOMEM && slot[k] == NULL), "step %u: %s", step,
                          dalloc_strerror(st));
            if (st == DALLOC_OK) {
                len[k] = n;
                tag[k] = step;
                test_fill(slot[k], n, step);
            }
        } else {
            ck_assert(test_verify(slot[k], len[k], tag[k]));
            free_ok(&slot[k]);
        }
        if (heap.ctl->qcount > most)
            most = heap.ctl->qcount;
    }
    if (quick_on())
        ck_assert_uint_gt(most, 8);
    for (i = 0; i < SLOTS; i++)
        if (slot[i] != NULL) {
            ck_assert(test_verify(slot[i], len[i], tag[i]));
            ck_assert_int_eq(dalloc_validate(&heap, &slot[i], USING_PTR_ADDRESS, NULL), DALLOC_OK);
        }
    TEST_HEAP_OK(&heap);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("quick");
    TCase *tc = tcase_create("quick");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, cached_block_is_freed);
    tcase_add_test(tc, reuse_by_exact_size);
    tcase_add_loop_test(tc, other_calls_settle_first, 0, (int)(sizeof calls / sizeof calls[0]));
    tcase_add_loop_test(tc, no_refusal_while_space, 0, 2);
    tcase_add_test(tc, gap_under_the_table);
    tcase_add_test(tc, what_is_not_cached);
    tcase_add_test(tc, owner_in_the_block_itself);
    tcase_add_test(tc, check_reads_the_cache);
    tcase_add_test(tc, fixed_paths_leave_the_cache);
    tcase_add_test(tc, reset_with_cached_blocks);
    tcase_add_test(tc, random_common_calls);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return test_run_suite(suite()); }
