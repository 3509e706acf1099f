/*
 * test-envelope.c - which addresses may reach MAIL FROM and RCPT TO.
 */
#include <config.h>

#include <string.h>

#include "envelope.h"
#include "tap.h"

static int
check(const char *addr)
{
	struct err e;

	err_init(&e);
	return envelope_check(addr, "recipient", ERR_USAGE, &e);
}

int
main(void)
{
	struct envelope	env;
	struct err	e;
	char		longaddr[300];

	ok(check("a@test") == 0, "plain address");
	ok(check("\"john doe\"@test") == 0, "quoted local part with a space");
	ok(check("\"a\\\"b\"@test") == 0, "quoted-pair inside quotes");
	ok(check("root") == 0, "local name");
	ok(check("a b@test") == -1, "unquoted space");
	ok(check("a@test\r\nRCPT TO:<x@y>") == -1, "CR LF");
	ok(check("a@test\rx") == -1, "bare CR");
	ok(check("a@test\nx") == -1, "bare LF");
	ok(check("a\001@test") == -1, "control character");
	ok(check("a\177@test") == -1, "DEL");
	ok(check("j\303\274rgen@test") == -1, "non-ASCII (needs SMTPUTF8)");
	ok(check("<a@test>") == -1, "angle brackets");
	ok(check("a@test>x") == -1, "closing bracket");
	ok(check("\"unbalanced@test") == -1, "unbalanced quote");
	ok(check("a,b@test") == -1, "comma");
	memset(longaddr, 'x', sizeof(longaddr));
	longaddr[249] = '@';
	memcpy(longaddr + 250, "t.te", 5);	/* 254 octets */
	ok(check(longaddr) == 0, "254 octets");
	longaddr[254] = 'x';
	longaddr[255] = '\0';
	ok(check(longaddr) == -1, "255 octets");

	err_init(&e);
	check("a b@test");
	{
		struct err e2;

		err_init(&e2);
		envelope_check("a b@test", "sender", ERR_DATA, &e2);
		is_int(e2.kind, ERR_DATA, "the caller's error kind");
		ok(strstr(e2.text, "sender address 'a b@test'") != NULL,
		    "the message names the role: %s", e2.text);
	}

	envelope_init(&env);
	err_init(&e);
	ok(envelope_add_rcpt(&env, "joe@Test", ERR_USAGE, &e) == 0 &&
	    envelope_add_rcpt(&env, "joe@test", ERR_USAGE, &e) == 0 &&
	    envelope_add_rcpt(&env, "Joe@test", ERR_USAGE, &e) == 0 &&
	    envelope_add_rcpt(&env, "root", ERR_USAGE, &e) == 0 &&
	    envelope_add_rcpt(&env, "root", ERR_USAGE, &e) == 0,
	    "adding recipients");
	is_int(env.nrcpts, 3, "duplicates dropped: domain without case, local "
	    "part exactly");
	is_str(env.rcpts[0], "joe@Test", "the first spelling is kept");
	is_str(env.rcpts[1], "Joe@test", "a local part differing in case is another mailbox");
	ok(envelope_add_rcpt(&env, "", ERR_USAGE, &e) == -1, "empty recipient");
	err_init(&e);
	ok(envelope_set_sender(&env, "", ERR_USAGE, &e) == 0 &&
	    strcmp(env.sender, "") == 0, "the null sender");
	envelope_release(&env);
	return tap_done();
}
