/*
 * tls.h - TLS with GnuTLS: credentials, the handshake under the
 * connection's deadlines, and the verification of the server.
 *
 * tls_ctx_new() loads what the configuration names (trust file, CRL,
 * client certificate) before any connection is made, so a bad file is a
 * configuration error and not a network one; the system trust store is
 * loaded only when it is what verification will use.  tls_start() runs
 * the handshake on a connected struct conn, checks the protocol version
 * (TLS 1.2 at least, whatever the priority string), verifies the server
 * (a SHA-256 pin, or the chain and the name or address, RFC 6125 and
 * RFC 9525), and then swaps the connection's transport, so that every
 * later read and write goes through TLS with the same deadlines.
 */
#ifndef SMTPSEND_TLS_H
#define SMTPSEND_TLS_H

#include <stdbool.h>

#include "conn.h"
#include "err.h"

struct tls_config {
	const char	*host;		/* identity to check; SNI unless an address */
	const char	*trust_file;	/* NULL: the system store; "": no authority */
	const char	*crl_file;	/* NULL: none */
	const char	*fingerprint;	/* pin (hex, colons optional), or NULL */
	bool		 certcheck;	/* false: no verification at all */
	const char	*cert_file;	/* client certificate, or NULL */
	const char	*key_file;
	const char	*priorities;	/* GnuTLS priority string, or NULL */
	int		 min_dh_prime_bits; /* 0: the library's choice */
	/* Warnings that must reach the user on every run (no check, SHA-1). */
	void		(*warn)(void *ctx, const char *text);
	void		*warn_ctx;
};

/* What a handshake showed, for --debug, --serverinfo and error messages. */
struct tls_peer {
	char	session[256];		/* "(TLS1.3)-(ECDHE-X25519)-..." */
	char	version[16];		/* "TLS1.3" */
	char	subject[512];
	char	issuer[512];
	char	not_before[32];		/* "2026-12-01 19:00:00 UTC" */
	char	not_after[32];
	char	names[512];		/* subject alternative names, comma separated */
	char	sha256[100];		/* "AB:CD:..." */
	char	sha1[64];
	char	verdict[512];		/* why it is trusted, or why not */
	bool	trusted;
	bool	have_cert;
};

struct tls_ctx;
struct tls;

/* Errors: ERR_CONFIG for unreadable or invalid files and pins. */
int	tls_ctx_new(struct tls_ctx **, const struct tls_config *, struct err *);
void	tls_ctx_free(struct tls_ctx *);

/*
 * Runs the handshake on c (the caller sets the step deadline) and
 * installs TLS as c's transport.  With enforce, a server that is not
 * trusted fails the call (ERR_NOPERM, e says why and what to do); without
 * it (--serverinfo), the verdict is only reported in *peer.  Errors:
 * ERR_TEMPFAIL (closed, reset, timeout), ERR_UNAVAILABLE (no common
 * protocol version of at least TLS 1.2), ERR_PROTOCOL (anything else
 * the handshake refuses: an alert, data that is not TLS).
 */
int	tls_start(struct tls **, struct tls_ctx *, struct conn *,
	    struct tls_peer *, bool enforce, struct err *);
void	tls_free(struct tls *);

/*
 * Channel binding data for SCRAM-*-PLUS: tls-exporter on TLS 1.3 (RFC
 * 9266), tls-unique on TLS 1.2 (RFC 5929).  *type is static; *b64 is
 * allocated (base64).  Returns -1 when the session has none.
 */
int	tls_channel_binding(struct tls *, const char **type, char **b64);

/* The library's version, for --version. */
const char *tls_library_version(void);

#endif
