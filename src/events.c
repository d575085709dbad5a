/*
 * events.c - the life of a user block (see heap_internal.h) handed to the
 * optional features that follow it: guard bytes (guards.c) and Valgrind
 * annotations (vg.c).  Built only when one of them is.
 */
#include "heap_internal.h"

#if DALLOC_EVENTS

/* The dispatchers are called only when guards are built in: with Valgrind
 * annotations alone, heap_internal.h calls vg.c directly behind a test of
 * the heap's flag. */
#if DALLOC_GUARDS > 0
void (dalloc__ev_live)(dalloc_heap_t *h, blk_t *b, size_t n, bool fresh)
{
    (void)h, (void)fresh;
#if DALLOC_GUARDS > 0
    dalloc__guard_live(b, n);
#endif
#if DALLOC_VALGRIND
    dalloc__vg_live(h, b, n, fresh);
#endif
}

bool (dalloc__ev_dead)(dalloc_heap_t *h, blk_t *b)
{
    bool ok = true;
    (void)h, (void)b;
#if DALLOC_GUARDS > 0
    ok = dalloc__guard_verify(h, b, blk_has(b, F_FIXED) ? "dalloc_fixed_free" : "dalloc_free");
#endif
#if DALLOC_VALGRIND
    dalloc__vg_dead(h, b);
#endif
    return ok;
}

void (dalloc__ev_shrinking)(dalloc_heap_t *h, blk_t *b, size_t size)
{
    (void)h, (void)b, (void)size;
#if DALLOC_VALGRIND
    dalloc__vg_shrinking(h, b, size);
#endif
}

void (dalloc__ev_moving)(dalloc_heap_t *h, const uint8_t *from, const uint8_t *to, ptrdiff_t delta)
{
    (void)h, (void)from, (void)to, (void)delta;
#if DALLOC_VALGRIND
    dalloc__vg_moving(h, from, to, delta);
#endif
}

void (dalloc__ev_moved)(dalloc_heap_t *h, const uint8_t *old, blk_t *nb)
{
    (void)h, (void)old, (void)nb;
#if DALLOC_VALGRIND
    dalloc__vg_moved(h, old, nb);
#endif
}

#endif /* DALLOC_GUARDS > 0 */

size_t dalloc__user_size(const blk_t *b)
{
#if DALLOC_GUARDS > 0 && DALLOC_VALGRIND
    /* The count lies in slack memcheck holds unaddressable, and this may
     * run with the heap unlocked (a report): unreported. */
    size_t n;
    VALGRIND_DISABLE_ERROR_REPORTING;
    n = dalloc__guard_user_size(b);
    VALGRIND_ENABLE_ERROR_REPORTING;
    return n;
#elif DALLOC_GUARDS > 0
    return dalloc__guard_user_size(b);
#else
    /* Under Valgrind too, so that the library behaves there as it does
     * natively (vg.c reads the exact sizes from memcheck for itself). */
    return blk_usable(b);
#endif
}

#else
/* ISO C wants something in a translation unit. */
typedef int dalloc_events_unused;
#endif
