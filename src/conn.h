/*
 * conn.h - one connection to the server: connect, a bounded line reader,
 * a write buffer with an explicit flush, and deadlines on every wait.
 *
 * Bytes move through a transport (two function pointers and a context):
 * plain TCP to begin with; STARTTLS or implicit TLS swaps in another one
 * with conn_set_transport(), and everything above keeps working
 * unchanged.  A transport never blocks: it returns CONN_AGAIN_READ or
 * CONN_AGAIN_WRITE and conn.c waits in poll() until the deadline, so no
 * retry loop can turn into a hang, inside TLS or not.
 *
 * Deadlines are absolute times in milliseconds on the monotonic clock of
 * clock.h.  Each wait is bounded by the step deadline set with
 * conn_set_deadline() and by the session deadline; the first to pass
 * ends the wait with ERR_TEMPFAIL naming the step.
 */
#ifndef SMTPSEND_CONN_H
#define SMTPSEND_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

#define CONN_AGAIN_READ		(-2)
#define CONN_AGAIN_WRITE	(-3)

#define CONN_LINE_MAX		8192		/* longest reply line accepted */
#define CONN_RBUF_SIZE		(64 * 1024)
#define CONN_WBUF_SIZE		(128 * 1024)

struct conn_transport {
	const char *name;		/* "tcp", "tls" */
	/*
	 * > 0: bytes moved; 0: orderly end of stream (recv only); -1: error,
	 * e filled; CONN_AGAIN_*: call again once the socket is ready.
	 */
	ssize_t	(*recv)(void *ctx, void *buf, size_t len, struct err *);
	ssize_t	(*send)(void *ctx, const void *buf, size_t len, struct err *);
};

struct conn;

struct conn_params {
	const char	*host;		/* name or address */
	int		 port;
	const char	*socket_path;	/* AF_UNIX instead of host/port, or NULL */
	const char	*source_ip;	/* local address to bind, or NULL */
	int		 timeout_ms;	/* each address's connect */
	int64_t		 deadline_ms;	/* whole connect phase */
};

/*
 * Connects to every address of host in turn until one answers, each
 * attempt bounded by timeout_ms and all by deadline_ms.  The socket is
 * non-blocking, close-on-exec, with TCP_NODELAY.  Errors: ERR_NOHOST,
 * ERR_TEMPFAIL (refused, unreachable, timeout), ERR_OSERR.
 */
int	conn_open(struct conn **, const struct conn_params *, struct err *);
void	conn_free(struct conn *);

int		 conn_fd(const struct conn *);
const char	*conn_peer(const struct conn *);	/* "192.0.2.1 port 587" */

/* What waits are for, in error messages ("the greeting"); borrowed. */
void	conn_set_deadline(struct conn *, int64_t deadline_ms, const char *step);
void	conn_set_session_deadline(struct conn *, int64_t deadline_ms);
/* Moves the session deadline later (used while data flows). */
void	conn_extend_session_deadline(struct conn *, int64_t by_ms);

/*
 * Returns the next line without its LF (and CR before it) in *line and
 * *len, valid until the next read.  Errors: ERR_TEMPFAIL for the end of
 * the stream or a timeout, ERR_PROTOCOL for a line over CONN_LINE_MAX,
 * ERR_IOERR for a socket error.
 */
int	conn_read_line(struct conn *, const char **line, size_t *len,
	    struct err *);

/*
 * Reads what has already arrived, without waiting, ignoring errors: after
 * a failed write the server's last reply may still be waiting in the
 * socket.  Returns the number of bytes now unread.
 */
size_t	conn_read_available(struct conn *);

/* Bytes received but not yet handed out by conn_read_line(). */
size_t	conn_unread(const struct conn *);
/* Discards unread bytes. */
void	conn_drop_unread(struct conn *);

/*
 * Buffers bytes; sends when the buffer is full.  While waiting to send,
 * replies that arrive are read into the read buffer, so a server that
 * answers before it reads cannot deadlock a client that only writes.
 */
int	conn_write(struct conn *, const void *, size_t, struct err *);
/*
 * Makes room for n bytes (n <= CONN_WBUF_SIZE) in the write buffer,
 * flushing first if needed, and returns where to put them; the caller
 * then reports how many it used with conn_commit().
 */
char	*conn_reserve(struct conn *, size_t n, struct err *);
void	 conn_commit(struct conn *, size_t n);
int	conn_flush(struct conn *, struct err *);

/*
 * Holds what is written back (TCP_CORK) so that it leaves in as few
 * segments as possible: the handshake's last flight together with the
 * first command inside TLS.  The next conn_flush(), or any wait for
 * input, lets it go.
 */
void	conn_cork(struct conn *);

/*
 * When the write buffer fills, send only whole multiples of unit (the
 * TLS record size) and keep the rest, so a long body goes in full
 * records; an explicit conn_flush() still sends everything.
 */
void	conn_set_write_unit(struct conn *, size_t unit);

/* Replaces the transport (after a TLS handshake); ctx is borrowed. */
void	conn_set_transport(struct conn *, const struct conn_transport *,
	    void *ctx);

/*
 * Waits until the socket is readable (events CONN_AGAIN_READ) or writable
 * (CONN_AGAIN_WRITE) or the deadline passes; for transports that run
 * their own exchanges, such as a TLS handshake.
 */
int	conn_wait(struct conn *, int want, struct err *);

uint64_t conn_bytes_sent(const struct conn *);

#endif
