/*
 * resolve.h - host names to addresses, under a deadline.
 *
 * getaddrinfo() has no timeout of its own and can wait on DNS for as long
 * as the resolver configuration allows.  resolve_host() runs it on a helper
 * thread and waits for it no longer than the deadline; a lookup that is
 * still running then is abandoned (the process is about to fail anyway).
 * Numeric addresses are converted at once, without a thread.
 */
#ifndef SMTPSEND_RESOLVE_H
#define SMTPSEND_RESOLVE_H

#include <stdint.h>
#include <netdb.h>

#include "err.h"

/*
 * Resolves host and port (a number) for a TCP stream.  deadline_ms is an
 * absolute time on clock_ms()'s clock.  On success *out holds the
 * list, to be freed with freeaddrinfo().  Errors: ERR_NOHOST for a name
 * that does not exist, ERR_TEMPFAIL for a temporary resolver failure or
 * the deadline, ERR_OSERR otherwise.
 */
int	resolve_host(const char *host, int port, int64_t deadline_ms,
	    struct addrinfo **out, struct err *);

/*
 * The canonical name of host (getaddrinfo with AI_CANONNAME), under the
 * same deadline; *out is allocated.  For msmtp's %C.
 */
int	resolve_canonical(const char *host, int64_t deadline_ms, char **out,
	    struct err *);

/* Numeric form of an address ("192.0.2.1", "2001:db8::1"). */
void	resolve_addr_string(const struct sockaddr *, socklen_t,
	    char *out, size_t size);

#endif
