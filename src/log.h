/* log.h - formatted lines to the log and output hooks; internal. */
#ifndef DALLOC_LOG_H
#define DALLOC_LOG_H

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void dalloc__logf(const char *fmt, ...);

/* Formatted text to the output hook of the debug printers (debug_print.c;
 * dalloc_set_output). */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void dalloc__outf(const char *fmt, ...);

#endif /* DALLOC_LOG_H */
