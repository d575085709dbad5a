/*
 * alloc.c - relocatable blocks: allocate, free, resize, hand over, validate,
 * pin, and the quick cache of blocks just freed.  Every entry point
 * validates its arguments before it changes anything, so a refused call
 * leaves the heap as it was (it may merge the quick cache's blocks into free
 * space first, as any call but the common paths does: that changes no
 * block, no figure and no answer).
 */
#include "space.h"

/* The alloc and free paths inline the free-space code when built for
 * speed; -Os builds call the shared out-of-line copies. */
#ifdef __OPTIMIZE_SIZE__
#define RELEASE_RELOC dalloc__space_release
#define BLOCK_AT dalloc__used_block_at
#else
#define RELEASE_RELOC(c, b) release_in(c, b, false)
#define BLOCK_AT block_at
#endif

const mod_ops_t *dalloc__mod_ops;

static bool owner_aligned(void **owner)
{
    return ((uintptr_t)owner & (sizeof(void *) - 1)) == 0;
}

static inline blk_t *find_by_value(ctl_t *c, void *p)
{
    return BLOCK_AT(c, p);
}

/* The live relocatable block registered at owner, or NULL. */
static inline blk_t *find_by_owner(ctl_t *c, void **owner)
{
    blk_t *b;
    if (owner == NULL || !owner_aligned(owner))
        return NULL;
    b = BLOCK_AT(c, *owner);
    if (b == NULL || blk_has(b, F_FIXED) || b->owner != owner)
        return NULL;
    return b;
}

/* Free bytes relocatable blocks could use after a full compaction (pinned
 * blocks aside): the holes of their region plus the gap. */
static size_t reloc_free(const ctl_t *c)
{
    return c->ridx.bytes + (size_t)(c->fbot - c->rtop);
}

/* Will a full compaction leave a free run of size bytes?  Decided before
 * compacting, so a request that would be refused anyway moves nothing. */
static bool compaction_fits(const ctl_t *c, size_t size)
{
    return c->policy != DALLOC_COMPACT_MANUAL && dalloc__compact_largest(c, NULL) >= size;
}

/* Is b the last used block of the relocatable region (nothing used above)? */
static bool last_used(const ctl_t *c, const blk_t *b)
{
    const uint8_t *p;
    for (p = blk_end(b); p < c->rtop; p += blk_size((const blk_t *)(const void *)p))
        if (!blk_has((const blk_t *)(const void *)p, F_FREE))
            return false;
    return true;
}

/* Compact everything, keeping *owner right when it lies in a moving block. */
static void compact_keeping(dalloc_heap_t *h, void ***owner)
{
    ctl_t *c = h->ctl;
    c->track = (uint8_t *)*owner;
    dalloc__compact_all(h);
    *owner = (void **)(void *)c->track;
    c->track = NULL;
}

/* A new relocatable block of size bytes; compacts when the policy allows and
 * compaction is sure to make room (then the take cannot fail).  *owner is
 * updated if compaction moved it. */
static blk_t *take_block(dalloc_heap_t *h, size_t size, void ***owner)
{
    ctl_t *c = h->ctl;
    blk_t *b = dalloc__space_take_reloc(c, size);
    if (b == NULL && compaction_fits(c, size)) {
        compact_keeping(h, owner);
        b = dalloc__space_take_reloc(c, size);
    }
    return b;
}

static dalloc_status_t alloc_locked(dalloc_heap_t *h, size_t n, void **owner, dalloc_module_t id)
{
    ctl_t *c = h->ctl;
    size_t size = blk_size_for(n, id != DALLOC_NO_MODULE);
    dalloc_status_t st;
    blk_t *b;

    /* An owner in the heap must be a word of a block's user bytes: not
     * even NULL is written anywhere else. */
    if (!owner_aligned(owner) || (in_arena(c, owner) && dalloc__slot_container(c, owner) == NULL) ||
        (*owner != NULL && find_by_owner(c, owner) != NULL))
        return DALLOC_E_OWNER; /* unusable, or it already owns a live block: keep it */
    if (n == 0 || size == 0) {
        st = n == 0 ? DALLOC_E_ARG : DALLOC_E_SIZE;
        goto refuse;
    }
    if ((st = core_mod_admit(c, id, size)) != DALLOC_OK)
        goto refuse;
#if DALLOC_MAX_ALLOCATIONS > 0
    st = DALLOC_E_LIMIT;
    if (h->alloc_info.allocations_num >= (uint32_t)DALLOC_MAX_ALLOCATIONS)
        goto refuse;
#endif
    st = DALLOC_E_NOMEM;
    b = take_block(h, size, &owner);
    if (b == NULL) {
        c->refusals++;
        goto refuse;
    }
    /* A hole too small to split is taken whole: the quota sees that size. */
    if (id != DALLOC_NO_MODULE && blk_size(b) != size && (st = core_mod_admit(c, id, blk_size(b))) != DALLOC_OK) {
        (void)dalloc__space_release(c, b);
        goto refuse;
    }
    /* Flag the container again: a compaction above may have moved it and
     * dropped a flag set while the slot held no block yet. */
    if (in_arena(c, owner))
        (void)dalloc__mark_container(c, owner, NULL);
    b->owner = owner;
    *owner = blk_payload(b);
    if (id != DALLOC_NO_MODULE) {
        blk_set(b, F_MOD);
        dalloc__mod_ops->link(c, b, id);
    }
    heap_count_alloc(h, blk_size(b));
    dalloc__ev_live(h, b, n, true);
    return DALLOC_OK;
refuse:
    *owner = NULL;
    return st;
}

#if DALLOC_QUICK
/* ---- the quick cache (heap_internal.h) ------------------------------------
 * Its table has QUICK_BINS heads (offsets from the control block, 0 for
 * none), one per block size; a cached block links to the next of its size
 * where a free block keeps its next link.  Invariants: qbins is NULL or
 * points into the gap, below fbot and above rtop, where nothing else is
 * written; qcount blocks are on its lists, each a used-looking plain block
 * (flags at most F_PREV_FREE) whose bitmap bit is clear; qcount is 0
 * while qbins is NULL. */
static inline size_t quick_bin(size_t size) { return (size - MIN_BLOCK) >> G_LOG2; }

/* Put the table at the top of the gap, if the gap holds it twice over (so
 * that some room stays to allocate from); false if not. */
static bool quick_open(ctl_t *c)
{
    if ((size_t)(c->fbot - c->rtop) < 2 * QUICK_TABLE)
        return false;
    c->qbins = (link_t *)(void *)(c->fbot - QUICK_TABLE); /* fbot is granule-aligned */
    memset(c->qbins, 0, QUICK_TABLE);
    return true;
}

/* Cache plain used block b, which dalloc_free() frees: zeroed and counted
 * free as any freed block, off the bitmap; false when b is not for the
 * cache (no bin for its size, cache full, no room for the table, or the
 * heap under memcheck). */
static HOT_INLINE bool quick_put(dalloc_heap_t *h, blk_t *b)
{
    ctl_t *c = h->ctl;
    size_t size = blk_size(b), k = quick_bin(size);
    fblk_t *f = (fblk_t *)(void *)b;
#if DALLOC_VALGRIND
    if (c->vg_on)
        return false;
#endif
    if (k >= QUICK_BINS || c->qcount >= QUICK_CAP || (c->qbins == NULL && !quick_open(c)))
        return false;
    forget_block(h, b, size);
    bm_clear(c, b);
    f->next = c->qbins[k];
    c->qbins[k] = fb_off(c, f);
    c->qcount++;
    return true;
}

/* A cached block of exactly size bytes, back on the bitmap, or NULL. */
static HOT_INLINE blk_t *quick_take(ctl_t *c, size_t size)
{
    size_t k = quick_bin(size);
    link_t o;
    fblk_t *f;
    if (c->qbins == NULL || k >= QUICK_BINS || (o = c->qbins[k]) == 0)
        return NULL;
    f = fb_at(c, o);
    c->qbins[k] = f->next;
    c->qcount--;
    bm_set(c, f);
    return (blk_t *)(void *)f;
}

void dalloc__quick_flush(ctl_t *c)
{
    size_t k;
    for (k = 0; k < QUICK_BINS && c->qcount != 0; k++)
        while (c->qbins[k] != 0) {
            fblk_t *f = fb_at(c, c->qbins[k]);
            c->qbins[k] = f->next;
            c->qcount--;
            (void)RELEASE_RELOC(c, (blk_t *)(void *)f); /* its bitmap bit is clear already */
        }
    c->qbins = NULL; /* its heads are all 0 again: the gap is as it was */
}
#define ENTER_FAST heap_enter_fast
#else
#define ENTER_FAST dalloc__heap_enter
#endif

#ifndef __OPTIMIZE_SIZE__
/* The common case, inlined when optimising for speed: no module, an owner
 * outside the heap holding no block, and a cached block of the size, a
 * hole or the gap that fits.  false sends the request down alloc_locked(),
 * which begins with the same search, so both place a block alike. */
static HOT_INLINE bool fast_alloc(dalloc_heap_t *h, size_t n, void **owner)
{
    ctl_t *c = h->ctl;
    size_t size = blk_size_for(n, 0);
    blk_t *b = NULL;
    if (!owner_aligned(owner) || *owner != NULL || in_arena(c, owner) || n == 0 || size == 0)
        return false;
#if DALLOC_MAX_ALLOCATIONS > 0
    if (h->alloc_info.allocations_num >= (uint32_t)DALLOC_MAX_ALLOCATIONS)
        return false;
#endif
#if DALLOC_QUICK
    b = quick_take(c, size);
#endif
    if (b == NULL)
        b = take_reloc(c, size);
    if (b == NULL)
        return false;
    b->owner = owner;
    *owner = blk_payload(b);
    heap_count_alloc(h, blk_size(b));
    dalloc__ev_live(h, b, n, true);
    return true;
}
#endif

/* The entry of dalloc_alloc() and dalloc_alloc_in() (named call). */
static inline dalloc_status_t alloc_entry(dalloc_heap_t *h, size_t n, void **owner, dalloc_module_t id,
                                          const char *call)
{
    dalloc_status_t st = ENTER_FAST(h, owner != NULL);
    if (st != DALLOC_OK) {
        if (owner != NULL) /* on DALLOC_E_HEAP */
            *owner = NULL;
        return dalloc__refuse(h, st, call, owner, n);
    }
#ifndef __OPTIMIZE_SIZE__
    if (id == DALLOC_NO_MODULE && fast_alloc(h, n, owner))
        return dalloc__heap_leave(h, DALLOC_OK, call, owner, n);
#endif
    QUICK_FLUSH(h->ctl);
    return dalloc__heap_leave(h, alloc_locked(h, n, owner, id), call, owner, n);
}

dalloc_status_t dalloc_alloc_in(dalloc_heap_t *h, size_t n, void **owner, dalloc_module_t id)
{
    return alloc_entry(h, n, owner, id, "dalloc_alloc_in");
}

dalloc_status_t dalloc_alloc(dalloc_heap_t *h, size_t n, void **owner)
{
    return alloc_entry(h, n, owner, DALLOC_NO_MODULE, "dalloc_alloc");
}

/* Clear the registered variable of b if it still holds b. */
static void clear_owner(blk_t *b)
{
    if (b->owner != NULL && *b->owner == blk_payload(b))
        *b->owner = NULL;
}

/* Account, zero and release used block b (not fixed: fixed.c frees its
 * own through dalloc__block_free()). */
static HOT_INLINE void free_reloc(dalloc_heap_t *h, blk_t *b)
{
    ctl_t *c = h->ctl;
    size_t size = blk_size(b);
    if (blk_has(b, F_PINNED | F_MOD)) {
        if (blk_has(b, F_PINNED))
            c->pinned--;
        if (blk_has(b, F_MOD))
            dalloc__mod_ops->unlink(c, b);
    }
    forget_block(h, b, size);
    (void)RELEASE_RELOC(c, b);
}

void dalloc__block_free(dalloc_heap_t *h, blk_t *b)
{
    ctl_t *c = h->ctl;
    size_t size = blk_size(b);
    if (!blk_has(b, F_FIXED)) {
        free_reloc(h, b);
        return;
    }
    if (blk_has(b, F_MOD))
        dalloc__mod_ops->unlink(c, b);
    forget_block(h, b, size);
    (void)dalloc__space_release(c, b);
    dalloc__idx_fixed_released(c);
}

static dalloc_status_t free_locked(dalloc_heap_t *h, void **ptr, validate_ptr_condition_t cond)
{
    ctl_t *c = h->ctl;
    blk_t *b;

    if (cond == USING_PTR_ADDRESS) {
        b = find_by_owner(c, ptr);
    } else if (cond == USING_PTR_VALUE) {
        b = find_by_value(c, *ptr);
        if (b != NULL && blk_has(b, F_FIXED))
            b = NULL;
    } else {
        return DALLOC_E_ARG;
    }
    if (b == NULL)
        return DALLOC_E_NOTBLOCK;
    if (blk_has(b, F_SLOTS) && dalloc__has_dependents(c, b, 0))
        return DALLOC_E_BUSY;
    if (cond == USING_PTR_VALUE)
        clear_owner(b);
    *ptr = NULL; /* for USING_PTR_ADDRESS, the registered owner itself */
    (void)dalloc__ev_dead(h, b);
    free_reloc(h, b);
    if (c->policy == DALLOC_COMPACT_ON_FREE) 
        dalloc__compact_all(h);

    return DALLOC_OK;
}

dalloc_status_t dalloc_free(dalloc_heap_t *h, void **ptr, validate_ptr_condition_t cond)
{
    dalloc_status_t st = ENTER_FAST(h, ptr != NULL);
    if (st != DALLOC_OK)
        return dalloc__refuse(h, st, "dalloc_free", ptr, 0);
#if DALLOC_QUICK
    /* The common case: a plain block freed through its owner, under a
     * policy that does not compact on free, goes to the quick cache, or,
     * when it is not for the cache, back to free space as usual (which a
     * cached neighbour does not disturb: to it, that is a used block). */
    if (cond == USING_PTR_ADDRESS && h->ctl->policy != DALLOC_COMPACT_ON_FREE) {
        blk_t *b = find_by_owner(h->ctl, ptr);
        if (b != NULL && (blk_flags(b) & ~(size_t)F_PREV_FREE) == 0) {
            *ptr = NULL; /* first: the owner may lie in b itself */
            (void)dalloc__ev_dead(h, b);
            if (!quick_put(h, b))
                free_reloc(h, b);
            return dalloc__heap_leave(h, DALLOC_OK, "dalloc_free", ptr, 0);
        }
    }
    QUICK_FLUSH(h->ctl);
#endif
    return dalloc__heap_leave(h, free_locked(h, ptr, cond), "dalloc_free", ptr, 0);
}

/* Resize b in place (trailer kept at the end); false when it cannot grow. */
dalloc_status_t dalloc__block_admit(const ctl_t *c, const blk_t *b, size_t size)
{
    if (!blk_has(b, F_MOD) || size <= blk_size(b))
        return DALLOC_OK;
    return core_mod_admit(c, (dalloc_module_t)blk_trailer(b)->module, size - blk_size(b));
}

dalloc_status_t dalloc__block_resize(dalloc_heap_t *h, blk_t *b, size_t size)
{
    ctl_t *c = h->ctl;
    size_t old = blk_size(b), grown = size;
    mtrail_t t = {0, 0, 0, 0};
    dalloc_status_t st;
    if (size > old) {
        grown = dalloc__space_grown_size(c, b, size);
        if (grown == 0)
            return DALLOC_E_NOMEM;
        if ((st = dalloc__block_admit(c, b, grown)) != DALLOC_OK)
            return st;
    }
    if (blk_has(b, F_MOD))
        t = *blk_trailer(b);
    if (size <= old) {
        dalloc__ev_shrinking(h, b, size);
        dalloc__space_trim(c, b, size);
    } else {
        dalloc__space_grow_in_place(c, b, size);
    }
    if (blk_has(b, F_MOD)) {
        *blk_trailer(b) = t;
        dalloc__mod_ops->resized(c, b, old);
    }
    heap_count_free(h, old);
    heap_count_alloc(h, blk_size(b));
    return DALLOC_OK;
}

/* Move the block owned by *owner* to a new block of size bytes (hole, gap,
 * or after compacting), or grow it after a compaction that leaves it last. */
static dalloc_status_t realloc_move(dalloc_heap_t *h, size_t size, void **owner, blk_t **out)
{
    ctl_t *c = h->ctl;
    size_t old = blk_size(find_by_owner(c, owner));
    blk_t *nb = take_block(h, size, &owner), *b = find_by_owner(c, owner); /* it may have compacted */

    if (nb == NULL) {
        /* No room for a copy even after compacting (nothing moved).  But
         * without pins compaction gathers all free space above the last
         * used block: when that is b, it can grow there. */
        if (c->pinned != 0 || c->policy == DALLOC_COMPACT_MANUAL || reloc_free(c) < size - old ||
            !last_used(c, b)) {
            c->refusals++;
            return DALLOC_E_NOMEM;
        }
        compact_keeping(h, &owner);
        *out = find_by_owner(c, owner);
        return dalloc__block_resize(h, *out, size);
    }
    /* A hole too small to split is taken whole: the quota sees that size. */
    if (dalloc__block_admit(c, b, blk_size(nb)) != DALLOC_OK) {
        (void)dalloc__space_release(c, nb);
        return DALLOC_E_QUOTA;
    }
    /* b's header stays intact at its old place: nb is disjoint from it. */
    size = blk_size(nb);
    dalloc__move_block(h, b, (uint8_t *)nb);
    blk_set_size(nb, size);
    blk_clear(nb, F_PREV_FREE);
    if (blk_has(nb, F_MOD)) {
        /* The trailer came along at the old size's end; put it at the end. */
        mtrail_t t = *(mtrail_t *)(void *)((uint8_t *)nb + old - MT);
        *blk_trailer(nb) = t;
        dalloc__mod_ops->resized(c, nb, old);
    }
    heap_count_alloc(h, size);
    /* The old place is freed as a plain block: its owners and module
     * membership went with the move (b is not pinned: refused earlier). */
    blk_clear(b, F_SLOTS | F_MOD);
    free_reloc(h, b);
    *out = nb;
    return DALLOC_OK;
}

static dalloc_status_t realloc_locked(dalloc_heap_t *h, size_t n, void **owner)
{
    ctl_t *c = h->ctl;
    size_t size;
    dalloc_status_t st;
    blk_t *b;

    if (!owner_aligned(owner))
        return DALLOC_E_OWNER; /* not even read */
    if (*owner == NULL)
        return alloc_locked(h, n, owner, DALLOC_NO_MODULE);
    b = find_by_owner(c, owner);
    if (b == NULL)
        return DALLOC_E_NOTBLOCK;
    if (n == 0)
        return DALLOC_E_ARG;
#if DALLOC_GUARDS > 0
    (void)dalloc__guard_verify(h, b, "dalloc_realloc"); /* told, then rewritten */
#endif
    size = blk_size_for(n, blk_has(b, F_MOD)); /* a former trailer's room (F_SPARE) is not kept */
    if (size == 0)
        return DALLOC_E_SIZE;
    if ((st = dalloc__block_admit(c, b, size)) != DALLOC_OK)
        return st;
    if (blk_has(b, F_SLOTS) && n < blk_usable(b) && dalloc__has_dependents(c, b, n))
        return DALLOC_E_BUSY; /* the cut would free a registered owner */
    st = dalloc__block_resize(h, b, size);
    if (st == DALLOC_E_NOMEM)
        st = blk_has(b, F_PINNED) ? DALLOC_E_PINNED : realloc_move(h, size, owner, &b);
    if (st == DALLOC_OK) { /* b: where the block is now, sized for n */
        blk_clear(b, F_SPARE);
        dalloc__ev_live(h, b, n, false);
    }
    return st;
}

dalloc_status_t dalloc_realloc(dalloc_heap_t *h, size_t n, void **owner)
{
    dalloc_status_t st = dalloc__heap_enter(h, owner != NULL);
    if (st != DALLOC_OK)
        return dalloc__refuse(h, st, "dalloc_realloc", owner, n);
    return dalloc__heap_leave(h, realloc_locked(h, n, owner), "dalloc_realloc", owner, n);
}

static dalloc_status_t replace_locked(dalloc_heap_t *h, void **old_owner, void **new_owner)
{
    ctl_t *c = h->ctl;
    blk_t *b = find_by_owner(c, old_owner);
    if (b == NULL)
        return DALLOC_E_NOTBLOCK;
    if (new_owner == old_owner)
        return DALLOC_OK;
    if (!owner_aligned(new_owner) || find_by_owner(c, new_owner) != NULL)
        return DALLOC_E_OWNER;
    if (in_arena(c, new_owner) && !dalloc__mark_container(c, new_owner, b))
        return DALLOC_E_OWNER;
    *new_owner = blk_payload(b);
    *old_owner = NULL;
    b->owner = new_owner;
    return DALLOC_OK;
}

dalloc_status_t dalloc_replace(dalloc_heap_t *h, void **old_owner, void **new_owner)
{
    dalloc_status_t st = dalloc__heap_enter(h, old_owner != NULL && new_owner != NULL);
    if (st != DALLOC_OK)
        return dalloc__refuse(h, st, "dalloc_replace", old_owner, 0);
    return dalloc__heap_leave(h, replace_locked(h, old_owner, new_owner), "dalloc_replace", old_owner, 0);
}

dalloc_status_t dalloc_validate(dalloc_heap_t *h, void **ptr, validate_ptr_condition_t cond, uint32_t *index)
{
    ctl_t *c = heap_ctl(h);
    blk_t *b = NULL;
    /* A query: it reads the bitmap, on which cached blocks are not. */
    dalloc_status_t st = ENTER_FAST(h, ptr != NULL && (cond == USING_PTR_ADDRESS || cond == USING_PTR_VALUE));
    if (st != DALLOC_OK)
        return dalloc__refuse(h, st, "dalloc_validate", ptr, 0);
    if (cond == USING_PTR_ADDRESS) {
        b = find_by_owner(c, ptr);
    } else {
        b = find_by_value(c, *ptr);
        if (b != NULL && blk_has(b, F_FIXED))
            b = NULL;
    }
    if (b == NULL)
        return dalloc__heap_leave(h, DALLOC_E_NOTBLOCK, NULL, ptr, 0); /* an answer, not a refusal */
    if (index != NULL)
        *index = (uint32_t)bm_index(c, b);
    return dalloc__heap_leave(h, DALLOC_OK, NULL, ptr, 0);
}

static dalloc_status_t pin_locked(dalloc_heap_t *h, void **owner, bool pin)
{
    ctl_t *c = h->ctl;
    blk_t *b = find_by_owner(c, owner);
    if (b == NULL)
        return DALLOC_E_NOTBLOCK;
    if (pin && !blk_has(b, F_PINNED)) {
        blk_set(b, F_PINNED);
        c->pinned++;
    } else if (!pin && blk_has(b, F_PINNED)) {
        uint8_t *below = blk_has(b, F_PREV_FREE) ? (uint8_t *)blk_prev_free(b) : (uint8_t *)b;
        blk_clear(b, F_PINNED);
        c->pinned--;
        if (below < c->cursor) /* the hole it held can be closed again */
            c->cursor = below;
    }
    return DALLOC_OK;
}

static dalloc_status_t pin_call(dalloc_heap_t *h, void **owner, bool pin)
{
    const char *call = pin ? "dalloc_pin" : "dalloc_unpin";
    dalloc_status_t st = dalloc__heap_enter(h, owner != NULL);
    if (st != DALLOC_OK)
        return dalloc__refuse(h, st, call, owner, 0);
    return dalloc__heap_leave(h, pin_locked(h, owner, pin), call, owner, 0);
}

dalloc_status_t dalloc_pin(dalloc_heap_t *h, void **owner) { return pin_call(h, owner, true); }
dalloc_status_t dalloc_unpin(dalloc_heap_t *h, void **owner) { return pin_call(h, owner, false); }
