# shellcheck shell=bash
# config.sh - sourced by the bench scripts: generate a dalloc_config.h from
# include/dalloc_config.h.in without configure.
#
#   gen_dalloc_config OUT ALIGNMENT SINGLE_HEAP THREAD_SAFETY [DMOD_API]
#
# $top must name the source tree.  Any other @PLACEHOLDER@ the template gains later is set to 0 (option off)
# and named on stderr, so a new option never breaks the benchmark build.

gen_dalloc_config() {
    local out=$1 align=$2 single=$3 threads=$4 dmod=${5:-0}
    local in="${top:?}/include/dalloc_config.h.in" rest
    sed -e "s/@DALLOC_ALIGNMENT@/$align/" \
        -e "s/@DALLOC_SINGLE_HEAP@/$single/" \
        -e "s/@DALLOC_THREAD_SAFETY@/$threads/" \
        -e "s/@DALLOC_DMOD_API@/$dmod/" "$in" >"$out.tmp"
    rest=$(grep -o '@[A-Za-z_0-9]*@' "$out.tmp" | sort -u | tr '\n' ' ' || true)
    if [ -n "$rest" ]; then
        echo "note: $(basename "$in"): set to 0 (unknown to the bench scripts): $rest" >&2
        sed -i -e 's/@[A-Za-z_0-9]*@/0/g' "$out.tmp"
    fi
    mv "$out.tmp" "$out"
}
