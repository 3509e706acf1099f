/*
 * bs.c - the -bs SMTP server.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bs.h"
#include "fdio.h"
#include "buf.h"
#include "envelope.h"
#include "nls.h"
#include "xalloc.h"

#define LINE_MAX_OCTETS	(64 * 1024)	/* generous: data lines are checked later */
#define IN_CHUNK	(64 * 1024)

struct session {
	int		 in;
	int		 out;
	char		 rbuf[IN_CHUNK];
	size_t		 rpos;
	size_t		 rlen;
	bool		 eof;
	struct buf	 line;
	bool		 greeted;
	bool		 have_mail;
	struct envelope	 env;
};

static int
write_all(int fd, const char *p, size_t n, struct err *e)
{
	if (fdio_write_all(fd, p, n) == -1)
		return err_set(e, ERR_IOERR,
		    _("cannot write to standard output: %s"), strerror(errno));
	return 0;
}

static int
reply(struct session *s, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
reply(struct session *s, struct err *e, const char *fmt, ...)
{
	char	text[1024];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(text) - 3)
		n = (int)sizeof(text) - 3;
	memcpy(text + n, "\r\n", 2);
	return write_all(s->out, text, (size_t)n + 2, e);
}

/* The next line without its LF (and CR); 0 at the end of input. */
static int
read_line(struct session *s, struct err *e)
{
	char	*nl;
	ssize_t	 n;

	buf_reset(&s->line);
	for (;;) {
		if (s->rpos < s->rlen) {
			size_t avail = s->rlen - s->rpos;

			nl = memchr(s->rbuf + s->rpos, '\n', avail);
			if (nl != NULL) {
				size_t len = (size_t)(nl - (s->rbuf + s->rpos));

				if (buf_add(&s->line, s->rbuf + s->rpos, len, e) == -1)
					return -1;
				s->rpos += len + 1;
				if (s->line.len > 0 &&
				    s->line.data[s->line.len - 1] == '\r')
					s->line.data[--s->line.len] = '\0';
				return 1;
			}
			if (buf_add(&s->line, s->rbuf + s->rpos, avail, e) == -1)
				return -1;
			s->rpos = s->rlen;
		}
		if (s->eof)
			return s->line.len > 0 ? 1 : 0;
		n = read(s->in, s->rbuf, sizeof(s->rbuf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return err_set(e, ERR_IOERR,
			    _("cannot read standard input: %s"), strerror(errno));
		if (n == 0)
			s->eof = true;
		s->rpos = 0;
		s->rlen = (size_t)n;
	}
}

/* "FROM:<addr> params" -> addr; NULL when malformed. */
static char *
path_arg(const char *arg, const char *keyword)
{
	size_t		 k = strlen(keyword);
	const char	*p, *close;

	if (strncasecmp(arg, keyword, k) != 0)
		return NULL;
	p = arg + k;
	while (*p == ' ')
		p++;
	if (*p != '<' || (close = strchr(p, '>')) == NULL)
		return NULL;
	return xstrndup(p + 1, (size_t)(close - p - 1));
}

/* The reply for a delivery failure: 4xx for what may pass later. */
static int
failure_reply(struct session *s, const struct err *fail, struct err *e)
{
	const char *code, *status;

	switch (fail->kind) {
	case ERR_NOUSER:
		code = "550", status = "5.1.1";
		break;
	case ERR_DATA:
		code = "554", status = "5.6.0";
		break;
	case ERR_UNAVAILABLE:
		code = "554", status = "5.0.0";
		break;
	case ERR_NOPERM:
		code = "554", status = "5.7.0";
		break;
	case ERR_NOHOST:
		code = "554", status = "5.4.4";
		break;
	default:	/* temporary, local, configuration: try again later */
		code = "451", status = "4.3.0";
		break;
	}
	if (fail->server[0] != '\0')
		return reply(s, e, "%s %s %s: %s", code, status, fail->text,
		    fail->server);
	return reply(s, e, "%s %s %s", code, status, fail->text);
}

static void
reset(struct session *s)
{
	envelope_release(&s->env);
	envelope_init(&s->env);
	s->have_mail = false;
}

/*
 * DATA: lines to an unlinked temporary file, dot-unstuffed, until ".".
 * Returns the descriptor, -1 on a local error, -2 when the input ended
 * before the final dot (the client went away: nothing is sent).
 */
static int
spool(struct session *s, struct err *e)
{
	char	 path[4096];
	int	 fd, rc;
	const char *tmp = getenv("TMPDIR");

	snprintf(path, sizeof(path), "%s/smtpsend-bs.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if ((fd = mkstemp(path)) == -1)
		return err_set(e, ERR_OSERR, _("cannot create a spool file: %s"),
		    strerror(errno));
	unlink(path);
	for (;;) {
		if ((rc = read_line(s, e)) == -1) {
			close(fd);
			return -1;
		}
		if (rc == 0) {
			close(fd);
			return -2;
		}
		if (s->line.len == 1 && s->line.data[0] == '.')
			break;
		{
			const char *p = s->line.data;
			size_t n = s->line.len;

			if (n > 0 && p[0] == '.') {	/* transparency */
				p++;
				n--;
			}
			if (write_all(fd, p, n, e) == -1 ||
			    write_all(fd, "\n", 1, e) == -1) {
				close(fd);
				return -1;
			}
		}
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		return err_set(e, ERR_OSERR, _("cannot rewind the spool file: %s"),
		    strerror(errno));
	}
	return fd;
}

int
bs_serve(int in, int out, const char *hostname, bs_deliver_fn *deliver,
    void *ctx, struct err *e)
{
	struct session	 s;
	char		*verb, *arg, *addr;
	struct err	 fail;
	int		 rc, fd, result = -1;

	memset(&s, 0, sizeof(s));
	s.in = in;
	s.out = out;
	buf_init(&s.line, LINE_MAX_OCTETS, ERR_DATA, _("an SMTP line"));
	envelope_init(&s.env);
	if (reply(&s, e, "220 %s ESMTP smtpsend (local submission)", hostname) == -1)
		goto out;
	for (;;) {
		if ((rc = read_line(&s, e)) == -1) {
			if (e->kind == ERR_DATA) {
				/* An over-long command: say so, go on. */
				err_clear(e);
				if (reply(&s, e, "500 5.5.2 line too long") == -1)
					goto out;
				continue;
			}
			goto out;
		}
		if (rc == 0)
			break;
		verb = s.line.data;
		arg = verb + strcspn(verb, " ");
		if (*arg != '\0')
			*arg++ = '\0';
		if (strcasecmp(verb, "EHLO") == 0 || strcasecmp(verb, "HELO") == 0) {
			reset(&s);
			s.greeted = true;
			rc = strcasecmp(verb, "EHLO") == 0 ?
			    reply(&s, e, "250-%s\r\n250-8BITMIME\r\n"
			    "250-ENHANCEDSTATUSCODES\r\n250 PIPELINING", hostname) :
			    reply(&s, e, "250 %s", hostname);
		} else if (strcasecmp(verb, "MAIL") == 0) {
			if (s.have_mail)
				rc = reply(&s, e, "503 5.5.1 nested MAIL command");
			else if ((addr = path_arg(arg, "FROM:")) == NULL)
				rc = reply(&s, e, "501 5.5.4 syntax: MAIL FROM:<address>");
			else {
				err_init(&fail);
				if (envelope_set_sender(&s.env, addr, ERR_DATA,
				    &fail) == -1)
					rc = reply(&s, e, "553 5.1.7 %s", fail.text);
				else {
					s.have_mail = true;
					rc = reply(&s, e, "250 2.1.0 Ok");
				}
				free(addr);
			}
		} else if (strcasecmp(verb, "RCPT") == 0) {
			if (!s.have_mail)
				rc = reply(&s, e, "503 5.5.1 need MAIL first");
			else if ((addr = path_arg(arg, "TO:")) == NULL)
				rc = reply(&s, e, "501 5.5.4 syntax: RCPT TO:<address>");
			else {
				err_init(&fail);
				if (envelope_add_rcpt(&s.env, addr, ERR_DATA, &fail) == -1)
					rc = reply(&s, e, "553 5.1.3 %s", fail.text);
				else
					rc = reply(&s, e, "250 2.1.5 Ok");
				free(addr);
			}
		} else if (strcasecmp(verb, "DATA") == 0) {
			if (!s.have_mail || s.env.nrcpts == 0)
				rc = reply(&s, e, "503 5.5.1 need MAIL and RCPT first");
			else if ((rc = reply(&s, e, "354 End data with <CR><LF>.<CR><LF>")) == 0) {
				fd = spool(&s, e);
				if (fd == -2)
					break;	/* the client went away */
				if (fd == -1)
					goto out;
				err_init(&fail);
				if (deliver(ctx, s.env.sender, s.env.rcpts,
				    s.env.nrcpts, fd, &fail) == 0)
					rc = reply(&s, e, "250 2.0.0 Ok: sent");
				else
					rc = failure_reply(&s, &fail, e);
				close(fd);
				reset(&s);
			}
		} else if (strcasecmp(verb, "RSET") == 0) {
			reset(&s);
			rc = reply(&s, e, "250 2.0.0 Ok");
		} else if (strcasecmp(verb, "NOOP") == 0) {
			rc = reply(&s, e, "250 2.0.0 Ok");
		} else if (strcasecmp(verb, "VRFY") == 0) {
			rc = reply(&s, e, "252 2.5.2 cannot verify, but will try");
		} else if (strcasecmp(verb, "HELP") == 0) {
			rc = reply(&s, e, "214 2.0.0 EHLO HELO MAIL RCPT DATA RSET "
			    "NOOP VRFY QUIT");
		} else if (strcasecmp(verb, "QUIT") == 0) {
			(void)reply(&s, e, "221 2.0.0 Bye");
			break;
		} else
			rc = reply(&s, e, "500 5.5.2 command not recognized");
		if (rc == -1)
			goto out;
	}
	result = 0;
out:
	envelope_release(&s.env);
	buf_release(&s.line);
	return result;
}
