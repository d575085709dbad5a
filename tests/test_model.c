/*
 * test_model.c - randomised model test of relocatable blocks.
 *
 * Thousands of random steps (alloc, free, realloc, replace, pin/unpin, full
 * and incremental compaction, policy changes) run against a simple model.
 * Every block keeps one pointer-sized "child" word at the start of its
 * payload that may own another block, so owners live on the "stack" (an
 * array here) and inside heap blocks, which move.  The "mixed" case adds
 * fixed blocks (which may hold owners too), modules, module release and
 * retagging; a child always shares its parent's module, so releasing a
 * module frees whole subtrees.  After every step:
 *  - dalloc_check() finds every invariant intact;
 *  - every live block is reached through its owner chain, holds exactly its
 *    pattern, and validates by address and by value;
 *  - no allocation was refused while live bytes + headers + the request fit
 *    the arena (no pinned block, policy not manual).
 */
#include "testutil.h"

#include <stdio.h>

#define MAXB 160

enum { NONE = 0, OUTSIDE, INSIDE };

typedef struct {
    int kind;        /* NONE, OUTSIDE (owner = roots[i]) or INSIDE (child word of parent) */
    int fixed;       /* a fixed block: roots[i] is its address, not an owner */
    dalloc_module_t mod;
    int parent;      /* for INSIDE */
    int child;       /* the block owned by this block's child word, or -1 */
    size_t size;
    unsigned tag;
    int pinned;
} mblock_t;

static void *roots[MAXB];
static mblock_t m[MAXB];
static dalloc_heap_t heap;
static int mixed;                 /* fixed blocks and modules too */
static dalloc_module_t mods[4];   /* mods[0] = none */
TEST_BUFFER(buf, 24576);

static void **owner_of(int i)
{
    if (m[i].kind == OUTSIDE)
        return &roots[i];
    return (void **)*owner_of(m[i].parent); /* parent's payload starts with the child word */
}

static uint8_t *addr_of(int i) { return (uint8_t *)*owner_of(i); }

#define W sizeof(void *)

static void verify_all(int step)
{
    int i;
    ck_assert_msg(dalloc_check(&heap) == DALLOC_OK, "dalloc_check failed at step %d", step);
    for (i = 0; i < MAXB; i++) {
        uint8_t *p;
        uint32_t idx;
        if (m[i].kind == NONE)
            continue;
        p = addr_of(i);
        ck_assert_ptr_nonnull(p);
        if (!m[i].fixed) {
            ck_assert_msg(dalloc_validate(&heap, owner_of(i), USING_PTR_ADDRESS, &idx) == DALLOC_OK,
                          "block %d not valid by address at step %d", i, step);
            ck_assert_msg(dalloc_validate(&heap, (void **)&p, USING_PTR_VALUE, NULL) == DALLOC_OK,
                          "block %d not valid by value at step %d", i, step);
        }
        ck_assert_msg(dalloc_module_of(&heap, p) == m[i].mod, "block %d in the wrong module at step %d", i,
                      step);
        ck_assert_msg(test_verify(p + W, m[i].size - W, m[i].tag), "block %d content lost at step %d", i,
                      step);
        if (m[i].child < 0)
            ck_assert_ptr_null(*(void **)p);
        else
            ck_assert_ptr_eq(*(void **)p, addr_of(m[i].child));
    }
}

static size_t live_bytes(void)
{
    return heap.offset;
}

static int pick(uint32_t *rng, int want_live)
{
    int tries, i;
    for (tries = 0; tries < 4 * MAXB; tries++) {
        i = (int)(test_rand(rng) % MAXB);
        if ((m[i].kind != NONE) == want_live)
            return i;
    }
    return -1;
}

static void do_alloc(uint32_t *rng, int step, size_t arena)
{
    int i = pick(rng, 0), parent = -1;
    size_t n = W + test_rand(rng) % 600;
    void **owner;
    dalloc_status_t st;
    size_t before = live_bytes();
    int pinned_any = 0, k;

    dalloc_module_t mod = mixed ? mods[test_rand(rng) % 4] : DALLOC_NO_MODULE;

    if (i < 0)
        return;
    if (mixed && test_rand(rng) % 4 == 0) { /* a fixed block */
        static const size_t aligns[] = {0, 16, 64, 256};
        size_t al = aligns[test_rand(rng) % 4];
        void *p = dalloc_fixed_alloc(&heap, n, al, mod);
        if (p == NULL) {
            st = dalloc_last_error(&heap);
            ck_assert_msg(st == DALLOC_E_NOMEM || st == DALLOC_E_QUOTA, "fixed alloc: %s", dalloc_strerror(st));
            return;
        }
        ck_assert_uint_eq((uintptr_t)p % (al ? al : DALLOC_ALIGNMENT), 0);
        roots[i] = p;
        m[i].kind = OUTSIDE;
        m[i].fixed = 1;
        m[i].mod = mod;
        m[i].child = -1;
        m[i].size = n;
        m[i].tag = (unsigned)test_rand(rng);
        m[i].pinned = 0;
        *(void **)p = NULL;
        test_fill((uint8_t *)p + W, n - W, m[i].tag);
        return;
    }
    /* Half of the time the owner is the child word of a live block. */
    if (test_rand(rng) % 2) {
        parent = pick(rng, 1);
        if (parent >= 0 && m[parent].child >= 0)
            parent = -1;
    }
    if (parent >= 0)
        mod = m[parent].mod; /* a child shares its parent's module */
    owner = parent >= 0 ? (void **)addr_of(parent) : &roots[i];
    st = dalloc_alloc_in(&heap, n, owner, mod);
    for (k = 0; k < MAXB; k++)
        pinned_any |= m[k].kind != NONE && (m[k].pinned || m[k].fixed);
    if (st != DALLOC_OK) {
        ck_assert_msg(st == DALLOC_E_NOMEM || st == DALLOC_E_QUOTA, "alloc: %s", dalloc_strerror(st));
        /* The owner may have moved with its block during compaction. */
        owner = parent >= 0 ? (void **)addr_of(parent) : &roots[i];
        ck_assert_ptr_null(*owner);
        if (st == DALLOC_E_NOMEM && !pinned_any && dalloc_get_policy(&heap) != DALLOC_COMPACT_MANUAL)
            ck_assert_msg(before + test_block_size(n) > arena,
                          "refused %zu bytes with %zu of %zu used at step %d", n, before, arena, step);
        return;
    }
    m[i].kind = parent >= 0 ? INSIDE : OUTSIDE;
    m[i].fixed = 0;
    m[i].mod = mod;
    m[i].parent = parent;
    m[i].child = -1;
    m[i].size = n;
    m[i].tag = (unsigned)test_rand(rng);
    m[i].pinned = 0;
    if (parent >= 0)
        m[parent].child = i;
    *(void **)addr_of(i) = NULL;
    test_fill(addr_of(i) + W, n - W, m[i].tag);
}

static void do_free(uint32_t *rng)
{
    int i = pick(rng, 1);
    dalloc_status_t st;
    void *copy;
    if (i < 0)
        return;
    copy = addr_of(i);
    if (m[i].fixed)
        st = dalloc_fixed_free(&heap, copy);
    else if (test_rand(rng) % 2)
        st = dalloc_free(&heap, owner_of(i), USING_PTR_ADDRESS);
    else
        st = dalloc_free(&heap, &copy, USING_PTR_VALUE);
    if (m[i].child >= 0) {
        ck_assert_int_eq(st, DALLOC_E_BUSY);
        return;
    }
    ck_assert_int_eq(st, DALLOC_OK);
    if (m[i].kind == INSIDE) {
        ck_assert_ptr_null(*(void **)addr_of(m[i].parent));
        m[m[i].parent].child = -1;
    } else if (m[i].fixed) {
        roots[i] = NULL;
    } else {
        ck_assert_ptr_null(roots[i]);
    }
    m[i].kind = NONE;
}

static void do_realloc(uint32_t *rng)
{
    int i = pick(rng, 1);
    size_t n, keep;
    dalloc_status_t st;
    if (i < 0)
        return;
    n = W + test_rand(rng) % 900;
    if (m[i].fixed) {
        void *p = dalloc_fixed_realloc(&heap, roots[i], n);
        st = p != NULL ? DALLOC_OK : dalloc_last_error(&heap);
        if (p != NULL)
            roots[i] = p;
    } else {
        st = dalloc_realloc(&heap, n, owner_of(i));
    }
    if (st != DALLOC_OK) {
        ck_assert_msg(st == DALLOC_E_NOMEM || st == DALLOC_E_PINNED || st == DALLOC_E_QUOTA, "realloc: %s",
                      dalloc_strerror(st));
        if (st == DALLOC_E_PINNED)
            ck_assert(m[i].pinned);
        return;
    }
    keep = n < m[i].size ? n : m[i].size;
    ck_assert(test_verify(addr_of(i) + W, keep - W, m[i].tag));
    m[i].size = n;
    test_fill(addr_of(i) + W, n - W, m[i].tag);
}

static void do_replace(uint32_t *rng)
{
    int i = pick(rng, 1), j;
    if (i < 0 || m[i].kind != OUTSIDE || m[i].fixed)
        return;
    /* Hand block i to a free root index j (the model renumbers it j). */
    j = pick(rng, 0);
    if (j < 0)
        return;
    ck_assert_int_eq(dalloc_replace(&heap, &roots[i], &roots[j]), DALLOC_OK);
    ck_assert_ptr_null(roots[i]);
    m[j] = m[i];
    m[i].kind = NONE;
    if (m[j].child >= 0)
        m[m[j].child].parent = j;
}

static void do_pin(uint32_t *rng)
{
    int i = pick(rng, 1);
    if (i < 0 || m[i].fixed)
        return;
    if (m[i].pinned) {
        ck_assert_int_eq(dalloc_unpin(&heap, owner_of(i)), DALLOC_OK);
        m[i].pinned = 0;
    } else if (test_rand(rng) % 4 == 0) {
        ck_assert_int_eq(dalloc_pin(&heap, owner_of(i)), DALLOC_OK);
        m[i].pinned = 1;
    }
}

/* Release a module: every block of it goes, its roots are cleared. */
static void do_release(uint32_t *rng)
{
    dalloc_module_t mod = mods[1 + test_rand(rng) % 3];
    int i;
    ck_assert_int_eq(dalloc_module_release(&heap, mod), DALLOC_OK);
    for (i = 0; i < MAXB; i++) {
        if (m[i].kind == NONE || m[i].mod != mod)
            continue;
        if (m[i].kind == OUTSIDE && !m[i].fixed)
            ck_assert_ptr_null(roots[i]);
        if (m[i].fixed)
            roots[i] = NULL;
        m[i].kind = NONE;
    }
    for (i = 0; i < MAXB; i++)
        if (m[i].kind != NONE && m[i].child >= 0 && m[m[i].child].kind == NONE)
            ck_assert_msg(0, "a child outlived its parent's module");
}

/* Move a childless root block to another module (or none). */
static void do_retag(uint32_t *rng)
{
    int i = pick(rng, 1);
    dalloc_module_t to = mods[test_rand(rng) % 4];
    dalloc_status_t st;
    if (i < 0 || m[i].kind != OUTSIDE || m[i].child >= 0)
        return;
    st = dalloc_retag(&heap, addr_of(i), to);
    if (st == DALLOC_OK)
        m[i].mod = to;
    else
        ck_assert_msg(st == DALLOC_E_NOMEM || st == DALLOC_E_QUOTA, "retag: %s", dalloc_strerror(st));
}

static void run_model(uint32_t seed, int steps)
{
    uint32_t rng = seed;
    dalloc_stats_t st;
    int step, i;
    memset(m, 0, sizeof m);
    memset(roots, 0, sizeof roots);
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, 24576), DALLOC_OK);
    mods[0] = DALLOC_NO_MODULE;
    if (mixed) {
        ck_assert_int_eq(dalloc_module_register(&heap, "net", &mods[1]), DALLOC_OK);
        ck_assert_int_eq(dalloc_module_register(&heap, "fs", &mods[2]), DALLOC_OK);
        ck_assert_int_eq(dalloc_module_register(&heap, "ui", &mods[3]), DALLOC_OK);
        ck_assert_int_eq(dalloc_module_set_quota(&heap, mods[3], 4096), DALLOC_OK);
    }
    ck_assert_int_eq(dalloc_get_stats(&heap, &st), DALLOC_OK);
    for (step = 0; step < steps; step++) {
        uint32_t r = test_rand(&rng) % 100;
        if (r < 40)
            do_alloc(&rng, step, st.arena_size);
        else if (r < 70)
            do_free(&rng);
        else if (r < 82)
            do_realloc(&rng);
        else if (r < 88)
            do_replace(&rng);
        else if (r < 91)
            do_pin(&rng);
        else if (r < 93 && mixed)
            test_rand(&rng) % 3 ? do_retag(&rng) : do_release(&rng);
        else if (r < 95)
            (void)dalloc_compact(&heap);
        else if (r < 98)
            (void)dalloc_compact_step(&heap, test_rand(&rng) % 2048);
        else
            ck_assert_int_eq(dalloc_set_policy(&heap, (dalloc_policy_t)(test_rand(&rng) % 3)), DALLOC_OK);
        verify_all(step);
    }
    /* Tear down: unpin all, free children before parents, heap empty. */
    for (i = 0; i < MAXB; i++)
        if (m[i].kind != NONE && m[i].pinned)
            ck_assert_int_eq(dalloc_unpin(&heap, owner_of(i)), DALLOC_OK);
    for (;;) {
        int freed = 0;
        for (i = 0; i < MAXB; i++) {
            if (m[i].kind == NONE || m[i].child >= 0)
                continue;
            if (m[i].fixed)
                ck_assert_int_eq(dalloc_fixed_free(&heap, roots[i]), DALLOC_OK);
            else
                ck_assert_int_eq(dalloc_free(&heap, owner_of(i), USING_PTR_ADDRESS), DALLOC_OK);
            if (m[i].kind == INSIDE)
                m[m[i].parent].child = -1;
            m[i].kind = NONE;
            freed++;
        }
        if (freed == 0)
            break;
    }
    ck_assert_uint_eq(heap.offset, 0);
    ck_assert_uint_eq(heap.alloc_info.allocations_num, 0);
    if (mixed) {
        dalloc_module_stats_t ms;
        for (i = 1; i < 4; i++) {
            ck_assert_int_eq(dalloc_module_stats(&heap, mods[i], &ms), DALLOC_OK);
            ck_assert_uint_eq(ms.blocks, 0);
            ck_assert_uint_eq(ms.bytes, 0);
        }
    }
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_OK);
    dalloc_heap_deinit(&heap);
}

/* Steps per seed: fewer under Valgrind (DALLOC_TEST_SHORT, set by make). */
static int steps(void) { return getenv("DALLOC_TEST_SHORT") != NULL ? 1500 : 4000; }

START_TEST(model_reloc)
{
    mixed = 0;
    run_model(0x9E3779B9u ^ (uint32_t)_i * 2654435761u, steps());
}
END_TEST

START_TEST(model_mixed)
{
    mixed = 1;
    run_model(0x85EBCA6Bu ^ (uint32_t)_i * 2654435761u, steps());
}
END_TEST

int main(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("relocatable");
    TCase *tm = tcase_create("mixed");
    tcase_set_timeout(tc, 600);
    tcase_set_timeout(tm, 600);
    /* Six seeds per mode; two under Valgrind (DALLOC_TEST_SHORT). */
    tcase_add_loop_test(tc, model_reloc, 0, getenv("DALLOC_TEST_SHORT") != NULL ? 2 : 6);
    tcase_add_loop_test(tm, model_mixed, 0, getenv("DALLOC_TEST_SHORT") != NULL ? 2 : 6);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, tm);
    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
