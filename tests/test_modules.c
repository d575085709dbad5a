/*
 * test_modules.c - owner modules: registry (register, find, list, stats,
 * unregister), release of every block of a module in one call, orphaning of
 * blocks whose owner lay inside a released block, quotas, retagging, and the
 * module of a block.  dalloc_check() is run after every mutating step.
 */
#include "testutil.h"

#include <stdio.h>

#define HEAP_SIZE 131072u
#define ALIGN ((size_t)DALLOC_ALIGNMENT)
/* The module trailer: 16 bytes rounded up to DALLOC_ALIGNMENT (dalloc_module(3)). */
#define TRAILER ((16 + ALIGN - 1) & ~(ALIGN - 1))
/* The smallest block (as in test_block_size()). */
#define MIN_BLK ((4 * sizeof(void *) + ALIGN - 1) & ~(ALIGN - 1))

TEST_BUFFER(buf, HEAP_SIZE);
static uint8_t snap[HEAP_SIZE];
static dalloc_heap_t heap;

#define CHECK_HEAP() ck_assert_int_eq(dalloc_check(&heap), DALLOC_OK)
#define ASSERT_ERROR(e) ck_assert_int_eq(dalloc_last_error(&heap), (e))

static void setup(void)
{
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
}

static void teardown(void)
{
    dalloc_heap_deinit(&heap);
}

/* Bytes a block of n payload bytes occupies when it belongs to a module. */
static size_t mod_block_size(size_t n)
{
    return test_block_size(n + TRAILER);
}

static dalloc_stats_t stats(void)
{
    dalloc_stats_t st;
    ck_assert_int_eq(dalloc_get_stats(&heap, &st), DALLOC_OK);
    return st;
}

static dalloc_module_stats_t mstats(dalloc_module_t id)
{
    dalloc_module_stats_t ms;
    memset(&ms, 0xEE, sizeof ms);
    ck_assert_int_eq(dalloc_module_stats(&heap, id, &ms), DALLOC_OK);
    return ms;
}

static dalloc_module_t reg(const char *name)
{
    dalloc_module_t id = DALLOC_NO_MODULE;
    ck_assert_int_eq(dalloc_module_register(&heap, name, &id), DALLOC_OK);
    ck_assert_uint_ne(id, DALLOC_NO_MODULE);
    ASSERT_ERROR(DALLOC_OK);
    return id;
}

static void snapshot(void)
{
    test_raw_copy(snap, buf, HEAP_SIZE);
}

static void assert_unchanged_from(const void *from)
{
    size_t off = (size_t)((const uint8_t *)from - buf);
    ck_assert_msg(test_raw_same(snap + off, buf + off, HEAP_SIZE - off), "the heap buffer was modified");
}

static uint8_t *header_of(void *p)
{
    return (uint8_t *)p - dalloc_header_size();
}

/* ---------------------------------------------------------------------- */
/* Registry                                                                 */

START_TEST(register_copies_the_name)
{
    char name[16] = "alpha";
    dalloc_module_t id = reg(name);
    dalloc_module_stats_t ms;

    strcpy(name, "omega");
    ck_assert_uint_eq(dalloc_module_find(&heap, "alpha"), id);
    ck_assert_uint_eq(dalloc_module_find(&heap, "omega"), DALLOC_NO_MODULE);
    ck_assert_uint_eq(dalloc_module_find(&heap, name), DALLOC_NO_MODULE);
    ms = mstats(id);
    ck_assert_str_eq(ms.name, "alpha");
    memset(name, 0, sizeof name);
    ck_assert_uint_eq(dalloc_module_find(&heap, "alpha"), id);
    CHECK_HEAP();
}
END_TEST

START_TEST(register_twice_returns_same_id)
{
    dalloc_module_t a = reg("net"), b, a2;
    b = reg("ui");
    ck_assert_uint_ne(a, b);
    a2 = reg("net");
    ck_assert_uint_eq(a2, a);
    ck_assert_uint_eq(dalloc_module_list(&heap, NULL, 0), 2);
    /* A NULL id is allowed. */
    ck_assert_int_eq(dalloc_module_register(&heap, "ui", NULL), DALLOC_OK);
    ck_assert_uint_eq(dalloc_module_list(&heap, NULL, 0), 2);
    CHECK_HEAP();
}
END_TEST

START_TEST(register_refuses_bad_names)
{
    char longest[DALLOC_MODULE_NAME_MAX], overlong[DALLOC_MODULE_NAME_MAX + 1], huge[200];
    dalloc_module_t id = 77, ok;
    dalloc_module_stats_t ms;

    memset(longest, 'l', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    memset(overlong, 'o', sizeof overlong - 1);
    overlong[sizeof overlong - 1] = '\0'; /* DALLOC_MODULE_NAME_MAX characters */
    memset(huge, 'h', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';

    ck_assert_int_eq(dalloc_module_register(&heap, NULL, &id), DALLOC_E_ARG);
    ASSERT_ERROR(DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_module_register(&heap, "", &id), DALLOC_E_MODULE);
    ASSERT_ERROR(DALLOC_E_MODULE);
    ck_assert_int_eq(dalloc_module_register(&heap, overlong, &id), DALLOC_E_MODULE);
    ASSERT_ERROR(DALLOC_E_MODULE);
    ck_assert_int_eq(dalloc_module_register(&heap, huge, &id), DALLOC_E_MODULE);
    ck_assert_uint_eq(dalloc_module_list(&heap, NULL, 0), 0);
    ck_assert_uint_eq(dalloc_module_find(&heap, overlong), DALLOC_NO_MODULE);
    ck_assert_uint_eq(dalloc_module_find(&heap, ""), DALLOC_NO_MODULE);
    ck_assert_uint_eq(dalloc_module_find(&heap, NULL), DALLOC_NO_MODULE);

    /* DALLOC_MODULE_NAME_MAX - 1 characters is the longest accepted. */
    ok = reg(longest);
    ck_assert_uint_eq(dalloc_module_find(&heap, longest), ok);
    ms = mstats(ok);
    ck_assert_str_eq(ms.name, longest);
    /* The overlong name is not taken as its 31-character prefix. */
    memset(overlong, 'l', sizeof overlong - 1);
    ck_assert_int_eq(dalloc_module_register(&heap, overlong, &id), DALLOC_E_MODULE);
    ck_assert_uint_eq(dalloc_module_find(&heap, overlong), DALLOC_NO_MODULE);
    ck_assert_uint_eq(dalloc_module_list(&heap, NULL, 0), 1);
    CHECK_HEAP();
}
END_TEST

START_TEST(find_and_list)
{
    dalloc_module_t a = reg("a"), b = reg("b"), c = reg("c");
    dalloc_module_t ids[8], expect[3], t;
    size_t i, j;

    ck_assert_uint_eq(dalloc_module_find(&heap, "a"), a);
    ck_assert_uint_eq(dalloc_module_find(&heap, "b"), b);
    ck_assert_uint_eq(dalloc_module_find(&heap, "c"), c);
    ck_assert_uint_eq(dalloc_module_find(&heap, "d"), DALLOC_NO_MODULE);
    ck_assert_uint_eq(dalloc_module_find(&heap, "ab"), DALLOC_NO_MODULE);

    expect[0] = a;
    expect[1] = b;
    expect[2] = c;
    for (i = 0; i < 3; i++) /* sort: ids are listed in ascending order */
        for (j = i + 1; j < 3; j++)
            if (expect[j] < expect[i]) {
                t = expect[i];
                expect[i] = expect[j];
                expect[j] = t;
            }
    for (i = 0; i < 8; i++)
        ids[i] = 0xBEEF;
    ck_assert_uint_eq(dalloc_module_list(&heap, ids, 8), 3);
    for (i = 0; i < 3; i++)
        ck_assert_uint_eq(ids[i], expect[i]);
    ck_assert_uint_eq(ids[3], 0xBEEF);
    /* max smaller than the count: the count, and only max ids written. */
    for (i = 0; i < 8; i++)
        ids[i] = 0xBEEF;
    ck_assert_uint_eq(dalloc_module_list(&heap, ids, 2), 3);
    ck_assert_uint_eq(ids[0], expect[0]);
    ck_assert_uint_eq(ids[1], expect[1]);
    ck_assert_uint_eq(ids[2], 0xBEEF);
    ck_assert_uint_eq(dalloc_module_list(&heap, NULL, 0), 3);
    ck_assert_uint_eq(dalloc_module_list(NULL, ids, 8), 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(stats_track_blocks_bytes_peak)
{
    dalloc_module_t m = reg("m"), other = reg("other");
    dalloc_module_stats_t ms;
    dalloc_stats_t st0, st1;
    void *r = NULL;
    uint8_t *f;
    size_t peak;

    ms = mstats(m);
    ck_assert_str_eq(ms.name, "m");
    ck_assert_uint_eq(ms.blocks, 0);
    ck_assert_uint_eq(ms.bytes, 0);
    ck_assert_uint_eq(ms.peak_bytes, 0);
    ck_assert_uint_eq(ms.quota, 0);

    st0 = stats();
    ck_assert_int_eq(dalloc_alloc_in(&heap, 100, &r, m), DALLOC_OK);
    st1 = stats();
    ms = mstats(m);
    ck_assert_uint_eq(ms.blocks, 1);
    ck_assert_uint_eq(ms.bytes, mod_block_size(100));
    ck_assert_uint_eq(ms.bytes, st1.used_bytes - st0.used_bytes);
    ck_assert_uint_eq(ms.peak_bytes, ms.bytes);

    f = dalloc_fixed_alloc(&heap, 300, 0, m);
    ck_assert_ptr_nonnull(f);
    ms = mstats(m);
    ck_assert_uint_eq(ms.blocks, 2);
    ck_assert_uint_eq(ms.bytes, mod_block_size(100) + mod_block_size(300));
    ck_assert_uint_eq(ms.bytes, stats().used_bytes - st0.used_bytes);
    ck_assert_uint_eq(ms.peak_bytes, ms.bytes);
    peak = ms.peak_bytes;
    CHECK_HEAP();

    /* Another module's figures are separate. */
    ck_assert_uint_eq(mstats(other).blocks, 0);
    ck_assert_uint_eq(mstats(other).bytes, 0);

    /* Freeing lowers bytes, not the peak. */
    ck_assert_int_eq(dalloc_fixed_free(&heap, f), DALLOC_OK);
    ms = mstats(m);
    ck_assert_uint_eq(ms.blocks, 1);
    ck_assert_uint_eq(ms.bytes, mod_block_size(100));
    ck_assert_uint_eq(ms.peak_bytes, peak);
    /* Growing raises both once above the peak. */
    ck_assert_int_eq(dalloc_realloc(&heap, 2000, &r), DALLOC_OK);
    ms = mstats(m);
    ck_assert_uint_eq(ms.blocks, 1);
    ck_assert_uint_eq(ms.bytes, mod_block_size(2000));
    ck_assert_uint_eq(ms.peak_bytes, mod_block_size(2000));
    ck_assert_uint_eq(dalloc_module_of(&heap, r), m);
    /* Shrinking lowers bytes. */
    ck_assert_int_eq(dalloc_realloc(&heap, 50, &r), DALLOC_OK);
    ms = mstats(m);
    ck_assert_uint_eq(ms.bytes, mod_block_size(50));
    ck_assert_uint_eq(ms.peak_bytes, mod_block_size(2000));
    ck_assert_int_eq(dalloc_free(&heap, &r, USING_PTR_ADDRESS), DALLOC_OK);
    ms = mstats(m);
    ck_assert_uint_eq(ms.blocks, 0);
    ck_assert_uint_eq(ms.bytes, 0);
    ck_assert_uint_eq(ms.peak_bytes, mod_block_size(2000));
    ck_assert_int_eq(dalloc_module_stats(&heap, m, NULL), DALLOC_E_ARG);
    CHECK_HEAP();
}
END_TEST

/* The module survives dalloc_fixed_realloc() (in place and moving), and the
 * figures follow the block's size. */
START_TEST(fixed_realloc_keeps_module)
{
    dalloc_module_t m = reg("m");
    uint8_t *above, *p, *q;
    dalloc_module_stats_t ms;

    above = dalloc_malloc(&heap, 32);
    p = dalloc_fixed_alloc(&heap, 100, 256, m);
    ck_assert_ptr_nonnull(above);
    ck_assert_ptr_nonnull(p);
    test_fill(p, 100, 9);
    ck_assert_ptr_eq(dalloc_fixed_realloc(&heap, p, 40), p);
    ms = mstats(m);
    ck_assert_uint_eq(ms.blocks, 1);
    ck_assert_uint_eq(ms.bytes, mod_block_size(40));
    ck_assert_uint_eq(dalloc_module_of(&heap, p), m);
    CHECK_HEAP();
    q = dalloc_fixed_realloc(&heap, p, 3000);
    ck_assert_ptr_nonnull(q);
    ck_assert_ptr_ne(q, p);
    ck_assert_uint_eq((uintptr_t)q % 256, 0);
    ck_assert(test_verify(q, 40, 9));
    ck_assert_uint_eq(dalloc_module_of(&heap, q), m);
    ms = mstats(m);
    ck_assert_uint_eq(ms.blocks, 1);
    /* An aligned block may keep the alignment slack above it (less than a
     * minimum block); the figures count the block as it is. */
    ck_assert_uint_ge(ms.bytes, mod_block_size(3000));
    ck_assert_uint_lt(ms.bytes, mod_block_size(3000) + MIN_BLK);
    ck_assert_uint_eq(ms.bytes, stats().used_bytes - test_block_size(32));
    CHECK_HEAP();
    ck_assert_int_eq(dalloc_module_release(&heap, m), DALLOC_OK);
    ck_assert_uint_eq(mstats(m).blocks, 0);
    ck_assert_uint_eq(stats().live_blocks, 1);
    CHECK_HEAP();
}
END_TEST

/* peak_bytes is "the highest value of bytes": growing a block to n bytes
 * must not report more than the figure the module ever had (old + new
 * during the copy is the library's business). */
START_TEST(peak_after_moving_realloc)
{
    dalloc_module_t m = reg("m");
    uint8_t *above, *p, *q;
    void *r = NULL, *r2 = NULL;
    dalloc_module_stats_t ms;

    /* Fixed: the block cannot grow in place (a block lies above it). */
    above = dalloc_malloc(&heap, 32);
    p = dalloc_fixed_alloc(&heap, 100, 0, m);
    ck_assert_ptr_nonnull(above);
    ck_assert_ptr_nonnull(p);
    /* A quota that admits the new size (the growth is what is checked). */
    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, mod_block_size(2000)), DALLOC_OK);
    q = dalloc_fixed_realloc(&heap, p, 2000);
    ck_assert_ptr_nonnull(q);
    ck_assert_ptr_ne(q, p);
    ms = mstats(m);
    ck_assert_uint_eq(ms.bytes, mod_block_size(2000));
    ck_assert_msg(ms.peak_bytes == ms.bytes && ms.peak_bytes <= ms.quota,
                  "fixed realloc: peak %zu, but bytes were never above %zu (quota %zu)", ms.peak_bytes, ms.bytes,
                  ms.quota);
    ck_assert_int_eq(dalloc_fixed_free(&heap, q), DALLOC_OK);

    /* Relocatable, for comparison: same figures. */
    ck_assert_int_eq(dalloc_module_unregister(&heap, m), DALLOC_OK);
    m = reg("m");
    ck_assert_int_eq(dalloc_alloc_in(&heap, 100, &r, m), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 32, &r2), DALLOC_OK);
    ck_assert_int_eq(dalloc_realloc(&heap, 2000, &r), DALLOC_OK);
    ms = mstats(m);
    ck_assert_uint_eq(ms.bytes, mod_block_size(2000));
    ck_assert_uint_eq(ms.peak_bytes, ms.bytes);
    CHECK_HEAP();
}
END_TEST

START_TEST(many_modules_registry_grows)
{
    enum { N = 40 };
    dalloc_module_t id[N], ids[N + 4];
    void *r[N];
    uint8_t *f[N];
    char name[16];
    size_t i, n, total;
    dalloc_module_stats_t ms;

    memset(r, 0, sizeof r);
    for (i = 0; i < N; i++) {
        snprintf(name, sizeof name, "mod%02u", (unsigned)i);
        id[i] = reg(name);
        /* A block in the first module before the registry grows. */
        if (i == 0) {
            ck_assert_int_eq(dalloc_alloc_in(&heap, 64, &r[0], id[0]), DALLOC_OK);
            test_fill(r[0], 64, 0);
            f[0] = dalloc_fixed_alloc(&heap, 48, 0, id[0]);
            ck_assert_ptr_nonnull(f[0]);
            test_fill(f[0], 48, 500);
        }
        CHECK_HEAP();
    }
    n = dalloc_module_list(&heap, ids, N + 4);
    ck_assert_uint_eq(n, N);
    for (i = 1; i < N; i++)
        ck_assert_uint_lt(ids[i - 1], ids[i]);
    for (i = 0; i < N; i++) {
        size_t j, found = 0;
        for (j = 0; j < N; j++)
            found += ids[j] == id[i];
        ck_assert_uint_eq(found, 1);
        snprintf(name, sizeof name, "mod%02u", (unsigned)i);
        ck_assert_uint_eq(dalloc_module_find(&heap, name), id[i]);
        ms = mstats(id[i]);
        ck_assert_str_eq(ms.name, name);
    }
    /* The first module's blocks survived the growth. */
    ms = mstats(id[0]);
    ck_assert_uint_eq(ms.blocks, 2);
    ck_assert(test_verify(r[0], 64, 0));
    ck_assert(test_verify(f[0], 48, 500));
    ck_assert_uint_eq(dalloc_module_of(&heap, r[0]), id[0]);

    for (i = 1; i < N; i++) {
        ck_assert_int_eq(dalloc_alloc_in(&heap, 64 + i, &r[i], id[i]), DALLOC_OK);
        test_fill(r[i], 64 + i, (unsigned)i);
        f[i] = dalloc_fixed_alloc(&heap, 48 + i, 0, id[i]);
        ck_assert_ptr_nonnull(f[i]);
        test_fill(f[i], 48 + i, 500 + (unsigned)i);
    }
    CHECK_HEAP();
    total = 0;
    for (i = 0; i < N; i++) {
        size_t least = mod_block_size(64 + i) + mod_block_size(48 + i);
        ms = mstats(id[i]);
        ck_assert_uint_eq(ms.blocks, 2);
        /* A block may take a hole whole when the rest is too small to
         * split off: at most a minimum block more than the request. */
        ck_assert_uint_ge(ms.bytes, least);
        ck_assert_uint_lt(ms.bytes, least + 2 * MIN_BLK);
        total += ms.bytes;
        ck_assert_uint_eq(dalloc_module_of(&heap, r[i]), id[i]);
        ck_assert_uint_eq(dalloc_module_of(&heap, f[i]), id[i]);
    }
    /* Every block belongs to a module: the figures add up to the heap's. */
    ck_assert_uint_eq(total, stats().used_bytes);
    /* Release the odd modules: the even ones keep their blocks. */
    for (i = 1; i < N; i += 2) {
        ck_assert_int_eq(dalloc_module_release(&heap, id[i]), DALLOC_OK);
        ck_assert_ptr_null(r[i]);
    }
    CHECK_HEAP();
    ck_assert_uint_eq(stats().live_blocks, N);
    (void)dalloc_compact(&heap);
    CHECK_HEAP();
    for (i = 0; i < N; i += 2) {
        ck_assert(test_verify(r[i], 64 + i, (unsigned)i));
        ck_assert(test_verify(f[i], 48 + i, 500 + (unsigned)i));
    }
    for (i = 0; i < N; i++)
        ck_assert_int_eq(dalloc_module_unregister(&heap, id[i]), DALLOC_OK);
    ck_assert_uint_eq(dalloc_module_list(&heap, NULL, 0), 0);
    ck_assert_uint_eq(stats().live_blocks, 0);
    ck_assert_uint_eq(stats().used_bytes, 0);
    for (i = 0; i < N; i += 2)
        ck_assert_ptr_null(r[i]);
    CHECK_HEAP();
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Release                                                                  */

START_TEST(release_frees_all_blocks_of_the_module)
{
    dalloc_module_t m = reg("m"), n = reg("n");
    void *u0 = NULL, *m0 = NULL, *n0 = NULL, *m1 = NULL, *u1 = NULL, *n1 = NULL, *m2 = NULL;
    uint8_t *mf0, *nf0, *mf1, *uf0;
    dalloc_stats_t st0, st1;
    dalloc_module_stats_t ms;
    size_t mbytes;

    /* Interleave the modules' blocks in both regions. */
    ck_assert_int_eq(dalloc_alloc(&heap, 70, &u0), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 100, &m0, m), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 110, &n0, n), DALLOC_OK);
    mf0 = dalloc_fixed_alloc(&heap, 120, 0, m);
    nf0 = dalloc_fixed_alloc(&heap, 130, 0, n);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 140, &m1, m), DALLOC_OK);
    uf0 = dalloc_malloc(&heap, 150);
    mf1 = dalloc_fixed_alloc(&heap, 160, 64, m);
    ck_assert_int_eq(dalloc_alloc(&heap, 170, &u1), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 180, &n1, n), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 190, &m2, m), DALLOC_OK);
    ck_assert_ptr_nonnull(mf0);
    ck_assert_ptr_nonnull(nf0);
    ck_assert_ptr_nonnull(uf0);
    ck_assert_ptr_nonnull(mf1);
    ck_assert_int_eq(dalloc_pin(&heap, &m1), DALLOC_OK); /* pinned or not, released */
    test_fill(u0, 70, 1);
    test_fill(n0, 110, 2);
    test_fill(nf0, 130, 3);
    test_fill(uf0, 150, 4);
    test_fill(u1, 170, 5);
    test_fill(n1, 180, 6);
    CHECK_HEAP();

    ms = mstats(m);
    ck_assert_uint_eq(ms.blocks, 5);
    mbytes = ms.bytes;
    st0 = stats();
    ck_assert_int_eq(dalloc_module_release(&heap, m), DALLOC_OK);
    ASSERT_ERROR(DALLOC_OK);
    st1 = stats();
    CHECK_HEAP();
    ck_assert_ptr_null(m0);
    ck_assert_ptr_null(m1);
    ck_assert_ptr_null(m2);
    ck_assert_uint_eq(st1.live_blocks, st0.live_blocks - 5);
    ck_assert_uint_eq(st1.used_bytes, st0.used_bytes - mbytes);
    ck_assert_uint_eq(st1.pinned_blocks, 0);
    ck_assert_uint_eq(st1.bytes_moved, st0.bytes_moved); /* no block moved */
    ms = mstats(m);
    ck_assert_uint_eq(ms.blocks, 0);
    ck_assert_uint_eq(ms.bytes, 0);
    ck_assert_uint_eq(ms.peak_bytes, mbytes);
    /* Still registered. */
    ck_assert_uint_eq(dalloc_module_find(&heap, "m"), m);
    /* The fixed blocks of m are gone. */
    ck_assert_int_eq(dalloc_fixed_free(&heap, mf0), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_fixed_free(&heap, mf1), DALLOC_E_NOTBLOCK);
    /* Everything else intact, in place. */
    ck_assert(test_verify(u0, 70, 1));
    ck_assert(test_verify(n0, 110, 2));
    ck_assert(test_verify(nf0, 130, 3));
    ck_assert(test_verify(uf0, 150, 4));
    ck_assert(test_verify(u1, 170, 5));
    ck_assert(test_verify(n1, 180, 6));
    ck_assert_uint_eq(mstats(n).blocks, 3);
    ck_assert_uint_eq(dalloc_module_of(&heap, n0), n);
    ck_assert_uint_eq(dalloc_module_of(&heap, nf0), n);
    ck_assert_uint_eq(dalloc_module_of(&heap, u1), DALLOC_NO_MODULE);
    /* Compaction moves the survivors; their pointers follow. */
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    CHECK_HEAP();
    ck_assert(test_verify(u0, 70, 1));
    ck_assert(test_verify(n0, 110, 2));
    ck_assert(test_verify(nf0, 130, 3));
    ck_assert(test_verify(uf0, 150, 4));
    ck_assert(test_verify(u1, 170, 5));
    ck_assert(test_verify(n1, 180, 6));
    ck_assert_int_eq(dalloc_validate(&heap, &n0, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &n1, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &u1, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    /* The module can be used again. */
    ck_assert_int_eq(dalloc_alloc_in(&heap, 100, &m0, m), DALLOC_OK);
    ck_assert_uint_eq(mstats(m).blocks, 1);
    CHECK_HEAP();
}
END_TEST

/* Owners inside the module's own blocks, and a block of the module whose
 * owner lies in another module's block (that owner is cleared). */
START_TEST(release_with_owners_inside_blocks)
{
    dalloc_module_t m = reg("m"), n = reg("n");
    void **node, **nf;
    void *head = NULL;
    dalloc_stats_t st0;

    /* A chain of m's blocks: head -> node -> node[0] -> ... */
    ck_assert_int_eq(dalloc_alloc_in(&heap, 4 * sizeof(void *), &head, m), DALLOC_OK);
    memset(head, 0, 4 * sizeof(void *));
    node = head;
    ck_assert_int_eq(dalloc_alloc_in(&heap, 4 * sizeof(void *), &node[0], m), DALLOC_OK);
    memset(node[0], 0, 4 * sizeof(void *));
    node = node[0];
    ck_assert_int_eq(dalloc_alloc_in(&heap, 64, &node[0], m), DALLOC_OK);
    /* n's fixed block owns a block of m. */
    nf = dalloc_fixed_alloc(&heap, 4 * sizeof(void *), 0, n);
    ck_assert_ptr_nonnull(nf);
    memset(nf, 0, 4 * sizeof(void *));
    ck_assert_int_eq(dalloc_alloc_in(&heap, 64, &nf[1], m), DALLOC_OK);
    CHECK_HEAP();
    st0 = stats();
    ck_assert_int_eq(dalloc_module_release(&heap, m), DALLOC_OK);
    CHECK_HEAP();
    ck_assert_ptr_null(head);
    ck_assert_ptr_null(nf[1]);
    ck_assert_uint_eq(stats().live_blocks, st0.live_blocks - 4);
    ck_assert_uint_eq(mstats(m).blocks, 0);
    /* nf holds no owner any more: it can be freed. */
    ck_assert_int_eq(dalloc_fixed_free(&heap, nf), DALLOC_OK);
    ck_assert_uint_eq(stats().live_blocks, 0);
    CHECK_HEAP();
}
END_TEST

/* A block of module b whose owner lay inside a released block of module a
 * is orphaned: it stays allocated, its owner is never written again (even
 * when the freed space is reused by a block holding the orphan's old
 * address and the orphan then moves), and it can be freed by value. */
START_TEST(release_orphans_dependents_that_move)
{
    dalloc_module_t a = reg("a"), b = reg("b");
    void *r0 = NULL, *copy, *v;
    void **fa, **nf;
    uint8_t *bottom;
    size_t i, words = 8;
    dalloc_stats_t st;

    ck_assert_int_eq(dalloc_alloc(&heap, 64, &r0), DALLOC_OK);
    bottom = r0;
    fa = dalloc_fixed_alloc(&heap, words * sizeof(void *), 0, a);
    ck_assert_ptr_nonnull(fa);
    memset(fa, 0, words * sizeof(void *));
    ck_assert_int_eq(dalloc_alloc_in(&heap, 200, &fa[3], b), DALLOC_OK);
    test_fill(fa[3], 200, 61);
    copy = fa[3];
    CHECK_HEAP();

    ck_assert_int_eq(dalloc_module_release(&heap, a), DALLOC_OK);
    CHECK_HEAP();
    ck_assert_uint_eq(mstats(a).blocks, 0);
    ck_assert_uint_eq(mstats(b).blocks, 1);
    ck_assert_uint_eq(dalloc_module_of(&heap, copy), b);
    ck_assert(test_verify(copy, 200, 61));

    /* A new fixed block of the same size takes the released space and
     * holds the orphan's address in every word, as a plain value. */
    nf = dalloc_malloc(&heap, words * sizeof(void *) + TRAILER);
    ck_assert_ptr_eq(nf, fa);
    words += TRAILER / sizeof(void *);
    for (i = 0; i < words; i++)
        nf[i] = copy;
    CHECK_HEAP();

    /* The orphan moves down when r0 goes: nothing may be written in nf. */
    ck_assert_int_eq(dalloc_free(&heap, &r0, USING_PTR_ADDRESS), DALLOC_OK);
    st = stats();
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    ck_assert_uint_gt(stats().bytes_moved, st.bytes_moved);
    for (i = 0; i < words; i++)
        ck_assert_msg(nf[i] == copy, "word %zu of an unrelated block was rewritten by compaction", i);
    CHECK_HEAP();
    ck_assert_uint_eq(stats().live_blocks, 2);
    ck_assert_uint_eq(mstats(b).blocks, 1);
    ck_assert_uint_eq(mstats(b).bytes, mod_block_size(200));

    /* The orphan slid to the bottom, intact; free it by value. */
    ck_assert_uint_eq(dalloc_module_of(&heap, bottom), b);
    ck_assert(test_verify(bottom, 200, 61));
    v = bottom;
    ck_assert_int_eq(dalloc_free(&heap, &v, USING_PTR_VALUE), DALLOC_OK);
    ck_assert_ptr_null(v);
    ck_assert_uint_eq(mstats(b).blocks, 0);
    ck_assert_uint_eq(stats().live_blocks, 1);
    for (i = 0; i < words; i++)
        ck_assert(nf[i] == copy);
    CHECK_HEAP();
}
END_TEST

START_TEST(release_orphan_freed_by_value_copy)
{
    dalloc_module_t a = reg("a"), b = reg("b");
    void *r1 = NULL, *r2 = NULL, *copy, *v;
    void **fa;
    dalloc_stats_t st0;

    fa = dalloc_fixed_alloc(&heap, 4 * sizeof(void *), 0, a);
    ck_assert_ptr_nonnull(fa);
    memset(fa, 0, 4 * sizeof(void *));
    /* The orphan-to-be is the lowest relocatable block: it never moves. */
    ck_assert_int_eq(dalloc_alloc_in(&heap, 96, &fa[0], b), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 300, &r1), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &r2), DALLOC_OK);
    test_fill(fa[0], 96, 71);
    test_fill(r2, 100, 72);
    copy = fa[0];

    ck_assert_int_eq(dalloc_module_release(&heap, a), DALLOC_OK);
    CHECK_HEAP();
    ck_assert_int_eq(dalloc_free(&heap, &r1, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    CHECK_HEAP();
    ck_assert(test_verify(r2, 100, 72));
    ck_assert(test_verify(copy, 96, 71));
    /* The orphan is no longer known by an owner ... */
    ck_assert_int_eq(dalloc_validate(&heap, &copy, USING_PTR_ADDRESS, NULL), DALLOC_E_NOTBLOCK);
    /* ... but by value it is. */
    v = copy;
    ck_assert_int_eq(dalloc_validate(&heap, &v, USING_PTR_VALUE, NULL), DALLOC_OK);
    st0 = stats();
    ck_assert_int_eq(dalloc_free(&heap, &v, USING_PTR_VALUE), DALLOC_OK);
    ck_assert_ptr_null(v);
    ck_assert_uint_eq(stats().live_blocks, st0.live_blocks - 1);
    ck_assert_uint_eq(mstats(b).blocks, 0);
    ck_assert(test_verify(r2, 100, 72));
    CHECK_HEAP();
}
END_TEST

/* Release costs O(blocks of the module): with 1000 other blocks, releasing
 * a module of 3 frees exactly those 3, moves nothing, and touches none of
 * the 1000 (contents and addresses). */
START_TEST(release_small_module_among_many_blocks)
{
    enum { N = 1000 };
    static void *r[N];
    static uint8_t *f[N], *addr[N];
    dalloc_module_t m = reg("m"), other = reg("other");
    void *m0 = NULL, *m1 = NULL;
    uint8_t *mf;
    dalloc_stats_t st0, st1;
    size_t i;

    memset(r, 0, sizeof r);
    memset(f, 0, sizeof f);
    for (i = 0; i < N; i++) {
        size_t n = 8 + i % 24;
        if (i == N / 3)
            ck_assert_int_eq(dalloc_alloc_in(&heap, 40, &m0, m), DALLOC_OK);
        if (i == N / 2) {
            mf = dalloc_fixed_alloc(&heap, 40, 0, m);
            ck_assert_ptr_nonnull(mf);
        }
        if (i == 2 * N / 3)
            ck_assert_int_eq(dalloc_alloc_in(&heap, 40, &m1, m), DALLOC_OK);
        if (i % 4 == 3) {
            f[i] = dalloc_fixed_alloc(&heap, n, 0, i % 8 == 7 ? other : DALLOC_NO_MODULE);
            ck_assert_ptr_nonnull(f[i]);
            addr[i] = f[i];
        } else {
            ck_assert_int_eq(dalloc_alloc_in(&heap, n, &r[i], i % 3 == 0 ? other : DALLOC_NO_MODULE), DALLOC_OK);
            addr[i] = r[i];
        }
        test_fill(addr[i], n, (unsigned)i);
    }
    CHECK_HEAP();
    st0 = stats();
    ck_assert_uint_eq(st0.live_blocks, N + 3);
    ck_assert_uint_eq(mstats(m).blocks, 3);

    ck_assert_int_eq(dalloc_module_release(&heap, m), DALLOC_OK);
    st1 = stats();
    ck_assert_uint_eq(st1.live_blocks, N);
    ck_assert_uint_eq(st1.used_bytes, st0.used_bytes - 3 * mod_block_size(40));
    ck_assert_uint_eq(st1.bytes_moved, st0.bytes_moved);
    ck_assert_uint_eq(st1.compactions, st0.compactions);
    ck_assert_ptr_null(m0);
    ck_assert_ptr_null(m1);
    for (i = 0; i < N; i++) {
        uint8_t *p = i % 4 == 3 ? f[i] : (uint8_t *)r[i];
        ck_assert_ptr_eq(p, addr[i]);
        ck_assert_msg(test_verify(p, 8 + i % 24, (unsigned)i), "block %zu changed", i);
    }
    CHECK_HEAP();
}
END_TEST

START_TEST(unregister_then_register_reuses)
{
    dalloc_module_t a = reg("a"), b = reg("b"), c = reg("c"), d;
    dalloc_module_t ids[4];
    void *rb = NULL;
    uint8_t *fb;
    dalloc_module_stats_t ms;
    size_t n, i;

    ck_assert_int_eq(dalloc_alloc_in(&heap, 100, &rb, b), DALLOC_OK);
    fb = dalloc_fixed_alloc(&heap, 100, 0, b);
    ck_assert_ptr_nonnull(fb);
    ck_assert_int_eq(dalloc_module_set_quota(&heap, b, 5000), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_unregister(&heap, b), DALLOC_OK);
    ASSERT_ERROR(DALLOC_OK);
    CHECK_HEAP();
    ck_assert_ptr_null(rb);
    ck_assert_uint_eq(stats().live_blocks, 0);
    ck_assert_int_eq(dalloc_fixed_free(&heap, fb), DALLOC_E_NOTBLOCK);
    ck_assert_uint_eq(dalloc_module_find(&heap, "b"), DALLOC_NO_MODULE);
    ck_assert_int_eq(dalloc_module_stats(&heap, b, &ms), DALLOC_E_MODULE);
    n = dalloc_module_list(&heap, ids, 4);
    ck_assert_uint_eq(n, 2);
    for (i = 0; i < n; i++)
        ck_assert_uint_ne(ids[i], b);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 10, &rb, b), DALLOC_E_MODULE);

    /* A new registration takes the freed id, with fresh figures. */
    d = reg("d");
    ck_assert_uint_eq(d, b);
    ms = mstats(d);
    ck_assert_str_eq(ms.name, "d");
    ck_assert_uint_eq(ms.blocks, 0);
    ck_assert_uint_eq(ms.bytes, 0);
    ck_assert_uint_eq(ms.peak_bytes, 0);
    ck_assert_uint_eq(ms.quota, 0);
    ck_assert_uint_eq(dalloc_module_find(&heap, "a"), a);
    ck_assert_uint_eq(dalloc_module_find(&heap, "c"), c);
    ck_assert_uint_eq(dalloc_module_list(&heap, NULL, 0), 3);
    /* "b" again is a new module too. */
    ck_assert_uint_ne(reg("b"), d);
    CHECK_HEAP();
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Quotas                                                                   */

START_TEST(quota_refuses_fixed_and_relocatable)
{
    dalloc_module_t m = reg("m"), n = reg("n");
    void *r0 = NULL, *r1 = NULL, *rn = NULL;
    uint8_t *f0, *f1, *fn;
    dalloc_module_stats_t ms;
    dalloc_stats_t st0;

    /* Room for exactly two blocks of 100 bytes. */
    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, 2 * mod_block_size(100)), DALLOC_OK);
    ASSERT_ERROR(DALLOC_OK);
    ck_assert_uint_eq(mstats(m).quota, 2 * mod_block_size(100));
    ck_assert_int_eq(dalloc_alloc_in(&heap, 100, &r0, m), DALLOC_OK);
    f0 = dalloc_fixed_alloc(&heap, 100, 0, m);
    ck_assert_ptr_nonnull(f0);
    ck_assert_uint_eq(mstats(m).bytes, 2 * mod_block_size(100));

    st0 = stats();
    r1 = &r1; /* refusal clears the owner */
    ck_assert_int_eq(dalloc_alloc_in(&heap, 1, &r1, m), DALLOC_E_QUOTA);
    ASSERT_ERROR(DALLOC_E_QUOTA);
    ck_assert_ptr_null(r1);
    f1 = dalloc_fixed_alloc(&heap, 1, 0, m);
    ck_assert_ptr_null(f1);
    ASSERT_ERROR(DALLOC_E_QUOTA);
    ms = mstats(m);
    ck_assert_uint_eq(ms.blocks, 2);
    ck_assert_uint_eq(ms.bytes, 2 * mod_block_size(100));
    ck_assert_uint_eq(stats().used_bytes, st0.used_bytes);
    ck_assert_uint_eq(stats().live_blocks, st0.live_blocks);
    CHECK_HEAP();

    /* Other modules and untracked blocks are not affected. */
    ck_assert_int_eq(dalloc_alloc_in(&heap, 1000, &rn, n), DALLOC_OK);
    fn = dalloc_fixed_alloc(&heap, 1000, 0, n);
    ck_assert_ptr_nonnull(fn);
    ck_assert_ptr_nonnull(dalloc_malloc(&heap, 1000));

    /* Freeing makes room again. */
    ck_assert_int_eq(dalloc_fixed_free(&heap, f0), DALLOC_OK);
    f1 = dalloc_fixed_alloc(&heap, 100, 0, m);
    ck_assert_ptr_nonnull(f1);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 1, &r1, m), DALLOC_E_QUOTA);
    CHECK_HEAP();
}
END_TEST

/* Fixed blocks of a module taken from holes and freed (the inlined common
 * paths of dalloc_fixed_alloc and dalloc_fixed_free): the module's list and
 * figures stay right, and its quota still counts the block given, exactly. */
START_TEST(fixed_module_blocks_reuse_holes)
{
    dalloc_module_t m = reg("m"), n = reg("n");
    uint8_t *f[6], *g;
    dalloc_module_stats_t ms;
    size_t i, bs = mod_block_size(100);

    for (i = 0; i < 6; i++) {
        f[i] = dalloc_fixed_alloc(&heap, 100, 0, i % 2 ? n : m);
        ck_assert_ptr_nonnull(f[i]);
        memset(f[i], (int)(0x40 + i), 100);
    }
    ck_assert_int_eq(dalloc_fixed_free(&heap, f[2]), DALLOC_OK); /* a hole between used blocks */
    ms = mstats(m);
    ck_assert_uint_eq(ms.blocks, 2);
    ck_assert_uint_eq(ms.bytes, 2 * bs);
    g = dalloc_fixed_alloc(&heap, 40, 0, m); /* from the hole, split */
    ck_assert_ptr_eq(g, f[2]);
    ck_assert_uint_eq(dalloc_module_of(&heap, g), m);
    ms = mstats(m);
    ck_assert_uint_eq(ms.blocks, 3);
    ck_assert_uint_eq(ms.bytes, 2 * bs + mod_block_size(40));
    ck_assert_uint_eq(ms.peak_bytes, 3 * bs);
    CHECK_HEAP();
    ck_assert_int_eq(dalloc_fixed_free(&heap, g), DALLOC_OK);
    g = dalloc_fixed_alloc(&heap, 100, 0, m); /* the hole again, merged */
    ck_assert_ptr_eq(g, f[2]);
    ck_assert_uint_eq(mstats(m).bytes, 3 * bs);
    CHECK_HEAP();

    /* A quota of exactly the blocks held plus one: the hole is given. */
    ck_assert_int_eq(dalloc_fixed_free(&heap, g), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, 3 * bs), DALLOC_OK);
    g = dalloc_fixed_alloc(&heap, 100, 0, m);
    ck_assert_ptr_eq(g, f[2]);
    ck_assert_uint_eq(mstats(m).bytes, 3 * bs);
    /* One byte more is refused, and nothing changes. */
    ck_assert_int_eq(dalloc_fixed_free(&heap, g), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, 3 * bs - ALIGN), DALLOC_OK);
    snapshot();
    ck_assert_ptr_null(dalloc_fixed_alloc(&heap, 100, 0, m));
    ASSERT_ERROR(DALLOC_E_QUOTA);
    assert_unchanged_from(buf);
    CHECK_HEAP();

    /* Freeing each block takes it off its module's list. */
    for (i = 0; i < 6; i++) {
        if (i == 2)
            continue;
        ck_assert_uint_eq(f[i][99], 0x40 + i);
        ck_assert_int_eq(dalloc_fixed_free(&heap, f[i]), DALLOC_OK);
        CHECK_HEAP();
    }
    ck_assert_uint_eq(mstats(m).blocks, 0);
    ck_assert_uint_eq(mstats(m).bytes, 0);
    ck_assert_uint_eq(mstats(n).blocks, 0);
    ck_assert_uint_eq(stats().live_blocks, 0);
}
END_TEST

START_TEST(quota_refuses_realloc_growth)
{
    dalloc_module_t m = reg("m");
    void *r = NULL, *gap = NULL;
    uint8_t *f, *above;
    size_t q = mod_block_size(100) + mod_block_size(200);

    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, q), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 100, &r, m), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 16, &gap), DALLOC_OK);
    above = dalloc_malloc(&heap, 16);
    f = dalloc_fixed_alloc(&heap, 200, 0, m);
    ck_assert_ptr_nonnull(above);
    ck_assert_ptr_nonnull(f);
    test_fill(r, 100, 81);
    test_fill(f, 200, 82);

    ck_assert_int_eq(dalloc_realloc(&heap, 100 + ALIGN, &r), DALLOC_E_QUOTA);
    ck_assert(test_verify(r, 100, 81));
    ck_assert_ptr_null(dalloc_fixed_realloc(&heap, f, 200 + ALIGN));
    ASSERT_ERROR(DALLOC_E_QUOTA);
    ck_assert(test_verify(f, 200, 82));
    ck_assert_uint_eq(mstats(m).bytes, q);
    CHECK_HEAP();

    /* Shrinking is always allowed; then growing back up to the quota. */
    ck_assert_int_eq(dalloc_realloc(&heap, 40, &r), DALLOC_OK);
    ck_assert_ptr_eq(dalloc_fixed_realloc(&heap, f, 100), f);
    ck_assert_uint_eq(mstats(m).bytes, mod_block_size(40) + mod_block_size(100));
    ck_assert_int_eq(dalloc_realloc(&heap, 100, &r), DALLOC_OK);
    f = dalloc_fixed_realloc(&heap, f, 200);
    ck_assert_ptr_nonnull(f);
    ck_assert(test_verify(r, 40, 81));
    ck_assert(test_verify(f, 100, 82));
    ck_assert_uint_eq(mstats(m).bytes, q);
    CHECK_HEAP();
}
END_TEST

START_TEST(quota_zero_means_none_and_lowering_keeps_blocks)
{
    dalloc_module_t m = reg("m");
    void *r[20];
    size_t i;
    dalloc_module_stats_t ms;

    memset(r, 0, sizeof r);
    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, 0), DALLOC_OK);
    for (i = 0; i < 20; i++) {
        ck_assert_int_eq(dalloc_alloc_in(&heap, 1000, &r[i], m), DALLOC_OK);
        test_fill(r[i], 1000, (unsigned)i);
    }
    ck_assert_uint_eq(mstats(m).quota, 0);
    /* A quota far below the usage keeps every block. */
    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, 1), DALLOC_OK);
    ms = mstats(m);
    ck_assert_uint_eq(ms.quota, 1);
    ck_assert_uint_eq(ms.blocks, 20);
    ck_assert_uint_eq(ms.bytes, 20 * mod_block_size(1000));
    for (i = 0; i < 20; i++)
        ck_assert(test_verify(r[i], 1000, (unsigned)i));
    ck_assert_ptr_null(dalloc_fixed_alloc(&heap, 1, 0, m));
    ASSERT_ERROR(DALLOC_E_QUOTA);
    /* Freeing and shrinking still work. */
    ck_assert_int_eq(dalloc_free(&heap, &r[0], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_realloc(&heap, 10, &r[1]), DALLOC_OK);
    ck_assert(test_verify(r[1], 10, 1));
    CHECK_HEAP();
    /* Back to no quota. */
    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, 0), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 1000, &r[0], m), DALLOC_OK);
    ck_assert_uint_eq(mstats(m).blocks, 20);
    CHECK_HEAP();
}
END_TEST

/* Fill the heap's free space with minimum blocks (owners in a static
 * array), so that only holes made afterwards can serve a request. */
static void *fillers[4096];

static size_t fill_heap(void)
{
    size_t n = 0;
    memset(fillers, 0, sizeof fillers);
    while (n < sizeof fillers / sizeof fillers[0] && dalloc_alloc(&heap, 1, &fillers[n]) == DALLOC_OK)
        n++;
    ck_assert_uint_lt(n, sizeof fillers / sizeof fillers[0]);
    return n;
}

/* The quota caps the bytes of the blocks the module is given: a block taken
 * whole from a hole slightly larger than the request counts in full, so it
 * must not be given past the quota.  Setup: the only free space is a hole of
 * the request's block size plus one granule (too little to split off). */
static size_t quota_hole_setup(dalloc_module_t m, int fixed)
{
    size_t want = mod_block_size(100), hole = want + ALIGN;
    uint8_t *x, *y;
    void *rx = NULL, *ry = NULL;

    if (fixed) {
        x = dalloc_malloc(&heap, hole - dalloc_header_size());
        y = dalloc_malloc(&heap, 16);
        ck_assert_ptr_nonnull(x);
        ck_assert_ptr_nonnull(y);
    } else {
        ck_assert_int_eq(dalloc_alloc(&heap, hole - dalloc_header_size(), &rx), DALLOC_OK);
        ck_assert_int_eq(dalloc_alloc(&heap, 16, &ry), DALLOC_OK);
    }
    (void)fill_heap();
    if (fixed)
        ck_assert_int_eq(dalloc_fixed_free(&heap, x), DALLOC_OK);
    else
        ck_assert_int_eq(dalloc_free(&heap, &rx, USING_PTR_ADDRESS), DALLOC_OK);
    CHECK_HEAP();
    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, want), DALLOC_OK);
    return want;
}

START_TEST(quota_counts_the_fixed_block_given)
{
    dalloc_module_t m = reg("m");
    dalloc_module_stats_t ms;
    uint8_t *f;

    if (ALIGN >= MIN_BLK)
        return; /* a hole one granule larger is split: nothing to test */
    (void)quota_hole_setup(m, 1);
    f = dalloc_fixed_alloc(&heap, 100, 0, m);
    ms = mstats(m);
    ck_assert_msg(f == NULL || ms.bytes <= ms.quota, "module holds %zu bytes, quota %zu", ms.bytes, ms.quota);
    ck_assert_msg(f != NULL || dalloc_last_error(&heap) == DALLOC_E_QUOTA, "refused with %s",
                  dalloc_strerror(dalloc_last_error(&heap)));
    CHECK_HEAP();
}
END_TEST

START_TEST(quota_counts_the_relocatable_block_given)
{
    dalloc_module_t m = reg("m");
    dalloc_module_stats_t ms;
    dalloc_status_t st;
    void *r = NULL;

    if (ALIGN >= MIN_BLK)
        return;
    (void)quota_hole_setup(m, 0);
    st = dalloc_alloc_in(&heap, 100, &r, m);
    ms = mstats(m);
    ck_assert_msg(st != DALLOC_OK || ms.bytes <= ms.quota, "module holds %zu bytes, quota %zu", ms.bytes,
                  ms.quota);
    ck_assert_msg(st == DALLOC_OK || st == DALLOC_E_QUOTA, "refused with %s", dalloc_strerror(st));
    CHECK_HEAP();
}
END_TEST

/* The same for growth: a block that grows in place into a hole it takes
 * whole (the rest being too small to split off) must not end past the quota.
 * Layout: the block, right above it a free hole of one minimum block, above
 * that a used block; the growth asked for is one granule. */
static void assert_within_quota(dalloc_module_t m, int ok, dalloc_status_t st, const char *what)
{
    dalloc_module_stats_t ms = mstats(m);
    ck_assert_msg(!ok || ms.bytes <= ms.quota, "%s: module holds %zu bytes, quota %zu", what, ms.bytes, ms.quota);
    ck_assert_msg(ok || st == DALLOC_E_QUOTA || st == DALLOC_E_NOMEM, "%s refused with %s", what,
                  dalloc_strerror(st));
    CHECK_HEAP();
}

START_TEST(quota_counts_fixed_growth_in_place)
{
    dalloc_module_t m = reg("m");
    uint8_t *x, *b, *y, *q;
    size_t s = mod_block_size(96);

    if (ALIGN >= MIN_BLK)
        return;
    x = dalloc_malloc(&heap, MIN_BLK - dalloc_header_size());
    b = dalloc_fixed_alloc(&heap, 96, 0, m);
    y = dalloc_malloc(&heap, 16);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(y);
    ck_assert_ptr_eq(b + s - dalloc_header_size(), header_of(x)); /* x right above b */
    ck_assert_int_eq(dalloc_fixed_free(&heap, x), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, s + ALIGN), DALLOC_OK);
    q = dalloc_fixed_realloc(&heap, b, 96 + ALIGN);
    assert_within_quota(m, q != NULL, dalloc_last_error(&heap), "dalloc_fixed_realloc");
}
END_TEST

/* Growth by moving: the new block is a fixed hole taken whole. */
START_TEST(quota_counts_fixed_realloc_move)
{
    dalloc_module_t m = reg("m");
    uint8_t *b, *hole, *y, *q;
    size_t s2 = mod_block_size(200);

    if (ALIGN >= MIN_BLK)
        return;
    b = dalloc_fixed_alloc(&heap, 96, 0, m);
    hole = dalloc_malloc(&heap, s2 + ALIGN - dalloc_header_size());
    y = dalloc_malloc(&heap, 16);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(hole);
    ck_assert_ptr_nonnull(y);
    (void)fill_heap();
    ck_assert_int_eq(dalloc_fixed_free(&heap, hole), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, s2), DALLOC_OK);
    q = dalloc_fixed_realloc(&heap, b, 200);
    assert_within_quota(m, q != NULL, dalloc_last_error(&heap), "dalloc_fixed_realloc (moving)");
}
END_TEST

START_TEST(quota_counts_relocatable_growth_in_place)
{
    dalloc_module_t m = reg("m");
    void *r = NULL, *x = NULL, *y = NULL;
    size_t s = mod_block_size(96);
    dalloc_status_t st;

    if (ALIGN >= MIN_BLK)
        return;
    ck_assert_int_eq(dalloc_alloc_in(&heap, 96, &r, m), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, MIN_BLK - dalloc_header_size(), &x), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 16, &y), DALLOC_OK);
    ck_assert_ptr_eq((uint8_t *)r + s, x); /* x right above r */
    ck_assert_int_eq(dalloc_free(&heap, &x, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, s + ALIGN), DALLOC_OK);
    st = dalloc_realloc(&heap, 96 + ALIGN, &r);
    assert_within_quota(m, st == DALLOC_OK, st, "dalloc_realloc");
}
END_TEST

START_TEST(quota_counts_retag_growth_in_place)
{
    dalloc_module_t m = reg("m");
    uint8_t *x, *f, *y;
    void *r = NULL, *rx = NULL, *ry = NULL;
    size_t s = test_block_size(96);
    dalloc_status_t st;

    if (TRAILER >= MIN_BLK)
        return;
    /* Fixed. */
    x = dalloc_malloc(&heap, MIN_BLK - dalloc_header_size());
    f = dalloc_malloc(&heap, 96);
    y = dalloc_malloc(&heap, 16);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(y);
    ck_assert_ptr_eq(f + s, x);
    ck_assert_int_eq(dalloc_fixed_free(&heap, x), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, s + TRAILER), DALLOC_OK);
    st = dalloc_retag(&heap, f, m);
    assert_within_quota(m, st == DALLOC_OK, st, "dalloc_retag (fixed)");
    /* Relocatable. */
    ck_assert_int_eq(dalloc_module_unregister(&heap, m), DALLOC_OK);
    m = reg("m");
    ck_assert_int_eq(dalloc_alloc(&heap, 96, &r), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, MIN_BLK - dalloc_header_size(), &rx), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 16, &ry), DALLOC_OK);
    ck_assert_ptr_eq((uint8_t *)r + s, rx);
    ck_assert_int_eq(dalloc_free(&heap, &rx, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_set_quota(&heap, m, s + TRAILER), DALLOC_OK);
    st = dalloc_retag(&heap, r, m);
    assert_within_quota(m, st == DALLOC_OK, st, "dalloc_retag (relocatable)");
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Retag                                                                    */

START_TEST(retag_between_modules)
{
    dalloc_module_t a = reg("a"), b = reg("b");
    void *r = NULL, *before;
    uint8_t *f;
    dalloc_module_stats_t sa, sb;
    dalloc_stats_t st0;

    ck_assert_int_eq(dalloc_alloc_in(&heap, 100, &r, a), DALLOC_OK);
    f = dalloc_fixed_alloc(&heap, 200, 0, a);
    ck_assert_ptr_nonnull(f);
    test_fill(r, 100, 91);
    test_fill(f, 200, 92);
    st0 = stats();
    before = r;

    ck_assert_int_eq(dalloc_retag(&heap, r, b), DALLOC_OK);
    ASSERT_ERROR(DALLOC_OK);
    ck_assert_ptr_eq(r, before);
    sa = mstats(a);
    sb = mstats(b);
    ck_assert_uint_eq(sa.blocks, 1);
    ck_assert_uint_eq(sa.bytes, mod_block_size(200));
    ck_assert_uint_eq(sb.blocks, 1);
    ck_assert_uint_eq(sb.bytes, mod_block_size(100));
    ck_assert_uint_eq(sb.peak_bytes, mod_block_size(100));
    ck_assert_uint_eq(dalloc_module_of(&heap, r), b);
    CHECK_HEAP();

    ck_assert_int_eq(dalloc_retag(&heap, f, b), DALLOC_OK);
    sa = mstats(a);
    sb = mstats(b);
    ck_assert_uint_eq(sa.blocks, 0);
    ck_assert_uint_eq(sa.bytes, 0);
    ck_assert_uint_eq(sb.blocks, 2);
    ck_assert_uint_eq(sb.bytes, mod_block_size(100) + mod_block_size(200));
    ck_assert_uint_eq(dalloc_module_of(&heap, f), b);
    /* Moving between modules changes no size. */
    ck_assert_uint_eq(stats().used_bytes, st0.used_bytes);
    ck_assert(test_verify(r, 100, 91));
    ck_assert(test_verify(f, 200, 92));
    /* Retagging to the module it has is a no-op. */
    ck_assert_int_eq(dalloc_retag(&heap, f, b), DALLOC_OK);
    ck_assert_uint_eq(mstats(b).blocks, 2);
    CHECK_HEAP();
    /* Releasing a now releases nothing; releasing b frees both. */
    ck_assert_int_eq(dalloc_module_release(&heap, a), DALLOC_OK);
    ck_assert_uint_eq(stats().live_blocks, 2);
    ck_assert_int_eq(dalloc_module_release(&heap, b), DALLOC_OK);
    ck_assert_ptr_null(r);
    ck_assert_uint_eq(stats().live_blocks, 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(retag_respects_quota)
{
    dalloc_module_t a = reg("a"), b = reg("b");
    void *r = NULL;
    dalloc_module_stats_t sa;

    ck_assert_int_eq(dalloc_alloc_in(&heap, 300, &r, a), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_set_quota(&heap, b, mod_block_size(300) - ALIGN), DALLOC_OK);
    ck_assert_int_eq(dalloc_retag(&heap, r, b), DALLOC_E_QUOTA);
    ASSERT_ERROR(DALLOC_E_QUOTA);
    sa = mstats(a);
    ck_assert_uint_eq(sa.blocks, 1);
    ck_assert_uint_eq(mstats(b).blocks, 0);
    ck_assert_uint_eq(dalloc_module_of(&heap, r), a);
    ck_assert_int_eq(dalloc_module_set_quota(&heap, b, mod_block_size(300)), DALLOC_OK);
    ck_assert_int_eq(dalloc_retag(&heap, r, b), DALLOC_OK);
    ck_assert_uint_eq(dalloc_module_of(&heap, r), b);
    CHECK_HEAP();
}
END_TEST

START_TEST(retag_to_none)
{
    dalloc_module_t a = reg("a");
    void *r = NULL, *before;
    uint8_t *f;
    dalloc_stats_t st0, st1;
    size_t gain = TRAILER >= MIN_BLK ? TRAILER : 0;

    ck_assert_int_eq(dalloc_alloc_in(&heap, 100, &r, a), DALLOC_OK);
    f = dalloc_fixed_alloc(&heap, 200, 0, a);
    ck_assert_ptr_nonnull(f);
    test_fill(r, 100, 93);
    test_fill(f, 200, 94);
    before = r;
    st0 = stats();
    ck_assert_int_eq(dalloc_retag(&heap, r, DALLOC_NO_MODULE), DALLOC_OK);
    ck_assert_int_eq(dalloc_retag(&heap, f, DALLOC_NO_MODULE), DALLOC_OK);
    CHECK_HEAP();
    st1 = stats();
    ck_assert_ptr_eq(r, before);
    ck_assert_uint_eq(dalloc_module_of(&heap, r), DALLOC_NO_MODULE);
    ASSERT_ERROR(DALLOC_OK);
    ck_assert_uint_eq(dalloc_module_of(&heap, f), DALLOC_NO_MODULE);
    ck_assert_uint_eq(mstats(a).blocks, 0);
    ck_assert_uint_eq(mstats(a).bytes, 0);
    /* The trailers' bytes return to free space when they make a block. */
    ck_assert_uint_eq(st1.used_bytes, st0.used_bytes - 2 * gain);
    ck_assert_uint_eq(st1.live_blocks, st0.live_blocks);
    ck_assert(test_verify(r, 100, 93));
    ck_assert(test_verify(f, 200, 94));
    /* No longer released with the module. */
    ck_assert_int_eq(dalloc_module_release(&heap, a), DALLOC_OK);
    ck_assert_ptr_eq(r, before);
    ck_assert_uint_eq(stats().live_blocks, 2);
    /* Retag to none of a block with none: no-op. */
    ck_assert_int_eq(dalloc_retag(&heap, f, DALLOC_NO_MODULE), DALLOC_OK);
    ck_assert_int_eq(dalloc_fixed_free(&heap, f), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &r, USING_PTR_ADDRESS), DALLOC_OK);
    CHECK_HEAP();
}
END_TEST

START_TEST(retag_from_none_relocatable_moves)
{
    dalloc_module_t a = reg("a");
    void *r = NULL, *above = NULL, *old;
    dalloc_module_stats_t sa;
    dalloc_stats_t st0;

    ck_assert_int_eq(dalloc_alloc(&heap, 100, &r), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 50, &above), DALLOC_OK); /* r cannot grow */
    test_fill(r, 100, 95);
    test_fill(above, 50, 96);
    old = r;
    st0 = stats();
    ck_assert_int_eq(dalloc_retag(&heap, r, a), DALLOC_OK);
    CHECK_HEAP();
    ck_assert_ptr_ne(r, old); /* it moved, and its owner was rewritten */
    ck_assert(test_verify(r, 100, 95));
    ck_assert(test_verify(above, 50, 96));
    ck_assert_int_eq(dalloc_validate(&heap, &r, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_uint_eq(dalloc_module_of(&heap, r), a);
    ck_assert_uint_eq(dalloc_module_of(&heap, old), DALLOC_NO_MODULE);
    ASSERT_ERROR(DALLOC_E_NOTBLOCK);
    sa = mstats(a);
    ck_assert_uint_eq(sa.blocks, 1);
    ck_assert_uint_eq(sa.bytes, test_block_size(100) + TRAILER);
    ck_assert_uint_eq(stats().used_bytes, st0.used_bytes + TRAILER);
    ck_assert_uint_eq(stats().live_blocks, st0.live_blocks);
    ck_assert_uint_gt(stats().bytes_moved, st0.bytes_moved);
    /* Released with the module: the (rewritten) owner is cleared. */
    ck_assert_int_eq(dalloc_module_release(&heap, a), DALLOC_OK);
    ck_assert_ptr_null(r);
    ck_assert(test_verify(above, 50, 96));
    CHECK_HEAP();
}
END_TEST

START_TEST(retag_from_none_relocatable_in_place)
{
    dalloc_module_t a = reg("a");
    void *below = NULL, *r = NULL, *old;

    ck_assert_int_eq(dalloc_alloc(&heap, 80, &below), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &r), DALLOC_OK); /* the top block */
    test_fill(r, 100, 97);
    old = r;
    ck_assert_int_eq(dalloc_retag(&heap, r, a), DALLOC_OK);
    ck_assert_ptr_eq(r, old);
    ck_assert(test_verify(r, 100, 97));
    ck_assert_uint_eq(dalloc_module_of(&heap, r), a);
    ck_assert_uint_eq(mstats(a).bytes, test_block_size(100) + TRAILER);
    CHECK_HEAP();
}
END_TEST

START_TEST(retag_from_none_fixed)
{
    dalloc_module_t a = reg("a");
    void *lowest = NULL;
    uint8_t *x, *f, *g;
    dalloc_stats_t st0, st1;

    /* The lowest block of the heap: everything from its header up is
     * compared byte for byte. */
    ck_assert_int_eq(dalloc_alloc(&heap, 16, &lowest), DALLOC_OK);
    x = dalloc_malloc(&heap, 200);
    f = dalloc_malloc(&heap, 100);
    g = dalloc_malloc(&heap, 60);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(g);
    test_fill(f, 100, 98);
    test_fill(g, 60, 99);

    /* g cannot grow in place (f lies right above it): refused, unchanged. */
    snapshot();
    st0 = stats();
    ck_assert_int_eq(dalloc_retag(&heap, g, a), DALLOC_E_NOMEM);
    ASSERT_ERROR(DALLOC_E_NOMEM);
    st1 = stats();
    assert_unchanged_from(header_of(lowest));
    ck_assert_uint_eq(st1.used_bytes, st0.used_bytes);
    ck_assert_uint_eq(st1.live_blocks, st0.live_blocks);
    ck_assert_uint_eq(st1.free_blocks, st0.free_blocks);
    ck_assert_uint_eq(st1.refusals, st0.refusals + 1);
    ck_assert_uint_eq(dalloc_module_of(&heap, g), DALLOC_NO_MODULE);
    ck_assert_uint_eq(mstats(a).blocks, 0);
    ck_assert_uint_eq(mstats(a).bytes, 0);
    CHECK_HEAP();

    /* f grows in place into the hole x leaves. */
    ck_assert_int_eq(dalloc_fixed_free(&heap, x), DALLOC_OK);
    st0 = stats();
    ck_assert_int_eq(dalloc_retag(&heap, f, a), DALLOC_OK);
    CHECK_HEAP();
    ck_assert(test_verify(f, 100, 98));
    ck_assert(test_verify(g, 60, 99));
    ck_assert_uint_eq(dalloc_module_of(&heap, f), a);
    ck_assert_uint_eq(mstats(a).bytes, test_block_size(100) + TRAILER);
    ck_assert_uint_eq(stats().used_bytes, st0.used_bytes + TRAILER);
    /* It is still the same fixed block. */
    ck_assert_int_eq(dalloc_fixed_free(&heap, f), DALLOC_OK);
    ck_assert_uint_eq(mstats(a).blocks, 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(retag_refuses_non_blocks)
{
    dalloc_module_t a = reg("a");
    uint8_t *f = dalloc_malloc(&heap, 100);
    uint8_t local[16];
    ck_assert_ptr_nonnull(f);
    snapshot();
    ck_assert_int_eq(dalloc_retag(&heap, f + ALIGN, a), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_retag(&heap, local, a), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_retag(&heap, NULL, a), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_retag(&heap, buf + HEAP_SIZE / 2, a), DALLOC_E_NOTBLOCK);
    assert_unchanged_from(buf);
    ck_assert_uint_eq(mstats(a).blocks, 0);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Module of a block, unknown ids                                           */

START_TEST(module_of_blocks)
{
    dalloc_module_t a = reg("a"), b = reg("b");
    void *r0 = NULL, *ra = NULL;
    uint8_t *f0, *fb;
    uint8_t local[8];

    ck_assert_int_eq(dalloc_alloc(&heap, 40, &r0), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 40, &ra, a), DALLOC_OK);
    f0 = dalloc_malloc(&heap, 40);
    fb = dalloc_fixed_alloc(&heap, 40, 128, b);
    ck_assert_ptr_nonnull(f0);
    ck_assert_ptr_nonnull(fb);

    ck_assert_uint_eq(dalloc_module_of(&heap, r0), DALLOC_NO_MODULE);
    ASSERT_ERROR(DALLOC_OK);
    ck_assert_uint_eq(dalloc_module_of(&heap, ra), a);
    ASSERT_ERROR(DALLOC_OK);
    ck_assert_uint_eq(dalloc_module_of(&heap, f0), DALLOC_NO_MODULE);
    ASSERT_ERROR(DALLOC_OK);
    ck_assert_uint_eq(dalloc_module_of(&heap, fb), b);
    ASSERT_ERROR(DALLOC_OK);
    /* Not blocks. */
    ck_assert_uint_eq(dalloc_module_of(&heap, fb + ALIGN), DALLOC_NO_MODULE);
    ASSERT_ERROR(DALLOC_E_NOTBLOCK);
    (void)dalloc_module_of(&heap, ra);
    ck_assert_uint_eq(dalloc_module_of(&heap, local), DALLOC_NO_MODULE);
    ASSERT_ERROR(DALLOC_E_NOTBLOCK);
    (void)dalloc_module_of(&heap, ra);
    ck_assert_uint_eq(dalloc_module_of(&heap, NULL), DALLOC_NO_MODULE);
    ASSERT_ERROR(DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_fixed_free(&heap, fb), DALLOC_OK);
    (void)dalloc_module_of(&heap, ra);
    ck_assert_uint_eq(dalloc_module_of(&heap, fb), DALLOC_NO_MODULE);
    ASSERT_ERROR(DALLOC_E_NOTBLOCK);
    ck_assert_uint_eq(dalloc_module_of(NULL, ra), DALLOC_NO_MODULE);
    CHECK_HEAP();
}
END_TEST

/* The registry is a block of the library's own: it cannot be freed,
 * retagged or reported as a user block.  With modules registered before
 * any fixed block, the registry is the top block of the heap, so the first
 * fixed block's end is the registry's header. */
START_TEST(registry_is_not_a_user_block)
{
    dalloc_module_t a = reg("a");
    uint8_t *f = dalloc_malloc(&heap, 100), *registry;
    dalloc_stats_t st = stats();

    ck_assert_ptr_nonnull(f);
    /* The registry is the library's: not counted as live or used. */
    ck_assert_uint_eq(st.live_blocks, 1);
    ck_assert_uint_eq(st.used_bytes, test_block_size(100));
    registry = f + test_block_size(100);
    ck_assert((uintptr_t)registry < (uintptr_t)(buf + HEAP_SIZE));
    snapshot();
    ck_assert_int_eq(dalloc_fixed_free(&heap, registry), DALLOC_E_NOTBLOCK);
    ck_assert_ptr_null(dalloc_fixed_realloc(&heap, registry, 8));
    ASSERT_ERROR(DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_retag(&heap, registry, a), DALLOC_E_NOTBLOCK);
    ck_assert_uint_eq(dalloc_module_of(&heap, registry), DALLOC_NO_MODULE);
    ASSERT_ERROR(DALLOC_E_NOTBLOCK);
    assert_unchanged_from(buf);
    ck_assert_uint_eq(dalloc_module_find(&heap, "a"), a);
    CHECK_HEAP();
}
END_TEST

START_TEST(unknown_module_ids)
{
    dalloc_module_t a = reg("a"), gone = reg("gone"), unknown[3];
    void *r = NULL;
    uint8_t *f;
    dalloc_module_stats_t ms;
    size_t i;

    ck_assert_int_eq(dalloc_module_unregister(&heap, gone), DALLOC_OK);
    unknown[0] = gone;
    unknown[1] = (dalloc_module_t)(a + gone + 5);
    unknown[2] = (dalloc_module_t)0xFFFF;
    ck_assert_int_eq(dalloc_alloc(&heap, 50, &r), DALLOC_OK);
    f = dalloc_malloc(&heap, 50);
    ck_assert_ptr_nonnull(f);
    snapshot();
    for (i = 0; i < 3; i++) {
        dalloc_module_t id = unknown[i];
        void *o = &o;
        ck_assert_int_eq(dalloc_module_release(&heap, id), DALLOC_E_MODULE);
        ASSERT_ERROR(DALLOC_E_MODULE);
        ck_assert_int_eq(dalloc_module_unregister(&heap, id), DALLOC_E_MODULE);
        ASSERT_ERROR(DALLOC_E_MODULE);
        ck_assert_int_eq(dalloc_module_set_quota(&heap, id, 100), DALLOC_E_MODULE);
        ASSERT_ERROR(DALLOC_E_MODULE);
        ck_assert_int_eq(dalloc_module_stats(&heap, id, &ms), DALLOC_E_MODULE);
        ck_assert_int_eq(dalloc_retag(&heap, r, id), DALLOC_E_MODULE);
        ASSERT_ERROR(DALLOC_E_MODULE);
        ck_assert_int_eq(dalloc_retag(&heap, f, id), DALLOC_E_MODULE);
        ASSERT_ERROR(DALLOC_E_MODULE);
        ck_assert_int_eq(dalloc_alloc_in(&heap, 10, &o, id), DALLOC_E_MODULE);
        ASSERT_ERROR(DALLOC_E_MODULE);
        ck_assert_ptr_null(o);
        ck_assert_ptr_null(dalloc_fixed_alloc(&heap, 10, 0, id));
        ASSERT_ERROR(DALLOC_E_MODULE);
        assert_unchanged_from(buf);
    }
    /* DALLOC_NO_MODULE is no module: nothing to release, stat or cap. */
    ck_assert_int_eq(dalloc_module_release(&heap, DALLOC_NO_MODULE), DALLOC_E_MODULE);
    ck_assert_int_eq(dalloc_module_unregister(&heap, DALLOC_NO_MODULE), DALLOC_E_MODULE);
    ck_assert_int_eq(dalloc_module_set_quota(&heap, DALLOC_NO_MODULE, 1), DALLOC_E_MODULE);
    ck_assert_int_eq(dalloc_module_stats(&heap, DALLOC_NO_MODULE, &ms), DALLOC_E_MODULE);
    assert_unchanged_from(buf);
    ck_assert_uint_eq(stats().live_blocks, 2);
    ck_assert_uint_eq(dalloc_module_list(&heap, NULL, 0), 1);
    CHECK_HEAP();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("modules");
    TCase *tc;

    tc = tcase_create("registry");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, register_copies_the_name);
    tcase_add_test(tc, register_twice_returns_same_id);
    tcase_add_test(tc, register_refuses_bad_names);
    tcase_add_test(tc, find_and_list);
    tcase_add_test(tc, stats_track_blocks_bytes_peak);
    tcase_add_test(tc, fixed_realloc_keeps_module);
    tcase_add_test(tc, peak_after_moving_realloc);
    tcase_add_test(tc, many_modules_registry_grows);
    tcase_add_test(tc, unregister_then_register_reuses);
    tcase_add_test(tc, module_of_blocks);
    tcase_add_test(tc, registry_is_not_a_user_block);
    tcase_add_test(tc, unknown_module_ids);
    suite_add_tcase(s, tc);

    tc = tcase_create("release");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, release_frees_all_blocks_of_the_module);
    tcase_add_test(tc, release_with_owners_inside_blocks);
    tcase_add_test(tc, release_orphans_dependents_that_move);
    tcase_add_test(tc, release_orphan_freed_by_value_copy);
    tcase_add_test(tc, release_small_module_among_many_blocks);
    suite_add_tcase(s, tc);

    tc = tcase_create("quota");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, quota_refuses_fixed_and_relocatable);
    tcase_add_test(tc, fixed_module_blocks_reuse_holes);
    tcase_add_test(tc, quota_refuses_realloc_growth);
    tcase_add_test(tc, quota_zero_means_none_and_lowering_keeps_blocks);
    tcase_add_test(tc, quota_counts_the_fixed_block_given);
    tcase_add_test(tc, quota_counts_the_relocatable_block_given);
    tcase_add_test(tc, quota_counts_fixed_growth_in_place);
    tcase_add_test(tc, quota_counts_fixed_realloc_move);
    tcase_add_test(tc, quota_counts_relocatable_growth_in_place);
    tcase_add_test(tc, quota_counts_retag_growth_in_place);
    suite_add_tcase(s, tc);

    tc = tcase_create("retag");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, retag_between_modules);
    tcase_add_test(tc, retag_respects_quota);
    tcase_add_test(tc, retag_to_none);
    tcase_add_test(tc, retag_from_none_relocatable_moves);
    tcase_add_test(tc, retag_from_none_relocatable_in_place);
    tcase_add_test(tc, retag_from_none_fixed);
    tcase_add_test(tc, retag_refuses_non_blocks);
    suite_add_tcase(s, tc);

    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
