/*
 * wipe.c - see wipe.h.
 */
#include <config.h>

#include <string.h>

#include "wipe.h"

void
secret_wipe(void *p, size_t n)
{
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
#endif
}
