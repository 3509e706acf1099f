/*
 * msgid.h - Message-ID values (RFC 5322 section 3.6.4).
 */
#ifndef SMTPSEND_MSGID_H
#define SMTPSEND_MSGID_H

#include <stddef.h>
#include <time.h>

#include "err.h"

/*
 * Writes "<TIME.RANDOM@DOMAIN>" into out: TIME is the UTC time as
 * YYYYMMDDhhmmss, RANDOM 128 bits from the kernel's generator as hex, so
 * two ids collide only if the generator does.  Fails (ERR_OSERR) when no
 * random bytes can be had, or (ERR_DATA) when out is too small.
 */
int	msgid_make(char *out, size_t size, const char *domain, time_t now,
	    struct err *);

#endif
