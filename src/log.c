/*
 * log.c - the per-message log line.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fdio.h"
#include "log.h"
#include "nls.h"

#define LOG_LINE_MAX	(64 * 1024)

/* 'text' with quotes, backslashes and control characters escaped. */
static int
add_quoted(struct buf *b, const char *text, struct err *e)
{
	const unsigned char *p;

	if (buf_addch(b, '\'', e) == -1)
		return -1;
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p == '\'' || *p == '\\') {
			if (buf_addch(b, '\\', e) == -1 ||
			    buf_addch(b, (char)*p, e) == -1)
				return -1;
		} else if (*p < 0x20 || *p == 0x7f) {
			if (buf_printf(b, e, "\\x%02x", *p) == -1)
				return -1;
		} else if (buf_addch(b, (char)*p, e) == -1)
			return -1;
	}
	return buf_addch(b, '\'', e);
}

static int
format_fields(struct buf *b, const struct log_entry *le, struct err *e)
{
	size_t i;

	if (buf_printf(b, e, "host=%s tls=%s auth=%s", le->host ? le->host : "",
	    le->tls ? "on" : "off", le->auth ? "on" : "off") == -1)
		return -1;
	if (le->auth && le->user != NULL &&
	    buf_printf(b, e, " user=%s", le->user) == -1)
		return -1;
	if (buf_printf(b, e, " from=%s recipients=", le->from ? le->from : "") == -1)
		return -1;
	for (i = 0; i < le->nrcpts; i++)
		if (buf_printf(b, e, "%s%s", i ? "," : "", le->rcpts[i]) == -1)
			return -1;
	if (le->exitcode == 0 &&
	    buf_printf(b, e, " mailsize=%llu",
	    (unsigned long long)le->mailsize) == -1)
		return -1;
	if (le->smtpstatus != 0 &&
	    buf_printf(b, e, " smtpstatus=%d", le->smtpstatus) == -1)
		return -1;
	if (le->exitcode == 0 && le->server_id != NULL &&
	    *le->server_id != '\0' &&
	    buf_printf(b, e, " serverid=%s", le->server_id) == -1)
		return -1;
	if (le->exitcode != 0 && le->smtpmsg != NULL && *le->smtpmsg != '\0' &&
	    (buf_addstr(b, " smtpmsg=", e) == -1 ||
	    add_quoted(b, le->smtpmsg, e) == -1))
		return -1;
	if (le->errormsg != NULL && *le->errormsg != '\0' &&
	    (buf_addstr(b, " errormsg=", e) == -1 ||
	    add_quoted(b, le->errormsg, e) == -1))
		return -1;
	if (le->queue_id != NULL &&
	    buf_printf(b, e, " queue=%s:%s", le->queue_id,
	    le->queue_state != NULL ? le->queue_state : "") == -1)
		return -1;
	return buf_printf(b, e, " exitcode=%s", err_exit_name(le->exitcode));
}

static int
facility_of(const char *name, int *out)
{
	static const struct {
		const char	*name;
		int		 value;
	} table[] = {
		{ "LOG_USER", LOG_USER }, { "LOG_MAIL", LOG_MAIL },
		{ "LOG_LOCAL0", LOG_LOCAL0 }, { "LOG_LOCAL1", LOG_LOCAL1 },
		{ "LOG_LOCAL2", LOG_LOCAL2 }, { "LOG_LOCAL3", LOG_LOCAL3 },
		{ "LOG_LOCAL4", LOG_LOCAL4 }, { "LOG_LOCAL5", LOG_LOCAL5 },
		{ "LOG_LOCAL6", LOG_LOCAL6 }, { "LOG_LOCAL7", LOG_LOCAL7 },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(name, table[i].name) == 0) {
			*out = table[i].value;
			return 0;
		}
	return -1;
}

int
log_message(const char *path, const char *time_format,
    const char *syslog_facility, const struct log_entry *le, struct err *e)
{
	struct buf	fields, line;
	char		stamp[256];
	struct tm	tm;
	time_t		now = time(NULL);
	int		fd, facility, rc = -1;

	buf_init(&fields, LOG_LINE_MAX, ERR_IOERR, _("the log line"));
	buf_init(&line, LOG_LINE_MAX + sizeof(stamp) + 2, ERR_IOERR,
	    _("the log line"));
	if (format_fields(&fields, le, e) == -1)
		goto out;
	if (syslog_facility != NULL) {
		if (facility_of(syslog_facility, &facility) == -1) {
			err_set(e, ERR_CONFIG, _("unknown syslog facility '%s'"),
			    syslog_facility);
			goto out;
		}
		openlog("smtpsend", LOG_PID, facility);
		syslog(le->exitcode == 0 ? LOG_INFO : LOG_ERR, "%s", fields.data);
		closelog();
	}
	if (path != NULL && *path != '\0') {
		if (time_format == NULL || *time_format == '\0')
			time_format = "%b %d %H:%M:%S";
		/* The format is the user's own setting (logfile_time_format). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		if (localtime_r(&now, &tm) == NULL ||
		    strftime(stamp, sizeof(stamp), time_format, &tm) == 0)
			stamp[0] = '\0';
#pragma GCC diagnostic pop
		if (buf_printf(&line, e, "%s%s%s\n", stamp, stamp[0] ? " " : "",
		    fields.data) == -1)
			goto out;
		if (strcmp(path, "-") == 0)
			fd = STDOUT_FILENO;
		else if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0600)) == -1) {
			err_set(e, ERR_IOERR, _("cannot open log file '%s': %s"),
			    path, strerror(errno));
			goto out;
		}
		/* One write with O_APPEND: concurrent runs never mix lines. */
		if (fdio_write_all(fd, line.data, line.len) == -1) {
			err_set(e, ERR_IOERR, _("cannot write log file '%s': %s"),
			    path, strerror(errno));
			if (fd != STDOUT_FILENO)
				close(fd);
			goto out;
		}
		if (fd != STDOUT_FILENO && close(fd) == -1) {
			err_set(e, ERR_IOERR, _("cannot write log file '%s': %s"),
			    path, strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	buf_release(&fields);
	buf_release(&line);
	return rc;
}
