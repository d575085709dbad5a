/*
 * test_single_heap.c - the default heap of dalloc 1.x (--enable-single-heap,
 * DALLOC_SINGLE_HEAP 1).  Built without it, the program reports a skip
 * (exit status 77).
 *
 * Covers:
 *  - the README's "Option 1: Single Global Heap" quick start, and its
 *    "Reallocation", "Transferring Pointer Ownership", "Bulk Reset" (100
 *    objects of 16 bytes cleared by dalloc_reset_heap) and "Checking Heap
 *    State" examples, with def_dalloc / def_dfree / def_drealloc /
 *    def_replace_pointers;
 *  - dalloc_register_heap refusals (NULL, size 0, a buffer too small, a
 *    second registration, which leaves the first heap in use);
 *  - dalloc_unregister_heap(false) refused while blocks are live,
 *    (true) accepted; unregistering when nothing is registered;
 *  - dalloc_is_initialized, dalloc_get_default_heap (NULL when none);
 *  - the def_ calls with no heap registered refuse without crashing;
 *  - print_def_dalloc_info, dump_def_heap, dump_def_dalloc_ptr_info written
 *    through dalloc_set_output() and mentioning the heap's figures.
 */
#include "testutil.h"

#if DALLOC_SINGLE_HEAP

#include <stdbool.h>

// Place buffer in specific memory section if needed
__attribute__((aligned(4))) // Ensure 4-byte alignment!
static uint8_t heap_buffer[4096];

TEST_BUFFER(big_buffer, 8192);
TEST_BUFFER(other_buffer, 4096);
static test_out_t out;

static void setup(void)
{
    ck_assert(!dalloc_is_initialized());
    ck_assert_ptr_null(dalloc_get_default_heap());
    memset(&out, 0, sizeof out);
}

static void teardown(void)
{
    dalloc_set_output(NULL, NULL);
    (void)dalloc_unregister_heap(true);
}

/* ------------------------------------------------------------------------ */
/* README examples                                                           */

/* "Option 1: Single Global Heap", main() as a test. */
START_TEST(readme_option1_quick_start)
{
    // Register the heap buffer (must be called before any allocation)
    if (!dalloc_register_heap(heap_buffer, sizeof(heap_buffer))) {
        ck_abort_msg("Registration failed");
    }

    // Allocate memory
    uint8_t *data = NULL;
    def_dalloc(64, (void **)&data);

    if (data == NULL) {
        ck_abort_msg("Allocation failed");
    }
    ck_assert(data >= heap_buffer && data + 64 <= heap_buffer + sizeof heap_buffer);
    ck_assert_uint_eq(dalloc_get_default_heap()->offset, test_block_size(64));

    // Use allocated memory
    for (int i = 0; i < 64; i++) {
        data[i] = (uint8_t)i;
    }
    ck_assert_uint_eq(data[63], 63);

    // Free memory (data becomes NULL)
    def_dfree((void **)&data);
    ck_assert_ptr_null(data);
    ck_assert_uint_eq(dalloc_get_default_heap()->offset, 0);
    TEST_HEAP_OK(dalloc_get_default_heap());
}
END_TEST

START_TEST(readme_reallocation)
{
    ck_assert(dalloc_register_heap(heap_buffer, sizeof(heap_buffer)));
    uint8_t *blocker = NULL;

    uint8_t *buffer = NULL;
    def_dalloc(32, (void **)&buffer);
    def_dalloc(8, (void **)&blocker); /* so that growing has to move */
    ck_assert_ptr_nonnull(buffer);

    // Fill with data
    for (int i = 0; i < 32; i++) {
        buffer[i] = (uint8_t)i;
    }

    // Grow the buffer - data is preserved
    uint8_t *before = buffer;
    if (def_drealloc(64, (void **)&buffer)) {
        // buffer now has 64 bytes, first 32 contain original data
        buffer[32] = 0xFF; // Use new space
    } else {
        ck_abort_msg("def_drealloc(64) refused");
    }
    ck_assert_ptr_ne(buffer, before);
    for (int i = 0; i < 32; i++)
        ck_assert_uint_eq(buffer[i], (uint8_t)i);
    ck_assert(!def_drealloc(8192, (void **)&buffer)); /* too big: false, untouched */
    ck_assert_uint_eq(buffer[32], 0xFF);

    def_dfree((void **)&buffer);
    ck_assert_ptr_null(buffer);
    def_dfree((void **)&blocker);
    ck_assert_uint_eq(dalloc_get_default_heap()->offset, 0);
}
END_TEST

START_TEST(readme_transfer_ownership)
{
    ck_assert(dalloc_register_heap(heap_buffer, sizeof(heap_buffer)));

    uint8_t *temp_ptr = NULL;
    def_dalloc(64, (void **)&temp_ptr);

    // Work with temp_ptr...
    temp_ptr[0] = 0x42;

    // Transfer to permanent storage
    uint8_t *permanent_ptr = NULL;
    def_replace_pointers((void **)&temp_ptr, (void **)&permanent_ptr);
    // Now: temp_ptr == NULL, permanent_ptr points to the memory
    ck_assert_ptr_null(temp_ptr);
    ck_assert_ptr_nonnull(permanent_ptr);
    ck_assert_uint_eq(permanent_ptr[0], 0x42);
    ck_assert(validate_ptr(dalloc_get_default_heap(), (void **)&permanent_ptr, USING_PTR_ADDRESS, NULL));

    // Later...
    def_dfree((void **)&permanent_ptr);
    ck_assert_ptr_null(permanent_ptr);
    ck_assert_uint_eq(dalloc_get_default_heap()->alloc_info.allocations_num, 0);
}
END_TEST

START_TEST(readme_bulk_reset)
{
    ck_assert(dalloc_register_heap(big_buffer, 8192));

    // Array of pointers - must persist until free/reset
    uint8_t *objects[100];

    // Allocate many objects
    for (int i = 0; i < 100; i++) {
        objects[i] = NULL;
        def_dalloc(16, (void **)&objects[i]);
        if (objects[i]) {
            objects[i][0] = (uint8_t)i; // Use allocated memory
        }
    }
    for (int i = 0; i < 100; i++) {
        ck_assert_ptr_nonnull(objects[i]);
        ck_assert_uint_eq(objects[i][0], (uint8_t)i);
    }
    ck_assert_uint_eq(dalloc_get_default_heap()->alloc_info.allocations_num, 100);
    ck_assert_uint_eq(dalloc_get_default_heap()->offset, 100 * test_block_size(16));

    // Instead of freeing each one, reset the entire heap
    dalloc_reset_heap();
    // All allocations are cleared, heap is empty
    for (int i = 0; i < 100; i++)
        ck_assert_ptr_null(objects[i]);
    ck_assert(dalloc_is_initialized());
    ck_assert_uint_eq(dalloc_get_default_heap()->offset, 0);
    ck_assert_uint_eq(dalloc_get_default_heap()->alloc_info.allocations_num, 0);
    TEST_HEAP_OK(dalloc_get_default_heap());
    /* Usable again, and empty: the whole arena is one block. */
    {
        dalloc_stats_t st = test_stats(dalloc_get_default_heap());
        ck_assert_uint_eq(st.free_blocks, 0);
        def_dalloc((uint32_t)st.largest_free, (void **)&objects[0]);
        ck_assert_ptr_nonnull(objects[0]);
        def_dfree((void **)&objects[0]);
    }
}
END_TEST

START_TEST(readme_checking_heap_state)
{
    static uint8_t buffer[2048];
    uint8_t *a = NULL;
    char line[96];

    if (!dalloc_is_initialized()) {
        dalloc_register_heap(buffer, sizeof(buffer));
    }
    ck_assert(dalloc_is_initialized());
    def_dalloc(100, (void **)&a);

    heap_t *heap = dalloc_get_default_heap();
    ck_assert_ptr_nonnull(heap);
    if (heap != NULL) {
        (void)snprintf(line, sizeof line, "Used: %lu / %lu bytes\n", (unsigned long)heap->offset,
                       (unsigned long)heap->total_size);
        ck_assert(test_has_number(line, (unsigned long)test_block_size(100)));
        ck_assert(test_has_number(line, (unsigned long)sizeof buffer));
        (void)snprintf(line, sizeof line, "Allocations: %lu\n", (unsigned long)heap->alloc_info.allocations_num);
        ck_assert(test_has_number(line, 1));
        ck_assert_ptr_eq(heap->mem, buffer);
    }
    /* Already registered: the example's guard skips registration. */
    if (!dalloc_is_initialized()) {
        ck_abort_msg("registration lost");
    }
    ck_assert(!dalloc_register_heap(other_buffer, 4096));
    ck_assert_ptr_eq(dalloc_get_default_heap()->mem, buffer);
    def_dfree((void **)&a);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Registration                                                              */

START_TEST(register_refusals)
{
    static uint8_t tiny[16];
    uint8_t *p = NULL;
    ck_assert(!dalloc_register_heap(NULL, 4096));
    ck_assert(!dalloc_is_initialized());
    ck_assert(!dalloc_register_heap(heap_buffer, 0));
    ck_assert(!dalloc_is_initialized());
    ck_assert(!dalloc_register_heap(tiny, sizeof tiny));
    ck_assert(!dalloc_is_initialized());
    ck_assert_ptr_null(dalloc_get_default_heap());

    ck_assert(dalloc_register_heap(heap_buffer, sizeof heap_buffer));
    ck_assert(dalloc_is_initialized());
    def_dalloc(32, (void **)&p);
    ck_assert_ptr_nonnull(p);
    memset(p, 0x5C, 32);
    /* Twice: refused, the first heap stays in use with its block. */
    ck_assert(!dalloc_register_heap(other_buffer, 4096));
    ck_assert_ptr_eq(dalloc_get_default_heap()->mem, heap_buffer);
    ck_assert(validate_ptr(dalloc_get_default_heap(), (void **)&p, USING_PTR_ADDRESS, NULL));
    ck_assert_uint_eq(p[31], 0x5C);
    ck_assert_uint_eq(dalloc_get_default_heap()->alloc_info.allocations_num, 1);
    def_dfree((void **)&p);
    TEST_HEAP_OK(dalloc_get_default_heap());
}
END_TEST

START_TEST(unregister_force)
{
    uint8_t *p = NULL;
    ck_assert(!dalloc_unregister_heap(false)); /* nothing registered */
    ck_assert(!dalloc_unregister_heap(true));
    ck_assert(dalloc_register_heap(heap_buffer, sizeof heap_buffer));
    def_dalloc(40, (void **)&p);
    ck_assert_ptr_nonnull(p);
    ck_assert(!dalloc_unregister_heap(false)); /* a live allocation */
    ck_assert(dalloc_is_initialized());
    ck_assert(validate_ptr(dalloc_get_default_heap(), (void **)&p, USING_PTR_ADDRESS, NULL));
    ck_assert(dalloc_unregister_heap(true));
    ck_assert(!dalloc_is_initialized());
    ck_assert_ptr_null(dalloc_get_default_heap());
    /* Registered anew after it, empty. */
    ck_assert(dalloc_register_heap(heap_buffer, sizeof heap_buffer));
    ck_assert_uint_eq(dalloc_get_default_heap()->offset, 0);
    p = NULL;
    def_dalloc(40, (void **)&p);
    def_dfree((void **)&p);
    ck_assert(dalloc_unregister_heap(false)); /* empty: accepted */
    ck_assert(!dalloc_is_initialized());
}
END_TEST

START_TEST(def_calls_without_heap)
{
    uint8_t *p = heap_buffer, *q = NULL, *keep = heap_buffer;
    def_dalloc(16, (void **)&p);
    ck_assert_ptr_null(p);
    p = keep;
    def_dfree((void **)&p);
    ck_assert_ptr_eq(p, keep);
    ck_assert(!def_drealloc(16, (void **)&p));
    ck_assert_ptr_eq(p, keep);
    def_replace_pointers((void **)&p, (void **)&q);
    ck_assert_ptr_eq(p, keep);
    ck_assert_ptr_null(q);
    dalloc_reset_heap(); /* nothing to reset */
    ck_assert(!dalloc_is_initialized());
    dalloc_set_output(test_out_fn, &out);
    print_def_dalloc_info();
    dump_def_heap();
    dump_def_dalloc_ptr_info();
    ck_assert_uint_gt(out.len, 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Printers                                                                  */

START_TEST(def_printers)
{
    uint8_t *a = NULL, *b = NULL;
    heap_t *h;
    size_t before;
    ck_assert(dalloc_register_heap(heap_buffer, sizeof heap_buffer));
    h = dalloc_get_default_heap();
    def_dalloc(200, (void **)&a);
    def_dalloc(72, (void **)&b);
    memset(a, 0xA5, 200);
    dalloc_set_output(test_out_fn, &out);

    print_def_dalloc_info();
    ck_assert_msg(test_has_number(out.text, h->total_size), "total size missing:\n%s", out.text);
    ck_assert_msg(test_has_number(out.text, h->offset), "used bytes missing:\n%s", out.text);

    memset(&out, 0, sizeof out);
    dump_def_dalloc_ptr_info();
    ck_assert_msg(test_has_ptr(out.text, a) && test_has_ptr(out.text, b), "blocks missing:\n%s", out.text);
    ck_assert_msg(test_has_ptr(out.text, &a) && test_has_ptr(out.text, &b), "owners missing:\n%s", out.text);

    memset(&out, 0, sizeof out);
    memset(a, 0, 200);
    dump_def_heap();
    before = test_count_ci(out.text, "a5");
    ck_assert_uint_ge(out.len, 2 * (size_t)h->total_size);
    memset(&out, 0, sizeof out);
    memset(a, 0xA5, 200);
    dump_def_heap();
    ck_assert_uint_ge(test_count_ci(out.text, "a5"), before + 200);

    def_dfree((void **)&a);
    def_dfree((void **)&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("single_heap");
    TCase *tc = tcase_create("readme");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, readme_option1_quick_start);
    tcase_add_test(tc, readme_reallocation);
    tcase_add_test(tc, readme_transfer_ownership);
    tcase_add_test(tc, readme_bulk_reset);
    tcase_add_test(tc, readme_checking_heap_state);
    suite_add_tcase(s, tc);

    tc = tcase_create("registration");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, register_refusals);
    tcase_add_test(tc, unregister_force);
    tcase_add_test(tc, def_calls_without_heap);
    tcase_add_test(tc, def_printers);
    suite_add_tcase(s, tc);

    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#else /* !DALLOC_SINGLE_HEAP */

int main(void)
{
    (void)printf("test_single_heap: library built without --enable-single-heap: skipped\n");
    return 77; /* Automake's SKIP */
}

#endif /* DALLOC_SINGLE_HEAP */
