/*
 * conn.c - sockets with deadlines, a line reader and a write buffer.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "nls.h"
#include "resolve.h"
#include "xalloc.h"

struct conn {
	int				 fd;
	const struct conn_transport	*tp;
	void				*tp_ctx;
	char				 peer[96];

	char	*rbuf;
	size_t	 rpos;		/* first unread byte */
	size_t	 rlen;		/* end of valid bytes */
	bool	 eof;

	char	*wbuf;
	size_t	 wlen;

	int64_t		 deadline;	/* current step */
	int64_t		 session_deadline;
	const char	*step;
	uint64_t	 sent;
	bool		 corked;	/* TCP_CORK set: see conn_cork() */
	size_t		 unit;		/* see conn_set_write_unit(); 0: none */
};

/* What was held back goes now: nothing may wait for a reply behind it. */
static void
uncork(struct conn *c)
{
	int zero = 0;

	if (!c->corked)
		return;
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero));
	c->corked = false;
}

void
conn_cork(struct conn *c)
{
	int one = 1;

	/* A Unix socket has no TCP_CORK; there is no segment to fill there. */
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)) == 0)
		c->corked = true;
}

/* ------------------------------------------------------------ plain TCP */

static ssize_t
tcp_recv(void *ctx, void *buf, size_t len, struct err *e)
{
	struct conn	*c = ctx;
	ssize_t		 n;

	for (;;) {
		n = read(c->fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return CONN_AGAIN_READ;
		if (errno == ECONNRESET)
			return err_set(e, ERR_TEMPFAIL,
			    _("connection reset by server"));
		/* A network failure, worth another try later. */
		return err_set(e, ERR_TEMPFAIL, _("cannot read from server: %s"),
		    strerror(errno));
	}
}

static ssize_t
tcp_send(void *ctx, const void *buf, size_t len, struct err *e)
{
	struct conn	*c = ctx;
	ssize_t		 n;

	for (;;) {
		/* MSG_NOSIGNAL: a closed peer must be an error, not SIGPIPE. */
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return CONN_AGAIN_WRITE;
		if (errno == EPIPE || errno == ECONNRESET)
			return err_set(e, ERR_TEMPFAIL,
			    _("connection closed by server"));
		return err_set(e, ERR_TEMPFAIL, _("cannot send to server: %s"),
		    strerror(errno));
	}
}

static const struct conn_transport tcp_transport = {
	"tcp", tcp_recv, tcp_send
};

/* ------------------------------------------------------------ waiting */

static int64_t
effective_deadline(const struct conn *c)
{
	int64_t d = c->deadline;

	if (c->session_deadline != 0 && (d == 0 || c->session_deadline < d))
		d = c->session_deadline;
	return d;
}

static int
timeout_error(const struct conn *c, struct err *e)
{
	if (c->session_deadline != 0 && clock_ms() >= c->session_deadline &&
	    (c->deadline == 0 || c->session_deadline <= c->deadline))
		return err_set(e, ERR_TEMPFAIL,
		    _("the session with %s took too long (waiting for %s)"),
		    c->peer, c->step ? c->step : _("the server"));
	return err_set(e, ERR_TEMPFAIL, _("timed out waiting for %s from %s"),
	    c->step ? c->step : _("the server"), c->peer);
}

/*
 * Polls for the given events until the deadline.  Returns the revents, or
 * -1 (timeout or poll failure, e filled).
 */
static int
poll_until(struct conn *c, short events, struct err *e)
{
	struct pollfd	pfd;
	int64_t		left;
	int		rc;

	if (events & POLLIN)
		uncork(c);
	for (;;) {
		left = effective_deadline(c) - clock_ms();
		if (left <= 0)
			return timeout_error(c, e);
		pfd.fd = c->fd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (rc > 0)
			return pfd.revents;
		if (rc == -1 && errno != EINTR)
			return err_set(e, ERR_OSERR, _("poll failed: %s"),
			    strerror(errno));
	}
}

int
conn_wait(struct conn *c, int want, struct err *e)
{
	short ev = want == CONN_AGAIN_WRITE ? POLLOUT : POLLIN;

	return poll_until(c, ev, e) == -1 ? -1 : 0;
}

void
conn_set_deadline(struct conn *c, int64_t deadline_ms, const char *step)
{
	c->deadline = deadline_ms;
	c->step = step;
}

void
conn_set_session_deadline(struct conn *c, int64_t deadline_ms)
{
	c->session_deadline = deadline_ms;
}

void
conn_extend_session_deadline(struct conn *c, int64_t by_ms)
{
	if (c->session_deadline != 0)
		c->session_deadline += by_ms;
}

/* ------------------------------------------------------------ connecting */

static void
set_nodelay(int fd)
{
	int one = 1;

	/*
	 * Pipelined groups and the end of data are written in one go and then
	 * waited on; Nagle's algorithm would hold them back for an ACK.
	 */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Completes a non-blocking connect(); 0 connected, -1 with errno set. */
static int
connect_wait(int fd, int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		left;
	int		rc, soerr;
	socklen_t	len = sizeof(soerr);

	for (;;) {
		left = deadline - clock_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		rc = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == -1)
			return -1;
		if (rc == 0)
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
			return -1;
		if (soerr != 0) {
			errno = soerr;
			return -1;
		}
		return 0;
	}
}

static int
bind_source(int fd, int family, const char *source_ip, struct err *e)
{
	struct addrinfo	 hints, *res = NULL;
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	if ((rc = getaddrinfo(source_ip, NULL, &hints, &res)) != 0)
		return err_set(e, ERR_CONFIG,
		    _("source_ip '%s' is not an address of this kind: %s"),
		    source_ip, gai_strerror(rc));
	rc = bind(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc == -1)
		return err_set(e, ERR_OSERR, _("cannot bind to '%s': %s"),
		    source_ip, strerror(errno));
	return 0;
}

static struct conn *
conn_new(int fd, const char *peer)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	c->tp = &tcp_transport;
	c->tp_ctx = c;
	c->rbuf = xmalloc(CONN_RBUF_SIZE);
	c->wbuf = xmalloc(CONN_WBUF_SIZE);
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	return c;
}

static int
open_unix(struct conn **out, const struct conn_params *p, struct err *e)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(p->socket_path) >= sizeof(sun.sun_path))
		return err_set(e, ERR_CONFIG, _("socket name '%s' is too long"),
		    p->socket_path);
	strcpy(sun.sun_path, p->socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return err_set(e, ERR_OSERR, _("cannot create a socket: %s"),
		    strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 &&
	    ((errno != EINPROGRESS && errno != EAGAIN) ||
	    connect_wait(fd, p->deadline_ms) == -1)) {
		int saved = errno;

		close(fd);
		return err_set(e, ERR_TEMPFAIL,
		    _("cannot connect to socket '%s': %s"), p->socket_path,
		    strerror(saved));
	}
	*out = conn_new(fd, p->socket_path);
	return 0;
}

int
conn_open(struct conn **out, const struct conn_params *p, struct err *e)
{
	struct addrinfo	*res = NULL, *ai;
	char		 addr[64], peer[96];
	int		 fd = -1, saved = 0, tried = 0;
	int64_t		 limit;

	*out = NULL;
	if (p->socket_path != NULL)
		return open_unix(out, p, e);
	if (resolve_host(p->host, p->port, p->deadline_ms, &res, e) == -1)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		resolve_addr_string(ai->ai_addr, ai->ai_addrlen, addr,
		    sizeof(addr));
		if (clock_ms() >= p->deadline_ms) {
			saved = ETIMEDOUT;
			break;
		}
		tried++;
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			if (saved == EMFILE || saved == ENFILE ||
			    saved == ENOMEM || saved == ENOBUFS) {
				/* Our own shortage, not the server's. */
				freeaddrinfo(res);
				return err_set(e, ERR_OSERR,
				    _("cannot create a socket: %s"),
				    strerror(saved));
			}
			continue;
		}
		if (p->source_ip != NULL &&
		    bind_source(fd, ai->ai_family, p->source_ip, e) == -1) {
			close(fd);
			freeaddrinfo(res);
			return -1;
		}
		set_nodelay(fd);
		limit = clock_ms() + p->timeout_ms;
		if (limit > p->deadline_ms)
			limit = p->deadline_ms;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && connect_wait(fd, limit) == 0)) {
			snprintf(peer, sizeof(peer), "%s (%s) port %d",
			    p->host, addr, p->port);
			if (strcmp(p->host, addr) == 0)
				snprintf(peer, sizeof(peer), "%s port %d",
				    addr, p->port);
			freeaddrinfo(res);
			*out = conn_new(fd, peer);
			return 0;
		}
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (tried > 1)
		return err_set(e, ERR_TEMPFAIL,
		    _("cannot connect to '%s' port %d (%d addresses tried): %s"),
		    p->host, p->port, tried, strerror(saved));
	return err_set(e, ERR_TEMPFAIL, _("cannot connect to '%s' port %d: %s"),
	    p->host, p->port, strerror(saved));
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->fd != -1)
		close(c->fd);
	free(c->rbuf);
	free(c->wbuf);
	free(c);
}

int
conn_fd(const struct conn *c)
{
	return c->fd;
}

const char *
conn_peer(const struct conn *c)
{
	return c->peer;
}

void
conn_set_transport(struct conn *c, const struct conn_transport *tp,
    void *ctx)
{
	c->tp = tp;
	c->tp_ctx = ctx;
}

uint64_t
conn_bytes_sent(const struct conn *c)
{
	return c->sent;
}

/* ------------------------------------------------------------ reading */

/*
 * Reads what the transport has into the read buffer, at most once.
 * Returns 1 when bytes arrived, 0 at the end of the stream, -1 on error,
 * or CONN_AGAIN_* when nothing is available yet.
 */
static int
fill(struct conn *c, struct err *e)
{
	ssize_t n;

	if (c->rpos > 0 && c->rpos == c->rlen)
		c->rpos = c->rlen = 0;
	if (c->rlen == CONN_RBUF_SIZE && c->rpos > 0) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	if (c->rlen == CONN_RBUF_SIZE)
		return err_set(e, ERR_PROTOCOL,
		    _("server sent more than %d bytes without being asked"),
		    CONN_RBUF_SIZE);
	n = c->tp->recv(c->tp_ctx, c->rbuf + c->rlen, CONN_RBUF_SIZE - c->rlen,
	    e);
	if (n > 0) {
		c->rlen += (size_t)n;
		return 1;
	}
	if (n == 0) {
		c->eof = true;
		return 0;
	}
	return (int)n;
}

int
conn_read_line(struct conn *c, const char **line, size_t *len,
    struct err *e)
{
	char	*nl;
	size_t	 n;
	int	 rc;

	for (;;) {
		n = c->rlen - c->rpos;
		nl = memchr(c->rbuf + c->rpos, '\n', n);
		if (nl != NULL) {
			*line = c->rbuf + c->rpos;
			*len = (size_t)(nl - *line);
			c->rpos += *len + 1;
			if (*len > 0 && (*line)[*len - 1] == '\r')
				(*len)--;
			if (*len > CONN_LINE_MAX)
				return err_set(e, ERR_PROTOCOL,
				    _("server sent a line longer than %d bytes"),
				    CONN_LINE_MAX);
			return 0;
		}
		if (n > CONN_LINE_MAX)
			return err_set(e, ERR_PROTOCOL,
			    _("server sent a line longer than %d bytes"),
			    CONN_LINE_MAX);
		if (c->eof)
			return err_set(e, ERR_TEMPFAIL,
			    n > 0 ? _("connection closed by %s in the middle of a line") :
			    _("connection closed by %s"), c->peer);
		rc = fill(c, e);
		if (rc == -1)
			return -1;
		if (rc == CONN_AGAIN_READ || rc == CONN_AGAIN_WRITE) {
			if (poll_until(c, rc == CONN_AGAIN_READ ? POLLIN : POLLOUT,
			    e) == -1)
				return -1;
		}
	}
}

size_t
conn_read_available(struct conn *c)
{
	struct err	ignored;
	int		i;

	/* A few rounds: a reply may be split over segments already queued. */
	for (i = 0; i < 16 && !c->eof; i++) {
		err_init(&ignored);
		if (fill(c, &ignored) != 1)
			break;
	}
	return c->rlen - c->rpos;
}

size_t
conn_unread(const struct conn *c)
{
	return c->rlen - c->rpos;
}

void
conn_drop_unread(struct conn *c)
{
	c->rpos = c->rlen = 0;
}

/* ------------------------------------------------------------ writing */

int
conn_flush(struct conn *c, struct err *e)
{
	size_t	off = 0;
	ssize_t	n;
	int	rev;
	short	events;

	while (off < c->wlen) {
		n = c->tp->send(c->tp_ctx, c->wbuf + off, c->wlen - off, e);
		if (n > 0) {
			off += (size_t)n;
			c->sent += (uint64_t)n;
			continue;
		}
		if (n != CONN_AGAIN_READ && n != CONN_AGAIN_WRITE) {
			if (n == 0)
				err_set(e, ERR_TEMPFAIL,
				    _("connection closed by %s"), c->peer);
			return -1;
		}
		/*
		 * While the server does not take our bytes, take its: a reply
		 * it sends now (an early rejection, say) must not sit unread
		 * until both sides wait on each other.
		 */
		events = n == CONN_AGAIN_WRITE ? POLLOUT : POLLIN;
		if (n == CONN_AGAIN_WRITE && !c->eof && c->rlen < CONN_RBUF_SIZE)
			events |= POLLIN;
		if ((rev = poll_until(c, events, e)) == -1)
			return -1;
		if (n == CONN_AGAIN_WRITE && (rev & (POLLIN | POLLHUP)) &&
		    !(rev & POLLOUT)) {
			int rc = fill(c, e);

			if (rc == -1)
				return -1;
		}
	}
	c->wlen = 0;
	uncork(c);
	return 0;
}

void
conn_set_write_unit(struct conn *c, size_t unit)
{
	c->unit = unit;
}

/*
 * Room for n more bytes because the buffer is full, not because the
 * caller wants the bytes out: only whole units go (whole TLS records),
 * the tail waits for the next ones.
 */
static int
make_room(struct conn *c, size_t n, struct err *e)
{
	size_t keep = c->unit > 0 && c->wlen > c->unit ? c->wlen % c->unit : 0;
	size_t sent = c->wlen - keep;

	if (keep == 0 || CONN_WBUF_SIZE - keep < n)
		return conn_flush(c, e);
	c->wlen = sent;
	if (conn_flush(c, e) == -1)
		return -1;
	memmove(c->wbuf, c->wbuf + sent, keep);
	c->wlen = keep;
	return 0;
}

char *
conn_reserve(struct conn *c, size_t n, struct err *e)
{
	if (n > CONN_WBUF_SIZE) {
		err_set(e, ERR_SOFTWARE, "conn_reserve: %zu bytes", n);
		return NULL;
	}
	if (CONN_WBUF_SIZE - c->wlen < n && make_room(c, n, e) == -1)
		return NULL;
	return c->wbuf + c->wlen;
}

void
conn_commit(struct conn *c, size_t n)
{
	c->wlen += n;
}

int
conn_write(struct conn *c, const void *p, size_t n, struct err *e)
{
	const char	*s = p;
	size_t		 room;

	while (n > 0) {
		room = CONN_WBUF_SIZE - c->wlen;
		if (room == 0) {
			if (make_room(c, 1, e) == -1)
				return -1;
			continue;
		}
		if (room > n)
			room = n;
		memcpy(c->wbuf + c->wlen, s, room);
		c->wlen += room;
		s += room;
		n -= room;
	}
	return 0;
}
