/*
 * freeidx.c - free space: segregated free lists with O(1) good fit, and the
 * merging and splitting of free blocks against their neighbours and the gap.
 *
 * Free blocks of each region sit on lists indexed by size class (TLSF's two
 * levels).  A search rounds the request up to the next class, so any block
 * found fits without walking a list; when that fails, the request's own
 * class is tried with a short bounded walk, which keeps small heaps usable
 * down to their last bytes.  Free space is always merged at once: no two
 * free blocks touch, and a free block never touches the gap (it becomes gap).
 */
#include "space.h"

/* How many blocks of the request's own class are looked at after the
 * rounded-up search fails (bounded so a search stays O(1)). */
#define EXACT_CLASS_WALK 8

const uint8_t dalloc_small_class[SMALL_UNITS] = {
#define C1(u) (uint8_t)((u) < 4 ? (u) : (u) < 8 ? 4 + (u)-4 : (u) < 16 ? 8 + ((u)-8) / 2 : (u) < 32 ? 12 + ((u)-16) / 4 \
                       : (u) < 64 ? 16 + ((u)-32) / 8 : 20 + ((u)-64) / 16)
#define C4(u) C1(u), C1((u) + 1), C1((u) + 2), C1((u) + 3)
#define C16(u) C4(u), C4((u) + 4), C4((u) + 8), C4((u) + 12)
    C16(0), C16(16), C16(32), C16(48), C16(64), C16(80), C16(96), C16(112)
#undef C16
#undef C4
#undef C1
};

unsigned idx_fl_count(size_t arena)
{
    unsigned fl, sl;
    size_t units = arena >> G_LOG2;
    if (units == 0)
        return 1;
    mapping(units, &fl, &sl);
    return fl + 1 > FL_MAX ? FL_MAX : fl + 1;
}

void idx_init(freeidx_t *x, fblk_t **heads, unsigned fl_count)
{
    unsigned i;
    x->fl_bitmap = 0;
    memset(x->sl_bitmap, 0, sizeof x->sl_bitmap);
    x->fl_count = fl_count;
    x->heads = heads;
    x->bytes = 0;
    for (i = 0; i < fl_count * SL_COUNT; i++)
        heads[i] = &x->nil;
}

void idx_insert(freeidx_t *x, blk_t *b) { enlist(x, b); }
void idx_remove(freeidx_t *x, blk_t *b) { unlist(x, b); }

blk_t *idx_take(freeidx_t *x, size_t size, int how)
{
    unsigned fl, sl;
    size_t i, limit = how == 1 ? EXACT_CLASS_WALK : (size_t)-1;
    fblk_t *f;
    if (how == 0)
        return fit(x, size);
    /* Nothing is certain to fit: look at the blocks of the request's class. */
    mapping(size >> G_LOG2, &fl, &sl);
    if (fl >= x->fl_count)
        return NULL;
    f = x->heads[fl * SL_COUNT + sl];
    for (i = 0; f != &x->nil && i < limit; i++, f = f->next) {
        if (blk_size((blk_t *)(void *)f) >= size) {
            unlist(x, (blk_t *)(void *)f);
            return (blk_t *)(void *)f;
        }
    }
    return NULL;
}

uint8_t *space_release(ctl_t *c, blk_t *b) { return release(c, b); }
blk_t *space_take_reloc(ctl_t *c, size_t size) { return take_reloc(c, size); }

size_t idx_count(const freeidx_t *x)
{
    size_t n = 0;
    unsigned i;
    const fblk_t *f;
    for (i = 0; i < x->fl_count * SL_COUNT; i++)
        for (f = x->heads[i]; f != &x->nil; f = f->next)
            n++;
    return n;
}

size_t idx_largest(const freeidx_t *x)
{
    unsigned fl;
    size_t best = 0;
    const fblk_t *f;
    if (x->fl_bitmap == 0)
        return 0;
    fl = bit_fls(x->fl_bitmap);
    f = x->heads[fl * SL_COUNT + bit_fls(x->sl_bitmap[fl])];
    for (; f != &x->nil; f = f->next)
        if (blk_size((const blk_t *)(const void *)f) > best)
            best = blk_size((const blk_t *)(const void *)f);
    return best;
}

void space_trim(ctl_t *c, blk_t *b, size_t size)
{
    size_t rest = blk_size(b) - size;
    blk_t *t;
    if (rest < MIN_BLOCK)
        return;
    blk_set_size(b, size);
    t = blk_next(b);
    blk_init(t, rest, blk_flags(b) & F_FIXED);
    (void)space_release(c, t);
}

bool space_grow_in_place(ctl_t *c, blk_t *b, size_t size)
{
    size_t have = blk_size(b);
    uint8_t *end = blk_end(b);
    blk_t *n;

    if (end == c->rtop) {
        if ((size_t)(c->fbot - c->rtop) < size - have)
            return false;
        if (c->cursor == c->rtop) /* it would point inside b */
            c->cursor += size - have;
        c->rtop += size - have;
        blk_set_size(b, size);
        return true;
    }
    if (end == c->hi)
        return false;
    n = (blk_t *)(void *)end;
    if (!blk_has(n, F_FREE) || have + blk_size(n) < size)
        return false;
    unlist(blk_has(b, F_FIXED) ? &c->fidx : &c->ridx, n);
    if (c->cursor == (uint8_t *)n)
        c->cursor = (uint8_t *)b;
    blk_set_size(b, have + blk_size(n));
    end = blk_end(b);
    if (end != c->hi)
        blk_clear((blk_t *)(void *)end, F_PREV_FREE);
    space_trim(c, b, size);
    return true;
}
