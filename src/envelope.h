/*
 * envelope.h - the SMTP envelope: one sender, the recipients.
 *
 * Every address is checked before it can reach a command: no CR, LF, NUL
 * or other control character, no unquoted space or angle bracket, within
 * RFC 5321 section 4.5.3.1 lengths, well-formed UTF-8 where it is not
 * ASCII.  A non-ASCII domain is stored as its A-label (IDNA, libidn2);
 * a non-ASCII local part stays and needs SMTPUTF8 (RFC 6531).  Duplicate
 * recipients are sent once.
 */
#ifndef SMTPSEND_ENVELOPE_H
#define SMTPSEND_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct envelope {
	char	*sender;		/* "" for the null path <> */
	char	**rcpts;
	size_t	  nrcpts;
	size_t	  cap;
};

void	envelope_init(struct envelope *);
void	envelope_release(struct envelope *);

/*
 * Is addr usable as an SMTP path?  what names it in the error ("sender",
 * "recipient"); kind is the error kind to use (ERR_USAGE for command-line
 * values, ERR_DATA for addresses read from the message).
 */
int	envelope_check(const char *addr, const char *what, enum err_kind,
	    struct err *);

/*
 * The domain as it may go on the wire or in a header: itself when ASCII,
 * else its A-label; NULL when IDNA cannot write it in ASCII.  Allocated.
 */
char	*envelope_domain_ascii(const char *domain);

/* Does the address (as stored) need SMTPUTF8: any octet above 127? */
bool	envelope_needs_utf8(const char *addr);

int	envelope_set_sender(struct envelope *, const char *addr,
	    enum err_kind, struct err *);
/* Adds a recipient unless it is already there (domain compared without case). */
int	envelope_add_rcpt(struct envelope *, const char *addr, enum err_kind,
	    struct err *);

#endif
