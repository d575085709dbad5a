/*
 * vg.h - Valgrind annotations of a heap (vg.c): what heap_internal.h needs
 * to keep memcheck quiet while the library works on a locked heap, and the
 * calls of heap.c and events.c.  Included by heap_internal.h only when
 * DALLOC_VALGRIND is on (configure found <valgrind/memcheck.h> and was not
 * given --disable-valgrind-annotations).
 */
#ifndef DALLOC_VG_H
#define DALLOC_VG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <valgrind/memcheck.h>

#include "block.h"

/* While a heap is locked, memcheck reports no access to its arena: the
 * library reads and writes headers, free lists and free space (zero fill,
 * compaction's copies), which are unaddressable to user code.  Accesses
 * elsewhere (the control block, the caller's variables) are still checked.
 * Expressions, for HEAP_LOCK() and HEAP_UNLOCK(); natively a test of the
 * heap's flag (the control block lies below the arena and keeps its
 * state). */
#define DALLOC_VG_QUIET(h) ((h)->ctl->vg_on ? dalloc__vg_quiet(h, true) : (void)0)
#define DALLOC_VG_LOUD(h) ((h)->ctl->vg_on ? dalloc__vg_quiet(h, false) : (void)0)
void dalloc__vg_quiet(dalloc_heap_t *h, bool quiet);

/* Around a read of user data on purpose (the owner scan of compact.c reads
 * every word of a block, the user's uninitialised ones too): nothing is
 * reported for the thread.  c is the heap's control block. */
#define DALLOC_VG_ERRORS_(c, by) \
    ((c)->vg_on ? (void)VALGRIND_DO_CLIENT_REQUEST_EXPR(0, VG_USERREQ__CHANGE_ERR_DISABLEMENT, (by), 0, 0, 0, 0) \
                : (void)0)
#define DALLOC_VG_BLIND(c) DALLOC_VG_ERRORS_(c, 1)
#define DALLOC_VG_SEE(c) DALLOC_VG_ERRORS_(c, -1)

/* The caller's buffer of h (h->mem, h->total_size), wholly addressable and
 * defined: before dalloc_heap_init() lays a heap out in it (it may still
 * carry an earlier heap's marks) and when dalloc_heap_deinit() gives it
 * back.  A no-op natively. */
void dalloc__vg_buffer(const dalloc_heap_t *h);
/* A heap was laid out (fresh: by dalloc_heap_init(), which also decides
 * once whether it runs under memcheck; else by dalloc_heap_reset()): the
 * whole arena is free, so unaddressable. */
void dalloc__vg_arena(dalloc_heap_t *h, bool fresh);
/* Used block b is about to shrink in place to size bytes. */
void dalloc__vg_shrinking(dalloc_heap_t *h, blk_t *b, size_t size);
/* The used blocks tiling [from, to) are about to be copied by delta with
 * one copy; dalloc__vg_moved() follows for each, in address order. */
void dalloc__vg_moving(dalloc_heap_t *h, const uint8_t *from, const uint8_t *to, ptrdiff_t delta);

#endif /* DALLOC_VG_H */
