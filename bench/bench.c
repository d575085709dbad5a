/*
 * bench.c - the benchmark suite of libdalloc.
 *
 * Every figure printed here is measured in the same run as its reference
 * (glibc malloc/free for speed, memmove for compaction), because the machine
 * is shared and absolute times drift between runs.  Workloads are fixed by
 * seeds (an xorshift64* generator of our own), so two runs do the same
 * operations in the same order; only the clock differs.
 *
 * Usage: bench [churn|frag|util|scaling|compaction|modules|all ...] [--quick]
 *              [--json FILE] [--dat DIR] [--ops N] [--n N] [--runs R]
 *              [--only KIND[,KIND...]]
 * KIND: glibc dalloc onfree fixed dmheap dmheap_mod jemalloc mimalloc
 * (--only restricts the churn workload; a ratio needs glibc in the list).
 *
 * Bars are printed as PASS/FAIL lines; a FAIL does not change the exit
 * status.  A data error (a block whose contents changed, a failed
 * dalloc_check(), an unexpected status) stops the run with exit status 1
 * before any figure of the broken configuration is printed.
 *
 * Build: C99, POSIX clock_gettime.  -DBENCH_JEMALLOC (link -ljemalloc) and
 * -DBENCH_MIMALLOC (link -lmimalloc) add those allocators; both replace the
 * process's malloc when linked, so glibc's malloc/free are then looked up in
 * libc.so.6 with dlsym() for the reference (link -ldl on glibc < 2.34).
 *
 * Built with -DDALLOC_FILL_FREED=0 (zero-on-free off, the library's switch;
 * bench/run builds this second binary for the like-for-like churn), every bar
 * is printed as an "info" line: the bars apply to the default build only.
 * --nofill-json FILE (default build, churn) reads that binary's JSON and
 * prints the like-for-like section and the cost of zeroing after the churn.
 */
#define _POSIX_C_SOURCE 199309L
#define DALLOC_NO_SEED_NAMES 1

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dalloc.h"
#include "dmheap.h"

#ifdef BENCH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif
#ifdef BENCH_MIMALLOC
#include <mimalloc.h>
#endif

#if (defined(BENCH_JEMALLOC) || defined(BENCH_MIMALLOC)) && defined(__GLIBC__)
/* Both libraries replace malloc/free for the whole process when linked, and
 * Debian's mimalloc also exports __libc_malloc/__libc_free.  glibc's own
 * allocator is then reached through libc.so.6's handle (dlsym on a handle
 * searches that object first). */
#include <dlfcn.h>
typedef void *(*malloc_fn)(size_t);
typedef void (*free_fn)(void *);
static malloc_fn ref_malloc;
static free_fn ref_free;
static void ref_init(void)
{
    void *h = dlopen("libc.so.6", RTLD_LAZY);
    void *m = h != NULL ? dlsym(h, "malloc") : NULL, *f = h != NULL ? dlsym(h, "free") : NULL;
    if (m == NULL || f == NULL) {
        fprintf(stderr, "bench: cannot find glibc's malloc/free in libc.so.6\n");
        exit(2);
    }
    memcpy(&ref_malloc, &m, sizeof ref_malloc);
    memcpy(&ref_free, &f, sizeof ref_free);
}
#define REF_MALLOC ref_malloc
#define REF_FREE ref_free
#define REF_NAME "glibc (libc.so.6 malloc)"
#else
static void ref_init(void) {}
#define REF_MALLOC malloc
#define REF_FREE free
#define REF_NAME "glibc malloc"
#endif

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#elif defined(__GNUC__)
#define NOINLINE __attribute__((noinline, noclone))
#else
#define NOINLINE
#endif

#define KIB ((size_t)1024)

/* 1 when this binary was built with zero-on-free turned off
 * (-DDALLOC_FILL_FREED=0 on the command line, as bench/run builds the
 * like-for-like binary): its bars are then informative only. */
#if defined(DALLOC_FILL_FREED) && DALLOC_FILL_FREED == 0
#define BENCH_NOFILL 1
#else
#define BENCH_NOFILL 0
#endif

/* ======================================================================== */
/* Small utilities                                                           */

static unsigned long data_errors;

static void fatal(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "bench: DATA ERROR: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nbench: no figures are reported for a broken allocator; exit status 1\n");
    exit(1);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64* (Vigna); the state must not be 0. */
typedef struct {
    uint64_t s;
} rng_t;

static void rng_seed(rng_t *r, uint64_t seed)
{
    /* One splitmix64 step spreads small seeds over the state. */
    uint64_t z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    r->s = z != 0 ? z : 1;
}

static uint64_t rng_next(rng_t *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static size_t rng_below(rng_t *r, size_t n) { return (size_t)((rng_next(r) >> 11) % n); }

/* 2^x for 0 <= x < 64 without libm: integer part by doubling, fraction by
 * the exponential series (exact to double precision for |t| < ln 2). */
static double exp2_pos(double x)
{
    int i = (int)x, k;
    double t = (x - (double)i) * 0.69314718055994530942, term = 1.0, sum = 1.0;
    for (k = 1; k < 30; k++) {
        term *= t / (double)k;
        sum += term;
    }
    while (i-- > 0)
        sum *= 2.0;
    return sum;
}

/* Log-uniform sizes in [16, 512]: 4096 quantiles of 16 * 2^(5u). */
#define LU_BITS 12
static uint16_t lu_table[1u << LU_BITS];

static void lu_init(void)
{
    size_t k;
    for (k = 0; k < (1u << LU_BITS); k++) {
        double u = ((double)k + 0.5) / (double)(1u << LU_BITS);
        double s = 16.0 * exp2_pos(5.0 * u) + 0.5;
        lu_table[k] = (uint16_t)(s > 512.0 ? 512.0 : s);
    }
}

static size_t lu_size(rng_t *r) { return lu_table[rng_next(r) >> (64 - LU_BITS)]; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void *xmalloc(size_t n)
{
    /* 64-byte alignment for heap buffers: the same start for every run. */
    void *p = NULL;
    size_t rounded = (n + 63u) & ~(size_t)63u;
    p = malloc(rounded + 64u);
    if (p == NULL) {
        fprintf(stderr, "bench: out of memory (%zu bytes)\n", n);
        exit(2);
    }
    return p;
}

static void *align64(void *p) { return (void *)(((uintptr_t)p + 63u) & ~(uintptr_t)63u); }

/* Byte pattern that depends on a tag and the position. */
static void fill(void *p, size_t n, uint32_t tag)
{
    uint8_t *b = (uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++)
        b[i] = (uint8_t)(tag * 131u + (uint32_t)i * 7u + 1u);
}

static int verify(const void *p, size_t n, uint32_t tag)
{
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i] != (uint8_t)(tag * 131u + (uint32_t)i * 7u + 1u))
            return 0;
    return 1;
}

static size_t hdr_size;  /* dalloc_header_size() */

/* Bytes a relocatable block of n payload bytes takes (as the tests compute). */
static size_t block_bytes(size_t n)
{
    size_t a = DALLOC_ALIGNMENT, s = (n + hdr_size + a - 1) & ~(a - 1);
    size_t min = (4 * sizeof(void *) + a - 1) & ~(a - 1);
    return s < min ? min : s;
}

static void check_heap(dalloc_heap_t *h, const char *where)
{
    if (dalloc_check(h) != DALLOC_OK)
        fatal("dalloc_check() failed %s", where);
}

/* Whether this build zeroes freed memory, observed rather than assumed (the
 * switch is compile-time in the library): a 512 B block filled with a
 * pattern is freed between two live blocks (MANUAL policy: nothing moves),
 * then the middle 384 bytes of where it was are read (the heap's buffer is
 * ours).  1: at least 90 % zeros; 0: at least 90 % of the pattern kept;
 * -1: neither. */
static int observe_zero_on_free(void)
{
    enum { HEAP = 8192, SZ = 512, FROM = 64, LEN = 384 };
    dalloc_heap_t h;
    void *raw = xmalloc(HEAP), *a = NULL, *b = NULL, *c = NULL;
    const uint8_t *mid;
    size_t i, zero = 0, kept = 0;
    if (dalloc_heap_init(&h, align64(raw), HEAP) != DALLOC_OK ||
        dalloc_set_policy(&h, DALLOC_COMPACT_MANUAL) != DALLOC_OK || dalloc_alloc(&h, 64, &a) != DALLOC_OK ||
        dalloc_alloc(&h, SZ, &b) != DALLOC_OK || dalloc_alloc(&h, 64, &c) != DALLOC_OK)
        fatal("zero-on-free probe: heap set-up failed");
    fill(b, SZ, 0x2E0u);
    mid = (const uint8_t *)b + FROM;
    if (dalloc_free(&h, &b, USING_PTR_ADDRESS) != DALLOC_OK)
        fatal("zero-on-free probe: free failed");
    for (i = 0; i < LEN; i++) {
        zero += mid[i] == 0;
        kept += mid[i] == (uint8_t)(0x2E0u * 131u + (uint32_t)(FROM + i) * 7u + 1u);
    }
    if (dalloc_free(&h, &a, USING_PTR_ADDRESS) != DALLOC_OK || dalloc_free(&h, &c, USING_PTR_ADDRESS) != DALLOC_OK)
        fatal("zero-on-free probe: free failed");
    check_heap(&h, "in the zero-on-free probe");
    dalloc_heap_deinit(&h);
    free(raw);
    return zero * 10 >= LEN * 9 ? 1 : kept * 10 >= LEN * 9 ? 0 : -1;
}

/* ======================================================================== */
/* Results: JSON records, .dat files, bars                                   */

typedef struct {
    char sec[24];
    char key[80];
    double v;
} rec_t;

#define MAX_RECS 4096
static rec_t recs[MAX_RECS];
static size_t nrec;

static void rec(const char *sec, double v, const char *fmt, ...)
{
    va_list ap;
    rec_t *r;
    if (nrec == MAX_RECS)
        return;
    r = &recs[nrec++];
    snprintf(r->sec, sizeof r->sec, "%s", sec);
    va_start(ap, fmt);
    vsnprintf(r->key, sizeof r->key, fmt, ap);
    va_end(ap);
    r->v = v;
}

typedef struct {
    char name[96];
    double value, limit, goal;
    int higher_is_better, skipped;
    const char *unit;
} bar_t;

#define MAX_BARS 64
static bar_t bars[MAX_BARS];
static size_t nbars;

static int bar_pass(const bar_t *b)
{
    return b->higher_is_better ? b->value >= b->limit : b->value <= b->limit;
}

static void print_bar(const bar_t *b)
{
    if (b->skipped) {
        printf("SKIP  %-58s (not measured in this run)\n", b->name);
        return;
    }
    if (BENCH_NOFILL) {
        printf("info  %-58s %9.3f%s  (the bar %s %.3g%s applies to the default build)\n", b->name, b->value, b->unit,
               b->higher_is_better ? ">=" : "<=", b->limit, b->unit);
        return;
    }
    printf("%s  %-58s %9.3f%s  bar %s %.3g%s", bar_pass(b) ? "PASS" : "FAIL", b->name, b->value, b->unit,
           b->higher_is_better ? ">=" : "<=", b->limit, b->unit);
    if (b->goal > 0)
        printf(", goal %.3g%s", b->goal, b->unit);
    printf("\n");
}

static void bar(const char *name, double value, int higher_is_better, double limit, double goal, const char *unit,
                int skipped)
{
    bar_t *b;
    if (nbars == MAX_BARS)
        return;
    b = &bars[nbars++];
    snprintf(b->name, sizeof b->name, "%s", name);
    b->value = value;
    b->limit = limit;
    b->goal = goal;
    b->higher_is_better = higher_is_better;
    b->unit = unit;
    b->skipped = skipped;
    print_bar(b);
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static double not_a_number(void)
{
    volatile double z = 0.0;
    return z / z;
}

static void json_number(FILE *f, double v)
{
    if (v != v || v > 1e300 || v < -1e300)
        fputs("null", f);
    else if (v == (double)(long long)v && v < 9e15 && v > -9e15)
        fprintf(f, "%lld", (long long)v);
    else
        fprintf(f, "%.6g", v);
}

static time_t run_start;            /* wall clock at the start (meta.unix_time) */
static size_t churn_ops_used;       /* timed churn ops per run (meta.churn_ops; 0: no churn) */
static size_t churn_runs_used;      /* timed rounds of the churn (meta.churn_runs) */
static int zero_on_free_seen = -1;  /* observe_zero_on_free(): 1 zeroes, 0 keeps the bytes, -1 unclear */

static int write_json(const char *path, const char *date, int quick, const char *modes)
{
    FILE *f = fopen(path, "w");
    size_t i, j;
    if (f == NULL) {
        perror(path);
        return -1;
    }
    fprintf(f, "{\n  \"meta\": {\n    \"date\": ");
    json_string(f, date);
    fprintf(f, ",\n    \"modes\": ");
    json_string(f, modes);
    fprintf(f, ",\n    \"quick\": %s,\n    \"reference\": ", quick ? "true" : "false");
    json_string(f, REF_NAME);
    fprintf(f, ",\n    \"header_size\": %zu,\n    \"alignment\": %d,\n    \"pointer_bits\": %zu", hdr_size,
            DALLOC_ALIGNMENT, 8 * sizeof(void *));
    fprintf(f, ",\n    \"unix_time\": %lld,\n    \"fill_freed_build\": %d,\n    \"zero_on_free_observed\": %d",
            (long long)run_start, BENCH_NOFILL ? 0 : 1, zero_on_free_seen);
    fprintf(f, ",\n    \"churn_ops\": %zu,\n    \"churn_runs\": %zu\n  }", churn_ops_used, churn_runs_used);
    /* Sections in order of first appearance, keys in recording order. */
    for (i = 0; i < nrec; i++) {
        int seen = 0, first = 1;
        for (j = 0; j < i; j++)
            if (strcmp(recs[j].sec, recs[i].sec) == 0)
                seen = 1;
        if (seen)
            continue;
        fprintf(f, ",\n  ");
        json_string(f, recs[i].sec);
        fprintf(f, ": {");
        for (j = i; j < nrec; j++) {
            if (strcmp(recs[j].sec, recs[i].sec) != 0)
                continue;
            fprintf(f, "%s\n    ", first ? "" : ",");
            first = 0;
            json_string(f, recs[j].key);
            fprintf(f, ": ");
            json_number(f, recs[j].v);
        }
        fprintf(f, "\n  }");
    }
    fprintf(f, ",\n  \"bars\": [");
    for (i = 0; i < nbars; i++) {
        fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
        json_string(f, bars[i].name);
        fprintf(f, ", \"value\": ");
        json_number(f, bars[i].skipped ? not_a_number() : bars[i].value);
        fprintf(f, ", \"limit\": ");
        json_number(f, bars[i].limit);
        fprintf(f, ", \"goal\": ");
        json_number(f, bars[i].goal > 0 ? bars[i].goal : not_a_number());
        fprintf(f, ", \"higher_is_better\": %s, \"result\": \"%s\"}", bars[i].higher_is_better ? "true" : "false",
                bars[i].skipped ? "SKIP" : BENCH_NOFILL ? "info" : bar_pass(&bars[i]) ? "PASS" : "FAIL");
    }
    fprintf(f, "\n  ],\n  \"data_errors\": %lu\n}\n", data_errors);
    if (fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

static const char *dat_dir;

static FILE *dat_open(const char *name)
{
    char path[1024];
    FILE *f;
    if (dat_dir == NULL)
        return NULL;
    snprintf(path, sizeof path, "%s/%s", dat_dir, name);
    f = fopen(path, "w");
    if (f == NULL)
        perror(path);
    return f;
}

/* Reading back a JSON file of this program (the like-for-like binary's): the
 * layout write_json() writes, a section opening with `\n  "sec": {` and
 * closing with `\n  }`, one `\n    "key": value` per line. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = (char *)malloc((size_t)n + 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

/* The text of the value of `key` in section `sec`, or NULL. */
static const char *json_value(const char *buf, const char *sec, const char *key)
{
    char pat[160];
    const char *s, *end, *k;
    snprintf(pat, sizeof pat, "\n  \"%s\": {", sec);
    s = strstr(buf, pat);
    if (s == NULL)
        return NULL;
    s += strlen(pat);
    end = strstr(s, "\n  }");
    snprintf(pat, sizeof pat, "\n    \"%s\": ", key);
    k = strstr(s, pat);
    return k != NULL && (end == NULL || k < end) ? k + strlen(pat) : NULL;
}

/* A number of `sec` (NaN when absent or null). */
static double json_num(const char *buf, const char *sec, const char *key)
{
    const char *v = json_value(buf, sec, key);
    char *end;
    double d;
    if (v == NULL)
        return not_a_number();
    d = strtod(v, &end);
    return end != v ? d : not_a_number();
}

/* ======================================================================== */
/* Options                                                                   */

enum { K_GLIBC, K_DALLOC, K_ONFREE, K_FIXED, K_DMHEAP, K_DMMOD, K_JE, K_MI, K_COUNT };
static const char *const kind_name[K_COUNT] = {"glibc", "dalloc", "onfree", "fixed", "dmheap", "dmheap_mod",
                                               "jemalloc", "mimalloc"};
static const char *const kind_label[K_COUNT] = {REF_NAME,
                                                "dalloc relocatable (ON_DEMAND)",
                                                "dalloc COMPACT_ON_FREE (1.x)",
                                                "dalloc fixed (malloc/fixed_free)",
                                                "dmheap (module NULL)",
                                                "dmheap (module \"bench\")",
                                                "jemalloc (mallocx/dallocx)",
                                                "mimalloc (mi_malloc/mi_free)"};

static struct {
    int quick;
    unsigned only;      /* bit k: allocator k wanted; 0: every allocator */
    size_t ops;         /* 0: default */
    size_t n;           /* 0: default list */
    size_t runs;        /* timed runs per figure (median) */
} opt = {0, 0, 0, 0, 5};

static int kind_built(int k)
{
#ifndef BENCH_JEMALLOC
    if (k == K_JE)
        return 0;
#endif
#ifndef BENCH_MIMALLOC
    if (k == K_MI)
        return 0;
#endif
    (void)k;
    return 1;
}

static int kind_wanted(int k) { return kind_built(k) && (opt.only == 0 || (opt.only & (1u << k)) != 0); }

/* ======================================================================== */
/* Churn: random alloc/free over N slots                                     */

/* A workload: for op k, the slot it touches and the size it allocates if
 * that slot is empty.  Generated once, replayed by every allocator. */
typedef struct {
    uint16_t *slot;
    uint16_t *size;
    size_t len;
} ops_t;

static void ops_make(ops_t *o, uint64_t seed, size_t n, size_t len)
{
    rng_t r;
    size_t k;
    rng_seed(&r, seed);
    o->slot = (uint16_t *)xmalloc(len * sizeof *o->slot);
    o->size = (uint16_t *)xmalloc(len * sizeof *o->size);
    o->len = len;
    for (k = 0; k < len; k++) {
        o->slot[k] = (uint16_t)rng_below(&r, n);
        o->size[k] = (uint16_t)lu_size(&r);
    }
}

static void ops_free(ops_t *o)
{
    free(o->slot);
    free(o->size);
}

typedef struct churn {
    void **slot;          /* N pointers (the registered owners for dalloc) */
    uint64_t *tag;        /* stamp written at both ends of each live block */
    uint16_t *len;        /* its size */
    const uint16_t *op_slot, *op_size;
    dalloc_heap_t *heap;  /* dalloc kinds (for dmheap: the heap behind it) */
    const char *module;   /* dmheap kinds: the module name passed (or NULL) */
    size_t arena;         /* stats.arena_size */
    size_t n;
    unsigned long refusals, unjustified, errors;
} churn_t;

static uint64_t stamp_of(size_t k, size_t i) { return ((uint64_t)k + 1u) * 0x9E3779B97F4A7C15ull ^ (uint64_t)i; }

/* Every allocator's loop does the same bookkeeping: an 8-byte stamp at the
 * start and at the end of each block, checked before the block is freed. */
static inline void stamp(void *p, size_t n, uint64_t t)
{
    memcpy(p, &t, sizeof t);
    memcpy((uint8_t *)p + n - sizeof t, &t, sizeof t);
}

static inline int stamp_ok(const void *p, size_t n, uint64_t t)
{
    uint64_t a, b;
    memcpy(&a, p, sizeof a);
    memcpy(&b, (const uint8_t *)p + n - sizeof b, sizeof b);
    return a == t && b == t;
}

static NOINLINE void dalloc_refused(churn_t *w, size_t n, dalloc_status_t st)
{
    if (st != DALLOC_E_NOMEM) {
        w->errors++;
        return;
    }
    w->refusals++;
    if ((size_t)w->heap->offset + block_bytes(n) <= w->arena)
        w->unjustified++;
}

#define CHURN_LOOP(NAME, ALLOC, FREE)                                 \
    static NOINLINE void NAME(churn_t *w, size_t from, size_t to)     \
    {                                                                 \
        size_t k;                                                     \
        for (k = from; k < to; k++) {                                 \
            size_t i = w->op_slot[k];                                 \
            if (w->slot[i] == NULL) {                                 \
                size_t n = w->op_size[k];                             \
                ALLOC;                                                \
                if (w->slot[i] != NULL) {                             \
                    uint64_t t = stamp_of(k, i);                      \
                    stamp(w->slot[i], n, t);                          \
                    w->tag[i] = t;                                    \
                    w->len[i] = (uint16_t)n;                          \
                }                                                     \
            } else {                                                  \
                if (!stamp_ok(w->slot[i], w->len[i], w->tag[i]))      \
                    w->errors++;                                      \
                FREE;                                                 \
            }                                                         \
        }                                                             \
    }

CHURN_LOOP(loop_glibc, { w->slot[i] = REF_MALLOC(n); if (w->slot[i] == NULL) w->refusals++; },
           { REF_FREE(w->slot[i]); w->slot[i] = NULL; })

CHURN_LOOP(loop_dalloc,
           {
               dalloc_status_t st = dalloc_alloc(w->heap, n, &w->slot[i]);
               if (st != DALLOC_OK)
                   dalloc_refused(w, n, st);
           },
           {
               if (dalloc_free(w->heap, &w->slot[i], USING_PTR_ADDRESS) != DALLOC_OK) {
                   w->errors++;
                   w->slot[i] = NULL;
               }
           })

/* Fixed blocks and dmheap: a refusal is NOMEM (counted; fixed blocks do not
 * move, so a refusal may be fragmentation and is not "unjustified"); any
 * other status is an error. */
static NOINLINE void fixed_refused(churn_t *w)
{
    if (dalloc_last_error(w->heap) == DALLOC_E_NOMEM)
        w->refusals++;
    else
        w->errors++;
}

CHURN_LOOP(loop_fixed,
           {
               w->slot[i] = dalloc_malloc(w->heap, n);
               if (w->slot[i] == NULL)
                   fixed_refused(w);
           },
           {
               if (dalloc_fixed_free(w->heap, w->slot[i]) != DALLOC_OK)
                   w->errors++;
               w->slot[i] = NULL;
           })

/* dmheap_free() returns nothing: a refused free is caught when the run is
 * closed (the heap's live-block count must equal the slots in use). */
CHURN_LOOP(loop_dmheap,
           {
               w->slot[i] = dmheap_malloc(n, w->module);
               if (w->slot[i] == NULL)
                   fixed_refused(w);
           },
           {
               dmheap_free(w->slot[i], false);
               w->slot[i] = NULL;
           })

#ifdef BENCH_JEMALLOC
CHURN_LOOP(loop_je, { w->slot[i] = mallocx(n, 0); if (w->slot[i] == NULL) w->refusals++; },
           { dallocx(w->slot[i], 0); w->slot[i] = NULL; })
#endif
#ifdef BENCH_MIMALLOC
CHURN_LOOP(loop_mi, { w->slot[i] = mi_malloc(n); if (w->slot[i] == NULL) w->refusals++; },
           { mi_free(w->slot[i]); w->slot[i] = NULL; })
#endif

typedef void (*loop_fn)(churn_t *, size_t, size_t);

/* The timed part of a run.  callgrind.sh collects only inside this function
 * (valgrind --toggle-collect=timed_segment), so warm-up and set-up are not
 * counted. */
void timed_segment(loop_fn f, churn_t *w, size_t from, size_t to);
NOINLINE void timed_segment(loop_fn f, churn_t *w, size_t from, size_t to) { f(w, from, to); }

static loop_fn loop_of(int kind)
{
    switch (kind) {
    case K_GLIBC: return loop_glibc;
    case K_FIXED: return loop_fixed;
    case K_DMHEAP:
    case K_DMMOD: return loop_dmheap;
#ifdef BENCH_JEMALLOC
    case K_JE: return loop_je;
#endif
#ifdef BENCH_MIMALLOC
    case K_MI: return loop_mi;
#endif
    default: return loop_dalloc;
    }
}

/* Relocatable dalloc blocks (registered owners). */
static int is_dalloc(int kind) { return kind == K_DALLOC || kind == K_ONFREE; }
/* Served by a dalloc heap (relocatable, fixed, or the dmheap layer). */
static int uses_heap(int kind) { return kind == K_DALLOC || kind == K_ONFREE || kind == K_FIXED || kind == K_DMHEAP || kind == K_DMMOD; }
static int is_dmheap(int kind) { return kind == K_DMHEAP || kind == K_DMMOD; }

/* dmheap works on one default heap owned by the library; its buffer is ours
 * and is kept for the whole process (dmheap_init() over it again starts a
 * fresh heap), grown when a larger heap is asked for. */
static void *dm_raw;
static size_t dm_cap;

static dalloc_heap_t *dm_open(size_t heap_bytes, const char *module)
{
    dalloc_heap_t *h;
    if (heap_bytes > dm_cap) {
        void *old = dm_raw;
        dm_raw = xmalloc(heap_bytes);
        dm_cap = heap_bytes;
        if (!dmheap_init(align64(dm_raw), heap_bytes, DALLOC_ALIGNMENT))
            fatal("dmheap_init(%zu bytes) failed", heap_bytes);
        free(old); /* the old heap was forgotten by dmheap_init() */
    } else if (!dmheap_init(align64(dm_raw), heap_bytes, DALLOC_ALIGNMENT)) {
        fatal("dmheap_init(%zu bytes) failed", heap_bytes);
    }
    h = dmheap_get_heap();
    if (h == NULL || !dmheap_is_initialized())
        fatal("dmheap_get_heap() is NULL after dmheap_init()");
    if (module != NULL && !dmheap_register_module(module))
        fatal("dmheap_register_module(\"%s\") failed", module);
    return h;
}

/* Close checks of a heap of fixed blocks (fixed, dmheap kinds): every live
 * slot is a live block of the expected module, the heap counts exactly the
 * live slots (a refused free would leave one more), and dalloc_check(). */
static void fixed_close_check(dalloc_heap_t *h, void *const *slot, size_t n, const char *module, const char *what)
{
    size_t i, live = 0;
    dalloc_module_t want = module != NULL ? dalloc_module_find(h, module) : DALLOC_NO_MODULE;
    if (module != NULL && want == DALLOC_NO_MODULE)
        fatal("%s: module \"%s\" is not registered", what, module);
    for (i = 0; i < n; i++) {
        dalloc_module_t id;
        if (slot[i] == NULL)
            continue;
        live++;
        if ((uintptr_t)slot[i] % DALLOC_ALIGNMENT != 0)
            fatal("%s: block %p is not aligned to %d", what, slot[i], DALLOC_ALIGNMENT);
        id = dalloc_module_of(h, slot[i]);
        if (dalloc_last_error(h) != DALLOC_OK)
            fatal("%s: live block of slot %zu is not a block of the heap", what, i);
        if (id != want)
            fatal("%s: block of slot %zu is in module %u, expected %u", what, i, (unsigned)id, (unsigned)want);
    }
    if ((size_t)h->alloc_info.allocations_num != live)
        fatal("%s: the heap counts %lu live blocks, %zu slots are in use (a free was refused?)", what,
              (unsigned long)h->alloc_info.allocations_num, live);
    if (want != DALLOC_NO_MODULE) {
        dalloc_module_stats_t ms;
        if (dalloc_module_stats(h, want, &ms) != DALLOC_OK || ms.blocks != live)
            fatal("%s: module \"%s\" counts %zu blocks, %zu slots are in use", what, module, ms.blocks, live);
    }
    check_heap(h, what);
}

typedef struct {
    double ns_op;           /* median */
    double ns_min, ns_max;  /* spread of the timed runs */
    unsigned long refusals, unjustified; /* per timed run (same every run) */
    double compactions_per_kop, moved_per_op;
} churn_result_t;

typedef struct {
    churn_t w;
    dalloc_heap_t heap;
    void *raw;
    size_t heap_bytes;
    int kind;
} churn_env_t;

static void env_open(churn_env_t *e, int kind, size_t n, size_t heap_bytes, const ops_t *o, dalloc_policy_t pol)
{
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->heap_bytes = heap_bytes;
    e->w.n = n;
    e->w.slot = (void **)calloc(n, sizeof(void *));
    e->w.tag = (uint64_t *)calloc(n, sizeof(uint64_t));
    e->w.len = (uint16_t *)calloc(n, sizeof(uint16_t));
    if (e->w.slot == NULL || e->w.tag == NULL || e->w.len == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        exit(2);
    }
    e->w.op_slot = o->slot;
    e->w.op_size = o->size;
    if (is_dmheap(kind)) {
        dalloc_stats_t st;
        e->w.module = kind == K_DMMOD ? "bench" : NULL;
        e->w.heap = dm_open(heap_bytes, e->w.module);
        (void)dalloc_get_stats(e->w.heap, &st);
        e->w.arena = st.arena_size;
    } else if (uses_heap(kind)) {
        dalloc_stats_t st;
        e->raw = xmalloc(heap_bytes);
        if (dalloc_heap_init(&e->heap, align64(e->raw), heap_bytes) != DALLOC_OK)
            fatal("dalloc_heap_init(%zu bytes) failed", heap_bytes);
        if (dalloc_set_policy(&e->heap, pol) != DALLOC_OK)
            fatal("dalloc_set_policy failed");
        (void)dalloc_get_stats(&e->heap, &st);
        e->w.heap = &e->heap;
        e->w.arena = st.arena_size;
    }
}

/* Check every live block, then free them all and release the environment. */
static void env_close(churn_env_t *e, const char *what)
{
    size_t i;
    churn_t *w = &e->w;
    if (w->errors != 0)
        fatal("%s: %lu blocks lost their contents or were refused a free", what, w->errors);
    if (w->unjustified != 0 && e->kind == K_DALLOC)
        fprintf(stderr, "bench: %s: %lu refusals while live+headers+request fitted the arena\n", what,
                w->unjustified);
    for (i = 0; i < w->n; i++) {
        if (w->slot[i] == NULL)
            continue;
        if (!stamp_ok(w->slot[i], w->len[i], w->tag[i]))
            fatal("%s: block %zu lost its contents", what, i);
        if (is_dalloc(e->kind)) {
            if (dalloc_validate(&e->heap, &w->slot[i], USING_PTR_ADDRESS, NULL) != DALLOC_OK)
                fatal("%s: live block %zu does not validate", what, i);
        }
    }
    if (is_dalloc(e->kind)) {
        check_heap(&e->heap, what);
        dalloc_heap_deinit(&e->heap);
        free(e->raw);
    } else if (uses_heap(e->kind)) {
        fixed_close_check(w->heap, w->slot, w->n, w->module, what);
        if (!is_dmheap(e->kind)) {
            dalloc_heap_deinit(&e->heap);
            free(e->raw);
        }
    } else {
        for (i = 0; i < w->n; i++) {
            if (w->slot[i] == NULL)
                continue;
            switch (e->kind) {
#ifdef BENCH_JEMALLOC
            case K_JE: dallocx(w->slot[i], 0); break;
#endif
#ifdef BENCH_MIMALLOC
            case K_MI: mi_free(w->slot[i]); break;
#endif
            default: REF_FREE(w->slot[i]); break;
            }
        }
    }
    free(w->slot);
    free(w->tag);
    free(w->len);
}

/* The full-pattern check of a dalloc configuration (relocatable, fixed or
 * dmheap), untimed: every byte of every block is written and verified,
 * dalloc_check() runs every 64 ops. */
static void churn_verify(int kind, size_t n, size_t heap_bytes, const ops_t *o, size_t count, const char *what)
{
    dalloc_heap_t hh, *h = &hh;
    void *raw = NULL;
    void **slot = (void **)calloc(n, sizeof(void *));
    uint16_t *len = (uint16_t *)calloc(n, sizeof(uint16_t));
    uint32_t *tag = (uint32_t *)calloc(n, sizeof(uint32_t));
    const char *module = kind == K_DMMOD ? "bench" : NULL;
    size_t k, i;
    if (slot == NULL || len == NULL || tag == NULL)
        exit(2);
    if (count > o->len)
        count = o->len;
    if (is_dmheap(kind)) {
        h = dm_open(heap_bytes, module);
    } else {
        raw = xmalloc(heap_bytes);
        if (dalloc_heap_init(h, align64(raw), heap_bytes) != DALLOC_OK ||
            dalloc_set_policy(h, kind == K_ONFREE ? DALLOC_COMPACT_ON_FREE : DALLOC_COMPACT_ON_DEMAND) != DALLOC_OK)
            fatal("%s: heap init failed", what);
    }
    for (k = 0; k < count; k++) {
        i = o->slot[k];
        if (slot[i] == NULL) {
            dalloc_status_t st;
            size_t sz = o->size[k];
            if (is_dalloc(kind)) {
                st = dalloc_alloc(h, sz, &slot[i]);
            } else {
                slot[i] = kind == K_FIXED ? dalloc_malloc(h, sz) : dmheap_malloc(sz, module);
                st = slot[i] != NULL ? DALLOC_OK : dalloc_last_error(h);
                if (slot[i] != NULL && (uintptr_t)slot[i] % DALLOC_ALIGNMENT != 0)
                    fatal("%s: block not aligned at op %zu", what, k);
            }
            if (st == DALLOC_OK) {
                len[i] = (uint16_t)sz;
                tag[i] = (uint32_t)k;
                fill(slot[i], len[i], tag[i]);
            } else if (st != DALLOC_E_NOMEM || slot[i] != NULL) {
                fatal("%s: allocation returned %s at op %zu", what, dalloc_strerror(st), k);
            }
        } else {
            dalloc_status_t st;
            if (!verify(slot[i], len[i], tag[i]))
                fatal("%s: block of slot %zu changed before op %zu", what, i, k);
            if (is_dalloc(kind)) {
                st = dalloc_free(h, &slot[i], USING_PTR_ADDRESS);
            } else if (kind == K_FIXED) {
                st = dalloc_fixed_free(h, slot[i]);
                slot[i] = NULL;
            } else {
                dmheap_free(slot[i], false);
                st = dalloc_last_error(h);
                slot[i] = NULL;
            }
            if (st != DALLOC_OK || slot[i] != NULL)
                fatal("%s: free failed at op %zu (%s)", what, k, dalloc_strerror(st));
        }
        if (k % 64 == 63)
            check_heap(h, what);
    }
    for (i = 0; i < n; i++)
        if (slot[i] != NULL && !verify(slot[i], len[i], tag[i]))
            fatal("%s: block of slot %zu changed", what, i);
    if (uses_heap(kind) && !is_dalloc(kind))
        fixed_close_check(h, slot, n, module, what);
    check_heap(h, what);
    if (!is_dmheap(kind))
        dalloc_heap_deinit(h);
    free(raw);
    free(slot);
    free(len);
    free(tag);
}

/* One run: fresh allocator state, warm ops untimed (to reach the steady
 * state), then ops timed.  Returns ns/op. */
static double churn_run(int kind, size_t n, size_t heap_bytes, const ops_t *o, size_t warm, size_t ops, int timed,
                        churn_result_t *res)
{
    churn_env_t e;
    dalloc_stats_t s0, s1;
    uint64_t t0, t1;
    loop_fn f = loop_of(kind);
    env_open(&e, kind, n, heap_bytes, o, kind == K_ONFREE ? DALLOC_COMPACT_ON_FREE : DALLOC_COMPACT_ON_DEMAND);
    f(&e.w, 0, warm);
    e.w.refusals = e.w.unjustified = 0;
    if (uses_heap(kind))
        (void)dalloc_get_stats(e.w.heap, &s0);
    t0 = now_ns();
    if (timed)
        timed_segment(f, &e.w, warm, warm + ops);
    else
        f(&e.w, warm, warm + ops);
    t1 = now_ns();
    if (res != NULL) {
        res->refusals = e.w.refusals;
        res->unjustified = e.w.unjustified;
        if (uses_heap(kind)) {
            (void)dalloc_get_stats(e.w.heap, &s1);
            res->compactions_per_kop = (double)(s1.compactions - s0.compactions) * 1000.0 / (double)ops;
            res->moved_per_op = (double)(s1.bytes_moved - s0.bytes_moved) / (double)ops;
        }
    }
    env_close(&e, kind_name[kind]);
    return (double)(t1 - t0) / (double)ops;
}

/* Measure several allocators on one workload.  Rounds are interleaved (one
 * run of each allocator per round, after one warm-up run of each), so an
 * allocator and its reference are timed seconds apart, and a ratio is the
 * median over rounds of the per-round ratios: a burst of load from another
 * process on the shared host hits both sides of a ratio or only one round. */
typedef struct {
    int kind;
    size_t ops;
    churn_result_t res;
    double t[16];
} meas_t;

static void churn_measure(meas_t *m, size_t nm, size_t n, size_t heap_bytes, const ops_t *o, size_t warm)
{
    size_t r, i, runs = opt.runs;
    for (i = 0; i < nm; i++) {
        memset(&m[i].res, 0, sizeof m[i].res);
        (void)churn_run(m[i].kind, n, heap_bytes, o, warm, m[i].ops, 0, NULL); /* warm-up, discarded */
    }
    for (r = 0; r < runs; r++)
        for (i = 0; i < nm; i++)
            m[i].t[r] = churn_run(m[i].kind, n, heap_bytes, o, warm, m[i].ops, 1, &m[i].res);
    for (i = 0; i < nm; i++) {
        double v[16];
        churn_result_t *res = &m[i].res;
        memcpy(v, m[i].t, runs * sizeof v[0]);
        res->ns_min = res->ns_max = v[0];
        for (r = 1; r < runs; r++) {
            res->ns_min = v[r] < res->ns_min ? v[r] : res->ns_min;
            res->ns_max = v[r] > res->ns_max ? v[r] : res->ns_max;
        }
        res->ns_op = median(v, runs);
    }
}

/* Median over rounds of a's time / ref's time. */
static double ratio_of(const meas_t *a, const meas_t *ref)
{
    double v[16];
    size_t r;
    for (r = 0; r < opt.runs; r++)
        v[r] = a->t[r] / ref->t[r];
    return median(v, opt.runs);
}

static size_t churn_heap_for(size_t n) { return n <= 400 ? 64 * KIB : n * 256; }

/* kind/glibc at N = 128, 400, 1024 (0: not measured) */
static double churn_ratio[K_COUNT][3];

/* This run's churn figures by position in the N list (0: not measured), for
 * the like-for-like section. */
static size_t churn_n[3], churn_nn;
static double churn_ns[3][K_COUNT], churn_rt[3][K_COUNT];
static const char *nofill_json; /* --nofill-json FILE */

static void churn_like_for_like(time_t t0, time_t t1);

static void mode_churn(void)
{
    static const size_t def_ns[] = {128, 400, 1024};
    size_t ns[3], nn = 3, ni;
    size_t ops = opt.ops ? opt.ops : opt.quick ? 20000 : 2000000;
    size_t ops_onfree = opt.ops ? opt.ops : opt.quick ? 2000 : 40000;
    size_t verify_ops = opt.quick ? 4000 : 50000;
    int k;
    time_t t_start = time(NULL);

    churn_ops_used = ops;
    churn_runs_used = opt.runs;
    if (opt.n) {
        ns[0] = opt.n;
        nn = 1;
    } else {
        memcpy(ns, def_ns, sizeof ns);
    }
    printf("\n== churn: random alloc/free over N slots (sizes log-uniform 16..512 B) ==\n");
    printf("each op picks a random slot: empty -> allocate, full -> free (8-byte stamps at both ends\n"
           "of every block, checked before its free).  Per run: fresh heap, 4N untimed ops to reach the\n"
           "steady state, then %zu timed ops (%zu for COMPACT_ON_FREE).  One warm-up run of each\n"
           "allocator, then %zu rounds of one run of each; ns/op: median of the rounds; vs glibc:\n"
           "median of the per-round ratios.  Refusals, compactions: over the timed ops of a run.\n"
           "Same workload through the fixed-block API (dalloc_malloc/dalloc_fixed_free) and through\n"
           "dmheap (dmheap_malloc(size, NULL or \"bench\")/dmheap_free(p, false)), same heap sizes.\n",
           ops, ops_onfree, opt.runs);
    for (ni = 0; ni < nn; ni++) {
        size_t n = ns[ni], heap_bytes = churn_heap_for(n), warm = 4 * n;
        ops_t o;
        meas_t m[K_COUNT];
        size_t nm = 0, idx[K_COUNT], gi = K_COUNT;
        if (n == 0 || n > 65535) {
            fprintf(stderr, "bench: --n must be 1..65535\n");
            exit(2);
        }
        ops_make(&o, 0xC4u + n, n, warm + (ops > ops_onfree ? ops : ops_onfree));
        printf("\nN = %zu slots, dalloc heap %zu KiB (%zu bytes)\n", n, heap_bytes / KIB, heap_bytes);
        rec("churn", (double)heap_bytes, "n%zu.heap_bytes", n);
        for (k = 0; k < K_COUNT; k++) {
            idx[k] = K_COUNT;
            if (!kind_wanted(k))
                continue;
            if (uses_heap(k)) {
                char what[64];
                snprintf(what, sizeof what, "churn verify (%s)", kind_name[k]);
                churn_verify(k, n, heap_bytes, &o, k == K_ONFREE && ops_onfree < verify_ops ? ops_onfree : verify_ops,
                             what);
            }
            m[nm].kind = k;
            m[nm].ops = k == K_ONFREE ? ops_onfree : ops;
            idx[k] = nm++;
        }
        churn_measure(m, nm, n, heap_bytes, &o, warm);
        gi = idx[K_GLIBC];
        printf("  %-34s %9s %9s %9s %8s %9s %9s %10s\n", "allocator", "ns/op", "min", "max", "vs glibc",
               "refusals", "compact/", "moved B/op");
        printf("  %-34s %9s %9s %9s %8s %9s %9s %10s\n", "", "(median)", "", "", "(median)", "(timed)", "1k ops", "");
        for (k = 0; k < K_COUNT; k++) {
            char ratio[32] = "-", comp[32] = "-", moved[32] = "-";
            const churn_result_t *res;
            if (idx[k] == K_COUNT)
                continue;
            res = &m[idx[k]].res;
            if (gi != K_COUNT) {
                double r = ratio_of(&m[idx[k]], &m[gi]);
                snprintf(ratio, sizeof ratio, "%.2fx", r);
                rec("churn", r, "n%zu.%s.ratio", n, kind_name[k]);
                churn_rt[ni][k] = r;
                if (k != K_GLIBC) {
                    if (n == 128) churn_ratio[k][0] = r;
                    if (n == 400) churn_ratio[k][1] = r;
                    if (n == 1024) churn_ratio[k][2] = r;
                }
            }
            if (uses_heap(k)) {
                snprintf(comp, sizeof comp, "%.2f", res->compactions_per_kop);
                snprintf(moved, sizeof moved, "%.1f", res->moved_per_op);
                rec("churn", res->compactions_per_kop, "n%zu.%s.compactions_per_kop", n, kind_name[k]);
                rec("churn", res->moved_per_op, "n%zu.%s.bytes_moved_per_op", n, kind_name[k]);
                rec("churn", (double)res->unjustified, "n%zu.%s.unjustified_refusals", n, kind_name[k]);
            }
            printf("  %-34s %9.1f %9.1f %9.1f %8s %9lu %9s %10s\n", kind_label[k], res->ns_op, res->ns_min,
                   res->ns_max, ratio, res->refusals, comp, moved);
            rec("churn", res->ns_op, "n%zu.%s.ns_op", n, kind_name[k]);
            churn_ns[ni][k] = res->ns_op;
            rec("churn", (double)res->refusals, "n%zu.%s.refusals", n, kind_name[k]);
            if (is_dalloc(k) && res->unjustified)
                printf("  !! %lu of those refusals came while live+headers+request fitted the arena\n",
                       res->unjustified);
        }
        churn_n[ni] = n;
        churn_nn = ni + 1;
        ops_free(&o);
    }
    if (nofill_json != NULL)
        churn_like_for_like(t_start, time(NULL));
}

/* Like-for-like (informative): the same churn measured by the binary built
 * with -DDALLOC_FILL_FREED=0 (bench/run runs it just before this one and
 * passes its JSON), next to this run's figures.  Its ratios are against the
 * glibc it measured itself; the cost of zeroing is this run's ns/op minus
 * its ns/op, and the same difference for glibc (identical work in both runs)
 * shows how far the two runs drifted apart. */
static void churn_like_for_like(time_t t0, time_t t1)
{
    static const int kinds[] = {K_GLIBC, K_DALLOC, K_FIXED, K_DMHEAP};
    static const char *const short_label[] = {"glibc", "relocatable", "fixed", "dmheap (module NULL)"};
    char *buf = slurp(nofill_json);
    char when_nf[16] = "?", when_0[16], when_1[16];
    double nf_unix, nf_elapsed, nf_build, nf_seen, nf_ops, nf_runs, span, nf_ratio[3][4];
    size_t ni, ki;
    time_t tn;

    memset(nf_ratio, 0, sizeof nf_ratio);
    printf("\n-- like-for-like: zero-on-free off (glibc and TLSF do not zero) --\n");
    if (buf == NULL) {
        printf("not available: cannot read %s (written by the -DDALLOC_FILL_FREED=0 binary)\n", nofill_json);
        return;
    }
    nf_unix = json_num(buf, "meta", "unix_time");
    nf_elapsed = json_num(buf, "run", "elapsed_s");
    nf_build = json_num(buf, "meta", "fill_freed_build");
    nf_seen = json_num(buf, "meta", "zero_on_free_observed");
    nf_ops = json_num(buf, "meta", "churn_ops");
    nf_runs = json_num(buf, "meta", "churn_runs");
    strftime(when_0, sizeof when_0, "%H:%M:%S", gmtime(&t0));
    strftime(when_1, sizeof when_1, "%H:%M:%S", gmtime(&t1));
    if (nf_unix == nf_unix) {
        tn = (time_t)nf_unix;
        strftime(when_nf, sizeof when_nf, "%H:%M:%S", gmtime(&tn));
    }
    span = nf_unix == nf_unix ? difftime(t1, (time_t)nf_unix) : not_a_number();
    printf("Informative, not a bar: the bars stay on the default build, which zero-fills freed memory\n"
           "(DALLOC_FILL_FREED defaults to 1); glibc malloc and TLSF do not zero freed memory.  A second\n"
           "binary, same sources and flags plus -DDALLOC_FILL_FREED=0, ran the same churn (same ops, seeds,\n"
           "heaps, rounds) of glibc, relocatable, fixed and dmheap blocks; its ratios are against the glibc\n"
           "it measured itself.  zeroing = default ns/op - no-fill ns/op: the cost of zero-on-free per op;\n"
           "the glibc row shows the same difference for glibc (identical work in both runs: the drift).\n");
    printf("no-fill run from %s UTC (%.1f s), this churn %s-%s UTC: %.0f s in all; figures read from\n  %s\n",
           when_nf, nf_elapsed, when_0, when_1, span, nofill_json);
    printf("zero-on-free observed (a freed block's middle): this build %s, no-fill build %s\n",
           zero_on_free_seen == 1 ? "zeroes it" : zero_on_free_seen == 0 ? "keeps its bytes" : "unclear",
           nf_seen == 1 ? "zeroes it" : nf_seen == 0 ? "keeps its bytes" : "unclear");
    if (nf_build != 0 || nf_seen != 0)
        printf("!! that JSON is not from a build that keeps freed bytes (fill_freed_build %.0f, observed %.0f):\n"
               "!! its figures are not like-for-like\n", nf_build, nf_seen);
    if (zero_on_free_seen != 1)
        printf("!! this build was not seen zeroing freed memory: the difference below is not the cost of zeroing\n");
    if (nf_ops != (double)churn_ops_used || nf_runs != (double)churn_runs_used)
        printf("!! the no-fill run timed %.0f ops x %.0f rounds, this one %zu x %zu: not the same workload\n", nf_ops,
               nf_runs, churn_ops_used, churn_runs_used);
    printf("  %6s  %-22s %14s %14s %14s %9s %9s\n", "N", "allocator", "default ns/op", "no-fill ns/op",
           "zeroing ns/op", "default", "no-fill");
    printf("  %6s  %-22s %14s %14s %14s %9s %9s\n", "", "", "(median)", "(median)", "", "vs glibc", "vs glibc");
    for (ni = 0; ni < churn_nn; ni++) {
        size_t n = churn_n[ni];
        for (ki = 0; ki < sizeof kinds / sizeof kinds[0]; ki++) {
            int k = kinds[ki];
            char key[64], zs[16] = "-", dz[24] = "-", rd[16] = "-", rn[16] = "-";
            double d = churn_ns[ni][k], z, r;
            if (!(d > 0))
                continue;
            snprintf(key, sizeof key, "n%zu.%s.ns_op", n, kind_name[k]);
            z = json_num(buf, "churn", key);
            snprintf(key, sizeof key, "n%zu.%s.ratio", n, kind_name[k]);
            r = json_num(buf, "churn", key);
            if (churn_rt[ni][k] > 0)
                snprintf(rd, sizeof rd, "%.2fx", churn_rt[ni][k]);
            if (r == r)
                snprintf(rn, sizeof rn, "%.2fx", r);
            if (z == z) {
                double dd = d - z > -0.05 && d - z < 0.05 ? 0.0 : d - z; /* no "-0.0" */
                snprintf(zs, sizeof zs, "%.1f", z);
                snprintf(dz, sizeof dz, k == K_GLIBC ? "%+.1f drift" : "%+.1f", dd);
                rec("churn_nofill", d, "n%zu.%s.default_ns_op", n, kind_name[k]);
                rec("churn_nofill", z, "n%zu.%s.ns_op", n, kind_name[k]);
                rec("churn_nofill", d - z, k == K_GLIBC ? "n%zu.%s.drift_ns_op" : "n%zu.%s.zeroing_ns_op", n,
                    kind_name[k]);
            }
            if (r == r && k != K_GLIBC) {
                rec("churn_nofill", r, "n%zu.%s.ratio", n, kind_name[k]);
                nf_ratio[ni][ki] = r;
            }
            printf("  %6zu  %-22s %14.1f %14s %14s %9s %9s\n", n, short_label[ki], d, zs, dz, rd, rn);
        }
    }
    /* The no-fill ratios in the bars' wording, labelled info: no bar applies. */
    for (ki = 1; ki < sizeof kinds / sizeof kinds[0]; ki++)
        for (ni = 0; ni < churn_nn; ni++) {
            char name[96];
            if (!(nf_ratio[ni][ki] > 0))
                continue;
            snprintf(name, sizeof name, "no-fill churn N=%zu: %s / glibc ns per op", churn_n[ni],
                     kinds[ki] == K_DALLOC ? "dalloc" : kinds[ki] == K_FIXED ? "dalloc_malloc" : "dmheap_malloc");
            printf("info  %-58s %9.3fx  (informative; the bars apply to the default build)\n", name,
                   nf_ratio[ni][ki]);
        }
    free(buf);
}

/* ======================================================================== */
/* Scaling: churn as the live set doubles                                    */

static double scaling_ratio_128, scaling_ratio_8192;

static void mode_scaling(void)
{
    size_t n, ops = opt.ops ? opt.ops : opt.quick ? 20000 : 1000000;
    FILE *dat = dat_open("scaling.dat");
    printf("\n== scaling: churn ns/op as the slot count doubles (heap = N x 512 B, ~N/2 live blocks) ==\n");
    printf("median of %zu interleaved runs (ratio: median of per-run ratios), %zu timed ops per point\n"
           "after 4N warm ops\n", opt.runs, ops);
    printf("  %6s %9s %11s %11s %9s %10s\n", "N", "heap KiB", "glibc ns/op", "dalloc ns", "ratio", "compact/1k");
    if (dat != NULL)
        fprintf(dat, "# N heap_bytes glibc_ns_op dalloc_ns_op ratio compactions_per_kop\n");
    for (n = 64; n <= 8192; n *= 2) {
        size_t heap_bytes = n * 512, warm = 4 * n;
        ops_t o;
        meas_t m[2];
        churn_result_t g, d;
        double r;
        ops_make(&o, 0x5CA1Eu + n, n, warm + ops);
        churn_verify(K_DALLOC, n, heap_bytes, &o, opt.quick ? 3000 : 20000, "scaling verify");
        m[0].kind = K_GLIBC;
        m[1].kind = K_DALLOC;
        m[0].ops = m[1].ops = ops;
        churn_measure(m, 2, n, heap_bytes, &o, warm);
        g = m[0].res;
        d = m[1].res;
        r = ratio_of(&m[1], &m[0]);
        printf("  %6zu %9zu %11.1f %11.1f %8.2fx %10.2f\n", n, heap_bytes / KIB, g.ns_op, d.ns_op, r,
               d.compactions_per_kop);
        if (d.unjustified)
            printf("  !! %lu refusals while live+headers+request fitted the arena\n", d.unjustified);
        rec("scaling", g.ns_op, "n%zu.glibc.ns_op", n);
        rec("scaling", d.ns_op, "n%zu.dalloc.ns_op", n);
        rec("scaling", r, "n%zu.ratio", n);
        rec("scaling", d.compactions_per_kop, "n%zu.dalloc.compactions_per_kop", n);
        if (dat != NULL)
            fprintf(dat, "%zu %zu %.2f %.2f %.4f %.3f\n", n, heap_bytes, g.ns_op, d.ns_op, r, d.compactions_per_kop);
        if (n == 128)
            scaling_ratio_128 = r;
        if (n == 8192)
            scaling_ratio_8192 = r;
        ops_free(&o);
    }
    if (dat != NULL)
        fclose(dat);
}

/* ======================================================================== */
/* Fragmentation: largest block after freeing every other 64 B block         */

static double frag_pct_demand = -1;

static void mode_frag(void)
{
    static const dalloc_policy_t pols[] = {DALLOC_COMPACT_ON_DEMAND, DALLOC_COMPACT_MANUAL};
    static const char *const pol_names[] = {"ON_DEMAND (default)", "MANUAL, no compaction (non-moving)"};
    const size_t heap_bytes = 64 * KIB;
    size_t p;
    printf("\n== frag: 64 KiB heap filled with 64 B blocks, every other one freed ==\n");
    printf("largest single block then allocatable (free_bytes - header tried first, then binary search)\n");
    printf("  %-36s %7s %10s %10s %9s\n", "policy", "blocks", "free B", "largest B", "% of free");
    for (p = 0; p < 2; p++) {
        dalloc_heap_t h;
        void *raw = xmalloc(heap_bytes);
        void *slot[4096], *big = NULL;
        size_t nb = 0, i, lo, hi, best = 0;
        dalloc_stats_t st;
        double pct;
        memset(slot, 0, sizeof slot);
        if (dalloc_heap_init(&h, align64(raw), heap_bytes) != DALLOC_OK || dalloc_set_policy(&h, pols[p]) != DALLOC_OK)
            fatal("frag: heap init failed");
        while (nb < 4096 && dalloc_alloc(&h, 64, &slot[nb]) == DALLOC_OK) {
            fill(slot[nb], 64, (uint32_t)nb);
            nb++;
        }
        if (dalloc_last_error(&h) != DALLOC_E_NOMEM)
            fatal("frag: fill stopped with %s", dalloc_strerror(dalloc_last_error(&h)));
        for (i = 1; i < nb; i += 2)
            if (dalloc_free(&h, &slot[i], USING_PTR_ADDRESS) != DALLOC_OK)
                fatal("frag: free failed");
        (void)dalloc_get_stats(&h, &st);
        hi = st.free_bytes > hdr_size ? st.free_bytes - hdr_size : 0;
        if (hi > 0 && dalloc_alloc(&h, hi, &big) == DALLOC_OK) {
            best = hi;
            fill(big, best, 0xB16u);
        } else {
            /* Largest n that fits: invariant fits(lo) (or lo == 0), !fits(hi). */
            lo = 0;
            while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                void *q = NULL;
                if (dalloc_alloc(&h, mid, &q) == DALLOC_OK) {
                    lo = mid;
                    if (dalloc_free(&h, &q, USING_PTR_ADDRESS) != DALLOC_OK)
                        fatal("frag: free of probe failed");
                } else {
                    hi = mid;
                }
            }
            best = lo;
        }
        for (i = 0; i < nb; i += 2)
            if (!verify(slot[i], 64, (uint32_t)i))
                fatal("frag: block %zu changed", i);
        if (big != NULL && !verify(big, best, 0xB16u))
            fatal("frag: large block changed");
        check_heap(&h, "in frag");
        pct = 100.0 * (double)best / (double)st.free_bytes;
        printf("  %-36s %7zu %10zu %10zu %8.2f%%\n", pol_names[p], nb, st.free_bytes, best, pct);
        rec("frag", (double)st.free_bytes, "%s.free_bytes", p == 0 ? "on_demand" : "manual");
        rec("frag", (double)best, "%s.largest", p == 0 ? "on_demand" : "manual");
        rec("frag", pct, "%s.largest_pct_of_free", p == 0 ? "on_demand" : "manual");
        if (p == 0)
            frag_pct_demand = pct;
        free(raw);
    }
}

/* ======================================================================== */
/* Utilisation: live/heap at the first refusal                               */

static double util_worst_demand = -1;

static void mode_util(void)
{
    static const dalloc_policy_t pols[] = {DALLOC_COMPACT_ON_DEMAND, DALLOC_COMPACT_ON_FREE, DALLOC_COMPACT_MANUAL};
    static const char *const pol_names[] = {"ON_DEMAND", "ON_FREE", "MANUAL (never compacted)"};
    static const char *const pol_keys[] = {"on_demand", "on_free", "manual"};
    enum { SEEDS = 50, MAXS = 4096 };
    const size_t heap_bytes = 64 * KIB;
    static double a[3][SEEDS], b[3][SEEDS];
    size_t p, s;
    void *raw = xmalloc(heap_bytes);
    static void *slot[MAXS];
    static uint16_t len[MAXS];
    static size_t live[MAXS];
    dalloc_stats_t st0;
    FILE *dat = dat_open("util.dat");

    printf("\n== util: 64 KiB heap, random live set grown until the first refusal, %d seeds ==\n", SEEDS);
    printf("each step: allocate a log-uniform 16..512 B block (2/3) or free a random live one (1/3)\n");
    printf("(a) heap.offset / total_size: live blocks with headers (the 97 %% bar applies to this one)\n");
    printf("(b) payload bytes / total_size\n");
    printf("(c) heap.offset / arena_size (the buffer less the heap's own metadata), for context\n");
    printf("  %-25s %13s   %13s   %13s  %6s\n", "", "(a) %", "(b) %", "(c) %", "");
    printf("  %-25s %6s %6s   %6s %6s   %6s %6s  %6s\n", "policy", "mean", "worst", "mean", "worst", "mean", "worst",
           "steps");
    for (p = 0; p < 3; p++) {
        double amean = 0, aworst = 1e9, bmean = 0, bworst = 1e9, cmean = 0, cworst = 1e9, steps_mean = 0;
        for (s = 0; s < SEEDS; s++) {
            dalloc_heap_t h;
            rng_t r;
            size_t nlive = 0, payload = 0, steps = 0, i;
            dalloc_status_t st = DALLOC_OK;
            rng_seed(&r, 0x0711u + s);
            memset(slot, 0, sizeof slot);
            if (dalloc_heap_init(&h, align64(raw), heap_bytes) != DALLOC_OK || dalloc_set_policy(&h, pols[p]) != DALLOC_OK)
                fatal("util: heap init failed");
            if (p == 0 && s == 0)
                (void)dalloc_get_stats(&h, &st0);
            for (;;) {
                steps++;
                if (nlive > 0 && rng_below(&r, 3) == 0) {
                    size_t j = rng_below(&r, nlive), sl = live[j];
                    if (!verify(slot[sl], len[sl], (uint32_t)sl))
                        fatal("util: block changed");
                    payload -= len[sl];
                    if (dalloc_free(&h, &slot[sl], USING_PTR_ADDRESS) != DALLOC_OK)
                        fatal("util: free failed");
                    live[j] = live[--nlive];
                } else {
                    size_t n = lu_size(&r), sl;
                    for (sl = 0; sl < MAXS && slot[sl] != NULL; sl++)
                        ;
                    if (sl == MAXS)
                        fatal("util: out of slots");
                    st = dalloc_alloc(&h, n, &slot[sl]);
                    if (st != DALLOC_OK)
                        break;
                    len[sl] = (uint16_t)n;
                    fill(slot[sl], n, (uint32_t)sl);
                    payload += n;
                    live[nlive++] = sl;
                }
            }
            if (st != DALLOC_E_NOMEM)
                fatal("util: allocation refused with %s", dalloc_strerror(st));
            for (i = 0; i < nlive; i++)
                if (!verify(slot[live[i]], len[live[i]], (uint32_t)live[i]))
                    fatal("util: block changed");
            check_heap(&h, "in util");
            {
                dalloc_stats_t sx;
                double cv;
                (void)dalloc_get_stats(&h, &sx);
                cv = 100.0 * (double)h.offset / (double)sx.arena_size;
                cmean += cv;
                cworst = cv < cworst ? cv : cworst;
            }
            a[p][s] = 100.0 * (double)h.offset / (double)h.total_size;
            b[p][s] = 100.0 * (double)payload / (double)h.total_size;
            amean += a[p][s];
            bmean += b[p][s];
            aworst = a[p][s] < aworst ? a[p][s] : aworst;
            bworst = b[p][s] < bworst ? b[p][s] : bworst;
            steps_mean += (double)steps;
            dalloc_heap_deinit(&h);
        }
        amean /= SEEDS;
        bmean /= SEEDS;
        cmean /= SEEDS;
        printf("  %-25s %6.2f %6.2f   %6.2f %6.2f   %6.2f %6.2f  %6.0f\n", pol_names[p], amean, aworst, bmean, bworst,
               cmean, cworst, steps_mean / SEEDS);
        rec("util", cmean, "%s.offset_of_arena_pct_mean", pol_keys[p]);
        rec("util", cworst, "%s.offset_of_arena_pct_worst", pol_keys[p]);
        rec("util", amean, "%s.offset_pct_mean", pol_keys[p]);
        rec("util", aworst, "%s.offset_pct_worst", pol_keys[p]);
        rec("util", bmean, "%s.payload_pct_mean", pol_keys[p]);
        rec("util", bworst, "%s.payload_pct_worst", pol_keys[p]);
        if (p == 0)
            util_worst_demand = aworst;
    }
    printf("  heap metadata: total_size %zu, arena_size %zu (%.2f%% of the buffer is control block,\n"
           "  free-list heads and block-start bitmap); header %zu B per block\n",
           st0.total_size, st0.arena_size, 100.0 * (double)(st0.total_size - st0.arena_size) / (double)st0.total_size,
           hdr_size);
    rec("util", (double)st0.arena_size, "arena_size");
    rec("util", (double)st0.total_size, "total_size");
    {
        /* The fixed region's index: the library's bytes that one fixed
         * block brings (neither used nor free in the statistics). */
        dalloc_heap_t h;
        dalloc_stats_t st1;
        if (dalloc_heap_init(&h, align64(raw), heap_bytes) != DALLOC_OK || dalloc_malloc(&h, 16) == NULL ||
            dalloc_get_stats(&h, &st1) != DALLOC_OK)
            fatal("util: fixed index probe failed");
        printf("  with a fixed block: the fixed region's free-list index takes %zu B (a block of the library's own)\n",
               st1.arena_size - st1.used_bytes - st1.free_bytes);
        rec("util", (double)(st1.arena_size - st1.used_bytes - st1.free_bytes), "fixed_index_bytes");
    }
    if (dat != NULL) {
        fprintf(dat, "# seed on_demand_a on_free_a manual_a on_demand_b on_free_b manual_b  (percent of total_size)\n");
        for (s = 0; s < SEEDS; s++)
            fprintf(dat, "%zu %.3f %.3f %.3f %.3f %.3f %.3f\n", s, a[0][s], a[1][s], a[2][s], b[0][s], b[1][s],
                    b[2][s]);
        fclose(dat);
    }
    free(raw);
}

/* ======================================================================== */
/* Compaction                                                                */

static double compaction_worst_ratio = -1, list_ratio = -1;

/* ns for one memmove of `bytes` by `shift` within a warm buffer (the
 * reference): repeated until 20 us have passed, so the clock's own cost
 * does not count. */
static double time_memmove(uint8_t *buf, size_t bytes, size_t shift)
{
    uint64_t t0, t1;
    size_t reps = 0;
    memset(buf, 0x5A, bytes + shift);
    t0 = now_ns();
    do {
        memmove(buf + (reps & 1 ? shift : 0), buf + (reps & 1 ? 0 : shift), bytes);
        reps++;
        t1 = now_ns();
    } while (t1 - t0 < 20000);
    if (buf[0] != 0x5A || buf[bytes - 1] != 0x5A)
        fatal("memmove reference");
    return (double)(t1 - t0) / (double)reps;
}

/* Heap of about 2*live bytes, filled with log-uniform blocks, then every
 * stride-th block freed (stride 2: every other one; stride 8: runs of 7 live
 * blocks between holes).  Owners are in `slot` (outside the heap). */
static int sparse_freed(size_t i, size_t stride) { return i % stride == stride - 1; }

static size_t build_sparse(dalloc_heap_t *h, void *mem, size_t heap_bytes, void **slot, uint16_t *len, size_t maxs,
                           uint64_t seed, size_t stride, size_t uniform)
{
    rng_t r;
    size_t nb = 0, i;
    rng_seed(&r, seed);
    if (dalloc_heap_init(h, mem, heap_bytes) != DALLOC_OK || dalloc_set_policy(h, DALLOC_COMPACT_MANUAL) != DALLOC_OK)
        fatal("compaction: heap init failed");
    for (;;) {
        size_t n = uniform ? uniform : lu_size(&r);
        if (nb == maxs)
            fatal("compaction: out of slots");
        slot[nb] = NULL;
        if (dalloc_alloc(h, n, &slot[nb]) != DALLOC_OK)
            break;
        len[nb] = (uint16_t)n;
        fill(slot[nb], n, (uint32_t)nb);
        nb++;
    }
    for (i = 0; i < nb; i++)
        if (sparse_freed(i, stride) && dalloc_free(h, &slot[i], USING_PTR_ADDRESS) != DALLOC_OK)
            fatal("compaction: free failed");
    return nb;
}

static double compaction_worst_ratio8 = -1;

/* One layout of build_sparse() (uniform 0: log-uniform sizes), rebuilt reps
 * times: dalloc_compact() timed on each rebuild, every live block checked,
 * then one memmove of the bytes it moved; medians. */
typedef struct {
    size_t live, kept, moved, nmoved;
    double compact_ns, memmove_ns;
    double per_run_ns; /* the same copies alone, one memmove per run of
                            blocks moved together: the floor of copying run by run */
} sparse_t;

/* ns for the copies dalloc_compact just made, replayed alone in a warm
 * scratch buffer of the heap's size, with no bookkeeping: one memmove per
 * run of moved blocks (consecutive blocks moved by the same distance, as
 * compaction moves them), from the run's old offset to its new one, in
 * address order.  What copying run by run costs before any fix-up.  A
 * run's length is the distance to the next run's new place (the moved
 * blocks end up contiguous), the last one's what remains of the moved
 * bytes. */
static double time_per_run(uint8_t *scratch, size_t heap_bytes, const uint8_t *base, void *const *slot,
                             void *const *before, size_t nb, size_t moved)
{
    size_t i, k = 0, *src = (size_t *)calloc(nb + 1, sizeof(size_t)), *dst = (size_t *)calloc(nb + 1, sizeof(size_t));
    uint64_t t0, t1;
    if (src == NULL || dst == NULL)
        exit(2);
    for (i = 0; i < nb; i++) {
        size_t from, to;
        if (slot[i] == NULL || slot[i] == before[i])
            continue;
        from = (size_t)((const uint8_t *)before[i] - base);
        to = (size_t)((const uint8_t *)slot[i] - base);
        if (k > 0 && from - src[k - 1] == to - dst[k - 1])
            continue; /* moved with the run before it */
        src[k] = from;
        dst[k] = to;
        k++;
    }
    memset(scratch, 0x5A, heap_bytes);
    t0 = now_ns();
    for (i = 0; i < k; i++) {
        size_t n = i + 1 < k ? dst[i + 1] - dst[i] : moved - (dst[i] - dst[0]);
        memmove(scratch + dst[i] - dalloc_header_size(), scratch + src[i] - dalloc_header_size(), n);
    }
    t1 = now_ns();
    free(src);
    free(dst);
    return (double)(t1 - t0);
}

/* The JSON figures of one measured layout (key: its name). */
static void rec_sparse(const char *key, const sparse_t *sp, double overhead_per_block)
{
    rec("compaction", (double)sp->live, "%s.live_bytes", key);
    rec("compaction", (double)sp->moved, "%s.bytes_moved", key);
    rec("compaction", (double)sp->nmoved, "%s.blocks_moved", key);
    rec("compaction", sp->compact_ns, "%s.compact_ns", key);
    rec("compaction", sp->memmove_ns, "%s.memmove_ns", key);
    rec("compaction", sp->compact_ns / sp->memmove_ns, "%s.ratio", key);
    rec("compaction", overhead_per_block, "%s.overhead_ns_per_block", key);
    rec("compaction", sp->per_run_ns, "%s.per_run_memmove_ns", key);
    rec("compaction", sp->per_run_ns / sp->memmove_ns, "%s.per_run_ratio", key);
}

static void sparse_measure(size_t heap_bytes, uint64_t seed, size_t stride, size_t uniform, size_t reps,
                           sparse_t *out)
{
    size_t r, nb = 0, maxs = heap_bytes / 16;
    void *raw = xmalloc(heap_bytes);
    void **slot = (void **)calloc(maxs, sizeof(void *));
    void **before = (void **)calloc(maxs, sizeof(void *));
    uint16_t *len = (uint16_t *)calloc(maxs, sizeof(uint16_t));
    uint8_t *mbuf = (uint8_t *)xmalloc(heap_bytes + 4096);
    double tc[32], tm[32], tb[32];
    if (slot == NULL || len == NULL || before == NULL)
        exit(2);
    memset(out, 0, sizeof *out);
    for (r = 0; r < reps; r++) {
        dalloc_heap_t h;
        uint64_t t0, t1;
        size_t i, mv;
        nb = build_sparse(&h, align64(raw), heap_bytes, slot, len, maxs, seed, stride, uniform);
        out->live = h.offset;
        memcpy(before, slot, nb * sizeof(void *));
        t0 = now_ns();
        mv = dalloc_compact(&h);
        t1 = now_ns();
        tc[r] = (double)(t1 - t0);
        out->nmoved = out->kept = 0;
        for (i = 0; i < nb; i++) {
            if (sparse_freed(i, stride))
                continue;
            out->kept++;
            out->nmoved += slot[i] != before[i];
            if (!verify(slot[i], len[i], (uint32_t)i))
                fatal("compaction: block %zu changed", i);
        }
        check_heap(&h, "after dalloc_compact");
        out->moved = mv;
        tm[r] = time_memmove(mbuf, mv > 0 ? mv : 1, 256);
        tb[r] = time_per_run(mbuf, heap_bytes, (const uint8_t *)align64(raw), slot, before, nb, mv);
    }
    out->compact_ns = median(tc, reps);
    out->memmove_ns = median(tm, reps);
    out->per_run_ns = median(tb, reps);
    free(raw);
    free(slot);
    free(before);
    free(len);
    free(mbuf);
}

/* stride 2: every other block freed (the bar's layout); stride 8: every 8th
 * (live blocks in runs of 7).  Besides the ratio, the per-block overhead:
 * (compact ns - memmove ns) / blocks moved, the fixed cost a block adds to
 * its copy. */
static void compaction_sizes(size_t stride)
{
    static const size_t lives[] = {16 * KIB, 64 * KIB, 256 * KIB};
    size_t reps = opt.quick ? 3 : 11, li;
    if (stride == 2)
        printf("\n-- dalloc_compact after freeing every other block (owners outside the heap) vs memmove --\n");
    else
        printf("\n-- dalloc_compact after freeing every %zuth block (live blocks in runs of %zu) vs memmove --\n", stride,
               stride - 1);
    printf("median of %zu rebuilds; reference: one memmove of the bytes dalloc_compact moved, warm cache;\n"
           "ns/blk: (compact ns - memmove ns) / blocks moved; per-run: the same copies alone, one memmove per\n"
           "run of blocks moved together and nothing else (the floor of copying run by run), and its ratio\n", reps);
    printf("  %9s %9s %8s %10s %8s %12s %12s %9s %8s %10s %8s\n", "live KiB", "heap KiB", "blocks", "moved B", "moved n",
           "compact ns", "memmove ns", "ratio", "ns/blk", "per-run", "ratio");
    for (li = 0; li < 3; li++) {
        size_t heap_bytes = 2 * lives[li] + lives[li] / 16 + 4 * KIB;
        sparse_t sp;
        double c, m, per;
        char key[32];
        snprintf(key, sizeof key, stride == 2 ? "live%zuk" : "every8.live%zuk", lives[li] / KIB);
        sparse_measure(heap_bytes, 0xC0DAu + li, stride, 0, reps, &sp);
        c = sp.compact_ns;
        m = sp.memmove_ns;
        per = sp.nmoved > 0 ? (c - m) / (double)sp.nmoved : 0;
        printf("  %9.1f %9zu %8zu %10zu %8zu %12.0f %12.0f %8.2fx %8.1f %10.0f %7.2fx\n", (double)sp.live / 1024.0,
               heap_bytes / KIB, sp.kept, sp.moved, sp.nmoved, c, m, c / m, per, sp.per_run_ns, sp.per_run_ns / m);
        rec_sparse(key, &sp, per);
        if (stride == 2 && c / m > compaction_worst_ratio)
            compaction_worst_ratio = c / m;
        if (stride != 2 && c / m > compaction_worst_ratio8)
            compaction_worst_ratio8 = c / m;
    }
}

/* Block-size sweep (informative, no bar): uniform blocks of 32 .. 2048 B in
 * the heap of the 64 KiB row above, every other block freed, owners outside
 * the heap (live about 64 KiB): where does compaction approach memmove? */
static void compaction_sweep(void)
{
    static const size_t sizes[] = {32, 128, 512, 2048};
    const size_t live = 64 * KIB, heap_bytes = 2 * live + live / 16 + 4 * KIB;
    size_t reps = opt.quick ? 3 : 11, si;
    printf("\n-- block-size sweep (informative, no bar): uniform blocks, every other one freed, owners outside\n"
           "   the heap, %zu KiB heap (live about 64 KiB) --\n", heap_bytes / KIB);
    printf("median of %zu rebuilds; memmove: one memmove of the bytes dalloc_compact moved, warm cache;\n"
           "ns/blk: compact ns / blocks moved; over/blk: (compact ns - memmove ns) / blocks moved;\n"
           "per-run: the same copies alone, one memmove per run of blocks moved together, and its ratio\n",
           reps);
    printf("  %7s %8s %9s %10s %8s %12s %12s %9s %8s %9s %10s %8s\n", "block B", "blocks", "live KiB", "moved B",
           "moved n", "compact ns", "memmove ns", "ratio", "ns/blk", "over/blk", "per-run", "ratio");
    for (si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        sparse_t sp;
        double c, m, per, over;
        char key[32];
        snprintf(key, sizeof key, "uniform%zu", sizes[si]);
        sparse_measure(heap_bytes, 0x5EE9u + si, 2, sizes[si], reps, &sp);
        c = sp.compact_ns;
        m = sp.memmove_ns;
        per = sp.nmoved > 0 ? c / (double)sp.nmoved : 0;
        over = sp.nmoved > 0 ? (c - m) / (double)sp.nmoved : 0;
        printf("  %7zu %8zu %9.1f %10zu %8zu %12.0f %12.0f %8.2fx %8.1f %9.1f %10.0f %7.2fx\n", sizes[si], sp.kept,
               (double)sp.live / 1024.0, sp.moved, sp.nmoved, c, m, c / m, per, over, sp.per_run_ns,
               sp.per_run_ns / m);
        rec("compaction", (double)sizes[si], "%s.block_bytes", key);
        rec("compaction", per, "%s.ns_per_block", key);
        rec_sparse(key, &sp, over);
    }
}

/* A list of 1024 nodes whose next fields own the next node (owners inside
 * the heap); every other node unlinked properly; then a full compaction.
 * For comparison, the same blocks owned from outside the heap. */
typedef struct node {
    void *next;        /* owner of the next node */
    uint32_t idx;
    uint8_t data[52];  /* 64-byte payload on 64-bit targets */
} node_t;

static void compaction_list(void)
{
    enum { NODES = 1024 };
    const size_t heap_bytes = 128 * KIB;
    size_t reps = opt.quick ? 3 : 11, r, moved_l = 0, moved_f = 0, nmoved_l = 0, nmoved_f = 0;
    void *raw = xmalloc(heap_bytes);
    uint8_t *mbuf = (uint8_t *)xmalloc(heap_bytes);
    static void *flat[NODES], *before[NODES];
    double tl[32], tf[32], ml[32], mf[32], cl, cf, rl, rf, pl, pf;

    for (r = 0; r < reps; r++) {
        dalloc_heap_t h;
        void *head = NULL, *tmp = NULL;
        node_t *nd, *prev;
        size_t i, count;
        uint64_t t0, t1;

        /* Linked list: node i+1 is owned by node i's next field. */
        if (dalloc_heap_init(&h, align64(raw), heap_bytes) != DALLOC_OK || dalloc_set_policy(&h, DALLOC_COMPACT_MANUAL) != DALLOC_OK)
            fatal("list: heap init failed");
        {
            void **owner = &head;
            for (i = 0; i < NODES; i++) {
                if (dalloc_alloc(&h, sizeof(node_t), owner) != DALLOC_OK)
                    fatal("list: allocation %zu refused", i);
                nd = (node_t *)*owner;
                nd->next = NULL;
                nd->idx = (uint32_t)i;
                fill(nd->data, sizeof nd->data, (uint32_t)i);
                owner = &nd->next;
            }
        }
        /* Unlink every odd node: hand its successor to a temporary owner,
         * free it (it holds no owner now, so it is not busy), hand the
         * successor to the predecessor's next field. */
        prev = (node_t *)head;
        while (prev != NULL && prev->next != NULL) {
            node_t *cur = (node_t *)prev->next;
            int has_succ = cur->next != NULL;
            if (has_succ && dalloc_replace(&h, &cur->next, &tmp) != DALLOC_OK)
                fatal("list: replace (detach successor) failed");
            if (dalloc_free(&h, &prev->next, USING_PTR_ADDRESS) != DALLOC_OK)
                fatal("list: free of node failed: %s", dalloc_strerror(dalloc_last_error(&h)));
            if (has_succ && dalloc_replace(&h, &tmp, &prev->next) != DALLOC_OK)
                fatal("list: replace (relink) failed");
            prev = (node_t *)prev->next;
        }
        check_heap(&h, "after unlinking");
        for (count = 0, nd = (node_t *)head; nd != NULL && count < NODES; nd = (node_t *)nd->next)
            before[count++] = nd;
        t0 = now_ns();
        moved_l = dalloc_compact(&h);
        t1 = now_ns();
        tl[r] = (double)(t1 - t0);
        check_heap(&h, "after compacting the list");
        if (dalloc_validate(&h, &head, USING_PTR_ADDRESS, NULL) != DALLOC_OK)
            fatal("list: the head is not registered");
        nmoved_l = 0;
        for (count = 0, nd = (node_t *)head; nd != NULL; nd = (node_t *)nd->next, count++) {
            if (count < NODES)
                nmoved_l += before[count] != (void *)nd;
            if (nd->idx != 2 * count || !verify(nd->data, sizeof nd->data, nd->idx))
                fatal("list: node %zu changed after compaction", count);
            if (nd->next != NULL && dalloc_validate(&h, &nd->next, USING_PTR_ADDRESS, NULL) != DALLOC_OK)
                fatal("list: the owner of node %zu is not registered", 2 * count + 2);
        }
        if (count != NODES / 2)
            fatal("list: %zu nodes after compaction, expected %d", count, NODES / 2);
        ml[r] = time_memmove(mbuf, moved_l > 0 ? moved_l : 1, 256);
        dalloc_heap_deinit(&h);

        /* Same blocks, owners in an array outside the heap. */
        if (dalloc_heap_init(&h, align64(raw), heap_bytes) != DALLOC_OK || dalloc_set_policy(&h, DALLOC_COMPACT_MANUAL) != DALLOC_OK)
            fatal("list: heap init failed");
        for (i = 0; i < NODES; i++) {
            flat[i] = NULL;
            if (dalloc_alloc(&h, sizeof(node_t), &flat[i]) != DALLOC_OK)
                fatal("flat: allocation refused");
            nd = (node_t *)flat[i];
            nd->next = NULL;
            nd->idx = (uint32_t)i;
            fill(nd->data, sizeof nd->data, (uint32_t)i);
        }
        for (i = 1; i < NODES; i += 2)
            if (dalloc_free(&h, &flat[i], USING_PTR_ADDRESS) != DALLOC_OK)
                fatal("flat: free failed");
        memcpy(before, flat, sizeof flat);
        t0 = now_ns();
        moved_f = dalloc_compact(&h);
        t1 = now_ns();
        tf[r] = (double)(t1 - t0);
        check_heap(&h, "after compacting the flat blocks");
        nmoved_f = 0;
        for (i = 0; i < NODES; i += 2) {
            nd = (node_t *)flat[i];
            nmoved_f += flat[i] != before[i];
            if (nd->idx != i || !verify(nd->data, sizeof nd->data, (uint32_t)i))
                fatal("flat: block %zu changed", i);
        }
        mf[r] = time_memmove(mbuf, moved_f > 0 ? moved_f : 1, 256);
        dalloc_heap_deinit(&h);
    }
    cl = median(tl, reps);
    cf = median(tf, reps);
    rl = cl / median(ml, reps);
    rf = cf / median(mf, reps);
    pl = nmoved_l > 0 ? (cl - median(ml, reps)) / (double)nmoved_l : 0;
    pf = nmoved_f > 0 ? (cf - median(mf, reps)) / (double)nmoved_f : 0;
    printf("\n-- linked list of %d nodes (%zu B payload), owners inside the heap, every other node unlinked --\n",
           NODES, sizeof(node_t));
    printf("  %-34s %10s %8s %12s %12s %9s %8s\n", "", "moved B", "moved n", "compact ns", "memmove ns", "ratio",
           "ns/blk");
    printf("  %-34s %10zu %8zu %12.0f %12.0f %8.2fx %8.1f\n", "list (next fields own the nodes)", moved_l, nmoved_l, cl,
           median(ml, reps), rl, pl);
    printf("  %-34s %10zu %8zu %12.0f %12.0f %8.2fx %8.1f\n", "same blocks, owners outside heap", moved_f, nmoved_f, cf,
           median(mf, reps), rf, pf);
    rec("compaction", (double)nmoved_l, "list.blocks_moved");
    rec("compaction", pl, "list.overhead_ns_per_block");
    rec("compaction", (double)nmoved_f, "flat.blocks_moved");
    rec("compaction", pf, "flat.overhead_ns_per_block");
    rec("compaction", (double)moved_l, "list.bytes_moved");
    rec("compaction", cl, "list.compact_ns");
    rec("compaction", rl, "list.ratio");
    rec("compaction", (double)moved_f, "flat.bytes_moved");
    rec("compaction", cf, "flat.compact_ns");
    rec("compaction", rf, "flat.ratio");
    list_ratio = rl;
    free(raw);
    free(mbuf);
}

/* Per-call latency during churn (dalloc only).
 *
 * A single maximum on a shared host measures the scheduler, not the call.
 * The workload is deterministic, so it is replayed several times on a fresh
 * heap: call k does exactly the same work in every replay.  Each call's
 * latency is the fastest of its replays (a preemption rarely hits the same
 * call every time); the worst call is the maximum of those. */
typedef struct {
    double alloc_max, alloc_p999, free_max, free_p999, step_max, step_p999;
    unsigned long refusals, unjustified;
    /* Steps after the ops (timed part), by what they returned: blocked
     * (DALLOC_E_BUDGET), idle (0 bytes and DALLOC_E_AGAIN: the walk limit
     * was reached, work is left), compact (DALLOC_OK); moving: moved bytes
     * (any status).  Then, untimed, the steps needed to finish (drain). */
    unsigned long blocked, idle, compact, steps_moving;
    unsigned long drain_calls, drain_holes;
    dalloc_status_t drain_status;
} lat_t;

typedef struct {
    uint32_t *call;  /* latency of the alloc or free of timed op k */
    uint8_t *is_free;
    uint32_t *step;  /* latency of the compaction step after op k */
} lat_trace_t;

static double pctl(uint32_t *v, size_t n, double q)
{
    size_t i;
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_u32);
    i = (size_t)(q * (double)(n - 1));
    return (double)v[i];
}

static double vmax(const uint32_t *v, size_t n)
{
    size_t i;
    uint32_t m = 0;
    for (i = 0; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return (double)m;
}

static void latency_run(dalloc_policy_t pol, size_t n, size_t heap_bytes, const ops_t *o, size_t warm, size_t ops,
                        size_t budget, lat_trace_t *tr, lat_t *res)
{
    dalloc_heap_t h;
    void *raw = xmalloc(heap_bytes);
    void **slot = (void **)calloc(n, sizeof(void *));
    uint16_t *len = (uint16_t *)calloc(n, sizeof(uint16_t));
    size_t k, i, arena;
    dalloc_stats_t st;
    if (slot == NULL || len == NULL)
        exit(2);
    memset(res, 0, sizeof *res);
    if (dalloc_heap_init(&h, align64(raw), heap_bytes) != DALLOC_OK || dalloc_set_policy(&h, pol) != DALLOC_OK)
        fatal("latency: heap init failed");
    (void)dalloc_get_stats(&h, &st);
    arena = st.arena_size;
    for (k = 0; k < warm + ops; k++) {
        int timed = k >= warm;
        uint64_t t0, t1;
        i = o->slot[k];
        if (slot[i] == NULL) {
            dalloc_status_t st;
            size_t sz = o->size[k];
            t0 = now_ns();
            st = dalloc_alloc(&h, sz, &slot[i]);
            t1 = now_ns();
            if (st == DALLOC_OK) {
                len[i] = (uint16_t)sz;
                stamp(slot[i], sz, stamp_of(k, i));
            } else if (st != DALLOC_E_NOMEM) {
                fatal("latency: dalloc_alloc: %s", dalloc_strerror(st));
            } else if (timed) {
                res->refusals++;
                if (pol != DALLOC_COMPACT_MANUAL && (size_t)h.offset + block_bytes(sz) <= arena)
                    res->unjustified++;
            }
            if (timed) {
                tr->call[k - warm] = (uint32_t)(t1 - t0);
                tr->is_free[k - warm] = 0;
            }
        } else {
            uint64_t t;
            memcpy(&t, slot[i], sizeof t);
            if (!stamp_ok(slot[i], len[i], t))
                fatal("latency: block changed");
            t0 = now_ns();
            if (dalloc_free(&h, &slot[i], USING_PTR_ADDRESS) != DALLOC_OK)
                fatal("latency: dalloc_free failed");
            t1 = now_ns();
            if (timed) {
                tr->call[k - warm] = (uint32_t)(t1 - t0);
                tr->is_free[k - warm] = 1;
            }
        }
        if (budget > 0) {
            size_t mv;
            dalloc_status_t sst;
            t0 = now_ns();
            mv = dalloc_compact_step(&h, budget);
            t1 = now_ns();
            sst = dalloc_last_error(&h);
            if (mv > budget)
                fatal("latency: dalloc_compact_step(%zu) moved %zu bytes", budget, mv);
            if (sst != DALLOC_OK && sst != DALLOC_E_AGAIN && sst != DALLOC_E_BUDGET)
                fatal("latency: dalloc_compact_step: %s", dalloc_strerror(sst));
            if (timed) {
                tr->step[k - warm] = (uint32_t)(t1 - t0);
                if (sst == DALLOC_E_BUDGET)
                    res->blocked++;
                else if (sst == DALLOC_E_AGAIN && mv == 0)
                    res->idle++;
                else if (sst == DALLOC_OK)
                    res->compact++;
                if (mv > 0)
                    res->steps_moving++;
            }
        }
    }
    if (budget > 0) {
        /* Finish the work as a caller of the documented contract would:
         * call again while DALLOC_E_AGAIN.  It must end (each call moves a
         * block or walks budget / header blocks further). */
        size_t cap = heap_bytes / 16 + 1000;
        dalloc_status_t sst;
        do {
            if (dalloc_compact_step(&h, budget) > budget)
                fatal("latency: dalloc_compact_step(%zu) moved more than its budget", budget);
            sst = dalloc_last_error(&h);
            res->drain_calls++;
        } while (sst == DALLOC_E_AGAIN && res->drain_calls < cap);
        if (sst == DALLOC_E_AGAIN)
            fatal("latency: dalloc_compact_step(%zu) still returns DALLOC_E_AGAIN after %lu calls", budget,
                  res->drain_calls);
        if (sst != DALLOC_OK && sst != DALLOC_E_BUDGET)
            fatal("latency: dalloc_compact_step: %s", dalloc_strerror(sst));
        res->drain_status = sst;
        if (sst == DALLOC_OK) {
            dalloc_stats_t sx;
            (void)dalloc_get_stats(&h, &sx);
            res->drain_holes = (unsigned long)sx.free_blocks; /* compact: expected 0 (no pinned blocks) */
        }
    }
    check_heap(&h, "after the latency run");
    for (i = 0; i < n; i++)
        if (slot[i] != NULL) {
            uint64_t t;
            memcpy(&t, slot[i], sizeof t);
            if (!stamp_ok(slot[i], len[i], t))
                fatal("latency: block changed");
        }
    free(raw);
    free(slot);
    free(len);
}

enum { LAT_REPLAYS = 3, LAT_N = 640 };
static double step_max_64k, step_max_1m;

static void latency_measure(dalloc_policy_t pol, size_t n, size_t heap_bytes, size_t ops, size_t budget, lat_t *out)
{
    size_t r, k, na = 0, nf = 0, warm = 4 * n;
    lat_trace_t tr[LAT_REPLAYS];
    uint32_t *a = (uint32_t *)xmalloc(ops * sizeof(uint32_t));
    uint32_t *f = (uint32_t *)xmalloc(ops * sizeof(uint32_t));
    ops_t o;
    ops_make(&o, 0x1A7u + n, n, warm + ops);
    for (r = 0; r < LAT_REPLAYS; r++) {
        lat_t l;
        tr[r].call = (uint32_t *)xmalloc(ops * sizeof(uint32_t));
        tr[r].step = (uint32_t *)xmalloc(ops * sizeof(uint32_t));
        tr[r].is_free = (uint8_t *)xmalloc(ops);
        memset(tr[r].step, 0, ops * sizeof(uint32_t));
        latency_run(pol, n, heap_bytes, &o, warm, ops, budget, &tr[r], &l);
        if (r == 0)
            *out = l;
        else if (l.refusals != out->refusals || l.blocked != out->blocked || l.idle != out->idle ||
                 l.compact != out->compact || l.drain_calls != out->drain_calls)
            fatal("latency: replays of the same workload diverged");
    }
    for (k = 0; k < ops; k++) {
        uint32_t c = tr[0].call[k], s = tr[0].step[k];
        for (r = 1; r < LAT_REPLAYS; r++) {
            if (tr[r].is_free[k] != tr[0].is_free[k])
                fatal("latency: replays of the same workload diverged");
            c = tr[r].call[k] < c ? tr[r].call[k] : c;
            s = tr[r].step[k] < s ? tr[r].step[k] : s;
        }
        if (tr[0].is_free[k])
            f[nf++] = c;
        else
            a[na++] = c;
        tr[0].step[k] = s;
    }
    out->alloc_max = vmax(a, na);
    out->free_max = vmax(f, nf);
    out->step_max = budget > 0 ? vmax(tr[0].step, ops) : 0;
    out->alloc_p999 = pctl(a, na, 0.999);
    out->free_p999 = pctl(f, nf, 0.999);
    out->step_p999 = budget > 0 ? pctl(tr[0].step, ops, 0.999) : 0;
    for (r = 0; r < LAT_REPLAYS; r++) {
        free(tr[r].call);
        free(tr[r].step);
        free(tr[r].is_free);
    }
    free(a);
    free(f);
    ops_free(&o);
}

/* dalloc_compact_step(4096) on a heap just filled with blocks, with a single
 * hole below its last block.  Under the step's contract a call may stop
 * after walking budget / header blocks without moving (DALLOC_E_AGAIN), so
 * the caller calls again until the block has moved: reported are the calls
 * that took, the first and the worst single call, and the total; then the
 * calls until the step says DALLOC_OK (compact). */
static void step_after_fill(void)
{
    static const size_t heaps[] = {64 * KIB, 1024 * KIB, 4096 * KIB};
    const size_t budget = 4096;
    size_t hi, reps = opt.quick ? 3 : 7;
    printf("\n-- dalloc_compact_step(%zu) on a heap just filled with blocks (MANUAL), after freeing the\n"
           "   block below the last one: steps until that block has moved (a step may return 0 bytes\n"
           "   with DALLOC_E_AGAIN after walking %zu blocks), fastest of %zu rebuilds --\n",
           budget, budget / hdr_size, reps);
    printf("  %9s %8s %10s %7s %10s %10s %10s %9s\n", "heap", "blocks", "moved B", "calls", "first ns", "worst ns",
           "total ns", "to OK");
    for (hi = 0; hi < 3; hi++) {
        size_t heap_bytes = heaps[hi], maxs = heap_bytes / 16, r, nb = 0, mv = 0, calls = 0, to_ok = 0;
        void *raw = xmalloc(heap_bytes);
        void **slot = (void **)calloc(maxs, sizeof(void *));
        uint16_t *len = (uint16_t *)calloc(maxs, sizeof(uint16_t));
        double first = 1e300, worst = 1e300, total = 1e300;
        if (slot == NULL || len == NULL)
            exit(2);
        for (r = 0; r < reps; r++) {
            dalloc_heap_t h;
            rng_t g;
            uint64_t t0, t1;
            size_t i, c = 0, m = 0;
            double tfirst = 0, tworst = 0, ttotal = 0;
            dalloc_status_t st;
            rng_seed(&g, 0x57E9u);
            if (dalloc_heap_init(&h, align64(raw), heap_bytes) != DALLOC_OK ||
                dalloc_set_policy(&h, DALLOC_COMPACT_MANUAL) != DALLOC_OK)
                fatal("step: heap init failed");
            for (nb = 0; nb < maxs; nb++) {
                size_t n = lu_size(&g);
                slot[nb] = NULL;
                if (dalloc_alloc(&h, n, &slot[nb]) != DALLOC_OK)
                    break;
                len[nb] = (uint16_t)n;
                fill(slot[nb], n, (uint32_t)nb);
            }
            if (nb < 2 || dalloc_free(&h, &slot[nb - 2], USING_PTR_ADDRESS) != DALLOC_OK)
                fatal("step: free failed");
            do {
                size_t x;
                t0 = now_ns();
                x = dalloc_compact_step(&h, budget);
                t1 = now_ns();
                st = dalloc_last_error(&h);
                if (x > budget)
                    fatal("step: dalloc_compact_step(%zu) moved %zu bytes", budget, x);
                m += x;
                if (c == 0)
                    tfirst = (double)(t1 - t0);
                tworst = (double)(t1 - t0) > tworst ? (double)(t1 - t0) : tworst;
                ttotal += (double)(t1 - t0);
                c++;
            } while (m == 0 && st == DALLOC_E_AGAIN && c <= nb);
            if (m == 0)
                fatal("step: nothing moved after %zu calls (last: %s)", c, dalloc_strerror(st));
            calls = c;
            mv = m;
            first = tfirst < first ? tfirst : first;
            worst = tworst < worst ? tworst : worst;
            total = ttotal < total ? ttotal : total;
            to_ok = 0;
            while (st == DALLOC_E_AGAIN && to_ok <= nb) {
                (void)dalloc_compact_step(&h, budget);
                st = dalloc_last_error(&h);
                to_ok++;
            }
            if (st != DALLOC_OK)
                fatal("step: the heap with one hole did not become compact (%s after %zu more calls)",
                      dalloc_strerror(st), to_ok);
            for (i = 0; i < nb; i++)
                if (i != nb - 2 && !verify(slot[i], len[i], (uint32_t)i))
                    fatal("step: block %zu changed", i);
            check_heap(&h, "after the steps");
        }
        printf("  %6zuKiB %8zu %10zu %7zu %8.0fns %8.0fns %8.0fns %9zu\n", heap_bytes / KIB, nb, mv, calls, first, worst,
               total, to_ok);
        rec("latency", first, "first_step.heap%zuk.ns", heap_bytes / KIB);
        rec("latency", worst, "first_step.heap%zuk.worst_call_ns", heap_bytes / KIB);
        rec("latency", total, "first_step.heap%zuk.total_ns", heap_bytes / KIB);
        rec("latency", (double)calls, "first_step.heap%zuk.calls_to_move", heap_bytes / KIB);
        rec("latency", (double)nb, "first_step.heap%zuk.blocks", heap_bytes / KIB);
        free(raw);
        free(slot);
        free(len);
    }
    printf("  (to OK: further calls until DALLOC_OK; 0 when the moving call already returned it)\n");
}

static void compaction_latency(void)
{
    static const dalloc_policy_t pols[] = {DALLOC_COMPACT_ON_DEMAND, DALLOC_COMPACT_ON_FREE, DALLOC_COMPACT_MANUAL};
    static const char *const pol_names[] = {"ON_DEMAND", "ON_FREE", "MANUAL (no steps)"};
    static const char *const pol_keys[] = {"on_demand", "on_free", "manual"};
    static const size_t budgets[] = {256, 1024, 4096};
    static const size_t ns[] = {LAT_N, LAT_N * 16};
    size_t ops = opt.quick ? 20000 : 300000, p, b, ni;
    lat_t l;

    printf("\n-- worst single-call latency during churn (N = %d slots, 64 KiB heap, about 80 %% full, so\n"
           "   ON_DEMAND compacts now and then).  Each call is timed alone (clock overhead, ~20 ns,\n"
           "   included); the workload is replayed %d times and each call counts with its fastest\n"
           "   replay, so a preemption does not pass for a slow call --\n",
           LAT_N, LAT_REPLAYS);
    printf("  %-22s %10s %12s %10s %12s %9s\n", "policy", "alloc max", "alloc p99.9", "free max", "free p99.9",
           "refusals");
    for (p = 0; p < 3; p++) {
        latency_measure(pols[p], LAT_N, 64 * KIB, pols[p] == DALLOC_COMPACT_ON_FREE ? ops / 10 : ops, 0, &l);
        printf("  %-22s %8.0fns %10.0fns %8.0fns %10.0fns %9lu\n", pol_names[p], l.alloc_max, l.alloc_p999,
               l.free_max, l.free_p999, l.refusals);
        rec("latency", l.alloc_max, "%s.alloc_max_ns", pol_keys[p]);
        rec("latency", l.alloc_p999, "%s.alloc_p999_ns", pol_keys[p]);
        rec("latency", l.free_max, "%s.free_max_ns", pol_keys[p]);
        rec("latency", l.free_p999, "%s.free_p999_ns", pol_keys[p]);
        rec("latency", (double)l.refusals, "%s.refusals", pol_keys[p]);
        if (l.unjustified)
            printf("  !! %lu of those refusals came while live+headers+request fitted the arena\n", l.unjustified);
    }
    printf("\n-- MANUAL policy, dalloc_compact_step(budget) after every op: the step's latency should\n"
           "   follow the budget, not the heap (N = %d / 64 KiB and N = %d / 1 MiB, same load) --\n",
           LAT_N, LAT_N * 16);
    printf("  %7s %9s %10s %11s %10s %10s %8s %8s %8s %8s %8s %6s\n", "budget", "heap", "step max", "step p99.9",
           "alloc max", "free max", "moving", "blocked", "idle", "compact", "refusals", "drain");
    for (b = 0; b < 3; b++) {
        for (ni = 0; ni < 2; ni++) {
            size_t heap_bytes = ni == 0 ? 64 * KIB : 1024 * KIB;
            latency_measure(DALLOC_COMPACT_MANUAL, ns[ni], heap_bytes, ops, budgets[b], &l);
            printf("  %6zuB %6zuKiB %8.0fns %9.0fns %8.0fns %8.0fns %8lu %8lu %8lu %8lu %8lu %6lu%s\n", budgets[b],
                   heap_bytes / KIB, l.step_max, l.step_p999, l.alloc_max, l.free_max, l.steps_moving, l.blocked,
                   l.idle, l.compact, l.refusals, l.drain_calls, l.drain_status == DALLOC_E_BUDGET ? "*" : "");
            if (l.drain_status == DALLOC_OK && l.drain_holes != 0)
                printf("  !! the step returned DALLOC_OK (compact) with %lu holes left in the heap\n", l.drain_holes);
            rec("latency", (double)l.idle, "step%zu.heap%zuk.idle_steps", budgets[b], heap_bytes / KIB);
            rec("latency", (double)l.compact, "step%zu.heap%zuk.compact_steps", budgets[b], heap_bytes / KIB);
            rec("latency", (double)l.steps_moving, "step%zu.heap%zuk.moving_steps", budgets[b], heap_bytes / KIB);
            rec("latency", (double)l.drain_calls, "step%zu.heap%zuk.drain_calls", budgets[b], heap_bytes / KIB);
            rec("latency", (double)l.drain_holes, "step%zu.heap%zuk.holes_when_compact", budgets[b], heap_bytes / KIB);
            rec("latency", l.step_max, "step%zu.heap%zuk.step_max_ns", budgets[b], heap_bytes / KIB);
            rec("latency", l.step_p999, "step%zu.heap%zuk.step_p999_ns", budgets[b], heap_bytes / KIB);
            rec("latency", l.alloc_max, "step%zu.heap%zuk.alloc_max_ns", budgets[b], heap_bytes / KIB);
            rec("latency", l.free_max, "step%zu.heap%zuk.free_max_ns", budgets[b], heap_bytes / KIB);
            rec("latency", (double)l.blocked, "step%zu.heap%zuk.blocked_steps", budgets[b], heap_bytes / KIB);
            rec("latency", (double)l.refusals, "step%zu.heap%zuk.refusals", budgets[b], heap_bytes / KIB);
            if (b == 2 && ni == 0)
                step_max_64k = l.step_max;
            if (b == 2 && ni == 1)
                step_max_1m = l.step_max;
        }
    }
    printf("  (per timed op one step; moving: steps that moved bytes; blocked: steps that returned\n"
           "   DALLOC_E_BUDGET (next block larger than the whole budget; such a step may have moved\n"
           "   smaller blocks first, so moving and blocked overlap); idle: steps that moved nothing and\n"
           "   returned DALLOC_E_AGAIN (walk limit of budget/header blocks reached, work left); compact:\n"
           "   steps that returned DALLOC_OK.  drain: untimed calls after the run until the step stopped\n"
           "   returning DALLOC_E_AGAIN (* = it ended on DALLOC_E_BUDGET, not compact))\n");
    step_after_fill();
}

static void mode_compaction(void)
{
    printf("\n== compaction ==\n");
    compaction_sizes(2);
    compaction_sizes(8);
    compaction_sweep();
    compaction_list();
    compaction_latency();
}

/* ======================================================================== */
/* Modules: the cost of dalloc_module_release                                */

enum { MOD_OTHERS = 8, MOD_NS = 3, MOD_MS = 2 };
static const size_t mod_ns[MOD_NS] = {16, 256, 4096};
static const size_t mod_ms[MOD_MS] = {0, 4096};
static double modrel_ns_blk[MOD_MS][MOD_NS]; /* median ns per released block; 0: not measured */

typedef struct {
    void *p;       /* the block; for a relocatable one, its registered owner */
    uint16_t len;
    uint8_t fixed;
    uint8_t mod;   /* 0: the module released, 1..MOD_OTHERS: the others */
} mblk_t;

/* A 4 MiB heap (ON_DEMAND) with modules "target" and "other1".."other8"
 * registered, then n blocks of "target" and m blocks of the others,
 * allocated in a random interleaving (the target's blocks lie scattered
 * among the others), sizes log-uniform 16..512 B; in each module every
 * other block is fixed, the rest relocatable with owners in b[]. */
static void modrel_build(dalloc_heap_t *h, void *mem, size_t heap_bytes, mblk_t *b, size_t n, size_t m,
                         dalloc_module_t *ids, uint64_t seed)
{
    rng_t r;
    size_t left_t = n, left_o = m, k, per[MOD_OTHERS + 1];
    unsigned j;
    memset(per, 0, sizeof per);
    rng_seed(&r, seed);
    if (dalloc_heap_init(h, mem, heap_bytes) != DALLOC_OK)
        fatal("modules: heap init failed");
    for (j = 0; j <= MOD_OTHERS; j++) {
        char name[16];
        if (j == 0)
            snprintf(name, sizeof name, "target");
        else
            snprintf(name, sizeof name, "other%u", j);
        if (dalloc_module_register(h, name, &ids[j]) != DALLOC_OK || ids[j] == DALLOC_NO_MODULE)
            fatal("modules: dalloc_module_register(%s) failed", name);
    }
    for (k = 0; k < n + m; k++) {
        int target = rng_below(&r, left_t + left_o) < left_t;
        unsigned mi = target ? 0u : 1u + (unsigned)(left_o % MOD_OTHERS);
        size_t sz = lu_size(&r);
        mblk_t *x = &b[k];
        x->p = NULL;
        x->len = (uint16_t)sz;
        x->mod = (uint8_t)mi;
        x->fixed = (uint8_t)(per[mi]++ & 1u);
        if (x->fixed) {
            x->p = dalloc_fixed_alloc(h, sz, 0, ids[mi]);
            if (x->p == NULL)
                fatal("modules: dalloc_fixed_alloc refused: %s", dalloc_strerror(dalloc_last_error(h)));
        } else if (dalloc_alloc_in(h, sz, &x->p, ids[mi]) != DALLOC_OK) {
            fatal("modules: dalloc_alloc_in refused: %s", dalloc_strerror(dalloc_last_error(h)));
        }
        fill(x->p, sz, (uint32_t)k);
        if (target)
            left_t--;
        else
            left_o--;
    }
}

/* After the release: the target's relocatable owners are cleared and its
 * fixed blocks are no longer blocks; every other block keeps its contents,
 * its module and (relocatable) its registration; the counters agree; the
 * heap checks; and all of it still holds after a full compaction. */
static void modrel_verify(dalloc_heap_t *h, mblk_t *b, size_t total, size_t m, const dalloc_module_t *ids)
{
    size_t k, per[MOD_OTHERS + 1], pass;
    unsigned j;
    dalloc_module_stats_t ms;
    for (pass = 0; pass < 2; pass++) {
        const char *when = pass == 0 ? "after dalloc_module_release" : "after release + dalloc_compact";
        memset(per, 0, sizeof per);
        for (k = 0; k < total; k++) {
            mblk_t *x = &b[k];
            dalloc_module_t id;
            if (x->mod == 0) {
                if (pass == 1)
                    continue;
                if (!x->fixed) {
                    if (x->p != NULL)
                        fatal("modules: owner of a released relocatable block not cleared");
                } else {
                    (void)dalloc_module_of(h, x->p);
                    if (dalloc_last_error(h) != DALLOC_E_NOTBLOCK)
                        fatal("modules: a released fixed block is still a block");
                }
                continue;
            }
            per[x->mod]++;
            if (x->p == NULL || !verify(x->p, x->len, (uint32_t)k))
                fatal("modules: block %zu of other%u changed %s", k, (unsigned)x->mod, when);
            id = dalloc_module_of(h, x->p);
            if (dalloc_last_error(h) != DALLOC_OK || id != ids[x->mod])
                fatal("modules: block %zu lost its module %s", k, when);
            if (!x->fixed && dalloc_validate(h, &x->p, USING_PTR_ADDRESS, NULL) != DALLOC_OK)
                fatal("modules: relocatable block %zu no longer registered %s", k, when);
        }
        if (dalloc_module_stats(h, ids[0], &ms) != DALLOC_OK || ms.blocks != 0 || ms.bytes != 0)
            fatal("modules: the released module still counts %zu blocks, %zu bytes", ms.blocks, ms.bytes);
        for (j = 1; j <= MOD_OTHERS; j++)
            if (dalloc_module_stats(h, ids[j], &ms) != DALLOC_OK || ms.blocks != per[j])
                fatal("modules: other%u counts %zu blocks, %zu expected %s", j, ms.blocks, per[j], when);
        if ((size_t)h->alloc_info.allocations_num != m)
            fatal("modules: %lu live blocks %s, %zu expected", (unsigned long)h->alloc_info.allocations_num, when, m);
        check_heap(h, when);
        if (pass == 0)
            (void)dalloc_compact(h);
    }
}

static void mode_modules(void)
{
    const size_t heap_bytes = 4096 * KIB;
    size_t reps = opt.quick ? 5 : 51, r, ni, mi;
    void *raw = xmalloc(heap_bytes);
    mblk_t *b = (mblk_t *)xmalloc((mod_ns[MOD_NS - 1] + mod_ms[MOD_MS - 1]) * sizeof(mblk_t));
    static double t[MOD_MS][MOD_NS][64];
    double grow, others;

    if (reps > 64)
        reps = 64;
    printf("\n== modules: dalloc_module_release of a module of N blocks (half fixed, half relocatable),\n"
           "   with M blocks of 8 other modules live around them (4 MiB heap, sizes log-uniform 16..512 B,\n"
           "   allocation order interleaved at random).  One call timed per rebuild; rebuilds of all six\n"
           "   configurations interleaved, %zu rounds, median.  After each release the other modules'\n"
           "   blocks are checked (contents, module, registration, counters, dalloc_check), then again\n"
           "   after a full compaction ==\n", reps);
    for (r = 0; r < reps; r++)
        for (mi = 0; mi < MOD_MS; mi++)
            for (ni = 0; ni < MOD_NS; ni++) {
                dalloc_heap_t h;
                dalloc_module_t ids[MOD_OTHERS + 1];
                size_t n = mod_ns[ni], m = mod_ms[mi];
                uint64_t t0, t1;
                dalloc_status_t st;
                modrel_build(&h, align64(raw), heap_bytes, b, n, m, ids, 0x30D0u + 7u * ni + mi);
                t0 = now_ns();
                st = dalloc_module_release(&h, ids[0]);
                t1 = now_ns();
                if (st != DALLOC_OK)
                    fatal("modules: dalloc_module_release: %s", dalloc_strerror(st));
                t[mi][ni][r] = (double)(t1 - t0);
                modrel_verify(&h, b, n + m, m, ids);
                dalloc_heap_deinit(&h);
            }
    printf("  %6s %6s %12s %10s\n", "N", "M", "release ns", "ns/block");
    for (mi = 0; mi < MOD_MS; mi++)
        for (ni = 0; ni < MOD_NS; ni++) {
            size_t n = mod_ns[ni], m = mod_ms[mi];
            double md = median(t[mi][ni], reps);
            modrel_ns_blk[mi][ni] = md / (double)n;
            printf("  %6zu %6zu %12.0f %10.1f\n", n, m, md, md / (double)n);
            rec("modules", md, "n%zu.m%zu.release_ns", n, m);
            rec("modules", md / (double)n, "n%zu.m%zu.ns_per_block", n, m);
        }
    grow = modrel_ns_blk[1][2] / modrel_ns_blk[1][1];
    others = modrel_ns_blk[1][0] / modrel_ns_blk[0][0];
    printf("  ns/block at N=4096 / at N=256 (M=4096): %.2f; at N=16, M=4096 / M=0: %.2f\n", grow, others);
    printf("  => %s\n", grow <= 2.0 && others <= 4.0
                             ? "flat: the cost follows the module's own blocks (O(N)), not the heap's"
                             : "NOT flat: the cost per block grows with N or with the other blocks");
    rec("modules", grow, "ns_per_block.n4096_over_n256");
    rec("modules", others, "ns_per_block.n16.m4096_over_m0");
    free(raw);
    free(b);
}

/* ======================================================================== */
/* Main                                                                      */

static void usage(void)
{
    fprintf(stderr,
            "usage: bench [churn|frag|util|scaling|compaction|modules|all ...] [--quick] [--json FILE]\n"
            "             [--dat DIR] [--ops N] [--n N] [--runs R] [--only KIND[,KIND...]]\n"
            "             [--nofill-json FILE]\n"
            "       KIND: glibc dalloc onfree fixed dmheap dmheap_mod jemalloc mimalloc\n"
            "       (--only, --ops, --n restrict the churn workload; --nofill-json: the JSON of the same\n"
            "       churn by a -DDALLOC_FILL_FREED=0 build, shown next to this run's churn)\n");
    exit(2);
}

static size_t parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v == 0)
        usage();
    return (size_t)v;
}

int main(int argc, char **argv)
{
    enum { M_CHURN = 1, M_FRAG = 2, M_UTIL = 4, M_SCALING = 8, M_COMPACTION = 16, M_MODULES = 32, M_ALL = 63 };
    unsigned modes = 0;
    const char *json = NULL;
    char date[64], modestr[128] = "";
    time_t t = time(NULL);
    int i, k;
    uint64_t start = now_ns();

    run_start = t;
    /* Refusals are part of the workloads (util grows until the first one):
     * counted, not printed by the hosted default error hook. */
    dalloc_set_error_hook(NULL, NULL);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "churn") == 0) modes |= M_CHURN;
        else if (strcmp(a, "frag") == 0) modes |= M_FRAG;
        else if (strcmp(a, "util") == 0) modes |= M_UTIL;
        else if (strcmp(a, "scaling") == 0) modes |= M_SCALING;
        else if (strcmp(a, "compaction") == 0) modes |= M_COMPACTION;
        else if (strcmp(a, "modules") == 0) modes |= M_MODULES;
        else if (strcmp(a, "all") == 0) modes |= M_ALL;
        else if (strcmp(a, "--quick") == 0) opt.quick = 1;
        else if (strcmp(a, "--json") == 0 && i + 1 < argc) json = argv[++i];
        else if (strcmp(a, "--dat") == 0 && i + 1 < argc) dat_dir = argv[++i];
        else if (strcmp(a, "--nofill-json") == 0 && i + 1 < argc) nofill_json = argv[++i];
        else if (strcmp(a, "--ops") == 0 && i + 1 < argc) opt.ops = parse_size(argv[++i]);
        else if (strcmp(a, "--n") == 0 && i + 1 < argc) opt.n = parse_size(argv[++i]);
        else if (strcmp(a, "--runs") == 0 && i + 1 < argc) opt.runs = parse_size(argv[++i]);
        else if (strcmp(a, "--only") == 0 && i + 1 < argc) {
            /* A comma-separated list; --only may be repeated. */
            const char *w = argv[++i];
            while (*w != '\0') {
                size_t len = strcspn(w, ",");
                int found = -1;
                for (k = 0; k < K_COUNT; k++)
                    if (strlen(kind_name[k]) == len && strncmp(w, kind_name[k], len) == 0)
                        found = k;
                if (found < 0) {
                    fprintf(stderr, "bench: unknown allocator '%.*s' for --only\n", (int)len, w);
                    usage();
                }
                if (!kind_built(found)) {
                    fprintf(stderr, "bench: %s was not built in (-DBENCH_JEMALLOC / -DBENCH_MIMALLOC)\n",
                            kind_name[found]);
                    return 2;
                }
                opt.only |= 1u << found;
                w += len;
                if (*w == ',')
                    w++;
            }
            if (opt.only == 0)
                usage();
        } else usage();
    }
    if (modes == 0)
        modes = M_ALL;
    if (opt.runs > 16)
        opt.runs = 16;
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
    for (k = 0; k < 6; k++)
        if (modes & (1u << k)) {
            static const char *const mn[] = {"churn", "frag", "util", "scaling", "compaction", "modules"};
            if (modestr[0])
                strcat(modestr, " ");
            strcat(modestr, mn[k]);
        }

    lu_init();
    ref_init();
    hdr_size = dalloc_header_size();
    printf("libdalloc benchmark  %s  modes: %s%s\n", date, modestr, opt.quick ? " (quick)" : "");
    printf("header %zu B per block, alignment %d, %zu-bit pointers; speed reference: %s\n", hdr_size,
           DALLOC_ALIGNMENT, 8 * sizeof(void *), REF_NAME);
    zero_on_free_seen = observe_zero_on_free();
    printf("zero-on-free: %s; observed: a freed block's middle %s\n",
           BENCH_NOFILL ? "off (built with -DDALLOC_FILL_FREED=0: like-for-like figures, every bar is info only)"
                        : "the library's default",
           zero_on_free_seen == 1 ? "reads as zeros" : zero_on_free_seen == 0 ? "keeps its bytes" : "is neither");

    if (modes & M_CHURN) mode_churn();
    if (modes & M_FRAG) mode_frag();
    if (modes & M_UTIL) mode_util();
    if (modes & M_SCALING) mode_scaling();
    if (modes & M_COMPACTION) mode_compaction();
    if (modes & M_MODULES) mode_modules();

    if (BENCH_NOFILL)
        printf("\n== figures of the bars, info only (zero-on-free off; the bars apply to the default build) ==\n");
    else
        printf("\n== bars (a FAIL is reported, not an error: exit status stays 0) ==\n");
    if (modes & M_CHURN) {
        const double *d = churn_ratio[K_DALLOC], *fx = churn_ratio[K_FIXED], *dm = churn_ratio[K_DMHEAP];
        bar("churn N=128: dalloc / glibc ns per op", d[0], 0, 2.0, 1.5, "x", !(d[0] > 0));
        bar("churn N=400: dalloc / glibc ns per op", d[1], 0, 2.0, 1.5, "x", !(d[1] > 0));
        bar("churn ratio at N=1024 / ratio at N=128", d[0] > 0 && d[2] > 0 ? d[2] / d[0] : 0, 0, 1.3, 0, "x",
            !(d[0] > 0 && d[2] > 0));
        bar("fixed-block churn N=128: dalloc_malloc / glibc ns per op", fx[0], 0, 2.0, 0, "x", !(fx[0] > 0));
        bar("fixed-block churn N=400: dalloc_malloc / glibc ns per op", fx[1], 0, 2.0, 0, "x", !(fx[1] > 0));
        bar("dmheap churn N=128: dmheap_malloc / glibc ns per op", dm[0], 0, 2.0, 0, "x", !(dm[0] > 0));
        bar("dmheap churn N=400: dmheap_malloc / glibc ns per op", dm[1], 0, 2.0, 0, "x", !(dm[1] > 0));
    }
    if (modes & M_SCALING)
        bar("scaling ratio at N=8192 / ratio at N=128", scaling_ratio_8192 / scaling_ratio_128, 0, 1.3, 0, "x", 0);
    if (modes & M_FRAG)
        bar("frag: largest block after freeing every other (% of free)", frag_pct_demand, 1, 99.0, 0, "%", 0);
    if (modes & M_UTIL)
        bar("util: worst heap.offset/total_size at first refusal", util_worst_demand, 1, 97.0, 0, "%", 0);
    if (modes & M_COMPACTION) {
        bar("compaction: dalloc_compact / memmove (worst live size)", compaction_worst_ratio, 0, 2.0, 0, "x", 0);
        bar("compaction every-8th: dalloc_compact / memmove (worst size)", compaction_worst_ratio8, 0, 2.0, 0, "x",
            0);
        bar("compaction: 1024-node list (owners in heap) / memmove", list_ratio, 0, 2.0, 0, "x", 0);
        bar("compact_step(4 KiB) worst: 1 MiB heap / 64 KiB heap", step_max_1m / step_max_64k, 0, 2.0, 0, "x", 0);
    }
    if (modes & M_MODULES) {
        bar("module release: ns/block N=4096 / N=256 (M=4096 others)", modrel_ns_blk[1][2] / modrel_ns_blk[1][1], 0,
            2.0, 0, "x", 0);
        bar("module release N=16: ns/block M=4096 others / M=0", modrel_ns_blk[1][0] / modrel_ns_blk[0][0], 0, 4.0,
            0, "x", 0);
    }
    rec("run", (double)(now_ns() - start) / 1e9, "elapsed_s");
    printf("\nelapsed %.1f s\n", (double)(now_ns() - start) / 1e9);
    if (json != NULL && write_json(json, date, opt.quick, modestr) != 0)
        return 2;
    return data_errors ? 1 : 0;
}
