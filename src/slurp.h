/*
 * slurp.h - read a whole (small) file: configuration, aliases, netrc.
 */
#ifndef SMTPSEND_SLURP_H
#define SMTPSEND_SLURP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "buf.h"
#include "err.h"

/*
 * Reads path into out (initialised here with ceiling max; errors are
 * kind, naming the file).  Returns 1 when the file does not exist and
 * missing_ok, 0 when read, -1 on error.  st, if not NULL, gets its
 * status.  With secret, every intermediate buffer is wiped.
 */
int	slurp(const char *path, size_t max, enum err_kind, bool missing_ok,
	    bool secret, struct buf *out, struct stat *st, struct err *);

#endif
