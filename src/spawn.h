/*
 * spawn.h - run a configured shell command and take its first line.
 *
 * Used for msmtp's "eval" (and later "passwordeval").  The command runs
 * with /bin/sh -c, standard input from /dev/null (ours carries the
 * message, which a child must never consume), standard output read up to
 * the first line end (no length limit), standard error kept (first 1 KiB)
 * for the error message.  A non-zero exit status is an error.  The output
 * may be a secret (eval password ..., passwordeval): every buffer that
 * held it is wiped.
 */
#ifndef SMTPSEND_SPAWN_H
#define SMTPSEND_SPAWN_H

#include <stddef.h>

#include "err.h"

/*
 * The bound on an eval command (the configuration is read before any
 * timeout is known); passwordeval gets five times the account's timeout
 * (300 s by default).  Generous, since either may be gpg waiting for a
 * passphrase typed at a pinentry, but a bound.
 */
#define SPAWN_EVAL_TIMEOUT_S	300

/* *line is allocated; what names the command in messages ("eval"). */
int	spawn_first_line(const char *cmd, const char *what, int timeout_s,
	    char **line, struct err *);

/*
 * Runs cmd with data on its standard input, its standard output going to
 * our standard error, var=value in its environment (var may be NULL),
 * and kills it when it has not finished after timeout_s.  A non-zero
 * exit status is an error.
 */
int	spawn_feed(const char *cmd, const char *what, const char *var,
	    const char *value, const char *data, size_t len, int timeout_s,
	    struct err *);

#endif
