/*
 * log.h - one line per message, to a file or to syslog, with msmtp's
 * fields so that existing log readers keep working:
 *
 *   TIME host=H tls=on|off auth=on|off [user=U] from=F recipients=A,B
 *   [mailsize=N] [smtpstatus=C] [serverid=ID] [smtpmsg='...']
 *   [errormsg='...'] [queue=ID:STATE] exitcode=EX_...
 *
 * serverid= (ours too) is the id the server gave the message in its final
 * 250, when it names one.  queue= is ours (msmtp has no queue): STATE is queued (stored after a
 * temporary failure, or without trying), sent (delivered from the queue),
 * deferred (a retry failed again) or failed (given up: in failed/).
 */
#ifndef SMTPSEND_LOG_H
#define SMTPSEND_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct log_entry {
	const char	*host;
	bool		 tls;
	bool		 auth;
	const char	*user;
	const char	*from;
	char *const	*rcpts;
	size_t		 nrcpts;
	uint64_t	 mailsize;	/* when delivered */
	int		 smtpstatus;	/* 0 = none */
	const char	*smtpmsg;	/* server's words on failure, or NULL */
	const char	*errormsg;	/* our words on failure, or NULL */
	const char	*server_id;	/* the server's queue id, or NULL */
	const char	*queue_id;	/* or NULL */
	const char	*queue_state;
	int		 exitcode;
};

/*
 * Appends the line to path ("-" = standard output) and/or sends it to
 * syslog with the given facility name (NULL = no syslog).  Fails with
 * ERR_IOERR (or ERR_CONFIG for an unknown facility); the caller decides
 * whether that changes the outcome.
 */
int	log_message(const char *path, const char *time_format,
	    const char *syslog_facility, const struct log_entry *,
	    struct err *);

#endif
