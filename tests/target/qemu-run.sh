#!/bin/sh
# qemu-run.sh - run a bare-metal test ELF under QEMU with semihosting; the
# LOG_COMPILER of tests/target/*.elf in `make check` (tests/target/target.am).
#
#   qemu-run.sh [--qemu PROG] [--machine M] [--cpu C] [--timeout SECONDS]
#               [--skip REASON] ELF
#
# Runs  PROG -M M -cpu C -nographic -semihosting -kernel ELF  with stdin from
# /dev/null and stderr joined to stdout (semihosting console writes, such as
# the fault report of startup.c, go to stderr).  The guest's exit(n) becomes
# QEMU's exit status, which is passed through: 0 pass, anything else fail.
# Exit 77 (Automake's SKIP) when REASON is given (no board for this build) or
# when the emulator is not installed; 124 after the time limit (default 600 s,
# or $DALLOC_QEMU_TIMEOUT).
# Defaults: PROG qemu-system-arm (or $QEMU_SYSTEM_ARM), M mps2-an386,
# C cortex-m4.

qemu=${QEMU_SYSTEM_ARM:-}
machine=mps2-an386
cpu=cortex-m4
limit=${DALLOC_QEMU_TIMEOUT:-600}
skip=

usage() {
    echo "usage: $0 [--qemu PROG] [--machine M] [--cpu C] [--timeout S] [--skip REASON] ELF" >&2
    exit 99
}

while [ $# -gt 1 ]; do
    case $1 in
    --qemu) [ $# -gt 2 ] || usage; [ -n "$2" ] && qemu=$2; shift 2;;
    --machine) [ $# -gt 2 ] || usage; [ -n "$2" ] && machine=$2; shift 2;;
    --cpu) [ $# -gt 2 ] || usage; [ -n "$2" ] && cpu=$2; shift 2;;
    --timeout) [ $# -gt 2 ] || usage; limit=$2; shift 2;;
    --skip) [ $# -gt 2 ] || usage; skip=$2; shift 2;;
    --) shift; break;;
    -*) usage;;
    *) break;;
    esac
done
[ $# -eq 1 ] || usage
elf=$1

if [ -n "$skip" ]; then
    echo "SKIP: $elf was built (link check) but is not run: $skip"
    exit 77
fi
if [ -z "$qemu" ]; then
    qemu='qemu-system-arm'
fi
if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "SKIP: $qemu not found, $elf was built but is not run (Debian: apt-get install qemu-system-arm)"
    exit 77
fi
if [ ! -f "$elf" ]; then
    echo "ERROR: $elf: no such file" >&2
    exit 99
fi

set -- "$qemu" -M "$machine" -cpu "$cpu" -nographic -semihosting -kernel "$elf"
echo "# $*"
if command -v timeout >/dev/null 2>&1; then
    timeout -k 10 "$limit" "$@" </dev/null 2>&1
    status=$?
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        echo "FAIL: $elf did not finish within $limit s (QEMU stopped)"
        exit 124
    fi
else
    "$@" </dev/null 2>&1
    status=$?
fi
if [ "$status" -ne 0 ]; then
    echo "# QEMU exit status $status"
fi
exit "$status"
