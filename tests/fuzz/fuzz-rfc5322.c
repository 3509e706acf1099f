/*
 * fuzz-rfc5322.c - libFuzzer target for src/rfc5322.c.
 *
 * The input is read as an address list, a header line, a display name
 * and the fields of a date.  Beyond not crashing, the target checks what
 * the functions promise and aborts when a promise is broken:
 *  - a parse succeeds, or fails with ERR_DATA and leaves the list alone;
 *  - no spec or display name holds a control character, and a display
 *    name has no white space at either end;
 *  - every parsed mailbox, formatted for a From field and parsed again,
 *    yields the same spec (and the same name when it is ASCII);
 *  - any name, formatted, parses back to one mailbox with its address,
 *    and its encoded-words stay within 75 octets;
 *  - field_name and format_date stay within their bounds.
 */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "rfc5322.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_text(const char *s, bool trimmed)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
	if (trimmed && (s[0] == ' ' || (s[0] != '\0' &&
	    s[strlen(s) - 1] == ' ')))
		abort();
}

static bool
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/*
 * Whether format_mailbox must encode the name: any octet outside ASCII
 * except the two of a C1 control (U+0080-U+009F), which becomes a space.
 */
static bool
needs_words(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;

	while (*s != '\0') {
		if (*s < 0x80)
			s++;
		else if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
			s += 2;
		else
			return true;
	}
	return false;
}

/*
 * Such a name is written as encoded-words only: each "=?UTF-8?B?" base64
 * "?=", at most 75 octets (RFC 2047 section 2), one space between words,
 * then " <".
 */
static void
check_words(const char *s)
{
	const char	*w, *end;

	for (w = s;; w = end + 3) {
		if (strncmp(w, "=?UTF-8?B?", 10) != 0)
			abort();
		for (end = w + 10; *end != '\0' && *end != '?'; end++)
			if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789+/=", *end) ==
			    NULL)
				abort();
		if (end[0] != '?' || end[1] != '=' || end + 2 - w > 75 ||
		    (end - w - 10) % 4 != 0)
			abort();
		if (end[2] == ' ' && end[3] == '<')
			return;
		if (end[2] != ' ')
			abort();
	}
}

/* Formats name with spec, parses the result, returns the one mailbox. */
static void
reparse(const char *name, const char *spec, bool same_name)
{
	struct addrlist	l;
	struct buf	b;
	struct err	e;

	buf_init(&b, 1 << 20, ERR_DATA, "mailbox");
	addrlist_init(&l);
	err_init(&e);
	if (rfc5322_format_mailbox(&b, name, spec, &e) == -1) {
		if (e.kind != ERR_DATA && e.kind != ERR_OSERR)
			abort();
		goto done;
	}
	check_text(b.data, false);
	if (name != NULL && needs_words(name))
		check_words(b.data);
	if (rfc5322_parse_addrlist(b.data, b.len, &l, &e) == -1) {
		if (e.kind == ERR_OSERR)
			goto done;
		abort();
	}
	if (l.n != 1 || strcmp(l.v[0].spec, spec) != 0)
		abort();
	if (same_name && name != NULL &&
	    (l.v[0].display == NULL || strcmp(l.v[0].display, name) != 0))
		abort();
done:
	addrlist_release(&l);
	buf_release(&b);
}

static void
fuzz_addrlist(const char *s, size_t len)
{
	struct addrlist	l;
	struct err	e;
	size_t		i;

	addrlist_init(&l);
	err_init(&e);
	if (rfc5322_parse_addrlist(s, len, &l, &e) == -1) {
		if ((e.kind != ERR_DATA && e.kind != ERR_OSERR) || l.n != 0 ||
		    e.text[0] == '\0')
			abort();
		check_text(e.text, false);
	}
	for (i = 0; i < l.n; i++) {
		if (l.v[i].spec[0] == '\0')
			abort();
		check_text(l.v[i].spec, true);
		if (l.v[i].display != NULL) {
			if (l.v[i].display[0] == '\0')
				abort();
			check_text(l.v[i].display, true);
		}
		(void)rfc5322_addr_domain(l.v[i].spec);
		reparse(l.v[i].display, l.v[i].spec,
		    l.v[i].display != NULL && is_ascii(l.v[i].display));
	}
	addrlist_release(&l);
}

static void
fuzz_date(const uint8_t *data, size_t size)
{
	struct tm	tm;
	char		out[64];
	long		off = 0;
	size_t		i, n;

	if (size < 7)
		return;
	memset(&tm, 0, sizeof(tm));
	tm.tm_wday = (int8_t)data[0];
	tm.tm_mday = (int8_t)data[1];
	tm.tm_mon = (int8_t)data[2];
	tm.tm_year = (int16_t)(data[3] << 8 | data[4]);
	tm.tm_hour = data[5] % 32;
	tm.tm_min = data[6] % 64;
	tm.tm_sec = data[6] / 4;
	for (i = 7; i < size && i < 7 + sizeof(off); i++)
		off = (long)((unsigned long)off << 8 | data[i]);
	n = rfc5322_format_date(out, sizeof(out), &tm, off);
	if (n != 0 && (n != 31 || strlen(out) != 31))
		abort();
	if (rfc5322_format_date(out, 31, &tm, off) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	char		*str;
	size_t		 n, colon = 0;

	fuzz_addrlist(s, size);

	if ((n = rfc5322_field_name(s, size, &colon)) > 0) {
		if (n > colon || colon >= size || s[colon] != ':')
			abort();
		(void)rfc5322_name_is(s, n, "From");
	}

	/* As a NUL-terminated string: a display name and an addr-spec. */
	if ((str = malloc(size + 1)) == NULL)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	reparse(str, "fuzz@example.org", false);
	(void)rfc5322_addr_domain(str);
	free(str);

	fuzz_date(data, size);
	return 0;
}
