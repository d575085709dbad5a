/*
 * error.c - the error hook: where refusals and detected corruption are told.
 *
 * Every public call ends in dalloc__heap_leave() or dalloc__refuse(), which
 * come here with a status other than DALLOC_OK.  The hook is called after
 * the heap is unlocked, so it may call back into the library.
 */
#include "heap_internal.h"
#include "log.h"

#include <stdio.h>

/* dalloc 1.x printed its refusals with dalloc_debug (printf): a hosted
 * build keeps that as the default, a bare-metal one prints nothing unless
 * asked.  configure says which this is (DALLOC_HOSTED in config.h); a
 * source build without it counts as hosted under an operating system. */
#ifndef DALLOC_HOSTED
#if defined(__unix__) || defined(__APPLE__) || defined(_WIN32)
#define DALLOC_HOSTED 1
#else
#define DALLOC_HOSTED 0
#endif
#endif

#if DALLOC_HOSTED && !defined(DALLOC_NO_STDIO)
static dalloc_error_fn err_fn = dalloc_error_print;
#else
static dalloc_error_fn err_fn;
#endif
static void *err_ctx;

void dalloc_set_error_hook(dalloc_error_fn fn, void *ctx)
{
    err_fn = fn;
    err_ctx = fn != NULL ? ctx : NULL;
}

void dalloc__report(const dalloc_heap_t *h, dalloc_status_t st, const char *call, const void *ptr, size_t size,
                    dalloc_module_t mod)
{
    dalloc_error_t e;
    if (err_fn == NULL || call == NULL || st == DALLOC_OK || st == DALLOC_E_AGAIN)
        return;
    e.heap = h;
    e.reason = st;
    e.call = call;
    e.ptr = ptr;
    e.size = size;
    e.module = mod;
    err_fn(err_ctx, &e);
}

dalloc_status_t dalloc__refuse(dalloc_heap_t *h, dalloc_status_t st, const char *call, const void *ptr, size_t size)
{
    if (h != NULL)
        h->last_error = st;
    dalloc__report(h, st, call, ptr, size, DALLOC_NO_MODULE);
    return st;
}

void dalloc_error_print(void *ctx, const dalloc_error_t *e)
{
    char where[64] = "", mod[24] = "";
    (void)ctx;
    if (e == NULL)
        return;
    if (e->ptr != NULL && e->size != 0)
        (void)snprintf(where, sizeof where, " %p, %lu bytes:", e->ptr, (unsigned long)e->size);
    else if (e->ptr != NULL)
        (void)snprintf(where, sizeof where, " %p:", e->ptr);
    else if (e->size != 0)
        (void)snprintf(where, sizeof where, " %lu bytes:", (unsigned long)e->size);
    if (e->module != DALLOC_NO_MODULE)
        (void)snprintf(mod, sizeof mod, " (module %u)", (unsigned)e->module);
    dalloc__outf("dalloc: %s (heap %p):%s %s%s\n", e->call != NULL ? e->call : "?", (const void *)e->heap, where,
                 dalloc_strerror(e->reason), mod);
}
