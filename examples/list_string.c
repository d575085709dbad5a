/*
 * list_string.c - what dalloc 1.x's uvector/ustring did, on relocatable
 * blocks: a linked list whose `next` fields own the next node, and a
 * growable string.  Blocks move (the heap is small and fragments), the
 * registered pointers follow, and the data stays right.
 *
 * Exit status 0 when the list and the string read back as written.
 */
#include <stdio.h>
#include <string.h>

#include "dalloc.h"

typedef struct node {
    int value;
    struct node *next; /* owns the next node */
} node_t;

static uint64_t mem[6 * 1024 / 8];
static dalloc_heap_t heap;

/* Append to the list whose last `next` field is *tail_next. */
static node_t **push(node_t **tail_next, int value)
{
    if (dalloc_alloc(&heap, sizeof(node_t), (void **)tail_next) != DALLOC_OK)
        return NULL;
    (*tail_next)->value = value;
    (*tail_next)->next = NULL;
    return &(*tail_next)->next;
}

/* Remove the node after *link (owned by *link), keeping the rest linked. */
static int unlink_after(node_t **link)
{
    node_t *rest = NULL;
    node_t *victim = *link;
    if (victim == NULL)
        return 0;
    if (victim->next != NULL && dalloc_replace(&heap, (void **)&victim->next, (void **)&rest) != DALLOC_OK)
        return 0;
    if (dalloc_free(&heap, (void **)link, USING_PTR_ADDRESS) != DALLOC_OK)
        return 0;
    return rest == NULL || dalloc_replace(&heap, (void **)&rest, (void **)link) == DALLOC_OK;
}

/* A growable string: a relocatable block and its length. */
typedef struct {
    char *s;
    size_t len;
} str_t;

static int str_append(str_t *t, const char *more)
{
    size_t n = strlen(more);
    if (dalloc_realloc(&heap, t->len + n + 1, (void **)&t->s) != DALLOC_OK)
        return 0;
    memcpy(t->s + t->len, more, n + 1);
    t->len += n;
    return 1;
}

int main(void)
{
    node_t *head = NULL, **tail = &head, *n;
    str_t text = {NULL, 0};
    dalloc_stats_t st;
    int i, expect, ok = 1;

    dalloc_heap_init(&heap, mem, sizeof mem);
    for (i = 0; i < 64 && tail != NULL; i++)
        tail = push(tail, i);
    ok &= tail != NULL;
    /* Drop the odd values: holes everywhere. */
    for (n = head; n != NULL && n->next != NULL; n = n->next)
        ok &= unlink_after(&n->next);
    /* Grow a string until the heap must compact to serve it. */
    for (i = 0; i < 40 && ok; i++)
        ok &= str_append(&text, "relocatable blocks keep their owners right. ");

    for (n = head, expect = 0; n != NULL; n = n->next, expect += 2)
        ok &= n->value == expect;
    ok &= expect == 64;
    ok &= text.len == 40 * strlen("relocatable blocks keep their owners right. ");
    dalloc_get_stats(&heap, &st);
    printf("list of %d nodes (even values), string of %lu bytes; %lu compactions moved %lu bytes\n", expect / 2,
           (unsigned long)text.len, (unsigned long)st.compactions, (unsigned long)st.bytes_moved);
    ok &= dalloc_check(&heap) == DALLOC_OK;

    /* Free from the tail: a node that owns another cannot be freed first. */
    while (head != NULL) {
        node_t **last = &head;
        while ((*last)->next != NULL)
            last = &(*last)->next;
        ok &= dalloc_free(&heap, (void **)last, USING_PTR_ADDRESS) == DALLOC_OK;
    }
    ok &= dalloc_free(&heap, (void **)&text.s, USING_PTR_ADDRESS) == DALLOC_OK;
    ok &= heap.offset == 0;
    printf("%s\n", ok ? "list_string: as expected" : "list_string: UNEXPECTED RESULT");
    return ok ? 0 : 1;
}
