/*
 * space.h - the hot paths of free-space management, inline: size classes,
 * list links, good-fit search, splitting a hole, merging a freed block.
 * freeidx.c provides them out of line for every caller; alloc.c inlines
 * them into dalloc_alloc() and dalloc_free() when optimising for speed
 * (an -Os build calls the out-of-line copies instead, to stay small).
 *
 * Coverage counts the branches of every inlined copy apart: where a copy
 * has `fixed` constant (release_in(), use_hole_in(), put_hole()), or a
 * size known at its call site, one side of such a test cannot be taken
 * in that copy, although every side is taken in some copy.  Likewise
 * `end != c->hi` for a fixed hole or block: the fixed region's index is
 * its topmost block while it holds any other, so no user block or hole
 * ends at hi; the test keeps these helpers right for any block.
 */
#ifndef DALLOC_SPACE_H
#define DALLOC_SPACE_H

#include "heap_internal.h"

/* Inlined even where the compiler would rather call, unless optimising
 * for size. */
#if defined(__GNUC__) && !defined(__OPTIMIZE_SIZE__)
#define HOT_INLINE inline __attribute__((always_inline))
#else
#define HOT_INLINE inline
#endif

/* Class of small sizes, precomputed: the TLSF class (first level *
 * SL_COUNT + second level) for units < 128. */
#define SMALL_UNITS 128u
extern const uint8_t dalloc__small_class[SMALL_UNITS];

/* The class (list number) of a free block of that many granules in the
 * relocatable region's index, or the fixed region's when fixed: there,
 * sizes below EXACT_UNITS have a class each (heap_internal.h).  (A
 * branch-free choice of the exact class measured slower in bench/run's
 * churn than this branch.) */
static HOT_INLINE unsigned class_of(size_t units, bool fixed)
{
    unsigned k, f;
    if (units < SMALL_UNITS) {
        k = dalloc__small_class[units];
        if (fixed)
            k = units < EXACT_UNITS ? (unsigned)units : k + EXACT_SHIFT;
        return k;
    }
    f = bit_fls(units);
    return (f - SL_LOG2) * SL_COUNT + (unsigned)(units >> (f - SL_LOG2)) + (fixed ? EXACT_SHIFT : 0u);
}

static inline size_t *cl_word(freeidx_t *x, unsigned k) { return &x->cl_bitmap[k / CL_BITS]; }
static inline size_t cl_bit(unsigned k) { return (size_t)1 << (k % CL_BITS); }
static inline bool idx_has_holes(const freeidx_t *x)
{
    size_t any = 0;
    unsigned w;
    for (w = 0; w < CL_WORDS; w++)
        any |= x->cl_bitmap[w];
    return any != 0;
}

/* Links are offsets from the control block (see link_t). */
static inline fblk_t *fb_at(const ctl_t *c, link_t o)
{
    return (fblk_t *)(void *)((uint8_t *)(uintptr_t)c + o);
}
static inline link_t *link_at(const ctl_t *c, link_t o)
{
    return (link_t *)(void *)((uint8_t *)(uintptr_t)c + o);
}
static inline link_t fb_off(const ctl_t *c, const void *p)
{
    return (link_t)((const uint8_t *)p - (const uint8_t *)c);
}

/* Clear the bit of list k when it is empty (its new first block is the
 * sentinel), branch-free: whether a list empties is as random as the
 * sizes. */
static HOT_INLINE void note_if_empty(freeidx_t *x, unsigned k, uint32_t empty)
{
    *cl_word(x, k) &= ~((size_t)empty << (k % CL_BITS));
}

static HOT_INLINE void enlist(const ctl_t *c, freeidx_t *x, blk_t *b, bool fixed)
{
    unsigned k = class_of(blk_size(b) >> G_LOG2, fixed);
    fblk_t *f = (fblk_t *)(void *)b;
    link_t *head = &x->heads[k];
    f->next = *head;
    f->pprev = fb_off(c, head);
    fb_at(c, *head)->pprev = fb_off(c, &f->next); /* the sentinel's, when the list was empty */
    *head = fb_off(c, f);
    *cl_word(x, k) |= cl_bit(k);
    x->bytes += blk_size(b);
}

/* Take free block b off its list.  Its list emptied when b was the only
 * block: then b's pprev is one of x's heads, whose position is the class,
 * so no size class needs computing. */
static HOT_INLINE void unlist(const ctl_t *c, freeidx_t *x, blk_t *b)
{
    fblk_t *f = (fblk_t *)(void *)b;
    link_t pprev = f->pprev, next = f->next;
    uint32_t k = (pprev - fb_off(c, x->heads)) / (uint32_t)sizeof(link_t); /* huge unless a head */
    uint32_t empty = (uint32_t)(k < x->lists) & (uint32_t)(next == fb_off(c, &x->nil));
    *link_at(c, pprev) = next;
    fb_at(c, next)->pprev = pprev;
    k &= (uint32_t)0 - empty; /* list 0 (unchanged) unless it emptied */
    note_if_empty(x, k, empty);
    x->bytes -= blk_size(b);
}

/* Make [b, b + size) a free block of the region of index x (fixed or
 * relocatable) and list it; the block above it, if any, learns that its
 * lower neighbour is free.  Shared by freeing, splitting and compaction. */
static HOT_INLINE void put_hole(ctl_t *c, freeidx_t *x, blk_t *b, size_t size, bool fixed)
{
    uint8_t *end = (uint8_t *)b + size;
    blk_init(b, size, fixed ? F_FREE | F_FIXED : F_FREE);
    blk_write_footer(b);
    if (end != c->hi)
        blk_set((blk_t *)(void *)end, F_PREV_FREE);
    enlist(c, x, b, fixed);
}

/* Take the first block of list k, known to be non-empty. */
static HOT_INLINE blk_t *pop(const ctl_t *c, freeidx_t *x, unsigned k)
{
    link_t *head = &x->heads[k];
    fblk_t *f = fb_at(c, *head);
    *head = f->next;
    fb_at(c, f->next)->pprev = fb_off(c, head);
    note_if_empty(x, k, (uint32_t)(f->next == fb_off(c, &x->nil)));
    x->bytes -= blk_size((blk_t *)(void *)f);
    return (blk_t *)(void *)f;
}

/* The first block of the smallest non-empty class certain to hold size
 * bytes (TLSF's good fit; in the fixed region, the exact size when it has
 * a class), off its list, or NULL.  A further bitmap word is read only
 * when the request's word holds no fit. */
static HOT_INLINE blk_t *fit(const ctl_t *c, freeidx_t *x, size_t size, bool fixed)
{
    size_t units = size >> G_LOG2, rounded = units, m;
    unsigned k, w;
    if (units >= (fixed ? EXACT_UNITS : SL_COUNT)) /* classes of several sizes from here */
        rounded += ((size_t)1 << (bit_fls(units) - SL_LOG2)) - 1;
    k = class_of(rounded, fixed);
    if (k >= x->lists)
        return NULL;
    w = k / CL_BITS;
    m = x->cl_bitmap[w] & (~(size_t)0 << (k % CL_BITS));
    while (m == 0) {
        if (++w == CL_WORDS)
            return NULL;
        m = x->cl_bitmap[w];
    }
    return pop(c, x, w * (unsigned)CL_BITS + bit_ffsw(m));
}

/* Return used block b of the given region to free space, merged with its
 * free neighbours and the gap (see dalloc__space_release()). */
static HOT_INLINE uint8_t *release_in(ctl_t *c, blk_t *b, const bool fixed)
{
    freeidx_t *x = fixed ? c->fidx : &c->ridx;
    size_t size = blk_size(b);
    uint8_t *end;

    bm_clear(c, b);
    if (blk_has(b, F_PREV_FREE)) {
        blk_t *p = blk_prev_free(b);
        unlist(c, x, p);
        size += blk_size(p);
        b = p;
    }
    end = (uint8_t *)b + size;
    if (!fixed) {
        if ((uint8_t *)b < c->cursor)
            c->cursor = (uint8_t *)b;
        if (end == c->rtop) { /* top of the relocatable region: gap */
            c->rtop = (uint8_t *)b;
            return (uint8_t *)b;
        }
        /* below rtop, so a block follows */
    } else if (end == c->hi) {
        goto merged;
    }
    if (blk_has((blk_t *)(void *)end, F_FREE)) {
        blk_t *n = (blk_t *)(void *)end;
        unlist(c, x, n);
        size += blk_size(n);
        end += blk_size(n);
    }
merged:
    if (fixed && (uint8_t *)b == c->fbot) { /* bottom of the fixed region: gap */
        c->fbot = end;
        if (end != c->hi)
            blk_clear((blk_t *)(void *)end, F_PREV_FREE);
        return (uint8_t *)b;
    }
    put_hole(c, x, b, size, fixed);
    return (uint8_t *)b;
}

/* Mark hole b (off its list) of the region of index x used for a block of
 * size bytes; the rest stays a hole.  A hole's neighbours are used blocks
 * (or hi): no merging. */
static HOT_INLINE blk_t *use_hole_in(ctl_t *c, freeidx_t *x, blk_t *b, size_t size, const bool fixed)
{
    size_t have = blk_size(b);
    if (have - size >= MIN_BLOCK) {
        put_hole(c, x, blk_at(b, size), have - size, fixed);
        blk_init(b, size, fixed ? F_FIXED : 0);
    } else {
        blk_init(b, have, fixed ? F_FIXED : 0);
        if (!fixed || blk_end(b) != c->hi) /* a relocatable hole never ends at the gap */
            blk_clear(blk_next(b), F_PREV_FREE);
    }
    bm_set(c, b);
    return b;
}

static HOT_INLINE blk_t *use_reloc_hole(ctl_t *c, blk_t *b, size_t size)
{
    return use_hole_in(c, &c->ridx, b, size, false);
}

/* How far up relocatable blocks may take the gap: to the quick cache's
 * table while there is one (heap_internal.h), else to the fixed region. */
static inline uint8_t *reloc_limit(const ctl_t *c)
{
#if DALLOC_QUICK
    return c->qbins != NULL ? (uint8_t *)c->qbins : c->fbot;
#else
    return c->fbot;
#endif
}

static HOT_INLINE blk_t *take_reloc(ctl_t *c, size_t size)
{
    blk_t *b = fit(c, &c->ridx, size, false);
    if (b != NULL)
        return use_reloc_hole(c, b, size);
    if ((size_t)(reloc_limit(c) - c->rtop) >= size) {
        b = (blk_t *)(void *)c->rtop;
        if (c->cursor == c->rtop) /* still no hole below it */
            c->cursor += size;
        c->rtop += size;
        blk_init(b, size, 0);
        bm_set(c, b);
        return b;
    }
    /* Before compaction is considered, any hole that fits must be found;
     * under the manual policy the look stays bounded (O(1) allocation). */
    b = dalloc__idx_take(c, &c->ridx, size, c->policy == DALLOC_COMPACT_MANUAL ? 1 : 2);
    return b != NULL ? use_reloc_hole(c, b, size) : NULL;
}

/* Zero the n bytes at p (n and p multiples of the word size; n at least
 * one word), the payload of a block being freed.  The C library's memset
 * chooses its code by the size, which the spread of block sizes makes an
 * unpredictable branch or two on every free; here stores of 4 words go in
 * groups of eight, each store clamped to end at the last full 4-word store
 * (stores overlap rather than branch).  A payload up to 256 bytes (64-bit
 * targets) takes one group and no size-dependent branch, one up to 512
 * bytes one branch and a second group; only larger ones loop, where the
 * loop's unpredictable exit is small beside the bytes stored.  -Os builds
 * and compilers without GNU vector types call memset. */
#if defined(__GNUC__) && !defined(__OPTIMIZE_SIZE__)
typedef size_t zero4_t __attribute__((vector_size(4 * sizeof(size_t)), aligned(sizeof(size_t)), may_alias));
#define ZERO_AT(q, k, last) \
    (*(zero4_t *)(void *)((q) + ((k) * sizeof(zero4_t) < (last) ? (k) * sizeof(zero4_t) : (last))) = zero4)
#define ZERO_8(q, k, last) \
    (ZERO_AT(q, k, last), ZERO_AT(q, k + 1, last), ZERO_AT(q, k + 2, last), ZERO_AT(q, k + 3, last), \
     ZERO_AT(q, k + 4, last), ZERO_AT(q, k + 5, last), ZERO_AT(q, k + 6, last), ZERO_AT(q, k + 7, last))
static HOT_INLINE void zero_payload(void *p, size_t n)
{
    static const zero4_t zero4 = {0, 0, 0, 0};
    uint8_t *q = (uint8_t *)p;
    size_t last, k;
    if (n < sizeof(zero4_t)) { /* one to three words */
        size_t *w = (size_t *)p, lw = n / sizeof(size_t) - 1;
        w[0] = 0;
        w[lw < 1 ? lw : 1] = 0;
        w[lw < 2 ? lw : 2] = 0;
        return;
    }
    last = n - sizeof(zero4_t);
    ZERO_8(q, 0, last);
    if (n <= 8 * sizeof(zero4_t))
        return;
    ZERO_8(q, 8, last);
    for (k = 16; k * sizeof(zero4_t) < n; k++)
        ZERO_AT(q, k, last);
}
#undef ZERO_8
#undef ZERO_AT
#else
static inline void zero_payload(void *p, size_t n) { memset(p, 0, n); }
#endif

/* Take used block b of size bytes out of the heap's figures and zero its
 * payload (unless the build keeps freed memory as it is). */
static HOT_INLINE void forget_block(dalloc_heap_t *h, blk_t *b, size_t size)
{
    heap_count_free(h, size);
#if DALLOC_FILL_FREED
    zero_payload(blk_payload(b), size - HDR);
#else
    (void)b;
#endif
}

#endif /* DALLOC_SPACE_H */
