/*
 * lock.c - the per-heap lock of --enable-thread-safety.
 *
 * A heap's lock is either the run-time hooks the application set (global
 * default or per heap) or a built-in one: a recursive pthread mutex kept
 * inside the heap's control block (no malloc), the dalloc 1.x DALLOC_MUTEX_*
 * macros or FreeRTOS for source builds that define them, or nothing on bare
 * metal without hooks.  The lock nests, so a thread holding it through
 * dalloc_heap_lock() can still call the library.
 */
#if defined(__linux__) && !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700 /* PTHREAD_MUTEX_RECURSIVE under -std=c99 */
#endif
#include "heap_internal.h"

#if DALLOC_THREAD_SAFETY

static dalloc_lock_hooks_t default_hooks;

static bool hooks_complete(const dalloc_lock_hooks_t *k)
{
    return k->create != NULL && k->destroy != NULL && k->lock != NULL && k->unlock != NULL;
}

dalloc_status_t dalloc_set_lock_hooks(const dalloc_lock_hooks_t *hooks)
{
    if (hooks != NULL && !hooks_complete(hooks))
        return DALLOC_E_ARG;
    if (hooks != NULL)
        default_hooks = *hooks;
    else
        memset(&default_hooks, 0, sizeof default_hooks);
    return DALLOC_OK;
}

/* The built-in lock, used while hooks.create is NULL. */
static void *builtin_create(ctl_t *c)
{
#if defined(LOCK_SEED_MACROS)
    (void)c;
    return (void *)DALLOC_MUTEX_CREATE();
#elif defined(LOCK_FREERTOS)
    (void)c;
    return (void *)xSemaphoreCreateRecursiveMutex();
#elif defined(LOCK_PTHREAD)
    /* These calls do not fail with glibc (no allocation, valid type): the
     * NULL result is for other C libraries, never taken in the tests. */
    pthread_mutexattr_t a;
    bool ok = pthread_mutexattr_init(&a) == 0 && pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE) == 0 &&
              pthread_mutex_init(&c->mutex, &a) == 0;
    (void)pthread_mutexattr_destroy(&a);
    return ok ? (void *)&c->mutex : NULL;
#else
    (void)c;
    return NULL; /* bare metal without hooks: no lock */
#endif
}

static void builtin_destroy(void *lock)
{
#if defined(LOCK_SEED_MACROS)
    DALLOC_MUTEX_DELETE((DALLOC_MUTEX_TYPE)lock);
#elif defined(LOCK_FREERTOS)
    vSemaphoreDelete((SemaphoreHandle_t)lock);
#elif defined(LOCK_PTHREAD)
    (void)pthread_mutex_destroy((pthread_mutex_t *)lock);
#else
    (void)lock;
#endif
}

bool dalloc__lock_create(dalloc_heap_t *h)
{
    ctl_t *c = h->ctl;
    c->hooks = default_hooks;
    h->lock = c->hooks.create != NULL ? c->hooks.create(c->hooks.ctx) : builtin_create(c);
#if defined(LOCK_SEED_MACROS) || defined(LOCK_FREERTOS) || defined(LOCK_PTHREAD)
    return h->lock != NULL;
#else
    return h->lock != NULL || c->hooks.create == NULL;
#endif
}

void dalloc__lock_destroy(dalloc_heap_t *h)
{
    ctl_t *c = h->ctl;
    if (h->lock != NULL) {
        if (c->hooks.create != NULL)
            c->hooks.destroy(c->hooks.ctx, h->lock);
        else
            builtin_destroy(h->lock);
    }
    h->lock = NULL;
}

void dalloc__lock_acquire(dalloc_heap_t *h)
{
    ctl_t *c = h->ctl;
    if (h->lock == NULL)
        return;
    if (c->hooks.create != NULL) {
        c->hooks.lock(c->hooks.ctx, h->lock);
        return;
    }
#if defined(LOCK_SEED_MACROS)
    DALLOC_MUTEX_LOCK((DALLOC_MUTEX_TYPE)h->lock);
#elif defined(LOCK_FREERTOS)
    (void)xSemaphoreTakeRecursive((SemaphoreHandle_t)h->lock, portMAX_DELAY);
#elif defined(LOCK_PTHREAD)
    (void)pthread_mutex_lock((pthread_mutex_t *)h->lock);
#endif
}

void dalloc__lock_release(dalloc_heap_t *h)
{
    ctl_t *c = h->ctl;
    if (h->lock == NULL)
        return;
    if (c->hooks.create != NULL) {
        c->hooks.unlock(c->hooks.ctx, h->lock);
        return;
    }
#if defined(LOCK_SEED_MACROS)
    DALLOC_MUTEX_UNLOCK((DALLOC_MUTEX_TYPE)h->lock);
#elif defined(LOCK_FREERTOS)
    (void)xSemaphoreGiveRecursive((SemaphoreHandle_t)h->lock);
#elif defined(LOCK_PTHREAD)
    (void)pthread_mutex_unlock((pthread_mutex_t *)h->lock);
#endif
}

/* The new lock is made before the old one is destroyed, so a create that
 * fails leaves the heap with the lock it had (never without one). */
dalloc_status_t dalloc_heap_set_lock_hooks(dalloc_heap_t *h, const dalloc_lock_hooks_t *hooks)
{
    dalloc_lock_hooks_t k;
    ctl_t *c;
    void *lock;
    if (heap_ctl(h) == NULL)
        return DALLOC_E_HEAP;
    if (hooks != NULL && !hooks_complete(hooks))
        return h->last_error = DALLOC_E_ARG;
    c = h->ctl;
    if (hooks != NULL)
        k = *hooks;
    else
        memset(&k, 0, sizeof k);
    if (k.create == NULL && c->hooks.create == NULL)
        return h->last_error = DALLOC_OK; /* the built-in lock already (it lives in c) */
    lock = k.create != NULL ? k.create(k.ctx) : builtin_create(c);
#if defined(LOCK_SEED_MACROS) || defined(LOCK_FREERTOS) || defined(LOCK_PTHREAD)
    if (lock == NULL)
#else
    if (lock == NULL && k.create != NULL) /* bare metal: no built-in lock to make */
#endif
        return h->last_error = DALLOC_E_ARG;
    dalloc__lock_destroy(h);
    c->hooks = k;
    h->lock = lock;
    return h->last_error = DALLOC_OK;
}

void dalloc_heap_lock(dalloc_heap_t *h)
{
    if (heap_ctl(h) != NULL)
        dalloc__lock_acquire(h);
}

void dalloc_heap_unlock(dalloc_heap_t *h)
{
    if (heap_ctl(h) != NULL)
        dalloc__lock_release(h);
}

#else /* !DALLOC_THREAD_SAFETY: the library does no locking */

dalloc_status_t dalloc_set_lock_hooks(const dalloc_lock_hooks_t *hooks)
{
    if (hooks != NULL && (hooks->create == NULL || hooks->destroy == NULL || hooks->lock == NULL ||
                          hooks->unlock == NULL))
        return DALLOC_E_ARG;
    return DALLOC_OK;
}

dalloc_status_t dalloc_heap_set_lock_hooks(dalloc_heap_t *h, const dalloc_lock_hooks_t *hooks)
{
    if (heap_ctl(h) == NULL)
        return DALLOC_E_HEAP;
    return h->last_error = dalloc_set_lock_hooks(hooks);
}

void dalloc_heap_lock(dalloc_heap_t *h) { (void)h; }
void dalloc_heap_unlock(dalloc_heap_t *h) { (void)h; }

#endif
