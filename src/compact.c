/*
 * compact.c - moving relocatable blocks: one block at a time, with the
 * registered pointers kept right, and sliding compaction built on it.
 *
 * Owners inside the heap.  A block's registered owner may be a word inside
 * another block (a list node's `next`).  When that other block moves, the
 * owner recorded in the first block's header must move with it.  A block
 * that holds such a word is flagged F_SLOTS when the owner is registered;
 * moving a flagged block scans its words for values that are the payload of
 * a used relocatable block (proven by the block-start bitmap) whose recorded
 * owner is exactly that word, and translates those owners.  The test is
 * exact, not conservative: a word is an owner only if the header it points to
 * names it back.  Unflagged blocks (plain data) are moved by memmove alone,
 * and a flagged block whose scan finds nothing loses the flag, so the cost is
 * paid only by blocks that really hold owners.  Each block's move is
 * self-contained, so blocks may be moved in any order (sliding down, or
 * up into the gap), and the translation never needs a table.
 */
#include "heap_internal.h"

/* Is slot inside [b, end of b)? */
static bool slot_in(const blk_t *b, const void *slot)
{
    return (const uint8_t *)slot >= (const uint8_t *)b && (const uint8_t *)slot < blk_end(b);
}

/* The used block containing address p, found through the bitmap: the
 * nearest block start at or below p.  NULL when p is not inside one. */
static blk_t *container_of(const ctl_t *c, const void *p)
{
    size_t i = bm_index(c, p), w = i >> 5;
    uint32_t m = c->bitmap[w] & (0xFFFFFFFFu >> (31u - (unsigned)(i & 31u)));
    blk_t *b;
    while (m == 0) {
        if (w == 0)
            return NULL;
        m = c->bitmap[--w];
    }
    b = (blk_t *)(void *)(c->lo + ((((w << 5) + bit_fls(m))) << G_LOG2));
    return slot_in(b, p) ? b : NULL;
}

bool mark_container(ctl_t *c, void **slot, const blk_t *self)
{
    blk_t *b = container_of(c, slot);
    if (b == NULL || (uint8_t *)slot < (uint8_t *)blk_payload(b) ||
        (uint8_t *)slot + sizeof(void *) > (uint8_t *)blk_payload(b) + blk_usable(b) || blk_has(b, F_SYS))
        return false;
    if (b != self)
        blk_set(b, F_SLOTS);
    return true;
}

/* Translate by delta (or drop, with orphan) the recorded owner of every
 * block whose owner is a word of b at payload offset from or above (b
 * itself excepted).  Returns how many there were; clears F_SLOTS when a
 * scan of the whole payload finds none. */
static size_t for_each_dependent(ctl_t *c, blk_t *b, size_t from, ptrdiff_t delta, bool orphan)
{
    uint8_t *x = (uint8_t *)blk_payload(b) + (from & ~(sizeof(void *) - 1)), *end = blk_end(b);
    size_t found = 0;
    if (!blk_has(b, F_SLOTS))
        return 0;
    for (; x + sizeof(void *) <= end; x += sizeof(void *)) {
        blk_t *d = used_block_at(c, *(void **)(void *)x);
        if (d != NULL && d != b && !blk_has(d, F_FIXED) && d->owner == (void **)(void *)x) {
            d->owner = orphan ? NULL : (void **)(void *)(x + delta);
            found++;
        }
    }
    if (found == 0 && from == 0)
        blk_clear(b, F_SLOTS);
    return found;
}

bool has_dependents(ctl_t *c, blk_t *b, size_t from)
{
    return for_each_dependent(c, b, from, 0, false) != 0;
}

void fix_dependents(ctl_t *c, blk_t *b, ptrdiff_t delta, bool orphan)
{
    (void)for_each_dependent(c, b, 0, delta, orphan);
}

void move_block(dalloc_heap_t *h, blk_t *b, uint8_t *dst)
{
    ctl_t *c = h->ctl;
    size_t size = blk_size(b);
    ptrdiff_t delta = dst - (uint8_t *)b;
    void **s = b->owner;

    if (s != NULL) {
        if (*s != blk_payload(b)) {
            /* The registered variable no longer holds the block (it went out
             * of scope or was overwritten): never write through it again. */
            b->owner = NULL;
            c->orphaned++;
        } else {
            *s = dst + HDR;
            if (slot_in(b, s))
                b->owner = (void **)(void *)((uint8_t *)s + delta);
        }
    }
    (void)for_each_dependent(c, b, 0, delta, false);
    if (c->track != NULL && slot_in(b, c->track))
        c->track += delta;
    bm_clear(c, b);
    memmove(dst, b, size);
    bm_set(c, dst);
    if (blk_has((blk_t *)(void *)dst, F_MOD))
        dalloc_mod_ops->moved(c, (blk_t *)(void *)dst);
    c->bytes_moved += size;
}

/* Turn [hole, hole+size) into a free block on the relocatable lists. */
static void settle_hole(ctl_t *c, uint8_t *hole, size_t size)
{
    blk_t *b = (blk_t *)(void *)hole;
    blk_init(b, size, F_FREE);
    blk_write_footer(b);
    blk_set((blk_t *)(void *)(hole + size), F_PREV_FREE);
    idx_insert(&c->ridx, b);
}

/*
 * Sliding compaction from the cursor: take the lowest hole, move the block
 * above it down into it (the hole travels up, swallowing the free blocks it
 * meets), until the hole reaches the gap or a pinned block, or the budget is
 * spent.  Blocks keep their order.  A hole stopped by a pinned block stays
 * on the free lists and the walk goes on above the pin.
 */
size_t compact_run(dalloc_heap_t *h, size_t budget, bool *blocked)
{
    ctl_t *c = h->ctl;
    uint8_t *p = c->cursor;
    size_t moved = 0;

    *blocked = false;
    while (p < c->rtop) {
        blk_t *b = (blk_t *)(void *)p;
        uint8_t *hole;
        size_t hsize;
        if (!blk_has(b, F_FREE)) {
            p = blk_end(b);
            continue;
        }
        idx_remove(&c->ridx, b);
        hole = p;
        hsize = blk_size(b);
        for (;;) {
            blk_t *n = (blk_t *)(void *)(hole + hsize);
            size_t nsize;
            if ((uint8_t *)n == c->rtop) {
                c->rtop = hole;
                c->cursor = hole;
                return moved;
            }
            nsize = blk_size(n);
            if (blk_has(n, F_FREE)) {
                idx_remove(&c->ridx, n);
                hsize += nsize;
                continue;
            }
            if (blk_has(n, F_PINNED)) {
                settle_hole(c, hole, hsize);
                p = blk_end(n);
                break;
            }
            if (moved + nsize > budget) {
                settle_hole(c, hole, hsize);
                c->cursor = hole;
                *blocked = moved == 0;
                return moved;
            }
            move_block(h, n, hole);
            blk_clear((blk_t *)(void *)hole, F_PREV_FREE);
            moved += nsize;
            hole += nsize;
        }
    }
    c->cursor = c->rtop;
    return moved;
}

size_t dalloc_compact(dalloc_heap_t *h)
{
    ctl_t *c = heap_ctl(h);
    size_t moved;
    bool blocked;
    if (c == NULL) {
        if (h != NULL)
            h->last_error = DALLOC_E_HEAP;
        return 0;
    }
    HEAP_LOCK(h);
    h->last_error = DALLOC_OK;
    moved = compact_run(h, (size_t)-1, &blocked);
    if (moved != 0)
        c->compactions++;
    HEAP_UNLOCK(h);
    return moved;
}

size_t dalloc_compact_step(dalloc_heap_t *h, size_t budget)
{
    ctl_t *c = heap_ctl(h);
    size_t moved;
    bool blocked;
    if (c == NULL) {
        if (h != NULL)
            h->last_error = DALLOC_E_HEAP;
        return 0;
    }
    HEAP_LOCK(h);
    h->last_error = DALLOC_OK;
    moved = compact_run(h, budget, &blocked);
    if (moved != 0)
        c->compactions++;
    if (blocked)
        h->last_error = DALLOC_E_BUDGET;
    HEAP_UNLOCK(h);
    return moved;
}
