/*
 * netrc.c - .netrc lookup.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netrc.h"

struct lexer {
	const char	*p;
	const char	*end;
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v' || c == ',';
}

/* The next token into a fresh allocation, or NULL at the end. */
static char *
next_token(struct lexer *lx)
{
	const char	*start;
	char		*out, *o;
	bool		 quoted = false;

	while (lx->p < lx->end && is_space(*lx->p))
		lx->p++;
	if (lx->p >= lx->end)
		return NULL;
	start = lx->p;
	if ((out = malloc((size_t)(lx->end - start) + 1)) == NULL)
		return NULL;
	o = out;
	if (*lx->p == '"') {
		quoted = true;
		lx->p++;
	}
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (quoted ? c == '"' : is_space(c)) {
			if (quoted)
				lx->p++;
			break;
		}
		if (c == '\\' && lx->p + 1 < lx->end) {
			lx->p++;
			c = *lx->p;
		}
		*o++ = c;
		lx->p++;
	}
	*o = '\0';
	return out;
}

/* macdef bodies end at the first empty line. */
static void
skip_macro(struct lexer *lx)
{
	while (lx->p < lx->end) {
		const char *nl = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));

		if (nl == NULL) {
			lx->p = lx->end;
			return;
		}
		lx->p = nl + 1;
		if (lx->p < lx->end && (*lx->p == '\n' ||
		    (*lx->p == '\r' && lx->p + 1 < lx->end && lx->p[1] == '\n')))
			return;
	}
}

static void
wipe_free(char *s)
{
	if (s != NULL) {
		volatile char *v = s;

		while (*v != '\0')
			*v++ = '\0';
		free(s);
	}
}

char *
netrc_find(const char *text, size_t len, const char *host, const char *user)
{
	struct lexer	 lx = { text, text + len };
	char		*tok, *login = NULL, *password = NULL, *found = NULL;
	char		*fallback = NULL;
	bool		 in_entry = false, matches = false, is_default = false;

	for (;;) {
		tok = next_token(&lx);
		if (tok == NULL || strcmp(tok, "machine") == 0 ||
		    strcmp(tok, "default") == 0) {
			/* The previous entry ends here: does it answer? */
			if (in_entry && password != NULL &&
			    (login == NULL || strcmp(login, user) == 0)) {
				if (matches && found == NULL) {
					found = password;
					password = NULL;
				} else if (is_default && fallback == NULL) {
					fallback = password;
					password = NULL;
				}
			}
			free(login);
			wipe_free(password);
			login = password = NULL;
			if (tok == NULL || found != NULL) {
				free(tok);
				break;
			}
			in_entry = true;
			is_default = strcmp(tok, "default") == 0;
			matches = false;
			if (!is_default) {
				char *name = next_token(&lx);

				matches = name != NULL && strcasecmp(name, host) == 0;
				free(name);
			}
			free(tok);
			continue;
		}
		if (strcmp(tok, "login") == 0) {
			free(login);
			login = next_token(&lx);
		} else if (strcmp(tok, "password") == 0) {
			wipe_free(password);
			password = next_token(&lx);
		} else if (strcmp(tok, "account") == 0) {
			wipe_free(next_token(&lx));
		} else if (strcmp(tok, "macdef") == 0) {
			free(next_token(&lx));
			skip_macro(&lx);
		}
		free(tok);
	}
	if (found != NULL) {
		wipe_free(fallback);
		return found;
	}
	return fallback;
}
