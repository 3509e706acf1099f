/*
 * fuzz-reply.c - reply assembly and capability parsing on arbitrary
 * lines (the input split at LF).
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct reply	 r;
	struct caps		 c;
	struct err		 e;
	char			 sum[256];
	const char		*p = (const char *)data, *end = p + size, *nl;
	int			 rc = 0;

	reply_init(&r);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		err_init(&e);
		rc = reply_feed(&r, p, (size_t)(nl - p), &e);
		if (rc != 0) {
			if (rc == 1) {
				reply_caps(&r, &c);
				reply_summary(&r, sum, sizeof(sum));
				if (strlen(sum) >= sizeof(sum) || r.code < 200 ||
				    r.code > 599)
					abort();
			}
			reply_init(&r);
		}
		p = nl + 1;
	}
	return 0;
}
