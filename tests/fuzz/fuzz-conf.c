/*
 * fuzz-conf.c - libFuzzer target for the configuration parser (conf.c).
 *
 * The input is parsed twice, as a system file and then as a user file, so
 * replacement and cross-file inheritance run too; then every value of
 * every account is formatted and copied.  Beyond the sanitizers, it
 * checks the promises conf.h makes: names without ':' or ',', origins
 * inside the conf, a failed parse that changes nothing.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "xalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* "echo TEXT" prints TEXT; anything else fails, as a missing command would. */
static int
fuzz_eval(void *ctx, const char *cmd, char **line, struct err *e)
{
	(void)ctx;
	if (strncmp(cmd, "echo ", 5) == 0) {
		*line = xstrdup(cmd + 5);
		return 0;
	}
	return err_set(e, ERR_CONFIG, "cannot run '%s'", cmd);
}

static bool
origin_ok(const struct conf *c, const struct conf_origin *o)
{
	size_t i;

	for (i = 0; i < c->nfiles; i++)
		if (o->file == c->files[i])
			return o->line > 0;
	return false;
}

static void
check(const struct conf *c)
{
	const struct account	*a;
	struct account		*d;
	char			 buf[64];
	size_t			 i, k;

	for (i = 0; i < c->naccounts; i++) {
		a = c->accounts[i];
		if (a->name == NULL || *a->name == '\0' ||
		    strpbrk(a->name, ":,") != NULL ||
		    conf_find(c, a->name) != a)
			abort();
		for (k = 0; k < K_COUNT; k++) {
			if (a->set[k] && !origin_ok(c, &a->origin[k]))
				abort();
			conf_format_value(a, (enum conf_key)k, buf,
			    sizeof(buf));
			if (memchr(buf, '\0', sizeof(buf)) == NULL)
				abort();
		}
		d = account_dup(a);
		account_inherit(d, c->accounts[0]);
		account_release(d);
		free(d);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf		 c;
	struct err		 e;
	struct conf_source	 sys = { "sys", "/home/f", fuzz_eval, NULL };
	struct conf_source	 usr = { "usr", NULL, fuzz_eval, NULL };
	size_t			 naccounts, nfiles;

	conf_init(&c);
	err_init(&e);
	if (conf_parse(&c, (const char *)data, size, &sys, &e) == -1 &&
	    (c.naccounts != 0 || c.nfiles != 0 || e.kind == ERR_NONE))
		abort();
	check(&c);
	naccounts = c.naccounts;
	nfiles = c.nfiles;
	err_init(&e);
	if (conf_parse(&c, (const char *)data, size, &usr, &e) == -1) {
		if (c.naccounts != naccounts || c.nfiles != nfiles ||
		    e.text[0] == '\0')
			abort();
	} else if (c.naccounts != naccounts && nfiles != 0)
		abort();	/* same names: every account was replaced */
	check(&c);
	conf_release(&c);
	return 0;
}
