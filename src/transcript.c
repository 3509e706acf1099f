/*
 * transcript.c - the --debug writer.
 */
#include <config.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nls.h"
#include "transcript.h"
#include "xalloc.h"

struct transcript {
	FILE		*out;
	unsigned	 flags;
	bool		 body_bol;	/* body output is at a line start */
};

struct transcript *
transcript_new(FILE *out, unsigned flags)
{
	struct transcript *t = xcalloc(1, sizeof(*t));

	t->out = out;
	t->flags = flags;
	t->body_bol = true;
	return t;
}

void
transcript_free(struct transcript *t)
{
	if (t != NULL)
		fflush(t->out);
	free(t);
}

static void
put_escaped(FILE *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			putc(c, out);
		else if (c == '\\')
			fputs("\\\\", out);
		else if (c == '\t')
			fputs("\\t", out);
		else
			fprintf(out, "\\x%02x", c);
	}
}

static void
put_line(struct transcript *t, const char *prefix, const char *s, size_t len)
{
	fputs(prefix, t->out);
	put_escaped(t->out, s, len);
	putc('\n', t->out);
}

void
transcript_in(struct transcript *t, const char *line, size_t len)
{
	if (t == NULL)
		return;
	put_line(t, "<-- ", line, len);
	fflush(t->out);
}

/* Splits data at CRLF; a bare CR or LF stays visible as \x0d / \x0a. */
static void
put_lines(struct transcript *t, const char *prefix, const char *data,
    size_t len)
{
	const char *p = data, *end = data + len, *q;

	while (p < end) {
		for (q = p; q + 1 < end && !(q[0] == '\r' && q[1] == '\n'); q++)
			;
		if (q + 1 < end) {
			put_line(t, prefix, p, (size_t)(q - p));
			p = q + 2;
		} else {
			put_line(t, prefix, p, (size_t)(end - p));
			p = end;
		}
	}
}

void
transcript_out(struct transcript *t, const char *data, size_t len)
{
	if (t == NULL)
		return;
	put_lines(t, "--> ", data, len);
	fflush(t->out);
}

void
transcript_secret(struct transcript *t, const char *visible)
{
	if (t == NULL)
		return;
	fputs("--> ", t->out);
	put_escaped(t->out, visible, strlen(visible));
	fputs(*visible != '\0' ? " [redacted]\n" : "[redacted]\n", t->out);
	fflush(t->out);
}

bool
transcript_shows_body(const struct transcript *t)
{
	return t != NULL && (t->flags & TR_BODY);
}

void
transcript_body(struct transcript *t, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *q;

	if (!transcript_shows_body(t))
		return;
	/* Body chunks may end mid-line: keep one line per output line. */
	while (p < end) {
		if (t->body_bol)
			fputs("--> ", t->out);
		for (q = p; q < end && *q != '\n'; q++)
			;
		if (q < end) {
			size_t n = (size_t)(q - p);

			if (n > 0 && p[n - 1] == '\r')
				n--;
			put_escaped(t->out, p, n);
			putc('\n', t->out);
			t->body_bol = true;
			p = q + 1;
		} else {
			size_t n = (size_t)(end - p);

			/* A CR at a chunk end belongs to the CRLF that follows. */
			if (n > 0 && p[n - 1] == '\r')
				n--;
			put_escaped(t->out, p, n);
			t->body_bol = false;
			p = end;
		}
	}
}

void
transcript_body_summary(struct transcript *t, uint64_t bytes, uint64_t lines)
{
	if (t == NULL)
		return;
	if (t->flags & TR_BODY) {
		fflush(t->out);
		return;
	}
	fputs("--> ", t->out);
	fprintf(t->out, _("[message: %llu bytes, %llu lines; --debug=body "
	    "shows it]"), (unsigned long long)bytes, (unsigned long long)lines);
	putc('\n', t->out);
	fflush(t->out);
}

void
transcript_note(struct transcript *t, const char *fmt, ...)
{
	va_list ap;

	if (t == NULL)
		return;
	fputs("--- ", t->out);
	va_start(ap, fmt);
	vfprintf(t->out, fmt, ap);
	va_end(ap);
	putc('\n', t->out);
	fflush(t->out);
}
