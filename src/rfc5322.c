/*
 * rfc5322.c - addresses, field names and dates of Internet messages.
 *
 * The address parser is a lexer (CFWS skipped, tokens are atoms, quoted
 * strings, domain literals and single specials, RFC 5322 section 3.2) under
 * a recursive descent over the grammar of section 3.4 together with the
 * obsolete forms of section 4.4 that real mail still carries: phrases with
 * dots, CFWS around the dots of local parts and domains, routes, and empty
 * list elements.  The lexer remembers only whether CFWS came before a
 * token; a run of words is lexed a second time once the token after it
 * has said whether the words were a display name or a local part, so the
 * parser needs no token array and allocates only for its results.
 *
 * What the parser will not guess at is an error (ERR_DATA): an address
 * that reaches an SMTP path must be the one the author wrote, and a
 * recipient list read wrongly sends mail to the wrong people.
 *
 * 8-bit octets are taken as RFC 6532 section 3.2 takes UTF-8: as atext
 * and as text in quoted strings and comments.  Their encoding is not
 * checked here; the message layer decides whether SMTPUTF8 is needed.
 */
#include <config.h>

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "nls.h"
#include "rfc5322.h"

/* Longest piece of the input quoted in an error message. */
#define SNIP_MAX	60

/*
 * RFC 2047 section 2: an encoded-word is at most 75 octets.  With the
 * 10-octet "=?UTF-8?B?" and the 2-octet "?=" that leaves 63 for the
 * encoded text; base64 comes in groups of 4, so 60, which carry 45 octets.
 */
#define EW_PREFIX	"=?UTF-8?B?"
#define EW_SUFFIX	"?="
#define EW_OCTETS	45

/* "Tue, 01 Dec 2026 19:06:57 +0100" */
#define DATE_LEN	31

/*
 * RFC 5322 section 3.3: zone = ("+" / "-") 4DIGIT, hours and minutes.
 * +9959 is the widest offset the syntax can write.
 */
#define ZONE_MAX	(99L * 3600 + 59 * 60)

enum tok_type {
	T_END,
	T_ATOM,
	T_QSTR,
	T_DLIT,
	T_SPECIAL,
};

struct tok {
	enum tok_type	 type;
	int		 ch;		/* T_SPECIAL: the character */
	size_t		 start;		/* offset of its first octet */
	size_t		 end;		/* offset just past it */
	bool		 ws;		/* CFWS came before it */
};

/*
 * A run of atoms, quoted strings and dots: a display name or a local part,
 * which one is known only from the token that ends the run.
 */
struct words {
	size_t	 pos;		/* where lexing of the run starts */
	size_t	 n;		/* tokens in the run */
	bool	 local;		/* word *("." word): can be a local part */
};

struct parser {
	const char	*s;
	size_t		 len;
	size_t		 pos;
	size_t		 elem;		/* where the current address began */
	struct err	*e;
	char		 snip[SNIP_MAX + 4];
};

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * ASCII classes, written out so that no locale can change them.
 */
static bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Folding white space: a field body may reach us still folded. */
static bool
is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* RFC 5322 section 3.2.3 atext, with RFC 6532 section 3.2 UTF-8. */
static bool
is_atext(unsigned char c)
{
	if (c >= 0x80)
		return true;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * Copies up to SNIP_MAX octets of s[at..len) into out for an error
 * message: runs of white space become one space, other octets outside
 * printable ASCII become '?' (they could be terminal controls or broken
 * UTF-8), and "..." marks a cut.
 */
static const char *
printable(const char *s, size_t len, size_t at, char out[SNIP_MAX + 4])
{
	size_t		n = 0;
	unsigned char	c;

	while (at < len && is_fws((unsigned char)s[at]))
		at++;
	for (; at < len && n < SNIP_MAX; at++) {
		c = (unsigned char)s[at];
		if (is_fws(c)) {
			if (n > 0 && out[n - 1] == ' ')
				continue;
			c = ' ';
		} else if (c < 0x20 || c >= 0x7f)
			c = '?';
		out[n++] = (char)c;
	}
	if (at < len) {
		memcpy(out + n, "...", 3);
		n += 3;
	} else
		while (n > 0 && out[n - 1] == ' ')
			n--;
	out[n] = '\0';
	return out;
}

static const char *
snip(struct parser *p, size_t at)
{
	return printable(p->s, p->len, at, p->snip);
}

static bool
is_special(const struct tok *t, int ch)
{
	return t->type == T_SPECIAL && t->ch == ch;
}

static int
control_error(struct parser *p)
{
	return err_set(p->e, ERR_DATA,
	    _("control character in address list at \"%s\""),
	    snip(p, p->elem));
}

/*
 * Section 3.2.2: comments nest, and a quoted-pair may hide a parenthesis.
 * The depth is a counter, so no input can exhaust the stack.
 */
static int
skip_comment(struct parser *p)
{
	size_t		open = p->pos, depth = 0;
	unsigned char	c;

	while (p->pos < p->len) {
		c = (unsigned char)p->s[p->pos++];
		if (c == '(')
			depth++;
		else if (c == ')') {
			if (--depth == 0)
				return 0;
		} else if (c == '\\') {
			if (p->pos == p->len)
				break;
			c = (unsigned char)p->s[p->pos++];
			if (is_ctl(c) && !is_wsp(c))
				return control_error(p);
		} else if (is_ctl(c) && !is_fws(c))
			return control_error(p);
	}
	return err_set(p->e, ERR_DATA,
	    _("unbalanced '(' in address list at \"%s\""), snip(p, open));
}

/*
 * Section 3.2.4.  CR and LF inside are the remains of folding (section
 * 3.2.2) and are dropped when the string is decoded; the obsolete
 * quoted-pairs of control characters (section 4.1) are refused like any
 * other control character.
 */
static int
lex_qstr(struct parser *p, struct tok *t)
{
	size_t		open = p->pos;
	unsigned char	c;

	p->pos++;
	while (p->pos < p->len) {
		c = (unsigned char)p->s[p->pos++];
		if (c == '"') {
			t->type = T_QSTR;
			t->end = p->pos;
			return 0;
		}
		if (c == '\\') {
			if (p->pos == p->len)
				break;
			c = (unsigned char)p->s[p->pos++];
			if (is_ctl(c) && c != '\t')
				return control_error(p);
		} else if (is_ctl(c) && !is_fws(c))
			return control_error(p);
	}
	return err_set(p->e, ERR_DATA,
	    _("unbalanced '\"' in address list at \"%s\""), snip(p, open));
}

/*
 * Section 3.4.1 domain-literal.  Only what an RFC 5321 section 4.1.3
 * address literal can hold is accepted: printable ASCII other than '[',
 * ']' and '\'; folding white space inside is dropped.  The quoted-pairs
 * of obs-dtext could only produce characters SMTP cannot carry.
 */
static int
lex_dlit(struct parser *p, struct tok *t)
{
	size_t		open = p->pos, n = 0;
	unsigned char	c;

	p->pos++;
	while (p->pos < p->len) {
		c = (unsigned char)p->s[p->pos++];
		if (c == ']') {
			if (n == 0)
				return err_set(p->e, ERR_DATA,
				    _("empty domain literal at \"%s\""),
				    snip(p, open));
			t->type = T_DLIT;
			t->end = p->pos;
			return 0;
		}
		if (is_fws(c))
			continue;
		if (is_ctl(c))
			return control_error(p);
		if (c == '[' || c == '\\' || c >= 0x80)
			return err_set(p->e, ERR_DATA,
			    _("invalid character in domain literal at \"%s\""),
			    snip(p, open));
		n++;
	}
	return err_set(p->e, ERR_DATA,
	    _("unbalanced '[' in address list at \"%s\""), snip(p, open));
}

/* Reads the next token after any CFWS and moves past it. */
static int
lex(struct parser *p, struct tok *t)
{
	unsigned char c;

	t->ws = false;
	t->ch = 0;
	while (p->pos < p->len) {
		c = (unsigned char)p->s[p->pos];
		if (is_fws(c))
			p->pos++;
		else if (c == '(') {
			if (skip_comment(p) == -1)
				return -1;
		} else
			break;
		t->ws = true;
	}
	t->start = p->pos;
	if (p->pos == p->len) {
		t->type = T_END;
		t->end = p->pos;
		return 0;
	}
	c = (unsigned char)p->s[p->pos];
	if (c == '"')
		return lex_qstr(p, t);
	if (c == '[')
		return lex_dlit(p, t);
	if (is_atext(c)) {
		while (p->pos < p->len && is_atext((unsigned char)p->s[p->pos]))
			p->pos++;
		t->type = T_ATOM;
		t->end = p->pos;
		return 0;
	}
	switch (c) {
	case ')':
		return err_set(p->e, ERR_DATA,
		    _("unbalanced ')' in address list at \"%s\""),
		    snip(p, p->pos));
	case ']':
		return err_set(p->e, ERR_DATA,
		    _("unbalanced ']' in address list at \"%s\""),
		    snip(p, p->pos));
	case '\\':
		return err_set(p->e, ERR_DATA,
		    _("unexpected '\\' in address list at \"%s\""),
		    snip(p, p->pos));
	case '<':
	case '>':
	case ':':
	case ';':
	case '@':
	case ',':
	case '.':
		t->type = T_SPECIAL;
		t->ch = c;
		t->end = ++p->pos;
		return 0;
	default:
		/* Every printable octet is atext or special: this is a CTL. */
		return control_error(p);
	}
}

/* The next token, without moving past it; p->pos = t->end consumes it. */
static int
peek(struct parser *p, struct tok *t)
{
	size_t	pos = p->pos;
	int	rc;

	rc = lex(p, t);
	p->pos = pos;
	return rc;
}

/*
 * Moves past a run of words and dots and leaves the token after it in
 * *next.  obs-local-part (section 4.4) is word *("." word) with CFWS
 * allowed around the dots; anything else (two words side by side, a dot
 * at either end, two dots) can only be a display name.
 */
static int
collect_words(struct parser *p, struct words *w, struct tok *next)
{
	enum { NONE, WORD, DOT }	last = NONE;

	w->pos = p->pos;
	w->n = 0;
	w->local = true;
	for (;;) {
		if (peek(p, next) == -1)
			return -1;
		if (next->type == T_ATOM || next->type == T_QSTR) {
			if (last == WORD)
				w->local = false;
			last = WORD;
		} else if (is_special(next, '.')) {
			if (last != WORD)
				w->local = false;
			last = DOT;
		} else
			break;
		w->n++;
		p->pos = next->end;
	}
	if (last != WORD)
		w->local = false;
	return 0;
}

/* Appends the value of a quoted string: quoted-pairs resolved, folds gone. */
static int
add_qstr_value(struct buf *b, const char *s, const struct tok *t,
    struct err *e)
{
	size_t i;

	for (i = t->start + 1; i + 1 < t->end; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		if (s[i] == '\\')
			i++;
		if (buf_addch(b, s[i], e) == -1)
			return -1;
	}
	return 0;
}

/*
 * Lexes the run again and appends its value: atoms as they are, quoted
 * strings decoded, dots; a single space where CFWS separated two tokens
 * (section 3.2.2: CFWS between words is a separator, nothing more).
 * *quoted tells whether a quoted string took part.
 */
static int
words_value(struct parser *p, const struct words *w, struct buf *b,
    bool spaces, bool *quoted)
{
	struct tok	t;
	size_t		pos = p->pos, i;
	int		rc = -1;

	*quoted = false;
	p->pos = w->pos;
	for (i = 0; i < w->n; i++) {
		if (lex(p, &t) == -1)
			goto done;
		if (spaces && t.ws && b->len > 0 &&
		    buf_addch(b, ' ', p->e) == -1)
			goto done;
		if (t.type == T_QSTR) {
			*quoted = true;
			if (add_qstr_value(b, p->s, &t, p->e) == -1)
				goto done;
		} else if (buf_add(b, p->s + t.start, t.end - t.start,
		    p->e) == -1)
			goto done;
	}
	rc = 0;
done:
	p->pos = pos;
	return rc;
}

/*
 * The display name: the phrase's value with white space runs made one
 * space and trimmed at both ends.  Left empty when there is none, which
 * becomes NULL: a name is never made up from a comment (section 3.4,
 * comments have no meaning of their own).
 */
static int
display_name(struct parser *p, const struct words *w, struct buf *b)
{
	size_t	i, n = 0;
	bool	quoted;

	if (w->n == 0)
		return 0;
	if (words_value(p, w, b, true, &quoted) == -1)
		return -1;
	if (b->len == 0)
		return 0;
	for (i = 0; i < b->len; i++) {
		if (is_wsp((unsigned char)b->data[i])) {
			if (n == 0 || b->data[n - 1] == ' ')
				continue;
			b->data[n++] = ' ';
		} else
			b->data[n++] = b->data[i];
	}
	while (n > 0 && b->data[n - 1] == ' ')
		n--;
	b->len = n;
	b->data[n] = '\0';
	return 0;
}

static bool
is_dot_atom(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return false;
		} else if (!is_atext((unsigned char)s[i]))
			return false;
	}
	return true;
}

/*
 * Appends the local part in the form an SMTP path takes (RFC 5321 section
 * 4.1.2): a dot-atom when its value is one (RFC 5322 section 3.4.1 makes
 * "john"@x and john@x the same mailbox), else one Quoted-string with only
 * '"' and '\' escaped.  A tab has no place in qtextSMTP or in
 * quoted-pairSMTP, so it cannot be sent at all.
 */
static int
local_part(struct parser *p, const struct words *w, struct buf *spec)
{
	struct buf	v;
	size_t		i;
	bool		quoted;
	int		rc = -1;

	buf_init(&v, p->len, ERR_DATA, "local part");
	if (words_value(p, w, &v, false, &quoted) == -1)
		goto done;
	if (v.len == 0) {
		err_set(p->e, ERR_DATA, _("empty local part in address \"%s\""),
		    snip(p, p->elem));
		goto done;
	}
	if (!quoted || is_dot_atom(v.data, v.len)) {
		rc = buf_add(spec, v.data, v.len, p->e);
		goto done;
	}
	if (memchr(v.data, '\t', v.len) != NULL) {
		err_set(p->e, ERR_DATA, _("tab in quoted local part of "
		    "address \"%s\""), snip(p, p->elem));
		goto done;
	}
	if (buf_addch(spec, '"', p->e) == -1)
		goto done;
	for (i = 0; i < v.len; i++)
		if (((v.data[i] == '"' || v.data[i] == '\\') &&
		    buf_addch(spec, '\\', p->e) == -1) ||
		    buf_addch(spec, v.data[i], p->e) == -1)
			goto done;
	rc = buf_addch(spec, '"', p->e);
done:
	buf_release(&v);
	return rc;
}

static int
check_local(struct parser *p, const struct words *w)
{
	if (w->n == 0)
		return err_set(p->e, ERR_DATA,
		    _("missing local part in address \"%s\""),
		    snip(p, p->elem));
	if (!w->local)
		return err_set(p->e, ERR_DATA,
		    _("invalid local part in address \"%s\""),
		    snip(p, p->elem));
	return 0;
}

/*
 * After the "@": a domain literal, or atoms joined by dots with CFWS
 * allowed around them (obs-domain, section 4.4).  spec may be NULL for a
 * route's domains, which are checked and dropped.
 */
static int
domain(struct parser *p, struct buf *spec)
{
	struct tok	t;
	size_t		i;

	if (peek(p, &t) == -1)
		return -1;
	if (t.type == T_DLIT) {
		p->pos = t.end;
		for (i = t.start; spec != NULL && i < t.end; i++)
			if (!is_fws((unsigned char)p->s[i]) &&
			    buf_addch(spec, p->s[i], p->e) == -1)
				return -1;
	} else if (t.type == T_ATOM) {
		for (;;) {
			p->pos = t.end;
			if (spec != NULL && buf_add(spec, p->s + t.start,
			    t.end - t.start, p->e) == -1)
				return -1;
			if (peek(p, &t) == -1)
				return -1;
			if (!is_special(&t, '.'))
				break;
			p->pos = t.end;
			if (peek(p, &t) == -1)
				return -1;
			if (t.type != T_ATOM)
				return err_set(p->e, ERR_DATA,
				    _("invalid domain in address \"%s\""),
				    snip(p, p->elem));
			if (spec != NULL && buf_addch(spec, '.', p->e) == -1)
				return -1;
		}
	} else if (t.type == T_END || is_special(&t, ',') ||
	    is_special(&t, ';') || is_special(&t, '>'))
		return err_set(p->e, ERR_DATA,
		    _("missing domain in address \"%s\""), snip(p, p->elem));
	else if (!is_special(&t, '@'))
		return err_set(p->e, ERR_DATA,
		    _("invalid domain in address \"%s\""), snip(p, p->elem));
	if (peek(p, &t) == -1)
		return -1;
	if (is_special(&t, '@'))
		return err_set(p->e, ERR_DATA,
		    _("more than one '@' in address \"%s\""),
		    snip(p, p->elem));
	return 0;
}

/*
 * obs-route (section 4.4): "@" domain *("," [CFWS] ["@" domain]) ":",
 * with stray commas allowed.  RFC 5321 section 4.1.2 says to ignore a
 * source route, so the domains are checked and dropped.
 */
static int
skip_route(struct parser *p, size_t open)
{
	struct tok	t;
	bool		seen = false, need_comma = false;

	for (;;) {
		if (peek(p, &t) == -1)
			return -1;
		if (is_special(&t, ',')) {
			p->pos = t.end;
			need_comma = false;
		} else if (is_special(&t, '@') && !need_comma) {
			p->pos = t.end;
			if (domain(p, NULL) == -1)
				return -1;
			seen = need_comma = true;
		} else if (is_special(&t, ':') && seen) {
			p->pos = t.end;
			return 0;
		} else if (is_special(&t, '>') && seen)
			return err_set(p->e, ERR_DATA,
			    _("missing local part in address \"%s\""),
			    snip(p, p->elem));
		else if (t.type == T_END)
			return err_set(p->e, ERR_DATA,
			    _("unbalanced '<' in address list at \"%s\""),
			    snip(p, open));
		else
			return err_set(p->e, ERR_DATA,
			    _("invalid route in address \"%s\""),
			    snip(p, p->elem));
	}
}

/*
 * angle-addr (section 3.4) after its "<": [route] addr-spec ">".  A bare
 * user name ("<root>") is taken as it is taken outside brackets.  "<>" is
 * the null reverse-path of RFC 5321, never a recipient or an author.
 */
static int
angle_addr(struct parser *p, size_t open, struct buf *spec)
{
	struct words	w;
	struct tok	t;
	bool		route = false;

	if (peek(p, &t) == -1)
		return -1;
	if (is_special(&t, '@') || is_special(&t, ',')) {
		if (skip_route(p, open) == -1)
			return -1;
		route = true;
	}
	if (collect_words(p, &w, &t) == -1)
		return -1;
	if (t.type == T_END)
		return err_set(p->e, ERR_DATA,
		    _("unbalanced '<' in address list at \"%s\""),
		    snip(p, open));
	if (is_special(&t, '>') && w.n == 0 && !route)
		return err_set(p->e, ERR_DATA,
		    _("empty address in address list at \"%s\""),
		    snip(p, p->elem));
	if (is_special(&t, '@') || is_special(&t, '>')) {
		if (check_local(p, &w) == -1 || local_part(p, &w, spec) == -1)
			return -1;
		if (is_special(&t, '@')) {
			p->pos = t.end;
			if (buf_addch(spec, '@', p->e) == -1 ||
			    domain(p, spec) == -1 || peek(p, &t) == -1)
				return -1;
		}
	}
	if (is_special(&t, '>')) {
		p->pos = t.end;
		return 0;
	}
	if (t.type == T_END)
		return err_set(p->e, ERR_DATA,
		    _("unbalanced '<' in address list at \"%s\""),
		    snip(p, open));
	return err_set(p->e, ERR_DATA,
	    _("unexpected text in address \"%s\""), snip(p, p->elem));
}

static int
add_mailbox(struct parser *p, struct addrlist *out, const struct buf *display,
    const struct buf *spec)
{
	if (addrlist_add(out, display->len > 0 ? display->data : NULL,
	    spec->data) == -1)
		return err_set(p->e, ERR_OSERR, _("out of memory"));
	return 0;
}

/*
 * After an address: a comma, the end, or in a group the ";".  Anything
 * else ("a@x b@y") is refused rather than split at a guessed place.
 */
static int
separator(struct parser *p, bool in_group)
{
	struct tok t;

	if (peek(p, &t) == -1)
		return -1;
	if (t.type == T_END || is_special(&t, ','))
		return 0;
	if (is_special(&t, ';')) {
		if (in_group)
			return 0;
		return err_set(p->e, ERR_DATA,
		    _("';' without a group in address list at \"%s\""),
		    snip(p, t.start));
	}
	if (is_special(&t, '>'))
		return err_set(p->e, ERR_DATA,
		    _("unbalanced '>' in address list at \"%s\""),
		    snip(p, t.start));
	return err_set(p->e, ERR_DATA,
	    _("unexpected text after address in \"%s\""), snip(p, p->elem));
}

static int	address(struct parser *, bool, struct addrlist *);

/*
 * group (section 3.4) after its ":": a mailbox list, possibly empty or
 * with empty elements (obs-mbox-list), then ";".  Groups do not nest.
 * The group's name is not kept: it names no mailbox.
 */
static int
group(struct parser *p, struct addrlist *out)
{
	struct tok	t;
	size_t		start = p->elem;

	for (;;) {
		p->elem = p->pos;
		if (peek(p, &t) == -1)
			return -1;
		if (t.type == T_END)
			return err_set(p->e, ERR_DATA,
			    _("unterminated group in address list at \"%s\""),
			    snip(p, start));
		if (is_special(&t, ';')) {
			p->pos = t.end;
			p->elem = start;
			return 0;
		}
		if (is_special(&t, ',')) {
			p->pos = t.end;
			continue;
		}
		if (address(p, true, out) == -1 || separator(p, true) == -1)
			return -1;
	}
}

/*
 * One element of the list: name-addr, addr-spec, a bare local name, or
 * (outside a group) a group.  The words are read first; the token after
 * them says what they were.
 */
static int
address(struct parser *p, bool in_group, struct addrlist *out)
{
	struct buf	display, spec;
	struct words	w;
	struct tok	t;
	int		rc = -1;

	buf_init(&display, p->len, ERR_DATA, "display name");
	buf_init(&spec, 2 * p->len + 2, ERR_DATA, "address");
	if (collect_words(p, &w, &t) == -1)
		goto done;
	if (t.type == T_END || is_special(&t, ',') || is_special(&t, ';')) {
		/* "root": a local user; the submission server completes it. */
		if (w.n == 0) {
			rc = 0;
			goto done;
		}
		if (!w.local) {
			err_set(p->e, ERR_DATA,
			    _("display name without address in \"%s\""),
			    snip(p, p->elem));
			goto done;
		}
		if (local_part(p, &w, &spec) == -1)
			goto done;
	} else if (is_special(&t, '@')) {
		if (check_local(p, &w) == -1 || local_part(p, &w, &spec) == -1)
			goto done;
		p->pos = t.end;
		if (buf_addch(&spec, '@', p->e) == -1 || domain(p, &spec) == -1)
			goto done;
	} else if (is_special(&t, '<')) {
		p->pos = t.end;
		if (display_name(p, &w, &display) == -1 ||
		    angle_addr(p, t.start, &spec) == -1)
			goto done;
	} else if (is_special(&t, ':')) {
		if (in_group) {
			err_set(p->e, ERR_DATA,
			    _("nested group in address list at \"%s\""),
			    snip(p, p->elem));
			goto done;
		}
		if (w.n == 0) {
			err_set(p->e, ERR_DATA,
			    _("group without a name in address list at \"%s\""),
			    snip(p, p->elem));
			goto done;
		}
		p->pos = t.end;
		rc = group(p, out);
		goto done;
	} else if (is_special(&t, '>')) {
		err_set(p->e, ERR_DATA,
		    _("unbalanced '>' in address list at \"%s\""),
		    snip(p, t.start));
		goto done;
	} else {
		/* A domain literal where no domain can be. */
		err_set(p->e, ERR_DATA,
		    _("unexpected '%c' in address list at \"%s\""),
		    p->s[t.start], snip(p, t.start));
		goto done;
	}
	rc = add_mailbox(p, out, &display, &spec);
done:
	buf_release(&display);
	buf_release(&spec);
	return rc;
}

static void
addrlist_truncate(struct addrlist *l, size_t n)
{
	while (l->n > n) {
		l->n--;
		free(l->v[l->n].display);
		free(l->v[l->n].spec);
	}
}

int
rfc5322_parse_addrlist(const char *s, size_t len, struct addrlist *out,
    struct err *e)
{
	struct parser	p;
	struct tok	t;
	size_t		n0 = out->n;

	if (s == NULL)
		len = 0;
	/* The spec buffer may double the input (quoting); keep that finite. */
	if (len > SIZE_MAX / 4)
		return err_set(e, ERR_DATA, _("address list too long"));
	p.s = s != NULL ? s : "";
	p.len = len;
	p.pos = 0;
	p.e = e;
	for (;;) {
		p.elem = p.pos;
		if (peek(&p, &t) == -1)
			goto fail;
		if (t.type == T_END)
			return 0;
		if (is_special(&t, ',')) {
			p.pos = t.end;
			continue;
		}
		if (address(&p, false, out) == -1 || separator(&p, false) == -1)
			goto fail;
	}
fail:
	addrlist_truncate(out, n0);
	return -1;
}

void
addrlist_init(struct addrlist *l)
{
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
}

void
addrlist_release(struct addrlist *l)
{
	addrlist_truncate(l, 0);
	free(l->v);
	addrlist_init(l);
}

static char *
dup_str(const char *s)
{
	size_t	 n = strlen(s) + 1;
	char	*p;

	if ((p = malloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

int
addrlist_add(struct addrlist *l, const char *display, const char *spec)
{
	struct addr	*v;
	size_t		 cap;
	char		*d = NULL, *a;

	if (spec == NULL)
		return -1;
	if (l->n == l->cap) {
		if (l->cap > SIZE_MAX / 2 / sizeof(*v))
			return -1;
		cap = l->cap > 0 ? l->cap * 2 : 4;
		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if (display != NULL && *display != '\0' &&
	    (d = dup_str(display)) == NULL)
		return -1;
	if ((a = dup_str(spec)) == NULL) {
		free(d);
		return -1;
	}
	l->v[l->n].display = d;
	l->v[l->n].spec = a;
	l->n++;
	return 0;
}

/*
 * Section 3.6.8 field-name = 1*ftext, ftext = %d33-57 / %d59-126, then
 * section 4.5.3's obsolete white space before the colon.  A space before
 * any colon, as in the mbox "From " line, means no field.
 */
size_t
rfc5322_field_name(const char *line, size_t len, size_t *colon)
{
	size_t i, j;

	if (line == NULL)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 33 ||
		    (unsigned char)line[i] > 126 || line[i] == ':')
			break;
	if (i == 0)
		return 0;
	for (j = i; j < len && is_wsp((unsigned char)line[j]); j++)
		;
	if (j == len || line[j] != ':')
		return 0;
	if (colon != NULL)
		*colon = j;
	return i;
}

/* Section 1.2.2: field names compare without regard to ASCII case. */
bool
rfc5322_name_is(const char *name, size_t len, const char *known)
{
	size_t i;

	if (name == NULL || known == NULL)
		return false;
	for (i = 0; i < len; i++)
		if (known[i] == '\0' ||
		    ascii_lower(name[i]) != ascii_lower(known[i]))
			return false;
	return known[len] == '\0';
}

static char *
put_digits(char *q, unsigned long v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		q[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return q + width;
}

/*
 * Section 3.3.  The day always takes two digits (the grammar allows one),
 * so every date is DATE_LEN octets.  Fields outside their ranges give 0:
 * they would index past the name tables or write a wrong width.  The
 * offset loses its seconds (the syntax has no place for them), a zero
 * offset is "+0000" (section 3.3 gives "-0000" the meaning "local time
 * unknown"), and offsets beyond +-9959 are clamped to it.
 */
size_t
rfc5322_format_date(char *out, size_t size, const struct tm *tm, long gmtoff)
{
	static const char	 days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char	 months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	char			 d[DATE_LEN + 1], *q = d;
	long			 off, mins;
	char			 sign = '+';

	if (out == NULL || tm == NULL || size < DATE_LEN + 1)
		return 0;
	if (tm->tm_wday < 0 || tm->tm_wday > 6 ||
	    tm->tm_mon < 0 || tm->tm_mon > 11 ||
	    tm->tm_mday < 1 || tm->tm_mday > 31 ||
	    tm->tm_hour < 0 || tm->tm_hour > 23 ||
	    tm->tm_min < 0 || tm->tm_min > 59 ||
	    tm->tm_sec < 0 || tm->tm_sec > 60 ||	/* 60: leap second */
	    tm->tm_year < 0 - 1900 || tm->tm_year > 9999 - 1900)
		return 0;
	off = gmtoff;
	if (off < 0) {
		off = off < -ZONE_MAX ? ZONE_MAX : -off;
		sign = '-';
	} else if (off > ZONE_MAX)
		off = ZONE_MAX;
	mins = off / 60;
	if (mins == 0)
		sign = '+';

	memcpy(q, days[tm->tm_wday], 3);
	q += 3;
	*q++ = ',';
	*q++ = ' ';
	q = put_digits(q, (unsigned long)tm->tm_mday, 2);
	*q++ = ' ';
	memcpy(q, months[tm->tm_mon], 3);
	q += 3;
	*q++ = ' ';
	q = put_digits(q, (unsigned long)(tm->tm_year + 1900), 4);
	*q++ = ' ';
	q = put_digits(q, (unsigned long)tm->tm_hour, 2);
	*q++ = ':';
	q = put_digits(q, (unsigned long)tm->tm_min, 2);
	*q++ = ':';
	q = put_digits(q, (unsigned long)tm->tm_sec, 2);
	*q++ = ' ';
	*q++ = sign;
	q = put_digits(q, (unsigned long)(mins / 60 * 100 + mins % 60), 4);
	*q = '\0';
	memcpy(out, d, DATE_LEN + 1);
	return DATE_LEN;
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629 section 4:
 * no overlong forms, no surrogates, nothing past U+10FFFF), or 0.  *cp
 * gets the code point.
 */
size_t
rfc5322_utf8_len(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		*cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		*cp = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		*cp = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	return len;
}

/*
 * The name as it may appear in a From field.  The caller is expected to
 * have refused control characters already; should one arrive anyway it
 * becomes a space (CR LF could otherwise start a new header field), as do
 * the C1 controls U+0080-U+009F.  Octets that are not UTF-8 become
 * U+FFFD, so that the charset the encoded-words declare is true.  Runs of
 * spaces become one and both ends are trimmed, as a reader would unfold
 * them anyway.  *wide tells whether any octet is outside ASCII.
 */
static int
clean_name(const char *name, struct buf *b, bool *wide, struct err *e)
{
	const unsigned char	*s = (const unsigned char *)name;
	size_t			 n = strlen(name), i = 0, k;
	unsigned long		 cp;
	bool			 space;

	*wide = false;
	while (i < n) {
		space = false;
		k = 1;
		if (s[i] < 0x80)
			space = is_ctl(s[i]) || s[i] == ' ';
		else if ((k = rfc5322_utf8_len(s + i, n - i, &cp)) == 0) {
			k = 1;
			*wide = true;
			if (buf_add(b, "\xef\xbf\xbd", 3, e) == -1)
				return -1;
			i += k;
			continue;
		} else if (cp <= 0x9f)
			space = true;
		if (space) {
			if (b->len > 0 && b->data[b->len - 1] != ' ' &&
			    buf_addch(b, ' ', e) == -1)
				return -1;
		} else {
			if (s[i] >= 0x80)
				*wide = true;
			if (buf_add(b, s + i, k, e) == -1)
				return -1;
		}
		i += k;
	}
	while (b->len > 0 && b->data[b->len - 1] == ' ')
		b->data[--b->len] = '\0';
	return 0;
}

static int
add_base64(struct buf *b, const unsigned char *s, size_t n, struct err *e)
{
	char		q[4];
	unsigned long	v;

	for (; n > 0; s += 3, n -= n < 3 ? n : 3) {
		v = (unsigned long)s[0] << 16;
		if (n > 1)
			v |= (unsigned long)s[1] << 8;
		if (n > 2)
			v |= s[2];
		q[0] = b64_alphabet[v >> 18 & 0x3f];
		q[1] = b64_alphabet[v >> 12 & 0x3f];
		q[2] = n > 1 ? b64_alphabet[v >> 6 & 0x3f] : '=';
		q[3] = n > 2 ? b64_alphabet[v & 0x3f] : '=';
		if (buf_add(b, q, 4, e) == -1)
			return -1;
	}
	return 0;
}

/*
 * RFC 2047 sections 2, 5(3) and 6.2: the whole name as "B" encoded-words,
 * each at most 75 octets and each holding whole UTF-8 characters (section
 * 5: a character must not be split between words), separated by single
 * spaces so that the field can be folded between them.  s is well-formed
 * UTF-8 (clean_name saw to that), so a cut moves back at most 3 octets.
 */
static int
add_encoded_words(struct buf *b, const char *s, size_t n, struct err *e)
{
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = n - i;
		if (k > EW_OCTETS) {
			k = EW_OCTETS;
			while (k > 1 &&
			    ((unsigned char)s[i + k] & 0xc0) == 0x80)
				k--;
		}
		if ((i > 0 && buf_addch(b, ' ', e) == -1) ||
		    buf_addstr(b, EW_PREFIX, e) == -1 ||
		    add_base64(b, (const unsigned char *)s + i, k, e) == -1 ||
		    buf_addstr(b, EW_SUFFIX, e) == -1)
			return -1;
	}
	return 0;
}

/*
 * A name of atext and spaces can stand as a phrase of atoms; any other
 * ASCII name becomes a quoted-string (section 3.2.4) in which only '"'
 * and '\' need a quoted-pair.  A name that already looks like an
 * encoded-word is left alone: a user who wrote one meant it.
 */
static int
add_phrase(struct buf *b, const char *s, size_t n, struct err *e)
{
	size_t	i;
	bool	atoms = true;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && !is_atext((unsigned char)s[i]))
			atoms = false;
	if (atoms)
		return buf_add(b, s, n, e);
	if (buf_addch(b, '"', e) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (((s[i] == '"' || s[i] == '\\') &&
		    buf_addch(b, '\\', e) == -1) ||
		    buf_addch(b, s[i], e) == -1)
			return -1;
	return buf_addch(b, '"', e);
}

int
rfc5322_format_mailbox(struct buf *b, const char *name, const char *addr,
    struct err *e)
{
	struct buf	 clean;
	char		 where[SNIP_MAX + 4];
	const char	*q;
	size_t		 start = b->len, n;
	bool		 wide = false;
	int		 rc = -1;

	if (addr == NULL)
		return err_set(e, ERR_SOFTWARE,
		    _("mailbox without an address"));
	/* The address goes into a header line as it is: no CR LF, no CTL. */
	for (q = addr; *q != '\0'; q++)
		if (is_ctl((unsigned char)*q))
			return err_set(e, ERR_DATA,
			    _("control character in address \"%s\""),
			    printable(addr, strlen(addr), 0, where));
	n = name != NULL ? strlen(name) : 0;
	/* Each invalid octet may grow to the 3 of U+FFFD. */
	if (n > SIZE_MAX / 4)
		return err_set(e, ERR_DATA, _("display name too long"));
	buf_init(&clean, 3 * n, ERR_DATA, "display name");
	if (n > 0 && clean_name(name, &clean, &wide, e) == -1)
		goto done;
	if (clean.len > 0) {
		if (wide) {
			if (add_encoded_words(b, clean.data, clean.len,
			    e) == -1)
				goto done;
		} else if (add_phrase(b, clean.data, clean.len, e) == -1)
			goto done;
		if (buf_addstr(b, " <", e) == -1 ||
		    buf_addstr(b, addr, e) == -1 ||
		    buf_addch(b, '>', e) == -1)
			goto done;
	} else if (buf_addstr(b, addr, e) == -1)
		goto done;
	rc = 0;
done:
	/* All or nothing: a half-written mailbox must not reach a header. */
	if (rc == -1 && b->data != NULL) {
		b->len = start;
		b->data[start] = '\0';
	}
	buf_release(&clean);
	return rc;
}

/*
 * The domain begins after the last "@" that is neither inside a quoted
 * local part ("a@b"@x) nor inside a domain literal (u@[a@b], dtext allows
 * "@").
 */
const char *
rfc5322_addr_domain(const char *spec)
{
	const char	*q, *at = NULL;
	bool		 quoted = false, literal = false;

	if (spec == NULL)
		return NULL;
	for (q = spec; *q != '\0'; q++) {
		if (quoted) {
			if (*q == '\\' && q[1] != '\0')
				q++;
			else if (*q == '"')
				quoted = false;
		} else if (literal) {
			if (*q == ']')
				literal = false;
		} else if (*q == '"')
			quoted = true;
		else if (*q == '[')
			literal = true;
		else if (*q == '@')
			at = q;
	}
	if (at == NULL || at[1] == '\0')
		return NULL;
	return at + 1;
}
