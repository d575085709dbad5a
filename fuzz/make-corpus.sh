#!/bin/sh
# make-corpus.sh - write the seed corpus of fuzz/fuzz_heap.c into fuzz/corpus.
#
#   fuzz/make-corpus.sh [DIR]        (default: the corpus/ next to this script)
#
# Each seed is a few dozen bytes in the harness's input format (see the
# comment at the top of fuzz_heap.c and fuzz/README.md): two bytes of heap
# size selector (little endian; 256 + value % 7937 bytes), one byte of buffer
# misalignment (low nibble) and initial policy (bits 4-5: 1 on-free,
# 2 manual), then operations, each an opcode byte (value % 24) and its
# arguments.  The comments name what each seed drives; the fuzzer takes it
# from there.  Rerun after changing the input format, and check the seeds
# still do what their comments say with
#   DALLOC_FUZZ_TRACE=1 fuzz/fuzz_heap_replay fuzz/corpus/SEED
set -eu

dir=${1:-$(dirname -- "$0")/corpus}
mkdir -p "$dir"

# seed NAME HEXBYTES...: write the bytes (two hex digits each) to DIR/NAME.
seed() {
    name=$1
    shift
    : > "$dir/$name"
    for b in "$@"; do
        # shellcheck disable=SC2059 # the format is the octal escape we build
        printf "\\$(printf '%03o' "0x$b")" >> "$dir/$name"
    done
}

# Relocatable blocks, 4096-byte heap, on-demand policy: allocations owned by
# roots and by the first word of another block, a free, a full compaction, a
# resize, a hand-over, pin / step / unpin, a free by address, a map.
seed reloc-basic \
    00 0F 00 \
    00 00 03 63 00 \
    00 02 03 C7 00 \
    00 04 00 2F \
    00 01 00 1F \
    05 01 \
    09 00 \
    06 00 03 2B 01 \
    07 02 06 \
    08 01 \
    09 01 05 \
    08 00 \
    04 00 \
    16 02 28

# Fixed blocks, manual policy: malloc, aligned_alloc(64), calloc,
# fixed_alloc, a resize, frees, a relocatable block owned from inside a
# fixed one, a fixed_free of an interior pointer.
seed fixed \
    00 0F 20 \
    0B 00 00 00 20 \
    0B 01 00 07 00 10 \
    0B 02 00 00 07 02 \
    0B 03 00 00 00 03 F4 01 \
    0C 00 03 E7 03 \
    0D 01 \
    00 01 00 1F \
    12 01 04 00 \
    0D 00

# Modules: register two, a quota, blocks in each (one owned from inside a
# module block by a block of no module), a retag, a release that orphans
# that block, a free of the orphan by value, an unregister.
seed modules \
    00 0F 00 \
    0E 00 \
    0E 01 \
    10 06 05 00 02 \
    02 00 06 03 63 00 \
    02 02 06 03 C7 00 \
    02 04 16 00 20 \
    02 01 00 00 10 \
    11 02 06 \
    0F 00 06 \
    05 00 \
    0F 01 16 \
    16 12 30

# Owners, on-free policy: a block that owns itself (its first word is its
# registered owner) and owns a second block, a root abandoned, a hole freed
# below them, compaction steps until done (the blocks no root reaches move
# too), frees by value: the owner of another block first (refused), then
# the owned one, the self-owned one, the abandoned one.
seed owners \
    00 0F 10 \
    00 06 03 C7 00 \
    00 00 03 3F 00 \
    00 02 03 3F 00 \
    00 04 03 7F 00 \
    07 01 03 \
    07 02 23 \
    15 02 \
    04 00 \
    09 03 10 \
    05 00 \
    05 01 \
    05 00 \
    05 00

# Bad input: frees by value of interior, foreign, stale and arena pointers;
# owners in free space, in a header and unaligned; every group of bad
# arguments; a double free.
seed bad \
    00 0F 00 \
    00 00 03 63 00 \
    00 02 00 2F \
    12 00 04 01 \
    12 00 01 00 \
    12 00 03 10 00 00 \
    12 01 06 01 \
    12 03 02 40 00 00 \
    12 07 09 00 \
    13 00 00 00 00 10 \
    13 00 02 00 00 10 \
    13 01 01 00 00 10 \
    14 00 14 01 14 02 14 03 14 04 14 05 14 06 14 07 14 08 14 09 \
    05 00 \
    12 00 05 00

# Huge and degenerate sizes: SIZE_MAX and near it, the largest encodable
# block, UINT32_MAX, sizes around the largest free block.
seed sizes \
    00 0F 00 \
    00 00 07 01 \
    00 00 07 09 \
    00 00 07 02 \
    00 00 07 0B \
    00 00 07 04 \
    00 00 06 21 \
    00 02 06 22 \
    0B 00 00 07 05 \
    0B 02 00 07 01 03

# Heap life: blocks, a reset, blocks again, deinit and init again.
seed life \
    00 0F 00 \
    00 00 03 63 00 \
    0B 00 00 00 20 \
    0E 00 \
    16 00 \
    00 00 03 63 00 \
    16 01 \
    00 00 00 10

# A buffer too small for a heap: every call refused with DALLOC_E_HEAP.
seed tiny \
    40 E0 00
