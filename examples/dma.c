/*
 * dma.c - DMA buffers: aligned fixed blocks that never move, and a
 * relocatable buffer pinned while a (simulated) transfer writes into it.
 *
 * Exit status 0 when the aligned buffers are aligned, the pinned buffer
 * stayed put through a compaction, and it moved again once unpinned.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dalloc.h"

static uint64_t mem[8 * 1024 / 8];
static dalloc_heap_t heap;

/* Stand-in for a DMA engine writing n bytes at a fixed address. */
static void dma_write(volatile uint8_t *dst, size_t n, uint8_t v)
{
    size_t i;
    for (i = 0; i < n; i++)
        dst[i] = v;
}

int main(void)
{
    uint8_t *desc, *ring, *rx = NULL, *tmp = NULL, *pinned_at;
    int ok = 1;

    dalloc_heap_init(&heap, mem, sizeof mem);
    /* Descriptor table and ring: fixed blocks, 32- and 256-byte aligned. */
    desc = (uint8_t *)dalloc_aligned_alloc(&heap, 32, 128);
    ring = (uint8_t *)dalloc_aligned_alloc(&heap, 256, 1024);
    ok &= desc != NULL && ring != NULL && (uintptr_t)desc % 32 == 0 && (uintptr_t)ring % 256 == 0;

    /* A receive buffer that may move between transfers, pinned during one. */
    ok &= dalloc_alloc(&heap, 512, (void **)&tmp) == DALLOC_OK;
    ok &= dalloc_alloc(&heap, 512, (void **)&rx) == DALLOC_OK;
    ok &= dalloc_free(&heap, (void **)&tmp, USING_PTR_ADDRESS) == DALLOC_OK; /* a hole below rx */
    ok &= dalloc_pin(&heap, (void **)&rx) == DALLOC_OK;
    pinned_at = rx;
    dma_write(rx, 512, 0xAB);   /* the "transfer" starts ... */
    (void)dalloc_compact(&heap); /* ... while another task compacts */
    ok &= rx == pinned_at && rx[511] == 0xAB;
    ok &= dalloc_unpin(&heap, (void **)&rx) == DALLOC_OK;
    (void)dalloc_compact(&heap);
    ok &= rx != pinned_at && rx[0] == 0xAB && rx[511] == 0xAB; /* moved, data kept */
    printf("desc %p (32-aligned), ring %p (256-aligned), rx pinned at %p, moved to %p after unpin\n",
           (void *)desc, (void *)ring, (void *)pinned_at, (void *)rx);

    ok &= dalloc_free(&heap, (void **)&rx, USING_PTR_ADDRESS) == DALLOC_OK;
    ok &= dalloc_fixed_free(&heap, ring) == DALLOC_OK && dalloc_fixed_free(&heap, desc) == DALLOC_OK;
    ok &= heap.offset == 0 && dalloc_check(&heap) == DALLOC_OK;
    printf("%s\n", ok ? "dma: as expected" : "dma: UNEXPECTED RESULT");
    return ok ? 0 : 1;
}
