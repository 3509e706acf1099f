/*
 * test-data.c - the body encoder: line ends, dot-stuffing, limits, and
 * the SMTP smuggling sequences, fed whole and split at every byte.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "tap.h"

/*
 * Encodes in[0..n) in pieces of at most `piece` bytes; returns the output
 * (NUL-terminated, caller frees) or NULL on error, with *rc the last code.
 */
static char *
encode(const char *in, size_t n, unsigned flags, size_t piece, int *rc,
    struct err *e, size_t *consumed)
{
	struct data_enc	 d;
	char		*out = malloc(DATA_ENC_BOUND(n) + DATA_ENC_FINISH_MAX + 1);
	size_t		 off = 0, o = 0, used, outlen, len;

	data_enc_init(&d, flags, 1);
	*rc = 0;
	while (off < n) {
		len = n - off < piece ? n - off : piece;
		*rc = data_enc_feed(&d, in + off, len, &used, out + o, &outlen, e);
		if (*rc == -1) {
			free(out);
			return NULL;
		}
		o += outlen;
		off += used;
		if (*rc == 1)
			break;
	}
	if (consumed != NULL)
		*consumed = off;
	o += data_enc_finish(&d, out + o);
	out[o] = '\0';
	return out;
}

/* Checks one input against one expected output, whole and split. */
static void
check(const char *name, const char *in, const char *want, unsigned flags)
{
	size_t	n = strlen(in), piece;
	int	rc;
	char	*got;
	struct err e;
	bool	all_same = true;

	err_init(&e);
	got = encode(in, n, flags, n ? n : 1, &rc, &e, NULL);
	is_str(got, want, "%s", name);
	free(got);
	for (piece = 1; piece < n && piece <= 7; piece++) {
		err_init(&e);
		got = encode(in, n, flags, piece, &rc, &e, NULL);
		if (got == NULL || strcmp(got, want) != 0) {
			all_same = false;
			tap_diag_str("split got", got);
		}
		free(got);
	}
	ok(all_same, "%s (split into pieces of 1..7 bytes)", name);
}

int
main(void)
{
	const unsigned S = DATA_DOTSTUFF;
	struct err	e;
	char		*got, *big;
	int		rc;
	size_t		consumed;

	/* Line ends: LF, CR, CRLF all become CRLF. */
	check("LF", "a\nb\n", "a\r\nb\r\n.\r\n", S);
	check("CRLF kept", "a\r\nb\r\n", "a\r\nb\r\n.\r\n", S);
	check("bare CR", "a\rb\r", "a\r\nb\r\n.\r\n", S);
	check("CR CR LF is two lines", "a\r\r\nb", "a\r\n\r\nb\r\n.\r\n", S);
	check("LF CR is two line ends", "a\n\rb\n", "a\r\n\r\nb\r\n.\r\n", S);
	check("missing final line end", "a\nb", "a\r\nb\r\n.\r\n", S);
	check("empty message", "", ".\r\n", S);
	check("only a line end", "\n", "\r\n.\r\n", S);
	check("empty lines", "\n\n\n", "\r\n\r\n\r\n.\r\n", S);

	/* Transparency (RFC 5321 4.5.2). */
	check("leading dot stuffed", ".a\n", "..a\r\n.\r\n", S);
	check("lone dot stuffed", "a\n.\nb\n", "a\r\n..\r\nb\r\n.\r\n", S);
	check("dot first line", ".\n", "..\r\n.\r\n", S);
	check("dots only mid-line untouched", "a.b\n.\n", "a.b\r\n..\r\n.\r\n", S);
	check("two dots", "..\n", "...\r\n.\r\n", S);
	check("no stuffing without the flag", ".a\n", ".a\r\n", 0);
	check("no final dot without the flag", "a", "a\r\n", 0);

	/* The SMTP smuggling sequences: never an ambiguous end of data. */
	check("smuggle LF.LF", "a\n.\nMAIL FROM:<x>\n",
	    "a\r\n..\r\nMAIL FROM:<x>\r\n.\r\n", S);
	check("smuggle CR.CR", "a\r.\rRCPT TO:<x>\r",
	    "a\r\n..\r\nRCPT TO:<x>\r\n.\r\n", S);
	check("smuggle LF.CRLF", "a\n.\r\nDATA\r\n",
	    "a\r\n..\r\nDATA\r\n.\r\n", S);
	check("smuggle CRLF.LF", "a\r\n.\nb\r\n", "a\r\n..\r\nb\r\n.\r\n", S);
	check("smuggle CR.LF", "a\r.\nb", "a\r\n..\r\nb\r\n.\r\n", S);
	check("smuggle CRLF.CR", "a\r\n.\rb", "a\r\n..\r\nb\r\n.\r\n", S);

	/* Sendmail without -i: a lone "." ends the input. */
	check("lone dot ends input", "a\n.\nb\n", "a\r\n.\r\n",
	    S | DATA_DOT_ENDS_INPUT);
	check("lone dot CRLF ends input", "a\r\n.\r\nb\r\n", "a\r\n.\r\n",
	    S | DATA_DOT_ENDS_INPUT);
	check("lone dot CR ends input", "a\r.\rb\r", "a\r\n.\r\n",
	    S | DATA_DOT_ENDS_INPUT);
	check("lone dot at EOF ends input", "a\n.", "a\r\n.\r\n",
	    S | DATA_DOT_ENDS_INPUT);
	check("dot with text does not end input", "a\n.b\nc\n",
	    "a\r\n..b\r\nc\r\n.\r\n", S | DATA_DOT_ENDS_INPUT);
	check("dot at line start mid-line only", "a.\nb\n", "a.\r\nb\r\n.\r\n",
	    S | DATA_DOT_ENDS_INPUT);
	check("lone dot first line", ".\nb\n", ".\r\n", S | DATA_DOT_ENDS_INPUT);

	err_init(&e);
	got = encode("a\n.\nrest\n", 10, S | DATA_DOT_ENDS_INPUT, 10, &rc, &e,
	    &consumed);
	is_int(rc, 1, "lone dot returns 1");
	is_int(consumed, 4, "the rest after the lone dot is not consumed");
	free(got);

	/* NUL and line length. */
	err_init(&e);
	got = encode("a\nb\0c\n", 6, S, 6, &rc, &e, NULL);
	ok(got == NULL && rc == -1, "NUL refused");
	is_int(e.kind, ERR_DATA, "NUL is ERR_DATA");
	ok(strstr(e.text, "line 2") != NULL, "NUL error names line 2: %s", e.text);

	big = malloc(2100);
	memset(big, 'x', 2100);
	big[998] = '\n';
	err_init(&e);
	got = encode(big, 999, S, 999, &rc, &e, NULL);
	ok(got != NULL, "998-octet line accepted");
	ok(got != NULL && strlen(got) == 998 + 2 + 3, "998-octet line intact");
	free(got);
	big[998] = 'x';
	big[999] = '\n';
	err_init(&e);
	got = encode(big, 1000, S, 1000, &rc, &e, NULL);
	ok(got == NULL && e.kind == ERR_DATA, "999-octet line refused");
	ok(strstr(e.text, "line 1 ") != NULL, "long line names line 1: %s", e.text);
	err_init(&e);
	got = encode(big, 1000, S, 7, &rc, &e, NULL);
	ok(got == NULL && e.kind == ERR_DATA, "999-octet line refused when split");
	/* 998 octets with CRLF, and a dot-stuffed 998-octet line. */
	memset(big, 'x', 2100);
	big[998] = '\r';
	big[999] = '\n';
	err_init(&e);
	got = encode(big, 1000, S, 3, &rc, &e, NULL);
	ok(got != NULL, "998 octets + CRLF accepted");
	free(got);
	big[0] = '.';
	err_init(&e);
	got = encode(big, 1000, S, 1000, &rc, &e, NULL);
	ok(got != NULL && got[0] == '.' && got[1] == '.' && strlen(got) == 1001 + 3,
	    "stuffed dot does not count against the limit");
	free(got);
	memset(big, 'y', 2100);
	big[10] = '\n';
	big[1010] = '\n';
	err_init(&e);
	got = encode(big, 1100, S, 1100, &rc, &e, NULL);
	ok(got == NULL && strstr(e.text, "line 2 ") != NULL,
	    "a later long line is numbered: %s", e.text);
	free(big);

	/* Line numbers start where the caller says. */
	{
		struct data_enc d;
		char out[64];
		size_t used, outlen;

		data_enc_init(&d, S, 40);
		err_init(&e);
		rc = data_enc_feed(&d, "a\n\0", 3, &used, out, &outlen, &e);
		ok(rc == -1 && strstr(e.text, "line 41") != NULL,
		    "first_line offsets the count: %s", e.text);
	}
	{
		err_init(&e);
		is_int((int)data_enc_size("a\nb", 3, 0, &e), 6,
		    "size: LF becomes CRLF, the last line is ended");
		is_int((int)data_enc_size("a\r\n", 3, 0, &e), 3,
		    "size: CRLF input as it is");
		is_int((int)data_enc_size(".x\n", 3, DATA_DOTSTUFF, &e), 8,
		    "size with dot-stuffing counts the dot and the end line");
		is_int((int)data_enc_size("a\n.\nrest\n", 10, DATA_DOT_ENDS_INPUT,
		    &e), 3, "size stops at a lone dot");
		is_int((int)data_enc_size("", 0, 0, &e), 0, "size of nothing");
		is_int((int)data_enc_size("a\0b", 3, 0, &e), -1, "size: NUL fails");
	}
	return tap_done();
}
