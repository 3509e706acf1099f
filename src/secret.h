/*
 * secret.h - where a password comes from, and how it is kept.
 *
 * secret_fetch() tries, in this order (smtpsendrc(5) documents it):
 *   1. "password" from the configuration;
 *   2. "passwordeval": /bin/sh -c COMMAND, the first line of its output;
 *   3. the desktop keyring through libsecret, with msmtp's attributes
 *      (host, service "smtp", user), so entries made for msmtp with
 *      "secret-tool store ... host H service smtp user U" work; libsecret
 *      and GLib are loaded only then (dlopen), and a run without a D-Bus
 *      session (cron) skips this at once;
 *   4. ~/.netrc, then SYSCONFDIR/netrc;
 *   5. a prompt on /dev/tty, never on standard input (it carries the
 *      message), when a terminal can be opened.
 * A struct secret is wiped when released.  Secrets never go into argv,
 * the environment of a child, a message or the transcript.
 */
#ifndef SMTPSEND_SECRET_H
#define SMTPSEND_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "wipe.h"

struct secret {
	char	*data;		/* NUL-terminated; NULL when empty */
	size_t	 len;
};

void	secret_init(struct secret *);
void	secret_set(struct secret *, const char *, size_t);
void	secret_release(struct secret *);	/* wipes, then frees */
/* Overwrites n bytes so that the compiler cannot drop it. */
/* secret_wipe() is in wipe.h. */

struct secret_query {
	const char	*password;	/* from the configuration, or NULL */
	const char	*passwordeval;	/* command, or NULL */
	const char	*host;		/* for the keyring and netrc */
	const char	*user;
	const char	*home;		/* for ~/.netrc; NULL: none */
	const char	*system_netrc;	/* SYSCONFDIR/netrc */
	int		 timeout_s;	/* bound on the keyring lookup */
	bool		 prompt;	/* may ask on /dev/tty */
	const char	*what;		/* "password" or "token", for messages */
};

/*
 * Fills out and sets *source to where the secret came from ("password",
 * "passwordeval", "keyring", "netrc", "prompt").  Errors: ERR_CONFIG for a
 * failing passwordeval or when no source has one (the message lists what
 * was tried), ERR_OSERR, ERR_IOERR.
 */
int	secret_fetch(const struct secret_query *, struct secret *out,
	    const char **source, struct err *);

#endif
