/*
 * test_compact_fast.c - a full compaction without pinned blocks takes a
 * path of its own in speed builds (compact.c: compact_all_fast(): holes
 * not taken off their lists one by one, plain runs moved in one walk);
 * it must leave exactly the heap the general path leaves.
 *
 * Covers:
 *  - the same heap compacted by dalloc_compact() and by a step with a
 *    finite budget too large to stop it (the general path): byte for byte
 *    the same blocks, bitmap, free-list index, cursor, figures and owners,
 *    over heaps mixing plain blocks, blocks that hold the owner of another
 *    (F_SLOTS), blocks that own themselves, module blocks (F_MOD, with a
 *    second module interleaved) and orphaned registrations;
 *  - pins: holes left below a pinned block, then the pin released (the
 *    cursor goes back below them) or the pinned block freed, then a full
 *    compaction swallows them all; two pins released one at a time; a step
 *    with a small budget before the full compaction; every case also
 *    compared with the general path;
 *  - an allocation whose owner lies in a block that the compaction it
 *    triggers (ON_DEMAND) moves: the owner is followed (ctl->track).
 */
#include "testutil.h"

#include "../src/heap_internal.h"

#define HEAP_SIZE (48 * 1024)
#define NB 200
#define W sizeof(void *)

static dalloc_heap_t heap;
TEST_BUFFER(buf, HEAP_SIZE);

static void *ext[NB];          /* owners outside the heap */
static size_t sz[NB];          /* user bytes, 0 when not live */
static int holder[NB];         /* -1, or the block whose first word owns this one */
static int self_owned[NB];     /* owned by its own first word (ext[] keeps its old address) */
static int orphaned[NB];       /* its registered owner was overwritten by the caller */
static dalloc_module_t mods[2];

/* What a compaction left, for comparing the two paths. */
typedef struct {
    uint8_t mem[HEAP_SIZE];
    void *ext[NB];
    size_t moved, offset;
    dalloc_stats_t st;
    uint8_t *rtop, *cursor, *fbot;
    size_t bytes_moved, ridx_bytes;
    uint32_t orphaned, compactions;
    size_t cl_bitmap[CL_WORDS];
} snap_t;
static snap_t snap_a, snap_b;

enum {
    O_SLOTS = 1,  /* owners inside blocks */
    O_SELF = 2,   /* blocks owning themselves */
    O_MOD = 4,    /* module blocks */
    O_ORPHAN = 8, /* registrations overwritten by the caller */
    O_PIN = 16,   /* a pin, released before the compaction under test */
    O_PIN2 = 32,  /* two pins released one at a time */
    O_PINFREE = 64, /* a pinned block freed */
    O_STEP = 128, /* small compaction steps first */
    O_ALL = 255
};

/* The address of live block i: its owner holds it. */
static void *addr(int i)
{
    if (self_owned[i])
        return NULL; /* not followed: see find_self() */
    if (holder[i] >= 0)
        return *(void **)addr(holder[i]);
    return ext[i];
}

static void **owner_of(int i) { return holder[i] >= 0 ? (void **)addr(holder[i]) : &ext[i]; }

static unsigned tag_of(int i) { return (unsigned)i * 13u + 5u; }

/* Pattern after the first word (which may own a block or itself). */
static void fill(int i) { test_fill((uint8_t *)addr(i) + W, sz[i] - W, tag_of(i)); }

/* Every live block (but self-owned ones) holds its pattern and is
 * registered where its owner is; the heap is intact. */
static void verify(void)
{
    int i;
    TEST_HEAP_OK(&heap);
    for (i = 0; i < NB; i++) {
        if (sz[i] == 0 || self_owned[i] || orphaned[i])
            continue;
        ck_assert_int_eq(dalloc_validate(&heap, owner_of(i), USING_PTR_ADDRESS, NULL), DALLOC_OK);
        ck_assert_msg(test_verify((uint8_t *)addr(i) + W, sz[i] - W, tag_of(i)), "block %d lost its contents", i);
    }
}

static void alloc_block(uint32_t *rng, int i, unsigned opts)
{
    size_t n = W + 8 + test_rand(rng) % 300;
    int j = (int)(test_rand(rng) % (uint32_t)(i + 1)), kind = (int)(test_rand(rng) % 8);
    void **owner = &ext[i];
    dalloc_status_t st;
    holder[i] = -1;
    self_owned[i] = 0;
    /* Owned by the first word of an earlier block that owns nothing yet
     * (holders are owned from outside, so addr() stays simple). */
    if ((opts & O_SLOTS) && kind < 2 && j < i && sz[j] != 0 && holder[j] < 0 && !self_owned[j] &&
        *(void **)ext[j] == NULL) {
        int k;
        for (k = 0; k < i; k++)
            if (holder[k] == j && sz[k] != 0)
                break;
        if (k == i) {
            holder[i] = j;
            owner = (void **)ext[j];
        }
    }
    if ((opts & O_MOD) && kind >= 5)
        st = dalloc_alloc_in(&heap, n, owner, mods[kind & 1]);
    else
        st = dalloc_alloc(&heap, n, owner);
    ck_assert_int_eq(st, DALLOC_OK);
    sz[i] = n;
    *(void **)*owner = NULL;
    fill(i);
    if ((opts & O_SELF) && holder[i] < 0 && kind == 4) {
        void *b = ext[i];
        ck_assert_int_eq(dalloc_replace(&heap, &ext[i], (void **)b), DALLOC_OK);
        self_owned[i] = 1;
        ext[i] = b; /* remembered, never used as an owner again */
    }
}

static int owns_something(int j)
{
    int k;
    for (k = 0; k < NB; k++)
        if (sz[k] != 0 && holder[k] == j)
            return 1;
    return 0;
}

static int children(void)
{
    int k, n = 0;
    for (k = 0; k < NB; k++)
        n += sz[k] != 0 && holder[k] >= 0;
    return n;
}

static int selves(void)
{
    int k, n = 0;
    for (k = 0; k < NB; k++)
        n += sz[k] != 0 && self_owned[k];
    return n;
}

static void free_block(int i)
{
    if (sz[i] == 0 || self_owned[i] || orphaned[i] || owns_something(i))
        return;
    ck_assert_int_eq(dalloc_free(&heap, owner_of(i), USING_PTR_ADDRESS), DALLOC_OK);
    sz[i] = 0;
}

/* The heap of scenario (seed, opts), up to the compaction under test.  The
 * buffer is set to one pattern first, so the same scenario gives the same
 * bytes everywhere, slack included. */
static void build(uint32_t seed, unsigned opts)
{
    uint32_t rng = seed;
    int i, pin1 = -1, pin2 = -1;
    TEST_RAW_BEGIN();
    memset(buf, 0xA5, HEAP_SIZE);
    TEST_RAW_END();
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_MANUAL), DALLOC_OK);
    memset(ext, 0, sizeof ext);
    memset(sz, 0, sizeof sz);
    memset(orphaned, 0, sizeof orphaned);
    if (opts & O_MOD) {
        ck_assert_int_eq(dalloc_module_register(&heap, "fast-a", &mods[0]), DALLOC_OK);
        ck_assert_int_eq(dalloc_module_register(&heap, "fast-b", &mods[1]), DALLOC_OK);
    }
    for (i = 0; i < NB; i++)
        alloc_block(&rng, i, opts);
    for (i = 0; i < NB; i++)
        if (test_rand(&rng) % 3 != 0)
            free_block(i);
    for (i = NB / 3; i < NB && (opts & (O_PIN | O_PIN2 | O_PINFREE)); i++)
        if (sz[i] != 0 && holder[i] < 0 && !self_owned[i] && !owns_something(i)) {
            if (pin1 < 0)
                pin1 = i;
            else if (i > pin1 + NB / 4) {
                pin2 = i;
                break;
            }
        }
    if (pin1 >= 0)
        ck_assert_int_eq(dalloc_pin(&heap, &ext[pin1]), DALLOC_OK);
    if (pin2 >= 0 && (opts & O_PIN2))
        ck_assert_int_eq(dalloc_pin(&heap, &ext[pin2]), DALLOC_OK);
    if (opts & O_ORPHAN)
        for (i = 0; i < NB; i += 7)
            if (sz[i] != 0 && holder[i] < 0 && !self_owned[i] && !owns_something(i) && i != pin1 && i != pin2)
            {
                ext[i] = &ext[i]; /* no longer the block's address */
                orphaned[i] = 1;
            }
    if (opts & O_STEP)
        for (i = 0; i < 3; i++)
            (void)dalloc_compact_step(&heap, 600);
    if (pin1 >= 0) {
        /* Holes stay below the pins; the cursor passes them. */
        (void)dalloc_compact(&heap);
        TEST_HEAP_OK(&heap);
        ck_assert_uint_gt(test_stats(&heap).free_blocks, 0);
        if (pin2 >= 0 && (opts & O_PIN2)) {
            ck_assert_int_eq(dalloc_unpin(&heap, &ext[pin2]), DALLOC_OK); /* the upper one first */
            (void)dalloc_compact(&heap);
            TEST_HEAP_OK(&heap);
        }
        if (opts & O_PINFREE) {
            ck_assert_int_eq(dalloc_free(&heap, &ext[pin1], USING_PTR_ADDRESS), DALLOC_OK);
            sz[pin1] = 0;
        } else {
            ck_assert_int_eq(dalloc_unpin(&heap, &ext[pin1]), DALLOC_OK);
        }
        ck_assert_uint_eq(heap.ctl->pinned, 0);
        /* Fill some holes again, so both kinds of free space are left. */
        for (i = 0; i < NB; i += 5)
            if (sz[i] == 0 && dalloc_alloc(&heap, W + 24, &ext[i]) == DALLOC_OK) {
                holder[i] = -1;
                self_owned[i] = 0;
                sz[i] = W + 24;
                *(void **)ext[i] = NULL;
                fill(i);
            }
    }
    TEST_HEAP_OK(&heap);
}

static void take(snap_t *s, size_t moved)
{
    ctl_t *c = heap.ctl;
    test_raw_copy(s->mem, buf, HEAP_SIZE);
    memcpy(s->ext, ext, sizeof ext);
    s->moved = moved;
    s->offset = heap.offset;
    s->st = test_stats(&heap);
    s->rtop = c->rtop;
    s->cursor = c->cursor;
    s->fbot = c->fbot;
    s->bytes_moved = c->bytes_moved;
    s->ridx_bytes = c->ridx.bytes;
    s->orphaned = c->orphaned;
    s->compactions = c->compactions;
    memcpy(s->cl_bitmap, c->ridx.cl_bitmap, sizeof s->cl_bitmap);
    ck_assert_ptr_null(c->track);
}

/* Compare the parts of two snapshots that mean something: the list heads
 * and bitmap (between the control block and lo), the blocks, the fixed
 * region; not the gap (stale bytes) nor the lists' sentinel. */
static void same(const snap_t *a, const snap_t *b)
{
    ctl_t *c = heap.ctl;
    size_t heads = (size_t)((uint8_t *)c->ridx.heads - buf), lo = (size_t)(c->lo - buf);
    size_t rtop = (size_t)(a->rtop - buf), fbot = (size_t)(a->fbot - buf), i;
    ck_assert_ptr_eq(a->rtop, b->rtop);
    ck_assert_ptr_eq(a->cursor, b->cursor);
    ck_assert_ptr_eq(a->fbot, b->fbot);
    ck_assert_uint_eq(a->moved, b->moved);
    ck_assert_uint_eq(a->offset, b->offset);
    ck_assert(test_stats_same(&a->st, &b->st));
    ck_assert_uint_eq(a->bytes_moved, b->bytes_moved);
    ck_assert_uint_eq(a->ridx_bytes, b->ridx_bytes);
    ck_assert_uint_eq(a->orphaned, b->orphaned);
    ck_assert_uint_eq(a->compactions, b->compactions);
    ck_assert(memcmp(a->cl_bitmap, b->cl_bitmap, sizeof a->cl_bitmap) == 0);
    ck_assert(memcmp(a->ext, b->ext, sizeof a->ext) == 0);
    for (i = heads; i < lo; i++)
        ck_assert_msg(a->mem[i] == b->mem[i], "heads/bitmap differ at byte %zu", i - heads);
    for (i = lo; i < rtop; i++)
        ck_assert_msg(a->mem[i] == b->mem[i], "blocks differ at offset %zu from lo", i - lo);
    ck_assert(memcmp(a->mem + fbot, b->mem + fbot, HEAP_SIZE - fbot) == 0);
}

/* Scenario (seed, opts) compacted by the general path, then rebuilt and
 * compacted by dalloc_compact(): the same heap. */
static void compare(uint32_t seed, unsigned opts)
{
    size_t m;
    build(seed, opts);
    m = dalloc_compact_step(&heap, (size_t)-2); /* a budget, so never the fast path */
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_OK);
    verify();
    take(&snap_a, m);
    dalloc_heap_deinit(&heap);

    build(seed, opts);
    m = dalloc_compact(&heap);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_OK);
    verify();
    take(&snap_b, m);
    same(&snap_a, &snap_b);
    ck_assert_uint_eq(snap_b.st.free_blocks, 0);
    ck_assert_uint_gt(m, 0);
    /* The scenario had what it was meant to have. */
    if (opts & O_ORPHAN)
        ck_assert_uint_gt(snap_b.orphaned, 0);
    if (opts & O_MOD)
        ck_assert_uint_gt(dalloc_module_list(&heap, NULL, 0), 0);
    if (opts & O_SLOTS)
        ck_assert(children() > 0);
    if (opts & O_SELF)
        ck_assert(selves() > 0);
    dalloc_heap_deinit(&heap);
}

START_TEST(plain_blocks)
{
    compare(0x1234u + (uint32_t)_i, 0);
}
END_TEST

START_TEST(owners_in_blocks)
{
    compare(0x5678u + (uint32_t)_i, O_SLOTS | O_SELF);
}
END_TEST

START_TEST(module_blocks)
{
    compare(0x9ABCu + (uint32_t)_i, O_MOD | O_SLOTS);
}
END_TEST

START_TEST(orphans)
{
    compare(0xDEF0u + (uint32_t)_i, O_ORPHAN | O_SLOTS);
}
END_TEST

START_TEST(pins_released)
{
    compare(0x2468u + (uint32_t)_i, O_PIN | O_SLOTS | O_MOD);
}
END_TEST

START_TEST(two_pins_released)
{
    compare(0x1357u + (uint32_t)_i, O_PIN | O_PIN2 | O_SELF);
}
END_TEST

START_TEST(pinned_block_freed)
{
    compare(0x8642u + (uint32_t)_i, O_PINFREE | O_SLOTS);
}
END_TEST

START_TEST(steps_first)
{
    compare(0x7531u + (uint32_t)_i, O_STEP | O_MOD);
}
END_TEST

START_TEST(everything)
{
    compare(0xC0DEu + (uint32_t)_i, O_ALL & ~O_PINFREE);
    compare(0xFACEu + (uint32_t)_i, O_ALL & ~O_PIN2);
}
END_TEST

/* ON_DEMAND: an allocation that needs a compaction, its owner in a block
 * that the compaction moves down. */
START_TEST(owner_followed_across_compaction)
{
    void *holder_p = NULL, *big = NULL;
    size_t n = 0;
    int i;
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    memset(ext, 0, sizeof ext);
    for (i = 0; i < NB && dalloc_alloc(&heap, 240, &ext[i]) == DALLOC_OK; i++)
        test_fill(ext[i], 240, tag_of(i));
    ck_assert_int_lt(i, NB);
    ck_assert_int_gt(i, 20);
    ck_assert_int_eq(dalloc_free(&heap, &ext[i - 1], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &holder_p), DALLOC_OK);
    *(void **)holder_p = NULL;
    for (i = 0; i < NB && ext[i] != NULL; i += 2) {
        ck_assert_int_eq(dalloc_free(&heap, &ext[i], USING_PTR_ADDRESS), DALLOC_OK);
        n += test_block_size(240);
    }
    ck_assert_uint_lt(test_stats(&heap).largest_free, n / 2);
    ck_assert_int_eq(dalloc_alloc(&heap, n / 2, (void **)holder_p), DALLOC_OK);
    big = *(void **)holder_p;
    ck_assert_ptr_nonnull(big);
    ck_assert_uint_eq(test_stats(&heap).compactions, 1);
    ck_assert_int_eq(dalloc_validate(&heap, (void **)holder_p, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    for (i = 1; i < NB && ext[i] != NULL; i += 2)
        ck_assert(test_verify(ext[i], 240, tag_of(i)));
    TEST_HEAP_OK(&heap);
    ck_assert_int_eq(dalloc_free(&heap, (void **)holder_p, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &holder_p, USING_PTR_ADDRESS), DALLOC_OK);
    TEST_HEAP_OK(&heap);
    dalloc_heap_deinit(&heap);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compact_fast");
    TCase *tc = tcase_create("same_as_general");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, plain_blocks, 0, 4);
    tcase_add_loop_test(tc, owners_in_blocks, 0, 4);
    tcase_add_loop_test(tc, module_blocks, 0, 4);
    tcase_add_loop_test(tc, orphans, 0, 3);
    tcase_add_loop_test(tc, pins_released, 0, 4);
    tcase_add_loop_test(tc, two_pins_released, 0, 4);
    tcase_add_loop_test(tc, pinned_block_freed, 0, 4);
    tcase_add_loop_test(tc, steps_first, 0, 4);
    tcase_add_loop_test(tc, everything, 0, 4);
    suite_add_tcase(s, tc);
    tc = tcase_create("track");
    tcase_add_test(tc, owner_followed_across_compaction);
    suite_add_tcase(s, tc);
    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
