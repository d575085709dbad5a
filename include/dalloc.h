/*
 * dalloc.h - libdalloc public API.
 *
 * A heap over a caller-supplied buffer that does not fail because of
 * fragmentation.  A relocatable block is registered by the address of the
 * pointer variable that holds it ("owner"); the library may move the block to
 * close holes and then rewrites that variable.  Moves happen only inside calls
 * on the same heap.
 *
 * Two families of names are declared here:
 *  - the dalloc_ prefixed API, always present, returning status codes;
 *  - the names of dalloc 1.x (heap_t, heap_init, dalloc, dfree, ...), with the
 *    signatures of that library.  Define DALLOC_NO_SEED_NAMES before including
 *    this header to hide them when your code already uses those names.
 *
 * See dalloc(7) for the model and the man pages of each function.
 */
#ifndef DALLOC_H
#define DALLOC_H

/*
 * Configuration.  An installed library brings its generated dalloc_config.h.
 * Firmware that compiles the sources directly may instead name its own file
 * with -DDALLOC_CUSTOM_CONF_FILE="my_conf.h" using the dalloc 1.x option
 * names (ALLOCATION_ALIGNMENT_BYTES, USE_SINGLE_HEAP_MEMORY,
 * USE_THREAD_SAFETY, USE_FREE_RTOS, DALLOC_MUTEX_*, MAX_NUM_OF_ALLOCATIONS,
 * FILL_FREED_MEMORY_BY_NULLS) or the DALLOC_* ones.
 */
#ifdef DALLOC_CUSTOM_CONF_FILE
#include DALLOC_CUSTOM_CONF_FILE
#elif !defined(DALLOC_ALIGNMENT)
#include "dalloc_config.h"
#endif
#ifndef DALLOC_ALIGNMENT
#ifdef ALLOCATION_ALIGNMENT_BYTES
#define DALLOC_ALIGNMENT ALLOCATION_ALIGNMENT_BYTES
#else
#define DALLOC_ALIGNMENT 8
#endif
#endif
#ifndef DALLOC_SINGLE_HEAP
#ifdef USE_SINGLE_HEAP_MEMORY
#define DALLOC_SINGLE_HEAP 1
#else
#define DALLOC_SINGLE_HEAP 0
#endif
#endif
#ifndef DALLOC_THREAD_SAFETY
#ifdef USE_THREAD_SAFETY
#define DALLOC_THREAD_SAFETY 1
#else
#define DALLOC_THREAD_SAFETY 0
#endif
#endif
#ifndef DALLOC_DMOD_API
#define DALLOC_DMOD_API 0
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define DALLOC_API __attribute__((visibility("default")))
#else
#define DALLOC_API
#endif

#if DALLOC_SINGLE_HEAP && !defined(USE_SINGLE_HEAP_MEMORY)
#define USE_SINGLE_HEAP_MEMORY 1
#endif

/** How dfree() and validate_ptr() find the block (names of dalloc 1.x). */
typedef enum {
    USING_PTR_ADDRESS = 0, /**< the argument is the registered owner &p */
    USING_PTR_VALUE        /**< the argument is any variable holding the block's address */
} validate_ptr_condition_t;

/** Why a call was refused.  DALLOC_OK (0) means it was not. */
typedef enum {
    DALLOC_OK = 0,
    DALLOC_E_HEAP,     /**< heap NULL, not initialised, or too small to hold a block */
    DALLOC_E_ARG,      /**< a NULL pointer argument, size 0, or an unknown option */
    DALLOC_E_NOMEM,    /**< live bytes + headers + request exceed what the heap can give */
    DALLOC_E_SIZE,     /**< the size cannot be represented once rounded (overflow) */
    DALLOC_E_NOTBLOCK, /**< the pointer is not a live block of this heap */
    DALLOC_E_OWNER,    /**< the owner address is unusable (inside free space, a header,
                            or already the owner of another block) */
    DALLOC_E_BUSY,     /**< the block holds the registered owner of another live block */
    DALLOC_E_PINNED,   /**< the block is pinned and the call would have to move it */
    DALLOC_E_LIMIT,    /**< the optional cap on live blocks (MAX_NUM_OF_ALLOCATIONS) */
    DALLOC_E_BUDGET,   /**< a compaction step's budget is smaller than the next block */
    DALLOC_E_CORRUPT,  /**< heap metadata or a registered pointer was found damaged */
    DALLOC_E_MODULE,   /**< unknown module, bad or overlong module name */
    DALLOC_E_QUOTA,    /**< the block's module would exceed its quota */
    DALLOC_E_AGAIN,    /**< a compaction step spent its budget with work left */
    DALLOC_E_GUARD     /**< a block's guard bytes were overwritten (--enable-guards) */
} dalloc_status_t;

/** When compaction runs on a heap (see dalloc_set_policy()). */
typedef enum {
    DALLOC_COMPACT_ON_DEMAND = 0, /**< only when a request fits the free total but no hole */
    DALLOC_COMPACT_ON_FREE,       /**< after every free, as dalloc 1.x did */
    DALLOC_COMPACT_MANUAL         /**< never implicitly; dalloc_compact*() only */
} dalloc_policy_t;

/** Counters kept in the heap structure (the fields dalloc 1.x exposed). */
typedef struct {
    uint32_t allocations_num;        /**< live blocks */
    uint32_t max_memory_amount;      /**< peak of heap_t.offset */
    uint32_t max_allocations_amount; /**< peak of allocations_num */
} alloc_info_t;

/**
 * A heap.  Declare one per buffer (static storage is fine) and pass it to
 * dalloc_heap_init().  The fields below are kept exact after every call;
 * the rest is private.
 */
typedef struct dalloc_heap {
    uint8_t *mem;            /**< the buffer given to dalloc_heap_init() */
    uint32_t offset;         /**< bytes in use: live blocks with their headers */
    uint32_t total_size;     /**< bytes of the buffer given to dalloc_heap_init() */
    alloc_info_t alloc_info; /**< counters, see alloc_info_t */
    /* private */
    struct dalloc_ctl *ctl;  /* control block, inside the buffer */
    void *lock;              /* lock handle when thread safety is on */
    uint32_t magic;          /* set while initialised */
    dalloc_status_t last_error; /* status of the last call */
} dalloc_heap_t;

/** Figures of a heap, filled by dalloc_get_stats(). All sizes in bytes. */
typedef struct {
    size_t total_size;      /**< the buffer */
    size_t arena_size;      /**< the buffer less alignment and the control block */
    size_t header_size;     /**< per-block header of a plain block */
    size_t used_bytes;      /**< live blocks with their headers (= heap_t.offset) */
    size_t free_bytes;      /**< arena_size - used_bytes, less the library's own
                                 blocks (module registry, fixed-region index) */
    size_t largest_free;    /**< largest request dalloc_alloc() can serve now
                                 without compacting (payload bytes); under
                                 DALLOC_COMPACT_MANUAL the search of a size
                                 class is bounded (O(1)), so a hole deep in
                                 its class list may need a compaction step
                                 first */
    size_t largest_after_compaction; /**< same after a full compaction */
    size_t free_blocks;     /**< holes between blocks, both regions (the gap
                                 between the regions not counted) */
    size_t live_blocks;
    size_t pinned_blocks;
    size_t peak_used;
    size_t refusals;        /**< calls refused with DALLOC_E_NOMEM */
    size_t compactions;     /**< compaction runs (full or steps that moved) */
    size_t bytes_moved;     /**< payload+header bytes moved by compaction or realloc */
    unsigned fragmentation_permille; /**< share of the free bytes outside the
                                 largest free block, in thousandths (0: all
                                 free memory is one block) */
} dalloc_stats_t;

/* ------------------------------------------------------------------------ */
/* Heaps                                                                     */

/**
 * Make a heap over buf[0..size).  The buffer is rounded inward to
 * DALLOC_ALIGNMENT; the control block is placed at its start.  A buffer too
 * small for the control block and one block yields DALLOC_E_HEAP and a heap
 * that refuses every request.  Does not call malloc.  To start a heap again
 * over a buffer that holds a live one, call dalloc_heap_deinit() first (with
 * --enable-thread-safety the heap's lock lives in the buffer), or use
 * dalloc_heap_reset().
 */
DALLOC_API dalloc_status_t dalloc_heap_init(dalloc_heap_t *heap, void *buf, size_t size);

/** Forget the heap.  Its blocks and registered pointers are abandoned
 *  (pointers are not cleared); the buffer is the caller's again. */
DALLOC_API void dalloc_heap_deinit(dalloc_heap_t *heap);

/** Free every block at once (registered pointers that still hold their
 *  block are cleared first) and forget every module.  The compaction policy
 *  and the cumulative counters (peaks, refusals, compactions, bytes moved)
 *  are kept. */
DALLOC_API dalloc_status_t dalloc_heap_reset(dalloc_heap_t *heap);

/* ------------------------------------------------------------------------ */
/* Relocatable blocks                                                        */

/**
 * Allocate size bytes as a relocatable block owned by the pointer variable at
 * *owner*, and store the block's address there.  *owner must hold a value
 * (NULL or anything else): it is read, to refuse re-registering a variable
 * that already owns a live block.  The library remembers
 * `owner` and rewrites *owner whenever it moves the block.  *owner may itself
 * lie inside another block of this heap.  On refusal *owner is set to NULL
 * (except for DALLOC_E_OWNER, which leaves *owner alone) and no block has
 * moved: compaction runs only when it is sure to make room (one exception: a
 * module's quota checked against the hole actually taken after compacting
 * may still refuse, DALLOC_E_QUOTA).
 * Refused only when live bytes + headers + the request exceed the space of
 * the relocatable region (the arena less the span of the fixed region), or
 * pinned blocks split the free space so that no stretch between them is
 * large enough (see dalloc(7)).
 * Errors: DALLOC_E_HEAP, DALLOC_E_ARG (owner NULL or size 0), DALLOC_E_SIZE,
 * DALLOC_E_NOMEM, DALLOC_E_OWNER, DALLOC_E_LIMIT.
 */
DALLOC_API dalloc_status_t dalloc_alloc(dalloc_heap_t *heap, size_t size, void **owner);

/**
 * Free a relocatable block and clear its registered pointer.  With
 * USING_PTR_ADDRESS `ptr` must be the registered owner; with USING_PTR_VALUE
 * it may be any variable holding the block's address (that variable is
 * cleared too).  The pointer is validated without trusting the heap memory
 * before it.  A block holding the registered owner of another live block is
 * not freed (DALLOC_E_BUSY): free or move that block's owner first.
 */
DALLOC_API dalloc_status_t dalloc_free(dalloc_heap_t *heap, void **ptr, validate_ptr_condition_t cond);

/**
 * Resize the relocatable block owned by *owner* to size bytes.  Shrinking is
 * done in place; growing uses the free space after the block, else moves it
 * (compacting first when the policy allows and compaction is sure to make
 * room).  Contents up to the smaller size are kept.  *owner NULL acts as
 * dalloc_alloc().  On refusal the block and *owner are untouched: nothing
 * moved.  Shrinking below a word that is the registered owner of another
 * live block is refused with DALLOC_E_BUSY.
 */
DALLOC_API dalloc_status_t dalloc_realloc(dalloc_heap_t *heap, size_t size, void **owner);

/**
 * Hand the block owned by *old_owner* to *new_owner*: *new_owner gets the
 * address, *old_owner is cleared, and later moves rewrite *new_owner.
 */
DALLOC_API dalloc_status_t dalloc_replace(dalloc_heap_t *heap, void **old_owner, void **new_owner);

/**
 * DALLOC_OK when *ptr is a live relocatable block of this heap (registered
 * at `ptr` for USING_PTR_ADDRESS, or whose address *ptr holds for
 * USING_PTR_VALUE).  *index (when not NULL) receives the block's position in
 * the heap (its header offset in units of DALLOC_ALIGNMENT), stable until the
 * block moves.  Never writes the heap.
 */
DALLOC_API dalloc_status_t dalloc_validate(dalloc_heap_t *heap, void **ptr, validate_ptr_condition_t cond,
                                           uint32_t *index);

/** Pin the block owned by *owner*: it is not moved (by compaction or by
 *  dalloc_realloc()) until dalloc_unpin().  Pinning a pinned block is a no-op
 *  (pins do not nest). */
DALLOC_API dalloc_status_t dalloc_pin(dalloc_heap_t *heap, void **owner);
/** Let a pinned block move again. */
DALLOC_API dalloc_status_t dalloc_unpin(dalloc_heap_t *heap, void **owner);

/* ------------------------------------------------------------------------ */
/* Owner modules                                                             */

/** A module: a named owner of blocks.  0 (DALLOC_NO_MODULE) is "none". */
typedef uint16_t dalloc_module_t;
#define DALLOC_NO_MODULE ((dalloc_module_t)0)
/** Longest module name, in bytes, the terminating NUL included. */
#define DALLOC_MODULE_NAME_MAX 32

/** Figures of one module, filled by dalloc_module_stats(). */
typedef struct {
    char name[DALLOC_MODULE_NAME_MAX];
    size_t blocks;     /**< live blocks of the module */
    size_t bytes;      /**< their size, headers and module trailers included */
    size_t peak_bytes; /**< highest value of bytes since registration */
    size_t quota;      /**< most bytes allowed, 0 for no quota */
} dalloc_module_stats_t;

/**
 * Register a module by name (copied; at most DALLOC_MODULE_NAME_MAX - 1
 * characters) and return its id in *id (id may be NULL).  Registering a name again returns
 * the same id.  The registry lives in a block of the heap itself (fixed
 * region, about 64 bytes per module, grown by doubling), so a heap that
 * never registers a module pays nothing for it.
 * Errors: DALLOC_E_ARG (NULL), DALLOC_E_MODULE (empty or overlong name,
 * or 65535 modules), DALLOC_E_NOMEM (no room for the registry).
 */
DALLOC_API dalloc_status_t dalloc_module_register(dalloc_heap_t *heap, const char *name, dalloc_module_t *id);
/** The id of a registered name, or DALLOC_NO_MODULE. O(modules). */
DALLOC_API dalloc_module_t dalloc_module_find(const dalloc_heap_t *heap, const char *name);
/**
 * Free every block of the module in one call, O(its blocks): the registered
 * pointer of each relocatable block is cleared, and a block elsewhere whose
 * registered owner lay inside one of the freed blocks is orphaned (it stays
 * allocated, is never written through again, and can still be freed by
 * value or by its own module).  The module stays registered.
 */
DALLOC_API dalloc_status_t dalloc_module_release(dalloc_heap_t *heap, dalloc_module_t id);
/** dalloc_module_release(), then forget the module (its id may be reused). */
DALLOC_API dalloc_status_t dalloc_module_unregister(dalloc_heap_t *heap, dalloc_module_t id);
/** Refuse the module's allocations (DALLOC_E_QUOTA) past bytes (0: no quota).
 *  Blocks it already has are kept even above a lowered quota. */
DALLOC_API dalloc_status_t dalloc_module_set_quota(dalloc_heap_t *heap, dalloc_module_t id, size_t bytes);
/** Figures of a registered module. */
DALLOC_API dalloc_status_t dalloc_module_stats(const dalloc_heap_t *heap, dalloc_module_t id,
                                               dalloc_module_stats_t *st);
/** Store up to max registered ids in ids[] (ascending); return how many
 *  modules are registered. */
DALLOC_API size_t dalloc_module_list(const dalloc_heap_t *heap, dalloc_module_t *ids, size_t max);
/** The module of a live block (by its address), DALLOC_NO_MODULE if none or
 *  not a block (then the last error says which). */
DALLOC_API dalloc_module_t dalloc_module_of(dalloc_heap_t *heap, const void *block);
/**
 * Move a live block (relocatable or fixed, by its address) to another module,
 * or to none.  Joining a module from none adds a trailer: the block grows in
 * place, or a relocatable block moves (its owner is rewritten); a fixed
 * block that cannot grow in place is refused with DALLOC_E_NOMEM.
 */
DALLOC_API dalloc_status_t dalloc_retag(dalloc_heap_t *heap, void *block, dalloc_module_t id);

/** dalloc_alloc() with the block belonging to module id (or none). */
DALLOC_API dalloc_status_t dalloc_alloc_in(dalloc_heap_t *heap, size_t size, void **owner, dalloc_module_t id);

/* ------------------------------------------------------------------------ */
/* Fixed blocks: ordinary pointers that never move                           */

/**
 * Allocate a fixed block of size bytes whose address is a multiple of
 * alignment (0 means DALLOC_ALIGNMENT; otherwise a power of two no larger
 * than the heap), belonging to module id (or DALLOC_NO_MODULE).  Fixed
 * blocks are carved from the top of the heap, so they never split the space
 * relocatable blocks compact into.  Returns NULL on refusal; the reason is
 * dalloc_last_error(heap): DALLOC_E_ARG, DALLOC_E_SIZE, DALLOC_E_NOMEM,
 * DALLOC_E_MODULE, DALLOC_E_QUOTA, DALLOC_E_LIMIT, DALLOC_E_HEAP.
 */
DALLOC_API void *dalloc_fixed_alloc(dalloc_heap_t *heap, size_t size, size_t alignment, dalloc_module_t id);
/** dalloc_fixed_alloc(heap, size, 0, DALLOC_NO_MODULE). */
DALLOC_API void *dalloc_malloc(dalloc_heap_t *heap, size_t size);
/** dalloc_fixed_alloc(heap, size, alignment, DALLOC_NO_MODULE), except that
 *  alignment 0 is refused (DALLOC_E_ARG) as C11 aligned_alloc() would. */
DALLOC_API void *dalloc_aligned_alloc(dalloc_heap_t *heap, size_t alignment, size_t size);
/** A zeroed fixed block of count * size bytes; DALLOC_E_SIZE when the
 *  product overflows. */
DALLOC_API void *dalloc_calloc(dalloc_heap_t *heap, size_t count, size_t size);
/**
 * Resize fixed block p: in place when it can (shrinking always does), else
 * a new fixed block with the alignment p was allocated with and the same
 * module, contents kept up to the smaller size, p freed.  p NULL acts as
 * dalloc_malloc().  On refusal (NULL) p is untouched.  Shrinking below a
 * word that is the registered owner of a live block is refused
 * (DALLOC_E_BUSY).
 */
DALLOC_API void *dalloc_fixed_realloc(dalloc_heap_t *heap, void *p, size_t size);
/**
 * Free fixed block p.  NULL is a no-op.  A pointer that is not a live fixed
 * block of this heap (foreign, interior, already freed, relocatable) is
 * refused with DALLOC_E_NOTBLOCK without reading outside the heap buffer.
 * A block holding the registered owner of a live block: DALLOC_E_BUSY.
 */
DALLOC_API dalloc_status_t dalloc_fixed_free(dalloc_heap_t *heap, void *p);

/* ------------------------------------------------------------------------ */
/* Compaction                                                                */

/** Choose when compaction runs (DALLOC_COMPACT_ON_DEMAND by default). */
DALLOC_API dalloc_status_t dalloc_set_policy(dalloc_heap_t *heap, dalloc_policy_t policy);
DALLOC_API dalloc_policy_t dalloc_get_policy(const dalloc_heap_t *heap);

/** Close every hole that no pinned block holds in place.  Returns the bytes
 *  moved. */
DALLOC_API size_t dalloc_compact(dalloc_heap_t *heap);

/**
 * One bounded compaction step: moves whole blocks, at most `budget` bytes
 * (headers included) in all, lowest holes first, and walks over at most
 * budget / dalloc_header_size() blocks that stay put, so the step's time
 * follows its budget whatever the heap's size.  Returns the bytes moved and
 * sets the last error: DALLOC_OK when the heap is now compact,
 * DALLOC_E_AGAIN when work is left (call again), DALLOC_E_BUDGET when the
 * next block to move is larger than the whole budget (blocks before it may
 * have moved in this call; give a budget at least the size of the largest
 * relocatable block).  Under
 * DALLOC_COMPACT_MANUAL, dalloc_alloc() and dalloc_free() never compact:
 * their cost does not depend on the number of blocks (free is O(size of the
 * block) for zeroing and, for a block that holds owners, its owner scan), and
 * blocks move only in dalloc_compact(), dalloc_compact_step(),
 * dalloc_realloc() and dalloc_retag().
 */
DALLOC_API size_t dalloc_compact_step(dalloc_heap_t *heap, size_t budget);

/* ------------------------------------------------------------------------ */
/* Locking (--enable-thread-safety)                                          */

/**
 * How a heap is locked.  create() returns a lock handle (NULL: failure);
 * lock()/unlock() must nest (a recursive mutex, or a critical section that
 * counts), because dalloc_heap_lock() may hold the lock across calls that
 * take it again.  FreeRTOS: xSemaphoreCreateRecursiveMutex /
 * xSemaphoreTakeRecursive / xSemaphoreGiveRecursive; bare metal: disable and
 * re-enable interrupts with a nesting count.
 */
typedef struct dalloc_lock_hooks {
    void *(*create)(void *ctx);
    void (*destroy)(void *ctx, void *lock);
    void (*lock)(void *ctx, void *lock);
    void (*unlock)(void *ctx, void *lock);
    void *ctx;
} dalloc_lock_hooks_t;

/**
 * Set the lock hooks used by heaps initialised from now on (all four
 * functions non-NULL), or NULL for the built-in lock: a recursive pthread
 * mutex on hosted systems, the dalloc 1.x DALLOC_MUTEX_* macros or FreeRTOS
 * in source builds that define them, none on bare metal.  The library does
 * no locking at all unless built with --enable-thread-safety (then these
 * calls are accepted and have no effect).  DALLOC_E_ARG for an incomplete
 * set.
 */
DALLOC_API dalloc_status_t dalloc_set_lock_hooks(const dalloc_lock_hooks_t *hooks);
/** Replace the lock of one heap (the old lock is destroyed).  Call it
 *  before other threads use the heap. */
DALLOC_API dalloc_status_t dalloc_heap_set_lock_hooks(dalloc_heap_t *heap, const dalloc_lock_hooks_t *hooks);
/**
 * Hold the heap's lock across a region of code.  While a thread holds it no
 * other thread can compact, so relocatable blocks stay where they are and
 * their registered pointers may be read and used; the holder may still call
 * the library (the lock nests).  Without the lock, touch only fixed blocks
 * and pinned relocatable blocks (dalloc_pin()) from threads that share a
 * heap.
 */
DALLOC_API void dalloc_heap_lock(dalloc_heap_t *heap);
DALLOC_API void dalloc_heap_unlock(dalloc_heap_t *heap);

/* ------------------------------------------------------------------------ */
/* Figures and errors                                                        */

/** Fill *st with the heap's figures.  O(holes), O(blocks) while a block is
 *  pinned. */
DALLOC_API dalloc_status_t dalloc_get_stats(const dalloc_heap_t *heap, dalloc_stats_t *st);

/**
 * Walk the heap and verify its invariants: blocks tile the buffer exactly,
 * free space is merged, the free lists and the block-start bitmap agree with
 * the blocks, registered owners inside the heap point back at their blocks,
 * and the counters of the heap structure are exact.  DALLOC_OK, or
 * DALLOC_E_CORRUPT at the first violation.  Reads only inside the buffer
 * (owners outside it are not dereferenced).  O(blocks).
 */
DALLOC_API dalloc_status_t dalloc_check(const dalloc_heap_t *heap);

/** The status of the last call on this heap (DALLOC_E_HEAP for NULL). */
DALLOC_API dalloc_status_t dalloc_last_error(const dalloc_heap_t *heap);

/** A constant English sentence for a status code. */
DALLOC_API const char *dalloc_strerror(dalloc_status_t status);

/** What the error hook is told about a refusal or a corruption. */
typedef struct {
    const dalloc_heap_t *heap; /**< the heap concerned (possibly not initialised) */
    dalloc_status_t reason;   /**< why; never DALLOC_OK or DALLOC_E_AGAIN */
    const char *call;         /**< the public function that saw it, e.g. "dalloc_free" */
    const void *ptr;          /**< the pointer concerned (the argument or the
                                   damaged block's payload), or NULL */
    size_t size;              /**< the size concerned (the request, or the
                                   damaged block's size), or 0 */
    dalloc_module_t module;   /**< module of the block concerned, or
                                   DALLOC_NO_MODULE */
} dalloc_error_t;

/**
 * Called for every refused call (any status but DALLOC_OK and
 * DALLOC_E_AGAIN; queries such as dalloc_validate() answering "no" are not
 * refusals) once the call has released the heap, so the hook may call the
 * library; and for every corruption detected: by dalloc_check() (after it
 * released the heap), and from inside the call that finds it, with the
 * heap still held, by guard bytes (--enable-guards, on free and realloc)
 * and by --enable-debug-checks (after each call): a hook must not call the
 * library on that heap then.  Process-wide (all heaps); NULL turns it off.
 * The default is dalloc_error_print on builds for an operating system
 * (dalloc 1.x printed such messages with dalloc_debug) and none on
 * bare-metal ones.
 */
typedef void (*dalloc_error_fn)(void *ctx, const dalloc_error_t *err);
DALLOC_API void dalloc_set_error_hook(dalloc_error_fn fn, void *ctx);
/** The hosted default hook: one line through the output hook
 *  (dalloc_set_output()): "dalloc: CALL (heap HEAP): [PTR,] [N bytes:]
 *  SENTENCE [(module M)]", e.g. "dalloc: dalloc_free (heap 0x5610): 0x7ffc:
 *  not a live block of this heap". */
DALLOC_API void dalloc_error_print(void *ctx, const dalloc_error_t *err);

/** Per-block header of a plain block, in bytes: two words rounded up to
 *  DALLOC_ALIGNMENT (8 on 32-bit targets with the default alignment, 16 on
 *  64-bit ones). */
DALLOC_API size_t dalloc_header_size(void);

/** Where the debug printers write (a NUL-terminated chunk at a time).
 *  NULL restores the default: stdout through the C library (on a bare-metal
 *  target that is newlib's stdout: semihosting or the user's _write), or
 *  nothing when the library was built with -DDALLOC_NO_STDIO. */
typedef void (*dalloc_output_fn)(void *ctx, const char *text);
DALLOC_API void dalloc_set_output(dalloc_output_fn fn, void *ctx);

/** Where library log lines go ("[INFO] dmheap: ..." of the dmheap layer).
 *  Off (NULL) by default; dalloc_log_stdout prints them on hosted builds. */
typedef void (*dalloc_log_fn)(void *ctx, const char *line);
DALLOC_API void dalloc_set_log(dalloc_log_fn fn, void *ctx);
DALLOC_API void dalloc_log_stdout(void *ctx, const char *line);

/* ------------------------------------------------------------------------ */
/* Debug printers (their own object: unused, they cost nothing)              */

/** Print the heap's figures through the output hook. */
DALLOC_API void dalloc_print_info(dalloc_heap_t *heap);
/** Hex dump of the heap buffer through the output hook. */
DALLOC_API void dalloc_dump_heap(dalloc_heap_t *heap);
/** One line per block (free ones too): address, offset, size, state,
 *  owner; and the gap between the regions. */
DALLOC_API void dalloc_dump_blocks(dalloc_heap_t *heap);

/* ------------------------------------------------------------------------ */
/* Looking at a heap (report.c: its own object)                              */

/** What a block is, for the visitors and the heap map. */
typedef enum {
    DALLOC_BLOCK_FREE = 0,    /**< a hole, or the gap between the regions */
    DALLOC_BLOCK_RELOCATABLE, /**< a relocatable block */
    DALLOC_BLOCK_FIXED        /**< a fixed block */
} dalloc_block_kind_t;

/** One block, as a visitor sees it. */
typedef struct {
    const void *addr;          /**< the payload (used) or the first free byte */
    size_t size;               /**< bytes the user may use, or free bytes */
    size_t span;               /**< bytes the block occupies, header included */
    dalloc_block_kind_t kind;
    bool pinned;               /**< relocatable and pinned */
    dalloc_module_t module;    /**< DALLOC_NO_MODULE if none */
    void **owner;              /**< registered owner (relocatable), else NULL */
} dalloc_block_info_t;

/** A visitor.  It must not call back into the heap it visits (the heap's
 *  lock is held and the walk would be invalidated). */
typedef void (*dalloc_visit_fn)(void *ctx, const dalloc_block_info_t *block);

/** Call fn on every used block, in address order (relocatable region,
 *  then fixed region).  O(blocks). */
DALLOC_API dalloc_status_t dalloc_for_each_used_block(dalloc_heap_t *heap, dalloc_visit_fn fn, void *ctx);
/** Call fn on every free stretch (holes of both regions and the gap
 *  between them, when not empty), in address order.  O(blocks). */
DALLOC_API dalloc_status_t dalloc_for_each_free_block(dalloc_heap_t *heap, dalloc_visit_fn fn, void *ctx);

/**
 * Draw the heap into out[0..width) and a NUL (out must hold width + 1
 * bytes): each character is a slice of the arena, showing the block at the
 * middle of the slice: '.' free, '#' fixed (and the library's own blocks),
 * '!' pinned, '=' relocatable, a letter
 * 'a'..'z' for a module's blocks (module id 1 is 'a', wrapping after 'z').
 * Returns width, or 0 when the heap is not initialised or width is 0.
 */
DALLOC_API size_t dalloc_heap_map(dalloc_heap_t *heap, char *out, size_t width);

/**
 * Print a report through the output hook: the figures, the share of free
 * memory outside the largest free block (fragmentation), a usage bar, a
 * table of modules (blocks, bytes, peak, quota), a histogram of free
 * stretch sizes (powers of two), and the heap map in rows of 64.
 */
DALLOC_API void dalloc_report(dalloc_heap_t *heap);

/* ------------------------------------------------------------------------ */
/* dalloc 1.x names, with that library's signatures                          */

#ifndef DALLOC_NO_SEED_NAMES
typedef dalloc_heap_t heap_t;

DALLOC_API void heap_init(heap_t *heap_struct_ptr, void *mem_ptr, uint32_t mem_size);
DALLOC_API void heap_deinit(heap_t *heap_struct_ptr);
DALLOC_API void dalloc(heap_t *heap_struct_ptr, uint32_t size, void **ptr);
DALLOC_API void dfree(heap_t *heap_struct_ptr, void **ptr, validate_ptr_condition_t condition);
DALLOC_API bool drealloc(heap_t *heap_struct_ptr, uint32_t size, void **ptr);
DALLOC_API bool validate_ptr(heap_t *heap_struct_ptr, void **ptr, validate_ptr_condition_t condition,
                             uint32_t *ptr_index);
DALLOC_API void replace_pointers(heap_t *heap_struct_ptr, void **ptr_to_replace, void **ptr_new);
DALLOC_API void print_dalloc_info(heap_t *heap_struct_ptr);
DALLOC_API void dump_heap(heap_t *heap_struct_ptr);
DALLOC_API void dump_dalloc_ptr_info(heap_t *heap_struct_ptr);
#endif /* DALLOC_NO_SEED_NAMES */

#if DALLOC_SINGLE_HEAP
/* The default heap of dalloc 1.x (--enable-single-heap). */
DALLOC_API bool dalloc_register_heap(void *buffer, uint32_t size);
DALLOC_API bool dalloc_unregister_heap(bool force);
DALLOC_API void dalloc_reset_heap(void);
DALLOC_API bool dalloc_is_initialized(void);
DALLOC_API dalloc_heap_t *dalloc_get_default_heap(void);
DALLOC_API void def_dalloc(uint32_t size, void **ptr);
DALLOC_API void def_dfree(void **ptr);
DALLOC_API bool def_drealloc(uint32_t size, void **ptr);
DALLOC_API void def_replace_pointers(void **ptr_to_replace, void **ptr_new);
DALLOC_API void print_def_dalloc_info(void);
DALLOC_API void dump_def_heap(void);
DALLOC_API void dump_def_dalloc_ptr_info(void);
#endif /* DALLOC_SINGLE_HEAP */

#ifdef __cplusplus
}
#endif

#endif /* DALLOC_H */
