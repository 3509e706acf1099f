/*
 * smtp.h - one submission session (RFC 5321, RFC 6409).
 *
 * smtp_submit() runs the whole dialogue: connect, greeting, EHLO (HELO
 * when EHLO is not understood), AUTH, the envelope (pipelined per RFC
 * 2920 when the server offers it, a one-step AUTH at its head, every reply
 * checked), the data (BDAT, RFC 3030, when the size is known and CHUNKING
 * offered; else DATA) streamed from a reader through the data encoder,
 * and QUIT, sent with the data where pipelining allows and never waited
 * for.
 *
 * Nothing is ever reported as sent that the server did not accept with
 * its final 250.  A refused recipient aborts the transaction (nothing is
 * delivered to the others) so that a retry cannot duplicate mail: without
 * PIPELINING no DATA is sent; with it, when DATA was already accepted,
 * the connection is dropped before the end of data, which makes the
 * server discard the transaction (RFC 5321 section 3.8).  A failure of the
 * input (read error, NUL, over-long line) also drops the connection
 * before the end of data.
 *
 * This module knows nothing of the configuration or the command line: the
 * caller fills struct smtp_params.
 */
#ifndef SMTPSEND_SMTP_H
#define SMTPSEND_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "conn.h"
#include "err.h"
#include "auth.h"
#include "reply.h"
#include "tls.h"
#include "transcript.h"

enum smtp_body {
	SMTP_BODY_UNKNOWN = 0,
	SMTP_BODY_7BIT,		/* no octet above 127 (or -B 7BIT) */
	SMTP_BODY_8BIT,		/* octets above 127 (or -B 8BITMIME) */
};

struct smtp_params {
	const char	*host;
	int		 port;
	const char	*socket_path;	/* NULL: TCP to host:port */
	const char	*source_ip;	/* NULL: any */
	const char	*helo;		/* EHLO/HELO argument */
	int		 timeout_s;	/* the base of every deadline, > 0 */
	struct transcript *tr;		/* NULL: no transcript */
	/*
	 * TLS: NULL sends in clear.  Otherwise with starttls the session
	 * must upgrade with STARTTLS (RFC 3207) and fails if it cannot; without
	 * it TLS starts right after the connect (RFC 8314 implicit TLS).
	 */
	struct tls_ctx	*tls;
	bool		 starttls;
	/*
	 * AUTH (RFC 4954) after TLS and before the envelope: NULL when off.
	 * The tls, cb_type and cb_data fields are filled in per session.
	 */
	const struct auth_config *auth;
	/* RFC 3461 DSN, each NULL when not asked for; then the server must
	 * offer DSN or the submission fails (nothing silently dropped). */
	const char	*dsn_notify;	/* "never" or "failure,delay,success" */
	const char	*dsn_return;	/* "headers" or "full" */
	const char	*envid;
	/*
	 * RFC 6152: what the body holds, when known.  8-bit needs a server
	 * that offers 8BITMIME (else the run fails before MAIL); unknown is
	 * declared 8BITMIME where offered; and where 8-bit was not declared,
	 * an 8-bit octet in the data ends the submission, never sent as is.
	 */
	enum smtp_body	 body;
	/*
	 * RFC 1870: the message's size in octets when known (0: not), sent
	 * as SIZE= where offered; over the server's limit the submission
	 * fails before MAIL FROM.
	 */
	uint64_t	 size;
	/* RFC 2033 LMTP: LHLO, and one reply per recipient after the data. */
	bool		 lmtp;
	/*
	 * RFC 6531: UTF-8 in an address or in the header block.  MAIL FROM
	 * then says SMTPUTF8, and a server without it fails the submission
	 * before MAIL FROM.
	 */
	bool		 smtputf8;
};

/* Where the message bytes come from: the header block, then the body. */
struct smtp_source {
	/* > 0 bytes, 0 at the end, -1 with e filled. */
	ssize_t		(*read)(void *ctx, char *buf, size_t len, struct err *);
	void		*ctx;
	unsigned	 enc_flags;	/* DATA_DOT_ENDS_INPUT or 0 */
	/*
	 * For error messages in input line numbers: the reader's first
	 * header_len bytes are the (rewritten) header block, and the body
	 * that follows starts at input line body_line.
	 */
	size_t		 header_len;
	unsigned long	 body_line;
	/*
	 * Back to the first byte, for a second session after a server
	 * refused a pipelined AUTH; NULL when the source cannot (a pipe).
	 * started says whether read was called at all.
	 */
	int		(*rewind)(void *ctx);
	bool		 started;
};

struct smtp_result {
	int		 code;		/* the final reply, 0 if none */
	char		 text[512];	/* its summary */
	uint64_t	 size;		/* message bytes sent (as transferred) */
	char		 peer[96];	/* who we spoke to */
	bool		 tls;		/* the message went over TLS */
	bool		 auth;		/* after a successful AUTH */
	char		 auth_mech[64];
	char		 server_id[64];	/* the server's queue id, "" if none */
	char		 warning[512];	/* sent, but something to say; "" */
	size_t		 delivered;	/* how many done[] are true */
};

/*
 * Returns 0 once the server accepted the message for every recipient; -1
 * otherwise, with e saying what failed and why.  done[i] (nrcpts of them)
 * says whether rcpts[i] has the message: after a failure some may (LMTP,
 * or a server that takes only so many recipients at a time).
 */
int	smtp_submit(const struct smtp_params *, const char *sender,
	    char *const *rcpts, size_t nrcpts, bool *done, struct smtp_source *,
	    struct smtp_result *, struct err *);

/*
 * --serverinfo: connects as smtp_submit() would, prints the greeting, the
 * EHLO keywords (before and after STARTTLS), the TLS session and the
 * server's certificate to out, and quits.  A certificate that is not
 * trusted is reported, not refused, so its fingerprint can be read; the
 * return is then -1 with ERR_NOPERM, after everything was printed.
 */
int	smtp_serverinfo(const struct smtp_params *, FILE *out, struct err *);

/* Deadlines as multiples of the base timeout, after RFC 5321 4.5.3.2. */
int64_t	smtp_step_ms(int timeout_s, int tenths);

#endif
