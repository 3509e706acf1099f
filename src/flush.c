/*
 * flush.c - working the queue: retries, listing, removal, expiry, notices.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "data.h"
#include "envelope.h"
#include "flush.h"
#include "msgid.h"
#include "nls.h"
#include "rfc5322.h"
#include "spawn.h"
#include "submit.h"
#include "xalloc.h"

#define NOTICE_HEADER_MAX	(32 * 1024)
#define NOTICE_MAX		(64 * 1024)

long
flush_backoff(int attempts, uint32_t r)
{
	long	base = FLUSH_FIRST_RETRY_S;
	int	i;

	for (i = 1; i < attempts && base < FLUSH_MAX_RETRY_S; i++)
		base *= 2;
	if (base > FLUSH_MAX_RETRY_S)
		base = FLUSH_MAX_RETRY_S;
	/* 80% to 120% of it. */
	return base * (80 + (long)(r % 41)) / 100;
}

static uint32_t
random32(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	return r;
}

/* "45s", "12m", "3h05m", "2d04h". */
static void
format_duration(long s, char *out, size_t size)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, size, "%lds", s);
	else if (s < 3600)
		snprintf(out, size, "%ldm", s / 60);
	else if (s < 86400)
		snprintf(out, size, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, size, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
}

void
flush_reason(const struct err *e, char *out, size_t size)
{
	char *p;

	if (e->server[0] != '\0')
		snprintf(out, size, "%s: %s", e->text, e->server);
	else
		snprintf(out, size, "%s", e->text[0] ? e->text : _("unknown error"));
	for (p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

int
flush_open(const struct run_account *ra, struct queue **q, struct err *e)
{
	*q = NULL;
	if (ra->queue_dir == NULL)
		return err_set(e, ERR_CONFIG, _("no place for the queue: there "
		    "is no home directory; set queue_dir"));
	return queue_open(q, ra->queue_dir, e);
}

/* The -C file as recorded: absolute, so a flush from elsewhere finds it. */
static char *
run_config(const struct options *o)
{
	char *p;

	if (o->conf_file == NULL)
		return NULL;
	if ((p = realpath(o->conf_file, NULL)) != NULL)
		return p;
	return xstrdup(o->conf_file);
}

void
flush_meta_for_send(struct queue_meta *m, const struct options *o,
    const struct run_account *ra, const char *sender, char *const *rcpts,
    size_t nrcpts, time_t now)
{
	const struct account	*a = ra->acct;
	size_t			 i;

	m->config = run_config(o);
	m->account = o->host == NULL && a->name != NULL ? xstrdup(a->name) :
	    NULL;
	m->settings = xcalloc(o->nsettings + 1, sizeof(*m->settings));
	for (i = 0; i < o->nsettings; i++)
		m->settings[i] = xasprintf("%s=%s", o->settings[i].key,
		    o->settings[i].value);
	m->nsettings = o->nsettings;
	m->sender = xstrdup(sender);
	m->rcpts = xcalloc(nrcpts + 1, sizeof(*m->rcpts));
	for (i = 0; i < nrcpts; i++)
		m->rcpts[i] = xstrdup(rcpts[i]);
	m->nrcpts = nrcpts;
	m->dsn_notify = a->dsn_notify != NULL ? xstrdup(a->dsn_notify) : NULL;
	m->dsn_return = a->dsn_return != NULL ? xstrdup(a->dsn_return) : NULL;
	m->envid = o->envid != NULL ? xstrdup(o->envid) : NULL;
	m->created = m->next = now;
	m->attempts = 0;
}

/* ------------------------------------------------------------ one item */

/* The options a run had, rebuilt from what its item recorded. */
struct item_options {
	struct options	 o;
	char		**owned;
	size_t		 nowned;
};

static const char *
own(struct item_options *io, char *s)
{
	io->owned = xreallocarray(io->owned, io->nowned + 1, sizeof(char *));
	io->owned[io->nowned++] = s;
	return s;
}

static void
item_options_build(struct item_options *io, const struct options *base,
    const struct queue_meta *m)
{
	size_t	i;

	memset(io, 0, sizeof(*io));
	options_init(&io->o);
	io->o.mode = MODE_SEND;
	io->o.debug = base->debug;
	io->o.conf_file = m->config;
	io->o.account = m->account;
	io->o.from = m->sender;
	io->o.envid = m->envid;
	io->o.settings = xcalloc(m->nsettings + 1, sizeof(*io->o.settings));
	for (i = 0; i < m->nsettings; i++) {
		const char	*s = m->settings[i], *eq = strchr(s, '=');
		struct cli_setting *cs = &io->o.settings[io->o.nsettings];

		if (eq == NULL || eq == s)
			continue;
		cs->key = own(io, xstrndup(s, (size_t)(eq - s)));
		cs->value = eq + 1;
		cs->option = cs->key;
		if (strcmp(cs->key, "host") == 0 && m->account == NULL)
			io->o.host = cs->value;
		io->o.nsettings++;
	}
}

static void
item_options_release(struct item_options *io)
{
	size_t i;

	for (i = 0; i < io->nowned; i++)
		free(io->owned[i]);
	free(io->owned);
	free(io->o.settings);
}

static ssize_t
fd_read(void *ctx, char *buf, size_t len, struct err *e)
{
	int	fd = *(int *)ctx;
	ssize_t	n;

	do
		n = read(fd, buf, len);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return err_set(e, ERR_IOERR, _("cannot read the queued message: "
		    "%s"), strerror(errno));
	return n;
}

static int
fd_rewind(void *ctx)
{
	return lseek(*(int *)ctx, 0, SEEK_SET) == 0 ? 0 : -1;
}

struct mem_source {
	const char	*p;
	size_t		 len, off;
};

static ssize_t
mem_read(void *ctx, char *buf, size_t len, struct err *e)
{
	struct mem_source *m = ctx;

	(void)e;
	if (len > m->len - m->off)
		len = m->len - m->off;
	memcpy(buf, m->p + m->off, len);
	m->off += len;
	return (ssize_t)len;
}

static int
mem_rewind(void *ctx)
{
	((struct mem_source *)ctx)->off = 0;
	return 0;
}

/*
 * A refusal no retry can change: a 5xx reply (but for AUTH: a fixed
 * password fixes it), a message the server cannot take, an unknown
 * recipient.  Anything else (network, 4xx, our configuration) may heal.
 */
static bool
permanent(const struct err *e)
{
	if (e->kind == ERR_DATA || e->kind == ERR_NOUSER)
		return true;
	return e->reply_code >= 500 && e->kind != ERR_NOPERM;
}

/*
 * What a first try may leave queued: a temporary failure, and a local
 * one (no descriptors, no memory for a thread, a read of the queued copy)
 * that the next run may not meet.  Anything else is the caller's to hear
 * now, exactly as without a queue.
 */
static bool
queue_on_first(const struct err *e)
{
	return e->kind == ERR_TEMPFAIL || e->kind == ERR_OSERR ||
	    e->kind == ERR_IOERR;
}

/* The header block of the message (LF line ends) for a notice. */
static void
header_block(struct queue_item *it, struct buf *b)
{
	char		 h[NOTICE_HEADER_MAX];
	size_t		 n = 0, i;
	ssize_t		 r;
	int		 fd = queue_item_fd(it);
	struct err	 ignored;

	while (n < sizeof(h) && (r = read(fd, h + n, sizeof(h) - n)) > 0)
		n += (size_t)r;
	for (i = 0; i + 3 < n; i++)
		if (memcmp(h + i, "\r\n\r\n", 4) == 0)
			break;
	n = i + 3 < n ? i + 2 : n;
	err_init(&ignored);
	for (i = 0; i < n; i++)
		if (h[i] != '\r')
			(void)buf_addch(b, h[i], &ignored);
}

static void
addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
addf(struct buf *b, const char *fmt, ...)
{
	va_list		 ap;
	char		*s;
	struct err	 ignored;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		return;
	err_init(&ignored);
	(void)buf_addstr(b, s, &ignored);
	free(s);
}

static void
format_date(time_t t, char *out, size_t size)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    rfc5322_format_date(out, size, &tm, tm.tm_gmtoff) == 0)
		snprintf(out, size, "%lld", (long long)t);
}

/*
 * The notice of an item given up, to queue_notify: an address (sent
 * through the item's account, never queued) or "|command".  Failing to
 * notify is a warning: the item is in failed/ and was reported anyway.
 */
static void
notify(const struct options *o, const struct run_account *ra, bool resolved,
    struct queue_item *it, const char *why)
{
	const struct queue_meta	*m = queue_item_meta(it);
	const char		*to = ra->acct != NULL ? ra->acct->queue_notify :
				    NULL;
	struct buf		 b;
	struct err		 ne;
	char			 date[64], since[64], mid[256];
	char			*kept;
	const char		*subject;
	size_t			 i;
	int64_t			 sz;

	if (to == NULL || *to == '\0')
		return;
	if (to[0] != '|' && (!resolved || strpbrk(to, " \t<>()\",;") != NULL ||
	    strchr(to, '@') == NULL)) {
		submit_warn(NULL, resolved ? _("queue_notify is neither an "
		    "address nor a |command: no notice sent") : _("the item's "
		    "account cannot be used: no notice sent"));
		return;
	}
	err_init(&ne);
	buf_init(&b, NOTICE_MAX, ERR_SOFTWARE, "notice");
	format_date(time(NULL), date, sizeof(date));
	format_date(m->created, since, sizeof(since));
	if (msgid_make(mid, sizeof(mid), ra->helo != NULL ? ra->helo :
	    "smtpsend.invalid", time(NULL), &ne) == -1)
		snprintf(mid, sizeof(mid), "<%s@smtpsend.invalid>", m->id);
	kept = queue_item_path(it);
	addf(&b, "Date: %s\n", date);
	addf(&b, "From: %s\n", m->sender[0] != '\0' ? m->sender :
	    ra->envelope_from != NULL && ra->envelope_from[0] != '\0' ?
	    ra->envelope_from : "MAILER-DAEMON");
	if (to[0] != '|')
		addf(&b, "To: %s\n", to);
	subject = _("Undelivered mail: smtpsend gave up");
	for (i = 0; subject[i] != '\0'; i++)
		if ((unsigned char)subject[i] >= 0x80)
			break;
	/* A header field is ASCII; a translation that is not stays out. */
	addf(&b, "Subject: %s\n", subject[i] == '\0' ? subject :
	    "Undelivered mail: smtpsend gave up");
	addf(&b, "Message-ID: %s\n", mid);
	addf(&b, "Auto-Submitted: auto-generated\n");
	addf(&b, "MIME-Version: 1.0\n");
	addf(&b, "Content-Type: text/plain; charset=UTF-8\n");
	addf(&b, "Content-Transfer-Encoding: 8bit\n\n");
	addf(&b, "%s\n\n", _("smtpsend gave up delivering this message."));
	addf(&b, "%s %s\n", _("Queue id:"), m->id);
	addf(&b, "%s %s\n", _("Sender:"), m->sender[0] ? m->sender : "<>");
	/* One per line: the body's lines stay far below 998 octets. */
	for (i = 0; i < m->nrcpts; i++)
		addf(&b, "%s %.900s\n", i == 0 ? _("Recipients:") : "   ",
		    m->rcpts[i]);
	addf(&b, "%s %d\n", _("Attempts:"), m->attempts);
	addf(&b, "%s %s\n", _("Queued since:"), since);
	addf(&b, "%s %.900s\n", _("Last error:"), why);
	addf(&b, "%s %s\n\n", _("Kept in:"), kept);
	addf(&b, "%s\n\n", _("The message's header:"));
	header_block(it, &b);
	free(kept);

	if (to[0] == '|') {
		if (spawn_feed(to + 1, "queue_notify", "SMTPSEND_QUEUE_ID", m->id,
		    b.data ? b.data : "", b.len, ra->timeout_s > 0 ?
		    ra->timeout_s : 60, &ne) == -1)
			submit_warn(NULL, ne.text);
	} else {
		struct mem_source	ms = { b.data ? b.data : "", b.len, 0 };
		struct smtp_source	src;
		struct smtp_result	res;
		struct submit_job	j;
		char			*rcpt;
		bool			 done1;
		struct envelope		 env;

		/* The address as it goes on the wire (an IDN as its A-label). */
		envelope_init(&env);
		if (envelope_add_rcpt(&env, to, ERR_CONFIG, &ne) == -1) {
			submit_warn(NULL, ne.text);
			envelope_release(&env);
			buf_release(&b);
			return;
		}
		rcpt = env.rcpts[0];
		memset(&src, 0, sizeof(src));
		src.read = mem_read;
		src.rewind = mem_rewind;
		src.ctx = &ms;
		src.body_line = 1;
		memset(&j, 0, sizeof(j));
		memset(&res, 0, sizeof(res));
		j.ra = ra;
		j.sender = m->sender;
		j.rcpts = &rcpt;
		j.nrcpts = 1;
		j.debug = o->debug;
		j.body = data_has_8bit(ms.p, ms.len) ? SMTP_BODY_8BIT :
		    SMTP_BODY_7BIT;
		/* Exactly what the encoder makes of it: BDAT announces it. */
		sz = data_enc_size(ms.p, ms.len, 0, &ne);
		j.size = sz > 0 ? (uint64_t)sz : 0;
		err_init(&ne);
		j.src = &src;
		j.done = &done1;
		j.smtputf8 = envelope_needs_utf8(m->sender) ||
		    envelope_needs_utf8(rcpt);
		if (submit(&j, &res, &ne) == -1) {
			char	 why2[ERR_TEXT_MAX + ERR_SERVER_MAX + 8];
			char	*w;

			flush_reason(&ne, why2, sizeof(why2));
			w = xasprintf(_("cannot send the notice to %s: %s"), to,
			    why2);
			submit_warn(NULL, w);
			free(w);
		}
		envelope_release(&env);
	}
	buf_release(&b);
}

/*
 * Some recipients have the message in spite of the failure (a server
 * taking only so many at a time, an LMTP server refusing some after the
 * data): they are done, and only the others stay with the item, so that
 * no retry sends it to them twice.
 */
static void
drop_delivered(struct queue_meta *m, const bool *done)
{
	size_t	i, k = 0;

	submit_warn_delivered(m->id, m->rcpts, m->nrcpts, done);
	for (i = 0; i < m->nrcpts; i++) {
		if (done[i])
			free(m->rcpts[i]);
		else
			m->rcpts[k++] = m->rcpts[i];
	}
	m->nrcpts = k;
}

int
flush_item(const struct options *o, struct queue_item *it, bool first,
    const struct run_account *given, struct err *e)
{
	struct queue_meta	*m = queue_item_meta(it);
	struct run_account	 own;
	const struct run_account *ra = given;
	struct item_options	 io;
	struct smtp_source	 src;
	struct smtp_result	 res;
	struct submit_job	 j;
	struct err		 qe;
	char			 why[ERR_TEXT_MAX + ERR_SERVER_MAX + 8];
	char			*kept, *w;
	time_t			 now;
	long			 lifetime;
	int			 fd, rc;
	bool			 resolved = true;

	run_account_init(&own);
	memset(&res, 0, sizeof(res));
	memset(&io, 0, sizeof(io));
	memset(&j, 0, sizeof(j));
	err_init(&qe);
	if (ra == NULL) {
		item_options_build(&io, o, m);
		if (account_resolve(&own, &io.o, NULL, e) == -1 ||
		    account_check_supported(&own, e) == -1) {
			ra = &own;
			resolved = false;
			goto failed;
		}
		ra = &own;
	}
	fd = queue_item_fd(it);
	memset(&src, 0, sizeof(src));
	src.read = fd_read;
	src.rewind = fd_rewind;
	src.ctx = &fd;
	src.enc_flags = 0;	/* stored as it is sent: a "." line is content */
	src.body_line = 1;
	memset(&j, 0, sizeof(j));
	j.ra = ra;
	j.sender = m->sender;
	j.rcpts = m->rcpts;
	j.nrcpts = m->nrcpts;
	j.dsn_notify = m->dsn_notify;
	j.dsn_return = m->dsn_return;
	j.envid = m->envid;
	j.debug = o->debug;
	j.body = m->body == 8 ? SMTP_BODY_8BIT : m->body == 7 ? SMTP_BODY_7BIT :
	    SMTP_BODY_UNKNOWN;
	j.size = m->size;	/* exact: the bytes as stored, before stuffing */
	j.src = &src;
	j.smtputf8 = m->smtputf8;
	j.done = xcalloc(m->nrcpts > 0 ? m->nrcpts : 1, sizeof(bool));
	if (submit(&j, &res, e) == 0) {
		if (queue_item_done(it, &qe) == -1) {
			w = xasprintf(_("%s was sent, but %s; it may be sent "
			    "again"), m->id, qe.text);
			submit_warn(NULL, w);
			free(w);
		}
		/* A first try that works logs as msmtp would: no queue field. */
		submit_log(ra, m->sender, m->rcpts, m->nrcpts, &res, e,
		    first ? NULL : m->id, first ? NULL : "sent");
		rc = 0;
		goto out;
	}
failed:
	now = time(NULL);
	flush_reason(e, why, sizeof(why));
	if (res.delivered > 0 && res.delivered < m->nrcpts)
		drop_delivered(m, j.done);
	if (first && !queue_on_first(e)) {
		/* Refused at once: the caller hears it as without a queue. */
		if (queue_item_done(it, &qe) == -1)
			submit_warn(NULL, qe.text);
		submit_log(ra, m->sender, m->rcpts, m->nrcpts, &res, e, NULL,
		    NULL);
		rc = 2;
		goto out;
	}
	lifetime = ra->acct != NULL ? ra->acct->queue_lifetime :
	    QUEUE_LIFETIME_DEFAULT_S;
	if (!first && (permanent(e) || now - m->created >= lifetime)) {
		if (!permanent(e)) {
			char	life[32];
			char	*longer;

			format_duration(lifetime, life, sizeof(life));
			longer = xasprintf(_("%s (queued for longer than %s)"),
			    why, life);
			snprintf(why, sizeof(why), "%s", longer);
			free(longer);
		}
		if (queue_item_fail(it, why, &qe) == -1) {
			*e = qe;
			rc = -1;
			goto out;
		}
		kept = queue_item_path(it);
		fprintf(stderr, _("smtpsend: %s: given up after %d attempts: %s "
		    "(kept in %s)\n"), m->id, m->attempts, why, kept);
		free(kept);
		submit_log(ra, m->sender, m->rcpts, m->nrcpts, &res, e, m->id,
		    "failed");
		notify(o, ra, resolved, it, why);
		rc = 2;
		goto out;
	}
	if (queue_item_defer(it, why, now + flush_backoff(m->attempts + 1,
	    random32()), &qe) == -1) {
		*e = qe;
		rc = -1;
		goto out;
	}
	submit_log(ra, m->sender, m->rcpts, m->nrcpts, &res, e, m->id,
	    first ? "queued" : "deferred");
	rc = 1;
out:
	free(j.done);
	if (given == NULL) {
		item_options_release(&io);
		run_account_release(&own);
	}
	return rc;
}

/* ------------------------------------------------------------ modes */

/* The queue of the account the options name, for the queue-only modes. */
static int
open_for(const struct options *o, struct run_account *ra, struct queue **q,
    bool create, struct err *e)
{
	struct stat st;

	*q = NULL;
	if (account_resolve(ra, o, NULL, e) == -1)
		return -1;
	if (ra->queue_dir == NULL)
		return err_set(e, ERR_CONFIG, _("no place for the queue: there "
		    "is no home directory; set queue_dir"));
	if (!create && stat(ra->queue_dir, &st) == -1 && errno == ENOENT)
		return 1;	/* never made: nothing in it */
	return queue_open(q, ra->queue_dir, e) == -1 ? -1 : 0;
}

struct tally {
	int	sent, deferred, given_up, errors;
};

/* open_for() for the modes that name one item (--queue-remove, -retry). */
static int
open_for_id(const struct options *o, struct run_account *ra,
    struct queue **q, struct err *e)
{
	int rc;

	if (!queue_id_valid(o->queue_id))
		return err_set(e, ERR_USAGE, _("'%s' is not a queue id"),
		    o->queue_id);
	if ((rc = open_for(o, ra, q, false, e)) == 1)
		return err_set(e, ERR_USAGE, _("no message '%s' in the queue "
		    "%s"), o->queue_id, ra->queue_dir);
	return rc;
}

/* Tries item id; reports the outcome on stdout (sent) or stderr. */
static void
try_item(const struct options *o, struct queue *q, const char *id, bool all,
    struct tally *t)
{
	struct queue_item	*it;
	struct err		 ie;
	char			 next[32];
	int			 r;

	err_init(&ie);
	if ((r = queue_lock(q, id, &it, &ie)) == 1)
		return;		/* someone else sends it, or it is done */
	if (r == -1) {
		fprintf(stderr, "smtpsend: %s: %s\n", id, ie.text);
		t->errors++;
		return;
	}
	/* The listing was read unlocked: another flush may have just tried it. */
	if (!all && queue_item_meta(it)->next > time(NULL)) {
		queue_item_release(it);
		return;
	}
	switch (flush_item(o, it, false, NULL, &ie)) {
	case 0:
		printf(_("%s: sent\n"), id);
		t->sent++;
		break;
	case 1:
		format_duration((long)(queue_item_meta(it)->next - time(NULL)),
		    next, sizeof(next));
		fprintf(stderr, _("smtpsend: %s: deferred: %s; next try in %s\n"),
		    id, queue_item_meta(it)->last_error, next);
		t->deferred++;
		break;
	case 2:
		t->given_up++;	/* reported by flush_item() */
		break;
	default:
		fprintf(stderr, "smtpsend: %s: %s\n", id, ie.text);
		t->errors++;
		break;
	}
	fflush(stdout);
	queue_item_release(it);
}

static int
tally_result(const struct tally *t, struct err *e)
{
	if (t->given_up > 0)
		return err_set(e, ERR_UNAVAILABLE, _("messages given up: %d "
		    "(see the queue's failed/ directory)"), t->given_up);
	if (t->errors > 0)
		return err_set(e, ERR_IOERR, _("messages that could not be "
		    "processed: %d"), t->errors);
	if (t->deferred > 0)
		return err_set(e, ERR_TEMPFAIL, _("messages deferred: %d (they "
		    "stay in the queue)"), t->deferred);
	return 0;
}

int
flush_queue(const struct options *o, struct err *e)
{
	struct run_account	 ra;
	struct queue		*q = NULL;
	struct queue_meta	*v = NULL;
	struct tally		 t;
	size_t			 n = 0, i;
	time_t			 now = time(NULL);
	int			 rc;

	memset(&t, 0, sizeof(t));
	run_account_init(&ra);
	if ((rc = open_for(o, &ra, &q, false, e)) != 0)
		goto out;
	queue_sweep(q);
	if ((rc = queue_list(q, false, &v, &n, e)) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (o->flush_all || v[i].next <= now)
			try_item(o, q, v[i].id, o->flush_all, &t);
	rc = tally_result(&t, e);
out:
	queue_list_free(v, n);
	queue_close(q);
	run_account_release(&ra);
	return rc == 1 ? 0 : rc;
}

int
flush_retry(const struct options *o, struct err *e)
{
	struct run_account	 ra;
	struct queue		*q = NULL;
	struct tally		 t;
	int			 rc;

	memset(&t, 0, sizeof(t));
	run_account_init(&ra);
	if ((rc = open_for_id(o, &ra, &q, e)) != 0)
		goto out;
	if ((rc = queue_make_due(q, o->queue_id, e)) != 0) {
		if (rc == 1)
			rc = err_set(e, ERR_TEMPFAIL, _("%s is being sent right "
			    "now"), o->queue_id);
		goto out;
	}
	try_item(o, q, o->queue_id, true, &t);
	rc = tally_result(&t, e);
out:
	queue_close(q);
	run_account_release(&ra);
	return rc;
}

int
flush_remove(const struct options *o, struct err *e)
{
	struct run_account	 ra;
	struct queue		*q = NULL;
	int			 rc;

	run_account_init(&ra);
	if ((rc = open_for_id(o, &ra, &q, e)) != 0)
		goto out;
	rc = queue_remove(q, o->queue_id, e);
	if (rc == 1)
		rc = err_set(e, ERR_TEMPFAIL, _("%s is being sent right now; "
		    "try again"), o->queue_id);
	else if (rc == 0)
		printf(_("%s: removed\n"), o->queue_id);
out:
	queue_close(q);
	run_account_release(&ra);
	return rc;
}

void
flush_opportunistic(const struct options *o, const struct queue_meta *sent,
    struct queue *q)
{
	struct queue_meta	*v = NULL;
	struct queue_item	*it;
	struct err		 ie;
	size_t			 n = 0, i;
	int64_t			 deadline = clock_ms() + FLUSH_OPPORTUNISTIC_MS;
	time_t			 now = time(NULL);
	const char		*cfg = sent->config, *name = sent->account;

	err_init(&ie);
	if (queue_list(q, false, &v, &n, &ie) == -1)
		n = 0;
	for (i = 0; i < n && clock_ms() < deadline; i++) {
		const struct queue_meta *m = &v[i];

		if (m->next > now ||
		    (m->account == NULL) != (name == NULL) ||
		    (name != NULL && strcmp(m->account, name) != 0) ||
		    (m->config == NULL) != (cfg == NULL) ||
		    (cfg != NULL && strcmp(m->config, cfg) != 0))
			continue;
		err_init(&ie);
		if (queue_lock(q, m->id, &it, &ie) != 0)
			continue;
		if (queue_item_meta(it)->next > time(NULL)) {
			queue_item_release(it);
			continue;
		}
		/* Silent: this run's caller asked for one message only. */
		(void)flush_item(o, it, false, NULL, &ie);
		queue_item_release(it);
	}
	queue_list_free(v, n);
}

/* ------------------------------------------------------------ listing */

static void
json_string(FILE *out, const char *s)
{
	const unsigned char *p;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void
json_items(FILE *out, const struct queue_meta *v, size_t n)
{
	size_t i, j;

	fputc('[', out);
	for (i = 0; i < n; i++) {
		fputs(i > 0 ? ",\n  {" : "\n  {", out);
		fputs("\"id\": ", out);
		json_string(out, v[i].id);
		fputs(", \"account\": ", out);
		json_string(out, v[i].account);
		fputs(", \"sender\": ", out);
		json_string(out, v[i].sender);
		fputs(", \"recipients\": [", out);
		for (j = 0; j < v[i].nrcpts; j++) {
			if (j > 0)
				fputs(", ", out);
			json_string(out, v[i].rcpts[j]);
		}
		fprintf(out, "], \"size\": %llu, \"created\": %lld, "
		    "\"attempts\": %d, \"next_attempt\": %lld, \"last_error\": ",
		    (unsigned long long)v[i].size, (long long)v[i].created,
		    v[i].attempts, (long long)v[i].next);
		json_string(out, v[i].last_error);
		fputc('}', out);
	}
	fputs(n > 0 ? "\n]" : "]", out);
}

static void
text_items(FILE *out, const struct queue_meta *v, size_t n, time_t now,
    bool failed)
{
	char	 when[64], age[32], next[32];
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		struct tm tm;

		if (localtime_r(&v[i].created, &tm) == NULL ||
		    strftime(when, sizeof(when), "%a %b %e %H:%M:%S", &tm) == 0)
			snprintf(when, sizeof(when), "%lld",
			    (long long)v[i].created);
		fprintf(out, "%-31s %8llu %s  %s\n", v[i].id,
		    (unsigned long long)v[i].size, when,
		    v[i].sender[0] != '\0' ? v[i].sender : "<>");
		if (v[i].last_error != NULL)
			fprintf(out, "    (%s)\n", v[i].last_error);
		for (j = 0; j < v[i].nrcpts; j++)
			fprintf(out, "%41s%s\n", "", v[i].rcpts[j]);
		format_duration((long)(now - v[i].created), age, sizeof(age));
		if (failed)
			fprintf(out, _("    attempts: %d, age: %s, given up\n"),
			    v[i].attempts, age);
		else {
			if (v[i].next <= now)
				snprintf(next, sizeof(next), "%s", _("now"));
			else
				format_duration((long)(v[i].next - now), next,
				    sizeof(next));
			fprintf(out, _("    attempts: %d, age: %s, next try: %s\n"),
			    v[i].attempts, age, next);
		}
		fputc('\n', out);
	}
}

int
flush_list(const struct options *o, FILE *out, struct err *e)
{
	struct run_account	 ra;
	struct queue		*q = NULL;
	struct queue_meta	*v = NULL, *f = NULL;
	size_t			 n = 0, nf = 0, i;
	uint64_t		 bytes = 0;
	time_t			 now = time(NULL);
	int			 rc;

	run_account_init(&ra);
	if ((rc = open_for(o, &ra, &q, false, e)) == -1)
		goto out;
	if (rc == 0 && (queue_list(q, false, &v, &n, e) == -1 ||
	    queue_list(q, true, &f, &nf, e) == -1)) {
		rc = -1;
		goto out;
	}
	rc = 0;
	if (o->json) {
		fputs("{\"queue_dir\": ", out);
		json_string(out, ra.queue_dir);
		fputs(",\n \"items\": ", out);
		json_items(out, v, n);
		fputs(",\n \"failed\": ", out);
		json_items(out, f, nf);
		fputs("}\n", out);
		goto out;
	}
	if (n == 0)
		fprintf(out, "%s\n", _("Mail queue is empty"));
	else {
		fprintf(out, "%-31s %8s %-19s  %s\n", _("-Queue ID-"),
		    _("--Size--"), _("--Arrival Time--"),
		    _("-Sender/Recipient-"));
		text_items(out, v, n, now, false);
		for (i = 0; i < n; i++)
			bytes += v[i].size;
		fprintf(out, _("-- %llu Kbytes in %zu Requests.\n"),
		    (unsigned long long)((bytes + 1023) / 1024), n);
	}
	if (nf > 0) {
		fprintf(out, _("\nGiven up (kept in %s/failed):\n\n"),
		    ra.queue_dir);
		text_items(out, f, nf, now, true);
	}
out:
	queue_list_free(v, n);
	queue_list_free(f, nf);
	queue_close(q);
	run_account_release(&ra);
	return rc;
}
