/*
 * xalloc.h - allocate or die.  Out of memory ends the run through
 * xalloc_die(), which prints one line and exits with EX_OSERR (71); it is
 * the only exit outside main.c, because no caller could do better.
 */
#ifndef SMTPSEND_XALLOC_H
#define SMTPSEND_XALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 xalloc_die(void) __attribute__((noreturn));

#endif
