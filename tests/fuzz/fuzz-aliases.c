/*
 * fuzz-aliases.c - parse an aliases file and expand a few names.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "aliases.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "root", "a", "default", "x@y" };
	struct aliases	*al = NULL;
	struct err	 e;
	char		**v;
	size_t		 n, i;

	err_init(&e);
	if (aliases_parse(&al, (const char *)data, size, "f", &e) == -1)
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		v = NULL;
		n = 0;
		err_init(&e);
		(void)aliases_expand(al, names[i], &v, &n, &e);
		aliases_free_list(v, n);
	}
	aliases_free(al);
	return 0;
}
