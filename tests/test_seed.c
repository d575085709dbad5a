/*
 * test_seed.c - the dalloc 1.x names, as the dalloc README uses them.
 *
 * Covers:
 *  - compile time: every dalloc 1.x function is redeclared here with the
 *    exact signature of dalloc 1.x (a mismatch is a conflicting-types
 *    error), and stored in a function pointer of that exact type, through
 *    which the examples below call it;
 *  - "Option 2: Multiple Heaps" as written (two 2048-byte buffers, the
 *    first __attribute__((aligned(4))), heap_fast / heap_slow, 256 and 512
 *    bytes, dfree(..., USING_PTR_ADDRESS), heap_deinit);
 *  - "Reallocation" (32 bytes filled, grown to 64 with drealloc, the first
 *    32 kept, also when the block has to move);
 *  - "Transferring Pointer Ownership" (replace_pointers);
 *  - "Checking Heap State" (heap->offset, heap->total_size,
 *    heap->alloc_info.allocations_num are exact);
 *  - "Pointer Lifetime": good_function() allocating into the caller's
 *    variable, which is then kept right across compaction;
 *  - validate_ptr (both conditions, index), dfree by value, refusals;
 *  - print_dalloc_info, dump_heap, dump_dalloc_ptr_info written through
 *    dalloc_set_output() into a buffer, mentioning the heap's figures.
 */
#include "testutil.h"

#include <stdbool.h>

/* ------------------------------------------------------------------------ */
/* Signatures of dalloc 1.x, checked by the compiler.                        */

void heap_init(heap_t *heap_struct_ptr, void *mem_ptr, uint32_t mem_size);
void heap_deinit(heap_t *heap_struct_ptr);
void dalloc(heap_t *heap_struct_ptr, uint32_t size, void **ptr);
void dfree(heap_t *heap_struct_ptr, void **ptr, validate_ptr_condition_t condition);
bool drealloc(heap_t *heap_struct_ptr, uint32_t size, void **ptr);
bool validate_ptr(heap_t *heap_struct_ptr, void **ptr, validate_ptr_condition_t condition, uint32_t *ptr_index);
void replace_pointers(heap_t *heap_struct_ptr, void **ptr_to_replace, void **ptr_new);
void print_dalloc_info(heap_t *heap_struct_ptr);
void dump_heap(heap_t *heap_struct_ptr);
void dump_dalloc_ptr_info(heap_t *heap_struct_ptr);

static void (*const f_heap_init)(heap_t *, void *, uint32_t) = heap_init;
static void (*const f_heap_deinit)(heap_t *) = heap_deinit;
static void (*const f_dalloc)(heap_t *, uint32_t, void **) = dalloc;
static void (*const f_dfree)(heap_t *, void **, validate_ptr_condition_t) = dfree;
static bool (*const f_drealloc)(heap_t *, uint32_t, void **) = drealloc;
static bool (*const f_validate_ptr)(heap_t *, void **, validate_ptr_condition_t, uint32_t *) = validate_ptr;
static void (*const f_replace_pointers)(heap_t *, void **, void **) = replace_pointers;
static void (*const f_print_dalloc_info)(heap_t *) = print_dalloc_info;
static void (*const f_dump_heap)(heap_t *) = dump_heap;
static void (*const f_dump_dalloc_ptr_info)(heap_t *) = dump_dalloc_ptr_info;

/* The enum values of dalloc 1.x. */
typedef char seed_enum_check[(USING_PTR_ADDRESS == 0 && USING_PTR_VALUE == 1) ? 1 : -1];

/* ------------------------------------------------------------------------ */
/* The README's buffers and heaps.                                           */

__attribute__((aligned(4)))
static uint8_t buffer1[2048];
static uint8_t buffer2[2048];

heap_t heap_fast; /* For frequently accessed data */
heap_t heap_slow; /* For less critical data */

static heap_t heap;
TEST_BUFFER(heap_buffer, 4096);
static test_out_t out;

static int inside(const void *p, size_t n, const uint8_t *b, size_t size)
{
    return (const uint8_t *)p >= b && (const uint8_t *)p + n <= b + size;
}

static void setup(void)
{
    f_heap_init(&heap, heap_buffer, 4096);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_OK);
    memset(&out, 0, sizeof out);
}

static void teardown(void)
{
    dalloc_set_output(NULL, NULL);
    f_heap_deinit(&heap);
}

/* ------------------------------------------------------------------------ */

START_TEST(signatures_and_enums)
{
    void *q = NULL;
    uint32_t idx = 0;
    /* Each pointer is the library function: one round trip through all. */
    f_dalloc(&heap, 10, &q);
    ck_assert_ptr_nonnull(q);
    ck_assert(f_validate_ptr(&heap, &q, USING_PTR_ADDRESS, &idx));
    ck_assert(f_drealloc(&heap, 20, &q));
    {
        void *r = NULL;
        f_replace_pointers(&heap, &q, &r);
        ck_assert_ptr_null(q);
        ck_assert(f_validate_ptr(&heap, &r, USING_PTR_ADDRESS, NULL));
        dalloc_set_output(test_out_fn, &out);
        f_print_dalloc_info(&heap);
        f_dump_heap(&heap);
        f_dump_dalloc_ptr_info(&heap);
        ck_assert_uint_ge(out.calls, 3);
        f_dfree(&heap, &r, USING_PTR_ADDRESS);
        ck_assert_ptr_null(r);
    }
    ck_assert_uint_eq(heap.offset, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* "Option 2: Multiple Heaps (Explicit API)" */
START_TEST(readme_option2_multiple_heaps)
{
    heap_init(&heap_fast, buffer1, sizeof(buffer1));
    heap_init(&heap_slow, buffer2, sizeof(buffer2));
    ck_assert_int_eq(dalloc_last_error(&heap_fast), DALLOC_OK);
    ck_assert_int_eq(dalloc_last_error(&heap_slow), DALLOC_OK);

    // Allocate from specific heap
    uint8_t *critical_data = NULL;
    dalloc(&heap_fast, 256, (void **)&critical_data);

    uint8_t *temp_data = NULL;
    dalloc(&heap_slow, 512, (void **)&temp_data);

    ck_assert_ptr_nonnull(critical_data);
    ck_assert_ptr_nonnull(temp_data);
    ck_assert(inside(critical_data, 256, buffer1, sizeof buffer1));
    ck_assert(inside(temp_data, 512, buffer2, sizeof buffer2));
    ck_assert_uint_eq(heap_fast.offset, test_block_size(256));
    ck_assert_uint_eq(heap_slow.offset, test_block_size(512));
    ck_assert(validate_ptr(&heap_fast, (void **)&critical_data, USING_PTR_ADDRESS, NULL));
    ck_assert(!validate_ptr(&heap_slow, (void **)&critical_data, USING_PTR_ADDRESS, NULL));
    ck_assert(!validate_ptr(&heap_fast, (void **)&temp_data, USING_PTR_VALUE, NULL));

    // Use memory...
    memset(critical_data, 0x11, 256);
    memset(temp_data, 0x22, 512);
    TEST_HEAP_OK(&heap_fast);
    TEST_HEAP_OK(&heap_slow);

    // Free from the wrong heap: refused, nothing freed
    dfree(&heap_slow, (void **)&critical_data, USING_PTR_ADDRESS);
    ck_assert_ptr_nonnull(critical_data);
    ck_assert_int_eq(dalloc_last_error(&heap_slow), DALLOC_E_NOTBLOCK);

    // Free when done
    dfree(&heap_fast, (void **)&critical_data, USING_PTR_ADDRESS);
    dfree(&heap_slow, (void **)&temp_data, USING_PTR_ADDRESS);
    ck_assert_ptr_null(critical_data);
    ck_assert_ptr_null(temp_data);
    ck_assert_uint_eq(heap_fast.offset, 0);
    ck_assert_uint_eq(heap_slow.offset, 0);

    // Cleanup heaps
    heap_deinit(&heap_fast);
    heap_deinit(&heap_slow);

    /* A deinitialised heap gives nothing. */
    dalloc(&heap_fast, 16, (void **)&critical_data);
    ck_assert_ptr_null(critical_data);
    ck_assert_int_eq(dalloc_last_error(&heap_fast), DALLOC_E_HEAP);
}
END_TEST

/* "Reallocation", with an explicit heap. */
START_TEST(readme_reallocation)
{
    uint8_t *buffer = NULL;
    dalloc(&heap, 32, (void **)&buffer);
    ck_assert_ptr_nonnull(buffer);

    // Fill with data
    for (int i = 0; i < 32; i++) {
        buffer[i] = (uint8_t)i;
    }

    // Grow the buffer - data is preserved
    if (drealloc(&heap, 64, (void **)&buffer)) {
        // buffer now has 64 bytes, first 32 contain original data
        buffer[32] = 0xFF; // Use new space
    } else {
        ck_abort_msg("drealloc(64) refused");
    }
    for (int i = 0; i < 32; i++)
        ck_assert_uint_eq(buffer[i], (uint8_t)i);
    ck_assert_uint_eq(heap.offset, test_block_size(64));

    /* Grown again with a block after it: it has to move, data still kept. */
    {
        uint8_t *after = NULL, *before = buffer;
        dalloc(&heap, 16, (void **)&after);
        ck_assert_ptr_nonnull(after);
        ck_assert(drealloc(&heap, 1000, (void **)&buffer));
        ck_assert_ptr_ne(buffer, before);
        for (int i = 0; i < 32; i++)
            ck_assert_uint_eq(buffer[i], (uint8_t)i);
        ck_assert_uint_eq(buffer[32], 0xFF);
        ck_assert(validate_ptr(&heap, (void **)&buffer, USING_PTR_ADDRESS, NULL));
        dfree(&heap, (void **)&after, USING_PTR_ADDRESS);
    }
    /* Refused: false, and the buffer is untouched. */
    {
        uint8_t *before = buffer;
        ck_assert(!drealloc(&heap, 4096, (void **)&buffer));
        ck_assert_ptr_eq(buffer, before);
        ck_assert_uint_eq(buffer[31], 31);
    }

    dfree(&heap, (void **)&buffer, USING_PTR_ADDRESS);
    ck_assert_ptr_null(buffer);
    ck_assert_uint_eq(heap.offset, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* "Transferring Pointer Ownership", with an explicit heap. */
START_TEST(readme_transfer_ownership)
{
    uint8_t *filler = NULL;
    dalloc(&heap, 100, (void **)&filler);

    uint8_t *temp_ptr = NULL;
    dalloc(&heap, 64, (void **)&temp_ptr);

    // Work with temp_ptr...
    temp_ptr[0] = 0x42;

    // Transfer to permanent storage
    uint8_t *permanent_ptr = NULL;
    replace_pointers(&heap, (void **)&temp_ptr, (void **)&permanent_ptr);
    // Now: temp_ptr == NULL, permanent_ptr points to the memory
    ck_assert_ptr_null(temp_ptr);
    ck_assert_ptr_nonnull(permanent_ptr);
    ck_assert_uint_eq(permanent_ptr[0], 0x42);
    ck_assert(validate_ptr(&heap, (void **)&permanent_ptr, USING_PTR_ADDRESS, NULL));
    ck_assert(!validate_ptr(&heap, (void **)&temp_ptr, USING_PTR_ADDRESS, NULL));

    /* Moves now rewrite permanent_ptr only. */
    {
        uint8_t *old = permanent_ptr;
        dfree(&heap, (void **)&filler, USING_PTR_ADDRESS);
        ck_assert_uint_gt(dalloc_compact(&heap), 0);
        ck_assert_ptr_ne(permanent_ptr, old);
        ck_assert_ptr_null(temp_ptr);
        ck_assert_uint_eq(permanent_ptr[0], 0x42);
    }

    // Later...
    dfree(&heap, (void **)&permanent_ptr, USING_PTR_ADDRESS);
    ck_assert_ptr_null(permanent_ptr);
    ck_assert_uint_eq(heap.offset, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* "Checking Heap State", on an explicit heap. */
START_TEST(readme_checking_heap_state)
{
    uint8_t *a = NULL, *b = NULL, *c = NULL;
    char line[128];
    heap_t *h = &heap_fast;
    heap_init(&heap_fast, buffer1, sizeof(buffer1));
    dalloc(h, 100, (void **)&a);
    dalloc(h, 200, (void **)&b);
    dalloc(h, 30, (void **)&c);
    dfree(h, (void **)&b, USING_PTR_ADDRESS);

    heap_t *heap = h;
    if (heap != NULL) {
        (void)snprintf(line, sizeof line, "Used: %lu / %lu bytes\n", (unsigned long)heap->offset,
                       (unsigned long)heap->total_size);
        ck_assert_uint_eq(heap->offset, test_block_size(100) + test_block_size(30));
        ck_assert_uint_eq(heap->total_size, sizeof(buffer1));
        ck_assert(test_has_number(line, (unsigned long)(test_block_size(100) + test_block_size(30))));
        ck_assert(test_has_number(line, 2048));
        (void)snprintf(line, sizeof line, "Allocations: %lu\n", (unsigned long)heap->alloc_info.allocations_num);
        ck_assert_uint_eq(heap->alloc_info.allocations_num, 2);
        ck_assert_uint_eq(heap->alloc_info.max_allocations_amount, 3);
        ck_assert_uint_eq(heap->alloc_info.max_memory_amount,
                          test_block_size(100) + test_block_size(200) + test_block_size(30));
    }
    TEST_HEAP_OK(&heap_fast);
    heap_deinit(&heap_fast);
}
END_TEST

/* "Pointer Lifetime": CORRECT - use pointer from caller's scope. */
static bool good_function(heap_t *heap, uint8_t **data_ptr)
{
    dalloc(heap, 64, (void **)data_ptr);
    return (*data_ptr != NULL);
}

START_TEST(readme_pointer_lifetime)
{
    uint8_t *filler = NULL, *data = NULL, *old;
    dalloc(&heap, 200, (void **)&filler);
    ck_assert(good_function(&heap, &data));
    memset(data, 0x6B, 64);
    ck_assert(validate_ptr(&heap, (void **)&data, USING_PTR_ADDRESS, NULL));
    /* The caller's variable is the registered one: a move rewrites it. */
    old = data;
    dfree(&heap, (void **)&filler, USING_PTR_ADDRESS);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    ck_assert_ptr_ne(data, old);
    ck_assert_uint_eq(data[63], 0x6B);
    /* No room: false, and the variable is NULL. */
    {
        uint8_t *big = NULL, *none = &data[0];
        dalloc(&heap, 4096, (void **)&big);
        ck_assert_ptr_null(big);
        dalloc_stats_t st = test_stats(&heap);
        dalloc(&heap, (uint32_t)(st.free_bytes - dalloc_header_size()), (void **)&big);
        ck_assert_ptr_nonnull(big);
        ck_assert(!good_function(&heap, &none));
        ck_assert_ptr_null(none);
        dfree(&heap, (void **)&big, USING_PTR_ADDRESS);
    }
    dfree(&heap, (void **)&data, USING_PTR_ADDRESS);
    ck_assert_ptr_null(data);
    TEST_HEAP_OK(&heap);
}
END_TEST

START_TEST(validate_and_dfree_by_value)
{
    uint8_t *a = NULL, *b = NULL, *copy;
    uint32_t ia = 0, ib = 0, iv = 0;
    dalloc(&heap, 48, (void **)&a);
    dalloc(&heap, 48, (void **)&b);
    ck_assert(validate_ptr(&heap, (void **)&a, USING_PTR_ADDRESS, &ia));
    ck_assert(validate_ptr(&heap, (void **)&b, USING_PTR_ADDRESS, &ib));
    ck_assert_uint_ne(ia, ib);
    copy = b;
    ck_assert(validate_ptr(&heap, (void **)&copy, USING_PTR_VALUE, &iv));
    ck_assert_uint_eq(iv, ib);
    ck_assert(!validate_ptr(&heap, (void **)&copy, USING_PTR_ADDRESS, NULL));
    copy = b + 1;
    ck_assert(!validate_ptr(&heap, (void **)&copy, USING_PTR_VALUE, NULL));
    /* dfree by value clears the copy and the registered pointer. */
    copy = b;
    dfree(&heap, (void **)&copy, USING_PTR_VALUE);
    ck_assert_ptr_null(copy);
    ck_assert_ptr_null(b);
    ck_assert_uint_eq(heap.alloc_info.allocations_num, 1);
    /* Twice: refused, nothing changes. */
    copy = a + 8;
    dfree(&heap, (void **)&copy, USING_PTR_VALUE);
    ck_assert_ptr_eq(copy, a + 8);
    ck_assert_uint_eq(heap.alloc_info.allocations_num, 1);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_NOTBLOCK);
    dfree(&heap, (void **)&a, USING_PTR_ADDRESS);
    ck_assert_uint_eq(heap.offset, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Debug printers through the output hook.                                  */

START_TEST(print_dalloc_info_figures)
{
    uint8_t *a = NULL, *b = NULL;
    dalloc(&heap, 300, (void **)&a);
    dalloc(&heap, 123, (void **)&b);
    dalloc_set_output(test_out_fn, &out);
    print_dalloc_info(&heap);
    ck_assert_uint_gt(out.len, 0);
    ck_assert_msg(test_has_number(out.text, heap.total_size), "total size missing:\n%s", out.text);
    ck_assert_msg(test_has_number(out.text, heap.offset), "used bytes missing:\n%s", out.text);
    /* The figures are current: after a free the new offset is printed. */
    dfree(&heap, (void **)&a, USING_PTR_ADDRESS);
    memset(&out, 0, sizeof out);
    print_dalloc_info(&heap);
    ck_assert_msg(test_has_number(out.text, heap.offset), "used bytes missing:\n%s", out.text);
    ck_assert_msg(test_has_number(out.text, test_stats(&heap).free_bytes), "free bytes missing:\n%s", out.text);
    /* An uninitialised heap is reported, not followed. */
    {
        heap_t none;
        memset(&none, 0, sizeof none);
        memset(&out, 0, sizeof out);
        print_dalloc_info(&none);
        dump_heap(&none);
        dump_dalloc_ptr_info(&none);
        ck_assert_uint_gt(out.len, 0);
    }
}
END_TEST

START_TEST(dump_heap_shows_bytes)
{
    uint8_t *a = NULL;
    size_t before;
    dalloc_set_output(test_out_fn, &out);
    dump_heap(&heap);
    before = test_count_ci(out.text, "a5");
    ck_assert_uint_ge(out.len, 2 * (size_t)heap.total_size); /* two hex digits a byte at least */
    dalloc(&heap, 96, (void **)&a);
    memset(a, 0xA5, 96);
    memset(&out, 0, sizeof out);
    dump_heap(&heap);
    ck_assert_uint_ge(test_count_ci(out.text, "a5"), before + 96);
}
END_TEST

START_TEST(dump_ptr_info_lists_blocks)
{
    uint8_t *a = NULL, *b = NULL, *c = NULL;
    dalloc(&heap, 40, (void **)&a);
    dalloc(&heap, 80, (void **)&b);
    dalloc(&heap, 120, (void **)&c);
    dalloc_set_output(test_out_fn, &out);
    dump_dalloc_ptr_info(&heap);
    ck_assert_msg(test_has_ptr(out.text, a) && test_has_ptr(out.text, b) && test_has_ptr(out.text, c),
                  "block addresses missing:\n%s", out.text);
    ck_assert_msg(test_has_ptr(out.text, &a) && test_has_ptr(out.text, &b) && test_has_ptr(out.text, &c),
                  "owner addresses missing:\n%s", out.text);
    ck_assert_msg(test_has_number(out.text, heap.alloc_info.allocations_num), "block count missing:\n%s",
                  out.text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("seed");
    TCase *tc = tcase_create("readme");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, signatures_and_enums);
    tcase_add_test(tc, readme_option2_multiple_heaps);
    tcase_add_test(tc, readme_reallocation);
    tcase_add_test(tc, readme_transfer_ownership);
    tcase_add_test(tc, readme_checking_heap_state);
    tcase_add_test(tc, readme_pointer_lifetime);
    tcase_add_test(tc, validate_and_dfree_by_value);
    suite_add_tcase(s, tc);

    tc = tcase_create("printers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, print_dalloc_info_figures);
    tcase_add_test(tc, dump_heap_shows_bytes);
    tcase_add_test(tc, dump_ptr_info_lists_blocks);
    suite_add_tcase(s, tc);

    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
