/*
 * heap.c - a heap's life (init, reset, deinit), its policy, its figures and
 * its error reporting.
 */
#include "heap_internal.h"

/* The control block holds pointers, size_t and possibly a mutex. */
#define CTL_ALIGN (GRAN > 16 ? GRAN : 16)

/* Lay out control block, list heads, bitmap and arena in h->mem, all of
 * it cleared but what a reset keeps (the control block from its policy
 * on), or all of it when fresh.  Returns false when the buffer cannot hold
 * them and one block. */
static bool layout(dalloc_heap_t *h, bool fresh)
{
    uintptr_t a = ROUND_UP((uintptr_t)h->mem, CTL_ALIGN);
    uintptr_t e = ((uintptr_t)h->mem + h->total_size) & ~(uintptr_t)(GRAN - 1);
    uintptr_t heads = a + ROUND_UP(sizeof(ctl_t), sizeof(void *)), bitmap, lo;
    size_t est, words;
    unsigned lists;
    ctl_t *c = (ctl_t *)a;

    if (e <= a || e - a <= sizeof(ctl_t))
        return false;
    est = (size_t)(e - a - sizeof(ctl_t));
    lists = dalloc__idx_lists(est, false);
    words = ((est >> G_LOG2) + 31u) / 32u;
    bitmap = heads + lists * sizeof(link_t); /* after the relocatable region's heads */
    lo = ROUND_UP(bitmap + words * sizeof(uint32_t), GRAN);
    if (lo >= e || e - lo < blk_size_for(1, 0)) /* room for one block */
        return false;
    /* A free block must be able to span it.  Only 32-bit targets can get
     * here (BLK_MAX_SIZE: 2^27 - 8 bytes with 8-byte granules; above 4 GiB,
     * the largest total_size, on 64-bit ones). */
    if (e - lo > BLK_MAX_SIZE)
        e = lo + BLK_MAX_SIZE;

    memset(c, 0, fresh ? sizeof *c : offsetof(ctl_t, policy));
    c->lo = (uint8_t *)lo;
    c->rtop = c->lo;
    c->hi = (uint8_t *)e;
    c->fbot = c->hi;
    c->cursor = c->lo;
    c->bitmap = (uint32_t *)bitmap;
    /* The bitmap, and with DALLOC_FILL_FREED the arena above it. */
    memset(c->bitmap, 0, DALLOC_FILL_FREED ? (size_t)(e - bitmap) : words * sizeof(uint32_t));
    dalloc__idx_init(c, &c->ridx, (link_t *)heads, lists);
    h->ctl = c;
    h->offset = 0;
    h->alloc_info.allocations_num = 0;
    return true;
}

dalloc_status_t dalloc_heap_init(dalloc_heap_t *h, void *buf, size_t size)
{
    if (h == NULL)
        return dalloc__refuse(NULL, DALLOC_E_HEAP, "dalloc_heap_init", buf, size);
    memset(h, 0, sizeof *h);
    h->magic = DALLOC_MAGIC;
    h->mem = (uint8_t *)buf;
    h->total_size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    if (buf == NULL || size == 0)
        return dalloc__refuse(h, DALLOC_E_ARG, "dalloc_heap_init", buf, size);
    dalloc__vg_buffer(h); /* Valgrind: it may carry an earlier heap's marks */
    /* A fresh layout: policy DALLOC_COMPACT_ON_DEMAND (0), counters 0. */
    if (!layout(h, true)
#if DALLOC_THREAD_SAFETY
        || !dalloc__lock_create(h)
#endif
    ) {
        h->ctl = NULL;
        return dalloc__refuse(h, DALLOC_E_HEAP, "dalloc_heap_init", buf, size);
    }
    dalloc__vg_arena(h, true); /* Valgrind: all of the arena is free */
    return h->last_error = DALLOC_OK;
}

void dalloc_heap_deinit(dalloc_heap_t *h)
{
    if (heap_ctl(h) != NULL) {
#if DALLOC_THREAD_SAFETY
        dalloc__lock_destroy(h);
#endif
        dalloc__vg_buffer(h); /* Valgrind: the caller's again, all of it */
    }
    if (h != NULL) {
        h->ctl = NULL;
        h->magic = 0;
        h->offset = 0;
        h->alloc_info.allocations_num = 0;
    }
}

dalloc_status_t dalloc_heap_reset(dalloc_heap_t *h)
{
    ctl_t *c = heap_ctl(h);
    uint8_t *p;
    if (c == NULL)
        return dalloc__refuse(h, DALLOC_E_HEAP, "dalloc_heap_reset", NULL, 0);
    HEAP_LOCK(h);
    for (p = c->lo; p < c->rtop; p += blk_size((blk_t *)(void *)p)) {
        blk_t *b = (blk_t *)(void *)p;
        if (!blk_has(b, F_FREE) && b->owner != NULL && *b->owner == blk_payload(b))
            *b->owner = NULL;
    }
    (void)layout(h, false); /* same buffer: cannot fail now */
    dalloc__vg_arena(h, false);
    return dalloc__heap_leave(h, DALLOC_OK, "dalloc_heap_reset", NULL, 0);
}

dalloc_status_t dalloc_set_policy(dalloc_heap_t *h, dalloc_policy_t policy)
{
    ctl_t *c = heap_ctl(h);
    if (c == NULL)
        return dalloc__refuse(h, DALLOC_E_HEAP, "dalloc_set_policy", NULL, 0);
    if ((unsigned)policy > (unsigned)DALLOC_COMPACT_MANUAL)
        return dalloc__refuse(h, DALLOC_E_ARG, "dalloc_set_policy", NULL, 0);
    HEAP_LOCK(h);
    c->policy = (unsigned)policy;
    return dalloc__heap_leave(h, DALLOC_OK, "dalloc_set_policy", NULL, 0);
}

dalloc_policy_t dalloc_get_policy(const dalloc_heap_t *h)
{
    const ctl_t *c = heap_ctl(h);
    return c == NULL ? DALLOC_COMPACT_ON_DEMAND : (dalloc_policy_t)c->policy;
}

/* Payload a free run of block bytes can hold (none below a whole block). */
static size_t payload_of(size_t block)
{
    return block >= MIN_BLOCK && block - HDR > GUARD_ROOM ? block - HDR - GUARD_ROOM : 0;
}

dalloc_status_t dalloc_get_stats(const dalloc_heap_t *h, dalloc_stats_t *st)
{
    const ctl_t *c = heap_ctl(h);
    size_t gap, big;
    if (st == NULL)
        return DALLOC_E_ARG;
    memset(st, 0, sizeof *st);
    if (h != NULL)
        st->total_size = h->total_size;
    st->header_size = HDR;
    if (c == NULL)
        return DALLOC_E_HEAP;
    HEAP_LOCK((dalloc_heap_t *)(uintptr_t)h);
    gap = (size_t)(c->fbot - c->rtop);
    st->arena_size = (size_t)(c->hi - c->lo);
    st->used_bytes = h->offset;
    st->free_bytes = st->arena_size - st->used_bytes - c->sys_bytes;
    big = dalloc__idx_largest(c, &c->ridx);
    big = gap > big ? gap : big;
    st->largest_free = payload_of(big);
    if (c->fidx != NULL && dalloc__idx_largest(c, c->fidx) > big)
        big = dalloc__idx_largest(c, c->fidx);
    /* Free bytes outside the largest free stretch of either region. */
    st->fragmentation_permille = st->free_bytes > big ? (unsigned)((st->free_bytes - big) * 1000u / st->free_bytes) : 0;
    st->largest_after_compaction = payload_of(dalloc__compact_largest(c, NULL));
    st->free_blocks = dalloc__idx_count(c, &c->ridx) + dalloc__idx_count(c, c->fidx);
    st->live_blocks = h->alloc_info.allocations_num;
    st->pinned_blocks = c->pinned;
    st->peak_used = h->alloc_info.max_memory_amount;
    st->refusals = c->refusals;
    st->compactions = c->compactions;
    st->bytes_moved = c->bytes_moved;
    HEAP_UNLOCK((dalloc_heap_t *)(uintptr_t)h);
    return DALLOC_OK;
}

/* The out-of-line copy of heap_enter_inline() (parenthesised: not the
 * macro of a speed build).  Called only by -Os builds: the coverage build
 * (-O0) never reaches it. */
dalloc_status_t(dalloc__heap_enter)(dalloc_heap_t *h, bool arg_ok)
{
    return heap_enter_inline(h, arg_ok);
}

dalloc_status_t dalloc_last_error(const dalloc_heap_t *h)
{
    return h == NULL ? DALLOC_E_HEAP : h->last_error;
}

size_t dalloc_header_size(void) { return HDR; }

const char *dalloc_strerror(dalloc_status_t st)
{
    switch (st) {
    case DALLOC_OK: return "no error";
    case DALLOC_E_HEAP: return "heap not initialised or too small";
    case DALLOC_E_ARG: return "invalid argument";
    case DALLOC_E_NOMEM: return "not enough free memory in the heap";
    case DALLOC_E_SIZE: return "size too large to represent";
    case DALLOC_E_NOTBLOCK: return "not a live block of this heap";
    case DALLOC_E_OWNER: return "owner address unusable";
    case DALLOC_E_BUSY: return "block holds the owner of another live block";
    case DALLOC_E_PINNED: return "block is pinned";
    case DALLOC_E_LIMIT: return "allocation limit reached";
    case DALLOC_E_BUDGET: return "compaction budget smaller than the next block";
    case DALLOC_E_CORRUPT: return "heap corruption detected";
    case DALLOC_E_MODULE: return "unknown module or bad module name";
    case DALLOC_E_QUOTA: return "module quota exceeded";
    case DALLOC_E_AGAIN: return "compaction step not finished: call again";
    case DALLOC_E_GUARD: return "guard bytes after the block overwritten";
    }
    return "unknown status";
}
