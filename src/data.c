/*
 * data.c - CRLF normalisation, dot-stuffing and line checks in one pass.
 *
 * The loop works on runs of ordinary octets between line ends, found with
 * memchr(), and copies each run with one memcpy(): the cost per byte is a
 * scan and a copy, which keeps a 1 GB message fast.
 */
#include <config.h>

#include <string.h>

#include "data.h"
#include "nls.h"

#define LINE_MAX_OCTETS	998	/* RFC 5322 section 2.1.1 */

void
data_enc_init(struct data_enc *d, unsigned flags, unsigned long first_line)
{
	memset(d, 0, sizeof(*d));
	d->flags = flags;
	d->bol = true;
	d->lineno = first_line > 0 ? first_line : 1;
}

/* First octet in [p, end) that is CR, LF or NUL, or end. */
static const char *
next_special(const char *p, const char *end, const char **lf,
    const char **cr, const char **nul)
{
	const char *q;

	/*
	 * The three positions are cached by the caller and refreshed only when
	 * passed, so each byte is scanned at most once per kind.
	 */
	if (*lf != NULL && *lf < p)
		*lf = NULL;
	if (*lf == NULL && (*lf = memchr(p, '\n', (size_t)(end - p))) == NULL)
		*lf = end;
	if (*cr != NULL && *cr < p)
		*cr = NULL;
	if (*cr == NULL && (*cr = memchr(p, '\r', (size_t)(end - p))) == NULL)
		*cr = end;
	if (*nul != NULL && *nul < p)
		*nul = NULL;
	if (*nul == NULL && (*nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
		*nul = end;
	q = *lf;
	if (*cr < q)
		q = *cr;
	if (*nul < q)
		q = *nul;
	return q;
}

int
data_enc_feed(struct data_enc *d, const char *in, size_t n, size_t *used,
    char *out, size_t *outlen, struct err *e)
{
	const char	*p = in, *end = in + n, *q;
	const char	*lf = NULL, *cr = NULL, *nul = NULL;
	char		*o = out;
	size_t		 run;

	*used = 0;
	*outlen = 0;
	if (d->ended)
		return 1;
	while (p < end) {
		if (d->after_cr) {
			d->after_cr = false;
			if (*p == '\n') {	/* the LF of a CRLF */
				p++;
				continue;
			}
		}
		if (d->pending_dot) {
			/* A '.' began the line; this octet decides what it was. */
			d->pending_dot = false;
			if (*p == '\n' || *p == '\r') {
				d->ended = true;
				p++;
				if (p[-1] == '\r' && p < end && *p == '\n')
					p++;
				break;
			}
			if (d->flags & DATA_DOTSTUFF)
				*o++ = '.';
			*o++ = '.';
			d->linelen = 1;
			d->bol = false;
		} else if (d->bol && *p == '.') {
			p++;
			if (d->flags & DATA_DOT_ENDS_INPUT) {
				d->pending_dot = true;
				continue;
			}
			if (d->flags & DATA_DOTSTUFF)
				*o++ = '.';
			*o++ = '.';
			d->linelen = 1;
			d->bol = false;
			continue;
		}
		q = next_special(p, end, &lf, &cr, &nul);
		run = (size_t)(q - p);
		if (run > 0) {
			if (run > LINE_MAX_OCTETS - d->linelen ||
			    d->linelen > LINE_MAX_OCTETS)
				return err_set(e, ERR_DATA,
				    _("line %lu of the message is longer than %d octets"),
				    d->lineno, LINE_MAX_OCTETS);
			memcpy(o, p, run);
			o += run;
			d->linelen += run;
			d->bol = false;
			p = q;
		}
		if (q == end)
			break;
		if (*q == '\0')
			return err_set(e, ERR_DATA,
			    _("line %lu of the message contains a NUL byte"),
			    d->lineno);
		/* CR or LF: the line ends here, whichever it was. */
		*o++ = '\r';
		*o++ = '\n';
		d->after_cr = *q == '\r';
		d->bol = true;
		d->linelen = 0;
		d->lineno++;
		d->nlines++;
		p = q + 1;
	}
	*used = (size_t)(p - in);
	*outlen = (size_t)(o - out);
	d->nbytes += *outlen;
	return d->ended ? 1 : 0;
}

size_t
data_enc_finish(struct data_enc *d, char *out)
{
	char *o = out;

	if (d->pending_dot) {
		/* A lone "." at the very end of the input. */
		d->pending_dot = false;
		d->ended = true;
	}
	if (!d->bol) {
		*o++ = '\r';
		*o++ = '\n';
		d->bol = true;
		d->nlines++;
	}
	if (d->flags & DATA_DOTSTUFF) {
		memcpy(o, ".\r\n", 3);
		o += 3;
	}
	d->nbytes += (size_t)(o - out);
	return (size_t)(o - out);
}

int64_t
data_enc_size(const char *in, size_t n, unsigned flags, struct err *e)
{
	struct data_enc	 d;
	char		 out[DATA_ENC_BOUND(512)];
	size_t		 used, outlen, off = 0, step;
	int		 rc = 0;

	data_enc_init(&d, flags, 1);
	while (off < n && rc == 0) {
		step = n - off < 512 ? n - off : 512;
		/* 1: a lone "." ended the input; the rest is not message. */
		if ((rc = data_enc_feed(&d, in + off, step, &used, out, &outlen,
		    e)) == -1)
			return -1;
		off += used;
	}
	(void)data_enc_finish(&d, out);
	return (int64_t)d.nbytes;
}

bool
data_has_8bit(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return true;
	return false;
}
