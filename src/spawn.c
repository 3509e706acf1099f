/*
 * spawn.c - /bin/sh -c CMD, first line of its output.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "nls.h"
#include "wipe.h"
#include "spawn.h"
#include "xalloc.h"

#define OUTPUT_MAX	(16 * 1024 * 1024)
#define STDERR_KEEP	1024

static void
close_pair(int p[2])
{
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
}

/* Reads both pipes until both end; out keeps everything up to OUTPUT_MAX. */
static int
drain(int outfd, int errfd, struct buf *out, char *errtext, size_t errsize,
    int64_t deadline, bool *late, struct err *e)
{
	int64_t		left;
	struct pollfd	pfd[2];
	char		chunk[4096];
	size_t		errlen = 0;
	ssize_t		n;
	int		open_fds = 2, i;

	pfd[0].fd = outfd;
	pfd[1].fd = errfd;
	pfd[0].events = pfd[1].events = POLLIN;
	while (open_fds > 0) {
		if ((left = deadline - clock_ms()) <= 0) {
			*late = true;
			return -1;
		}
		if (poll(pfd, 2, (int)(left > 60000 ? 60000 : left)) == -1) {
			if (errno == EINTR)
				continue;
			return err_set(e, ERR_OSERR, _("poll failed: %s"),
			    strerror(errno));
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0) {
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 0) {
				if (buf_add(out, chunk, (size_t)n, e) == -1) {
					secret_wipe(chunk, sizeof(chunk));
					return -1;
				}
			} else if (errlen + 1 < errsize) {
				size_t take = (size_t)n;

				if (take > errsize - 1 - errlen)
					take = errsize - 1 - errlen;
				memcpy(errtext + errlen, chunk, take);
				errlen += take;
			}
		}
	}
	errtext[errlen] = '\0';
	secret_wipe(chunk, sizeof(chunk));
	return 0;
}

/* The first line of s, made printable, for an error message. */
static void
first_line_printable(char *s)
{
	char *p;

	if ((p = strpbrk(s, "\r\n")) != NULL)
		*p = '\0';
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

int
spawn_first_line(const char *cmd, const char *what, int timeout_s,
    char **line, struct err *e)
{
	int64_t		 deadline = clock_ms() + (int64_t)timeout_s * 1000;
	bool		 late = false;
	int		 outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, devnull;
	int		 status, rc = -1;
	pid_t		 pid;
	struct buf	 out;
	char		 errtext[STDERR_KEEP + 1];

	*line = NULL;
	buf_init(&out, OUTPUT_MAX, ERR_CONFIG, _("the output of the command"));
	if (pipe2(outp, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1) {
		err_set(e, ERR_OSERR, _("cannot create a pipe: %s"),
		    strerror(errno));
		goto out;
	}
	if ((pid = fork()) == -1) {
		err_set(e, ERR_OSERR, _("cannot fork: %s"), strerror(errno));
		goto out;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDONLY);
		if (devnull == -1 || dup2(devnull, 0) == -1 ||
		    dup2(outp[1], 1) == -1 || dup2(errp[1], 2) == -1)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	if (drain(outp[0], errp[0], &out, errtext, sizeof(errtext), deadline,
	    &late, e) == -1) {
		kill(pid, late ? SIGKILL : SIGTERM);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		if (late)
			err_set(e, ERR_TEMPFAIL, _("%s command did not finish "
			    "within %d s"), what, timeout_s);
		goto out;
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			err_set(e, ERR_OSERR, _("cannot wait for %s: %s"), what,
			    strerror(errno));
			goto out;
		}
	first_line_printable(errtext);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (errtext[0] != '\0')
			err_set(e, ERR_CONFIG, _("%s command failed: %s"), what,
			    errtext);
		else
			err_set(e, ERR_CONFIG,
			    _("%s command failed with exit status %d"), what,
			    WIFEXITED(status) ? WEXITSTATUS(status) : 128);
		goto out;
	}
	if (out.len == 0) {
		err_set(e, ERR_CONFIG, _("%s command printed nothing"), what);
		goto out;
	}
	/* Only the first line leaves; the whole output is wiped. */
	*line = xstrndup(out.data, strcspn(out.data, "\r\n"));
	rc = 0;
out:
	close_pair(outp);
	close_pair(errp);
	if (out.data != NULL)
		secret_wipe(out.data, out.cap);
	buf_release(&out);
	return rc;
}

/* Writes all of data to fd before deadline (clock_ms()); -1 on failure. */
static int
feed_all(int fd, const char *data, size_t len, int64_t deadline)
{
	struct pollfd	pfd;
	ssize_t		n;
	int64_t		left;

	pfd.fd = fd;
	pfd.events = POLLOUT;
	while (len > 0) {
		if ((left = deadline - clock_ms()) <= 0)
			return -1;
		if (poll(&pfd, 1, (int)(left > 60000 ? 60000 : left)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd.revents == 0)
			continue;
		n = write(fd, data, len);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int
spawn_feed(const char *cmd, const char *what, const char *var,
    const char *value, const char *data, size_t len, int timeout_s,
    struct err *e)
{
	int		inp[2] = { -1, -1 }, status = 0;
	int64_t		deadline = clock_ms() + (int64_t)timeout_s * 1000;
	pid_t		pid, w;
	bool		exited = false;

	if (pipe2(inp, O_CLOEXEC) == -1)
		return err_set(e, ERR_OSERR, _("cannot create a pipe: %s"),
		    strerror(errno));
	if ((pid = fork()) == -1) {
		err_set(e, ERR_OSERR, _("cannot fork: %s"), strerror(errno));
		close_pair(inp);
		return -1;
	}
	if (pid == 0) {
		/*
		 * Its output is for the user, never for our standard output.
		 * A group of its own, so a kill at the deadline reaches what
		 * it started too (which would hold our standard error open).
		 */
		(void)setpgid(0, 0);
		if (dup2(inp[0], 0) == -1 || dup2(2, 1) == -1)
			_exit(127);
		if (var != NULL && setenv(var, value, 1) == -1)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(inp[0]);
	(void)fcntl(inp[1], F_SETFL, O_NONBLOCK);
	/* A command that does not read everything is its business. */
	(void)feed_all(inp[1], data, len, deadline);
	close(inp[1]);
	while (!exited) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			exited = true;
		else if (w == -1 && errno != EINTR)
			break;
		else if (clock_ms() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
				;
			return err_set(e, ERR_TEMPFAIL,
			    _("%s command did not finish within %d s"), what,
			    timeout_s);
		} else
			(void)poll(NULL, 0, 20);
	}
	if (!exited)
		return err_set(e, ERR_OSERR, _("cannot wait for %s: %s"), what,
		    strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, ERR_UNAVAILABLE,
		    _("%s command failed with exit status %d"), what,
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	return 0;
}
