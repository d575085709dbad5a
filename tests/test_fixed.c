/*
 * test_fixed.c - fixed blocks: dalloc_malloc, dalloc_aligned_alloc,
 * dalloc_calloc, dalloc_fixed_alloc, dalloc_fixed_realloc and
 * dalloc_fixed_free.
 *
 * What is checked: fixed blocks are aligned and never move (compaction moves
 * only relocatable blocks); they are carved from the top of the heap while
 * relocatable blocks grow from the bottom, so they never split the space
 * compaction gathers; alignment and size arguments are validated; realloc
 * resizes in place when it can and keeps contents and alignment when it
 * moves; free refuses every address that is not a live fixed block without
 * changing a byte of the heap; freed space is merged at once; and a fixed
 * block may hold the registered owner of a relocatable block.
 * dalloc_check() is run after every mutating step.
 */
#include "testutil.h"

#define HEAP_SIZE 65536u
#define ALIGN ((uintptr_t)DALLOC_ALIGNMENT)

TEST_BUFFER(buf, HEAP_SIZE);
static uint8_t snap[HEAP_SIZE];
static dalloc_heap_t heap;

#define CHECK_HEAP() ck_assert_int_eq(dalloc_check(&heap), DALLOC_OK)
#define ASSERT_UNCHANGED() ck_assert_msg(test_raw_same(snap, buf, HEAP_SIZE), "the heap buffer was modified")
#define ASSERT_ERROR(e) ck_assert_int_eq(dalloc_last_error(&heap), (e))

static void setup(void)
{
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
}

static void teardown(void)
{
    dalloc_heap_deinit(&heap);
}

static dalloc_stats_t stats(void)
{
    dalloc_stats_t st;
    ck_assert_int_eq(dalloc_get_stats(&heap, &st), DALLOC_OK);
    return st;
}

static void snapshot(void)
{
    test_raw_copy(snap, buf, HEAP_SIZE);
}

/* The buffer from address `from` to its end is as in the snapshot. */
static void assert_unchanged_from(const void *from)
{
    size_t off = (size_t)((const uint8_t *)from - buf);
    ck_assert_msg(test_raw_same(snap + off, buf + off, HEAP_SIZE - off), "the heap buffer was modified");
}

/* A call that succeeds without writing the heap: last error becomes OK. */
static void clear_error(void)
{
    ck_assert_int_eq(dalloc_fixed_free(&heap, NULL), DALLOC_OK);
    ASSERT_ERROR(DALLOC_OK);
}

static int aligned(const void *p, uintptr_t a)
{
    return ((uintptr_t)p & (a - 1)) == 0;
}

static uint8_t *header_of(void *p)
{
    return (uint8_t *)p - dalloc_header_size();
}

/* One past the last byte of the block at payload p of n payload bytes. */
static uint8_t *end_of(void *p, size_t n)
{
    return header_of(p) + test_block_size(n);
}

/* ---------------------------------------------------------------------- */

START_TEST(malloc_aligned_and_never_moves)
{
    static const size_t odd[] = {1, 7, 13, 100, 255};
    void *r[8] = {NULL};
    uint8_t *p, *q[5];
    size_t i, moved;
    dalloc_stats_t before;

    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(dalloc_alloc(&heap, 100 + 24 * i, &r[i]), DALLOC_OK);
        test_fill(r[i], 100 + 24 * i, (unsigned)i);
    }
    p = dalloc_malloc(&heap, 200);
    ck_assert_ptr_nonnull(p);
    ASSERT_ERROR(DALLOC_OK);
    ck_assert(aligned(p, ALIGN));
    test_fill(p, 200, 99);
    for (i = 0; i < 5; i++) {
        q[i] = dalloc_malloc(&heap, odd[i]);
        ck_assert_ptr_nonnull(q[i]);
        ck_assert_msg(aligned(q[i], ALIGN), "dalloc_malloc(%zu) misaligned", odd[i]);
        test_fill(q[i], odd[i], 50 + (unsigned)i);
    }
    for (i = 4; i < 8; i++) {
        ck_assert_int_eq(dalloc_alloc(&heap, 100 + 24 * i, &r[i]), DALLOC_OK);
        test_fill(r[i], 100 + 24 * i, (unsigned)i);
    }
    CHECK_HEAP();

    ck_assert_int_eq(dalloc_free(&heap, &r[0], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &r[2], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &r[5], USING_PTR_ADDRESS), DALLOC_OK);
    before = stats();
    moved = dalloc_compact(&heap);
    ck_assert_uint_gt(moved, 0);
    ck_assert_uint_eq(stats().bytes_moved, before.bytes_moved + moved);
    CHECK_HEAP();

    /* The fixed blocks did not move and kept their contents. */
    ck_assert(test_verify(p, 200, 99));
    for (i = 0; i < 5; i++)
        ck_assert(test_verify(q[i], odd[i], 50 + (unsigned)i));
    for (i = 0; i < 8; i++)
        if (i != 0 && i != 2 && i != 5)
            ck_assert_msg(test_verify(r[i], 100 + 24 * i, (unsigned)i), "relocatable block %zu lost", i);
    /* p is still a live fixed block at the same address. */
    ck_assert_int_eq(dalloc_fixed_free(&heap, p), DALLOC_OK);
    for (i = 0; i < 5; i++)
        ck_assert_int_eq(dalloc_fixed_free(&heap, q[i]), DALLOC_OK);
    CHECK_HEAP();
}
END_TEST

START_TEST(fixed_blocks_are_counted)
{
    dalloc_stats_t st0 = stats(), st;
    uint32_t off0 = heap.offset, n0 = heap.alloc_info.allocations_num;
    uint8_t *p = dalloc_malloc(&heap, 100);

    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(heap.offset, off0 + test_block_size(100));
    ck_assert_uint_eq(heap.alloc_info.allocations_num, n0 + 1);
    st = stats();
    ck_assert_uint_eq(st.used_bytes, st0.used_bytes + test_block_size(100));
    ck_assert_uint_eq(st.live_blocks, st0.live_blocks + 1);
    ck_assert_uint_ge(st.peak_used, st.used_bytes);
    CHECK_HEAP();
    ck_assert_int_eq(dalloc_fixed_free(&heap, p), DALLOC_OK);
    ck_assert_uint_eq(heap.offset, off0);
    ck_assert_uint_eq(heap.alloc_info.allocations_num, n0);
    CHECK_HEAP();
}
END_TEST

START_TEST(fixed_from_top_relocatable_from_bottom)
{
    enum { N = 10 };
    void *r[N] = {NULL};
    uint8_t *f[N];
    size_t n[N], i, j;
    uintptr_t hi = ((uintptr_t)buf + HEAP_SIZE) & ~(ALIGN - 1);

    /* Interleave the two kinds in time. */
    for (i = 0; i < N; i++) {
        n[i] = 40 + 16 * i;
        ck_assert_int_eq(dalloc_alloc(&heap, n[i], &r[i]), DALLOC_OK);
        f[i] = dalloc_malloc(&heap, n[i]);
        ck_assert_ptr_nonnull(f[i]);
    }
    CHECK_HEAP();
    /* The first fixed block lies at the top of the buffer (above it only the
     * library's own bookkeeping of the fixed region, less than 1 KiB); each
     * next one lies below the previous one, each relocatable one above the
     * previous one. */
    ck_assert((uintptr_t)end_of(f[0], n[0]) <= hi);
    ck_assert((uintptr_t)end_of(f[0], n[0]) + 1024 > hi);
    for (i = 1; i < N; i++) {
        ck_assert((uintptr_t)f[i] < (uintptr_t)f[i - 1]);
        ck_assert((uintptr_t)r[i] > (uintptr_t)r[i - 1]);
    }
    /* Every relocatable block lies below every fixed block. */
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++)
            ck_assert_msg((uintptr_t)end_of(r[i], n[i]) <= (uintptr_t)header_of(f[j]),
                          "relocatable block %zu overlaps or lies above fixed block %zu", i, j);
}
END_TEST

/* Fill the heap with relocatable blocks interleaved (in time) with fixed
 * ones, free every other relocatable block and one fixed block inside the
 * fixed region: a relocatable request of every free byte except the fixed
 * hole succeeds (after compaction), and the fixed hole stays for fixed use. */
START_TEST(fixed_blocks_do_not_split_relocatable_space)
{
    enum { NR = 256, NF = 40, RS = 300, FS = 120 };
    static void *r[NR];
    uint8_t *f[NF];
    void *big = NULL;
    size_t nr = 0, nf = 0, i, hole, want;
    dalloc_stats_t st, after;

    memset(r, 0, sizeof r);
    for (;;) {
        ck_assert_uint_lt(nr, NR);
        if (dalloc_alloc(&heap, RS, &r[nr]) != DALLOC_OK)
            break;
        test_fill(r[nr], RS, (unsigned)nr);
        nr++;
        if (nr % 3 == 0 && nf < NF) {
            f[nf] = dalloc_malloc(&heap, FS);
            ck_assert_ptr_nonnull(f[nf]);
            test_fill(f[nf], FS, 1000 + (unsigned)nf);
            nf++;
        }
    }
    ASSERT_ERROR(DALLOC_E_NOMEM);
    ck_assert_uint_ge(nf, 3);
    CHECK_HEAP();

    for (i = 0; i < nr; i += 2)
        ck_assert_int_eq(dalloc_free(&heap, &r[i], USING_PTR_ADDRESS), DALLOC_OK);
    /* f[1] lies between f[0] and f[2]: freeing it leaves a fixed hole. */
    st = stats();
    ck_assert_int_eq(dalloc_fixed_free(&heap, f[1]), DALLOC_OK);
    after = stats();
    hole = st.used_bytes - after.used_bytes;
    ck_assert_uint_eq(hole, test_block_size(FS));
    CHECK_HEAP();

    want = after.free_bytes - hole - dalloc_header_size();
    ck_assert_msg(dalloc_alloc(&heap, want, &big) == DALLOC_OK, "relocatable request of %zu refused: %s", want,
                  dalloc_strerror(dalloc_last_error(&heap)));
    ck_assert_uint_gt(stats().compactions, after.compactions);
    CHECK_HEAP();
    test_fill(big, want, 77);

    for (i = 1; i < nr; i += 2)
        ck_assert_msg(test_verify(r[i], RS, (unsigned)i), "relocatable block %zu lost", i);
    for (i = 0; i < nf; i++)
        if (i != 1)
            ck_assert_msg(test_verify(f[i], FS, 1000 + (unsigned)i), "fixed block %zu changed", i);
    /* The fixed hole was not given to the relocatable request. */
    ck_assert_ptr_eq(dalloc_malloc(&heap, FS), f[1]);
    ck_assert(test_verify(big, want, 77));
    CHECK_HEAP();
}
END_TEST

/* A small fixed request (under 64 granules: 512 bytes with 8-byte
 * granules) takes a hole of exactly its block size when there is one,
 * rather than a larger hole it would split, and never a smaller hole of
 * the same TLSF class: the fixed region has a list per small size.  A
 * TLSF-style good fit alone rounds such a request up to the next class
 * and would split the larger hole (these sizes are all an odd number of
 * granules from 9 up, where TLSF's classes hold several). */
static const size_t exact_units[] = {9, 15, 23, 45, 63}; /* one size per run, on a fresh heap */

START_TEST(small_fixed_request_takes_hole_of_its_size)
{
    size_t u = exact_units[_i], n = u * ALIGN - dalloc_header_size(), big_n = (2 * u + 11) * ALIGN;
    size_t small_n = n - ALIGN; /* a block one granule smaller */
    void *big = dalloc_malloc(&heap, big_n), *sep1 = dalloc_malloc(&heap, 16);
    void *exact = dalloc_malloc(&heap, n), *sep2 = dalloc_malloc(&heap, 16);
    void *small = dalloc_malloc(&heap, small_n), *sep3 = dalloc_malloc(&heap, 16), *p;
    ck_assert_ptr_nonnull(big);
    ck_assert_ptr_nonnull(sep1);
    ck_assert_ptr_nonnull(exact);
    ck_assert_ptr_nonnull(sep2);
    ck_assert_ptr_nonnull(small);
    ck_assert_ptr_nonnull(sep3);
    ck_assert_uint_eq(test_block_size(n), u * ALIGN);
    ck_assert_uint_eq(test_block_size(small_n), (u - 1) * ALIGN);
    ck_assert_int_eq(dalloc_fixed_free(&heap, big), DALLOC_OK);
    ck_assert_int_eq(dalloc_fixed_free(&heap, small), DALLOC_OK);
    CHECK_HEAP();
    /* Only the smaller hole and the larger one: the larger is taken. */
    p = dalloc_malloc(&heap, n);
    ck_assert_msg(p == big, "%zu granules: took %p, not the larger hole at %p", u, p, big);
    test_fill(p, n, (unsigned)u);
    ck_assert_int_eq(dalloc_fixed_free(&heap, exact), DALLOC_OK);
    CHECK_HEAP();
    /* Now one of its size: that one. */
    p = dalloc_malloc(&heap, n);
    ck_assert_msg(p == exact, "%zu granules: took %p, not the hole of its size at %p", u, p, exact);
    CHECK_HEAP();
    ck_assert(test_verify(big, n, (unsigned)u));
    ck_assert_ptr_eq(dalloc_malloc(&heap, small_n), small);
    CHECK_HEAP();
}
END_TEST

/* A hole as large as the fixed region can hold lies in the index's top
 * class: freeing and reusing it stays inside the index's lists. */
START_TEST(fixed_hole_of_the_largest_class)
{
    dalloc_stats_t st;
    void *first = dalloc_malloc(&heap, 16), *big, *below;
    size_t n;
    ck_assert_ptr_nonnull(first);
    st = stats();
    n = st.free_bytes - 4 * test_block_size(16); /* nearly all the rest */
    big = dalloc_malloc(&heap, n);
    below = dalloc_malloc(&heap, 16);
    ck_assert_ptr_nonnull(big);
    ck_assert_ptr_nonnull(below);
    ck_assert_int_eq(dalloc_fixed_free(&heap, big), DALLOC_OK); /* a hole between two blocks */
    CHECK_HEAP();
    ck_assert_ptr_eq(dalloc_malloc(&heap, n), big);
    CHECK_HEAP();
}
END_TEST

/* Fill the heap with relocatable blocks of rs bytes (r[i] filled with
 * pattern i) until a request is refused, then free every other one (the
 * even indices): holes a compaction would gather.  Returns how many were
 * allocated. */
static size_t fill_with_holes(void **r, size_t max, size_t rs)
{
    size_t nr = 0, i;
    memset(r, 0, max * sizeof *r);
    while (dalloc_alloc(&heap, rs, &r[nr]) == DALLOC_OK) {
        test_fill(r[nr], rs, (unsigned)nr);
        nr++;
        ck_assert_uint_lt(nr, max);
    }
    for (i = 0; i < nr; i += 2)
        ck_assert_int_eq(dalloc_free(&heap, &r[i], USING_PTR_ADDRESS), DALLOC_OK);
    return nr;
}

/* dalloc_malloc(n) is refused for want of room and moves no block: the
 * relocatable blocks r[0..nr) (fill_with_holes(), rs bytes; NULL where
 * freed) keep their addresses and contents. */
static void malloc_refused_moving_nothing(size_t n, void *const *r, size_t nr, size_t rs)
{
    static void *saved[512];
    dalloc_stats_t st = stats();
    size_t i;
    ck_assert_uint_le(nr, sizeof saved / sizeof saved[0]);
    memcpy(saved, r, nr * sizeof *r);
    ck_assert_ptr_null(dalloc_malloc(&heap, n));
    ASSERT_ERROR(DALLOC_E_NOMEM);
    ck_assert_uint_eq(stats().bytes_moved, st.bytes_moved);
    ck_assert_uint_eq(stats().compactions, st.compactions);
    ck_assert_uint_eq(stats().refusals, st.refusals + 1);
    for (i = 0; i < nr; i++) {
        ck_assert_ptr_eq(r[i], saved[i]);
        if (r[i] != NULL)
            ck_assert_msg(test_verify(r[i], rs, (unsigned)i), "relocatable block %zu changed", i);
    }
    CHECK_HEAP();
}

/* A fixed request that fits neither a fixed hole nor the gap compacts the
 * relocatable region (default policy), and only relocatable blocks move. */
START_TEST(fixed_alloc_compacts_relocatable_region)
{
    enum { NR = 512, RS = 200 };
    static void *r[NR];
    uint8_t *p, *q;
    size_t nr, i, want;
    dalloc_stats_t st;

    p = dalloc_malloc(&heap, 64);
    ck_assert_ptr_nonnull(p);
    test_fill(p, 64, 5);
    nr = fill_with_holes(r, NR, RS);
    st = stats();
    /* Larger than any hole and than the gap, smaller than the free total. */
    want = 4 * test_block_size(RS);
    ck_assert_uint_lt(st.largest_free, want);
    ck_assert_uint_gt(st.free_bytes, want + dalloc_header_size());

    q = dalloc_malloc(&heap, want);
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_gt(stats().bytes_moved, st.bytes_moved);
    CHECK_HEAP();
    test_fill(q, want, 6);
    ck_assert(test_verify(p, 64, 5));
    for (i = 1; i < nr; i += 2)
        ck_assert_msg(test_verify(r[i], RS, (unsigned)i), "relocatable block %zu lost", i);
    for (i = 1; i < nr; i += 2)
        ck_assert((uintptr_t)r[i] < (uintptr_t)q);
}
END_TEST

/* A fixed request that even a compaction could not serve is refused
 * without moving a block (default policy): compaction runs only when the
 * free space it gathers next to the gap is sure to hold the block, and,
 * for the first fixed block, the fixed region's index with it.  Checked
 * without fixed blocks (the index would be made for the request) and with
 * one. */
START_TEST(refused_fixed_request_moves_nothing)
{
    enum { NR = 512, RS = 200 };
    static void *r[NR];
    size_t nr = fill_with_holes(r, NR, RS), i;
    int pass;
    dalloc_stats_t st;

    for (pass = 0; pass < 2; pass++) {
        if (pass == 1) { /* a fixed block (and so the index), then the holes again */
            ck_assert_ptr_nonnull(dalloc_malloc(&heap, 16));
            for (i = 1; i + 2 < nr; i += 4)
                ck_assert_int_eq(dalloc_free(&heap, &r[i], USING_PTR_ADDRESS), DALLOC_OK);
        }
        st = stats();
        ck_assert_uint_gt(st.free_bytes, st.largest_free); /* holes a compaction would gather */
        malloc_refused_moving_nothing(st.free_bytes, r, nr, RS); /* more than all free space holds */
    }
}
END_TEST

/* The first fixed request compacts only when the gathered free space holds
 * both the fixed region's index (made for it) and its block: one granule
 * more than that is refused with no block moved; exactly that compacts and
 * is served. */
START_TEST(first_fixed_request_counts_the_index)
{
    enum { NR = 512, RS = 200 };
    static void *r[NR];
    dalloc_stats_t st;
    size_t idx, top, i, nr;
    void *q = dalloc_malloc(&heap, 16);
    ck_assert_ptr_nonnull(q);
    st = stats();
    idx = st.arena_size - st.used_bytes - st.free_bytes; /* the index, the library's own block */
    ck_assert_uint_gt(idx, 0);
    ck_assert_int_eq(dalloc_fixed_free(&heap, q), DALLOC_OK); /* the last one: the index goes too */
    st = stats();
    ck_assert_uint_eq(st.arena_size - st.used_bytes - st.free_bytes, 0);

    nr = fill_with_holes(r, NR, RS);
    st = stats();
    top = st.free_bytes; /* all of it gathers next to the gap (no pinned block) */
    ck_assert_uint_gt(top, st.largest_free);
    malloc_refused_moving_nothing(top - idx + ALIGN - dalloc_header_size() - TEST_GUARD_ROOM, r, nr, RS);
    q = dalloc_malloc(&heap, top - idx - dalloc_header_size() - TEST_GUARD_ROOM);
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_gt(stats().bytes_moved, st.bytes_moved);
    for (i = 1; i < nr; i += 2)
        ck_assert_msg(test_verify(r[i], RS, (unsigned)i), "relocatable block %zu lost", i);
    CHECK_HEAP();
}
END_TEST

/* Under DALLOC_COMPACT_MANUAL a fixed request never moves a block: it is
 * refused until the application compacts. */
START_TEST(fixed_alloc_manual_policy_does_not_compact)
{
    enum { NR = 512, RS = 200 };
    static void *r[NR];
    size_t nr = fill_with_holes(r, NR, RS), want = 4 * test_block_size(RS);
    uint8_t *q;

    ck_assert_uint_gt(nr, 2);
    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_MANUAL), DALLOC_OK);
    malloc_refused_moving_nothing(want, r, nr, RS);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    q = dalloc_malloc(&heap, want);
    ck_assert_ptr_nonnull(q);
    CHECK_HEAP();
}
END_TEST

START_TEST(aligned_alloc_every_power_of_two)
{
    enum { K = 13 }; /* 1 .. 4096 */
    uint8_t *p[K];
    size_t k, a;

    for (k = 0, a = 1; k < K; k++, a <<= 1) {
        size_t n = 24 + 5 * k;
        p[k] = dalloc_aligned_alloc(&heap, a, n);
        ck_assert_msg(p[k] != NULL, "alignment %zu refused: %s", a, dalloc_strerror(dalloc_last_error(&heap)));
        ck_assert_msg(aligned(p[k], (uintptr_t)a) && aligned(p[k], ALIGN), "%p not aligned to %zu", (void *)p[k],
                      a);
        test_fill(p[k], n, (unsigned)k);
        CHECK_HEAP();
    }
    /* Free every other one; allocate them again (holes of the fixed region
     * and the gap) through dalloc_fixed_alloc with the same alignments. */
    for (k = 0; k < K; k += 2)
        ck_assert_int_eq(dalloc_fixed_free(&heap, p[k]), DALLOC_OK);
    CHECK_HEAP();
    for (k = 0, a = 1; k < K; k++, a <<= 1) {
        size_t n = 24 + 5 * k;
        if (k % 2 != 0)
            continue;
        p[k] = dalloc_fixed_alloc(&heap, n, a, DALLOC_NO_MODULE);
        ck_assert_msg(p[k] != NULL, "alignment %zu refused: %s", a, dalloc_strerror(dalloc_last_error(&heap)));
        ck_assert_msg(aligned(p[k], (uintptr_t)a), "%p not aligned to %zu", (void *)p[k], a);
        test_fill(p[k], n, 100 + (unsigned)k);
        CHECK_HEAP();
    }
    for (k = 0; k < K; k++)
        ck_assert_msg(test_verify(p[k], 24 + 5 * k, (k % 2 ? 0u : 100u) + (unsigned)k), "block %zu overwritten", k);
    for (k = 0; k < K; k++)
        ck_assert_int_eq(dalloc_fixed_free(&heap, p[k]), DALLOC_OK);
    ck_assert_uint_eq(stats().used_bytes, 0);
    ck_assert_uint_eq(stats().live_blocks, 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(aligned_alloc_bad_alignment)
{
    static const size_t bad[] = {0, 3, 24, 6, 100, 4095};
    size_t i, big;
    uint8_t *p = dalloc_malloc(&heap, 64);
    ck_assert_ptr_nonnull(p);
    snapshot();
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clear_error();
        ck_assert_ptr_null(dalloc_aligned_alloc(&heap, bad[i], 64));
        ck_assert_msg(dalloc_last_error(&heap) == DALLOC_E_ARG, "alignment %zu: %s", bad[i],
                      dalloc_strerror(dalloc_last_error(&heap)));
        if (bad[i] != 0) {
            clear_error();
            ck_assert_ptr_null(dalloc_fixed_alloc(&heap, 64, bad[i], DALLOC_NO_MODULE));
            ASSERT_ERROR(DALLOC_E_ARG);
        }
    }
    /* Powers of two larger than the heap. */
    for (big = 1; big <= HEAP_SIZE; big <<= 1)
        ;
    clear_error();
    ck_assert_ptr_null(dalloc_aligned_alloc(&heap, big, 64));
    ASSERT_ERROR(DALLOC_E_ARG);
    clear_error();
    ck_assert_ptr_null(dalloc_fixed_alloc(&heap, 64, big, DALLOC_NO_MODULE));
    ASSERT_ERROR(DALLOC_E_ARG);
    clear_error();
    ck_assert_ptr_null(dalloc_aligned_alloc(&heap, SIZE_MAX / 2 + 1, 64));
    ASSERT_ERROR(DALLOC_E_ARG);
    ASSERT_UNCHANGED();
    CHECK_HEAP();
    /* dalloc_fixed_alloc takes 0 as DALLOC_ALIGNMENT. */
    p = dalloc_fixed_alloc(&heap, 64, 0, DALLOC_NO_MODULE);
    ck_assert_ptr_nonnull(p);
    ck_assert(aligned(p, ALIGN));
    CHECK_HEAP();
}
END_TEST

START_TEST(calloc_zeroes)
{
    uint8_t *q, *z;
    size_t i;

    /* Leave dirty free space behind: a block filled with a pattern, then
     * shrunk, frees its tail without the application clearing it. */
    q = dalloc_malloc(&heap, 1024);
    ck_assert_ptr_nonnull(q);
    memset(q, 0xA5, 1024);
    ck_assert_ptr_eq(dalloc_fixed_realloc(&heap, q, 16), q);
    CHECK_HEAP();
    z = dalloc_calloc(&heap, 25, 8);
    ck_assert_ptr_nonnull(z);
    ASSERT_ERROR(DALLOC_OK);
    ck_assert(aligned(z, ALIGN));
    /* Precondition of the test: the block reuses the dirtied space. */
    ck_assert_msg((uintptr_t)z > (uintptr_t)q && (uintptr_t)(z + 200) <= (uintptr_t)(q + 1024),
                  "calloc block %p outside the dirtied space [%p, %p)", (void *)z, (void *)q, (void *)(q + 1024));
    for (i = 0; i < 200; i++)
        ck_assert_msg(z[i] == 0, "byte %zu of the calloc block is %u", i, (unsigned)z[i]);
    for (i = 0; i < 16; i++)
        ck_assert_uint_eq(q[i], 0xA5);
    CHECK_HEAP();
    ck_assert_int_eq(dalloc_fixed_free(&heap, z), DALLOC_OK);
    ck_assert_int_eq(dalloc_fixed_free(&heap, q), DALLOC_OK);
    CHECK_HEAP();
}
END_TEST

START_TEST(calloc_refuses_overflow_and_zero)
{
    uint8_t *p = dalloc_malloc(&heap, 64);
    ck_assert_ptr_nonnull(p);
    snapshot();
    clear_error();
    ck_assert_ptr_null(dalloc_calloc(&heap, SIZE_MAX / 2 + 1, 2));
    ASSERT_ERROR(DALLOC_E_SIZE);
    clear_error();
    ck_assert_ptr_null(dalloc_calloc(&heap, 2, SIZE_MAX / 2 + 1));
    ASSERT_ERROR(DALLOC_E_SIZE);
    clear_error();
    ck_assert_ptr_null(dalloc_calloc(&heap, SIZE_MAX, SIZE_MAX));
    ASSERT_ERROR(DALLOC_E_SIZE);
    clear_error();
    ck_assert_ptr_null(dalloc_calloc(&heap, 1, SIZE_MAX)); /* no overflow, but rounding does */
    ASSERT_ERROR(DALLOC_E_SIZE);
    clear_error();
    ck_assert_ptr_null(dalloc_calloc(&heap, 0, 8));
    ASSERT_ERROR(DALLOC_E_ARG);
    clear_error();
    ck_assert_ptr_null(dalloc_calloc(&heap, 8, 0));
    ASSERT_ERROR(DALLOC_E_ARG);
    ASSERT_UNCHANGED();
    CHECK_HEAP();
}
END_TEST

START_TEST(sizes_that_overflow_rounding)
{
    static const size_t huge[] = {SIZE_MAX, SIZE_MAX - 7, SIZE_MAX - 1, SIZE_MAX / 2 * 2};
    size_t i;
    dalloc_stats_t st0;
    uint8_t *p = dalloc_malloc(&heap, 64);
    ck_assert_ptr_nonnull(p);
    test_fill(p, 64, 3);
    snapshot();
    for (i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        clear_error();
        ck_assert_ptr_null(dalloc_malloc(&heap, huge[i]));
        ck_assert_msg(dalloc_last_error(&heap) == DALLOC_E_SIZE, "malloc(%zu): %s", huge[i],
                      dalloc_strerror(dalloc_last_error(&heap)));
        clear_error();
        ck_assert_ptr_null(dalloc_aligned_alloc(&heap, 64, huge[i]));
        ASSERT_ERROR(DALLOC_E_SIZE);
        clear_error();
        ck_assert_ptr_null(dalloc_fixed_alloc(&heap, huge[i], 0, DALLOC_NO_MODULE));
        ASSERT_ERROR(DALLOC_E_SIZE);
        clear_error();
        ck_assert_ptr_null(dalloc_fixed_realloc(&heap, p, huge[i]));
        ASSERT_ERROR(DALLOC_E_SIZE);
        ck_assert_ptr_null(dalloc_fixed_realloc(&heap, NULL, huge[i]));
        ASSERT_ERROR(DALLOC_E_SIZE);
    }
    clear_error();
    ck_assert_ptr_null(dalloc_malloc(&heap, 0));
    ASSERT_ERROR(DALLOC_E_ARG);
    ASSERT_UNCHANGED();
    /* Representable but larger than the heap: no memory, not a size error. */
    st0 = stats();
    ck_assert_ptr_null(dalloc_malloc(&heap, HEAP_SIZE));
    ASSERT_ERROR(DALLOC_E_NOMEM);
    ck_assert_uint_eq(stats().refusals, st0.refusals + 1);
    ck_assert(test_verify(p, 64, 3));
    CHECK_HEAP();
}
END_TEST

START_TEST(realloc_shrinks_in_place)
{
    uint8_t *p, *q;
    dalloc_stats_t st0, st1;
    p = dalloc_malloc(&heap, 1000);
    ck_assert_ptr_nonnull(p);
    test_fill(p, 1000, 11);
    st0 = stats();
    q = dalloc_fixed_realloc(&heap, p, 100);
    ck_assert_ptr_eq(q, p);
    ASSERT_ERROR(DALLOC_OK);
    st1 = stats();
    ck_assert(test_verify(p, 100, 11));
    ck_assert_uint_eq(st1.used_bytes, st0.used_bytes - test_block_size(1000) + test_block_size(100));
    ck_assert_uint_eq(st1.live_blocks, st0.live_blocks);
    CHECK_HEAP();
    /* Shrinking to the same or a tiny size stays in place too. */
    ck_assert_ptr_eq(dalloc_fixed_realloc(&heap, p, 100), p);
    ck_assert_ptr_eq(dalloc_fixed_realloc(&heap, p, 1), p);
    ck_assert(test_verify(p, 1, 11));
    CHECK_HEAP();
}
END_TEST

START_TEST(realloc_grows_in_place)
{
    uint8_t *x, *p, *q;
    x = dalloc_malloc(&heap, 500);
    p = dalloc_malloc(&heap, 100);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(p);
    /* Precondition: x lies right above p. */
    ck_assert_ptr_eq(end_of(p, 100), header_of(x));
    test_fill(p, 100, 12);
    ck_assert_int_eq(dalloc_fixed_free(&heap, x), DALLOC_OK);
    CHECK_HEAP();
    q = dalloc_fixed_realloc(&heap, p, 400);
    ck_assert_ptr_eq(q, p);
    ck_assert(test_verify(p, 100, 12));
    ck_assert_uint_eq(stats().used_bytes, test_block_size(400));
    CHECK_HEAP();
    test_fill(p, 400, 13);
    ck_assert(test_verify(p, 400, 13));
    ck_assert_int_eq(dalloc_fixed_free(&heap, p), DALLOC_OK);
    ck_assert_uint_eq(stats().used_bytes, 0);
    CHECK_HEAP();
}
END_TEST

static void grow_by_moving(size_t align)
{
    uint8_t *above, *p, *q, *r;
    above = dalloc_malloc(&heap, 32);
    ck_assert_ptr_nonnull(above);
    test_fill(above, 32, 1);
    p = dalloc_aligned_alloc(&heap, align, 100);
    ck_assert_ptr_nonnull(p);
    ck_assert(aligned(p, (uintptr_t)align));
    test_fill(p, 100, 2);
    /* Grow past any alignment slack left above p (less than align bytes,
     * which in-place growth may legitimately use), so p must move. */
    q = dalloc_fixed_realloc(&heap, p, align + 2000);
    ck_assert_ptr_nonnull(q);
    ck_assert_ptr_ne(q, p);
    ck_assert_msg(aligned(q, (uintptr_t)align), "moved block %p lost its alignment %zu", (void *)q, align);
    ck_assert(test_verify(q, 100, 2));
    ck_assert(test_verify(above, 32, 1));
    ck_assert_uint_eq(stats().live_blocks, 2);
    CHECK_HEAP();
    /* The old block was freed. */
    ck_assert_int_eq(dalloc_fixed_free(&heap, p), DALLOC_E_NOTBLOCK);
    /* Again: the alignment is kept across every move. */
    test_fill(q, 2000, 3);
    r = dalloc_fixed_realloc(&heap, q, 2 * align + 6000);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_ne(r, q);
    ck_assert(aligned(r, (uintptr_t)align));
    ck_assert(test_verify(r, 2000, 3));
    CHECK_HEAP();
    ck_assert_int_eq(dalloc_fixed_free(&heap, r), DALLOC_OK);
    ck_assert_int_eq(dalloc_fixed_free(&heap, above), DALLOC_OK);
    ck_assert_uint_eq(stats().used_bytes, 0);
    CHECK_HEAP();
}

START_TEST(realloc_moves_keeping_contents_and_alignment)
{
    grow_by_moving(256);
    grow_by_moving(4096);
    grow_by_moving(DALLOC_ALIGNMENT);
}
END_TEST

START_TEST(realloc_null_acts_as_malloc)
{
    uint8_t *p = dalloc_fixed_realloc(&heap, NULL, 100);
    ck_assert_ptr_nonnull(p);
    ASSERT_ERROR(DALLOC_OK);
    ck_assert(aligned(p, ALIGN));
    ck_assert_uint_eq(stats().live_blocks, 1);
    ck_assert_uint_eq(stats().used_bytes, test_block_size(100));
    CHECK_HEAP();
    test_fill(p, 100, 4);
    /* It is a fixed block. */
    ck_assert_int_eq(dalloc_fixed_free(&heap, p), DALLOC_OK);
    ck_assert_uint_eq(stats().live_blocks, 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(realloc_failure_keeps_block)
{
    uint8_t *p, *x;
    void *r = NULL;
    dalloc_stats_t st0, st1;

    x = dalloc_malloc(&heap, 64); /* above p */
    p = dalloc_malloc(&heap, 100);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(dalloc_alloc(&heap, 50, &r), DALLOC_OK);
    test_fill(p, 100, 21);
    snapshot();

    clear_error();
    ck_assert_ptr_null(dalloc_fixed_realloc(&heap, p, 0));
    ASSERT_ERROR(DALLOC_E_ARG);
    clear_error();
    ck_assert_ptr_null(dalloc_fixed_realloc(&heap, p + ALIGN, 200));
    ASSERT_ERROR(DALLOC_E_NOTBLOCK);
    clear_error();
    ck_assert_ptr_null(dalloc_fixed_realloc(&heap, r, 200));
    ASSERT_ERROR(DALLOC_E_NOTBLOCK);
    ASSERT_UNCHANGED();

    st0 = stats();
    ck_assert_ptr_null(dalloc_fixed_realloc(&heap, p, HEAP_SIZE));
    ASSERT_ERROR(DALLOC_E_NOMEM);
    st1 = stats();
    ck_assert_uint_eq(st1.used_bytes, st0.used_bytes);
    ck_assert_uint_eq(st1.live_blocks, st0.live_blocks);
    ck_assert_uint_eq(st1.free_blocks, st0.free_blocks);
    ck_assert_uint_eq(st1.largest_free, st0.largest_free);
    ck_assert_uint_eq(st1.refusals, st0.refusals + 1);
    /* The fixed region is byte for byte as it was. */
    assert_unchanged_from(header_of(p));
    ck_assert(test_verify(p, 100, 21));
    CHECK_HEAP();
    ck_assert_int_eq(dalloc_fixed_free(&heap, p), DALLOC_OK);
    CHECK_HEAP();
}
END_TEST

/* A fixed block may hold registered owners: shrinking it past one would
 * leave that owner in freed memory, so it is refused; a cut that keeps the
 * owner is done in place. */
START_TEST(realloc_shrink_keeps_registered_owners)
{
    void **f = dalloc_malloc(&heap, 8 * sizeof(void *));
    ck_assert_ptr_nonnull(f);
    memset(f, 0, 8 * sizeof(void *));
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &f[6]), DALLOC_OK);
    test_fill(f[6], 64, 23);
    snapshot();
    ck_assert_ptr_null(dalloc_fixed_realloc(&heap, f, 2 * sizeof(void *)));
    ASSERT_ERROR(DALLOC_E_BUSY);
    ASSERT_UNCHANGED();
    ck_assert_int_eq(dalloc_validate(&heap, &f[6], USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_ptr_eq(dalloc_fixed_realloc(&heap, f, 7 * sizeof(void *)), f);
    ck_assert_int_eq(dalloc_validate(&heap, &f[6], USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert(test_verify(f[6], 64, 23));
    CHECK_HEAP();
    ck_assert_int_eq(dalloc_fixed_free(&heap, f), DALLOC_E_BUSY);
    ck_assert_int_eq(dalloc_free(&heap, &f[6], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_ptr_eq(dalloc_fixed_realloc(&heap, f, sizeof(void *)), f);
    ck_assert_int_eq(dalloc_fixed_free(&heap, f), DALLOC_OK);
    CHECK_HEAP();
}
END_TEST

START_TEST(free_null_is_noop)
{
    uint8_t *p = dalloc_malloc(&heap, 64);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_null(dalloc_malloc(&heap, 0)); /* last error: E_ARG */
    snapshot();
    ck_assert_int_eq(dalloc_fixed_free(&heap, NULL), DALLOC_OK);
    ASSERT_ERROR(DALLOC_OK);
    ASSERT_UNCHANGED();
    ck_assert_uint_eq(stats().live_blocks, 1);
}
END_TEST

/* Every address that is not a live fixed block of this heap is refused with
 * DALLOC_E_NOTBLOCK, and the heap is byte for byte unchanged. */
START_TEST(free_refuses_non_blocks)
{
    static uint8_t other[256];
    uint64_t local[4];
    dalloc_heap_t heap2;
    static uint64_t buf2[512];
    uint8_t *p, *q, *freed, *h2blk, *cases[24];
    void *r = NULL;
    size_t i, n = 0;

    ck_assert_int_eq(dalloc_heap_init(&heap2, buf2, sizeof buf2), DALLOC_OK);
    h2blk = dalloc_malloc(&heap2, 64);
    ck_assert_ptr_nonnull(h2blk);

    p = dalloc_malloc(&heap, 200);
    freed = dalloc_malloc(&heap, 64);
    q = dalloc_malloc(&heap, 100);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(freed);
    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(dalloc_alloc(&heap, 80, &r), DALLOC_OK);
    test_fill(p, 200, 31);
    test_fill(q, 100, 32);
    test_fill(r, 80, 33);
    ck_assert_int_eq(dalloc_fixed_free(&heap, freed), DALLOC_OK);
    CHECK_HEAP();

    cases[n++] = other;                               /* foreign static */
    cases[n++] = (uint8_t *)local;                    /* foreign stack */
    cases[n++] = h2blk;                               /* a live block of another heap */
    cases[n++] = p + 1;                               /* interior, unaligned */
    cases[n++] = p + ALIGN;                           /* interior, aligned */
    cases[n++] = p + 2 * ALIGN;
    cases[n++] = p + 192;
    cases[n++] = header_of(p);                        /* the header */
    cases[n++] = header_of(p) - ALIGN;
    cases[n++] = freed;                               /* already freed */
    cases[n++] = (uint8_t *)r;                        /* relocatable block */
    cases[n++] = (uint8_t *)r + ALIGN;
    cases[n++] = buf;                                 /* control block */
    cases[n++] = buf + ALIGN;
    cases[n++] = buf + HEAP_SIZE / 2;                 /* the gap */
    cases[n++] = buf + HEAP_SIZE - ALIGN;             /* last granule */
    cases[n++] = (uint8_t *)((uintptr_t)buf - 1);     /* just before */
    cases[n++] = (uint8_t *)((uintptr_t)buf - 8);
    cases[n++] = (uint8_t *)((uintptr_t)buf - 16);
    cases[n++] = (uint8_t *)((uintptr_t)buf + HEAP_SIZE);      /* just after */
    cases[n++] = (uint8_t *)((uintptr_t)buf + HEAP_SIZE + 8);
    cases[n++] = (uint8_t *)((uintptr_t)buf + HEAP_SIZE + 16);

    snapshot();
    for (i = 0; i < n; i++) {
        clear_error();
        ck_assert_msg(dalloc_fixed_free(&heap, cases[i]) == DALLOC_E_NOTBLOCK, "case %zu (%p) not refused", i,
                      (void *)cases[i]);
        ASSERT_ERROR(DALLOC_E_NOTBLOCK);
        ck_assert_msg(test_raw_same(snap, buf, HEAP_SIZE), "case %zu (%p) modified the heap", i, (void *)cases[i]);
    }
    /* dalloc_free by value does not free a fixed block either. */
    {
        void *v = p;
        ck_assert_int_eq(dalloc_free(&heap, &v, USING_PTR_VALUE), DALLOC_E_NOTBLOCK);
        ck_assert_ptr_eq(v, p);
    }
    ASSERT_UNCHANGED();
    CHECK_HEAP();
    ck_assert_int_eq(dalloc_check(&heap2), DALLOC_OK);
    ck_assert_uint_eq(heap2.alloc_info.allocations_num, 1);
    ck_assert(test_verify(p, 200, 31));
    ck_assert(test_verify(q, 100, 32));
    ck_assert(test_verify(r, 80, 33));
    dalloc_heap_deinit(&heap2);
}
END_TEST

/* A heap over a malloc'd buffer of exact size: addresses just outside it are
 * refused without being read (valgrind reports any read there). */
START_TEST(free_does_not_read_outside_the_buffer)
{
    enum { SZ = 4096 };
    dalloc_heap_t h;
    uint8_t *m = malloc(SZ), *copy = malloc(SZ), *p;
    uintptr_t base;
    size_t i;
    static const ptrdiff_t offs[] = {-64, -16, -8, -1, SZ, SZ + 1, SZ + 8, SZ + 16, SZ + 64};

    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(copy);
    memset(m, 0, SZ); /* the control block's padding is never written */
    ck_assert_int_eq(dalloc_heap_init(&h, m, SZ), DALLOC_OK);
    p = dalloc_malloc(&h, 100);
    ck_assert_ptr_nonnull(p);
    test_raw_copy(copy, m, SZ);
    base = (uintptr_t)m;
    for (i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        void *x = (void *)(base + (uintptr_t)offs[i]);
        ck_assert_int_eq(dalloc_fixed_free(&h, x), DALLOC_E_NOTBLOCK);
        ck_assert_ptr_null(dalloc_fixed_realloc(&h, x, 10));
        ck_assert_int_eq(dalloc_last_error(&h), DALLOC_E_NOTBLOCK);
        ck_assert_uint_eq(dalloc_module_of(&h, x), DALLOC_NO_MODULE);
        ck_assert_int_eq(dalloc_last_error(&h), DALLOC_E_NOTBLOCK);
    }
    ck_assert(test_raw_same(copy, m, SZ));
    ck_assert_int_eq(dalloc_check(&h), DALLOC_OK);
    ck_assert_int_eq(dalloc_fixed_free(&h, p), DALLOC_OK);
    dalloc_heap_deinit(&h);
    free(copy);
    free(m);
}
END_TEST

/* Freeing three adjacent fixed blocks, in each of the six orders: after
 * every step the number of holes is the number of runs of freed blocks
 * (a run next to the gap joins the gap), and at the end the space is one
 * hole (or the gap again). */
static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

static size_t expected_holes(const int freed[3], int below_used)
{
    size_t runs = 0;
    int k;
    for (k = 0; k < 3; k++)
        if (freed[k] && (k == 0 || !freed[k - 1]))
            runs++;
    /* blk[2] is the lowest; with nothing below it, its run joins the gap. */
    if (!below_used && freed[2])
        runs--;
    return runs;
}

START_TEST(free_merges_in_any_order)
{
    static const size_t sizes[3] = {40, 72, 136};
    uint8_t *x, *blk[3], *d, *merged;
    size_t total = 0;
    dalloc_stats_t before, st;
    int freed[3], k, j, variant;

    x = dalloc_malloc(&heap, 64);
    ck_assert_ptr_nonnull(x);
    before = stats();
    for (variant = 0; variant < 2; variant++) {
        int below_used = variant == 0;
        total = 0;
        for (k = 0; k < 3; k++) {
            blk[k] = dalloc_malloc(&heap, sizes[k]);
            ck_assert_ptr_nonnull(blk[k]);
            total += test_block_size(sizes[k]);
            freed[k] = 0;
        }
        d = below_used ? dalloc_malloc(&heap, 64) : NULL;
        /* Precondition: x, blk[0], blk[1], blk[2] (and d) are adjacent. */
        ck_assert_ptr_eq(end_of(blk[0], sizes[0]), header_of(x));
        ck_assert_ptr_eq(end_of(blk[1], sizes[1]), header_of(blk[0]));
        ck_assert_ptr_eq(end_of(blk[2], sizes[2]), header_of(blk[1]));
        if (d != NULL)
            ck_assert_ptr_eq(end_of(d, 64), header_of(blk[2]));
        CHECK_HEAP();
        for (j = 0; j < 3; j++) {
            k = perms[_i][j];
            ck_assert_int_eq(dalloc_fixed_free(&heap, blk[k]), DALLOC_OK);
            freed[k] = 1;
            CHECK_HEAP();
            st = stats();
            ck_assert_msg(st.free_blocks == before.free_blocks + expected_holes(freed, below_used),
                          "order %d%d%d step %d: %zu holes, expected %zu", perms[_i][0], perms[_i][1], perms[_i][2],
                          j, st.free_blocks - before.free_blocks, expected_holes(freed, below_used));
        }
        if (below_used) {
            /* One hole of exactly the three blocks: a request of that size
             * fills it, at the lowest block's address. */
            merged = dalloc_malloc(&heap, total - dalloc_header_size());
            ck_assert_ptr_eq(merged, blk[2]);
            ck_assert_uint_eq(stats().free_blocks, before.free_blocks);
            CHECK_HEAP();
            ck_assert_int_eq(dalloc_fixed_free(&heap, merged), DALLOC_OK);
            ck_assert_int_eq(dalloc_fixed_free(&heap, d), DALLOC_OK);
            CHECK_HEAP();
        }
        /* Everything back in the gap: the figures of before. */
        st = stats();
        ck_assert_uint_eq(st.free_blocks, before.free_blocks);
        ck_assert_uint_eq(st.free_bytes, before.free_bytes);
        ck_assert_uint_eq(st.largest_free, before.largest_free);
    }
    ck_assert_int_eq(dalloc_fixed_free(&heap, x), DALLOC_OK);
    CHECK_HEAP();
}
END_TEST

START_TEST(free_refuses_block_holding_an_owner)
{
    void **f = dalloc_malloc(&heap, 4 * sizeof(void *));
    ck_assert_ptr_nonnull(f);
    memset(f, 0, 4 * sizeof(void *));
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &f[1]), DALLOC_OK);
    test_fill(f[1], 64, 41);
    CHECK_HEAP();
    snapshot();
    ck_assert_int_eq(dalloc_fixed_free(&heap, f), DALLOC_E_BUSY);
    ASSERT_ERROR(DALLOC_E_BUSY);
    ASSERT_UNCHANGED();
    ck_assert(test_verify(f[1], 64, 41));
    /* Free the owned block first; then the fixed block goes. */
    ck_assert_int_eq(dalloc_free(&heap, &f[1], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_ptr_null(f[1]);
    ck_assert_int_eq(dalloc_fixed_free(&heap, f), DALLOC_OK);
    ck_assert_uint_eq(stats().live_blocks, 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(owner_inside_fixed_block_follows_moves)
{
    void *r0 = NULL, *r1 = NULL;
    void **f, **f2;
    void *old;

    f = dalloc_malloc(&heap, 4 * sizeof(void *));
    ck_assert_ptr_nonnull(f);
    memset(f, 0, 4 * sizeof(void *));
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &r0), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 200, &f[2]), DALLOC_OK);
    test_fill(f[2], 200, 51);
    old = f[2];
    /* Compaction moves the relocatable block down: its owner in f follows. */
    ck_assert_int_eq(dalloc_free(&heap, &r0, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    ck_assert_ptr_ne(f[2], old);
    ck_assert(test_verify(f[2], 200, 51));
    ck_assert_int_eq(dalloc_validate(&heap, &f[2], USING_PTR_ADDRESS, NULL), DALLOC_OK);
    CHECK_HEAP();

    /* The fixed block moves (realloc): the registration moves into the new
     * block with its contents. */
    f2 = dalloc_fixed_realloc(&heap, f, 4096);
    ck_assert_ptr_nonnull(f2);
    ck_assert_ptr_ne(f2, f);
    ck_assert_int_eq(dalloc_validate(&heap, &f2[2], USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert(test_verify(f2[2], 200, 51));
    CHECK_HEAP();

    /* The relocatable block moves again (realloc past its neighbour): the
     * owner in the new fixed block is rewritten. */
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &r1), DALLOC_OK);
    old = f2[2];
    ck_assert_int_eq(dalloc_realloc(&heap, 2000, &f2[2]), DALLOC_OK);
    ck_assert_ptr_ne(f2[2], old);
    ck_assert(test_verify(f2[2], 200, 51));
    ck_assert_int_eq(dalloc_validate(&heap, &f2[2], USING_PTR_ADDRESS, NULL), DALLOC_OK);
    CHECK_HEAP();
    /* And once more by compaction. */
    ck_assert_int_eq(dalloc_free(&heap, &r1, USING_PTR_ADDRESS), DALLOC_OK);
    old = f2[2];
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    ck_assert_ptr_ne(f2[2], old);
    ck_assert(test_verify(f2[2], 200, 51));
    CHECK_HEAP();

    ck_assert_int_eq(dalloc_fixed_free(&heap, f2), DALLOC_E_BUSY);
    ck_assert_int_eq(dalloc_free(&heap, &f2[2], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_fixed_free(&heap, f2), DALLOC_OK);
    ck_assert_uint_eq(stats().live_blocks, 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(uninitialised_heap_refuses)
{
    dalloc_heap_t h;
    uint8_t *p = dalloc_malloc(&heap, 16);
    memset(&h, 0, sizeof h);
    ck_assert_ptr_null(dalloc_malloc(NULL, 16));
    ck_assert_ptr_null(dalloc_malloc(&h, 16));
    ck_assert_int_eq(dalloc_last_error(&h), DALLOC_E_HEAP);
    ck_assert_ptr_null(dalloc_aligned_alloc(&h, 64, 16));
    ck_assert_int_eq(dalloc_last_error(&h), DALLOC_E_HEAP);
    ck_assert_ptr_null(dalloc_calloc(&h, 2, 16));
    ck_assert_int_eq(dalloc_last_error(&h), DALLOC_E_HEAP);
    ck_assert_ptr_null(dalloc_fixed_realloc(&h, p, 32));
    ck_assert_int_eq(dalloc_last_error(&h), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_fixed_free(&h, p), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_fixed_free(NULL, p), DALLOC_E_HEAP);
    /* After deinit the heap refuses too. */
    dalloc_heap_deinit(&heap);
    ck_assert_ptr_null(dalloc_malloc(&heap, 16));
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_fixed_free(&heap, p), DALLOC_E_HEAP);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fixed");
    TCase *tc;

    tc = tcase_create("allocation");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, malloc_aligned_and_never_moves);
    tcase_add_test(tc, fixed_blocks_are_counted);
    tcase_add_test(tc, fixed_from_top_relocatable_from_bottom);
    tcase_add_test(tc, fixed_blocks_do_not_split_relocatable_space);
    tcase_add_loop_test(tc, small_fixed_request_takes_hole_of_its_size, 0,
                        (int)(sizeof exact_units / sizeof exact_units[0]));
    tcase_add_test(tc, fixed_hole_of_the_largest_class);
    tcase_add_test(tc, fixed_alloc_compacts_relocatable_region);
    tcase_add_test(tc, refused_fixed_request_moves_nothing);
    tcase_add_test(tc, first_fixed_request_counts_the_index);
    tcase_add_test(tc, fixed_alloc_manual_policy_does_not_compact);
    tcase_add_test(tc, aligned_alloc_every_power_of_two);
    tcase_add_test(tc, aligned_alloc_bad_alignment);
    tcase_add_test(tc, calloc_zeroes);
    tcase_add_test(tc, calloc_refuses_overflow_and_zero);
    tcase_add_test(tc, sizes_that_overflow_rounding);
    tcase_add_test(tc, uninitialised_heap_refuses);
    suite_add_tcase(s, tc);

    tc = tcase_create("realloc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, realloc_shrinks_in_place);
    tcase_add_test(tc, realloc_grows_in_place);
    tcase_add_test(tc, realloc_moves_keeping_contents_and_alignment);
    tcase_add_test(tc, realloc_null_acts_as_malloc);
    tcase_add_test(tc, realloc_failure_keeps_block);
    tcase_add_test(tc, realloc_shrink_keeps_registered_owners);
    suite_add_tcase(s, tc);

    tc = tcase_create("free");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, free_null_is_noop);
    tcase_add_test(tc, free_refuses_non_blocks);
    tcase_add_test(tc, free_does_not_read_outside_the_buffer);
    tcase_add_loop_test(tc, free_merges_in_any_order, 0, 6);
    tcase_add_test(tc, free_refuses_block_holding_an_owner);
    tcase_add_test(tc, owner_inside_fixed_block_follows_moves);
    suite_add_tcase(s, tc);

    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
