/*
 * demo.c - the fragmentation story of dalloc, told twice on the same heap
 * size: once with fixed blocks (which, like malloc, never move) and once
 * with relocatable blocks.
 *
 * Eight 1 KiB blocks fill most of a 10 KiB heap; every other one is freed.
 * About 6 KiB are free, but in 1 KiB pieces: a 4 KiB request fails where
 * blocks cannot move, and succeeds where dalloc can slide them together and
 * rewrite the pointers that own them.
 *
 * Exit status 0 when the story goes as told (the non-moving heap refuses,
 * the relocating heap serves the request and every block keeps its data).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dalloc.h"

#define HEAP_SIZE (10 * 1024)
#define NBLOCKS 8
#define BLOCK 1024
#define BIG (4 * 1024)
#define COLS 64

static uint64_t fixed_mem[HEAP_SIZE / 8], reloc_mem[HEAP_SIZE / 8];
static dalloc_heap_t fixed_heap, reloc_heap;

/* One character per slice of the heap: a letter per live block, '.' free. */
static void draw(const char *title, const dalloc_heap_t *h, void *const *blocks, const size_t *sizes, int n)
{
    char row[COLS + 1];
    const uint8_t *base = (const uint8_t *)h->mem;
    size_t slice = h->total_size / COLS;
    int i, col;
    memset(row, '.', COLS);
    row[COLS] = '\0';
    for (i = 0; i < n; i++) {
        const uint8_t *p = (const uint8_t *)blocks[i];
        if (p == NULL)
            continue;
        for (col = (int)((size_t)(p - base) / slice); col < COLS && (size_t)col * slice < (size_t)(p - base) + sizes[i];
             col++)
            row[col] = (char)(i < NBLOCKS ? 'A' + i : '#');
    }
    printf("  %-34s |%s|\n", title, row);
}

static int check_blocks(void *const *blocks, int n)
{
    int i, j;
    for (i = 0; i < n; i++) {
        const uint8_t *p = (const uint8_t *)blocks[i];
        if (p == NULL)
            continue;
        for (j = 0; j < BLOCK; j++)
            if (p[j] != (uint8_t)('A' + i))
                return 0;
    }
    return 1;
}

int main(void)
{
    void *fixed[NBLOCKS + 1] = {0}, *reloc[NBLOCKS + 1] = {0};
    size_t sizes[NBLOCKS + 1];
    dalloc_stats_t st;
    int i, ok = 1;

    /* The refusal below is the point of the demo and is printed as part
     * of its table: no line from the (hosted default) error hook. */
    dalloc_set_error_hook(NULL, NULL);
    for (i = 0; i < NBLOCKS; i++)
        sizes[i] = BLOCK;
    sizes[NBLOCKS] = BIG;
    if (dalloc_heap_init(&fixed_heap, fixed_mem, sizeof fixed_mem) != DALLOC_OK ||
        dalloc_heap_init(&reloc_heap, reloc_mem, sizeof reloc_mem) != DALLOC_OK) {
        printf("cannot initialise the heaps\n");
        return 1;
    }

    printf("Two %d-byte heaps, %d blocks of %d bytes each; every other block freed.\n\n", HEAP_SIZE, NBLOCKS,
           BLOCK);
    for (i = 0; i < NBLOCKS; i++) {
        fixed[i] = dalloc_malloc(&fixed_heap, BLOCK);
        (void)dalloc_alloc(&reloc_heap, BLOCK, &reloc[i]);
        if (fixed[i] == NULL || reloc[i] == NULL) {
            printf("cannot fill the heaps\n");
            return 1;
        }
        memset(fixed[i], 'A' + i, BLOCK);
        memset(reloc[i], 'A' + i, BLOCK);
    }
    printf("Non-moving heap (fixed blocks, like malloc):\n");
    draw("filled", &fixed_heap, fixed, sizes, NBLOCKS);
    for (i = 1; i < NBLOCKS; i += 2) {
        (void)dalloc_fixed_free(&fixed_heap, fixed[i]);
        fixed[i] = NULL;
    }
    draw("every other block freed", &fixed_heap, fixed, sizes, NBLOCKS);
    (void)dalloc_get_stats(&fixed_heap, &st);
    fixed[NBLOCKS] = dalloc_malloc(&fixed_heap, BIG);
    printf("  %lu bytes free, largest piece %lu: malloc(%d) -> %s\n\n", (unsigned long)st.free_bytes,
           (unsigned long)st.largest_free, BIG, fixed[NBLOCKS] != NULL ? "served" : "REFUSED (fragmented)");
    ok &= fixed[NBLOCKS] == NULL;

    printf("dalloc heap (relocatable blocks, owners registered):\n");
    draw("filled", &reloc_heap, reloc, sizes, NBLOCKS);
    for (i = 1; i < NBLOCKS; i += 2)
        (void)dalloc_free(&reloc_heap, &reloc[i], USING_PTR_ADDRESS);
    draw("every other block freed", &reloc_heap, reloc, sizes, NBLOCKS);
    (void)dalloc_get_stats(&reloc_heap, &st);
    (void)dalloc_alloc(&reloc_heap, BIG, &reloc[NBLOCKS]);
    printf("  %lu bytes free, largest piece %lu: dalloc(%d) -> %s\n", (unsigned long)st.free_bytes,
           (unsigned long)st.largest_free, BIG, reloc[NBLOCKS] != NULL ? "served" : "REFUSED");
    draw("after dalloc moved blocks", &reloc_heap, reloc, sizes, NBLOCKS + 1);
    (void)dalloc_get_stats(&reloc_heap, &st);
    printf("  %lu bytes moved by %lu compaction; the pointers to A, C, E, G were rewritten\n",
           (unsigned long)st.bytes_moved, (unsigned long)st.compactions);
    ok &= reloc[NBLOCKS] != NULL && check_blocks(reloc, NBLOCKS) && dalloc_check(&reloc_heap) == DALLOC_OK;
    printf("  blocks A, C, E, G still hold their data: %s\n", check_blocks(reloc, NBLOCKS) ? "yes" : "NO");

    dalloc_heap_deinit(&fixed_heap);
    dalloc_heap_deinit(&reloc_heap);
    printf("\n%s\n", ok ? "demo: as told" : "demo: UNEXPECTED RESULT");
    return ok ? 0 : 1;
}
