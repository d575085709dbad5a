/*
 * test_dmheap.c - the dmheap API as the dmheap README (the seed) describes
 * it: its examples as they are written there (smoke test, quick start,
 * module management, aligned allocation, reallocation, fragmentation, the
 * sensor/network integration example with its log lines), bad input, and,
 * when built with DALLOC_DMOD_API, the Dmod_*Ex entry points.  The heap
 * behind the calls is checked with the native API through dmheap_get_heap().
 */
#define _POSIX_C_SOURCE 200809L /* dup, dup2, fileno */

#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "dmheap.h"

#define CHECK_HEAP() ck_assert_int_eq(dalloc_check(dmheap_get_heap()), DALLOC_OK)

/* ---- log lines ---------------------------------------------------------- */

#define MAX_LINES 64
static char lines[MAX_LINES][200];
static size_t nlines;
static int log_ctx_marker;

static void collect(void *ctx, const char *line)
{
    ck_assert_ptr_eq(ctx, &log_ctx_marker);
    if (nlines < MAX_LINES) {
        strncpy(lines[nlines], line, sizeof lines[0] - 1);
        lines[nlines][sizeof lines[0] - 1] = '\0';
    }
    nlines++;
}

static void log_on(void)
{
    nlines = 0;
    dalloc_set_log(collect, &log_ctx_marker);
}

static void teardown(void)
{
    dalloc_set_log(NULL, NULL);
}

/* lines[i] is "<prefix><address of buf><suffix>". */
static void assert_init_line(size_t i, const void *buffer, unsigned long size)
{
    static const char prefix[] = "[INFO] dmheap: Initialized with buffer 0x";
    char suffix[64];
    const char *line = lines[i], *mid;
    char *end;
    size_t len = strlen(line), slen;
    unsigned long long addr;

    snprintf(suffix, sizeof suffix, " of size %lu.", size);
    slen = strlen(suffix);
    ck_assert_msg(strncmp(line, prefix, sizeof prefix - 1) == 0, "line %zu: \"%s\"", i, line);
    ck_assert_msg(len > sizeof prefix - 1 + slen && strcmp(line + len - slen, suffix) == 0, "line %zu: \"%s\"", i,
                  line);
    mid = line + sizeof prefix - 3; /* from "0x" */
    addr = strtoull(mid, &end, 16);
    ck_assert_msg(end == line + len - slen, "line %zu: address not hexadecimal: \"%s\"", i, line);
    ck_assert_msg(addr == (unsigned long long)(uintptr_t)buffer, "line %zu: address %llx, buffer %p", i, addr,
                  buffer);
}

static dalloc_stats_t dstats(void)
{
    dalloc_stats_t st;
    ck_assert_int_eq(dalloc_get_stats(dmheap_get_heap(), &st), DALLOC_OK);
    return st;
}

static dalloc_module_stats_t mstats(const char *name)
{
    dalloc_module_stats_t ms;
    dalloc_module_t id = dalloc_module_find(dmheap_get_heap(), name);
    ck_assert_msg(id != DALLOC_NO_MODULE, "module %s not registered", name);
    ck_assert_int_eq(dalloc_module_stats(dmheap_get_heap(), id, &ms), DALLOC_OK);
    return ms;
}

static dalloc_module_t module_of(const void *p)
{
    return dalloc_module_of(dmheap_get_heap(), p);
}

/* ---- buffers -------------------------------------------------------------- */

#define HEAP_SIZE (64 * 1024) /* 64KB */
static char heap_buffer[HEAP_SIZE];
static char snap[HEAP_SIZE];

#define SYSTEM_HEAP_SIZE (256 * 1024) /* 256KB */
static char system_heap[SYSTEM_HEAP_SIZE];

static void init64k(size_t alignment)
{
    ck_assert(dmheap_init(heap_buffer, HEAP_SIZE, alignment));
    ck_assert(dmheap_is_initialized());
    ck_assert_ptr_nonnull(dmheap_get_heap());
    CHECK_HEAP();
}

static void snapshot(void)
{
    test_raw_copy(snap, heap_buffer, HEAP_SIZE);
}

#define ASSERT_UNCHANGED() ck_assert_msg(test_raw_same(snap, heap_buffer, HEAP_SIZE), "the heap buffer was modified")

/* ---- logging ---------------------------------------------------------------- */

/* Runs first (in a fresh process in fork mode, first in no-fork mode): no
 * hook was ever set, so nothing may reach stdout. */
START_TEST(logging_off_by_default)
{
    FILE *out = tmpfile();
    int saved;
    long written;
    bool inited, registered;
    void *p, *q;

    ck_assert(!dmheap_is_initialized());
    ck_assert_ptr_null(dmheap_get_heap());
    ck_assert_ptr_null(dmheap_malloc(16, NULL));
    ck_assert(!dmheap_register_module("early"));

    ck_assert_ptr_nonnull(out);
    fflush(stdout);
    saved = dup(fileno(stdout));
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fileno(out), fileno(stdout)), 0);
    /* Calls that log when a hook is set: init, registration (explicit and
     * by allocation), a refused free, an unknown and a known unregister.
     * (The refused free also goes to the error hook, which prints on hosted
     * builds by default: that is a separate channel, off here.) */
    dalloc_set_error_hook(NULL, NULL);
    inited = dmheap_init(heap_buffer, HEAP_SIZE, 8);
    registered = dmheap_register_module("quiet");
    p = dmheap_malloc(64, "implicit");
    q = dmheap_malloc(64, "quiet");
    dmheap_free((char *)q + 8, false);
    dmheap_unregister_module("nobody");
    dmheap_unregister_module("quiet");
    dmheap_unregister_module("implicit");
    (void)dmheap_init(NULL, 0, 0);
    fflush(stdout);
    dup2(saved, fileno(stdout));
    close(saved);
    dalloc_set_error_hook(dalloc_error_print, NULL);
    written = ftell(out);
    fclose(out);

    ck_assert(inited);
    ck_assert(registered);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(q);
    ck_assert_msg(written == 0, "%ld bytes were printed with no log hook set", written);
}
END_TEST

START_TEST(logging_off_after_hook_removed)
{
    log_on();
    init64k(8);
    ck_assert_uint_eq(nlines, 1);
    dalloc_set_log(NULL, &log_ctx_marker);
    nlines = 0;
    ck_assert(dmheap_register_module("m"));
    ck_assert_ptr_nonnull(dmheap_malloc(10, "n"));
    dmheap_unregister_module("m");
    dmheap_unregister_module("zzz");
    init64k(8);
    ck_assert_uint_eq(nlines, 0);
}
END_TEST

/* ---- the README's examples -------------------------------------------------- */

/* "Simple DMHEAP Test": init, is_initialized, malloc, write, free. */
START_TEST(example_simple_test)
{
    char *p;
    log_on();
    ck_assert(dmheap_init(heap_buffer, HEAP_SIZE, 8));   /* Init */
    ck_assert(dmheap_is_initialized());                  /* Is Initialized */
    ck_assert_uint_eq(nlines, 1);
    assert_init_line(0, heap_buffer, HEAP_SIZE);
    p = dmheap_malloc(128, "simple");                    /* Malloc */
    ck_assert_ptr_nonnull(p);
    memset(p, 0x5A, 128);                                /* Write */
    ck_assert_uint_eq((unsigned char)p[127], 0x5A);
    ck_assert_uint_eq(dstats().live_blocks, 1);
    CHECK_HEAP();
    dmheap_free(p, false);                               /* Free */
    ck_assert_uint_eq(dstats().live_blocks, 0);
    ck_assert_uint_eq(dstats().used_bytes, 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(example_quick_start)
{
    /* 2. Initialize the heap */
    bool success = dmheap_init(heap_buffer, HEAP_SIZE, 8); /* 8-byte alignment */
    void *ptr;
    ck_assert(success);
    /* 3. Allocate memory */
    ptr = dmheap_malloc(256, "main");
    ck_assert_ptr_nonnull(ptr);
    ck_assert_uint_eq((uintptr_t)ptr % 8, 0);
    ck_assert_uint_ne(dalloc_module_find(dmheap_get_heap(), "main"), DALLOC_NO_MODULE);
    ck_assert_uint_eq(module_of(ptr), dalloc_module_find(dmheap_get_heap(), "main"));
    memset(ptr, 0, 256);
    CHECK_HEAP();
    /* 4. Free memory */
    dmheap_free(ptr, false);
    ck_assert_uint_eq(dstats().live_blocks, 0);
    ck_assert_uint_eq(mstats("main").blocks, 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(example_module_management)
{
    void *data1, *data2;
    dalloc_module_stats_t ms;
    init64k(8);
    /* Register a module */
    ck_assert(dmheap_register_module("my_module"));
    /* Allocate memory for this module */
    data1 = dmheap_malloc(512, "my_module");
    data2 = dmheap_malloc(1024, "my_module");
    ck_assert_ptr_nonnull(data1);
    ck_assert_ptr_nonnull(data2);
    memset(data1, 1, 512);
    memset(data2, 2, 1024);
    ms = mstats("my_module");
    ck_assert_uint_eq(ms.blocks, 2);
    ck_assert_uint_eq(dstats().live_blocks, 2);
    ck_assert_uint_eq(dstats().used_bytes, ms.bytes);
    CHECK_HEAP();
    /* When done with the module, unregister it: frees ALL its memory */
    dmheap_unregister_module("my_module");
    ck_assert_uint_eq(dstats().live_blocks, 0);
    ck_assert_uint_eq(dstats().used_bytes, 0);
    ck_assert_uint_eq(dalloc_module_find(dmheap_get_heap(), "my_module"), DALLOC_NO_MODULE);
    ck_assert_uint_eq(dalloc_module_list(dmheap_get_heap(), NULL, 0), 0);
    /* data1 and data2 are now freed */
    ck_assert_uint_eq(module_of(data1), DALLOC_NO_MODULE);
    ck_assert_int_eq(dalloc_last_error(dmheap_get_heap()), DALLOC_E_NOTBLOCK);
    ck_assert_uint_eq(module_of(data2), DALLOC_NO_MODULE);
    ck_assert_int_eq(dalloc_last_error(dmheap_get_heap()), DALLOC_E_NOTBLOCK);
    CHECK_HEAP();
}
END_TEST

START_TEST(example_aligned_allocation)
{
    void *aligned_buffer;
    init64k(8);
    /* Allocate 1KB with 64-byte alignment */
    aligned_buffer = dmheap_aligned_alloc(64, 1024, "dma_module");
    ck_assert_ptr_nonnull(aligned_buffer);
    /* Verify alignment */
    ck_assert_uint_eq((uintptr_t)aligned_buffer % 64, 0);
    memset(aligned_buffer, 0xC3, 1024);
    ck_assert_uint_eq(mstats("dma_module").blocks, 1);
    CHECK_HEAP();
    /* Free when done */
    dmheap_free(aligned_buffer, true); /* true = concatenate free blocks */
    ck_assert_uint_eq(dstats().live_blocks, 0);
    ck_assert_uint_eq(mstats("dma_module").blocks, 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(example_reallocation)
{
    void *buffer;
    init64k(8);
    /* Initial allocation */
    buffer = dmheap_malloc(100, "data_processor");
    ck_assert_ptr_nonnull(buffer);
    memcpy(buffer, "Hello", 6);
    /* Need more space */
    buffer = dmheap_realloc(buffer, 200, "data_processor");
    ck_assert_ptr_nonnull(buffer);
    ck_assert_str_eq((char *)buffer, "Hello");
    memset((char *)buffer + 6, 'x', 194); /* now have 200 bytes */
    ck_assert_uint_eq(mstats("data_processor").blocks, 1);
    ck_assert_uint_eq(module_of(buffer), dalloc_module_find(dmheap_get_heap(), "data_processor"));
    CHECK_HEAP();
    /* Need less space */
    buffer = dmheap_realloc(buffer, 50, "data_processor");
    ck_assert_ptr_nonnull(buffer);
    ck_assert_str_eq((char *)buffer, "Hello");
    ck_assert_uint_eq(mstats("data_processor").blocks, 1);
    CHECK_HEAP();
    dmheap_free(buffer, false);
    ck_assert_uint_eq(dstats().live_blocks, 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(example_fragmentation)
{
    void *a, *b, *c, *whole;
    size_t hole_bytes;
    dalloc_stats_t st0;
    init64k(8);
    st0 = dstats();
    a = dmheap_malloc(100, "test");
    b = dmheap_malloc(100, "test");
    c = dmheap_malloc(100, "test");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    hole_bytes = dstats().used_bytes;
    dmheap_free(b, false); /* Creates a hole in the middle */
    ck_assert_uint_eq(dstats().free_blocks, st0.free_blocks + 1);
    CHECK_HEAP();
    dmheap_concatenate_free_blocks();
    ck_assert_uint_eq(dstats().free_blocks, st0.free_blocks + 1);
    CHECK_HEAP();
    dmheap_free(a, true); /* merges with the hole */
    ck_assert_uint_eq(dstats().free_blocks, st0.free_blocks + 1);
    CHECK_HEAP();
    dmheap_free(c, true); /* everything merged back */
    ck_assert_uint_eq(dstats().free_blocks, st0.free_blocks);
    ck_assert_uint_eq(dstats().used_bytes, 0);
    ck_assert_uint_eq(dstats().live_blocks, 0);
    CHECK_HEAP();
    /* The three blocks' space is one piece again, where they were. */
    whole = dmheap_malloc(hole_bytes - dalloc_header_size(), NULL);
    ck_assert_ptr_eq(whole, c);
    dmheap_free(whole, true);
    CHECK_HEAP();
}
END_TEST

/* The integration example of the README, with its log output. */
typedef struct {
    float temperature;
    float humidity;
    uint32_t timestamp;
} sensor_data_t;

#define NUM_NET_BUFFERS 10
#define NET_BUFFER_SIZE 1500 /* MTU size */

static sensor_data_t *sensor_data;
static void *net_buffers[NUM_NET_BUFFERS];

static void sensor_module_init(void)
{
    sensor_data_t *data;
    ck_assert(dmheap_register_module("sensor"));
    data = dmheap_malloc(sizeof(sensor_data_t), "sensor");
    ck_assert_ptr_nonnull(data);
    data->temperature = 25.5f;
    data->humidity = 60.0f;
    data->timestamp = 12345;
    sensor_data = data;
}

static void sensor_module_cleanup(void)
{
    dmheap_unregister_module("sensor");
}

static void network_module_init(void)
{
    int i;
    ck_assert(dmheap_register_module("network"));
    for (i = 0; i < NUM_NET_BUFFERS; i++) {
        void *buffer = dmheap_aligned_alloc(64, NET_BUFFER_SIZE, "network");
        ck_assert_msg(buffer != NULL, "Failed to allocate network buffer %d", i);
        ck_assert_uint_eq((uintptr_t)buffer % 64, 0);
        test_fill(buffer, NET_BUFFER_SIZE, (unsigned)i);
        net_buffers[i] = buffer;
    }
}

static void network_module_cleanup(void)
{
    dmheap_unregister_module("network");
}

START_TEST(example_integration)
{
    static const char *const expected[] = {
        NULL, /* the "Initialized" line, checked apart */
        "[INFO] dmheap: Module sensor registered successfully.",
        "[INFO] dmheap: Module network registered successfully.",
        "[INFO] dmheap: Module sensor unregistered successfully.",
        "[INFO] dmheap: Module network unregistered successfully.",
    };
    size_t i;
    int k;

    log_on();
    ck_assert(dmheap_init(system_heap, SYSTEM_HEAP_SIZE, 8));
    sensor_module_init();
    network_module_init();
    /* Both modules are using heap memory. */
    ck_assert_uint_eq(mstats("sensor").blocks, 1);
    ck_assert_uint_eq(mstats("network").blocks, NUM_NET_BUFFERS);
    ck_assert_uint_eq(dstats().live_blocks, 1 + NUM_NET_BUFFERS);
    ck_assert(sensor_data->temperature == 25.5f);
    ck_assert(sensor_data->humidity == 60.0f);
    ck_assert_uint_eq(sensor_data->timestamp, 12345);
    CHECK_HEAP();
    /* Shutting down the sensor module. */
    sensor_module_cleanup();
    ck_assert_uint_eq(dalloc_module_find(dmheap_get_heap(), "sensor"), DALLOC_NO_MODULE);
    ck_assert_uint_eq(dstats().live_blocks, NUM_NET_BUFFERS);
    CHECK_HEAP();
    /* The network module still runs. */
    for (k = 0; k < NUM_NET_BUFFERS; k++) {
        ck_assert(test_verify(net_buffers[k], NET_BUFFER_SIZE, (unsigned)k));
        ck_assert_uint_eq(module_of(net_buffers[k]), dalloc_module_find(dmheap_get_heap(), "network"));
    }
    /* System shutdown. */
    network_module_cleanup();
    ck_assert_uint_eq(dstats().live_blocks, 0);
    ck_assert_uint_eq(dstats().used_bytes, 0);
    ck_assert_uint_eq(dalloc_module_list(dmheap_get_heap(), NULL, 0), 0);
    CHECK_HEAP();

    ck_assert_msg(nlines == sizeof expected / sizeof expected[0], "%zu log lines, expected %zu", nlines,
                  sizeof expected / sizeof expected[0]);
    assert_init_line(0, system_heap, SYSTEM_HEAP_SIZE);
    for (i = 1; i < nlines; i++)
        ck_assert_str_eq(lines[i], expected[i]);
}
END_TEST

/* ---- the API beyond the examples ------------------------------------------------ */

START_TEST(init_alignment_is_honoured)
{
    static const size_t sizes[] = {1, 7, 24, 100, 333};
    void *p[5], *q;
    size_t i;
    init64k(64);
    for (i = 0; i < 5; i++) {
        p[i] = dmheap_malloc(sizes[i], i % 2 ? "odd" : NULL);
        ck_assert_ptr_nonnull(p[i]);
        ck_assert_msg((uintptr_t)p[i] % 64 == 0, "dmheap_malloc(%zu) at %p", sizes[i], p[i]);
        test_fill(p[i], sizes[i], (unsigned)i);
    }
    CHECK_HEAP();
    /* Moving realloc keeps the alignment, the contents and the module. */
    q = dmheap_realloc(p[1], 5000, "odd");
    ck_assert_ptr_nonnull(q);
    ck_assert_ptr_ne(q, p[1]);
    ck_assert_uint_eq((uintptr_t)q % 64, 0);
    ck_assert(test_verify(q, sizes[1], 1));
    ck_assert_uint_eq(module_of(q), dalloc_module_find(dmheap_get_heap(), "odd"));
    p[1] = q;
    q = dmheap_realloc(p[0], 3000, NULL);
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_eq((uintptr_t)q % 64, 0);
    ck_assert(test_verify(q, sizes[0], 0));
    ck_assert_uint_eq(module_of(q), DALLOC_NO_MODULE);
    p[0] = q;
    for (i = 0; i < 5; i++)
        ck_assert(test_verify(p[i], sizes[i], (unsigned)i));
    CHECK_HEAP();
}
END_TEST

START_TEST(init_starts_a_new_heap)
{
    init64k(8);
    ck_assert_ptr_nonnull(dmheap_malloc(100, "old"));
    ck_assert_uint_eq(dstats().live_blocks, 1);
    ck_assert(dmheap_init(system_heap, SYSTEM_HEAP_SIZE, 16));
    ck_assert(dmheap_is_initialized());
    ck_assert_ptr_eq(dmheap_get_heap()->mem, (uint8_t *)system_heap);
    ck_assert_uint_eq(dstats().live_blocks, 0);
    ck_assert_uint_eq(dstats().total_size, SYSTEM_HEAP_SIZE);
    ck_assert_uint_eq(dalloc_module_find(dmheap_get_heap(), "old"), DALLOC_NO_MODULE);
    ck_assert_uint_eq((uintptr_t)dmheap_malloc(10, NULL) % 16, 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(init_refuses_bad_arguments)
{
    static char tiny[16];
    ck_assert(!dmheap_init(NULL, HEAP_SIZE, 8));
    ck_assert(!dmheap_init(heap_buffer, 0, 8));
    ck_assert(!dmheap_init(heap_buffer, HEAP_SIZE, 0));
    ck_assert(!dmheap_init(heap_buffer, HEAP_SIZE, 12));
    ck_assert(!dmheap_init(heap_buffer, HEAP_SIZE, 3));
    ck_assert(!dmheap_init(tiny, sizeof tiny, 8));
    /* And a good one still works afterwards. */
    init64k(8);
    ck_assert_ptr_nonnull(dmheap_malloc(8, NULL));
}
END_TEST

START_TEST(register_module_rules)
{
    char longest[DMOD_MAX_MODULE_NAME_LENGTH], overlong[DMOD_MAX_MODULE_NAME_LENGTH + 1];
    memset(longest, 'a', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    memset(overlong, 'b', sizeof overlong - 1);
    overlong[sizeof overlong - 1] = '\0';
    init64k(8);
    log_on();
    ck_assert(dmheap_register_module("twice"));
    ck_assert(dmheap_register_module("twice"));
    ck_assert_uint_eq(nlines, 1);
    ck_assert_str_eq(lines[0], "[INFO] dmheap: Module twice registered successfully.");
    ck_assert(!dmheap_register_module(NULL));
    ck_assert(!dmheap_register_module(""));
    ck_assert(!dmheap_register_module(overlong));
    ck_assert(dmheap_register_module(longest));
    ck_assert_uint_ne(dalloc_module_find(dmheap_get_heap(), longest), DALLOC_NO_MODULE);
    ck_assert_uint_eq(dalloc_module_list(dmheap_get_heap(), NULL, 0), 2);
    CHECK_HEAP();
}
END_TEST

START_TEST(allocation_registers_unknown_name)
{
    void *p, *q;
    dalloc_module_t id;
    init64k(8);
    log_on();
    ck_assert_uint_eq(dalloc_module_find(dmheap_get_heap(), "lazy"), DALLOC_NO_MODULE);
    p = dmheap_malloc(40, "lazy");
    ck_assert_ptr_nonnull(p);
    id = dalloc_module_find(dmheap_get_heap(), "lazy");
    ck_assert_uint_ne(id, DALLOC_NO_MODULE);
    ck_assert_uint_eq(module_of(p), id);
    q = dmheap_aligned_alloc(128, 40, "lazy");
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_eq(module_of(q), id);
    ck_assert_uint_eq(mstats("lazy").blocks, 2);
    /* Registered once, logged once. */
    ck_assert_uint_eq(nlines, 1);
    ck_assert_str_eq(lines[0], "[INFO] dmheap: Module lazy registered successfully.");
    /* A realloc of NULL registers too. */
    p = dmheap_realloc(NULL, 30, "lazier");
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(module_of(p), dalloc_module_find(dmheap_get_heap(), "lazier"));
    ck_assert_uint_ne(module_of(p), DALLOC_NO_MODULE);
    CHECK_HEAP();
}
END_TEST

START_TEST(null_module_is_untracked)
{
    void *p;
    init64k(8);
    p = dmheap_malloc(64, NULL);
    ck_assert_ptr_nonnull(p);
    /* Untracked blocks are plain: header only, no trailer. */
    ck_assert_uint_eq(dstats().used_bytes, test_block_size(64));
    ck_assert_uint_eq(module_of(p), DALLOC_NO_MODULE);
    ck_assert_int_eq(dalloc_last_error(dmheap_get_heap()), DALLOC_OK); /* a block, of no module */
    ck_assert_uint_eq(dalloc_module_list(dmheap_get_heap(), NULL, 0), 0);
    p = dmheap_aligned_alloc(256, 64, NULL);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq((uintptr_t)p % 256, 0);
    ck_assert_uint_eq(module_of(p), DALLOC_NO_MODULE);
    ck_assert_int_eq(dalloc_last_error(dmheap_get_heap()), DALLOC_OK);
    dmheap_free(p, false);
    ck_assert_uint_eq(dstats().live_blocks, 1);
    CHECK_HEAP();
}
END_TEST

START_TEST(overlong_module_names_refused)
{
    char overlong[DMOD_MAX_MODULE_NAME_LENGTH + 1];
    memset(overlong, 'z', sizeof overlong - 1);
    overlong[sizeof overlong - 1] = '\0';
    init64k(8);
    snapshot();
    ck_assert_ptr_null(dmheap_malloc(16, overlong));
    ck_assert_ptr_null(dmheap_aligned_alloc(64, 16, overlong));
    ck_assert_ptr_null(dmheap_realloc(NULL, 16, overlong));
    ck_assert(!dmheap_register_module(overlong));
    ASSERT_UNCHANGED();
    ck_assert_uint_eq(dalloc_module_list(dmheap_get_heap(), NULL, 0), 0);
    ck_assert_uint_eq(dstats().live_blocks, 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(free_null_is_noop)
{
    void *p;
    init64k(8);
    p = dmheap_malloc(64, "m");
    ck_assert_ptr_nonnull(p);
    snapshot();
    dmheap_free(NULL, false);
    dmheap_free(NULL, true);
    ASSERT_UNCHANGED();
    ck_assert_uint_eq(dstats().live_blocks, 1);
}
END_TEST

START_TEST(free_refuses_non_blocks)
{
    char local[32];
    char *p, *q, *freed;
    void *cases[12];
    size_t i, n = 0;
    init64k(8);
    p = dmheap_malloc(100, "m");
    freed = dmheap_malloc(64, "m");
    q = dmheap_malloc(100, NULL);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(freed);
    ck_assert_ptr_nonnull(q);
    test_fill(p, 100, 1);
    test_fill(q, 100, 2);
    dmheap_free(freed, false);
    CHECK_HEAP();
    cases[n++] = local;                                       /* foreign */
    cases[n++] = system_heap;                                 /* foreign */
    cases[n++] = p + 1;                                       /* interior */
    cases[n++] = p + 8;
    cases[n++] = p + 64;
    cases[n++] = q - dalloc_header_size();                    /* header */
    cases[n++] = freed;                                       /* already freed */
    cases[n++] = heap_buffer;                                 /* start of buffer */
    cases[n++] = heap_buffer + HEAP_SIZE / 2;                 /* free space */
    cases[n++] = (void *)((uintptr_t)heap_buffer - 8);        /* just before */
    cases[n++] = (void *)((uintptr_t)heap_buffer + HEAP_SIZE); /* just after */
    snapshot();
    for (i = 0; i < n; i++) {
        dmheap_free(cases[i], true);
        ck_assert_msg(test_raw_same(snap, heap_buffer, HEAP_SIZE), "dmheap_free(case %zu) modified the heap", i);
        ck_assert_uint_eq(dstats().live_blocks, 2);
    }
    ck_assert(test_verify(p, 100, 1));
    ck_assert(test_verify(q, 100, 2));
    ck_assert_uint_eq(mstats("m").blocks, 1);
    CHECK_HEAP();
}
END_TEST

/* Refused allocations and frees are logged (through the library's report
 * of the refusal, error.c), whether or not the user has an error hook, and
 * the user's hook still hears them; refusals of other heaps are not logged
 * as dmheap's. */
static unsigned hook_calls;
static void count_hook(void *ctx, const dalloc_error_t *e)
{
    (void)ctx;
    (void)e;
    hook_calls++;
}

static void refuse_both_and_check_log(const char *foreign)
{
    size_t before = nlines;
    char line[200];
    ck_assert_ptr_null(dmheap_malloc(2 * HEAP_SIZE, NULL));
    ck_assert_ptr_null(dmheap_malloc(2 * HEAP_SIZE, "m"));
    dmheap_free((void *)(uintptr_t)foreign, false);
    ck_assert_uint_eq(nlines, before + 3);
    snprintf(line, sizeof line, "[ERROR] dmheap: Cannot allocate %lu bytes: %s.", (unsigned long)(2 * HEAP_SIZE),
             dalloc_strerror(DALLOC_E_NOMEM));
    ck_assert_str_eq(lines[before], line);
    ck_assert_str_eq(lines[before + 1], line);
    snprintf(line, sizeof line, "[ERROR] dmheap: Refused to free %p: %s.", (const void *)foreign,
             dalloc_strerror(DALLOC_E_NOTBLOCK));
    ck_assert_str_eq(lines[before + 2], line);
}

START_TEST(refusals_are_logged)
{
    static char other_buf[4096];
    dalloc_heap_t other;
    void *op = NULL;
    char local[16];
    init64k(8);
    ck_assert_ptr_nonnull(dmheap_malloc(64, "m")); /* registers m */
    log_on();
    dalloc_set_error_hook(NULL, NULL);
    refuse_both_and_check_log(local);
    hook_calls = 0;
    dalloc_set_error_hook(count_hook, NULL);
    refuse_both_and_check_log(local + 8);
    ck_assert_uint_eq(hook_calls, 3);
    /* Another heap's refusals reach the hook only. */
    ck_assert_int_eq(dalloc_heap_init(&other, other_buf, sizeof other_buf), DALLOC_OK);
    nlines = 0;
    ck_assert_int_eq(dalloc_alloc(&other, 2 * sizeof other_buf, &op), DALLOC_E_NOMEM);
    ck_assert_ptr_null(dalloc_malloc(&other, 2 * sizeof other_buf));
    ck_assert_uint_eq(nlines, 0);
    ck_assert_uint_eq(hook_calls, 5);
    dalloc_heap_deinit(&other);
    dalloc_set_error_hook(dalloc_error_print, NULL);
    ck_assert_uint_eq(dstats().live_blocks, 1);
    CHECK_HEAP();
}
END_TEST

START_TEST(bad_alignment_returns_null)
{
    static const size_t bad[] = {0, 3, 12, 24, 100};
    size_t i;
    init64k(8);
    snapshot();
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_ptr_null(dmheap_aligned_alloc(bad[i], 64, "mod"));
        ck_assert_ptr_null(dmheap_aligned_alloc(bad[i], 64, NULL));
    }
    ASSERT_UNCHANGED();
    ck_assert_uint_eq(dstats().live_blocks, 0);
    ck_assert_uint_eq(dalloc_module_find(dmheap_get_heap(), "mod"), DALLOC_NO_MODULE);
}
END_TEST

START_TEST(realloc_failure_keeps_block)
{
    char *p;
    init64k(8);
    p = dmheap_malloc(100, "m");
    ck_assert_ptr_nonnull(p);
    test_fill(p, 100, 3);
    ck_assert_ptr_null(dmheap_realloc(p, 2 * HEAP_SIZE, "m"));
    ck_assert(test_verify(p, 100, 3));
    ck_assert_uint_eq(module_of(p), dalloc_module_find(dmheap_get_heap(), "m"));
    ck_assert_uint_eq(dstats().live_blocks, 1);
    CHECK_HEAP();
    /* Too much in total: NULL, and nothing leaks. */
    ck_assert_ptr_null(dmheap_malloc(HEAP_SIZE, "m"));
    ck_assert_uint_eq(dstats().live_blocks, 1);
    dmheap_free(p, false);
    ck_assert_uint_eq(dstats().live_blocks, 0);
    CHECK_HEAP();
}
END_TEST

START_TEST(unregister_unknown_changes_nothing)
{
    char *p;
    init64k(8);
    log_on();
    p = dmheap_malloc(100, "known");
    ck_assert_ptr_nonnull(p);
    test_fill(p, 100, 4);
    snapshot();
    dmheap_unregister_module("unknown");
    dmheap_unregister_module("know");
    dmheap_unregister_module("");
    dmheap_unregister_module(NULL);
    ASSERT_UNCHANGED();
    ck_assert(test_verify(p, 100, 4));
    ck_assert_uint_eq(mstats("known").blocks, 1);
    ck_assert_uint_eq(dalloc_module_list(dmheap_get_heap(), NULL, 0), 1);
    /* Nothing claims an unregistration. */
    {
        size_t i;
        for (i = 0; i < nlines && i < MAX_LINES; i++)
            ck_assert_msg(strstr(lines[i], "unregistered") == NULL, "\"%s\"", lines[i]);
    }
    CHECK_HEAP();
}
END_TEST

#if DALLOC_DMOD_API
/* The Dmod_*Ex entry points behave as the matching dmheap calls: the same
 * script run through each over the same buffer gives the same blocks at
 * the same places with the same figures. */
typedef struct {
    void *(*malloc_)(size_t, const char *);
    void *(*aligned_)(size_t size, size_t alignment, const char *);
    void *(*realloc_)(void *, size_t, const char *);
    void (*free_)(void *, bool);
    void (*free_module_)(const char *);
} api_t;

static void *dm_aligned(size_t size, size_t alignment, const char *m)
{
    return dmheap_aligned_alloc(alignment, size, m);
}

static const api_t dmheap_api = {dmheap_malloc, dm_aligned, dmheap_realloc, dmheap_free, dmheap_unregister_module};
static const api_t dmod_api = {Dmod_MallocEx, Dmod_AlignedMallocEx, Dmod_ReallocEx, Dmod_FreeEx, Dmod_FreeModule};

enum { STEPS = 9 };
typedef struct {
    ptrdiff_t off[STEPS];
    size_t used[STEPS], live[STEPS], modules[STEPS];
} trace_t;

static ptrdiff_t off_of(const void *p)
{
    return p == NULL ? -1 : (const char *)p - heap_buffer;
}

static void record(trace_t *t, int step, const void *p)
{
    t->off[step] = off_of(p);
    t->used[step] = dstats().used_bytes;
    t->live[step] = dstats().live_blocks;
    t->modules[step] = dalloc_module_list(dmheap_get_heap(), NULL, 0);
    CHECK_HEAP();
}

static void run_script(const api_t *api, trace_t *t)
{
    char *p1, *p2, *p3, *p4, *p5, *p6;
    memset(t, 0, sizeof *t);
    init64k(32);
    p1 = api->malloc_(100, "dm");
    ck_assert_ptr_nonnull(p1);
    ck_assert_uint_eq((uintptr_t)p1 % 32, 0);
    ck_assert_uint_eq(module_of(p1), dalloc_module_find(dmheap_get_heap(), "dm"));
    memcpy(p1, "payload", 8);
    record(t, 0, p1);
    p2 = api->aligned_(200, 256, "dm");
    ck_assert_ptr_nonnull(p2);
    ck_assert_uint_eq((uintptr_t)p2 % 256, 0);
    memset(p2, 0x22, 200);
    record(t, 1, p2);
    p3 = api->malloc_(300, "other");
    ck_assert_ptr_nonnull(p3);
    test_fill(p3, 300, 3);
    record(t, 2, p3);
    p4 = api->realloc_(p1, 1000, "dm");
    ck_assert_ptr_nonnull(p4);
    ck_assert_str_eq(p4, "payload");
    ck_assert_uint_eq(module_of(p4), dalloc_module_find(dmheap_get_heap(), "dm"));
    record(t, 3, p4);
    p5 = api->realloc_(NULL, 50, "dm2");
    ck_assert_ptr_nonnull(p5);
    ck_assert_uint_eq(module_of(p5), dalloc_module_find(dmheap_get_heap(), "dm2"));
    test_fill(p5, 50, 5);
    record(t, 4, p5);
    p6 = api->aligned_(64, 4096, NULL);
    ck_assert_ptr_nonnull(p6);
    ck_assert_uint_eq((uintptr_t)p6 % 4096, 0);
    record(t, 5, p6);
    api->free_(p2, true);
    api->free_(NULL, false);
    api->free_(p3 + 8, false); /* refused */
    record(t, 6, NULL);
    ck_assert_uint_eq(mstats("dm").blocks, 1);
    api->free_module_("dm");
    ck_assert_uint_eq(dalloc_module_find(dmheap_get_heap(), "dm"), DALLOC_NO_MODULE);
    ck_assert_uint_eq(module_of(p4), DALLOC_NO_MODULE);
    ck_assert_int_eq(dalloc_last_error(dmheap_get_heap()), DALLOC_E_NOTBLOCK);
    ck_assert(test_verify(p3, 300, 3));
    ck_assert(test_verify(p5, 50, 5));
    record(t, 7, NULL);
    api->free_module_("never-registered");
    api->free_(p6, false);
    record(t, 8, NULL);
    ck_assert_uint_eq(dstats().live_blocks, 2);
}

START_TEST(dmod_api_matches_dmheap)
{
    trace_t a, b;
    int i;
    run_script(&dmheap_api, &a);
    run_script(&dmod_api, &b);
    for (i = 0; i < STEPS; i++) {
        ck_assert_msg(a.off[i] == b.off[i], "step %d: block at offset %td via dmheap, %td via Dmod", i, a.off[i],
                      b.off[i]);
        ck_assert_uint_eq(a.used[i], b.used[i]);
        ck_assert_uint_eq(a.live[i], b.live[i]);
        ck_assert_uint_eq(a.modules[i], b.modules[i]);
    }
}
END_TEST

/* Dmod_AlignedMallocEx takes the size first, then the alignment. */
START_TEST(dmod_aligned_argument_order)
{
    char *p;
    init64k(8);
    p = Dmod_AlignedMallocEx(100, 512, "dmod");
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq((uintptr_t)p % 512, 0);
    memset(p, 1, 100);
    ck_assert_ptr_null(Dmod_AlignedMallocEx(512, 100, "dmod")); /* 100 is no alignment */
    ck_assert_uint_eq(mstats("dmod").blocks, 1);
    Dmod_FreeEx(p, true);
    ck_assert_uint_eq(mstats("dmod").blocks, 0);
    Dmod_FreeModule("dmod");
    ck_assert_uint_eq(dalloc_module_find(dmheap_get_heap(), "dmod"), DALLOC_NO_MODULE);
    CHECK_HEAP();
}
END_TEST
#endif /* DALLOC_DMOD_API */

int main(void)
{
    Suite *s = suite_create("dmheap");
    TCase *tc;

    /* First: nothing in this process has set a log hook yet. */
    tc = tcase_create("logging");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, logging_off_by_default);
    tcase_add_test(tc, logging_off_after_hook_removed);
    suite_add_tcase(s, tc);

    tc = tcase_create("examples");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, example_simple_test);
    tcase_add_test(tc, example_quick_start);
    tcase_add_test(tc, example_module_management);
    tcase_add_test(tc, example_aligned_allocation);
    tcase_add_test(tc, example_reallocation);
    tcase_add_test(tc, example_fragmentation);
    tcase_add_test(tc, example_integration);
    suite_add_tcase(s, tc);

    tc = tcase_create("api");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, init_alignment_is_honoured);
    tcase_add_test(tc, init_starts_a_new_heap);
    tcase_add_test(tc, init_refuses_bad_arguments);
    tcase_add_test(tc, register_module_rules);
    tcase_add_test(tc, allocation_registers_unknown_name);
    tcase_add_test(tc, null_module_is_untracked);
    tcase_add_test(tc, overlong_module_names_refused);
    tcase_add_test(tc, free_null_is_noop);
    tcase_add_test(tc, free_refuses_non_blocks);
    tcase_add_test(tc, refusals_are_logged);
    tcase_add_test(tc, bad_alignment_returns_null);
    tcase_add_test(tc, realloc_failure_keeps_block);
    tcase_add_test(tc, unregister_unknown_changes_nothing);
    suite_add_tcase(s, tc);

#if DALLOC_DMOD_API
    tc = tcase_create("dmod");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, dmod_api_matches_dmheap);
    tcase_add_test(tc, dmod_aligned_argument_order);
    suite_add_tcase(s, tc);
#endif

    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
