/*
 * aliases.c - alias file parsing and recursive expansion.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aliases.h"
#include "nls.h"
#include "xalloc.h"

struct entry {
	char	*name;
	char	**values;
	size_t	  nvalues;
	unsigned  line;
};

struct aliases {
	struct entry	*v;
	size_t		 n;
	char		*file;
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *
trim_copy(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	while (end > p && (is_blank(end[-1]) || end[-1] == '\r'))
		end--;
	return xstrndup(p, (size_t)(end - p));
}

/* Splits "a, b ,c" into the entry's values. */
static int
add_values(struct aliases *al, struct entry *en, const char *p,
    const char *end, struct err *e)
{
	const char *comma;

	while (p < end) {
		char *v;

		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL)
			comma = end;
		v = trim_copy(p, comma);
		if (*v == '\0') {
			free(v);
		} else if (*v == '|' || *v == '/' || *v == ':') {
			free(v);
			return err_set(e, ERR_CONFIG,
			    _("%s:%u: alias '%s': programs, files and includes "
			    "are not supported, only addresses"), al->file,
			    en->line, en->name);
		} else if (strpbrk(v, " \t<>") != NULL) {
			err_set(e, ERR_CONFIG,
			    _("%s:%u: alias '%s': '%s' is not an address"),
			    al->file, en->line, en->name, v);
			free(v);
			return -1;
		} else {
			en->values = xreallocarray(en->values, en->nvalues + 1,
			    sizeof(*en->values));
			en->values[en->nvalues++] = v;
		}
		p = comma + 1;
	}
	return 0;
}

int
aliases_parse(struct aliases **out, const char *text, size_t len,
    const char *file, struct err *e)
{
	struct aliases	*al = xcalloc(1, sizeof(*al));
	const char	*p = text, *end = text + len, *nl, *lend, *colon, *hash;
	struct entry	*cur = NULL;
	unsigned	 line = 0;
	size_t		 i;

	*out = NULL;
	al->file = xstrdup(file);
	for (; p < end; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL) {
			err_set(e, ERR_CONFIG, _("%s:%u: NUL byte"), file, line);
			goto fail;
		}
		lend = nl;
		if ((hash = memchr(p, '#', (size_t)(lend - p))) != NULL)
			lend = hash;
		if (p < lend && is_blank(*p)) {
			/* A continuation of the entry above. */
			const char *q = p;

			while (q < lend && (is_blank(*q) || *q == '\r'))
				q++;
			if (q == lend)
				continue;
			if (cur == NULL) {
				err_set(e, ERR_CONFIG,
				    _("%s:%u: a continuation line with no alias "
				    "before it"), file, line);
				goto fail;
			}
			if (add_values(al, cur, q, lend, e) == -1)
				goto fail;
			continue;
		}
		{
			const char *q = p;

			while (q < lend && (is_blank(*q) || *q == '\r'))
				q++;
			if (q == lend) {
				cur = NULL;
				continue;
			}
		}
		if ((colon = memchr(p, ':', (size_t)(lend - p))) == NULL) {
			err_set(e, ERR_CONFIG, _("%s:%u: no ':' after the alias name"),
			    file, line);
			goto fail;
		}
		al->v = xreallocarray(al->v, al->n + 1, sizeof(*al->v));
		cur = &al->v[al->n++];
		memset(cur, 0, sizeof(*cur));
		cur->line = line;
		cur->name = trim_copy(p, colon);
		if (*cur->name == '\0' || strpbrk(cur->name, " \t@") != NULL) {
			err_set(e, ERR_CONFIG, _("%s:%u: '%s' is not a local name"),
			    file, line, cur->name);
			goto fail;
		}
		for (i = 0; i + 1 < al->n; i++)
			if (strcasecmp(al->v[i].name, cur->name) == 0) {
				err_set(e, ERR_CONFIG,
				    _("%s:%u: alias '%s' was already defined on "
				    "line %u"), file, line, cur->name, al->v[i].line);
				goto fail;
			}
		if (add_values(al, cur, colon + 1, lend, e) == -1)
			goto fail;
	}
	*out = al;
	return 0;
fail:
	aliases_free(al);
	return -1;
}

void
aliases_free(struct aliases *al)
{
	size_t i;

	if (al == NULL)
		return;
	for (i = 0; i < al->n; i++) {
		free(al->v[i].name);
		aliases_free_list(al->v[i].values, al->v[i].nvalues);
	}
	free(al->v);
	free(al->file);
	free(al);
}

void
aliases_free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static const struct entry *
find(const struct aliases *al, const char *name)
{
	size_t i;

	for (i = 0; i < al->n; i++)
		if (strcasecmp(al->v[i].name, name) == 0)
			return &al->v[i];
	return NULL;
}

static void
push(char ***out, size_t *n, const char *s)
{
	*out = xreallocarray(*out, *n + 1, sizeof(**out));
	(*out)[(*n)++] = xstrdup(s);
}

/* path holds the names being expanded, to find loops. */
static int
expand(const struct aliases *al, const char *addr, const char **path,
    size_t depth, char ***out, size_t *n, struct err *e)
{
	const struct entry	*en;
	size_t			 i;

	if (strchr(addr, '@') != NULL) {
		push(out, n, addr);
		return 0;
	}
	for (i = 0; i < depth; i++)
		if (strcasecmp(path[i], addr) == 0)
			return err_set(e, ERR_CONFIG,
			    _("%s: the aliases loop: '%s' leads back to itself"),
			    al->file, addr);
	if (depth >= ALIASES_MAX_DEPTH)
		return err_set(e, ERR_CONFIG,
		    _("%s: aliases nested more than %d deep at '%s'"), al->file,
		    ALIASES_MAX_DEPTH, addr);
	en = find(al, addr);
	if (en == NULL && depth == 0)
		en = find(al, "default");
	if (en == NULL) {
		push(out, n, addr);
		return 0;
	}
	path[depth] = addr;
	for (i = 0; i < en->nvalues; i++)
		if (expand(al, en->values[i], path, depth + 1, out, n, e) == -1)
			return -1;
	return 0;
}

int
aliases_expand(const struct aliases *al, const char *addr, char ***out,
    size_t *n, struct err *e)
{
	const char *path[ALIASES_MAX_DEPTH + 1];

	return expand(al, addr, path, 0, out, n, e);
}
