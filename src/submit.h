/*
 * submit.h - one prepared message through one resolved account.
 *
 * The message is ready (fix-ups done, envelope final): this builds the
 * TLS context and fetches the secret the account asks for, connects,
 * and hands over.  A direct send and a queue flush both end here, so a
 * message from the queue goes out exactly as it would have at once.
 */
#ifndef SMTPSEND_SUBMIT_H
#define SMTPSEND_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "account.h"
#include "err.h"
#include "smtp.h"

struct submit_job {
	const struct run_account *ra;
	const char	*sender;
	char *const	*rcpts;
	size_t		 nrcpts;
	const char	*dsn_notify;	/* NULL: none */
	const char	*dsn_return;
	const char	*envid;
	int		 debug;		/* 1: --debug, 2: --debug=body */
	enum smtp_body	 body;		/* what the body holds, if known */
	uint64_t	 size;		/* octets, 0 when not known */
	struct smtp_source *src;
	bool		*done;		/* nrcpts: which ones have it */
	bool		 smtputf8;	/* UTF-8 in an address or the header */
};

int	submit(const struct submit_job *, struct smtp_result *, struct err *);

/* --serverinfo through the account (smtp_serverinfo()). */
int	submit_serverinfo(const struct run_account *, int debug, FILE *out,
	    struct err *);

/*
 * One log line (logfile, syslog) when the account asks for one; a failure
 * to log is a warning: the message's fate is already decided.  queue_id
 * and queue_state may be NULL.
 */
void	submit_log(const struct run_account *, const char *sender,
	    char *const *rcpts, size_t nrcpts, const struct smtp_result *,
	    const struct err *, const char *queue_id, const char *queue_state);

/*
 * After a failure, the recipients that have the message anyway (an LMTP
 * server refusing some after the data, a server taking only so many at a
 * time), as a warning: "[ID: ]sent to K of N recipients: a@x b@y".
 */
void	submit_warn_delivered(const char *id, char *const *rcpts, size_t n,
	    const bool *done);

/* "smtpsend: warning: TEXT" on standard error. */
void	submit_warn(void *ctx, const char *text);

#endif
