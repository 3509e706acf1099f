/*
 * buf.c - growable byte buffer with a ceiling.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "nls.h"

void
buf_init(struct buf *b, size_t max, enum err_kind kind, const char *what)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->overflow_kind = kind;
	b->what = what;
}

char *
buf_reserve(struct buf *b, size_t n, struct err *e)
{
	size_t	 need, cap;
	char	*p;

	if (n > b->max || b->len > b->max - n) {
		err_set(e, b->overflow_kind, _("%s exceeds %zu bytes"),
		    b->what, b->max);
		return NULL;
	}
	need = b->len + n + 1;		/* + NUL */
	if (need <= b->cap)
		return b->data + b->len;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	if (cap > b->max + 1)
		cap = need > b->max + 1 ? need : b->max + 1;
	if ((p = realloc(b->data, cap)) == NULL) {
		err_set(e, ERR_OSERR, _("out of memory"));
		return NULL;
	}
	b->data = p;
	b->cap = cap;
	return b->data + b->len;
}

int
buf_add(struct buf *b, const void *p, size_t n, struct err *e)
{
	char *dst;

	if ((dst = buf_reserve(b, n, e)) == NULL)
		return -1;
	if (n > 0)
		memcpy(dst, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_addstr(struct buf *b, const char *s, struct err *e)
{
	return buf_add(b, s, strlen(s), e);
}

int
buf_addch(struct buf *b, char c, struct err *e)
{
	return buf_add(b, &c, 1, e);
}

int
buf_printf(struct buf *b, struct err *e, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*dst;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err_set(e, ERR_SOFTWARE, _("invalid format string"));
	if ((dst = buf_reserve(b, (size_t)n, e)) == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(dst, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

char *
buf_detach(struct buf *b)
{
	char *p = b->data;

	if (p == NULL)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
