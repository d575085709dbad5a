/*
 * test_report.c - looking at a heap: the block visitors, the heap map and
 * the printed report.
 *
 *  - dalloc_for_each_used_block visits every live block once, in address
 *    order, with its kind, usable size, module, pin state and owner; the
 *    library's own blocks (module registry) are not shown;
 *  - dalloc_for_each_free_block visits holes and the gap; their bytes add
 *    up to the free bytes of dalloc_get_stats;
 *  - dalloc_heap_map draws free space, relocatable, pinned, fixed and
 *    module blocks with their characters, in address order;
 *  - dalloc_report prints the figures, the module table, the histogram and
 *    the map through the output hook;
 *  - bad arguments are refused and nothing is written.
 */
#include "testutil.h"

#include <stdio.h>

#define HEAP 16384u
TEST_BUFFER(buf, HEAP);
static dalloc_heap_t heap;

typedef struct {
    dalloc_block_info_t b[256];
    size_t n;
} seen_t;

static void collect(void *ctx, const dalloc_block_info_t *bi)
{
    seen_t *s = (seen_t *)ctx;
    ck_assert_uint_lt(s->n, 256);
    s->b[s->n++] = *bi;
}

static seen_t seen;

static void setup(void)
{
    memset(&seen, 0, sizeof seen);
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP), DALLOC_OK);
}

static void teardown(void)
{
    dalloc_heap_deinit(&heap);
}

START_TEST(used_blocks_visited_once_with_their_facts)
{
    void *r[4] = {NULL, NULL, NULL, NULL};
    void *f;
    dalloc_module_t net;
    size_t i;
    ck_assert_int_eq(dalloc_module_register(&heap, "net", &net), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 100, &r[0]), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 200, &r[1], net), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 300, &r[2]), DALLOC_OK);
    ck_assert_int_eq(dalloc_pin(&heap, &r[2]), DALLOC_OK);
    f = dalloc_fixed_alloc(&heap, 400, 64, net);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(dalloc_for_each_used_block(&heap, collect, &seen), DALLOC_OK);
    ck_assert_uint_eq(seen.n, 4); /* the registry and index are not shown */
    for (i = 1; i < seen.n; i++)
        ck_assert((const uint8_t *)seen.b[i].addr > (const uint8_t *)seen.b[i - 1].addr);
    ck_assert_ptr_eq(seen.b[0].addr, r[0]);
    ck_assert_int_eq(seen.b[0].kind, DALLOC_BLOCK_RELOCATABLE);
    ck_assert_uint_ge(seen.b[0].size, 100);
    ck_assert_ptr_eq(seen.b[0].owner, &r[0]);
    ck_assert_int_eq(seen.b[0].module, DALLOC_NO_MODULE);
    ck_assert(!seen.b[0].pinned);
    ck_assert_ptr_eq(seen.b[1].addr, r[1]);
    ck_assert_int_eq(seen.b[1].module, net);
    ck_assert_uint_ge(seen.b[1].size, 200);
    ck_assert_ptr_eq(seen.b[2].addr, r[2]);
    ck_assert(seen.b[2].pinned);
    ck_assert_ptr_eq(seen.b[3].addr, f);
    ck_assert_int_eq(seen.b[3].kind, DALLOC_BLOCK_FIXED);
    ck_assert_int_eq(seen.b[3].module, net);
    ck_assert_ptr_null(seen.b[3].owner);
    ck_assert_uint_ge(seen.b[3].size, 400);
    /* Spans add up to the used bytes of the figures. */
    {
        size_t total = 0;
        for (i = 0; i < seen.n; i++) {
            ck_assert_uint_gt(seen.b[i].span, seen.b[i].size);
            total += seen.b[i].span;
        }
        ck_assert_uint_eq(total, test_stats(&heap).used_bytes);
    }
}
END_TEST

START_TEST(free_blocks_add_up_to_the_free_bytes)
{
    void *r[10] = {NULL};
    size_t i, total = 0;
    for (i = 0; i < 10; i++)
        ck_assert_int_eq(dalloc_alloc(&heap, 64 + 8 * i, &r[i]), DALLOC_OK);
    ck_assert_ptr_nonnull(dalloc_malloc(&heap, 256));
    for (i = 1; i < 10; i += 3)
        ck_assert_int_eq(dalloc_free(&heap, &r[i], USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_for_each_free_block(&heap, collect, &seen), DALLOC_OK);
    /* Three holes plus the gap. */
    ck_assert_uint_eq(seen.n, 4);
    for (i = 0; i < seen.n; i++) {
        ck_assert_int_eq(seen.b[i].kind, DALLOC_BLOCK_FREE);
        total += seen.b[i].size;
    }
    ck_assert_uint_eq(total, test_stats(&heap).free_bytes);
    ck_assert_uint_eq(seen.n - 1, test_stats(&heap).free_blocks);
}
END_TEST

/* Index of the first occurrence of c in s, or -1. */
static int first(const char *s, char c)
{
    const char *p = strchr(s, c);
    return p != NULL ? (int)(p - s) : -1;
}

START_TEST(map_draws_each_kind_in_place)
{
    void *a = NULL, *b = NULL, *c = NULL;
    char map[129];
    dalloc_module_t m;
    size_t i;
    ck_assert_int_eq(dalloc_module_register(&heap, "ui", &m), DALLOC_OK);
    /* Big enough blocks that each covers several columns of 128. */
    ck_assert_int_eq(dalloc_alloc(&heap, 1500, &a), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc_in(&heap, 1500, &b, m), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 1500, &c), DALLOC_OK);
    ck_assert_int_eq(dalloc_pin(&heap, &c), DALLOC_OK);
    ck_assert_ptr_nonnull(dalloc_malloc(&heap, 1500));
    ck_assert_uint_eq(dalloc_heap_map(&heap, map, 128), 128);
    ck_assert_int_eq(map[128], '\0');
    ck_assert_uint_eq(strlen(map), 128);
    /* In address order: relocatable, module 'a', pinned, free gap, fixed. */
    ck_assert_int_eq(map[0], '=');
    ck_assert_int_gt(first(map, 'a'), first(map, '='));
    ck_assert_int_gt(first(map, '!'), first(map, 'a'));
    ck_assert_int_gt(first(map, '.'), first(map, '!'));
    ck_assert_int_gt(first(map, '#'), first(map, '.'));
    for (i = 0; i < 128; i++)
        ck_assert(strchr("=a!.#", map[i]) != NULL);
    /* After freeing the first block its columns become free. */
    ck_assert_int_eq(dalloc_free(&heap, &a, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_eq(dalloc_heap_map(&heap, map, 128), 128);
    ck_assert_int_eq(map[0], '.');
}
END_TEST

START_TEST(report_prints_figures_modules_and_map)
{
    static test_out_t out;
    void *r[6] = {NULL};
    dalloc_module_t net, fs;
    size_t i;
    char used[32];
    memset(&out, 0, sizeof out);
    ck_assert_int_eq(dalloc_module_register(&heap, "net", &net), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_register(&heap, "fs", &fs), DALLOC_OK);
    ck_assert_int_eq(dalloc_module_set_quota(&heap, fs, 4096), DALLOC_OK);
    for (i = 0; i < 6; i++)
        ck_assert_int_eq(dalloc_alloc_in(&heap, 300, &r[i], i % 2 ? net : fs), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &r[2], USING_PTR_ADDRESS), DALLOC_OK);
    dalloc_set_output(test_out_fn, &out);
    dalloc_report(&heap);
    dalloc_set_output(NULL, NULL);
    snprintf(used, sizeof used, "%lu", (unsigned long)heap.offset);
    ck_assert_msg(strstr(out.text, used) != NULL, "report lacks the used bytes:\n%s", out.text);
    ck_assert(strstr(out.text, "net") != NULL);
    ck_assert(strstr(out.text, "fs") != NULL);
    ck_assert(test_has_number(out.text, 4096)); /* the quota */
    ck_assert(strstr(out.text, "fragmentation") != NULL);
    ck_assert(strstr(out.text, "free stretches") != NULL);
    /* Four map rows of 64 characters between bars. */
    ck_assert_uint_ge(test_count_ci(out.text, "|\n"), 4);
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
    char map[8] = "XXXXXXX";
    dalloc_heap_t none;
    memset(&none, 0, sizeof none);
    ck_assert_int_eq(dalloc_for_each_used_block(&heap, NULL, NULL), DALLOC_E_ARG);
    ck_assert_int_eq(dalloc_for_each_free_block(NULL, collect, &seen), DALLOC_E_HEAP);
    ck_assert_int_eq(dalloc_for_each_used_block(&none, collect, &seen), DALLOC_E_HEAP);
    ck_assert_uint_eq(seen.n, 0);
    ck_assert_uint_eq(dalloc_heap_map(&heap, map, 0), 0);
    ck_assert_uint_eq(dalloc_heap_map(&none, map, 4), 0);
    ck_assert_uint_eq(dalloc_heap_map(&heap, NULL, 4), 0);
    ck_assert_str_eq(map, "XXXXXXX"); /* nothing written */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("report");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, used_blocks_visited_once_with_their_facts);
    tcase_add_test(tc, free_blocks_add_up_to_the_free_bytes);
    tcase_add_test(tc, map_draws_each_kind_in_place);
    tcase_add_test(tc, report_prints_figures_modules_and_map);
    tcase_add_test(tc, bad_arguments_are_refused);
    suite_add_tcase(s, tc);
    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
