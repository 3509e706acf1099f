/*
 * err.h - the first failure of a run, described once.
 *
 * Every function that can fail returns -1 and fills a struct err that its
 * caller passed down.  Nothing below main.c prints an error: main.c prints
 * "smtpsend: TEXT" (and the server's words, if any) and exits with
 * err_exit_code().  The record is fixed-size so error paths never allocate.
 */
#ifndef SMTPSEND_ERR_H
#define SMTPSEND_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* One kind per sysexits(3) code smtpsend uses; see the table in err.c. */
enum err_kind {
	ERR_NONE = 0,
	ERR_USAGE,		/* 64 EX_USAGE: bad command line */
	ERR_DATA,		/* 65 EX_DATAERR: the message cannot be sent as is */
	ERR_NOINPUT,		/* 66 EX_NOINPUT: no standard input, missing file */
	ERR_NOUSER,		/* 67 EX_NOUSER: recipient unknown (5.1.x) */
	ERR_NOHOST,		/* 68 EX_NOHOST: host name does not resolve */
	ERR_UNAVAILABLE,	/* 69 EX_UNAVAILABLE: permanent refusal */
	ERR_SOFTWARE,		/* 70 EX_SOFTWARE: internal error */
	ERR_OSERR,		/* 71 EX_OSERR: fork, memory, ... */
	ERR_IOERR,		/* 74 EX_IOERR: local read or write failed */
	ERR_TEMPFAIL,		/* 75 EX_TEMPFAIL: try again later */
	ERR_PROTOCOL,		/* 76 EX_PROTOCOL: the server broke the protocol */
	ERR_NOPERM,		/* 77 EX_NOPERM: refused credentials or identity */
	ERR_CONFIG,		/* 78 EX_CONFIG: bad or unsafe configuration */
};

#define ERR_TEXT_MAX	512
#define ERR_SERVER_MAX	512

struct err {
	enum err_kind	kind;
	int		reply_code;		/* 0 when no server reply is involved */
	char		status[16];		/* enhanced status code, "" if none */
	char		text[ERR_TEXT_MAX];	/* one line, lower case, no final period */
	char		server[ERR_SERVER_MAX];	/* server's reply text, printable */
};

void	err_init(struct err *);

/* Fills e unless it already holds an error; always returns -1. */
int	err_set(struct err *, enum err_kind, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	err_vset(struct err *, enum err_kind, const char *fmt, va_list)
	    __attribute__((format(printf, 3, 0)));

/*
 * Attaches the server's reply (code, enhanced status, text) to an error
 * that has just been set.  Text is copied and cut at ERR_SERVER_MAX.
 */
void	err_set_reply(struct err *, int code, const char *status,
	    const char *text);

/* Drops a recorded error, for the rare caller that recovers from one. */
void	err_clear(struct err *);

int		err_exit_code(const struct err *);	/* 0 for ERR_NONE */
enum err_kind	err_kind_of_exit(int code);
const char	*err_exit_name(int code);	/* "EX_OK", "EX_TEMPFAIL", ... */

#endif
