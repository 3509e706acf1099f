/*
 * resolve.c - getaddrinfo() with a deadline.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "nls.h"
#include "resolve.h"
#include "xalloc.h"

/*
 * Shared between the waiting thread and the lookup thread.  Whoever
 * finishes last frees it: the lookup thread when the waiter gave up, the
 * waiter otherwise.
 */
struct lookup {
	pthread_mutex_t	 lock;
	pthread_cond_t	 done_cv;
	bool		 done;
	bool		 abandoned;
	char		*host;
	char		 port[8];
	int		 flags;		/* extra getaddrinfo flags */
	int		 rc;
	struct addrinfo	*res;
};

static void
lookup_free(struct lookup *l)
{
	if (l->res != NULL)
		freeaddrinfo(l->res);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->done_cv);
	free(l->host);
	free(l);
}

static void
hints_init(struct addrinfo *hints, int flags)
{
	memset(hints, 0, sizeof(*hints));
	hints->ai_family = AF_UNSPEC;
	hints->ai_socktype = SOCK_STREAM;
	hints->ai_protocol = IPPROTO_TCP;
	hints->ai_flags = AI_NUMERICSERV | flags;
}

static void *
lookup_run(void *arg)
{
	struct lookup	*l = arg;
	struct addrinfo	 hints;
	bool		 abandoned;

	hints_init(&hints, l->flags);
	l->rc = getaddrinfo(l->host, l->port, &hints, &l->res);
	pthread_mutex_lock(&l->lock);
	l->done = true;
	abandoned = l->abandoned;
	pthread_cond_signal(&l->done_cv);
	pthread_mutex_unlock(&l->lock);
	if (abandoned)
		lookup_free(l);
	return NULL;
}

static int
lookup_error(const char *host, int rc, struct err *e)
{
	switch (rc) {
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
		return err_set(e, ERR_NOHOST, _("cannot find host '%s'"), host);
	case EAI_AGAIN:
		return err_set(e, ERR_TEMPFAIL,
		    _("cannot find host '%s': temporary failure in name resolution"),
		    host);
	case EAI_MEMORY:
		return err_set(e, ERR_OSERR, _("out of memory"));
	case EAI_SYSTEM:
		return err_set(e, ERR_OSERR, _("cannot find host '%s': %s"),
		    host, strerror(errno));
	default:
		return err_set(e, ERR_NOHOST, _("cannot find host '%s': %s"),
		    host, gai_strerror(rc));
	}
}

/* getaddrinfo() on a thread, waited for until the deadline. */
static int
run_lookup(const char *host, const char *portstr, int flags,
    int64_t deadline_ms, struct addrinfo **out, struct err *e)
{
	struct lookup	*l;
	pthread_t	 tid;
	pthread_attr_t	 attr;
	struct timespec	 ts;
	int64_t		 left;
	int		 rc;

	l = xcalloc(1, sizeof(*l));
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->done_cv, NULL);
	l->host = xstrdup(host);
	snprintf(l->port, sizeof(l->port), "%s", portstr);
	l->flags = flags;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, lookup_run, l);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		lookup_free(l);
		return err_set(e, ERR_OSERR, _("cannot start a thread: %s"),
		    strerror(rc));
	}

	/* pthread_cond_timedwait() takes CLOCK_REALTIME by default. */
	clock_gettime(CLOCK_REALTIME, &ts);
	left = deadline_ms - clock_ms();
	if (left < 0)
		left = 0;
	ts.tv_sec += (time_t)(left / 1000);
	ts.tv_nsec += (long)(left % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&l->lock);
	rc = 0;
	while (!l->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&l->done_cv, &l->lock, &ts);
	if (!l->done) {
		l->abandoned = true;
		pthread_mutex_unlock(&l->lock);
		return err_set(e, ERR_TEMPFAIL,
		    _("cannot find host '%s': name resolution timed out"), host);
	}
	pthread_mutex_unlock(&l->lock);
	if (l->rc != 0) {
		rc = l->rc;
		lookup_free(l);
		return lookup_error(host, rc, e);
	}
	*out = l->res;
	l->res = NULL;
	lookup_free(l);
	return 0;
}

int
resolve_host(const char *host, int port, int64_t deadline_ms,
    struct addrinfo **out, struct err *e)
{
	struct addrinfo	 hints;
	char		 portstr[8];

	*out = NULL;
	snprintf(portstr, sizeof(portstr), "%d", port);
	hints_init(&hints, AI_NUMERICHOST);
	if (getaddrinfo(host, portstr, &hints, out) == 0)
		return 0;
	*out = NULL;
	return run_lookup(host, portstr, 0, deadline_ms, out, e);
}

int
resolve_canonical(const char *host, int64_t deadline_ms, char **out,
    struct err *e)
{
	struct addrinfo *res = NULL;

	*out = NULL;
	if (run_lookup(host, "25", AI_CANONNAME, deadline_ms, &res, e) == -1)
		return -1;
	*out = xstrdup(res->ai_canonname != NULL ? res->ai_canonname : host);
	freeaddrinfo(res);
	return 0;
}

void
resolve_addr_string(const struct sockaddr *sa, socklen_t len, char *out,
    size_t size)
{
	if (getnameinfo(sa, len, out, (socklen_t)size, NULL, 0,
	    NI_NUMERICHOST) != 0)
		snprintf(out, size, "?");
}
