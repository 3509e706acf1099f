/*
 * queue.c - the durable queue: files, fsync, rename, locks.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "msgid.h"
#include "nls.h"
#include "fdio.h"
#include "queue.h"
#include "xalloc.h"

#define META_MAX	(1024 * 1024)
#define ORPHAN_AGE	3600	/* seconds before left-over files go */

struct queue {
	char	*dir;
	char	*tmp;
	char	*failed;
};

struct queue_writer {
	struct queue	*q;
	char		 id[QUEUE_ID_MAX];
	char		*path;		/* tmp/ID.msg */
	int		 fd;
	uint64_t	 size;
};

struct queue_item {
	struct queue		*q;
	struct queue_meta	 meta;
	int			 fd;	/* ID.msg, flock'ed */
	bool			 in_failed;	/* moved to failed/ */
};

/* ------------------------------------------------------------ meta */

void
queue_meta_init(struct queue_meta *m)
{
	memset(m, 0, sizeof(*m));
}

static void
free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
queue_meta_release(struct queue_meta *m)
{
	free(m->config);
	free(m->account);
	free_list(m->settings, m->nsettings);
	free(m->sender);
	free_list(m->rcpts, m->nrcpts);
	free(m->dsn_notify);
	free(m->dsn_return);
	free(m->envid);
	free(m->last_error);
	queue_meta_init(m);
}

static void
push(char ***v, size_t *n, const char *s, size_t len)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrndup(s, len);
}

/*
 * Values are one line of printable text: anything else becomes '?'.
 * Over META_MAX the buffer refuses, and *over says so.
 */
static void
add_line(struct buf *b, const char *key, const char *value, bool *over)
{
	const unsigned char	*p;
	struct err		 e;

	err_init(&e);
	(void)buf_printf(b, &e, "%s: ", key);
	for (p = (const unsigned char *)value; *p != '\0'; p++)
		(void)buf_addch(b, *p < 0x20 || *p == 0x7f ? '?' : (char)*p, &e);
	(void)buf_addch(b, '\n', &e);
	if (e.kind != ERR_NONE)
		*over = true;
}

char *
queue_meta_format(const struct queue_meta *m)
{
	struct buf	b;
	char		num[32];
	size_t		i;
	bool		over = false;

	buf_init(&b, META_MAX, ERR_IOERR, "queue metadata");
	add_line(&b, "Version", "1", &over);
	add_line(&b, "Id", m->id, &over);
	if (m->config != NULL)
		add_line(&b, "Config", m->config, &over);
	if (m->account != NULL)
		add_line(&b, "Account", m->account, &over);
	for (i = 0; i < m->nsettings; i++)
		add_line(&b, "Setting", m->settings[i], &over);
	add_line(&b, "Sender", m->sender != NULL ? m->sender : "", &over);
	for (i = 0; i < m->nrcpts; i++)
		add_line(&b, "Recipient", m->rcpts[i], &over);
	if (m->dsn_notify != NULL)
		add_line(&b, "DSN-Notify", m->dsn_notify, &over);
	if (m->dsn_return != NULL)
		add_line(&b, "DSN-Return", m->dsn_return, &over);
	if (m->envid != NULL)
		add_line(&b, "Envid", m->envid, &over);
	snprintf(num, sizeof(num), "%lld", (long long)m->created);
	add_line(&b, "Created", num, &over);
	snprintf(num, sizeof(num), "%lld", (long long)m->next);
	add_line(&b, "Next-Attempt", num, &over);
	snprintf(num, sizeof(num), "%d", m->attempts);
	add_line(&b, "Attempts", num, &over);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)m->size);
	add_line(&b, "Size", num, &over);
	if (m->body == 7 || m->body == 8)
		add_line(&b, "Body", m->body == 8 ? "8bit" : "7bit", &over);
	if (m->smtputf8)
		add_line(&b, "SMTPUTF8", "yes", &over);
	if (m->last_error != NULL)
		add_line(&b, "Last-Error", m->last_error, &over);
	if (over) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int
number(const char *s, size_t n, long long *out)
{
	char	 tmp[32], *end;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	*out = strtoll(tmp, &end, 10);
	return errno != 0 || *end != '\0' || *out < 0 ? -1 : 0;
}

int
queue_meta_parse(const char *text, size_t len, struct queue_meta *m,
    struct err *e)
{
	const char	*p = text, *end = text + len, *nl, *colon, *v;
	size_t		 klen, vlen;
	long long	 n;
	bool		 version = false;
	unsigned	 line = 0;

	queue_meta_init(m);
	for (; p < end; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl == p)
			continue;
		if ((colon = memchr(p, ':', (size_t)(nl - p))) == NULL ||
		    colon + 1 >= nl || colon[1] != ' ' ||
		    memchr(p, '\0', (size_t)(nl - p)) != NULL ||
		    memchr(p, '\r', (size_t)(nl - p)) != NULL)
			goto bad;
		klen = (size_t)(colon - p);
		v = colon + 2;
		vlen = (size_t)(nl - v);
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(p, k, klen) == 0)
		if (KEY("Version")) {
			if (vlen != 1 || *v != '1')
				goto bad;
			version = true;
		} else if (KEY("Id")) {
			if (vlen == 0 || vlen >= sizeof(m->id))
				goto bad;
			memcpy(m->id, v, vlen);
			m->id[vlen] = '\0';
			/* It names files: never a path. */
			if (!queue_id_valid(m->id))
				goto bad;
		} else if (KEY("Config")) {
			free(m->config);
			m->config = xstrndup(v, vlen);
		} else if (KEY("Account")) {
			free(m->account);
			m->account = xstrndup(v, vlen);
		} else if (KEY("Setting"))
			push(&m->settings, &m->nsettings, v, vlen);
		else if (KEY("Sender")) {
			free(m->sender);
			m->sender = xstrndup(v, vlen);
		} else if (KEY("Recipient")) {
			if (vlen == 0)
				goto bad;
			push(&m->rcpts, &m->nrcpts, v, vlen);
		}
		else if (KEY("DSN-Notify")) {
			free(m->dsn_notify);
			m->dsn_notify = xstrndup(v, vlen);
		} else if (KEY("DSN-Return")) {
			free(m->dsn_return);
			m->dsn_return = xstrndup(v, vlen);
		} else if (KEY("Envid")) {
			free(m->envid);
			m->envid = xstrndup(v, vlen);
		} else if (KEY("Created")) {
			if (number(v, vlen, &n) == -1)
				goto bad;
			m->created = (time_t)n;
		} else if (KEY("Next-Attempt")) {
			if (number(v, vlen, &n) == -1)
				goto bad;
			m->next = (time_t)n;
		} else if (KEY("Attempts")) {
			if (number(v, vlen, &n) == -1 || n > 1000000)
				goto bad;
			m->attempts = (int)n;
		} else if (KEY("Size")) {
			if (number(v, vlen, &n) == -1)
				goto bad;
			m->size = (uint64_t)n;
		} else if (KEY("Body")) {
			if (vlen == 4 && memcmp(v, "7bit", 4) == 0)
				m->body = 7;
			else if (vlen == 4 && memcmp(v, "8bit", 4) == 0)
				m->body = 8;
			else
				goto bad;
		} else if (KEY("SMTPUTF8")) {
			if (vlen != 3 || memcmp(v, "yes", 3) != 0)
				goto bad;
			m->smtputf8 = true;
		} else if (KEY("Last-Error")) {
			free(m->last_error);
			m->last_error = xstrndup(v, vlen);
		}
		/* Unknown keys are kept for later versions: ignored. */
#undef KEY
	}
	if (!version || m->id[0] == '\0' || m->sender == NULL || m->nrcpts == 0) {
		queue_meta_release(m);
		return err_set(e, ERR_IOERR,
		    _("queue item is incomplete (no version, id, sender or "
		    "recipient)"));
	}
	return 0;
bad:
	queue_meta_release(m);
	return err_set(e, ERR_IOERR, _("queue item has a bad line %u"), line);
}

/* A deep copy, by the same round trip the disk sees. */
static int
queue_meta_parse_copy(const struct queue_meta *from, struct queue_meta *to)
{
	char		*text = queue_meta_format(from);
	struct err	 e;
	int		 rc;

	if (text == NULL)
		return -1;
	err_init(&e);
	rc = queue_meta_parse(text, strlen(text), to, &e);
	free(text);
	return rc;
}

bool
queue_id_valid(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n < QUEUE_ID_MAX && id[0] != '.' &&
	    strspn(id, "0123456789abcdefABCDEF-") == n;
}

/* ------------------------------------------------------------ files */

static int
io_error(struct err *e, const char *what, const char *path)
{
	int saved = errno;

	return err_set(e, saved == ENOSPC || saved == EDQUOT ? ERR_TEMPFAIL :
	    ERR_IOERR, _("cannot %s '%s': %s"), what, path, strerror(saved));
}

static int
sync_dir(const char *dir, struct err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1)
		return io_error(e, _("open the queue directory"), dir);
	if (fsync(fd) == -1 && errno != EINVAL) {
		int saved = errno;

		close(fd);
		errno = saved;
		return io_error(e, _("sync the queue directory"), dir);
	}
	close(fd);
	return 0;
}

/* mkdir -p with mode 0700 for what it makes. */
static int
make_dirs(const char *path, struct err *e)
{
	char	*p, *s;
	int	 rc = 0;

	/* The usual case, on every send: it is there already. */
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	p = xstrdup(path);
	for (s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		{
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0700) == -1 && errno != EEXIST)
				rc = io_error(e, _("create the queue directory"), p);
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return rc;
}

/* Writes text to dir/name via a temporary in tmp/, durably. */
static int
write_file_atomic(const struct queue *q, const char *dir, const char *name,
    const char *text, struct err *e)
{
	char	*tmp, *dst;
	int	 fd, rc = -1;

	if (text == NULL)	/* queue_meta_format() refused */
		return err_set(e, ERR_DATA, _("the envelope is too large for "
		    "the queue (its record would pass %d KiB)"), META_MAX / 1024);
	tmp = xasprintf("%s/%s.%ld.new", q->tmp, name, (long)getpid());
	dst = xasprintf("%s/%s", dir, name);

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1) {
		io_error(e, _("create"), tmp);
		goto out;
	}
	if (fdio_write_all(fd, text, strlen(text)) == -1 || fsync(fd) == -1) {
		io_error(e, _("write"), tmp);
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) == -1) {
		io_error(e, _("write"), tmp);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, dst) == -1) {
		io_error(e, _("rename into"), dst);
		unlink(tmp);
		goto out;
	}
	rc = sync_dir(dir, e);
out:
	free(tmp);
	free(dst);
	return rc;
}

/* ------------------------------------------------------------ queue */

/*
 * The queue's files say which configuration, settings and commands a
 * flush runs with: a directory someone else can write to would let them
 * choose.  It must be ours and closed to everyone else.
 */
static int
check_private(const char *dir, struct err *e)
{
	struct stat st;

	if (stat(dir, &st) == -1)
		return io_error(e, _("open the queue directory"), dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0)
		return err_set(e, ERR_CONFIG, _("queue directory '%s' is not "
		    "private: it must belong to uid %ld and have mode 0700 (it "
		    "has uid %ld, mode %04o)"), dir, (long)geteuid(),
		    (long)st.st_uid, (unsigned)(st.st_mode & 07777));
	return 0;
}

int
queue_open(struct queue **out, const char *dir, struct err *e)
{
	struct queue *q = xcalloc(1, sizeof(*q));

	*out = NULL;
	q->dir = xstrdup(dir);
	q->tmp = xasprintf("%s/tmp", dir);
	q->failed = xasprintf("%s/failed", dir);
	if (make_dirs(q->tmp, e) == -1 || make_dirs(q->failed, e) == -1 ||
	    check_private(dir, e) == -1) {
		queue_close(q);
		return -1;
	}
	*out = q;
	return 0;
}

void
queue_close(struct queue *q)
{
	if (q == NULL)
		return;
	free(q->dir);
	free(q->tmp);
	free(q->failed);
	free(q);
}

/* YYYYMMDDhhmmss-RANDOM: sorts by time, never repeats. */
static int
new_id(char *out, size_t size, struct err *e)
{
	char	 mid[256], *dot, *at;
	time_t	 now = time(NULL);

	if (msgid_make(mid, sizeof(mid), "q", now, e) == -1)
		return -1;
	/* "<TIME.HEX@q>" */
	dot = strchr(mid, '.');
	at = strchr(mid, '@');
	if (dot == NULL || at == NULL)
		return err_set(e, ERR_SOFTWARE, "queue id");
	snprintf(out, size, "%.*s-%.*s", (int)(dot - mid - 1), mid + 1,
	    (int)(at - dot - 1 > 16 ? 16 : at - dot - 1), dot + 1);
	return 0;
}

int
queue_begin(struct queue *q, struct queue_writer **out, struct err *e)
{
	struct queue_writer *w = xcalloc(1, sizeof(*w));

	*out = NULL;
	w->q = q;
	if (new_id(w->id, sizeof(w->id), e) == -1) {
		free(w);
		return -1;
	}
	w->path = xasprintf("%s/%s.msg", q->tmp, w->id);
	if ((w->fd = open(w->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		io_error(e, _("create"), w->path);
		free(w->path);
		free(w);
		return -1;
	}
	/* Held from the first byte: the sweeper never takes a locked file. */
	if (flock(w->fd, LOCK_EX | LOCK_NB) == -1) {
		io_error(e, _("lock"), w->path);
		queue_abort(w);
		return -1;
	}
	*out = w;
	return 0;
}

int
queue_write(struct queue_writer *w, const void *p, size_t n, struct err *e)
{
	if (fdio_write_all(w->fd, p, n) == -1)
		return io_error(e, _("write"), w->path);
	w->size += n;
	return 0;
}

int
queue_commit(struct queue_writer *w, struct queue_meta *m,
    struct queue_item **item, struct err *e)
{
	char	*dst, *name, *text;
	int	 rc = -1;

	if (item != NULL)
		*item = NULL;
	snprintf(m->id, sizeof(m->id), "%s", w->id);
	m->size = w->size;
	if (fsync(w->fd) == -1) {
		io_error(e, _("write"), w->path);
		goto fail;
	}
	dst = xasprintf("%s/%s.msg", w->q->dir, w->id);
	if (rename(w->path, dst) == -1) {
		io_error(e, _("rename into"), dst);
		free(dst);
		goto fail;
	}
	free(w->path);
	w->path = dst;		/* for the clean-up below */
	if (sync_dir(w->q->dir, e) == -1)
		goto fail;
	/* The commit point: from here the item exists. */
	name = xasprintf("%s.env", w->id);
	text = queue_meta_format(m);
	rc = write_file_atomic(w->q, w->q->dir, name, text, e);
	free(text);
	free(name);
	if (rc == -1)
		goto fail;
	if (item != NULL) {
		struct queue_item *it = xcalloc(1, sizeof(*it));

		it->q = w->q;
		it->fd = w->fd;		/* still locked */
		if (queue_meta_parse_copy(m, &it->meta) == -1) {
			/* cannot happen: we just formatted it */
			close(it->fd);
			free(it);
			it = NULL;
		}
		*item = it;
	} else
		close(w->fd);
	free(w->path);
	free(w);
	return 0;
fail:
	close(w->fd);
	unlink(w->path);
	free(w->path);
	free(w);
	return -1;
}

void
queue_abort(struct queue_writer *w)
{
	if (w == NULL)
		return;
	if (w->fd != -1)
		close(w->fd);
	unlink(w->path);
	free(w->path);
	free(w);
}

/* ------------------------------------------------------------ items */

/* Whether open descriptor fd is still the file at path. */
static bool
same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_nlink > 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int
read_meta(const char *path, struct queue_meta *m, struct err *e)
{
	struct buf	b;
	char		chunk[4096];
	ssize_t		n;
	int		fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return io_error(e, _("read"), path);
	buf_init(&b, META_MAX, ERR_IOERR, path);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			io_error(e, _("read"), path);
			break;
		}
		if (buf_add(&b, chunk, (size_t)n, e) == -1)
			break;
	}
	close(fd);
	/* A record cut short is never taken for a whole one. */
	rc = n != 0 ? -1 : queue_meta_parse(b.data ? b.data : "", b.len, m, e);
	buf_release(&b);
	return rc;
}

int
queue_lock(struct queue *q, const char *id, struct queue_item **out,
    struct err *e)
{
	struct queue_item	*it;
	char			*msg, *env;
	int			 fd, rc = 1;

	*out = NULL;
	msg = xasprintf("%s/%s.msg", q->dir, id);
	env = xasprintf("%s/%s.env", q->dir, id);
	if ((fd = open(msg, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) == -1)
		goto out;	/* gone */
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		if (errno != EWOULDBLOCK)
			rc = io_error(e, _("lock"), msg);
		goto out;	/* someone else sends it */
	}
	/*
	 * Whoever held the lock may have moved the file (to failed/) or
	 * removed it meanwhile: the lock counts only on what ID.msg is now.
	 */
	if (!same_file(fd, msg)) {
		close(fd);
		goto out;
	}
	it = xcalloc(1, sizeof(*it));
	it->q = q;
	it->fd = fd;
	/* Taken after the lock: whoever had it may have finished it. */
	if (read_meta(env, &it->meta, e) == -1) {
		if (access(env, F_OK) == -1)
			err_clear(e);	/* done meanwhile: skip */
		else
			rc = -1;
		close(fd);
		free(it);
		goto out;
	}
	*out = it;
	rc = 0;
out:
	free(msg);
	free(env);
	return rc;
}

int
queue_item_fd(struct queue_item *it)
{
	(void)lseek(it->fd, 0, SEEK_SET);
	return it->fd;
}

struct queue_meta *
queue_item_meta(struct queue_item *it)
{
	return &it->meta;
}

/*
 * Removes item id from dir: ID.env first, made durable (from then on the
 * item is gone), then ID.msg; a crash between leaves an ID.msg alone,
 * which queue_sweep() removes.
 */
static int
unlink_item(const char *dir, const char *id, struct err *e)
{
	char	*env = xasprintf("%s/%s.env", dir, id);
	char	*msg = xasprintf("%s/%s.msg", dir, id);
	int	 rc = 0;

	if (unlink(env) == -1 && errno != ENOENT)
		rc = io_error(e, _("remove"), env);
	else if (sync_dir(dir, e) == -1)
		rc = -1;
	else
		(void)unlink(msg);
	free(env);
	free(msg);
	return rc;
}

int
queue_item_done(struct queue_item *it, struct err *e)
{
	return unlink_item(it->q->dir, it->meta.id, e);
}

int
queue_item_defer(struct queue_item *it, const char *why, time_t next,
    struct err *e)
{
	char	*name, *text;
	int	 rc;

	it->meta.attempts++;
	it->meta.next = next;
	free(it->meta.last_error);
	it->meta.last_error = why != NULL ? xstrdup(why) : NULL;
	name = xasprintf("%s.env", it->meta.id);
	text = queue_meta_format(&it->meta);
	rc = write_file_atomic(it->q, it->q->dir, name, text, e);
	free(text);
	free(name);
	return rc;
}

int
queue_item_fail(struct queue_item *it, const char *why, struct err *e)
{
	char	*name = xasprintf("%s.env", it->meta.id);
	char	*text, *from, *to, *env;
	int	 rc;

	it->meta.attempts++;	/* the one that ended it */
	free(it->meta.last_error);
	it->meta.last_error = why != NULL ? xstrdup(why) : NULL;
	text = queue_meta_format(&it->meta);
	rc = write_file_atomic(it->q, it->q->failed, name, text, e);
	free(text);
	if (rc == 0) {
		from = xasprintf("%s/%s.msg", it->q->dir, it->meta.id);
		to = xasprintf("%s/%s.msg", it->q->failed, it->meta.id);
		env = xasprintf("%s/%s", it->q->dir, name);
		if (rename(from, to) == -1)
			rc = io_error(e, _("move to failed/"), from);
		else {
			it->in_failed = true;
			if (sync_dir(it->q->failed, e) == -1)
				rc = -1;
			/* A sweeper may have taken it: ID.msg was gone. */
			else if (unlink(env) == -1 && errno != ENOENT)
				rc = io_error(e, _("remove"), env);
			else
				rc = sync_dir(it->q->dir, e);
		}
		free(from);
		free(to);
		free(env);
	}
	free(name);
	return rc;
}

char *
queue_item_path(const struct queue_item *it)
{
	return xasprintf("%s/%s.msg", it->in_failed ? it->q->failed :
	    it->q->dir, it->meta.id);
}

void
queue_item_release(struct queue_item *it)
{
	if (it == NULL)
		return;
	close(it->fd);		/* and with it the lock */
	queue_meta_release(&it->meta);
	free(it);
}

/* ------------------------------------------------------------ listing */

/* Whether dir holds item id (its ID.env is there). */
static bool
has_item(const char *dir, const char *id)
{
	char	*env = xasprintf("%s/%s.env", dir, id);
	bool	 there = access(env, F_OK) == 0;

	free(env);
	return there;
}

static int
by_created(const void *a, const void *b)
{
	const struct queue_meta *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
queue_list(struct queue *q, bool failed, struct queue_meta **out, size_t *n,
    struct err *e)
{
	const char	*dir = failed ? q->failed : q->dir;
	DIR		*d;
	struct dirent	*de;
	size_t		 len;
	char		*path;
	struct err	 skip;

	*out = NULL;
	*n = 0;
	if ((d = opendir(dir)) == NULL)
		return io_error(e, _("read the queue directory"), dir);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 5 ||
		    strcmp(de->d_name + len - 4, ".env") != 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		err_init(&skip);
		/* Gone meanwhile (sent) or unreadable: not listed.  An id
		 * that is not the file's name is not ours either. */
		if (read_meta(path, &(*out)[*n], &skip) == 0) {
			if (strlen((*out)[*n].id) == len - 4 &&
			    memcmp((*out)[*n].id, de->d_name, len - 4) == 0)
				(*n)++;
			else
				queue_meta_release(&(*out)[*n]);
		}
		free(path);
	}
	closedir(d);
	if (*n > 0)
		qsort(*out, *n, sizeof(**out), by_created);
	return 0;
}

/* Locks failed/ID.msg: 0 locked (*fd), 1 busy or gone, -1 error. */
static int
lock_failed(const struct queue *q, const char *id, int *fd, struct err *e)
{
	char	*msg = xasprintf("%s/%s.msg", q->failed, id);
	int	 rc = 1;

	if ((*fd = open(msg, O_RDWR | O_CLOEXEC)) != -1) {
		if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
			rc = 0;
		else {
			if (errno != EWOULDBLOCK)
				rc = io_error(e, _("lock"), msg);
			close(*fd);
		}
	}
	free(msg);
	return rc;
}

static int
no_such_item(const struct queue *q, const char *id, struct err *e)
{
	return err_set(e, ERR_USAGE, _("no message '%s' in the queue %s"), id,
	    q->dir);
}

/*
 * Item id whose ID.env cannot be read or parsed: removed under the lock
 * of its ID.msg (when there is one), ID.env first.
 */
static int
remove_unreadable(struct queue *q, const char *id, struct err *e)
{
	char	*msg = xasprintf("%s/%s.msg", q->dir, id);
	int	 fd, rc;

	err_clear(e);
	fd = open(msg, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	free(msg);
	if (fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == -1)
		rc = 1;		/* being sent after all */
	else
		rc = unlink_item(q->dir, id, e);
	if (fd != -1)
		close(fd);
	return rc;
}

int
queue_remove(struct queue *q, const char *id, struct err *e)
{
	struct queue_item	*it;
	int			 rc, fd;

	if (!queue_id_valid(id))
		return err_set(e, ERR_USAGE, _("'%s' is not a queue id"), id);
	if ((rc = queue_lock(q, id, &it, e)) == 0) {
		rc = queue_item_done(it, e);
		queue_item_release(it);
		return rc;
	}
	if (rc == -1 && has_item(q->dir, id))
		/* A record that does not parse can still be thrown away. */
		return remove_unreadable(q, id, e);
	if (rc == -1 || has_item(q->dir, id))
		return rc;
	if (!has_item(q->failed, id))
		return no_such_item(q, id, e);
	if ((rc = lock_failed(q, id, &fd, e)) != 0)
		return rc;
	rc = unlink_item(q->failed, id, e);
	close(fd);
	return rc;
}

/*
 * Brings item id back from failed/: a second name for its ID.msg first
 * (link), then its ID.env in the queue (from here it is live again),
 * then the failed/ names go.  A crash leaves it in failed/, or live with
 * left-over names in failed/ that queue_sweep() removes.
 */
static int
revive_failed(struct queue *q, const char *id, struct err *e)
{
	struct queue_meta	 m;
	struct err		 ignored;
	char			*fenv, *fmsg, *msg, *name, *text;
	int			 fd, rc;

	if ((rc = lock_failed(q, id, &fd, e)) != 0)
		return rc;
	fenv = xasprintf("%s/%s.env", q->failed, id);
	fmsg = xasprintf("%s/%s.msg", q->failed, id);
	msg = xasprintf("%s/%s.msg", q->dir, id);
	name = xasprintf("%s.env", id);
	queue_meta_init(&m);
	rc = -1;
	if (read_meta(fenv, &m, e) == -1) {
		if (e->kind == ERR_NONE)
			io_error(e, _("read"), fenv);
		goto out;
	}
	m.next = 0;
	if (link(fmsg, msg) == -1 && errno != EEXIST) {
		io_error(e, _("link"), msg);
		goto out;
	}
	if (sync_dir(q->dir, e) == -1)
		goto out;
	text = queue_meta_format(&m);
	rc = write_file_atomic(q, q->dir, name, text, e);
	free(text);
	if (rc == 0) {
		(void)unlink(fenv);
		(void)unlink(fmsg);
		err_init(&ignored);	/* the item is live: that is what counts */
		(void)sync_dir(q->failed, &ignored);
	}
out:
	queue_meta_release(&m);
	close(fd);
	free(fenv);
	free(fmsg);
	free(msg);
	free(name);
	return rc;
}

int
queue_make_due(struct queue *q, const char *id, struct err *e)
{
	struct queue_item	*it;
	char			*name, *text;
	int			 rc;

	if (!queue_id_valid(id))
		return err_set(e, ERR_USAGE, _("'%s' is not a queue id"), id);
	if ((rc = queue_lock(q, id, &it, e)) != 0) {
		if (rc == -1 || has_item(q->dir, id))
			return rc;
		if (!has_item(q->failed, id))
			return no_such_item(q, id, e);
		return revive_failed(q, id, e);
	}
	it->meta.next = 0;
	name = xasprintf("%s.env", it->meta.id);
	text = queue_meta_format(&it->meta);
	rc = write_file_atomic(q, q->dir, name, text, e);
	free(text);
	free(name);
	queue_item_release(it);
	return rc;
}

void
queue_list_free(struct queue_meta *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		queue_meta_release(&v[i]);
	free(v);
}

static void
sweep_dir(const char *dir, const char *suffix, const char *envdir, long age)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		*path, *env;
	size_t		 len, slen = strlen(suffix);
	time_t		 now = time(NULL);

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= slen ||
		    strcmp(de->d_name + len - slen, suffix) != 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		env = envdir == NULL ? NULL : xasprintf("%s/%.*s.env", envdir,
		    (int)(len - slen), de->d_name);
		/*
		 * ctime, not mtime: a link() (--queue-retry) or rename gives a
		 * file a new name but keeps its old mtime.
		 */
		if (lstat(path, &st) == 0 && now - st.st_ctime > age &&
		    (env == NULL || access(env, F_OK) == -1)) {
			int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

			/*
			 * Never under a sender that holds it; and looked at
			 * again once locked: its ID.env may have come meanwhile.
			 */
			if (fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
			    same_file(fd, path) &&
			    (env == NULL || access(env, F_OK) == -1))
				unlink(path);
			if (fd != -1)
				close(fd);
		}
		free(path);
		free(env);
	}
	closedir(d);
}

/*
 * An ID.env whose ID.msg is gone: a move to failed/ cut short (its
 * ID.msg is there), or, after an hour, anything else that left one.
 */
static void
sweep_envs(const char *dir, const char *failed, long age)
{
	struct stat	 st;
	char		*fmsg;
	time_t		 now = time(NULL);
	DIR		*d;
	struct dirent	*de;
	char		*env, *msg;
	size_t		 len;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 4 ||
		    strcmp(de->d_name + len - 4, ".env") != 0)
			continue;
		env = xasprintf("%s/%s", dir, de->d_name);
		msg = xasprintf("%s/%.*s.msg", dir, (int)(len - 4), de->d_name);
		fmsg = xasprintf("%s/%.*s.msg", failed, (int)(len - 4),
		    de->d_name);
		/* ID.msg is made before ID.env and removed after it. */
		if (access(msg, F_OK) == -1 && errno == ENOENT &&
		    (access(fmsg, F_OK) == 0 || (lstat(env, &st) == 0 &&
		    now - st.st_ctime > age)))
			(void)unlink(env);
		free(env);
		free(msg);
		free(fmsg);
	}
	closedir(d);
}

/*
 * failed/ names of an item that is live again (a --queue-retry, or a move
 * to failed/ cut short before its ID.msg moved): the live copy wins.
 * Under the item's lock, so never while it is being moved.
 */
static void
sweep_failed(const struct queue *q)
{
	DIR		*d;
	struct dirent	*de;
	char		*fenv, *fmsg, *env, *msg;
	size_t		 len;
	int		 fd;

	if ((d = opendir(q->failed)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 4 ||
		    strcmp(de->d_name + len - 4, ".env") != 0)
			continue;
		fenv = xasprintf("%s/%s", q->failed, de->d_name);
		fmsg = xasprintf("%s/%.*s.msg", q->failed, (int)(len - 4),
		    de->d_name);
		env = xasprintf("%s/%s", q->dir, de->d_name);
		msg = xasprintf("%s/%.*s.msg", q->dir, (int)(len - 4),
		    de->d_name);
		if (access(env, F_OK) == 0 &&
		    (fd = open(msg, O_RDWR | O_CLOEXEC)) != -1) {
			if (flock(fd, LOCK_EX | LOCK_NB) == 0 &&
			    access(env, F_OK) == 0) {
				(void)unlink(fenv);
				(void)unlink(fmsg);
			}
			close(fd);
		}
		free(fenv);
		free(fmsg);
		free(env);
		free(msg);
	}
	closedir(d);
}

void
queue_sweep(struct queue *q)
{
	queue_sweep_after(q, ORPHAN_AGE);
}

void
queue_sweep_after(struct queue *q, long age)
{
	sweep_envs(q->dir, q->failed, age);
	sweep_failed(q);
	sweep_dir(q->failed, ".msg", q->failed, age);
	sweep_dir(q->dir, ".msg", q->dir, age);
	sweep_dir(q->tmp, "", NULL, age);
}
