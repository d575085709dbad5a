/*
 * heap_internal.h - the control block of a heap and the functions the
 * library's objects share.  Nothing here is installed.
 *
 * Memory of a heap (all inside the caller's buffer):
 *
 *   [ctl][free-list heads][block-start bitmap] lo [relocatable blocks] rtop
 *   [gap] fbot [fixed blocks] hi
 *
 * Relocatable blocks are packed from lo upward and only ever slide down
 * (compaction) or up into the gap (growing a block below them); fixed blocks
 * are carved from hi downward and never move, so they cannot split the space
 * that compaction gathers.  The bitmap has one bit per granule of [lo, hi),
 * set exactly at the header of every used block: it is what proves that an
 * address received from a caller is a block before any field of that block
 * is trusted.
 */
#ifndef DALLOC_HEAP_INTERNAL_H
#define DALLOC_HEAP_INTERNAL_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <string.h>

#include "block.h"

/* Which built-in lock a thread-safe build uses when no hooks are set:
 * dalloc 1.x macros, FreeRTOS, pthreads, or none (bare metal). */
#if DALLOC_THREAD_SAFETY
#if defined(DALLOC_MUTEX_TYPE)
#define LOCK_SEED_MACROS 1
#elif defined(USE_FREE_RTOS)
#include "FreeRTOS.h"
#include "semphr.h"
#define LOCK_FREERTOS 1
#elif defined(DALLOC_HAVE_PTHREAD) && DALLOC_HAVE_PTHREAD
#include <pthread.h>
#define LOCK_PTHREAD 1
#endif
#endif

#ifndef DALLOC_DEBUG_CHECKS
#define DALLOC_DEBUG_CHECKS 0
#endif

#ifndef DALLOC_FILL_FREED
#ifdef FILL_FREED_MEMORY_BY_NULLS
#define DALLOC_FILL_FREED (FILL_FREED_MEMORY_BY_NULLS)
#else
#define DALLOC_FILL_FREED 1
#endif
#endif
#ifndef DALLOC_MAX_ALLOCATIONS
#ifdef MAX_NUM_OF_ALLOCATIONS
#define DALLOC_MAX_ALLOCATIONS MAX_NUM_OF_ALLOCATIONS
#else
#define DALLOC_MAX_ALLOCATIONS 0
#endif
#endif

#define DALLOC_MAGIC 0xDA110C5Bu

/* Segregated free lists, numbered by size class.  The classes follow
 * TLSF's two levels: a power of two of the size in granules, split into
 * SL_COUNT linear steps.  The fixed region's index also has one class per
 * size below EXACT_UNITS granules (space.h's class_of()): fixed blocks
 * never move, so a small request there takes a hole of its own size when
 * one exists instead of splitting a larger one (best fit where most
 * requests fall), for at most 4 * EXACT_SHIFT bytes more of list heads. */
#define SL_LOG2 2
#define SL_COUNT (1u << SL_LOG2)
#define EXACT_LOG2 6
#define EXACT_UNITS (1u << EXACT_LOG2)
/* A fixed class from EXACT_UNITS granules up is the TLSF class plus this. */
#define EXACT_SHIFT (EXACT_UNITS - (EXACT_LOG2 - SL_LOG2 + 1) * SL_COUNT)
/* freeidx.c's table of small classes is written for SL_LOG2 2, and
 * class_of() takes the exact classes from inside that table's range. */
#if SL_LOG2 != 2 || EXACT_LOG2 > 7
#error "update small_class in freeidx.c"
#endif
/* Lists of an index: at most 32 powers of two (FL_MAX), and the fixed
 * region's exact classes. */
#define FL_MAX 32u
#define LISTS_MAX (FL_MAX * SL_COUNT + EXACT_SHIFT)

/* A list link: the byte offset of a free block, of the sentinel or of a
 * list head from the control block, which lies below everything it
 * indexes inside a buffer of less than 4 GiB.  Four bytes on any target,
 * so the heads cost half as much on 64-bit ones. */
typedef uint32_t link_t;

/* One bit per list, in words of the target's size, marks the non-empty
 * ones: a good-fit search is one masked word and a count of trailing
 * zeros, with no branch on which level holds the fit.  Bits from `lists`
 * up stay clear. */
#define CL_BITS (sizeof(size_t) * 8u)
#define CL_WORDS ((LISTS_MAX + CL_BITS - 1u) / CL_BITS)

typedef struct freeidx {
    size_t cl_bitmap[CL_WORDS]; /* bit k % CL_BITS of word k / CL_BITS: list k is non-empty */
    uint32_t lists;             /* lists in use for this arena (at most LISTS_MAX) */
    size_t bytes;               /* total size of the blocks on the lists */
    link_t *heads;              /* `lists` list heads, by class */
    fblk_t nil;                 /* the end of every list (never on one) */
} freeidx_t;

/* One registered module (a slot with name[0] == 0 is free). */
typedef struct modrec {
    char name[DALLOC_MODULE_NAME_MAX];
    uint32_t head;   /* first block of its list: granule offset + 1, 0 = none */
    uint32_t blocks;
    size_t bytes, peak, quota;
} modrec_t;

struct dalloc_ctl {
    uint8_t *lo, *rtop, *fbot, *hi;
    uint8_t *cursor;            /* no hole that compaction can close lies below */
    uint32_t *bitmap;           /* block starts, one bit per granule of [lo, hi) */
    uint8_t *track;             /* an address kept right across moves (an owner
                                   inside a block that compaction may move) */
    freeidx_t ridx;             /* holes of the relocatable region */
    /* Holes of the fixed region: an index in an F_SYS block, the topmost
     * block of that region, made with the first fixed block and dropped
     * with the last, so a heap without fixed blocks pays nothing for it.
     * NULL exactly while the fixed region is empty. */
    freeidx_t *fidx;
    modrec_t *mods;             /* module registry (payload of an F_SYS block) */
    link_t *qbins;              /* the quick cache's table, in the gap, or NULL
                                   (alloc.c) */
    uint32_t qcount;            /* blocks held by the quick cache */
    uint32_t pinned;            /* pinned blocks */
    uint32_t sys_bytes;         /* bytes of F_SYS blocks (not in heap_t.offset) */
    unsigned mod_cap;           /* slots of the registry */
    /* From here on: kept by dalloc_heap_reset() (heap.c's layout() clears
     * what lies above). */
    unsigned policy;            /* dalloc_policy_t */
    size_t bytes_moved;
    uint32_t refusals, compactions;
    uint32_t orphaned;          /* registrations dropped because the variable
                                   no longer held its block */
#if DALLOC_VALGRIND
    bool vg_on;                 /* running under memcheck (vg.c) */
    unsigned vg_depth;          /* HEAP_LOCK()s held (the lock is recursive) */
    const uint8_t *vg_from, *vg_to; /* a run being moved, announced by */
    ptrdiff_t vg_delta;             /* dalloc__vg_moving() */
#endif
#if DALLOC_THREAD_SAFETY
    dalloc_lock_hooks_t hooks;  /* create == NULL: the built-in lock */
#if defined(LOCK_PTHREAD)
    pthread_mutex_t mutex;
#endif
#endif
};
typedef struct dalloc_ctl ctl_t;

/* ---- bit helpers -------------------------------------------------------- */

static inline unsigned bit_ffs(uint32_t x) /* lowest set bit; x != 0 */
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctz(x);
#else
    unsigned i = 0;
    while (!(x & 1u)) { x >>= 1; i++; }
    return i;
#endif
}
static inline unsigned bit_ffsw(size_t x) /* lowest set bit of a word; x != 0 */
{
#if defined(__GNUC__)
    if (sizeof(size_t) <= sizeof(unsigned long))
        return (unsigned)__builtin_ctzl((unsigned long)x);
    return (unsigned)__builtin_ctzll((unsigned long long)x);
#else
    unsigned i = 0;
    while (!(x & 1u)) { x >>= 1; i++; }
    return i;
#endif
}
static inline unsigned bit_fls(size_t x) /* highest set bit; x != 0 */
{
#if defined(__GNUC__)
    /* size_t is no wider than unsigned long on the targets GCC and clang
     * serve (LP64, ILP32; LLP64 Windows aside, hence the test): one clz on
     * a 32-bit target instead of a 64-bit sequence. */
    if (sizeof(size_t) <= sizeof(unsigned long))
        return (unsigned)(sizeof(unsigned long) * 8 - 1) - (unsigned)__builtin_clzl((unsigned long)x);
    return (unsigned)(sizeof(unsigned long long) * 8 - 1) - (unsigned)__builtin_clzll((unsigned long long)x);
#else
    unsigned i = 0;
    while (x >>= 1) i++;
    return i;
#endif
}

/* ---- block-start bitmap --------------------------------------------------- */

static inline size_t bm_index(const ctl_t *c, const void *p)
{
    return (size_t)((const uint8_t *)p - c->lo) >> G_LOG2;
}
static inline void bm_set(ctl_t *c, const void *p)
{
    size_t i = bm_index(c, p);
    c->bitmap[i >> 5] |= (uint32_t)1 << (i & 31u);
}
static inline void bm_clear(ctl_t *c, const void *p)
{
    size_t i = bm_index(c, p);
    c->bitmap[i >> 5] &= ~((uint32_t)1 << (i & 31u));
}
static inline bool bm_test(const ctl_t *c, const void *p)
{
    size_t i = bm_index(c, p);
    return (c->bitmap[i >> 5] >> (i & 31u)) & 1u;
}

/* ---- address classification ---------------------------------------------- */

static inline bool in_arena(const ctl_t *c, const void *p)
{
    return (const uint8_t *)p >= c->lo && (const uint8_t *)p < c->hi;
}
static inline bool in_reloc(const ctl_t *c, const void *p)
{
    return (const uint8_t *)p >= c->lo && (const uint8_t *)p < c->rtop;
}

/* The used block whose payload starts at p, or NULL.  Trusts nothing at p:
 * bounds and alignment first, then the bitmap, only then the header.
 * dalloc__used_block_at() (compact.c) is the out-of-line copy every caller but the
 * hot paths of alloc.c uses, so an -Os build holds one. */
static inline blk_t *block_at(const ctl_t *c, const void *p)
{
    const uint8_t *q = (const uint8_t *)p;
    blk_t *b;
    if (q < c->lo + HDR || q >= c->hi || (((uintptr_t)(q - c->lo)) & (GRAN - 1)) != 0)
        return NULL;
    b = blk_of(q);
    if (!bm_test(c, b))
        return NULL;
    return b;
}

blk_t *dalloc__used_block_at(const ctl_t *c, const void *p);

/* ---- heap state ----------------------------------------------------------- */

static inline ctl_t *heap_ctl(const dalloc_heap_t *h)
{
    return (h != NULL && h->magic == DALLOC_MAGIC) ? h->ctl : NULL;
}

/* Account a block entering or leaving the used set. */
static inline void heap_count_alloc(dalloc_heap_t *h, size_t size)
{
    h->offset += (uint32_t)size;
    h->alloc_info.allocations_num++;
    if (h->offset > h->alloc_info.max_memory_amount)
        h->alloc_info.max_memory_amount = h->offset;
    if (h->alloc_info.allocations_num > h->alloc_info.max_allocations_amount)
        h->alloc_info.max_allocations_amount = h->alloc_info.allocations_num;
}
static inline void heap_count_free(dalloc_heap_t *h, size_t size)
{
    h->offset -= (uint32_t)size;
    h->alloc_info.allocations_num--;
}

/* ---- free space (freeidx.c) ------------------------------------------------ */

/* Lists an index needs for an arena of that many bytes (a fixed region's
 * when fixed). */
unsigned dalloc__idx_lists(size_t arena, bool fixed);
size_t dalloc__idx_count(const ctl_t *c, const freeidx_t *x); /* blocks on the lists: O(blocks) */
void dalloc__idx_init(ctl_t *c, freeidx_t *x, link_t *heads, unsigned lists);
/* put_hole() of space.h: [b, b + size) becomes a listed free block. */
void dalloc__space_put_hole(ctl_t *c, freeidx_t *x, blk_t *b, size_t size, bool fixed);
void dalloc__idx_remove(ctl_t *c, freeidx_t *x, blk_t *b);
/* A free block of at least size bytes, off its list, or NULL.  how 0: the
 * classes certain to fit (O(1)); 1: the first few blocks of the request's
 * own class (O(1)); 2: all of that class (before a compaction, which costs
 * more anyway). */
blk_t *dalloc__idx_take(ctl_t *c, freeidx_t *x, size_t size, int how);
size_t dalloc__idx_largest(const ctl_t *c, const freeidx_t *x);
/* After a block of the fixed region was freed: drop the region's index
 * (fixed.c makes it with the region's first block) when the region holds
 * nothing else, leaving it empty and fidx NULL.  Called by whoever frees
 * the last user block of that region, not by dalloc__space_release(), so the
 * relocatable core does not pull it in. */
void dalloc__idx_fixed_released(ctl_t *c);

/* Return used block b to free space (clearing its bitmap bit), merged with
 * its free neighbours and the gap; moves the compaction cursor down to the
 * merged area when needed.  Returns the start of the merged area. */
uint8_t *dalloc__space_release(ctl_t *c, blk_t *b);
/* Shrink used block b to size, freeing the tail (merged as above). */
void dalloc__space_trim(ctl_t *c, blk_t *b, size_t size);
/* A relocatable block of exactly size bytes from a hole or the gap, marked
 * used (flags cleared, bitmap set), or NULL.  Never compacts. */
blk_t *dalloc__space_take_reloc(ctl_t *c, size_t size);
/* The size used block b would have after growing in place to size (an
 * unsplittable remainder stays with it), or 0 when it cannot grow there. */
size_t dalloc__space_grown_size(const ctl_t *c, const blk_t *b, size_t size);
/* Grow used block b in place to size; dalloc__space_grown_size() said it can. */
void dalloc__space_grow_in_place(ctl_t *c, blk_t *b, size_t size);

/* Free used block b (any kind): module, counters, zero fill, merge. */
void dalloc__block_free(dalloc_heap_t *h, blk_t *b);
/* Resize used block b in place to size (its module trailer kept at the
 * end, its module's quota respected): DALLOC_OK, DALLOC_E_QUOTA, or
 * DALLOC_E_NOMEM when it cannot grow where it is. */
dalloc_status_t dalloc__block_resize(dalloc_heap_t *h, blk_t *b, size_t size);
/* Would module-tagged block b (or none) stay within its quota at size? */
dalloc_status_t dalloc__block_admit(const ctl_t *c, const blk_t *b, size_t size);
/* A fixed block of size bytes aligned to align (>= GRAN), compacting the
 * relocatable region when the policy allows; marked used, or NULL. */
blk_t *dalloc__fixed_take(dalloc_heap_t *h, size_t size, size_t align);

/* ---- modules (modules.c) ---------------------------------------------------- */

static inline uint32_t blk_off(const ctl_t *c, const blk_t *b)
{
    return (uint32_t)(((size_t)((const uint8_t *)b - c->lo) >> G_LOG2) + 1u);
}
static inline blk_t *blk_from_off(const ctl_t *c, uint32_t off)
{
    return (blk_t *)(void *)(c->lo + ((size_t)(off - 1u) << G_LOG2));
}
modrec_t *dalloc__mod_rec(const ctl_t *c, dalloc_module_t id);
/* Put b (F_MOD set, trailer space reserved) on module id's list. */
void dalloc__mod_link(ctl_t *c, blk_t *b, dalloc_module_t id);
void dalloc__mod_unlink(ctl_t *c, blk_t *b);
/* nb arrived by delta with the run [from, to) (old places): translate its
 * links to blocks of the same run, and repoint its neighbours outside it. */
void dalloc__mod_moved(ctl_t *c, blk_t *nb, const uint8_t *from, const uint8_t *to, ptrdiff_t delta);
/* b changed size from old (trailer already at its new end). */
void dalloc__mod_resized(ctl_t *c, blk_t *b, size_t old);
/* DALLOC_OK when module id (or none) may take extra more bytes. */
dalloc_status_t dalloc__mod_admit(const ctl_t *c, dalloc_module_t id, size_t extra);

/* The core reaches the module code only through this table, which the first
 * dalloc_module_register() installs: a firmware that never registers a
 * module does not link modules.o.  No block carries F_MOD before then. */
typedef struct mod_ops {
    void (*link)(ctl_t *c, blk_t *b, dalloc_module_t id);
    void (*unlink)(ctl_t *c, blk_t *b);
    void (*moved)(ctl_t *c, blk_t *nb, const uint8_t *from, const uint8_t *to, ptrdiff_t delta);
    void (*resized)(ctl_t *c, blk_t *b, size_t old);
    dalloc_status_t (*admit)(const ctl_t *c, dalloc_module_t id, size_t extra);
} mod_ops_t;
extern const mod_ops_t *dalloc__mod_ops;

static inline dalloc_status_t core_mod_admit(const ctl_t *c, dalloc_module_t id, size_t extra)
{
    if (id == DALLOC_NO_MODULE)
        return DALLOC_OK;
    return dalloc__mod_ops != NULL ? dalloc__mod_ops->admit(c, id, extra) : DALLOC_E_MODULE;
}

/* ---- moving blocks (compact.c) -------------------------------------------- */

/* Move used relocatable block b to dst, rewriting its registered pointer and
 * the recorded owners of blocks whose owner lies inside b.  The caller keeps
 * the free-space structure right around it. */
void dalloc__move_block(dalloc_heap_t *h, blk_t *b, uint8_t *dst);
/* The used user block whose payload (the user's bytes) holds the whole
 * word at slot, or NULL. */
blk_t *dalloc__slot_container(const ctl_t *c, void **slot);
/* Record that slot (an owner inside the arena) lies in a live block; false
 * when slot is not inside a used block's payload. */
bool dalloc__mark_container(ctl_t *c, void **slot, const blk_t *self);
/* True when used block b holds, at payload offset from or above, the
 * registered owner of another live block. */
bool dalloc__has_dependents(ctl_t *c, blk_t *b, size_t from);
/* Translate by delta (b moves by delta) or, with orphan, drop the recorded
 * owners that lie inside b. */
void dalloc__fix_dependents(ctl_t *c, blk_t *b, ptrdiff_t delta, bool orphan);
/* How a compaction run ended: the heap is compact (DONE), the budget ran
 * out with work left (AGAIN), or the next block exceeds the whole budget
 * (BLOCKED). */
typedef enum { COMPACT_DONE, COMPACT_AGAIN, COMPACT_BLOCKED } compact_end_t;
/* Compaction from the cursor, moving at most budget bytes. */
size_t dalloc__compact_run(dalloc_heap_t *h, size_t budget, compact_end_t *how);
/* A full compaction (counted in the figures). */
void dalloc__compact_all(dalloc_heap_t *h);
/* The largest free run a full compaction of the relocatable region would
 * leave: the free total without pins, else the largest stretch between
 * pinned blocks (walked, O(blocks): pins are the rare case).  *top (when
 * not NULL) gets the run it would leave next to the gap. */
size_t dalloc__compact_largest(const ctl_t *c, size_t *top);


/* ---- the life of a user block, for optional observers --------------------- */

/* Guard bytes (guards.c, --enable-guards=N) and Valgrind annotations (vg.c,
 * when valgrind/memcheck.h is found) follow each user block through these
 * calls; a build with neither compiles them away.  The library's own blocks
 * (F_SYS) are not user blocks and never pass through them. */
#ifndef DALLOC_VALGRIND
#define DALLOC_VALGRIND 0
#endif
#if DALLOC_GUARDS > 0 || DALLOC_VALGRIND
#define DALLOC_EVENTS 1
/* Used block b (header final) now holds n user bytes: a new block (fresh),
 * or one resized or re-laid in place (its module trailer added or dropped). */
void dalloc__ev_live(dalloc_heap_t *h, blk_t *b, size_t n, bool fresh);
/* Used block b is about to be freed by the user (payload not yet zeroed):
 * false when its guard bytes were overwritten (reported; it is freed all
 * the same). */
bool dalloc__ev_dead(dalloc_heap_t *h, blk_t *b);
/* Used block b is about to shrink in place to size bytes (header
 * included): the library writes its own words (a module trailer, a free
 * block's header and footer) where the user's bytes were. */
void dalloc__ev_shrinking(dalloc_heap_t *h, blk_t *b, size_t size);
/* The used relocatable blocks tiling [from, to) are about to be copied
 * by delta with one copy (compaction's move_run()); dalloc__ev_moved()
 * follows for each of them, in address order, after the copy. */
void dalloc__ev_moving(dalloc_heap_t *h, const uint8_t *from, const uint8_t *to, ptrdiff_t delta);
/* The used block now at nb was copied there from old (its former header
 * address), contents and size unchanged. */
void dalloc__ev_moved(dalloc_heap_t *h, const uint8_t *old, blk_t *nb);
/* The user's size of used block b (what it was allocated or resized to). */
size_t dalloc__user_size(const blk_t *b);
#else
#define DALLOC_EVENTS 0
static inline void dalloc__ev_live(dalloc_heap_t *h, blk_t *b, size_t n, bool fresh)
{
    (void)h, (void)b, (void)n, (void)fresh;
}
static inline bool dalloc__ev_dead(dalloc_heap_t *h, blk_t *b) { return (void)h, (void)b, true; }
static inline void dalloc__ev_shrinking(dalloc_heap_t *h, blk_t *b, size_t size) { (void)h, (void)b, (void)size; }
static inline void dalloc__ev_moving(dalloc_heap_t *h, const uint8_t *from, const uint8_t *to, ptrdiff_t delta)
{
    (void)h, (void)from, (void)to, (void)delta;
}
static inline void dalloc__ev_moved(dalloc_heap_t *h, const uint8_t *old, blk_t *nb) { (void)h, (void)old, (void)nb; }
static inline size_t dalloc__user_size(const blk_t *b) { return blk_usable(b); }
#endif

#if DALLOC_GUARDS > 0
/* guards.c: write b's guard after n user bytes; is it intact; the user's
 * size it records; verify it, telling the error hook (as call) when not. */
void dalloc__guard_live(blk_t *b, size_t n);
bool dalloc__guard_intact(const blk_t *b);
size_t dalloc__guard_user_size(const blk_t *b);
bool dalloc__guard_verify(const dalloc_heap_t *h, const blk_t *b, const char *call);
#endif
#if DALLOC_VALGRIND
#include "vg.h"
/* vg.c: the Valgrind side of the events above. */
void dalloc__vg_live(dalloc_heap_t *h, blk_t *b, size_t n, bool fresh);
void dalloc__vg_dead(dalloc_heap_t *h, blk_t *b);
void dalloc__vg_moved(dalloc_heap_t *h, const uint8_t *old, blk_t *nb);
#if DALLOC_GUARDS == 0
/* Valgrind annotations alone: natively an event costs a test of the heap's
 * flag (set by dalloc_heap_init() under Valgrind), not a call.  events.c
 * still defines the functions (their names parenthesised). */
#define dalloc__ev_live(h, b, n, fresh) ((h)->ctl->vg_on ? dalloc__vg_live(h, b, n, fresh) : (void)0)
#define dalloc__ev_dead(h, b) ((h)->ctl->vg_on ? (dalloc__vg_dead(h, b), true) : true)
#define dalloc__ev_shrinking(h, b, size) ((h)->ctl->vg_on ? dalloc__vg_shrinking(h, b, size) : (void)0)
#define dalloc__ev_moving(h, from, to, delta) ((h)->ctl->vg_on ? dalloc__vg_moving(h, from, to, delta) : (void)0)
#define dalloc__ev_moved(h, old, nb) ((h)->ctl->vg_on ? dalloc__vg_moved(h, old, nb) : (void)0)
#endif
#else
#define dalloc__vg_buffer(h) ((void)0)
#define dalloc__vg_arena(h, fresh) ((void)0)
#define DALLOC_VG_BLIND(c) ((void)0)
#define DALLOC_VG_SEE(c) ((void)0)
#endif

/* ---- locking (lock.c) ----------------------------------------------------- */
#if DALLOC_THREAD_SAFETY
/* Give a new heap its lock (default hooks or built-in); false on failure. */
bool dalloc__lock_create(dalloc_heap_t *h);
void dalloc__lock_destroy(dalloc_heap_t *h);
void dalloc__lock_acquire(dalloc_heap_t *h);
void dalloc__lock_release(dalloc_heap_t *h);
#define HEAP_LOCK_ONLY(h) dalloc__lock_acquire(h)
#define HEAP_UNLOCK_ONLY(h) dalloc__lock_release(h)
#else
#define HEAP_LOCK_ONLY(h) ((void)0)
#define HEAP_UNLOCK_ONLY(h) ((void)0)
#endif
/* Under Valgrind, memcheck stays quiet while the library works on a locked
 * heap (vg.h); natively a test of a flag in the control block. */
#if DALLOC_VALGRIND
#define HEAP_LOCK_FAST(h) (HEAP_LOCK_ONLY(h), DALLOC_VG_QUIET(h))
#define HEAP_UNLOCK(h) (DALLOC_VG_LOUD(h), HEAP_UNLOCK_ONLY(h))
#else
#define HEAP_LOCK_FAST(h) HEAP_LOCK_ONLY(h)
#define HEAP_UNLOCK(h) HEAP_UNLOCK_ONLY(h)
#endif

/* ---- the quick cache (alloc.c) ---------------------------------------------
 * Speed builds keep up to QUICK_CAP plain relocatable blocks just freed by
 * dalloc_free() (zeroed, counted free, off the block-start bitmap) on lists
 * by exact size, for dalloc_alloc() to reuse without splitting a hole or
 * merging one; the lists' heads are a table in the gap.  Those two calls'
 * inlined common paths use the cache; the fixed blocks' ones (which never
 * touch the gap or relocatable blocks) and the queries that lock with
 * HEAP_LOCK_FAST (dalloc_validate, dalloc_check, which checks the cache
 * as it is, and the module lookups) leave it; every other call locks with
 * HEAP_LOCK, which returns its blocks to free space and drops the table
 * (dalloc__quick_flush(), at most QUICK_CAP releases), so compaction,
 * reports, statistics and refusals find free space merged as always.  To
 * a block next to it, a cached block is a used one.
 * Size builds (-Os), guard and debug-check builds do without it, and so
 * does a heap under Valgrind's memcheck (vg.c), whose every freed byte is
 * to be unaddressable at once. */
#if !defined(__OPTIMIZE_SIZE__) && DALLOC_GUARDS == 0 && !DALLOC_DEBUG_CHECKS
#define DALLOC_QUICK 1
#else
#define DALLOC_QUICK 0
#endif
#define QUICK_BINS 64u /* blocks of MIN_BLOCK up to MIN_BLOCK + 63 granules */
#define QUICK_CAP 64u
#define QUICK_TABLE (QUICK_BINS * sizeof(link_t))
#if DALLOC_QUICK
void dalloc__quick_flush(ctl_t *c);
#define QUICK_FLUSH(c) ((c)->qbins != NULL ? dalloc__quick_flush(c) : (void)0)
#else
#define QUICK_FLUSH(c) ((void)0)
#endif
#define HEAP_LOCK(h) (HEAP_LOCK_FAST(h), QUICK_FLUSH((h)->ctl))

/* ---- entry and exit of the public calls ------------------------------------ */

/* The entry of a public call on heap h: DALLOC_E_HEAP (recorded when h is
 * not NULL) unless h is initialised, DALLOC_E_ARG (recorded) unless arg_ok,
 * else DALLOC_OK with the heap locked, and dalloc__heap_leave() then records the
 * call's status and unlocks.  An -Os build calls the one out-of-line copy
 * (heap.c); a speed build inlines it. */
static inline dalloc_status_t heap_enter_check(dalloc_heap_t *h, bool arg_ok)
{
    if (h == NULL || h->magic != DALLOC_MAGIC || h->ctl == NULL) { /* heap_ctl(h) == NULL */
        if (h != NULL)
            h->last_error = DALLOC_E_HEAP;
        return DALLOC_E_HEAP;
    }
    if (!arg_ok)
        return h->last_error = DALLOC_E_ARG;
    return DALLOC_OK;
}
static inline dalloc_status_t heap_enter_inline(dalloc_heap_t *h, bool arg_ok)
{
    dalloc_status_t st = heap_enter_check(h, arg_ok);
    if (st == DALLOC_OK)
        HEAP_LOCK(h);
    return st;
}
dalloc_status_t dalloc__heap_enter(dalloc_heap_t *h, bool arg_ok);
#ifndef __OPTIMIZE_SIZE__
#define dalloc__heap_enter(h, arg_ok) heap_enter_inline(h, arg_ok)
#endif
/* The same for a call whose inlined common path may meet the quick cache:
 * the heap is locked with the cache as it is. */
static inline dalloc_status_t heap_enter_fast(dalloc_heap_t *h, bool arg_ok)
{
    dalloc_status_t st = heap_enter_check(h, arg_ok);
    if (st == DALLOC_OK)
        HEAP_LOCK_FAST(h);
    return st;
}

/* ---- errors (error.c) -------------------------------------------------------- */

/* Tell the error hook (if one is set) about a refusal or a corruption seen
 * by call (NULL: a query's answer, not told). */
void dalloc__report(const dalloc_heap_t *h, dalloc_status_t st, const char *call, const void *ptr, size_t size,
                    dalloc_module_t mod);
/* A refusal with the heap not locked (dalloc__heap_enter() failed, or an
 * argument check came first): recorded when h is not NULL, told, returned. */
dalloc_status_t dalloc__refuse(dalloc_heap_t *h, dalloc_status_t st, const char *call, const void *ptr, size_t size);

/* --enable-debug-checks: the integrity check after every call that locked
 * the heap (check.c); a corruption goes to the error hook. */
#if DALLOC_DEBUG_CHECKS
void dalloc__debug_check(dalloc_heap_t *h, const char *call);
#endif

/* The exit of a public call on locked heap h: record st, unlock, and tell
 * the error hook about a refusal.  ptr and size are the call's pointer and
 * size arguments, for the hook; call is the public function's name (NULL
 * for queries, whose "no" is an answer rather than a refusal). */
static inline dalloc_status_t dalloc__heap_leave(dalloc_heap_t *h, dalloc_status_t st, const char *call,
                                                 const void *ptr, size_t size)
{
#if DALLOC_DEBUG_CHECKS
    dalloc__debug_check(h, call);
#endif
    h->last_error = st;
    HEAP_UNLOCK(h);
    if (st != DALLOC_OK)
        dalloc__report(h, st, call, ptr, size, DALLOC_NO_MODULE);
    return st;
}

#endif /* DALLOC_HEAP_INTERNAL_H */
