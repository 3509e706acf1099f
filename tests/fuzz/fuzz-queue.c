/*
 * fuzz-queue.c - the parser of queue items (ID.env, read from disk) on
 * arbitrary text; what it accepts must format and parse back the same.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct queue_meta	 m, again;
	struct err		 e;
	char			*text, *text2;

	err_init(&e);
	if (queue_meta_parse((const char *)data, size, &m, &e) == -1)
		return 0;
	if ((text = queue_meta_format(&m)) == NULL) {
		/* Over the size limit once made printable: refused, fine. */
		queue_meta_release(&m);
		return 0;
	}
	err_init(&e);
	if (queue_meta_parse(text, strlen(text), &again, &e) == -1)
		abort();	/* what we write we must read */
	text2 = queue_meta_format(&again);
	if (strcmp(text, text2) != 0)
		abort();
	free(text);
	free(text2);
	queue_meta_release(&m);
	queue_meta_release(&again);
	return 0;
}
