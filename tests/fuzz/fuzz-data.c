/*
 * fuzz-data.c - the body encoder on arbitrary bytes, split at a point
 * taken from the input.  Checks the output invariants, not just survival:
 * every line ends in CRLF, no bare CR or LF, no unstuffed leading dot.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"

static void
check_output(const char *o, size_t n)
{
	size_t i;
	int bol = 1;

	for (i = 0; i < n; i++) {
		if (o[i] == '\r' && (i + 1 >= n || o[i + 1] != '\n'))
			abort();	/* bare CR */
		if (o[i] == '\n' && (i == 0 || o[i - 1] != '\r'))
			abort();	/* bare LF */
		if (bol && o[i] == '.' && !(i + 1 < n && o[i + 1] == '.')) {
			/* only the final ".\r\n" may be an unstuffed dot line */
			if (!(i + 3 == n && o[i + 1] == '\r'))
				abort();
		}
		if (bol && o[i] == '.' && i + 1 < n && o[i + 1] == '.')
			i++;	/* skip the stuffed pair */
		bol = o[i] == '\n';
	}
	if (n < 3 || memcmp(o + n - 3, ".\r\n", 3) != 0)
		abort();
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct data_enc	 d;
	struct err	 e;
	char		*out;
	size_t		 split, used, outlen, o = 0, off = 0;
	unsigned	 flags = DATA_DOTSTUFF;
	int		 rc = 0;

	if (size < 2)
		return 0;
	flags |= (data[0] & 1) ? DATA_DOT_ENDS_INPUT : 0;
	split = data[1];
	data += 2;
	size -= 2;
	out = malloc(DATA_ENC_BOUND(size) + DATA_ENC_FINISH_MAX);
	data_enc_init(&d, flags, 1);
	err_init(&e);
	while (off < size && rc == 0) {
		size_t len = split == 0 || split > size - off ? size - off : split;

		rc = data_enc_feed(&d, (const char *)data + off, len, &used,
		    out + o, &outlen, &e);
		if (rc == -1)
			break;
		o += outlen;
		off += used;
	}
	if (rc != -1) {
		o += data_enc_finish(&d, out + o);
		check_output(out, o);
	}
	free(out);
	return 0;
}
