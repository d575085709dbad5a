#!/usr/bin/env bash
# callgrind.sh - instructions per churn operation, counted by valgrind's
# callgrind: exact and repeatable where wall-clock figures are not.
#
#   bench/callgrind.sh [--ops N] [--n SLOTS] [--top K]
#
# Builds the benchmark with -O2 -g, runs `bench churn --only X --runs 1` for
# glibc, libdalloc (ON_DEMAND), libdalloc COMPACT_ON_FREE, fixed blocks
# (dalloc_malloc/dalloc_fixed_free) and dmheap (module NULL), and collects
# only inside timed_segment() (--toggle-collect), i.e. the timed ops of the
# run: the warm-up run, the untimed warm ops and the set-up are not counted.
# Prints Ir per op for each, the ratio to glibc, and the K functions of
# libdalloc with the most instructions (exclusive).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
out="${BENCH_OUT:-$here/out}/callgrind"
ops=20000
n=400
topk=15

while [ $# -gt 0 ]; do
    case $1 in
    --ops) ops=$2; shift 2 ;;
    --n) n=$2; shift 2 ;;
    --top) topk=$2; shift 2 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "callgrind.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

if ! command -v valgrind >/dev/null 2>&1; then
    echo "callgrind: SKIPPED (valgrind not found)"
    exit 0
fi

# shellcheck source=bench/config.sh
. "$here/config.sh"
mkdir -p "$out"
gen_dalloc_config "$out/dalloc_config.h" 8 0 0 0
${CC:-gcc} -std=c99 -O2 -g -DNDEBUG -I"$out" -I"$top/include" "$top"/src/*.c "$here/bench.c" -o "$out/bench-cg"

ops_onfree=$((ops / 10))
[ "$ops_onfree" -gt 0 ] || ops_onfree=1

# Ir collected in timed_segment for one allocator.
collect() {
    local who=$1 count=$2
    valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$who.out" \
        --toggle-collect=timed_segment \
        "$out/bench-cg" churn --only "$who" --ops "$count" --n "$n" --runs 1 >"$out/$who.log" 2>&1 || {
        echo "callgrind: bench failed for $who, see $out/$who.log" >&2
        exit 1
    }
    sed -n 's/^==[0-9]*== Collected : \([0-9]*\).*/\1/p' "$out/$who.log"
}

echo "== callgrind: instructions per churn op (N = $n slots, log-uniform 16..512 B, heap as in 'bench churn') =="
echo "command: valgrind --tool=callgrind --toggle-collect=timed_segment bench churn --only X --ops OPS --n $n --runs 1"
ir_g=$(collect glibc "$ops")
ir_d=$(collect dalloc "$ops")
ir_f=$(collect onfree "$ops_onfree")
ir_x=$(collect fixed "$ops")
ir_m=$(collect dmheap "$ops")
awk -v g="$ir_g" -v d="$ir_d" -v f="$ir_f" -v x="$ir_x" -v m="$ir_m" -v ops="$ops" -v fops="$ops_onfree" 'BEGIN {
    printf "  %-34s %8s %12s %10s %9s\n", "allocator", "ops", "Ir", "Ir/op", "vs glibc"
    printf "  %-34s %8d %12d %10.1f %8.2fx\n", "glibc malloc", ops, g, g / ops, 1
    printf "  %-34s %8d %12d %10.1f %8.2fx\n", "dalloc relocatable (ON_DEMAND)", ops, d, d / ops, (d / ops) / (g / ops)
    printf "  %-34s %8d %12d %10.1f %8.2fx\n", "dalloc COMPACT_ON_FREE (1.x)", fops, f, f / fops, (f / fops) / (g / ops)
    printf "  %-34s %8d %12d %10.1f %8.2fx\n", "dalloc fixed (malloc/fixed_free)", ops, x, x / ops, (x / ops) / (g / ops)
    printf "  %-34s %8d %12d %10.1f %8.2fx\n", "dmheap (module NULL)", ops, m, m / ops, (m / ops) / (g / ops)
    print  "  (Ir includes the bookkeeping of the benchmark loop: slot choice, stamps at both ends of each block)"
}'

# The K functions with the most exclusive Ir of one profile.
top_functions() {
    callgrind_annotate --threshold=100 "$1" >"$1.txt" 2>/dev/null || return 0
    awk -v k="$topk" '/file:function/ { on = 1; getline; next }
        on && NF && shown < k { print "  " $0; shown++ }' "$1.txt" |
        sed -e "s#$top/##g" -e 's# \[[^]]*\]$##'
}

if command -v callgrind_annotate >/dev/null 2>&1; then
    echo
    echo "-- top $topk functions (exclusive Ir) in the dalloc (ON_DEMAND) run --"
    top_functions "$out/callgrind.dalloc.out"
    echo
    echo "-- top $topk functions (exclusive Ir) in the COMPACT_ON_FREE run --"
    top_functions "$out/callgrind.onfree.out"
    echo
    echo "-- top $topk functions (exclusive Ir) in the fixed-block run --"
    top_functions "$out/callgrind.fixed.out"
    echo
    echo "-- top $topk functions (exclusive Ir) in the dmheap run --"
    top_functions "$out/callgrind.dmheap.out"
fi
echo "(profiles: $out/callgrind.*.out; callgrind_annotate --inclusive=yes FILE for the call tree)"
