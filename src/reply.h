/*
 * reply.h - assemble one SMTP reply from the lines of a connection
 * (RFC 5321 section 4.2) and read EHLO keywords into struct caps.
 *
 * Pure: conn.c hands over lines without their line terminator.  Bounds:
 * at most REPLY_MAX_LINES lines and REPLY_MAX_TEXT bytes of text are kept;
 * longer replies are a protocol violation, so a flooding server cannot make
 * a reply grow without end.  Unprintable octets become '?' before storage,
 * so reply text is always safe to print.
 */
#ifndef SMTPSEND_REPLY_H
#define SMTPSEND_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define REPLY_MAX_LINES	200
#define REPLY_MAX_TEXT	16384

struct reply {
	int	code;			/* 200..599, valid once complete */
	char	status[16];		/* enhanced code of the first line ("2.1.5"), or "" */
	int	nlines;
	size_t	len;			/* bytes used in text */
	char	text[REPLY_MAX_TEXT];	/* lines without code, joined by '\n' */
};

void	reply_init(struct reply *);

/*
 * Feeds one line.  Returns 1 when the reply is complete, 0 when another
 * line is needed, -1 on a violation (ERR_PROTOCOL in e): a line that does
 * not start with three digits (first 2-5, second 0-5) followed by ' ', '-'
 * or the end of the line; a continuation line with a code different from
 * the first line's; a NUL; too many lines or too much text.
 */
int	reply_feed(struct reply *, const char *line, size_t len, struct err *);

/* The first line of text (up to the first '\n'), for short messages. */
size_t	reply_first_line(const struct reply *, const char **start);

/*
 * Writes a one-line printable rendering "550 5.1.1 text / more text" of the
 * whole reply into out (cut at size).
 */
void	reply_summary(const struct reply *, char *out, size_t size);

/*
 * The id under which the server queued a message, from the text of its
 * final 250: Postfix's "queued as ID", Exim's "id=ID", sendmail's
 * "ID Message accepted".  Returns false when there is none.
 */
bool	reply_server_id(const char *text, char *out, size_t size);

/* What an EHLO reply says the server supports (RFC 5321 section 4.1.1.1). */
struct caps {
	bool		esmtp;		/* EHLO succeeded */
	bool		pipelining;	/* RFC 2920 */
	bool		chunking;	/* RFC 3030 */
	bool		eightbitmime;	/* RFC 6152 */
	bool		smtputf8;	/* RFC 6531 */
	bool		dsn;		/* RFC 3461 */
	bool		enhancedstatuscodes; /* RFC 2034 */
	bool		starttls;	/* RFC 3207 */
	bool		size;		/* RFC 1870 */
	uint64_t	size_max;	/* 0 = no limit given */
	char		auth[256];	/* mechanisms, upper case, space separated */
};

void	caps_init(struct caps *);
/* Reads the keywords of a complete 250 reply to EHLO (lines 2..n). */
void	reply_caps(const struct reply *ehlo, struct caps *out);

#endif
