/*
 * test-aliases.c - the aliases file and its recursive expansion.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "tap.h"

/* The expansion of addr joined by spaces, or "ERR: text". */
static const char *
expand(const struct aliases *al, const char *addr)
{
	static char	 out[1024];
	char		**v = NULL;
	size_t		 n = 0, i;
	struct err	 e;

	err_init(&e);
	if (aliases_expand(al, addr, &v, &n, &e) == -1) {
		snprintf(out, sizeof(out), "ERR: %s", e.text);
		aliases_free_list(v, n);
		return out;
	}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, v[i]);
	}
	aliases_free_list(v, n);
	return out;
}

static struct aliases *
parse(const char *text, struct err *e)
{
	struct aliases *al = NULL;

	err_init(e);
	aliases_parse(&al, text, strlen(text), "aliases", e);
	return al;
}

int
main(void)
{
	struct aliases	*al;
	struct err	 e;

	al = parse("# comment\n"
	    "root: joe@example.test, jane@example.test\n"
	    "cron: mark@example.test # trailing comment\n"
	    "team: root,\n"
	    "   extra@example.test\n"
	    "ops: team, cron\n"
	    "Local: nested\n"
	    "nested: deep@example.test\n"
	    "\n"
	    "default: admin@example.test\n", &e);
	ok(al != NULL, "a file with comments, continuation and default parses");
	is_str(expand(al, "root"), "joe@example.test jane@example.test", "two addresses");
	is_str(expand(al, "cron"), "mark@example.test", "trailing comment");
	is_str(expand(al, "team"), "joe@example.test jane@example.test extra@example.test",
	    "recursive, with a continuation line");
	is_str(expand(al, "ops"), "joe@example.test jane@example.test "
	    "extra@example.test mark@example.test", "two levels");
	is_str(expand(al, "ROOT"), "joe@example.test jane@example.test",
	    "names compare without case");
	is_str(expand(al, "local"), "deep@example.test", "names any case, nested");
	is_str(expand(al, "nobody"), "admin@example.test", "default for unknown locals");
	is_str(expand(al, "x@y.test"), "x@y.test", "addresses with @ are kept");
	aliases_free(al);

	al = parse("root: alice\n", &e);
	is_str(expand(al, "root"), "alice", "a local value not listed stays");
	is_str(expand(al, "bob"), "bob", "no default: the name stays");
	aliases_free(al);

	al = parse("default: admin\n", &e);
	is_str(expand(al, "bob"), "admin", "default's own value is not defaulted again");
	aliases_free(al);

	al = parse("a: b\nb: c\nc: a\n", &e);
	ok(strncmp(expand(al, "a"), "ERR: ", 5) == 0 &&
	    strstr(expand(al, "a"), "loop") != NULL, "a loop is an error: %s",
	    expand(al, "a"));
	aliases_free(al);

	al = parse("a: a\n", &e);
	ok(strstr(expand(al, "a"), "loop") != NULL, "a self loop is an error");
	aliases_free(al);

	ok(parse("root joe@example.test\n", &e) == NULL &&
	    strcmp(e.text, "aliases:1: no ':' after the alias name") == 0,
	    "missing colon: %s", e.text);
	ok(parse("root: |/usr/bin/procmail\n", &e) == NULL &&
	    strstr(e.text, "programs, files") != NULL, "pipes refused: %s", e.text);
	ok(parse("root: /var/mail/root\n", &e) == NULL, "files refused");
	ok(parse("a: x@y\na: z@y\n", &e) == NULL &&
	    strstr(e.text, "already defined on line 1") != NULL, "duplicate: %s",
	    e.text);
	ok(parse("  x@y\n", &e) == NULL && strstr(e.text, "continuation") != NULL,
	    "continuation first");
	ok(parse("a@b: x@y\n", &e) == NULL, "a name with @ is not local");
	ok(parse("a: John Doe <j@x>\n", &e) == NULL, "display names are not addresses");
	{
		char text[] = "a: x@y\nb\0: z\n";
		struct aliases *bad = NULL;

		err_init(&e);
		ok(aliases_parse(&bad, text, sizeof(text) - 1, "aliases", &e) == -1 &&
		    strstr(e.text, "aliases:2: NUL") != NULL, "NUL refused");
	}
	al = parse("", &e);
	ok(al != NULL, "an empty file is fine");
	is_str(expand(al, "root"), "root", "nothing to expand");
	aliases_free(al);
	return tap_done();
}
