/*
 * test_reloc.c - relocatable blocks through the dalloc_ API.
 *
 * Covers:
 *  - dalloc_alloc: payload alignment and accounting; size 0 (DALLOC_E_ARG,
 *    *owner NULL); huge sizes near SIZE_MAX (DALLOC_E_SIZE or NOMEM, never a
 *    wrapped success); DALLOC_E_NOMEM leaving the heap exactly as it was
 *    (stats and the arena bytes); an owner that already owns a live block,
 *    a misaligned owner, an owner in free space / in the gap / in a header
 *    (DALLOC_E_OWNER, nothing changed); an owner inside a live block (fine);
 *  - dalloc_free by USING_PTR_ADDRESS and USING_PTR_VALUE: both clear the
 *    registered pointer and the variable given; the freed payload is zeroed;
 *    foreign, other-heap, interior, stack, one-past-the-heap, NULL and
 *    already-freed pointers and unregistered copies are DALLOC_E_NOTBLOCK
 *    with the whole buffer unchanged; pinned blocks free normally;
 *  - dalloc_realloc: shrink in place, grow in place into a hole and into
 *    the top gap, grow by moving (owner rewritten, contents kept), *owner
 *    NULL acting as alloc, every refusal leaving block and pointer as they
 *    were (also when the heap had to be compacted first), pinned blocks
 *    (DALLOC_E_PINNED only when a move is needed);
 *  - dalloc_replace: the new owner gets the block, the old one is cleared
 *    and never written again, later moves rewrite only the new one;
 *    refusals (owner of a live block, free space, misaligned, not a block);
 *  - dalloc_validate: both modes, index output and its meaning, stale and
 *    foreign pointers refused, never writes the heap;
 *  - dalloc_pin / dalloc_unpin: a pinned block never moves across
 *    dalloc_compact(); unpinning lets compaction close the hole below it;
 *    pins do not nest.
 */
#include "testutil.h"

#define ALIGN ((size_t)DALLOC_ALIGNMENT)
#define HEAP_SIZE 8192

static dalloc_heap_t heap, other;
TEST_BUFFER(buf, HEAP_SIZE);
TEST_BUFFER(buf2, 2048);
TEST_BUFFER(snap, HEAP_SIZE);
static uint8_t *lo; /* start of the arena (header of the first block) */

static void setup(void)
{
    void *first = NULL;
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    /* A fresh heap puts its first block at the start of its arena. */
    ck_assert_int_eq(dalloc_alloc(&heap, 1, &first), DALLOC_OK);
    lo = (uint8_t *)first - dalloc_header_size();
    ck_assert_int_eq(dalloc_free(&heap, &first, USING_PTR_ADDRESS), DALLOC_OK);
    TEST_SETTLE(&heap); /* the quick cache may hold it: the tests start from an empty arena */
    TEST_HEAP_OK(&heap);
}

static void teardown(void) { dalloc_heap_deinit(&heap); }

/* Snapshot of the whole buffer, compared later, of a settled heap
 * (TEST_SETTLE): a call refused may merge the blocks the quick cache holds
 * into free space, as any call but the common paths does, and must change
 * nothing else, to the byte. */
static void take_snapshot(void)
{
    TEST_SETTLE(&heap);
    test_raw_copy(snap, buf, HEAP_SIZE);
}
static int whole_buffer_same(void) { return test_raw_same(snap, buf, HEAP_SIZE); }
/* The arena alone (the control block holds the refusal counter). */
static int arena_same(void)
{
    size_t off = (size_t)(lo - buf);
    return test_raw_same(snap + off, buf + off, HEAP_SIZE - off);
}

static void *alloc_ok(size_t n, void **owner, unsigned tag)
{
    *owner = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, n, owner), DALLOC_OK);
    ck_assert_ptr_nonnull(*owner);
    test_fill(*owner, n, tag);
    return *owner;
}

/* ------------------------------------------------------------------------ */
/* dalloc_alloc                                                              */

START_TEST(alloc_accounts_and_aligns)
{
    void *p[24];
    size_t used = 0, n;
    int i;
    for (i = 0; i < 24; i++) {
        n = 1 + (size_t)i * 13;
        alloc_ok(n, &p[i], (unsigned)i);
        ck_assert_uint_eq((uintptr_t)p[i] % ALIGN, 0);
        used += test_block_size(n);
        ck_assert_uint_eq(heap.offset, used);
        ck_assert_uint_eq(heap.alloc_info.allocations_num, (uint32_t)i + 1);
        ck_assert_int_eq(dalloc_validate(&heap, &p[i], USING_PTR_ADDRESS, NULL), DALLOC_OK);
    }
    for (i = 0; i < 24; i++)
        ck_assert(test_verify(p[i], 1 + (size_t)i * 13, (unsigned)i));
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(alloc_size_zero)
{
    void *p = &p, *keep = NULL;
    dalloc_stats_t before, after;
    alloc_ok(40, &keep, 1);
    before = test_stats(&heap);
    take_snapshot();
    ck_assert_int_eq(dalloc_alloc(&heap, 0, &p), DALLOC_E_ARG);
    ck_assert_ptr_null(p);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert_uint_eq(after.refusals, before.refusals);
    ck_assert(whole_buffer_same());
    ck_assert_int_eq(dalloc_alloc(&heap, 0, NULL), DALLOC_E_ARG);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* Sizes whose rounding would wrap: refused, never a (tiny) block. */
START_TEST(alloc_huge_sizes)
{
    static const size_t exact[] = {SIZE_MAX, SIZE_MAX - 3, SIZE_MAX - 1, SIZE_MAX - DALLOC_ALIGNMENT + 1};
    void *p, *keep = NULL;
    dalloc_stats_t before;
    size_t k;
    alloc_ok(40, &keep, 1);
    before = test_stats(&heap);
    take_snapshot();
    for (k = 0; k < sizeof exact / sizeof exact[0]; k++) {
        p = &p;
        ck_assert_int_eq(dalloc_alloc(&heap, exact[k], &p), DALLOC_E_SIZE);
        ck_assert_ptr_null(p);
    }
    /* Everything near the top of size_t: no wrap-around success. */
    for (k = 0; k < 4 * dalloc_header_size() + 4 * ALIGN; k++) {
        dalloc_status_t st;
        p = &p;
        st = dalloc_alloc(&heap, SIZE_MAX - k, &p);
        ck_assert_msg(st == DALLOC_E_SIZE || st == DALLOC_E_NOMEM, "SIZE_MAX - %zu: %s", k, dalloc_strerror(st));
        ck_assert_ptr_null(p);
        st = dalloc_alloc(&heap, SIZE_MAX / 2 + k, &p);
        ck_assert(st == DALLOC_E_SIZE || st == DALLOC_E_NOMEM);
        ck_assert_ptr_null(p);
    }
#if SIZE_MAX > UINT32_MAX
    /* Past what heap_t.offset (uint32_t) can count: never a success. */
    p = &p;
    ck_assert_int_eq(dalloc_alloc(&heap, (size_t)UINT32_MAX + 1, &p), DALLOC_E_NOMEM);
    ck_assert_ptr_null(p);
#endif
    ck_assert_uint_eq(heap.offset, before.used_bytes);
    ck_assert(arena_same());
    ck_assert(test_verify(keep, 40, 1));
    TEST_HEAP_OK(&heap);
}
END_TEST

/* Refused for lack of memory: nothing changes but the refusal count. */
START_TEST(alloc_nomem_heap_unchanged)
{
    void *p[12], *q = &q;
    dalloc_stats_t before, after;
    int i;
    for (i = 0; i < 12; i++)
        alloc_ok(200, &p[i], (unsigned)i);
    for (i = 1; i < 12; i += 2)
        ck_assert_int_eq(dalloc_free(&heap, &p[i], USING_PTR_ADDRESS), DALLOC_OK);
    before = test_stats(&heap);
    take_snapshot();
    /* One byte more than the whole free space could hold in one block. */
    ck_assert_int_eq(dalloc_alloc(&heap, before.free_bytes - dalloc_header_size() + 1, &q), DALLOC_E_NOMEM);
    ck_assert_ptr_null(q);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert_uint_eq(after.refusals, before.refusals + 1);
    ck_assert(arena_same());
    for (i = 0; i < 12; i += 2)
        ck_assert(test_verify(p[i], 200, (unsigned)i));

    /* Manual policy: fits the free total, no hole: refused, nothing moved. */
    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_MANUAL), DALLOC_OK);
    before = test_stats(&heap);
    take_snapshot();
    q = &q;
    ck_assert_int_eq(dalloc_alloc(&heap, before.free_bytes - dalloc_header_size(), &q), DALLOC_E_NOMEM);
    ck_assert_ptr_null(q);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert(arena_same());
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(alloc_owner_already_owns)
{
    void *p = NULL, *keep;
    dalloc_stats_t before;
    alloc_ok(64, &p, 7);
    keep = p;
    before = test_stats(&heap);
    take_snapshot();
    ck_assert_int_eq(dalloc_alloc(&heap, 32, &p), DALLOC_E_OWNER);
    ck_assert_ptr_eq(p, keep);
    ck_assert(test_verify(p, 64, 7));
    ck_assert_int_eq(dalloc_validate(&heap, &p, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_uint_eq(heap.offset, before.used_bytes);
    ck_assert(whole_buffer_same());
    /* The same through dalloc_realloc with *owner NULL is not possible; but
     * the block can still be freed through its owner. */
    ck_assert_int_eq(dalloc_free(&heap, &p, USING_PTR_ADDRESS), DALLOC_OK);
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(alloc_misaligned_owner)
{
    static uint64_t words[4];
    size_t off;
    dalloc_stats_t before = test_stats(&heap), after;
    take_snapshot();
    for (off = 1; off < sizeof(void *); off++) {
        void **owner = (void **)(void *)((uint8_t *)words + off);
        ck_assert_int_eq(dalloc_alloc(&heap, 16, owner), DALLOC_E_OWNER);
        ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_OWNER);
    }
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert(whole_buffer_same());
    TEST_HEAP_OK(&heap);
}
END_TEST

/* Owners in free space (a hole, the top gap) or in a header: refused. */
START_TEST(alloc_owner_in_free_space)
{
    void *a = NULL, *b = NULL, *c = NULL, *inner = NULL;
    uint8_t *hole;
    void **bad[4];
    size_t k, hdr = dalloc_header_size();
    dalloc_stats_t before, after;

    alloc_ok(128, &a, 1);
    alloc_ok(128, &b, 2);
    alloc_ok(128, &c, 3);
    hole = (uint8_t *)b;
    ck_assert_int_eq(dalloc_free(&heap, &b, USING_PTR_ADDRESS), DALLOC_OK);
    bad[0] = (void **)(void *)(hole + 4 * sizeof(void *));          /* inside the hole */
    bad[1] = (void **)(void *)((uint8_t *)c + 256);                 /* in the top gap */
    bad[2] = (void **)(void *)((uint8_t *)c - hdr);                 /* c's header */
    bad[3] = (void **)(void *)((uint8_t *)a - hdr + sizeof(void *)); /* a's header */
    before = test_stats(&heap);
    take_snapshot();
    for (k = 0; k < 4; k++)
        ck_assert_msg(dalloc_alloc(&heap, 16, bad[k]) == DALLOC_E_OWNER, "owner %zu accepted", k);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert(whole_buffer_same());
    TEST_HEAP_OK(&heap);
    /* Inside a live block's payload is a fine place for an owner. */
    ck_assert_int_eq(dalloc_alloc(&heap, 16, (void **)a + 2), DALLOC_OK);
    inner = ((void **)a)[2];
    ck_assert_int_eq(dalloc_validate(&heap, &inner, USING_PTR_VALUE, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, (void **)a + 2, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* dalloc_free                                                               */

/* Bytes [from, to) of a region all zero? */
static int zero_between(const uint8_t *from, const uint8_t *to)
{
    return from >= to || test_raw_zero(from, (size_t)(to - from));
}

START_TEST(free_by_address)
{
    void *a = NULL, *b = NULL, *c = NULL, *copy;
    size_t used;
    alloc_ok(100, &a, 1);
    alloc_ok(300, &b, 2);
    alloc_ok(100, &c, 3);
    used = heap.offset;
    copy = b;
    ck_assert_int_eq(dalloc_free(&heap, &b, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_ptr_null(b);
    ck_assert_uint_eq(heap.offset, used - test_block_size(300));
    ck_assert_uint_eq(heap.alloc_info.allocations_num, 2);
    ck_assert_int_eq(dalloc_validate(&heap, &copy, USING_PTR_VALUE, NULL), DALLOC_E_NOTBLOCK);
    /* A hole keeps its links in its first word and its size in its last
     * (block.h); every other freed byte is zero. */
    if (TEST_FILL_FREED)
        ck_assert(zero_between((uint8_t *)copy + sizeof(void *), (uint8_t *)copy + 300 - sizeof(size_t)));
    else /* --disable-fill-freed: the user's bytes are left as they were */
        ck_assert(!zero_between((uint8_t *)copy + sizeof(void *), (uint8_t *)copy + 300 - sizeof(size_t)));
    /* The top block becomes the gap: all of it zero. */
    copy = c;
    ck_assert_int_eq(dalloc_free(&heap, &c, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_ptr_null(c);
    if (TEST_FILL_FREED)
        ck_assert(zero_between((uint8_t *)copy, (uint8_t *)copy + 100));
    ck_assert(test_verify(a, 100, 1));
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(free_by_value)
{
    void *a = NULL, *b = NULL, *copy;
    alloc_ok(100, &a, 1);
    alloc_ok(100, &b, 2);
    copy = a;
    ck_assert_int_eq(dalloc_free(&heap, &copy, USING_PTR_VALUE), DALLOC_OK);
    ck_assert_ptr_null(copy);
    ck_assert_ptr_null(a); /* the registered owner too */
    ck_assert_uint_eq(heap.offset, test_block_size(100));
    /* By value through the registered owner itself. */
    ck_assert_int_eq(dalloc_free(&heap, &b, USING_PTR_VALUE), DALLOC_OK);
    ck_assert_ptr_null(b);
    ck_assert_uint_eq(heap.offset, 0);
    ck_assert_uint_eq(heap.alloc_info.allocations_num, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* Pointers that are not live blocks of this heap: refused with the whole
 * buffer unchanged and the variable given left alone. */
START_TEST(free_not_a_block)
{
    static int foreign_static;
    int on_stack = 0;
    void *a = NULL, *b = NULL, *stale = NULL, *other_block = NULL, *copy;
    void *cases[10];
    size_t k, ncases = 0;
    dalloc_stats_t before, after;
    int cond;

    ck_assert_int_eq(dalloc_heap_init(&other, buf2, 2048), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&other, 32, &other_block), DALLOC_OK);
    alloc_ok(96, &a, 1);
    alloc_ok(40, &stale, 2);
    alloc_ok(96, &b, 3);
    copy = stale;
    ck_assert_int_eq(dalloc_free(&heap, &stale, USING_PTR_ADDRESS), DALLOC_OK);
    cases[ncases++] = &foreign_static;
    cases[ncases++] = &on_stack;
    cases[ncases++] = other_block;                  /* a block of another heap */
    cases[ncases++] = (uint8_t *)a + ALIGN;          /* interior, aligned */
    cases[ncases++] = (uint8_t *)a + 1;              /* interior, misaligned */
    cases[ncases++] = heap.mem + heap.total_size;   /* one past the heap */
    cases[ncases++] = copy;                         /* already freed */
    cases[ncases++] = NULL;
    cases[ncases++] = heap.mem;                     /* the control block */
    cases[ncases++] = (uint8_t *)b - dalloc_header_size(); /* a header */

    before = test_stats(&heap);
    take_snapshot();
    for (cond = 0; cond < 2; cond++) {
        for (k = 0; k < ncases; k++) {
            void *v = cases[k];
            dalloc_status_t st = dalloc_free(&heap, &v, (validate_ptr_condition_t)cond);
            ck_assert_msg(st == DALLOC_E_NOTBLOCK, "case %zu, cond %d: %s", k, cond, dalloc_strerror(st));
            ck_assert_ptr_eq(v, cases[k]);
            ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_NOTBLOCK);
        }
    }
    /* A copy of a live block is not its registered owner. */
    copy = a;
    ck_assert_int_eq(dalloc_free(&heap, &copy, USING_PTR_ADDRESS), DALLOC_E_NOTBLOCK);
    ck_assert_ptr_eq(copy, a);
    /* The already-freed owner (now NULL) by address. */
    ck_assert_int_eq(dalloc_free(&heap, &stale, USING_PTR_ADDRESS), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_free(&heap, NULL, USING_PTR_ADDRESS), DALLOC_E_ARG);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert_uint_eq(after.refusals, before.refusals);
    ck_assert(whole_buffer_same());
    ck_assert(test_verify(a, 96, 1) && test_verify(b, 96, 3));
    TEST_HEAP_OK(&heap);
    ck_assert_int_eq(dalloc_check(&other), DALLOC_OK);
}
END_TEST

START_TEST(free_pinned_block)
{
    void *a = NULL, *b = NULL;
    alloc_ok(64, &a, 1);
    alloc_ok(64, &b, 2);
    ck_assert_int_eq(dalloc_pin(&heap, &a), DALLOC_OK);
    ck_assert_uint_eq(test_stats(&heap).pinned_blocks, 1);
    ck_assert_int_eq(dalloc_free(&heap, &a, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_ptr_null(a);
    ck_assert_uint_eq(test_stats(&heap).pinned_blocks, 0);
    /* The hole it leaves can be compacted away. */
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    ck_assert_uint_eq(test_stats(&heap).free_blocks, 0);
    ck_assert(test_verify(b, 64, 2));
    TEST_HEAP_OK(&heap);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* dalloc_realloc                                                            */

START_TEST(realloc_shrink_in_place)
{
    void *a = NULL, *b = NULL, *keep;
    size_t used;
    alloc_ok(400, &a, 1);
    alloc_ok(64, &b, 2);
    keep = a;
    used = heap.offset;
    ck_assert_int_eq(dalloc_realloc(&heap, 50, &a), DALLOC_OK);
    ck_assert_ptr_eq(a, keep);
    ck_assert(test_verify(a, 50, 1));
    ck_assert_uint_eq(heap.offset, used - test_block_size(400) + test_block_size(50));
    ck_assert_uint_eq(test_stats(&heap).bytes_moved, 0);
    TEST_HEAP_OK(&heap);
    /* The tail went back to free space and serves a new block. */
    ck_assert_uint_eq(test_stats(&heap).free_blocks, 1);
    /* Shrinking by less than a block keeps the size or gives it back, but
     * never moves. */
    ck_assert_int_eq(dalloc_realloc(&heap, 49, &a), DALLOC_OK);
    ck_assert_ptr_eq(a, keep);
    ck_assert(test_verify(a, 49, 1));
    ck_assert(test_verify(b, 64, 2));
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(realloc_grow_in_place)
{
    void *a = NULL, *b = NULL, *c = NULL, *keep;
    alloc_ok(64, &a, 1);
    alloc_ok(200, &b, 2);
    alloc_ok(64, &c, 3);
    ck_assert_int_eq(dalloc_free(&heap, &b, USING_PTR_ADDRESS), DALLOC_OK);
    /* a grows into the hole after it. */
    keep = a;
    ck_assert_int_eq(dalloc_realloc(&heap, 64 + 150, &a), DALLOC_OK);
    ck_assert_ptr_eq(a, keep);
    ck_assert(test_verify(a, 64, 1));
    ck_assert_uint_eq(heap.offset, test_block_size(214) + test_block_size(64));
    ck_assert_uint_eq(test_stats(&heap).bytes_moved, 0);
    memset((uint8_t *)a + 64, 0x77, 150);
    ck_assert(test_verify(c, 64, 3));
    TEST_HEAP_OK(&heap);
    /* The top block grows into the gap. */
    keep = c;
    ck_assert_int_eq(dalloc_realloc(&heap, 3000, &c), DALLOC_OK);
    ck_assert_ptr_eq(c, keep);
    ck_assert(test_verify(c, 64, 3));
    ck_assert_uint_eq(test_stats(&heap).bytes_moved, 0);
    memset((uint8_t *)c + 64, 0x11, 3000 - 64);
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(realloc_grow_moves)
{
    void *a = NULL, *b = NULL, *copy;
    alloc_ok(100, &a, 1);
    alloc_ok(100, &b, 2);
    copy = a;
    ck_assert_int_eq(dalloc_realloc(&heap, 1000, &a), DALLOC_OK);
    ck_assert_ptr_ne(a, copy);
    ck_assert(test_verify(a, 100, 1));
    ck_assert_uint_eq((uintptr_t)a % ALIGN, 0);
    ck_assert_int_eq(dalloc_validate(&heap, &a, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &copy, USING_PTR_VALUE, NULL), DALLOC_E_NOTBLOCK);
    ck_assert_uint_eq(heap.offset, test_block_size(1000) + test_block_size(100));
    ck_assert_uint_eq(heap.alloc_info.allocations_num, 2);
    ck_assert_uint_eq(test_stats(&heap).bytes_moved, test_block_size(100));
    memset((uint8_t *)a + 100, 0x42, 900);
    ck_assert(test_verify(b, 100, 2));
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(realloc_null_owner_allocates)
{
    void *p = NULL;
    ck_assert_int_eq(dalloc_realloc(&heap, 40, &p), DALLOC_OK);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(heap.offset, test_block_size(40));
    ck_assert_int_eq(dalloc_validate(&heap, &p, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_realloc(&heap, 40, NULL), DALLOC_E_ARG);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* Refusals of every kind: block, pointer and arena as they were. */
START_TEST(realloc_refusals_untouched)
{
    void *a = NULL, *b = NULL, *copy, *q = NULL;
    dalloc_stats_t before;
    alloc_ok(100, &a, 1);
    alloc_ok(100, &b, 2);
    copy = a;
    before = test_stats(&heap);
    take_snapshot();
    ck_assert_int_eq(dalloc_realloc(&heap, before.free_bytes + 100, &a), DALLOC_E_NOMEM);
    ck_assert_ptr_eq(a, copy);
    ck_assert_int_eq(dalloc_realloc(&heap, SIZE_MAX, &a), DALLOC_E_SIZE);
    ck_assert_ptr_eq(a, copy);
    ck_assert_int_eq(dalloc_realloc(&heap, SIZE_MAX - 3, &a), DALLOC_E_SIZE);
    ck_assert_ptr_eq(a, copy);
    ck_assert_int_eq(dalloc_realloc(&heap, 0, &a), DALLOC_E_ARG);
    ck_assert_ptr_eq(a, copy);
    /* Not the registered owner. */
    q = a;
    ck_assert_int_eq(dalloc_realloc(&heap, 50, &q), DALLOC_E_NOTBLOCK);
    ck_assert_ptr_eq(q, copy);
    ck_assert(test_verify(a, 100, 1));
    ck_assert(arena_same());
    ck_assert_uint_eq(heap.offset, before.used_bytes);
    TEST_HEAP_OK(&heap);
}
END_TEST

/*
 * [x][a][b][filler][gap]; x is freed.  a asks for exactly the free total
 * more than it has: the library may compact first but cannot place the
 * block, and refuses.  "On refusal the block and *owner are untouched."
 */
START_TEST(realloc_refused_after_compaction_untouched)
{
    void *x = NULL, *a = NULL, *b = NULL, *fill = NULL, *keep;
    size_t hdr = dalloc_header_size(), free_total;
    dalloc_stats_t st;
    dalloc_status_t r;
    alloc_ok(256, &x, 1);
    alloc_ok(256, &a, 2);
    alloc_ok(256, &b, 3);
    st = test_stats(&heap);
    alloc_ok(st.free_bytes - 128 - hdr, &fill, 4);
    ck_assert_int_eq(dalloc_free(&heap, &x, USING_PTR_ADDRESS), DALLOC_OK);
    free_total = test_stats(&heap).free_bytes;
    keep = a;
    r = dalloc_realloc(&heap, test_block_size(256) + free_total - hdr, &a);
    if (r == DALLOC_OK) {
        ck_assert(test_verify(a, 256, 2));
    } else {
        ck_assert_int_eq(r, DALLOC_E_NOMEM);
        ck_assert_msg(a == keep, "refused realloc moved the block (%p -> %p)", keep, a);
        ck_assert(test_verify(a, 256, 2));
    }
    ck_assert(test_verify(b, 256, 3));
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(realloc_pinned)
{
    void *a = NULL, *b = NULL, *c = NULL, *keep;
    alloc_ok(100, &a, 1);
    alloc_ok(100, &b, 2);
    alloc_ok(100, &c, 3);
    ck_assert_int_eq(dalloc_pin(&heap, &a), DALLOC_OK);
    keep = a;
    take_snapshot();
    /* Must move (b follows): refused. */
    ck_assert_int_eq(dalloc_realloc(&heap, 1000, &a), DALLOC_E_PINNED);
    ck_assert_ptr_eq(a, keep);
    ck_assert(whole_buffer_same());
    /* Shrinking and growing in place are allowed. */
    ck_assert_int_eq(dalloc_realloc(&heap, 60, &a), DALLOC_OK);
    ck_assert_ptr_eq(a, keep);
    ck_assert_int_eq(dalloc_realloc(&heap, 100, &a), DALLOC_OK);
    ck_assert_ptr_eq(a, keep);
    ck_assert(test_verify(a, 60, 1));
    ck_assert_int_eq(dalloc_pin(&heap, &c), DALLOC_OK);
    ck_assert_int_eq(dalloc_realloc(&heap, 2000, &c), DALLOC_OK); /* top: grows into the gap */
    ck_assert(test_verify(c, 100, 3));
    ck_assert_uint_eq(test_stats(&heap).pinned_blocks, 2);
    ck_assert_uint_eq(test_stats(&heap).bytes_moved, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* dalloc_replace                                                            */

START_TEST(replace_hands_over)
{
    void *x = NULL, *p = NULL, *q = NULL, *sentinel = &sentinel, *moved_from;
    alloc_ok(200, &x, 9);
    alloc_ok(80, &p, 1);
    moved_from = p;
    ck_assert_int_eq(dalloc_replace(&heap, &p, &q), DALLOC_OK);
    ck_assert_ptr_eq(q, moved_from);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(dalloc_validate(&heap, &q, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &p, USING_PTR_ADDRESS, NULL), DALLOC_E_NOTBLOCK);
    /* Make the block move: only q is rewritten. */
    p = sentinel;
    ck_assert_int_eq(dalloc_free(&heap, &x, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    ck_assert_ptr_ne(q, moved_from);
    ck_assert_ptr_eq(p, sentinel);
    ck_assert(test_verify(q, 80, 1));
    ck_assert_int_eq(dalloc_validate(&heap, &q, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    /* Replacing into itself changes nothing. */
    ck_assert_int_eq(dalloc_replace(&heap, &q, &q), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &q, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    /* Freed through the new owner. */
    ck_assert_int_eq(dalloc_free(&heap, &q, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_ptr_null(q);
    ck_assert_ptr_eq(p, sentinel);
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(replace_refusals)
{
    void *a = NULL, *b = NULL, *c = NULL, *ka, *kb, *free_copy;
    static uint64_t words[2];
    void **misaligned = (void **)(void *)((uint8_t *)words + 1);
    void **in_hole;
    void *nobody = NULL;
    alloc_ok(64, &a, 1);
    alloc_ok(64, &c, 3);
    alloc_ok(64, &b, 2);
    free_copy = c;
    ck_assert_int_eq(dalloc_free(&heap, &c, USING_PTR_ADDRESS), DALLOC_OK);
    in_hole = (void **)free_copy + 3;
    ka = a;
    kb = b;
    take_snapshot();
    ck_assert_int_eq(dalloc_replace(&heap, &a, &b), DALLOC_E_OWNER); /* b owns a live block */
    ck_assert_int_eq(dalloc_replace(&heap, &a, misaligned), DALLOC_E_OWNER);
    ck_assert_int_eq(dalloc_replace(&heap, &a, in_hole), DALLOC_E_OWNER);
    ck_assert_int_eq(dalloc_replace(&heap, &nobody, &c), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_replace(&heap, &free_copy, &c), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_replace(&heap, NULL, &c), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_replace(&heap, &a, NULL), DALLOC_E_ARG);
    ck_assert_ptr_eq(a, ka);
    ck_assert_ptr_eq(b, kb);
    ck_assert(whole_buffer_same());
    ck_assert_int_eq(dalloc_validate(&heap, &a, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &b, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* dalloc_validate                                                           */

START_TEST(validate_modes_and_index)
{
    void *a = NULL, *b = NULL, *x = NULL, *copy;
    uint32_t ia = 0, ib = 0, iv = 0, after = 0;
    alloc_ok(100, &x, 0);
    alloc_ok(100, &a, 1);
    alloc_ok(60, &b, 2);
    take_snapshot();
    ck_assert_int_eq(dalloc_validate(&heap, &a, USING_PTR_ADDRESS, &ia), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &b, USING_PTR_ADDRESS, &ib), DALLOC_OK);
    copy = a;
    ck_assert_int_eq(dalloc_validate(&heap, &copy, USING_PTR_VALUE, &iv), DALLOC_OK);
    ck_assert_uint_eq(iv, ia);
    /* The index is the header offset in granules: neighbours differ by the
     * lower block's size. */
    ck_assert_uint_eq((size_t)(ib - ia) * ALIGN, test_block_size(100));
    ck_assert_uint_eq((uintptr_t)((uint8_t *)a - dalloc_header_size() - lo), (uintptr_t)ia * ALIGN);
    ck_assert_int_eq(dalloc_validate(&heap, &a, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &copy, USING_PTR_ADDRESS, NULL), DALLOC_E_NOTBLOCK);
    ck_assert(whole_buffer_same()); /* never writes the heap */
    /* Stable until the block moves; after a move it follows the block. */
    ck_assert_int_eq(dalloc_free(&heap, &x, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &a, USING_PTR_ADDRESS, &after), DALLOC_OK);
    ck_assert_uint_eq(after, ia);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    ck_assert_int_eq(dalloc_validate(&heap, &a, USING_PTR_ADDRESS, &after), DALLOC_OK);
    ck_assert_uint_eq((size_t)(ia - after) * ALIGN, test_block_size(100));
    /* The stale copy no longer names a block start... */
    ck_assert_int_eq(dalloc_validate(&heap, &copy, USING_PTR_VALUE, NULL),
                     copy == b ? DALLOC_OK : DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_validate(&heap, &copy, USING_PTR_ADDRESS, NULL), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_validate(&heap, &a, (validate_ptr_condition_t)9, NULL), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_validate(&heap, NULL, USING_PTR_VALUE, NULL), DALLOC_E_ARG);
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(validate_false_for_stale_and_foreign)
{
    static int foreign;
    void *a = NULL, *b = NULL, *copy, *ob = NULL, *v;
    uint32_t idx;
    ck_assert_int_eq(dalloc_heap_init(&other, buf2, 2048), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&other, 40, &ob), DALLOC_OK);
    alloc_ok(64, &a, 1);
    alloc_ok(64, &b, 2);
    copy = a;
    ck_assert_int_eq(dalloc_free(&heap, &a, USING_PTR_ADDRESS), DALLOC_OK);
    take_snapshot();
    ck_assert_int_eq(dalloc_validate(&heap, &copy, USING_PTR_VALUE, &idx), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_validate(&heap, &a, USING_PTR_ADDRESS, &idx), DALLOC_E_NOTBLOCK);
    v = &foreign;
    ck_assert_int_eq(dalloc_validate(&heap, &v, USING_PTR_VALUE, &idx), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_validate(&heap, &ob, USING_PTR_VALUE, &idx), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_validate(&heap, &ob, USING_PTR_ADDRESS, &idx), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_validate(&other, &ob, USING_PTR_ADDRESS, &idx), DALLOC_OK);
    v = (uint8_t *)b + ALIGN;
    ck_assert_int_eq(dalloc_validate(&heap, &v, USING_PTR_VALUE, &idx), DALLOC_E_NOTBLOCK);
    v = heap.mem + heap.total_size;
    ck_assert_int_eq(dalloc_validate(&heap, &v, USING_PTR_VALUE, &idx), DALLOC_E_NOTBLOCK);
    ck_assert(whole_buffer_same());
    TEST_HEAP_OK(&heap);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* dalloc_pin / dalloc_unpin                                                 */

START_TEST(pin_never_moves)
{
    void *p[8], *keep;
    uint32_t idx0, idx1;
    int i;
    for (i = 0; i < 8; i++)
        alloc_ok(96, &p[i], (unsigned)i);
    ck_assert_int_eq(dalloc_pin(&heap, &p[4]), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &p[4], USING_PTR_ADDRESS, &idx0), DALLOC_OK);
    keep = p[4];
    for (i = 0; i < 8; i += 2)
        if (i != 4)
            ck_assert_int_eq(dalloc_free(&heap, &p[i], USING_PTR_ADDRESS), DALLOC_OK);
    (void)dalloc_compact(&heap);
    ck_assert_ptr_eq(p[4], keep);
    ck_assert_int_eq(dalloc_validate(&heap, &p[4], USING_PTR_ADDRESS, &idx1), DALLOC_OK);
    ck_assert_uint_eq(idx0, idx1);
    /* Compaction as the policies run it, and step by step: still there. */
    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_ON_FREE), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &p[7], USING_PTR_ADDRESS), DALLOC_OK);
    while (dalloc_compact_step(&heap, 4096) != 0)
        ;
    ck_assert_ptr_eq(p[4], keep);
    for (i = 1; i < 8; i += 2)
        if (p[i] != NULL)
            ck_assert(test_verify(p[i], 96, (unsigned)i));
    ck_assert(test_verify(p[4], 96, 4));
    ck_assert_uint_eq(test_stats(&heap).pinned_blocks, 1);
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(unpin_closes_hole)
{
    void *a = NULL, *b = NULL, *c = NULL, *keep;
    alloc_ok(200, &a, 1);
    alloc_ok(64, &b, 2);
    alloc_ok(64, &c, 3);
    ck_assert_int_eq(dalloc_pin(&heap, &b), DALLOC_OK);
    ck_assert_int_eq(dalloc_pin(&heap, &b), DALLOC_OK); /* no nesting */
    keep = b;
    ck_assert_int_eq(dalloc_free(&heap, &a, USING_PTR_ADDRESS), DALLOC_OK);
    (void)dalloc_compact(&heap);
    ck_assert_ptr_eq(b, keep);
    ck_assert_uint_eq(test_stats(&heap).free_blocks, 1); /* the hole below b stays */
    ck_assert_int_eq(dalloc_unpin(&heap, &b), DALLOC_OK);
    ck_assert_uint_eq(test_stats(&heap).pinned_blocks, 0);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    ck_assert_ptr_ne(b, keep);
    ck_assert_ptr_eq((uint8_t *)b, lo + dalloc_header_size()); /* slid to the bottom */
    ck_assert_uint_eq(test_stats(&heap).free_blocks, 0);
    ck_assert(test_verify(b, 64, 2));
    ck_assert(test_verify(c, 64, 3));
    ck_assert_int_eq(dalloc_unpin(&heap, &b), DALLOC_OK); /* unpinning an unpinned block */
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(pin_refusals)
{
    void *a = NULL, *copy;
    alloc_ok(64, &a, 1);
    copy = a;
    ck_assert_int_eq(dalloc_pin(&heap, &copy), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_unpin(&heap, &copy), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_pin(&heap, NULL), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_unpin(&heap, NULL), DALLOC_E_ARG);
    ck_assert_uint_eq(test_stats(&heap).pinned_blocks, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reloc");
    TCase *tc;

    tc = tcase_create("alloc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, alloc_accounts_and_aligns);
    tcase_add_test(tc, alloc_size_zero);
    tcase_add_test(tc, alloc_huge_sizes);
    tcase_add_test(tc, alloc_nomem_heap_unchanged);
    tcase_add_test(tc, alloc_owner_already_owns);
    tcase_add_test(tc, alloc_misaligned_owner);
    tcase_add_test(tc, alloc_owner_in_free_space);
    suite_add_tcase(s, tc);

    tc = tcase_create("free");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, free_by_address);
    tcase_add_test(tc, free_by_value);
    tcase_add_test(tc, free_not_a_block);
    tcase_add_test(tc, free_pinned_block);
    suite_add_tcase(s, tc);

    tc = tcase_create("realloc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, realloc_shrink_in_place);
    tcase_add_test(tc, realloc_grow_in_place);
    tcase_add_test(tc, realloc_grow_moves);
    tcase_add_test(tc, realloc_null_owner_allocates);
    tcase_add_test(tc, realloc_refusals_untouched);
    tcase_add_test(tc, realloc_refused_after_compaction_untouched);
    tcase_add_test(tc, realloc_pinned);
    suite_add_tcase(s, tc);

    tc = tcase_create("replace");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, replace_hands_over);
    tcase_add_test(tc, replace_refusals);
    suite_add_tcase(s, tc);

    tc = tcase_create("validate");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, validate_modes_and_index);
    tcase_add_test(tc, validate_false_for_stale_and_foreign);
    suite_add_tcase(s, tc);

    tc = tcase_create("pin");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, pin_never_moves);
    tcase_add_test(tc, unpin_closes_hole);
    tcase_add_test(tc, pin_refusals);
    suite_add_tcase(s, tc);

    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
