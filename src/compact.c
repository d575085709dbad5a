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
 * names it back.  Unflagged blocks (plain data) are moved by a plain copy,
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

blk_t *dalloc__slot_container(const ctl_t *c, void **slot)
{
    blk_t *b = container_of(c, slot);
    if (b == NULL || (uint8_t *)slot < (uint8_t *)blk_payload(b) ||
        (uint8_t *)slot + sizeof(void *) > (uint8_t *)blk_payload(b) + dalloc__user_size(b) || blk_has(b, F_SYS))
        return NULL;
    return b;
}

bool dalloc__mark_container(ctl_t *c, void **slot, const blk_t *self)
{
    blk_t *b = dalloc__slot_container(c, slot);
    if (b == NULL)
        return false;
    if (b != self)
        blk_set(b, F_SLOTS);
    return true;
}

blk_t *dalloc__used_block_at(const ctl_t *c, const void *p)
{
    return block_at(c, p);
}

/* Is p inside [from, to) (from <= to)?  One unsigned comparison: below
 * from, the difference wraps to a huge value. */
static bool in_range(const void *p, const uint8_t *from, const uint8_t *to)
{
    return (uintptr_t)p - (uintptr_t)from < (uintptr_t)to - (uintptr_t)from;
}

/*
 * The one owner scan.  Visit the dependents of b: the relocatable blocks
 * (b itself excepted) whose recorded owner is a word of b at payload offset
 * from or above.  Each one outside the run [rf, rt) gets its owner
 * translated by delta, or dropped when delta is ORPHAN; blocks of a moving
 * run translate their own owner (move_run()).  Returns how many there are.
 * A scan of the whole payload that finds none clears F_SLOTS, unless b is
 * part of a longer run: a dependent inside the run may already be
 * translated, so the scan cannot see it.
 */
#define ORPHAN PTRDIFF_MIN
static size_t scan_dependents(ctl_t *c, blk_t *b, size_t from, ptrdiff_t delta, const uint8_t *rf,
                              const uint8_t *rt)
{
    uint8_t *x = (uint8_t *)blk_payload(b) + (from & ~(sizeof(void *) - 1)), *end = blk_end(b);
    size_t found = 0;
    if (!blk_has(b, F_SLOTS))
        return 0;
    DALLOC_VG_BLIND(c); /* Valgrind: the user's words, written or not */
    for (; x + sizeof(void *) <= end; x += sizeof(void *)) {
        blk_t *d = dalloc__used_block_at(c, *(void **)(void *)x);
        if (d != NULL && d != b && !blk_has(d, F_FIXED) && d->owner == (void **)(void *)x) {
            found++;
            if (!in_range(d, rf, rt))
                d->owner = delta == ORPHAN ? NULL : (void **)(void *)(x + delta);
        }
    }
    DALLOC_VG_SEE(c);
    if (found == 0 && from == 0 && (size_t)(rt - rf) <= blk_size(b))
        blk_clear(b, F_SLOTS);
    return found;
}

bool dalloc__has_dependents(ctl_t *c, blk_t *b, size_t from)
{
    return scan_dependents(c, b, from, 0, NULL, NULL) != 0;
}

void dalloc__fix_dependents(ctl_t *c, blk_t *b, ptrdiff_t delta, bool orphan)
{
    (void)scan_dependents(c, b, 0, orphan ? ORPHAN : delta, NULL, NULL);
}

/* Copy len bytes (a multiple of GRAN) from src to dst, where dst lies
 * below src or the two do not overlap: compaction slides blocks down, and
 * realloc and retag move a block to a disjoint new one.  Copying forward is
 * then always right.  A word loop under -Os (newlib's memmove costs 254 B
 * of Cortex-M4 .text), memmove when optimising for speed. */
static void copy_down(uint8_t *dst, const uint8_t *src, size_t len)
{
#ifdef __OPTIMIZE_SIZE__
    size_t *d = (size_t *)(void *)dst;
    const size_t *s = (const size_t *)(const void *)src, *e = (const size_t *)(const void *)(src + len);
    while (s < e)
        *d++ = *s++;
#else
    memmove(dst, src, len);
#endif
}

/* The registered variable of used block b, which moves by delta with the
 * run [from, to), gets b's new address; an owner inside the run travels
 * with it, so b's record of it is translated. */
static inline void fix_owner(ctl_t *c, blk_t *b, ptrdiff_t delta, const uint8_t *from, const uint8_t *to)
{
    void **s = b->owner;
    if (s == NULL)
        return;
    if (*s != blk_payload(b)) {
        /* The registered variable no longer holds the block (it went out
         * of scope or was overwritten): never write through it. */
        b->owner = NULL;
        c->orphaned++;
    } else {
        *s = (uint8_t *)blk_payload(b) + delta;
        if (in_range(s, from, to))
            b->owner = (void **)(void *)((uint8_t *)s + delta);
    }
}

/*
 * Move the used relocatable blocks tiling [from, to) by delta with one
 * copy.  Before it, at the old places: each block's registered variable
 * gets its new address (a variable inside the run is written at its old
 * place and travels with the run), each recorded owner inside the run is
 * translated, and so is the recorded owner of every block outside the run
 * whose variable lies inside it (found by the F_SLOTS scan).  After it: the
 * bitmap bits and the module list links of the moved blocks.
 */
static void move_run(dalloc_heap_t *h, uint8_t *from, uint8_t *to, ptrdiff_t delta)
{
    ctl_t *c = h->ctl;
    uint8_t *p, *dst = from + delta;
    size_t len = (size_t)(to - from);

    for (p = from; p < to; p += blk_size((blk_t *)(void *)p)) {
        blk_t *b = (blk_t *)(void *)p;
        fix_owner(c, b, delta, from, to);
#ifndef __OPTIMIZE_SIZE__
        if (blk_has(b, F_SLOTS)) /* also the scan's own test: here, plain blocks pay no call */
#endif
            (void)scan_dependents(c, b, 0, delta, from, to);
        bm_clear(c, b);
    }
    if (c->track != NULL && in_range(c->track, from, to))
        c->track += delta;
    dalloc__ev_moving(h, from, to, delta);
    copy_down(dst, from, len);
    for (p = dst; p < dst + len; p += blk_size((blk_t *)(void *)p)) {
        bm_set(c, p);
        if (blk_has((blk_t *)(void *)p, F_MOD))
            dalloc__mod_ops->moved(c, (blk_t *)(void *)p, from, to, delta);
        dalloc__ev_moved(h, p - delta, (blk_t *)(void *)p);
    }
    c->bytes_moved += len;
}

void dalloc__move_block(dalloc_heap_t *h, blk_t *b, uint8_t *dst)
{
    move_run(h, (uint8_t *)b, blk_end(b), dst - (uint8_t *)b);
}

#ifndef __OPTIMIZE_SIZE__
/*
 * A full compaction without pinned blocks, when optimising for speed: the
 * same moves as dalloc__compact_run() below, with the same runs, but
 *  - the hole swallows every hole of [cursor, rtop), and there are no
 *    others (the cursor's invariant, which only pins relax), so rather
 *    than take each off its list as it goes, the relocatable index is
 *    emptied once at the end;
 *  - a run of plain blocks (no F_SLOTS, no F_MOD, and no observer of moves
 *    built in) is moved here in one walk: with no owner scan to look words
 *    up in the bitmap before the copy, each block's new bit is set as its
 *    old one is cleared, and there is nothing to do after the copy.  Other
 *    runs go through move_run().
 */
static size_t compact_all_fast(dalloc_heap_t *h)
{
    ctl_t *c = h->ctl;
    uint8_t *p = c->cursor, *top = c->rtop, *hole, *start;
    size_t hsize, fast = 0; /* fast: bytes moved here, not by move_run() */

    while (p < top && !blk_has((blk_t *)(void *)p, F_FREE))
        p = blk_end((blk_t *)(void *)p);
    if (p == top) {
        c->cursor = top;
        return 0;
    }
    start = hole = p;
    hsize = blk_size((blk_t *)(void *)p);
    for (p += hsize; p != top; p = hole + hsize) {
        /* p: a used block (no two free blocks touch); its run ends at a
         * free block or at the gap. */
        uint8_t *to = p, *q = p;
        size_t flags = 0, len;
        ptrdiff_t delta = -(ptrdiff_t)hsize;
        do {
            flags |= ((blk_t *)(void *)to)->szf;
            to = blk_end((blk_t *)(void *)to);
        } while (to != top && !blk_has((blk_t *)(void *)to, F_FREE));
        len = (size_t)(to - p);
        if (DALLOC_EVENTS || (flags & (F_SLOTS | F_MOD)) != 0) {
            move_run(h, p, to, delta);
        } else {
            do {
                fix_owner(c, (blk_t *)(void *)q, delta, p, to);
                bm_clear(c, q);
                bm_set(c, q + delta);
                q = blk_end((blk_t *)(void *)q);
            } while (q != to);
            if (c->track != NULL && in_range(c->track, p, to))
                c->track += delta;
            copy_down(hole, p, len);
            fast += len;
        }
        blk_clear((blk_t *)(void *)hole, F_PREV_FREE);
        hole += len;
        if (to == top)
            break;
        hsize += blk_size((blk_t *)(void *)to);
    }
    dalloc__idx_init(c, &c->ridx, c->ridx.heads, c->ridx.lists);
    c->rtop = c->cursor = hole;
    c->bytes_moved += fast;
    return (size_t)(hole - start);
}
#endif

/*
 * Sliding compaction from the cursor: take the lowest hole, move the run of
 * movable blocks above it down into it (the hole travels up, swallowing the
 * free blocks it meets), until the hole reaches the gap or a pinned block,
 * or the budget is spent.  Blocks keep their order.  A hole stopped by a
 * pinned block stays on the free lists and the walk goes on above the pin.
 * The budget bounds the bytes moved, and separately the blocks walked over
 * without moving (at most budget / HDR of them), so a step's time follows
 * its budget, not the size of the heap.
 */
size_t dalloc__compact_run(dalloc_heap_t *h, size_t budget, compact_end_t *how)
{
    ctl_t *c = h->ctl;
    uint8_t *p = c->cursor;
    size_t moved = 0, walked = 0;

    *how = COMPACT_DONE;
#ifndef __OPTIMIZE_SIZE__
    if (budget == (size_t)-1 && c->pinned == 0)
        return compact_all_fast(h);
#endif
    while (p < c->rtop) {
        blk_t *b = (blk_t *)(void *)p;
        uint8_t *hole;
        size_t hsize;
        if (!blk_has(b, F_FREE)) {
            /* At least one block per call, so even a budget below one
             * header makes progress towards the hole. */
            if (walked != 0 && walked + HDR > budget) {
                c->cursor = p;
                *how = COMPACT_AGAIN;
                return moved;
            }
            walked += HDR;
            p = blk_end(b);
            continue;
        }
        dalloc__idx_remove(c, &c->ridx, b);
        hole = p;
        hsize = blk_size(b);
        for (;;) {
            uint8_t *run = hole + hsize, *end = run;
            if (run == c->rtop) {
                c->rtop = hole;
                c->cursor = hole;
                return moved;
            }
            if (blk_has((blk_t *)(void *)run, F_FREE)) {
                dalloc__idx_remove(c, &c->ridx, (blk_t *)(void *)run);
                hsize += blk_size((blk_t *)(void *)run);
                continue;
            }
            if (blk_has((blk_t *)(void *)run, F_PINNED)) {
                dalloc__space_put_hole(c, &c->ridx, (blk_t *)(void *)hole, hsize, false);
                p = blk_end((blk_t *)(void *)run);
                break;
            }
            /* The longest run of movable blocks the budget allows. */
            while (end < c->rtop && !blk_has((blk_t *)(void *)end, F_FREE | F_PINNED) &&
                   moved + (size_t)(end - run) + blk_size((blk_t *)(void *)end) <= budget)
                end = blk_end((blk_t *)(void *)end);
            if (end == run) {
                dalloc__space_put_hole(c, &c->ridx, (blk_t *)(void *)hole, hsize, false);
                c->cursor = hole;
                *how = blk_size((blk_t *)(void *)run) > budget ? COMPACT_BLOCKED : COMPACT_AGAIN;
                return moved;
            }
            move_run(h, run, end, -(ptrdiff_t)hsize);
            blk_clear((blk_t *)(void *)hole, F_PREV_FREE);
            moved += (size_t)(end - run);
            hole += end - run;
        }
    }
    c->cursor = c->rtop;
    return moved;
}

size_t dalloc__compact_largest(const ctl_t *c, size_t *top)
{
    const uint8_t *p;
    size_t seg = 0, best = 0;
    if (c->pinned == 0) { /* everything gathers in the gap */
        seg = c->ridx.bytes + (size_t)(c->fbot - c->rtop);
        if (top != NULL)
            *top = seg;
        return seg;
    }
    for (p = c->lo; p < c->rtop; p += blk_size((const blk_t *)(const void *)p)) {
        const blk_t *b = (const blk_t *)(const void *)p;
        if (blk_has(b, F_FREE)) {
            seg += blk_size(b);
        } else if (blk_has(b, F_PINNED)) {
            best = seg > best ? seg : best;
            seg = 0;
        }
    }
    seg += (size_t)(c->fbot - c->rtop);
    if (top != NULL)
        *top = seg;
    return seg > best ? seg : best;
}

void dalloc__compact_all(dalloc_heap_t *h)
{
    compact_end_t how;
    if (dalloc__compact_run(h, (size_t)-1, &how) != 0)
        h->ctl->compactions++;
}

size_t dalloc_compact_step(dalloc_heap_t *h, size_t budget)
{
    ctl_t *c = heap_ctl(h);
    size_t moved;
    compact_end_t how;
    if (c == NULL) {
        (void)dalloc__refuse(h, DALLOC_E_HEAP, "dalloc_compact_step", NULL, budget);
        return 0;
    }
    HEAP_LOCK(h);
    moved = dalloc__compact_run(h, budget, &how);
    if (moved != 0)
        c->compactions++;
    (void)dalloc__heap_leave(h, how == COMPACT_DONE ? DALLOC_OK : how == COMPACT_BLOCKED ? DALLOC_E_BUDGET : DALLOC_E_AGAIN,
                             "dalloc_compact_step", NULL, budget);
    return moved;
}

/* A full compaction is a step with no budget: it ends with the heap
 * compact (DALLOC_OK), all that pinned blocks allow. */
size_t dalloc_compact(dalloc_heap_t *h) { return dalloc_compact_step(h, (size_t)-1); }
