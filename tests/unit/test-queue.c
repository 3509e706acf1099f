/*
 * test-queue.c - the queue's item format, its files, locks and sweeping,
 * and the retry schedule.
 */
#include <config.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "flush.h"
#include "queue.h"
#include "tap.h"
#include "xalloc.h"

static const char FULL[] =
    "Version: 1\n"
    "Id: 20261202010203-0123456789abcdef\n"
    "Config: /home/u/.msmtprc\n"
    "Account: work\n"
    "Setting: port=2525\n"
    "Setting: tls=off\n"
    "Sender: a@test\n"
    "Recipient: b@test\n"
    "Recipient: c@test\n"
    "DSN-Notify: failure,delay\n"
    "DSN-Return: hdrs\n"
    "Envid: QQ314159\n"
    "Created: 1796172000\n"
    "Next-Attempt: 1796172300\n"
    "Attempts: 2\n"
    "Size: 1234\n"
    "Body: 8bit\n"
    "SMTPUTF8: yes\n"
    "Last-Error: cannot connect: Connection refused\n";

static void
test_round_trip(void)
{
	struct queue_meta	 m, again;
	struct err		 e;
	char			*text;
	const char		*t;

	err_init(&e);
	ok(queue_meta_parse(FULL, strlen(FULL), &m, &e) == 0, "a full item parses");
	is_str(m.id, "20261202010203-0123456789abcdef", "id");
	is_str(m.config, "/home/u/.msmtprc", "config");
	is_str(m.account, "work", "account");
	is_int((int)m.nsettings, 2, "two settings");
	is_str(m.settings[1], "tls=off", "settings in order");
	is_str(m.sender, "a@test", "sender");
	is_int((int)m.nrcpts, 2, "two recipients");
	is_str(m.rcpts[1], "c@test", "recipients in order");
	is_str(m.dsn_notify, "failure,delay", "dsn notify");
	is_str(m.dsn_return, "hdrs", "dsn return");
	is_str(m.envid, "QQ314159", "envid");
	ok(m.created == 1796172000 && m.next == 1796172300, "times");
	is_int(m.attempts, 2, "attempts");
	ok(m.size == 1234, "size");
	is_int(m.body, 8, "body type");
	ok(m.smtputf8, "SMTPUTF8 needed");
	is_str(m.last_error, "cannot connect: Connection refused", "last error");
	text = queue_meta_format(&m);
	is_str(text, FULL, "formatting gives the same text back");
	ok(queue_meta_parse(text, strlen(text), &again, &e) == 0,
	    "and it parses again");
	free(text);
	queue_meta_release(&again);
	queue_meta_release(&m);

	/* A null sender and no optional fields. */
	t = "Version: 1\nId: a-1\nSender: \nRecipient: b@test\n"
	    "Created: 5\nNext-Attempt: 0\nAttempts: 0\nSize: 0\n";
	ok(queue_meta_parse(t, strlen(t), &m, &e) == 0,
	    "the null sender parses");
	is_str(m.sender, "", "as an empty sender");
	ok(m.config == NULL && m.account == NULL && m.last_error == NULL &&
	    m.dsn_notify == NULL, "absent fields are NULL");
	queue_meta_release(&m);

	t = "Version: 1\nFuture-Key: whatever\nId: a-1\nSender: a@b\n"
	    "Recipient: b@test\n";
	ok(queue_meta_parse(t, strlen(t), &m, &e) == 0,
	    "an unknown key is ignored (a later version's)");
	queue_meta_release(&m);
}

static void
test_bad_items(void)
{
	static const char *bad[] = {
		"",
		"Version: 2\nId: a\nSender: a@b\nRecipient: c@d\n",
		"Id: a\nSender: a@b\nRecipient: c@d\n",
		"Version: 1\nSender: a@b\nRecipient: c@d\n",
		"Version: 1\nId: a\nRecipient: c@d\n",
		"Version: 1\nId: a\nSender: a@b\n",
		"Version: 1\nId: a\nSender: a@b\nRecipient: c@d\nno colon\n",
		"Version: 1\nId: a\nSender: a@b\nRecipient: c@d\nKey:novalue\n",
		"Version: 1\nId: a\nSender: a@b\nRecipient: c@d\nCreated: -1\n",
		"Version: 1\nId: a\nSender: a@b\nRecipient: c@d\nCreated: 12x\n",
		"Version: 1\nId: a\nSender: a@b\nRecipient: c@d\nAttempts: 99999999\n",
		"Version: 1\nId: a\nSender: a@b\nRecipient: c@d\n"
		    "Size: 999999999999999999999999\n",
		"Version: 1\nId: ../../etc/x\nSender: a@b\nRecipient: c@d\n",
		"Version: 1\nId: a\nSender: a@b\nRecipient: c@d\nBody: 9bit\n",
		"Version: 1\nId: a\nSender: a@b\nRecipient: c@d\nSMTPUTF8: no\n",
		"Version: 1\nId: a\nSender: a@b\nRecipient: \n",
		"Version: 1\nId: 0123456789012345678901234567890123456789"
		    "01234567890123456789012345\nSender: a@b\nRecipient: c@d\n",
	};
	struct queue_meta	m;
	struct err		e;
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_init(&e);
		ok(queue_meta_parse(bad[i], strlen(bad[i]), &m, &e) == -1 &&
		    e.kind == ERR_IOERR, "bad item %zu is refused", i);
	}
	err_init(&e);
	ok(queue_meta_parse("Version: 1\nId: a\0b\nSender: a\nRecipient: b\n",
	    41, &m, &e) == -1, "a NUL in a line is refused");
}

static void
test_format_injection(void)
{
	struct queue_meta	 m, back;
	struct err		 e;
	static char		 rcpt[] = "b@test\nRecipient: evil@test";
	static char		 sender[] = "a@test\nSetting: host=evil";
	char			*text, *rcpts[] = { rcpt };

	queue_meta_init(&m);
	snprintf(m.id, sizeof(m.id), "a-1");
	m.sender = sender;
	m.rcpts = rcpts;
	m.nrcpts = 1;
	text = queue_meta_format(&m);
	err_init(&e);
	ok(queue_meta_parse(text, strlen(text), &back, &e) == 0,
	    "values with line breaks still format to one item");
	ok(back.nrcpts == 1 && back.nsettings == 0,
	    "and a line break in a value cannot add a field");
	is_str(back.sender, "a@test?Setting: host=evil", "it becomes '?'");
	queue_meta_release(&back);
	free(text);
}

static void
test_ids(void)
{
	ok(queue_id_valid("20261202010203-0123456789abcdef"), "a real id");
	ok(!queue_id_valid(""), "empty");
	ok(!queue_id_valid("../etc"), "a path");
	ok(!queue_id_valid(".hidden"), "a dot file");
	ok(!queue_id_valid("a/b"), "a slash");
	ok(!queue_id_valid("x y"), "a blank");
}

static void
test_backoff(void)
{
	int	n;
	long	lo, hi;

	is_int((int)flush_backoff(1, 0), 240, "first retry: 5 min less a fifth");
	is_int((int)flush_backoff(1, 40), 360, "first retry: 5 min and a fifth");
	is_int((int)flush_backoff(1, 20), 300, "first retry: 5 min in the middle");
	is_int((int)flush_backoff(2, 20), 600, "second: 10 min");
	is_int((int)flush_backoff(3, 20), 1200, "third: 20 min");
	lo = hi = flush_backoff(1, 20);
	for (n = 1; n < 200; n++) {
		long d = flush_backoff(n, 20);

		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
	}
	is_int((int)hi, FLUSH_MAX_RETRY_S, "capped at 4 h");
	is_int((int)flush_backoff(1000000, 40), FLUSH_MAX_RETRY_S * 6 / 5,
	    "no overflow for huge attempt counts");
	is_int((int)flush_backoff(0, 20), 300, "attempt 0 is treated as 1");
}

/* ---------------------------------------------------------------- files */

static char	dir[64], top[64];

static struct queue *
open_queue(void)
{
	struct queue	*q;
	struct err	 e;

	err_init(&e);
	if (queue_open(&q, dir, &e) == -1) {
		printf("# %s\n", e.text);
		return NULL;
	}
	return q;
}

static char *
enqueue(struct queue *q, const char *body, struct queue_item **it)
{
	struct queue_writer	*w;
	struct queue_meta	 m;
	struct err		 e;
	static char		 rcpt[] = "b@test", sender[] = "a@test";
	char			*rcpts[] = { rcpt };

	err_init(&e);
	queue_meta_init(&m);
	if (queue_begin(q, &w, &e) == -1 ||
	    queue_write(w, body, strlen(body), &e) == -1)
		return NULL;
	m.sender = sender;
	m.rcpts = rcpts;
	m.nrcpts = 1;
	m.created = m.next = 1000;
	if (queue_commit(w, &m, it, &e) == -1)
		return NULL;
	return xstrdup(m.id);
}

static bool
exists(const char *sub, const char *id, const char *ext)
{
	char	*p = xasprintf("%s/%s%s%s%s", dir, sub, *sub ? "/" : "", id, ext);
	bool	 there = access(p, F_OK) == 0;

	free(p);
	return there;
}

static void
test_files(void)
{
	struct queue		*q;
	struct queue_item	*it, *it2;
	struct queue_meta	*v;
	struct stat		 st;
	struct err		 e;
	size_t			 n;
	char			*id, *id2, buf[64], *p;
	ssize_t			 r;

	snprintf(dir, sizeof(dir), "/tmp/test-queue-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(top, sizeof(top), "%s", dir);
	strcat(dir, "/q");
	if ((q = open_queue()) == NULL) {
		ok(0, "queue_open");
		return;
	}
	ok(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700,
	    "the queue directory is 0700");
	id = enqueue(q, "Subject: one\r\n\r\nbody\r\n", &it);
	ok(id != NULL && it != NULL, "an item is written and comes back locked");
	p = xasprintf("%s/%s.msg", dir, id);
	ok(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600, "ID.msg is 0600");
	free(p);
	ok(exists("", id, ".env") && exists("", id, ".msg"), "both files are there");
	err_init(&e);
	is_int(queue_lock(q, id, &it2, &e), 1,
	    "a second lock on it is refused: someone is sending it");
	r = read(queue_item_fd(it), buf, sizeof(buf) - 1);
	buf[r > 0 ? r : 0] = '\0';
	is_str(buf, "Subject: one\r\n\r\nbody\r\n", "the stored bytes");
	ok(queue_item_defer(it, "451 later", 2000, &e) == 0, "deferred");
	queue_item_release(it);
	ok(queue_list(q, false, &v, &n, &e) == 0 && n == 1, "one item listed");
	ok(n == 1 && v[0].attempts == 1 && v[0].next == 2000 &&
	    strcmp(v[0].last_error, "451 later") == 0,
	    "with its attempt, next time and reason");
	queue_list_free(v, n);

	/* Given up: to failed/, and back with --queue-retry. */
	ok(queue_lock(q, id, &it, &e) == 0, "locked again once released");
	ok(queue_item_fail(it, "550 no", &e) == 0, "given up");
	p = queue_item_path(it);
	ok(strstr(p, "/failed/") != NULL, "its path is in failed/");
	free(p);
	queue_item_release(it);
	ok(!exists("", id, ".env") && exists("failed", id, ".env") &&
	    exists("failed", id, ".msg"), "it moved to failed/");
	ok(queue_list(q, true, &v, &n, &e) == 0 && n == 1 &&
	    strcmp(v[0].last_error, "550 no") == 0, "listed as failed");
	queue_list_free(v, n);
	ok(queue_make_due(q, id, &e) == 0, "--queue-retry brings it back");
	ok(exists("", id, ".env") && exists("", id, ".msg") &&
	    !exists("failed", id, ".env") && !exists("failed", id, ".msg"),
	    "live again, failed/ empty");
	ok(queue_list(q, false, &v, &n, &e) == 0 && n == 1 && v[0].next == 0 &&
	    v[0].attempts == 2, "due now, attempts kept (the give-up counted)");
	queue_list_free(v, n);

	/* An item whose record is damaged: reported, and removable. */
	{
		char *cid = enqueue(q, "e\r\n", NULL);
		char *cenv = xasprintf("%s/%s.env", dir, cid);
		FILE *f = fopen(cenv, "w");

		fputs("Version: 1\ngarbage\n", f);
		fclose(f);
		err_init(&e);
		ok(queue_lock(q, cid, &it2, &e) == -1 && e.kind == ERR_IOERR,
		    "a damaged record cannot be locked for sending");
		err_init(&e);
		ok(queue_remove(q, cid, &e) == 0 && !exists("", cid, ".env") &&
		    !exists("", cid, ".msg"), "but it can be removed");
		free(cenv);
		free(cid);
	}

	/* Removal; unknown ids. */
	ok(queue_remove(q, id, &e) == 0, "removed");
	ok(!exists("", id, ".env") && !exists("", id, ".msg"), "its files are gone");
	err_init(&e);
	ok(queue_remove(q, id, &e) == -1 && e.kind == ERR_USAGE,
	    "removing it again: no such item");
	err_init(&e);
	ok(queue_make_due(q, "../x", &e) == -1 && e.kind == ERR_USAGE,
	    "a path is not an id");

	/* An item being written is invisible, and abort leaves nothing. */
	{
		struct queue_writer *w;

		err_init(&e);
		ok(queue_begin(q, &w, &e) == 0, "begin");
		queue_write(w, "x", 1, &e);
		ok(queue_list(q, false, &v, &n, &e) == 0 && n == 0,
		    "an uncommitted item is not listed");
		queue_list_free(v, n);
		queue_abort(w);
		p = xasprintf("%s/tmp", dir);
		{
			int fd = open(p, O_RDONLY | O_DIRECTORY);
			ok(fd != -1, "tmp/ exists");
			close(fd);
		}
		free(p);
	}

	/* Sweeping. */
	free(id);
	id = enqueue(q, "a\r\n", NULL);
	id2 = enqueue(q, "b\r\n", NULL);
	ok(id != NULL && id2 != NULL, "two more items");
	p = xasprintf("%s/%s.msg", dir, id);	/* an ID.env without ID.msg */
	unlink(p);
	free(p);
	p = xasprintf("%s/%s.env", dir, id2);	/* an old ID.msg without ID.env */
	unlink(p);
	free(p);
	p = xasprintf("%s/%s.msg", dir, id2);
	{
		struct timeval tv[2] = { { 1000, 0 }, { 1000, 0 } };
		utimes(p, tv);
	}
	free(p);
	queue_sweep(q);
	ok(exists("", id, ".env"), "sweep: a fresh ID.env without ID.msg stays "
	    "(a move to failed/ may be under way)");
	ok(exists("", id2, ".msg"), "sweep: a fresh ID.msg without ID.env stays "
	    "(its ID.env may be coming)");
	queue_sweep_after(q, -1);
	ok(!exists("", id, ".env"), "sweep: an old ID.env without its ID.msg goes");
	ok(!exists("", id2, ".msg"), "sweep: an old ID.msg without ID.env goes");
	free(id);
	free(id2);
	/* A move to failed/ cut short: ID.msg went, ID.env stayed. */
	id = enqueue(q, "d\r\n", NULL);
	{
		char *from = xasprintf("%s/%s.msg", dir, id);
		char *to = xasprintf("%s/failed/%s.msg", dir, id);
		char *fenv = xasprintf("%s/failed/%s.env", dir, id);
		FILE *f = fopen(fenv, "w");

		fputs("Version: 1\nId: a\nSender: a\nRecipient: b\n", f);
		fclose(f);
		ok(rename(from, to) == 0, "moved its ID.msg");
		free(from);
		free(to);
		free(fenv);
	}
	queue_sweep(q);
	ok(!exists("", id, ".env") && exists("failed", id, ".msg"),
	    "sweep: the live ID.env goes at once, the item is in failed/");
	ok(queue_remove(q, id, &e) == 0 && !exists("failed", id, ".msg"),
	    "and can be removed from there");
	free(id);
	id = enqueue(q, "c\r\n", &it);
	p = xasprintf("%s/%s.env", dir, id);
	unlink(p);
	free(p);
	p = xasprintf("%s/%s.msg", dir, id);
	{
		struct timeval tv[2] = { { 1000, 0 }, { 1000, 0 } };
		utimes(p, tv);
	}
	free(p);
	queue_sweep_after(q, -1);
	ok(exists("", id, ".msg"), "sweep: never a locked one");
	queue_item_release(it);
	free(id);
	queue_close(q);
	p = xasprintf("rm -rf '%s'", top);
	ok(system(p) == 0, "clean up");
	free(p);
}

int
main(void)
{
	test_round_trip();
	test_bad_items();
	test_format_injection();
	test_ids();
	test_backoff();
	test_files();
	return tap_done();
}
