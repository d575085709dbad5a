/*
 * runner.c - libdalloc's tests on the target itself (bare metal, no Check).
 *
 * Built by `make check` in a cross tree (see tests/target/target.am) and run
 * under QEMU with semihosting: printf reaches the host's stdout and the exit
 * status of main() becomes QEMU's.  One line per test:
 *     ok N name
 *     FAIL N name: reason
 * Lines starting with '#' are facts (sizes of the target) and the summary.
 * The exit status is 0 only when every test passed.
 *
 * The scenarios follow the host suites (tests/test_*.c): heap set-up,
 * relocatable blocks, owners inside the heap (a linked list), realloc that
 * moves, aligned fixed blocks, module release, bounded compaction steps, and
 * a randomised model test with a fixed seed.  dalloc_check() runs after
 * every scenario (and after every step of the model test).
 *
 * RUNNER_ARENA_SIZE (bytes of the heap buffer) and RUNNER_MODEL_BLOCKS (the
 * model test's block slots) may be lowered with -D for boards with little
 * RAM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dalloc.h"

#ifndef RUNNER_ARENA_SIZE
#define RUNNER_ARENA_SIZE 24576
#endif
#ifndef RUNNER_MODEL_BLOCKS
#define RUNNER_MODEL_BLOCKS 160
#endif
#define MODEL_STEPS 2000
#define LIST_NODES 200

#if RUNNER_ARENA_SIZE < 8192 || RUNNER_ARENA_SIZE % 8 != 0
#error "RUNNER_ARENA_SIZE: a multiple of 8, at least 8192"
#endif

static uint64_t arena_words[RUNNER_ARENA_SIZE / 8];
static uint8_t *const arena = (uint8_t *)arena_words;
static dalloc_heap_t heap;

#define W sizeof(void *)

/* ------------------------------------------------------------------------ */
/* A minimal harness: CHECK* record the reason and leave the test.          */

static jmp_buf fail_env;
static char fail_text[240];
static int tests_run, tests_failed;

static void fail(int line, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void fail(int line, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(fail_text, sizeof fail_text, "line %d: ", line);
    if (n < 0 || (size_t)n >= sizeof fail_text)
        n = 0;
    va_start(ap, fmt);
    (void)vsnprintf(fail_text + n, sizeof fail_text - (size_t)n, fmt, ap);
    va_end(ap);
    longjmp(fail_env, 1);
}

#define CHECK(cond)                           \
    do {                                      \
        if (!(cond))                          \
            fail(__LINE__, "%s", #cond);      \
    } while (0)
/* CHECK_MSG(cond, format, args...) */
#define CHECK_MSG(cond, ...)                  \
    do {                                      \
        if (!(cond))                          \
            fail(__LINE__, __VA_ARGS__);      \
    } while (0)
#define CHECK_ST(expr, want)                                                                  \
    do {                                                                                      \
        dalloc_status_t st_ = (expr);                                                         \
        if (st_ != (want))                                                                    \
            fail(__LINE__, "%s: \"%s\", expected \"%s\"", #expr, dalloc_strerror(st_),       \
                 dalloc_strerror(want));                                                      \
    } while (0)
#define CHECK_OK(expr) CHECK_ST(expr, DALLOC_OK)
#define CHECK_HEAP()                                                                          \
    do {                                                                                      \
        dalloc_status_t st_ = dalloc_check(&heap);                                            \
        if (st_ != DALLOC_OK)                                                                 \
            fail(__LINE__, "dalloc_check: %s", dalloc_strerror(st_));                         \
    } while (0)

static void run_test(const char *name, void (*fn)(void))
{
    tests_run++;
    memset(&heap, 0, sizeof heap);
    if (setjmp(fail_env) == 0) {
        dalloc_status_t st;
        fn();
        /* Every scenario ends on an initialised heap: check it once more. */
        st = dalloc_check(&heap);
        if (st != DALLOC_OK)
            fail(0, "dalloc_check after the scenario: %s", dalloc_strerror(st));
        printf("ok %d %s\n", tests_run, name);
    } else {
        tests_failed++;
        printf("FAIL %d %s: %s\n", tests_run, name, fail_text);
    }
    dalloc_heap_deinit(&heap);
    (void)fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* Helpers (the same patterns as tests/testutil.h)                           */

static void fill(void *p, size_t n, unsigned tag)
{
    size_t i;
    for (i = 0; i < n; i++)
        ((uint8_t *)p)[i] = (uint8_t)(tag * 31u + i * 7u + 1u);
}

static int verify(const void *p, size_t n, unsigned tag)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (((const uint8_t *)p)[i] != (uint8_t)(tag * 31u + i * 7u + 1u))
            return 0;
    return 1;
}

/* xorshift32: every run is the same run. */
static uint32_t rnd(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static size_t round_up(size_t n, size_t a)
{
    return (n + a - 1) & ~(a - 1);
}

/* Bytes a plain block of n payload bytes occupies (header + rounding). */
static size_t block_size(size_t n)
{
    size_t s = round_up(n + dalloc_header_size(), DALLOC_ALIGNMENT);
    size_t min = round_up(4 * sizeof(void *), DALLOC_ALIGNMENT);
    return s < min ? min : s;
}

static int aligned(const void *p, size_t a)
{
    return (uintptr_t)p % a == 0;
}

/* [p, p+n) lies inside [base, base+size). */
static int inside(const void *base, size_t size, const void *p, size_t n)
{
    uintptr_t b = (uintptr_t)base, q = (uintptr_t)p;
    return q >= b && q + n <= b + size;
}

static unsigned long ul(size_t v)
{
    return (unsigned long)v;
}

static const char *target_name(void)
{
#if defined(__ARM_ARCH_6M__)
    return "ARMv6-M (Cortex-M0/M0+)";
#elif defined(__ARM_ARCH_7EM__)
    return "ARMv7E-M (Cortex-M4/M7)";
#elif defined(__ARM_ARCH_7M__)
    return "ARMv7-M (Cortex-M3)";
#elif defined(__ARM_ARCH_8M_BASE__)
    return "ARMv8-M baseline";
#elif defined(__ARM_ARCH_8M_MAIN__)
    return "ARMv8-M mainline";
#elif defined(__arm__)
    return "ARM (not M-profile)";
#else
    return "unknown";
#endif
}

/* ------------------------------------------------------------------------ */
/* 1. Layout facts; the header of a plain block is 8 bytes on Cortex-M.       */

static void test_header_size(void)
{
    dalloc_stats_t st;
    size_t hdr = dalloc_header_size();
    size_t want = round_up(2 * sizeof(void *), DALLOC_ALIGNMENT);
    size_t before;
    void *p = NULL;

    CHECK_OK(dalloc_heap_init(&heap, arena, 4096));
    CHECK_OK(dalloc_get_stats(&heap, &st));
    before = heap.offset;
    CHECK_OK(dalloc_alloc(&heap, 1, &p));
    printf("# target %s, sizeof(void *) %lu, sizeof(size_t) %lu, DALLOC_ALIGNMENT %lu\n", target_name(),
           ul(sizeof(void *)), ul(sizeof(size_t)), ul(DALLOC_ALIGNMENT));
    printf("# dalloc_header_size() %lu, smallest block %lu, sizeof(dalloc_heap_t) %lu\n", ul(hdr),
           ul(heap.offset - before), ul(sizeof(dalloc_heap_t)));
    printf("# a 4096-byte buffer gives an arena of %lu bytes (control block and rounding: %lu)\n",
           ul(st.arena_size), ul(4096 - st.arena_size));
    CHECK_OK(dalloc_free(&heap, &p, USING_PTR_ADDRESS));
    CHECK_MSG(st.header_size == hdr, "stats.header_size %lu != dalloc_header_size() %lu", ul(st.header_size),
              ul(hdr));
    CHECK_MSG(hdr == want, "dalloc_header_size() %lu, expected two words rounded to the alignment: %lu", ul(hdr),
              ul(want));
#if DALLOC_ALIGNMENT <= 8 && defined(__arm__)
    CHECK_MSG(sizeof(void *) != 4 || hdr == 8, "dalloc_header_size() is %lu on a 32-bit target, bar: 8", ul(hdr));
#endif
}

/* ------------------------------------------------------------------------ */
/* 2. dalloc_heap_init: aligned and unaligned buffers, too small ones.       */

static void test_heap_init(void)
{
    void *p[3];
    size_t s, off, smallest = 0;
    int i;

    /* An aligned buffer. */
    CHECK_OK(dalloc_heap_init(&heap, arena, 8192));
    CHECK(heap.total_size == 8192);
    CHECK(heap.offset == 0);
    CHECK(heap.alloc_info.allocations_num == 0);
    p[0] = NULL;
    CHECK_OK(dalloc_alloc(&heap, 100, &p[0]));
    CHECK(aligned(p[0], DALLOC_ALIGNMENT));
    CHECK(inside(arena, 8192, p[0], 100));
    CHECK(heap.alloc_info.allocations_num == 1);
    CHECK_OK(dalloc_free(&heap, &p[0], USING_PTR_ADDRESS));
    CHECK(p[0] == NULL);
    CHECK_HEAP();
    dalloc_heap_deinit(&heap);

    /* Buffers starting at every misalignment: blocks are still aligned and
       stay inside the buffer. */
    for (off = 1; off < 2 * DALLOC_ALIGNMENT; off++) {
        size_t size = 4096 - off;
        CHECK_MSG(dalloc_heap_init(&heap, arena + off, size) == DALLOC_OK, "init at offset %lu: %s", ul(off),
                  dalloc_strerror(dalloc_last_error(&heap)));
        for (i = 0; i < 3; i++) {
            p[i] = NULL;
            CHECK_OK(dalloc_alloc(&heap, (size_t)(10 + 50 * i), &p[i]));
            CHECK_MSG(aligned(p[i], DALLOC_ALIGNMENT), "offset %lu: block %p not aligned", ul(off), p[i]);
            CHECK_MSG(inside(arena + off, size, p[i], (size_t)(10 + 50 * i)), "offset %lu: block %p outside",
                      ul(off), p[i]);
            fill(p[i], (size_t)(10 + 50 * i), (unsigned)i);
        }
        for (i = 0; i < 3; i++)
            CHECK(verify(p[i], (size_t)(10 + 50 * i), (unsigned)i));
        CHECK_HEAP();
        for (i = 0; i < 3; i++)
            CHECK_OK(dalloc_free(&heap, &p[i], USING_PTR_ADDRESS));
        CHECK(heap.offset == 0);
        CHECK_HEAP();
        dalloc_heap_deinit(&heap);
    }

    /* Too small: refused with DALLOC_E_HEAP, and the heap refuses requests. */
    for (s = 0; s <= 1024; s++) {
        dalloc_status_t st = dalloc_heap_init(&heap, arena, s);
        if (st == DALLOC_OK) {
            smallest = s;
            break;
        }
        /* Size 0 is a bad argument; any other size too small for a heap. */
        CHECK_MSG(st == (s == 0 ? DALLOC_E_ARG : DALLOC_E_HEAP), "init with %lu bytes: %s", ul(s),
                  dalloc_strerror(st));
        p[0] = arena;
        CHECK_ST(dalloc_alloc(&heap, 1, &p[0]), DALLOC_E_HEAP);
        CHECK(p[0] == NULL);
        CHECK(dalloc_malloc(&heap, 1) == NULL);
    }
    CHECK_MSG(smallest != 0, "no buffer of up to 1024 bytes was accepted");
    printf("# smallest buffer dalloc_heap_init accepts: %lu bytes\n", ul(smallest));
    /* "The control block and one block": the smallest heap serves a block. */
    p[0] = NULL;
    CHECK_OK(dalloc_alloc(&heap, 1, &p[0]));
    CHECK_OK(dalloc_free(&heap, &p[0], USING_PTR_ADDRESS));
    CHECK_HEAP();
    dalloc_heap_deinit(&heap);
    /* Misaligned tiny buffers are refused too. */
    for (s = 1; s < 4 * DALLOC_ALIGNMENT; s++)
        CHECK_ST(dalloc_heap_init(&heap, arena + 1, s), DALLOC_E_HEAP);
    /* A sound heap for the final check. */
    CHECK_OK(dalloc_heap_init(&heap, arena, smallest));
}

/* ------------------------------------------------------------------------ */
/* 3. Relocatable blocks: alloc, free (by address, by value), realloc.       */

#define NB 24
static void *ptrs[NB];
static size_t sizes[NB];

static void verify_ptrs(int line)
{
    int i;
    for (i = 0; i < NB; i++) {
        if (ptrs[i] == NULL)
            continue;
        if (!verify(ptrs[i], sizes[i], (unsigned)i))
            fail(line, "block %d (%lu bytes) lost its contents", i, ul(sizes[i]));
        if (dalloc_validate(&heap, &ptrs[i], USING_PTR_ADDRESS, NULL) != DALLOC_OK)
            fail(line, "block %d not valid by address", i);
    }
}

static void test_reloc_basic(void)
{
    int i;
    void *copy, *bogus;

    CHECK_OK(dalloc_heap_init(&heap, arena, 8192));
    for (i = 0; i < NB; i++) {
        ptrs[i] = NULL;
        sizes[i] = (size_t)(1 + (i * 37) % 200);
        CHECK_OK(dalloc_alloc(&heap, sizes[i], &ptrs[i]));
        CHECK(ptrs[i] != NULL && aligned(ptrs[i], DALLOC_ALIGNMENT));
        CHECK(inside(arena, 8192, ptrs[i], sizes[i]));
        fill(ptrs[i], sizes[i], (unsigned)i);
    }
    CHECK(heap.alloc_info.allocations_num == NB);
    verify_ptrs(__LINE__);
    CHECK_HEAP();

    /* Refusals leave everything alone. */
    copy = arena;
    CHECK_ST(dalloc_alloc(&heap, 0, &copy), DALLOC_E_ARG);
    copy = arena;
    CHECK_ST(dalloc_alloc(&heap, 100000, &copy), DALLOC_E_NOMEM);
    CHECK(copy == NULL);
    bogus = (uint8_t *)ptrs[2] + 8;
    CHECK_ST(dalloc_free(&heap, &bogus, USING_PTR_VALUE), DALLOC_E_NOTBLOCK);
    CHECK_ST(dalloc_free(&heap, &ptrs[2], USING_PTR_VALUE), DALLOC_OK); /* the owner itself, by value */
    CHECK(ptrs[2] == NULL);
    verify_ptrs(__LINE__);

    /* Free a third by address, a third by value (through a copy). */
    for (i = 0; i < NB; i++) {
        if (ptrs[i] == NULL)
            continue;
        if (i % 3 == 0) {
            CHECK_OK(dalloc_free(&heap, &ptrs[i], USING_PTR_ADDRESS));
            CHECK(ptrs[i] == NULL);
        } else if (i % 3 == 1) {
            copy = ptrs[i];
            CHECK_OK(dalloc_free(&heap, &copy, USING_PTR_VALUE));
            CHECK_MSG(copy == NULL && ptrs[i] == NULL, "free by value of %d left a pointer set", i);
        }
    }
    CHECK(dalloc_validate(&heap, &ptrs[0], USING_PTR_ADDRESS, NULL) != DALLOC_OK);
    verify_ptrs(__LINE__);
    CHECK_HEAP();

    /* Grow, then shrink the survivors; contents kept. */
    for (i = 0; i < NB; i++) {
        size_t n;
        if (ptrs[i] == NULL)
            continue;
        n = sizes[i] * 2 + 50;
        CHECK_OK(dalloc_realloc(&heap, n, &ptrs[i]));
        CHECK_MSG(verify(ptrs[i], sizes[i], (unsigned)i), "block %d lost its contents growing", i);
        sizes[i] = n;
        fill(ptrs[i], n, (unsigned)i);
        verify_ptrs(__LINE__);
        CHECK_HEAP();
    }
    for (i = 0; i < NB; i++) {
        if (ptrs[i] == NULL)
            continue;
        sizes[i] = sizes[i] / 3 + 1;
        CHECK_OK(dalloc_realloc(&heap, sizes[i], &ptrs[i]));
        verify_ptrs(__LINE__);
        CHECK_HEAP();
    }
    /* realloc of NULL allocates. */
    CHECK(ptrs[0] == NULL);
    sizes[0] = 40;
    CHECK_OK(dalloc_realloc(&heap, sizes[0], &ptrs[0]));
    CHECK(ptrs[0] != NULL);
    fill(ptrs[0], sizes[0], 0);
    verify_ptrs(__LINE__);

    for (i = 0; i < NB; i++)
        if (ptrs[i] != NULL)
            CHECK_OK(dalloc_free(&heap, &ptrs[i], USING_PTR_ADDRESS));
    CHECK(heap.offset == 0);
    CHECK(heap.alloc_info.allocations_num == 0);
    CHECK(heap.alloc_info.max_allocations_amount == NB);
}

/* ------------------------------------------------------------------------ */
/* 4. Owners inside the heap: a linked list whose next fields own the next   */
/*    node; unlink every other node, compact, walk the list.                 */

struct node {
    void *next; /* owns the next node */
    uint16_t value;
    uint16_t check; /* ~value */
};

static void *list_head;
static void *spacers[LIST_NODES];
static void **list_owners[LIST_NODES / 2];

/* Walk the list: n nodes with values first, first+step, ...; every next
   field is the registered owner of its node.  Returns the node count. */
static int walk_list(int line, int want, uint32_t step)
{
    void **owner = &list_head;
    int count = 0;
    while (*owner != NULL) {
        struct node *n = (struct node *)*owner;
        uint32_t v = ((uint32_t)count * step) & 0xFFFFu;
        if (count >= want)
            fail(line, "the list is longer than %d nodes", want);
        if (!inside(heap.mem, heap.total_size, n, sizeof *n) || !aligned(n, DALLOC_ALIGNMENT))
            fail(line, "node %d at %p is not a block of the heap", count, (void *)n);
        if (n->value != v || n->check != (0xFFFFu ^ v))
            fail(line, "node %d holds %lu/%lx, expected %lu", count, (unsigned long)n->value,
                 (unsigned long)n->check, (unsigned long)v);
        if (dalloc_validate(&heap, owner, USING_PTR_ADDRESS, NULL) != DALLOC_OK)
            fail(line, "the owner of node %d is not registered", count);
        if (count < LIST_NODES / 2)
            list_owners[count] = owner; /* kept for the tear-down */
        owner = &n->next;
        count++;
    }
    if (count != want)
        fail(line, "the list has %d nodes, expected %d", count, want);
    return count;
}

static void test_list_owners_in_heap(void)
{
    void **owner = &list_head;
    struct node *prev;
    dalloc_stats_t st;
    size_t moved;
    int i, n;

    CHECK_OK(dalloc_heap_init(&heap, arena, RUNNER_ARENA_SIZE));
    list_head = NULL;
    for (i = 0; i < LIST_NODES; i++) {
        struct node *node;
        CHECK_OK(dalloc_alloc(&heap, sizeof(struct node), owner));
        node = (struct node *)*owner;
        node->next = NULL;
        node->value = (uint16_t)i;
        node->check = (uint16_t)(0xFFFFu ^ (unsigned)i);
        owner = &node->next;
        /* A spacer after every node: freed later, it leaves holes. */
        spacers[i] = NULL;
        CHECK_OK(dalloc_alloc(&heap, 8, &spacers[i]));
        fill(spacers[i], 8, (unsigned)i);
    }
    (void)walk_list(__LINE__, LIST_NODES, 1);
    CHECK_HEAP();

    /* Unlink every other node: hand the victim's successor to a temporary
       owner, free the victim through its owner (prev->next), give the
       successor to prev->next. */
    prev = (struct node *)list_head;
    while (prev != NULL && prev->next != NULL) {
        struct node *victim = (struct node *)prev->next;
        void *tmp = NULL;
        if (victim->next != NULL) {
            CHECK_OK(dalloc_replace(&heap, &victim->next, &tmp));
            CHECK(victim->next == NULL && tmp != NULL);
        }
        CHECK_OK(dalloc_free(&heap, &prev->next, USING_PTR_ADDRESS));
        CHECK(prev->next == NULL);
        if (tmp != NULL) {
            CHECK_OK(dalloc_replace(&heap, &tmp, &prev->next));
            CHECK(tmp == NULL);
        }
        prev = (struct node *)prev->next;
    }
    for (i = 0; i < LIST_NODES; i++) {
        CHECK_MSG(verify(spacers[i], 8, (unsigned)i), "spacer %d at %p lost its contents", i, spacers[i]);
        CHECK_OK(dalloc_free(&heap, &spacers[i], USING_PTR_ADDRESS));
    }
    (void)walk_list(__LINE__, LIST_NODES / 2, 2);
    CHECK_HEAP();
    CHECK_OK(dalloc_get_stats(&heap, &st));
    /* One hole per removed node (the last one joins the free space above). */
    CHECK_MSG(st.free_blocks >= LIST_NODES / 2 - 1, "only %lu holes before compaction", ul(st.free_blocks));

    moved = dalloc_compact(&heap);
    CHECK_MSG(moved > 0, "dalloc_compact moved nothing");
    CHECK_HEAP();
    n = walk_list(__LINE__, LIST_NODES / 2, 2);
    CHECK_OK(dalloc_get_stats(&heap, &st));
    CHECK_MSG(st.free_blocks == 0, "%lu holes left after dalloc_compact", ul(st.free_blocks));
    CHECK(heap.alloc_info.allocations_num == (uint32_t)n);
    CHECK_MSG(heap.offset == (uint32_t)((size_t)n * block_size(sizeof(struct node))),
              "%lu bytes used by %d nodes", (unsigned long)heap.offset, n);

    /* A node holding the owner of its successor cannot be freed. */
    CHECK_ST(dalloc_free(&heap, &list_head, USING_PTR_ADDRESS), DALLOC_E_BUSY);
    /* Tear down from the tail (nothing moves while freeing on demand). */
    for (i = n - 1; i >= 0; i--) {
        CHECK_OK(dalloc_free(&heap, list_owners[i], USING_PTR_ADDRESS));
        CHECK(*list_owners[i] == NULL);
    }
    CHECK(list_head == NULL);
    CHECK(heap.offset == 0);
}

/* ------------------------------------------------------------------------ */
/* 5. realloc growing by moving (with an owner inside the moving block).     */

static void test_realloc_moves(void)
{
    void *a = NULL, *b = NULL, *c = NULL, *old;
    void *blocks[64];
    dalloc_stats_t st;
    size_t n;
    int i, count;

    CHECK_OK(dalloc_heap_init(&heap, arena, 8192));
    CHECK_OK(dalloc_alloc(&heap, 64, &a));
    *(void **)a = NULL;
    fill((uint8_t *)a + W, 64 - W, 1);
    CHECK_OK(dalloc_alloc(&heap, 64, &b));
    fill(b, 64, 2);
    CHECK_OK(dalloc_alloc(&heap, 32, (void **)a)); /* a's first word owns c */
    c = *(void **)a;
    fill(c, 32, 3);
    CHECK_MSG((uint8_t *)b == (uint8_t *)a + block_size(64), "precondition: b (%p) does not follow a (%p)", b, a);
    old = a;
    CHECK_OK(dalloc_realloc(&heap, 1024, &a));
    CHECK_MSG(a != old, "a grew in place over b");
    CHECK(aligned(a, DALLOC_ALIGNMENT) && inside(arena, 8192, a, 1024));
    CHECK(verify((uint8_t *)a + W, 64 - W, 1));
    CHECK(verify(b, 64, 2));
    /* The owner of c moved with a: it is still registered and still right. */
    CHECK(*(void **)a == c);
    CHECK_OK(dalloc_validate(&heap, (void **)a, USING_PTR_ADDRESS, NULL));
    CHECK(verify(c, 32, 3));
    fill((uint8_t *)a + W, 1024 - W, 4);
    CHECK_HEAP();
    CHECK_ST(dalloc_free(&heap, &a, USING_PTR_ADDRESS), DALLOC_E_BUSY);
    CHECK_OK(dalloc_free(&heap, (void **)a, USING_PTR_ADDRESS));
    CHECK(*(void **)a == NULL);
    CHECK_OK(dalloc_free(&heap, &a, USING_PTR_ADDRESS));
    CHECK_OK(dalloc_free(&heap, &b, USING_PTR_ADDRESS));
    CHECK(heap.offset == 0);
    CHECK_HEAP();

    /* Growth that needs a compaction first: every hole is too small. */
    count = 0;
    while (count < 64) {
        blocks[count] = NULL;
        if (dalloc_alloc(&heap, 200, &blocks[count]) != DALLOC_OK)
            break;
        fill(blocks[count], 200, (unsigned)count);
        count++;
    }
    CHECK_MSG(count >= 8 && count < 64, "%d blocks of 200 bytes in 8 KiB", count);
    for (i = 1; i < count; i += 2)
        CHECK_OK(dalloc_free(&heap, &blocks[i], USING_PTR_ADDRESS));
    CHECK_OK(dalloc_get_stats(&heap, &st));
    n = st.largest_after_compaction - block_size(200);
    CHECK_MSG(n > st.largest_free && n > 200, "no room to test: largest free %lu, after compaction %lu",
              ul(st.largest_free), ul(st.largest_after_compaction));
    old = blocks[0];
    CHECK_OK(dalloc_realloc(&heap, n, &blocks[0]));
    CHECK(blocks[0] != old);
    CHECK(verify(blocks[0], 200, 0));
    for (i = 2; i < count; i += 2)
        CHECK_MSG(verify(blocks[i], 200, (unsigned)i), "block %d lost its contents", i);
    CHECK_HEAP();
    for (i = 0; i < count; i += 2)
        CHECK_OK(dalloc_free(&heap, &blocks[i], USING_PTR_ADDRESS));
    CHECK(heap.offset == 0);
}

/* ------------------------------------------------------------------------ */
/* 6. Aligned fixed blocks (8 .. 1024) among relocatable ones.               */

#define NAL 8
static void test_aligned_fixed(void)
{
    void *fx[NAL], *rel[NAL], *saved[NAL], *p;
    size_t al;
    int i;

    CHECK_OK(dalloc_heap_init(&heap, arena, RUNNER_ARENA_SIZE));
    for (i = 0, al = 8; i < NAL; i++, al *= 2) {
        rel[i] = NULL;
        CHECK_OK(dalloc_alloc(&heap, 40, &rel[i]));
        fill(rel[i], 40, (unsigned)(100 + i));
        fx[i] = dalloc_aligned_alloc(&heap, al, al + 13);
        CHECK_MSG(fx[i] != NULL, "aligned_alloc(%lu, %lu): %s", ul(al), ul(al + 13),
                  dalloc_strerror(dalloc_last_error(&heap)));
        CHECK_MSG(aligned(fx[i], al), "aligned_alloc(%lu) gave %p", ul(al), fx[i]);
        CHECK(inside(arena, RUNNER_ARENA_SIZE, fx[i], al + 13));
        CHECK(dalloc_module_of(&heap, fx[i]) == DALLOC_NO_MODULE);
        fill(fx[i], al + 13, (unsigned)i);
        saved[i] = fx[i];
        CHECK_HEAP();
    }
    CHECK(dalloc_aligned_alloc(&heap, 0, 16) == NULL);
    CHECK_ST(dalloc_last_error(&heap), DALLOC_E_ARG);
    CHECK(dalloc_aligned_alloc(&heap, 24, 16) == NULL);

    /* Compaction moves relocatable blocks only. */
    for (i = 0; i < NAL; i += 2)
        CHECK_OK(dalloc_free(&heap, &rel[i], USING_PTR_ADDRESS));
    (void)dalloc_compact(&heap);
    CHECK_HEAP();
    for (i = 0, al = 8; i < NAL; i++, al *= 2) {
        CHECK(fx[i] == saved[i]);
        CHECK_MSG(verify(fx[i], al + 13, (unsigned)i), "fixed block %d lost its contents", i);
        if (rel[i] != NULL)
            CHECK(verify(rel[i], 40, (unsigned)(100 + i)));
    }

    /* realloc keeps the alignment a block was allocated with. */
    p = dalloc_fixed_realloc(&heap, fx[NAL - 1], 1500);
    CHECK_MSG(p != NULL, "fixed_realloc: %s", dalloc_strerror(dalloc_last_error(&heap)));
    CHECK_MSG(aligned(p, 1024), "fixed_realloc lost the 1024 alignment: %p", p);
    CHECK(verify(p, 1024 + 13, NAL - 1));
    fx[NAL - 1] = p;
    p = (uint8_t *)fx[3] + 8;
    CHECK_ST(dalloc_fixed_free(&heap, p), DALLOC_E_NOTBLOCK);
    CHECK_OK(dalloc_fixed_free(&heap, NULL));
    for (i = 0; i < NAL; i++)
        CHECK_OK(dalloc_fixed_free(&heap, fx[i]));
    for (i = 1; i < NAL; i += 2)
        CHECK_OK(dalloc_free(&heap, &rel[i], USING_PTR_ADDRESS));
    CHECK(heap.offset == 0);
}

/* ------------------------------------------------------------------------ */
/* 7. Module release: fixed and relocatable blocks of a module at once.      */

static void test_module_release(void)
{
    dalloc_module_t net, fs;
    dalloc_module_stats_t ms;
    void *net_rel[5], *fs_rel[2], *none_rel[2], *net_fix[3], *fs_fix, *none_fix, *orphan_copy;
    void **in_fs, **in_net;
    int i;

    CHECK_OK(dalloc_heap_init(&heap, arena, RUNNER_ARENA_SIZE));
    CHECK_OK(dalloc_module_register(&heap, "net", &net));
    CHECK_OK(dalloc_module_register(&heap, "fs", &fs));
    CHECK(net != DALLOC_NO_MODULE && fs != DALLOC_NO_MODULE && net != fs);
    CHECK(dalloc_module_find(&heap, "fs") == fs);

    for (i = 0; i < 5; i++) {
        net_rel[i] = NULL;
        CHECK_OK(dalloc_alloc_in(&heap, (size_t)(30 + 20 * i), &net_rel[i], net));
        fill(net_rel[i], (size_t)(30 + 20 * i), (unsigned)(10 + i));
    }
    for (i = 0; i < 3; i++) {
        net_fix[i] = dalloc_fixed_alloc(&heap, 64, (size_t)(8u << i), net);
        CHECK(net_fix[i] != NULL);
        fill(net_fix[i], 64, (unsigned)(20 + i));
    }
    for (i = 0; i < 2; i++) {
        fs_rel[i] = NULL;
        none_rel[i] = NULL;
        CHECK_OK(dalloc_alloc_in(&heap, 48, &fs_rel[i], fs));
        CHECK_OK(dalloc_alloc(&heap, 48, &none_rel[i]));
        memset(fs_rel[i], 0, 48);
        fill((uint8_t *)fs_rel[i] + W, 48 - W, (unsigned)(30 + i));
        fill(none_rel[i], 48, (unsigned)(40 + i));
    }
    fs_fix = dalloc_fixed_alloc(&heap, 100, 0, fs);
    none_fix = dalloc_malloc(&heap, 100);
    CHECK(fs_fix != NULL && none_fix != NULL);
    fill(fs_fix, 100, 50);
    fill(none_fix, 100, 51);

    /* The first word of fs_rel[0] owns a net block: cleared by the release. */
    in_fs = (void **)fs_rel[0];
    CHECK_OK(dalloc_alloc_in(&heap, 24, in_fs, net));
    /* The first word of net_rel[4] owns a block of no module: orphaned. */
    in_net = (void **)net_rel[4];
    *in_net = NULL;
    CHECK_OK(dalloc_alloc(&heap, 24, in_net));
    fill(*in_net, 24, 60);
    CHECK_HEAP();
    CHECK(dalloc_module_of(&heap, net_rel[0]) == net);
    CHECK(dalloc_module_of(&heap, fs_fix) == fs);
    CHECK(dalloc_module_of(&heap, none_fix) == DALLOC_NO_MODULE);
    CHECK_OK(dalloc_module_stats(&heap, net, &ms));
    CHECK_MSG(ms.blocks == 9, "net has %lu blocks, expected 9", ul(ms.blocks));

    orphan_copy = *in_net;
    CHECK_OK(dalloc_module_release(&heap, net));
    CHECK_HEAP();
    for (i = 0; i < 5; i++)
        CHECK_MSG(net_rel[i] == NULL, "owner of net block %d not cleared", i);
    CHECK(*(void **)fs_rel[0] == NULL);
    CHECK_OK(dalloc_module_stats(&heap, net, &ms));
    CHECK_MSG(ms.blocks == 0 && ms.bytes == 0, "net still has %lu blocks, %lu bytes", ul(ms.blocks),
              ul(ms.bytes));
    CHECK(dalloc_module_find(&heap, "net") == net); /* still registered */
    for (i = 0; i < 2; i++) {
        CHECK(verify((uint8_t *)fs_rel[i] + W, 48 - W, (unsigned)(30 + i)));
        CHECK(verify(none_rel[i], 48, (unsigned)(40 + i)));
        CHECK(dalloc_module_of(&heap, fs_rel[i]) == fs);
    }
    CHECK(verify(fs_fix, 100, 50) && verify(none_fix, 100, 51));
    /* The orphan stays allocated and can be freed by value. */
    CHECK_OK(dalloc_validate(&heap, &orphan_copy, USING_PTR_VALUE, NULL));
    CHECK(verify(orphan_copy, 24, 60));
    CHECK_OK(dalloc_free(&heap, &orphan_copy, USING_PTR_VALUE));
    CHECK_HEAP();

    /* The survivors live through a compaction. */
    (void)dalloc_compact(&heap);
    CHECK_HEAP();
    for (i = 0; i < 2; i++) {
        CHECK(verify((uint8_t *)fs_rel[i] + W, 48 - W, (unsigned)(30 + i)));
        CHECK(verify(none_rel[i], 48, (unsigned)(40 + i)));
    }
    CHECK(verify(fs_fix, 100, 50) && verify(none_fix, 100, 51));

    CHECK_OK(dalloc_module_unregister(&heap, fs));
    CHECK(fs_rel[0] == NULL && fs_rel[1] == NULL);
    CHECK(dalloc_module_find(&heap, "fs") == DALLOC_NO_MODULE);
    CHECK_HEAP();
    CHECK_OK(dalloc_fixed_free(&heap, none_fix));
    for (i = 0; i < 2; i++)
        CHECK_OK(dalloc_free(&heap, &none_rel[i], USING_PTR_ADDRESS));
    CHECK_HEAP();
    CHECK_OK(dalloc_heap_reset(&heap));
    CHECK(heap.offset == 0);
    CHECK(heap.alloc_info.allocations_num == 0);
}

/* ------------------------------------------------------------------------ */
/* 8. dalloc_compact_step: every step within its budget.                     */

static void test_compact_step(void)
{
    void *b[32];
    dalloc_stats_t st;
    size_t moved, budget = 256, total = 0;
    int i, steps = 0;

    CHECK_OK(dalloc_heap_init(&heap, arena, 8192));
    CHECK_OK(dalloc_set_policy(&heap, DALLOC_COMPACT_MANUAL));
    CHECK(dalloc_get_policy(&heap) == DALLOC_COMPACT_MANUAL);
    for (i = 0; i < 32; i++) {
        b[i] = NULL;
        CHECK_OK(dalloc_alloc(&heap, 96, &b[i]));
        fill(b[i], 96, (unsigned)i);
    }
    for (i = 0; i < 32; i += 2)
        CHECK_OK(dalloc_free(&heap, &b[i], USING_PTR_ADDRESS));
    CHECK_OK(dalloc_get_stats(&heap, &st));
    CHECK_MSG(st.free_blocks >= 15, "%lu holes", ul(st.free_blocks));

    /* A budget smaller than the next block moves nothing. */
    moved = dalloc_compact_step(&heap, block_size(96) - 1);
    CHECK_MSG(moved == 0, "moved %lu bytes on a budget of %lu", ul(moved), ul(block_size(96) - 1));
    CHECK_ST(dalloc_last_error(&heap), DALLOC_E_BUDGET);
    CHECK_HEAP();

    for (;;) {
        moved = dalloc_compact_step(&heap, budget);
        CHECK_MSG(moved <= budget, "step %d moved %lu bytes, budget %lu", steps, ul(moved), ul(budget));
        CHECK_HEAP();
        for (i = 1; i < 32; i += 2)
            CHECK_MSG(verify(b[i], 96, (unsigned)i), "block %d lost its contents at step %d", i, steps);
        if (moved == 0)
            break;
        total += moved;
        CHECK_MSG(++steps < 100, "compaction does not end");
    }
    CHECK_ST(dalloc_last_error(&heap), DALLOC_OK);
    CHECK_MSG(steps >= 2, "compacted in %d step(s): the budget did not bound it", steps);
    CHECK_OK(dalloc_get_stats(&heap, &st));
    CHECK_MSG(st.free_blocks == 0, "%lu holes left", ul(st.free_blocks));
    CHECK(st.largest_free == st.largest_after_compaction);
    printf("# compact_step: %lu bytes moved in %d steps of at most %lu\n", ul(total), steps, ul(budget));
    for (i = 1; i < 32; i += 2)
        CHECK_OK(dalloc_free(&heap, &b[i], USING_PTR_ADDRESS));
    CHECK(heap.offset == 0);
}

/* ------------------------------------------------------------------------ */
/* 9. Model test (the ideas of tests/test_model.c, fixed seed).              */
/*    Each block's first word may own another block (owners in the heap);    */
/*    the mixed run adds fixed blocks, modules, quota, pins and release.     */

#define MAXB RUNNER_MODEL_BLOCKS
enum { NONE = 0, OUTSIDE, INSIDE };

typedef struct {
    uint8_t kind;  /* NONE, OUTSIDE (owner = roots[i]) or INSIDE (child word of parent) */
    uint8_t fixed; /* roots[i] is a fixed block's address, not an owner */
    uint8_t pinned;
    dalloc_module_t mod;
    int16_t parent; /* for INSIDE */
    int16_t child;  /* the block owned by this block's first word, or -1 */
    uint16_t size;
    unsigned tag;
} mblock_t;

static void *roots[MAXB];
static mblock_t m[MAXB];
static int mixed;
static dalloc_module_t mods[4];
static size_t model_max;

static void **owner_of(int i)
{
    if (m[i].kind == OUTSIDE)
        return &roots[i];
    return (void **)*owner_of(m[i].parent);
}

static uint8_t *addr_of(int i)
{
    return (uint8_t *)*owner_of(i);
}

static void model_verify(int step)
{
    int i;
    dalloc_status_t st = dalloc_check(&heap);
    CHECK_MSG(st == DALLOC_OK, "dalloc_check at step %d: %s", step, dalloc_strerror(st));
    for (i = 0; i < MAXB; i++) {
        uint8_t *p;
        if (m[i].kind == NONE)
            continue;
        p = addr_of(i);
        CHECK_MSG(p != NULL, "block %d lost at step %d", i, step);
        if (!m[i].fixed) {
            CHECK_MSG(dalloc_validate(&heap, owner_of(i), USING_PTR_ADDRESS, NULL) == DALLOC_OK,
                      "block %d not valid by address at step %d", i, step);
            CHECK_MSG(dalloc_validate(&heap, (void **)&p, USING_PTR_VALUE, NULL) == DALLOC_OK,
                      "block %d not valid by value at step %d", i, step);
        }
        CHECK_MSG(dalloc_module_of(&heap, p) == m[i].mod, "block %d in the wrong module at step %d", i, step);
        CHECK_MSG(verify(p + W, m[i].size - W, m[i].tag), "block %d lost its contents at step %d", i, step);
        if (m[i].child < 0)
            CHECK_MSG(*(void **)p == NULL, "block %d: stray child pointer at step %d", i, step);
        else
            CHECK_MSG(*(void **)p == addr_of(m[i].child), "block %d: wrong child pointer at step %d", i, step);
    }
}

static int pick(uint32_t *rng, int want_live)
{
    int tries, i;
    for (tries = 0; tries < 4 * MAXB; tries++) {
        i = (int)(rnd(rng) % MAXB);
        if ((m[i].kind != NONE) == want_live)
            return i;
    }
    return -1;
}

static size_t model_size(uint32_t *rng, size_t max)
{
    return W + rnd(rng) % max;
}

static void model_alloc(uint32_t *rng, int step, size_t arena_size)
{
    int i = pick(rng, 0), parent = -1, k, pinned_any = 0;
    size_t n = model_size(rng, model_max);
    size_t before = heap.offset;
    dalloc_module_t mod = mixed ? mods[rnd(rng) % 4] : DALLOC_NO_MODULE;
    dalloc_status_t st;
    void **owner;

    if (i < 0)
        return;
    if (mixed && rnd(rng) % 4 == 0) {
        static const size_t aligns[] = {0, 16, 64, 256};
        size_t al = aligns[rnd(rng) % 4];
        void *p = dalloc_fixed_alloc(&heap, n, al, mod);
        if (p == NULL) {
            st = dalloc_last_error(&heap);
            CHECK_MSG(st == DALLOC_E_NOMEM || st == DALLOC_E_QUOTA, "fixed alloc at step %d: %s", step,
                      dalloc_strerror(st));
            return;
        }
        CHECK_MSG(aligned(p, al != 0 ? al : DALLOC_ALIGNMENT), "fixed block misaligned at step %d", step);
        roots[i] = p;
        m[i].kind = OUTSIDE;
        m[i].fixed = 1;
        m[i].pinned = 0;
        m[i].mod = mod;
        m[i].child = -1;
        m[i].size = (uint16_t)n;
        m[i].tag = (unsigned)rnd(rng);
        *(void **)p = NULL;
        fill((uint8_t *)p + W, n - W, m[i].tag);
        return;
    }
    /* Half of the time the owner is the first word of a live block. */
    if (rnd(rng) % 2) {
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
        CHECK_MSG(st == DALLOC_E_NOMEM || st == DALLOC_E_QUOTA, "alloc at step %d: %s", step,
                  dalloc_strerror(st));
        owner = parent >= 0 ? (void **)addr_of(parent) : &roots[i];
        CHECK_MSG(*owner == NULL, "refused alloc left its owner set at step %d", step);
        if (st == DALLOC_E_NOMEM && !pinned_any && mod == DALLOC_NO_MODULE &&
            dalloc_get_policy(&heap) != DALLOC_COMPACT_MANUAL)
            CHECK_MSG(before + block_size(n) > arena_size, "refused %lu bytes with %lu of %lu used at step %d",
                      ul(n), ul(before), ul(arena_size), step);
        return;
    }
    m[i].kind = parent >= 0 ? INSIDE : OUTSIDE;
    m[i].fixed = 0;
    m[i].pinned = 0;
    m[i].mod = mod;
    m[i].parent = (int16_t)parent;
    m[i].child = -1;
    m[i].size = (uint16_t)n;
    m[i].tag = (unsigned)rnd(rng);
    if (parent >= 0)
        m[parent].child = (int16_t)i;
    *(void **)addr_of(i) = NULL;
    fill(addr_of(i) + W, n - W, m[i].tag);
}

static void model_free(uint32_t *rng, int step)
{
    int i = pick(rng, 1);
    dalloc_status_t st;
    void *copy;
    if (i < 0)
        return;
    copy = addr_of(i);
    if (m[i].fixed)
        st = dalloc_fixed_free(&heap, copy);
    else if (rnd(rng) % 2)
        st = dalloc_free(&heap, owner_of(i), USING_PTR_ADDRESS);
    else
        st = dalloc_free(&heap, &copy, USING_PTR_VALUE);
    if (m[i].child >= 0) {
        CHECK_MSG(st == DALLOC_E_BUSY, "free of a parent at step %d: %s", step, dalloc_strerror(st));
        return;
    }
    CHECK_MSG(st == DALLOC_OK, "free at step %d: %s", step, dalloc_strerror(st));
    if (m[i].kind == INSIDE) {
        CHECK_MSG(*(void **)addr_of(m[i].parent) == NULL, "owner in the heap not cleared at step %d", step);
        m[m[i].parent].child = -1;
    } else if (m[i].fixed) {
        roots[i] = NULL;
    } else {
        CHECK_MSG(roots[i] == NULL, "owner not cleared at step %d", step);
    }
    m[i].kind = NONE;
}

static void model_realloc(uint32_t *rng, int step)
{
    int i = pick(rng, 1);
    size_t n, keep;
    dalloc_status_t st;
    if (i < 0)
        return;
    n = model_size(rng, model_max + model_max / 2);
    if (m[i].fixed) {
        void *p = dalloc_fixed_realloc(&heap, roots[i], n);
        st = p != NULL ? DALLOC_OK : dalloc_last_error(&heap);
        if (p != NULL)
            roots[i] = p;
    } else {
        st = dalloc_realloc(&heap, n, owner_of(i));
    }
    if (st != DALLOC_OK) {
        CHECK_MSG(st == DALLOC_E_NOMEM || st == DALLOC_E_PINNED || st == DALLOC_E_QUOTA,
                  "realloc at step %d: %s", step, dalloc_strerror(st));
        if (st == DALLOC_E_PINNED)
            CHECK_MSG(m[i].pinned, "an unpinned block refused as pinned at step %d", step);
        return;
    }
    keep = n < m[i].size ? n : m[i].size;
    CHECK_MSG(verify(addr_of(i) + W, keep - W, m[i].tag), "realloc lost the contents at step %d", step);
    m[i].size = (uint16_t)n;
    fill(addr_of(i) + W, n - W, m[i].tag);
}

static void model_replace(uint32_t *rng)
{
    int i = pick(rng, 1), j;
    if (i < 0 || m[i].kind != OUTSIDE || m[i].fixed)
        return;
    j = pick(rng, 0);
    if (j < 0)
        return;
    CHECK_OK(dalloc_replace(&heap, &roots[i], &roots[j]));
    CHECK(roots[i] == NULL);
    m[j] = m[i];
    m[i].kind = NONE;
    if (m[j].child >= 0)
        m[m[j].child].parent = (int16_t)j;
}

static void model_pin(uint32_t *rng)
{
    int i = pick(rng, 1);
    if (i < 0 || m[i].fixed)
        return;
    if (m[i].pinned) {
        CHECK_OK(dalloc_unpin(&heap, owner_of(i)));
        m[i].pinned = 0;
    } else if (rnd(rng) % 4 == 0) {
        CHECK_OK(dalloc_pin(&heap, owner_of(i)));
        m[i].pinned = 1;
    }
}

static void model_release(uint32_t *rng)
{
    dalloc_module_t mod = mods[1 + rnd(rng) % 3];
    int i;
    CHECK_OK(dalloc_module_release(&heap, mod));
    for (i = 0; i < MAXB; i++) {
        if (m[i].kind == NONE || m[i].mod != mod)
            continue;
        if (m[i].kind == OUTSIDE && !m[i].fixed)
            CHECK_MSG(roots[i] == NULL, "release left root %d set", i);
        if (m[i].fixed)
            roots[i] = NULL;
        m[i].kind = NONE;
    }
    for (i = 0; i < MAXB; i++)
        CHECK_MSG(!(m[i].kind != NONE && m[i].child >= 0 && m[m[i].child].kind == NONE),
                  "a child outlived its parent's module");
}

static void model_retag(uint32_t *rng)
{
    int i = pick(rng, 1);
    dalloc_module_t to = mods[rnd(rng) % 4];
    dalloc_status_t st;
    if (i < 0 || m[i].kind != OUTSIDE || m[i].child >= 0)
        return;
    st = dalloc_retag(&heap, addr_of(i), to);
    if (st == DALLOC_OK)
        m[i].mod = to;
    else
        CHECK_MSG(st == DALLOC_E_NOMEM || st == DALLOC_E_QUOTA, "retag: %s", dalloc_strerror(st));
}

static void run_model(uint32_t seed)
{
    uint32_t rng = seed;
    dalloc_stats_t st;
    int step, i;
    unsigned long moved = 0;

    memset(m, 0, sizeof m);
    memset(roots, 0, sizeof roots);
    model_max = RUNNER_ARENA_SIZE / 40;
    CHECK_OK(dalloc_heap_init(&heap, arena, RUNNER_ARENA_SIZE));
    mods[0] = DALLOC_NO_MODULE;
    if (mixed) {
        CHECK_OK(dalloc_module_register(&heap, "net", &mods[1]));
        CHECK_OK(dalloc_module_register(&heap, "fs", &mods[2]));
        CHECK_OK(dalloc_module_register(&heap, "ui", &mods[3]));
        CHECK_OK(dalloc_module_set_quota(&heap, mods[3], RUNNER_ARENA_SIZE / 6));
    }
    CHECK_OK(dalloc_get_stats(&heap, &st));
    for (step = 0; step < MODEL_STEPS; step++) {
        uint32_t r = rnd(&rng) % 100;
        if (r < 40)
            model_alloc(&rng, step, st.arena_size);
        else if (r < 70)
            model_free(&rng, step);
        else if (r < 82)
            model_realloc(&rng, step);
        else if (r < 88)
            model_replace(&rng);
        else if (r < 91)
            model_pin(&rng);
        else if (r < 93 && mixed)
            rnd(&rng) % 3 ? model_retag(&rng) : model_release(&rng);
        else if (r < 95)
            moved += (unsigned long)dalloc_compact(&heap);
        else if (r < 98)
            moved += (unsigned long)dalloc_compact_step(&heap, rnd(&rng) % 2048);
        else
            CHECK_OK(dalloc_set_policy(&heap, (dalloc_policy_t)(rnd(&rng) % 3)));
        model_verify(step);
    }
    {
        dalloc_stats_t end;
        CHECK_OK(dalloc_get_stats(&heap, &end));
        printf("# model (%s, seed 0x%08lx): %d steps, %lu live blocks, peak %lu of %lu bytes, %lu refusals, "
               "%lu compactions, %lu bytes moved\n",
               mixed ? "mixed" : "relocatable", (unsigned long)seed, MODEL_STEPS, ul(end.live_blocks),
               ul(end.peak_used), ul(end.arena_size), ul(end.refusals), ul(end.compactions),
               ul(end.bytes_moved));
    }
    (void)moved;
    /* Tear down: unpin all, free children before parents, heap empty. */
    for (i = 0; i < MAXB; i++)
        if (m[i].kind != NONE && m[i].pinned)
            CHECK_OK(dalloc_unpin(&heap, owner_of(i)));
    for (;;) {
        int freed = 0;
        for (i = 0; i < MAXB; i++) {
            if (m[i].kind == NONE || m[i].child >= 0)
                continue;
            if (m[i].fixed)
                CHECK_OK(dalloc_fixed_free(&heap, roots[i]));
            else
                CHECK_OK(dalloc_free(&heap, owner_of(i), USING_PTR_ADDRESS));
            if (m[i].kind == INSIDE)
                m[m[i].parent].child = -1;
            m[i].kind = NONE;
            freed++;
        }
        if (freed == 0)
            break;
    }
    CHECK(heap.alloc_info.allocations_num == 0 || mixed);
    if (mixed) {
        dalloc_module_stats_t ms;
        for (i = 1; i < 4; i++) {
            CHECK_OK(dalloc_module_stats(&heap, mods[i], &ms));
            CHECK(ms.blocks == 0 && ms.bytes == 0);
        }
    } else {
        CHECK(heap.offset == 0);
    }
    CHECK_HEAP();
}

static void test_model_reloc(void)
{
    mixed = 0;
    run_model(0x9E3779B9u);
}

static void test_model_mixed(void)
{
    mixed = 1;
    run_model(0x85EBCA6Bu);
}

/* ------------------------------------------------------------------------ */

int main(void)
{
    printf("# libdalloc target runner: %s, heap buffer %lu bytes\n", target_name(),
           (unsigned long)RUNNER_ARENA_SIZE);
    run_test("header_size", test_header_size);
    run_test("heap_init", test_heap_init);
    run_test("reloc_alloc_free_realloc", test_reloc_basic);
    run_test("list_owners_in_heap", test_list_owners_in_heap);
    run_test("realloc_grow_moves", test_realloc_moves);
    run_test("aligned_fixed", test_aligned_fixed);
    run_test("module_release", test_module_release);
    run_test("compact_step_budget", test_compact_step);
    run_test("model_relocatable", test_model_reloc);
    run_test("model_mixed", test_model_mixed);
    printf("# %d tests: %d passed, %d failed\n", tests_run, tests_run - tests_failed, tests_failed);
    return tests_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
