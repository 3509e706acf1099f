/*
 * test-rfc5322.c - unit tests for src/rfc5322.c.
 *
 * Address lists are shown as "display|spec" entries joined by "; ", with
 * "~" for a missing display name, so that each test compares one string.
 * The RFC 5322 Appendix A examples are included section by section.
 */
#include <config.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "rfc5322.h"
#include "tap.h"

static char rendered[8192];

static const char *
render(const struct addrlist *l)
{
	size_t	i;
	int	n = 0;

	rendered[0] = '\0';
	for (i = 0; i < l->n && n >= 0 && (size_t)n < sizeof(rendered); i++)
		n += snprintf(rendered + n, sizeof(rendered) - (size_t)n,
		    "%s%s|%s", i > 0 ? "; " : "",
		    l->v[i].display != NULL ? l->v[i].display : "~",
		    l->v[i].spec);
	return rendered;
}

/* Parses in[0..len) and compares the rendered list. */
static void
parse_n(const char *in, size_t len, const char *want, const char *name)
{
	struct addrlist	l;
	struct err	e;
	int		rc;

	addrlist_init(&l);
	err_init(&e);
	rc = rfc5322_parse_addrlist(in, len, &l, &e);
	if (rc != 0) {
		ok(0, "%s", name);
		printf("#   error: %s\n", e.text);
	} else
		is_str(render(&l), want, "%s", name);
	addrlist_release(&l);
}

static void
parse(const char *in, const char *want, const char *name)
{
	parse_n(in, strlen(in), want, name);
}

/*
 * Two test points: the call fails with ERR_DATA and leaves the list as it
 * was (one mailbox put there first), and the message is exactly as given.
 */
static void
fail_n(const char *in, size_t len, const char *text, const char *name)
{
	struct addrlist	l;
	struct err	e;
	int		rc;

	addrlist_init(&l);
	err_init(&e);
	if (addrlist_add(&l, "Kept", "kept@example.org") == -1)
		abort();
	rc = rfc5322_parse_addrlist(in, len, &l, &e);
	if (!ok(rc == -1 && e.kind == ERR_DATA && l.n == 1 &&
	    strcmp(l.v[0].spec, "kept@example.org") == 0,
	    "%s: fails with ERR_DATA, list untouched", name))
		printf("#   rc %d, kind %d, n %zu, list \"%s\"\n", rc,
		    (int)e.kind, l.n, render(&l));
	is_str(e.text, text, "%s: message", name);
	addrlist_release(&l);
}

static void
fail(const char *in, const char *text, const char *name)
{
	fail_n(in, strlen(in), text, name);
}

static void
test_appendix_a(void)
{
	/* A.1.1 */
	parse("John Doe <jdoe@machine.example>",
	    "John Doe|jdoe@machine.example", "A.1.1 From");
	parse("Mary Smith <mary@example.net>",
	    "Mary Smith|mary@example.net", "A.1.1 To");
	/* A.1.2 */
	parse("\"Joe Q. Public\" <john.q.public@example.com>",
	    "Joe Q. Public|john.q.public@example.com", "A.1.2 From");
	parse("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
	    "Mary Smith|mary@x.test; ~|jdoe@example.org; Who?|one@y.test",
	    "A.1.2 To");
	parse("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" "
	    "<sysservices@example.net>",
	    "~|boss@nil.test; Giant; \"Big\" Box|sysservices@example.net",
	    "A.1.2 Cc");
	/* A.1.3 */
	parse("A Group:Ed Jones <c@a.test>,joe@where.test,"
	    "John <jdoe@one.test>;",
	    "Ed Jones|c@a.test; ~|joe@where.test; John|jdoe@one.test",
	    "A.1.3 To: group members");
	parse("Undisclosed recipients:;", "", "A.1.3 Cc: empty group");
	/* A.2 */
	parse("\"Mary Smith: Personal Account\" <smith@home.example>",
	    "Mary Smith: Personal Account|smith@home.example", "A.2 Reply-To");
	/* A.5 */
	parse("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	    "Pete|pete@silly.test", "A.5 From");
	parse("A Group(Some people)\r\n     :Chris Jones "
	    "<c@(Chris's host.)public.example>,\r\n         joe@example.org,"
	    "\r\n  John <jdoe@one.test> (my dear friend); "
	    "(the end of the group)",
	    "Chris Jones|c@public.example; ~|joe@example.org; "
	    "John|jdoe@one.test",
	    "A.5 To");
	parse("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;",
	    "", "A.5 Cc");
	/* A.6.1 and A.6.3, the obsolete forms */
	parse("Joe Q. Public <john.q.public@example.com>",
	    "Joe Q. Public|john.q.public@example.com", "A.6.1 From");
	parse("Mary Smith <@node.test:mary@example.net>, , "
	    "jdoe@test  . example",
	    "Mary Smith|mary@example.net; ~|jdoe@test.example", "A.6.1 To");
	parse("John Doe <jdoe@machine(comment).  example>",
	    "John Doe|jdoe@machine.example", "A.6.3 From");
	parse("Mary Smith\r\n  \r\n  <mary@example.net>",
	    "Mary Smith|mary@example.net", "A.6.3 To");
}

static void
test_parse(void)
{
	struct addrlist	l;
	struct err	e;
	const char	*s;

	parse("John Q. Public <jqp@x>", "John Q. Public|jqp@x",
	    "obsolete phrase with a dot");
	parse("Team: a@x, \"B\" <b@y>;", "~|a@x; B|b@y", "group members");
	parse("undisclosed-recipients:;", "", "empty group");
	parse("a@x, G: b@y;, c@z", "~|a@x; ~|b@y; ~|c@z", "group in a list");
	parse("G: , b@y,, ;", "~|b@y", "empty elements in a group");
	parse("a@x (comment (nested) \\) )", "~|a@x", "nested comment");
	parse("a@x,,b@y", "~|a@x; ~|b@y", "empty element");
	parse(",a@x,", "~|a@x", "leading and trailing commas");
	parse(" , ,\r\n ,", "", "only commas");
	parse("", "", "empty field");
	parse_n(NULL, 0, "", "NULL field");
	parse("a@x,\r\n\tb@y", "~|a@x; ~|b@y", "folded list");
	parse("a@x,\nb@y", "~|a@x; ~|b@y", "bare LF");
	parse("<@r1,@r2:u@d>", "~|u@d", "route dropped");
	parse("<,@r1,,@r2 : u@d>", "~|u@d", "route with stray commas");
	parse("u@[192.0.2.1]", "~|u@[192.0.2.1]", "domain literal");
	parse("u@[ IPv6:2001:db8::1 ]", "~|u@[IPv6:2001:db8::1]",
	    "domain literal, white space dropped");
	parse("\"john doe\"@x", "~|\"john doe\"@x", "quoted local part kept");
	parse("\"john\"@x", "~|john@x", "quoted dot-atom unquoted");
	parse("\"john\".\"doe\"@x", "~|john.doe@x", "obs-local-part of quotes");
	parse("\"a b\".c@x", "~|\"a b.c\"@x", "mixed obs-local-part requoted");
	parse("\"a\\\"b\"@x", "~|\"a\\\"b\"@x", "escaped quote stays escaped");
	parse("\"a\\\\b\"@x", "~|\"a\\\\b\"@x", "escaped backslash");
	parse("\"j\\ohn\"@x", "~|john@x", "needless quoted-pair resolved");
	parse("\"a..b\"@x", "~|\"a..b\"@x", "quoted double dot kept quoted");
	parse("\"a@b\"@x", "~|\"a@b\"@x", "quoted at sign");
	parse("\".a\".b@x", "~|\".a.b\"@x", "quoted leading dot stays quoted");
	parse("\"john\r\n doe\"@x", "~|\"john doe\"@x", "folded quoted string");
	parse("first . last @ example . com", "~|first.last@example.com",
	    "CFWS around dots and at");
	parse("pete(his account)@silly.test(his host)", "~|pete@silly.test",
	    "comments around an addr-spec");
	parse("root", "~|root", "bare local name");
	parse("root, \"local user\"", "~|root; ~|\"local user\"",
	    "bare local names");
	parse("<root>", "~|root", "bare local name in brackets");
	parse("a@x (Joe)", "~|a@x", "comment is not a display name");
	parse("<a@x> (Joe)", "~|a@x", "comment after angle-addr");
	parse("\"\" <a@x>", "~|a@x", "empty quoted name");
	parse("(Joe) <a@x>", "~|a@x", "comment before angle-addr");
	parse("John (middle) Smith <js@x>", "John Smith|js@x",
	    "comment between words");
	parse("   \"  Spaced   Name  \"   <s@x>", "Spaced Name|s@x",
	    "white space runs in a name");
	parse("Tab\tName <t@x>", "Tab Name|t@x", "tab in a name");
	parse("\"Smith,\r\n John\" <js@x>", "Smith, John|js@x",
	    "folded quoted name");
	parse("J\xc3\xb6rg M\xc3\xbcller <jm@x>",
	    "J\xc3\xb6rg M\xc3\xbcller|jm@x", "UTF-8 display name");
	parse("\"J\xc3\xb6rg\" <j@x>", "J\xc3\xb6rg|j@x", "UTF-8 quoted name");
	parse("j\xc3\xb6rg@b\xc3\xbc\x63her.example",
	    "~|j\xc3\xb6rg@b\xc3\xbc\x63her.example", "UTF-8 addr-spec");
	parse("\"j\xc3\xb6 rg\"@x", "~|\"j\xc3\xb6 rg\"@x",
	    "UTF-8 quoted local part");
	parse("=?UTF-8?B?SsO2cmc=?= <j@x>", "=?UTF-8?B?SsO2cmc=?=|j@x",
	    "encoded-word left as written");
	parse("a@x ,b@y\t,  c@z  ", "~|a@x; ~|b@y; ~|c@z",
	    "white space around commas");
	/*
	 * An unquoted comma in a name splits it; "Last" is then a bare
	 * local name, left for the submission server to complete or refuse.
	 */
	parse("Last, First <lf@x>", "~|Last; First|lf@x",
	    "unquoted comma in a name splits it");

	/* A second parse appends to what the list holds. */
	addrlist_init(&l);
	err_init(&e);
	s = "a@x";
	ok(rfc5322_parse_addrlist(s, strlen(s), &l, &e) == 0 &&
	    rfc5322_parse_addrlist("b@y, c@z", 8, &l, &e) == 0 &&
	    l.n == 3 && strcmp(l.v[2].spec, "c@z") == 0, "parse appends");
	ok(l.v[0].display == NULL, "no display name is NULL");
	addrlist_release(&l);
	ok(l.n == 0 && l.v == NULL, "release empties the list");

	/* len, not a NUL, ends the field. */
	parse_n("a@x, b@y", 3, "~|a@x", "length bounds the input");
}

static void
test_errors(void)
{
	char	long_in[128];

	fail("\"unterminated <a@x>",
	    "unbalanced '\"' in address list at \"\"unterminated <a@x>\"",
	    "unbalanced quote");
	fail("Joe <a@x", "unbalanced '<' in address list at \"<a@x\"",
	    "unbalanced '<'");
	fail("Joe <", "unbalanced '<' in address list at \"<\"",
	    "'<' at the end");
	fail("a@x>", "unbalanced '>' in address list at \">\"",
	    "unbalanced '>'");
	fail("Joe <a@x>>", "unbalanced '>' in address list at \">\"",
	    "second '>'");
	fail("a@x (oops", "unbalanced '(' in address list at \"(oops\"",
	    "unbalanced '('");
	fail("a@x (a (b) c", "unbalanced '(' in address list at \"(a (b) c\"",
	    "unbalanced nested '('");
	fail("a@x (a \\)", "unbalanced '(' in address list at \"(a \\)\"",
	    "quoted-pair hides ')'");
	fail("a@x )", "unbalanced ')' in address list at \")\"",
	    "unbalanced ')'");
	fail("u@[1.2.3.4", "unbalanced '[' in address list at \"[1.2.3.4\"",
	    "unbalanced '['");
	fail("u@x]", "unbalanced ']' in address list at \"]\"",
	    "unbalanced ']'");
	fail("<>", "empty address in address list at \"<>\"", "<>");
	fail("Joe <>", "empty address in address list at \"Joe <>\"",
	    "name <>");
	fail("Joe <@x>", "missing local part in address \"Joe <@x>\"",
	    "<@x>");
	fail("<@x:>", "missing local part in address \"<@x:>\"",
	    "route without addr-spec");
	fail("@b", "missing local part in address \"@b\"", "@b");
	fail("a@", "missing domain in address \"a@\"", "a@");
	fail("a@, b@y", "missing domain in address \"a@, b@y\"",
	    "a@ before a comma");
	fail("<a@>", "missing domain in address \"<a@>\"", "<a@>");
	fail("a@b@c", "more than one '@' in address \"a@b@c\"", "two '@'");
	fail("a@@b", "more than one '@' in address \"a@@b\"", "'@@'");
	fail("<a@b@c>", "more than one '@' in address \"<a@b@c>\"",
	    "two '@' in brackets");
	fail("a@x;", "';' without a group in address list at \";\"",
	    "';' after an address");
	fail(";", "';' without a group in address list at \";\"",
	    "';' alone");
	fail("a@x b@y", "unexpected text after address in \"a@x b@y\"",
	    "missing comma");
	fail("Joe <a@x> b@y",
	    "unexpected text after address in \"Joe <a@x> b@y\"",
	    "text after angle-addr");
	fail("a@b <c@d>", "unexpected text after address in \"a@b <c@d>\"",
	    "angle-addr after addr-spec");
	fail("G: a@x; junk",
	    "unexpected text after address in \"G: a@x; junk\"",
	    "text after a group");
	fail("John Smith", "display name without address in \"John Smith\"",
	    "name only");
	fail("G: H: a@x;;", "nested group in address list at \"H: a@x;;\"",
	    "nested group");
	fail(": a@x;", "group without a name in address list at \": a@x;\"",
	    "group without a name");
	fail("G: a@x", "unterminated group in address list at \"G: a@x\"",
	    "group without ';'");
	fail("a\x01" "b@x", "control character in address list at \"a?b@x\"",
	    "control character in an atom");
	fail("J\x01oe <a@x>",
	    "control character in address list at \"J?oe <a@x>\"",
	    "control character in a name");
	fail("a@x\x7f", "control character in address list at \"a@x?\"",
	    "DEL");
	fail_n("\"a\0b\"@x", 7,
	    "control character in address list at \"\"a?b\"@x\"", "NUL");
	fail("(comment \x1b[31m) a@x",
	    "control character in address list at \"(comment ?[31m) a@x\"",
	    "escape in a comment");
	fail("\"a\\\x07\"@x",
	    "control character in address list at \"\"a\\?\"@x\"",
	    "quoted-pair of a control character");
	fail("a\\b@x", "unexpected '\\' in address list at \"\\b@x\"",
	    "backslash outside quotes");
	fail("john doe@x", "invalid local part in address \"john doe@x\"",
	    "two words before '@'");
	fail("a.@x", "invalid local part in address \"a.@x\"",
	    "trailing dot in local part");
	fail("a..b@x", "invalid local part in address \"a..b@x\"",
	    "double dot in local part");
	fail(".a@x", "invalid local part in address \".a@x\"",
	    "leading dot in local part");
	fail("<a b>", "invalid local part in address \"<a b>\"",
	    "two words in brackets");
	fail("a@x..y", "invalid domain in address \"a@x..y\"",
	    "double dot in domain");
	fail("a@.x", "invalid domain in address \"a@.x\"",
	    "leading dot in domain");
	fail("a@x.", "invalid domain in address \"a@x.\"",
	    "trailing dot in domain");
	fail("a@\"x\"", "invalid domain in address \"a@\"x\"\"",
	    "quoted domain");
	fail("\"\"@x", "empty local part in address \"\"\"@x\"",
	    "empty quoted local part");
	fail("\"a\tb\"@x",
	    "tab in quoted local part of address \"\"a b\"@x\"",
	    "tab in quoted local part");
	fail("u@[]", "empty domain literal at \"[]\"", "empty domain literal");
	fail("u@[1.2\x80]",
	    "invalid character in domain literal at \"[1.2?]\"",
	    "8-bit domain literal");
	fail("u@[a\\]]",
	    "invalid character in domain literal at \"[a\\]]\"",
	    "quoted-pair in domain literal");
	fail("<@x a@y>", "invalid route in address \"<@x a@y>\"",
	    "route without ':'");
	fail("[x] <a@x>", "unexpected '[' in address list at \"[x] <a@x>\"",
	    "domain literal as a name");
	fail("<a@x y>", "unexpected text in address \"<a@x y>\"",
	    "text inside brackets");
	fail("<a, b@x>", "unexpected text in address \"<a, b@x>\"",
	    "comma inside brackets");

	fail("a@x (a\\", "unbalanced '(' in address list at \"(a\\\"",
	    "backslash ends a comment");
	fail("a@x (\\\x01)", "control character in address list at "
	    "\"a@x (\\?)\"", "quoted-pair of a control in a comment");
	fail("\"a\\", "unbalanced '\"' in address list at \"\"a\\\"",
	    "backslash ends a quoted string");
	fail("u@[1.2\x01]", "control character in address list at "
	    "\"u@[1.2?]\"", "control in a domain literal");
	fail("<@x", "unbalanced '<' in address list at \"<@x\"",
	    "unterminated route");
	fail("> a@x", "unbalanced '>' in address list at \"> a@x\"",
	    "'>' first");
	fail("a@x (oops  \r\n ", "unbalanced '(' in address list at "
	    "\"(oops\"", "fragment trimmed");

	/* Fragments are cut to 60 octets. */
	memset(long_in, 'a', 50);
	long_in[50] = ' ';
	memset(long_in + 51, 'b', 50);
	long_in[101] = '\0';
	fail(long_in, "display name without address in \"aaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbb...\"", "fragment cut");
}

static void
test_field_name(void)
{
	size_t	colon = 99;
	char	line[64];

#define FIELD(s)	rfc5322_field_name(s, strlen(s), &colon)
	is_int(FIELD("Subject: hi"), 7, "field name length");
	is_int(colon, 7, "colon offset");
	colon = 99;
	is_int(FIELD("Subject:"), 7, "empty field body");
	is_int(colon, 7, "colon at the end");
	is_int(FIELD("Subject  : x"), 7, "obsolete spaces before colon");
	is_int(colon, 9, "colon after spaces");
	is_int(FIELD("Subject\t: x"), 7, "obsolete tab before colon");
	is_int(colon, 8, "colon after tab");
	colon = 99;
	is_int(FIELD("From foo@bar Mon Dec  1 19:06:57 2026"), 0,
	    "mbox From line is no field");
	is_int(colon, 99, "colon untouched when no field");
	is_int(FIELD(":foo"), 0, "empty name");
	is_int(FIELD(""), 0, "empty line");
	is_int(FIELD("NoColon"), 0, "no colon");
	is_int(FIELD("Bad Name: x"), 0, "space inside a name");
	is_int(FIELD(" Subject: x"), 0, "continuation line");
	is_int(FIELD("X-_///<&;<<-\\%: v"), 14, "odd but valid name");
	is_int(FIELD("Na\x7fme: x"), 0, "DEL in a name");
	is_int(FIELD("N\x80: x"), 0, "8-bit in a name");
	is_int(rfc5322_field_name("Subject: x", 7, &colon), 0,
	    "colon beyond len");
	is_int(rfc5322_field_name("To:", 3, NULL), 2, "colon pointer optional");
	memset(line, 'X', sizeof(line));
	line[62] = ':';
	is_int(rfc5322_field_name(line, 63, &colon), 62, "long name");
#undef FIELD

	ok(rfc5322_name_is("FROM", 4, "From"), "name_is: upper case");
	ok(rfc5322_name_is("from", 4, "From"), "name_is: lower case");
	ok(rfc5322_name_is("Subject: x", 7, "subject"), "name_is: uses len");
	ok(!rfc5322_name_is("Fro", 3, "From"), "name_is: prefix");
	ok(!rfc5322_name_is("Froms", 5, "From"), "name_is: longer");
	ok(!rfc5322_name_is("Fr\xc3\xb6m", 5, "From"), "name_is: 8-bit");
	ok(!rfc5322_name_is("Resent-From", 11, "From"), "name_is: suffix");
	ok(!rfc5322_name_is("F@OM", 4, "F`OM"),
	    "name_is: only letters fold");
}

static struct tm
mk_tm(int wday, int mday, int mon, int year, int h, int m, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_wday = wday;
	tm.tm_mday = mday;
	tm.tm_mon = mon;
	tm.tm_year = year - 1900;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = s;
	return tm;
}

static const char *
date(const struct tm *tm, long off)
{
	static char	out[64];
	size_t		n;

	memset(out, 0, sizeof(out));
	n = rfc5322_format_date(out, sizeof(out), tm, off);
	if (n != strlen(out))
		return "(length mismatch)";
	return n == 0 ? "(zero)" : out;
}

static void
test_date(void)
{
	static const char	*days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char	*months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	struct tm		 tm;
	char			 want[64], out[64];
	int			 i;

	tm = mk_tm(2, 1, 11, 2026, 19, 6, 57);
	is_str(date(&tm, 3600), "Tue, 01 Dec 2026 19:06:57 +0100",
	    "date: +0100, two-digit day");
	is_str(date(&tm, 0), "Tue, 01 Dec 2026 19:06:57 +0000", "date: UTC");
	is_str(date(&tm, -5 * 3600), "Tue, 01 Dec 2026 19:06:57 -0500",
	    "date: negative offset");
	is_str(date(&tm, 5 * 3600 + 1800), "Tue, 01 Dec 2026 19:06:57 +0530",
	    "date: +0530");
	is_str(date(&tm, -(9 * 3600 + 1800)),
	    "Tue, 01 Dec 2026 19:06:57 -0930", "date: -0930");
	is_str(date(&tm, 12 * 3600 + 45 * 60),
	    "Tue, 01 Dec 2026 19:06:57 +1245", "date: +1245");
	is_str(date(&tm, -(3 * 3600 + 30 * 60)),
	    "Tue, 01 Dec 2026 19:06:57 -0330", "date: -0330 (A.5)");
	is_str(date(&tm, 3600 + 30 * 60 + 59),
	    "Tue, 01 Dec 2026 19:06:57 +0130", "date: seconds dropped");
	is_str(date(&tm, -30), "Tue, 01 Dec 2026 19:06:57 +0000",
	    "date: less than a minute west is +0000, not -0000");
	is_str(date(&tm, 200L * 3600), "Tue, 01 Dec 2026 19:06:57 +9959",
	    "date: clamped east");
	is_str(date(&tm, -200L * 3600), "Tue, 01 Dec 2026 19:06:57 -9959",
	    "date: clamped west");
	is_str(date(&tm, LONG_MIN), "Tue, 01 Dec 2026 19:06:57 -9959",
	    "date: LONG_MIN");
	is_str(date(&tm, LONG_MAX), "Tue, 01 Dec 2026 19:06:57 +9959",
	    "date: LONG_MAX");
	tm = mk_tm(6, 31, 11, 2016, 23, 59, 60);
	is_str(date(&tm, 0), "Sat, 31 Dec 2016 23:59:60 +0000",
	    "date: leap second");
	tm = mk_tm(4, 13, 1, 1969, 23, 32, 0);
	is_str(date(&tm, -(3 * 3600 + 30 * 60)),
	    "Thu, 13 Feb 1969 23:32:00 -0330", "date: A.5 date");
	tm = mk_tm(0, 9, 0, 5, 0, 0, 0);
	is_str(date(&tm, 0), "Sun, 09 Jan 0005 00:00:00 +0000",
	    "date: four-digit year");
	for (i = 0; i < 7; i++) {
		tm = mk_tm(i, 10 + i, 5, 2030, 8, 0, 1);
		snprintf(want, sizeof(want), "%s, %02d Jun 2030 08:00:01 +0200",
		    days[i], 10 + i);
		is_str(date(&tm, 7200), want, "date: day %s", days[i]);
	}
	for (i = 0; i < 12; i++) {
		tm = mk_tm(1, 28, i, 2027, 12, 30, 45);
		snprintf(want, sizeof(want), "Mon, 28 %s 2027 12:30:45 -0800",
		    months[i]);
		is_str(date(&tm, -8 * 3600), want, "date: month %s", months[i]);
	}
	tm = mk_tm(2, 1, 11, 2026, 19, 6, 57);
	is_int(rfc5322_format_date(out, 31, &tm, 0), 0,
	    "date: no room for NUL");
	is_int(rfc5322_format_date(out, 32, &tm, 0), 31, "date: exact room");
	tm.tm_wday = 7;
	is_int(rfc5322_format_date(out, sizeof(out), &tm, 0), 0,
	    "date: weekday out of range");
	tm = mk_tm(2, 1, 12, 2026, 19, 6, 57);
	is_int(rfc5322_format_date(out, sizeof(out), &tm, 0), 0,
	    "date: month out of range");
	tm = mk_tm(2, 0, 11, 2026, 19, 6, 57);
	is_int(rfc5322_format_date(out, sizeof(out), &tm, 0), 0,
	    "date: day 0");
	tm = mk_tm(2, 1, 11, 10000, 19, 6, 57);
	is_int(rfc5322_format_date(out, sizeof(out), &tm, 0), 0,
	    "date: five-digit year");
	tm = mk_tm(2, 1, 11, 2026, 24, 6, 57);
	is_int(rfc5322_format_date(out, sizeof(out), &tm, 0), 0,
	    "date: hour 24");
}

static int
b64_value(char c)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p;

	if (c == '\0' || (p = strchr(alphabet, c)) == NULL)
		return -1;
	return (int)(p - alphabet);
}

/*
 * Decodes a run of "=?UTF-8?B?...?=" words separated by single spaces and
 * followed by " <": the test's own reader of what format_mailbox writes.
 * Checks on the way that each word is at most 75 octets and that each
 * word's octets begin and end on UTF-8 character boundaries.  Returns the
 * number of words, or -1.
 */
static int
decode_words(const char *s, char *out, size_t outsize)
{
	const char	*end;
	size_t		 n = 0, i, first;
	int		 words = 0, v[4], k;

	for (;;) {
		if (strncmp(s, "=?UTF-8?B?", 10) != 0)
			return -1;
		if ((end = strstr(s + 10, "?=")) == NULL || end - s + 2 > 75)
			return -1;
		if ((end - (s + 10)) % 4 != 0)
			return -1;
		first = n;
		for (i = 10; s + i < end; i += 4) {
			for (k = 0; k < 4; k++)
				v[k] = s[i + k] == '=' ? 0 :
				    b64_value(s[i + k]);
			if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0 ||
			    n + 3 >= outsize)
				return -1;
			out[n++] = (char)(v[0] << 2 | v[1] >> 4);
			if (s[i + 2] != '=')
				out[n++] = (char)((v[1] & 0xf) << 4 |
				    v[2] >> 2);
			if (s[i + 3] != '=')
				out[n++] = (char)((v[2] & 0x3) << 6 | v[3]);
		}
		/* No word may start with a continuation octet... */
		if (n > first && ((unsigned char)out[first] & 0xc0) == 0x80)
			return -1;
		words++;
		s = end + 2;
		if (strncmp(s, " <", 2) == 0)
			break;
		if (*s != ' ')
			return -1;
		s++;
	}
	/* ...and none end inside a character (checked with the next start). */
	out[n] = '\0';
	return words;
}

static const char *
mailbox(const char *name, const char *addr)
{
	static char	out[4096];
	struct buf	b;
	struct err	e;

	buf_init(&b, 4096, ERR_DATA, "test");
	err_init(&e);
	if (rfc5322_format_mailbox(&b, name, addr, &e) == -1)
		snprintf(out, sizeof(out), "(error: %s)", e.text);
	else
		snprintf(out, sizeof(out), "%s", b.data);
	buf_release(&b);
	return out;
}

/* Formats, then reads back with the parser: the name must survive. */
static void
round_trip(const char *name, const char *want)
{
	struct addrlist	 l;
	struct err	 e;
	const char	*s = mailbox(name, "rt@example.org");

	addrlist_init(&l);
	err_init(&e);
	if (rfc5322_parse_addrlist(s, strlen(s), &l, &e) == 0)
		is_str(render(&l), want, "round trip of \"%s\"", name);
	else {
		ok(0, "round trip of \"%s\"", name);
		printf("#   %s: %s\n", s, e.text);
	}
	addrlist_release(&l);
}

/* Encodes name, decodes it back, expects want and the given word count. */
static void
encoded(const char *name, const char *want, int nwords, const char *what)
{
	char		 dec[1024];
	const char	*s = mailbox(name, "a@x");
	int		 words;

	words = decode_words(s, dec, sizeof(dec));
	if (!ok(words == nwords && strcmp(dec, want) == 0 &&
	    strcmp(strstr(s, " <"), " <a@x>") == 0,
	    "encoded-words: %s", what))
		printf("#   %d words (want %d): %s\n", words, nwords, s);
}

static void
test_mailbox(void)
{
	struct buf	 b;
	struct err	 e;
	char		 name[512];
	size_t		 i;

	is_str(mailbox(NULL, "a@x"), "a@x", "mailbox: no name");
	is_str(mailbox("", "a@x"), "a@x", "mailbox: empty name");
	is_str(mailbox("  \t ", "a@x"), "a@x", "mailbox: blank name");
	is_str(mailbox("Joe Smith", "a@x"), "Joe Smith <a@x>",
	    "mailbox: atoms");
	is_str(mailbox("  Joe Smith  ", "a@x"), "Joe Smith <a@x>",
	    "mailbox: trimmed");
	is_str(mailbox("Joe   Smith", "a@x"), "Joe Smith <a@x>",
	    "mailbox: space runs");
	is_str(mailbox("O'Brien-Smith {ops}", "a@x"),
	    "O'Brien-Smith {ops} <a@x>", "mailbox: atext punctuation");
	is_str(mailbox("John Q. Public", "a@x"), "\"John Q. Public\" <a@x>",
	    "mailbox: dot quoted");
	is_str(mailbox("Smith, John", "a@x"), "\"Smith, John\" <a@x>",
	    "mailbox: comma quoted");
	is_str(mailbox("a \"b\" \\c", "a@x"), "\"a \\\"b\\\" \\\\c\" <a@x>",
	    "mailbox: quote and backslash escaped");
	is_str(mailbox("(),:;<>@[]", "a@x"), "\"(),:;<>@[]\" <a@x>",
	    "mailbox: specials quoted");
	is_str(mailbox("Joe\r\nBcc: evil@example.org", "a@x"),
	    "\"Joe Bcc: evil@example.org\" <a@x>",
	    "mailbox: CR LF cannot start a field");
	is_str(mailbox("Jo\x01" "e\x7f", "a@x"), "Jo e <a@x>",
	    "mailbox: control characters become spaces");
	is_str(mailbox("A\xc2\x9b" "B", "a@x"), "A B <a@x>",
	    "mailbox: C1 control becomes a space");
	is_str(mailbox("J\xc3\xb6rg", "a@x"), "=?UTF-8?B?SsO2cmc=?= <a@x>",
	    "mailbox: UTF-8 name encoded");
	is_str(mailbox("=?UTF-8?B?SsO2cmc=?=", "a@x"),
	    "=?UTF-8?B?SsO2cmc=?= <a@x>",
	    "mailbox: encoded-word from the caller kept");
	is_str(mailbox("Joe", "root"), "Joe <root>",
	    "mailbox: bare local name");
	is_str(mailbox("Joe", "a@x\r\nBcc: b@y"),
	    "(error: control character in address \"a@x Bcc: b@y\")",
	    "mailbox: address with CR LF refused");

	encoded("J\xc3\xb6rg M\xc3\xbcller", "J\xc3\xb6rg M\xc3\xbcller", 1,
	    "short name in one word");
	encoded("J\xff" "e", "J\xef\xbf\xbd" "e", 1,
	    "invalid UTF-8 becomes U+FFFD");
	encoded("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 1,
	    "surrogate is not UTF-8");
	encoded("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", 1, "overlong form");
	encoded("\xe0\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 1,
	    "overlong 3-octet form");
	encoded("\xe0\xa4\x85 \xf4\x8f\xbf\xbf",
	    "\xe0\xa4\x85 \xf4\x8f\xbf\xbf", 1, "U+0905 and U+10FFFF");
	encoded("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd", 1, "beyond U+10FFFF");
	encoded("\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd", 1,
	    "truncated sequence");
	/* 45 octets fit one word exactly. */
	name[0] = '\0';
	for (i = 0; i < 15; i++)
		strcat(name, "\xe2\x82\xac");
	encoded(name, name, 1, "45 octets in one word");
	strcat(name, "\xe2\x82\xac");
	encoded(name, name, 2, "48 octets in two words");
	/* 2-octet characters: 45 would cut one, so words carry 44. */
	name[0] = '\0';
	for (i = 0; i < 50; i++)
		strcat(name, "\xc3\xa9");
	encoded(name, name, 3, "100 octets of 2-octet characters");
	name[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(name, "\xf0\x9f\x98\x80");
	encoded(name, name, 3, "120 octets of 4-octet characters");
	strcpy(name, "Dr. ");
	for (i = 0; i < 40; i++)
		strcat(name, "\xc3\xa4");
	strcat(name, " (Ops)");
	encoded(name, name, 3, "mixed ASCII and UTF-8, 90 octets");

	round_trip("Giant; \"Big\" Box", "Giant; \"Big\" Box|rt@example.org");
	round_trip("John Q. Public", "John Q. Public|rt@example.org");
	round_trip("back\\slash", "back\\slash|rt@example.org");
	round_trip("Joe Smith", "Joe Smith|rt@example.org");
	round_trip(NULL, "~|rt@example.org");

	/* Appends, and leaves the buffer as it was on failure. */
	buf_init(&b, 20, ERR_DATA, "From field");
	err_init(&e);
	ok(buf_addstr(&b, "From: ", &e) == 0 &&
	    rfc5322_format_mailbox(&b, "Joe", "a@x", &e) == 0 &&
	    strcmp(b.data, "From: Joe <a@x>") == 0, "mailbox: appends");
	ok(rfc5322_format_mailbox(&b, "Joe", "a@x", &e) == -1 &&
	    e.kind == ERR_DATA && strcmp(b.data, "From: Joe <a@x>") == 0 &&
	    b.len == 15, "mailbox: overflow leaves the buffer as it was");
	err_init(&e);
	ok(rfc5322_format_mailbox(&b, "Joe", NULL, &e) == -1 &&
	    e.kind == ERR_SOFTWARE, "mailbox: NULL address is a bug");
	buf_release(&b);
}

static void
test_domain(void)
{
	const char *spec = "\"a@b\"@x";

	is_str(rfc5322_addr_domain("a@example.org"), "example.org",
	    "domain: plain");
	is_str(rfc5322_addr_domain(spec), "x", "domain: quoted '@' skipped");
	ok(rfc5322_addr_domain(spec) == spec + 6, "domain: points into spec");
	is_str(rfc5322_addr_domain("\"a\\\"@b\"@x"), "x",
	    "domain: escaped quote");
	is_str(rfc5322_addr_domain("a@b@c"), "c", "domain: last '@'");
	is_str(rfc5322_addr_domain("u@[a@b]"), "[a@b]",
	    "domain: '@' in a domain literal");
	is_str(rfc5322_addr_domain("root"), NULL, "domain: none");
	is_str(rfc5322_addr_domain("a@"), NULL, "domain: empty");
	is_str(rfc5322_addr_domain("\"a@b\""), NULL, "domain: only quoted");
	is_str(rfc5322_addr_domain(NULL), NULL, "domain: NULL");
}

static void
test_addrlist(void)
{
	struct addrlist	l;
	char		spec[32];
	int		i, bad = 0;

	addrlist_init(&l);
	ok(addrlist_add(&l, "", "a@x") == 0 && l.v[0].display == NULL,
	    "add: empty display stored as NULL");
	is_int(addrlist_add(&l, "X", NULL), -1, "add: NULL spec refused");
	is_int(l.n, 1, "add: refused spec adds nothing");
	for (i = 0; i < 100; i++) {
		snprintf(spec, sizeof(spec), "u%d@x", i);
		if (addrlist_add(&l, "N", spec) == -1)
			bad++;
	}
	ok(bad == 0 && l.n == 101 && strcmp(l.v[100].spec, "u99@x") == 0 &&
	    strcmp(l.v[100].display, "N") == 0, "add: grows");
	addrlist_release(&l);
	ok(l.n == 0 && l.cap == 0 && l.v == NULL, "release");
	addrlist_release(&l);
	ok(l.n == 0, "release twice");
}

int
main(void)
{
	test_appendix_a();
	test_parse();
	test_errors();
	test_field_name();
	test_date();
	test_mailbox();
	test_domain();
	test_addrlist();
	return tap_done();
}
