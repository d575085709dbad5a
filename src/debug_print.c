/*
 * debug_print.c - human-readable dumps of a heap, written through a
 * replaceable output hook.  Kept in its own object: a firmware that never
 * calls these functions does not link them (nor stdio's formatting).
 */
#include "heap_internal.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static void default_output(void *ctx, const char *text)
{
    (void)ctx;
#ifndef DALLOC_NO_STDIO
    (void)fputs(text, stdout);
#else
    (void)text;
#endif
}

static dalloc_output_fn out_fn = default_output;
static void *out_ctx;

void dalloc_set_output(dalloc_output_fn fn, void *ctx)
{
    out_fn = fn != NULL ? fn : default_output;
    out_ctx = fn != NULL ? ctx : NULL;
}

void dalloc__outf(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    out_fn(out_ctx, line);
}

void dalloc_print_info(dalloc_heap_t *h)
{
    dalloc_stats_t st;
    if (dalloc_get_stats(h, &st) != DALLOC_OK) {
        dalloc__outf("dalloc: heap %p is not initialised\n", (void *)h);
        return;
    }
    dalloc__outf("dalloc heap %p: %lu bytes, arena %lu, header %lu\n", (void *)h, (unsigned long)st.total_size,
        (unsigned long)st.arena_size, (unsigned long)st.header_size);
    dalloc__outf("  used %lu (peak %lu), free %lu in %lu holes + gap, largest free %lu\n",
        (unsigned long)st.used_bytes, (unsigned long)st.peak_used, (unsigned long)st.free_bytes,
        (unsigned long)st.free_blocks, (unsigned long)st.largest_free);
    dalloc__outf("  blocks %lu (pinned %lu), refusals %lu, compactions %lu, bytes moved %lu\n",
        (unsigned long)st.live_blocks, (unsigned long)st.pinned_blocks, (unsigned long)st.refusals,
        (unsigned long)st.compactions, (unsigned long)st.bytes_moved);
}

void dalloc_dump_heap(dalloc_heap_t *h)
{
    size_t i, j;
    char line[80];
    if (heap_ctl(h) == NULL) {
        dalloc__outf("dalloc: heap %p is not initialised\n", (void *)h);
        return;
    }
    HEAP_LOCK(h);
    DALLOC_VG_BLIND(h->ctl); /* Valgrind: every byte, the user's unwritten ones too */
    for (i = 0; i < h->total_size; i += 16) {
        /* At most 9 + 16 * 3 characters: i < 2^32 has 8 hex digits. */
        int n = snprintf(line, sizeof line, "%08lx:", (unsigned long)i);
        for (j = i; j < i + 16 && j < h->total_size; j++)
            n += snprintf(line + n, sizeof line - (size_t)n, " %02x", (unsigned)h->mem[j]);
        dalloc__outf("%s\n", line);
    }
    DALLOC_VG_SEE(h->ctl);
    HEAP_UNLOCK(h);
}

static void dump_region(const ctl_t *c, const uint8_t *from, const uint8_t *to, const char *region)
{
    const uint8_t *p;
    for (p = from; p < to; p += blk_size((const blk_t *)(const void *)p)) {
        const blk_t *b = (const blk_t *)(const void *)p;
        dalloc__outf("  %s %p +%-6lu size %-6lu %s%s%s owner %p\n", region, blk_payload(b),
            (unsigned long)(p - c->lo), (unsigned long)blk_size(b), blk_has(b, F_FREE) ? "free " : "used ",
            blk_has(b, F_PINNED) ? "pinned " : "", blk_has(b, F_SLOTS) ? "owners " : "",
            blk_has(b, F_FREE | F_FIXED) ? NULL : (void *)b->owner);
    }
}

void dalloc_dump_blocks(dalloc_heap_t *h)
{
    ctl_t *c = heap_ctl(h);
    if (c == NULL) {
        dalloc__outf("dalloc: heap %p is not initialised\n", (void *)h);
        return;
    }
    HEAP_LOCK(h);
    dalloc__outf("dalloc heap %p: %lu blocks\n", (void *)h, (unsigned long)h->alloc_info.allocations_num);
    dump_region(c, c->lo, c->rtop, "reloc");
    dalloc__outf("  gap   %lu bytes\n", (unsigned long)(c->fbot - c->rtop));
    dump_region(c, c->fbot, c->hi, "fixed");
    HEAP_UNLOCK(h);
}

#ifndef DALLOC_NO_SEED_NAMES
void print_dalloc_info(heap_t *heap_struct_ptr) { dalloc_print_info(heap_struct_ptr); }
void dump_heap(heap_t *heap_struct_ptr) { dalloc_dump_heap(heap_struct_ptr); }
void dump_dalloc_ptr_info(heap_t *heap_struct_ptr) { dalloc_dump_blocks(heap_struct_ptr); }
#endif
