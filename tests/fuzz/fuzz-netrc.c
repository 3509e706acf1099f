/*
 * fuzz-netrc.c - the .netrc parser on arbitrary text, for two names.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "netrc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	free(netrc_find((const char *)data, size, "mx.test", "joe"));
	free(netrc_find((const char *)data, size, "other", ""));
	return 0;
}
