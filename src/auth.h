/*
 * auth.h - SASL mechanisms for SMTP AUTH (RFC 4954): GNU SASL for PLAIN,
 * LOGIN, CRAM-MD5, SCRAM-SHA-1/256 and their -PLUS forms with channel
 * binding (RFC 9266 tls-exporter on TLS 1.3, RFC 5929 tls-unique on TLS
 * 1.2), GSSAPI and EXTERNAL; XOAUTH2 and OAUTHBEARER (RFC 7628) here,
 * since GNU SASL 2.2 has neither.
 *
 * This module does no I/O: smtp.c carries the lines.  It checks the
 * exchange step by step: a challenge after the mechanism is complete, a
 * challenge that is not base64, and more than AUTH_MAX_STEPS challenges
 * are refused (the caller then cancels with "*"), so no MAIL can follow
 * an unfinished AUTH and no password answers a malformed challenge.
 */
#ifndef SMTPSEND_AUTH_H
#define SMTPSEND_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "secret.h"

#define AUTH_MAX_STEPS	8

struct auth_config {
	const char	*mech;		/* "on": choose; else a mechanism name */
	const char	*user;		/* authentication identity */
	const struct secret *password;	/* password or token; NULL if none */
	const char	*host;		/* the server's name (GSSAPI, OAUTHBEARER) */
	int		 port;
	bool		 tls;		/* the session is encrypted */
	const char	*cb_type;	/* "tls-exporter", "tls-unique" or NULL */
	const char	*cb_data;	/* base64 channel binding data, or NULL */
};

/* Does the mechanism need a password (or token) from secret_fetch()? */
bool	auth_needs_secret(const char *mech);
/* Is it one of the OAuth 2.0 mechanisms, whose secret is a token? */
bool	auth_is_oauth(const char *mech);

/*
 * Chooses the mechanism among those the server offers (upper case,
 * space separated): the configured one, or the strongest that GNU SASL
 * and smtpsend support, leaving out those that expose the password
 * (PLAIN, LOGIN) when the session is not encrypted.  Errors say what the
 * server offered: ERR_UNAVAILABLE when nothing fits, ERR_CONFIG for an
 * unknown mechanism name.
 */
int	auth_choose(const struct auth_config *, const char *offered,
	    char *out, size_t size, struct err *);

struct auth;

int	auth_begin(struct auth **, const struct auth_config *,
	    const char *mech, struct err *);
void	auth_end(struct auth *);

/*
 * The initial response for the AUTH line: *b64 is base64 ("" for an
 * empty one, sent as "="), or NULL when the mechanism lets the server
 * speak first.  Free *b64 with auth_free_response().
 */
int	auth_initial(struct auth *, char **b64, struct err *);
/*
 * Answers one challenge (the base64 text of a 334 reply).  Errors
 * (ERR_PROTOCOL): not base64, after the mechanism completed, too many.
 */
int	auth_step(struct auth *, const char *challenge, size_t len,
	    char **b64, struct err *);
void	auth_free_response(char *);

/* True once the mechanism has sent its last message and checked the
 * server's (SCRAM verifies the server's signature). */
bool	auth_complete(const struct auth *);
/* The error a server explained in an OAuth failure challenge, or NULL. */
const char *auth_server_error(const struct auth *);

#endif
