/*
 * fixed_fast.h - the common paths of fixed-block allocation and free,
 * inline, for speed builds: fixed.c's public calls begin with them, and
 * the dmheap layer (dmheap.c) runs them itself, so that dmheap_malloc()
 * and dmheap_free() cost no call more than dalloc_malloc() and
 * dalloc_fixed_free().  Both run with the heap locked (HEAP_LOCK_FAST:
 * fixed blocks never meet the quick cache); whatever they do not take
 * (NULL, false) goes down fixed.c's general path, which begins with the
 * same search, so both place a block alike.
 */
#ifndef DALLOC_FIXED_FAST_H
#define DALLOC_FIXED_FAST_H

#include "space.h"

#ifndef __OPTIMIZE_SIZE__
/* Granule alignment, and a hole of the fixed region certain to fit; in a
 * module, one whose quota (if any) admits the largest block such a hole
 * can give (the request and a remainder too small to split; the general
 * path admits a block by its exact size). */
static HOT_INLINE void *dalloc__fixed_fast_alloc(dalloc_heap_t *h, size_t n, size_t align, dalloc_module_t id)
{
    ctl_t *c = h->ctl;
    size_t size = blk_size_for(n, id != DALLOC_NO_MODULE);
    blk_t *b;
    if (c->fidx == NULL || align > GRAN || (align & (align - 1)) != 0 || n == 0 || size == 0 ||
        (id != DALLOC_NO_MODULE && core_mod_admit(c, id, size + MIN_BLOCK - GRAN) != DALLOC_OK))
        return NULL;
#if DALLOC_MAX_ALLOCATIONS > 0
    if (h->alloc_info.allocations_num >= (uint32_t)DALLOC_MAX_ALLOCATIONS)
        return NULL;
#endif
    b = fit(c, c->fidx, size, true);
    if (b == NULL)
        return NULL;
    (void)use_hole_in(c, c->fidx, b, size, true);
    blk_set_align_log2(b, G_LOG2);
    if (id != DALLOC_NO_MODULE) {
        blk_set(b, F_MOD);
        dalloc__mod_link(c, b, id);
    }
    heap_count_alloc(h, blk_size(b));
    dalloc__ev_live(h, b, n, true);
    return blk_payload(b);
}

/* The whole common case of public call `call` allocating on initialised
 * heap h without a module: lock, the path above, leave; NULL (the heap
 * unlocked again, nothing done) when it does not apply. */
static HOT_INLINE void *dalloc__fixed_fast_call(dalloc_heap_t *h, size_t n, size_t align, const char *call)
{
    void *p;
    HEAP_LOCK_FAST(h);
    p = dalloc__fixed_fast_alloc(h, n, align, DALLOC_NO_MODULE);
    if (p != NULL)
        (void)dalloc__heap_leave(h, DALLOC_OK, call, NULL, n);
    else
        HEAP_UNLOCK(h);
    return p;
}

/* Free p when it is a user fixed block holding no owners; false (nothing
 * done) otherwise. */
static HOT_INLINE bool dalloc__fixed_fast_free(dalloc_heap_t *h, void *p)
{
    ctl_t *c = h->ctl;
    blk_t *b = block_at(c, p);
    if (b == NULL || (blk_flags(b) & (F_FIXED | F_SYS | F_SLOTS)) != F_FIXED)
        return false;
    (void)dalloc__ev_dead(h, b);
    if (blk_has(b, F_MOD)) /* before zeroing: the trailer holds its links */
        dalloc__mod_unlink(c, b);
    forget_block(h, b, blk_size(b));
    (void)release_in(c, b, true);
    if ((uint8_t *)blk_of(c->fidx) == c->fbot)
        dalloc__idx_fixed_released(c); /* that was the region's last block */
    return true;
}
#endif

#endif /* DALLOC_FIXED_FAST_H */
