/*
 * test_heap.c - a heap's life, its figures and its error reporting.
 *
 * Covers:
 *  - dalloc_heap_init over aligned and unaligned buffers: every payload is
 *    DALLOC_ALIGNMENT-aligned and inside the buffer; NULL heap, NULL buffer
 *    and size 0 are refused; for every buffer size up to 1.5 KiB (and every
 *    misalignment of its start) the heap either works (one block fits) or is
 *    DALLOC_E_HEAP and then refuses every later call with DALLOC_E_HEAP;
 *    guard bytes around the buffer prove nothing is written outside it;
 *  - dalloc_heap_deinit: every call after it is refused, pointers are left
 *    alone, the buffer can be reused;
 *  - dalloc_heap_reset: registered pointers cleared (outside and inside the
 *    heap), heap empty and laid out as after init, policy kept;
 *  - dalloc_get_stats: every figure against what the test did (used bytes,
 *    live/free/pinned blocks, largest free before and after compaction,
 *    peak, refusals, compactions, bytes moved, header size);
 *  - dalloc_last_error after each kind of refusal (DALLOC_E_LIMIT needs a
 *    build-time cap and is not produced here), and back to DALLOC_OK;
 *  - dalloc_strerror: a non-empty, distinct sentence for every status;
 *  - dalloc_set_policy / dalloc_get_policy, out-of-range policies refused;
 *  - dalloc_check: OK on fresh and used heaps, DALLOC_E_CORRUPT for damaged
 *    block headers, free blocks and counters, and never a read outside the
 *    buffer (a guard page after the buffer, faults turned into failures),
 *    also under random single-word scribbles over the arena.
 */
#define _POSIX_C_SOURCE 200809L

#include "testutil.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#define ALIGN ((size_t)DALLOC_ALIGNMENT)
#define HEAP_SIZE 8192

static dalloc_heap_t heap;
TEST_BUFFER(buf, HEAP_SIZE + 64);

/* Payload address as an integer, for alignment and range checks. */
static uintptr_t addr(const void *p) { return (uintptr_t)p; }

/* ------------------------------------------------------------------------ */
/* Guard page: a buffer that ends exactly where an inaccessible page begins;
 * a read past the buffer faults, and the fault becomes a test failure. */

#define GUARD_AREA 65536 /* larger than any page size we expect */
static uint8_t guard_area[2 * GUARD_AREA] __attribute__((aligned(GUARD_AREA)));
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t faulted;

static void on_fault(int sig)
{
    (void)sig;
    faulted = 1;
    siglongjmp(fault_jmp, 1);
}

/* Buffer of size bytes right below the protected page. */
static uint8_t *guard_setup(size_t size)
{
    long page = sysconf(_SC_PAGESIZE);
    ck_assert(page > 0 && (size_t)page <= GUARD_AREA && size <= GUARD_AREA);
    ck_assert_int_eq(mprotect(guard_area + GUARD_AREA, (size_t)page, PROT_NONE), 0);
    return guard_area + GUARD_AREA - size;
}

static void guard_teardown(void)
{
    long page = sysconf(_SC_PAGESIZE);
    ck_assert_int_eq(mprotect(guard_area + GUARD_AREA, (size_t)page, PROT_READ | PROT_WRITE), 0);
}

/* dalloc_check() with SIGSEGV/SIGBUS turned into `faulted`. */
static dalloc_status_t guarded_check(const dalloc_heap_t *h)
{
    struct sigaction sa, old_segv, old_bus;
    volatile dalloc_status_t st = DALLOC_OK;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sigemptyset(&sa.sa_mask);
    faulted = 0;
    (void)sigaction(SIGSEGV, &sa, &old_segv);
    (void)sigaction(SIGBUS, &sa, &old_bus);
    if (sigsetjmp(fault_jmp, 1) == 0)
        st = dalloc_check(h);
    (void)sigaction(SIGSEGV, &old_segv, NULL);
    (void)sigaction(SIGBUS, &old_bus, NULL);
    return st;
}

/* ------------------------------------------------------------------------ */
/* dalloc_heap_init                                                          */

START_TEST(init_fresh_heap)
{
    dalloc_stats_t st;
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_OK);
    ck_assert_ptr_eq(heap.mem, buf);
    ck_assert_uint_eq(heap.total_size, HEAP_SIZE);
    ck_assert_uint_eq(heap.offset, 0);
    ck_assert_uint_eq(heap.alloc_info.allocations_num, 0);
    ck_assert_int_eq(dalloc_get_policy(&heap), DALLOC_COMPACT_ON_DEMAND);
    st = test_stats(&heap);
    ck_assert_uint_eq(st.total_size, HEAP_SIZE);
    ck_assert_uint_gt(st.arena_size, 0);
    ck_assert_uint_lt(st.arena_size, HEAP_SIZE);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.free_bytes, st.arena_size);
    /* One hole-free arena: the whole of it is one block. */
    ck_assert_uint_eq(st.largest_free, st.arena_size - st.header_size);
    ck_assert_uint_eq(st.largest_after_compaction, st.largest_free);
    ck_assert_uint_eq(st.free_blocks, 0);
    ck_assert_uint_eq(st.live_blocks, 0);
    ck_assert_uint_eq(st.pinned_blocks, 0);
    ck_assert_uint_eq(st.peak_used, 0);
    ck_assert_uint_eq(st.refusals, 0);
    ck_assert_uint_eq(st.compactions, 0);
    ck_assert_uint_eq(st.bytes_moved, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* Start of the buffer misaligned by _i bytes: payloads stay aligned and
 * inside the buffer, and the arena can be filled to the last byte. */
START_TEST(init_unaligned_buffer)
{
    uint8_t *b = buf + _i;
    const size_t size = 4096 - (size_t)_i;
    void *p[64];
    size_t n, k, i;
    dalloc_stats_t st;

    ck_assert_int_eq(dalloc_heap_init(&heap, b, size), DALLOC_OK);
    ck_assert_ptr_eq(heap.mem, b);
    ck_assert_uint_eq(heap.total_size, size);
    for (k = 0; k < 64; k++) {
        n = 1 + k * 7 % 61;
        p[k] = NULL;
        if (dalloc_alloc(&heap, n, &p[k]) != DALLOC_OK)
            break;
        ck_assert_uint_eq(addr(p[k]) % ALIGN, 0);
        ck_assert(addr(p[k]) >= addr(b) && addr(p[k]) + n <= addr(b) + size);
        memset(p[k], 0x5A, n);
    }
    ck_assert_uint_gt(k, 16);
    /* Whatever is left, in one block, is inside the buffer too. */
    st = test_stats(&heap);
    if (st.largest_free > 0) {
        void *last = NULL;
        ck_assert_int_eq(dalloc_alloc(&heap, st.largest_free, &last), DALLOC_OK);
        ck_assert_uint_eq(addr(last) % ALIGN, 0);
        ck_assert(addr(last) + st.largest_free <= addr(b) + size);
        memset(last, 0x5A, st.largest_free);
        ck_assert_int_eq(dalloc_free(&heap, &last, USING_PTR_ADDRESS), DALLOC_OK);
    }
    TEST_HEAP_OK(&heap);
    for (i = 0; i < k; i++)
        ck_assert_int_eq(dalloc_free(&heap, &p[i], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_eq(heap.offset, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(init_refusals)
{
    void *p = buf;
    ck_assert_int_eq(dalloc_heap_init(NULL, buf, HEAP_SIZE), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_last_error(NULL), DALLOC_E_HEAP);

    ck_assert_int_eq(dalloc_heap_init(&heap, NULL, HEAP_SIZE), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_alloc(&heap, 16, &p), DALLOC_E_HEAP);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_HEAP);

    p = buf;
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, 0), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_alloc(&heap, 16, &p), DALLOC_E_HEAP);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_E_HEAP);

    /* A refused init does not spoil a later good one. */
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 16, &p), DALLOC_OK);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* Every call on a heap that is not usable is refused with DALLOC_E_HEAP. */
static void assert_all_refused(dalloc_heap_t *h)
{
    static void *q;
    void *p = &p, *r = NULL;
    uint32_t idx = 77;
    dalloc_stats_t st;

    q = &q;
    ck_assert_int_eq(dalloc_alloc(h, 1, &p), DALLOC_E_HEAP);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(dalloc_last_error(h), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_realloc(h, 8, &r), DALLOC_E_HEAP);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(dalloc_free(h, &q, USING_PTR_ADDRESS), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_free(h, &q, USING_PTR_VALUE), DALLOC_E_HEAP);
    ck_assert_ptr_eq(q, &q);
    ck_assert_int_eq(dalloc_replace(h, &q, &r), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_validate(h, &q, USING_PTR_ADDRESS, &idx), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_validate(h, &q, USING_PTR_VALUE, NULL), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_pin(h, &q), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_unpin(h, &q), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_set_policy(h, DALLOC_COMPACT_MANUAL), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_heap_reset(h), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_check(h), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_get_stats(h, &st), DALLOC_E_HEAP);
    ck_assert_uint_eq(dalloc_compact(h), 0);
    ck_assert_int_eq(dalloc_last_error(h), DALLOC_E_HEAP);
    ck_assert_uint_eq(dalloc_compact_step(h, 4096), 0);
    ck_assert_int_eq(dalloc_last_error(h), DALLOC_E_HEAP);
    ck_assert_ptr_eq(q, &q);
    ck_assert_uint_eq(h->offset, 0);
    ck_assert_uint_eq(h->alloc_info.allocations_num, 0);
}

/*
 * For every size from 1 to 1536 bytes and every misalignment of the start:
 * init either succeeds and then one block fits (the buffer holds the
 * control block and a block), or yields DALLOC_E_HEAP and a heap refusing
 * every call.  Guard bytes on both sides must never change.
 */
#define GUARD 64
#define MAX_SMALL 1536
TEST_BUFFER(small_region, GUARD + MAX_SMALL + 2 * DALLOC_ALIGNMENT + GUARD);
#define SMALL_REGION_SIZE (GUARD + MAX_SMALL + 2 * DALLOC_ALIGNMENT + GUARD)

static void assert_guards(const uint8_t *b, size_t size)
{
    size_t i, bad = SMALL_REGION_SIZE;
    for (i = 0; i < SMALL_REGION_SIZE && bad == SMALL_REGION_SIZE; i++)
        if ((small_region + i < b || small_region + i >= b + size) && small_region[i] != 0xA5)
            bad = i;
    ck_assert_msg(bad == SMALL_REGION_SIZE, "byte %ld outside a %zu-byte buffer changed",
                  (long)((small_region + bad) - b), size);
}

START_TEST(init_small_buffers_guarded)
{
    size_t off = (size_t)_i, size, ok = 0, refused = 0;
    for (size = 1; size <= MAX_SMALL; size++) {
        uint8_t *b = small_region + GUARD + off;
        dalloc_status_t st;
        memset(small_region, 0xA5, SMALL_REGION_SIZE);
        st = dalloc_heap_init(&heap, b, size);
        assert_guards(b, size);
        if (size <= test_block_size(1))
            ck_assert_int_eq(st, DALLOC_E_HEAP); /* not even room for one block */
        if (st == DALLOC_E_HEAP) {
            ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_HEAP);
            assert_all_refused(&heap);
            refused++;
        } else {
            void *p = NULL;
            dalloc_stats_t s;
            ck_assert_int_eq(st, DALLOC_OK);
            s = test_stats(&heap);
            ck_assert_int_eq(dalloc_alloc(&heap, 1, &p), DALLOC_OK);
            ck_assert(addr(p) >= addr(b) && addr(p) + 1 <= addr(b) + size);
            ck_assert_uint_eq(addr(p) % ALIGN, 0);
            ck_assert_int_eq(dalloc_free(&heap, &p, USING_PTR_ADDRESS), DALLOC_OK);
            /* The largest block it announces fits, and stays in the buffer. */
            ck_assert_int_eq(dalloc_alloc(&heap, s.largest_free, &p), DALLOC_OK);
            ck_assert(addr(p) + s.largest_free <= addr(b) + size);
            memset(p, 0x3C, s.largest_free);
            TEST_HEAP_OK(&heap);
            ck_assert_int_eq(dalloc_free(&heap, &p, USING_PTR_VALUE), DALLOC_OK);
            TEST_HEAP_OK(&heap);
            ok++;
        }
        assert_guards(b, size);
        dalloc_heap_deinit(&heap);
        assert_guards(b, size);
    }
    ck_assert_uint_gt(refused, 0);
    ck_assert_uint_gt(ok, 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* dalloc_heap_deinit / dalloc_heap_reset                                    */

START_TEST(deinit_refuses_later_calls)
{
    void *p = NULL, *keep;
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &p), DALLOC_OK);
    keep = p;
    dalloc_heap_deinit(&heap);
    ck_assert_ptr_eq(p, keep); /* pointers are abandoned, not cleared */
    ck_assert_int_eq(dalloc_free(&heap, &p, USING_PTR_ADDRESS), DALLOC_E_HEAP);
    ck_assert_ptr_eq(p, keep);
    ck_assert_int_eq(dalloc_validate(&heap, &p, USING_PTR_VALUE, NULL), DALLOC_E_HEAP);
    assert_all_refused(&heap);
    dalloc_heap_deinit(&heap); /* twice: harmless */
    dalloc_heap_deinit(NULL);
    /* The buffer is the caller's again: scribble all of it, then reuse it. */
    memset(buf, 0xEE, HEAP_SIZE);
    p = NULL;
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &p), DALLOC_OK);
    TEST_HEAP_OK(&heap);
}
END_TEST

typedef struct {
    uint32_t tag;
    void *child; /* owns another block */
} holder_t;

START_TEST(reset_clears_owners_keeps_policy)
{
    static void *s_owner;
    void *p[8], *first = NULL, *copy;
    holder_t *h = NULL;
    dalloc_stats_t fresh, st;
    int i;

    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    fresh = test_stats(&heap);
    ck_assert_int_eq(dalloc_alloc(&heap, 24, &first), DALLOC_OK);
    copy = first;
    ck_assert_int_eq(dalloc_free(&heap, &first, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_MANUAL), DALLOC_OK);
    for (i = 0; i < 8; i++) {
        p[i] = NULL;
        ck_assert_int_eq(dalloc_alloc(&heap, (size_t)(16 + 40 * i), &p[i]), DALLOC_OK);
    }
    ck_assert_int_eq(dalloc_alloc(&heap, sizeof *h, (void **)&h), DALLOC_OK);
    h->child = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &h->child), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &s_owner), DALLOC_OK);
    ck_assert_int_eq(dalloc_pin(&heap, &p[3]), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &p[1], USING_PTR_ADDRESS), DALLOC_OK);
    TEST_HEAP_OK(&heap);

    ck_assert_int_eq(dalloc_heap_reset(&heap), DALLOC_OK);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_OK);
    for (i = 0; i < 8; i++)
        ck_assert_ptr_null(p[i]);
    ck_assert_ptr_null(h);
    ck_assert_ptr_null(s_owner);
    ck_assert_uint_eq(heap.offset, 0);
    ck_assert_uint_eq(heap.alloc_info.allocations_num, 0);
    ck_assert_int_eq(dalloc_get_policy(&heap), DALLOC_COMPACT_MANUAL);
    st = test_stats(&heap);
    ck_assert_uint_eq(st.arena_size, fresh.arena_size);
    ck_assert_uint_eq(st.used_bytes, 0);
    ck_assert_uint_eq(st.free_blocks, 0);
    ck_assert_uint_eq(st.live_blocks, 0);
    ck_assert_uint_eq(st.pinned_blocks, 0);
    ck_assert_uint_eq(st.largest_free, fresh.largest_free);
    TEST_HEAP_OK(&heap);
    /* Laid out as after init: the first block lands where it did then. */
    ck_assert_int_eq(dalloc_alloc(&heap, 24, &first), DALLOC_OK);
    ck_assert_ptr_eq(first, copy);
    ck_assert_int_eq(dalloc_alloc(&heap, st.largest_free - test_block_size(24), &p[0]), DALLOC_OK);
    TEST_HEAP_OK(&heap);

    ck_assert_int_eq(dalloc_heap_reset(NULL), DALLOC_E_HEAP);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* dalloc_get_stats                                                          */

START_TEST(stats_figures)
{
    void *p[10];
    size_t sizes[10] = {40, 200, 8, 96, 300, 24, 64, 1, 128, 56};
    size_t used = 0, peak, moved, hdr = dalloc_header_size();
    dalloc_stats_t st, before;
    void *q = NULL;
    int i;

    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    st = test_stats(&heap);
    ck_assert_uint_eq(st.header_size, hdr);
    ck_assert_uint_eq(hdr % ALIGN, 0);
    ck_assert_uint_ge(hdr, sizeof(size_t));
    ck_assert_int_eq(dalloc_get_stats(&heap, NULL), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_get_stats(NULL, &st), DALLOC_E_HEAP);

    for (i = 0; i < 10; i++) {
        p[i] = NULL;
        ck_assert_int_eq(dalloc_alloc(&heap, sizes[i], &p[i]), DALLOC_OK);
        used += test_block_size(sizes[i]);
        st = test_stats(&heap);
        ck_assert_uint_eq(heap.offset, used);
        ck_assert_uint_eq(st.used_bytes, used);
        ck_assert_uint_eq(st.free_bytes, st.arena_size - used);
        ck_assert_uint_eq(st.live_blocks, (size_t)i + 1);
        ck_assert_uint_eq(heap.alloc_info.allocations_num, (uint32_t)i + 1);
        ck_assert_uint_eq(st.peak_used, used);
        ck_assert_uint_eq(st.free_blocks, 0);
        ck_assert_uint_eq(st.largest_free, st.free_bytes - hdr);
    }
    peak = used;
    ck_assert_uint_eq(heap.alloc_info.max_memory_amount, peak);
    ck_assert_uint_eq(heap.alloc_info.max_allocations_amount, 10);

    /* Two holes (blocks 1 and 4), not adjacent. */
    ck_assert_int_eq(dalloc_free(&heap, &p[1], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &p[4], USING_PTR_ADDRESS), DALLOC_OK);
    used -= test_block_size(sizes[1]) + test_block_size(sizes[4]);
    st = test_stats(&heap);
    ck_assert_uint_eq(st.used_bytes, used);
    ck_assert_uint_eq(heap.offset, used);
    ck_assert_uint_eq(st.live_blocks, 8);
    ck_assert_uint_eq(heap.alloc_info.max_allocations_amount, 10);
    ck_assert_uint_eq(st.free_blocks, 2);
    ck_assert_uint_eq(st.peak_used, peak);
    ck_assert_uint_eq(st.largest_after_compaction, st.free_bytes - hdr);
    ck_assert_uint_lt(st.largest_free, st.largest_after_compaction);
    ck_assert_uint_eq(st.compactions, 0);
    ck_assert_uint_eq(st.bytes_moved, 0);

    /* Three refusals counted; an argument error is not a refusal. */
    before = st;
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(dalloc_alloc(&heap, st.free_bytes, &q), DALLOC_E_NOMEM);
        ck_assert_ptr_null(q);
    }
    ck_assert_int_eq(dalloc_alloc(&heap, 0, &q), DALLOC_E_ARG);
    st = test_stats(&heap);
    ck_assert_uint_eq(st.refusals, before.refusals + 3);
    ck_assert(test_stats_same(&st, &before));

    /* Full compaction: at most the blocks above the first hole move, and
     * the figure returned is what bytes_moved counts. */
    moved = 0;
    for (i = 2; i < 10; i++)
        if (i != 4)
            moved += test_block_size(sizes[i]);
    {
        size_t ret = dalloc_compact(&heap);
        st = test_stats(&heap);
        ck_assert_uint_gt(ret, 0);
        ck_assert_uint_le(ret, moved);
        ck_assert_uint_eq(st.bytes_moved, ret);
    }
    ck_assert_uint_eq(st.compactions, 1);
    ck_assert_uint_eq(st.free_blocks, 0);
    ck_assert_uint_eq(st.largest_free, before.largest_after_compaction);
    ck_assert_uint_eq(st.largest_after_compaction, before.largest_after_compaction);
    /* A compact heap: nothing to move, no run counted. */
    ck_assert_uint_eq(dalloc_compact(&heap), 0);
    ck_assert_uint_eq(test_stats(&heap).compactions, 1);

    ck_assert_int_eq(dalloc_pin(&heap, &p[2]), DALLOC_OK);
    ck_assert_int_eq(dalloc_pin(&heap, &p[6]), DALLOC_OK);
    ck_assert_uint_eq(test_stats(&heap).pinned_blocks, 2);
    ck_assert_int_eq(dalloc_free(&heap, &p[6], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_eq(test_stats(&heap).pinned_blocks, 1);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* largest_free is "the largest block dalloc_alloc() can give now without
 * compacting": under the manual policy that block is given and one granule
 * more is refused, for holes of many sizes. */
START_TEST(stats_largest_free_is_exact)
{
    uint32_t rng = 12345u + (uint32_t)_i;
    void *p[64];
    int i, n = 0;
    dalloc_stats_t st;
    void *big = NULL;

    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_MANUAL), DALLOC_OK);
    for (i = 0; i < 64; i++) {
        p[i] = NULL;
        if (dalloc_alloc(&heap, 8 + test_rand(&rng) % 200, &p[i]) != DALLOC_OK)
            break;
        n++;
    }
    for (i = 0; i < n; i++)
        if (test_rand(&rng) % 3 == 0)
            ck_assert_int_eq(dalloc_free(&heap, &p[i], USING_PTR_VALUE), DALLOC_OK);
    st = test_stats(&heap);
    ck_assert_int_eq(dalloc_alloc(&heap, st.largest_free + 1, &big), DALLOC_E_NOMEM);
    ck_assert_int_eq(dalloc_alloc(&heap, st.largest_free, &big), DALLOC_OK);
    ck_assert_uint_eq(test_stats(&heap).bytes_moved, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* The top of the arena left with fewer bytes than the smallest block (and
 * with a few more): largest_free never announces a block that
 * dalloc_alloc() refuses. */
START_TEST(stats_largest_free_small_gap)
{
    size_t left = ALIGN * (size_t)(_i + 1), hdr = dalloc_header_size();
    void *big = NULL, *q = NULL;
    dalloc_stats_t st;

    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_MANUAL), DALLOC_OK);
    st = test_stats(&heap);
    ck_assert_int_eq(dalloc_alloc(&heap, st.arena_size - left - hdr, &big), DALLOC_OK);
    st = test_stats(&heap);
    ck_assert_uint_eq(st.free_bytes, left);
    if (left >= test_block_size(1))
        ck_assert_uint_eq(st.largest_free, left - hdr);
    if (st.largest_free > 0)
        ck_assert_msg(dalloc_alloc(&heap, st.largest_free, &q) == DALLOC_OK,
                      "largest_free %zu with %zu bytes left, but dalloc_alloc(%zu) is refused", st.largest_free,
                      left, st.largest_free);
    else
        ck_assert_int_eq(dalloc_alloc(&heap, 1, &q), DALLOC_E_NOMEM);
    TEST_HEAP_OK(&heap);
}
END_TEST

/*
 * Holes of one size class: the largest (19 granules) freed first, then nine
 * smaller ones (16 granules), so it is last on its free list.  largest_free
 * names it.  Under the on-demand policy (_i == 0) dalloc_alloc() must give
 * it without moving anything; under the manual policy (_i == 1) the class
 * search is bounded to stay O(1), so the request may be refused, and must
 * then succeed after one compaction step.
 */
START_TEST(stats_largest_free_many_holes_one_class)
{
    void *big = NULL, *holes[9], *sep[10], *fill = NULL, *q = NULL;
    size_t hdr = dalloc_header_size(), want = 19 * ALIGN - hdr, moved;
    dalloc_stats_t st;
    dalloc_status_t r;
    int i;

    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    ck_assert_int_eq(dalloc_set_policy(&heap, _i == 0 ? DALLOC_COMPACT_ON_DEMAND : DALLOC_COMPACT_MANUAL),
                     DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, want, &big), DALLOC_OK);
    for (i = 0; i < 10; i++) {
        sep[i] = NULL;
        ck_assert_int_eq(dalloc_alloc(&heap, 8, &sep[i]), DALLOC_OK);
        if (i < 9) {
            holes[i] = NULL;
            ck_assert_int_eq(dalloc_alloc(&heap, 16 * ALIGN - hdr, &holes[i]), DALLOC_OK);
        }
    }
    st = test_stats(&heap);
    ck_assert_int_eq(dalloc_alloc(&heap, st.free_bytes - hdr, &fill), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &big, USING_PTR_ADDRESS), DALLOC_OK);
    for (i = 0; i < 9; i++)
        ck_assert_int_eq(dalloc_free(&heap, &holes[i], USING_PTR_ADDRESS), DALLOC_OK);
    st = test_stats(&heap);
    ck_assert_uint_eq(st.free_blocks, 10);
    ck_assert_uint_eq(st.largest_free, want);
    moved = st.bytes_moved;
    r = dalloc_alloc(&heap, want, &q);
    if (_i == 0) {
        ck_assert_msg(r == DALLOC_OK, "largest_free is %zu, a hole of that size exists, but dalloc_alloc(%zu) is refused",
                      want, want);
        ck_assert_uint_eq(test_stats(&heap).bytes_moved, moved); /* served from the hole */
    } else if (r != DALLOC_OK) {
        ck_assert_int_eq(r, DALLOC_E_NOMEM);
        ck_assert_uint_gt(dalloc_compact_step(&heap, 1u << 20), 0);
        ck_assert_int_eq(dalloc_alloc(&heap, want, &q), DALLOC_OK);
    }
    TEST_HEAP_OK(&heap);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */

static const dalloc_status_t all_status[] = {
    DALLOC_OK,        DALLOC_E_HEAP,   DALLOC_E_ARG,    DALLOC_E_NOMEM,  DALLOC_E_SIZE,
    DALLOC_E_NOTBLOCK, DALLOC_E_OWNER, DALLOC_E_BUSY,   DALLOC_E_PINNED, DALLOC_E_LIMIT,
    DALLOC_E_BUDGET,  DALLOC_E_CORRUPT, DALLOC_E_MODULE, DALLOC_E_QUOTA};
#define N_STATUS (sizeof all_status / sizeof all_status[0])

START_TEST(strerror_distinct)
{
    size_t i, j;
    for (i = 0; i < N_STATUS; i++) {
        const char *s = dalloc_strerror(all_status[i]);
        ck_assert_ptr_nonnull(s);
        ck_assert_uint_gt(strlen(s), 0);
        ck_assert_ptr_eq(dalloc_strerror(all_status[i]), s); /* constant */
        for (j = 0; j < i; j++)
            ck_assert_msg(strcmp(s, dalloc_strerror(all_status[j])) != 0, "status %d and %d share \"%s\"",
                          (int)all_status[i], (int)all_status[j], s);
    }
}
END_TEST

START_TEST(last_error_each_refusal)
{
    void *a = NULL, *b = NULL, *c = NULL, *q = NULL, *stray = &stray;
    holder_t *h = NULL;
    dalloc_stats_t st;
    int i;

    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 0, &q), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_alloc(&heap, 16, NULL), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_alloc(&heap, 16, &a), DALLOC_OK);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_OK);

    ck_assert_int_eq(dalloc_alloc(&heap, SIZE_MAX, &q), DALLOC_E_SIZE);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_SIZE);

    st = test_stats(&heap);
    ck_assert_int_eq(dalloc_alloc(&heap, st.arena_size, &q), DALLOC_E_NOMEM);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_NOMEM);

    ck_assert_int_eq(dalloc_free(&heap, &stray, USING_PTR_VALUE), DALLOC_E_NOTBLOCK);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_NOTBLOCK);

    ck_assert_int_eq(dalloc_alloc(&heap, 16, &a), DALLOC_E_OWNER);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_OWNER);

    ck_assert_int_eq(dalloc_alloc(&heap, sizeof *h, (void **)&h), DALLOC_OK);
    h->child = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, 32, &h->child), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, (void **)&h, USING_PTR_ADDRESS), DALLOC_E_BUSY);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_BUSY);

    /* b pinned under c: growing b means moving it. */
    ck_assert_int_eq(dalloc_alloc(&heap, 32, &b), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 32, &c), DALLOC_OK);
    ck_assert_int_eq(dalloc_pin(&heap, &b), DALLOC_OK);
    ck_assert_int_eq(dalloc_realloc(&heap, 400, &b), DALLOC_E_PINNED);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_PINNED);

    /* A hole under c, a budget smaller than c. */
    ck_assert_int_eq(dalloc_unpin(&heap, &b), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &b, USING_PTR_ADDRESS), DALLOC_OK);
    /* The step may first need calls to walk up to the hole (DALLOC_E_AGAIN);
     * then it reports that c does not fit the budget. */
    for (i = 0; i < 64; i++) {
        ck_assert_uint_eq(dalloc_compact_step(&heap, test_block_size(32) - 1), 0);
        if (dalloc_last_error(&heap) != DALLOC_E_AGAIN)
            break;
    }
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_BUDGET);
    ck_assert_uint_eq(dalloc_compact_step(&heap, test_block_size(32)), test_block_size(32));
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_OK);

    ck_assert_int_eq(dalloc_set_policy(&heap, (dalloc_policy_t)7), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_validate(&heap, &a, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &a, (validate_ptr_condition_t)5), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_ARG);
    ck_assert_ptr_nonnull(a);

    /* Module refusals. */
    {
        dalloc_module_t id = DALLOC_NO_MODULE;
        ck_assert_int_eq(dalloc_module_register(&heap, "", &id), DALLOC_E_MODULE);
        ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_MODULE);
        ck_assert_int_eq(dalloc_module_register(&heap, "net", &id), DALLOC_OK);
        ck_assert_int_eq(dalloc_module_set_quota(&heap, id, 64), DALLOC_OK);
        ck_assert_int_eq(dalloc_alloc_in(&heap, 200, &q, id), DALLOC_E_QUOTA);
        ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_QUOTA);
        ck_assert_ptr_null(q);
    }
    TEST_HEAP_OK(&heap);

    dalloc_heap_deinit(&heap);
    ck_assert_int_eq(dalloc_alloc(&heap, 16, &q), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_HEAP);
}
END_TEST

START_TEST(policy_set_get)
{
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    ck_assert_int_eq(dalloc_get_policy(&heap), DALLOC_COMPACT_ON_DEMAND);
    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_ON_FREE), DALLOC_OK);
    ck_assert_int_eq(dalloc_get_policy(&heap), DALLOC_COMPACT_ON_FREE);
    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_MANUAL), DALLOC_OK);
    ck_assert_int_eq(dalloc_get_policy(&heap), DALLOC_COMPACT_MANUAL);
    ck_assert_int_eq(dalloc_set_policy(&heap, (dalloc_policy_t)(DALLOC_COMPACT_MANUAL + 1)), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_set_policy(&heap, (dalloc_policy_t)-1), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_set_policy(&heap, (dalloc_policy_t)1000), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_get_policy(&heap), DALLOC_COMPACT_MANUAL); /* unchanged */
    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_ON_DEMAND), DALLOC_OK);
    ck_assert_int_eq(dalloc_get_policy(&heap), DALLOC_COMPACT_ON_DEMAND);
    ck_assert_int_eq(dalloc_set_policy(NULL, DALLOC_COMPACT_MANUAL), DALLOC_E_HEAP);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* dalloc_check                                                              */

START_TEST(check_ok_fresh_and_used)
{
    uint32_t rng = 99;
    void *p[40];
    int i, step;
    ck_assert_int_eq(dalloc_check(NULL), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    TEST_HEAP_OK(&heap);
    memset(p, 0, sizeof p);
    for (step = 0; step < 2000; step++) {
        i = (int)(test_rand(&rng) % 40);
        if (p[i] == NULL)
            (void)dalloc_alloc(&heap, 1 + test_rand(&rng) % 300, &p[i]);
        else if (test_rand(&rng) % 3 == 0)
            (void)dalloc_realloc(&heap, 1 + test_rand(&rng) % 300, &p[i]);
        else
            ck_assert_int_eq(dalloc_free(&heap, &p[i], USING_PTR_ADDRESS), DALLOC_OK);
        TEST_HEAP_OK(&heap);
    }
}
END_TEST

/* Scribble over each word of a live block's header that carries data
 * (block.h: size word, owner word; a larger alignment only adds padding)
 * with 0xA5 bytes: the damage is found; put back, the heap is intact. */
START_TEST(check_corrupt_used_header)
{
    void *a = NULL, *b = NULL, *c = NULL;
    size_t hdr = dalloc_header_size(), w;
    uint8_t save[64];
    TEST_RAW_BEGIN(); /* Valgrind: it damages the heap on purpose */
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &a), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &b), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &c), DALLOC_OK);
    ck_assert_uint_le(hdr, sizeof save);
    for (w = 0; w < hdr && w < sizeof(size_t) + sizeof(void *); w += sizeof(void *)) {
        uint8_t *word = (uint8_t *)b - hdr + w;
        memcpy(save, word, sizeof(void *));
        memset(word, 0xA5, sizeof(void *));
        ck_assert_msg(dalloc_check(&heap) == DALLOC_E_CORRUPT, "header word at -%zu not checked", hdr - w);
        memcpy(word, save, sizeof(void *));
        TEST_HEAP_OK(&heap);
    }
    /* The owner word (just before the payload unless padded), all ones. */
    {
        uint8_t *word = (uint8_t *)b - hdr + sizeof(size_t);
        memcpy(save, word, sizeof(void *));
        memset(word, 0xFF, sizeof(void *));
        ck_assert_int_eq(dalloc_check(&heap), DALLOC_E_CORRUPT);
        memcpy(word, save, sizeof(void *));
    }
    /* The first header word zeroed (a block of size 0). */
    memcpy(save, (uint8_t *)b - hdr, sizeof(size_t));
    memset((uint8_t *)b - hdr, 0, sizeof(size_t));
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_E_CORRUPT);
    memcpy((uint8_t *)b - hdr, save, sizeof(size_t));
    TEST_HEAP_OK(&heap);
    /* Registered owner redirected inside the heap, to a word not holding b. */
    {
        void **ow = (void **)(void *)((uint8_t *)b - hdr + sizeof(size_t));
        ck_assert_ptr_eq(*ow, (void *)&b); /* block.h: the owner word */
        *ow = a;
        ck_assert_int_eq(dalloc_check(&heap), DALLOC_E_CORRUPT);
        *ow = (void *)&b;
    }
    TEST_HEAP_OK(&heap);
    /* Counters of the heap structure. */
    heap.offset += (uint32_t)ALIGN;
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_E_CORRUPT);
    heap.offset -= (uint32_t)ALIGN;
    heap.alloc_info.allocations_num++;
    ck_assert_int_eq(dalloc_check(&heap), DALLOC_E_CORRUPT);
    heap.alloc_info.allocations_num--;
    TEST_HEAP_OK(&heap);
    TEST_RAW_END();
}
END_TEST

/* A free block (hole) damaged: its header and its last word (footer). */
START_TEST(check_corrupt_free_block)
{
    void *a = NULL, *b = NULL, *c = NULL;
    uint8_t *hole, save[sizeof(void *)];
    size_t hdr = dalloc_header_size(), bsz = test_block_size(120), w;
    TEST_RAW_BEGIN(); /* Valgrind: it damages the heap on purpose */
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &a), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 120, &b), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &c), DALLOC_OK);
    hole = (uint8_t *)b - hdr;
    ck_assert_int_eq(dalloc_free(&heap, &b, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_eq(test_stats(&heap).free_blocks, 1);
    TEST_HEAP_OK(&heap);
    /* Its size word, and its last word, set to 0xA5 bytes. */
    for (w = 0; w < 2; w++) {
        uint8_t *word = w == 0 ? hole : hole + bsz - sizeof(void *);
        memcpy(save, word, sizeof save);
        memset(word, 0xA5, sizeof save);
        ck_assert_msg(dalloc_check(&heap) == DALLOC_E_CORRUPT, "free block word %zu not checked", w);
        memcpy(word, save, sizeof save);
        TEST_HEAP_OK(&heap);
    }
    TEST_RAW_END();
}
END_TEST

/*
 * The arena is full to its last byte, which is also the last byte before an
 * inaccessible page; a hole in the middle has its free-list link (block.h:
 * the header word after the size) pointed at the last word of the arena,
 * and the user data there looks like a free block's size word.  dalloc_check
 * must report the damage without reading past the buffer.
 */
START_TEST(check_never_reads_outside_buffer)
{
    const size_t size = 8192;
    uint8_t *b = guard_setup(size);
    void *p[400];
    size_t hdr = dalloc_header_size(), n = 0;
    dalloc_stats_t st;
    dalloc_status_t r;
    uint8_t *hole, *end = b + size;

    TEST_RAW_BEGIN(); /* Valgrind: it damages the heap on purpose */
    ck_assert_int_eq(dalloc_heap_init(&heap, b, size), DALLOC_OK);
    while (test_stats(&heap).free_bytes >= 2 * test_block_size(48)) {
        p[n] = NULL;
        ck_assert_int_eq(dalloc_alloc(&heap, 48, &p[n]), DALLOC_OK);
        n++;
    }
    st = test_stats(&heap);
    p[n] = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, st.free_bytes - hdr, &p[n]), DALLOC_OK);
    ck_assert_uint_eq(test_stats(&heap).free_bytes, 0);
    /* The last block ends where the buffer ends. */
    ck_assert_ptr_eq((uint8_t *)p[n] + st.free_bytes - hdr, end);
    *(size_t *)(void *)(end - sizeof(size_t)) = 1; /* user data */
    n++;
    hole = (uint8_t *)p[n / 2] - hdr;
    ck_assert_int_eq(dalloc_free(&heap, &p[n / 2], USING_PTR_ADDRESS), DALLOC_OK);
    TEST_HEAP_OK(&heap);
    *(void **)(void *)(hole + sizeof(size_t)) = end - sizeof(size_t);
    r = guarded_check(&heap);
    guard_teardown();
    ck_assert_msg(!faulted, "dalloc_check read past the end of the heap buffer");
    ck_assert_int_eq(r, DALLOC_E_CORRUPT);
    TEST_RAW_END();
}
END_TEST

/* Random single-word scribbles over the arena: dalloc_check answers OK or
 * CORRUPT, never faults (nor reads past the buffer), and once the word is
 * put back the heap checks OK. */
START_TEST(check_survives_scribbles)
{
    const size_t size = 8192;
    uint8_t *b = guard_setup(size), *lo, *end = b + size;
    uint32_t rng = 0xC0FFEEu;
    void *p[100];
    size_t i, words, hdr = dalloc_header_size(), corrupt = 0;
    int k;

    TEST_RAW_BEGIN(); /* Valgrind: it damages the heap on purpose */
    ck_assert_int_eq(dalloc_heap_init(&heap, b, size), DALLOC_OK);
    memset(p, 0, sizeof p);
    ck_assert_int_eq(dalloc_alloc(&heap, 8, &p[0]), DALLOC_OK);
    lo = (uint8_t *)p[0] - hdr; /* a fresh heap starts its first block at the arena */
    for (k = 1; k < 100; k++)
        if (dalloc_alloc(&heap, 8 + test_rand(&rng) % 120, &p[k]) != DALLOC_OK)
            break;
    for (k = 1; k < 100; k += 3)
        if (p[k] != NULL)
            ck_assert_int_eq(dalloc_free(&heap, &p[k], USING_PTR_ADDRESS), DALLOC_OK);
    TEST_HEAP_OK(&heap);
    words = (size_t)(end - lo) / sizeof(void *);
    for (i = 0; i < 3000; i++) {
        uintptr_t *w = (uintptr_t *)(void *)(lo + (test_rand(&rng) % words) * sizeof(void *));
        uintptr_t save = *w, v;
        dalloc_status_t r;
        switch (test_rand(&rng) % 6) {
        case 0: v = 0; break;
        case 1: v = ~(uintptr_t)0; break;
        case 2: v = save ^ ((uintptr_t)1 << (test_rand(&rng) % (8 * sizeof(uintptr_t)))); break;
        case 3: v = (uintptr_t)(lo + (test_rand(&rng) % words) * sizeof(void *)); break;
        case 4: v = (uintptr_t)(end - sizeof(void *) * (1 + test_rand(&rng) % 4)); break;
        default: v = (uintptr_t)test_rand(&rng) * 0x9E3779B9u; break;
        }
        *w = v;
        r = guarded_check(&heap);
        *w = save;
        if (faulted)
            break;
        ck_assert_msg(r == DALLOC_OK || r == DALLOC_E_CORRUPT, "dalloc_check returned %d", (int)r);
        corrupt += r == DALLOC_E_CORRUPT;
    }
    guard_teardown();
    ck_assert_msg(!faulted, "dalloc_check faulted on a scribbled heap (scribble %zu)", i);
    ck_assert_uint_gt(corrupt, 0);
    TEST_HEAP_OK(&heap);
    TEST_RAW_END();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("heap");
    TCase *tc;

    tc = tcase_create("init");
    tcase_add_test(tc, init_fresh_heap);
    tcase_add_loop_test(tc, init_unaligned_buffer, 0, 16);
    tcase_add_test(tc, init_refusals);
    tcase_add_loop_test(tc, init_small_buffers_guarded, 0, DALLOC_ALIGNMENT);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);

    tc = tcase_create("life");
    tcase_add_test(tc, deinit_refuses_later_calls);
    tcase_add_test(tc, reset_clears_owners_keeps_policy);
    suite_add_tcase(s, tc);

    tc = tcase_create("stats");
    tcase_add_test(tc, stats_figures);
    tcase_add_loop_test(tc, stats_largest_free_is_exact, 0, 20);
    tcase_add_loop_test(tc, stats_largest_free_small_gap, 0, 6);
    tcase_add_loop_test(tc, stats_largest_free_many_holes_one_class, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, strerror_distinct);
    tcase_add_test(tc, last_error_each_refusal);
    tcase_add_test(tc, policy_set_get);
    suite_add_tcase(s, tc);

    tc = tcase_create("check");
    tcase_add_test(tc, check_ok_fresh_and_used);
    tcase_add_test(tc, check_corrupt_used_header);
    tcase_add_test(tc, check_corrupt_free_block);
    tcase_add_test(tc, check_never_reads_outside_buffer);
    tcase_add_test(tc, check_survives_scribbles);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);

    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
