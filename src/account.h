/*
 * account.h - which settings this run uses.
 *
 * Reads the configuration files (system, then user), picks the account
 * as msmtp does (-a; else the first account whose "from" matches -f; else
 * "default"), applies the command-line settings over it, fills in the
 * defaults that depend on other settings (port, envelope sender, EHLO
 * domain), and refuses settings whose feature this version does not have
 * rather than ignoring them: "tls on" must never quietly send in clear.
 */
#ifndef SMTPSEND_ACCOUNT_H
#define SMTPSEND_ACCOUNT_H

#include <stdbool.h>

#include "cli.h"
#include "conf.h"
#include "err.h"

#define DEFAULT_TIMEOUT_S	60

/* Where the envelope sender came from: it decides whose error it is. */
enum sender_origin {
	SENDER_FROM_CONFIG,		/* "from", auto_from: EX_CONFIG */
	SENDER_FROM_COMMAND_LINE,	/* -f, -r, --from: EX_USAGE */
	SENDER_FROM_HEADER,		/* --read-envelope-from: EX_DATAERR */
};

struct run_account {
	struct account	*acct;		/* owned; a copy with overrides applied */
	struct conf	 conf;		/* keeps the file names origins point to */
	const char	*system_file;	/* loaded, or NULL */
	const char	*user_file;	/* loaded, or NULL */
	char		*system_path;	/* owned */
	char		*user_path;	/* owned */
	const char	*chosen_by;	/* how the account was chosen, for -P */
	char		*envelope_from;	/* owned; "" for <> */
	enum sender_origin sender_from;
	char		*helo;		/* owned */
	char		*queue_dir;	/* owned; NULL when there is no place for it */
	int		 port;
	int		 timeout_s;
	bool		 from_override_ignored;	/* -f given, allow_from_override off */
};

void	run_account_init(struct run_account *);
void	run_account_release(struct run_account *);

/*
 * header_from: the envelope sender read from the message's From field
 * (--read-envelope-from), or NULL.
 */
int	account_resolve(struct run_account *, const struct options *,
	    const char *header_from, struct err *);

/*
 * The queue directory when queue_dir is not set: LOCALSTATEDIR/spool/
 * smtpsend for root running on the system file alone (cron, daemons),
 * else $XDG_STATE_HOME/smtpsend/queue, else ~/.local/state/smtpsend/queue.
 */
#define SYSTEM_QUEUE_DIR	LOCALSTATEDIR "/spool/smtpsend"

/* Refuses what this version cannot do (ERR_CONFIG, naming file:line). */
int	account_check_supported(const struct run_account *, struct err *);

/* The -P output; works on a partly resolved account too. */
void	account_print(const struct run_account *, FILE *);

#endif
