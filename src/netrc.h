/*
 * netrc.h - find a login's password in the text of a .netrc file.
 *
 * Pure.  The format is ftp(1)'s: whitespace-separated tokens "machine
 * NAME", "default", "login NAME", "password SECRET", "account X" and
 * "macdef NAME" (whose body runs to the next empty line and is skipped).
 * Tokens may be double-quoted, with backslash escaping the next character.
 * The first entry whose machine is host (or the default entry, if none
 * is) and whose login is user, or has no login, gives the password.
 */
#ifndef SMTPSEND_NETRC_H
#define SMTPSEND_NETRC_H

#include <stddef.h>

/*
 * Returns a newly allocated password, or NULL when there is none (or on
 * allocation failure).  The caller wipes and frees it.
 */
char	*netrc_find(const char *text, size_t len, const char *host,
	    const char *user);

#endif
