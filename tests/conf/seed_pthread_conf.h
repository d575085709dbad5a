/*
 * seed_pthread_conf.h - a dalloc 1.x style configuration file, for firmware
 * that compiles libdalloc's sources directly:
 *
 *     cc -DDALLOC_CUSTOM_CONF_FILE='"seed_pthread_conf.h"' src/...c app.c
 *
 * It turns thread safety on with the dalloc 1.x macro names and gives the
 * mutex through DALLOC_MUTEX_*.  The mutex is recursive because the thread
 * suite holds the heap lock across library calls (dalloc_heap_lock); code
 * that never does may give a plain one, as dalloc 1.x's README shows.
 * CI builds tests/test_threads.c with it.
 */
#ifndef SEED_PTHREAD_CONF_H
#define SEED_PTHREAD_CONF_H

#include <pthread.h>
#include <stdlib.h>

#define ALLOCATION_ALIGNMENT_BYTES 8
#define USE_THREAD_SAFETY
#define FILL_FREED_MEMORY_BY_NULLS true

static inline pthread_mutex_t *seed_conf_mutex_create(void)
{
    pthread_mutex_t *m = (pthread_mutex_t *)malloc(sizeof *m);
    pthread_mutexattr_t a;
    if (m == NULL)
        return NULL;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
    return m;
}

#define DALLOC_MUTEX_TYPE pthread_mutex_t *
#define DALLOC_MUTEX_CREATE() seed_conf_mutex_create()
#define DALLOC_MUTEX_DELETE(mutex) do { if (mutex) { pthread_mutex_destroy(mutex); free(mutex); } } while (0)
#define DALLOC_MUTEX_LOCK(mutex) do { if (mutex) pthread_mutex_lock(mutex); } while (0)
#define DALLOC_MUTEX_UNLOCK(mutex) do { if (mutex) pthread_mutex_unlock(mutex); } while (0)

#endif /* SEED_PTHREAD_CONF_H */
