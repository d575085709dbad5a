/* log.h - formatted lines to the log and output hooks; internal. */
#ifndef DALLOC_LOG_H
#define DALLOC_LOG_H

#include "dalloc.h"

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void dalloc__logf(const char *fmt, ...);

/* The log hook (dalloc_set_log), NULL while logging is off: a caller with
 * nothing but a line to add after a call can hand over to that call
 * instead (a tail call) when no one would read the line. */
extern dalloc_log_fn dalloc__log_fn;

/* Formatted text to the output hook of the debug printers (debug_print.c;
 * dalloc_set_output). */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void dalloc__outf(const char *fmt, ...);

#endif /* DALLOC_LOG_H */
