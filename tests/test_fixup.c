/*
 * test_fixup.c - registered pointers kept right when blocks move.
 *
 * Covers:
 *  - owners on the stack, in static storage and inside heap blocks (a struct
 *    in a block whose member owns another block, two levels deep), all
 *    rewritten by dalloc_compact();
 *  - a linked list of 1024 nodes whose `next` fields own the next node,
 *    built with dalloc_alloc(&heap, sizeof(node), (void **)&tail->next);
 *    every other node unlinked properly (the successor handed to a
 *    temporary owner with dalloc_replace, the node freed, the successor
 *    handed back), then compacted: every value in order, every `next` the
 *    registered owner of the block it points to (validated by address and
 *    by value), the heap packed; the same under DALLOC_COMPACT_ON_FREE where
 *    every free moves the nodes above it; then the list freed tail first;
 *  - a self-referencing block (its owner is its own first word) that
 *    survives compaction and can be freed through itself;
 *  - drealloc() moving a block that holds the owners of others: the owners
 *    move with it and later moves of the children rewrite the new slots;
 *  - freeing a node that still owns its successor: DALLOC_E_BUSY, by address
 *    and by value, with nothing changed;
 *  - shrinking a block below an owner it holds never leaves a registration
 *    pointing into free space (dalloc_check stays OK).
 */
#include "testutil.h"

#define HEAP_SIZE (160 * 1024) /* 1024 nodes even with 64-byte blocks */
#define NODES 1024

typedef struct node {
    uint32_t value;
    struct node *next; /* owns the next node */
} node_t;

typedef struct {
    uint32_t tag;
    void *child; /* owns another block */
} holder_t;

static dalloc_heap_t heap;
TEST_BUFFER(buf, HEAP_SIZE);
TEST_BUFFER(snap, HEAP_SIZE);
static node_t *head; /* owner in static storage */

static void setup(void)
{
    ck_assert_int_eq(dalloc_heap_init(&heap, buf, HEAP_SIZE), DALLOC_OK);
    head = NULL;
}

static void teardown(void) { dalloc_heap_deinit(&heap); }

static int heap_blocks_same(const dalloc_stats_t *a)
{
    dalloc_stats_t b = test_stats(&heap);
    return test_stats_same(a, &b) && a->refusals == b.refusals;
}

/* ------------------------------------------------------------------------ */

START_TEST(owners_stack_static_heap)
{
    static void *s_owner;
    void *k_owner = NULL, *filler = NULL, *old_s, *old_k, *old_child, *old_grand;
    holder_t *h = NULL, *old_h;
    holder_t *child;

    ck_assert_int_eq(dalloc_alloc(&heap, 500, &filler), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, sizeof *h, (void **)&h), DALLOC_OK);
    h->tag = 0xABCD;
    h->child = NULL;
    s_owner = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &s_owner), DALLOC_OK);
    test_fill(s_owner, 64, 1);
    ck_assert_int_eq(dalloc_alloc(&heap, 64, &k_owner), DALLOC_OK);
    test_fill(k_owner, 64, 2);
    /* h->child owns a holder whose child owns a 48-byte block. */
    ck_assert_int_eq(dalloc_alloc(&heap, sizeof(holder_t), &h->child), DALLOC_OK);
    child = (holder_t *)h->child;
    child->tag = 0x1234;
    child->child = NULL;
    ck_assert_int_eq(dalloc_alloc(&heap, 48, &child->child), DALLOC_OK);
    test_fill(child->child, 48, 3);
    TEST_HEAP_OK(&heap);

    old_h = h;
    old_s = s_owner;
    old_k = k_owner;
    old_child = h->child;
    old_grand = child->child;
    ck_assert_int_eq(dalloc_free(&heap, &filler, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    TEST_HEAP_OK(&heap);

    ck_assert_ptr_ne(h, old_h);
    ck_assert_ptr_ne(s_owner, old_s);
    ck_assert_ptr_ne(k_owner, old_k);
    ck_assert_ptr_ne(h->child, old_child);
    child = (holder_t *)h->child;
    ck_assert_ptr_ne(child->child, old_grand);
    ck_assert_uint_eq(h->tag, 0xABCD);
    ck_assert_uint_eq(child->tag, 0x1234);
    ck_assert(test_verify(s_owner, 64, 1));
    ck_assert(test_verify(k_owner, 64, 2));
    ck_assert(test_verify(child->child, 48, 3));
    ck_assert_int_eq(dalloc_validate(&heap, (void **)&h, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &s_owner, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &k_owner, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &h->child, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_int_eq(dalloc_validate(&heap, &child->child, USING_PTR_ADDRESS, NULL), DALLOC_OK);

    /* Tear down, innermost first. */
    ck_assert_int_eq(dalloc_free(&heap, (void **)&h, USING_PTR_ADDRESS), DALLOC_E_BUSY);
    ck_assert_int_eq(dalloc_free(&heap, &child->child, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_ptr_null(child->child);
    ck_assert_int_eq(dalloc_free(&heap, &h->child, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_ptr_null(h->child);
    ck_assert_int_eq(dalloc_free(&heap, (void **)&h, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &s_owner, USING_PTR_VALUE), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &k_owner, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_eq(heap.offset, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The linked list                                                           */

static void build_list(int n)
{
    node_t *tail;
    int i;
    ck_assert_int_eq(dalloc_alloc(&heap, sizeof(node_t), (void **)&head), DALLOC_OK);
    head->value = 0;
    head->next = NULL;
    tail = head;
    for (i = 1; i < n; i++) {
        ck_assert_int_eq(dalloc_alloc(&heap, sizeof(node_t), (void **)&tail->next), DALLOC_OK);
        tail = tail->next;
        tail->value = (uint32_t)i;
        tail->next = NULL;
    }
    ck_assert_uint_eq(heap.alloc_info.allocations_num, (uint32_t)n);
    TEST_HEAP_OK(&heap);
}

/* Unlink the node after prev: its successor goes to a temporary owner,
 * the node is freed, the successor comes back to prev->next.  Re-finds
 * prev through walk() after each call that may move blocks. */
static node_t *walk(int k)
{
    node_t *p = head;
    while (k-- > 0)
        p = p->next;
    return p;
}

static void unlink_after(int k)
{
    node_t *victim = walk(k)->next, *tmp = NULL;
    if (victim->next != NULL) {
        ck_assert_int_eq(dalloc_replace(&heap, (void **)&victim->next, (void **)&tmp), DALLOC_OK);
        ck_assert_ptr_null(victim->next);
    }
    ck_assert_int_eq(dalloc_free(&heap, (void **)&walk(k)->next, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_ptr_null(walk(k)->next);
    if (tmp != NULL) {
        ck_assert_int_eq(dalloc_replace(&heap, (void **)&tmp, (void **)&walk(k)->next), DALLOC_OK);
        ck_assert_ptr_null(tmp);
    }
}

/* Values 0, step, 2*step, ... in order; every next is the registered owner
 * of a live block holding the next node. */
static void verify_list(int count, uint32_t step)
{
    node_t *p = head;
    int i;
    ck_assert_int_eq(dalloc_validate(&heap, (void **)&head, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    for (i = 0; i < count; i++) {
        ck_assert_ptr_nonnull(p);
        ck_assert_msg(p->value == (uint32_t)i * step, "node %d holds %u", i, p->value);
        if (i + 1 < count) {
            node_t *n = p->next;
            ck_assert_msg(dalloc_validate(&heap, (void **)&p->next, USING_PTR_ADDRESS, NULL) == DALLOC_OK,
                          "next of node %d is not the owner of its block", i);
            ck_assert_int_eq(dalloc_validate(&heap, (void **)&n, USING_PTR_VALUE, NULL), DALLOC_OK);
        }
        p = p->next;
    }
    ck_assert_ptr_null(p);
    ck_assert_uint_eq(heap.alloc_info.allocations_num, (uint32_t)count);
}

/* Free the list tail first (each node owns the next, so that is the only
 * order the heap accepts). */
static void free_list(void)
{
    while (head != NULL) {
        node_t *p = head;
        if (p->next == NULL) {
            ck_assert_int_eq(dalloc_free(&heap, (void **)&head, USING_PTR_ADDRESS), DALLOC_OK);
            break;
        }
        while (p->next->next != NULL)
            p = p->next;
        ck_assert_int_eq(dalloc_free(&heap, (void **)&p->next, USING_PTR_ADDRESS), DALLOC_OK);
    }
    ck_assert_ptr_null(head);
    ck_assert_uint_eq(heap.offset, 0);
    TEST_HEAP_OK(&heap);
}

START_TEST(list_unlink_every_other_then_compact)
{
    dalloc_stats_t st;
    int k;
    size_t moved;
    build_list(NODES);
    verify_list(NODES, 1);
    for (k = 0; k < NODES / 2; k++)
        unlink_after(k);
    TEST_HEAP_OK(&heap);
    st = test_stats(&heap);
    ck_assert_uint_eq(st.live_blocks, NODES / 2);
    ck_assert_uint_eq(st.free_blocks, NODES / 2 - 1); /* the last one joined the top gap */
    ck_assert_uint_eq(st.bytes_moved, 0);              /* on-demand: frees move nothing */
    verify_list(NODES / 2, 2);

    moved = dalloc_compact(&heap);
    ck_assert_uint_gt(moved, 0);
    TEST_HEAP_OK(&heap);
    st = test_stats(&heap);
    ck_assert_uint_eq(st.free_blocks, 0);
    ck_assert_uint_eq(st.used_bytes, (NODES / 2) * test_block_size(sizeof(node_t)));
    verify_list(NODES / 2, 2);
    /* Every node now lies in the packed part of the arena. */
    {
        node_t *p;
        uint8_t *lo = (uint8_t *)head, *hi = (uint8_t *)head;
        for (p = head; p != NULL; p = p->next) {
            lo = (uint8_t *)p < lo ? (uint8_t *)p : lo;
            hi = (uint8_t *)p > hi ? (uint8_t *)p : hi;
        }
        ck_assert_uint_eq((size_t)(hi - lo), (NODES / 2 - 1) * test_block_size(sizeof(node_t)));
    }
    free_list();
}
END_TEST

START_TEST(list_unlink_under_on_free)
{
    int k;
    build_list(NODES / 4);
    ck_assert_int_eq(dalloc_set_policy(&heap, DALLOC_COMPACT_ON_FREE), DALLOC_OK);
    for (k = 0; k < NODES / 8; k++) {
        unlink_after(k);
        ck_assert_uint_eq(test_stats(&heap).free_blocks, 0);
    }
    ck_assert_uint_gt(test_stats(&heap).bytes_moved, 0);
    TEST_HEAP_OK(&heap);
    verify_list(NODES / 8, 2);
    free_list();
}
END_TEST

START_TEST(busy_node_untouched)
{
    node_t *second, *third, *copy;
    dalloc_stats_t st;
    build_list(3);
    second = head->next;
    third = second->next;
    st = test_stats(&heap);
    test_raw_copy(snap, buf, HEAP_SIZE);
    ck_assert_int_eq(dalloc_free(&heap, (void **)&head->next, USING_PTR_ADDRESS), DALLOC_E_BUSY);
    ck_assert_ptr_eq(head->next, second);
    copy = second;
    ck_assert_int_eq(dalloc_free(&heap, (void **)&copy, USING_PTR_VALUE), DALLOC_E_BUSY);
    ck_assert_ptr_eq(copy, second);
    ck_assert_int_eq(dalloc_free(&heap, (void **)&head, USING_PTR_ADDRESS), DALLOC_E_BUSY);
    ck_assert_int_eq(dalloc_last_error(&heap), DALLOC_E_BUSY);
    ck_assert(test_raw_same(snap, buf, HEAP_SIZE));
    ck_assert(heap_blocks_same(&st));
    ck_assert_ptr_eq(second->next, third);
    verify_list(3, 1);
    /* Once the successor is gone, the node frees. */
    ck_assert_int_eq(dalloc_free(&heap, (void **)&second->next, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, (void **)&copy, USING_PTR_VALUE), DALLOC_OK);
    ck_assert_ptr_null(head->next);
    free_list();
}
END_TEST

/* ------------------------------------------------------------------------ */

/* The only word of the buffer that holds its own address. */
static void **find_self_pointer(void)
{
    void **found = NULL;
    size_t i, n = 0;
    TEST_RAW_BEGIN();
    for (i = 0; i + sizeof(void *) <= HEAP_SIZE; i += sizeof(void *)) {
        void **w = (void **)(void *)(buf + i);
        if (*w == (void *)w) {
            found = w;
            n++;
        }
    }
    TEST_RAW_END();
    TEST_RAW_DEFINED(&n, sizeof n);
    TEST_RAW_DEFINED(&found, sizeof found);
    ck_assert_uint_eq(n, 1);
    return found;
}

START_TEST(self_reference_survives_compaction)
{
    void *filler = NULL, *p = NULL, *old;
    void **self;
    size_t w = sizeof(void *);
    ck_assert_int_eq(dalloc_alloc(&heap, 256, &filler), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, 96, &p), DALLOC_OK);
    test_fill((uint8_t *)p + w, 96 - w, 5);
    old = p;
    *(void **)old = NULL; /* a new owner holds no block (dalloc_replace reads it) */
    ck_assert_int_eq(dalloc_replace(&heap, &p, (void **)old), DALLOC_OK);
    ck_assert_ptr_null(p);
    ck_assert_ptr_eq(*(void **)old, old);
    ck_assert_int_eq(dalloc_validate(&heap, (void **)old, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    TEST_HEAP_OK(&heap);

    ck_assert_int_eq(dalloc_free(&heap, &filler, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    TEST_HEAP_OK(&heap);
    self = find_self_pointer();
    ck_assert_ptr_ne((void *)self, old);
    ck_assert(test_verify((uint8_t *)self + w, 96 - w, 5));
    ck_assert_int_eq(dalloc_validate(&heap, self, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    ck_assert_ptr_null(p);
    /* A free through itself: its owner is cleared, the heap is empty. */
    ck_assert_int_eq(dalloc_free(&heap, self, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_eq(heap.offset, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* A parent block whose slots own 8 children; drealloc() makes it move. */
#define SLOTS 8
START_TEST(drealloc_moves_owner_block)
{
    void **parent = NULL, **old_parent, *blocker = NULL, *below = NULL;
    void *old_child[SLOTS];
    int i;
    ck_assert_int_eq(dalloc_alloc(&heap, 300, &below), DALLOC_OK);
    ck_assert_int_eq(dalloc_alloc(&heap, SLOTS * sizeof(void *), (void **)&parent), DALLOC_OK);
    for (i = 0; i < SLOTS; i++) {
        parent[i] = NULL;
        ck_assert_int_eq(dalloc_alloc(&heap, 40 + 8 * (size_t)i, &parent[i]), DALLOC_OK);
        test_fill(parent[i], 40 + 8 * (size_t)i, (unsigned)i);
        old_child[i] = parent[i];
    }
    ck_assert_int_eq(dalloc_alloc(&heap, 16, &blocker), DALLOC_OK);
    old_parent = parent;
    ck_assert(drealloc(&heap, (uint32_t)(64 * sizeof(void *)), (void **)&parent));
    ck_assert_ptr_ne(parent, old_parent);
    TEST_HEAP_OK(&heap);
    for (i = 0; i < SLOTS; i++) {
        ck_assert_ptr_eq(parent[i], old_child[i]); /* children did not move */
        ck_assert_msg(dalloc_validate(&heap, &parent[i], USING_PTR_ADDRESS, NULL) == DALLOC_OK,
                      "slot %d of the moved block is not the owner of child %d", i, i);
    }
    ck_assert_int_eq(dalloc_validate(&heap, (void **)&parent, USING_PTR_ADDRESS, NULL), DALLOC_OK);
    /* Children move now: the new slots are rewritten. */
    ck_assert_int_eq(dalloc_free(&heap, &below, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_gt(dalloc_compact(&heap), 0);
    TEST_HEAP_OK(&heap);
    for (i = 0; i < SLOTS; i++) {
        ck_assert_ptr_ne(parent[i], old_child[i]);
        ck_assert(test_verify(parent[i], 40 + 8 * (size_t)i, (unsigned)i));
        ck_assert_int_eq(dalloc_validate(&heap, &parent[i], USING_PTR_ADDRESS, NULL), DALLOC_OK);
    }
    ck_assert_int_eq(dalloc_free(&heap, (void **)&parent, USING_PTR_ADDRESS), DALLOC_E_BUSY);
    for (i = 0; i < SLOTS; i++) {
        ck_assert_int_eq(dalloc_free(&heap, &parent[i], USING_PTR_ADDRESS), DALLOC_OK);
        ck_assert_ptr_null(parent[i]);
    }
    ck_assert_int_eq(dalloc_free(&heap, (void **)&parent, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_int_eq(dalloc_free(&heap, &blocker, USING_PTR_ADDRESS), DALLOC_OK);
    ck_assert_uint_eq(heap.offset, 0);
    TEST_HEAP_OK(&heap);
}
END_TEST

/* A block holding an owner in its last slot is shrunk below that slot.
 * Whether refused or done, no registration may be left in free space. */
START_TEST(shrink_below_owned_slot)
{
    void **parent = NULL, *keep_child, *after = NULL;
    dalloc_status_t r;
    ck_assert_int_eq(dalloc_alloc(&heap, 16 * sizeof(void *), (void **)&parent), DALLOC_OK);
    memset(parent, 0, 16 * sizeof(void *));
    ck_assert_int_eq(dalloc_alloc(&heap, 32, &after), DALLOC_OK); /* keeps the tail a hole */
    ck_assert_int_eq(dalloc_alloc(&heap, 40, &parent[15]), DALLOC_OK);
    test_fill(parent[15], 40, 9);
    keep_child = parent[15];
    r = dalloc_realloc(&heap, 2 * sizeof(void *), (void **)&parent);
    ck_assert_msg(dalloc_check(&heap) == DALLOC_OK,
                  "shrinking away an owner slot (%s) left the heap inconsistent", dalloc_strerror(r));
    if (r != DALLOC_OK) {
        ck_assert_ptr_eq(parent[15], keep_child);
        ck_assert_int_eq(dalloc_validate(&heap, &parent[15], USING_PTR_ADDRESS, NULL), DALLOC_OK);
    }
    ck_assert(test_verify(keep_child, 40, 9));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fixup");
    TCase *tc = tcase_create("owners");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, owners_stack_static_heap);
    tcase_add_test(tc, list_unlink_every_other_then_compact);
    tcase_add_test(tc, list_unlink_under_on_free);
    tcase_add_test(tc, busy_node_untouched);
    tcase_add_test(tc, self_reference_survives_compaction);
    tcase_add_test(tc, drealloc_moves_owner_block);
    tcase_add_test(tc, shrink_below_owned_slot);
    suite_add_tcase(s, tc);
    return test_run_suite(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
