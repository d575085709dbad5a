/*
 * fixed.c - fixed blocks: ordinary pointers that never move.
 *
 * They are carved from the top of the heap downward (the fixed region) and
 * their holes have free lists of their own, so a fixed block never lands in
 * the relocatable region and never splits the space that compaction gathers
 * there.  When the gap between the regions is too small, the relocatable
 * region is compacted first (unless the policy is manual), which moves only
 * relocatable blocks.
 */
#include "fixed_fast.h"

/* A fixed block of exactly size bytes with its payload aligned to align,
 * from the top of the gap; slack above it becomes a free block. */
static blk_t *carve_from_gap(ctl_t *c, size_t size, size_t align)
{
    uint8_t *top = c->fbot, *p;
    size_t slack;
    blk_t *b;
    if ((size_t)(top - c->rtop) < size)
        return NULL;
    p = (uint8_t *)((((uintptr_t)(top - size) + HDR) & ~(uintptr_t)(align - 1)) - HDR);
    if (p < c->rtop)
        return NULL;
    b = (blk_t *)(void *)p;
    slack = (size_t)(top - p) - size;
    if (slack < MIN_BLOCK)
        size += slack;
    blk_init(b, size, F_FIXED);
    c->fbot = p;
    bm_set(c, b);
    if (slack >= MIN_BLOCK) {
        blk_t *s = blk_next(b);
        blk_init(s, slack, F_FIXED);
        (void)dalloc__space_release(c, s);
    }
    return b;
}

/* Take hole f (already off its list) for a used fixed block at b inside it,
 * returning the part below b to the free lists, and trim to size. */
static blk_t *use_hole(ctl_t *c, blk_t *f, uint8_t *at, size_t size)
{
    size_t hsize = blk_size(f), lead = (size_t)(at - (uint8_t *)f);
    blk_t *b = (blk_t *)(void *)at;
    uint8_t *end = (uint8_t *)f + hsize;
    if (lead != 0)
        dalloc__space_put_hole(c, c->fidx, f, lead, true);
    blk_init(b, hsize - lead, F_FIXED | (lead != 0 ? F_PREV_FREE : 0));
    if (end != c->hi)
        blk_clear((blk_t *)(void *)end, F_PREV_FREE);
    bm_set(c, b);
    dalloc__space_trim(c, b, size);
    return b;
}

static blk_t *take_hole(ctl_t *c, size_t size, size_t align)
{
    blk_t *f;
    uintptr_t pay;
    if (align <= GRAN) {
        f = dalloc__idx_take(c, c->fidx, size, 0);
        if (f == NULL)
            f = dalloc__idx_take(c, c->fidx, size, c->policy == DALLOC_COMPACT_MANUAL ? 1 : 2);
        return f != NULL ? use_hole(c, f, (uint8_t *)f, size) : NULL;
    }
    /* Room for the worst placement: a free lead block, then alignment. */
    if (size > BLK_MAX_SIZE - align - MIN_BLOCK)
        return NULL;
    f = dalloc__idx_take(c, c->fidx, size + align + MIN_BLOCK, 0);
    if (f == NULL)
        return NULL;
    pay = ROUND_UP((uintptr_t)f + HDR, align);
    if (pay - HDR != (uintptr_t)f)
        pay = ROUND_UP((uintptr_t)f + HDR + MIN_BLOCK, align);
    return use_hole(c, f, (uint8_t *)(pay - HDR), size);
}

/* carve_from_gap(), compacting the relocatable region first when the
 * policy allows and the free space compaction gathers next to the gap is
 * sure to hold need bytes (the block with room for any alignment, and
 * whatever else the request must carve after it), so a refusal never
 * moves relocatable blocks for nothing. */
static blk_t *carve(dalloc_heap_t *h, size_t size, size_t align, size_t need)
{
    ctl_t *c = h->ctl;
    blk_t *b = carve_from_gap(c, size, align);
    size_t top;
    if (b == NULL && c->policy != DALLOC_COMPACT_MANUAL && idx_has_holes(&c->ridx)) {
        (void)dalloc__compact_largest(c, &top);
        if (top >= need) {
            dalloc__compact_all(h);
            b = carve_from_gap(c, size, align);
        }
    }
    return b;
}

/* The fixed region's first block brings the region's free-list index: an
 * F_SYS block at the top of the region, which dalloc__idx_fixed_released() drops
 * with the region's last other block.  room: what the request needs below
 * it (a compaction made for the index must also make room for that). */
static bool make_index(dalloc_heap_t *h, size_t room)
{
    ctl_t *c = h->ctl;
    unsigned lists = dalloc__idx_lists((size_t)(c->hi - c->lo), true);
    size_t size = blk_size_for(sizeof(freeidx_t) + lists * sizeof(link_t), 0);
    blk_t *x = carve(h, size, GRAN, room > (size_t)-1 - size ? (size_t)-1 : size + room);
    if (x == NULL)
        return false;
    blk_set(x, F_SYS);
    blk_set_align_log2(x, G_LOG2);
    c->fidx = (freeidx_t *)blk_payload(x);
    dalloc__idx_init(c, c->fidx, (link_t *)(void *)(c->fidx + 1), lists);
    c->sys_bytes += (uint32_t)blk_size(x);
    return true;
}

blk_t *dalloc__fixed_take(dalloc_heap_t *h, size_t size, size_t align)
{
    ctl_t *c = h->ctl;
    blk_t *b;
    size_t need = size + (align - GRAN); /* a block aligned anywhere in the gap */
    if (c->fidx == NULL && !make_index(h, need))
        return NULL;
    b = take_hole(c, size, align);
    if (b == NULL)
        b = carve(h, size, align, need);
    if (b == NULL)
        dalloc__idx_fixed_released(c); /* drops an index made for this request */
    return b;
}

static dalloc_status_t alloc_locked(dalloc_heap_t *h, size_t n, size_t align, dalloc_module_t id, void **out)
{
    ctl_t *c = h->ctl;
    size_t size;
    dalloc_status_t st;
    blk_t *b;

    if (n == 0)
        return DALLOC_E_ARG;
    if (align == 0)
        align = GRAN;
    if ((align & (align - 1)) != 0 || align > h->total_size)
        return DALLOC_E_ARG;
    if (align < GRAN)
        align = GRAN;
    size = blk_size_for(n, id != DALLOC_NO_MODULE);
    if (size == 0)
        return DALLOC_E_SIZE;
    st = core_mod_admit(c, id, size);
    if (st != DALLOC_OK)
        return st;
#if DALLOC_MAX_ALLOCATIONS > 0
    if (h->alloc_info.allocations_num >= (uint32_t)DALLOC_MAX_ALLOCATIONS)
        return DALLOC_E_LIMIT;
#endif
    b = dalloc__fixed_take(h, size, align);
    if (b == NULL) {
        c->refusals++;
        return DALLOC_E_NOMEM;
    }
    /* A hole too small to split is taken whole: the quota sees that size. */
    if (blk_size(b) != size && (st = core_mod_admit(c, id, blk_size(b))) != DALLOC_OK) {
        blk_set(b, F_FIXED);
        (void)dalloc__space_release(c, b);
        dalloc__idx_fixed_released(c); /* it may have been the region's only block */
        return st;
    }
    blk_set_align_log2(b, bit_fls(align));
    if (id != DALLOC_NO_MODULE) {
        blk_set(b, F_MOD);
        dalloc__mod_link(c, b, id);
    }
    heap_count_alloc(h, blk_size(b));
    dalloc__ev_live(h, b, n, true);
    *out = blk_payload(b);
    return DALLOC_OK;
}

void *dalloc_fixed_alloc(dalloc_heap_t *h, size_t size, size_t alignment, dalloc_module_t id)
{
    void *p = NULL;
    if (heap_ctl(h) == NULL) {
        (void)dalloc__refuse(h, DALLOC_E_HEAP, "dalloc_fixed_alloc", NULL, size);
        return NULL;
    }
    HEAP_LOCK_FAST(h); /* the common case never meets the quick cache */
#ifndef __OPTIMIZE_SIZE__
    /* Two copies: without a module, the module code folds away. */
    if (id == DALLOC_NO_MODULE)
        p = dalloc__fixed_fast_alloc(h, size, alignment, DALLOC_NO_MODULE);
    else
        p = dalloc__fixed_fast_alloc(h, size, alignment, id);
    if (p != NULL) {
        (void)dalloc__heap_leave(h, DALLOC_OK, "dalloc_fixed_alloc", NULL, size);
        return p;
    }
#endif
    QUICK_FLUSH(h->ctl);
    (void)dalloc__heap_leave(h, alloc_locked(h, size, alignment, id, &p), "dalloc_fixed_alloc", NULL, size);
    return p;
}

void *dalloc_malloc(dalloc_heap_t *h, size_t size)
{
#ifndef __OPTIMIZE_SIZE__
    void *p;
    if (heap_ctl(h) != NULL && (p = dalloc__fixed_fast_call(h, size, 0, "dalloc_malloc")) != NULL)
        return p; /* the common case, without a call of its own */
#endif
    return dalloc_fixed_alloc(h, size, 0, DALLOC_NO_MODULE);
}

void *dalloc_aligned_alloc(dalloc_heap_t *h, size_t alignment, size_t size)
{
    if (alignment == 0) { /* 0 is not a power of two: refused, as C11 would */
        (void)dalloc__refuse(h, heap_ctl(h) != NULL ? DALLOC_E_ARG : DALLOC_E_HEAP, "dalloc_aligned_alloc", NULL, size);
        return NULL;
    }
    return dalloc_fixed_alloc(h, size, alignment, DALLOC_NO_MODULE);
}

void *dalloc_calloc(dalloc_heap_t *h, size_t count, size_t size)
{
    void *p;
    if (size != 0 && count > (size_t)-1 / size) {
        (void)dalloc__refuse(h, heap_ctl(h) != NULL ? DALLOC_E_SIZE : DALLOC_E_HEAP, "dalloc_calloc", NULL, size);
        return NULL;
    }
    p = dalloc_fixed_alloc(h, count * size, 0, DALLOC_NO_MODULE);
    if (p != NULL)
        memset(p, 0, count * size);
    return p;
}

/* The live user fixed block at p, or NULL. */
static blk_t *fixed_at(ctl_t *c, void *p)
{
    blk_t *b = dalloc__used_block_at(c, p);
    return b != NULL && blk_has(b, F_FIXED) && !blk_has(b, F_SYS) ? b : NULL;
}

dalloc_status_t dalloc_fixed_free(dalloc_heap_t *h, void *p)
{
    ctl_t *c = heap_ctl(h);
    blk_t *b;
    dalloc_status_t st = DALLOC_OK;
    if (c == NULL)
        return dalloc__refuse(h, DALLOC_E_HEAP, "dalloc_fixed_free", p, 0);
    if (p == NULL)
        return h->last_error = DALLOC_OK;
    HEAP_LOCK_FAST(h); /* the common case never meets the quick cache */
#ifndef __OPTIMIZE_SIZE__
    if (dalloc__fixed_fast_free(h, p))
        return dalloc__heap_leave(h, DALLOC_OK, "dalloc_fixed_free", p, 0);
#endif
    QUICK_FLUSH(c);
    b = fixed_at(c, p);
    if (b == NULL)
        st = DALLOC_E_NOTBLOCK;
    else if (blk_has(b, F_SLOTS) && dalloc__has_dependents(c, b, 0))
        st = DALLOC_E_BUSY;
    else {
        (void)dalloc__ev_dead(h, b);
        dalloc__block_free(h, b);
    }
    return dalloc__heap_leave(h, st, "dalloc_fixed_free", p, 0);
}

static dalloc_status_t realloc_locked(dalloc_heap_t *h, void *p, size_t n, void **out)
{
    ctl_t *c = h->ctl;
    blk_t *b = fixed_at(c, p), *nb;
    dalloc_module_t id = DALLOC_NO_MODULE;
    size_t size, keep;
    dalloc_status_t st;

    if (b == NULL)
        return DALLOC_E_NOTBLOCK;
    if (n == 0)
        return DALLOC_E_ARG;
#if DALLOC_GUARDS > 0
    (void)dalloc__guard_verify(h, b, "dalloc_fixed_realloc"); /* told, then rewritten */
#endif
    if (blk_has(b, F_MOD))
        id = (dalloc_module_t)blk_trailer(b)->module;
    size = blk_size_for(n, id != DALLOC_NO_MODULE); /* a former trailer's room (F_SPARE) is not kept */
    if (size == 0)
        return DALLOC_E_SIZE;
    if ((st = dalloc__block_admit(c, b, size)) != DALLOC_OK)
        return st;
    if (blk_has(b, F_SLOTS) && n < blk_usable(b) && dalloc__has_dependents(c, b, n))
        return DALLOC_E_BUSY; /* the cut would free a registered owner */
    st = dalloc__block_resize(h, b, size);
    if (st != DALLOC_E_NOMEM) {
        if (st == DALLOC_OK) {
            blk_clear(b, F_SPARE); /* sized for n now */
            dalloc__ev_live(h, b, n, false);
        }
        *out = st == DALLOC_OK ? p : NULL;
        return st;
    }
    nb = dalloc__fixed_take(h, size, (size_t)1 << blk_align_log2(b));
    if (nb == NULL) {
        c->refusals++;
        return DALLOC_E_NOMEM;
    }
    /* A hole too small to split is taken whole: the quota sees that size. */
    if ((st = dalloc__block_admit(c, b, blk_size(nb))) != DALLOC_OK) {
        (void)dalloc__space_release(c, nb);
        return st;
    }
    keep = dalloc__user_size(b);
    blk_set_align_log2(nb, blk_align_log2(b));
    memcpy(blk_payload(nb), blk_payload(b), keep);
    /* Owners registered inside b now live inside nb. */
    blk_set(nb, blk_flags(b) & F_SLOTS);
    dalloc__fix_dependents(c, b, (uint8_t *)nb - (uint8_t *)b, false);
    blk_clear(b, F_SLOTS);
    if (id != DALLOC_NO_MODULE) { /* leave before joining: peaks stay true */
        dalloc__mod_ops->unlink(c, b);
        blk_clear(b, F_MOD);
        blk_set(nb, F_MOD);
        dalloc__mod_link(c, nb, id);
    }
    heap_count_alloc(h, blk_size(nb));
    dalloc__ev_moved(h, (const uint8_t *)b, nb);
    dalloc__ev_live(h, nb, n, false);
    dalloc__block_free(h, b);
    *out = blk_payload(nb);
    return DALLOC_OK;
}

void *dalloc_fixed_realloc(dalloc_heap_t *h, void *p, size_t size)
{
    void *out = NULL;
    if (p == NULL)
        return dalloc_malloc(h, size);
    if (heap_ctl(h) == NULL) {
        (void)dalloc__refuse(h, DALLOC_E_HEAP, "dalloc_fixed_realloc", p, size);
        return NULL;
    }
    HEAP_LOCK(h);
    (void)dalloc__heap_leave(h, realloc_locked(h, p, size, &out), "dalloc_fixed_realloc", p, size);
    return out;
}
