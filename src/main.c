/*
 * main.c - one invocation of smtpsend.
 *
 * This is the only place that prints the final error and picks the exit
 * code: everything below returns -1 with a filled struct err, and
 * finish() turns it into one line on standard error and a sysexits code.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "aliases.h"
#include "bs.h"
#include "cli.h"
#include "data.h"
#include "envelope.h"
#include "err.h"
#include "flush.h"
#include "log.h"
#include "msg.h"
#include "nls.h"
#include "queue.h"
#include "rfc5322.h"
#include "slurp.h"
#include "smtp.h"
#include "submit.h"
#include "xalloc.h"

static int
finish(const struct err *e)
{
	int code = err_exit_code(e);

	if (code != 0) {
		if (e->server[0] != '\0')
			fprintf(stderr, "smtpsend: %s: %s\n", e->text, e->server);
		else
			fprintf(stderr, "smtpsend: %s\n", e->text);
	}
	fflush(stdout);
	fflush(stderr);
	return code;
}

/*
 * Standard input carries the message.  If the caller closed it, the first
 * file we open would become descriptor 0 and be read as the message; so
 * /dev/null takes the place (and the run fails with EX_NOINPUT when it
 * needs input).  Closed standard output or error get /dev/null too, so
 * our messages cannot land in a socket or a file opened later.
 */
static bool
guard_standard_fds(void)
{
	bool	stdin_open = fcntl(0, F_GETFD) != -1;
	int	fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			int nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);

			if (nfd != fd && nfd != -1)
				close(nfd);
		}
	return stdin_open;
}

/* Adds each argument, itself an address list ("Name <a@b>, c@d"). */
static int
add_cli_recipients(struct envelope *env, const struct options *o,
    struct err *e)
{
	struct addrlist	l;
	size_t		i, j;
	int		rc = 0;

	for (i = 0; i < o->nrcpts && rc == 0; i++) {
		addrlist_init(&l);
		if (rfc5322_parse_addrlist(o->rcpts[i], strlen(o->rcpts[i]), &l,
		    e) == -1) {
			e->kind = ERR_USAGE;
			rc = -1;
		}
		for (j = 0; j < l.n && rc == 0; j++)
			rc = envelope_add_rcpt(env, l.v[j].spec, ERR_USAGE, e);
		addrlist_release(&l);
	}
	return rc;
}

static int
add_header_recipients(struct envelope *env, struct msg *m, struct err *e)
{
	struct addrlist	l;
	size_t		j;
	int		rc;

	addrlist_init(&l);
	rc = msg_header_recipients(m, &l, e);
	for (j = 0; j < l.n && rc == 0; j++)
		rc = envelope_add_rcpt(env, l.v[j].spec, ERR_DATA, e);
	addrlist_release(&l);
	return rc;
}

/* The domain for Message-ID: never "localhost", which is not unique. */
static char *
msgid_domain(const struct run_account *ra)
{
	const char	*d = ra->acct->domain;
	char		 host[256], *ascii;

	/* In ASCII: a raw IDN in Message-ID would make the header UTF-8. */
	if (d != NULL && *d != '\0' && strcmp(d, "localhost") != 0 &&
	    (ascii = envelope_domain_ascii(d)) != NULL)
		return ascii;
	d = rfc5322_addr_domain(ra->envelope_from);
	if (d != NULL && *d != '\0' && strcmp(d, "localhost") != 0 &&
	    (ascii = envelope_domain_ascii(d)) != NULL)
		return ascii;
	memset(host, 0, sizeof(host));
	if (gethostname(host, sizeof(host) - 1) == 0 &&
	    strchr(host, '.') != NULL && strpbrk(host, "<>@ \r\n") == NULL)
		return xstrdup(host);
	return xstrdup("smtpsend.invalid");
}

static ssize_t
source_read(void *ctx, char *buf, size_t len, struct err *e)
{
	return msg_read(ctx, buf, len, e);
}

#define ALIASES_FILE_MAX	(16 * 1024 * 1024)

/*
 * The domain that completes an address without "@" (a local name such as
 * "root"): qualify_domain, else the EHLO domain when "domain" is set,
 * else the sender's domain; NULL when there is none.
 */
static const char *
qualify_domain(const struct run_account *ra)
{
	const char *d = ra->acct->qualify_domain;

	if (d != NULL && *d != '\0')
		return d;
	if (ra->acct->domain != NULL && *ra->acct->domain != '\0' &&
	    strcmp(ra->helo, "localhost") != 0)
		return ra->helo;
	d = ra->envelope_from ? rfc5322_addr_domain(ra->envelope_from) : NULL;
	return d != NULL && *d != '\0' ? d : NULL;
}

static char *
qualified(const char *addr, const char *domain)
{
	if (domain == NULL || *addr == '\0' || strchr(addr, '@') != NULL)
		return xstrdup(addr);
	return xasprintf("%s@%s", addr, domain);
}

/*
 * The envelope as it is sent: every collected recipient through the
 * aliases file (recursively), then local names completed with the
 * qualify domain; the sender completed too.  Headers are not touched
 * here (qualify_headers does that in msg_fixup()).
 */
static int
final_envelope(const struct run_account *ra, const struct envelope *raw,
    enum err_kind kind, struct envelope *env, struct err *e)
{
	const char	*dom = qualify_domain(ra);
	struct aliases	*al = NULL;
	struct buf	 text;
	char		**list, *q;
	size_t		 i, j, n;
	int		 rc = -1;

	if (ra->acct->aliases != NULL && *ra->acct->aliases != '\0') {
		if (slurp(ra->acct->aliases, ALIASES_FILE_MAX, ERR_CONFIG, false,
		    false, &text, NULL, e) == -1)
			return -1;
		rc = aliases_parse(&al, text.data ? text.data : "", text.len,
		    ra->acct->aliases, e);
		buf_release(&text);
		if (rc == -1)
			return -1;
		rc = -1;
	}
	q = qualified(raw->sender, dom);
	if (envelope_set_sender(env, q, kind, e) == -1) {
		free(q);
		goto out;
	}
	free(q);
	for (i = 0; i < raw->nrcpts; i++) {
		list = NULL;
		n = 0;
		if (al != NULL) {
			if (aliases_expand(al, raw->rcpts[i], &list, &n, e) == -1)
				goto out;
		} else {
			list = xcalloc(1, sizeof(*list));
			list[n++] = xstrdup(raw->rcpts[i]);
		}
		for (j = 0; j < n; j++) {
			q = qualified(list[j], dom);
			rc = envelope_add_rcpt(env, q, kind, e);
			free(q);
			if (rc == -1) {
				aliases_free_list(list, n);
				goto out;
			}
			rc = -1;
		}
		aliases_free_list(list, n);
	}
	rc = 0;
out:
	aliases_free(al);
	return rc;
}

#define SPOOL_CHUNK	(64 * 1024)

/*
 * RFC 6531: SMTPUTF8 is asked for exactly when something needs it, a
 * non-ASCII local part (a domain goes as its A-label) or raw UTF-8 in
 * the header block (RFC 6532).  8-bit text in the body is 8BITMIME's.
 */
static bool
needs_smtputf8(const struct envelope *env, const struct msg *m)
{
	size_t i;

	if (envelope_needs_utf8(env->sender) || msg_header_is_utf8(m))
		return true;
	for (i = 0; i < env->nrcpts; i++)
		if (envelope_needs_utf8(env->rcpts[i]))
			return true;
	return false;
}

/*
 * The queue on: the message goes to disk first, complete and durable,
 * and only then is it tried (unless the queue is "always").  What is
 * spooled is what would be sent: CRLF line ends, checked, cut at a lone
 * "." where that ends the input, not dot-stuffed.  Returns 0 when it was
 * sent or is safely queued; *logged says whether the log has the run.
 */
static int
send_queued(const struct options *o, const struct run_account *ra,
    const struct envelope *env, struct msg *m, unsigned enc_flags,
    bool *logged, struct err *e)
{
	struct queue		*q = NULL;
	struct queue_writer	*w = NULL;
	struct queue_item	*it = NULL;
	struct queue_meta	 meta;
	struct data_enc		 enc;
	struct smtp_result	 res;
	char			*in = xmalloc(SPOOL_CHUNK);
	char			*out = xmalloc(DATA_ENC_BOUND(SPOOL_CHUNK));
	char			 why[ERR_TEXT_MAX + ERR_SERVER_MAX + 8];
	size_t			 off, used, outlen, consumed = 0;
	size_t			 header_len = msg_header_length(m);
	ssize_t			 n;
	int			 rc = -1, r = 0;
	bool			 always = ra->acct->queue == QUEUE_ALWAYS;
	bool			 eight = false;

	*logged = false;
	queue_meta_init(&meta);
	memset(&res, 0, sizeof(res));
	if (flush_open(ra, &q, e) == -1 || queue_begin(q, &w, e) == -1)
		goto out;
	data_enc_init(&enc, enc_flags, 1);
	while (r == 0) {
		if (consumed == header_len)	/* the body begins */
			enc.lineno = msg_body_line(m);
		if ((n = msg_read(m, in, SPOOL_CHUNK, e)) == -1)
			goto out;
		if (n == 0)
			break;
		consumed += (size_t)n;
		for (off = 0; off < (size_t)n && r == 0; off += used) {
			if ((r = data_enc_feed(&enc, in + off, (size_t)n - off,
			    &used, out, &outlen, e)) == -1)
				goto out;
			eight = eight || data_has_8bit(out, outlen);
			if (eight && o->body == 7) {
				err_set(e, ERR_DATA, _("8-bit octets by input line "
				    "%lu, but the body was declared 7-bit "
				    "(-B 7BIT)"), enc.lineno);
				goto out;
			}
			if (queue_write(w, out, outlen, e) == -1)
				goto out;
		}
	}
	outlen = data_enc_finish(&enc, out);
	if (queue_write(w, out, outlen, e) == -1)
		goto out;
	flush_meta_for_send(&meta, o, ra, env->sender, env->rcpts, env->nrcpts,
	    time(NULL));
	/* Known exactly now: BODY=8BITMIME only for a body that needs it. */
	meta.body = eight ? 8 : 7;
	meta.smtputf8 = needs_smtputf8(env, m);
	r = queue_commit(w, &meta, always ? NULL : &it, e);
	w = NULL;
	if (r == -1)
		goto out;
	/* From here the message is safe: whatever happens, exit 0 or a refusal. */
	if (always || it == NULL) {
		submit_log(ra, env->sender, env->rcpts, env->nrcpts, &res, e,
		    meta.id, "queued");
		*logged = true;
		rc = 0;
		goto out;
	}
	*logged = true;
	r = flush_item(o, it, true, ra, e);
	queue_item_release(it);
	if (r == 2)
		goto out;	/* refused for good: the run's error */
	if (r != 0) {
		flush_reason(e, why, sizeof(why));
		fprintf(stderr, _("smtpsend: queued: %s: %s; will retry\n"),
		    meta.id, why);
		err_clear(e);
	} else
		flush_opportunistic(o, &meta, q);
	rc = 0;
out:
	if (w != NULL)
		queue_abort(w);
	queue_meta_release(&meta);
	queue_close(q);
	free(in);
	free(out);
	return rc;
}

/* One -bs transaction: the sender and recipients from MAIL and RCPT. */
struct txn {
	const char	*sender;
	char *const	*rcpts;
	size_t		 nrcpts;
};

/*
 * One message from descriptor in: the usual run, or (txn) one -bs
 * transaction, whose envelope comes from the SMTP dialogue and whose data
 * arrives already complete (a lone "." in it is content).
 */

static int
run(const struct options *base, int in, const struct txn *txn, struct err *e)
{
	struct options		 txo;
	const struct options	*o = base;
	struct envelope		 raw;
	struct run_account	 ra;
	struct envelope		 env;
	struct msg		*m = NULL;
	struct smtp_source	 src;
	struct smtp_result	 res;
	struct submit_job	 job;
	struct msg_fixup	 fx;
	struct addrlist		 hfrom;
	char			*header_from = NULL, *domain = NULL;
	int			 rc = -1;
	enum err_kind		 kind;
	bool			 log_it = false, logged;

	run_account_init(&ra);
	envelope_init(&env);
	envelope_init(&raw);
	addrlist_init(&hfrom);
	memset(&res, 0, sizeof(res));

	if (txn != NULL) {
		txo = *base;
		txo.mode = MODE_SEND;
		txo.from = txn->sender;
		txo.rcpts = (char **)(uintptr_t)txn->rcpts;
		txo.nrcpts = txn->nrcpts;
		txo.read_recipients = false;
		txo.read_envelope_from = false;
		txo.ignore_dots = true;
		o = &txo;
	}
	/* --read-envelope-from needs the header before the account. */
	if (o->mode == MODE_SEND && o->read_envelope_from) {
		if (msg_open(&m, in, e) == -1 ||
		    msg_header_from(m, &hfrom, e) == -1)
			goto out;
		if (hfrom.n == 0) {
			err_set(e, ERR_DATA, _("--read-envelope-from: the message "
			    "has no From field"));
			goto out;
		}
		header_from = hfrom.v[0].spec;
	}
	rc = account_resolve(&ra, o, header_from, e);
	if (o->mode == MODE_SERVERINFO) {
		if (rc == 0 && (rc = account_check_supported(&ra, e)) == 0)
			rc = submit_serverinfo(&ra, o->debug, stdout, e);
		goto out;
	}
	if (o->mode == MODE_PRETEND) {
		/* What could be resolved helps most when something could not. */
		if (ra.acct != NULL)
			account_print(&ra, stdout);
		if (rc == 0)
			rc = account_check_supported(&ra, e);
		goto out;
	}
	/* From here on every outcome goes to the account's log. */
	log_it = ra.acct != NULL;
	if (rc == -1 || (rc = account_check_supported(&ra, e)) == -1)
		goto out;
	rc = -1;
	kind = ra.sender_from == SENDER_FROM_COMMAND_LINE ? ERR_USAGE :
	    ra.sender_from == SENDER_FROM_HEADER ? ERR_DATA : ERR_CONFIG;
	if (envelope_set_sender(&raw, ra.envelope_from, kind, e) == -1 ||
	    add_cli_recipients(&raw, o, e) == -1)
		goto out;
	if (m == NULL && msg_open(&m, in, e) == -1)
		goto out;
	if (o->read_recipients && add_header_recipients(&raw, m, e) == -1)
		goto out;
	if (final_envelope(&ra, &raw, kind, &env, e) == -1)
		goto out;
	if (env.nrcpts == 0) {
		err_set(e, o->read_recipients ? ERR_DATA : ERR_USAGE,
		    o->read_recipients ?
		    _("no recipients: none given and none found in the header") :
		    _("no recipients given (use -t to take them from the header)"));
		goto out;
	}

	memset(&fx, 0, sizeof(fx));
	domain = msgid_domain(&ra);
	fx.envelope_from = env.sender;
	fx.from_name = ra.acct->from_full_name;
	fx.set_from = ra.acct->set_from_header == TRI_ON ? MSG_FROM_ALWAYS :
	    ra.acct->set_from_header == TRI_OFF ? MSG_FROM_NEVER :
	    MSG_FROM_WHEN_MISSING;
	fx.set_date = ra.acct->set_date_header;
	fx.set_msgid = ra.acct->set_msgid_header;
	fx.remove_bcc = ra.acct->remove_bcc_headers;
	fx.undisclosed = ra.acct->undisclosed_recipients;
	fx.msgid_domain = domain;
	fx.now = time(NULL);
	fx.qualify_domain = ra.acct->qualify_headers ? qualify_domain(&ra) : NULL;
	memset(&src, 0, sizeof(src));
	src.enc_flags = o->ignore_dots ? 0 : DATA_DOT_ENDS_INPUT;
	if (msg_fixup(m, &fx, e) == -1 ||
	    msg_check_ahead(m, src.enc_flags, e) == -1)
		goto out;
	if (ra.acct->queue != QUEUE_OFF) {
		rc = send_queued(o, &ra, &env, m, src.enc_flags, &logged, e);
		log_it = !logged;
		goto out;
	}
	src.read = source_read;
	src.ctx = m;
	src.header_len = msg_header_length(m);
	src.body_line = msg_body_line(m);
	memset(&job, 0, sizeof(job));
	job.ra = &ra;
	job.sender = env.sender;
	job.rcpts = env.rcpts;
	job.nrcpts = env.nrcpts;
	job.dsn_notify = ra.acct->dsn_notify;
	job.dsn_return = ra.acct->dsn_return;
	job.envid = o->envid;
	job.debug = o->debug;
	job.body = o->body == 7 ? SMTP_BODY_7BIT : o->body == 8 ? SMTP_BODY_8BIT :
	    SMTP_BODY_UNKNOWN;
	job.src = &src;
	job.smtputf8 = needs_smtputf8(&env, m);
	/* Standard input a regular file: its size is known, SIZE and BDAT. */
	job.size = msg_wire_size(m, src.enc_flags);
	job.done = xcalloc(env.nrcpts > 0 ? env.nrcpts : 1, sizeof(bool));
	rc = submit(&job, &res, e);
	if (rc != 0 && res.delivered > 0)
		submit_warn_delivered(NULL, env.rcpts, env.nrcpts, job.done);
	free(job.done);
out:
	if (log_it)
		submit_log(&ra, env.sender, env.rcpts, env.nrcpts, &res, e, NULL,
		    NULL);
	msg_free(m);
	free(domain);
	addrlist_release(&hfrom);
	envelope_release(&env);
	envelope_release(&raw);
	run_account_release(&ra);
	return rc;
}

struct bs_ctx {
	const struct options	*o;
};

static int
bs_deliver(void *ctx, const char *sender, char *const *rcpts, size_t n,
    int fd, struct err *e)
{
	struct bs_ctx	*c = ctx;
	struct txn	 t = { sender, rcpts, n };

	return run(c->o, fd, &t, e);
}

/* -bs: SMTP on standard input and output; each transaction a run. */
static int
run_smtp_stdio(const struct options *o, struct err *e)
{
	struct bs_ctx	ctx = { o };
	char		host[256];

	memset(host, 0, sizeof(host));
	if (gethostname(host, sizeof(host) - 1) == -1 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	return bs_serve(STDIN_FILENO, STDOUT_FILENO, host, bs_deliver, &ctx, e);
}

int
main(int argc, char **argv)
{
	struct options	o;
	struct err	e;
	bool		stdin_open;
	int		code;

	stdin_open = guard_standard_fds();
	setlocale(LC_ALL, "");
#ifdef ENABLE_NLS
	bindtextdomain(PACKAGE, LOCALEDIR);
	textdomain(PACKAGE);
#endif
	/* Writes to a closed pipe must fail with EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/* An inherited "ignore" would make our children unwaitable. */
	signal(SIGCHLD, SIG_DFL);

	err_init(&e);
	options_init(&o);
	if (cli_parse(&o, argc, argv, &e) == -1) {
		options_release(&o);
		return finish(&e);
	}
	switch (o.mode) {
	case MODE_HELP:
		cli_help(stdout);
		break;
	case MODE_VERSION:
		cli_version(stdout);
		break;
	case MODE_LIST_QUEUE:
		(void)flush_list(&o, stdout, &e);
		break;
	case MODE_FLUSH_QUEUE:
		(void)flush_queue(&o, &e);
		break;
	case MODE_QUEUE_REMOVE:
		(void)flush_remove(&o, &e);
		break;
	case MODE_QUEUE_RETRY:
		(void)flush_retry(&o, &e);
		break;
	case MODE_NEWALIASES:
		break;	/* the aliases file is read as it is, every run */
	case MODE_SMTP_STDIO:
		if (!stdin_open)
			err_set(&e, ERR_NOINPUT, _("standard input is closed"));
		else
			(void)run_smtp_stdio(&o, &e);
		break;
	case MODE_SEND:
		if (!stdin_open) {
			err_set(&e, ERR_NOINPUT, _("standard input is closed: no "
			    "message to send"));
			break;
		}
		/* FALLTHROUGH */
	default:
		(void)run(&o, STDIN_FILENO, NULL, &e);
		break;
	}
	options_release(&o);
	code = finish(&e);
	if (code == 0 && (fflush(stdout) == EOF || ferror(stdout))) {
		fprintf(stderr, "smtpsend: %s\n", _("cannot write to standard output"));
		code = 74;
	}
	return code;
}
