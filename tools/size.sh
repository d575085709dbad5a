#!/usr/bin/env bash
# size.sh - code and data size of libdalloc on Cortex-M.
#
#   tools/size.sh [--srcdir DIR] [--strict] [--keep DIR]
#       Standalone (from the source tree, no configure needed): compiles
#       src/*.c for Cortex-M0+ and Cortex-M4 with
#         arm-none-eabi-gcc -std=c99 -mthumb -mcpu=CPU -Os
#                           -ffunction-sections -fdata-sections
#       against a dalloc_config.h generated from include/dalloc_config.h.in
#       (DALLOC_ALIGNMENT 8, DALLOC_SINGLE_HEAP 0, DALLOC_THREAD_SAFETY 0,
#       DALLOC_DMOD_API 0) and measures both.
#
#   tools/size.sh --lib LIB.a --builddir DIR --cc CC --cflags FLAGS
#                 [--size SIZE] [--srcdir DIR] [--strict] [--keep DIR]
#       Cross tree (`make size`): measures the library that tree built, with
#       its compiler, CFLAGS and configuration (DIR/config.h,
#       DIR/include/dalloc_config.h).
#
# For each build it prints
#  (a) .text/.data/.bss of every object of the static library (size(1) on
#      the archive) and their total;
#  (b) the relocating core in a minimal firmware: a main() calling only
#      dalloc_heap_init, dalloc_alloc, dalloc_realloc and dalloc_free, linked
#      with -Wl,--gc-sections --specs=nosys.specs against the library built
#      with -ffunction-sections -fdata-sections (in a cross tree: src/*.c
#      compiled again with the tree's flags plus those two), minus the same
#      firmware without those calls.  The difference is what the core costs
#      an application, C library helpers it pulls in (memset, memmove, ...)
#      included; and the line
#        relocating core .text: N bytes (budget 3072)
#      The budget is set for Cortex-M4 at -Os; other builds are informative.
#
# --strict: exit 1 when a Cortex-M4 -Os build is over the budget.
# --keep DIR: keep the objects and firmware in DIR (default: a temporary
# directory, removed).  Tools: $ARM_CC (arm-none-eabi-gcc), $ARM_AR,
# $ARM_SIZE, $ARM_NM for the standalone mode.
set -euo pipefail

BUDGET=3072
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(dirname "$here")
lib='' builddir='' cc='' cflags='' size_prog='' keep='' strict=0

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --srcdir) srcdir=$2; shift 2;;
    --lib) lib=$2; shift 2;;
    --builddir) builddir=$2; shift 2;;
    --cc) cc=$2; shift 2;;
    --cflags) cflags=$2; shift 2;;
    --size) size_prog=$2; shift 2;;
    --keep) keep=$2; shift 2;;
    --strict) strict=1; shift;;
    -h|--help) usage;;
    *) echo "size.sh: unknown argument: $1" >&2; usage;;
    esac
done
srcdir=$(cd "$srcdir" && pwd)

if [ -n "$keep" ]; then
    mkdir -p "$keep"
    work=$(cd "$keep" && pwd)
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/dalloc-size.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi

over=0

# The minimal firmware: WITH_CORE selects the four calls; without it the
# same data is kept alive so that only the code differs.
cat >"$work/fw.c" <<'EOF'
#include <stdint.h>
#include "dalloc.h"

static uint64_t fw_buf[512];
static dalloc_heap_t fw_heap;
static void *fw_p;

int main(void)
{
#ifdef WITH_CORE
    (void)dalloc_heap_init(&fw_heap, fw_buf, sizeof fw_buf);
    (void)dalloc_alloc(&fw_heap, 100, &fw_p);
    (void)dalloc_realloc(&fw_heap, 300, &fw_p);
    (void)dalloc_free(&fw_heap, &fw_p, USING_PTR_ADDRESS);
    return (int)fw_heap.offset;
#else
    ((volatile uint8_t *)fw_buf)[0] = 1;
    ((volatile uint8_t *)&fw_heap)[0] = 1;
    return fw_p != 0;
#endif
}
EOF

# section FILE NAME: size of one output section (0 when absent).
section() {
    "$SIZE" -A "$1" | awk -v s="$2" '$1 == s { n += $2 } END { print n + 0 }'
}

# objects ARCHIVE: per-object table from size(1) on the archive.
objects() {
    echo "  (a) objects of $(basename "$1") (size, Berkeley format: text includes .rodata)"
    printf '      %-22s %7s %6s %6s\n' object text data bss
    "$SIZE" "$1" | awk 'NR > 1 {
            name = $6; sub(/^libdalloc_la-/, "", name)
            printf "      %-22s %7d %6d %6d\n", name, $1, $2, $3
            t += $1; d += $2; b += $3 }
        END { printf "      %-22s %7d %6d %6d\n", "total", t, d, b }'
}

# firmware LABEL CC CFLAGS ARCHIVE INCLUDES...: the core's cost in a firmware.
firmware() {
    local label=$1 fcc=$2 fflags=$3 archive=$4 d
    shift 4
    d="$work/fw-$label"
    mkdir -p "$d"
    local v
    for v in base core; do
        local def=()
        [ "$v" = core ] && def=(-DWITH_CORE)
        # shellcheck disable=SC2086 # CFLAGS are words
        $fcc $fflags -ffunction-sections -fdata-sections "${def[@]}" "$@" \
            -Wl,--gc-sections -Wl,-Map="$d/fw-$v.map" --specs=nosys.specs "$work/fw.c" "$archive" -o "$d/fw-$v.elf"
    done
    local tb tc rb rc db dc bb bc
    tb=$(section "$d/fw-base.elf" .text) tc=$(section "$d/fw-core.elf" .text)
    rb=$(section "$d/fw-base.elf" .rodata) rc=$(section "$d/fw-core.elf" .rodata)
    db=$(section "$d/fw-base.elf" .data) dc=$(section "$d/fw-core.elf" .data)
    bb=$(section "$d/fw-base.elf" .bss) bc=$(section "$d/fw-core.elf" .bss)
    echo "  (b) relocating core (init/alloc/realloc/free) in a minimal firmware, -Wl,--gc-sections --specs=nosys.specs"
    printf '      %-34s %7s %7s %6s %6s\n' "" .text .rodata .data .bss
    printf '      %-34s %7d %7d %6d %6d\n' "firmware without the calls" "$tb" "$rb" "$db" "$bb"
    printf '      %-34s %7d %7d %6d %6d\n' "firmware with the calls" "$tc" "$rc" "$dc" "$bc"
    printf '      %-34s %7d %7d %6d %6d\n' "difference: the relocating core" \
        "$((tc - tb))" "$((rc - rb))" "$((dc - db))" "$((bc - bb))"
    # Which of the functions the calls pulled in are the C library's.
    "$NM" --defined-only "$archive" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$d/ours.txt"
    "$NM" -S -t d "$d/fw-base.elf" | awk 'NF == 4 { print $4 }' | sort -u >"$d/base.txt"
    "$NM" -S -t d "$d/fw-core.elf" | awk 'NF == 4 && ($3 == "T" || $3 == "t") { print $4, $2 + 0 }' |
        sort -u | awk 'NR == FNR { base[$1] = 1; next } !($1 in base)' "$d/base.txt" - >"$d/pulled.txt"
    awk 'NR == FNR { ours[$1] = 1; next }
        { if ($1 in ours) l += $2; else { c += $2; names = names " " $1 } }
        END { printf "      of the pulled-in functions: libdalloc %d B, C library %d B:%s\n", l, c, names }' \
        "$d/ours.txt" "$d/pulled.txt"
    by_object "$d/fw-core.map"
    echo "relocating core .text: $((tc - tb)) bytes (budget $BUDGET)"
    local what note=''
    what="$label $(opt_level "$fflags")"
    if [ "$what" != "cortex-m4 -Os" ]; then
        note="; informative, the budget is set for cortex-m4 -Os"
    fi
    if [ $((tc - tb)) -gt "$BUDGET" ]; then
        echo "  ($what: OVER the budget by $((tc - tb - BUDGET)) bytes$note)"
        if [ "$what" = "cortex-m4 -Os" ] && [ "$strict" = 1 ]; then over=1; fi
    else
        echo "  ($what: within the budget, $((BUDGET - tc + tb)) bytes to spare$note)"
    fi
}

# by_object MAP: the library's .text kept in a firmware, by source object,
# from the linker map (input sections listed after "Linker script and
# memory map"; the ones above it were discarded).  Shows where the core's
# bytes go: alloc.o (alloc/free/realloc and argument checks), freeidx.o
# (free lists, merging, splitting), compact.o (moving blocks, owners inside
# blocks), heap.o (init, entry), error.o (refusal reporting).
by_object() {
    echo "      of libdalloc's, by object (linker map):$(awk '
        function hex(h,   i, v) {
            v = 0; h = tolower(h); sub(/^0x/, "", h)
            for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
            return v
        }
        /^Linker script and memory map/ { on = 1; next }
        on && /^ \.text/ {
            if (NF >= 4) { sz = $3; f = $4 } else { getline; sz = $2; f = $3 }
            if (f ~ /libdalloc\.a\(/) { m = f; sub(/.*\(/, "", m); sub(/\)$/, "", m); sub(/^libdalloc_la-/, "", m); s[m] += hex(sz) }
        }
        END { for (m in s) printf "%d %s\n", s[m], m }' "$1" | sort -rn | awk '{ printf " %s %d", $2, $1 }')"
}

# opt_level FLAGS: the last -O option (-O0 when none).
opt_level() {
    local f o=-O0
    for f in $1; do
        case $f in -O*) o=$f;; esac
    done
    echo "$o"
}

# build_archive DIR CC FLAGS CPPFLAGS...: src/*.c with -ffunction-sections
# -fdata-sections into DIR/libdalloc.a.
build_archive() {
    local d=$1 bcc=$2 bflags=$3 src
    shift 3
    mkdir -p "$d"
    rm -f "$d"/*.o "$d/libdalloc.a"
    for src in "$srcdir"/src/*.c; do
        # shellcheck disable=SC2086 # CFLAGS are words
        $bcc $bflags -ffunction-sections -fdata-sections -DDALLOC_BUILDING "$@" \
            -I"$srcdir/include" -I"$srcdir/src" -c "$src" -o "$d/$(basename "$src" .c).o"
    done
    "$AR" rcs "$d/libdalloc.a" "$d"/*.o
}

if [ -n "$lib" ]; then
    # ---- a cross tree: its own library -----------------------------------
    if [ -z "$cc" ] || [ -z "$builddir" ]; then
        echo "size.sh: --lib needs --cc and --builddir" >&2
        exit 2
    fi
    [ -f "$lib" ] || { echo "size.sh: $lib: no such file (build the library first)" >&2; exit 1; }
    builddir=$(cd "$builddir" && pwd)
    SIZE=${size_prog:-size}
    [ "$SIZE" = : ] && SIZE=size
    # nm and ar of the same binutils as size.
    NM=${SIZE%size}nm AR=${SIZE%size}ar
    command -v "$NM" >/dev/null 2>&1 || NM='nm'
    command -v "$AR" >/dev/null 2>&1 || AR='ar'
    label=default
    for f in $cflags; do
        case $f in -mcpu=*) label=${f#-mcpu=};; esac
    done
    echo "== libdalloc size: this tree ($cc $cflags) =="
    objects "$lib"
    build_archive "$work/gc" "$cc" "$cflags" -DHAVE_CONFIG_H -I"$builddir" -I"$builddir/include"
    firmware "$label" "$cc" "$cflags" "$work/gc/libdalloc.a" -I"$builddir/include" -I"$srcdir/include"
    exit "$over"
fi

# ---- standalone: Cortex-M0+ and Cortex-M4 from the sources -----------------
CC=${ARM_CC:-arm-none-eabi-gcc}
AR=${ARM_AR:-arm-none-eabi-ar}
SIZE=${ARM_SIZE:-arm-none-eabi-size}
NM=${ARM_NM:-arm-none-eabi-nm}
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "size: SKIPPED ($CC not found; Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi)"
    exit 0
fi

# dalloc_config.h without configure.
mkdir -p "$work/cfg"
sed -e 's/@DALLOC_ALIGNMENT@/8/' -e 's/@DALLOC_SINGLE_HEAP@/0/' \
    -e 's/@DALLOC_THREAD_SAFETY@/0/' -e 's/@DALLOC_DMOD_API@/0/' \
    "$srcdir/include/dalloc_config.h.in" >"$work/cfg/dalloc_config.h"
if grep -q '@[A-Za-z_0-9]*@' "$work/cfg/dalloc_config.h"; then
    echo "size.sh: note: set to 0 in dalloc_config.h:" \
        "$(grep -o '@[A-Za-z_0-9]*@' "$work/cfg/dalloc_config.h" | sort -u | tr '\n' ' ')" >&2
    sed -i -e 's/@[A-Za-z_0-9]*@/0/g' "$work/cfg/dalloc_config.h"
fi

for cpu in cortex-m0plus cortex-m4; do
    flags="-std=c99 -mthumb -mcpu=$cpu -Os"
    d="$work/$cpu"
    build_archive "$d" "$CC" "$flags" -I"$work/cfg"
    echo "== libdalloc size: $cpu ($CC $("$CC" -dumpversion) $flags -ffunction-sections -fdata-sections) =="
    objects "$d/libdalloc.a"
    firmware "$cpu" "$CC" "$flags" "$d/libdalloc.a" -I"$work/cfg" -I"$srcdir/include"
    echo
done
exit "$over"
