/*
 * memcheck_cases.c - programs for test_memcheck: `memcheck_cases CASE` does
 * one misuse of a heap (or, for "clean", none at all), and test_memcheck
 * runs it under valgrind and reads what memcheck reported.  Each misuse is
 * made by the function named after the case (case_<name>), in user code,
 * so that the report's first frame names it.  Not a test by itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dalloc.h"

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

#define HEAP_SIZE 16384u

static uint64_t words[HEAP_SIZE / 8];
static uint8_t *const buf = (uint8_t *)words;
static dalloc_heap_t heap;

/* Set by the uninitialised tests when the branch goes one way: it keeps
 * the branch a real one (a call on one side). */
static volatile int sink;

static void fail(const char *what)
{
    fprintf(stderr, "memcheck_cases: %s\n", what);
    exit(2);
}

static void *alloc(size_t n, void **owner)
{
    *owner = NULL;
    if (dalloc_alloc(&heap, n, owner) != DALLOC_OK)
        fail("dalloc_alloc refused");
    return *owner;
}

static void release(void **owner)
{
    if (dalloc_free(&heap, owner, USING_PTR_ADDRESS) != DALLOC_OK)
        fail("dalloc_free refused");
}

/* A branch on byte v, as user code would test it. */
static NOINLINE void branch_on(uint8_t v)
{
    if (v == 0x5A)
        puts("0x5a");
    else
        sink++;
}

/* ---- the misuses (each must be reported once) ---------------------------- */

/* (1) A read through a stale copy of the pointer after the block was freed. */
static NOINLINE void case_read_after_free(void)
{
    void *a, *keep;
    volatile uint8_t *stale;
    alloc(48, &a);
    alloc(48, &keep);
    memset(a, 1, 48);
    stale = (volatile uint8_t *)a;
    release(&a);
    sink += stale[8];
}

/* (2) A write one byte past a relocatable block of 13 bytes (its usable
 * size is rounded up: the write lands in the rounding, not in another
 * block). */
static NOINLINE void case_write_past_end(void)
{
    void *p;
    volatile uint8_t *q = (volatile uint8_t *)alloc(13, &p);
    memset(p, 1, 13);
    q[13] = 1;
}

/* (2) The same for a fixed block (malloc-like). */
static NOINLINE void case_fixed_write_past_end(void)
{
    volatile uint8_t *q = (volatile uint8_t *)dalloc_malloc(&heap, 21);
    if (q == NULL)
        fail("dalloc_malloc refused");
    q[21] = 1;
}

/* A write into a block's header (just before its first byte). */
static NOINLINE void case_write_header(void)
{
    void *p;
    volatile uint8_t *q = (volatile uint8_t *)alloc(32, &p);
    q[-1] = 0;
}

/* (3) A branch on a new block's byte that was never written. */
static NOINLINE void case_uninit_branch(void)
{
    void *p;
    uint8_t *q = (uint8_t *)alloc(64, &p);
    memset(q, 0x11, 32);
    branch_on(q[0]);  /* written: fine */
    if (q[40] == 0x5A) /* never written */
        puts("0x5a");
}

/* (3) After realloc grows a block (here by moving it), its new bytes are
 * uninitialised and its old ones still defined. */
static NOINLINE void case_uninit_after_realloc(void)
{
    void *p, *fence;
    uint8_t *q = (uint8_t *)alloc(16, &p);
    memset(q, 0x22, 16);
    alloc(16, &fence); /* it cannot grow in place */
    if (dalloc_realloc(&heap, 200, &p) != DALLOC_OK)
        fail("dalloc_realloc refused");
    q = (uint8_t *)p;
    branch_on(q[15]);
    if (q[100] == 0x5A)
        puts("0x5a");
}

/* (3) Compaction slides a block down by less than its size (the copy
 * overlaps): its unwritten bytes stay uninitialised, the written ones
 * defined. */
static NOINLINE void case_uninit_after_move(void)
{
    void *a, *b;
    uint8_t *q;
    alloc(8, &a);
    q = (uint8_t *)alloc(400, &b);
    memset(q, 0x33, 200);
    release(&a);
    if (dalloc_compact(&heap) == 0 || b == (void *)q)
        fail("dalloc_compact moved nothing");
    q = (uint8_t *)b;
    branch_on(q[0]);
    branch_on(q[199]);
    if (q[300] == 0x5A)
        puts("0x5a");
}

/* (4) A stale copy of the pointer used after compaction moved the block
 * past a freed hole: its old place is free space now. */
static NOINLINE void case_stale_after_move(void)
{
    void *a, *b;
    volatile uint8_t *stale;
    alloc(64, &a);
    stale = (volatile uint8_t *)alloc(64, &b);
    memset(b, 0x44, 64);
    release(&a);
    if (dalloc_compact(&heap) == 0 || b == (void *)stale)
        fail("dalloc_compact moved nothing");
    sink += ((volatile uint8_t *)b)[63]; /* the block itself: fine */
    sink += stale[63];
}

/* ---- correct use (nothing may be reported) ---------------------------------- */

struct node {
    struct node *next;
    uint32_t value;
    uint8_t unused[20]; /* never written: the owner scan reads it */
};

static void visit(void *ctx, const dalloc_block_info_t *bi)
{
    size_t *n = (size_t *)ctx;
    if (bi->size != 0 && bi->span >= bi->size && bi->kind != DALLOC_BLOCK_FREE)
        (*n)++;
}

static size_t printed;
static void output(void *ctx, const char *text)
{
    (void)ctx;
    for (; *text != '\0'; text++)
        if (*text == '\n')
            printed++;
}

static void expect(int ok, const char *what)
{
    if (!ok)
        fail(what);
}

static NOINLINE void case_clean(void)
{
    struct node *head = NULL, *n, **slot = &head;
    void *p[8], *f, *g, *pin, *big;
    dalloc_module_t net;
    dalloc_stats_t st;
    char map[65];
    size_t i, count = 0;
    uint8_t *mbuf = (uint8_t *)malloc(8192);

    /* A list whose links are registered owners inside the heap. */
    for (i = 0; i < 6; i++) {
        *slot = NULL;
        if (dalloc_alloc(&heap, sizeof **slot, (void **)slot) != DALLOC_OK)
            fail("node refused");
        n = *slot;
        n->next = NULL;
        n->value = (uint32_t)i;
        slot = &n->next;
    }
    for (i = 0; i < 8; i++) {
        alloc(24 + 40 * i, &p[i]);
        memset(p[i], (int)i, 24 + 40 * i);
    }
    for (i = 0; i < 8; i += 2)
        release(&p[i]);
    alloc(8, &pin);
    memset(pin, 9, 8);
    expect(dalloc_pin(&heap, &pin) == DALLOC_OK, "pin");
    if (dalloc_compact(&heap) == 0)
        fail("nothing compacted");
    expect(dalloc_unpin(&heap, &pin) == DALLOC_OK, "unpin");
    for (i = 1; i < 8; i += 2)
        branch_on(((uint8_t *)p[i])[23 + 40 * i]);
    for (n = head, i = 0; n != NULL; n = n->next, i++)
        expect(n->value == i, "list value");
    /* Resize: grow (in place or moved), shrink; contents kept. */
    expect(dalloc_realloc(&heap, 600, &p[1]) == DALLOC_OK, "grow");
    branch_on(((uint8_t *)p[1])[63]);
    memset((uint8_t *)p[1] + 64, 7, 536);
    expect(dalloc_realloc(&heap, 10, &p[3]) == DALLOC_OK, "shrink");
    branch_on(((uint8_t *)p[3])[9]);
    expect(dalloc_realloc(&heap, 300, &p[3]) == DALLOC_OK, "grow again");
    memset((uint8_t *)p[3] + 10, 3, 290);
    /* Fixed blocks. */
    f = dalloc_malloc(&heap, 100);
    g = dalloc_calloc(&heap, 10, 10);
    expect(f != NULL && g != NULL, "fixed refused");
    memset(f, 5, 100);
    for (i = 0; i < 100; i++)
        branch_on(((uint8_t *)g)[i]);
    f = dalloc_fixed_realloc(&heap, f, 1000);
    expect(f != NULL, "fixed realloc refused");
    branch_on(((uint8_t *)f)[99]);
    memset((uint8_t *)f + 100, 6, 900);
    expect(dalloc_fixed_free(&heap, g) == DALLOC_OK, "fixed free");
    /* Modules: a trailer added and dropped (the block may move). */
    expect(dalloc_module_register(&heap, "net", &net) == DALLOC_OK, "module");
    expect(dalloc_retag(&heap, p[5], net) == DALLOC_OK, "retag");
    branch_on(((uint8_t *)p[5])[223]);
    expect(dalloc_retag(&heap, p[5], DALLOC_NO_MODULE) == DALLOC_OK, "untag");
    branch_on(((uint8_t *)p[5])[0]);
    expect(dalloc_retag(&heap, p[5], net) == DALLOC_OK && dalloc_retag(&heap, p[5], DALLOC_NO_MODULE) == DALLOC_OK,
           "retag cycle");
    expect(dalloc_realloc(&heap, 224, &p[5]) == DALLOC_OK, "realloc after cycles");
    branch_on(((uint8_t *)p[5])[223]);
    expect(dalloc_alloc_in(&heap, 50, (big = NULL, &big), net) == DALLOC_OK, "alloc_in");
    memset(big, 1, 50);
    expect(dalloc_realloc(&heap, 2000, &big) == DALLOC_OK, "module grow");
    branch_on(((uint8_t *)big)[49]);
    expect(dalloc_module_release(&heap, net) == DALLOC_OK, "release");
    expect(big == NULL, "released owner cleared");
    /* Looking: figures, visitors, map, check, dumps. */
    expect(dalloc_get_stats(&heap, &st) == DALLOC_OK, "stats");
    if (st.used_bytes == 0 || st.free_bytes == 0 || st.largest_free == 0 || st.live_blocks == 0 ||
        st.fragmentation_permille > 1000 || st.bytes_moved == 0 || st.compactions == 0)
        fail("figures");
    expect(dalloc_for_each_used_block(&heap, visit, &count) == DALLOC_OK && count > 0, "visit");
    expect(dalloc_for_each_free_block(&heap, visit, &count) == DALLOC_OK, "visit free");
    expect(dalloc_heap_map(&heap, map, 64) == 64 && strchr(map, '#') != NULL, "map");
    expect(dalloc_check(&heap) == DALLOC_OK, "check");
    dalloc_set_output(output, NULL);
    dalloc_dump_blocks(&heap);
    dalloc_dump_heap(&heap);
    dalloc_report(&heap);
    dalloc_set_output(NULL, NULL);
    expect(printed > HEAP_SIZE / 16, "dumps");
    /* Reset: everything is free again and usable. */
    expect(dalloc_heap_reset(&heap) == DALLOC_OK && head == NULL, "reset");
    alloc(5000, &p[0]);
    memset(p[0], 1, 5000);
    branch_on(((uint8_t *)p[0])[4999]);
    /* Init again over a live heap, then give the buffer back. */
    expect(dalloc_heap_init(&heap, buf, HEAP_SIZE) == DALLOC_OK, "init again");
    alloc(100, &p[0]);
    dalloc_heap_deinit(&heap);
    for (i = 0; i < HEAP_SIZE; i++)
        branch_on(buf[i]);
    /* A heap in memory from malloc (undefined to start with). */
    if (mbuf == NULL)
        fail("malloc");
    expect(dalloc_heap_init(&heap, mbuf, 8192) == DALLOC_OK, "malloc'd heap");
    alloc(1000, &p[0]);
    memset(p[0], 2, 1000);
    alloc(1000, &p[1]);
    memset(p[1], 3, 1000);
    release(&p[0]);
    expect(dalloc_compact(&heap) != 0, "compact malloc'd heap");
    branch_on(((uint8_t *)p[1])[999]);
    dalloc_heap_deinit(&heap);
    free(mbuf);
}

static const struct {
    const char *name;
    void (*fn)(void);
} cases[] = {
    {"read_after_free", case_read_after_free},
    {"write_past_end", case_write_past_end},
    {"fixed_write_past_end", case_fixed_write_past_end},
    {"write_header", case_write_header},
    {"uninit_branch", case_uninit_branch},
    {"uninit_after_realloc", case_uninit_after_realloc},
    {"uninit_after_move", case_uninit_after_move},
    {"stale_after_move", case_stale_after_move},
    {"clean", case_clean},
};

int main(int argc, char **argv)
{
    size_t i;
    if (argc != 2) {
        fprintf(stderr, "usage: memcheck_cases CASE\n");
        return 2;
    }
    if (strcmp(argv[1], "none") == 0)
        return 0; /* can valgrind run this program at all? */
    dalloc_set_error_hook(NULL, NULL);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(argv[1], cases[i].name) != 0)
            continue;
        if (dalloc_heap_init(&heap, buf, HEAP_SIZE) != DALLOC_OK)
            fail("dalloc_heap_init refused");
        cases[i].fn();
        return 0;
    }
    fprintf(stderr, "memcheck_cases: no case %s\n", argv[1]);
    return 2;
}
