/*
 * data.h - the message body encoder: line ends, transparency, limits.
 *
 * Pure: bytes in, bytes out, in chunks of any size, with state kept
 * between chunks.  What it guarantees on its output:
 *  - every line ends in CRLF: bare LF and bare CR in the input each end a
 *    line and become CRLF (RFC 5321 section 2.3.8).  This happens before
 *    dot-stuffing, so no input can put an ambiguous end-of-data such as
 *    LF "." LF, CR "." CR or LF "." CRLF on the wire (SMTP smuggling);
 *  - with DATA_DOTSTUFF, a line starting with '.' gets one more '.'
 *    (section 4.5.2) and data_enc_finish() adds the final "." CRLF;
 *  - no line longer than RFC5322_LINE_MAX octets (998, not counting the
 *    CRLF or a stuffed dot) and no NUL octet: both fail with ERR_DATA
 *    naming the input line;
 *  - with DATA_DOT_ENDS_INPUT (sendmail without -i/-oi), an input line
 *    that is exactly "." ends the message; the rest of the input is not
 *    consumed.
 */
#ifndef SMTPSEND_DATA_H
#define SMTPSEND_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define DATA_DOTSTUFF		0x1
#define DATA_DOT_ENDS_INPUT	0x2

/* Largest output for n input bytes, and for data_enc_finish(). */
#define DATA_ENC_BOUND(n)	(2 * (size_t)(n) + 2)
#define DATA_ENC_FINISH_MAX	7

struct data_enc {
	unsigned	 flags;
	bool		 bol;		/* at the beginning of a line */
	bool		 after_cr;	/* a CR just ended a line: swallow one LF */
	bool		 pending_dot;	/* a '.' at bol not yet written */
	bool		 ended;		/* a lone "." ended the input */
	size_t		 linelen;	/* input octets of the current line */
	unsigned long	 lineno;	/* current input line, 1-based */
	uint64_t	 nlines;	/* lines written so far */
	uint64_t	 nbytes;	/* bytes written so far */
};

/* first_line: the input line number of the first byte fed. */
void	data_enc_init(struct data_enc *, unsigned flags,
	    unsigned long first_line);

/*
 * Encodes in[0..n) into out, which must hold DATA_ENC_BOUND(n) bytes, and
 * sets *outlen.  Returns 0 when every byte was used, 1 when a lone "."
 * line ended the input (*used says how many input bytes were taken), -1
 * on a NUL or an over-long line (e filled; output so far is invalid).
 * Once it has returned 1, further calls consume nothing.
 */
int	data_enc_feed(struct data_enc *, const char *in, size_t n,
	    size_t *used, char *out, size_t *outlen, struct err *);

/*
 * Ends the message: terminates an unfinished last line with CRLF and,
 * with DATA_DOTSTUFF, appends "." CRLF.  out must hold
 * DATA_ENC_FINISH_MAX bytes.  Returns the number of bytes written.
 */
size_t	data_enc_finish(struct data_enc *, char *out);

/*
 * The octets the encoder makes of in[0..n) with flags, finish included
 * (what BDAT must announce); -1 with e filled where it would fail.
 */
int64_t	data_enc_size(const char *in, size_t n, unsigned flags,
	    struct err *);

/* Whether p[0..n) holds an octet above 127 (RFC 6152: 8-bit data). */
bool	data_has_8bit(const char *p, size_t n);

#endif
