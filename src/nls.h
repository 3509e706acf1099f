/*
 * nls.h - gettext glue.  Every user-visible string goes through _();
 * N_() marks a string for translation where it is stored, not printed.
 */
#ifndef SMTPSEND_NLS_H
#define SMTPSEND_NLS_H

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s)	gettext(s)
#else
#define _(s)	(s)
#endif
#define N_(s)	(s)

#endif
