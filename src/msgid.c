/*
 * msgid.c - Message-ID generation.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SYS_RANDOM_H
#include <sys/random.h>
#endif

#include "msgid.h"
#include "nls.h"

static int
random_bytes(unsigned char *p, size_t n)
{
	size_t	got = 0;
	ssize_t	r;
	int	fd;

#ifdef HAVE_GETRANDOM
	while (got < n) {
		r = getrandom(p + got, n - got, 0);
		if (r > 0)
			got += (size_t)r;
		else if (r == -1 && errno != EINTR)
			break;
	}
	if (got == n)
		return 0;
#endif
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (got < n) {
		r = read(fd, p + got, n - got);
		if (r > 0)
			got += (size_t)r;
		else if (r == 0 || errno != EINTR)
			break;
	}
	close(fd);
	return got == n ? 0 : -1;
}

int
msgid_make(char *out, size_t size, const char *domain, time_t now,
    struct err *e)
{
	unsigned char	 rnd[16];
	char		 hex[sizeof(rnd) * 2 + 1], stamp[16];
	struct tm	 tm;
	size_t		 i;
	int		 n;

	if (random_bytes(rnd, sizeof(rnd)) == -1)
		return err_set(e, ERR_OSERR,
		    _("cannot get random bytes for a Message-ID: %s"),
		    strerror(errno));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm) == 0)
		stamp[0] = '\0';
	n = snprintf(out, size, "<%s.%s@%s>", stamp, hex, domain);
	if (n < 0 || (size_t)n >= size)
		return err_set(e, ERR_DATA, _("Message-ID domain '%s' is too long"),
		    domain);
	return 0;
}
