/*
 * single_heap.c - the default heap of dalloc 1.x (--enable-single-heap):
 * one heap_t owned by the library, registered over a caller's buffer.
 */
#include "heap_internal.h"

#if DALLOC_SINGLE_HEAP

static dalloc_heap_t default_heap;
static bool registered;

bool dalloc_register_heap(void *buffer, uint32_t size)
{
    if (buffer == NULL || size == 0 || registered)
        return false;
    if (dalloc_heap_init(&default_heap, buffer, size) != DALLOC_OK) {
        dalloc_heap_deinit(&default_heap);
        return false;
    }
    registered = true;
    return true;
}

bool dalloc_unregister_heap(bool force)
{
    if (!registered)
        return false;
    if (!force && default_heap.alloc_info.allocations_num > 0)
        return false;
    dalloc_heap_deinit(&default_heap);
    registered = false;
    return true;
}

void dalloc_reset_heap(void)
{
    if (registered)
        (void)dalloc_heap_reset(&default_heap);
}

bool dalloc_is_initialized(void) { return registered; }

dalloc_heap_t *dalloc_get_default_heap(void) { return registered ? &default_heap : NULL; }

void def_dalloc(uint32_t size, void **ptr) { (void)dalloc_alloc(&default_heap, size, ptr); }

void def_dfree(void **ptr) { (void)dalloc_free(&default_heap, ptr, USING_PTR_ADDRESS); }

bool def_drealloc(uint32_t size, void **ptr) { return dalloc_realloc(&default_heap, size, ptr) == DALLOC_OK; }

void def_replace_pointers(void **ptr_to_replace, void **ptr_new)
{
    (void)dalloc_replace(&default_heap, ptr_to_replace, ptr_new);
}

void print_def_dalloc_info(void) { dalloc_print_info(&default_heap); }
void dump_def_heap(void) { dalloc_dump_heap(&default_heap); }
void dump_def_dalloc_ptr_info(void) { dalloc_dump_blocks(&default_heap); }

#else
typedef int dalloc_single_heap_unused_t; /* ISO C wants a non-empty unit */
#endif
