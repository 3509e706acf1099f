/*
 * test-reply.c - reply assembly and EHLO capabilities.
 */
#include <config.h>

#include <string.h>

#include "reply.h"
#include "tap.h"

/* Feeds lines separated by '|'; returns the last reply_feed() code. */
static int
feed(struct reply *r, const char *lines, struct err *e)
{
	const char	*p = lines, *bar;
	int		 rc = 0;

	reply_init(r);
	err_init(e);
	for (;;) {
		bar = strchr(p, '|');
		rc = reply_feed(r, p, bar ? (size_t)(bar - p) : strlen(p), e);
		if (rc != 0 || bar == NULL)
			return rc;
		p = bar + 1;
	}
}

static void
test_server_id(void)
{
	static const struct {
		const char *text, *want;
	} t[] = {
		{ "250 2.0.0 Ok: queued as 4Q2bKx1Lz5z9v", "4Q2bKx1Lz5z9v" },
		{ "250 OK id=1qZ9vX-0004Dq-2B", "1qZ9vX-0004Dq-2B" },
		{ "250 2.0.0 x1B2C3D4e005678 Message accepted for delivery",
		    "x1B2C3D4e005678" },
		{ "250 2.0.0 Ok: queued as ABC123.", "ABC123" },
		{ "250 2.0.0 Ok", NULL },
		{ "250 2.0.0 Ok: queued as ", NULL },
		{ "250 2.0.0 Ok: queued as <x;rm -rf>", NULL },
	};
	char	out[64];
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bool got = reply_server_id(t[i].text, out, sizeof(out));

		if (t[i].want == NULL)
			ok(!got, "no server id in '%s'", t[i].text);
		else
			is_str(got ? out : NULL, t[i].want, "server id in '%s'",
			    t[i].text);
	}
	ok(!reply_server_id("250 queued as 0123456789abcdef", out, 8),
	    "an id longer than the room is not cut");
}

int
main(void)
{
	test_server_id();
	struct reply	r;
	struct caps	c;
	struct err	e;
	char		sum[128];
	const char	*first;
	size_t		n;
	int		i;

	is_int(feed(&r, "250 OK", &e), 1, "single line complete");
	is_int(r.code, 250, "code 250");
	is_str(r.text, "OK", "text without code");
	is_int(feed(&r, "220", &e), 1, "code alone is a complete reply");
	is_str(r.text, "", "code alone has empty text");
	is_int(feed(&r, "250-a|250-b|250 c", &e), 1, "multiline complete");
	is_int(r.nlines, 3, "three lines");
	is_str(r.text, "a\nb\nc", "lines joined by newline");
	is_int(feed(&r, "250-a", &e), 0, "continuation wants more");
	is_int(feed(&r, "250-a|251 b", &e), -1, "changed code is a violation");
	is_int(e.kind, ERR_PROTOCOL, "violation is ERR_PROTOCOL");
	ok(strstr(e.text, "250") && strstr(e.text, "251"),
	    "message names both codes: %s", e.text);
	is_int(feed(&r, "25", &e), -1, "short line");
	is_int(feed(&r, "abc ok", &e), -1, "letters");
	is_int(feed(&r, "150 x", &e), -1, "first digit 1");
	is_int(feed(&r, "650 x", &e), -1, "first digit 6");
	is_int(feed(&r, "260 x", &e), -1, "second digit 6");
	is_int(feed(&r, "250x", &e), -1, "no separator");
	is_int(feed(&r, "250_x", &e), -1, "bad separator");
	{
		char line[] = "250 a\0b";

		reply_init(&r);
		err_init(&e);
		is_int(reply_feed(&r, line, 7, &e), -1, "NUL refused");
	}
	is_int(feed(&r, "550 5.1.1 <b@x>: user unknown", &e), 1, "enhanced");
	is_str(r.status, "5.1.1", "enhanced status parsed");
	is_int(feed(&r, "250 2.1.5 Ok", &e), 1, "2.1.5");
	is_str(r.status, "2.1.5", "2.1.5 parsed");
	is_int(feed(&r, "550 4.1.1 mismatch", &e), 1, "class mismatch");
	is_str(r.status, "", "class must match the code");
	is_int(feed(&r, "250 2.1.5Ok", &e), 1, "no space after status");
	is_str(r.status, "", "status needs a following space");
	is_int(feed(&r, "451 4.7.1234 x", &e), 1, "four-digit detail");
	is_str(r.status, "", "detail has at most 3 digits");
	is_int(feed(&r, "250 2.0.0", &e), 1, "status alone");
	is_str(r.status, "2.0.0", "status at end of line");
	is_int(feed(&r, "250 a\x01\x7f" "b", &e), 1, "control characters");
	is_str(r.text, "a??b", "controls made printable");
	is_int(feed(&r, "250 tab\there", &e), 1, "tab");
	is_str(r.text, "tab\there", "tab kept");

	reply_init(&r);
	err_init(&e);
	for (i = 0; i < REPLY_MAX_LINES; i++)
		if (reply_feed(&r, "250-x", 5, &e) != 0)
			break;
	is_int(i, REPLY_MAX_LINES, "REPLY_MAX_LINES lines accepted");
	is_int(reply_feed(&r, "250 x", 5, &e), -1, "one more line refused");
	{
		static char longline[REPLY_MAX_TEXT + 10];

		memset(longline, 'y', sizeof(longline) - 1);
		memcpy(longline, "250 ", 4);
		reply_init(&r);
		err_init(&e);
		is_int(reply_feed(&r, longline, strlen(longline), &e), -1,
		    "text over REPLY_MAX_TEXT refused");
	}

	feed(&r, "550-5.1.1 first|550 second", &e);
	reply_summary(&r, sum, sizeof(sum));
	is_str(sum, "550 5.1.1 first / second", "summary");
	n = reply_first_line(&r, &first);
	is_int(n, 11, "first line length");
	reply_summary(&r, sum, 12);
	is_str(sum, "550 5.1.1 f", "summary cut to size");

	feed(&r, "250-mx.test Hello|250-PIPELINING|250-SIZE 10240000|"
	    "250-8BITMIME|250-AUTH PLAIN LOGIN|250-AUTH=CRAM-MD5|"
	    "250-ENHANCEDSTATUSCODES|250-STARTTLS|250-CHUNKING|250-SMTPUTF8|"
	    "250 DSN", &e);
	reply_caps(&r, &c);
	ok(c.esmtp && c.pipelining && c.eightbitmime && c.enhancedstatuscodes &&
	    c.starttls && c.chunking && c.smtputf8 && c.dsn && c.size,
	    "all keywords seen");
	is_int(c.size_max, 10240000, "SIZE value");
	is_str(c.auth, "PLAIN LOGIN CRAM-MD5", "AUTH lists merged");
	feed(&r, "250-mx.test|250-pipelining|250 size", &e);
	reply_caps(&r, &c);
	ok(c.pipelining, "keywords ignore case");
	ok(c.size && c.size_max == 0, "SIZE without value: no limit");
	feed(&r, "250-PIPELINING is the greeting domain|250 PIPELININGX", &e);
	reply_caps(&r, &c);
	ok(!c.pipelining, "first line and longer keywords are not capabilities");
	feed(&r, "250 mx.test", &e);
	reply_caps(&r, &c);
	ok(c.esmtp && !c.pipelining && c.auth[0] == '\0', "no capabilities");
	feed(&r, "250-x|250 SIZE 99999999999999999999999", &e);
	reply_caps(&r, &c);
	is_int(c.size_max, 0, "absurd SIZE treated as no limit");
	return tap_done();
}
