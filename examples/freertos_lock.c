/*
 * freertos_lock.c - one prebuilt libdalloc (--enable-thread-safety) locked
 * by FreeRTOS: lock hooks over a recursive mutex, set before the heap is
 * made.  Built by `make` only when configure was given FreeRTOS headers
 * (--with-freertos=DIR, where DIR holds FreeRTOS.h, semphr.h, task.h and
 * the port's portmacro.h, e.g. -I paths joined with ':').
 *
 * Tasks share the heap; a task touches its relocatable blocks only while it
 * holds the heap lock (another task's call may move them) or after pinning
 * them; fixed blocks it touches freely.
 */
#include <string.h>

#include "FreeRTOS.h"
#include "semphr.h"
#include "task.h"

#include "dalloc.h"

/* The lock must nest: dalloc_heap_lock() holds it across calls that take
 * it again, so a recursive mutex, not xSemaphoreCreateMutex(). */
static void *rtos_create(void *ctx)
{
    (void)ctx;
    return (void *)xSemaphoreCreateRecursiveMutex();
}
static void rtos_destroy(void *ctx, void *lock)
{
    (void)ctx;
    vSemaphoreDelete((SemaphoreHandle_t)lock);
}
static void rtos_lock(void *ctx, void *lock)
{
    (void)ctx;
    (void)xSemaphoreTakeRecursive((SemaphoreHandle_t)lock, portMAX_DELAY);
}
static void rtos_unlock(void *ctx, void *lock)
{
    (void)ctx;
    (void)xSemaphoreGiveRecursive((SemaphoreHandle_t)lock);
}

static uint64_t heap_mem[16 * 1024 / 8];
static dalloc_heap_t heap;

static void worker(void *arg)
{
    uint8_t *frame = NULL; /* relocatable: registered owner */
    uint8_t *dma = (uint8_t *)dalloc_aligned_alloc(&heap, 32, 256); /* fixed */
    (void)arg;
    for (;;) {
        dalloc_heap_lock(&heap); /* nobody may move `frame` meanwhile */
        if (frame == NULL)
            (void)dalloc_alloc(&heap, 128, (void **)&frame);
        if (frame != NULL)
            memset(frame, 0x5A, 128);
        dalloc_heap_unlock(&heap);
        if (dma != NULL)
            memset(dma, 0, 256);
        (void)dalloc_free(&heap, (void **)&frame, USING_PTR_ADDRESS);
        vTaskDelay(1);
    }
}

int main(void)
{
    static const dalloc_lock_hooks_t hooks = {rtos_create, rtos_destroy, rtos_lock, rtos_unlock, NULL};
    if (dalloc_set_lock_hooks(&hooks) != DALLOC_OK || dalloc_heap_init(&heap, heap_mem, sizeof heap_mem) != DALLOC_OK)
        return 1;
    (void)xTaskCreate(worker, "w1", configMINIMAL_STACK_SIZE * 2, NULL, 1, NULL);
    (void)xTaskCreate(worker, "w2", configMINIMAL_STACK_SIZE * 2, NULL, 1, NULL);
    vTaskStartScheduler();
    return 0;
}
