/*
 * bs.h - sendmail -bs: an SMTP server on standard input and output.
 *
 * Some programs (Symfony Mailer's default sendmail transport) do not pipe
 * a message to sendmail but speak SMTP to "sendmail -bs".  This module is
 * that small server: greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
 * VRFY, HELP, QUIT.  Each message is spooled to an unlinked temporary
 * file (memory stays flat) and handed to deliver(), which submits it the
 * normal way; the reply says what really happened: 250 when the server
 * accepted it, 4xx for a temporary failure, 5xx for a permanent one.
 */
#ifndef SMTPSEND_BS_H
#define SMTPSEND_BS_H

#include <stddef.h>

#include "err.h"

/*
 * Submits one transaction: the message is in fd (positioned at 0, plain
 * text with LF or CRLF line ends, dot-unstuffed).  Returns 0 or -1 with e.
 */
typedef int bs_deliver_fn(void *ctx, const char *sender, char *const *rcpts,
    size_t nrcpts, int fd, struct err *e);

/*
 * Serves one session on in/out until QUIT or the end of input.  Returns
 * 0, or -1 (e filled) when standard input or output fails.
 */
int	bs_serve(int in, int out, const char *hostname, bs_deliver_fn *,
	    void *ctx, struct err *);

#endif
