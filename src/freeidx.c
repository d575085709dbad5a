/*
 * freeidx.c - free space: segregated free lists with O(1) good fit, and the
 * merging and splitting of free blocks against their neighbours and the gap.
 *
 * Free blocks of each region sit on lists indexed by size class (TLSF's two
 * levels; in the fixed region, one class per size below EXACT_UNITS
 * granules as well).  A search rounds the request up to the next class, so
 * any block found fits without walking a list (a size with a class of its
 * own needs no rounding); when that fails, the request's own class is
 * tried with a short bounded walk, which keeps small heaps usable down to
 * their last bytes.  Free space is always merged at once: no two
 * free blocks touch, and a free block never touches the gap (it becomes gap).
 */
#include "space.h"

/* How many blocks of the request's own class are looked at after the
 * rounded-up search fails (bounded so a search stays O(1)). */
#define EXACT_CLASS_WALK 8

const uint8_t dalloc__small_class[SMALL_UNITS] = {
#define C1(u) (uint8_t)((u) < 4 ? (u) : (u) < 8 ? 4 + (u)-4 : (u) < 16 ? 8 + ((u)-8) / 2 : (u) < 32 ? 12 + ((u)-16) / 4 \
                       : (u) < 64 ? 16 + ((u)-32) / 8 : 20 + ((u)-64) / 16)
#define C4(u) C1(u), C1((u) + 1), C1((u) + 2), C1((u) + 3)
#define C16(u) C4(u), C4((u) + 4), C4((u) + 8), C4((u) + 12)
    C16(0), C16(16), C16(32), C16(48), C16(64), C16(80), C16(96), C16(112)
#undef C16
#undef C4
#undef C1
};

unsigned dalloc__idx_lists(size_t arena, bool fixed)
{
    unsigned k = class_of(arena >> G_LOG2, fixed);
    return k + 1 > LISTS_MAX ? LISTS_MAX : k + 1;
}

void dalloc__idx_init(ctl_t *c, freeidx_t *x, link_t *heads, unsigned lists)
{
    unsigned i;
    memset(x->cl_bitmap, 0, sizeof x->cl_bitmap);
    x->lists = lists;
    x->heads = heads;
    x->bytes = 0;
    for (i = 0; i < lists; i++)
        heads[i] = fb_off(c, &x->nil);
}

void dalloc__idx_remove(ctl_t *c, freeidx_t *x, blk_t *b) { unlist(c, x, b); }
void dalloc__space_put_hole(ctl_t *c, freeidx_t *x, blk_t *b, size_t size, bool fixed) { put_hole(c, x, b, size, fixed); }

blk_t *dalloc__idx_take(ctl_t *c, freeidx_t *x, size_t size, int how)
{
    bool fixed = x != &c->ridx;
    unsigned k;
    size_t i, limit = how == 1 ? EXACT_CLASS_WALK : (size_t)-1;
    link_t o, nil = fb_off(c, &x->nil);
    if (how == 0)
        return fit(c, x, size, fixed);
    /* Nothing is certain to fit: look at the blocks of the request's class. */
    k = class_of(size >> G_LOG2, fixed);
    if (k >= x->lists)
        return NULL;
    for (i = 0, o = x->heads[k]; o != nil && i < limit; i++, o = fb_at(c, o)->next) {
        blk_t *b = (blk_t *)(void *)fb_at(c, o);
        if (blk_size(b) >= size) {
            unlist(c, x, b);
            return b;
        }
    }
    return NULL;
}

uint8_t *dalloc__space_release(ctl_t *c, blk_t *b) { return release_in(c, b, blk_has(b, F_FIXED)); }
blk_t *dalloc__space_take_reloc(ctl_t *c, size_t size) { return take_reloc(c, size); }

size_t dalloc__idx_count(const ctl_t *c, const freeidx_t *x)
{
    size_t n = 0;
    unsigned i;
    link_t o, nil;
    if (x == NULL)
        return 0;
    nil = fb_off(c, &x->nil);
    for (i = 0; i < x->lists; i++)
        for (o = x->heads[i]; o != nil; o = fb_at(c, o)->next)
            n++;
    return n;
}

size_t dalloc__idx_largest(const ctl_t *c, const freeidx_t *x)
{
    unsigned w = CL_WORDS;
    size_t best = 0;
    link_t o, nil = fb_off(c, &x->nil);
    while (w > 0 && x->cl_bitmap[w - 1] == 0)
        w--;
    if (w == 0)
        return 0;
    w--; /* the word of the largest non-empty class */
    for (o = x->heads[w * CL_BITS + bit_fls(x->cl_bitmap[w])]; o != nil; o = fb_at(c, o)->next)
        if (blk_size((const blk_t *)(const void *)fb_at(c, o)) > best)
            best = blk_size((const blk_t *)(const void *)fb_at(c, o));
    return best;
}

void dalloc__idx_fixed_released(ctl_t *c)
{
    blk_t *x = blk_of(c->fidx);
    if ((uint8_t *)x != c->fbot)
        return; /* the index is topmost: another block is left below it */
    bm_clear(c, x);
    c->sys_bytes -= (uint32_t)blk_size(x);
#if DALLOC_FILL_FREED
    memset(blk_payload(x), 0, blk_payload_size(x));
#endif
    c->fbot = c->hi;
    c->fidx = NULL;
}

void dalloc__space_trim(ctl_t *c, blk_t *b, size_t size)
{
    size_t rest = blk_size(b) - size;
    blk_t *t;
    if (rest < MIN_BLOCK)
        return;
    blk_set_size(b, size);
    t = blk_next(b);
    blk_init(t, rest, blk_flags(b) & F_FIXED);
    (void)dalloc__space_release(c, t);
}

size_t dalloc__space_grown_size(const ctl_t *c, const blk_t *b, size_t size)
{
    size_t have = blk_size(b), room;
    const uint8_t *end = blk_end(b);
    if (end == c->rtop)
        return (size_t)(c->fbot - c->rtop) >= size - have ? size : 0;
    if (end == c->hi || !blk_has((const blk_t *)(const void *)end, F_FREE))
        return 0;
    room = have + blk_size((const blk_t *)(const void *)end);
    if (room < size)
        return 0;
    return room - size >= MIN_BLOCK ? size : room; /* a sliver stays with b */
}

void dalloc__space_grow_in_place(ctl_t *c, blk_t *b, size_t size)
{
    size_t have = blk_size(b);
    uint8_t *end = blk_end(b);
    blk_t *n = (blk_t *)(void *)end;

    if (end == c->rtop) {
        if (c->cursor == c->rtop) /* it would point inside b */
            c->cursor += size - have;
        c->rtop += size - have;
        blk_set_size(b, size);
        return;
    }
    unlist(c, blk_has(b, F_FIXED) ? c->fidx : &c->ridx, n);
    if (c->cursor == (uint8_t *)n)
        c->cursor = (uint8_t *)b;
    blk_set_size(b, have + blk_size(n));
    end = blk_end(b);
    if (end != c->hi)
        blk_clear((blk_t *)(void *)end, F_PREV_FREE);
    dalloc__space_trim(c, b, size);
}
