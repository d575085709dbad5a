/*
 * modules.c - the sensor/network integration example of dmheap, on
 * libdalloc's dmheap layer, printing what dmheap's README prints (the
 * [INFO] lines come through the log hook, turned on here).
 *
 * Exit status 0 when every module's memory is released at its unregister
 * and the heap ends empty and intact.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dmheap.h"

#define SYSTEM_HEAP_SIZE (256 * 1024)
static uint64_t system_heap[SYSTEM_HEAP_SIZE / 8];

typedef struct {
    float temperature;
    float humidity;
    uint32_t timestamp;
} sensor_data_t;

static void sensor_module_init(void)
{
    sensor_data_t *data;
    dmheap_register_module("sensor");
    data = (sensor_data_t *)dmheap_malloc(sizeof(sensor_data_t), "sensor");
    if (data != NULL) {
        data->temperature = 25.5f;
        data->humidity = 60.0f;
        data->timestamp = 12345;
        printf("Sensor module initialized with data at %p\n", (void *)data);
    }
}

static void sensor_module_cleanup(void)
{
    dmheap_unregister_module("sensor");
    printf("Sensor module cleaned up\n");
}

#define NUM_NET_BUFFERS 10
#define NET_BUFFER_SIZE 1500

static int network_module_init(void)
{
    int i;
    dmheap_register_module("network");
    for (i = 0; i < NUM_NET_BUFFERS; i++) {
        void *buffer = dmheap_aligned_alloc(64, NET_BUFFER_SIZE, "network");
        if (buffer == NULL || (uintptr_t)buffer % 64 != 0) {
            printf("Failed to allocate network buffer %d\n", i);
            return 0;
        }
    }
    printf("Network module initialized with %d buffers\n", NUM_NET_BUFFERS);
    return 1;
}

static void network_module_cleanup(void)
{
    dmheap_unregister_module("network");
    printf("Network module cleaned up\n");
}

int main(void)
{
    dalloc_heap_t *h;
    int ok = 1;

    dalloc_set_log(dalloc_log_stdout, NULL); /* dmheap's [INFO] lines */
    printf("=== Embedded System with dmheap ===\n\n");
    if (!dmheap_init(system_heap, SYSTEM_HEAP_SIZE, 8)) {
        printf("ERROR: Failed to initialize heap\n");
        return 1;
    }
    printf("Heap initialized: %d KB\n\n", SYSTEM_HEAP_SIZE / 1024);
    h = dmheap_get_heap();

    sensor_module_init();
    ok &= network_module_init();
    ok &= h->alloc_info.allocations_num == 1 + NUM_NET_BUFFERS;

    printf("\n--- Modules running ---\n");
    printf("Both modules are using heap memory...\n");

    printf("\n--- Shutting down sensor module ---\n");
    sensor_module_cleanup();
    ok &= h->alloc_info.allocations_num == NUM_NET_BUFFERS;

    printf("\n--- Network module still running ---\n");
    printf("Network module continues to function...\n");

    printf("\n--- System shutdown ---\n");
    network_module_cleanup();
    ok &= h->offset == 0 && h->alloc_info.allocations_num == 0 && dalloc_check(h) == DALLOC_OK;

    printf("\n%s\n", ok ? "All modules cleaned up successfully!" : "UNEXPECTED: memory left behind");
    return ok ? 0 : 1;
}
