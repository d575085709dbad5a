/*
 * dmod_api.c - DMOD's memory entry points implemented over the dmheap layer
 * (--enable-dmod-api), for firmware that links libdalloc in place of dmheap.
 */
#include "heap_internal.h"

#include "dmheap.h"

#if DALLOC_DMOD_API

void *Dmod_MallocEx(size_t Size, const char *ModuleName) { return dmheap_malloc(Size, ModuleName); }

void *Dmod_ReallocEx(void *Ptr, size_t Size, const char *ModuleName)
{
    return dmheap_realloc(Ptr, Size, ModuleName);
}

void *Dmod_AlignedMallocEx(size_t Size, size_t Alignment, const char *ModuleName)
{
    return dmheap_aligned_alloc(Alignment, Size, ModuleName);
}

void Dmod_FreeEx(void *Ptr, bool Concatenate) { dmheap_free(Ptr, Concatenate); }

void Dmod_FreeModule(const char *ModuleName) { dmheap_unregister_module(ModuleName); }

#else
typedef int dalloc_dmod_api_unused_t; /* ISO C wants a non-empty unit */
#endif
