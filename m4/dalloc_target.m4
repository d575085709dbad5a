# dalloc_target.m4 - configure side of libdalloc's tests on the target.
#
# Copying and distribution of this file, with or without modification, are
# permitted in any medium without royalty provided this notice is preserved.

# DALLOC_TARGET_TESTS
# -------------------
# Decide whether `make check` builds and runs tests/target/runner.elf, the
# test runner for bare-metal ARM (see tests/target/target.am).  Expects the
# shell variable dalloc_bare_metal (yes/no) and AC_PROG_CC done.
#
# On a bare-metal arm* host whose compiler targets a Cortex-M profile
# (-mcpu=cortex-m*), the runner is built (a link check in any case) and run
# under QEMU when a board is known for the architecture:
#   ARMv6-M (Cortex-M0/M0+)   microbit (nRF51, Cortex-M0), 16 KiB RAM
#   ARMv7-M, ARMv7E-M         mps2-an386 (Cortex-M4), 4 MiB RAM
# Other M profiles (ARMv8-M, a double-precision FPU) get the runner built and
# the test SKIPped with the reason.  Not a Cortex-M at all (arm-none-eabi-gcc
# defaults to ARM state of an ARM7TDMI): the runner's vector table means
# nothing there, so it is not built.  Without rdimon.specs (newlib's
# semihosting) neither.
#
# Sets the conditionals
#   TARGET_TESTS       the runner is part of `make check`
#   TARGET_BARE_METAL  a bare-metal host (`make size` measures this tree)
# and substitutes
#   QEMU_SYSTEM_ARM                the emulator (empty when not found)
#   SIZE                           the size(1) of the host's binutils
#   DALLOC_QEMU_MACHINE, DALLOC_QEMU_CPU   the QEMU board and core
#   DALLOC_TARGET_SKIP             why the runner cannot run, or empty
#   DALLOC_TARGET_LDSCRIPT         linker script (in tests/target/)
#   DALLOC_TARGET_RUNNER_CPPFLAGS  -D sizing the runner for the board's RAM
#   DALLOC_TARGET_LDFLAGS          $LDFLAGS without its -specs options (the
#                                  runner links with rdimon.specs instead of
#                                  the nosys.specs configure may have added)
AC_DEFUN([DALLOC_TARGET_TESTS],
[AC_REQUIRE([AC_PROG_CC])dnl
AC_REQUIRE([AC_CANONICAL_HOST])dnl
dalloc_target_tests=no
DALLOC_QEMU_MACHINE=
DALLOC_QEMU_CPU=
DALLOC_TARGET_SKIP=
DALLOC_TARGET_LDSCRIPT=mps2-an386.ld
DALLOC_TARGET_RUNNER_CPPFLAGS=
DALLOC_TARGET_LDFLAGS=
AS_IF([test "$dalloc_bare_metal" = yes],
  [AC_CHECK_TOOL([SIZE], [size], [:])])
AS_IF([test "$dalloc_bare_metal" = yes],
  [AS_CASE([$host_cpu],
    [arm*], [_DALLOC_TARGET_ARM],
    [AC_MSG_NOTICE([target runner: no runner for $host_cpu (it is ARM Cortex-M only)])])])
AC_ARG_VAR([QEMU_SYSTEM_ARM], [the system emulator that runs the target tests (qemu-system-arm)])
AC_SUBST([SIZE])
AC_SUBST([DALLOC_QEMU_MACHINE])
AC_SUBST([DALLOC_QEMU_CPU])
AC_SUBST([DALLOC_TARGET_SKIP])
AC_SUBST([DALLOC_TARGET_LDSCRIPT])
AC_SUBST([DALLOC_TARGET_RUNNER_CPPFLAGS])
AC_SUBST([DALLOC_TARGET_LDFLAGS])
AM_CONDITIONAL([TARGET_TESTS], [test "$dalloc_target_tests" = yes])
AM_CONDITIONAL([TARGET_BARE_METAL], [test "$dalloc_bare_metal" = yes])
])

# _DALLOC_TARGET_ARM
# ------------------
# The arm* half of DALLOC_TARGET_TESTS.
AC_DEFUN([_DALLOC_TARGET_ARM],
[AC_CACHE_CHECK([which Cortex-M profile $CC targets], [dalloc_cv_target_arch],
  [dalloc_cv_target_arch=none
   for dalloc_arch in v6m v7m v8m; do
     AS_CASE([$dalloc_arch],
       [v6m], [dalloc_test='defined __ARM_ARCH_6M__'],
       [v7m], [dalloc_test='defined __ARM_ARCH_7M__ || defined __ARM_ARCH_7EM__'],
       [v8m], [dalloc_test='defined __ARM_ARCH_8M_BASE__ || defined __ARM_ARCH_8M_MAIN__ || defined __ARM_ARCH_8_1M_MAIN__'])
     AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[
#if !($dalloc_test)
#error not this profile
#endif
]])], [dalloc_cv_target_arch=$dalloc_arch; break])
   done])
dalloc_target_dpfpu=no
AS_IF([test "$dalloc_cv_target_arch" = v7m],
  [AC_CACHE_CHECK([whether $CC generates double-precision FPU code],
    [dalloc_cv_target_dpfpu],
    [AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[
#if !(defined __ARM_FP && (__ARM_FP & 8))
#error single precision or soft float
#endif
]])], [dalloc_cv_target_dpfpu=yes], [dalloc_cv_target_dpfpu=no])])
   dalloc_target_dpfpu=$dalloc_cv_target_dpfpu])

# The runner links with newlib's semihosting layer, not the nosys stubs.
DALLOC_TARGET_LDFLAGS=
for dalloc_flag in $LDFLAGS; do
  AS_CASE([$dalloc_flag],
    [-specs=* | --specs=*], [],
    [DALLOC_TARGET_LDFLAGS="${DALLOC_TARGET_LDFLAGS:+$DALLOC_TARGET_LDFLAGS }$dalloc_flag"])
done
AS_IF([test "$dalloc_cv_target_arch" != none],
  [AC_CACHE_CHECK([whether $CC links with --specs=rdimon.specs], [dalloc_cv_target_rdimon],
    [dalloc_save_LDFLAGS=$LDFLAGS
     LDFLAGS="$DALLOC_TARGET_LDFLAGS --specs=rdimon.specs"
     AC_LINK_IFELSE([AC_LANG_PROGRAM([[
extern void initialise_monitor_handles(void);
]], [[initialise_monitor_handles();]])],
       [dalloc_cv_target_rdimon=yes], [dalloc_cv_target_rdimon=no])
     LDFLAGS=$dalloc_save_LDFLAGS])])

AS_CASE([$dalloc_cv_target_arch],
  [none],
    [AC_MSG_NOTICE([target runner: $CC does not target a Cortex-M (give CFLAGS=-mcpu=cortex-m...): not built])],
  [*],
    [AS_IF([test "$dalloc_cv_target_rdimon" != yes],
      [AC_MSG_WARN([target runner: $CC cannot link with --specs=rdimon.specs (Debian: libnewlib-arm-none-eabi): not built])],
      [dalloc_target_tests=yes])])

AS_CASE([$dalloc_cv_target_arch:$dalloc_target_dpfpu],
  [v6m:*],
    [DALLOC_QEMU_MACHINE=microbit
     DALLOC_QEMU_CPU=cortex-m0
     DALLOC_TARGET_LDSCRIPT=microbit.ld
     # 16 KiB of RAM: a smaller heap and model, newlib-nano's stdio.
     DALLOC_TARGET_RUNNER_CPPFLAGS="-DRUNNER_ARENA_SIZE=8192 -DRUNNER_MODEL_BLOCKS=64"
     DALLOC_TARGET_LDFLAGS="$DALLOC_TARGET_LDFLAGS --specs=nano.specs"],
  [v7m:no],
    [DALLOC_QEMU_MACHINE=mps2-an386
     DALLOC_QEMU_CPU=cortex-m4],
  [v7m:yes],
    [DALLOC_TARGET_SKIP="double-precision FPU code (Cortex-M7 class): no QEMU board verified for it (mps2-an386 is a Cortex-M4)"],
  [v8m:*],
    [DALLOC_TARGET_SKIP="ARMv8-M code: no QEMU board verified for it (mps2-an386 is a Cortex-M4)"])

AS_IF([test "$dalloc_target_tests" = yes],
  [AC_PATH_PROG([QEMU_SYSTEM_ARM], [qemu-system-arm])
   AS_IF([test -n "$DALLOC_TARGET_SKIP"],
     [AC_MSG_NOTICE([target runner: built, not run: $DALLOC_TARGET_SKIP])],
     [test -z "$QEMU_SYSTEM_ARM" || ! command -v "$QEMU_SYSTEM_ARM" >/dev/null 2>&1],
     [AC_MSG_NOTICE([target runner: built; not run (qemu-system-arm not found; Debian: qemu-system-arm)])],
     [AC_MSG_NOTICE([target runner: built and run on QEMU $DALLOC_QEMU_MACHINE ($DALLOC_QEMU_CPU)])])])
])
