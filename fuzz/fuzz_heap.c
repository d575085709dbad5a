/*
 * fuzz_heap.c - libFuzzer harness for libdalloc (see fuzz/README.md).
 *
 * The input chooses a heap size (a few KiB, or a tiny one), how misaligned
 * the buffer starts and the initial policy, then a sequence of operations:
 * an opcode byte followed by the argument bytes it reads (reads past the end
 * give zeros).  Every operation goes to one dalloc heap and to a reference
 * model kept here:
 *
 *  - every live block: kind (relocatable or fixed), requested size, a tag
 *    from which its content pattern is derived, pin state, module, and its
 *    owner: a root variable of the harness (roots[]), one of the first
 *    NSLOT pointer-sized "slot" words of another block (or of itself), or
 *    none (orphaned by a module release, or abandoned by its root).  The
 *    first words of each block are slots (NULL or the address of the block
 *    they own), the rest is the pattern;
 *  - fixed blocks are held in fixp[]; modules with their ids and quotas.
 *
 * Before a call the model works out which statuses the manual pages allow
 * (refusals only when the documented guarantees permit them).  A refused
 * call must leave the heap as it was: its figures (dalloc_get_stats(), the
 * refusal counter aside) and the lists of used and free blocks.  After every
 * call the harness finds each block again: through its owner chain from a
 * root or a fixed block, or, for blocks that no root reaches (orphans,
 * cycles of owners), by address order, which only compaction changes and
 * never permutes.  It then checks each block's whole content, its figures
 * against the visitors, the modules' figures, and dalloc_check().  Any
 * mismatch prints what was expected and calls abort().
 *
 * Input format (reads past the end give zeros, so any input is valid):
 *   bytes 0-1  heap size selector s, little endian: 256 + s % 7937 bytes, or
 *              s & 0xFF bytes (a tiny buffer, mostly too small for a heap:
 *              every call must then be refused) when the top three bits of
 *              s are set;
 *   byte 2     low nibble: misalignment of the buffer (0-15 bytes); bits
 *              4-5: initial policy (1 on free, 2 manual, else on demand);
 *   then       operations until the input ends (at most MAX_OPS): an opcode
 *              byte, taken % 24 (see the switch in LLVMFuzzerTestOneInput),
 *              followed by the argument bytes that operation reads (rd8()
 *              and rd16() calls, in order).
 * fuzz/make-corpus.sh writes seeds in this format.
 *
 * Set DALLOC_FUZZ_TRACE=1 in the environment to print every operation.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dalloc.h"

/* Under AddressSanitizer the bytes in front of a misaligned heap buffer are
 * poisoned, so a read before the buffer is reported. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#if !defined(FUZZ_ASAN) && defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#endif
#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#ifndef DALLOC_MAX_ALLOCATIONS
#define DALLOC_MAX_ALLOCATIONS 0
#endif

/* A word the harness reads on purpose where the library has told Valgrind's
 * memcheck that user code may not (a bad owner in a header or free space:
 * src/vg.c); read with memcheck's reports off, and taken as defined. */
#if defined(DALLOC_VALGRIND) && DALLOC_VALGRIND
#include <valgrind/memcheck.h>
static void *peek(void *const *p)
{
    void *v;
    VALGRIND_DISABLE_ERROR_REPORTING;
    v = *p;
    VALGRIND_ENABLE_ERROR_REPORTING;
    (void)VALGRIND_MAKE_MEM_DEFINED(&v, sizeof v);
    return v;
}
#else
static void *peek(void *const *p) { return *p; }
#endif
/* --enable-guards=N: every block carries N + 2 more bytes (dalloc(7)). */
#if defined(DALLOC_GUARDS) && DALLOC_GUARDS > 0
#define GUARD_ROOM ((size_t)DALLOC_GUARDS + 2u)
#else
#define GUARD_ROOM ((size_t)0)
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define W (sizeof(void *))
#define GRAN ((size_t)DALLOC_ALIGNMENT)
#define NSLOT 2        /* owner slots at the start of a block */
#define NROOT 16       /* owner variables of the harness */
#define NFIX 12        /* fixed block pointers of the harness */
#define NBLK 64        /* live blocks in the model */
#define NMOD 5         /* module names */
#define MAXENT 1100    /* used or free blocks of a heap of at most 8 KiB */
#define NSTALE 8       /* remembered addresses of freed or moved blocks */
#define MAX_OPS 3000
#define B(s) (1u << (unsigned)(s))

/* ------------------------------------------------------------------------ */
/* Failure reports                                                           */

static unsigned long g_step;
static const char *g_op = "init";
static int g_trace = -1;
static dalloc_heap_t heap;

#if defined(__GNUC__)
#define PRINTF_LIKE __attribute__((format(printf, 1, 2)))
#else
#define PRINTF_LIKE
#endif

static void trace(const char *fmt, ...) PRINTF_LIKE;
static void trace(const char *fmt, ...)
{
    va_list ap;
    if (g_trace <= 0)
        return;
    va_start(ap, fmt);
    (void)vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static void fail(int line, const char *what)
{
    fprintf(stderr, "fuzz_heap: check failed (fuzz_heap.c:%d) at step %lu (%s): %s\n", line, g_step, g_op, what);
    fprintf(stderr, "fuzz_heap: heap's last error: %s\n", dalloc_strerror(dalloc_last_error(&heap)));
    abort();
}
#define CHECK(c)                         \
    do {                                 \
        if (!(c))                        \
            fail(__LINE__, #c);          \
    } while (0)

static const char *st_name(unsigned s)
{
    static const char *const names[] = {"OK",       "E_HEAP",  "E_ARG",   "E_NOMEM",  "E_SIZE",
                                        "E_NOTBLOCK", "E_OWNER", "E_BUSY",  "E_PINNED", "E_LIMIT",
                                        "E_BUDGET", "E_CORRUPT", "E_MODULE", "E_QUOTA", "E_AGAIN"};
    return s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static void expect(dalloc_status_t st, uint32_t allowed, int line)
{
    unsigned s = (unsigned)st, i;
    if (s < 32 && ((allowed >> s) & 1u) != 0)
        return;
    fprintf(stderr, "fuzz_heap: unexpected status (fuzz_heap.c:%d) at step %lu (%s): %s; allowed:", line, g_step,
            g_op, st_name(s));
    for (i = 0; i < 32; i++)
        if ((allowed >> i) & 1u)
            fprintf(stderr, " %s", st_name(i));
    fprintf(stderr, "\n");
    abort();
}
#define EXPECT(st, allowed) expect((st), (allowed), __LINE__)

/* ------------------------------------------------------------------------ */
/* Input                                                                     */

static const uint8_t *in_data;
static size_t in_len, in_pos;

static unsigned rd8(void) { return in_pos < in_len ? in_data[in_pos++] : 0u; }
static unsigned rd16(void)
{
    unsigned a = rd8();
    return a | (rd8() << 8);
}
static bool more(void) { return in_pos < in_len; }

/* ------------------------------------------------------------------------ */
/* The heap's view: used and free blocks, figures, layout                    */

typedef struct {
    uint8_t *addr;  /* payload (used) or first byte (free) */
    uint8_t *start; /* header */
    size_t size, span;
    int kind, pinned;
    unsigned mod;
    void **owner;
} ent_t;

typedef struct {
    size_t n;
    ent_t e[MAXENT];
} list_t;

typedef struct {
    dalloc_stats_t st;
    uint8_t *rtop, *fbot;
    size_t gap, R, live_rel, hole_max, stretch_max, top_stretch, npinned, sys_bytes, max_rel_span;
    uint8_t *sys[4];    /* starts of the library's own blocks */
    size_t sys_len[4];
    unsigned nsys;
} layout_t;

static list_t U, F, U0, F0; /* now, and before the current call */
static layout_t L, L0;
static unsigned char claimed[MAXENT];

static size_t HDR, MT, MINB, MAXB, ARENA;
static uint8_t *raw, *buf, *lo, *hi;
static size_t raw_len, buf_len;
static uint8_t *foreign; /* a small object of the harness, not in the heap */
#define FOREIGN_LEN 64
static uint8_t ubuf[64]; /* holds the unaligned owners */

static void visit(void *ctx, const dalloc_block_info_t *bi)
{
    list_t *l = (list_t *)ctx;
    ent_t *e;
    CHECK(l->n < MAXENT);
    e = &l->e[l->n++];
    memset(e, 0, sizeof *e);
    e->addr = (uint8_t *)(uintptr_t)bi->addr;
    e->start = bi->kind == DALLOC_BLOCK_FREE ? e->addr : e->addr - HDR;
    e->size = bi->size;
    e->span = bi->span;
    e->kind = (int)bi->kind;
    e->pinned = bi->pinned ? 1 : 0;
    e->mod = bi->module;
    e->owner = bi->owner;
}

/* The largest request a free stretch of block bytes can serve
 * (largest_free of dalloc_get_stats(3)). */
static size_t payload_of(size_t block)
{
    return block >= MINB && block - HDR > GUARD_ROOM ? block - HDR - GUARD_ROOM : 0;
}

/* Read the heap's lists and figures and derive the layout of the regions:
 * lo = hi - arena_size (dalloc(7): the buffer's end is rounded down to the
 * alignment, the arena comes last); rtop is the end of the last relocatable
 * block; the gap is the free stretch starting there; the fixed region is
 * [fbot, hi), where used and free blocks leave the library's own blocks. */
static void scan(void)
{
    size_t i, j, seg = 0, best = 0, used = 0, freeb = 0, big = 0, nholes = 0;
    uint8_t *pos;
    U.n = F.n = 0;
    CHECK(dalloc_for_each_used_block(&heap, visit, &U) == DALLOC_OK);
    CHECK(dalloc_for_each_free_block(&heap, visit, &F) == DALLOC_OK);
    CHECK(dalloc_get_stats(&heap, &L.st) == DALLOC_OK);
    CHECK(L.st.arena_size == ARENA);
    L.rtop = lo;
    L.live_rel = L.npinned = L.max_rel_span = 0;
    for (i = 0; i < U.n; i++) {
        ent_t *e = &U.e[i];
        CHECK(e->start >= lo && e->start + e->span <= hi);
        CHECK(i == 0 || e->start >= U.e[i - 1].start + U.e[i - 1].span);
        used += e->span;
        if (e->kind == DALLOC_BLOCK_RELOCATABLE) {
            CHECK(e->start >= L.rtop); /* the relocatable region comes first */
            L.rtop = e->start + e->span;
            L.live_rel += e->span;
            L.npinned += (size_t)e->pinned;
            if (!e->pinned && e->span > L.max_rel_span)
                L.max_rel_span = e->span;
        } else {
            CHECK(e->kind == DALLOC_BLOCK_FIXED && e->owner == NULL && !e->pinned);
        }
    }
    L.gap = 0;
    L.hole_max = 0;
    for (i = 0; i < F.n; i++) {
        ent_t *e = &F.e[i];
        CHECK(e->kind == DALLOC_BLOCK_FREE && e->span > 0 && e->start >= lo && e->start + e->span <= hi);
        CHECK(i == 0 || e->start >= F.e[i - 1].start + F.e[i - 1].span);
        freeb += e->span;
        big = e->span > big ? e->span : big;
        if (e->start == L.rtop)
            L.gap = e->span;
        else
            nholes++;
        if (e->start < L.rtop && e->span > L.hole_max)
            L.hole_max = e->span;
    }
    L.fbot = L.rtop + L.gap;
    L.R = (size_t)(L.fbot - lo);
    /* The largest stretch a full compaction gathers: free bytes between
     * pinned blocks, the last stretch joined by the gap. */
    for (i = 0, j = 0; i < U.n || j < F.n;) {
        bool take_free = j < F.n && (i >= U.n || F.e[j].start < U.e[i].start);
        if (take_free) {
            if (F.e[j].start < L.rtop)
                seg += F.e[j].span;
            j++;
        } else {
            if (U.e[i].kind == DALLOC_BLOCK_RELOCATABLE && U.e[i].pinned) {
                best = seg > best ? seg : best;
                seg = 0;
            }
            i++;
        }
    }
    seg += L.gap;
    L.top_stretch = seg; /* what compaction gathers next to the gap */
    L.stretch_max = seg > best ? seg : best;
    /* The library's own blocks: what the fixed region's used and free
     * blocks leave uncovered. */
    L.nsys = 0;
    L.sys_bytes = 0;
    pos = L.fbot;
    for (i = 0, j = 0; i < U.n || j < F.n;) {
        ent_t *e;
        bool take_free = j < F.n && (i >= U.n || F.e[j].start < U.e[i].start);
        e = take_free ? &F.e[j++] : &U.e[i++];
        if (e->start < L.fbot)
            continue;
        CHECK(e->start >= pos);
        if (e->start > pos) {
            if (L.nsys < 4) {
                L.sys[L.nsys] = pos;
                L.sys_len[L.nsys++] = (size_t)(e->start - pos);
            }
            L.sys_bytes += (size_t)(e->start - pos);
        }
        pos = e->start + e->span;
    }
    if (pos < hi) {
        if (L.nsys < 4) {
            L.sys[L.nsys] = pos;
            L.sys_len[L.nsys++] = (size_t)(hi - pos);
        }
        L.sys_bytes += (size_t)(hi - pos);
    }
    /* The figures agree with the lists. */
    CHECK(L.st.used_bytes == used);
    CHECK(L.st.used_bytes == heap.offset);
    CHECK(L.st.live_blocks == U.n);
    CHECK(L.st.live_blocks == heap.alloc_info.allocations_num);
    CHECK(L.st.pinned_blocks == L.npinned);
    CHECK(L.st.free_bytes == freeb);
    CHECK(L.st.free_bytes == ARENA - used - L.sys_bytes);
    CHECK(L.st.free_blocks == nholes);
    CHECK(L.st.largest_free == payload_of(L.hole_max > L.gap ? L.hole_max : L.gap));
    CHECK(L.st.largest_after_compaction == payload_of(L.stretch_max));
    CHECK(L.st.fragmentation_permille == (freeb > big ? (unsigned)((freeb - big) * 1000u / freeb) : 0u));
    CHECK(L.st.peak_used >= L.st.used_bytes);
    CHECK(L.st.peak_used == heap.alloc_info.max_memory_amount);
}

static ent_t *find_used(const void *p)
{
    size_t a = 0, b = U.n;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (U.e[mid].addr == (const uint8_t *)p)
            return &U.e[mid];
        if (U.e[mid].addr < (const uint8_t *)p)
            a = mid + 1;
        else
            b = mid;
    }
    return NULL;
}

static bool stats_same(const dalloc_stats_t *a, const dalloc_stats_t *b)
{
    return a->total_size == b->total_size && a->arena_size == b->arena_size && a->header_size == b->header_size &&
           a->used_bytes == b->used_bytes && a->free_bytes == b->free_bytes && a->largest_free == b->largest_free &&
           a->largest_after_compaction == b->largest_after_compaction && a->free_blocks == b->free_blocks &&
           a->live_blocks == b->live_blocks && a->pinned_blocks == b->pinned_blocks &&
           a->peak_used == b->peak_used && a->compactions == b->compactions && a->bytes_moved == b->bytes_moved &&
           a->fragmentation_permille == b->fragmentation_permille;
}

static bool ent_same(const ent_t *a, const ent_t *b)
{
    return a->addr == b->addr && a->size == b->size && a->span == b->span && a->kind == b->kind &&
           a->pinned == b->pinned && a->mod == b->mod && a->owner == b->owner;
}

/* A refused call left the heap as it was. */
static void same_as_before(void)
{
    size_t i;
    CHECK(stats_same(&L0.st, &L.st));
    CHECK(U.n == U0.n);
    CHECK(F.n == F0.n);
    for (i = 0; i < U.n; i++)
        CHECK(ent_same(&U.e[i], &U0.e[i]));
    for (i = 0; i < F.n; i++)
        CHECK(ent_same(&F.e[i], &F0.e[i]));
}

/* ------------------------------------------------------------------------ */
/* The model                                                                 */

enum { O_NONE, O_ROOT, O_SLOT, O_FIX };

typedef struct {
    bool live, fixed, pinned, reach;
    int okind, oref, oslot; /* owner: kind, root / parent / fixp index, slot */
    int child[NSLOT];       /* the block each slot owns, -1 none */
    size_t size, align;
    uint32_t tag;
    int mod;                /* index in mods[], -1 none */
    uint8_t *addr, *paddr, *naddr; /* now, before the call, found after it */
} mblk_t;

static mblk_t m[NBLK];
static void *roots[NROOT];
static int root_blk[NROOT];  /* the block a root owns, -1 none */
static void *root_val[NROOT]; /* what a root that owns nothing holds */
static void *fixp[NFIX];
static int fix_blk[NFIX];
static struct {
    dalloc_module_t id; /* 0: not registered */
    size_t quota;
} mods[NMOD];
static const char *const mod_names[NMOD] = {"net", "ui", "audio", "m", "abcdefghijklmnopqrstuvwxyz01234"};
static dalloc_module_t last_unregistered = 77;
static dalloc_policy_t policy;
static bool use_seed_names; /* call through the dalloc 1.x names */
static uint8_t *stale[NSTALE];
static unsigned nstale;
static uint32_t tagseq;

static size_t nslots(size_t size) { return size / W < NSLOT ? size / W : NSLOT; }

static uint8_t pat(uint32_t tag, size_t j)
{
    uint32_t x = tag ^ ((uint32_t)j * 0x9E3779B1u);
    x ^= x >> 15;
    x *= 0x2C1B3C6Du;
    x ^= x >> 12;
    return (uint8_t)x;
}

static void *get_word(const uint8_t *p)
{
    void *v;
    memcpy(&v, p, W);
    return v;
}
static void put_word(uint8_t *p, const void *v) { memcpy(p, &v, W); }

static void **slot_addr(int p, int k) { return (void **)(void *)(m[p].addr + (size_t)k * W); }

static void **owner_of(int i)
{
    switch (m[i].okind) {
    case O_ROOT:
        return &roots[m[i].oref];
    case O_SLOT:
        return slot_addr(m[i].oref, m[i].oslot);
    default:
        return NULL;
    }
}

static bool has_children(int i)
{
    int k;
    for (k = 0; k < NSLOT; k++)
        if (m[i].child[k] >= 0 && m[i].child[k] != i)
            return true;
    return false;
}

static dalloc_module_t mod_id(int i) { return m[i].mod >= 0 ? mods[m[i].mod].id : DALLOC_NO_MODULE; }

/* Index of a registered module id, -1 for none, -2 for an id that is not
 * registered. */
static int mod_index(dalloc_module_t id)
{
    int k;
    if (id == DALLOC_NO_MODULE)
        return -1;
    for (k = 0; k < NMOD; k++)
        if (mods[k].id == id)
            return k;
    return -2;
}

static size_t mod_bytes(dalloc_module_t id)
{
    size_t i, s = 0;
    for (i = 0; i < U.n; i++)
        if (U.e[i].mod == id)
            s += U.e[i].span;
    return s;
}

/* The optional cap on live blocks (--with-max-allocations) is reached. */
static bool at_limit(void)
{
#if DALLOC_MAX_ALLOCATIONS > 0
    return U.n >= (size_t)DALLOC_MAX_ALLOCATIONS;
#else
    return false;
#endif
}

static int new_blk(void)
{
    int i;
    for (i = 0; i < NBLK; i++)
        if (!m[i].live)
            return i;
    return -1;
}

static void push_stale(uint8_t *p)
{
    if (p != NULL)
        stale[nstale++ % NSTALE] = p;
}

typedef bool (*pred_fn)(int);
static bool p_owned(int i) { return !m[i].fixed && m[i].okind != O_NONE; }
static bool p_reach_rel(int i) { return !m[i].fixed && m[i].reach; }
static bool p_fixed(int i) { return m[i].fixed; }
static bool p_reach_slot(int i) { return m[i].reach && nslots(m[i].size) > 0; }
static bool p_slot(int i) { return nslots(m[i].size) > 0; }
static bool p_any(int i) { return i >= 0; }

static int pick(unsigned sel, pred_fn pred)
{
    int cand[NBLK], n = 0, i;
    for (i = 0; i < NBLK; i++)
        if (m[i].live && pred(i))
            cand[n++] = i;
    return n > 0 ? cand[sel % (unsigned)n] : -1;
}

/* The block whose payload is at p, or -1. */
static int classify(const void *p)
{
    int i;
    if (p == NULL)
        return -1;
    for (i = 0; i < NBLK; i++)
        if (m[i].live && m[i].addr == (const uint8_t *)p)
            return i;
    return -1;
}

/* The live relocatable block registered at owner address o, or -1. */
static int owned_by(void **o)
{
    int i;
    for (i = 0; i < NBLK; i++)
        if (m[i].live && !m[i].fixed && m[i].okind != O_NONE && owner_of(i) == o)
            return i;
    return -1;
}

/* Expected byte j of block i laid out for a requested size of size. */
static uint8_t expected_byte(int i, size_t size, size_t j)
{
    size_t ns = nslots(size);
    if (j < ns * W) {
        int c = m[i].child[j / W];
        void *v = c >= 0 ? (void *)m[c].addr : NULL;
        uint8_t w[sizeof(void *)];
        memcpy(w, &v, W);
        return w[j % W];
    }
    return pat(m[i].tag, j);
}

/* Bytes [0, upto) of block i hold its content for a size of size. */
static void verify_prefix(int i, size_t size, size_t upto)
{
    size_t j;
    for (j = 0; j < upto; j++) {
        if (m[i].addr[j] != expected_byte(i, size, j)) {
            fprintf(stderr, "fuzz_heap: block %d (%s, %zu bytes at %p) byte %zu is 0x%02x, expected 0x%02x\n", i,
                    m[i].fixed ? "fixed" : "relocatable", m[i].size, (void *)m[i].addr, j, m[i].addr[j],
                    expected_byte(i, size, j));
            fail(__LINE__, "block content");
        }
    }
}

/* Write block i's content; slots that own a block are left alone. */
static void fill(int i)
{
    size_t ns = nslots(m[i].size), j;
    int k;
    for (k = 0; k < (int)ns; k++)
        if (m[i].child[k] < 0)
            put_word(m[i].addr + (size_t)k * W, NULL);
    for (j = ns * W; j < m[i].size; j++)
        m[i].addr[j] = pat(m[i].tag, j);
}

static int new_model_block(bool fixed, size_t size, int mod)
{
    int i = new_blk(), k;
    CHECK(i >= 0);
    memset(&m[i], 0, sizeof m[i]);
    m[i].live = true;
    m[i].fixed = fixed;
    m[i].size = size;
    m[i].align = GRAN;
    m[i].mod = mod;
    m[i].tag = 0x5bd1e995u ^ (++tagseq * 2654435761u);
    m[i].okind = O_NONE;
    for (k = 0; k < NSLOT; k++)
        m[i].child[k] = -1;
    return i;
}

/* Block i goes; its owner no longer owns it (the library cleared it). */
static void model_free(int i)
{
    if (m[i].okind == O_ROOT) {
        root_blk[m[i].oref] = -1;
        root_val[m[i].oref] = NULL;
    } else if (m[i].okind == O_SLOT && m[i].oref != i) {
        m[m[i].oref].child[m[i].oslot] = -1;
    } else if (m[i].okind == O_FIX) {
        fix_blk[m[i].oref] = -1;
        fixp[m[i].oref] = NULL;
    }
    push_stale(m[i].addr);
    m[i].live = false;
}

/* Block i loses its owner (a root or a slot); link_root() and link_slot()
 * give it a new one. */
static void unlink_owner(int i)
{
    if (m[i].okind == O_ROOT) {
        root_blk[m[i].oref] = -1;
        root_val[m[i].oref] = NULL;
    } else if (m[i].okind == O_SLOT) {
        m[m[i].oref].child[m[i].oslot] = -1;
    }
    m[i].okind = O_NONE;
}
static void link_root(int i, int r)
{
    m[i].okind = O_ROOT;
    m[i].oref = r;
    root_blk[r] = i;
}
static void link_slot(int i, int p, int k)
{
    m[i].okind = O_SLOT;
    m[i].oref = p;
    m[i].oslot = k;
    m[p].child[k] = i;
}

/* ------------------------------------------------------------------------ */
/* Finding the blocks after a call                                           */

/*
 * Reachable blocks are found through their owners: roots and fixed
 * pointers, then the slots of the blocks found.  The others (orphans,
 * abandoned blocks, cycles of owners and what they own) are matched, in
 * address order, with the relocatable blocks left over: only compaction
 * moves them (the harness never resizes or retags such a block in a way
 * that moves it), and compaction keeps the blocks' order.
 */
static void locate(void)
{
    int q[NBLK], qh = 0, qt = 0, fl[NBLK], nf = 0, i, k, r;
    size_t j;
    memset(claimed, 0, U.n);
    for (i = 0; i < NBLK; i++)
        m[i].reach = false;
    for (r = 0; r < NROOT; r++)
        if ((i = root_blk[r]) >= 0) {
            CHECK(m[i].live && !m[i].fixed && m[i].okind == O_ROOT && m[i].oref == r);
            m[i].naddr = (uint8_t *)roots[r];
            m[i].reach = true;
            q[qt++] = i;
        }
    for (r = 0; r < NFIX; r++)
        if ((i = fix_blk[r]) >= 0) {
            CHECK(m[i].live && m[i].fixed);
            m[i].naddr = (uint8_t *)fixp[r];
            m[i].reach = true;
            q[qt++] = i;
        }
    while (qh < qt) {
        ent_t *e;
        i = q[qh++];
        e = find_used(m[i].naddr);
        if (e == NULL) {
            fprintf(stderr, "fuzz_heap: block %d: its owner holds %p, not a live block\n", i, (void *)m[i].naddr);
            fail(__LINE__, "registered pointer");
        }
        CHECK(!claimed[e - U.e]);
        claimed[e - U.e] = 1;
        CHECK(e->kind == (m[i].fixed ? DALLOC_BLOCK_FIXED : DALLOC_BLOCK_RELOCATABLE));
        for (k = 0; k < NSLOT; k++) {
            int c = m[i].child[k];
            if (c < 0)
                continue;
            CHECK(c != i && !m[c].reach && m[c].okind == O_SLOT && m[c].oref == i && m[c].oslot == k);
            CHECK((size_t)(k + 1) * W <= m[i].size);
            m[c].naddr = (uint8_t *)get_word(m[i].naddr + (size_t)k * W);
            m[c].reach = true;
            q[qt++] = c;
        }
    }
    for (i = 0; i < NBLK; i++) {
        if (!m[i].live || m[i].reach)
            continue;
        CHECK(!m[i].fixed && m[i].addr != NULL);
        for (k = nf; k > 0 && m[fl[k - 1]].addr > m[i].addr; k--)
            fl[k] = fl[k - 1];
        fl[k] = i;
        nf++;
    }
    k = 0;
    for (j = 0; j < U.n; j++) {
        if (claimed[j])
            continue;
        if (U.e[j].kind != DALLOC_BLOCK_RELOCATABLE || k >= nf) {
            fprintf(stderr, "fuzz_heap: used block at %p (%zu bytes) belongs to no block of the model\n",
                    (void *)U.e[j].addr, U.e[j].size);
            fail(__LINE__, "unknown block");
        }
        m[fl[k++]].naddr = U.e[j].addr;
        claimed[j] = 1;
    }
    CHECK(k == nf);
    for (i = 0; i < NBLK; i++)
        if (m[i].live)
            m[i].addr = m[i].naddr;
}

static void settle(void)
{
    scan();
    locate();
}

/* Every block, its figures and the heap's invariants. */
static void verify_all(void)
{
    int i, k, n = 0, npinned = 0;
    dalloc_module_t ids[16];
    size_t nreg = 0;
    dalloc_status_t st = dalloc_check(&heap);
    if (st != DALLOC_OK) {
        fprintf(stderr, "fuzz_heap: dalloc_check: %s\n", dalloc_strerror(st));
        fail(__LINE__, "dalloc_check(heap) == DALLOC_OK");
    }
    for (i = 0; i < NBLK; i++) {
        ent_t *e;
        if (!m[i].live)
            continue;
        n++;
        e = find_used(m[i].addr);
        CHECK(e != NULL);
        CHECK(e->kind == (m[i].fixed ? DALLOC_BLOCK_FIXED : DALLOC_BLOCK_RELOCATABLE));
        CHECK(e->mod == mod_id(i));
        CHECK(e->size >= m[i].size);
        /* Joining and leaving modules must not grow a block (found by
         * this harness: corpus/retag-cycle-grows-block). */
        CHECK(e->size <= m[i].size + MINB + MT + GRAN);
        CHECK((uintptr_t)m[i].addr % (m[i].fixed ? m[i].align : GRAN) == 0);
        verify_prefix(i, m[i].size, m[i].size);
        CHECK(dalloc_module_of(&heap, m[i].addr) == mod_id(i));
        CHECK(dalloc_last_error(&heap) == DALLOC_OK);
        if (!m[i].fixed) {
            void *v = m[i].addr;
            uint32_t idx = 0;
            CHECK(e->pinned == (m[i].pinned ? 1 : 0));
            npinned += m[i].pinned ? 1 : 0;
            CHECK(dalloc_validate(&heap, &v, USING_PTR_VALUE, &idx) == DALLOC_OK);
            CHECK(v == m[i].addr);
            CHECK(idx == (uint32_t)((size_t)(e->start - lo) / GRAN));
            if (m[i].okind != O_NONE) {
                CHECK(e->owner == owner_of(i));
                CHECK(dalloc_validate(&heap, owner_of(i), USING_PTR_ADDRESS, NULL) == DALLOC_OK);
            }
        } else {
            void *v = m[i].addr;
            CHECK(dalloc_validate(&heap, &v, USING_PTR_VALUE, NULL) == DALLOC_E_NOTBLOCK);
        }
        for (k = 0; k < NSLOT; k++)
            if (m[i].child[k] >= 0)
                CHECK(m[m[i].child[k]].live);
    }
    CHECK((size_t)n == U.n);
    CHECK((size_t)npinned == L.npinned);
    for (i = 0; i < NROOT; i++)
        if (root_blk[i] < 0)
            CHECK(roots[i] == root_val[i]);
    for (i = 0; i < NFIX; i++)
        if (fix_blk[i] < 0)
            CHECK(fixp[i] == NULL);
    for (i = 0; i < (int)sizeof ubuf; i++)
        CHECK(ubuf[i] == (uint8_t)(0xA5 ^ i));
    for (k = 0; k < NMOD; k++) {
        dalloc_module_stats_t ms;
        size_t blocks = 0;
        if (mods[k].id == DALLOC_NO_MODULE)
            continue;
        nreg++;
        for (i = 0; i < NBLK; i++)
            blocks += m[i].live && m[i].mod == k ? 1u : 0u;
        CHECK(dalloc_module_stats(&heap, mods[k].id, &ms) == DALLOC_OK);
        CHECK(strcmp(ms.name, mod_names[k]) == 0);
        CHECK(ms.blocks == blocks);
        CHECK(ms.bytes == mod_bytes(mods[k].id));
        CHECK(ms.peak_bytes >= ms.bytes);
        CHECK(ms.quota == mods[k].quota);
        CHECK(dalloc_module_find(&heap, mod_names[k]) == mods[k].id);
    }
    CHECK(dalloc_module_list(&heap, ids, 16) == nreg);
    for (k = 1; k < (int)nreg && k < 16; k++)
        CHECK(ids[k - 1] < ids[k]);
    CHECK(dalloc_get_policy(&heap) == policy);
}

/* Bracket a call: remember the heap's state and the blocks' places. */
static void begin(const char *name)
{
    int i;
    g_step++;
    g_op = name;
    L0 = L;
    U0.n = U.n;
    memcpy(U0.e, U.e, U.n * sizeof U.e[0]);
    F0.n = F.n;
    memcpy(F0.e, F.e, F.n * sizeof F.e[0]);
    for (i = 0; i < NBLK; i++)
        m[i].paddr = m[i].live ? m[i].addr : NULL;
}

/* No block moved in the call (blocks made by it aside). */
static void check_no_move(void)
{
    int i;
    for (i = 0; i < NBLK; i++)
        if (m[i].live && m[i].paddr != NULL)
            CHECK(m[i].addr == m[i].paddr);
}

static void note_moves(void)
{
    int i;
    for (i = 0; i < NBLK; i++)
        if (m[i].live && m[i].paddr != NULL && m[i].addr != m[i].paddr)
            push_stale(m[i].paddr);
}

/* After a refused call: the refusal counter counts DALLOC_E_NOMEM only,
 * and the heap is as it was unless a documented exception applies. */
static void refused(dalloc_status_t st, bool may_have_moved)
{
    CHECK(L.st.refusals == L0.st.refusals + (st == DALLOC_E_NOMEM ? 1u : 0u));
    if (!may_have_moved)
        same_as_before();
    else
        note_moves();
}

/* After a call that succeeded. */
static void served(void)
{
    CHECK(L.st.refusals == L0.st.refusals);
    note_moves();
}

/* ------------------------------------------------------------------------ */
/* Sizes, modules and the documented guarantees                              */

/* Block size of a request, as dalloc_header_size(3) describes it; 0 when
 * it cannot be encoded.  *zone is set for sizes within a granule of that
 * limit (the library may refuse them with DALLOC_E_SIZE or
 * DALLOC_E_NOMEM). */
static size_t span_for(size_t n, bool mod, bool *zone)
{
    size_t extra = HDR + (mod ? MT : 0) + GUARD_ROOM, s;
    *zone = false;
    if (n > MAXB - extra)
        return 0;
    if (n > MAXB - extra - GRAN)
        *zone = true;
    s = (n + extra + GRAN - 1) & ~(GRAN - 1);
    return s < MINB ? MINB : s;
}

static size_t rd_size(bool mod)
{
    static const size_t huge_k[] = {0, 1, 2, 7, 8, 9, 15, 16, 31, 32};
    unsigned c = rd8(), v;
    size_t base, extra = HDR + (mod ? MT : 0) + GUARD_ROOM;
    switch (c & 7) {
    case 0:
    case 1:
    case 2:
        return 1 + rd8() % 48;
    case 3:
    case 4:
        return 1 + rd16() % 600;
    case 5:
        return 1 + rd16() % (buf_len + 64);
    case 6: /* around what the heap says it can serve */
        v = rd8();
        switch (v & 3) {
        case 0:
            base = L.st.largest_free;
            break;
        case 1:
            base = L.st.largest_after_compaction;
            break;
        case 2:
            base = L.gap > extra ? L.gap - extra : 0;
            break;
        default:
            base = L.R > L.live_rel + extra ? L.R - L.live_rel - extra : 0;
            break;
        }
        if (mod && (v & 3) < 2)
            base = base > MT ? base - MT : 0;
        v = (v >> 2) % 17;
        return v >= 8 ? base + (v - 8) : (base > 8 - v ? base - (8 - v) : 1);
    default: /* huge and degenerate sizes */
        v = rd8();
        switch (v % 8) {
        case 0:
            return 0;
        case 1:
            return SIZE_MAX - huge_k[(v >> 3) % 10];
        case 2:
            return MAXB - extra - huge_k[(v >> 3) % 10];
        case 3:
            return MAXB - extra + huge_k[(v >> 3) % 10];
        case 4:
            return (size_t)UINT32_MAX - huge_k[(v >> 3) % 10];
        case 5:
            return SIZE_MAX / 2 + huge_k[(v >> 3) % 10];
        case 6:
            return buf_len + huge_k[(v >> 3) % 10];
        default:
            return ARENA - extra - huge_k[(v >> 3) % 10];
        }
    }
}

static dalloc_module_t rd_modid(void)
{
    unsigned c = rd8();
    switch (c % 16) {
    case 0: case 1: case 2: case 3: case 4: case 5:
        return DALLOC_NO_MODULE;
    case 13:
        return (dalloc_module_t)(1 + (c >> 4) % 9);
    case 14:
        return (dalloc_module_t)0xFFFF;
    case 15:
        return last_unregistered;
    default:
        return mods[(c >> 4) % NMOD].id;
    }
}

/* A module holding bytes, with quota q (0: none), asked for extra more:
 * DALLOC_E_QUOTA is certain (hard) past q, possible (soft) within a
 * too-small-to-split remainder (MINB) of it. */
static void quota_refusal(size_t bytes, size_t extra, size_t q, uint32_t *hard, uint32_t *soft)
{
    if (q == 0)
        return;
    if (bytes + extra > q)
        *hard |= B(DALLOC_E_QUOTA);
    else if (bytes + extra + MINB > q)
        *soft |= B(DALLOC_E_QUOTA);
}

/* Statuses a relocatable allocation of n bytes in module id may return:
 * the applicable argument errors if any, else success or a refusal the
 * guarantees permit (dalloc_alloc(3), dalloc(7)). */
static uint32_t alloc_allowed(size_t n, dalloc_module_t id, bool owner_owns)
{
    uint32_t hard = 0, soft = B(DALLOC_OK);
    bool zone;
    int mi = mod_index(id);
    size_t span = span_for(n, id != DALLOC_NO_MODULE, &zone);
    if (owner_owns)
        return B(DALLOC_E_OWNER); /* the block it owns is kept: nothing else */
    if (n == 0)
        hard |= B(DALLOC_E_ARG);
    if (span == 0)
        hard |= B(DALLOC_E_SIZE);
    if (zone)
        hard |= B(DALLOC_E_SIZE) | B(DALLOC_E_NOMEM);
    if (mi == -2)
        hard |= B(DALLOC_E_MODULE);
    if (mi >= 0 && n != 0 && span != 0)
        quota_refusal(mod_bytes(id), span, mods[mi].quota, &hard, &soft);
    if (at_limit())
        hard |= B(DALLOC_E_LIMIT);
    if (hard != 0)
        return hard;
    /* Served from the gap under any policy; otherwise when a full
     * compaction gathers a stretch that holds it (policy not manual). */
    if (!(span <= L.gap || (policy != DALLOC_COMPACT_MANUAL && L.stretch_max >= span)))
        soft |= B(DALLOC_E_NOMEM);
    return soft;
}

/* Can block i (entry e) grow to span in place? */
static bool grows_in_place(const ent_t *e, size_t span)
{
    uint8_t *end = e->start + e->span;
    size_t i;
    if (end == L.rtop)
        return L.gap >= span - e->span;
    for (i = 0; i < F.n; i++)
        if (F.e[i].start == end)
            return e->span + F.e[i].span >= span;
    return false;
}

/* Statuses dalloc_realloc() of relocatable block i to n bytes may return. */
static uint32_t realloc_allowed(int i, size_t n, const ent_t *e)
{
    uint32_t hard = 0, soft = B(DALLOC_OK);
    bool zone, mod = m[i].mod >= 0;
    size_t span = span_for(n, mod, &zone);
    int k;
    if (n == 0)
        hard |= B(DALLOC_E_ARG);
    if (span == 0)
        hard |= B(DALLOC_E_SIZE);
    if (zone)
        hard |= B(DALLOC_E_SIZE) | B(DALLOC_E_NOMEM) | B(DALLOC_E_PINNED);
    for (k = 0; k < NSLOT; k++)
        if (m[i].child[k] >= 0 && m[i].child[k] != i && (size_t)(k + 1) * W > n)
            hard |= B(DALLOC_E_BUSY);
    if (mod && n != 0 && span > e->span)
        quota_refusal(mod_bytes(mod_id(i)), span - e->span, mods[m[i].mod].quota, &hard, &soft);
    if (hard != 0)
        return hard;
    if (span <= e->span || grows_in_place(e, span))
        return soft;
    if (m[i].pinned)
        return soft | B(DALLOC_E_PINNED);
    if (span <= L.gap)
        return soft;
    if (policy != DALLOC_COMPACT_MANUAL &&
        (L.stretch_max >= span ||
         (L.npinned == 0 && e->start + e->span == L.rtop && L.R - L.live_rel >= span - e->span)))
        return soft;
    return soft | B(DALLOC_E_NOMEM);
}

/* ------------------------------------------------------------------------ */
/* Operations on relocatable blocks                                          */

static void check_compact(void);

/* flavor 0: dalloc_alloc, 1: dalloc_alloc_in, 2: dalloc_realloc of an
 * owner holding NULL. */
static void op_alloc(int flavor)
{
    unsigned o = rd8();
    dalloc_module_t id = flavor == 1 ? rd_modid() : DALLOC_NO_MODULE;
    size_t n = rd_size(id != DALLOC_NO_MODULE);
    int p = -1, k = 0, r = -1, i;
    bool owns;
    void **ow;
    uint32_t allowed;
    dalloc_status_t st;

    if ((o & 1) != 0)
        p = pick(o >> 1, p_reach_slot);
    if (p >= 0) {
        k = (int)((o >> 4) % nslots(m[p].size));
        ow = slot_addr(p, k);
        owns = m[p].child[k] >= 0;
    } else {
        r = (int)((o >> 1) % NROOT);
        ow = &roots[r];
        owns = root_blk[r] >= 0;
    }
    if (flavor == 2 && *ow != NULL)
        return; /* that would be a resize (op_realloc) or DALLOC_E_NOTBLOCK */
    if (new_blk() < 0)
        return;
    allowed = alloc_allowed(n, id, owns);
    begin(flavor == 0 ? "dalloc_alloc" : flavor == 1 ? "dalloc_alloc_in" : "dalloc_realloc(NULL owner)");
    trace("%lu %s owner=%s%d.%d n=%zu module=%u\n", g_step, g_op, p >= 0 ? "slot " : "root ", p >= 0 ? p : r, k,
          n, (unsigned)id);
    if (flavor == 0 && (o & 0x80) != 0 && n <= UINT32_MAX) {
        dalloc(&heap, (uint32_t)n, ow);
        st = dalloc_last_error(&heap);
    } else if (flavor == 0)
        st = dalloc_alloc(&heap, n, ow);
    else if (flavor == 1)
        st = dalloc_alloc_in(&heap, n, ow, id);
    else
        st = dalloc_realloc(&heap, n, ow);
    EXPECT(st, allowed);
    if (st == DALLOC_OK) {
        i = new_model_block(false, n, mod_index(id));
        if (p >= 0)
            link_slot(i, p, k);
        else
            link_root(i, r);
        settle();
        served();
        if (policy == DALLOC_COMPACT_MANUAL)
            check_no_move();
        if (m[i].mod >= 0 && mods[m[i].mod].quota != 0)
            CHECK(mod_bytes(id) <= mods[m[i].mod].quota);
        fill(i);
    } else {
        if (st != DALLOC_E_OWNER && r >= 0)
            root_val[r] = NULL; /* *owner is set to NULL */
        settle();
        refused(st, st == DALLOC_E_QUOTA && L0.npinned > 0);
    }
    verify_all();
}

/* After a free of model block i: the model follows a success (and the
 * compaction of DALLOC_COMPACT_ON_FREE), a refusal must have changed
 * nothing; then every block is verified. */
static void free_done(dalloc_status_t st, int i)
{
    if (st == DALLOC_OK) {
        model_free(i);
        settle();
        served();
        if (policy != DALLOC_COMPACT_ON_FREE)
            check_no_move();
        else
            check_compact();
    } else {
        settle();
        refused(st, false);
    }
    verify_all();
}

/* Free block i (or, with v, whatever v names) by value. */
static void do_free_value(void *v)
{
    int i = classify(v);
    void *tmp = v;
    uint32_t allowed;
    dalloc_status_t st;
    if (i >= 0 && !m[i].fixed)
        allowed = has_children(i) ? B(DALLOC_E_BUSY) : B(DALLOC_OK);
    else
        allowed = B(DALLOC_E_NOTBLOCK);
    begin("dalloc_free(USING_PTR_VALUE)");
    trace("%lu %s %p (block %d)\n", g_step, g_op, v, i);
    if (use_seed_names) {
        dfree(&heap, &tmp, USING_PTR_VALUE);
        st = dalloc_last_error(&heap);
    } else {
        st = dalloc_free(&heap, &tmp, USING_PTR_VALUE);
    }
    EXPECT(st, allowed);
    CHECK(tmp == (st == DALLOC_OK ? NULL : v));
    free_done(st, i);
}

/* Free by address through owner address o (a registered owner or not). */
static void do_free_addr(void **o)
{
    int i = o != NULL ? owned_by(o) : -1;
    uint32_t allowed;
    dalloc_status_t st;
    if (o == NULL)
        allowed = B(DALLOC_E_ARG);
    else if (i >= 0)
        allowed = has_children(i) ? B(DALLOC_E_BUSY) : B(DALLOC_OK);
    else
        allowed = B(DALLOC_E_NOTBLOCK);
    begin("dalloc_free(USING_PTR_ADDRESS)");
    trace("%lu %s owner %p (block %d)\n", g_step, g_op, (void *)o, i);
    if (use_seed_names) {
        dfree(&heap, o, USING_PTR_ADDRESS);
        st = dalloc_last_error(&heap);
    } else {
        st = dalloc_free(&heap, o, USING_PTR_ADDRESS);
    }
    EXPECT(st, allowed);
    /* on success the owner is cleared: verify_all() sees the root or the
     * slot (which compaction under DALLOC_COMPACT_ON_FREE may have moved) */
    free_done(st, i);
}

static void op_free(int by_value)
{
    unsigned c = rd8();
    int i = pick(c, by_value ? p_any : p_owned);
    if (i < 0)
        return;
    use_seed_names = (c & 0x80) != 0;
    if (by_value)
        do_free_value(m[i].addr);
    else
        do_free_addr(owner_of(i));
}

static void op_realloc(void)
{
    unsigned c = rd8();
    int i = pick(c, p_reach_rel);
    size_t n, so, keep;
    uint8_t *old;
    ent_t *e, eo;
    uint32_t allowed;
    dalloc_status_t st;
    bool zone;
    if (i < 0)
        return;
    n = rd_size(m[i].mod >= 0);
    e = find_used(m[i].addr);
    CHECK(e != NULL);
    eo = *e;
    allowed = realloc_allowed(i, n, &eo);
    so = m[i].size;
    old = m[i].addr;
    begin("dalloc_realloc");
    trace("%lu %s block %d %zu -> %zu bytes\n", g_step, g_op, i, so, n);
    if ((c & 0x80) != 0 && n <= UINT32_MAX) {
        bool ok = drealloc(&heap, (uint32_t)n, owner_of(i));
        st = dalloc_last_error(&heap);
        CHECK(ok == (st == DALLOC_OK));
    } else {
        st = dalloc_realloc(&heap, n, owner_of(i));
    }
    EXPECT(st, allowed);
    settle();
    if (st == DALLOC_OK) {
        served();
        if (span_for(n, m[i].mod >= 0, &zone) <= eo.span || m[i].pinned)
            CHECK(m[i].addr == old); /* shrinking, and pinned blocks, stay */
        keep = n < so ? n : so;
        verify_prefix(i, so, keep);
        m[i].size = n;
        fill(i);
        if (m[i].mod >= 0 && mods[m[i].mod].quota != 0 && find_used(m[i].addr)->span > eo.span)
            CHECK(mod_bytes(mod_id(i)) <= mods[m[i].mod].quota); /* it grew: within the quota */
    } else {
        refused(st, st == DALLOC_E_QUOTA && L0.npinned > 0);
    }
    verify_all();
}

/* A new owner for some block: a root, or a slot of any block (the block
 * itself too: an owner may lie in its own block). */
static void **rd_new_owner(int *r, int *p, int *k)
{
    unsigned c = rd8();
    *r = *p = -1;
    *k = 0;
    if ((c & 1) != 0 && (*p = pick(c >> 1, p_slot)) >= 0) {
        *k = (int)((c >> 5) % nslots(m[*p].size));
        return slot_addr(*p, *k);
    }
    *r = (int)((c >> 1) % NROOT);
    return &roots[*r];
}

static void op_replace(void)
{
    unsigned c = rd8();
    int i = pick(c, p_owned), r, p, k;
    void **old, **nw;
    uint32_t allowed;
    dalloc_status_t st;
    if (i < 0)
        return;
    old = owner_of(i);
    nw = rd_new_owner(&r, &p, &k);
    if (nw == old)
        allowed = B(DALLOC_OK);
    else if ((r >= 0 && root_blk[r] >= 0) || (p >= 0 && m[p].child[k] >= 0))
        allowed = B(DALLOC_E_OWNER);
    else
        allowed = B(DALLOC_OK);
    begin("dalloc_replace");
    trace("%lu %s block %d to %s%d.%d\n", g_step, g_op, i, r >= 0 ? "root " : "slot ", r >= 0 ? r : p, k);
    if ((c & 0x80) != 0) {
        replace_pointers(&heap, old, nw);
        st = dalloc_last_error(&heap);
    } else {
        st = dalloc_replace(&heap, old, nw);
    }
    EXPECT(st, allowed);
    if (st == DALLOC_OK && nw != old) {
        unlink_owner(i);
        if (r >= 0)
            link_root(i, r);
        else
            link_slot(i, p, k);
    }
    settle();
    if (st == DALLOC_OK)
        served();
    else
        refused(st, false);
    check_no_move();
    verify_all();
}

static void op_pin(void)
{
    unsigned c = rd8();
    int i = pick(c >> 1, p_owned);
    dalloc_status_t st;
    if (i < 0)
        return;
    begin((c & 1) != 0 ? "dalloc_pin" : "dalloc_unpin");
    trace("%lu %s block %d\n", g_step, g_op, i);
    st = (c & 1) != 0 ? dalloc_pin(&heap, owner_of(i)) : dalloc_unpin(&heap, owner_of(i));
    EXPECT(st, B(DALLOC_OK));
    m[i].pinned = (c & 1) != 0;
    settle();
    served();
    check_no_move();
    verify_all();
}

/* Abandon a root: the block it owns keeps its registration but the root
 * no longer holds it (dalloc(7): the library then stops writing to it). */
static void op_abandon(void)
{
    unsigned c = rd8();
    int r = (int)(c % NROOT), i = root_blk[r];
    void *v = (c & 0x80) != 0 ? (void *)foreign : NULL;
    if (i < 0)
        return;
    begin("abandon a root");
    trace("%lu %s %d (block %d)\n", g_step, g_op, r, i);
    roots[r] = v;
    root_blk[r] = -1;
    root_val[r] = v;
    m[i].okind = O_NONE;
    settle();
    same_as_before();
    verify_all();
}

/* ------------------------------------------------------------------------ */
/* Compaction and policy                                                     */

/* After a full compaction: every hole of the relocatable region lies right
 * below a pinned block. */
static void check_compact(void)
{
    size_t i;
    for (i = 0; i < F.n; i++) {
        ent_t *e;
        if (F.e[i].start >= L.rtop)
            continue;
        e = find_used(F.e[i].start + F.e[i].span + HDR);
        CHECK(e != NULL && e->kind == DALLOC_BLOCK_RELOCATABLE && e->pinned);
    }
}

static void op_compact(void)
{
    unsigned c = rd8(), v;
    size_t budget = 0, moved, total = 0, steps = 0, limit;
    dalloc_status_t st;
    switch (c % 4) {
    case 0: /* full */
        begin("dalloc_compact");
        trace("%lu %s\n", g_step, g_op);
        moved = dalloc_compact(&heap);
        EXPECT(dalloc_last_error(&heap), B(DALLOC_OK));
        settle();
        served();
        CHECK(L.st.bytes_moved == L0.st.bytes_moved + moved);
        CHECK(L.st.compactions == L0.st.compactions + (moved != 0 ? 1u : 0u));
        check_compact();
        break;
    case 1:
    case 2: /* one step */
        v = rd8();
        switch (v % 12) {
        case 0: budget = 0; break;
        case 1: budget = 1; break;
        case 2: budget = HDR - 1; break;
        case 3: budget = HDR; break;
        case 4: budget = MINB; break;
        case 5: budget = 64; break;
        case 6: budget = 256; break;
        case 7: budget = L.max_rel_span; break;
        case 8: budget = L.max_rel_span > 0 ? L.max_rel_span - 1 : 0; break;
        case 9: budget = SIZE_MAX; break;
        default: budget = rd16(); break;
        }
        begin("dalloc_compact_step");
        trace("%lu %s budget %zu\n", g_step, g_op, budget);
        moved = dalloc_compact_step(&heap, budget);
        st = dalloc_last_error(&heap);
        EXPECT(st, B(DALLOC_OK) | B(DALLOC_E_AGAIN) | B(DALLOC_E_BUDGET));
        settle();
        served();
        CHECK(moved <= budget);
        CHECK(L.st.bytes_moved == L0.st.bytes_moved + moved);
        CHECK(L.st.compactions == L0.st.compactions + (moved != 0 ? 1u : 0u));
        if (st == DALLOC_OK)
            check_compact();
        if (st == DALLOC_E_BUDGET)
            CHECK(L0.max_rel_span > budget);
        break;
    default: /* steps until done, with a budget no block exceeds */
        budget = (L.max_rel_span > MINB ? L.max_rel_span : MINB) + rd8();
        limit = 4 * (U.n + F.n) + 16;
        begin("dalloc_compact_step loop");
        trace("%lu %s budget %zu\n", g_step, g_op, budget);
        do {
            moved = dalloc_compact_step(&heap, budget);
            st = dalloc_last_error(&heap);
            EXPECT(st, B(DALLOC_OK) | B(DALLOC_E_AGAIN));
            CHECK(moved <= budget);
            total += moved;
            CHECK(++steps <= limit);
        } while (st == DALLOC_E_AGAIN);
        settle();
        served();
        CHECK(L.st.bytes_moved == L0.st.bytes_moved + total);
        check_compact();
        break;
    }
    verify_all();
}

static void op_policy(void)
{
    static const unsigned values[] = {DALLOC_COMPACT_ON_DEMAND, DALLOC_COMPACT_ON_FREE, DALLOC_COMPACT_MANUAL,
                                      DALLOC_COMPACT_MANUAL, 3, 200};
    unsigned v = values[rd8() % 6];
    dalloc_status_t st;
    begin("dalloc_set_policy");
    trace("%lu %s %u\n", g_step, g_op, v);
    st = dalloc_set_policy(&heap, (dalloc_policy_t)v);
    EXPECT(st, v <= DALLOC_COMPACT_MANUAL ? B(DALLOC_OK) : B(DALLOC_E_ARG));
    if (st == DALLOC_OK)
        policy = (dalloc_policy_t)v;
    settle();
    same_as_before();
    verify_all();
}

/* ------------------------------------------------------------------------ */
/* Fixed blocks                                                              */

static int free_fix_slot(unsigned sel)
{
    int k, n = 0, cand[NFIX];
    for (k = 0; k < NFIX; k++)
        if (fix_blk[k] < 0)
            cand[n++] = k;
    return n > 0 ? cand[sel % (unsigned)n] : -1;
}

static size_t rd_align(void)
{
    static const size_t t[] = {0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 3, 24, 48, 0, 16};
    unsigned v = rd8();
    if (v % 19 == 18)
        return (size_t)1 << (v % 64 < 40 ? 13 : sizeof(size_t) * 8 - 2); /* beyond the heap */
    return t[v % 18];
}

/* Is a fixed block of span bytes aligned to eff sure to be served
 * (dalloc_malloc(3))?  Once the fixed region exists (its index is made with
 * its first block), from the top of the gap when the gap holds it at the
 * worst alignment, or after compacting when the policy allows and the
 * stretch compaction gathers next to the gap holds it. */
static bool fixed_fits(size_t span, size_t eff)
{
    size_t need = span + eff - GRAN;
    if (L.fbot == hi || need < span)
        return false;
    return L.gap >= need || (policy != DALLOC_COMPACT_MANUAL && L.top_stretch >= need);
}

/* variant 0 dalloc_malloc, 1 dalloc_aligned_alloc, 2 dalloc_calloc,
 * 3 dalloc_fixed_alloc, 4 dalloc_fixed_realloc(NULL). */
static void op_fixed_alloc(void)
{
    unsigned variant = rd8() % 5;
    int s = free_fix_slot(rd8()), i;
    size_t n, al = 0, cnt = 1, sz = 0, span = 0, eff;
    dalloc_module_t id = DALLOC_NO_MODULE;
    uint32_t hard = 0, soft = B(DALLOC_OK) | B(DALLOC_E_NOMEM);
    bool zone = false, ovf = false;
    int mi;
    void *p;
    dalloc_status_t st;
    if (s < 0 || new_blk() < 0)
        return;
    if (variant == 1 || variant == 3)
        al = rd_align();
    if (variant == 3)
        id = rd_modid();
    n = rd_size(id != DALLOC_NO_MODULE);
    if (variant == 2) { /* count and size */
        unsigned v = rd8();
        cnt = v % 4 == 3 ? SIZE_MAX / (n != 0 ? n : 1) + 1 : 1 + v % 5;
        sz = n;
        ovf = sz != 0 && cnt > SIZE_MAX / sz;
        n = ovf ? 0 : cnt * sz;
    }
    mi = mod_index(id);
    if (variant == 1 && al == 0)
        hard |= B(DALLOC_E_ARG);
    if (ovf)
        hard |= B(DALLOC_E_SIZE);
    if (!ovf && n == 0)
        hard |= B(DALLOC_E_ARG);
    eff = al == 0 ? GRAN : al;
    if ((eff & (eff - 1)) != 0 || eff > heap.total_size)
        hard |= B(DALLOC_E_ARG);
    if (eff < GRAN)
        eff = GRAN;
    if (!ovf) {
        span = span_for(n, id != DALLOC_NO_MODULE, &zone);
        if (span == 0)
            hard |= B(DALLOC_E_SIZE);
        if (zone)
            hard |= B(DALLOC_E_SIZE) | B(DALLOC_E_NOMEM);
    }
    if (mi == -2)
        hard |= B(DALLOC_E_MODULE);
    if (mi >= 0 && n != 0 && span != 0)
        quota_refusal(mod_bytes(id), span, mods[mi].quota, &hard, &soft);
    if (at_limit())
        hard |= B(DALLOC_E_LIMIT);
    if (span != 0 && fixed_fits(span, eff))
        soft &= ~B(DALLOC_E_NOMEM);
    begin(variant == 0   ? "dalloc_malloc"
          : variant == 1 ? "dalloc_aligned_alloc"
          : variant == 2 ? "dalloc_calloc"
          : variant == 3 ? "dalloc_fixed_alloc"
                         : "dalloc_fixed_realloc(NULL)");
    trace("%lu %s n=%zu (count %zu size %zu) align=%zu module=%u\n", g_step, g_op, n, cnt, sz, al, (unsigned)id);
    switch (variant) {
    case 0: p = dalloc_malloc(&heap, n); break;
    case 1: p = dalloc_aligned_alloc(&heap, al, n); break;
    case 2: p = dalloc_calloc(&heap, cnt, sz); break;
    case 3: p = dalloc_fixed_alloc(&heap, n, al, id); break;
    default: p = dalloc_fixed_realloc(&heap, NULL, n); break;
    }
    st = dalloc_last_error(&heap);
    EXPECT(st, hard != 0 ? hard : soft);
    CHECK((p != NULL) == (st == DALLOC_OK));
    if (p != NULL) {
        size_t j;
        i = new_model_block(true, n, mi >= 0 ? mi : -1);
        m[i].align = eff;
        m[i].okind = O_FIX;
        m[i].oref = s;
        m[i].addr = (uint8_t *)p;
        m[i].reach = true;
        fixp[s] = p;
        fix_blk[s] = i;
        settle();
        served();
        if (policy == DALLOC_COMPACT_MANUAL)
            check_no_move();
        CHECK((uintptr_t)p % eff == 0);
        if (variant == 2)
            for (j = 0; j < n; j++)
                CHECK(((uint8_t *)p)[j] == 0);
        if (mi >= 0 && mods[mi].quota != 0)
            CHECK(mod_bytes(id) <= mods[mi].quota);
        fill(i);
    } else {
        /* a refused fixed request may have compacted (dalloc_malloc(3)) */
        settle();
        refused(st, L.st.compactions != L0.st.compactions);
    }
    verify_all();
}

/* dalloc_fixed_realloc of the fixed block at v (or anything v is). */
static void do_fixed_realloc(void *v, size_t n)
{
    int i = classify(v), k;
    uint32_t hard = 0, soft = B(DALLOC_OK);
    size_t span = 0, so = 0, keep;
    bool zone = false, mod;
    ent_t *e = NULL, eo;
    void *q;
    dalloc_status_t st;
    if (v == NULL)
        return; /* dalloc_malloc: op_fixed_alloc */
    if (i < 0 || !m[i].fixed) {
        hard = B(DALLOC_E_NOTBLOCK);
    } else {
        e = find_used(v);
        CHECK(e != NULL);
        eo = *e;
        e = &eo;
        mod = m[i].mod >= 0;
        so = m[i].size;
        span = span_for(n, mod, &zone);
        if (n == 0)
            hard |= B(DALLOC_E_ARG);
        if (span == 0)
            hard |= B(DALLOC_E_SIZE);
        if (zone)
            hard |= B(DALLOC_E_SIZE) | B(DALLOC_E_NOMEM);
        for (k = 0; k < NSLOT; k++)
            if (m[i].child[k] >= 0 && (size_t)(k + 1) * W > n)
                hard |= B(DALLOC_E_BUSY);
        if (mod && n != 0 && span > e->span)
            quota_refusal(mod_bytes(mod_id(i)), span - e->span, mods[m[i].mod].quota, &hard, &soft);
        if (span > e->span && !grows_in_place(e, span) && !fixed_fits(span, m[i].align))
            soft |= B(DALLOC_E_NOMEM);
    }
    begin("dalloc_fixed_realloc");
    trace("%lu %s %p (block %d) to %zu bytes\n", g_step, g_op, v, i, n);
    q = dalloc_fixed_realloc(&heap, v, n);
    st = dalloc_last_error(&heap);
    EXPECT(st, hard != 0 ? hard : soft);
    CHECK((q != NULL) == (st == DALLOC_OK));
    if (q != NULL) {
        CHECK(e != NULL);
        if (span <= e->span)
            CHECK(q == v); /* shrinking is done in place */
        CHECK((uintptr_t)q % m[i].align == 0);
        fixp[m[i].oref] = q;
        settle();
        served();
        if (policy == DALLOC_COMPACT_MANUAL)
            for (k = 0; k < NBLK; k++)
                if (m[k].live && !m[k].fixed && m[k].paddr != NULL)
                    CHECK(m[k].addr == m[k].paddr);
        keep = n < so ? n : so;
        verify_prefix(i, so, keep);
        m[i].size = n;
        fill(i);
        if (m[i].mod >= 0 && mods[m[i].mod].quota != 0 && find_used(m[i].addr)->span > eo.span)
            CHECK(mod_bytes(mod_id(i)) <= mods[m[i].mod].quota); /* it grew: within the quota */
    } else {
        settle();
        refused(st, L.st.compactions != L0.st.compactions);
    }
    verify_all();
}

static void do_fixed_free(void *v)
{
    int i = classify(v);
    uint32_t allowed;
    dalloc_status_t st;
    if (v == NULL)
        allowed = B(DALLOC_OK);
    else if (i >= 0 && m[i].fixed)
        allowed = has_children(i) ? B(DALLOC_E_BUSY) : B(DALLOC_OK);
    else
        allowed = B(DALLOC_E_NOTBLOCK);
    begin("dalloc_fixed_free");
    trace("%lu %s %p (block %d)\n", g_step, g_op, v, i);
    st = dalloc_fixed_free(&heap, v);
    EXPECT(st, allowed);
    if (st == DALLOC_OK && v != NULL) {
        model_free(i);
        settle();
        served();
        check_no_move();
    } else {
        settle();
        if (st == DALLOC_OK)
            same_as_before();
        else
            refused(st, false);
    }
    verify_all();
}

static void op_fixed_realloc(void)
{
    int i = pick(rd8(), p_fixed);
    size_t n;
    if (i < 0)
        return;
    n = rd_size(m[i].mod >= 0);
    do_fixed_realloc(m[i].addr, n);
}

static void op_fixed_free(void)
{
    int i = pick(rd8(), p_fixed);
    if (i >= 0)
        do_fixed_free(m[i].addr);
}

/* ------------------------------------------------------------------------ */
/* Modules                                                                   */

static void op_register(void)
{
    unsigned c = rd8();
    int k = (int)(c % NMOD);
    dalloc_module_t id = 0;
    uint32_t allowed;
    dalloc_status_t st;
    bool with_id = (c & 0x80) == 0;
    allowed = mods[k].id != DALLOC_NO_MODULE ? B(DALLOC_OK) : B(DALLOC_OK) | B(DALLOC_E_NOMEM);
    begin("dalloc_module_register");
    trace("%lu %s %s\n", g_step, g_op, mod_names[k]);
    st = dalloc_module_register(&heap, mod_names[k], with_id ? &id : NULL);
    EXPECT(st, allowed);
    if (!with_id && st == DALLOC_OK)
        id = dalloc_module_find(&heap, mod_names[k]);
    settle();
    if (st == DALLOC_OK) {
        int j;
        CHECK(id != DALLOC_NO_MODULE);
        if (mods[k].id != DALLOC_NO_MODULE)
            CHECK(id == mods[k].id);
        for (j = 0; j < NMOD; j++)
            CHECK(j == k || mods[j].id != id);
        if (mods[k].id == DALLOC_NO_MODULE)
            mods[k].quota = 0;
        mods[k].id = id;
        CHECK(L.st.refusals == L0.st.refusals);
        note_moves();
        if (policy == DALLOC_COMPACT_MANUAL)
            check_no_move();
    } else {
        /* growing the registry is a fixed allocation: it may compact; its
         * refusal is not a block request of dalloc_get_stats(3) */
        CHECK(L.st.refusals - L0.st.refusals <= 1);
        L0.st.refusals = L.st.refusals;
        refused(DALLOC_OK, L.st.compactions != L0.st.compactions);
    }
    verify_all();
}

/* Model of dalloc_module_release(3): blocks owned from inside the module's
 * blocks become orphans; owners of the freed blocks are cleared. */
static void model_release(int mi)
{
    int i;
    for (i = 0; i < NBLK; i++)
        if (m[i].live && m[i].mod != mi && m[i].okind == O_SLOT && m[m[i].oref].mod == mi) {
            m[m[i].oref].child[m[i].oslot] = -1;
            m[i].okind = O_NONE;
        }
    for (i = 0; i < NBLK; i++) {
        if (!m[i].live || m[i].mod != mi)
            continue;
        if (m[i].okind == O_SLOT && m[m[i].oref].mod == mi) {
            push_stale(m[i].addr);
            m[i].live = false;
            continue;
        }
        model_free(i);
    }
}

static void op_release(void)
{
    unsigned c = rd8();
    bool forget = (c & 1) != 0;
    dalloc_module_t id = rd_modid();
    int mi = mod_index(id);
    dalloc_status_t st;
    begin(forget ? "dalloc_module_unregister" : "dalloc_module_release");
    trace("%lu %s %u\n", g_step, g_op, (unsigned)id);
    st = forget ? dalloc_module_unregister(&heap, id) : dalloc_module_release(&heap, id);
    EXPECT(st, mi >= 0 ? B(DALLOC_OK) : B(DALLOC_E_MODULE));
    if (st == DALLOC_OK) {
        model_release(mi);
        if (forget) {
            last_unregistered = id;
            mods[mi].id = DALLOC_NO_MODULE;
            mods[mi].quota = 0;
        }
        settle();
        served();
        check_no_move();
    } else {
        settle();
        refused(st, false);
    }
    verify_all();
}

static void op_quota(void)
{
    dalloc_module_t id = rd_modid();
    int mi = mod_index(id);
    unsigned v = rd8();
    size_t q, bytes = mod_bytes(id);
    dalloc_status_t st;
    switch (v % 6) {
    case 0: q = 0; break;
    case 1: q = SIZE_MAX; break;
    case 2: q = bytes; break;
    case 3: q = bytes + (v >> 3); break;
    case 4: q = bytes > (v >> 3) ? bytes - (v >> 3) : 1; break;
    default: q = 1 + rd16(); break;
    }
    begin("dalloc_module_set_quota");
    trace("%lu %s %u %zu\n", g_step, g_op, (unsigned)id, q);
    st = dalloc_module_set_quota(&heap, id, q);
    EXPECT(st, mi >= 0 ? B(DALLOC_OK) : B(DALLOC_E_MODULE));
    if (st == DALLOC_OK)
        mods[mi].quota = q;
    settle();
    same_as_before();
    verify_all();
}

/* dalloc_retag of whatever v is to module id. */
static void do_retag(void *v, dalloc_module_t id)
{
    int i = classify(v), ti = mod_index(id), cur;
    uint32_t allowed = 0;
    size_t span, q = 0, bytes;
    bool join = false;
    dalloc_status_t st;
    ent_t *e;
    if (i < 0)
        allowed |= B(DALLOC_E_NOTBLOCK);
    if (ti == -2)
        allowed |= B(DALLOC_E_MODULE);
    if (allowed == 0) {
        e = find_used(v);
        CHECK(e != NULL);
        span = e->span;
        cur = m[i].mod;
        q = ti >= 0 ? mods[ti].quota : 0;
        bytes = mod_bytes(id);
        if (cur == ti || ti == -1) {
            allowed = B(DALLOC_OK);
        } else if (cur >= 0) {
            allowed = q != 0 && bytes + span > q ? B(DALLOC_E_QUOTA) : B(DALLOC_OK);
        } else {
            /* joining from none adds a trailer: it may move the block,
             * which would lose one that no root reaches */
            if (!m[i].fixed && !m[i].reach)
                return;
            join = true;
            if (q != 0 && bytes + span > q)
                allowed = B(DALLOC_E_QUOTA) | B(DALLOC_E_NOMEM);
            else if (q != 0 && bytes + span + MT > q)
                /* served when the block kept the room of a former trailer
                 * (it left a module and could not shrink): no growth */
                allowed = B(DALLOC_E_QUOTA) | B(DALLOC_E_NOMEM) | B(DALLOC_OK);
            else
                allowed = B(DALLOC_OK) | B(DALLOC_E_NOMEM) |
                          (q != 0 && bytes + span + MT + MINB > q ? B(DALLOC_E_QUOTA) : 0u);
            /* it grows in place when it can; an unpinned relocatable block
             * otherwise moves to a hole or the gap */
            if (grows_in_place(e, span + MT) || (!m[i].fixed && !m[i].pinned && L.gap >= span + MT))
                allowed &= ~B(DALLOC_E_NOMEM);
        }
    }
    begin("dalloc_retag");
    trace("%lu %s %p (block %d) to module %u\n", g_step, g_op, v, i, (unsigned)id);
    st = dalloc_retag(&heap, v, id);
    EXPECT(st, allowed);
    if (st == DALLOC_OK) {
        m[i].mod = ti >= 0 ? ti : -1;
        settle();
        served();
        if (!join || m[i].fixed || m[i].pinned)
            check_no_move();
        if (join && q != 0)
            CHECK(mod_bytes(id) <= q);
    } else {
        settle();
        refused(st, false);
    }
    verify_all();
}

static void op_retag(void)
{
    int i = pick(rd8(), p_any);
    dalloc_module_t id = rd_modid();
    if (i >= 0)
        do_retag(m[i].addr, id);
}

/* ------------------------------------------------------------------------ */
/* Bad input                                                                 */

static bool readable(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    return (a >= (uintptr_t)buf && a + W <= (uintptr_t)buf + buf_len) ||
           (a >= (uintptr_t)foreign && a + W <= (uintptr_t)foreign + FOREIGN_LEN) ||
           (a >= (uintptr_t)roots && a + W <= (uintptr_t)roots + sizeof roots);
}

/* Some address: null, foreign, anywhere in or around the arena, inside or
 * next to a block, stale, a library block, a block, an owner. */
static void *rd_ptr(void)
{
    unsigned c = rd8(), v = rd8();
    int i;
    static const long deltas[] = {1, -1, 2, 4, (long)sizeof(void *), 8, 16, -8, -16, 32, 100};
    switch (c % 11) {
    case 0:
        return NULL;
    case 1:
        return foreign + (v % 8) * 8;
    case 2:
        return (void *)((uintptr_t)lo + (rd16() | (v << 16)) % (ARENA + 64));
    case 3:
        return (void *)((uintptr_t)lo + GRAN * ((rd16() | (v << 16)) % (ARENA / GRAN)));
    case 4:
        i = pick(v, p_any);
        if (i < 0)
            return NULL;
        if ((c >> 4) % 2 == 0)
            return (void *)((uintptr_t)m[i].addr + (uintptr_t)(intptr_t)deltas[(c >> 5) % 11]);
        return (void *)((uintptr_t)m[i].addr + m[i].size);
    case 5:
        return nstale > 0 ? stale[v % (nstale < NSTALE ? nstale : NSTALE)] : NULL;
    case 6:
        switch (v % 6) {
        case 0: return buf;
        case 1: return (void *)((uintptr_t)buf + buf_len);
        case 2: return (void *)((uintptr_t)lo - GRAN);
        case 3: return hi;
        case 4: return (void *)((uintptr_t)hi - GRAN);
        default: return raw;
        }
    case 7:
        if (L.nsys == 0)
            return NULL;
        return (void *)((uintptr_t)L.sys[v % L.nsys] + HDR + ((c >> 4) % 2) * W);
    case 8:
        i = pick(v, p_any);
        return i >= 0 ? (void *)m[i].addr : NULL;
    case 9:
        i = pick(v, p_owned);
        return i >= 0 ? (void *)owner_of(i) : (void *)&roots[v % NROOT];
    default:
        return &roots[v % NROOT];
    }
}

static void op_bad_ptr(void)
{
    unsigned c = rd8();
    void *v = rd_ptr();
    int i = classify(v), j;
    dalloc_status_t st;
    use_seed_names = (c & 0x40) != 0;
    switch (c % 8) {
    case 0:
        do_free_value(v);
        break;
    case 1:
        do_fixed_free(v);
        break;
    case 2:
        do_fixed_realloc(v, rd_size(i >= 0 && m[i].mod >= 0));
        break;
    case 3:
        begin("dalloc_module_of");
        trace("%lu %s %p (block %d)\n", g_step, g_op, v, i);
        CHECK(dalloc_module_of(&heap, v) == (i >= 0 ? mod_id(i) : DALLOC_NO_MODULE));
        EXPECT(dalloc_last_error(&heap), i >= 0 ? B(DALLOC_OK) : B(DALLOC_E_NOTBLOCK));
        settle();
        same_as_before();
        verify_all();
        break;
    case 4:
        do_retag(v, rd_modid());
        break;
    case 5: {
        void *tmp = v;
        uint32_t idx = 12345;
        begin("dalloc_validate(USING_PTR_VALUE)");
        trace("%lu %s %p (block %d)\n", g_step, g_op, v, i);
        if ((c & 0x80) != 0) {
            bool ok = validate_ptr(&heap, &tmp, USING_PTR_VALUE, &idx);
            st = dalloc_last_error(&heap);
            CHECK(ok == (st == DALLOC_OK));
        } else {
            st = dalloc_validate(&heap, &tmp, USING_PTR_VALUE, &idx);
        }
        EXPECT(st, i >= 0 && !m[i].fixed ? B(DALLOC_OK) : B(DALLOC_E_NOTBLOCK));
        CHECK(tmp == v);
        if (st != DALLOC_OK)
            CHECK(idx == 12345);
        settle();
        same_as_before();
        verify_all();
        break;
    }
    case 6:
        if (v != NULL && ((uintptr_t)v % W) == 0 && !readable(v))
            break; /* the library would read the owner variable */
        j = v != NULL ? owned_by((void **)v) : -1;
        begin("dalloc_validate(USING_PTR_ADDRESS)");
        trace("%lu %s %p (block %d)\n", g_step, g_op, v, j);
        st = dalloc_validate(&heap, (void **)v, USING_PTR_ADDRESS, NULL);
        EXPECT(st, v == NULL ? B(DALLOC_E_ARG) : j >= 0 ? B(DALLOC_OK) : B(DALLOC_E_NOTBLOCK));
        settle();
        same_as_before();
        verify_all();
        break;
    default:
        if (v != NULL && ((uintptr_t)v % W) == 0 && !readable(v))
            break;
        do_free_addr((void **)v);
        break;
    }
}

/* Owners the library must refuse (DALLOC_E_OWNER) without writing them:
 * unaligned, in free space, in a header, in a module trailer, in a block
 * of the library's own. */
static void **rd_bad_owner(void)
{
    unsigned c = rd8(), v = rd8();
    int i;
    size_t k;
    switch (c % 6) {
    case 0:
        return (void **)(void *)(ubuf + 8 + 1 + v % (W - 1));
    case 1:
        if (F.n == 0)
            return NULL;
        k = v % F.n;
        return (void **)(void *)(F.e[k].start + W * ((size_t)(c >> 3) % (F.e[k].span / W)));
    case 2:
        i = pick(v, p_any);
        if (i < 0)
            return NULL;
        return (void **)(void *)(m[i].addr - W * (1 + (c >> 3) % (HDR / W)));
    case 3: /* right after the bytes the user may use: a module trailer, the
             * next block's header, free space; with --enable-guards, the
             * guard bytes */
        i = pick(v, p_any);
        if (i < 0)
            return NULL;
        k = (find_used(m[i].addr)->size + W - 1) / W * W + W * ((size_t)(c >> 3) % 2);
        if (m[i].addr + k + W > hi)
            return NULL; /* not in the arena: a variable the caller must own */
        return (void **)(void *)(m[i].addr + k);
    case 4:
        if (L.nsys == 0)
            return NULL;
        k = v % L.nsys;
        return (void **)(void *)(L.sys[k] + W * ((size_t)(c >> 3) % (L.sys_len[k] / W)));
    default:
        return NULL;
    }
}

static void op_bad_owner(void)
{
    unsigned c = rd8();
    void **ow = rd_bad_owner(), *was = NULL;
    size_t n = rd_size(false);
    bool zone;
    uint32_t allowed;
    dalloc_status_t st;
    int i = -1;
    if (ow != NULL && ((uintptr_t)ow % W) == 0)
        was = peek(ow);
    if (c % 3 == 2) { /* as the new owner of dalloc_replace() */
        i = pick(c >> 2, p_owned);
        if (i < 0)
            return;
        allowed = ow == NULL ? B(DALLOC_E_ARG) : B(DALLOC_E_OWNER);
        begin("dalloc_replace(bad new owner)");
        trace("%lu %s block %d to %p\n", g_step, g_op, i, (void *)ow);
        st = dalloc_replace(&heap, owner_of(i), ow);
    } else {
        /* the owner is refused whatever the size, and never written */
        allowed = B(DALLOC_E_OWNER);
        if (ow == NULL)
            allowed = B(DALLOC_E_ARG);
        else if (((uintptr_t)ow % W) == 0) {
            if (n == 0)
                allowed |= B(DALLOC_E_ARG);
            if (span_for(n, false, &zone) == 0 || zone)
                allowed |= B(DALLOC_E_SIZE);
        }
        /* dalloc_realloc() may also find that an unaligned owner names no
         * block (DALLOC_E_NOTBLOCK), but must not read through it */
        if (c % 3 == 1 && ow != NULL && ((uintptr_t)ow % W) != 0)
            allowed |= B(DALLOC_E_NOTBLOCK);
        begin(c % 3 == 0 ? "dalloc_alloc(bad owner)" : "dalloc_realloc(bad owner)");
        trace("%lu %s %p n=%zu\n", g_step, g_op, (void *)ow, n);
        if (c % 3 == 0 || (ow != NULL && ((uintptr_t)ow % W) == 0 && was != NULL))
            st = dalloc_alloc(&heap, n, ow);
        else
            st = dalloc_realloc(&heap, n, ow);
    }
    EXPECT(st, allowed);
    if (ow != NULL && ((uintptr_t)ow % W) == 0)
        CHECK(peek(ow) == was); /* not written, whatever was refused */
    settle();
    refused(st, false);
    verify_all();
}

static void op_bad_args(void)
{
    unsigned c = rd8();
    int i;
    void *tmp = NULL, *p;
    dalloc_heap_t z;
    dalloc_stats_t sst;
    dalloc_module_stats_t ms;
    char longname[48];
    dalloc_status_t st;
    begin("bad arguments");
    trace("%lu %s %u\n", g_step, g_op, c % 10);
    switch (c % 10) {
    case 0: /* no heap, a zeroed heap, a heap over nothing */
        memset(&z, 0, sizeof z);
        tmp = foreign;
        CHECK(dalloc_alloc(NULL, 8, &tmp) == DALLOC_E_HEAP);
        tmp = foreign;
        CHECK(dalloc_alloc(&z, 8, &tmp) == DALLOC_E_HEAP && tmp == NULL);
        CHECK(dalloc_free(&z, &tmp, USING_PTR_ADDRESS) == DALLOC_E_HEAP);
        CHECK(dalloc_malloc(&z, 8) == NULL && dalloc_last_error(&z) == DALLOC_E_HEAP);
        CHECK(dalloc_fixed_free(&z, foreign) == DALLOC_E_HEAP);
        CHECK(dalloc_compact(&z) == 0 && dalloc_last_error(&z) == DALLOC_E_HEAP);
        CHECK(dalloc_get_stats(&z, &sst) == DALLOC_E_HEAP);
        CHECK(dalloc_check(&z) != DALLOC_OK);
        CHECK(dalloc_module_register(&z, "x", NULL) == DALLOC_E_HEAP);
        CHECK(dalloc_retag(&z, foreign, 0) == DALLOC_E_HEAP);
        CHECK(dalloc_set_policy(&z, DALLOC_COMPACT_MANUAL) == DALLOC_E_HEAP);
        CHECK(dalloc_heap_init(&z, NULL, 64) == DALLOC_E_ARG);
        CHECK(dalloc_heap_init(&z, foreign, 0) == DALLOC_E_ARG);
        CHECK(dalloc_heap_init(&z, foreign, 16) == DALLOC_E_HEAP);
        CHECK(dalloc_alloc(&z, 8, &tmp) == DALLOC_E_HEAP);
        break;
    case 1: /* unknown condition */
        i = pick(c >> 4, p_owned);
        if (i < 0)
            break;
        CHECK(dalloc_free(&heap, owner_of(i), (validate_ptr_condition_t)2) == DALLOC_E_ARG);
        CHECK(dalloc_validate(&heap, owner_of(i), (validate_ptr_condition_t)7, NULL) == DALLOC_E_ARG);
        break;
    case 2: /* NULL pointers */
        CHECK(dalloc_free(&heap, NULL, USING_PTR_VALUE) == DALLOC_E_ARG);
        CHECK(dalloc_free(&heap, NULL, USING_PTR_ADDRESS) == DALLOC_E_ARG);
        CHECK(dalloc_pin(&heap, NULL) == DALLOC_E_ARG);
        CHECK(dalloc_unpin(&heap, NULL) == DALLOC_E_ARG);
        CHECK(dalloc_realloc(&heap, 8, NULL) == DALLOC_E_ARG);
        CHECK(dalloc_alloc(&heap, 8, NULL) == DALLOC_E_ARG);
        CHECK(dalloc_validate(&heap, NULL, USING_PTR_VALUE, NULL) == DALLOC_E_ARG);
        i = pick(c >> 4, p_owned);
        if (i >= 0) {
            CHECK(dalloc_replace(&heap, owner_of(i), NULL) == DALLOC_E_ARG);
            CHECK(dalloc_replace(&heap, NULL, owner_of(i)) == DALLOC_E_ARG);
        }
        CHECK(dalloc_get_stats(&heap, NULL) == DALLOC_E_ARG);
        CHECK(dalloc_module_register(&heap, NULL, NULL) == DALLOC_E_ARG);
        break;
    case 3: /* size 0 resizes nothing (nor frees) */
        i = pick(c >> 4, p_owned);
        if (i >= 0)
            CHECK(dalloc_realloc(&heap, 0, owner_of(i)) == DALLOC_E_ARG);
        i = pick(c >> 4, p_fixed);
        if (i >= 0) {
            CHECK(dalloc_fixed_realloc(&heap, m[i].addr, 0) == NULL);
            CHECK(dalloc_last_error(&heap) == DALLOC_E_ARG);
        }
        break;
    case 4: /* calloc overflow */
        CHECK(dalloc_calloc(&heap, SIZE_MAX / 2 + 1, 2) == NULL && dalloc_last_error(&heap) == DALLOC_E_SIZE);
        CHECK(dalloc_calloc(&heap, 2, SIZE_MAX) == NULL && dalloc_last_error(&heap) == DALLOC_E_SIZE);
        CHECK(dalloc_calloc(&heap, SIZE_MAX, SIZE_MAX) == NULL && dalloc_last_error(&heap) == DALLOC_E_SIZE);
        CHECK(dalloc_calloc(&heap, 0, 16) == NULL && dalloc_last_error(&heap) == DALLOC_E_ARG);
        break;
    case 5: /* bad alignments */
        CHECK(dalloc_aligned_alloc(&heap, 0, 8) == NULL && dalloc_last_error(&heap) == DALLOC_E_ARG);
        CHECK(dalloc_aligned_alloc(&heap, 3, 8) == NULL && dalloc_last_error(&heap) == DALLOC_E_ARG);
        CHECK(dalloc_aligned_alloc(&heap, 24, 8) == NULL && dalloc_last_error(&heap) == DALLOC_E_ARG);
        CHECK(dalloc_fixed_alloc(&heap, 8, (size_t)1 << (sizeof(size_t) * 8 - 2), 0) == NULL &&
              dalloc_last_error(&heap) == DALLOC_E_ARG);
        CHECK(dalloc_fixed_alloc(&heap, 8, SIZE_MAX, 0) == NULL && dalloc_last_error(&heap) == DALLOC_E_ARG);
        break;
    case 6: /* module names */
        memset(longname, 'x', sizeof longname);
        longname[DALLOC_MODULE_NAME_MAX] = '\0';
        CHECK(dalloc_module_register(&heap, "", NULL) == DALLOC_E_MODULE);
        CHECK(dalloc_module_register(&heap, longname, NULL) == DALLOC_E_MODULE);
        longname[sizeof longname - 1] = '\0';
        CHECK(dalloc_module_register(&heap, longname, NULL) == DALLOC_E_MODULE);
        CHECK(dalloc_module_find(&heap, longname) == DALLOC_NO_MODULE);
        CHECK(dalloc_module_find(&heap, "") == DALLOC_NO_MODULE);
        CHECK(dalloc_module_find(&heap, NULL) == DALLOC_NO_MODULE);
        CHECK(dalloc_module_find(&heap, "never registered") == DALLOC_NO_MODULE);
        break;
    case 7: /* unknown module ids */
        if (mod_index(last_unregistered) == -2) {
            CHECK(dalloc_module_release(&heap, last_unregistered) == DALLOC_E_MODULE);
            CHECK(dalloc_module_set_quota(&heap, last_unregistered, 1) == DALLOC_E_MODULE);
            CHECK(dalloc_module_stats(&heap, last_unregistered, &ms) == DALLOC_E_MODULE);
        }
        CHECK(dalloc_module_release(&heap, DALLOC_NO_MODULE) == DALLOC_E_MODULE);
        CHECK(dalloc_module_unregister(&heap, DALLOC_NO_MODULE) == DALLOC_E_MODULE);
        CHECK(dalloc_module_stats(&heap, DALLOC_NO_MODULE, &ms) == DALLOC_E_MODULE);
        if (mod_index(0xFFFF) == -2)
            CHECK(dalloc_module_unregister(&heap, 0xFFFF) == DALLOC_E_MODULE);
        for (i = 0; i < NMOD; i++)
            if (mods[i].id != DALLOC_NO_MODULE)
                CHECK(dalloc_module_stats(&heap, mods[i].id, NULL) == DALLOC_E_ARG);
        break;
    case 8: /* a pinned block stays pinned when pinned again; unpinning an
             * unpinned one is a no-op (checked by verify_all) */
        i = pick(c >> 4, p_owned);
        if (i < 0)
            break;
        if (m[i].pinned)
            CHECK(dalloc_pin(&heap, owner_of(i)) == DALLOC_OK);
        else
            CHECK(dalloc_unpin(&heap, owner_of(i)) == DALLOC_OK);
        break;
    default: /* relocatable calls on fixed blocks and the reverse */
        i = pick(c >> 4, p_fixed);
        if (i >= 0) {
            tmp = m[i].addr;
            CHECK(dalloc_pin(&heap, &tmp) == DALLOC_E_NOTBLOCK);
            CHECK(dalloc_realloc(&heap, 8, &tmp) == DALLOC_E_NOTBLOCK && tmp == m[i].addr);
            CHECK(dalloc_replace(&heap, &tmp, &roots[0]) == DALLOC_E_NOTBLOCK);
        }
        i = pick(c >> 4, p_any);
        if (i >= 0 && !m[i].fixed) {
            p = dalloc_fixed_realloc(&heap, m[i].addr, 8);
            CHECK(p == NULL && dalloc_last_error(&heap) == DALLOC_E_NOTBLOCK);
            CHECK(dalloc_fixed_free(&heap, m[i].addr) == DALLOC_E_NOTBLOCK);
            tmp = m[i].addr; /* a copy is not the registered owner */
            st = dalloc_free(&heap, &tmp, USING_PTR_ADDRESS);
            CHECK(st == DALLOC_E_NOTBLOCK && tmp == m[i].addr);
        }
        break;
    }
    settle();
    same_as_before();
    verify_all();
}

/* ------------------------------------------------------------------------ */
/* A heap's life                                                             */

static void forget_all(void)
{
    int i;
    for (i = 0; i < NBLK; i++)
        if (m[i].live) {
            push_stale(m[i].addr);
            m[i].live = false;
        }
    for (i = 0; i < NROOT; i++)
        root_blk[i] = -1;
    for (i = 0; i < NFIX; i++) {
        fix_blk[i] = -1;
        fixp[i] = NULL;
    }
    for (i = 0; i < NMOD; i++) {
        mods[i].id = DALLOC_NO_MODULE;
        mods[i].quota = 0;
    }
}

/* dalloc_heap_reset(): registered pointers that hold their block are
 * cleared, everything else is forgotten. */
static void model_reset(void)
{
    int r;
    for (r = 0; r < NROOT; r++)
        if (root_blk[r] >= 0)
            root_val[r] = NULL;
    forget_all();
}

static void check_empty(void)
{
    CHECK(L.st.live_blocks == 0 && L.st.used_bytes == 0 && L.st.free_blocks == 0 && L.st.pinned_blocks == 0);
    CHECK(L.st.free_bytes == ARENA);
    CHECK(L.st.largest_free == payload_of(ARENA));
    CHECK(L.st.fragmentation_permille == 0);
    CHECK(dalloc_module_list(&heap, NULL, 0) == 0);
}

/* The output hook: the printers' text (and, where the library prints its
 * refusals, those lines) is checked to be strings and dropped, or shown
 * with DALLOC_FUZZ_TRACE=2. */
static unsigned long out_chunks;
static void out_sink(void *ctx, const char *text)
{
    (void)ctx;
    CHECK(text != NULL);
    out_chunks += strlen(text) > 0 ? 1u : 0u;
    if (g_trace > 1)
        fputs(text, stderr);
}

/* What dalloc_heap_map(3) shows for the arena byte at a: '.' free, '#'
 * fixed or the library's own, '!' pinned, '=' relocatable, a letter for a
 * module's block. */
static char map_mark(const uint8_t *a)
{
    size_t i;
    for (i = 0; i < U.n; i++)
        if (a >= U.e[i].start && a < U.e[i].start + U.e[i].span) {
            if (U.e[i].mod != DALLOC_NO_MODULE)
                return (char)('a' + (U.e[i].mod - 1) % 26);
            if (U.e[i].kind == DALLOC_BLOCK_FIXED)
                return '#';
            return U.e[i].pinned ? '!' : '=';
        }
    for (i = 0; i < F.n; i++)
        if (a >= F.e[i].start && a < F.e[i].start + F.e[i].span)
            return '.';
    return '#';
}

static void op_look(unsigned c)
{
    char map[260];
    size_t width = (size_t)(rd8() % 257), i;
    begin("look");
    trace("%lu %s %u width %zu\n", g_step, g_op, c % 6, width);
    memset(map, 0x7F, sizeof map);
    CHECK(dalloc_heap_map(&heap, map, width) == width);
    if (width > 0) {
        CHECK(map[width] == '\0' && map[width + 1] == 0x7F);
        for (i = 0; i < width; i++)
            CHECK(map[i] == map_mark(lo + (2 * i + 1) * ARENA / (2 * width)));
    } else {
        CHECK(map[0] == 0x7F);
    }
    switch (c % 6) {
    case 0: dalloc_report(&heap); break;
    case 1: dalloc_print_info(&heap); break;
    case 2: dalloc_dump_blocks(&heap); break;
    case 3: if (buf_len <= 2048) dalloc_dump_heap(&heap); break;
    default: break;
    }
    settle();
    same_as_before();
    verify_all();
}

static void op_life(void)
{
    unsigned c = rd8();
    int r;
    if (c % 16 == 0) {
        begin("dalloc_heap_reset");
        trace("%lu %s\n", g_step, g_op);
        CHECK(dalloc_heap_reset(&heap) == DALLOC_OK);
        model_reset();
        settle();
        check_empty();
        CHECK(L.st.peak_used == L0.st.peak_used && L.st.refusals == L0.st.refusals);
        CHECK(L.st.compactions == L0.st.compactions && L.st.bytes_moved == L0.st.bytes_moved);
    } else if (c % 16 == 1) {
        begin("dalloc_heap_deinit + dalloc_heap_init");
        trace("%lu %s\n", g_step, g_op);
        dalloc_heap_deinit(&heap);
        {
            void *t = foreign;
            CHECK(dalloc_alloc(&heap, 8, &t) == DALLOC_E_HEAP && t == NULL);
        }
        for (r = 0; r < NROOT; r++)
            root_val[r] = roots[r]; /* abandoned, not cleared */
        CHECK(dalloc_heap_init(&heap, buf, buf_len) == DALLOC_OK);
        forget_all();
        policy = DALLOC_COMPACT_ON_DEMAND;
        settle();
        check_empty();
        CHECK(L.st.peak_used == 0 && L.st.refusals == 0 && L.st.compactions == 0 && L.st.bytes_moved == 0);
    } else {
        op_look(c / 16);
        return;
    }
    verify_all();
}

/* ------------------------------------------------------------------------ */
/* One input                                                                 */

/* A heap that failed to initialise refuses everything with DALLOC_E_HEAP. */
static void dead_heap(void)
{
    void *tmp = foreign;
    dalloc_stats_t st;
    g_op = "uninitialised heap";
    CHECK(dalloc_alloc(&heap, 8, &tmp) == DALLOC_E_HEAP && tmp == NULL);
    CHECK(dalloc_free(&heap, &tmp, USING_PTR_VALUE) == DALLOC_E_HEAP);
    CHECK(dalloc_malloc(&heap, 8) == NULL && dalloc_last_error(&heap) == DALLOC_E_HEAP);
    CHECK(dalloc_fixed_free(&heap, foreign) == DALLOC_E_HEAP);
    CHECK(dalloc_compact_step(&heap, 100) == 0 && dalloc_last_error(&heap) == DALLOC_E_HEAP);
    CHECK(dalloc_get_stats(&heap, &st) == DALLOC_E_HEAP);
    CHECK(dalloc_module_register(&heap, "x", NULL) == DALLOC_E_HEAP);
    CHECK(dalloc_heap_reset(&heap) == DALLOC_E_HEAP);
    CHECK(dalloc_check(&heap) != DALLOC_OK);
}

/* Free what can be freed, leaves first, then reset: the heap must end
 * empty. */
static void teardown(void)
{
    int pass, i;
    bool any = true;
    use_seed_names = false;
    for (pass = 0; pass < NBLK && any; pass++) {
        any = false;
        for (i = 0; i < NBLK; i++) {
            if (!m[i].live || has_children(i))
                continue;
            if (m[i].fixed)
                do_fixed_free(m[i].addr);
            else
                do_free_value(m[i].addr);
            any = true;
        }
    }
    begin("final dalloc_heap_reset");
    CHECK(dalloc_heap_reset(&heap) == DALLOC_OK);
    model_reset();
    settle();
    check_empty();
    verify_all();
}

static void setup_globals(void)
{
    size_t g = 0;
    int i;
    HDR = dalloc_header_size();
    MT = (16 + GRAN - 1) & ~(GRAN - 1);
    MINB = (4 * W + GRAN - 1) & ~(GRAN - 1);
    while (((size_t)1 << g) < GRAN)
        g++;
    MAXB = ((SIZE_MAX >> 8) << g) & ~(GRAN - 1);
    memset(m, 0, sizeof m);
    for (i = 0; i < NROOT; i++) {
        roots[i] = NULL;
        root_val[i] = NULL;
        root_blk[i] = -1;
    }
    for (i = 0; i < NFIX; i++) {
        fixp[i] = NULL;
        fix_blk[i] = -1;
    }
    for (i = 0; i < NMOD; i++) {
        mods[i].id = DALLOC_NO_MODULE;
        mods[i].quota = 0;
    }
    for (i = 0; i < (int)sizeof ubuf; i++)
        ubuf[i] = (uint8_t)(0xA5 ^ i);
    nstale = 0;
    tagseq = 0;
    use_seed_names = false;
    g_step = 0;
    last_unregistered = 77;
    U.n = F.n = 0;
    memset(&L, 0, sizeof L);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned sel, b;
    size_t off;
    dalloc_status_t st;

    if (g_trace < 0) {
        const char *t = getenv("DALLOC_FUZZ_TRACE");
        g_trace = t != NULL && *t != '\0' && *t != '0';
    }
    in_data = data;
    in_len = size;
    in_pos = 0;
    setup_globals();
    dalloc_set_output(out_sink, NULL);
    g_op = "init";

    sel = rd16();
    b = rd8();
    buf_len = (sel & 0xE000u) == 0xE000u ? sel & 0xFFu : 256 + sel % 7937u;
    off = b & 15u;
    raw_len = buf_len + off;
    raw = (uint8_t *)malloc(raw_len > 0 ? raw_len : 1);
    foreign = (uint8_t *)malloc(FOREIGN_LEN);
    CHECK(raw != NULL && foreign != NULL);
    memset(foreign, 0x3C, FOREIGN_LEN);
    buf = raw + off;
    /* a caller's buffer holds something; dalloc_dump_heap() prints all of it */
    memset(buf, 0xA5, buf_len);
    POISON(raw, off);
    trace("heap of %zu bytes at offset %zu\n", buf_len, off);

    st = dalloc_heap_init(&heap, buf, buf_len);
    if (st != DALLOC_OK) {
        EXPECT(st, buf_len == 0 ? B(DALLOC_E_ARG) : B(DALLOC_E_HEAP));
        CHECK(buf_len < 512);
        dead_heap();
    } else {
        dalloc_stats_t s0;
        CHECK(dalloc_get_stats(&heap, &s0) == DALLOC_OK);
        ARENA = s0.arena_size;
        hi = (uint8_t *)(((uintptr_t)buf + buf_len) & ~(uintptr_t)(GRAN - 1));
        lo = hi - ARENA;
        CHECK(lo > buf && (uintptr_t)lo % GRAN == 0);
        policy = DALLOC_COMPACT_ON_DEMAND;
        if ((b >> 4) % 4 != 0) {
            policy = (dalloc_policy_t)((b >> 4) % 3);
            CHECK(dalloc_set_policy(&heap, policy) == DALLOC_OK);
        }
        settle();
        check_empty();
        verify_all();
        while (more() && g_step < MAX_OPS) {
            unsigned op = rd8();
            switch (op % 24) {
            case 0: case 1: op_alloc(0); break;
            case 2: op_alloc(1); break;
            case 3: op_alloc(2); break;
            case 4: op_free(0); break;
            case 5: op_free(1); break;
            case 6: op_realloc(); break;
            case 7: op_replace(); break;
            case 8: op_pin(); break;
            case 9: op_compact(); break;
            case 10: op_policy(); break;
            case 11: op_fixed_alloc(); break;
            case 12: op_fixed_realloc(); break;
            case 13: op_fixed_free(); break;
            case 14: op_register(); break;
            case 15: op_release(); break;
            case 16: op_quota(); break;
            case 17: op_retag(); break;
            case 18: op_bad_ptr(); break;
            case 19: op_bad_owner(); break;
            case 20: op_bad_args(); break;
            case 21: op_abandon(); break;
            case 22: op_life(); break;
            default: op_alloc(1); break;
            }
        }
        teardown();
        dalloc_heap_deinit(&heap);
    }
    UNPOISON(raw, off);
    free(raw);
    free(foreign);
    raw = buf = foreign = NULL;
    return 0;
}
