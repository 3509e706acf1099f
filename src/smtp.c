/*
 * smtp.c - the submission dialogue.
 *
 * Deadlines follow the shape of RFC 5321 section 4.5.3.2 (greeting, MAIL
 * and RCPT 5 minutes, DATA 2, each data block 3, end of data 10), scaled
 * so that the configured timeout T stands for the 5-minute steps: DATA
 * gets 0.4 T, each data block 0.6 T, the end of data 2 T.  A session
 * deadline of 10 T, extended while the body flows, bounds the whole run
 * even against a server that answers one byte at a time.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "data.h"
#include "envelope.h"
#include "nls.h"
#include "smtp.h"
#include "trouble.h"
#include "xalloc.h"

/* Tenths of the base timeout for each wait. */
#define T_CONNECT	10
#define T_CONNECT_ALL	20
#define T_GREETING	10
#define T_COMMAND	10
#define T_DATA		4
#define T_BLOCK		6
#define T_EOD		20
#define T_QUIT		4
#define T_SESSION	100

/*
 * While the body flows the session deadline moves on by one second per
 * SESSION_MIN_RATE bytes sent: a slow but moving transfer is never cut.
 */
#define SESSION_MIN_RATE	(16 * 1024)

/* At most this many commands are sent before their replies are read. */
#define PIPELINE_WINDOW		100

#define BODY_CHUNK	(32 * 1024)
#define BODY_SLICE	(4 * 1024)	/* input encoded per reservation */

struct session {
	const struct smtp_params *p;
	struct conn		*c;
	struct tls		*tls;
	struct transcript	*tr;
	struct caps		 caps;
	bool			 closing;	/* 421 seen: do not send QUIT */
	bool			 eight;		/* BODY=8BITMIME was declared */
	bool			 broken;	/* out of sync: drop, no QUIT */
	bool			 quit_sent;	/* QUIT went with the data */
	bool			 authed;	/* 235 received */
	bool			 no_pipe_auth;	/* the retry after a refusal */
	char			 auth_mech[64];
};

int64_t
smtp_step_ms(int timeout_s, int tenths)
{
	return (int64_t)timeout_s * 100 * tenths;
}

static void
set_step(struct session *s, int tenths, const char *step)
{
	conn_set_deadline(s->c, clock_ms() +
	    smtp_step_ms(s->p->timeout_s, tenths), step);
}

/*
 * Queues one command.  The caller builds it from validated addresses;
 * a line break here would let data become a command, so it is refused
 * again at the last moment rather than trusted.
 */
static int
queue_cmd(struct session *s, struct err *e, const char *fmt, ...)
{
	char	line[4096];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return err_set(e, ERR_DATA, _("SMTP command too long"));
	if (strpbrk(line, "\r\n") != NULL)
		return err_set(e, ERR_DATA,
		    _("refusing to send a command that contains a line break"));
	memcpy(line + n, "\r\n", 3);
	transcript_out(s->tr, line, (size_t)n + 2);
	return conn_write(s->c, line, (size_t)n + 2, e);
}

/*
 * Queues an AUTH line: "AUTH MECH [response]" or a bare response.  The
 * transcript shows only what is not secret ("--> AUTH PLAIN [redacted]"),
 * decided here, where the line is made.  RFC 4954 allows 12288 octets.
 */
static int
queue_auth_line(struct session *s, const char *visible, const char *secret,
    struct err *e)
{
	size_t	vlen = strlen(visible), slen = secret ? strlen(secret) : 0;
	char	sep = vlen > 0 && secret != NULL ? ' ' : '\0';

	if (vlen + slen + 3 > 12288)
		return err_set(e, ERR_CONFIG,
		    _("the AUTH response is longer than 12288 octets"));
	if (strpbrk(visible, "\r\n") != NULL ||
	    (secret != NULL && strpbrk(secret, "\r\n") != NULL))
		return err_set(e, ERR_SOFTWARE, "line break in an AUTH line");
	if (secret != NULL)
		transcript_secret(s->tr, visible);
	else
		transcript_out(s->tr, visible, vlen);
	if (conn_write(s->c, visible, vlen, e) == -1 ||
	    (sep != '\0' && conn_write(s->c, &sep, 1, e) == -1) ||
	    (secret != NULL && conn_write(s->c, secret, slen, e) == -1) ||
	    conn_write(s->c, "\r\n", 2, e) == -1)
		return -1;
	return 0;
}

static int
flush(struct session *s, int tenths, const char *step, struct err *e)
{
	set_step(s, tenths, step);
	if (conn_flush(s->c, e) == -1) {
		s->broken = true;
		return -1;
	}
	return 0;
}

/* Reads one complete reply; any failure leaves the session broken. */
static int
read_reply(struct session *s, struct reply *r, int tenths, const char *step,
    struct err *e)
{
	const char	*line;
	size_t		 len;
	int		 rc;

	reply_init(r);
	set_step(s, tenths, step);
	do {
		if (conn_read_line(s->c, &line, &len, e) == -1) {
			s->broken = true;
			return -1;
		}
		transcript_in(s->tr, line, len);
		if ((rc = reply_feed(r, line, len, e)) == -1) {
			s->broken = true;
			return -1;
		}
	} while (rc == 0);
	if (r->code == 421)
		s->closing = true;
	return 0;
}

/* Sends QUIT without waiting for its reply, when that is still proper. */
static void
quit(struct session *s)
{
	struct err ignored;

	if (s->closing || s->broken || s->quit_sent)
		return;
	err_init(&ignored);
	if (queue_cmd(s, &ignored, "QUIT") == 0)
		(void)flush(s, T_QUIT, _("the server to take QUIT"), &ignored);
}

/* One command that waits for its reply: "VERB [ARG]", sent and answered. */
static int
ask(struct session *s, struct reply *r, const char *step, const char *verb,
    const char *arg, struct err *e)
{
	if ((arg != NULL ? queue_cmd(s, e, "%s %s", verb, arg) :
	    queue_cmd(s, e, "%s", verb)) == -1 ||
	    flush(s, T_COMMAND, step, e) == -1 ||
	    read_reply(s, r, T_COMMAND, step, e) == -1)
		return -1;
	return 0;
}

/* A refusal that ends the session: its error, and QUIT. */
static int
refused(struct session *s, enum smtp_stage st, const struct reply *r,
    struct err *e)
{
	trouble_reply(e, st, r, NULL);
	quit(s);
	return -1;
}

static int
greeting(struct session *s, struct reply *r, struct err *e)
{
	if (read_reply(s, r, T_GREETING, _("the greeting"), e) == -1)
		return -1;
	if (!trouble_is_success(STAGE_GREETING, r->code))
		return refused(s, STAGE_GREETING, r, e);
	return 0;
}

/*
 * EHLO, or HELO when the server does not understand EHLO (4.1.1.1); for
 * LMTP, LHLO with nothing to fall back to (RFC 2033 4.1).
 */
static int
hello(struct session *s, struct reply *r, struct err *e)
{
	if (s->p->lmtp) {
		if (ask(s, r, _("the reply to LHLO"), "LHLO", s->p->helo, e) == -1)
			return -1;
		if (!trouble_is_success(STAGE_LHLO, r->code))
			return refused(s, STAGE_LHLO, r, e);
		reply_caps(r, &s->caps);
		return 0;
	}
	if (ask(s, r, _("the reply to EHLO"), "EHLO", s->p->helo, e) == -1)
		return -1;
	if (trouble_is_success(STAGE_EHLO, r->code)) {
		reply_caps(r, &s->caps);
		return 0;
	}
	if (r->code / 100 != 5)
		return refused(s, STAGE_EHLO, r, e);
	transcript_note(s->tr, _("EHLO not accepted; trying HELO"));
	caps_init(&s->caps);
	if (ask(s, r, _("the reply to HELO"), "HELO", s->p->helo, e) == -1)
		return -1;
	if (!trouble_is_success(STAGE_HELO, r->code))
		return refused(s, STAGE_HELO, r, e);
	return 0;
}

/* The outcome of a transaction, gathered reply by reply. */
struct tally {
	struct err	 fail;		/* the failure that decides, if any */
	size_t		 accepted;	/* recipients accepted */
	bool		 mail_ok;
	bool		 data_ok;	/* 354 received */
	bool		 auth_failed;	/* a pipelined AUTH was refused */
	bool		 final_ok;	/* the data was accepted (2xx) */
	bool		 final_partial;	/* LMTP: not for every recipient */
};

static void
tally_note(struct tally *t, enum smtp_stage st, const struct reply *r,
    const char *subject)
{
	struct err e;

	if (trouble_is_success(st, r->code)) {
		if (st == STAGE_MAIL)
			t->mail_ok = true;
		else if (st == STAGE_RCPT)
			t->accepted++;
		else if (st == STAGE_DATA)
			t->data_ok = true;
		else if (st == STAGE_EOD || st == STAGE_EOD_RCPT)
			t->final_ok = true;
		return;
	}
	/*
	 * A refused pipelined AUTH explains everything after it (530 to
	 * MAIL, say).  After a refused MAIL the server answers RCPT and DATA
	 * with "503 bad sequence", and after refused recipients DATA gets
	 * "554 no valid recipients": the earlier reply is the one that
	 * explains.
	 */
	if (t->auth_failed)
		return;
	err_init(&e);
	trouble_reply(&e, st, r, subject);
	if (st == STAGE_AUTH) {
		t->auth_failed = true;
		t->fail = e;
		return;
	}
	if (t->fail.kind != ERR_NONE && (!t->mail_ok || st == STAGE_DATA ||
	    st == STAGE_EOD))
		return;
	/* LMTP: one recipient refused after the data, the others have it. */
	if (st == STAGE_EOD_RCPT)
		t->final_partial = true;
	if (t->fail.kind == ERR_NONE || trouble_worse(&t->fail, &e))
		t->fail = e;
}

/*
 * RFC 3461 section 4: xtext is printable ASCII except "+" and "=", with
 * everything else as "+XX".  Returns out.
 */
static const char *
xtext(const char *s, char *out, size_t size)
{
	size_t o = 0;

	for (; *s != '\0' && o + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 33 || c > 126 || c == '+' || c == '=')
			o += (size_t)snprintf(out + o, size - o, "+%02X", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

/*
 * RFC 6533 section 3: utf-8-addr-xtext, for ORCPT with a UTF-8 address:
 * UTF-8 as it is, "+", "=", spaces and controls as "\x{HH}".
 */
static const char *
utf8_xtext(const char *s, char *out, size_t size)
{
	size_t o = 0;

	for (; *s != '\0' && o + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 33 || c == 127 || c == '+' || c == '=')
			o += (size_t)snprintf(out + o, size - o, "\\x{%02X}", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

static bool
dsn_wanted(const struct smtp_params *p)
{
	return p->dsn_notify != NULL || p->dsn_return != NULL || p->envid != NULL;
}

/* " RET=HDRS ENVID=..." for MAIL FROM, when asked for. */
static const char *
mail_params(struct session *s, char *out, size_t size)
{
	const struct smtp_params	*p = s->p;
	char				 x[512];
	size_t				 o = 0;

	out[0] = '\0';
	if (s->caps.size && p->size > 0)
		o += (size_t)snprintf(out + o, size - o, " SIZE=%llu",
		    (unsigned long long)p->size);
	if (s->eight && o < size)
		o += (size_t)snprintf(out + o, size - o, " BODY=8BITMIME");
	if (p->smtputf8 && o < size)
		o += (size_t)snprintf(out + o, size - o, " SMTPUTF8");
	if (p->dsn_return != NULL && o < size)
		o += (size_t)snprintf(out + o, size - o, " RET=%s",
		    strcmp(p->dsn_return, "full") == 0 ? "FULL" : "HDRS");
	if (p->envid != NULL && o < size)
		snprintf(out + o, size - o, " ENVID=%s", xtext(p->envid, x,
		    sizeof(x)));
	return out;
}

/* " NOTIFY=... ORCPT=rfc822;..." for RCPT TO, when DSN was asked for. */
static const char *
rcpt_params(struct session *s, const char *rcpt, char *out, size_t size)
{
	const struct smtp_params	*p = s->p;
	char				 x[2048], notify[64];
	size_t				 i, o = 0;

	out[0] = '\0';
	if (!dsn_wanted(p))
		return out;
	if (p->dsn_notify != NULL) {
		for (i = 0; p->dsn_notify[i] != '\0' && i + 1 < sizeof(notify); i++)
			notify[i] = p->dsn_notify[i] >= 'a' && p->dsn_notify[i] <= 'z' ?
			    (char)(p->dsn_notify[i] - 32) : p->dsn_notify[i];
		notify[i] = '\0';
		o += (size_t)snprintf(out + o, size - o, " NOTIFY=%s", notify);
	}
	if (o < size && envelope_needs_utf8(rcpt))
		snprintf(out + o, size - o, " ORCPT=utf-8;%s",
		    utf8_xtext(rcpt, x, sizeof(x)));
	else if (o < size)
		snprintf(out + o, size - o, " ORCPT=rfc822;%s",
		    xtext(rcpt, x, sizeof(x)));
	return out;
}

/* A command whose reply is still to come. */
struct pending {
	enum smtp_stage	 st;
	const char	*subject;	/* the address it is about */
	size_t		 rcpt;		/* LMTP: which recipient of the batch */
};

/*
 * One transaction: what was sent and not yet answered, in order.  With
 * PIPELINING, commands go out in groups (RFC 2920 section 3.1) and the
 * replies are read in order after each group.
 */
struct txn {
	struct tally	 t;
	struct pending	*q;
	size_t		 nq, qsize;
	bool		*done;		/* the batch's recipients that have it */
	size_t		 nrcpts;
	bool		 pipe;		/* the server offers PIPELINING */
	bool		 auth_queued;	/* a one-step AUTH heads the group */
	int		 auth_code;	/* its reply, 0 while none came */
	bool		 mail_seen;	/* a reply to MAIL FROM came */
	bool		 refused;	/* MAIL FROM or a RCPT TO was refused */
	bool		 data_sent;	/* the whole data was written */
	bool		 final_seen;	/* the reply to the data came */
	/*
	 * RFC 5321 4.5.3.1.10: "452 too many recipients" to the recipients
	 * from first452 on, all of them, after some were accepted: those
	 * get the message now, the others in a further transaction (split
	 * is where it begins).  Only where the message can be read again.
	 */
	bool		 can_split;
	size_t		 rcpt_replies;
	size_t		 first452;	/* SIZE_MAX: none */
	bool		 ok_after452;
	struct err	 e452;
	size_t		 split;		/* 0: none */
};

static void
txn_reset(struct txn *x, size_t nrcpts, bool can_split)
{
	bool		 pipe = x->pipe;
	struct pending	*q = x->q;
	size_t		 qsize = x->qsize;

	memset(x, 0, sizeof(*x));
	x->q = q;
	x->qsize = qsize;
	x->pipe = pipe;
	x->nrcpts = nrcpts;
	x->can_split = can_split;
	x->first452 = SIZE_MAX;
}

/* Once every RCPT reply is in: a split, or the 452s are failures. */
static void
finish_rcpts(struct txn *x)
{
	if (x->first452 == SIZE_MAX)
		return;
	if (x->can_split && x->first452 > 0 && !x->ok_after452 &&
	    x->t.fail.kind == ERR_NONE) {
		x->split = x->first452;
		return;
	}
	if (x->t.auth_failed)
		return;
	if (x->t.fail.kind == ERR_NONE || trouble_worse(&x->t.fail, &x->e452))
		x->t.fail = x->e452;
}

static void
expect(struct txn *x, enum smtp_stage st, const char *subject)
{
	if (x->nq == x->qsize) {
		x->qsize = x->qsize == 0 ? PIPELINE_WINDOW + 4 : 2 * x->qsize;
		x->q = xreallocarray(x->q, x->qsize, sizeof(*x->q));
	}
	x->q[x->nq].st = st;
	x->q[x->nq].subject = subject;
	x->q[x->nq].rcpt = 0;
	x->nq++;
}

static const char *
wait_step(enum smtp_stage st)
{
	switch (st) {
	case STAGE_AUTH:	return _("the reply to AUTH");
	case STAGE_MAIL:	return _("the reply to MAIL FROM");
	case STAGE_RCPT:	return _("the reply to RCPT TO");
	case STAGE_DATA:	return _("the reply to DATA");
	default:		return _("the reply to the end of data");
	}
}

/*
 * Takes the reply to the i-th outstanding command.  A 334 to a pipelined
 * one-step AUTH means the server took the next line (our MAIL) as an
 * answer: nothing that follows can be trusted, so the session ends there,
 * unanswered.
 */
static int
note_reply(struct session *s, struct txn *x, size_t i, const struct reply *r,
    struct err *e)
{
	enum smtp_stage st = x->q[i].st;

	switch (st) {
	case STAGE_AUTH:
		x->auth_code = r->code;
		if (r->code == 334) {
			s->broken = true;
			return err_set(e, ERR_PROTOCOL, _("AUTH %s: the server "
			    "asked for more after the mechanism was complete; the "
			    "commands sent after AUTH were read as its answer, so "
			    "the session ends here"), s->auth_mech);
		}
		if (r->code == 235)
			s->authed = true;
		break;
	case STAGE_MAIL:
		x->mail_seen = true;
		if (!trouble_is_success(st, r->code))
			x->refused = true;
		break;
	case STAGE_RCPT:
		x->rcpt_replies++;
		if (!trouble_is_success(st, r->code))
			x->refused = true;
		else if (x->first452 != SIZE_MAX)
			x->ok_after452 = true;
		if (r->code == 452) {
			if (x->first452 == SIZE_MAX) {
				x->first452 = x->rcpt_replies - 1;
				err_init(&x->e452);
				trouble_reply(&x->e452, st, r, x->q[i].subject);
			}
		} else
			tally_note(&x->t, st, r, x->q[i].subject);
		if (x->rcpt_replies == x->nrcpts)
			finish_rcpts(x);
		return 0;
	case STAGE_EOD:
		x->final_seen = true;
		break;
	case STAGE_EOD_RCPT:
		x->final_seen = true;
		if (trouble_is_success(st, r->code) && x->done != NULL)
			x->done[x->q[i].rcpt] = true;
		break;
	default:
		break;
	}
	tally_note(&x->t, st, r, x->q[i].subject);
	return 0;
}

/*
 * After a failed write, the server may have said why before it closed (a
 * 554 in the middle of the data, or to a pipelined AUTH): the complete
 * replies already here are taken in order, and the one that decides
 * replaces "connection closed".
 */
static void
salvage(struct session *s, struct txn *x, struct err *e)
{
	struct reply	*r = xmalloc(sizeof(*r));
	struct err	 tmp;
	const char	*line;
	size_t		 len, i;
	int		 rc;

	s->broken = true;
	err_init(&tmp);
	(void)conn_read_available(s->c);
	conn_set_deadline(s->c, clock_ms(), _("a reply"));
	for (i = 0; i < x->nq && conn_unread(s->c) > 0; i++) {
		reply_init(r);
		rc = 0;
		while (rc == 0 && conn_unread(s->c) > 0 &&
		    conn_read_line(s->c, &line, &len, &tmp) == 0) {
			transcript_in(s->tr, line, len);
			rc = reply_feed(r, line, len, &tmp);
		}
		if (rc != 1 || note_reply(s, x, i, r, &tmp) == -1)
			break;
	}
	if (tmp.kind == ERR_PROTOCOL && x->auth_code == 334)
		*e = tmp;
	else if (x->t.fail.kind != ERR_NONE)
		*e = x->t.fail;
	free(r);
}

/* Sends what is queued and reads every outstanding reply, in order. */
static int
settle(struct session *s, struct txn *x, struct reply *r, int tenths_send,
    struct err *e)
{
	size_t i;

	if (flush(s, tenths_send, _("the server to take the envelope"), e) == -1) {
		salvage(s, x, e);
		return -1;
	}
	for (i = 0; i < x->nq; i++) {
		enum smtp_stage st = x->q[i].st;

		if (read_reply(s, r, st == STAGE_DATA ? T_DATA :
		    st == STAGE_EOD || st == STAGE_EOD_RCPT ? T_EOD : T_COMMAND,
		    wait_step(st), e) == -1 ||
		    note_reply(s, x, i, r, e) == -1)
			return -1;
	}
	x->nq = 0;
	return 0;
}

/*
 * Streams the message through the encoder into the connection: with
 * DATA dot-stuffed and ended by ".", with BDAT (RFC 3030) as it is, in
 * exactly limit octets.  The caller flushes.
 */
static int
body(struct session *s, struct txn *x, struct smtp_source *src,
    struct smtp_result *res, bool bdat, struct err *e)
{
	struct data_enc	 enc;
	char		*in = xmalloc(BODY_CHUNK), *out;
	ssize_t		 n;
	size_t		 off, used, outlen, consumed = 0;
	uint64_t	 limit = s->p->size;
	int		 rc = 0;

	data_enc_init(&enc, (bdat ? 0 : DATA_DOTSTUFF) | src->enc_flags, 1);
	while (rc == 0) {
		if (consumed == src->header_len)	/* the body begins */
			enc.lineno = src->body_line;
		src->started = true;
		if ((n = src->read(src->ctx, in, BODY_CHUNK, e)) == -1)
			goto abort;
		if (n == 0)
			break;
		consumed += (size_t)n;
		for (off = 0; off < (size_t)n && rc == 0; off += used) {
			/*
			 * Small slices, so the write buffer is nearly full
			 * before it is flushed: flushes make TLS records, and
			 * a half-empty buffer ends in a short one.
			 */
			size_t slice = (size_t)n - off < BODY_SLICE ?
			    (size_t)n - off : BODY_SLICE;

			/*
			 * More input after all the octets announced (a file
			 * that grew): stop before the next reservation could
			 * send the last of them and complete the chunk.
			 */
			if (bdat && enc.nbytes >= limit)
				goto toolong;
			set_step(s, T_BLOCK, _("the server to take the message"));
			out = conn_reserve(s->c, DATA_ENC_BOUND(slice), e);
			if (out == NULL) {
				salvage(s, x, e);
				goto abort;
			}
			rc = data_enc_feed(&enc, in + off, slice, &used,
			    out, &outlen, e);
			if (rc == -1)
				goto abort;
			if (!s->eight && data_has_8bit(out, outlen)) {
				err_set(e, ERR_DATA, _("8-bit octets by input line "
				    "%lu, but %s"), enc.lineno,
				    s->p->body == SMTP_BODY_7BIT ?
				    _("the body was declared 7-bit (-B 7BIT)") :
				    _("the server does not offer 8BITMIME"));
				goto abort;
			}
			/* A byte past the announced size would be read as a command. */
			if (bdat && enc.nbytes > limit)
				goto toolong;
			transcript_body(s->tr, out, outlen);
			conn_commit(s->c, outlen);
			conn_extend_session_deadline(s->c,
			    (int64_t)outlen * 1000 / SESSION_MIN_RATE);
		}
	}
	free(in);
	in = NULL;
	if ((out = conn_reserve(s->c, DATA_ENC_FINISH_MAX, e)) == NULL) {
		salvage(s, x, e);
		goto abort;
	}
	outlen = data_enc_finish(&enc, out);
	if (bdat) {
		if (enc.nbytes != limit)
			goto toolong;
		transcript_body(s->tr, out, outlen);
		transcript_body_summary(s->tr, enc.nbytes, enc.nlines);
	} else {
		/* The last line's CRLF (if it lacked one) is body, the dot is not. */
		transcript_body(s->tr, out, outlen - 3);
		transcript_body_summary(s->tr, enc.nbytes - 3, enc.nlines);
		transcript_out(s->tr, ".\r\n", 3);
	}
	conn_commit(s->c, outlen);
	res->size = enc.nbytes;
	x->data_sent = true;
	return 0;
toolong:
	err_set(e, ERR_IOERR, _("the message is not the %llu octets counted "
	    "before sending (did the input change?); not sent"),
	    (unsigned long long)limit);
abort:
	/*
	 * No end of data may follow a failed input: the server must see the
	 * connection end inside DATA (or short of the BDAT size) and discard
	 * what it got.
	 */
	free(in);
	transcript_note(s->tr, _("message not sent: closing the connection "
	    "before the end of data"));
	s->broken = true;
	return -1;
}

/* Checks that come before MAIL: what was asked for must be possible. */
static int
precheck(struct session *s, struct err *e)
{
	if (dsn_wanted(s->p) && !s->caps.dsn)
		return err_set(e, ERR_UNAVAILABLE, _("%s does not support "
		    "delivery status notifications (DSN), which were asked for"),
		    conn_peer(s->c));
	if (s->p->body == SMTP_BODY_8BIT && !s->caps.eightbitmime)
		return err_set(e, ERR_DATA, _("the message has 8-bit octets and "
		    "%s does not offer 8BITMIME: it cannot be sent there "
		    "unchanged"), conn_peer(s->c));
	if (s->p->smtputf8 && !s->caps.smtputf8)
		return err_set(e, ERR_DATA, _("the message has UTF-8 in an "
		    "address or in its header, and %s does not offer SMTPUTF8 "
		    "(RFC 6531): it cannot be sent there unchanged"),
		    conn_peer(s->c));
	s->eight = s->caps.eightbitmime && s->p->body != SMTP_BODY_7BIT;
	if (s->caps.size && s->caps.size_max > 0 && s->p->size > s->caps.size_max)
		return err_set(e, ERR_UNAVAILABLE, _("the message is %llu bytes, "
		    "more than the %llu that %s accepts"),
		    (unsigned long long)s->p->size,
		    (unsigned long long)s->caps.size_max, conn_peer(s->c));
	return 0;
}

/*
 * What the end of the data gets: one reply, or with LMTP one per
 * recipient of the batch (RFC 2033 4.2; the data is only ever sent once
 * every RCPT was accepted, or for a batch of one).
 */
static void
expect_final(struct session *s, struct txn *x, char *const *rcpts, size_t n)
{
	size_t i;

	if (!s->p->lmtp) {
		expect(x, STAGE_EOD, NULL);
		return;
	}
	for (i = 0; i < n; i++) {
		expect(x, STAGE_EOD_RCPT, rcpts[i]);
		x->q[x->nq - 1].rcpt = i;
	}
}

/* With PIPELINING, QUIT goes out with the end of data (RFC 2920 3.2). */
static int
queue_quit(struct session *s, struct txn *x, struct err *e)
{
	if (!x->pipe || x->split > 0)
		return 0;
	if (queue_cmd(s, e, "QUIT") == -1)
		return -1;
	s->quit_sent = true;
	return 0;
}

/*
 * The transaction: MAIL, RCPT..., then the data with BDAT when the size
 * is known exactly and the server offers CHUNKING, else with DATA.
 *
 * The fewest round trips: with PIPELINING, a one-step AUTH (queued by
 * authenticate()) heads the group, and for one recipient "BDAT n LAST"
 * and the data follow in the same group, since a refused recipient then
 * means nobody gets it.  With several recipients the data is committed
 * only once every RCPT was accepted, so that nobody gets a message that
 * failed for another.  QUIT goes with the end of data.
 */
static int
transaction(struct session *s, struct txn *x, const char *sender,
    char *const *rcpts, size_t n, struct smtp_source *src,
    struct smtp_result *res, struct reply *r, struct err *e)
{
	char	params[2600];
	bool	bdat = s->caps.chunking && s->p->size > 0;
	bool	commit_early = bdat && x->pipe && n == 1;
	size_t	i, window = x->pipe ? PIPELINE_WINDOW : 1;

	if (queue_cmd(s, e, "MAIL FROM:<%s>%s", sender,
	    mail_params(s, params, sizeof(params))) == -1)
		return -1;
	expect(x, STAGE_MAIL, sender);
	for (i = 0; i < n; i++) {
		if (x->nq >= window && settle(s, x, r, T_COMMAND, e) == -1)
			return -1;
		/* Without PIPELINING, no RCPT follows a refused MAIL. */
		if (!x->pipe && x->t.fail.kind != ERR_NONE && !x->t.mail_ok)
			return 1;
		if (queue_cmd(s, e, "RCPT TO:<%s>%s", rcpts[i],
		    rcpt_params(s, rcpts[i], params, sizeof(params))) == -1)
			return -1;
		expect(x, STAGE_RCPT, rcpts[i]);
	}
	if (bdat) {
		if (!commit_early) {
			if (settle(s, x, r, T_COMMAND, e) == -1)
				return -1;
			if (x->t.fail.kind != ERR_NONE)
				return 1;
		}
		if (queue_cmd(s, e, "BDAT %llu LAST",
		    (unsigned long long)s->p->size) == -1)
			return -1;
		expect_final(s, x, rcpts, x->split > 0 ? x->split : n);
		if (body(s, x, src, res, true, e) == -1 || queue_quit(s, x, e) == -1)
			return -1;
		if (settle(s, x, r, T_BLOCK, e) == -1)
			return -1;
		return x->t.fail.kind != ERR_NONE || !x->t.final_ok;
	}
	if (!x->pipe && x->nq > 0 && settle(s, x, r, T_COMMAND, e) == -1)
		return -1;
	if (!x->pipe && x->t.fail.kind != ERR_NONE)
		return 1;
	if (queue_cmd(s, e, "DATA") == -1)
		return -1;
	expect(x, STAGE_DATA, NULL);
	if (settle(s, x, r, T_COMMAND, e) == -1)
		return -1;
	if (x->t.fail.kind != ERR_NONE || !x->t.data_ok) {
		if (x->t.data_ok) {
			/*
			 * The server waits for data, but something was refused:
			 * drop the connection before any end of data so nothing
			 * is delivered.
			 */
			transcript_note(s->tr, _("a recipient was refused: "
			    "closing without sending the message"));
			s->broken = true;
		}
		return 1;
	}
	expect_final(s, x, rcpts, x->split > 0 ? x->split : n);
	if (body(s, x, src, res, false, e) == -1 || queue_quit(s, x, e) == -1)
		return -1;
	if (settle(s, x, r, T_BLOCK, e) == -1)
		return -1;
	return x->t.fail.kind != ERR_NONE || !x->t.final_ok;
}

/*
 * One transaction's tally into its outcome: 0 when the data was accepted
 * for its recipients, -1 with e set otherwise.
 */
static int
outcome(struct session *s, struct txn *x, int rc, size_t n,
    struct smtp_result *res, struct err *e)
{
	/*
	 * A refused pipelined AUTH and a message the server took anyway
	 * (every other command succeeded): that is a sent message.
	 */
	if (rc == 0 || (x->t.final_ok && x->t.auth_failed && x->t.mail_ok &&
	    x->t.accepted == n)) {
		if (x->t.auth_failed) {
			/*
			 * The data went with a pipelined AUTH that was refused,
			 * and the server took the message anyway.  It is sent: a
			 * failure here would make the caller send it twice.
			 */
			transcript_note(s->tr, _("AUTH was refused, but the server "
			    "accepted the message without it"));
			snprintf(res->warning, sizeof(res->warning), _("%s: %s; "
			    "the server accepted the message without "
			    "authentication"), x->t.fail.text, x->t.fail.server);
		}
		return 0;
	}
	if (x->t.fail.kind == ERR_NONE)	/* cannot happen: DATA was refused */
		err_set(e, ERR_SOFTWARE, "transaction without verdict");
	else
		*e = x->t.fail;
	if (x->t.accepted > 0 && !s->broken && !x->t.final_partial)
		transcript_note(s->tr, _("a recipient was refused: "
		    "the message is not sent to anyone"));
	quit(s);
	return -1;
}

/*
 * The message to every recipient: one transaction, or more where the
 * server limits the recipients of one (452).  res->delivered counts the
 * recipients whose transaction succeeded, always a prefix of rcpts.
 */
static int
submit_message(struct session *s, struct txn *x, const char *sender,
    char *const *rcpts, size_t n, bool *done, struct smtp_source *src,
    struct smtp_result *res, struct reply *r, struct err *e)
{
	size_t	first = 0, i, batch;
	int	rc;

	if (precheck(s, e) == -1) {
		quit(s);
		return -1;
	}
	for (;;) {
		x->done = done + first;
		rc = transaction(s, x, sender, rcpts + first, n - first, src, res,
		    r, e);
		if (rc == -1 || outcome(s, x, rc, n - first, res, e) == -1)
			return -1;
		batch = x->split > 0 ? x->split : n - first;
		for (i = 0; i < batch; i++)
			done[first + i] = true;
		if (x->split == 0)
			break;
		first += x->split;
		transcript_note(s->tr, _("the server takes %zu recipients at a "
		    "time: %zu more in another transaction"), x->split, n - first);
		if (src->rewind(src->ctx) == -1)
			return err_set(e, ERR_IOERR, _("cannot read the message "
			    "again for the other recipients: %s"), strerror(errno));
		txn_reset(x, n - first, true);
	}
	return 0;
}

static void
note_tls(struct session *s, const struct tls_peer *peer)
{
	transcript_note(s->tr, _("TLS session: %s"), peer->session);
	if (peer->have_cert) {
		transcript_note(s->tr, _("server certificate: subject %s"),
		    peer->subject);
		transcript_note(s->tr, _("server certificate: issuer %s"),
		    peer->issuer);
		transcript_note(s->tr, _("server certificate: valid from %s to %s"),
		    peer->not_before, peer->not_after);
		if (peer->names[0] != '\0')
			transcript_note(s->tr, _("server certificate: names %s"),
			    peer->names);
		transcript_note(s->tr, _("server certificate: SHA-256 %s"),
		    peer->sha256);
	}
	transcript_note(s->tr, _("server certificate: %s"), peer->verdict);
}

/*
 * The handshake, under its own deadline; on success TLS carries all.
 * With enforce, an untrusted server fails it (--serverinfo only reports).
 */
static int
start_tls(struct session *s, bool enforce, struct tls_peer *peer,
    struct err *e)
{
	set_step(s, T_COMMAND, _("the TLS handshake"));
	if (tls_start(&s->tls, s->p->tls, s->c, peer, enforce, e) == -1) {
		if (peer->have_cert || peer->session[0] != '\0')
			note_tls(s, peer);
		s->broken = true;
		return -1;
	}
	note_tls(s, peer);
	return 0;
}

/*
 * RFC 3207: the STARTTLS command and the handshake.  Bytes that arrive
 * with the 220 belong to no reply we asked for: a man in the middle may
 * have added them to be read as the answer to our first command inside
 * TLS ("NO STARTTLS", 2021), so they end the session.  After the
 * handshake everything learned before is forgotten (section 4.2); the
 * caller sends EHLO again.
 */
static int
upgrade(struct session *s, struct reply *r, bool enforce,
    struct tls_peer *peer, struct err *e)
{
	size_t extra;

	if (ask(s, r, _("the reply to STARTTLS"), "STARTTLS", NULL, e) == -1)
		return -1;
	if (!trouble_is_success(STAGE_STARTTLS, r->code))
		return refused(s, STAGE_STARTTLS, r, e);
	if ((extra = conn_unread(s->c)) > 0) {
		s->broken = true;
		return err_set(e, ERR_PROTOCOL, _("%s sent %zu bytes after its "
		    "reply to STARTTLS, before the TLS handshake (a STARTTLS "
		    "injection attack?); nothing more is sent"),
		    conn_peer(s->c), extra);
	}
	if (start_tls(s, enforce, peer, e) == -1)
		return -1;
	caps_init(&s->caps);
	return 0;
}

/*
 * A server without STARTTLS ends the session: falling back to clear text
 * is exactly what an attacker who strips STARTTLS wants (RFC 3207
 * section 6).
 */
static int
starttls(struct session *s, struct reply *r, struct err *e)
{
	struct tls_peer peer;

	if (!s->caps.starttls) {
		err_set(e, ERR_UNAVAILABLE, _("%s does not offer STARTTLS; "
		    "smtpsend does not continue without TLS (tls is on)"),
		    conn_peer(s->c));
		quit(s);
		return -1;
	}
	if (upgrade(s, r, true, &peer, e) == -1)
		return -1;
	return hello(s, r, e);
}


/*
 * Cancels an exchange the server cannot finish sensibly: "*" (RFC 4954
 * section 4), its reply read, and the session is over; no MAIL follows.
 */
static void
auth_cancel(struct session *s, struct reply *r)
{
	struct err ignored;

	err_init(&ignored);
	if (queue_cmd(s, &ignored, "*") == 0 &&
	    flush(s, T_COMMAND, _("the reply to the AUTH cancel"), &ignored) == 0)
		(void)read_reply(s, r, T_COMMAND, _("the reply to the AUTH cancel"),
		    &ignored);
	s->broken = true;
}

/*
 * RFC 4954 section 4: AUTH with an initial response for a mechanism that
 * is complete in one step and has no security layer may stand in a
 * pipelined group.  OAuth mechanisms are not among them: their failure is
 * a 334 that must be answered.
 */
static bool
one_step(const char *mech)
{
	return strcmp(mech, "PLAIN") == 0 || strcmp(mech, "EXTERNAL") == 0;
}

/*
 * SMTP AUTH: the mechanism's lines through the session, every step
 * checked.  A one-step AUTH to a server with PIPELINING is only queued
 * (*queued set): its reply is read with the transaction's.
 */
static int
authenticate(struct session *s, struct reply *r, struct smtp_result *res,
    bool *queued, struct err *e)
{
	struct auth_config	 cfg = *s->p->auth;
	struct auth		*a = NULL;
	const char		*line;
	char			 mech[64], visible[96], *resp = NULL, *cb = NULL;
	int			 rc = -1;

	if (s->caps.auth[0] == '\0') {
		err_set(e, ERR_UNAVAILABLE, s->tls != NULL ?
		    _("%s does not offer authentication (AUTH), and auth is on") :
		    _("%s does not offer authentication (AUTH) without TLS, "
		    "and auth is on"), conn_peer(s->c));
		quit(s);
		return -1;
	}
	cfg.tls = s->tls != NULL;
	if (s->tls != NULL && tls_channel_binding(s->tls, &cfg.cb_type, &cb) == 0)
		cfg.cb_data = cb;
	if (auth_choose(&cfg, s->caps.auth, mech, sizeof(mech), e) == -1) {
		quit(s);
		goto out;
	}
	transcript_note(s->tr, _("authenticating as '%s' with %s"),
	    cfg.user ? cfg.user : "", mech);
	if (auth_begin(&a, &cfg, mech, e) == -1 || auth_initial(a, &resp, e) == -1) {
		quit(s);
		goto out;
	}
	snprintf(visible, sizeof(visible), "AUTH %s", mech);
	snprintf(s->auth_mech, sizeof(s->auth_mech), "%s", mech);
	if (queue_auth_line(s, visible, resp == NULL ? NULL :
	    *resp == '\0' ? "=" : resp, e) == -1)
		goto out;
	if (s->caps.pipelining && !s->no_pipe_auth && resp != NULL &&
	    one_step(mech)) {
		*queued = true;
		snprintf(res->auth_mech, sizeof(res->auth_mech), "%s", mech);
		rc = 0;
		goto out;
	}
	auth_free_response(resp);
	resp = NULL;
	for (;;) {
		if (flush(s, T_COMMAND, _("the reply to AUTH"), e) == -1 ||
		    read_reply(s, r, T_COMMAND, _("the reply to AUTH"), e) == -1)
			goto out;
		if (r->code != 334)
			break;
		reply_first_line(r, &line);
		if (auth_step(a, line, strcspn(line, "\n"), &resp, e) == -1) {
			auth_cancel(s, r);
			goto out;
		}
		if (queue_auth_line(s, "", resp, e) == -1)
			goto out;
		auth_free_response(resp);
		resp = NULL;
	}
	if (r->code == 235 && !auth_complete(a)) {
		/* SCRAM: 235 without the server's signature proves nothing. */
		err_set(e, ERR_PROTOCOL, _("AUTH %s: the server said yes before "
		    "proving it knows the password"), mech);
		s->broken = true;
		goto out;
	}
	if (!trouble_is_success(STAGE_AUTH, r->code)) {
		trouble_reply(e, STAGE_AUTH, r, cfg.user);
		if (auth_server_error(a) != NULL)
			snprintf(e->server + strlen(e->server),
			    sizeof(e->server) - strlen(e->server), " (%s)",
			    auth_server_error(a));
		quit(s);
		goto out;
	}
	res->auth = true;
	snprintf(res->auth_mech, sizeof(res->auth_mech), "%s", mech);
	rc = 0;
out:
	auth_free_response(resp);
	auth_end(a);
	free(cb);
	return rc;
}

/* Connects as the parameters say; the session deadline starts here. */
static int
session_connect(struct session *s, const struct smtp_params *p,
    struct err *e)
{
	struct conn_params	cp;
	int64_t			start = clock_ms();

	memset(s, 0, sizeof(*s));
	s->p = p;
	s->tr = p->tr;
	caps_init(&s->caps);
	memset(&cp, 0, sizeof(cp));
	cp.host = p->host;
	cp.port = p->port;
	cp.socket_path = p->socket_path;
	cp.source_ip = p->source_ip;
	cp.timeout_ms = (int)smtp_step_ms(p->timeout_s, T_CONNECT);
	cp.deadline_ms = start + smtp_step_ms(p->timeout_s, T_CONNECT_ALL);
	if (p->socket_path != NULL)
		transcript_note(s->tr, _("connecting to socket %s"), p->socket_path);
	else
		transcript_note(s->tr, _("connecting to %s port %d"), p->host,
		    p->port);
	if (conn_open(&s->c, &cp, e) == -1)
		return -1;
	transcript_note(s->tr, _("connected to %s"), conn_peer(s->c));
	conn_set_session_deadline(s->c, start +
	    smtp_step_ms(p->timeout_s, T_SESSION));
	return 0;
}

static void
session_close(struct session *s)
{
	conn_free(s->c);
	tls_free(s->tls);
	s->c = NULL;
	s->tls = NULL;
}

/*
 * A server that does not take AUTH inside a pipelined group says so with
 * a sequence or synchronisation error (Exim: "554 SMTP synchronization
 * error"), not with a verdict on the credentials.
 */
static bool
pipelined_auth_refused(const struct txn *x)
{
	/*
	 * The message may have been taken when it was all sent, MAIL and
	 * the recipients were accepted, and the reply to the data is what
	 * was lost: a second session could then deliver it twice.
	 */
	bool maybe_taken = x->data_sent && !x->final_seen && x->mail_seen &&
	    !x->refused;

	return x->auth_queued && !x->t.final_ok && !maybe_taken &&
	    (x->auth_code == 500 || x->auth_code == 503 || x->auth_code == 554);
}

/*
 * One connection, start to end.  *again is the code of a refused
 * pipelined AUTH when the session should be tried once more, else 0.
 */
static int
session_submit(const struct smtp_params *p, bool no_pipe_auth,
    const char *sender, char *const *rcpts, size_t nrcpts, bool *done,
    struct smtp_source *src, struct smtp_result *res, int *again,
    struct err *e)
{
	struct session	 s;
	struct tls_peer	 peer;
	struct reply	*r = xmalloc(sizeof(*r));
	struct txn	*x = xcalloc(1, sizeof(*x));
	size_t		 i;
	int		 rc = -1;

	*again = 0;
	memset(res, 0, sizeof(*res));
	memset(done, 0, nrcpts * sizeof(*done));
	if (session_connect(&s, p, e) == -1)
		goto out;
	s.no_pipe_auth = no_pipe_auth;
	snprintf(res->peer, sizeof(res->peer), "%s", conn_peer(s.c));
	if (p->tls != NULL && !p->starttls && start_tls(&s, true, &peer, e) == -1)
		goto out;
	if (greeting(&s, r, e) == -1 || hello(&s, r, e) == -1)
		goto out;
	if (p->tls != NULL && p->starttls && starttls(&s, r, e) == -1)
		goto out;
	res->tls = s.tls != NULL;
	txn_reset(x, nrcpts, src->rewind != NULL);
	x->pipe = s.caps.pipelining;
	if (p->auth != NULL) {
		if (authenticate(&s, r, res, &x->auth_queued, e) == -1)
			goto out;
		if (x->auth_queued)
			expect(x, STAGE_AUTH, p->auth->user);
	}
	rc = submit_message(&s, x, sender, rcpts, nrcpts, done, src, res, r, e);
	for (i = 0; i < nrcpts; i++)
		res->delivered += done[i];
	if (rc == -1) {
		*again = pipelined_auth_refused(x) ? x->auth_code : 0;
		goto out;
	}
	res->auth = s.authed || (p->auth != NULL && !x->auth_queued);
	res->code = r->code;
	reply_summary(r, res->text, sizeof(res->text));
	if (r->code == 250 && reply_server_id(res->text, res->server_id,
	    sizeof(res->server_id)))
		transcript_note(s.tr, _("the server queued the message as %s"),
		    res->server_id);
	quit(&s);
	rc = 0;
out:
	if (rc == -1 && e->reply_code != 0) {
		res->code = e->reply_code;
		snprintf(res->text, sizeof(res->text), "%s", e->server);
	}
	session_close(&s);
	free(x->q);
	free(x);
	free(r);
	return rc;
}

int
smtp_submit(const struct smtp_params *p, const char *sender,
    char *const *rcpts, size_t nrcpts, bool *done, struct smtp_source *src,
    struct smtp_result *res, struct err *e)
{
	int again;

	if (session_submit(p, false, sender, rcpts, nrcpts, done, src, res,
	    &again, e) == 0)
		return 0;
	if (again == 0)
		return -1;
	/* The message was not accepted, so a second session cannot double it. */
	transcript_note(p->tr, _("AUTH inside a pipelined group was refused "
	    "(%d); trying once more with AUTH on its own"), again);
	if (src->started && (src->rewind == NULL || src->rewind(src->ctx) == -1))
		return -1;
	err_init(e);
	return session_submit(p, true, sender, rcpts, nrcpts, done, src, res,
	    &again, e);
}

/* ------------------------------------------------------------ serverinfo */

static void
print_tls(FILE *out, const struct tls_peer *peer)
{
	fprintf(out, _("TLS session: %s\n"), peer->session);
	if (peer->have_cert) {
		fprintf(out, _("server certificate:\n"));
		fprintf(out, _("    subject: %s\n"), peer->subject);
		fprintf(out, _("    issuer: %s\n"), peer->issuer);
		fprintf(out, _("    valid from: %s\n"), peer->not_before);
		fprintf(out, _("    valid until: %s\n"), peer->not_after);
		if (peer->names[0] != '\0')
			fprintf(out, _("    names: %s\n"), peer->names);
		fprintf(out, _("    SHA-256 fingerprint: %s\n"), peer->sha256);
		fprintf(out, _("    SHA-1 fingerprint: %s\n"), peer->sha1);
	}
	fprintf(out, _("    verification: %s\n"), peer->verdict);
}

/* The keyword lines of an EHLO reply, as the server sent them. */
static void
print_caps(FILE *out, const char *title, const struct reply *ehlo)
{
	const char	*p = ehlo->text, *end = p + ehlo->len, *nl;
	bool		 first = true;

	fprintf(out, "%s\n", title);
	if (ehlo->code / 100 != 2) {
		fprintf(out, _("    (none: the server refused EHLO)\n"));
		return;
	}
	for (; p < end; p = nl + 1, first = false) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (first)
			continue;
		fprintf(out, "    %.*s", (int)(nl - p), p);
		if (nl - p > 5 && strncasecmp(p, "SIZE ", 5) == 0)
			fprintf(out, _(" (largest message in bytes)"));
		putc('\n', out);
	}
	if (ehlo->nlines == 1)
		fprintf(out, _("    (no extensions)\n"));
}

static bool
same_reply(const struct reply *a, const struct reply *b)
{
	const char *na = memchr(a->text, '\n', a->len);
	const char *nb = memchr(b->text, '\n', b->len);

	/* Compare the keyword lines only: the first line is a greeting. */
	if (na == NULL || nb == NULL)
		return na == nb;
	return a->len - (size_t)(na - a->text) == b->len - (size_t)(nb - b->text) &&
	    memcmp(na, nb, a->len - (size_t)(na - a->text)) == 0;
}

int
smtp_serverinfo(const struct smtp_params *p, FILE *out, struct err *e)
{
	struct session	 s;
	struct tls_peer	 peer;
	struct reply	*r = xmalloc(sizeof(*r)), *before = NULL;
	char		 sum[512];
	bool		 untrusted = false, stripped = false;
	int		 rc = -1;

	memset(&peer, 0, sizeof(peer));
	if (session_connect(&s, p, e) == -1)
		goto out;
	fprintf(out, _("server: %s\n"), conn_peer(s.c));
	if (p->tls != NULL && !p->starttls) {
		if (start_tls(&s, false, &peer, e) == -1)
			goto out;
		print_tls(out, &peer);
		untrusted = !peer.trusted;
	}
	if (greeting(&s, r, e) == -1)
		goto out;
	reply_summary(r, sum, sizeof(sum));
	fprintf(out, _("greeting: %s\n"), sum);
	if (hello(&s, r, e) == -1)
		goto out;
	print_caps(out, p->tls != NULL && p->starttls ?
	    _("capabilities before TLS:") : _("capabilities:"), r);
	if (p->tls != NULL && p->starttls) {
		if (!s.caps.starttls) {
			fprintf(out, _("STARTTLS: not offered\n"));
			stripped = true;
		} else {
			before = xmalloc(sizeof(*before));
			*before = *r;
			if (upgrade(&s, r, false, &peer, e) == -1)
				goto out;
			print_tls(out, &peer);
			untrusted = !peer.trusted;
			if (hello(&s, r, e) == -1)
				goto out;
			if (same_reply(before, r))
				fprintf(out, _("capabilities after TLS: the same\n"));
			else
				print_caps(out, _("capabilities after TLS:"), r);
		}
	}
	quit(&s);
	if (stripped)
		err_set(e, ERR_UNAVAILABLE, _("%s does not offer STARTTLS"),
		    conn_peer(s.c));
	else if (untrusted)
		err_set(e, ERR_NOPERM, _("TLS with %s: %s"), conn_peer(s.c),
		    peer.verdict);
	else
		rc = 0;
out:
	fflush(out);
	session_close(&s);
	free(before);
	free(r);
	return rc;
}
