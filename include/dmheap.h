/*
 * dmheap.h - the dmheap API (module-aware heap of the DMOD framework) over
 * libdalloc.  Every dmheap_* call works on one default heap owned by the
 * library; blocks are fixed (they never move) and may belong to a module
 * named by a string.  Include <dalloc.h> too for the native API.
 *
 * Differences from dmheap that callers may notice: free space is always
 * merged at once, so the `concatenate` argument of dmheap_free() and
 * dmheap_concatenate_free_blocks() have nothing left to do; log lines
 * ("[INFO] dmheap: ...") go through dalloc_set_log() and are off by default.
 */
#ifndef DMHEAP_H
#define DMHEAP_H

#include <stdbool.h>
#include <stddef.h>

#include "dalloc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest module name dmheap accepts (terminating NUL included). */
#ifndef DMOD_MAX_MODULE_NAME_LENGTH
#define DMOD_MAX_MODULE_NAME_LENGTH DALLOC_MODULE_NAME_MAX
#endif

/** Make the default heap over buffer[0..size); alignment (a power of two)
 *  is the alignment of dmheap_malloc() blocks.  Calling it again starts a
 *  new heap (blocks of the old one are abandoned).  false on bad arguments or
 *  a buffer too small. */
DALLOC_API bool dmheap_init(void *buffer, size_t size, size_t alignment);
/** true once dmheap_init() succeeded. */
DALLOC_API bool dmheap_is_initialized(void);
/** Register a module; registering a name twice succeeds.  false for NULL,
 *  an empty or overlong name, or no memory for the registry. */
DALLOC_API bool dmheap_register_module(const char *module_name);
/** Free every block of the module and forget it.  Unknown names: nothing
 *  happens. */
DALLOC_API void dmheap_unregister_module(const char *module_name);
/** A fixed block of size bytes for module_name (registered on first use;
 *  NULL means untracked), aligned as dmheap_init() said; NULL on failure. */
DALLOC_API void *dmheap_malloc(size_t size, const char *module_name);
/** As dmheap_malloc() with the given alignment (a power of two, else NULL). */
DALLOC_API void *dmheap_aligned_alloc(size_t alignment, size_t size, const char *module_name);
/** Resize ptr (NULL: allocate); contents kept up to the smaller size, the
 *  block's alignment and module kept; NULL on failure with ptr untouched. */
DALLOC_API void *dmheap_realloc(void *ptr, size_t size, const char *module_name);
/** Free ptr; NULL is a no-op; a pointer that is not a live block is refused
 *  (nothing changes).  Free space is always merged, whatever concatenate. */
DALLOC_API void dmheap_free(void *ptr, bool concatenate);
/** Kept for dmheap callers: free space is already merged at every free. */
DALLOC_API void dmheap_concatenate_free_blocks(void);
/** The dalloc heap behind the dmheap calls (for stats, reports, checks). */
DALLOC_API dalloc_heap_t *dmheap_get_heap(void);

#if DALLOC_DMOD_API
/* The DMOD memory entry points dmheap implements (--enable-dmod-api). */
DALLOC_API void *Dmod_MallocEx(size_t Size, const char *ModuleName);
DALLOC_API void *Dmod_ReallocEx(void *Ptr, size_t Size, const char *ModuleName);
DALLOC_API void *Dmod_AlignedMallocEx(size_t Size, size_t Alignment, const char *ModuleName);
DALLOC_API void Dmod_FreeEx(void *Ptr, bool Concatenate);
DALLOC_API void Dmod_FreeModule(const char *ModuleName);
#endif

#ifdef __cplusplus
}
#endif

#endif /* DMHEAP_H */
