/* log.h - formatted lines to the log hook (dalloc_set_log); internal. */
#ifndef DALLOC_LOG_H
#define DALLOC_LOG_H

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void dalloc_logf(const char *fmt, ...);

#endif /* DALLOC_LOG_H */
