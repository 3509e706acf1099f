/*
 * test-conf.c - unit tests for the msmtp configuration language (conf.c).
 */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "tap.h"
#include "xalloc.h"

#define HOME	"/home/u"

/* The eval hook: a tiny shell that knows "echo", "fail" and "multi". */
static int
fake_eval(void *ctx, const char *cmd, char **line, struct err *e)
{
	int *calls = ctx;

	(*calls)++;
	if (strncmp(cmd, "echo ", 5) == 0) {
		*line = xasprintf("%s\n", cmd + 5);
		return 0;
	}
	if (strcmp(cmd, "crlf") == 0) {
		*line = xstrdup("port 2525\r\n");
		return 0;
	}
	if (strcmp(cmd, "multi") == 0) {
		*line = xstrdup("host first\nhost second\n");
		return 0;
	}
	if (strcmp(cmd, "nothing") == 0) {
		*line = xstrdup("");
		return 0;
	}
	return err_set(e, ERR_OSERR, "cannot run '%s'", cmd);
}

static int eval_calls;

static int
parse_as(struct conf *c, const char *file, const char *text, struct err *e)
{
	struct conf_source src = { file, HOME, fake_eval, &eval_calls };

	err_init(e);
	return conf_parse(c, text, strlen(text), &src, e);
}

static int
parse(struct conf *c, const char *text, struct err *e)
{
	return parse_as(c, "t", text, e);
}

/* The error text of parsing text into a fresh conf ("" if it parsed). */
static const char *
parse_error(const char *text)
{
	static struct err	e;
	struct conf		c;

	conf_init(&c);
	if (parse(&c, text, &e) == 0)
		e.text[0] = '\0';
	conf_release(&c);
	return e.text;
}

/* conf_set() on a scratch account; returns the error text or "". */
static struct account scratch;
static struct err serr;

static const char *
set(const char *key, const char *value)
{
	err_init(&serr);
	if (conf_set(&scratch, key, value, "f:1", "f", 1, HOME, &serr) == 0)
		return "";
	return serr.text;
}

static const char *
fmt(const struct account *a, enum conf_key k)
{
	static char buf[256];

	return conf_format_value(a, k, buf, sizeof(buf));
}

static void
test_table(void)
{
	int	bad = 0;
	size_t	k;

	for (k = 0; k < K_COUNT; k++)
		if (conf_key_name((enum conf_key)k) == NULL ||
		    conf_key_lookup(conf_key_name((enum conf_key)k)) != k)
			bad++;
	is_int(bad, 0, "every key's name looks up to itself");
	ok(conf_key_name(K_COUNT) == NULL, "no name past the last key");
	is_str(conf_key_name(K_TLS_STARTTLS), "tls_starttls", "key name");
	is_int(conf_key_lookup("keepbcc"), K_REMOVE_BCC_HEADERS,
	    "obsolete keepbcc maps to remove_bcc_headers");
	is_int(conf_key_lookup("connect_timeout"), K_TIMEOUT,
	    "obsolete connect_timeout maps to timeout");
	is_int(conf_key_lookup("tls_force_sslv3"), K_COUNT,
	    "tls_force_sslv3 is no key");
	is_int(conf_key_lookup("Host"), K_COUNT, "names are case-sensitive");
	is_int(conf_key_lookup("account"), K_COUNT, "account is no setting");
}

static void
test_defaults(void)
{
	struct account a;

	account_init(&a);
	ok(a.tls && a.tls_starttls && a.tls_certcheck,
	    "TLS, STARTTLS and the certificate check are on by default");
	ok(a.allow_from_override && a.set_from_header == TRI_AUTO &&
	    a.set_date_header && a.set_msgid_header && a.remove_bcc_headers &&
	    !a.undisclosed_recipients, "header defaults");
	ok(a.protocol == PROTO_SMTP && a.queue == QUEUE_ON && a.port == 0 &&
	    a.timeout == 0 && a.host == NULL && a.auth == NULL,
	    "protocol, queue, port, timeout defaults");
	ok(!a.set[K_TLS] && !a.set[K_PORT], "nothing is set by account_init");
	account_release(&a);
}

static void
test_types(void)
{
	account_init(&scratch);

	/* on/off */
	is_str(set("tls", "off"), "", "tls off");
	ok(!scratch.tls && scratch.set[K_TLS], "tls off stored and set");
	is_str(set("tls", ""), "", "tls with empty argument");
	ok(scratch.tls, "empty argument means on");
	is_str(set("tls", "yes"), "f:1: invalid tls 'yes' (on or off expected)",
	    "bad boolean");
	is_str(set("tls", "ON"), "f:1: invalid tls 'ON' (on or off expected)",
	    "booleans are case-sensitive");

	/* integers */
	is_str(set("port", "465"), "", "port 465");
	is_int(scratch.port, 465, "port stored");
	ok(scratch.origin[K_PORT].line == 1 &&
	    strcmp(scratch.origin[K_PORT].file, "f") == 0 &&
	    !scratch.origin[K_PORT].from_defaults, "origin recorded");
	err_init(&serr);
	conf_set(&scratch, "port", "70000", "~/.msmtprc:12", "x", 12, NULL,
	    &serr);
	is_str(serr.text, "~/.msmtprc:12: invalid port '70000' "
	    "(1-65535 expected)", "port out of range, exact text");
	is_int(serr.kind, ERR_CONFIG, "a bad value is ERR_CONFIG");
	is_int(scratch.port, 465, "a bad value changes nothing");
	ok(*set("port", "0") != '\0', "port 0 refused");
	ok(*set("port", "+25") != '\0' && *set("port", "0x19") != '\0',
	    "port is plain decimal (msmtp's strtol base 0 is not copied)");
	is_str(set("port", ""), "f:1: port needs an argument",
	    "port needs an argument");
	is_str(set("timeout", "off"), "", "timeout off");
	is_int(scratch.timeout, 0, "timeout off is 0");
	set("timeout", "30");
	is_int(scratch.timeout, 30, "timeout 30");
	is_str(set("timeout", "86401"),
	    "f:1: invalid timeout '86401' (off or 1-86400 expected)",
	    "timeout above a day");
	set("queue_lifetime", "3600");
	is_int(scratch.queue_lifetime, 3600, "queue_lifetime in seconds");
	set("queue_lifetime", "90s");
	is_int(scratch.queue_lifetime, 90, "queue_lifetime 90s");
	set("queue_lifetime", "45m");
	is_int(scratch.queue_lifetime, 2700, "queue_lifetime 45m");
	set("queue_lifetime", "12h");
	is_int(scratch.queue_lifetime, 43200, "queue_lifetime 12h");
	set("queue_lifetime", "366d");
	is_int(scratch.queue_lifetime, 366 * 86400, "queue_lifetime 366d");
	{
		static const char *bad[] = { "59", "59s", "367d", "5w", "d",
		    "1.5h", "-5m", "5dd", " 5d", "5 d", "99999999999999999d" };
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			ok(strstr(set("queue_lifetime", bad[i]),
			    "invalid queue_lifetime") != NULL,
			    "queue_lifetime '%s' is refused", bad[i]);
	}
	is_int(scratch.queue_lifetime, 366 * 86400,
	    "a refused value leaves the old one");
	set("proxy_port", "1080");
	is_str(set("proxy_port", ""), "", "empty proxy_port");
	ok(scratch.proxy_port == 0 && scratch.set[K_PROXY_PORT],
	    "empty proxy_port unsets, but is set");
	set("tls_min_dh_prime_bits", "512");
	is_int(scratch.tls_min_dh_prime_bits, 512, "dh prime bits");
	ok(*set("tls_min_dh_prime_bits", "many") != '\0', "bad dh prime bits");

	/* choices */
	set("protocol", "lmtp");
	is_int(scratch.protocol, PROTO_LMTP, "protocol lmtp");
	is_str(set("protocol", "esmtp"),
	    "f:1: invalid protocol 'esmtp' (smtp or lmtp expected)",
	    "bad protocol");
	set("set_from_header", "on");
	is_int(scratch.set_from_header, TRI_ON, "set_from_header on");
	set("set_from_header", "auto");
	is_int(scratch.set_from_header, TRI_AUTO, "set_from_header auto");
	set("set_from_header", "");
	is_int(scratch.set_from_header, TRI_ON, "set_from_header empty is on");
	set("set_date_header", "off");
	ok(!scratch.set_date_header, "set_date_header off");
	set("set_date_header", "auto");
	ok(scratch.set_date_header, "set_date_header auto is true");
	ok(*set("set_date_header", "on") != '\0',
	    "set_date_header has no 'on' in msmtp");
	set("set_msgid_header", "off");
	ok(!scratch.set_msgid_header, "set_msgid_header off");
	set("queue", "always");
	is_int(scratch.queue, QUEUE_ALWAYS, "queue always");
	set("queue", "");
	is_int(scratch.queue, QUEUE_ON, "queue empty is on");
	set("dsn_return", "hdrs");
	is_str(scratch.dsn_return, "headers", "dsn_return hdrs is headers");
	set("dsn_return", "off");
	ok(scratch.dsn_return == NULL, "dsn_return off");
	is_str(set("dsn_return", ""), "f:1: dsn_return needs an argument",
	    "dsn_return needs an argument");
	set("syslog", "");
	is_str(scratch.syslog, "LOG_USER", "syslog empty is LOG_USER");
	set("syslog", "LOG_LOCAL7");
	is_str(scratch.syslog, "LOG_LOCAL7", "syslog LOG_LOCAL7");
	ok(*set("syslog", "LOG_LOCAL8") != '\0' &&
	    *set("syslog", "log_mail") != '\0', "bad syslog facility");
	set("syslog", "off");
	ok(scratch.syslog == NULL, "syslog off");

	/* auth */
	set("auth", "");
	is_str(scratch.auth, "on", "auth empty is on");
	set("auth", "SCRAM-SHA-256");
	is_str(scratch.auth, "scram-sha-256", "mechanism stored lower case");
	set("auth", "off");
	ok(scratch.auth == NULL && scratch.set[K_AUTH], "auth off is NULL");
	is_str(set("auth", "pl ain"),
	    "f:1: invalid auth 'pl ain' (on, off or a mechanism name expected)",
	    "bad mechanism");
	ok(*set("auth", "abcdefghijklmnopqrstu") != '\0',
	    "a mechanism name has at most 20 characters");

	/* dsn_notify */
	set("dsn_notify", "success,failure,delay");
	is_str(scratch.dsn_notify, "success,failure,delay", "dsn list");
	set("dsn_notify", "never");
	is_str(scratch.dsn_notify, "never", "dsn never");
	ok(*set("dsn_notify", "failure,failure") != '\0' &&
	    *set("dsn_notify", "failure, delay") != '\0' &&
	    *set("dsn_notify", "never,delay") != '\0' &&
	    *set("dsn_notify", "delay,") != '\0', "bad dsn lists");
	is_str(set("dsn_notify", ""), "f:1: dsn_notify needs an argument",
	    "dsn_notify needs an argument");

	/* strings */
	set("user", "joe");
	set("user", "");
	ok(scratch.user == NULL && scratch.set[K_USER],
	    "empty user unsets but is set");
	set("from", "");
	is_str(scratch.from, "", "empty from is kept: the null sender");
	is_str(set("host", ""), "f:1: host needs an argument",
	    "host needs an argument");
	is_str(set("nope", "x"), "f:1: unknown command 'nope'", "unknown key");

	/* trust file and fingerprints */
	set("tls_trust_file", "system");
	ok(scratch.tls_trust_file == NULL && scratch.set[K_TLS_TRUST_FILE],
	    "tls_trust_file system is NULL");
	set("tls_trust_file", "");
	is_str(scratch.tls_trust_file, "", "empty trust file: trust no CA");
	is_str(set("tls_fingerprint", "00:11:22:33:44:55:66:77:88:99:AA:BB:"
	    "CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff"), "",
	    "SHA256 fingerprint");
	is_str(set("tls_fingerprint",
	    "00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 00 11 22 33"), "",
	    "SHA1 fingerprint with blanks");
	ok(*set("tls_fingerprint", "00:11:22") != '\0' &&
	    *set("tls_fingerprint", "0g:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd"
	    ":ee:ff") != '\0', "bad fingerprints");

	/* obsolete names */
	set("add_missing_from_header", "off");
	is_int(scratch.set_from_header, TRI_OFF, "add_missing_from_header off");
	set("add_missing_from_header", "on");
	ok(scratch.set_from_header == TRI_AUTO &&
	    scratch.set[K_SET_FROM_HEADER], "add_missing_from_header on: auto");
	set("add_missing_date_header", "off");
	ok(!scratch.set_date_header, "add_missing_date_header off");
	set("keepbcc", "on");
	ok(!scratch.remove_bcc_headers && scratch.set[K_REMOVE_BCC_HEADERS],
	    "keepbcc on: remove_bcc_headers off");
	set("keepbcc", "off");
	ok(scratch.remove_bcc_headers, "keepbcc off: remove_bcc_headers on");
	set("tls_certcheck", "on");
	is_str(set("tls_nocertcheck", ""), "", "tls_nocertcheck");
	ok(!scratch.tls_certcheck, "tls_nocertcheck: tls_certcheck off");
	is_str(set("tls_nocertcheck", "on"),
	    "f:1: tls_nocertcheck takes no argument",
	    "tls_nocertcheck takes no argument");
	set("tls_nostarttls", "");
	ok(!scratch.tls_starttls, "tls_nostarttls: tls_starttls off");
	set("connect_timeout", "20");
	is_int(scratch.timeout, 20, "connect_timeout is timeout");
	set("set_to_header", "undisclosed_recipients");
	ok(scratch.undisclosed_recipients, "set_to_header undisclosed");
	ok(*set("set_to_header", "on") != '\0',
	    "set_to_header on refused (its meaning in newer msmtp differs)");
	account_release(&scratch);

	account_init(&scratch);
	is_str(set("tls_force_sslv3", "on"), "", "tls_force_sslv3 accepted");
	{
		size_t	k;
		int	n = 0;

		for (k = 0; k < K_COUNT; k++)
			n += scratch.set[k];
		is_int(n, 0, "tls_force_sslv3 records nothing");
	}
	account_release(&scratch);
}

static void
test_tilde(void)
{
	struct account	a;
	struct err	e;

	account_init(&a);
	err_init(&e);
	conf_set(&a, "tls_key_file", "~/k.pem", "w", NULL, 0, "/home/u", &e);
	is_str(a.tls_key_file, "/home/u/k.pem", "~/ expanded");
	conf_set(&a, "aliases", "~", "w", NULL, 0, "/home/u/", &e);
	is_str(a.aliases, "/home/u", "~ alone, home with a final slash");
	conf_set(&a, "queue_dir", "~/q", "w", NULL, 0, "/", &e);
	is_str(a.queue_dir, "/q", "home / does not give //q");
	conf_set(&a, "tls_cert_file", "~bob/c.pem", "w", NULL, 0, "/home/u",
	    &e);
	is_str(a.tls_cert_file, "~bob/c.pem", "~user is left alone");
	conf_set(&a, "tls_crl_file", "~/crl", "w", NULL, 0, NULL, &e);
	is_str(a.tls_crl_file, "~/crl", "no home, no expansion");
	conf_set(&a, "logfile", "-", "w", NULL, 0, "/home/u", &e);
	is_str(a.logfile, "-", "logfile - stays standard output");
	conf_set(&a, "tls_trust_file", "~/ca.pem", "w", NULL, 0, "/home/u", &e);
	is_str(a.tls_trust_file, "/home/u/ca.pem", "trust file expanded");
	conf_set(&a, "passwordeval", "gpg -d ~/p.gpg", "w", NULL, 0, "/home/u",
	    &e);
	is_str(a.passwordeval, "gpg -d ~/p.gpg", "commands are not expanded");
	conf_set(&a, "host", "~/h", "w", NULL, 0, "/home/u", &e);
	is_str(a.host, "~/h", "host is no file name");
	is_int(e.kind, ERR_NONE, "no error on the way");
	account_release(&a);
}

static const char man_example[] =
    "# Example for a user configuration file ~/.msmtprc\n"
    "#\n"
    "# This file focusses on TLS and authentication.\n"
    "\n"
    "# Set default values for all following accounts.\n"
    "defaults\n"
    "\n"
    "# Use the mail submission port 587 instead of the SMTP port 25.\n"
    "port 587\n"
    "\n"
    "# Always use TLS.\n"
    "tls on\n"
    "\n"
    "#tls_trust_file /etc/ssl/certs/ca-certificates.crt\n"
    "\n"
    "# A freemail service\n"
    "account freemail\n"
    "\n"
    "# Host name of the SMTP server\n"
    "host smtp.freemail.example\n"
    "\n"
    "#tls_fingerprint 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11"
    ":22:33\n"
    "\n"
    "# Envelope-from address\n"
    "from joe_smith@freemail.example\n"
    "\n"
    "auth on\n"
    "user joe.smith\n"
    "\n"
    "passwordeval gpg2 --no-tty -q -d ~/.msmtp-password.gpg\n"
    "\n"
    "#password secret123\n"
    "\n"
    "# A second mail address at the same freemail service\n"
    "account freemail2 : freemail\n"
    "from joey@freemail.example\n"
    "\n"
    "# The SMTP server of your ISP\n"
    "account isp\n"
    "host mail.isp.example\n"
    "from smithjoe@isp.example\n"
    "auth on\n"
    "user 12345\n"
    "\n"
    "# Set a default account\n"
    "account default : freemail\n";

static void
test_man_example(void)
{
	struct conf	 c;
	struct err	 e;
	struct account	*a;

	conf_init(&c);
	is_int(parse_as(&c, "~/.msmtprc", man_example, &e), 0,
	    "the msmtp(1) example parses");
	is_str(e.text, "", "without an error");
	is_int(c.naccounts, 4, "four accounts");
	ok(c.naccounts == 4 && strcmp(c.accounts[0]->name, "freemail") == 0 &&
	    strcmp(c.accounts[1]->name, "freemail2") == 0 &&
	    strcmp(c.accounts[2]->name, "isp") == 0 &&
	    strcmp(c.accounts[3]->name, "default") == 0,
	    "in definition order");
	a = conf_find(&c, "freemail2");
	ok(a != NULL && strcmp(a->host, "smtp.freemail.example") == 0 &&
	    strcmp(a->from, "joey@freemail.example") == 0 &&
	    strcmp(a->user, "joe.smith") == 0 && a->port == 587,
	    "freemail2 inherits host and user, has its own from");
	a = conf_find(&c, "default");
	ok(a != NULL && strcmp(a->from, "joe_smith@freemail.example") == 0 &&
	    a->port == 587 && a->tls && strcmp(a->auth, "on") == 0,
	    "account default : freemail");
	a = conf_find(&c, "isp");
	ok(a != NULL && a->port == 587 && a->origin[K_PORT].line == 9 &&
	    a->origin[K_PORT].from_defaults &&
	    a->origin[K_PORT].file == c.files[0],
	    "defaults apply, with their line; origin file is the conf's copy");
	is_str(c.files[0], "~/.msmtprc", "file name kept");
	ok(!c.has_password, "no password in the example");
	ok(conf_find(&c, "nobody") == NULL, "conf_find of an unknown name");
	conf_release(&c);
}

static void
test_lines(void)
{
	struct conf	 c;
	struct err	 e;
	struct account	*a;
	char		*big;
	size_t		 i;

	conf_init(&c);
	is_int(parse(&c,
	    "  # indented comment\n"
	    "\t#tab comment\n"
	    "   \t  \n"
	    "account a\r\n"
	    "host\t\th.example \t\r\n"
	    "password abc#def # not a comment\n"
	    "user \"  spaced  \"\n"
	    "tls_priorities \"a\\\"b\"\n"
	    "from_full_name \"Joe \"J\" Smith\"\n"
	    "logfile_time_format a\"\n"
	    "domain\n"
	    "maildomain \"\"\n"
	    "tls", &e), 0, "comments, CRLF, quotes, no final newline");
	a = conf_find(&c, "a");
	ok(a != NULL, "account a exists");
	if (a == NULL)
		goto out;
	is_str(a->host, "h.example", "tabs are blanks, CR stripped");
	is_str(a->password, "abc#def # not a comment",
	    "'#' inside an argument is text");
	is_str(a->user, "  spaced  ", "quotes keep blanks");
	is_str(a->tls_priorities, "a\\\"b", "no backslash escapes in quotes");
	is_str(a->from_full_name, "Joe \"J\" Smith", "inner quotes are text");
	is_str(a->logfile_time_format, "a\"", "a final quote alone is text");
	ok(a->domain == NULL && a->set[K_DOMAIN], "empty domain: unset");
	ok(a->maildomain == NULL && a->set[K_MAILDOMAIN], "\"\" is empty");
	ok(a->tls && a->set[K_TLS], "last line without newline, empty = on");
	ok(c.has_password, "has_password");
	conf_release(&c);

	is_str(parse_error("account a\nuser \"open\n"),
	    "t:2: unterminated quote in the argument of user",
	    "unterminated quote");
	ok(*parse_error("account a\nuser \"\n") != '\0',
	    "a lone quote is unterminated");

	{
		static const char nul[] = "account a\nhost h\0x\n";
		struct conf_source src = { "n", NULL, NULL, NULL };

		conf_init(&c);
		err_init(&e);
		is_int(conf_parse(&c, nul, sizeof(nul) - 1, &src, &e), -1,
		    "NUL byte refused");
		is_str(e.text, "n:2: NUL byte in line", "NUL names its line");
		conf_release(&c);
	}

	big = xmalloc(100000 + 64);
	strcpy(big, "account a\npassword ");
	i = strlen(big);
	memset(big + i, 'x', 100000);
	strcpy(big + i + 100000, "\nport 25\n");
	conf_init(&c);
	is_int(parse(&c, big, &e), 0, "a 100 000-character line");
	a = conf_find(&c, "a");
	ok(a != NULL && a->password != NULL && strlen(a->password) == 100000 &&
	    a->port == 25, "read whole, and the next line too");
	free(big);
out:
	conf_release(&c);

	is_str(parse_error("account a\n\n# c\r\nhost h\r\nfoo bar\n"),
	    "t:5: unknown command 'foo'", "unknown command, line counted");
	{
		struct conf	 c2;
		struct err	 e2;
		const struct account *d;

		conf_init(&c2);
		err_init(&e2);
		is_int(parse(&c2, "host h\nport 26\naccount b\nhost hb\n", &e2), 0,
		    "settings before any section parse (msmtp 1.2 files)");
		d = conf_find(&c2, "default");
		ok(d != NULL && d->host != NULL && strcmp(d->host, "h") == 0 &&
		    d->port == 26, "they open an account named default");
		ok(conf_find(&c2, "b") != NULL && c2.naccounts == 2,
		    "later accounts are unaffected");
		conf_release(&c2);
	}
	is_str(parse_error("bogus\n"), "t:1: unknown command 'bogus'",
	    "unknown command before any account");
	is_str(parse_error("defaults x\n"), "t:1: defaults takes no argument",
	    "defaults takes no argument");
	is_str(parse_error("account a\nport 7x\n"),
	    "t:2: invalid port '7x' (1-65535 expected)", "file:line error");
}

static void
test_accounts(void)
{
	struct conf	 c;
	struct err	 e;
	struct account	*a;

	is_str(parse_error("account a\naccount b\naccount a\n"),
	    "t:3: account 'a' was already defined on line 1",
	    "duplicate account");
	is_str(parse_error("account a : nope\n"),
	    "t:1: parent account 'nope' is not defined (yet)",
	    "unknown parent");
	is_str(parse_error("account b : a\naccount a\n"),
	    "t:1: parent account 'a' is not defined (yet)",
	    "a parent must come first");
	is_str(parse_error("account\n"), "t:1: missing account name",
	    "account without a name");
	is_str(parse_error("account : x\n"), "t:1: missing account name",
	    "empty name before ':'");
	is_str(parse_error("account a\naccount b : a,,a\n"),
	    "t:2: missing parent account name", "empty parent in the list");
	is_str(parse_error("account a,b\n"),
	    "t:1: account name 'a,b' must not contain ':' or ','",
	    "',' in a name");

	conf_init(&c);
	is_int(parse(&c,
	    "defaults\n"
	    "tls off\n"
	    "account p1\n"
	    "host h1\n"
	    "user u1\n"
	    "port 1\n"
	    "account p2\n"
	    "host h2\n"
	    "defaults\n"
	    "port 10\n"
	    "tls on\n"
	    "account m:p1,p2\n"
	    "account n  :  p2 ,  p1\n"
	    "account o : m\n"
	    "host own\n"
	    "account q : p2\n", &e), 0, "inheritance file parses");
	a = conf_find(&c, "m");
	ok(a != NULL && strcmp(a->host, "h2") == 0 &&
	    strcmp(a->user, "u1") == 0 && a->port == 1,
	    "parents in order: the later one wins");
	a = conf_find(&c, "n");
	ok(a != NULL && strcmp(a->host, "h1") == 0,
	    "the other order, blanks around ':' and ','");
	a = conf_find(&c, "o");
	ok(a != NULL && strcmp(a->host, "own") == 0 && a->port == 1 &&
	    strcmp(a->user, "u1") == 0 && a->origin[K_USER].line == 5,
	    "a chain: grandparent settings, origin kept, own setting last");
	a = conf_find(&c, "p1");
	ok(a != NULL && !a->tls && a->port == 1, "p1 got the first defaults");
	a = conf_find(&c, "q");
	ok(a != NULL && a->tls && a->port == 10,
	    "a parent does not pass on what its defaults gave it");
	ok(a != NULL && a->origin[K_PORT].line == 10 &&
	    a->origin[K_PORT].from_defaults,
	    "defaults extended later apply to later accounts");
	conf_release(&c);

	/* Two files: the user file replaces and inherits across. */
	conf_init(&c);
	parse_as(&c, "sys",
	    "defaults\ntls off\naccount a\nhost a1\naccount sys\nhost s\n"
	    "account b\nhost b1\n", &e);
	is_int(parse_as(&c, "user",
	    "defaults\ntls on\naccount mine : sys\nfrom me\naccount a\n"
	    "host a2\naccount c : a\n", &e), 0, "second file parses");
	is_int(c.nfiles, 2, "two files");
	is_int(c.naccounts, 5, "a replaced, mine and c added");
	ok(c.naccounts == 5 && strcmp(c.accounts[0]->name, "a") == 0 &&
	    strcmp(c.accounts[0]->host, "a2") == 0 &&
	    c.accounts[0]->origin[K_HOST].file == c.files[1],
	    "the replacement takes the old place and the new origin");
	a = conf_find(&c, "mine");
	ok(a != NULL && a->tls && strcmp(a->host, "s") == 0 &&
	    a->origin[K_HOST].file == c.files[0] &&
	    a->origin[K_HOST].line == 6,
	    "parent from an earlier file; its file's defaults stay behind");
	a = conf_find(&c, "c");
	ok(a != NULL && strcmp(a->host, "a2") == 0,
	    "a parent of this file beats one of an earlier file");
	a = conf_find(&c, "b");
	ok(a != NULL && strcmp(a->host, "b1") == 0 && !a->tls,
	    "an account the user file does not name is kept");

	/* A failing file changes nothing. */
	is_int(parse_as(&c, "bad",
	    "account a\nhost a3\naccount z\nport x\n", &e), -1,
	    "third file fails");
	ok(c.nfiles == 2 && c.naccounts == 5 && conf_find(&c, "z") == NULL &&
	    strcmp(conf_find(&c, "a")->host, "a2") == 0,
	    "the conf is left as it was");
	is_str(e.text, "bad:4: invalid port 'x' (1-65535 expected)",
	    "and the error names the failing file");
	conf_release(&c);
}

static void
test_eval(void)
{
	struct conf	 c;
	struct err	 e;
	struct account	*a;

	conf_init(&c);
	eval_calls = 0;
	is_int(parse(&c,
	    "eval echo account a\n"
	    "eval echo host h.example\n"
	    "eval crlf\n"
	    "eval multi\n"
	    "eval nothing\n"
	    "eval echo # a comment\n"
	    "eval echo password s3cret\n", &e), 0, "eval lines parse");
	is_int(eval_calls, 7, "the hook ran for each");
	a = conf_find(&c, "a");
	ok(a != NULL && strcmp(a->host, "first") == 0 && a->port == 2525,
	    "eval output read as a line: first line only, CRLF stripped");
	ok(a != NULL && a->origin[K_PORT].line == 3, "origin is the eval line");
	ok(!c.has_password, "an eval'd password is not in the file");
	conf_release(&c);

	conf_init(&c);
	is_int(parse(&c, "account a\neval fail\n", &e), -1, "eval fails");
	is_str(e.text, "t:2: eval failed: cannot run 'fail'",
	    "the hook's reason, with file:line");
	is_int(e.kind, ERR_OSERR, "and the hook's kind");
	conf_release(&c);

	is_str(parse_error("account a\neval echo eval echo host x\n"),
	    "t:2: the output of eval must not be another eval",
	    "no recursion");
	is_str(parse_error("account a\neval\n"), "t:2: eval needs an argument",
	    "eval without a command");
	{
		struct conf_source	 src = { "n", NULL, NULL, NULL };
		const char		*t = "account a\neval echo host x\n";

		conf_init(&c);
		err_init(&e);
		conf_parse(&c, t, strlen(t), &src, &e);
		is_str(e.text, "n:2: eval is not allowed here",
		    "no hook, no eval");
		conf_release(&c);
	}

	/* has_password belongs to the last parse. */
	conf_init(&c);
	parse(&c, "account a\npassword x\n", &e);
	ok(c.has_password, "password sets has_password");
	parse_as(&c, "u", "account b\npassword\n", &e);
	ok(!c.has_password, "an empty password does not, and it is reset");
	conf_release(&c);
}

static void
test_inherit_dup(void)
{
	struct account	 a, b, *d;
	struct err	 e;

	account_init(&a);
	account_init(&b);
	err_init(&e);
	conf_set(&a, "host", "ha", "w", "f", 3, NULL, &e);
	conf_set(&a, "tls", "off", "w", "f", 4, NULL, &e);
	a.user = xstrdup("not set");		/* a value without its flag */
	conf_set(&b, "user", "ub", "w", "g", 9, NULL, &e);
	account_inherit(&b, &a);
	ok(strcmp(b.host, "ha") == 0 && !b.tls && b.set[K_HOST] &&
	    b.set[K_TLS] && b.origin[K_TLS].line == 4,
	    "set fields copied with flag and origin");
	ok(strcmp(b.user, "ub") == 0 && b.origin[K_USER].line == 9,
	    "unset fields of the source are not copied");
	ok(b.host != a.host, "strings are deep copies");

	a.name = xstrdup("acct");
	d = account_dup(&a);
	ok(d->name != NULL && strcmp(d->name, "acct") == 0 &&
	    d->name != a.name && strcmp(d->user, "not set") == 0 &&
	    !d->set[K_USER] && d->set[K_HOST] && !d->tls &&
	    d->origin[K_HOST].line == 3, "account_dup copies everything");
	account_release(d);
	free(d);
	account_release(&a);
	account_release(&b);
}

static void
test_format(void)
{
	struct account	a;
	struct err	e;
	char		small[4];
	static const struct {
		enum conf_key	 k;
		const char	*in, *out;
	} all[] = {
		{ K_HOST, "mail.example", "mail.example" },
		{ K_PORT, "465", "465" },
		{ K_SOURCE_IP, "192.0.2.1", "192.0.2.1" },
		{ K_PROXY_HOST, "127.0.0.1", "127.0.0.1" },
		{ K_PROXY_PORT, "9050", "9050" },
		{ K_SOCKET, "/run/s", "/run/s" },
		{ K_TIMEOUT, "30", "30" },
		{ K_PROTOCOL, "lmtp", "lmtp" },
		{ K_DOMAIN, "me.example", "me.example" },
		{ K_AUTH, "PLAIN", "plain" },
		{ K_USER, "joe", "joe" },
		{ K_PASSWORD, "hunter2", "*" },
		{ K_PASSWORDEVAL, "pass smtp", "pass smtp" },
		{ K_NTLMDOMAIN, "dom", "dom" },
		{ K_TLS, "off", "off" },
		{ K_TLS_STARTTLS, "", "on" },
		{ K_TLS_TRUST_FILE, "system", "system" },
		{ K_TLS_CRL_FILE, "~/crl.pem", HOME "/crl.pem" },
		{ K_TLS_FINGERPRINT, "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd"
		    ":ee:ff",
		    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff" },
		{ K_TLS_KEY_FILE, "/k", "/k" },
		{ K_TLS_CERT_FILE, "/c", "/c" },
		{ K_TLS_CERTCHECK, "off", "off" },
		{ K_TLS_PRIORITIES, "NORMAL", "NORMAL" },
		{ K_TLS_HOST_OVERRIDE, "other.example", "other.example" },
		{ K_TLS_MIN_DH_PRIME_BITS, "1024", "1024" },
		{ K_FROM, "joe@example.org", "joe@example.org" },
		{ K_FROM_FULL_NAME, "Joe Smith", "Joe Smith" },
		{ K_ALLOW_FROM_OVERRIDE, "off", "off" },
		{ K_DSN_NOTIFY, "failure,delay", "failure,delay" },
		{ K_DSN_RETURN, "hdrs", "headers" },
		{ K_SET_FROM_HEADER, "on", "on" },
		{ K_SET_DATE_HEADER, "off", "off" },
		{ K_SET_MSGID_HEADER, "auto", "auto" },
		{ K_REMOVE_BCC_HEADERS, "off", "off" },
		{ K_UNDISCLOSED_RECIPIENTS, "on", "on" },
		{ K_LOGFILE, "-", "-" },
		{ K_LOGFILE_TIME_FORMAT, "%F %T", "%F %T" },
		{ K_SYSLOG, "on", "LOG_USER" },
		{ K_ALIASES, "/etc/aliases", "/etc/aliases" },
		{ K_AUTO_FROM, "on", "on" },
		{ K_MAILDOMAIN, "example.org", "example.org" },
		{ K_QUALIFY_DOMAIN, "example.net", "example.net" },
		{ K_QUALIFY_HEADERS, "", "on" },
		{ K_QUEUE, "always", "always" },
		{ K_QUEUE_DIR, "/var/q", "/var/q" },
		{ K_QUEUE_LIFETIME, "90m", "90m" },
		{ K_QUEUE_NOTIFY, "|logger -t q", "|logger -t q" },
	};
	size_t	i;
	int	covered[K_COUNT] = { 0 }, missing = 0;

	account_init(&a);
	err_init(&e);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		covered[all[i].k] = 1;
		conf_set(&a, conf_key_name(all[i].k), all[i].in, "w", NULL, 0,
		    HOME, &e);
		is_str(fmt(&a, all[i].k), all[i].out, "format %s",
		    conf_key_name(all[i].k));
	}
	for (i = 0; i < K_COUNT; i++)
		missing += !covered[i];
	is_int(missing, 0, "every key's format is tested");
	is_int(e.kind, ERR_NONE, "every value above was valid");
	account_release(&a);

	account_init(&a);
	is_str(fmt(&a, K_PORT), "", "unset port is empty");
	is_str(fmt(&a, K_TIMEOUT), "off", "timeout 0 is off");
	is_str(fmt(&a, K_AUTH), "off", "no auth is off");
	is_str(fmt(&a, K_TLS_TRUST_FILE), "system", "NULL trust file: system");
	is_str(fmt(&a, K_PASSWORD), "", "no password: empty");
	is_str(fmt(&a, K_HOST), "", "unset string: empty");
	is_str(fmt(&a, K_SET_FROM_HEADER), "auto", "default set_from_header");
	is_str(fmt(&a, K_SET_DATE_HEADER), "auto", "default set_date_header");
	is_str(fmt(&a, K_DSN_NOTIFY), "off", "no dsn_notify: off");
	is_str(fmt(&a, K_QUEUE_LIFETIME), "5d", "unset queue_lifetime: 5d");
	is_str(fmt(&a, K_QUEUE), "on", "the queue is on by default");
	conf_set(&a, "user", "  lead", "w", NULL, 0, NULL, &e);
	is_str(fmt(&a, K_USER), "\"  lead\"", "blanks at an end are quoted");
	conf_set(&a, "user", "\"q\"", "w", NULL, 0, NULL, &e);
	is_str(fmt(&a, K_USER), "\"\"q\"\"", "a leading quote is quoted");
	conf_set(&a, "tls_trust_file", "", "w", NULL, 0, NULL, &e);
	is_str(fmt(&a, K_TLS_TRUST_FILE), "", "empty trust file: empty");
	conf_set(&a, "tls_key_file", "pkcs11:token=t;object=k?pin-value=1234&x=y",
	    "w", NULL, 0, NULL, &e);
	is_str(fmt(&a, K_TLS_KEY_FILE), "\"pkcs11:token=t;object=k?pin-value=*&x=y\"",
	    "the PIN of a PKCS #11 URI is not shown");
	conf_set(&a, "host", "abcdef", "w", NULL, 0, NULL, &e);
	is_str(conf_format_value(&a, K_HOST, small, sizeof(small)), "abc",
	    "cut at size");
	small[0] = 'z';
	conf_format_value(&a, K_HOST, small, 0);
	ok(small[0] == 'z', "size 0 writes nothing");
	is_str(fmt(&a, K_COUNT), "", "no key, empty");
	account_release(&a);
}

int
main(void)
{
	test_table();
	test_defaults();
	test_types();
	test_tilde();
	test_man_example();
	test_lines();
	test_accounts();
	test_eval();
	test_inherit_dup();
	test_format();
	return tap_done();
}
