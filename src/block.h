/*
 * block.h - layout of one block and the arithmetic on its header.
 *
 * Every block, used or free, starts with a header of two words:
 *
 *     szf    size of the whole block (header included) in granules, shifted
 *            left by SZ_SHIFT, with the flags F_* in the low bits
 *     owner  used relocatable block: the registered owner (void **)
 *            used fixed block:       log2 of the alignment it was allocated
 *                                    with (kept when realloc moves it)
 *            free block:             next block of its free list
 *
 * A block that belongs to a module (F_MOD) also carries a trailer in its
 * last MT bytes: the links of its module's block list (as granule offsets
 * from lo, so they survive nothing but are cheap to fix when it moves) and
 * the module id.  Plain blocks pay nothing for modules.
 *
 * A free block also keeps the previous block of its free list in the first
 * payload word and its own size in bytes in its last word (the footer), so
 * the block after it can find it in O(1) when it is freed (boundary tag).
 *
 * Invariants (checked by the tests after every step):
 *  - block sizes are multiples of the granule GRAN and at least MIN_BLOCK;
 *  - blocks tile [lo, rtop) (relocatable region) and [fbot, hi) (fixed
 *    region) exactly; [rtop, fbot) is the gap, free, with no header;
 *  - no two free blocks are adjacent, and the blocks next to the gap are used;
 *  - F_PREV_FREE is set exactly on blocks whose lower neighbour is a free
 *    block (never on the block at lo or at fbot).
 * Nothing outside this file computes a header or payload address by hand.
 */
#ifndef DALLOC_BLOCK_H
#define DALLOC_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "dalloc.h"

/* Granule: payload alignment and the unit of every block size. */
#define GRAN ((size_t)DALLOC_ALIGNMENT)

#if (DALLOC_ALIGNMENT & (DALLOC_ALIGNMENT - 1)) != 0 || DALLOC_ALIGNMENT < 4
#error "DALLOC_ALIGNMENT must be a power of two, at least 4"
#endif
#if defined(__SIZEOF_POINTER__) && DALLOC_ALIGNMENT < __SIZEOF_POINTER__
#error "DALLOC_ALIGNMENT must be at least the size of a pointer"
#endif

typedef struct blk {
    size_t szf;
    void **owner;
} blk_t;

/* A free block seen through its header: the links live where a used block
 * keeps its owner (and, on 32-bit targets, its first payload word).  Links
 * are byte offsets from the heap's control block (link_t of
 * heap_internal.h).  pprev is the offset of the link that points at this
 * block (a list head or the previous block's next), and lists end at a
 * sentinel rather than at none, so linking and unlinking need no branch. */
typedef struct fblk {
    size_t szf;
    uint32_t next;
    uint32_t pprev;
} fblk_t;

#define ROUND_UP(x, a) (((x) + ((a)-1)) & ~((size_t)(a)-1))

/* Header bytes: two words rounded up to the granule (8 on 32-bit targets). */
#define HDR ROUND_UP(sizeof(blk_t), GRAN)
/* Smallest block: four words (dalloc(7)), room for a free block's links
 * and its footer. */
#define MIN_BLOCK ROUND_UP(4 * sizeof(void *), GRAN)

/* Flags in the low bits of szf. */
enum {
    F_FREE = 1u << 0,      /* on a free list (or the travelling hole of compaction) */
    F_PREV_FREE = 1u << 1, /* the block below is free and has a footer */
    F_FIXED = 1u << 2,     /* never moves; lives in the fixed region */
    F_PINNED = 1u << 3,    /* relocatable, but must not move for now */
    F_SLOTS = 1u << 4,     /* may hold the registered owner of another block */
    F_MOD = 1u << 5,       /* carries a module trailer */
    F_SYS = 1u << 6,       /* the library's own (module table): not a user block */
    F_SPARE = 1u << 7,     /* in no module, but its last MT bytes are the room of
                              a former trailer (too small to free on their own),
                              not the user's: joining a module again reuses it */
    SZ_SHIFT = 8
};
#define F_MASK (((size_t)1 << SZ_SHIFT) - 1)

/* Granule count as a shift, so sizes convert without division. */
#if DALLOC_ALIGNMENT == 4
#define G_LOG2 2
#elif DALLOC_ALIGNMENT == 8
#define G_LOG2 3
#elif DALLOC_ALIGNMENT == 16
#define G_LOG2 4
#elif DALLOC_ALIGNMENT == 32
#define G_LOG2 5
#elif DALLOC_ALIGNMENT == 64
#define G_LOG2 6
#elif DALLOC_ALIGNMENT == 128
#define G_LOG2 7
#elif DALLOC_ALIGNMENT == 256
#define G_LOG2 8
#elif DALLOC_ALIGNMENT == 512
#define G_LOG2 9
#elif DALLOC_ALIGNMENT == 1024
#define G_LOG2 10
#else
#error "DALLOC_ALIGNMENT above 1024 is not supported"
#endif

/* Largest block size szf can hold. */
#define BLK_MAX_SIZE ((SIZE_MAX >> SZ_SHIFT) << G_LOG2 & ~(GRAN - 1))

static inline size_t blk_size(const blk_t *b) { return (b->szf >> SZ_SHIFT) << G_LOG2; }
static inline size_t blk_flags(const blk_t *b) { return b->szf & F_MASK; }
static inline int blk_has(const blk_t *b, size_t f) { return (b->szf & f) != 0; }
static inline void blk_set(blk_t *b, size_t f) { b->szf |= f; }
static inline void blk_clear(blk_t *b, size_t f) { b->szf &= ~f; }
static inline void blk_set_size(blk_t *b, size_t size)
{
    b->szf = ((size >> G_LOG2) << SZ_SHIFT) | (b->szf & F_MASK);
}
static inline void blk_init(blk_t *b, size_t size, size_t flags)
{
    b->szf = ((size >> G_LOG2) << SZ_SHIFT) | flags;
}

static inline void *blk_payload(const blk_t *b) { return (uint8_t *)(uintptr_t)b + HDR; }
static inline blk_t *blk_of(const void *payload) { return (blk_t *)(uintptr_t)((const uint8_t *)payload - HDR); }
static inline size_t blk_payload_size(const blk_t *b) { return blk_size(b) - HDR; }
static inline blk_t *blk_at(void *p, size_t off) { return (blk_t *)(void *)((uint8_t *)p + off); }
static inline blk_t *blk_next(const blk_t *b) { return blk_at((void *)(uintptr_t)b, blk_size(b)); }
static inline uint8_t *blk_end(const blk_t *b) { return (uint8_t *)(uintptr_t)b + blk_size(b); }

/* Module trailer of an F_MOD block: its last MT bytes. */
typedef struct mtrail {
    uint32_t prev, next; /* block list of the module: granule offset + 1, 0 = none */
    uint32_t module;     /* module id */
    uint32_t spare;
} mtrail_t;
#define MT ROUND_UP(sizeof(mtrail_t), GRAN)

static inline mtrail_t *blk_trailer(const blk_t *b) { return (mtrail_t *)(void *)(blk_end(b) - MT); }
/* Bytes the user may use in block b. */
static inline size_t blk_usable(const blk_t *b)
{
    return blk_size(b) - HDR - (blk_has(b, F_MOD | F_SPARE) ? MT : 0);
}

/* Fixed blocks keep the log2 of their alignment in the owner word. */
static inline unsigned blk_align_log2(const blk_t *b) { return (unsigned)(uintptr_t)b->owner; }
static inline void blk_set_align_log2(blk_t *b, unsigned l) { b->owner = (void **)(uintptr_t)l; }

/* Footer: the last word of a free block holds its size. */
static inline void blk_write_footer(blk_t *b)
{
    size_t *f = (size_t *)(void *)(blk_end(b) - sizeof(size_t));
    *f = blk_size(b);
}
/* The free block below b (valid only when b has F_PREV_FREE). */
static inline blk_t *blk_prev_free(const blk_t *b)
{
    const size_t *f = (const size_t *)(const void *)((const uint8_t *)b - sizeof(size_t));
    return (blk_t *)(uintptr_t)((const uint8_t *)b - *f);
}

/* --enable-guards=N: after the user's bytes of every user block, at least
 * N guard bytes, then a 16-bit count of all the bytes from the end of the
 * user's to the end of the usable area (guards.c). */
#ifndef DALLOC_GUARDS
#define DALLOC_GUARDS 0
#endif
#if DALLOC_GUARDS > 0
#define GUARD_ROOM ((size_t)DALLOC_GUARDS + 2u)
#if DALLOC_GUARDS > 1024
#error "DALLOC_GUARDS above 1024 is not supported"
#endif
#else
#define GUARD_ROOM ((size_t)0)
#endif

/* Block size for a request of n payload bytes (plus a module trailer when
 * mod, and guard bytes when built with them); 0 when it cannot be
 * represented (the caller refuses with DALLOC_E_SIZE).  Checked before any
 * addition can wrap. */
static inline size_t blk_size_for(size_t n, int mod)
{
    size_t s, extra = HDR + (mod ? MT : 0) + GUARD_ROOM;
    if (n > BLK_MAX_SIZE - extra - GRAN)
        return 0;
    s = ROUND_UP(n + extra, GRAN);
    return s < MIN_BLOCK ? MIN_BLOCK : s;
}

#endif /* DALLOC_BLOCK_H */
