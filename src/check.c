/*
 * check.c - dalloc_check(): walk a heap and verify every invariant written
 * down in block.h and heap_internal.h.  Every step is bounds-checked before
 * it is taken, so a corrupted heap is reported, never followed outside the
 * buffer.  O(blocks + free-list entries + bitmap words).
 */
#include "space.h"

/* A module block's trailer names a registered module.  (A block always
 * has room for a trailer where MIN_BLOCK >= HDR + MT, as on 64-bit
 * targets; the size test matters on 32-bit ones.) */
static bool trailer_ok(const ctl_t *c, const blk_t *b)
{
    const mtrail_t *t = blk_trailer(b);
    return blk_size(b) >= HDR + MT && t->module != 0 && t->module <= c->mod_cap &&
           c->mods[t->module - 1].name[0] != '\0';
}

/* ---- the quick cache (alloc.c), read only -------------------------------- */

#if DALLOC_QUICK
/* The block a cache link (an offset from the control block) names; only
 * read once the offset is proven to lie in the relocatable region. */
static const blk_t *linked(const ctl_t *c, link_t o)
{
    return (const blk_t *)(const void *)((const uint8_t *)c + o);
}
static link_t next_link(const ctl_t *c, link_t o) { return ((const fblk_t *)(const void *)linked(c, o))->next; }
#endif

/* Is b, a block start proven inside [lo, rtop), on the cache's list of its
 * size?  At most qcount links are followed (quick_ok() proved them). */
static bool on_quick_list(const ctl_t *c, const blk_t *b)
{
#if DALLOC_QUICK
    size_t k = (blk_size(b) - MIN_BLOCK) >> G_LOG2, n;
    link_t o;
    if (c->qbins == NULL || k >= QUICK_BINS)
        return false;
    for (n = 0, o = c->qbins[k]; o != 0 && n < c->qcount; n++, o = next_link(c, o))
        if (linked(c, o) == b)
            return true;
#else
    (void)c, (void)b;
#endif
    return false;
}

/* The cache's table lies in the gap and its lists hold qcount blocks of
 * the relocatable region, each of its list's size, plain (flags at most
 * F_PREV_FREE) and off the bitmap; every link is proven before it is
 * followed, and no more than qcount are.  Without the cache: none. */
static bool quick_ok(const ctl_t *c)
{
#if DALLOC_QUICK
    size_t k, n = 0;
    const uint8_t *t = (const uint8_t *)c->qbins;
    if (t == NULL)
        return c->qcount == 0;
    if (c->qcount > QUICK_CAP || ((uintptr_t)t & (sizeof(link_t) - 1)) != 0 || t < c->rtop || t > c->fbot ||
        (size_t)(c->fbot - t) < QUICK_TABLE)
        return false;
    for (k = 0; k < QUICK_BINS; k++) {
        link_t o;
        for (o = c->qbins[k]; o != 0; o = next_link(c, o)) {
            const blk_t *b = linked(c, o);
            const uint8_t *p = (const uint8_t *)b;
            if (++n > c->qcount || p < c->lo || p >= c->rtop || (size_t)(c->rtop - p) < MIN_BLOCK ||
                ((uintptr_t)(p - c->lo) & (GRAN - 1)) != 0)
                return false;
            if ((blk_flags(b) & ~(size_t)F_PREV_FREE) != 0 || blk_size(b) != MIN_BLOCK + (k << G_LOG2) ||
                blk_size(b) > (size_t)(c->rtop - p) || bm_test(c, b))
                return false;
        }
    }
    return n == c->qcount;
#else
    return c->qbins == NULL && c->qcount == 0;
#endif
}

/* Walk one region; count used blocks/bytes and free blocks/bytes (a block
 * of the quick cache is neither: it must be on the cache's list, and is
 * counted in *cached). */
static bool walk(const ctl_t *c, const uint8_t *from, const uint8_t *to, bool fixed, size_t *used_n,
                 size_t *used_b, size_t *free_n, size_t *free_b, size_t *pinned, size_t *cached)
{
    const uint8_t *p = from;
    bool prev_free = false, cursor_seen = fixed || c->cursor == to;
    while (p < to) {
        const blk_t *b = (const blk_t *)(const void *)p;
        size_t size;
        if ((size_t)(to - p) < MIN_BLOCK)
            return false;
        size = blk_size(b); /* a multiple of GRAN by construction */
        if (size < MIN_BLOCK || size > (size_t)(to - p))
            return false;
        if (((b->szf & F_FIXED) != 0) != fixed)
            return false;
        if (blk_has(b, F_PREV_FREE) != prev_free)
            return false;
        if (blk_has(b, F_FREE)) {
            const size_t *foot = (const size_t *)(const void *)(p + size - sizeof(size_t));
            if (prev_free || bm_test(c, b) || *foot != size)
                return false;
            /* Without pins no hole lies below the cursor (compact.c's full
             * compaction relies on it). */
            if (!fixed && c->pinned == 0 && p < c->cursor)
                return false;
            (*free_n)++;
            *free_b += size;
        } else if (!bm_test(c, b)) {
            if (fixed || !on_quick_list(c, b)) /* (proven plain, of its size, by quick_ok()) */
                return false;
            (*cached)++;
        } else {
            if (!fixed && b->owner != NULL) {
                /* An owner inside the buffer must point back at its block;
                 * one outside is the caller's variable and is not read.
                 * Aligned, it lies wholly below hi (a multiple of GRAN,
                 * itself a multiple of the pointer size). */
                const uint8_t *o = (const uint8_t *)b->owner;
                if (((uintptr_t)o & (sizeof(void *) - 1)) != 0)
                    return false;
                if (o >= c->lo && o < c->hi && *b->owner != blk_payload(b))
                    return false;
            }
            if (blk_has(b, F_PINNED))
                (*pinned)++;
            if (blk_has(b, F_MOD) && !trailer_ok(c, b))
                return false;
            if (blk_has(b, F_SYS)) { /* the module registry or the fixed index */
                if (!fixed || ((uint8_t *)blk_payload(b) != (const uint8_t *)c->mods &&
                               (uint8_t *)blk_payload(b) != (const uint8_t *)c->fidx))
                    return false;
            } else {
                (*used_n)++;
                *used_b += size;
            }
        }
        prev_free = blk_has(b, F_FREE);
        cursor_seen |= p == c->cursor;
        p += size;
    }
    /* The loop ended at to exactly (no block reaches past it).  A free
     * block never touches the gap (above the relocatable region, below the
     * fixed one); the cursor is a block start. */
    if (fixed && to > from && blk_has((const blk_t *)(const void *)from, F_FREE))
        return false;
    return (fixed || !prev_free) && cursor_seen;
}

/* Every block on the lists of x is free, inside [from, to), linked both
 * ways, on the list of its class. */
static bool check_index(const ctl_t *c, const freeidx_t *x, const uint8_t *from, const uint8_t *to, size_t *n,
                        size_t *bytes)
{
    unsigned i;
    const uint8_t *base = (const uint8_t *)c;
    link_t nil = (link_t)((const uint8_t *)&x->nil - base);
    bool fixed = x != &c->ridx;
    *n = 0;
    *bytes = 0;
    for (i = 0; i < x->lists; i++) {
        link_t o = x->heads[i], link = (link_t)((const uint8_t *)&x->heads[i] - base);
        bool nonempty = o != nil;
        if (nonempty != (((x->cl_bitmap[i / CL_BITS] >> (i % CL_BITS)) & 1u) != 0))
            return false;
        for (; o != nil; link = o + (link_t)offsetof(fblk_t, next), o = ((const fblk_t *)(const void *)(base + o))->next) {
            const uint8_t *p = base + o;
            const fblk_t *f = (const fblk_t *)(const void *)p;
            /* Proven inside the region, whole, before a field is read. */
            if (p < from || p >= to || (size_t)(to - p) < MIN_BLOCK || ((uintptr_t)(p - from) & (GRAN - 1)) != 0)
                return false;
            if (!blk_has((const blk_t *)(const void *)f, F_FREE) || f->pprev != link ||
                blk_size((const blk_t *)(const void *)f) > (size_t)(to - p) ||
                class_of(blk_size((const blk_t *)(const void *)f) >> G_LOG2, fixed) != i)
                return false;
            /* A cycle must also pass the pprev test above (the first block
             * seen twice would need two predecessors): not seen in tests;
             * this bound keeps the walk finite whatever the damage. */
            if (++*n > (size_t)(to - from) / MIN_BLOCK)
                return false;
            *bytes += blk_size((const blk_t *)(const void *)f);
        }
    }
    for (; i < CL_WORDS * CL_BITS; i++) /* no class beyond the arena's */
        if (((x->cl_bitmap[i / CL_BITS] >> (i % CL_BITS)) & 1u) != 0)
            return false;
    return *bytes == x->bytes;
}

/* Each module's list holds exactly its blocks, linked both ways, and its
 * figures match them. */
static bool modules_ok(const ctl_t *c)
{
    unsigned i;
    size_t limit = (size_t)(c->hi - c->lo) / MIN_BLOCK;
    for (i = 0; i < c->mod_cap; i++) {
        const modrec_t *r = &c->mods[i];
        uint32_t off = r->head, prev = 0;
        size_t n = 0, bytes = 0;
        if (r->name[0] == '\0') {
            if (off != 0)
                return false;
            continue;
        }
        while (off != 0) {
            const blk_t *b;
            /* n > limit is not reached in tests (the walk and the bitmap
             * count passed, and a cycle fails the prev test): kept as a
             * bound on the walk whatever the damage. */
            if (off - 1u >= (size_t)(c->hi - c->lo) >> G_LOG2 || ++n > limit)
                return false;
            b = blk_from_off(c, off);
            if (!bm_test(c, b) || !blk_has(b, F_MOD) || blk_trailer(b)->module != i + 1u ||
                blk_trailer(b)->prev != prev)
                return false;
            bytes += blk_size(b);
            prev = off;
            off = blk_trailer(b)->next;
        }
        if (n != r->blocks || bytes != r->bytes || r->peak < bytes)
            return false;
    }
    return true;
}

#if DALLOC_GUARDS > 0
/* The first user block of [from, to) (a region already checked) whose
 * guard bytes are damaged, or NULL. */
static const blk_t *damaged_guard(const uint8_t *from, const uint8_t *to)
{
    const uint8_t *p;
    for (p = from; p < to; p += blk_size((const blk_t *)(const void *)p)) {
        const blk_t *b = (const blk_t *)(const void *)p;
        if (!blk_has(b, F_FREE | F_SYS) && !dalloc__guard_intact(b))
            return b;
    }
    return NULL;
}
#endif

/* The check of a locked heap: DALLOC_OK, DALLOC_E_CORRUPT, or with guards
 * DALLOC_E_GUARD with *bad set to the first damaged block. */
static dalloc_status_t check_locked(const dalloc_heap_t *h, const blk_t **bad)
{
    const ctl_t *c = h->ctl;
    size_t used_n = 0, used_b = 0, free_n = 0, free_b = 0, pinned = 0, cached = 0, n, bytes, i, marks = 0, words;
    *bad = NULL;
    if ((uint8_t *)c < h->mem || (uint8_t *)(c + 1) > h->mem + h->total_size)
        return DALLOC_E_CORRUPT;
    if (!(c->lo < c->hi && c->lo <= c->rtop && c->rtop <= c->fbot && c->fbot <= c->hi) ||
        c->lo < h->mem || c->hi > h->mem + h->total_size || c->cursor < c->lo)
        return DALLOC_E_CORRUPT;
    /* The tables the walk follows lie between the control block and lo,
     * or in F_SYS blocks of the fixed region; the fixed region has an
     * index exactly when it holds blocks, topmost. */
    if ((const uint8_t *)c->bitmap < (const uint8_t *)(c + 1) || (const uint8_t *)c->bitmap >= c->lo ||
        (const uint8_t *)c->ridx.heads < (const uint8_t *)(c + 1) || (const uint8_t *)c->ridx.heads >= c->lo ||
        c->ridx.lists > LISTS_MAX || (c->fidx == NULL) != (c->fbot == c->hi) ||
        (c->fidx != NULL && ((const uint8_t *)c->fidx < c->fbot || (const uint8_t *)c->fidx >= c->hi ||
                             c->fidx->lists != dalloc__idx_lists((size_t)(c->hi - c->lo), true) ||
                             (const void *)c->fidx->heads != c->fidx + 1 ||
                             blk_end(blk_of(c->fidx)) != c->hi)) ||
        (c->mods != NULL && ((const uint8_t *)c->mods < c->fbot || (const uint8_t *)c->mods >= c->hi)))
        return DALLOC_E_CORRUPT;
    if (!quick_ok(c) || !walk(c, c->lo, c->rtop, false, &used_n, &used_b, &free_n, &free_b, &pinned, &cached) ||
        !walk(c, c->fbot, c->hi, true, &used_n, &used_b, &free_n, &free_b, &pinned, &cached) || cached != c->qcount ||
        !check_index(c, &c->ridx, c->lo, c->rtop, &n, &bytes) ||
        (c->fidx != NULL && !check_index(c, c->fidx, c->fbot, c->hi, &i, &bytes)) ||
        n + (c->fidx != NULL ? i : 0) != free_n ||
        c->ridx.bytes + (c->fidx != NULL ? c->fidx->bytes : 0) != free_b ||
        used_n != h->alloc_info.allocations_num || used_b != h->offset || pinned != c->pinned)
        return DALLOC_E_CORRUPT;
    /* No bit set anywhere but at a used header (counted by the walk). */
    words = (((size_t)(c->hi - c->lo) >> G_LOG2) + 31u) / 32u;
    for (i = 0; i < words; i++) {
        uint32_t w = c->bitmap[i];
        for (; w != 0; w &= w - 1)
            marks++;
    }
    if (marks != used_n + (c->mods != NULL) + (c->fidx != NULL) || !modules_ok(c))
        return DALLOC_E_CORRUPT;
#if DALLOC_GUARDS > 0
    *bad = damaged_guard(c->lo, c->rtop);
    if (*bad == NULL)
        *bad = damaged_guard(c->fbot, c->hi);
    if (*bad != NULL)
        return DALLOC_E_GUARD;
#endif
    return DALLOC_OK;
}

/* Tell the error hook about what check_locked() found. */
static void report_check(const dalloc_heap_t *h, dalloc_status_t st, const char *call, const blk_t *bad)
{
    if (bad != NULL)
        dalloc__report(h, st, call, blk_payload(bad), dalloc__user_size(bad),
                       blk_has(bad, F_MOD) ? (dalloc_module_t)blk_trailer(bad)->module : DALLOC_NO_MODULE);
    else
        dalloc__report(h, st, call, NULL, 0, DALLOC_NO_MODULE);
}

dalloc_status_t dalloc_check(const dalloc_heap_t *h)
{
    const blk_t *bad;
    dalloc_status_t st;
    const ctl_t *c = heap_ctl(h);
    if (c == NULL)
        return DALLOC_E_HEAP;
    bad = NULL;
    /* The lock lives in the control block: prove it is inside the buffer
     * before taking it. */
    if ((const uint8_t *)c < h->mem || (const uint8_t *)(c + 1) > h->mem + h->total_size) {
        st = DALLOC_E_CORRUPT;
    } else {
        /* Read only: the quick cache is checked as it is, not merged. */
        HEAP_LOCK_FAST((dalloc_heap_t *)(uintptr_t)h);
        st = check_locked(h, &bad);
        HEAP_UNLOCK((dalloc_heap_t *)(uintptr_t)h);
    }
    if (st != DALLOC_OK)
        report_check(h, st, "dalloc_check", bad);
    return st;
}

#if DALLOC_DEBUG_CHECKS
void dalloc__debug_check(dalloc_heap_t *h, const char *call)
{
    const blk_t *bad;
    dalloc_status_t st = check_locked(h, &bad);
    if (st != DALLOC_OK)
        report_check(h, st, call != NULL ? call : "dalloc_check", bad);
}
#endif
