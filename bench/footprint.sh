#!/usr/bin/env bash
# footprint.sh - code size of libdalloc on Cortex-M0+ and Cortex-M4, and the
# per-block header on 32- and 64-bit targets.
#
#   bench/footprint.sh
#
# Every object of src/ is compiled with
#   arm-none-eabi-gcc -mthumb -mcpu=CPU -Os -ffunction-sections -fdata-sections
# against a dalloc_config.h generated from include/dalloc_config.h.in
# (alignment 8, single heap 0, thread safety 0; optional objects are built
# with their own option on, so their row shows what enabling them costs).
# Prints
#  (a) arm-none-eabi-size of each object; the core row sums every object but
#      the optional ones ($OPTIONAL below);
#  (b) the .text a minimal firmware gains by calling dalloc_heap_init,
#      dalloc_alloc, dalloc_realloc and dalloc_free: the firmware is linked
#      with -Wl,--gc-sections --specs=nosys.specs against an archive of all
#      the objects, and the same firmware without the calls is subtracted, so
#      only the relocating core and what it pulls in (memset, memmove, ...)
#      counts.  Budget: 3 KiB of Cortex-M4 .text;
#  (c) header bytes per plain block: HDR of src/block.h compiled for ARM
#      (32-bit) and dalloc_header_size() from a host program (64-bit).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
out="${BENCH_OUT:-$here/out}/footprint"
CC=${ARM_CC:-arm-none-eabi-gcc}
SIZE=${ARM_SIZE:-arm-none-eabi-size}
AR=${ARM_AR:-arm-none-eabi-ar}
NM=${ARM_NM:-arm-none-eabi-nm}
BUDGET=3072
CPUS="cortex-m0plus cortex-m4"
# Objects that are features of their own: not part of the core row.
OPTIONAL="debug_print report single_heap check dmheap dmod_api log"

if ! command -v "$CC" >/dev/null 2>&1; then
    echo "footprint: SKIPPED ($CC not found; Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi)"
    exit 0
fi

# shellcheck source=bench/config.sh
. "$here/config.sh"
mkdir -p "$out/cfg-core" "$out/cfg-opt"
gen_dalloc_config "$out/cfg-core/dalloc_config.h" 8 0 0 0
gen_dalloc_config "$out/cfg-opt/dalloc_config.h" 8 1 0 1

is_optional() {
    local o
    for o in $OPTIONAL; do [ "$1" = "$o" ] && return 0; done
    return 1
}

srcs=()
for f in "$top"/src/*.c; do srcs+=("$(basename "$f" .c)"); done

# The minimal firmware; WITH_LIB selects the calls.
cat >"$out/fw.c" <<'EOF'
#include <stdint.h>
#include "dalloc.h"

static uint64_t buf[1024];
static dalloc_heap_t heap;
static void *p;

int main(void)
{
#ifdef WITH_LIB
    (void)dalloc_heap_init(&heap, buf, sizeof buf);
    (void)dalloc_alloc(&heap, 100, &p);
    (void)dalloc_realloc(&heap, 200, &p);
    (void)dalloc_free(&heap, &p, USING_PTR_ADDRESS);
#ifdef FULL_API
    {
        void *q = NULL, *r = NULL;
        dalloc_stats_t st;
        (void)dalloc_set_policy(&heap, DALLOC_COMPACT_MANUAL);
        (void)dalloc_alloc(&heap, 50, &q);
        (void)dalloc_replace(&heap, &q, &r);
        (void)dalloc_validate(&heap, &r, USING_PTR_VALUE, NULL);
        (void)dalloc_pin(&heap, &r);
        (void)dalloc_unpin(&heap, &r);
        (void)dalloc_compact_step(&heap, 256);
        (void)dalloc_compact(&heap);
        (void)dalloc_get_stats(&heap, &st);
        (void)dalloc_heap_reset(&heap);
    }
#endif
    return (int)heap.offset;
#else
    /* The same data, touched so that it stays. */
    ((volatile uint8_t *)buf)[0] = 1;
    return (int)(uintptr_t)&heap + (p != 0);
#endif
}
EOF

# (c) 32-bit header: the constants of src/block.h, read from ARM assembly.
cat >"$out/hdr.c" <<'EOF'
#include "block.h"
const unsigned long dalloc_fp_hdr = (unsigned long)HDR;
const unsigned long dalloc_fp_min_block = (unsigned long)MIN_BLOCK;
EOF
cat >"$out/hdr_host.c" <<'EOF'
#include <stdio.h>
#include "dalloc.h"
int main(void)
{
    printf("%zu %zu\n", dalloc_header_size(), 8 * sizeof(void *));
    return 0;
}
EOF

declare -A core_text
m4_fw_text=0
for cpu in $CPUS; do
    d="$out/$cpu"
    mkdir -p "$d"
    flags=(-std=c99 -mthumb "-mcpu=$cpu" -Os -ffunction-sections -fdata-sections -DNDEBUG -Wall -Wextra)
    for s in "${srcs[@]}"; do
        cfg="$out/cfg-core"
        is_optional "$s" && cfg="$out/cfg-opt"
        "$CC" "${flags[@]}" -I"$cfg" -I"$top/include" -c "$top/src/$s.c" -o "$d/$s.o"
    done

    echo "== footprint on $cpu (arm-none-eabi-gcc $("$CC" -dumpversion), -mthumb -Os -ffunction-sections -fdata-sections) =="
    echo "(a) objects (arm-none-eabi-size; optional objects built with their option on)"
    printf '  %-16s %7s %6s %6s\n' object text data bss
    t_core=0 d_core=0 b_core=0
    for s in "${srcs[@]}"; do
        is_optional "$s" && continue
        read -r t dd bb _ < <("$SIZE" "$d/$s.o" | awk 'NR == 2 { print $1, $2, $3 }')
        printf '  %-16s %7d %6d %6d\n' "$s.o" "$t" "$dd" "$bb"
        t_core=$((t_core + t)) d_core=$((d_core + dd)) b_core=$((b_core + bb))
    done
    printf '  %-16s %7d %6d %6d\n' "core (sum)" "$t_core" "$d_core" "$b_core"
    core_text[$cpu]=$t_core
    for s in "${srcs[@]}"; do
        is_optional "$s" || continue
        read -r t dd bb _ < <("$SIZE" "$d/$s.o" | awk 'NR == 2 { print $1, $2, $3 }')
        printf '  %-16s %7d %6d %6d   (optional)\n' "$s.o" "$t" "$dd" "$bb"
    done

    # (b) firmware with and without the calls, against an archive of all objects.
    rm -f "$d/libdalloc.a"
    "$AR" rcs "$d/libdalloc.a" "$d"/*.o
    for v in base lib full; do
        def=()
        [ $v = lib ] && def=(-DWITH_LIB)
        [ $v = full ] && def=(-DWITH_LIB -DFULL_API)
        "$CC" "${flags[@]}" "${def[@]}" -I"$out/cfg-core" -I"$top/include" -Wl,--gc-sections --specs=nosys.specs \
            "$out/fw.c" "$d/libdalloc.a" -o "$d/fw-$v.elf"
    done
    sect() { "$SIZE" -A "$1" | awk -v s="$2" '$1 == s { print $2 + 0; found = 1 } END { if (!found) print 0 }'; }
    tb=$(sect "$d/fw-base.elf" .text) tl=$(sect "$d/fw-lib.elf" .text) tf=$(sect "$d/fw-full.elf" .text)
    rb=$(sect "$d/fw-base.elf" .rodata) rl=$(sect "$d/fw-lib.elf" .rodata) rf=$(sect "$d/fw-full.elf" .rodata)
    echo "(b) firmware .text (linked with -Wl,--gc-sections --specs=nosys.specs against all objects)"
    printf '  %-58s %7s %7s\n' "" ".text" ".rodata"
    printf '  %-58s %7d %7d\n' "without the library calls" "$tb" "$rb"
    printf '  %-58s %7d %7d\n' "with dalloc_heap_init/alloc/realloc/free" "$tl" "$rl"
    printf '  %-58s %7d %7d\n' "library cost: difference" "$((tl - tb))" "$((rl - rb))"
    printf '  %-58s %7d %7d\n' "library cost, whole relocatable API (informative)" "$((tf - tb))" "$((rf - rb))"
    echo "  largest functions the calls pulled in:"
    comm -13 <("$NM" -S --size-sort "$d/fw-base.elf" | awk '{ print $4 }' | sort) \
        <("$NM" -S --size-sort "$d/fw-lib.elf" | awk '{ print $4 }' | sort) >"$d/pulled.txt"
    "$NM" -S -t d --size-sort "$d/fw-lib.elf" | awk 'NR == FNR { want[$1] = 1; next }
        ($4 in want) && ($3 == "T" || $3 == "t") { printf "    %5d  %s\n", $2 + 0, $4 }' \
        "$d/pulled.txt" - | sort -rn | head -n 12
    "$NM" -S -t d --size-sort "$d/fw-lib.elf" | awk 'NR == FNR { want[$1] = 1; next }
        ($4 in want) && ($3 == "T" || $3 == "t") { print $4, $2 + 0 }' "$d/pulled.txt" - >"$d/pulled-sizes.txt"
    "$NM" --defined-only "$d/libdalloc.a" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$d/lib-symbols.txt"
    from_libc=$(awk 'NR == FNR { ours[$1] = 1; next } !($1 in ours) { n += $2; names = names " " $1 }
        END { printf "%d B:%s", n, names }' "$d/lib-symbols.txt" "$d/pulled-sizes.txt")
    echo "  of the difference, functions from the C library: $from_libc"
    echo "  (all symbols pulled in: $d/pulled-sizes.txt)"
    if [ "$cpu" = cortex-m4 ]; then
        m4_fw_text=$((tl - tb))
    fi
    printf '  %s  %s: .text of alloc/free/realloc/init %d B, budget %d B\n' \
        "$([ $((tl - tb)) -le $BUDGET ] && echo PASS || echo FAIL)" "$cpu" "$((tl - tb))" "$BUDGET"
    echo
done

echo "(c) header bytes per plain block"
"$CC" -std=c99 -mthumb -mcpu=cortex-m4 -Os -S -I"$out/cfg-core" -I"$top/include" -I"$top/src" "$out/hdr.c" \
    -o "$out/hdr.s"
word_of() { awk -v sym="$1:" '$1 == sym { getline; print $2; exit }' "$out/hdr.s"; }
h32=$(word_of dalloc_fp_hdr)
echo "  32-bit (Cortex-M, from src/block.h): header $h32 B, smallest block $(word_of dalloc_fp_min_block) B"
printf '  %s  header per plain block on 32-bit: %s B, bar 8 B\n' "$([ "${h32:-99}" -le 8 ] && echo PASS || echo FAIL)" "$h32"
if command -v "${HOST_CC:-gcc}" >/dev/null 2>&1; then
    "${HOST_CC:-gcc}" -std=c99 -O1 -I"$out/cfg-core" -I"$top/include" "$top"/src/*.c "$out/hdr_host.c" -o "$out/hdr_host"
    read -r h64 bits < <("$out/hdr_host")
    echo "  ${bits}-bit host (dalloc_header_size()): header $h64 B"
fi
echo
echo "summary: Cortex-M4 core objects $((core_text[cortex-m4])) B; firmware cost of init/alloc/realloc/free $m4_fw_text B (budget $BUDGET B)"
