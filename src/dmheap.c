/*
 * dmheap.c - the dmheap API over one default libdalloc heap.  Blocks are
 * fixed; modules are dalloc modules named by strings; a name not yet
 * registered is registered by the first allocation that uses it.
 */
#include "fixed_fast.h"
#include "log.h"

#include "dmheap.h"

static dalloc_heap_t dm_heap;
static size_t dm_align;
static bool dm_ready;

dalloc_heap_t *dmheap_get_heap(void) { return dm_ready ? &dm_heap : NULL; }

bool dmheap_init(void *buffer, size_t size, size_t alignment)
{
    if (buffer == NULL || size == 0 || alignment == 0 || (alignment & (alignment - 1)) != 0) {
        dalloc__logf("[ERROR] dmheap: Invalid parameters for initialization.");
        return false;
    }
    if (dm_ready)
        dalloc_heap_deinit(&dm_heap);
    dm_ready = dalloc_heap_init(&dm_heap, buffer, size) == DALLOC_OK;
    if (!dm_ready) {
        dalloc__logf("[ERROR] dmheap: Buffer of size %lu is too small.", (unsigned long)size);
        return false;
    }
    dm_align = alignment;
    dalloc__logf("[INFO] dmheap: Initialized with buffer %p of size %lu.", buffer, (unsigned long)size);
    return true;
}

bool dmheap_is_initialized(void) { return dm_ready; }

/* The module of name (not NULL: callers treat NULL as untracked),
 * registering it when needed; false on failure. */
static bool module_id(const char *name, dalloc_module_t *id)
{
    *id = DALLOC_NO_MODULE;
    if (!dm_ready)
        return false;
    *id = dalloc_module_find(&dm_heap, name);
    if (*id != DALLOC_NO_MODULE)
        return true;
    if (dalloc_module_register(&dm_heap, name, id) != DALLOC_OK) {
        dalloc__logf("[ERROR] dmheap: Cannot register module %s.", name);
        return false;
    }
    dalloc__logf("[INFO] dmheap: Module %s registered successfully.", name);
    return true;
}

bool dmheap_register_module(const char *module_name)
{
    dalloc_module_t id;
    return module_name != NULL && module_id(module_name, &id);
}

void dmheap_unregister_module(const char *module_name)
{
    dalloc_module_t id;
    if (!dm_ready || module_name == NULL)
        return;
    id = dalloc_module_find(&dm_heap, module_name);
    if (id == DALLOC_NO_MODULE) {
        dalloc__logf("[WARN] dmheap: Module %s is not registered.", module_name);
        return;
    }
    (void)dalloc_module_unregister(&dm_heap, id);
    dalloc__logf("[INFO] dmheap: Module %s unregistered successfully.", module_name);
}

/* The paths that are not the common case (a log line to add after the
 * call; a module name to look up) stay out of line (GNU compilers), so
 * that the common case hands over to the fixed-block API without a stack
 * frame of its own. */
#if defined(__GNUC__)
#define OUT_OF_LINE __attribute__((noinline))
#else
#define OUT_OF_LINE
#endif

static OUT_OF_LINE void *take_logged(size_t size, size_t alignment, dalloc_module_t id)
{
    void *p = dalloc_fixed_alloc(&dm_heap, size, alignment, id);
    if (p == NULL)
        dalloc__logf("[ERROR] dmheap: Cannot allocate %lu bytes: %s.", (unsigned long)size,
                     dalloc_strerror(dalloc_last_error(&dm_heap)));
    return p;
}

static OUT_OF_LINE void free_logged(void *ptr)
{
    if (dalloc_fixed_free(&dm_heap, ptr) != DALLOC_OK)
        dalloc__logf("[ERROR] dmheap: Refused to free %p: %s.", ptr, dalloc_strerror(dalloc_last_error(&dm_heap)));
}

/* A fixed block of the default heap; a refusal is logged. */
static void *take(size_t size, size_t alignment, dalloc_module_t id)
{
    if (dalloc__log_fn != NULL)
        return take_logged(size, alignment, id);
    return dalloc_fixed_alloc(&dm_heap, size, alignment, id);
}

void *dmheap_aligned_alloc(size_t alignment, size_t size, const char *module_name)
{
    dalloc_module_t id = DALLOC_NO_MODULE;
    if (!dm_ready || alignment == 0 || (alignment & (alignment - 1)) != 0 ||
        (module_name != NULL && !module_id(module_name, &id)))
        return NULL;
    return take(size, alignment, id);
}

static OUT_OF_LINE void *malloc_named(size_t size, const char *module_name)
{
    return dmheap_aligned_alloc(dm_ready ? dm_align : 1, size, module_name);
}

void *dmheap_malloc(size_t size, const char *module_name)
{
    if (dm_ready && module_name == NULL) { /* untracked: the short way (dm_align is checked) */
#ifndef __OPTIMIZE_SIZE__
        void *p;
        if (dalloc__log_fn == NULL &&
            (p = dalloc__fixed_fast_call(&dm_heap, size, dm_align, "dmheap_malloc")) != NULL)
            return p; /* the common case, without a call of its own */
#endif
        return take(size, dm_align, DALLOC_NO_MODULE);
    }
    return malloc_named(size, module_name);
}

void *dmheap_realloc(void *ptr, size_t size, const char *module_name)
{
    if (ptr == NULL)
        return dmheap_malloc(size, module_name);
    return dm_ready ? dalloc_fixed_realloc(&dm_heap, ptr, size) : NULL;
}

void dmheap_free(void *ptr, bool concatenate)
{
    (void)concatenate; /* free space is always merged */
    if (ptr == NULL || !dm_ready)
        return;
    if (dalloc__log_fn != NULL) {
        free_logged(ptr);
        return;
    }
#ifndef __OPTIMIZE_SIZE__
    HEAP_LOCK_FAST(&dm_heap);
    if (dalloc__fixed_fast_free(&dm_heap, ptr)) { /* the common case, without a call of its own */
        (void)dalloc__heap_leave(&dm_heap, DALLOC_OK, "dalloc_fixed_free", ptr, 0);
        return;
    }
    HEAP_UNLOCK(&dm_heap);
#endif
    (void)dalloc_fixed_free(&dm_heap, ptr);
}

void dmheap_concatenate_free_blocks(void) {}
