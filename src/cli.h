/*
 * cli.h - the command line: sendmail flags and msmtp's long options.
 *
 * cli_parse() only reads argv; it opens nothing.  Options that stand for
 * a configuration key (--port, --tls-starttls, -X, ...) are kept in order
 * as (key, value) pairs for account.c to apply over the account with the
 * same setters the configuration file uses.  Every value and every
 * recipient is refused if it holds a CR or LF: no argument can inject an
 * SMTP command or a header field.
 */
#ifndef SMTPSEND_CLI_H
#define SMTPSEND_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

struct cli_setting {
	const char	*key;		/* configuration key */
	const char	*value;		/* borrowed from argv or static */
	const char	*option;	/* "--port", for messages */
};

enum cli_mode {
	MODE_SEND,
	MODE_HELP,
	MODE_VERSION,
	MODE_PRETEND,
	MODE_SERVERINFO,
	MODE_SMTP_STDIO,	/* -bs: an SMTP server on stdin and stdout */
	MODE_LIST_QUEUE,	/* -bp, mailq */
	MODE_FLUSH_QUEUE,	/* -q, --flush */
	MODE_QUEUE_REMOVE,	/* --queue-remove ID */
	MODE_QUEUE_RETRY,	/* --queue-retry ID */
	MODE_NEWALIASES,	/* -bi, newaliases: nothing to rebuild */
};

struct options {
	enum cli_mode	 mode;
	bool		 read_recipients;	/* -t */
	bool		 ignore_dots;		/* -i, -oi */
	bool		 read_envelope_from;
	const char	*from;			/* -f, -r, --from */
	const char	*conf_file;		/* -C, --file */
	const char	*account;		/* -a, --account */
	const char	*host;			/* --host: no configuration file */
	int		 debug;			/* 1: --debug, 2: --debug=body */
	const char	*envid;			/* -V: DSN envelope id (RFC 3461) */
	bool		 flush_all;		/* -q, --flush=all: not only due items */
	bool		 json;			/* --json: queue listing as JSON */
	const char	*queue_id;		/* --queue-remove, --queue-retry */
	int		 body;			/* -B: 7, 8, or 0 when not given */

	struct cli_setting *settings;
	size_t		 nsettings;
	char		**rcpts;		/* borrowed from argv */
	size_t		 nrcpts;
};

void	options_init(struct options *);
void	options_release(struct options *);

/*
 * ERR_USAGE on any problem; e names the option.  The program's name picks
 * the personality first: "mailq" lists the queue, "newaliases" does
 * nothing and succeeds, anything else ("sendmail", "smtpsend") sends.
 */
int	cli_parse(struct options *, int argc, char **argv, struct err *);

void	cli_help(FILE *);
void	cli_version(FILE *);

#endif
