/*
 * wipe.c - see wipe.h.
 */
#include <config.h>

#include <stdio.h>
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

const char *
secret_shown(const char *value, char *out, size_t size)
{
	const char *pin;

	if (strncmp(value, "pkcs11:", 7) != 0 ||
	    (pin = strstr(value, "pin-value=")) == NULL)
		return value;
	pin += 10;
	snprintf(out, size, "%.*s*%s", (int)(pin - value), value,
	    pin + strcspn(pin, "&;"));
	return out;
}
