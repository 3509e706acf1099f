/*
 * trouble.h - what a reply or a fault means, in one table.
 *
 * The SMTP code decides only whether a reply is the success it waited
 * for; everything else comes here and becomes a struct err whose kind
 * picks the exit code (DESIGN.md section 4, the man page's EXIT STATUS):
 *
 *	421, any 4xx			75 EX_TEMPFAIL
 *	5xx to RCPT with 5.1.x, or 550/551/553 without an enhanced code
 *					67 EX_NOUSER
 *	530, 534, 535, 538 or 5.7.0/5.7.8	77 EX_NOPERM (authentication)
 *	other 5xx			69 EX_UNAVAILABLE
 *	a success code of the wrong kind (354 to MAIL, 250 to DATA, ...)
 *					76 EX_PROTOCOL
 *
 * Pure: no I/O.
 */
#ifndef SMTPSEND_TROUBLE_H
#define SMTPSEND_TROUBLE_H

#include <stdbool.h>

#include "err.h"
#include "reply.h"

enum smtp_stage {
	STAGE_GREETING,
	STAGE_EHLO,
	STAGE_HELO,
	STAGE_STARTTLS,
	STAGE_AUTH,
	STAGE_MAIL,
	STAGE_RCPT,
	STAGE_DATA,
	STAGE_EOD,		/* the reply after the end of data */
	STAGE_EOD_RCPT,		/* LMTP: one recipient's reply after it */
	STAGE_LHLO,		/* LMTP's EHLO (RFC 2033) */
	STAGE_RSET,
	STAGE_QUIT,
};

/* Is code the success the stage waits for (220, 250, 354, ...)? */
bool	trouble_is_success(enum smtp_stage, int code);

/*
 * Fills e for a reply that is not the success of the stage and returns
 * -1.  subject names what the command was about (a recipient, the sender)
 * or is NULL.  The server's words go into e's server field.
 */
int	trouble_reply(struct err *, enum smtp_stage, const struct reply *,
	    const char *subject);

/*
 * Between two failures of one transaction, which one should decide the
 * outcome?  A permanent one beats a temporary one, because a retry could
 * not succeed; between equals, the first stands.  True if b should
 * replace a.
 */
bool	trouble_worse(const struct err *a, const struct err *b);

/* A short name for the stage ("MAIL FROM", "end of data"). */
const char *trouble_stage_name(enum smtp_stage);

#endif
