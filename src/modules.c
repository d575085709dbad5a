/*
 * modules.c - owner modules: a registry of names, and for each module a
 * doubly linked list of its blocks threaded through their trailers, so a
 * module's release costs O(its blocks) and freeing one block O(1).
 *
 * The registry is an array of modrec_t in a fixed block flagged F_SYS (the
 * library's own, not counted as a user block), doubled when full.  A module
 * id is its slot index + 1, stable for the life of the registration.
 */
#include "heap_internal.h"

#define MOD_FIRST_CAP 4u
#define MOD_MAX 0xFFFFu

modrec_t *dalloc__mod_rec(const ctl_t *c, dalloc_module_t id)
{
    if (id == DALLOC_NO_MODULE || id > c->mod_cap || c->mods[id - 1].name[0] == '\0')
        return NULL;
    return &c->mods[id - 1];
}

void dalloc__mod_link(ctl_t *c, blk_t *b, dalloc_module_t id)
{
    modrec_t *r = &c->mods[id - 1];
    mtrail_t *t = blk_trailer(b);
    t->module = id;
    t->prev = 0;
    t->next = r->head;
    t->spare = 0;
    if (r->head != 0)
        blk_trailer(blk_from_off(c, r->head))->prev = blk_off(c, b);
    r->head = blk_off(c, b);
    r->blocks++;
    r->bytes += blk_size(b);
    if (r->bytes > r->peak)
        r->peak = r->bytes;
}

void dalloc__mod_unlink(ctl_t *c, blk_t *b)
{
    mtrail_t *t = blk_trailer(b);
    modrec_t *r = &c->mods[t->module - 1];
    if (t->prev != 0)
        blk_trailer(blk_from_off(c, t->prev))->next = t->next;
    else
        r->head = t->next;
    if (t->next != 0)
        blk_trailer(blk_from_off(c, t->next))->prev = t->prev;
    r->blocks--;
    r->bytes -= blk_size(b);
}

/* A link (granule offset + 1) to a block of the run, translated by delta. */
static bool link_moved(const ctl_t *c, uint32_t *link, const uint8_t *from, const uint8_t *to, ptrdiff_t delta)
{
    const uint8_t *p;
    if (*link == 0)
        return false;
    p = (const uint8_t *)blk_from_off(c, *link);
    if (p < from || p >= to)
        return false;
    *link = blk_off(c, (const blk_t *)(const void *)(p + delta));
    return true;
}

void dalloc__mod_moved(ctl_t *c, blk_t *nb, const uint8_t *from, const uint8_t *to, ptrdiff_t delta)
{
    mtrail_t *t = blk_trailer(nb);
    uint32_t off = blk_off(c, nb);
    if (!link_moved(c, &t->prev, from, to, delta)) {
        if (t->prev != 0)
            blk_trailer(blk_from_off(c, t->prev))->next = off;
        else
            c->mods[t->module - 1].head = off;
    }
    if (!link_moved(c, &t->next, from, to, delta) && t->next != 0)
        blk_trailer(blk_from_off(c, t->next))->prev = off;
}

void dalloc__mod_resized(ctl_t *c, blk_t *b, size_t old)
{
    modrec_t *r = &c->mods[blk_trailer(b)->module - 1];
    r->bytes = r->bytes - old + blk_size(b);
    if (r->bytes > r->peak)
        r->peak = r->bytes;
}

dalloc_status_t dalloc__mod_admit(const ctl_t *c, dalloc_module_t id, size_t extra)
{
    const modrec_t *r;
    if (id == DALLOC_NO_MODULE)
        return DALLOC_OK;
    r = dalloc__mod_rec(c, id);
    if (r == NULL)
        return DALLOC_E_MODULE;
    if (r->quota != 0 && (extra > r->quota || r->bytes > r->quota - extra))
        return DALLOC_E_QUOTA;
    return DALLOC_OK;
}

/* Length of name if it is a valid module name, else 0. */
static size_t name_len(const char *name)
{
    size_t n = 0;
    while (n < DALLOC_MODULE_NAME_MAX && name[n] != '\0')
        n++;
    return n < DALLOC_MODULE_NAME_MAX ? n : 0;
}

/* Equal names (both NUL-terminated within DALLOC_MODULE_NAME_MAX, so the
 * loop stops at a difference or at their common end); by hand, so the
 * library needs no libc beyond memcpy, memmove and memset. */
static bool same_name(const char *a, const char *b)
{
    size_t i;
    for (i = 0; a[i] == b[i]; i++)
        if (a[i] == '\0')
            return true;
    return false;
}

static dalloc_module_t find_locked(const ctl_t *c, const char *name)
{
    unsigned i;
    for (i = 0; i < c->mod_cap; i++)
        if (c->mods[i].name[0] != '\0' && same_name(c->mods[i].name, name))
            return (dalloc_module_t)(i + 1);
    return DALLOC_NO_MODULE;
}

/* Double the registry (a new F_SYS block; the old one is freed). */
static dalloc_status_t grow_registry(dalloc_heap_t *h)
{
    ctl_t *c = h->ctl;
    unsigned cap = c->mod_cap ? c->mod_cap * 2u : MOD_FIRST_CAP;
    size_t size;
    blk_t *b;
    if (cap > MOD_MAX)
        cap = MOD_MAX;
    if (cap <= c->mod_cap)
        return DALLOC_E_MODULE;
    size = blk_size_for(cap * sizeof(modrec_t), 0);
    b = dalloc__fixed_take(h, size, GRAN);
    if (b == NULL)
        return DALLOC_E_NOMEM;
    blk_set(b, F_SYS);
    blk_set_align_log2(b, G_LOG2);
    memset(blk_payload(b), 0, cap * sizeof(modrec_t));
    if (c->mods != NULL) {
        blk_t *old = blk_of(c->mods);
        memcpy(blk_payload(b), c->mods, c->mod_cap * sizeof(modrec_t));
        c->sys_bytes -= (uint32_t)blk_size(old);
        (void)dalloc__space_release(c, old);
    }
    c->mods = (modrec_t *)blk_payload(b);
    c->mod_cap = cap;
    c->sys_bytes += (uint32_t)blk_size(b);
    return DALLOC_OK;
}

static const mod_ops_t ops = {dalloc__mod_link, dalloc__mod_unlink, dalloc__mod_moved, dalloc__mod_resized, dalloc__mod_admit};

static dalloc_status_t register_locked(dalloc_heap_t *h, const char *name, dalloc_module_t *id)
{
    ctl_t *c = h->ctl;
    unsigned i;
    size_t len = name_len(name);
    dalloc_status_t st;
    if (len == 0)
        return DALLOC_E_MODULE;
    *id = find_locked(c, name);
    if (*id != DALLOC_NO_MODULE)
        return DALLOC_OK;
    for (i = 0; i < c->mod_cap && c->mods[i].name[0] != '\0'; i++)
        ;
    if (i == c->mod_cap) {
        st = grow_registry(h);
        if (st != DALLOC_OK)
            return st;
    }
    memset(&c->mods[i], 0, sizeof c->mods[i]);
    memcpy(c->mods[i].name, name, len + 1);
    dalloc__mod_ops = &ops;
    *id = (dalloc_module_t)(i + 1);
    return DALLOC_OK;
}

dalloc_status_t dalloc_module_register(dalloc_heap_t *h, const char *name, dalloc_module_t *id)
{
    dalloc_status_t st;
    dalloc_module_t dummy;
    if (heap_ctl(h) == NULL)
        return dalloc__refuse(h, DALLOC_E_HEAP, "dalloc_module_register", name, 0);
    if (name == NULL)
        return dalloc__refuse(h, DALLOC_E_ARG, "dalloc_module_register", name, 0);
    HEAP_LOCK(h);
    st = register_locked(h, name, id != NULL ? id : &dummy);
    return dalloc__heap_leave(h, st, "dalloc_module_register", name, 0);
}

dalloc_module_t dalloc_module_find(const dalloc_heap_t *h, const char *name)
{
    const ctl_t *c = heap_ctl(h);
    dalloc_module_t id;
    if (c == NULL || name == NULL || name_len(name) == 0)
        return DALLOC_NO_MODULE;
    HEAP_LOCK_FAST((dalloc_heap_t *)(uintptr_t)h); /* a query: the quick cache is no concern */
    id = find_locked(c, name);
    HEAP_UNLOCK((dalloc_heap_t *)(uintptr_t)h);
    return id;
}

/* Free every block of r: first drop the recorded owners that lie inside
 * the module's blocks (they are about to become free memory), then free. */
static void release_locked(dalloc_heap_t *h, modrec_t *r)
{
    ctl_t *c = h->ctl;
    uint32_t off;
    for (off = r->head; off != 0; off = blk_trailer(blk_from_off(c, off))->next)
        dalloc__fix_dependents(c, blk_from_off(c, off), 0, true);
    while (r->head != 0) {
        blk_t *b = blk_from_off(c, r->head);
        if (!blk_has(b, F_FIXED) && b->owner != NULL && *b->owner == blk_payload(b))
            *b->owner = NULL;
        (void)dalloc__ev_dead(h, b);
        dalloc__block_free(h, b);
    }
}

static dalloc_status_t module_call(dalloc_heap_t *h, dalloc_module_t id, bool forget)
{
    const char *call = forget ? "dalloc_module_unregister" : "dalloc_module_release";
    modrec_t *r;
    if (heap_ctl(h) == NULL)
        return dalloc__refuse(h, DALLOC_E_HEAP, call, NULL, 0);
    HEAP_LOCK(h);
    r = dalloc__mod_rec(h->ctl, id);
    if (r != NULL) {
        release_locked(h, r);
        if (forget)
            memset(r, 0, sizeof *r);
    }
    return dalloc__heap_leave(h, r != NULL ? DALLOC_OK : DALLOC_E_MODULE, call, NULL, 0);
}

dalloc_status_t dalloc_module_release(dalloc_heap_t *h, dalloc_module_t id) { return module_call(h, id, false); }
dalloc_status_t dalloc_module_unregister(dalloc_heap_t *h, dalloc_module_t id) { return module_call(h, id, true); }

dalloc_status_t dalloc_module_set_quota(dalloc_heap_t *h, dalloc_module_t id, size_t bytes)
{
    modrec_t *r;
    if (heap_ctl(h) == NULL)
        return dalloc__refuse(h, DALLOC_E_HEAP, "dalloc_module_set_quota", NULL, bytes);
    HEAP_LOCK(h);
    r = dalloc__mod_rec(h->ctl, id);
    if (r != NULL)
        r->quota = bytes;
    return dalloc__heap_leave(h, r != NULL ? DALLOC_OK : DALLOC_E_MODULE, "dalloc_module_set_quota", NULL, bytes);
}

dalloc_status_t dalloc_module_stats(const dalloc_heap_t *h, dalloc_module_t id, dalloc_module_stats_t *st)
{
    const ctl_t *c = heap_ctl(h);
    const modrec_t *r;
    if (c == NULL)
        return DALLOC_E_HEAP;
    if (st == NULL)
        return DALLOC_E_ARG;
    HEAP_LOCK_FAST((dalloc_heap_t *)(uintptr_t)h); /* a query: the quick cache is no concern */
    r = dalloc__mod_rec(c, id);
    if (r != NULL) {
        memcpy(st->name, r->name, sizeof st->name);
        st->blocks = r->blocks;
        st->bytes = r->bytes;
        st->peak_bytes = r->peak;
        st->quota = r->quota;
    }
    HEAP_UNLOCK((dalloc_heap_t *)(uintptr_t)h);
    return r != NULL ? DALLOC_OK : DALLOC_E_MODULE;
}

size_t dalloc_module_list(const dalloc_heap_t *h, dalloc_module_t *ids, size_t max)
{
    const ctl_t *c = heap_ctl(h);
    size_t n = 0;
    unsigned i;
    if (c == NULL)
        return 0;
    HEAP_LOCK_FAST((dalloc_heap_t *)(uintptr_t)h); /* a query: the quick cache is no concern */
    for (i = 0; i < c->mod_cap; i++) {
        if (c->mods[i].name[0] == '\0')
            continue;
        if (ids != NULL && n < max)
            ids[n] = (dalloc_module_t)(i + 1);
        n++;
    }
    HEAP_UNLOCK((dalloc_heap_t *)(uintptr_t)h);
    return n;
}

dalloc_module_t dalloc_module_of(dalloc_heap_t *h, const void *block)
{
    ctl_t *c = heap_ctl(h);
    blk_t *b;
    dalloc_module_t id = DALLOC_NO_MODULE;
    if (c == NULL) {
        (void)dalloc__refuse(h, DALLOC_E_HEAP, "dalloc_module_of", block, 0);
        return DALLOC_NO_MODULE;
    }
    HEAP_LOCK(h);
    b = dalloc__used_block_at(c, block);
    if (b != NULL && !blk_has(b, F_SYS) && blk_has(b, F_MOD))
        id = (dalloc_module_t)blk_trailer(b)->module;
    (void)dalloc__heap_leave(h, b == NULL || blk_has(b, F_SYS) ? DALLOC_E_NOTBLOCK : DALLOC_OK, "dalloc_module_of",
                             block, 0);
    return id;
}

/* Give *pb (no module yet) a trailer for module id: grow in place, or move
 * a relocatable block to a bigger one.  The quota sees the block's final
 * size (a hole too small to split is taken whole). */
static dalloc_status_t add_trailer(dalloc_heap_t *h, blk_t **pb, dalloc_module_t id)
{
    ctl_t *c = h->ctl;
    blk_t *b = *pb, *nb;
    size_t old = blk_size(b), size = old + MT, grown = dalloc__space_grown_size(c, b, size);
    if (grown != 0) {
        if (dalloc__mod_admit(c, id, grown) != DALLOC_OK)
            return DALLOC_E_QUOTA;
        dalloc__space_grow_in_place(c, b, size);
        return DALLOC_OK;
    }
    if (blk_has(b, F_FIXED | F_PINNED))
        return DALLOC_E_NOMEM;
    nb = dalloc__space_take_reloc(c, size);
    if (nb == NULL)
        return DALLOC_E_NOMEM;
    if (dalloc__mod_admit(c, id, blk_size(nb)) != DALLOC_OK) {
        (void)dalloc__space_release(c, nb);
        return DALLOC_E_QUOTA;
    }
    size = blk_size(nb);
    dalloc__move_block(h, b, (uint8_t *)nb);
    blk_set_size(nb, size);
    blk_clear(nb, F_PREV_FREE);
    blk_clear(b, F_SLOTS | F_PINNED);
#if DALLOC_FILL_FREED
    memset(blk_payload(b), 0, old - HDR);
#endif
    (void)dalloc__space_release(c, b);
    *pb = nb;
    return DALLOC_OK;
}

static dalloc_status_t retag_locked(dalloc_heap_t *h, void *block, dalloc_module_t id)
{
    ctl_t *c = h->ctl;
    blk_t *b = dalloc__used_block_at(c, block);
    size_t old, n;
    dalloc_status_t st;
    if (b == NULL || blk_has(b, F_SYS))
        return DALLOC_E_NOTBLOCK;
    n = dalloc__user_size(b); /* kept across a change of layout */
    if (id != DALLOC_NO_MODULE && dalloc__mod_rec(c, id) == NULL)
        return DALLOC_E_MODULE;
    if (blk_has(b, F_MOD)) {
        if (blk_trailer(b)->module == id)
            return DALLOC_OK;
        st = dalloc__mod_admit(c, id, blk_size(b));
        if (st != DALLOC_OK)
            return st;
        dalloc__mod_unlink(c, b);
        if (id != DALLOC_NO_MODULE) {
            dalloc__mod_link(c, b, id);
            return DALLOC_OK;
        }
        /* Leaving every module: the trailer's bytes go back to the heap. */
        old = blk_size(b);
        blk_clear(b, F_MOD);
        dalloc__space_trim(c, b, old - MT);
        if (blk_size(b) == old) /* too few to free: kept for the next module */
            blk_set(b, F_SPARE);
        heap_count_free(h, old);
        heap_count_alloc(h, blk_size(b));
        dalloc__ev_live(h, b, n, false);
        return DALLOC_OK;
    }
    if (id == DALLOC_NO_MODULE)
        return DALLOC_OK;
    if (blk_has(b, F_SPARE)) { /* the room of a former trailer: no growth */
        st = dalloc__mod_admit(c, id, blk_size(b));
        if (st != DALLOC_OK)
            return st;
        blk_clear(b, F_SPARE);
        blk_set(b, F_MOD);
        dalloc__mod_link(c, b, id);
        return DALLOC_OK;
    }
    old = blk_size(b);
    st = add_trailer(h, &b, id);
    if (st != DALLOC_OK) {
        if (st == DALLOC_E_NOMEM)
            c->refusals++;
        return st;
    }
    blk_set(b, F_MOD);
    dalloc__mod_link(c, b, id);
    heap_count_free(h, old);
    heap_count_alloc(h, blk_size(b));
    dalloc__ev_live(h, b, n, false);
    return DALLOC_OK;
}

dalloc_status_t dalloc_retag(dalloc_heap_t *h, void *block, dalloc_module_t id)
{
    dalloc_status_t st;
    if (heap_ctl(h) == NULL)
        return dalloc__refuse(h, DALLOC_E_HEAP, "dalloc_retag", block, 0);
    HEAP_LOCK(h);
    st = retag_locked(h, block, id);
    return dalloc__heap_leave(h, st, "dalloc_retag", block, 0);
}
