/*
 * aliases.h - msmtp's aliases file: local recipients to addresses.
 *
 * Pure.  The format: "name: address, address, ..." per entry, "#" starts
 * a comment, a line that begins with a blank continues the entry before
 * it, and the name "default" matches any local name the file does not
 * list (only a recipient as given, never the result of an expansion).
 * A local recipient is one without "@".  Names compare without case.
 * Expansion is recursive: a local name in an entry is looked up again;
 * a loop is an error.  Only the envelope changes: To and Cc fields are
 * left as they are.
 */
#ifndef SMTPSEND_ALIASES_H
#define SMTPSEND_ALIASES_H

#include <stddef.h>

#include "err.h"

#define ALIASES_MAX_DEPTH	32

struct aliases;

/* Errors (ERR_CONFIG) are "FILE:LINE: what". */
int	aliases_parse(struct aliases **, const char *text, size_t len,
	    const char *file, struct err *);
void	aliases_free(struct aliases *);

/*
 * Appends what addr stands for to *out (n entries, allocated strings the
 * caller frees with aliases_free_list()): addr itself when it is not
 * local or not listed, else the expansion.
 */
int	aliases_expand(const struct aliases *, const char *addr, char ***out,
	    size_t *n, struct err *);
void	aliases_free_list(char **, size_t);

#endif
