/*
 * secret.c - password sources.
 */
#include <config.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBSECRET
#include <libsecret/secret.h>
#endif

#include "buf.h"
#include "netrc.h"
#include "nls.h"
#include "secret.h"
#include "slurp.h"
#include "spawn.h"
#include "xalloc.h"

#define NETRC_MAX	(1024 * 1024)

void
secret_init(struct secret *s)
{
	s->data = NULL;
	s->len = 0;
}

void
secret_release(struct secret *s)
{
	if (s->data != NULL) {
		secret_wipe(s->data, s->len);
		free(s->data);
	}
	secret_init(s);
}

void
secret_set(struct secret *s, const char *p, size_t n)
{
	secret_release(s);
	s->data = xmalloc(n + 1);
	memcpy(s->data, p, n);
	s->data[n] = '\0';
	s->len = n;
}

/* Takes over a malloc'd string (wiping it later). */
static void
secret_take(struct secret *s, char *p)
{
	secret_release(s);
	s->data = p;
	s->len = strlen(p);
}

/* ------------------------------------------------------------ keyring */

#ifdef HAVE_LIBSECRET
/*
 * msmtp's schema.  Entries stored with secret-tool carry no schema name,
 * hence DONT_MATCH_NAME: only the attributes must match.
 */
static const SecretSchema msmtp_schema = {
	"de.marlam.msmtp.password", SECRET_SCHEMA_DONT_MATCH_NAME,
	{
		{ "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "service", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
	0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
};

typedef gchar *lookup_fn(const SecretSchema *, GCancellable *, GError **, ...);
typedef void free_fn(gchar *);
typedef void error_free_fn(GError *);

/* The lookup runs on a thread so that a stuck daemon cannot stall us. */
struct keyring_job {
	pthread_mutex_t	 lock;
	pthread_cond_t	 done_cv;
	bool		 done;
	bool		 abandoned;
	char		*host;
	char		*user;
	char		*result;	/* malloc'd copy */
	char		 error[256];
	lookup_fn	*lookup;
	free_fn		*pw_free;
	error_free_fn	*err_free;
};

static void
job_free(struct keyring_job *j)
{
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->done_cv);
	free(j->host);
	free(j->user);
	if (j->result != NULL) {
		secret_wipe(j->result, strlen(j->result));
		free(j->result);
	}
	free(j);
}

static void *
keyring_run(void *arg)
{
	struct keyring_job	*j = arg;
	GError			*gerr = NULL;
	gchar			*pw;
	bool			 abandoned;

	pw = j->lookup(&msmtp_schema, NULL, &gerr, "host", j->host,
	    "service", "smtp", "user", j->user, NULL);
	pthread_mutex_lock(&j->lock);
	if (pw != NULL) {
		j->result = strdup(pw);
		secret_wipe(pw, strlen(pw));
		j->pw_free(pw);
	} else if (gerr != NULL) {
		snprintf(j->error, sizeof(j->error), "%s", gerr->message);
		j->err_free(gerr);
	}
	j->done = true;
	abandoned = j->abandoned;
	pthread_cond_signal(&j->done_cv);
	pthread_mutex_unlock(&j->lock);
	if (abandoned)
		job_free(j);
	return NULL;
}

static bool
have_session_bus(void)
{
	const char	*addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char	*run = getenv("XDG_RUNTIME_DIR");
	char		 path[4096];
	struct stat	 st;

	if (addr != NULL && *addr != '\0')
		return true;
	if (run == NULL || *run == '\0')
		return false;
	snprintf(path, sizeof(path), "%s/bus", run);
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* 0: found; 1: not there (why in note); -1: error. */
static int
from_keyring(const struct secret_query *q, struct secret *out, char *note,
    size_t notesize, struct err *e)
{
	struct keyring_job	*j;
	void			*lib;
	pthread_t		 tid;
	pthread_attr_t		 attr;
	struct timespec		 ts;
	int			 rc;

	if (!have_session_bus()) {
		snprintf(note, notesize, _("keyring (no D-Bus session)"));
		return 1;
	}
	/* Loaded only now: runs that need no keyring never pay for GLib. */
	if ((lib = dlopen("libsecret-1.so.0", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(note, notesize, _("keyring (libsecret not found)"));
		return 1;
	}
	j = xcalloc(1, sizeof(*j));
	j->lookup = (lookup_fn *)dlsym(lib, "secret_password_lookup_sync");
	j->pw_free = (free_fn *)dlsym(lib, "secret_password_free");
	j->err_free = (error_free_fn *)dlsym(lib, "g_error_free");
	if (j->lookup == NULL || j->pw_free == NULL || j->err_free == NULL) {
		free(j);
		snprintf(note, notesize, _("keyring (libsecret unusable)"));
		return 1;
	}
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->done_cv, NULL);
	j->host = xstrdup(q->host);
	j->user = xstrdup(q->user);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, keyring_run, j);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		job_free(j);
		return err_set(e, ERR_OSERR, _("cannot start a thread: %s"),
		    strerror(rc));
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += q->timeout_s > 0 ? q->timeout_s : 30;
	pthread_mutex_lock(&j->lock);
	rc = 0;
	while (!j->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&j->done_cv, &j->lock, &ts);
	if (!j->done) {
		j->abandoned = true;
		pthread_mutex_unlock(&j->lock);
		snprintf(note, notesize, _("keyring (no answer within %d s)"),
		    q->timeout_s);
		return 1;
	}
	pthread_mutex_unlock(&j->lock);
	if (j->result == NULL) {
		snprintf(note, notesize, j->error[0] != '\0' ?
		    _("keyring (%s)") : _("keyring (no entry for host %s, user %s)"),
		    j->error[0] != '\0' ? j->error : q->host, q->user);
		job_free(j);
		return 1;
	}
	secret_take(out, j->result);
	j->result = NULL;
	job_free(j);
	return 0;
}
#endif

/* ------------------------------------------------------------ netrc */

static int
from_netrc(const char *path, const struct secret_query *q,
    struct secret *out)
{
	struct buf	 text;
	struct err	 ignored;
	char		*pw;
	int		 rc = 1;

	err_init(&ignored);
	if (path == NULL || slurp(path, NETRC_MAX, ERR_CONFIG, true, true,
	    &text, NULL, &ignored) != 0)
		return 1;
	if (text.data != NULL &&
	    (pw = netrc_find(text.data, text.len, q->host, q->user)) != NULL) {
		secret_take(out, pw);
		rc = 0;
	}
	if (text.data != NULL)
		secret_wipe(text.data, text.cap);
	buf_release(&text);
	return rc;
}

/* ------------------------------------------------------------ prompt */

static int
from_tty(const struct secret_query *q, struct secret *out, struct err *e)
{
	struct termios	 old, quiet;
	char		 line[4096];
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd;
	bool		 restore;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return 1;
	restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		(void)tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	dprintf(fd, _("smtpsend: %s for %s at %s: "), q->what, q->user, q->host);
	while (n + 1 < sizeof(line)) {
		r = read(fd, line + n, 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0 || line[n] == '\n' || line[n] == '\r')
			break;
		n++;
	}
	if (restore)
		(void)tcsetattr(fd, TCSAFLUSH, &old);
	(void)write(fd, "\n", 1);
	close(fd);
	if (n == 0) {
		secret_wipe(line, sizeof(line));
		return err_set(e, ERR_CONFIG, _("no %s was typed"), q->what);
	}
	secret_set(out, line, n);
	secret_wipe(line, sizeof(line));
	return 0;
}

/* ------------------------------------------------------------ all */

int
secret_fetch(const struct secret_query *q, struct secret *out,
    const char **source, struct err *e)
{
	char	 netrc[4096], tried[1024], note[300];
	char	*line = NULL;
	int	 rc;

	secret_release(out);
	if (q->password != NULL && *q->password != '\0') {
		secret_set(out, q->password, strlen(q->password));
		*source = "password";
		return 0;
	}
	if (q->passwordeval != NULL && *q->passwordeval != '\0') {
		if (spawn_first_line(q->passwordeval, "passwordeval",
		    q->timeout_s > 0 ? q->timeout_s * 5 : SPAWN_EVAL_TIMEOUT_S,
		    &line, e) == -1)
			return -1;
		if (*line == '\0') {
			free(line);
			return err_set(e, ERR_CONFIG,
			    _("passwordeval command printed an empty first line"));
		}
		secret_take(out, line);
		*source = "passwordeval";
		return 0;
	}
	tried[0] = '\0';
#ifdef HAVE_LIBSECRET
	if ((rc = from_keyring(q, out, note, sizeof(note), e)) == -1)
		return -1;
	if (rc == 0) {
		*source = "keyring";
		return 0;
	}
	snprintf(tried, sizeof(tried), "%s", note);
#endif
	if (q->home != NULL) {
		snprintf(netrc, sizeof(netrc), "%s/.netrc", q->home);
		if (from_netrc(netrc, q, out) == 0) {
			*source = "netrc";
			return 0;
		}
	}
	if (from_netrc(q->system_netrc, q, out) == 0) {
		*source = "netrc";
		return 0;
	}
	snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried),
	    "%s~/.netrc, %s", tried[0] ? ", " : "",
	    q->system_netrc ? q->system_netrc : "");
	if (q->prompt) {
		if ((rc = from_tty(q, out, e)) == -1)
			return -1;
		if (rc == 0) {
			*source = "prompt";
			return 0;
		}
		snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried),
		    _(", a terminal (none)"));
	}
	return err_set(e, ERR_CONFIG, _("no %s for user '%s' at '%s': not in the "
	    "configuration (password, passwordeval) nor in %s"), q->what,
	    q->user, q->host, tried);
}
