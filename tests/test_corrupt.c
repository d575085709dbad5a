/*
 * test_corrupt.c - dalloc_check() against one damage at a time, white box:
 * the test reads the heap's private layout (src/heap_internal.h,
 * src/block.h) to damage exactly one invariant the checker states, and
 * asserts DALLOC_E_CORRUPT; the buffer and the heap structure are then put
 * back and the heap must check OK again.  test_heap.c covers damage that
 * needs no knowledge of the layout (random scribbles, guard pages).
 *
 * Only the layout is used here, never a function of the library that is
 * not public (the shared library does not export them).  When the layout
 * changes, this file changes with src/check.c.
 *
 * The heap under test holds, in the relocatable region: a (plain), a hole,
 * m (module "net"), s (holds the registered owner of t), t, p (pinned),
 * v (topmost); in the fixed region, from the top: the region's index, the
 * module registry, f1, a hole, f2 (module "net"), f3 (lowest); modules
 * "net", "aux" (one block, relocatable) and a freed registry slot.
 */
#include "testutil.h"

#include "../src/heap_internal.h"

#define HEAP_SIZE 16384u

TEST_BUFFER(buf, HEAP_SIZE);
static uint8_t snap[HEAP_SIZE];
static dalloc_heap_t heap, heap_snap;
static ctl_t *c;
static void *a, *hole_maker, *m, *s, *t, *p, *v, *x;
static void *f1, *fh, *f2, *f3;
static dalloc_module_t net, aux, old;

static void setup(void)
{
    void **slot;
    TEST_RAW_BEGIN(); /* Valgrind: every test here reads and damages the heap's memory */
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    c = heap.ctl;
    a = hole_maker = m = s = t = p = v = x = NULL;
    ck_assert_int_eq(dalloc_module_register(&heap, "net", &net), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_register(&heap, "old", &old), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_register(&heap, "aux", &aux), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_unregister(&heap, old), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &a), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 96, &hole_maker), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 64, &m, net), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &s), DALLOC_OK);
    slot = (void **)s;
    *slot = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, 32, slot), DALLOC_OK);
    t = *slot;
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &p), DALLOC_OK);
    ck_assert_int_eq(dalloc_pin(&heap, &p), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 48, &x, aux), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &v), DALLOC_OK);
    f1 = dalloc_malloc(&heap, 64);
    fh = dalloc_malloc(&heap, 96);
    f2 = dalloc_fixed_alloc(&heap, 64, 0, net);
    f3 = dalloc_malloc(&heap, 64);
    ck_assert_ptr_nonnull(f1);
    ck_assert_ptr_nonnull(fh);
    ck_assert_ptr_nonnull(f2);
    ck_assert_ptr_nonnull(f3);
    ck_assert_int_eq(dalloc_free(&heap, &hole_maker, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_fixed_free(&heap, fh), DALLOC_OK);
    /* The layout this file relies on, settled (TEST_SETTLE: the block just
     * freed may wait in the quick cache). */
    TEST_SETTLE(&heap);
    ck_assert_ptr_eq(blk_of(a), (blk_t *)(void *)c->lo);
    ck_assert_ptr_eq(blk_end(blk_of(v)), c->rtop);
    ck_assert_ptr_eq(blk_of(f3), (blk_t *)(void *)c->fbot);
    ck_assert_ptr_eq(blk_end(blk_of(f3)), (uint8_t *)blk_of(f2));
    ck_assert(blk_has(blk_of(m), F_PREV_FREE));
    ck_assert_ptr_nonnull(c->fidx);
    ck_assert_ptr_nonnull(c->mods);
    ck_assert_uint_gt((size_t)(c->fbot - c->rtop), MIN_BLOCK);
    TEST_HEAP_OK(&heap);
    memcpy(snap, buf, HEAP_SIZE);
    heap_snap = heap;
}

static void teardown(void)
{
    dalloc_heap_deinit(&heap);
    TEST_RAW_END();
}

/* The hole of the relocatable region (where hole_maker was). */
static blk_t *reloc_hole(void)
{
    blk_t *h = blk_of(a);
    h = blk_next(h);
    ck_assert(blk_has(h, F_FREE));
    return h;
}

static link_t off_of(const void *q)
{
    return (link_t)((const uint8_t *)q - (const uint8_t *)c);
}

/* The relocatable index's class of a size of u granules (TLSF's two
 * levels, SL_COUNT steps per power of two), written out here: the
 * library's table is not exported. */
static unsigned tlsf_class(unsigned u)
{
    unsigned f = 0;
    if (u < SL_COUNT)
        return u;
    while ((u >> (f + 1)) != 0)
        f++;
    return (f - SL_LOG2) * SL_COUNT + (u >> (f - SL_LOG2));
}

/* Move hole b, first and alone on list from of x, to the empty list k,
 * bitmap and links kept consistent: only its class is wrong. */
static void move_to_list(freeidx_t *fx, blk_t *b, unsigned from, unsigned k)
{
    link_t nil = off_of(&fx->nil);
    fblk_t *f = (fblk_t *)(void *)b;
    ck_assert_uint_lt(from, fx->lists);
    ck_assert_uint_eq(fx->heads[from], off_of(b));
    ck_assert_uint_eq(f->next, nil);
    ck_assert_uint_ne(k, from);
    ck_assert_uint_lt(k, fx->lists);
    ck_assert_uint_eq(fx->heads[k], nil);
    fx->heads[from] = nil;
    fx->cl_bitmap[from / CL_BITS] &= ~((size_t)1 << (from % CL_BITS));
    fx->heads[k] = off_of(b);
    f->pprev = off_of(&fx->heads[k]);
    fx->cl_bitmap[k / CL_BITS] |= (size_t)1 << (k % CL_BITS);
}

/* The list head of x that holds block b first. */
static link_t *head_of(freeidx_t *fx, const blk_t *b)
{
    unsigned i;
    for (i = 0; i < fx->lists; i++)
        if (fx->heads[i] == off_of(b))
            return &fx->heads[i];
    ck_abort_msg("block not first on any list");
    return NULL;
}

/* Make used block b look free (flag, bitmap, footer) and tell the block
 * above it. */
static void make_free(blk_t *b, bool tell_next)
{
    blk_set(b, F_FREE);
    bm_clear(c, b);
    blk_write_footer(b);
    if (tell_next)
        blk_set(blk_next(b), F_PREV_FREE);
}

/* A fake free block of size bytes in the payload of used block u. */
static fblk_t *fake_in(void *u, size_t size, link_t pprev, link_t next)
{
    fblk_t *f = (fblk_t *)u;
    f->szf = ((size >> G_LOG2) << SZ_SHIFT) | F_FREE;
    f->pprev = pprev;
    f->next = next;
    return f;
}

static const char *damage(int i)
{
    blk_t *h = reloc_hole();
    modrec_t *rn = &c->mods[net - 1];
    mtrail_t *tm = blk_trailer(blk_of(m));
    link_t nil = off_of(&c->ridx.nil);
    switch (i) {
    /* The control block and its tables (before any walk). */
    case 0: heap.total_size = 8; return "control block past the buffer's end";
    case 1: heap.mem = (uint8_t *)c + GRAN; return "control block below the buffer";
    case 2: c->lo = c->hi; return "lo == hi";
    case 3: c->rtop = c->lo - GRAN; return "rtop below lo";
    case 4: c->rtop = c->fbot + GRAN; return "rtop above fbot";
    case 5: c->fbot = (uint8_t *)(uintptr_t)((uintptr_t)c->hi + GRAN); return "fbot above hi";
    case 6: c->lo = (uint8_t *)(uintptr_t)((uintptr_t)heap.mem - 64); return "lo below the buffer";
    case 7: heap.total_size -= 64; return "hi past the buffer";
    case 8: c->cursor = c->lo - GRAN; return "cursor below lo";
    case 9: c->bitmap = (uint32_t *)(void *)c; return "bitmap inside the control block";
    case 10: c->bitmap = (uint32_t *)(void *)c->lo; return "bitmap inside the arena";
    case 11: c->ridx.heads = (link_t *)(void *)c; return "list heads inside the control block";
    case 12: c->ridx.heads = (link_t *)(void *)c->lo; return "list heads inside the arena";
    case 13: c->ridx.lists = LISTS_MAX + 1; return "too many lists";
    case 14: c->fidx = NULL; return "fixed blocks without an index";
    case 15: c->fidx = (freeidx_t *)(void *)c->lo; return "fixed index below the fixed region";
    case 16: c->fidx = (freeidx_t *)(void *)c->hi; return "fixed index past hi";
    case 17: c->fidx->lists++; return "fixed index with another list count";
    case 18: c->fidx->heads++; return "fixed index heads moved";
    case 19: blk_set_size(blk_of(c->fidx), blk_size(blk_of(c->fidx)) - GRAN); return "fixed index not topmost";
    case 20: c->mods = (modrec_t *)(void *)c->lo; return "registry below the fixed region";
    case 21: c->mods = (modrec_t *)(void *)c->hi; return "registry past hi";
    /* The relocatable region's walk. */
    case 22: c->rtop += GRAN; return "a sliver of a block at rtop";
    case 23: blk_set(blk_of(a), F_FIXED); return "fixed flag in the relocatable region";
    case 24: blk_set(blk_of(s), F_PREV_FREE); return "prev-free flag over a used block";
    case 25: blk_set(blk_of(m), F_FREE); bm_clear(c, blk_of(m)); blk_write_footer(blk_of(m));
        return "two free blocks in a row";
    case 26: blk_set(blk_of(s), F_FREE); blk_write_footer(blk_of(s)); return "free block with its bitmap bit";
    case 27: bm_clear(c, blk_of(s)); return "used block without its bitmap bit";
    case 28: blk_of(a)->owner = (void **)(void *)((uint8_t *)&a + 1); return "misaligned owner";
    case 29: blk_set(blk_of(a), F_SYS); return "library block in the relocatable region";
    case 30: blk_set(blk_of(f1), F_SYS); return "library flag on a user fixed block";
    case 31: tm->module = 0; return "module trailer naming no module";
    case 32: tm->module = c->mod_cap + 1u; return "module trailer past the registry";
    case 33: rn->name[0] = '\0'; return "module trailer naming a free slot";
    case 34: make_free(blk_of(v), false); return "free block touching the gap from below";
    case 35: c->cursor = c->lo + GRAN; return "cursor inside a block";
    /* The fixed region's walk. */
    case 36: blk_set(blk_of(f2), F_PREV_FREE); return "prev-free flag over a used fixed block";
    case 37: make_free(blk_of(f3), true); return "free block touching the gap from above";
    /* The free lists. */
    case 38: {
        unsigned k;
        for (k = 0; k < c->ridx.lists; k++)
            if (c->ridx.heads[k] == nil)
                break;
        ck_assert_uint_lt(k, c->ridx.lists);
        c->ridx.cl_bitmap[k / CL_BITS] |= (size_t)1 << (k % CL_BITS);
        return "bit of an empty list set";
    }
    case 39: {
        unsigned k = c->ridx.lists; /* the first class the arena has no list for */
        ck_assert_uint_lt(k, CL_WORDS * CL_BITS);
        c->ridx.cl_bitmap[k / CL_BITS] |= (size_t)1 << (k % CL_BITS);
        return "bit of a class beyond the arena's";
    }
    case 40: *head_of(&c->ridx, h) += 4; return "list link not on a granule";
    case 41: *head_of(&c->ridx, h) = off_of(c->rtop - GRAN); return "list link to a sliver at rtop";
    case 42: ((fblk_t *)(void *)h)->pprev += 4; return "back link of a listed block";
    case 43: {
        link_t *hd = head_of(&c->ridx, h);
        *hd = off_of(fake_in(a, (size_t)(c->rtop - (uint8_t *)a) + GRAN, off_of(hd), nil));
        return "listed block reaching past rtop";
    }
    case 44: {
        link_t *hd = head_of(&c->ridx, h);
        unsigned k = (unsigned)(hd - c->ridx.heads);
        ck_assert_uint_eq(((fblk_t *)(void *)h)->next, nil); /* alone on its list */
        *hd = nil;
        c->ridx.cl_bitmap[k / CL_BITS] &= ~((size_t)1 << (k % CL_BITS));
        c->ridx.bytes -= blk_size(h);
        return "a hole on no list";
    }
    case 45: {
        link_t *hd = head_of(&c->ridx, h);
        *hd = off_of(fake_in(a, MIN_BLOCK, off_of(hd), nil));
        c->ridx.bytes = c->ridx.bytes - blk_size(h) + MIN_BLOCK;
        return "a block inside a used one listed instead of the hole";
    }
    case 46: c->fidx->bytes += GRAN; return "fixed index byte count";
    /* The counters. */
    case 47: c->pinned++; return "pinned count";
    case 48: heap.offset += (uint32_t)GRAN; return "used bytes";
    case 49: heap.alloc_info.allocations_num--; return "live blocks";
    /* The bitmap. */
    case 50: bm_set(c, c->rtop + MIN_BLOCK); return "bitmap bit in the gap";
    /* The module lists. */
    case 51: c->mods[old - 1].head = 1; return "blocks listed for a free slot";
    case 52: rn->head = 0xFFFFFFF0u; return "module list past the arena";
    case 53: rn->head = blk_off(c, blk_of(a)); return "module list through a plain block";
    case 54: rn->head = blk_off(c, h); return "module list through a hole";
    case 55: tm->module = aux; return "module block on another module's list";
    case 56: tm->prev = blk_off(c, blk_of(a)); return "module list back link";
    case 57: rn->blocks++; return "module block count";
    case 58: rn->bytes += GRAN; return "module byte count";
    case 59: rn->peak = 0; return "module peak below its bytes";
    /* A hole on another class's list: the next class of the relocatable
     * index, and in the fixed index, the class the relocatable one gives
     * its size (the fixed index has exact classes for small sizes). */
    case 60: {
        unsigned k = (unsigned)(head_of(&c->ridx, h) - c->ridx.heads);
        ck_assert_uint_eq(k, tlsf_class((unsigned)(blk_size(h) >> G_LOG2)));
        move_to_list(&c->ridx, h, k, k + 1);
        return "hole on the next class's list";
    }
    case 61: {
        blk_t *fhole = blk_of(fh);
        unsigned u = (unsigned)(blk_size(fhole) >> G_LOG2), k = tlsf_class(u);
        ck_assert(blk_has(fhole, F_FREE));
        ck_assert_uint_lt(u, EXACT_UNITS);
        ck_assert_uint_eq((unsigned)(head_of(c->fidx, fhole) - c->fidx->heads), u); /* its exact class */
        /* Below SL_COUNT * 2 granules the two classes coincide (alignment
         * 16): then the next size's list. */
        move_to_list(c->fidx, fhole, u, k != u ? k : u + 1);
        return "fixed hole on its relocatable class's list";
    }
    default: return NULL;
    }
}
#define DAMAGES 62

START_TEST(check_detects_damage)
{
    const char *what = damage(_i);
    ck_assert_ptr_nonnull(what);
    ck_assert_msg(dalloc_check(&heap) == DALLOC_E_CORRUPT, "not found: %s", what);
    /* Put back, the heap is whole again. */
    memcpy(buf, snap, HEAP_SIZE);
    heap = heap_snap;
    ck_assert_msg(dalloc_check(&heap) == DALLOC_OK, "put back after %s: %s", what,
                  dalloc_strerror(dalloc_check(&heap)));
}
END_TEST

/* The heap of the fixture is whole, and so is it after every step of
 * taking it apart. */
START_TEST(fixture_heap_is_whole)
{
    void **slot = (void **)s;
    TEST_HEAP_OK(&heap);
    ck_assert_int_eq(dalloc_free(&heap, slot, USING_PTR_ADDRESS), DALLOC_OK);
    TEST_HEAP_OK(&heap);
    ck_assert_int_eq(dalloc_module_release(&heap, net), DALLOC_OK);
    TEST_HEAP_OK(&heap);
    ck_assert_int_eq(dalloc_unpin(&heap, &p), DALLOC_OK);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    TEST_HEAP_OK(&heap);
    ck_assert_int_eq(dalloc_fixed_free(&heap, f1), DALLOC_OK);
    ck_assert_int_eq(dalloc_fixed_free(&heap, f3), DALLOC_OK);
    TEST_HEAP_OK(&heap);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("corrupt");
    TCase *tc = tcase_create("check");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, fixture_heap_is_whole);
    tcase_add_loop_test(tc, check_detects_damage, 0, DAMAGES);
    suite_add_tcase(su, tc);
    return test_run_suite(su) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
