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
	ok(check("j\303\274rgen@test") == 0, "UTF-8 local part (SMTPUTF8)");
	ok(check("j\374rgen@test") == -1, "Latin-1, not UTF-8");
	ok(check("a@\300\200.test") == -1, "overlong UTF-8");
	ok(check("a@\355\240\200.test") == -1, "UTF-8 surrogate");
	ok(check("a@b\303") == -1, "UTF-8 cut short");
	ok(envelope_needs_utf8("j\303\274rgen@test"), "needs SMTPUTF8");
	ok(!envelope_needs_utf8("a@test"), "ASCII needs no SMTPUTF8");
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

	envelope_init(&env);
	err_init(&e);
	ok(envelope_add_rcpt(&env, "b@b\303\274cher.test", ERR_USAGE, &e) == 0,
	    "IDN recipient");
	is_str(env.rcpts[0], "b@xn--bcher-kva.test", "the domain as its A-label");
	ok(envelope_add_rcpt(&env, "b@xn--bcher-kva.test", ERR_USAGE, &e) == 0 &&
	    env.nrcpts == 1, "U-label and A-label are the same recipient");
	ok(envelope_add_rcpt(&env, "j\303\266rg@B\303\234CHER.test", ERR_USAGE,
	    &e) == 0, "UTF-8 local part and an upper-case IDN");
	is_str(env.rcpts[1], "j\303\266rg@xn--bcher-kva.test",
	    "the local part stays, the domain is mapped (UTS 46) and converted");
	ok(envelope_set_sender(&env, "s@\342\230\203.test", ERR_USAGE, &e) == -1,
	    "a domain IDNA refuses");
	ok(strstr(e.text, "IDNA") != NULL, "says IDNA: %s", e.text);
	err_init(&e);
	ok(envelope_set_sender(&env, "s@[192.0.2.1]", ERR_USAGE, &e) == 0 &&
	    strcmp(env.sender, "s@[192.0.2.1]") == 0, "an address literal as is");
	envelope_release(&env);
	return tap_done();
}
