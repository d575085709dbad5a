# dalloc.m4 - libdalloc's own configure helpers.
#
# Copying and distribution of this file, with or without modification, are
# permitted in any medium without royalty provided this notice is preserved.

# DALLOC_ARG_UINT(OPTION, VALUE)
# ------------------------------
# Stop configure unless VALUE is a decimal integer: no sign, no leading zero
# (the shell would read it as octal), at most nine digits (so that shell
# arithmetic on it cannot overflow).  OPTION is the
# switch's name, used in the error message.
AC_DEFUN([DALLOC_ARG_UINT],
[AS_CASE([$2],
  [''|*[[!0-9]]*],
    [AC_MSG_ERROR([$1=$2: expected a decimal integer])],
  [0?*],
    [AC_MSG_ERROR([$1=$2: write the number without leading zeros])],
  [??????????*],
    [AC_MSG_ERROR([$1=$2: value too large])])
])

# DALLOC_ARG_POWER_OF_TWO(OPTION, VALUE, MINIMUM)
# -----------------------------------------------
# Stop configure unless VALUE is a decimal power of two and at least MINIMUM.
AC_DEFUN([DALLOC_ARG_POWER_OF_TWO],
[DALLOC_ARG_UINT([$1], [$2])
AS_IF([test "$(( $2 ))" -eq 0 || test "$(( $2 & ($2 - 1) ))" -ne 0],
  [AC_MSG_ERROR([$1=$2: not a power of two])])
AS_IF([test "$(( $2 ))" -lt "$3"],
  [AC_MSG_ERROR([$1=$2: must be at least $3 (sizeof (void *) on $host)])])
])

# DALLOC_DEFINE_01(MACRO, SHELL-VAR-YES-NO, DESCRIPTION)
# ------------------------------------------------------
# Define MACRO to 1 or 0 in config.h from a yes/no shell value, and
# substitute @MACRO@ with the same digit.
AC_DEFUN([DALLOC_DEFINE_01],
[AS_IF([test "x$2" = xyes], [$1=1], [$1=0])
AC_DEFINE_UNQUOTED([$1], [$$1], [$3])
AC_SUBST([$1])
])
