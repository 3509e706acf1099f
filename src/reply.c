/*
 * reply.c - SMTP reply assembly and EHLO capability parsing.
 *
 * RFC 5321 section 4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF )
 * Reply-code [ SP textstring ] CRLF, where the code is %x32-35 %x30-35
 * %x30-39.  Section 4.2.1 allows the text of a multiline reply to be
 * ignored, but every line must carry the same code: a mismatch means the
 * client and the server no longer agree on where replies begin, which
 * while pipelining could attach a 250 to the wrong command.  So it is a
 * violation, never a success.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "nls.h"
#include "reply.h"

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char
ascii_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

void
reply_init(struct reply *r)
{
	r->code = 0;
	r->status[0] = '\0';
	r->nlines = 0;
	r->len = 0;
	r->text[0] = '\0';
}

/*
 * RFC 3463 section 2: class "." subject "." detail, class 2, 4 or 5,
 * subject 1-3 digits, detail 1-3 digits.  The class must agree with the
 * reply code's first digit (RFC 2034 section 4).  Returns the length
 * including one following space, or 0.
 */
static size_t
parse_status(const char *s, size_t len, int code, char *out, size_t outsize)
{
	size_t i = 0, n, part;

	if (len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    s[0] - '0' != code / 100 || s[1] != '.')
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (n = 0; i < len && is_digit(s[i]) && n < 3; i++, n++)
			;
		if (n == 0)
			return 0;
		if (part == 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < len && s[i] != ' ')
		return 0;
	if (i + 1 > outsize)
		return 0;
	memcpy(out, s, i);
	out[i] = '\0';
	return i < len ? i + 1 : i;
}

int
reply_feed(struct reply *r, const char *line, size_t len, struct err *e)
{
	int	 code;
	bool	 last;
	size_t	 i;

	if (len < 3 || line[0] < '2' || line[0] > '5' ||
	    line[1] < '0' || line[1] > '5' || !is_digit(line[2]) ||
	    (len > 3 && line[3] != ' ' && line[3] != '-'))
		return err_set(e, ERR_PROTOCOL,
		    _("malformed reply line from server"));
	if (memchr(line, '\0', len) != NULL)
		return err_set(e, ERR_PROTOCOL,
		    _("reply from server contains a NUL byte"));
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->nlines > 0 && code != r->code)
		return err_set(e, ERR_PROTOCOL,
		    _("multiline reply from server changes its code from %d to %d"),
		    r->code, code);
	if (r->nlines >= REPLY_MAX_LINES)
		return err_set(e, ERR_PROTOCOL,
		    _("reply from server has more than %d lines"),
		    REPLY_MAX_LINES);
	last = len == 3 || line[3] == ' ';
	line += len > 3 ? 4 : 3;
	len -= len > 3 ? 4 : 3;
	if (r->nlines == 0) {
		r->code = code;
		parse_status(line, len, code, r->status, sizeof(r->status));
	}
	/* +1 for the '\n' joining lines, +1 for the final NUL. */
	if (r->len + len + 2 > sizeof(r->text))
		return err_set(e, ERR_PROTOCOL,
		    _("reply from server exceeds %d bytes"), REPLY_MAX_TEXT);
	if (r->nlines > 0)
		r->text[r->len++] = '\n';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		r->text[r->len++] = (c < 0x20 && c != '\t') || c == 0x7f ?
		    '?' : (char)c;
	}
	r->text[r->len] = '\0';
	r->nlines++;
	return last ? 1 : 0;
}

size_t
reply_first_line(const struct reply *r, const char **start)
{
	const char *nl = memchr(r->text, '\n', r->len);

	*start = r->text;
	return nl != NULL ? (size_t)(nl - r->text) : r->len;
}

void
reply_summary(const struct reply *r, char *out, size_t size)
{
	size_t	i, o;
	int	n;

	if (size == 0)
		return;
	n = snprintf(out, size, "%d ", r->code);
	o = n > 0 && (size_t)n < size ? (size_t)n : 0;
	for (i = 0; i < r->len && o + 1 < size; i++) {
		if (r->text[i] == '\n') {
			if (o + 3 >= size)
				break;
			memcpy(out + o, " / ", 3);
			o += 3;
		} else
			out[o++] = r->text[i];
	}
	out[o] = '\0';
}

void
caps_init(struct caps *c)
{
	memset(c, 0, sizeof(*c));
}

/* Does the line start with keyword kw, followed by the end or a space? */
static bool
keyword_is(const char *s, size_t len, const char *kw, size_t *arg)
{
	size_t i, n = strlen(kw);

	if (len < n)
		return false;
	for (i = 0; i < n; i++)
		if (ascii_upper(s[i]) != kw[i])
			return false;
	if (len > n && s[n] != ' ' && s[n] != '=')
		return false;
	*arg = len > n ? n + 1 : n;
	return true;
}

static void
read_auth(const char *s, size_t len, struct caps *c)
{
	size_t i, o = strlen(c->auth);

	/* Some servers send AUTH twice (AUTH and the pre-RFC AUTH=); merge. */
	for (i = 0; i < len && o + 2 < sizeof(c->auth); i++) {
		char ch = ascii_upper(s[i]);

		if (ch == ' ' || ch == '\t') {
			if (o > 0 && c->auth[o - 1] != ' ')
				c->auth[o++] = ' ';
			continue;
		}
		if (o > 0 && i == 0 && c->auth[o - 1] != ' ')
			c->auth[o++] = ' ';
		c->auth[o++] = ch;
	}
	while (o > 0 && c->auth[o - 1] == ' ')
		o--;
	c->auth[o] = '\0';
}

void
reply_caps(const struct reply *ehlo, struct caps *c)
{
	const char	*p = ehlo->text, *end = ehlo->text + ehlo->len, *nl;
	size_t		 len, arg;
	bool		 first = true;

	caps_init(c);
	c->esmtp = ehlo->code / 100 == 2;
	for (; p < end; p = nl + 1, first = false) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if (first)		/* the greeting line: domain and text */
			continue;
		if (keyword_is(p, len, "PIPELINING", &arg))
			c->pipelining = true;
		else if (keyword_is(p, len, "CHUNKING", &arg))
			c->chunking = true;
		else if (keyword_is(p, len, "8BITMIME", &arg))
			c->eightbitmime = true;
		else if (keyword_is(p, len, "SMTPUTF8", &arg))
			c->smtputf8 = true;
		else if (keyword_is(p, len, "DSN", &arg))
			c->dsn = true;
		else if (keyword_is(p, len, "ENHANCEDSTATUSCODES", &arg))
			c->enhancedstatuscodes = true;
		else if (keyword_is(p, len, "STARTTLS", &arg))
			c->starttls = true;
		else if (keyword_is(p, len, "AUTH", &arg))
			read_auth(p + arg, len - arg, c);
		else if (keyword_is(p, len, "SIZE", &arg)) {
			uint64_t v = 0;
			size_t	 i;

			c->size = true;
			for (i = arg; i < len && is_digit(p[i]); i++) {
				if (v > (UINT64_MAX - 9) / 10) {
					v = 0;	/* absurd: treat as no limit */
					break;
				}
				v = v * 10 + (uint64_t)(p[i] - '0');
			}
			c->size_max = v;
		}
	}
}

/* An id: letters, digits and . _ - @ only, 1 to size - 1 of them. */
static bool
copy_id(const char *p, char *out, size_t size)
{
	size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-@");

	while (n > 0 && (p[n - 1] == '.' || p[n - 1] == '-'))
		n--;	/* a sentence's full stop is not part of it */
	if (n == 0 || n >= size)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

bool
reply_server_id(const char *text, char *out, size_t size)
{
	const char	*p;

	if ((p = strstr(text, "queued as ")) != NULL)
		return copy_id(p + 10, out, size);
	if ((p = strstr(text, " id=")) != NULL)
		return copy_id(p + 4, out, size);
	if ((p = strstr(text, " Message accepted")) != NULL) {
		const char *w = p;

		while (w > text && w[-1] != ' ')
			w--;
		return w < p && copy_id(w, out, size) &&
		    strlen(out) == (size_t)(p - w);
	}
	return false;
}
