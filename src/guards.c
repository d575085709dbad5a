/*
 * guards.c - guard bytes after every user block (--enable-guards=N).
 *
 * The usable area of a block (its payload, less a module trailer) ends
 * with the guard: the user's n bytes, then k - 2 bytes of GUARD_BYTE, then
 * k as a 16-bit little-endian count, where k = usable - n >= N + 2 (the
 * block was sized for it; rounding and unsplittable remainders make k
 * larger).  A write past the user's bytes changes a guard byte or the
 * count, which dalloc__guard_intact() notices: on free, on realloc, and in
 * dalloc_check().  Compaction moves the guard with the block.
 */
#include "heap_internal.h"

#if DALLOC_GUARDS > 0

#define GUARD_BYTE 0xABu

/* The count k stored at the end of b's usable area. */
static size_t guard_count(const blk_t *b)
{
    const uint8_t *end = (const uint8_t *)blk_payload(b) + blk_usable(b);
    return (size_t)end[-2] | (size_t)end[-1] << 8;
}

void dalloc__guard_live(blk_t *b, size_t n)
{
    uint8_t *pay = (uint8_t *)blk_payload(b), *end = pay + blk_usable(b);
    size_t k = (size_t)(end - pay) - n;
    memset(pay + n, GUARD_BYTE, k - 2);
    end[-2] = (uint8_t)(k & 0xFFu);
    end[-1] = (uint8_t)(k >> 8);
}

bool dalloc__guard_intact(const blk_t *b)
{
    const uint8_t *pay = (const uint8_t *)blk_payload(b), *end = pay + blk_usable(b), *g;
    size_t k = guard_count(b);
    if (k < GUARD_ROOM || k > (size_t)(end - pay))
        return false;
    for (g = end - k; g < end - 2; g++)
        if (*g != GUARD_BYTE)
            return false;
    return true;
}

size_t dalloc__guard_user_size(const blk_t *b)
{
    size_t k = guard_count(b), usable = blk_usable(b);
    return k >= GUARD_ROOM && k <= usable ? usable - k : usable; /* damaged: all of it */
}

bool dalloc__guard_verify(const dalloc_heap_t *h, const blk_t *b, const char *call)
{
    if (dalloc__guard_intact(b))
        return true;
    dalloc__report(h, DALLOC_E_GUARD, call, blk_payload(b), dalloc__guard_user_size(b),
                   blk_has(b, F_MOD) ? (dalloc_module_t)blk_trailer(b)->module : DALLOC_NO_MODULE);
    return false;
}

#else
/* ISO C wants something in a translation unit. */
typedef int dalloc_guards_unused;
#endif
