/*
 * report.c - looking at a heap: visitors over used and free blocks, the
 * heap map (one character per slice of the arena), and a printed report.
 * Its own object: a firmware that never looks does not link it.
 */
#include "heap_internal.h"
#include "log.h"

/* Describe block b (used or free) for a visitor. */
static void describe(const blk_t *b, dalloc_block_info_t *bi)
{
    bi->span = blk_size(b);
    bi->pinned = false;
    bi->module = DALLOC_NO_MODULE;
    bi->owner = NULL;
    if (blk_has(b, F_FREE)) {
        bi->addr = b;
        bi->size = bi->span;
        bi->kind = DALLOC_BLOCK_FREE;
        return;
    }
    bi->addr = blk_payload(b);
    bi->size = dalloc__user_size(b);
    bi->kind = blk_has(b, F_FIXED) ? DALLOC_BLOCK_FIXED : DALLOC_BLOCK_RELOCATABLE;
    if (bi->kind == DALLOC_BLOCK_RELOCATABLE) {
        bi->pinned = blk_has(b, F_PINNED) != 0;
        bi->owner = b->owner;
    }
    if (blk_has(b, F_MOD))
        bi->module = (dalloc_module_t)blk_trailer(b)->module;
}

/* Visit the blocks of both regions and the gap between them, in address
 * order; want_free selects free stretches or used blocks.  The library's
 * own blocks (F_SYS) are not shown as used. */
static void walk(const ctl_t *c, bool want_free, dalloc_visit_fn fn, void *ctx)
{
    dalloc_block_info_t bi;
    const uint8_t *p;
    for (p = c->lo; p < c->rtop; p += blk_size((const blk_t *)(const void *)p)) {
        const blk_t *b = (const blk_t *)(const void *)p;
        if ((blk_has(b, F_FREE) != 0) == want_free) {
            describe(b, &bi);
            fn(ctx, &bi);
        }
    }
    if (want_free && c->fbot > c->rtop) {
        bi.addr = c->rtop;
        bi.size = bi.span = (size_t)(c->fbot - c->rtop);
        bi.kind = DALLOC_BLOCK_FREE;
        bi.pinned = false;
        bi.module = DALLOC_NO_MODULE;
        bi.owner = NULL;
        fn(ctx, &bi);
    }
    for (p = c->fbot; p < c->hi; p += blk_size((const blk_t *)(const void *)p)) {
        const blk_t *b = (const blk_t *)(const void *)p;
        if ((blk_has(b, F_FREE) != 0) == want_free && !blk_has(b, F_SYS)) {
            describe(b, &bi);
            fn(ctx, &bi);
        }
    }
}

static dalloc_status_t visit(dalloc_heap_t *h, bool want_free, dalloc_visit_fn fn, void *ctx)
{
    ctl_t *c = heap_ctl(h);
    if (c == NULL)
        return DALLOC_E_HEAP;
    if (fn == NULL)
        return DALLOC_E_ARG;
    HEAP_LOCK(h);
    walk(c, want_free, fn, ctx);
    HEAP_UNLOCK(h);
    return DALLOC_OK;
}

dalloc_status_t dalloc_for_each_used_block(dalloc_heap_t *h, dalloc_visit_fn fn, void *ctx)
{
    return visit(h, false, fn, ctx);
}

dalloc_status_t dalloc_for_each_free_block(dalloc_heap_t *h, dalloc_visit_fn fn, void *ctx)
{
    return visit(h, true, fn, ctx);
}

/* The map: column i shows the block covering the middle of its slice of
 * the arena; one pass over blocks and columns together, no extra memory. */
typedef struct {
    const uint8_t *lo;
    size_t arena, width, col;
    char *out;
} map_t;

static char mark_of(const dalloc_block_info_t *bi)
{
    if (bi->kind == DALLOC_BLOCK_FREE)
        return '.';
    if (bi->module != DALLOC_NO_MODULE)
        return (char)('a' + (bi->module - 1) % 26);
    if (bi->kind == DALLOC_BLOCK_FIXED)
        return '#';
    return bi->pinned ? '!' : '=';
}

/* Middle of column i's slice, as an offset into the arena. */
static size_t middle(const map_t *m, size_t i)
{
    return (2 * i + 1) * m->arena / (2 * m->width);
}

/* The spans come in address order and tile [0, arena): every column whose
 * middle lies below start was taken by an earlier span. */
static void map_span(map_t *m, size_t end, char mark)
{
    while (m->col < m->width && middle(m, m->col) < end)
        m->out[m->col++] = mark;
}

static void map_region(map_t *m, const uint8_t *from, const uint8_t *to)
{
    const uint8_t *p;
    dalloc_block_info_t bi;
    for (p = from; p < to; p += blk_size((const blk_t *)(const void *)p)) {
        const blk_t *b = (const blk_t *)(const void *)p;
        describe(b, &bi);
        map_span(m, (size_t)(p - m->lo) + blk_size(b), blk_has(b, F_SYS) ? '#' : mark_of(&bi));
    }
}

size_t dalloc_heap_map(dalloc_heap_t *h, char *out, size_t width)
{
    ctl_t *c = heap_ctl(h);
    map_t m;
    if (c == NULL || out == NULL || width == 0)
        return 0;
    HEAP_LOCK(h);
    m.lo = c->lo;
    m.arena = (size_t)(c->hi - c->lo);
    m.width = width;
    m.col = 0;
    m.out = out;
    memset(out, ' ', width);
    map_region(&m, c->lo, c->rtop);
    map_span(&m, (size_t)(c->fbot - c->lo), '.');
    map_region(&m, c->fbot, c->hi);
    out[width] = '\0';
    HEAP_UNLOCK(h);
    return width;
}

/* Histogram of free stretches by power of two of their size. */
typedef struct {
    size_t count[32];
} histo_t;

static void count_free(void *ctx, const dalloc_block_info_t *bi)
{
    histo_t *hs = (histo_t *)ctx;
    unsigned k = bit_fls(bi->size); /* holes and the gap are never empty */
    hs->count[k < 32 ? k : 31]++;
}

void dalloc_report(dalloc_heap_t *h)
{
    ctl_t *c = heap_ctl(h);
    dalloc_stats_t st;
    histo_t hs;
    char bar[41], row[65], map[257];
    size_t i, used, frag;
    unsigned k;
    if (c == NULL) {
        dalloc__outf("dalloc: heap %p is not initialised\n", (void *)h);
        return;
    }
    (void)dalloc_get_stats(h, &st); /* cannot fail on an initialised heap */
    used = st.used_bytes * 40 / st.arena_size; /* the arena holds a block */
    for (i = 0; i < 40; i++)
        bar[i] = i < used ? '#' : '.';
    bar[40] = '\0';
    frag = st.fragmentation_permille;
    dalloc__outf("dalloc heap %p: %lu bytes (arena %lu), header %lu\n", (void *)h, (unsigned long)st.total_size,
                (unsigned long)st.arena_size, (unsigned long)st.header_size);
    dalloc__outf("  used [%s] %lu of %lu (peak %lu)\n", bar, (unsigned long)st.used_bytes,
                (unsigned long)st.arena_size, (unsigned long)st.peak_used);
    dalloc__outf("  free %lu in %lu holes + gap; largest %lu; fragmentation %lu.%lu%%\n", (unsigned long)st.free_bytes,
                (unsigned long)st.free_blocks, (unsigned long)st.largest_free, (unsigned long)(frag / 10),
                (unsigned long)(frag % 10));
    dalloc__outf("  blocks %lu (pinned %lu); refusals %lu; compactions %lu, %lu bytes moved\n",
                (unsigned long)st.live_blocks, (unsigned long)st.pinned_blocks, (unsigned long)st.refusals,
                (unsigned long)st.compactions, (unsigned long)st.bytes_moved);
    HEAP_LOCK(h);
    if (c->mod_cap != 0) {
        dalloc__outf("  %-4s %-20s %8s %10s %10s %10s\n", "map", "module", "blocks", "bytes", "peak", "quota");
        for (k = 0; k < c->mod_cap; k++) {
            const modrec_t *r = &c->mods[k];
            if (r->name[0] == '\0')
                continue;
            dalloc__outf("  %-4c %-20.20s %8lu %10lu %10lu %10lu\n", 'a' + (int)(k % 26), r->name,
                        (unsigned long)r->blocks, (unsigned long)r->bytes, (unsigned long)r->peak,
                        (unsigned long)r->quota);
        }
    }
    memset(&hs, 0, sizeof hs);
    walk(c, true, count_free, &hs);
    HEAP_UNLOCK(h);
    dalloc__outf("  free stretches by size:");
    for (k = 0; k < 32; k++)
        if (hs.count[k] != 0)
            dalloc__outf(" %lu-%lu:%lu", (unsigned long)1 << k, ((unsigned long)1 << (k + 1)) - 1,
                        (unsigned long)hs.count[k]);
    dalloc__outf("\n  map ('.' free, '=' relocatable, '!' pinned, '#' fixed, letters: modules):\n");
    /* A 256-column map in four rows of 64 (cannot fail: c != NULL). */
    (void)dalloc_heap_map(h, map, sizeof map - 1);
    for (i = 0; i < 4; i++) {
        memcpy(row, map + i * 64, 64);
        row[64] = '\0';
        dalloc__outf("  |%s|\n", row);
    }
}
