/*
 * test_edges.c - the edges of the public API that the other suites leave
 * alone (issue #6: branch coverage), each with the behaviour it must keep:
 *
 *  - calls before anything was set up in the process: the dmheap layer
 *    before dmheap_init(), a module id before any module was registered;
 *  - every entry point on a NULL heap and on a heap that is not (or no
 *    longer) initialised: the documented status, last_error set when there
 *    is a heap structure to set it in, nothing printed but the notice;
 *  - heap life: buffers too small (every size up to the smallest usable
 *    one), a size above 4 GiB clamped, dalloc_heap_reset() leaving alone a
 *    variable that no longer holds its block, status strings;
 *  - modules: the registry cannot grow (heap full) -> DALLOC_E_NOMEM and
 *    nothing changed; names that share a prefix; release leaves alone a
 *    variable that no longer holds its block; the registry's hard limit of
 *    65535 modules;
 *  - looking at a heap: the report without modules, the free-block visitor
 *    with no gap, dalloc_dump_blocks() flags, the default output (stdout);
 *  - lock hooks: incomplete sets refused, per-heap hooks (used with
 *    --enable-thread-safety, accepted and ignored without), failing hooks;
 *  - relocatable and fixed blocks: refusals that must leave the heap as it
 *    was (misaligned owner, a fixed block named where a relocatable one is
 *    expected, an owner inside free space, an aligned request near the
 *    largest representable size, a quota that refuses the whole hole a
 *    move would take), and compaction that must never write a word the
 *    library was not given as an owner.
 *
 * dalloc_check() is run after every step that changes a heap.
 */
#define _POSIX_C_SOURCE 200809L /* dup, dup2, fileno */

#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "dmheap.h"

#define HEAP_SIZE 16384u
#define ALIGN ((size_t)DALLOC_ALIGNMENT)
#define HDR (dalloc_header_size())
/* The module trailer: 16 bytes rounded up to DALLOC_ALIGNMENT (dalloc_module(3)). */
#define TRAILER ((16 + ALIGN - 1) & ~(ALIGN - 1))
/* The smallest block (as in test_block_size()). */
#define MIN_BLK ((4 * sizeof(void *) + ALIGN - 1) & ~(ALIGN - 1))

TEST_BUFFER(buf, HEAP_SIZE);
static dalloc_heap_t heap;
static test_out_t out;

#define CHECK_HEAP() TEST_HEAP_OK(&heap)
#define ASSERT_ERROR(e) ck_assert_int_eq(dalloc_last_error(&heap), (e))

static void setup(void)
{
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    memset(&out, 0, sizeof out);
    dalloc_set_output(test_out_fn, &out);
}

static void teardown(void)
{
    dalloc_heap_deinit(&heap);
    dalloc_set_output(NULL, NULL);
    dalloc_set_log(NULL, NULL);
    (void)dalloc_set_lock_hooks(NULL);
}

/* Allocate relocatable blocks of n bytes into p[] until the heap refuses
 * one; returns how many were made (their owners are p[0..k)). */
static size_t fill(void **p, size_t max, size_t n)
{
    size_t k = 0;
    while (k < max) {
        p[k] = NULL;
        if (dalloc_alloc(&heap, n, &p[k]) != DALLOC_OK)
            break;
        k++;
    }
    ck_assert_uint_lt(k, max);
    return k;
}

/* ---------------------------------------------------------------------- */
/* Before anything was set up in this process (first in the suite: with    */
/* CK_FORK=no the tests share one process)                                  */

static int log_calls;
static void count_log(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
    log_calls++;
}

/* The dmheap layer before dmheap_init(): every call refuses or does
 * nothing, logs nothing, and never touches the pointer it is given. */
START_TEST(dmheap_before_init)
{
    uint64_t foreign[4] = {1, 2, 3, 4};
    if (dmheap_is_initialized())
        return; /* another test of this process initialised it (CK_FORK=no) */
    log_calls = 0;
    dalloc_set_log(count_log, NULL);
    ck_assert_ptr_null(dmheap_get_heap());
    ck_assert_ptr_null(dmheap_realloc(foreign, 64, NULL));
    ck_assert_ptr_null(dmheap_realloc(foreign, 64, "net"));
    dmheap_free(foreign, true);
    dmheap_unregister_module("net");
    dmheap_unregister_module(NULL);
    ck_assert(!dmheap_register_module("net"));
    ck_assert_ptr_null(dmheap_malloc(16, NULL));
    ck_assert_uint_eq(foreign[0], 1);
    ck_assert_uint_eq(foreign[3], 4);
    ck_assert_int_eq(log_calls, 0);
    ck_assert(!dmheap_is_initialized());
}
END_TEST

/* A module id on a heap of a process that never registered a module:
 * DALLOC_E_MODULE for both block kinds, nothing allocated. */
START_TEST(module_id_before_any_registration)
{
    void *p = (void *)&p;
    dalloc_stats_t before = test_stats(&heap), after;
    ck_assert_int_eq(dalloc_alloc_in(&heap, 16, &p, 3), DALLOC_E_MODULE);
    ck_assert_ptr_null(p);
    ck_assert_ptr_null(dalloc_fixed_alloc(&heap, 16, 0, 3));
    ASSERT_ERROR(DALLOC_E_MODULE);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    CHECK_HEAP();
}
END_TEST

/* ---------------------------------------------------------------------- */
/* NULL and uninitialised heaps                                             */

static void visit_none(void *ctx, const dalloc_block_info_t *bi)
{
    (void)bi;
    ++*(int *)ctx;
}

/* Every entry point refuses h: the status documented for an unusable heap
 * and, when h is not NULL, the same status as h's last error. */
static void refuse_unusable(dalloc_heap_t *h)
{
    void *p = (void *)&p, *q = NULL;
    uint64_t word = 0;
    dalloc_module_stats_t ms;
    dalloc_module_t ids[2];
    int visits = 0;
    char map[8];

#define LAST_IS_HEAP()                                                            \
    do {                                                                          \
        if (h != NULL)                                                            \
            ck_assert_int_eq(dalloc_last_error(h), DALLOC_E_HEAP);                \
    } while (0)
#define CLEAR_LAST()                                                              \
    do {                                                                          \
        if (h != NULL)                                                            \
            h->last_error = DALLOC_OK;                                            \
    } while (0)

    ck_assert_int_eq(dalloc_alloc(h, 16, &p), DALLOC_E_HEAP);
    ck_assert_ptr_null(p); /* cleared on DALLOC_E_HEAP */
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_int_eq(dalloc_alloc_in(h, 16, &q, 1), DALLOC_E_HEAP);
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_int_eq(dalloc_realloc(h, 16, &q), DALLOC_E_HEAP);
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_int_eq(dalloc_module_register(h, "net", NULL), DALLOC_E_HEAP);
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_uint_eq(dalloc_module_find(h, "net"), DALLOC_NO_MODULE);
    ck_assert_int_eq(dalloc_module_release(h, 1), DALLOC_E_HEAP);
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_int_eq(dalloc_module_unregister(h, 1), DALLOC_E_HEAP);
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_int_eq(dalloc_module_set_quota(h, 1, 100), DALLOC_E_HEAP);
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_int_eq(dalloc_module_stats(h, 1, &ms), DALLOC_E_HEAP);
    ck_assert_uint_eq(dalloc_module_list(h, ids, 2), 0);
    ck_assert_uint_eq(dalloc_module_of(h, &word), DALLOC_NO_MODULE);
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_int_eq(dalloc_retag(h, &word, DALLOC_NO_MODULE), DALLOC_E_HEAP);
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_uint_eq(dalloc_compact_step(h, 1024), 0);
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_uint_eq(dalloc_compact(h), 0);
    LAST_IS_HEAP();
    CLEAR_LAST();
    /* Alignment 0 and an overflowing calloc are refused for the heap first. */
    ck_assert_ptr_null(dalloc_aligned_alloc(h, 0, 16));
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_ptr_null(dalloc_calloc(h, SIZE_MAX / 2, 4));
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_ptr_null(dalloc_fixed_realloc(h, &word, 16));
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_ptr_null(dalloc_fixed_realloc(h, NULL, 16));
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_int_eq(dalloc_fixed_free(h, &word), DALLOC_E_HEAP);
    CLEAR_LAST();
    ck_assert_int_eq(dalloc_set_policy(h, DALLOC_COMPACT_MANUAL), DALLOC_E_HEAP);
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_int_eq(dalloc_get_policy(h), DALLOC_COMPACT_ON_DEMAND);
    ck_assert_int_eq(dalloc_heap_reset(h), DALLOC_E_HEAP);
    LAST_IS_HEAP();
    CLEAR_LAST();
    ck_assert_int_eq(dalloc_heap_set_lock_hooks(h, NULL), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_for_each_used_block(h, visit_none, &visits), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_for_each_free_block(h, visit_none, &visits), DALLOC_E_HEAP);
    ck_assert_int_eq(visits, 0);
    ck_assert_uint_eq(dalloc_heap_map(h, map, sizeof map - 1), 0);
    ck_assert_int_eq(dalloc_check(h), DALLOC_E_HEAP);
    dalloc_heap_lock(h);   /* no-ops */
    dalloc_heap_unlock(h);
    ck_assert_uint_eq(word, 0);
#undef LAST_IS_HEAP
#undef CLEAR_LAST
}

START_TEST(null_heap_refused_everywhere)
{
    refuse_unusable(NULL);
    ck_assert_int_eq(dalloc_last_error(NULL), DALLOC_E_HEAP);
}
END_TEST

START_TEST(deinitialised_heap_refused_everywhere)
{
    void *p = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &p), DALLOC_OK);
    dalloc_heap_deinit(&heap);
    refuse_unusable(&heap);
    /* The printers say so and print nothing else. */
    out.len = 0;
    out.text[0] = '\0';
    dalloc_report(&heap);
    ck_assert_uint_eq(test_count_ci(out.text, "not initialised"), 1);
    ck_assert(test_has_ptr(out.text, &heap));
    ck_assert_uint_eq(test_count_ci(out.text, "\n"), 1);
    dalloc_dump_blocks(&heap);
    dalloc_dump_heap(&heap);
    dalloc_print_info(&heap);
    ck_assert_uint_eq(test_count_ci(out.text, "not initialised"), 4);
    ck_assert_uint_eq(test_count_ci(out.text, "\n"), 4);
}
END_TEST

/* A heap structure never initialised (all zero) is as unusable. */
START_TEST(zeroed_heap_refused_everywhere)
{
    static dalloc_heap_t zero;
    memset(&zero, 0, sizeof zero);
    refuse_unusable(&zero);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Heap life and errors                                                     */

/* Every buffer size from 1 byte on: refused (DALLOC_E_HEAP, a heap that
 * refuses requests) up to a threshold, accepted from there on, and the
 * first accepted heap serves a one-byte block. */
START_TEST(init_sizes_up_to_the_first_usable)
{
    static uint64_t small_words[4096 / 8];
    uint8_t *small = (uint8_t *)small_words;
    size_t size, first = 0;
    dalloc_heap_t h;
    void *p = NULL;
    for (size = 1; size <= sizeof small_words; size++) {
        dalloc_status_t st = dalloc_heap_init(&h, small, size);
        if (first == 0 && st == DALLOC_OK)
            first = size;
        if (first == 0) {
            ck_assert_int_eq(st, DALLOC_E_HEAP);
            ck_assert_int_eq(dalloc_last_error(&h), DALLOC_E_HEAP);
            ck_assert_int_eq(dalloc_check(&h), DALLOC_E_HEAP);
            p = NULL;
            ck_assert_int_eq(dalloc_alloc(&h, 1, &p), DALLOC_E_HEAP);
        } else {
            ck_assert_msg(st == DALLOC_OK, "size %zu refused after %zu was accepted", size, first);
            ck_assert_int_eq(dalloc_check(&h), DALLOC_OK);
            dalloc_heap_deinit(&h);
        }
    }
    ck_assert_uint_gt(first, 0);
    ck_assert_int_eq(dalloc_heap_init(&h, small, first), DALLOC_OK);
    p = NULL;
    ck_assert_int_eq(dalloc_alloc(&h, 1, &p), DALLOC_OK);
    ck_assert_int_eq(dalloc_check(&h), DALLOC_OK);
    dalloc_heap_deinit(&h);
}
END_TEST

#if SIZE_MAX > UINT32_MAX
/* heap_t.total_size is 32 bits: a larger size is recorded as UINT32_MAX. */
START_TEST(init_size_above_4gib_is_clamped)
{
    dalloc_heap_t h;
    ck_assert_int_eq(dalloc_heap_init(&h, NULL, (size_t)UINT32_MAX + 4096u), DALLOC_E_ARG);
    ck_assert_uint_eq(h.total_size, UINT32_MAX);
    ck_assert_int_eq(dalloc_last_error(&h), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_check(&h), DALLOC_E_HEAP);
}
END_TEST
#endif

/* Every status, from DALLOC_OK to the last one, has its own sentence; a
 * value past them gets "unknown status". */
START_TEST(strerror_every_status)
{
    const char *unknown = dalloc_strerror((dalloc_status_t)999), *seen[64];
    int n, i;
    ck_assert_ptr_nonnull(unknown);
    ck_assert_str_eq(unknown, "unknown status");
    for (n = 0; n < 64; n++) {
        const char *s = dalloc_strerror((dalloc_status_t)n);
        ck_assert_ptr_nonnull(s);
        if (strcmp(s, unknown) == 0)
            break;
        ck_assert_uint_gt(strlen(s), 5);
        for (i = 0; i < n; i++)
            ck_assert_str_ne(s, seen[i]);
        seen[n] = s;
    }
    ck_assert_int_gt(n, (int)DALLOC_E_AGAIN);
    ck_assert_uint_gt(test_count_ci(dalloc_strerror(DALLOC_E_AGAIN), "again"), 0);
}
END_TEST

/* dalloc_heap_reset() clears the registered variables that still hold
 * their block, and no other: one the program overwrote keeps its value,
 * and so does the old variable of an orphaned block (see
 * compaction_orphans_overwritten_owner). */
START_TEST(reset_leaves_overwritten_variables_alone)
{
    void *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f;
    uint64_t other = 0, other2 = 0;
    dalloc_stats_t st;
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &a), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &b), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &c), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &d), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &e), DALLOC_OK);
    f = dalloc_malloc(&heap, 40);
    ck_assert_ptr_nonnull(f);
    d = &other2; /* orphaned by the compaction below, which moves it */
    ck_assert_int_eq(dalloc_free(&heap, &c, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    ck_assert_ptr_eq(d, &other2);
    ck_assert_int_eq(dalloc_free(&heap, &a, USING_PTR_ADDRESS), DALLOC_OK); /* a hole at the bottom */
    b = &other;
    CHECK_HEAP();
    ck_assert_int_eq(dalloc_heap_reset(&heap), DALLOC_OK);
    ck_assert_ptr_eq(b, &other);
    ck_assert_ptr_eq(d, &other2);
    ck_assert_ptr_null(e);
    ck_assert_uint_eq(other, 0);
    ck_assert_uint_eq(other2, 0);
    st = test_stats(&heap);
    ck_assert_uint_eq(st.live_blocks, 0);
    ck_assert_uint_eq(st.used_bytes, 0);
    CHECK_HEAP();
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Modules                                                                  */

/* Fill the heap so that not even the smallest block fits. */
static size_t fill_up(void **p, size_t max)
{
    size_t k = fill(p, max, 200);
    k += fill(p + k, max - k, 1);
    ck_assert_uint_lt(test_stats(&heap).free_bytes, MIN_BLK);
    return k;
}

/* No room for the registry: DALLOC_E_NOMEM, no module, the heap unchanged;
 * the same when the registry is full and cannot double. */
START_TEST(registry_cannot_grow)
{
    static void *p[1024];
    dalloc_stats_t before, after;
    dalloc_module_t id = 99, ids[8];
    size_t k = fill_up(p, 1024), i;

    before = test_stats(&heap);
    ck_assert_int_eq(dalloc_module_register(&heap, "net", &id), DALLOC_E_NOMEM);
    ASSERT_ERROR(DALLOC_E_NOMEM);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert_uint_eq(dalloc_module_find(&heap, "net"), DALLOC_NO_MODULE);
    ck_assert_uint_eq(dalloc_module_list(&heap, NULL, 0), 0);
    CHECK_HEAP();

    /* Room for the first registry (4 modules) but not for the second. */
    for (i = 0; i < k; i++)
        ck_assert_int_eq(dalloc_free(&heap, &p[i], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_register(&heap, "m1", NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_register(&heap, "m2", NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_register(&heap, "m3", NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_register(&heap, "m4", &id), DALLOC_OK);
    k = fill_up(p, 1024);
    before = test_stats(&heap);
    ck_assert_int_eq(dalloc_module_register(&heap, "m5", &id), DALLOC_E_NOMEM);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert_uint_eq(dalloc_module_list(&heap, ids, 8), 4);
    ck_assert_uint_eq(dalloc_module_find(&heap, "m4"), ids[3]);
    ck_assert_uint_eq(dalloc_module_find(&heap, "m5"), DALLOC_NO_MODULE);
    CHECK_HEAP();
    /* Registering a known name needs no room. */
    ck_assert_int_eq(dalloc_module_register(&heap, "m2", &id), DALLOC_OK);
    ck_assert_uint_eq(id, ids[1]);
    (void)k;
}
END_TEST

/* Names are compared whole: a prefix, an extension and a name of the
 * longest length are all different modules. */
START_TEST(module_names_compared_whole)
{
    char longest[DALLOC_MODULE_NAME_MAX], longest2[DALLOC_MODULE_NAME_MAX];
    dalloc_module_t net, net2, ne, l1, l2;
    memset(longest, 'x', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    memcpy(longest2, longest, sizeof longest);
    longest2[sizeof longest2 - 2] = 'y';
    ck_assert_int_eq(dalloc_module_register(&heap, "net", &net), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_register(&heap, "net2", &net2), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_register(&heap, "ne", &ne), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_register(&heap, longest, &l1), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_register(&heap, longest2, &l2), DALLOC_OK);
    ck_assert_uint_ne(net, net2);
    ck_assert_uint_ne(net, ne);
    ck_assert_uint_ne(net2, ne);
    ck_assert_uint_ne(l1, l2);
    ck_assert_uint_eq(dalloc_module_find(&heap, "net"), net);
    ck_assert_uint_eq(dalloc_module_find(&heap, "net2"), net2);
    ck_assert_uint_eq(dalloc_module_find(&heap, "ne"), ne);
    ck_assert_uint_eq(dalloc_module_find(&heap, "n"), DALLOC_NO_MODULE);
    ck_assert_uint_eq(dalloc_module_find(&heap, "net22"), DALLOC_NO_MODULE);
    ck_assert_uint_eq(dalloc_module_find(&heap, longest), l1);
    ck_assert_uint_eq(dalloc_module_find(&heap, longest2), l2);
    ck_assert_uint_eq(dalloc_module_find(&heap, NULL), DALLOC_NO_MODULE);
    ck_assert_uint_eq(dalloc_module_find(&heap, ""), DALLOC_NO_MODULE);
    ck_assert_uint_eq(dalloc_module_list(&heap, NULL, 0), 5);
    CHECK_HEAP();
}
END_TEST

/* Releasing a module clears the registered variables that still hold the
 * module's blocks, and no other. */
START_TEST(release_leaves_overwritten_variables_alone)
{
    dalloc_module_t net;
    void *a = NULL, *b = NULL, *f;
    uint64_t other = 0;
    dalloc_module_stats_t ms;
    ck_assert_int_eq(dalloc_module_register(&heap, "net", &net), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 64, &a, net), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 64, &b, net), DALLOC_OK);
    f = dalloc_fixed_alloc(&heap, 64, 0, net);
    ck_assert_ptr_nonnull(f);
    b = &other;
    ck_assert_int_eq(dalloc_module_release(&heap, net), DALLOC_OK);
    ck_assert_ptr_null(a);
    ck_assert_ptr_eq(b, &other);
    ck_assert_int_eq(dalloc_module_stats(&heap, net, &ms), DALLOC_OK);
    ck_assert_uint_eq(ms.blocks, 0);
    ck_assert_uint_eq(ms.bytes, 0);
    ck_assert_uint_eq(test_stats(&heap).live_blocks, 0);
    ck_assert_uint_eq(dalloc_module_find(&heap, "net"), net); /* still registered */
    CHECK_HEAP();
}
END_TEST

/* Module ids are 16 bits: 65535 modules at most, then DALLOC_E_MODULE with
 * nothing changed; the registry's last doubling stops at that number.
 * Registering is O(modules), so this takes a few seconds: skipped under
 * Valgrind (DALLOC_TEST_SHORT). */
START_TEST(registry_holds_65535_modules)
{
    const size_t size = 16u << 20; /* registries of 2 and 4 MiB, and the holes of the older ones */
    uint8_t *big;
    dalloc_heap_t h;
    dalloc_stats_t before, after;
    dalloc_module_t id = 0;
    unsigned long k;
    char name[8];

    if (getenv("DALLOC_TEST_SHORT") != NULL)
        return;
    big = (uint8_t *)malloc(size);
    ck_assert_ptr_nonnull(big);
    ck_assert_int_eq(dalloc_heap_init(&h, big, size), DALLOC_OK);
    /* Names whose first byte changes fastest, so the lookups stay short. */
    for (k = 0; k < 0xFFFFu; k++) {
        name[0] = (char)(1 + k % 255);
        name[1] = (char)(1 + (k / 255) % 255);
        name[2] = (char)(1 + k / (255 * 255));
        name[3] = '\0';
        ck_assert_msg(dalloc_module_register(&h, name, &id) == DALLOC_OK, "module %lu refused", k);
        ck_assert_uint_eq(id, k + 1);
    }
    ck_assert_uint_eq(dalloc_module_list(&h, NULL, 0), 0xFFFFu);
    before = test_stats(&h);
    ck_assert_int_eq(dalloc_module_register(&h, "one too many", &id), DALLOC_E_MODULE);
    ck_assert_int_eq(dalloc_last_error(&h), DALLOC_E_MODULE);
    after = test_stats(&h);
    ck_assert(test_stats_same(&before, &after));
    ck_assert_uint_eq(dalloc_module_find(&h, "one too many"), DALLOC_NO_MODULE);
    /* A freed slot is reused. */
    ck_assert_int_eq(dalloc_module_unregister(&h, 300), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_register(&h, "one too many", &id), DALLOC_OK);
    ck_assert_uint_eq(id, 300);
    ck_assert_int_eq(dalloc_check(&h), DALLOC_OK);
    dalloc_heap_deinit(&h);
    free(big);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Looking at a heap                                                        */

/* Without modules the report has no module table. */
START_TEST(report_without_modules)
{
    void *a = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &a), DALLOC_OK);
    dalloc_report(&heap);
    ck_assert_uint_gt(out.len, 0);
    ck_assert_uint_eq(test_count_ci(out.text, "quota"), 0);
    ck_assert_uint_eq(test_count_ci(out.text, "blocks 1 "), 1);
    /* With one, the table appears, with its row. */
    out.len = 0;
    out.text[0] = '\0';
    ck_assert_int_eq(dalloc_module_register(&heap, "sensors", NULL), DALLOC_OK);
    dalloc_report(&heap);
    ck_assert_uint_eq(test_count_ci(out.text, "quota"), 1);
    ck_assert_uint_eq(test_count_ci(out.text, "sensors"), 1);
}
END_TEST

typedef struct {
    dalloc_block_info_t b[64];
    size_t n;
} seen_t;

static void collect(void *ctx, const dalloc_block_info_t *bi)
{
    seen_t *s = (seen_t *)ctx;
    ck_assert_uint_lt(s->n, 64);
    s->b[s->n++] = *bi;
}

/* A heap with no gap between the regions: the free-block visitor shows
 * the holes only, and they add up to the free bytes. */
START_TEST(free_visitor_without_gap)
{
    static void *p[1024];
    static seen_t seen;
    void *last = NULL;
    dalloc_stats_t st;
    size_t k = 0, i;
    char map[65];
    /* Blocks of 48 bytes, then one that takes the rest exactly. */
    while (test_stats(&heap).free_bytes >= 2 * test_block_size(48)) {
        p[k] = NULL;
        ck_assert_int_eq(dalloc_alloc(&heap, 48, &p[k]), DALLOC_OK);
        k++;
    }
    st = test_stats(&heap);
    ck_assert_int_eq(dalloc_alloc(&heap, st.free_bytes - HDR, &last), DALLOC_OK);
    ck_assert_uint_eq(test_stats(&heap).free_bytes, 0);
    memset(&seen, 0, sizeof seen);
    ck_assert_int_eq(dalloc_for_each_free_block(&heap, collect, &seen), DALLOC_OK);
    ck_assert_uint_eq(seen.n, 0);
    ck_assert_int_eq(dalloc_free(&heap, &p[k / 2], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &p[k / 4], USING_PTR_ADDRESS), DALLOC_OK);
    CHECK_HEAP();
    st = test_stats(&heap);
    ck_assert_int_eq(dalloc_for_each_free_block(&heap, collect, &seen), DALLOC_OK);
    ck_assert_uint_eq(seen.n, 2);
    for (i = 0; i < seen.n; i++) {
        ck_assert_int_eq(seen.b[i].kind, DALLOC_BLOCK_FREE);
        ck_assert_uint_eq(seen.b[i].size, test_block_size(48));
    }
    ck_assert_uint_eq(seen.b[0].size + seen.b[1].size, st.free_bytes);
    /* The map shows relocatable blocks only, holes aside. */
    ck_assert_uint_eq(dalloc_heap_map(&heap, map, 64), 64);
    ck_assert_uint_eq(strspn(map, "=."), 64);
}
END_TEST

/* Bytes used block q occupies (header and trailer included), as the
 * visitor reports it. */
typedef struct {
    const void *addr;
    size_t span, found;
} find_t;

static void find_block(void *ctx, const dalloc_block_info_t *bi)
{
    find_t *f = (find_t *)ctx;
    if (bi->addr == f->addr) {
        f->span = bi->span;
        f->found++;
    }
}

static size_t span_of(const void *q)
{
    find_t f = {NULL, 0, 0};
    f.addr = q;
    ck_assert_int_eq(dalloc_for_each_used_block(&heap, find_block, &f), DALLOC_OK);
    ck_assert_uint_eq(f.found, 1);
    return f.span;
}

/* The line of block p in a dalloc_dump_blocks() text (NULL if none). */
static const char *line_of(const char *text, const void *p, char *line, size_t size)
{
    const char *s = text;
    while (*s != '\0') {
        const char *e = strchr(s, '\n');
        size_t n = e != NULL ? (size_t)(e - s) : strlen(s);
        if (n >= size)
            n = size - 1;
        memcpy(line, s, n);
        line[n] = '\0';
        if (test_has_ptr(line, p))
            return line;
        s += e != NULL ? (size_t)(e - s) + 1 : strlen(s);
    }
    return NULL;
}

/* dalloc_dump_blocks() shows each block's state: free, used, pinned,
 * holding owners, and its region. */
START_TEST(dump_blocks_shows_flags)
{
    void *a = NULL, *b = NULL, *c = NULL, *d = NULL, *f;
    void **slots;
    char line[256];
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &a), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &b), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &c), DALLOC_OK);
    ck_assert_int_eq(dalloc_pin(&heap, &b), DALLOC_OK);
    slots = (void **)c;
    slots[0] = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, 16, &slots[0]), DALLOC_OK); /* c holds an owner */
    d = slots[0];
    f = dalloc_malloc(&heap, 32);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(dalloc_free(&heap, &a, USING_PTR_VALUE), DALLOC_OK);
    CHECK_HEAP();
    dalloc_dump_blocks(&heap);
    ck_assert_ptr_nonnull(line_of(out.text, b, line, sizeof line));
    ck_assert_uint_eq(test_count_ci(line, "pinned"), 1);
    ck_assert_uint_eq(test_count_ci(line, "used"), 1);
    ck_assert_uint_eq(test_count_ci(line, "reloc"), 1);
    ck_assert(test_has_ptr(line, &b));
    ck_assert_ptr_nonnull(line_of(out.text, c, line, sizeof line));
    ck_assert_uint_eq(test_count_ci(line, "owners"), 1);
    ck_assert_uint_eq(test_count_ci(line, "pinned"), 0);
    ck_assert_ptr_nonnull(line_of(out.text, d, line, sizeof line));
    ck_assert_uint_eq(test_count_ci(line, "owners"), 0);
    ck_assert(test_has_ptr(line, c)); /* its owner is the first word of c */
    ck_assert_ptr_nonnull(line_of(out.text, f, line, sizeof line));
    ck_assert_uint_eq(test_count_ci(line, "fixed"), 1);
    ck_assert_uint_eq(test_count_ci(line, "used"), 1);
    /* The hole where a was: one free block in the relocatable region. */
    ck_assert_uint_eq(test_count_ci(out.text, "reloc"), 4);
    ck_assert_uint_eq(test_count_ci(out.text, " free "), 1);
}
END_TEST

/* Read back what fn(heap) printed on stdout (the default output). */
static void capture_stdout(void (*fn)(dalloc_heap_t *), char *text, size_t size)
{
    FILE *tmp = tmpfile();
    int saved;
    size_t n;
    ck_assert_ptr_nonnull(tmp);
    fflush(stdout);
    saved = dup(fileno(stdout));
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fileno(tmp), fileno(stdout)), 0);
    fn(&heap);
    fflush(stdout);
    ck_assert_int_ge(dup2(saved, fileno(stdout)), 0);
    close(saved);
    rewind(tmp);
    n = fread(text, 1, size - 1, tmp);
    text[n] = '\0';
    fclose(tmp);
}

/* With no output hook (or after dalloc_set_output(NULL, ...)) the printers
 * write to stdout. */
START_TEST(default_output_is_stdout)
{
    static char text[4096];
    void *a = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &a), DALLOC_OK);
    dalloc_set_output(NULL, &out); /* the context goes with the default */
    capture_stdout(dalloc_print_info, text, sizeof text);
    ck_assert(test_has_ptr(text, &heap));
    ck_assert(test_has_number(text, HEAP_SIZE));
    ck_assert_uint_eq(test_count_ci(text, "blocks 1 "), 1);
    ck_assert_uint_eq(out.len, 0); /* nothing went to the old hook */
}
END_TEST

/* dalloc_dump_heap() prints every byte of the buffer, 16 to a line. */
START_TEST(dump_heap_every_byte)
{
    dalloc_heap_t h;
    static uint64_t words[160];
    uint8_t *b = (uint8_t *)words;
    size_t size = sizeof words - 3, lines;
    memset(words, 0xAB, sizeof words);
    ck_assert_int_eq(dalloc_heap_init(&h, b, size), DALLOC_OK);
    dalloc_dump_heap(&h);
    lines = test_count_ci(out.text, "\n");
    ck_assert_uint_eq(lines, (size + 15) / 16);
    ck_assert_uint_eq(test_count_ci(out.text, ":"), lines);
    /* The last line holds the remaining size % 16 bytes. */
    {
        const char *last = out.text + out.len - 1;
        size_t bytes = 0;
        while (last > out.text && last[-1] != '\n')
            last--;
        for (; *last != '\n'; last++)
            bytes += *last == ' ';
        ck_assert_uint_eq(bytes, size % 16 != 0 ? size % 16 : 16);
    }
    dalloc_heap_deinit(&h);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Lock hooks                                                               */

typedef struct {
    int created, destroyed, depth, locks, fail_create;
} lock_state_t;
static lock_state_t ls;

static void *lk_create(void *ctx)
{
    lock_state_t *s = (lock_state_t *)ctx;
    if (s->fail_create > 0) {
        s->fail_create--;
        return NULL;
    }
    s->created++;
    return s;
}
static void lk_destroy(void *ctx, void *lock)
{
    ck_assert_ptr_eq(lock, ctx);
    ((lock_state_t *)ctx)->destroyed++;
}
static void lk_lock(void *ctx, void *lock)
{
    ck_assert_ptr_eq(lock, ctx);
    ((lock_state_t *)ctx)->depth++;
    ((lock_state_t *)ctx)->locks++;
}
static void lk_unlock(void *ctx, void *lock)
{
    ck_assert_ptr_eq(lock, ctx);
    ck_assert_int_gt(((lock_state_t *)ctx)->depth, 0);
    ((lock_state_t *)ctx)->depth--;
}

/* A set with any function missing is refused, globally and per heap. */
START_TEST(lock_hooks_incomplete_refused)
{
    const dalloc_lock_hooks_t full = {lk_create, lk_destroy, lk_lock, lk_unlock, &ls};
    dalloc_lock_hooks_t k;
    int i;
    memset(&ls, 0, sizeof ls);
    for (i = 0; i < 4; i++) {
        k = full;
        switch (i) {
        case 0: k.create = NULL; break;
        case 1: k.destroy = NULL; break;
        case 2: k.lock = NULL; break;
        default: k.unlock = NULL; break;
        }
        ck_assert_int_eq(dalloc_set_lock_hooks(&k), DALLOC_E_ARG);
        ck_assert_int_eq(dalloc_heap_set_lock_hooks(&heap, &k), DALLOC_E_ARG);
        ASSERT_ERROR(DALLOC_E_ARG);
    }
    ck_assert_int_eq(ls.created, 0);
    ck_assert_int_eq(dalloc_set_lock_hooks(&full), DALLOC_OK);
    ck_assert_int_eq(dalloc_set_lock_hooks(NULL), DALLOC_OK);
    ck_assert_int_eq(ls.created, 0); /* hooks are used by heaps, not by setting them */
}
END_TEST

/* Per-heap hooks: with thread safety the heap's lock is replaced (the old
 * one destroyed), every call takes and releases the new one, and NULL goes
 * back to the built-in lock; without, the call is accepted and does
 * nothing. */
START_TEST(heap_lock_hooks_replaced)
{
    const dalloc_lock_hooks_t k = {lk_create, lk_destroy, lk_lock, lk_unlock, &ls};
    void *p = NULL;
    memset(&ls, 0, sizeof ls);
    ck_assert_int_eq(dalloc_heap_set_lock_hooks(&heap, &k), DALLOC_OK);
    ASSERT_ERROR(DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 32, &p), DALLOC_OK);
    dalloc_heap_lock(&heap);
    ck_assert_int_eq(dalloc_free(&heap, &p, USING_PTR_ADDRESS), DALLOC_OK);
#if DALLOC_THREAD_SAFETY
    ck_assert_int_eq(ls.created, 1);
    ck_assert_int_eq(ls.depth, 1);
    ck_assert_int_ge(ls.locks, 3);
#else
    ck_assert_int_eq(ls.created, 0);
    ck_assert_int_eq(ls.locks, 0);
#endif
    dalloc_heap_unlock(&heap);
    ck_assert_int_eq(ls.depth, 0);
    /* The global default was not changed: a new heap has the built-in lock. */
    {
        static uint64_t words[512];
        dalloc_heap_t h2;
        int locks = ls.locks;
        ck_assert_int_eq(dalloc_heap_init(&h2, words, sizeof words), DALLOC_OK);
        ck_assert_int_eq(dalloc_alloc(&h2, 32, &p), DALLOC_OK);
        ck_assert_int_eq(ls.locks, locks);
        dalloc_heap_deinit(&h2);
    }
    /* Back to the built-in lock. */
    ck_assert_int_eq(dalloc_heap_set_lock_hooks(&heap, NULL), DALLOC_OK);
#if DALLOC_THREAD_SAFETY
    ck_assert_int_eq(ls.destroyed, 1);
#endif
    {
        int locks = ls.locks;
        ck_assert_int_eq(dalloc_alloc(&heap, 32, &p), DALLOC_OK);
        ck_assert_int_eq(ls.locks, locks);
    }
    CHECK_HEAP();
}
END_TEST

/* Per-heap hooks whose create fails: DALLOC_E_ARG and the heap keeps the
 * lock it had (the new one is made before the old one goes), whether that
 * is the built-in lock or one made by hooks.  The heap's blocks are
 * untouched either way. */
START_TEST(heap_lock_hooks_failing_create)
{
    const dalloc_lock_hooks_t k = {lk_create, lk_destroy, lk_lock, lk_unlock, &ls};
    void *p = NULL, *q = NULL;
    memset(&ls, 0, sizeof ls);
    ck_assert_int_eq(dalloc_alloc(&heap, 48, &p), DALLOC_OK);
    test_fill(p, 48, 7);
#if DALLOC_THREAD_SAFETY
    /* The built-in lock, then hooks that fail: back to a built-in lock. */
    ls.fail_create = 1;
    ck_assert_int_eq(dalloc_heap_set_lock_hooks(&heap, &k), DALLOC_E_ARG);
    ASSERT_ERROR(DALLOC_E_ARG);
    ck_assert_int_eq(ls.created, 0);
    ck_assert_int_eq(dalloc_alloc(&heap, 48, &q), DALLOC_OK);
    ck_assert_int_eq(ls.locks, 0);
    /* A heap made with the hooks as default, then new hooks that fail:
     * the heap keeps its hook-made lock, and every call still takes it. */
    ck_assert_int_eq(dalloc_set_lock_hooks(&k), DALLOC_OK);
    {
        static uint64_t words[512];
        dalloc_heap_t h2;
        void *r = NULL;
        ck_assert_int_eq(dalloc_heap_init(&h2, words, sizeof words), DALLOC_OK);
        ck_assert_int_eq(ls.created, 1);
        ls.fail_create = 1;
        ck_assert_int_eq(dalloc_heap_set_lock_hooks(&h2, &k), DALLOC_E_ARG);
        ck_assert_int_eq(ls.fail_create, 0); /* create was asked once */
        ck_assert_int_eq(ls.destroyed, 0);   /* the old lock was kept */
        ck_assert_int_eq(ls.created, 1);
        ls.locks = 0;
        ck_assert_int_eq(dalloc_alloc(&h2, 32, &r), DALLOC_OK);
        ck_assert_int_eq(dalloc_free(&h2, &r, USING_PTR_ADDRESS), DALLOC_OK);
        ck_assert_int_gt(ls.locks, 0);
        ck_assert_int_eq(ls.depth, 0);
        ck_assert_int_eq(dalloc_check(&h2), DALLOC_OK);
        dalloc_heap_deinit(&h2);
        ck_assert_int_eq(ls.destroyed, 1); /* the kept lock, destroyed with its heap */
        /* A heap whose create fails cannot be initialised. */
        ls.fail_create = 1;
        ck_assert_int_eq(dalloc_heap_init(&h2, words, sizeof words), DALLOC_E_HEAP);
        ck_assert_int_eq(dalloc_check(&h2), DALLOC_E_HEAP);
    }
    ck_assert_int_eq(dalloc_set_lock_hooks(NULL), DALLOC_OK);
#else
    ls.fail_create = 1;
    ck_assert_int_eq(dalloc_heap_set_lock_hooks(&heap, &k), DALLOC_OK); /* ignored */
    ck_assert_int_eq(dalloc_alloc(&heap, 48, &q), DALLOC_OK);
    ck_assert_int_eq(ls.fail_create, 1);
#endif
    ck_assert(test_verify(p, 48, 7));
    ck_assert_int_eq(dalloc_validate(&heap, &q, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    CHECK_HEAP();
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Relocatable and fixed blocks                                             */

/* Refusals of calls that name a block the wrong way: a misaligned owner
 * address, a variable holding a fixed block where a relocatable one is
 * expected.  Nothing changes. */
START_TEST(wrong_kind_or_misaligned_owner_refused)
{
    void *a = NULL, *f;
    void *pair[2];
    void **mis;
    dalloc_stats_t before, after;
    uint32_t index = 12345;
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &a), DALLOC_OK);
    f = dalloc_malloc(&heap, 64);
    ck_assert_ptr_nonnull(f);
    before = test_stats(&heap);
    /* An owner address that is not a multiple of the pointer size. */
    pair[0] = a;
    pair[1] = a;
    mis = (void **)(void *)((uint8_t *)pair + 1);
    ck_assert_int_eq(dalloc_free(&heap, mis, USING_PTR_ADDRESS), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_validate(&heap, mis, USING_PTR_ADDRESS, &index), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_pin(&heap, mis), DALLOC_E_NOTBLOCK);
    ck_assert_uint_eq(index, 12345);
    /* A variable holding a fixed block. */
    ck_assert_int_eq(dalloc_free(&heap, &f, USING_PTR_ADDRESS), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_free(&heap, &f, USING_PTR_VALUE), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_validate(&heap, &f, USING_PTR_VALUE, &index), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_validate(&heap, &f, USING_PTR_ADDRESS, &index), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_realloc(&heap, 128, &f), DALLOC_E_NOTBLOCK);
    ck_assert_uint_eq(index, 12345);
    ck_assert_ptr_nonnull(f);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    /* Both are still what they were. */
    ck_assert_int_eq(dalloc_validate(&heap, &a, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_fixed_free(&heap, f), DALLOC_OK);
    CHECK_HEAP();
}
END_TEST

/* Free by value through a copy when the registered variable was
 * overwritten: the copy is cleared, the overwritten variable is left as
 * the program set it. */
START_TEST(free_by_value_leaves_overwritten_owner_alone)
{
    void *a = NULL, *copy;
    uint64_t other = 0;
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &a), DALLOC_OK);
    copy = a;
    a = &other;
    ck_assert_int_eq(dalloc_free(&heap, &copy, USING_PTR_VALUE), DALLOC_OK);
    ck_assert_ptr_null(copy);
    ck_assert_ptr_eq(a, &other);
    ck_assert_uint_eq(test_stats(&heap).live_blocks, 0);
    CHECK_HEAP();
}
END_TEST

/* An owner address inside free space (a hole at the bottom of the arena,
 * below every block) is refused; the heap is unchanged. */
START_TEST(owner_inside_bottom_hole_refused)
{
    void *a = NULL, *b = NULL;
    void **inside;
    unsigned char raw[sizeof(void *)];
    dalloc_stats_t before, after;
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &a), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &b), DALLOC_OK);
    inside = (void **)a;
    ck_assert_int_eq(dalloc_free(&heap, &a, USING_PTR_ADDRESS), DALLOC_OK);
    before = test_stats(&heap);
    if (TEST_FILL_FREED)
        ck_assert(test_raw_zero(inside, sizeof *inside)); /* freed memory is zeroed */
    test_raw_copy(raw, inside, sizeof raw);
    ck_assert_int_eq(dalloc_alloc(&heap, 16, inside), DALLOC_E_OWNER);
    ck_assert_int_eq(dalloc_replace(&heap, &b, inside), DALLOC_E_OWNER);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert(test_raw_same(inside, raw, sizeof raw)); /* not even NULL written there */
    ck_assert_int_eq(dalloc_validate(&heap, &b, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    CHECK_HEAP();
}
END_TEST

/* An owner address inside a block's header, or inside the module trailer
 * at the end of a module's block, is refused; nothing changes. */
START_TEST(owner_inside_header_or_trailer_refused)
{
    void *a = NULL, *b = NULL, *m = NULL;
    void **slot, *save;
    dalloc_module_t net;
    dalloc_stats_t before, after;
    size_t span, w;
    ck_assert_int_eq(dalloc_module_register(&heap, "net", &net), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &a), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 64, &m, net), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &b), DALLOC_OK);
    before = test_stats(&heap);
    /* Every word of b's header. */
    for (w = 0; w < HDR; w += sizeof(void *)) {
        slot = (void **)(void *)((uint8_t *)b - HDR + w);
        test_raw_copy(&save, slot, sizeof save);
        ck_assert_int_eq(dalloc_alloc(&heap, 16, slot), DALLOC_E_OWNER);
        ck_assert_int_eq(dalloc_replace(&heap, &a, slot), DALLOC_E_OWNER);
        ck_assert(test_raw_same(slot, &save, sizeof save));
    }
    /* Every word of m's trailer: the block's last TRAILER bytes. */
    span = span_of(m);
    for (w = span - TRAILER; w < span; w += sizeof(void *)) {
        slot = (void **)(void *)((uint8_t *)m - HDR + w);
        test_raw_copy(&save, slot, sizeof save);
        ck_assert_int_eq(dalloc_alloc(&heap, 16, slot), DALLOC_E_OWNER);
        ck_assert(test_raw_same(slot, &save, sizeof save));
    }
    /* The last payload word before the trailer is a usable owner. */
    slot = (void **)(void *)((uint8_t *)m - HDR + span - TRAILER - sizeof(void *));
    *slot = NULL;
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    CHECK_HEAP();
    ck_assert_int_eq(dalloc_alloc(&heap, 16, slot), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, slot, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    CHECK_HEAP();
}
END_TEST

/* The library's own blocks (the module registry and the fixed region's
 * index) lie above the user's fixed blocks, at the top of the buffer: no
 * word there, header or payload, is accepted as an owner, and none is
 * written. */
START_TEST(owner_inside_library_blocks_refused)
{
    static uint8_t top[HEAP_SIZE];
    dalloc_module_t net;
    dalloc_stats_t before, after;
    void *f, *a = NULL;
    uint8_t *from, *end = buf + HEAP_SIZE, *w;
    size_t n = 0;
    ck_assert_int_eq(dalloc_module_register(&heap, "net", &net), DALLOC_OK);
    f = dalloc_malloc(&heap, 64);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &a), DALLOC_OK);
    from = (uint8_t *)f - HDR + span_of(f);
    ck_assert(from < end);
    test_raw_copy(top, from, (size_t)(end - from));
    before = test_stats(&heap);
    for (w = from; w < end; w += sizeof(void *)) {
        void **slot = (void **)(void *)w;
        ck_assert_msg(dalloc_alloc(&heap, 8, slot) == DALLOC_E_OWNER, "owner accepted at top - %zu",
                      (size_t)(end - w));
        ck_assert_int_eq(dalloc_replace(&heap, &a, slot), DALLOC_E_OWNER);
        n++;
    }
    ck_assert_uint_ge(n, 2 * HDR / sizeof(void *)); /* two blocks at least */
    ck_assert(test_raw_same(top, from, (size_t)(end - from)));
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert_uint_eq(dalloc_module_find(&heap, "net"), net);
    CHECK_HEAP();
}
END_TEST

/* A block that cannot grow in place, with free space after it but a used
 * block further up, and not enough free space for a copy: refused
 * (DALLOC_E_NOMEM, counted), and nothing moved. */
START_TEST(realloc_refused_when_block_not_last)
{
    static void *p[1024];
    void *a = NULL, *b = NULL, *h = NULL, *u = NULL, *v = NULL, *where_a, *where_u;
    dalloc_stats_t before, after;
    size_t k, i;
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &a), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &b), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &u), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 4000, &h), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &v), DALLOC_OK);
    k = fill(p, 1024, 64);
    ck_assert_int_eq(dalloc_free(&heap, &b, USING_PTR_ADDRESS), DALLOC_OK); /* a hole right above a */
    ck_assert_int_eq(dalloc_free(&heap, &h, USING_PTR_ADDRESS), DALLOC_OK); /* one above u */
    test_fill(a, 64, 1);
    test_fill(u, 64, 2);
    where_a = a;
    where_u = u;
    before = test_stats(&heap);
    /* More than the free bytes, less than the free bytes and a's own. */
    ck_assert_int_eq(dalloc_realloc(&heap, before.free_bytes + 16, &a), DALLOC_E_NOMEM);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert_uint_eq(after.refusals, before.refusals + 1);
    ck_assert_ptr_eq(a, where_a);
    ck_assert_ptr_eq(u, where_u);
    ck_assert(test_verify(a, 64, 1));
    ck_assert(test_verify(u, 64, 2));
    CHECK_HEAP();
    for (i = 0; i < k; i++)
        ck_assert_int_eq(dalloc_free(&heap, &p[i], USING_PTR_ADDRESS), DALLOC_OK);
    CHECK_HEAP();
}
END_TEST

/* Requests larger than the whole heap are refused with DALLOC_E_NOMEM,
 * with and without fixed blocks (an index for the fixed region); nothing
 * changes. */
START_TEST(requests_larger_than_heap_refused)
{
    dalloc_stats_t before, after;
    void *p = NULL, *f = NULL;
    int round;
    for (round = 0; round < 2; round++) {
        before = test_stats(&heap);
        ck_assert_int_eq(dalloc_alloc(&heap, 4 * HEAP_SIZE, &p), DALLOC_E_NOMEM);
        ck_assert_ptr_null(dalloc_malloc(&heap, 4 * HEAP_SIZE));
        ASSERT_ERROR(DALLOC_E_NOMEM);
        ck_assert_ptr_null(dalloc_fixed_realloc(&heap, f != NULL ? f : NULL, 4 * HEAP_SIZE));
        ASSERT_ERROR(DALLOC_E_NOMEM);
        after = test_stats(&heap);
        ck_assert(test_stats_same(&before, &after));
        CHECK_HEAP();
        f = dalloc_malloc(&heap, 40);
        ck_assert_ptr_nonnull(f);
    }
}
END_TEST

/* The largest block size the header can hold (block.h: the size in
 * granules shifted left by 8 bits). */
static size_t blk_max_size(void)
{
    size_t m = SIZE_MAX >> 8, a = ALIGN;
    while (a > 1) {
        m <<= 1;
        a >>= 1;
    }
    return m & ~(ALIGN - 1);
}

/* An aligned fixed request near the largest representable block size is
 * refused (the room for its alignment cannot be represented); the heap is
 * unchanged, with or without other fixed blocks. */
START_TEST(aligned_request_near_size_limit_refused)
{
    dalloc_stats_t before, after;
    void *f;
    size_t n = blk_max_size() - 8 * ALIGN;
    int round;
    for (round = 0; round < 2; round++) {
        before = test_stats(&heap);
        ck_assert_ptr_null(dalloc_fixed_alloc(&heap, n, 8 * ALIGN, DALLOC_NO_MODULE));
        ck_assert_int_ne(dalloc_last_error(&heap), DALLOC_OK);
        ck_assert_ptr_null(dalloc_aligned_alloc(&heap, 8 * ALIGN, n));
        after = test_stats(&heap);
        ck_assert(test_stats_same(&before, &after));
        CHECK_HEAP();
        f = dalloc_malloc(&heap, 16);
        ck_assert_ptr_nonnull(f);
    }
}
END_TEST

/* A block of a module grows by moving into a hole that is a little larger
 * than the new size and too small to split, so it would be taken whole;
 * the module's quota allows the new size but not the hole: DALLOC_E_QUOTA
 * and nothing moved. */
START_TEST(realloc_move_refused_by_quota_of_whole_hole)
{
    static void *p[1024];
    void *b = NULL, *x = NULL, *h = NULL, *y = NULL;
    dalloc_module_t net;
    dalloc_module_stats_t ms;
    dalloc_stats_t before, after;
    size_t grow = 200, nb, hole, k, i;
    void *where, *probe = NULL;
    ck_assert_int_eq(dalloc_module_register(&heap, "net", &net), DALLOC_OK);
    /* The size of a block of the module for the new size. */
    ck_assert_int_eq(dalloc_alloc_in(&heap, grow, &probe, net), DALLOC_OK);
    nb = span_of(probe);
    ck_assert_int_eq(dalloc_free(&heap, &probe, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 40, &b, net), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &x), DALLOC_OK); /* b cannot grow in place */
    /* A hole of the new size plus one granule (less than a block). */
    ck_assert_int_eq(dalloc_alloc(&heap, nb + ALIGN - HDR, &h), DALLOC_OK);
    hole = span_of(h);
    ck_assert_uint_gt(hole, nb);
    ck_assert_uint_lt(hole - nb, MIN_BLK);
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &y), DALLOC_OK);
    k = fill(p, 1024, 8); /* no gap left */
    ck_assert_uint_lt(test_stats(&heap).free_bytes, MIN_BLK);
    ck_assert_int_eq(dalloc_free(&heap, &h, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_stats(&heap, net, &ms), DALLOC_OK);
    /* The quota admits exactly the new size. */
    ck_assert_int_eq(dalloc_module_set_quota(&heap, net, ms.bytes - span_of(b) + nb), DALLOC_OK);
    test_fill(b, 40, 3);
    where = b;
    before = test_stats(&heap);
    ck_assert_int_eq(dalloc_realloc(&heap, grow, &b), DALLOC_E_QUOTA);
    ASSERT_ERROR(DALLOC_E_QUOTA);
    after = test_stats(&heap);
    ck_assert(test_stats_same(&before, &after));
    ck_assert_ptr_eq(b, where);
    ck_assert(test_verify(b, 40, 3));
    CHECK_HEAP();
    /* With a quota that admits the whole hole the move is made. */
    ck_assert_int_eq(dalloc_module_set_quota(&heap, net, ms.bytes - span_of(b) + hole), DALLOC_OK);
    ck_assert_int_eq(dalloc_realloc(&heap, grow, &b), DALLOC_OK);
    ck_assert_ptr_ne(b, where);
    ck_assert(test_verify(b, 40, 3));
    ck_assert_int_eq(dalloc_module_stats(&heap, net, &ms), DALLOC_OK);
    ck_assert_uint_eq(ms.bytes, hole); /* the whole hole */
    CHECK_HEAP();
    for (i = 0; i < k; i++)
        ck_assert_int_eq(dalloc_free(&heap, &p[i], USING_PTR_ADDRESS), DALLOC_OK);
    CHECK_HEAP();
}
END_TEST

/* Compaction rewrites registered owners only.  A block holding the owner
 * of another block also holds a pointer to itself, one to a fixed block
 * and a copy of a third block's address: those three words keep their
 * values when everything moves. */
START_TEST(compaction_rewrites_only_registered_owners)
{
    void *h0 = NULL, *a = NULL, *c = NULL, *f;
    void **w, *old_a, *old_c;
    ck_assert_int_eq(dalloc_alloc(&heap, 256, &h0), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 128, &a), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 32, &c), DALLOC_OK);
    f = dalloc_malloc(&heap, 32);
    ck_assert_ptr_nonnull(f);
    w = (void **)a;
    w[0] = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, 16, &w[0]), DALLOC_OK); /* a holds an owner */
    test_fill(w[0], 16, 5);
    w[1] = a;
    w[2] = f;
    w[3] = c;
    old_a = a;
    old_c = c;
    ck_assert_int_eq(dalloc_free(&heap, &h0, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    ck_assert_ptr_ne(a, old_a);
    ck_assert_ptr_ne(c, old_c);
    w = (void **)a;
    ck_assert_int_eq(dalloc_validate(&heap, &w[0], USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert(test_verify(w[0], 16, 5));
    ck_assert_ptr_eq(w[1], old_a);
    ck_assert_ptr_eq(w[2], f);
    ck_assert_ptr_eq(w[3], old_c);
    CHECK_HEAP();
    /* Again with the stale words now pointing at whatever lies there. */
    w[1] = a;
    w[3] = c;
    h0 = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, 8, &h0), DALLOC_OK);
    ck_assert_int_eq(dalloc_realloc(&heap, 4000, &h0), DALLOC_OK);
    ck_assert_ptr_eq(w[1], a);
    ck_assert_ptr_eq(w[3], c);
    CHECK_HEAP();
}
END_TEST

/* A block whose registered variable was overwritten is orphaned when
 * compaction moves it: the variable is never written, the block stays
 * allocated and intact, and it is freed by value. */
START_TEST(compaction_orphans_overwritten_owner)
{
    void *h0 = NULL, *a = NULL, *b = NULL, *where;
    uint64_t other = 0;
    static seen_t seen;
    size_t i;
    ck_assert_int_eq(dalloc_alloc(&heap, 128, &h0), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &a), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &b), DALLOC_OK);
    test_fill(a, 64, 9);
    where = a;
    a = &other; /* the program forgot its block */
    ck_assert_int_eq(dalloc_free(&heap, &h0, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    ck_assert_ptr_eq(a, &other);
    ck_assert_uint_eq(other, 0);
    ck_assert_uint_eq(test_stats(&heap).live_blocks, 2);
    CHECK_HEAP();
    memset(&seen, 0, sizeof seen);
    ck_assert_int_eq(dalloc_for_each_used_block(&heap, collect, &seen), DALLOC_OK);
    ck_assert_uint_eq(seen.n, 2);
    for (i = 0; i < seen.n; i++) {
        if (seen.b[i].owner == &b)
            continue;
        ck_assert_ptr_null(seen.b[i].owner); /* orphaned */
        ck_assert_ptr_ne(seen.b[i].addr, where);
        ck_assert(test_verify(seen.b[i].addr, 64, 9));
        where = (void *)(uintptr_t)seen.b[i].addr;
    }
    /* Later moves leave it alone as well. */
    ck_assert_int_eq(dalloc_free(&heap, &where, USING_PTR_VALUE), DALLOC_OK);
    ck_assert_ptr_null(where);
    ck_assert_ptr_eq(a, &other);
    ck_assert_uint_eq(test_stats(&heap).live_blocks, 1);
    CHECK_HEAP();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("edges");
    TCase *tc;

    /* First: nothing in this process has set up dmheap or a module yet. */
    tc = tcase_create("first");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, dmheap_before_init);
    tcase_add_test(tc, module_id_before_any_registration);
    suite_add_tcase(s, tc);

    tc = tcase_create("unusable");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, null_heap_refused_everywhere);
    tcase_add_test(tc, deinitialised_heap_refused_everywhere);
    tcase_add_test(tc, zeroed_heap_refused_everywhere);
    suite_add_tcase(s, tc);

    tc = tcase_create("heap");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, init_sizes_up_to_the_first_usable);
#if SIZE_MAX > UINT32_MAX
    tcase_add_test(tc, init_size_above_4gib_is_clamped);
#endif
    tcase_add_test(tc, strerror_every_status);
    tcase_add_test(tc, reset_leaves_overwritten_variables_alone);
    suite_add_tcase(s, tc);

    tc = tcase_create("modules");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, registry_cannot_grow);
    tcase_add_test(tc, module_names_compared_whole);
    tcase_add_test(tc, release_leaves_overwritten_variables_alone);
    tcase_add_test(tc, registry_holds_65535_modules);
    suite_add_tcase(s, tc);

    tc = tcase_create("looking");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, report_without_modules);
    tcase_add_test(tc, free_visitor_without_gap);
    tcase_add_test(tc, dump_blocks_shows_flags);
    tcase_add_test(tc, default_output_is_stdout);
    tcase_add_test(tc, dump_heap_every_byte);
    suite_add_tcase(s, tc);

    tc = tcase_create("locks");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, lock_hooks_incomplete_refused);
    tcase_add_test(tc, heap_lock_hooks_replaced);
    tcase_add_test(tc, heap_lock_hooks_failing_create);
    suite_add_tcase(s, tc);

    tc = tcase_create("blocks");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, wrong_kind_or_misaligned_owner_refused);
    tcase_add_test(tc, free_by_value_leaves_overwritten_owner_alone);
    tcase_add_test(tc, owner_inside_bottom_hole_refused);
    tcase_add_test(tc, owner_inside_header_or_trailer_refused);
    tcase_add_test(tc, owner_inside_library_blocks_refused);
    tcase_add_test(tc, realloc_refused_when_block_not_last);
    tcase_add_test(tc, requests_larger_than_heap_refused);
    tcase_add_test(tc, aligned_request_near_size_limit_refused);
    tcase_add_test(tc, realloc_move_refused_by_quota_of_whole_hole);
    tcase_add_test(tc, compaction_rewrites_only_registered_owners);
    tcase_add_test(tc, compaction_orphans_overwritten_owner);
    suite_add_tcase(s, tc);

    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
