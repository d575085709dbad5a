/*
 * vg.c - Valgrind annotations: memcheck is told which bytes of a heap user
 * code may touch, so that it reports a read of a freed block, a write past
 * a block's requested size, a test of a new block's uninitialised bytes
 * and a stale copy of a pointer used after compaction moved its block.
 *
 * What memcheck is told.  The arena (from lo to the end of the caller's
 * buffer) is unaddressable: free space, block headers, module trailers,
 * the slack after each block's requested size, and the library's own
 * blocks (F_SYS).  The only addressable bytes in it are the first n bytes
 * of each user block's payload, n being the size the user asked for (not
 * rounded): undefined when the block is new, then as the user wrote them.
 * The control block, list heads and bitmap below lo are left as they were
 * (the library reads them outside the lock, and user code has no pointer
 * into them).
 *
 * Memcheck keeps the exact sizes: a block's size is the offset of the
 * first unaddressable byte of its payload (scan()).  The library itself
 * does not ask (dalloc__user_size() stays the usable size without guard
 * bytes), so it behaves under Valgrind as it does natively.  Blocks are
 * not memcheck mempool chunks: its leak check would then report every
 * block of a static heap that a program never frees, and the heap's
 * blocks are the caller's buffer, not memory of its own.
 *
 * The library's own accesses.  While a heap is locked (HEAP_LOCK() to
 * HEAP_UNLOCK(), heap_internal.h) memcheck reports no access to the arena
 * (dalloc__vg_quiet(): its address range is ignored): headers, lists, zero
 * fill and copies go unreported, a read of unaddressable memory yields
 * defined bytes, and a write there changes the memory but not memcheck's
 * marks.  The library's other accesses stay checked (its control block,
 * the caller's variables, a test of an uninitialised *owner).  The owner
 * scan, which reads every word of some user blocks whether the user wrote
 * it or not, reports nothing at all (DALLOC_VG_BLIND() in compact.c).
 *
 * Moves keep definedness exactly.  Before compaction's one copy of a run of
 * blocks (dalloc__vg_moving()), every byte of the source and of the
 * destination is made addressable, so the copy carries memcheck's
 * definedness bits along with the data; each block's size, which those
 * marks would lose, travels in the definedness bits of its owner word (32
 * of them, the word itself is defined data the library keeps).  After the
 * copy, dalloc__vg_moved() reads the size back at the new place, marks the
 * header and slack unaddressable again, and the places the run left.  A
 * fixed block moved by realloc goes to a disjoint block: its bytes are
 * copied once more there, now addressable, to carry their definedness.
 *
 * Natively, and under Valgrind tools other than memcheck, every entry
 * returns after testing the heap's flag, set once by dalloc_heap_init().
 */
#include "heap_internal.h"

#if DALLOC_VALGRIND

/* Bits of the size carried by the owner word's definedness during a move
 * (an arena is below 4 GiB). */
#define SIZE_BYTES 4u

static bool vg_on(const dalloc_heap_t *h) { return h->ctl->vg_on; }

static void noaccess(const void *p, size_t n)
{
    if (n != 0)
        (void)VALGRIND_MAKE_MEM_NOACCESS(p, n);
}

/* Addressable bytes from p on, at most max: the first unaddressable one
 * ends them.  Memcheck reports nothing for this check. */
static size_t scan(const uint8_t *p, size_t max)
{
    uintptr_t bad;
    VALGRIND_DISABLE_ERROR_REPORTING;
    bad = (uintptr_t)VALGRIND_CHECK_MEM_IS_ADDRESSABLE(p, max);
    VALGRIND_ENABLE_ERROR_REPORTING;
    return bad >= (uintptr_t)p && bad - (uintptr_t)p < max ? (size_t)(bad - (uintptr_t)p) : max;
}

void dalloc__vg_quiet(dalloc_heap_t *h, bool quiet)
{
    ctl_t *c = h->ctl;
    uint8_t *end = h->mem + h->total_size;
    if (quiet ? c->vg_depth++ != 0 : --c->vg_depth != 0)
        return; /* a call made while the heap was already locked */
    if (quiet)
        (void)VALGRIND_DISABLE_ADDR_ERROR_REPORTING_IN_RANGE(c->lo, (size_t)(end - c->lo));
    else
        (void)VALGRIND_ENABLE_ADDR_ERROR_REPORTING_IN_RANGE(c->lo, (size_t)(end - c->lo));
}

void dalloc__vg_buffer(const dalloc_heap_t *h)
{
    (void)VALGRIND_MAKE_MEM_DEFINED(h->mem, h->total_size);
}

/* Is the program running under memcheck (not natively, nor under another
 * tool such as helgrind, which memcheck's requests would not concern)?
 * Only memcheck answers its requests: it copies the definedness bits of a
 * byte where the others return their default, 0. */
static bool under_memcheck(void)
{
    unsigned char probe = 0, vbits = 0;
    if (RUNNING_ON_VALGRIND == 0)
        return false;
    return VALGRIND_GET_VBITS(&probe, &vbits, 1) == 1;
}

void dalloc__vg_arena(dalloc_heap_t *h, bool fresh)
{
    ctl_t *c = h->ctl;
    if (fresh)
        c->vg_on = under_memcheck();
    c->vg_from = c->vg_to = NULL;
    c->vg_delta = 0;
    if (c->vg_on)
        noaccess(c->lo, (size_t)(h->mem + h->total_size - c->lo));
}

void dalloc__vg_live(dalloc_heap_t *h, blk_t *b, size_t n, bool fresh)
{
    uint8_t *pay = (uint8_t *)blk_payload(b);
    size_t room = blk_payload_size(b), old;
    if (!vg_on(h))
        return;
    if (fresh) {
        noaccess(b, HDR + room);
        (void)VALGRIND_MAKE_MEM_UNDEFINED(pay, n);
        return;
    }
    /* Resized or re-laid in place: the first old bytes keep their marks,
     * any new ones are undefined, the rest is unaddressable.  (What a
     * shrink cut off is already: dalloc__vg_shrinking().) */
    old = scan(pay, room);
    noaccess(b, HDR);
    noaccess(pay + n, room - n);
    if (n > old)
        (void)VALGRIND_MAKE_MEM_UNDEFINED(pay + old, n - old);
}

/* Before the library writes its words past the new end (the trailer, a
 * free block's header and footer) where user bytes were: had they stayed
 * addressable, a word of them half past the user's size would read back
 * half undefined (memcheck's partial loads), and that would spread through
 * the heap's own figures.  dalloc__vg_live() follows with the user's size. */
void dalloc__vg_shrinking(dalloc_heap_t *h, blk_t *b, size_t size)
{
    /* A module's trailer is written at the new end (F_MOD only: the room
     * of F_SPARE holds nothing, and a realloc gives it back to the user). */
    uint8_t *cut = (uint8_t *)b + size - (blk_has(b, F_MOD) ? MT : 0), *end = blk_end(b);
    if (vg_on(h) && cut < end)
        noaccess(cut, (size_t)(end - cut));
}

void dalloc__vg_dead(dalloc_heap_t *h, blk_t *b)
{
    if (vg_on(h))
        noaccess(blk_payload(b), blk_payload_size(b));
}

void dalloc__vg_moving(dalloc_heap_t *h, const uint8_t *from, const uint8_t *to, ptrdiff_t delta)
{
    ctl_t *c = h->ctl;
    const uint8_t *p, *dst = from + delta, *dend = to + delta;
    if (!vg_on(h) || from == to)
        return;
    for (p = from; p < to; p += blk_size((const blk_t *)(const void *)p)) {
        const blk_t *b = (const blk_t *)(const void *)p;
        const uint8_t *pay = (const uint8_t *)blk_payload(b);
        size_t n = scan(pay, blk_usable(b)), i;
        unsigned char vbits[SIZE_BYTES];
        for (i = 0; i < SIZE_BYTES; i++)
            vbits[i] = (unsigned char)(n >> (8 * i));
        (void)VALGRIND_MAKE_MEM_DEFINED(b, HDR);
        (void)VALGRIND_SET_VBITS(&b->owner, vbits, SIZE_BYTES);
        (void)VALGRIND_MAKE_MEM_DEFINED(pay + n, blk_payload_size(b) - n);
    }
    /* The part of the destination outside the run: free space until now. */
    if (delta < 0)
        (void)VALGRIND_MAKE_MEM_UNDEFINED(dst, (size_t)((dend < from ? dend : from) - dst));
    else
        (void)VALGRIND_MAKE_MEM_UNDEFINED(dst > to ? dst : to, (size_t)(dend - (dst > to ? dst : to)));
    c->vg_from = from;
    c->vg_to = to;
    c->vg_delta = delta;
}

/* Copy the definedness of n bytes from src to dst (disjoint; src
 * addressable, dst made so) by copying the bytes themselves once more:
 * memcheck follows the data. */
static void carry(uint8_t *dst, const uint8_t *src, size_t n)
{
    (void)VALGRIND_MAKE_MEM_UNDEFINED(dst, n);
    memcpy(dst, src, n);
}

void dalloc__vg_moved(dalloc_heap_t *h, const uint8_t *old, blk_t *nb)
{
    ctl_t *c = h->ctl;
    uint8_t *pay = (uint8_t *)blk_payload(nb), *end = blk_end(nb);
    size_t n = 0, i;
    if (!vg_on(h))
        return;
    if (c->vg_to != NULL && old >= c->vg_from && old < c->vg_to) {
        /* One block of the run announced by dalloc__vg_moving(). */
        const uint8_t *nfrom = c->vg_from + c->vg_delta, *nto = c->vg_to + c->vg_delta;
        const uint8_t *oend = old + blk_size(nb);
        unsigned char vbits[SIZE_BYTES];
        if (VALGRIND_GET_VBITS(&nb->owner, vbits, SIZE_BYTES) == 1)
            for (i = 0; i < SIZE_BYTES; i++)
                n |= (size_t)vbits[i] << (8 * i);
        if (n > blk_usable(nb)) /* cannot happen: keep it all */
            n = blk_usable(nb);
        noaccess(nb, HDR);
        noaccess(pay + n, (size_t)(end - pay) - n);
        /* What no block of the run covers now is free space. */
        if (c->vg_delta < 0 && oend > nto)
            noaccess(old > nto ? old : nto, (size_t)(oend - (old > nto ? old : nto)));
        else if (c->vg_delta > 0 && old < nfrom)
            noaccess(old, (size_t)((oend < nfrom ? oend : nfrom) - old));
        if (end == nto)
            c->vg_from = c->vg_to = NULL;
        return;
    }
    /* A fixed block copied to a disjoint one, the old still whole. */
    n = scan((const uint8_t *)blk_payload((const blk_t *)(const void *)old),
             blk_usable((const blk_t *)(const void *)old));
    if (n > blk_usable(nb))
        n = blk_usable(nb);
    carry(pay, old + HDR, n);
    noaccess(nb, HDR);
    noaccess(pay + n, (size_t)(end - pay) - n);
    noaccess(old, blk_size((const blk_t *)(const void *)old));
}

#else
/* ISO C wants something in a translation unit. */
typedef int dalloc_vg_unused;
#endif
