/*
 * rfc5322.h - header fields and addresses of Internet messages (RFC 5322).
 *
 * Pure: no I/O.  Inputs are byte ranges; outputs are owned by the caller's
 * structures.  Nothing here allocates without a bound: address lists are
 * limited by the length of the field they come from.
 */
#ifndef SMTPSEND_RFC5322_H
#define SMTPSEND_RFC5322_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"

/* RFC 5322 section 2.1.1: at most 998 octets before the CRLF. */
#define RFC5322_LINE_MAX	998

/*
 * One mailbox.  spec is the addr-spec as it goes into an SMTP path
 * (RFC 5321 section 4.1.2): local-part "@" domain, comments and folding
 * whitespace removed, a quoted local part kept quoted (and reduced to its
 * shortest form: quotes dropped when the local part is a dot-atom).  An
 * address without "@" (a local user name such as "root") is kept as is.
 * display is the display name with quotes and quoted-pairs resolved and
 * runs of whitespace made one space, or NULL.
 */
struct addr {
	char	*display;
	char	*spec;
};

struct addrlist {
	struct addr	*v;
	size_t		 n;
	size_t		 cap;
};

void	addrlist_init(struct addrlist *);
void	addrlist_release(struct addrlist *);
/*
 * Appends copies of display (NULL or "" for none, stored as NULL) and spec.
 * Returns -1 only when memory runs out (or spec is NULL); the list is then
 * unchanged.
 */
int	addrlist_add(struct addrlist *, const char *display, const char *spec);

/*
 * Parses an address-list (RFC 5322 sections 3.4 and 4.4): mailboxes with or
 * without display names, angle addresses with an obsolete route (dropped),
 * groups ("undisclosed-recipients:;" yields nothing), nested comments,
 * quoted strings and quoted-pairs, empty list elements.  s is a field body,
 * possibly still folded (CR and LF count as whitespace).  Mailboxes are
 * appended to out.  Fails (ERR_DATA, text says what and where) on syntax
 * it cannot read: unbalanced quotes, brackets or parentheses, a missing
 * addr-spec inside "<>", an "@" with nothing on one side, control
 * characters.  On failure out holds what it held before the call.
 */
int	rfc5322_parse_addrlist(const char *s, size_t len,
	    struct addrlist *out, struct err *);

/*
 * If line[0..len) starts a header field, returns the length of the field
 * name and sets *colon to the offset of the ':' (obsolete syntax allows
 * whitespace between name and colon, RFC 5322 section 4.5.3).  Otherwise
 * returns 0.  A field name is one or more printable US-ASCII characters
 * other than ':' (section 3.6.8).
 */
size_t	rfc5322_field_name(const char *line, size_t len, size_t *colon);

/* Case-insensitive comparison of a field name with a known name. */
bool	rfc5322_name_is(const char *name, size_t len, const char *known);

/*
 * Formats a date-time (section 3.3) as "Tue, 01 Dec 2026 19:06:57 +0100"
 * from a broken-down local time and its offset east of UTC in seconds.
 * Day and month names are English whatever the locale.  Returns the
 * length written (at most 31 + NUL) or 0 if size is too small or a field
 * of the tm is out of its range.  Offsets beyond +-99:59 are clamped.
 */
size_t	rfc5322_format_date(char *out, size_t size, const struct tm *,
	    long gmtoff);

/*
 * Appends a mailbox for a From field: "addr" alone when name is NULL or
 * empty, else "name <addr>", where the name becomes a quoted-string when
 * it has specials, and an RFC 2047 encoded-word (UTF-8, "B" encoding,
 * split to keep words within 75 octets) when it has non-ASCII octets.
 * On failure the buffer is as it was.
 */
int	rfc5322_format_mailbox(struct buf *, const char *name,
	    const char *addr, struct err *);

/*
 * The domain of an addr-spec (text after the last '@' that is outside
 * quotes), or NULL when there is none or nothing follows it.  Points
 * into spec.
 */
const char *rfc5322_addr_domain(const char *spec);

/*
 * Length of the well-formed UTF-8 sequence at s, of at most n octets (RFC
 * 3629 section 4: no overlong forms, no surrogates, nothing past
 * U+10FFFF), or 0 (also for ASCII).  *cp gets the code point.
 */
size_t	rfc5322_utf8_len(const unsigned char *s, size_t n, unsigned long *cp);

#endif
