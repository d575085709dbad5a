/*
 * test_threads.c - several threads hammering one heap (--enable-thread-safety).
 *
 * Each thread keeps its own blocks: relocatable ones registered in its own
 * array of owners, some of them pinned, and fixed ones.  The rule of the
 * library is that a relocatable block may move during any call on the heap
 * by any thread, so a thread touches its relocatable blocks only while it
 * holds the heap lock (dalloc_heap_lock), or when they are pinned; fixed
 * blocks it touches freely.  Every block carries a pattern that is checked
 * before it is freed, and at the end; dalloc_check() must find the heap
 * intact.  Run under helgrind and drd by `make check-valgrind`, and built
 * with -fsanitize=thread in CI: no race may be reported.
 *
 * Also: the lock nests (a thread holding it can call the library), custom
 * lock hooks are used for heaps initialised after dalloc_set_lock_hooks(),
 * and an incomplete set of hooks is refused.
 */
#define _XOPEN_SOURCE 700 /* PTHREAD_MUTEX_RECURSIVE under -std=c99 */
#include "testutil.h"

#include <pthread.h>

#define THREADS 4
#define SLOTS 48
#define HEAP_BYTES (192 * 1024)

#if DALLOC_THREAD_SAFETY

typedef struct {
    void *p;        /* owner of a relocatable block, or a fixed block; other
                       threads' compactions rewrite it, so it is read only
                       under the heap lock (or once pinned) */
    size_t n;
    unsigned tag;
    int live, fixed, pinned;
} slot_t;

typedef struct {
    int id;
    uint32_t seed;
    int ops;
    slot_t s[SLOTS];
    int errors;
} worker_t;

static dalloc_heap_t heap;
static uint64_t heap_mem[HEAP_BYTES / 8];

static void fill_locked(slot_t *s)
{
    test_fill(s->p, s->n, s->tag);
}

/* Check (and optionally free) slot s, following the rule on when a
 * relocatable block may be touched. */
static int check_slot(slot_t *s)
{
    int ok;
    if (s->fixed || s->pinned)
        return test_verify(s->p, s->n, s->tag);
    dalloc_heap_lock(&heap);
    ok = test_verify(s->p, s->n, s->tag);
    dalloc_heap_unlock(&heap);
    return ok;
}

static void op(worker_t *w, slot_t *s)
{
    uint32_t r = test_rand(&w->seed);
    if (!s->live) {
        s->n = 8 + r % 400;
        s->tag = (unsigned)(w->id * 100000 + (int)(r % 99991));
        s->fixed = (r >> 10) % 3 == 0;
        s->pinned = 0;
        if (s->fixed) {
            s->p = dalloc_malloc(&heap, s->n);
            s->live = s->p != NULL;
            if (s->live)
                fill_locked(s);
        } else {
            /* Allocate, fill and maybe pin with the lock held: the block
             * must not move between the allocation and the fill. */
            dalloc_heap_lock(&heap);
            if (dalloc_alloc(&heap, s->n, &s->p) == DALLOC_OK) {
                s->live = 1;
                fill_locked(s);
                if ((r >> 12) % 4 == 0 && dalloc_pin(&heap, &s->p) == DALLOC_OK)
                    s->pinned = 1;
            }
            dalloc_heap_unlock(&heap);
        }
        return;
    }
    if (!check_slot(s))
        w->errors++;
    switch ((r >> 8) % 4) {
    case 0: /* grow or shrink */
        if (s->fixed) {
            size_t n = s->n / 2 + 8, keep = n < s->n ? n : s->n;
            void *q = dalloc_fixed_realloc(&heap, s->p, n);
            if (q != NULL) {
                s->p = q;
                if (!test_verify(q, keep, s->tag))
                    w->errors++;
                s->n = n;
                fill_locked(s);
            }
        } else if (!s->pinned) {
            dalloc_heap_lock(&heap);
            if (dalloc_realloc(&heap, s->n + 64, &s->p) == DALLOC_OK) {
                if (!test_verify(s->p, s->n, s->tag))
                    w->errors++;
                s->n += 64;
                fill_locked(s);
            }
            dalloc_heap_unlock(&heap);
        }
        break;
    case 1:
        if (r % 16 == 0)
            (void)dalloc_compact(&heap);
        break;
    default: /* free */
        if (s->fixed) {
            if (dalloc_fixed_free(&heap, s->p) != DALLOC_OK)
                w->errors++;
        } else {
            if (s->pinned && dalloc_unpin(&heap, &s->p) != DALLOC_OK)
                w->errors++;
            if (dalloc_free(&heap, &s->p, USING_PTR_ADDRESS) != DALLOC_OK)
                w->errors++;
        }
        s->live = 0;
        break;
    }
}

static void *work(void *arg)
{
    worker_t *w = (worker_t *)arg;
    int i;
    for (i = 0; i < w->ops; i++)
        op(w, &w->s[test_rand(&w->seed) % SLOTS]);
    return NULL;
}

START_TEST(threads_hammer_one_heap)
{
    static worker_t w[THREADS];
    pthread_t t[THREADS];
    int i, k;
    ck_assert_int_eq(dalloc_heap_init(&heap, heap_mem, sizeof heap_mem), DALLOC_OK);
    for (i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].id = i;
        w[i].seed = 0x1234567u + (uint32_t)i * 7919u;
        w[i].ops = getenv("DALLOC_TEST_SHORT") != NULL ? 400 : 3000;
        ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_OK);
    for (i = 0; i < THREADS; i++) {
        ck_assert_int_eq(w[i].errors, 0);
        for (k = 0; k < SLOTS; k++) {
            slot_t *s = &w[i].s[k];
            if (!s->live)
                continue;
            ck_assert(test_verify(s->p, s->n, s->tag));
            if (s->fixed) {
                ck_assert_int_eq(dalloc_fixed_free(&heap, s->p), DALLOC_OK);
            } else {
                if (s->pinned)
                    ck_assert_int_eq(dalloc_unpin(&heap, &s->p), DALLOC_OK);
                ck_assert_int_eq(dalloc_free(&heap, &s->p, USING_PTR_ADDRESS), DALLOC_OK);
            }
        }
    }
    ck_assert_uint_eq(heap.offset, 0);
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_OK);
    dalloc_heap_deinit(&heap);
}
END_TEST

/* The lock nests: a thread holding it may call the library. */
START_TEST(lock_nests)
{
    void *p = NULL;
    ck_assert_int_eq(dalloc_heap_init(&heap, heap_mem, sizeof heap_mem), DALLOC_OK);
    dalloc_heap_lock(&heap);
    dalloc_heap_lock(&heap);
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &p), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &p, USING_PTR_ADDRESS), DALLOC_OK);
    dalloc_heap_unlock(&heap);
    dalloc_heap_unlock(&heap);
    dalloc_heap_deinit(&heap);
}
END_TEST

/* Hooks that count their calls around a recursive pthread mutex. */
typedef struct {
    pthread_mutex_t m;
    int created, destroyed, locks, unlocks;
} hook_state_t;

static void *hk_create(void *ctx)
{
    hook_state_t *st = (hook_state_t *)ctx;
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&st->m, &a);
    pthread_mutexattr_destroy(&a);
    st->created++;
    return &st->m;
}
static void hk_destroy(void *ctx, void *lock)
{
    hook_state_t *st = (hook_state_t *)ctx;
    pthread_mutex_destroy((pthread_mutex_t *)lock);
    st->destroyed++;
}
static void hk_lock(void *ctx, void *lock)
{
    pthread_mutex_lock((pthread_mutex_t *)lock);
    ((hook_state_t *)ctx)->locks++;
}
static void hk_unlock(void *ctx, void *lock)
{
    ((hook_state_t *)ctx)->unlocks++;
    pthread_mutex_unlock((pthread_mutex_t *)lock);
}

START_TEST(lock_hooks_are_used)
{
    static hook_state_t st;
    dalloc_lock_hooks_t k = {hk_create, hk_destroy, hk_lock, hk_unlock, &st};
    dalloc_lock_hooks_t bad = {hk_create, NULL, hk_lock, hk_unlock, &st};
    void *p = NULL;
    memset(&st, 0, sizeof st);
    ck_assert_int_eq(dalloc_set_lock_hooks(&bad), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_set_lock_hooks(&k), DALLOC_OK);
    ck_assert_int_eq(dalloc_heap_init(&heap, heap_mem, sizeof heap_mem), DALLOC_OK);
    ck_assert_int_eq(st.created, 1);
    ck_assert_int_eq(dalloc_alloc(&heap, 10, &p), DALLOC_OK);
    ck_assert_int_gt(st.locks, 0);
    ck_assert_int_eq(st.locks, st.unlocks);
    ck_assert_int_eq(dalloc_free(&heap, &p, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(st.locks, st.unlocks);
    dalloc_heap_deinit(&heap);
    ck_assert_int_eq(st.destroyed, 1);
    ck_assert_int_eq(dalloc_set_lock_hooks(NULL), DALLOC_OK);
    /* Back to the built-in lock: the hooks are no longer called. */
    st.locks = 0;
    ck_assert_int_eq(dalloc_heap_init(&heap, heap_mem, sizeof heap_mem), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 10, &p), DALLOC_OK);
    ck_assert_int_eq(st.locks, 0);
    dalloc_heap_deinit(&heap);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, lock_nests);
    tcase_add_test(tc, lock_hooks_are_used);
    tcase_add_test(tc, threads_hammer_one_heap);
    suite_add_tcase(s, tc);
    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#else

int main(void)
{
    return 77; /* built without --enable-thread-safety: skipped */
}

#endif
