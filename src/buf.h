/*
 * buf.h - a growable byte buffer with a hard ceiling set when it is made.
 *
 * Every buffer that input (network, message, configuration) can grow has
 * its ceiling written where it is created.  Going past the ceiling fails
 * with the error kind and the description given to buf_init(), so the
 * message names what overflowed ("header block exceeds 1048576 bytes").
 * The data is always NUL-terminated for convenience; len excludes the NUL.
 */
#ifndef SMTPSEND_BUF_H
#define SMTPSEND_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct buf {
	char		*data;
	size_t		 len;
	size_t		 cap;
	size_t		 max;		/* ceiling for len */
	enum err_kind	 overflow_kind;
	const char	*what;		/* static description for errors */
};

void	buf_init(struct buf *, size_t max, enum err_kind, const char *what);
int	buf_add(struct buf *, const void *, size_t, struct err *);
int	buf_addstr(struct buf *, const char *, struct err *);
int	buf_addch(struct buf *, char, struct err *);
int	buf_printf(struct buf *, struct err *, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Makes room for n more bytes; returns a pointer to them or NULL (e set). */
char	*buf_reserve(struct buf *, size_t n, struct err *);
void	buf_reset(struct buf *);		/* len = 0, keeps memory */
void	buf_release(struct buf *);		/* frees; buffer can be reused */
/* Hands the data over to the caller (who frees it); buffer becomes empty. */
char	*buf_detach(struct buf *);

#endif
