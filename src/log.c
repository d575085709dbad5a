/*
 * log.c - the library's log hook: where informational lines of the
 * compatibility layers go.  Off unless the application sets a hook.
 */
#include "heap_internal.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

dalloc_log_fn dalloc__log_fn;
static void *log_ctx;

void dalloc_set_log(dalloc_log_fn fn, void *ctx)
{
    dalloc__log_fn = fn;
    log_ctx = fn != NULL ? ctx : NULL;
}

void dalloc_log_stdout(void *ctx, const char *line)
{
    (void)ctx;
#ifndef DALLOC_NO_STDIO
    (void)fputs(line, stdout);
    (void)fputc('\n', stdout);
#else
    (void)line;
#endif
}

void dalloc__logf(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    if (dalloc__log_fn == NULL)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    dalloc__log_fn(log_ctx, line);
}
