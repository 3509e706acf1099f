/*
 * err.c - the error record and the one table from kinds to sysexits codes.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "err.h"

static const struct {
	enum err_kind	 kind;
	int		 code;
	const char	*name;
} exit_table[] = {
	{ ERR_NONE,		 0, "EX_OK" },
	{ ERR_USAGE,		64, "EX_USAGE" },
	{ ERR_DATA,		65, "EX_DATAERR" },
	{ ERR_NOINPUT,		66, "EX_NOINPUT" },
	{ ERR_NOUSER,		67, "EX_NOUSER" },
	{ ERR_NOHOST,		68, "EX_NOHOST" },
	{ ERR_UNAVAILABLE,	69, "EX_UNAVAILABLE" },
	{ ERR_SOFTWARE,		70, "EX_SOFTWARE" },
	{ ERR_OSERR,		71, "EX_OSERR" },
	{ ERR_IOERR,		74, "EX_IOERR" },
	{ ERR_TEMPFAIL,		75, "EX_TEMPFAIL" },
	{ ERR_PROTOCOL,		76, "EX_PROTOCOL" },
	{ ERR_NOPERM,		77, "EX_NOPERM" },
	{ ERR_CONFIG,		78, "EX_CONFIG" },
};

#define NEXIT	(sizeof(exit_table) / sizeof(exit_table[0]))

void
err_init(struct err *e)
{
	memset(e, 0, sizeof(*e));
}

int
err_vset(struct err *e, enum err_kind kind, const char *fmt, va_list ap)
{
	if (e == NULL || e->kind != ERR_NONE)
		return -1;
	e->kind = kind;
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	return -1;
}

int
err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, kind, fmt, ap);
	va_end(ap);
	return -1;
}

void
err_set_reply(struct err *e, int code, const char *status, const char *text)
{
	if (e == NULL)
		return;
	e->reply_code = code;
	snprintf(e->status, sizeof(e->status), "%s", status ? status : "");
	snprintf(e->server, sizeof(e->server), "%s", text ? text : "");
}

void
err_clear(struct err *e)
{
	err_init(e);
}

int
err_exit_code(const struct err *e)
{
	size_t i;

	for (i = 0; i < NEXIT; i++)
		if (exit_table[i].kind == e->kind)
			return exit_table[i].code;
	return 70;
}

enum err_kind
err_kind_of_exit(int code)
{
	size_t i;

	for (i = 0; i < NEXIT; i++)
		if (exit_table[i].code == code)
			return exit_table[i].kind;
	return ERR_SOFTWARE;
}

const char *
err_exit_name(int code)
{
	size_t i;

	for (i = 0; i < NEXIT; i++)
		if (exit_table[i].code == code)
			return exit_table[i].name;
	return "EX_SOFTWARE";
}
