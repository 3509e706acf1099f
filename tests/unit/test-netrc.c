/*
 * test-netrc.c - .netrc lookup.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "netrc.h"
#include "tap.h"

static void
check(const char *text, const char *host, const char *user, const char *want,
    const char *name)
{
	char *got = netrc_find(text, strlen(text), host, user);

	is_str(got, want, "%s", name);
	free(got);
}

int
main(void)
{
	check("machine mx.test login joe password s3cret\n", "mx.test", "joe",
	    "s3cret", "one line");
	check("machine mx.test\n  login joe\n  password s3cret\n", "mx.test",
	    "joe", "s3cret", "several lines");
	check("machine MX.TEST login joe password s3cret", "mx.test", "joe",
	    "s3cret", "machine compared without case");
	check("machine mx.test login joe password s3cret", "other.test", "joe",
	    NULL, "other machine");
	check("machine mx.test login ann password a\nmachine mx.test login joe "
	    "password j\n", "mx.test", "joe", "j", "the entry for the user");
	check("machine mx.test login Joe password j", "mx.test", "joe", NULL,
	    "login compared exactly");
	check("machine mx.test password nologin", "mx.test", "joe", "nologin",
	    "an entry without login serves any user");
	check("default login joe password dflt\n", "mx.test", "joe", "dflt",
	    "default entry");
	check("default login joe password dflt\nmachine mx.test login joe "
	    "password exact\n", "mx.test", "joe", "exact",
	    "a machine entry wins over default, wherever it stands");
	check("machine mx.test login joe password \"with space\"", "mx.test",
	    "joe", "with space", "quoted password");
	check("machine mx.test login joe password \"q\\\"uote\"", "mx.test",
	    "joe", "q\"uote", "backslash inside quotes");
	check("machine mx.test login joe account acct password p", "mx.test",
	    "joe", "p", "account token skipped");
	check("macdef init\ncd /\nmachine mx.test login joe password fake\n\n"
	    "machine mx.test login joe password real\n", "mx.test", "joe", "real",
	    "macdef body skipped to the empty line");
	check("machine mx.test, login joe, password p,", "mx.test", "joe", "p",
	    "commas separate like spaces");
	check("", "mx.test", "joe", NULL, "empty file");
	check("machine", "mx.test", "joe", NULL, "truncated entry");
	check("machine mx.test login joe password", "mx.test", "joe", NULL,
	    "password without value");
	check("machine mx.test login joe\r\npassword crlf\r\n", "mx.test", "joe",
	    "crlf", "CRLF line ends");
	return tap_done();
}
