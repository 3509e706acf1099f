/*
 * msg.h - the message on its way in: header block, fix-ups, body stream.
 *
 * msg_open() reads the header block from a descriptor and keeps it (at
 * most MSG_HEADER_MAX bytes; beyond that the message is refused).  The body
 * is never held: msg_read() hands out the fixed-up header block, then the
 * body as it arrives.  Lines may end in LF, CRLF or a bare CR on input;
 * all three end a line.
 *
 * The header block ends at the first empty line, at the first line that is
 * neither a field nor a continuation of one (that line is body: an empty
 * line is then inserted, so no body text is ever read as a header), or at
 * the end of the input.  A leading mbox "From " line is dropped, as
 * Postfix's sendmail does.
 *
 * The RFC 6409 section 8 fix-ups are applied by msg_fixup(): Bcc and
 * Resent-Bcc removed (every spelling, continuation lines included), From,
 * Date and Message-ID added when missing; fields present are never
 * duplicated or rewritten unless the account asks for it.
 */
#ifndef SMTPSEND_MSG_H
#define SMTPSEND_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "rfc5322.h"

#define MSG_HEADER_MAX	(1024 * 1024)
#define MSG_PREFETCH	(64 * 1024)
#define MSG_SIZE_PASS_MAX (1024 * 1024)	/* msg_wire_size() reads this again */

struct msg;

int	msg_open(struct msg **, int fd, struct err *);
void	msg_free(struct msg *);

/*
 * Recipients for -t: To, Cc and Bcc, or, when the header has Resent-
 * fields, Resent-To, Resent-Cc and Resent-Bcc of the first Resent- block
 * (RFC 5322 section 3.6.6).  Must be called before msg_fixup().
 */
int	msg_header_recipients(struct msg *, struct addrlist *, struct err *);
/* Mailboxes of the From field (for --read-envelope-from); may be empty. */
int	msg_header_from(struct msg *, struct addrlist *, struct err *);

enum msg_from_policy {
	MSG_FROM_WHEN_MISSING,		/* set_from_header auto */
	MSG_FROM_ALWAYS,		/* on: replaces any From */
	MSG_FROM_NEVER,			/* off */
};

struct msg_fixup {
	const char	*envelope_from;	/* for an added From */
	const char	*from_name;	/* display name for it, or NULL */
	enum msg_from_policy set_from;
	bool		 set_date;
	bool		 set_msgid;
	bool		 remove_bcc;
	bool		 undisclosed;	/* replace To/Cc/Bcc by undisclosed-recipients */
	const char	*msgid_domain;
	time_t		 now;
	/*
	 * qualify_headers: local names in To, Cc and From get "@" this domain
	 * (those fields are then rewritten from their parsed addresses);
	 * NULL leaves them alone.
	 */
	const char	*qualify_domain;
};

int	msg_fixup(struct msg *, const struct msg_fixup *, struct err *);

/*
 * Reads ahead up to MSG_PREFETCH bytes of body and checks them (NUL,
 * lines over 998 octets) so that a small message is refused before any
 * connection is made.  enc_flags as for the data encoder.
 */
int	msg_check_ahead(struct msg *, unsigned enc_flags, struct err *);

/*
 * The message as it is to be sent: first the header block (always
 * returned alone, never mixed with body bytes in one call), then the
 * body.  Returns > 0, 0 at the end, -1 on a read error (ERR_IOERR).
 */
ssize_t	msg_read(struct msg *, char *buf, size_t len, struct err *);

/*
 * After msg_fixup(): the octets of the whole message as sent without
 * dot-stuffing (CRLF line ends, up to a lone "." with DATA_DOT_ENDS_INPUT
 * in enc_flags), which SIZE declares and BDAT announces, when the rest of
 * the input can be read again without being consumed: a regular file,
 * with at most MSG_SIZE_PASS_MAX octets left after the read-ahead.
 * 0 when it cannot be known (a pipe) or the input is faulty (the send
 * then says why).  Nothing is consumed.
 */
uint64_t msg_wire_size(struct msg *, unsigned enc_flags);
/* Bytes msg_read() returns before the body starts. */
size_t	msg_header_length(const struct msg *);
/*
 * Whether the header block (as it will be sent) is UTF-8 beyond ASCII
 * (RFC 6532): some octet above 127, and every such octet part of a
 * well-formed UTF-8 sequence.  Other 8-bit text (Latin-1, say) is not
 * UTF-8 and is not said to be.
 */
bool	msg_header_is_utf8(const struct msg *);
/* The input line number of the first body line. */
unsigned long msg_body_line(const struct msg *);

#endif
