/*
 * seed_api.c - the names and signatures of dalloc 1.x over the dalloc_
 * API.  Where dalloc 1.x returned nothing, the reason for a refusal is
 * still available from dalloc_last_error(heap).
 */
#include "heap_internal.h"

#ifndef DALLOC_NO_SEED_NAMES

void heap_init(heap_t *heap_struct_ptr, void *mem_ptr, uint32_t mem_size)
{
    (void)dalloc_heap_init(heap_struct_ptr, mem_ptr, mem_size);
}

void heap_deinit(heap_t *heap_struct_ptr) { dalloc_heap_deinit(heap_struct_ptr); }

void dalloc(heap_t *heap_struct_ptr, uint32_t size, void **ptr)
{
    (void)dalloc_alloc(heap_struct_ptr, size, ptr);
}

void dfree(heap_t *heap_struct_ptr, void **ptr, validate_ptr_condition_t condition)
{
    (void)dalloc_free(heap_struct_ptr, ptr, condition);
}

bool drealloc(heap_t *heap_struct_ptr, uint32_t size, void **ptr)
{
    return dalloc_realloc(heap_struct_ptr, size, ptr) == DALLOC_OK;
}

bool validate_ptr(heap_t *heap_struct_ptr, void **ptr, validate_ptr_condition_t condition, uint32_t *ptr_index)
{
    return dalloc_validate(heap_struct_ptr, ptr, condition, ptr_index) == DALLOC_OK;
}

void replace_pointers(heap_t *heap_struct_ptr, void **ptr_to_replace, void **ptr_new)
{
    (void)dalloc_replace(heap_struct_ptr, ptr_to_replace, ptr_new);
}

#endif /* DALLOC_NO_SEED_NAMES */
